"""What runs on a worker: build and compile the model once per structure, re-solve many points,
warm-starting each from the nearest point this worker has already solved.

The cache lives in the worker process (module state), so a Dask worker keeps its compiled
models between tasks. Whether a point can reuse a compiled model is decided by
:func:`cge.bca.design.structure_of` equality only; otherwise a new model is built.
"""

from __future__ import annotations

import os
import time
import traceback
from collections import OrderedDict

import numpy as np

from cge.scenarios.spec import Scenario

MAX_MODELS = 4          # compiled models kept per worker (LRU)
MAX_SOLUTIONS = 256     # solved points kept per model for warm starts

_MODELS: OrderedDict = OrderedDict()   # (fingerprint, structure) -> _Entry


class _Entry:
    def __init__(self, bm, compiled):
        self.bm, self.compiled = bm, compiled
        self.solutions: list[tuple[dict, np.ndarray]] = []

    def remember(self, feats: dict) -> None:
        x = np.array([v.value for v in self.compiled.unknowns], dtype=float)
        self.solutions.append((feats, x))
        if len(self.solutions) > MAX_SOLUTIONS:
            self.solutions.pop(0)

    def nearest(self, feats: dict):
        best, best_d = None, np.inf
        for f, x in self.solutions:
            d = _distance(f, feats)
            if d < best_d:
                best, best_d = x, d
        return best


def features(sc: Scenario) -> dict:
    """A scenario's leaves as ``dotted.key -> value`` (name and description left out)."""
    out: dict = {}

    def walk(prefix, v):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(f"{prefix}.{k}" if prefix else str(k), x)
        else:
            out[prefix] = tuple(v) if isinstance(v, list) else v

    d = sc.to_dict()
    d.pop("name", None)
    d.pop("description", None)
    walk("", d)
    return out


def _distance(a: dict, b: dict) -> float:
    """Relative distance for numbers (0..1 each), 1 for every other difference."""
    d = 0.0
    for k in a.keys() | b.keys():
        x, y = a.get(k), b.get(k)
        if x == y:
            continue
        if isinstance(x, (int, float)) and isinstance(y, (int, float)) and not isinstance(x, bool) \
                and not isinstance(y, bool):
            d += abs(x - y) / (abs(x) + abs(y))
        else:
            d += 1.0
    return d


def worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().name)
    except (ImportError, ValueError):
        return f"local-{os.getpid()}"


def _model_for(benchmark, fingerprint: str, sc: Scenario, design, route: str):
    """The compiled model for ``design`` (the point's :func:`cge.bca.design.resolve_design`)."""
    from cge.bca.model import BCAModel
    from cge.runtime.gc_pause import collect_freed
    from cge.solve import compile_system

    key = (fingerprint, design.structure)
    entry = _MODELS.get(key)
    built = False
    if entry is None:
        bm = BCAModel(benchmark, sc, design=design)
        entry = _Entry(bm, compile_system(bm.pyomo, route=route))
        _MODELS[key] = entry
        if len(_MODELS) > MAX_MODELS:
            while len(_MODELS) > MAX_MODELS:
                _MODELS.popitem(last=False)
            collect_freed()  # the dropped models' objects; the cached ones stay frozen
        built = True
    _MODELS.move_to_end(key)
    return entry, built


def measures(bm) -> list[tuple[str, str, float]]:
    """Tidy ``(measure, region, value)`` rows a sweep stores: :func:`cge.results.tables.headline_measures`."""
    from cge.results.tables import headline_measures

    return headline_measures(bm)


def _diagnostics(exc) -> dict:
    res = getattr(exc, "result", None)
    out = {"message": str(exc)}
    if res is not None:
        out.update({"solver_status": res.status, "max_residual": float(res.max_residual),
                    "iterations": int(res.iterations), "algorithm": res.algorithm})
        table = res.residuals_by_block
        if table is not None and len(table):
            out["residuals_by_block"] = table.head(10).astype(str).to_dict("records")
    return out


def solve_point(entry: _Entry, sc: Scenario, solver: dict, design=None) -> dict:
    """Apply (``design``: the point's resolved design, resolved again if not given), warm-start
    from the nearest solved point, solve (cold retry on failure)."""
    from cge.results.run import solve_warm_then_cold

    bm, compiled = entry.bm, entry.compiled
    feats = features(sc)
    bm.apply(sc, design=design)
    start = entry.nearest(feats)
    if start is not None:
        for v, x in zip(compiled.unknowns, start):
            v.set_value(float(x), skip_validation=True)
    kw = {"tol": solver["tol"], "max_iter": solver["max_iter"], "check_tol": solver["check_tol"]}
    t0 = time.perf_counter()
    res, start_kind = solve_warm_then_cold(bm, compiled, warm=start is not None, **kw)
    if start_kind == "warm":
        start_kind = "nearest"
    solve_s = time.perf_counter() - t0
    entry.remember(feats)
    return {"status": "ok", "start": start_kind, "iterations": int(res.iterations), "algorithm": res.algorithm,
            "max_residual": float(res.max_residual), "solve_s": solve_s, "values": measures(bm)}


def solve_batch(benchmark, fingerprint: str, items: list[tuple[str, Scenario]], solver: dict,
                route: str = "auto") -> list[dict]:
    """Solve ``(point_id, scenario)`` items; every point returns a record, failures included."""
    from cge.runtime.pyomo_compat import defer_pyomo_scipy_finaliser

    defer_pyomo_scipy_finaliser()  # a worker process is an entry point (cge/runtime/pyomo_compat.py)
    from cge.bca.design import resolve_design
    from cge.solve import SolveError

    worker = worker_name()
    out = []
    for pid, sc in items:
        t0 = time.perf_counter()
        rec: dict = {"id": pid, "worker": worker}
        built = False
        try:
            design = resolve_design(benchmark, sc)  # once per point
            entry, built = _model_for(benchmark, fingerprint, sc, design, route)
            rec.update(solve_point(entry, sc, solver, design))
        except SolveError as exc:
            rec.update({"status": "failed", "reason": str(exc).splitlines()[0][:500],
                        "diagnostics": _diagnostics(exc), "values": []})
        except Exception as exc:  # noqa: BLE001 - a failed point never stops the sweep
            rec.update({"status": "failed", "reason": f"{type(exc).__name__}: {exc}"[:500],
                        "diagnostics": {"message": str(exc), "traceback": traceback.format_exc(limit=6)},
                        "values": []})
        rec["built_model"] = built
        rec["point_s"] = time.perf_counter() - t0
        out.append(rec)
    return out
