"""Code hygiene of the package, checked on the syntax tree (issue 9, point 6): short functions,
no private names imported across modules, no import of the command line from inside the package,
and no script hidden in a library module. Each check lists every offender as ``path:line``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: folders checked (the benchmarks are scripts: their functions and imports are checked too)
CHECKED = ("cge", "calibration", "benchmarks")
MAX_FUNCTION_LINES = 80
#: modules allowed to import cge.cli: the command line itself
CLI_IMPORTERS = {"cge/cli.py"}
#: deliberate entry points inside the package (``python -m cge.cli``, ``python -m calibration``)
ENTRY_POINTS = {"cge/cli.py", "calibration/__main__.py"}


def _files(folders=CHECKED, root: Path = ROOT) -> list[Path]:
    return sorted(p for f in folders for p in (root / f).rglob("*.py"))


def _module_parts(path: Path, root: Path) -> tuple[list[str], list[str]]:
    """Dotted parts of the module at ``path`` and of the package it belongs to."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
        return parts, parts
    return parts, parts[:-1]


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _is_module(parts: list[str], root: Path) -> bool:
    p = root.joinpath(*parts)
    return p.with_suffix(".py").is_file() or (p / "__init__.py").is_file()


def long_functions(path: Path, root: Path = ROOT, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """``path:line name (n lines)`` for every function or method longer than ``limit`` lines."""
    tree = ast.parse(path.read_text(), str(path))
    rel = path.relative_to(root).as_posix()
    return [f"{rel}:{n.lineno} {n.name} ({n.end_lineno - n.lineno + 1} lines)" for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > limit]


#: names with a leading underscore that the standard library documents as public API
DOCUMENTED_UNDERSCORE_NAMES = {"os._exit"}


def private_imports(path: Path, root: Path = ROOT) -> list[str]:
    """Private names taken from another module: ``from m import _name`` (also between private
    modules of one package), a private module imported from outside its package, and
    ``module._name`` on an imported module. A package's own private submodules
    (``from . import _newton`` inside ``cge.solve``) are its business and allowed."""
    tree = ast.parse(path.read_text(), str(path))
    rel = path.relative_to(root).as_posix()
    me, package = _module_parts(path, root)
    out, modules = [], set()
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom):
            base = (package[:len(package) - (n.level - 1)] if n.level else []) + (n.module or "").split(".")
            base = [b for b in base if b]
            hidden = [k for k, b in enumerate(base) if _private(b)]
            if hidden and base[:hidden[0]] != package[:hidden[0]] and base != me:
                out.append(f"{rel}:{n.lineno} from {'.'.join(base)} import ... (private module of another package)")
            for a in n.names:
                if not _private(a.name):
                    continue
                if _is_module(base + [a.name], root) and base == package:
                    modules.add(a.asname or a.name)        # the package's own private module
                    continue
                out.append(f"{rel}:{n.lineno} from {'.'.join(base) or '.'} import {a.name}")
        elif isinstance(n, ast.Import):
            for a in n.names:
                parts = a.name.split(".")
                hidden = [k for k, b in enumerate(parts) if _private(b)]
                if hidden and parts[:hidden[0]] != package[:hidden[0]]:
                    out.append(f"{rel}:{n.lineno} import {a.name} (private module of another package)")
                modules.add(a.asname or parts[0])
    for n in ast.walk(tree):
        if (isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in modules
                and _private(n.attr) and f"{n.value.id}.{n.attr}" not in DOCUMENTED_UNDERSCORE_NAMES):
            out.append(f"{rel}:{n.lineno} {n.value.id}.{n.attr}")
    return out


def cli_imports(path: Path, root: Path = ROOT) -> list[str]:
    """Imports of ``cge.cli`` (the command line sits on top of the package, nothing imports it)."""
    tree = ast.parse(path.read_text(), str(path))
    rel = path.relative_to(root).as_posix()
    _, package = _module_parts(path, root)
    out = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            out += [f"{rel}:{n.lineno} import {a.name}" for a in n.names if a.name.split(".")[:2] == ["cge", "cli"]]
        elif isinstance(n, ast.ImportFrom):
            base = (package[:len(package) - (n.level - 1)] if n.level else []) + (n.module or "").split(".")
            base = [b for b in base if b]
            if base[:2] == ["cge", "cli"] or (base == ["cge"] and any(a.name == "cli" for a in n.names)):
                out.append(f"{rel}:{n.lineno} from {'.'.join(base)} import ...")
    return out


def main_guards(path: Path, root: Path = ROOT) -> list[str]:
    """``if __name__ == "__main__":`` blocks (a script inside a library module)."""
    tree = ast.parse(path.read_text(), str(path))
    rel = path.relative_to(root).as_posix()
    out = []
    for n in ast.walk(tree):
        if isinstance(n, ast.If) and isinstance(n.test, ast.Compare):
            names = [x for x in [n.test.left, *n.test.comparators] if isinstance(x, ast.Name)]
            consts = [x for x in [n.test.left, *n.test.comparators] if isinstance(x, ast.Constant)]
            if any(x.id == "__name__" for x in names) and any(x.value == "__main__" for x in consts):
                out.append(f"{rel}:{n.lineno}")
    return out


# ----- the checks, over the package ---------------------------------------------------------------


def _offenders(check, files) -> list[str]:
    return [o for p in files for o in check(p)]


def test_no_function_is_longer_than_80_lines():
    offenders = _offenders(long_functions, _files())
    assert not offenders, "split into named steps:\n" + "\n".join(offenders)


def test_no_private_name_is_imported_across_modules():
    offenders = _offenders(private_imports, _files())
    assert not offenders, "make the name public where it is shared:\n" + "\n".join(offenders)


def test_only_the_command_line_imports_cge_cli():
    files = [p for p in _files(("cge",)) if p.relative_to(ROOT).as_posix() not in CLI_IMPORTERS]
    offenders = _offenders(cli_imports, files)
    assert not offenders, "the package must not import its command line:\n" + "\n".join(offenders)


def test_no_script_entry_point_inside_the_package_but_the_deliberate_ones():
    files = [p for p in _files(("cge", "calibration")) if p.relative_to(ROOT).as_posix() not in ENTRY_POINTS]
    offenders = _offenders(main_guards, files)
    assert not offenders, "move scripts to benchmarks/ (or tests/):\n" + "\n".join(offenders)


def test_the_deliberate_entry_points_exist():
    for rel in ENTRY_POINTS | CLI_IMPORTERS:
        assert (ROOT / rel).is_file(), rel


# ----- the checkers find what they should (so the checks above can fail) -------------------------

BAD = {
    "pkg/__init__.py": "",
    "pkg/_inner.py": "_SECRET = 1\n\ndef public():\n    return _SECRET\n",
    "pkg/user.py": ("from pkg._inner import _SECRET\nfrom . import _inner\nimport pkg.other as other\n"
                    "from cge.cli import main\n\n"
                    "def f():\n    return _inner.public() + other._hidden()\n\n"
                    "def g():\n" + "    x = 1\n" * 85 + "    return x\n\n"
                    "if __name__ == '__main__':\n    f()\n"),
    "pkg/other.py": "def _hidden():\n    return 1\n",
    "outside.py": "from pkg import _inner\nfrom pkg._inner import public\n",
}


@pytest.fixture
def bad_tree(tmp_path):
    for rel, text in BAD.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def test_checkers_find_long_functions_private_imports_cli_imports_and_scripts(bad_tree):
    user = bad_tree / "pkg" / "user.py"
    assert long_functions(user, bad_tree) == ["pkg/user.py:9 g (87 lines)"]
    found = private_imports(user, bad_tree)
    assert any("import _SECRET" in o for o in found)             # a private name of a sibling module
    assert any("other._hidden" in o for o in found)              # a private attribute of an imported module
    assert not any("import _inner" in o or "_inner.public" in o for o in found)   # own private module: fine
    outside = private_imports(bad_tree / "outside.py", bad_tree)
    assert len(outside) == 2                                     # private module from outside its package
    assert cli_imports(user, bad_tree) == ["pkg/user.py:4 from cge.cli import ..."]
    assert main_guards(user, bad_tree) == ["pkg/user.py:97"]
    assert private_imports(bad_tree / "pkg" / "_inner.py", bad_tree) == []


# ----- the package's own import graph: no circle, no upward import, each name defined once ------

#: the stages of the flow, lowest first: a module may import from its own stage and the stages
#: before it, never from a later one (the README's module table lists them in this order)
STAGES = ("cge.errors", "cge.runtime", "cge.io", "cge.data", "calibration", "cge.scenarios", "cge.expr",
          "cge.core", "cge.solve", "cge.bca", "cge.results", "cge.dynamics", "cge.sweep", "cge.report", "cge.cli",
          "cge", "benchmarks")
#: stages that must not import each other at all (the model language and the solver meet in cge.expr)
INDEPENDENT = (("cge.core", "cge.solve"),)
#: names that several modules define on purpose: the entry point of each script and command
SHARED_NAMES = {"main"}
#: names defined in two or more modules when this check was written (issue 21). Most are homonyms
#: of different facts (``TABLES`` of the benchmark format and of the results contract, ``KINDS``,
#: ``Point``, ``log``); ``BASES`` (the schema's choices and the functions, equal by a test in
#: test_options.py), ``ROUTES``, ``FUELS`` and ``REPO`` are one fact twice. A debt to pay off, not to
#: grow: the check fails on any other name, and on a name here that is fixed (the list shrinks).
KNOWN_DUPLICATES = {
    "BASES", "FUELS", "HATCHES", "HOUSEHOLD", "KINDS", "Point", "REPO", "ROUTES", "TABLES", "TOP_KEYS",
    "Table", "aggregate", "burden_share", "cmd_sweep", "cmd_sweep_summary", "declare_parameters", "default_values",
    "load_aggregation", "log", "table", "to_benchmark",
}


def _modules(root: Path, folders) -> dict[str, Path]:
    out = {}
    for p in _files(folders, root):
        me, _ = _module_parts(p, root)
        out[".".join(me)] = p
    return out


def _target(name: str, modules) -> str | None:
    parts = name.split(".")
    while parts and ".".join(parts) not in modules:
        parts.pop()
    return ".".join(parts) or None


def import_graph(root: Path = ROOT, folders=CHECKED) -> dict[str, dict[str, int]]:
    """``{module: {imported module of the tree: line}}`` over every import statement, also those
    inside functions and ``if TYPE_CHECKING:`` (a dependency all the same)."""
    modules = _modules(root, folders)
    graph: dict[str, dict[str, int]] = {}
    for me, path in modules.items():
        _, package = _module_parts(path, root)
        edges = graph.setdefault(me, {})
        for n in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(n, ast.Import):
                names = [a.name for a in n.names]
            elif isinstance(n, ast.ImportFrom):
                base = (package[:len(package) - (n.level - 1)] if n.level else []) + (n.module or "").split(".")
                base = ".".join(b for b in base if b)
                names = [f"{base}.{a.name}" for a in n.names]
            else:
                continue
            for name in names:
                t = _target(name, modules)
                if t and t != me and not me.startswith(t + "."):   # a package's __init__ runs first anyway
                    edges.setdefault(t, n.lineno)
    return graph


def import_circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def stage_of(module: str, stages=STAGES) -> int:
    """Position of the longest stage that is ``module`` or a package above it."""
    best = max((s for s in stages if module == s or module.startswith(s + ".")), key=len, default=None)
    if best is None:
        raise AssertionError(f"{module} belongs to no stage: add it to STAGES")
    return stages.index(best)


def upward_imports(graph, stages=STAGES, independent=INDEPENDENT) -> list[str]:
    """``module:line -> target`` for every import of a later stage, or between independent stages."""
    out = []
    for me, edges in sorted(graph.items()):
        for t, line in sorted(edges.items()):
            a, b = stage_of(me, stages), stage_of(t, stages)
            pair = {stages[a], stages[b]}
            if b > a or any(pair == set(p) for p in independent):
                out.append(f"{me}:{line} -> {t}")
    return out


def names_defined_twice(root: Path = ROOT, folders=CHECKED, shared=SHARED_NAMES) -> list[str]:
    """``name: module, module`` for every public function, class or constant defined at the top of
    more than one module (a second definition drifts; import the first instead)."""
    where: dict[str, list[str]] = {}
    for me, path in _modules(root, folders).items():
        for n in ast.parse(path.read_text(), str(path)).body:
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names = [n.name]
            elif isinstance(n, (ast.Assign, ast.AnnAssign)):
                targets = n.targets if isinstance(n, ast.Assign) else [n.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
            else:
                continue
            for name in names:
                if not name.startswith("_") and name not in shared:
                    where.setdefault(name, []).append(me)
    return [f"{name}: {', '.join(ms)}" for name, ms in sorted(where.items()) if len(ms) > 1]


def _top_level_names(path: Path) -> set[str]:
    names = set()
    for n in ast.parse(path.read_text(), str(path)).body:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
        elif isinstance(n, (ast.Assign, ast.AnnAssign)):
            for t in n.targets if isinstance(n, ast.Assign) else [n.target]:
                names |= {e.id for e in ast.walk(t) if isinstance(e, ast.Name)}
    return names


def second_home_imports(root: Path = ROOT, folders=CHECKED + ("tests",)) -> list[str]:
    """``module:line from M import name`` where module ``M`` does not define ``name`` but imports it
    (a re-export: a second home). Names come from the module that defines them; a package's
    ``__init__`` may gather its own modules' names (``cge/__init__.py`` is the public API)."""
    modules = _modules(root, folders)
    defined = {m: _top_level_names(p) for m, p in modules.items()}
    out = []
    for me, path in modules.items():
        _, package = _module_parts(path, root)
        for n in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(n, ast.ImportFrom):
                continue
            base = (package[:len(package) - (n.level - 1)] if n.level else []) + (n.module or "").split(".")
            base = ".".join(b for b in base if b)
            if base not in modules or modules[base].name == "__init__.py":
                continue
            out += [f"{me}:{n.lineno} from {base} import {a.name}" for a in n.names
                    if a.name not in defined[base] and f"{base}.{a.name}" not in modules]
    return out


def test_names_are_imported_from_the_module_that_defines_them():
    offenders = second_home_imports()
    assert not offenders, "import from the defining module (no re-exports):\n" + "\n".join(offenders)


def test_the_package_has_no_import_circle():
    circles = import_circles(import_graph())
    assert not circles, "break the circle (move the shared part down a stage):\n" + "\n".join(map(str, circles))


def test_no_module_imports_from_a_later_stage():
    offenders = upward_imports(import_graph())
    assert not offenders, "move the shared part down, or the importer up (STAGES):\n" + "\n".join(offenders)


def test_each_public_name_is_defined_in_one_module():
    found = names_defined_twice()
    offenders = [o for o in found if o.split(":")[0] not in KNOWN_DUPLICATES]
    assert not offenders, "define it once and import it:\n" + "\n".join(offenders)
    fixed = KNOWN_DUPLICATES - {o.split(":")[0] for o in found}
    assert not fixed, f"defined once now, take them off KNOWN_DUPLICATES: {sorted(fixed)}"


PLANTED = {
    "pkg/__init__.py": "",
    "pkg/low.py": "import pkg.high\n\nLIMIT = 1\n",                  # upward import, and half a circle
    "pkg/high.py": "from pkg.low import LIMIT\n\ndef check():\n    return LIMIT\n",
    "pkg/solver.py": "from . import model\n",                       # between independent stages
    "pkg/model.py": "def check():\n    return 2\n",                  # 'check' defined twice
    "pkg/user.py": "from pkg.high import LIMIT\nfrom pkg.low import LIMIT as L\n",  # LIMIT's second home
}


def test_graph_checks_find_a_planted_circle_an_upward_import_a_name_defined_twice_and_a_re_export(tmp_path):
    for rel, text in PLANTED.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    graph = import_graph(tmp_path, ("pkg",))
    assert graph["pkg.low"] == {"pkg.high": 1} and graph["pkg.solver"] == {"pkg.model": 1}
    assert import_circles(graph) == [["pkg.high", "pkg.low"]]
    stages = ("pkg", "pkg.low", "pkg.model", "pkg.solver", "pkg.high", "pkg.user")
    assert upward_imports(graph, stages, independent=(("pkg.model", "pkg.solver"),)) == [
        "pkg.low:1 -> pkg.high", "pkg.solver:1 -> pkg.model"]
    assert upward_imports(graph, stages, independent=()) == ["pkg.low:1 -> pkg.high"]
    assert names_defined_twice(tmp_path, ("pkg",)) == ["check: pkg.high, pkg.model"]
    assert second_home_imports(tmp_path, ("pkg",)) == ["pkg.user:1 from pkg.high import LIMIT"]
    with pytest.raises(AssertionError, match="no stage"):
        stage_of("other.module", stages)
