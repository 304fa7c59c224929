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
