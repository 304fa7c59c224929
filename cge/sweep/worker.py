"""What runs on a worker: build and compile the model once per structure, re-solve many points,
warm-starting each from the nearest point this worker has already solved.

The cache lives in the worker process (module state), so a Dask worker keeps its compiled
models between tasks. Whether a point can reuse a compiled model is decided by
:func:`cge.bca_model.structure_of` equality only; otherwise a new model is built.
"""

from __future__ import annotations

import os
import time
import traceback
from collections import OrderedDict

import numpy as np

from cge.scenario import Scenario

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


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().name)
    except (ImportError, ValueError):
        return f"local-{os.getpid()}"


def _model_for(benchmark, fingerprint: str, sc: Scenario, route: str):
    from cge.bca_model import BCAModel, structure_of
    from cge.solve import compile_system

    key = (fingerprint, structure_of(benchmark, sc))
    entry = _MODELS.get(key)
    built = False
    if entry is None:
        bm = BCAModel(benchmark, sc)
        entry = _Entry(bm, compile_system(bm.pyomo, route=route))
        _MODELS[key] = entry
        while len(_MODELS) > MAX_MODELS:
            _MODELS.popitem(last=False)
        built = True
    _MODELS.move_to_end(key)
    return entry, built


def measures(bm) -> list[tuple[str, str, float]]:
    """Tidy ``(measure, region, value)`` rows of the outputs a sweep reports, with the
    definitions of :mod:`cge.results` (checked against :func:`cge.results.collect` in the tests).

    Regions are the dataset's codes; ``ALL`` is world level, ``coalition`` / ``non-coalition``
    are the two groups."""
    from pyomo.environ import value

    from cge.core.evaluate import PointEvaluator

    b, V = bm.b, bm.vars
    R, J = b.regions, b.sectors
    cl = set(bm.coalition)
    pw = float(value(V["PW"]))
    em = bm.emissions(PointEvaluator())
    cons0 = b.vc.sum(axis=1)
    rows: list[tuple[str, str, float]] = []
    ev_bn = {}
    eite = set(b.tags.eite)
    eite_w: dict[str, list[tuple[float, float]]] = {r: [] for r in R}
    for (r, j) in bm.ykeys:
        if j in eite:
            eite_w[r].append((float(b.vom[R.index(r), J.index(j)]), 100 * (float(value(V["Y"][r, j])) - 1)))

    def wavg(pairs):
        w = sum(p[0] for p in pairs)
        return sum(p[0] * p[1] for p in pairs) / w if w > 0 else float("nan")

    for k, r in enumerate(R):
        c = float(value(V["C"][r]))
        ev_bn[r] = (c - 1) * cons0[k]
        e0 = float(b.emissions[k])
        rows += [
            ("ev_pct", r, 100 * (c - 1)),
            ("ev_bn_usd", r, ev_bn[r]),
            ("emissions_mt", r, em[r]),
            ("emissions_change_pct", r, 100 * (em[r] / e0 - 1) if e0 > 0 else float("nan")),
            ("carbon_price_usd_per_t", r, 1000 * float(value(V["PCO2"][r])) / pw),
            ("eite_output_change_pct", r, wavg(eite_w[r])),
        ]
    E0 = dict(zip(R, (float(x) for x in b.emissions)))
    d_cl = sum(em[r] - E0[r] for r in R if r in cl)
    d_rest = sum(em[r] - E0[r] for r in R if r not in cl)
    prices = [1000 * float(value(V["PCO2"][r])) / pw for r in R if r in cl]
    cl_idx = [k for k, r in enumerate(R) if r in cl]
    rest_idx = [k for k, r in enumerate(R) if r not in cl]
    rows += [
        ("leakage_rate_pct", "ALL", 100 * d_rest / -d_cl if d_cl < 0 else float("nan")),
        ("carbon_price_usd_per_t", "ALL", float(np.mean(prices)) if prices else 0.0),
        ("coalition_abatement_pct", "ALL",
         -100 * d_cl / sum(E0[r] for r in cl) if cl else 0.0),
        ("global_emissions_change_mt", "ALL", d_cl + d_rest),
        ("ev_pct", "ALL", 100 * sum(ev_bn.values()) / cons0.sum()),
        ("ev_bn_usd", "ALL", sum(ev_bn.values())),
        ("eite_output_change_pct", "ALL", wavg([p for r in R for p in eite_w[r]])),
    ]
    for label, idx, members in (("coalition", cl_idx, [r for r in R if r in cl]),
                                ("non-coalition", rest_idx, [r for r in R if r not in cl])):
        if idx:
            rows.append(("ev_pct", label, 100 * sum(ev_bn[R[k]] for k in idx) / cons0[idx].sum()))
            rows.append(("eite_output_change_pct", label, wavg([p for r in members for p in eite_w[r]])))
    return rows


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


def solve_point(entry: _Entry, sc: Scenario, solver: dict) -> dict:
    """Apply, warm-start from the nearest solved point, solve (cold retry on failure)."""
    from cge.solve import SolveError

    bm, compiled = entry.bm, entry.compiled
    feats = features(sc)
    bm.apply(sc)
    start = entry.nearest(feats)
    if start is None:
        bm.reset_to_benchmark()
        start_kind = "cold"
    else:
        for v, x in zip(compiled.unknowns, start):
            v.set_value(float(x), skip_validation=True)
        start_kind = "nearest"
    kw = {"tol": solver["tol"], "max_iter": solver["max_iter"], "check_tol": solver["check_tol"]}
    t0 = time.perf_counter()
    try:
        res = compiled.solve(**kw)
    except SolveError:
        if start_kind == "cold":
            raise
        bm.reset_to_benchmark()          # a distant warm start can fail where a cold start succeeds
        start_kind = "cold-retry"
        res = compiled.solve(**kw)
    solve_s = time.perf_counter() - t0
    entry.remember(feats)
    return {"status": "ok", "start": start_kind, "iterations": int(res.iterations), "algorithm": res.algorithm,
            "max_residual": float(res.max_residual), "solve_s": solve_s, "values": measures(bm)}


def solve_batch(benchmark, fingerprint: str, items: list[tuple[str, Scenario]], solver: dict,
                route: str = "auto") -> list[dict]:
    """Solve ``(point_id, scenario)`` items; every point returns a record, failures included."""
    from cge.solve import SolveError

    worker = _worker_name()
    out = []
    for pid, sc in items:
        t0 = time.perf_counter()
        rec: dict = {"id": pid, "worker": worker}
        built = False
        try:
            entry, built = _model_for(benchmark, fingerprint, sc, route)
            rec.update(solve_point(entry, sc, solver))
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


def clear_cache() -> None:
    _MODELS.clear()
