"""``cge.compare``: solve scenarios on a dataset and compare them, the Python front door to
:func:`cge.results.run.run_scenarios` (``cge compare`` is a thin layer over it).

.. code-block:: python

    import cge
    data = cge.load_dataset()
    ref = cge.Scenario(name="EU-50", coalition=["EU27"], policy={"instrument": "tax", "tax_usd_per_t": 50})
    run = cge.compare(data, [ref, ref.replace(name="EU-50-CBAM", bca={"import_charge": True})])

Everything is checked before the first solve: every scenario against the options schema (a
:class:`~cge.scenarios.spec.Scenario` is validated when made; mappings here) and against the
dataset (regions, groups, sectors: :func:`cge.results.run.check_scenarios`), the names unique,
the solver options against the schema. Progress (``progress=``): ``None`` (the default) prints one
line per solved scenario on stderr when stderr is a terminal, and otherwise (a notebook, a log)
once the run has taken longer than :data:`PROGRESS_AFTER_S`; ``True`` always, ``False`` never; a
function is called with each scenario and its :class:`~cge.solve.SolveResult` instead.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from cge.data.benchmark import Benchmark
from cge.data.datasets import load_dataset
from cge.errors import ScenarioError
from cge.results.run import Comparison, check_scenarios, run_scenarios
from cge.scenarios.options import OPTIONS, check_value, solver_default
from cge.scenarios.spec import Scenario, load_scenarios, scenario_from_dict

#: with ``progress=None``, a run whose stderr is not a terminal reports each scenario solved after this long
PROGRESS_AFTER_S = 10.0


def compare(
    data: Benchmark | str | os.PathLike | None,
    scenarios,
    *,
    progress: bool | Callable | None = None,
    route: str = solver_default("route"),
    tol: float = solver_default("tol"),
    check_tol: float = solver_default("check_tol"),
    max_iter: int = solver_default("max_iter"),
    linear_solver: str = solver_default("linear_solver"),
    decomposition_steps: int | None = solver_default("decomposition_steps"),
) -> Comparison:
    """Solve ``scenarios`` on ``data`` and compare them.

    ``data``: a :class:`~cge.data.benchmark.Benchmark` (e.g. from :func:`cge.load_dataset`), or
    what :func:`~cge.data.datasets.load_dataset` takes (``None``: the default dataset; a folder
    or ``.gdx`` path; ``"synthetic:RxJ[:SEED]"``). ``scenarios``: :class:`~cge.scenarios.spec.Scenario`
    objects or mappings of scenario options (a list, or one), or the path of a scenario YAML file.
    The solver options are those of the schema (``cge options``). Progress: module docstring.

    Returns a :class:`~cge.results.run.Comparison`: ``.summary``, ``.regions``, ``.table(name)``,
    ``.headline()``, ``[name]`` (one scenario with its solved state), ``.write(folder)`` (the files
    of ``cge compare --out``). A scenario that does not solve raises
    :class:`~cge.solve.SolveError` and returns no numbers."""
    settings = {"route": route, "tol": tol, "check_tol": check_tol, "max_iter": max_iter,
                "linear_solver": linear_solver, "decomposition_steps": decomposition_steps}
    for key, value in settings.items():
        check_value(OPTIONS[f"solver.{key}"], value)
    benchmark = data if isinstance(data, Benchmark) else load_dataset(data)
    chosen, source = scenario_list(scenarios)
    designs = check_scenarios(benchmark, chosen, source)
    return run_scenarios(benchmark, chosen, route=route, tol=tol, check_tol=check_tol, max_iter=max_iter,
                         progress=progress_reporter(progress, len(chosen)), decomposition_steps=decomposition_steps,
                         compile_options={"linear_solver": linear_solver}, designs=designs)


def scenario_list(scenarios) -> tuple[list[Scenario], str | None]:
    """``(scenarios, the file they come from or None)`` of what :func:`compare` takes: a YAML path,
    one scenario or mapping, or a list of them; mappings validated by the schema; names unique."""
    if isinstance(scenarios, (str, os.PathLike)):
        return load_scenarios(scenarios), str(Path(scenarios))
    items = [scenarios] if isinstance(scenarios, (Scenario, Mapping)) else list(scenarios)
    if not items:
        raise ScenarioError("no scenarios to compare: give a list of cge.Scenario objects (or mappings, or a "
                            "scenario YAML file)")
    out = []
    for k, item in enumerate(items):
        if isinstance(item, Mapping):
            item = scenario_from_dict(item, source=f"scenario {item.get('name', '#' + str(k + 1))!r}")
        elif not isinstance(item, Scenario):
            raise ScenarioError(f"scenario #{k + 1}: expected a cge.Scenario or a mapping of scenario options, "
                                f"got {type(item).__name__}")
        out.append(item)
    names = [s.name for s in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ScenarioError(f"scenario name(s) used twice: {', '.join(twice)} (each names its row of the tables)")
    return out, None


def progress_reporter(progress, total: int, stream=None, clock=time.monotonic) -> Callable | None:
    """The per-scenario callback of ``progress`` (module docstring); ``stream``: default stderr."""
    if progress is False:
        return None
    if callable(progress) and not isinstance(progress, bool):
        return progress
    if progress not in (None, True):
        raise TypeError(f"progress: expected True, False, None or a function (scenario, solve result), "
                        f"got {progress!r}")
    out = sys.stderr if stream is None else stream
    always = progress is True or _is_terminal(out)
    start, done = clock(), []

    def report(scenario, result) -> None:
        done.append(scenario.name)
        elapsed = clock() - start
        if always or elapsed >= PROGRESS_AFTER_S:
            its = f"{result.iterations} iterations, " if result.iterations >= 0 else ""
            print(f"cge: solved {scenario.name} ({len(done)}/{total}, {elapsed:.1f} s): {result.route}, {its}"
                  f"max residual {result.max_residual:.1e}", file=out, flush=True)

    return report


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):   # a closed or replaced stream
        return False
