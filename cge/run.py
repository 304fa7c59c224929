"""Solve scenarios and compare them: the main job of the package.

:func:`run_scenarios` builds and compiles the model once per model structure, then re-solves
each scenario by changing parameters only, warm-starting from the previous solution, and
collects the result tables of :mod:`cge.results`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd

from cge.bca_model import BCAModel, structure_of
from cge.benchmark import Benchmark
from cge.results import collect
from cge.scenario import Scenario
from cge.solve import SolveError, SolveResult, compile_system

TABLES = ("summary", "regions", "groups", "sectors", "bilateral", "bca_flows")
#: headline rows taken from the summary table: (label, column)
HEADLINE_SUMMARY = (
    ("EV, % : world", "ev_world_pct"),
    ("EV, % : coalition", "ev_coalition_pct"),
    ("EV, % : non-coalition", "ev_rest_pct"),
    ("Global welfare cost borne by non-coalition, %", "burden_share_non_coalition_pct"),
    ("Leakage rate, %", "leakage_rate_pct"),
    ("Coalition abatement, %", "coalition_abatement_pct"),
    ("Carbon price, USD/t", "carbon_price_usd_per_t"),
    ("EITE output, % change: coalition", "eite_output_change_coalition_pct"),
    ("EITE output, % change: non-coalition", "eite_output_change_non_coalition_pct"),
    ("BCA revenue, bn USD", "bca_revenue_bn_usd"),
)


@dataclass
class ScenarioResult:
    scenario: Scenario
    tables: dict[str, pd.DataFrame]
    solve: SolveResult


@dataclass
class Comparison:
    """Results of several scenarios on one benchmark."""

    benchmark: Benchmark
    results: list[ScenarioResult]
    timings: dict = field(default_factory=dict)

    @property
    def scenarios(self) -> list[str]:
        return [r.scenario.name for r in self.results]

    def table(self, name: str) -> pd.DataFrame:
        """One result table for all scenarios, stacked, with a leading ``scenario`` column."""
        frames = []
        for r in self.results:
            df = r.tables[name].copy()
            df.insert(0, "scenario", r.scenario.name)
            frames.append(df)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def headline(self) -> pd.DataFrame:
        """EV % by region, leakage rate, carbon price and EITE output, scenarios side by side."""
        rows: dict[str, dict[str, float]] = {}
        for r in self.results:
            name = r.scenario.name
            reg, summ = r.tables["regions"], r.tables["summary"].iloc[0]
            for _, row in reg.iterrows():
                rows.setdefault(f"EV, % of consumption: {row['region']}", {})[name] = row["ev_pct"]
            for label, column in HEADLINE_SUMMARY:
                rows.setdefault(label, {})[name] = summ[column]
        df = pd.DataFrame.from_dict(rows, orient="index")[self.scenarios]
        df.index.name = "measure"
        return df.reset_index()


def solve_warm_then_cold(bm: BCAModel, compiled, warm: bool, **solver) -> tuple[SolveResult, str]:
    """Solve the model's current scenario from its current point (``warm``) or the benchmark;
    a warm start that fails is retried once from the benchmark, since a start near a distant
    scenario can fail where a cold start succeeds. Returns the result and ``"warm"``, ``"cold"``
    or ``"cold-retry"``; raises :class:`~cge.solve.SolveError` if the cold solve fails too."""
    if not warm:
        bm.reset_to_benchmark()
        return compiled.solve(**solver), "cold"
    try:
        return compiled.solve(**solver), "warm"
    except SolveError:
        bm.reset_to_benchmark()
        return compiled.solve(**solver), "cold-retry"


def run_scenarios(
    benchmark: Benchmark,
    scenarios: list[Scenario],
    route: str = "auto",
    tol: float = 1e-10,
    check_tol: float = 1e-8,
    max_iter: int = 200,
    progress=None,
    compile_options: dict | None = None,
) -> Comparison:
    """Solve every scenario; raise :class:`~cge.solve.SolveError` (nothing returned) if any fails.
    ``compile_options``: extra keywords of :func:`cge.solve.compile_system` (e.g. ``linear_solver``)."""
    timings: dict = {"build_s": 0.0, "compile_s": 0.0, "solve_s": 0.0}
    models: dict = {}
    results = []
    for sc in scenarios:
        key = structure_of(benchmark, sc)
        if key not in models:
            t0 = time.perf_counter()
            bm = BCAModel(benchmark, sc)
            t1 = time.perf_counter()
            compiled = compile_system(bm.pyomo, route=route, **(compile_options or {}))
            timings["build_s"] += t1 - t0
            timings["compile_s"] += time.perf_counter() - t1
            models[key] = (bm, compiled)
        bm, compiled = models[key]
        bm.apply(sc)
        t0 = time.perf_counter()
        try:
            res, _ = solve_warm_then_cold(bm, compiled, warm=True, tol=tol, max_iter=max_iter, check_tol=check_tol)
        except SolveError as exc:
            raise SolveError(f"scenario {sc.name!r} did not solve.\n{exc}", getattr(exc, "result", None)) from None
        timings["solve_s"] += time.perf_counter() - t0
        results.append(ScenarioResult(sc, collect(bm), res))
        if progress:
            progress(sc, res)
    return Comparison(benchmark, results, timings)
