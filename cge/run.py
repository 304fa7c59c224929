"""Solve scenarios and compare them: the main job of the package.

:func:`run_scenarios` builds and compiles the model once per model structure, then re-solves
each scenario by changing parameters only, warm-starting from the previous solution, and
collects the result tables of :mod:`cge.results`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd

from cge.bca_model import BCAModel, resolve_design, structure_of
from cge.benchmark import Benchmark
from cge.decomposition import (
    benchmark_state,
    capture,
    decompose,
    decomposition_frame,
    path_decomposition,
    snapshot,
)
from cge.errors import ScenarioError
from cge.results import collect, fairness_tables
from cge.scenario import Scenario
from cge.solve import SolveError, SolveResult, compile_system

TABLES = ("summary", "regions", "groups", "sectors", "bilateral", "bca_flows",
          "decomposition", "fairness", "burden_shares", "bca_transfers", "cbdr")
#: the name that marks the reference scenario (the policy without border adjustment)
REFERENCE_NAME = "REF"
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

    def undefined(self) -> pd.DataFrame:
        """``scenario, measure, reason`` of every ratio left undefined (see :mod:`cge.results`)."""
        frames = [r.tables["undefined"].assign(scenario=r.scenario.name) for r in self.results
                  if len(r.tables.get("undefined", ()))]
        if not frames:
            return pd.DataFrame(columns=["scenario", "measure", "reason"])
        return pd.concat(frames, ignore_index=True)[["scenario", "measure", "reason"]]

    def headline(self) -> pd.DataFrame:
        """EV % by region, leakage rate, carbon price and EITE output, scenarios side by side; an
        undefined ratio reads "undefined (<reason>)"."""
        rows: dict[str, dict[str, object]] = {}
        for r in self.results:
            name = r.scenario.name
            reg, summ = r.tables["regions"], r.tables["summary"].iloc[0]
            why = dict(zip(r.tables["undefined"]["measure"], r.tables["undefined"]["reason"])) \
                if "undefined" in r.tables else {}
            for _, row in reg.iterrows():
                rows.setdefault(f"EV, % of consumption: {row['region']}", {})[name] = row["ev_pct"]
            for label, column in HEADLINE_SUMMARY:
                rows.setdefault(label, {})[name] = f"undefined ({why[column]})" if column in why else summ[column]
        df = pd.DataFrame.from_dict(rows, orient="index")[self.scenarios]
        df.index.name = "measure"
        return df.reset_index()


def check_scenarios(benchmark: Benchmark, scenarios: list[Scenario], source=None,
                    require_coalition: bool = True) -> None:
    """Every dataset-dependent check of every scenario (codes, groups, coverage, numeraire, an
    empty coalition) before anything is solved or written; the error names the scenario file
    (``source``), the scenario and the key."""
    for sc in scenarios:
        try:
            resolve_design(benchmark, sc, require_coalition=require_coalition)
        except ScenarioError as exc:
            where = f"{source} [{sc.name}]" if source else f"scenario {sc.name!r}"
            raise ScenarioError(f"{where}: {exc}") from None
def reference_scenario(scenarios: list[Scenario]) -> Scenario | None:
    """The scenario designs are compared with: the one flagged ``reference: true``, else the one
    named ``REF``, else the first with neither a border adjustment nor output-based rebates (None
    if every scenario has one). Two flagged scenarios are a :class:`ScenarioError`."""
    flagged = [sc.name for sc in scenarios if sc.reference]
    if len(flagged) > 1:
        raise ScenarioError(f"scenarios {', '.join(flagged)} are all flagged reference: true; flag one "
                            "(the designs' welfare decomposition is relative to it)")
    for sc in scenarios:
        if sc.reference:
            return sc
    for sc in scenarios:
        if sc.name == REFERENCE_NAME:
            return sc
    for sc in scenarios:
        if not (sc.bca.active or sc.output_based_rebates.enabled):
            return sc
    return None


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
    decomposition_steps: int = 1,
    compile_options: dict | None = None,
) -> Comparison:
    """Solve every scenario; raise :class:`~cge.solve.SolveError` (nothing returned) if any fails.
    ``compile_options``: extra keywords of :func:`cge.solve.compile_system` (e.g. ``linear_solver``).

    Besides each scenario's own tables (:func:`cge.results.collect`), adds the welfare
    ``decomposition`` relative to the benchmark and to the reference scenario
    (:func:`reference_scenario`), computed along ``decomposition_steps`` steps of the policy
    parameters (1 = the two-point identity; more steps re-solve the model along the path and
    shrink the index-number remainder), and the fairness tables of :func:`cge.results.fairness_tables`."""
    if decomposition_steps < 1:
        raise ValueError(f"decomposition_steps must be at least 1, got {decomposition_steps}")
    ref = reference_scenario(scenarios)  # before any solve: a bad flag costs nothing
    timings: dict = {"build_s": 0.0, "compile_s": 0.0, "solve_s": 0.0}
    models: dict = {}
    results = []
    states: dict = {}
    bench_point = None
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
            if bench_point is None:
                bench_point = snapshot(bm)  # a fresh model sits at the benchmark
        bm, compiled = models[key]
        bm.apply(sc)
        t0 = time.perf_counter()
        try:
            res, _ = solve_warm_then_cold(bm, compiled, warm=True, tol=tol, max_iter=max_iter, check_tol=check_tol)
        except SolveError as exc:
            raise SolveError(f"scenario {sc.name!r} did not solve.\n{exc}", getattr(exc, "result", None)) from None
        timings["solve_s"] += time.perf_counter() - t0
        results.append(ScenarioResult(sc, collect(bm), res))
        states[sc.name] = (key, capture(bm))
        if progress:
            progress(sc, res)
    t0 = time.perf_counter()
    _add_decomposition(benchmark, results, states, models, bench_point, ref,
                       decomposition_steps, dict(tol=tol, max_iter=max_iter, check_tol=check_tol))
    timings["decomposition_s"] = time.perf_counter() - t0
    return Comparison(benchmark, results, timings)


def _add_decomposition(benchmark, results, states, models, bench_point, ref, steps, solver) -> None:
    """Add the ``decomposition`` and fairness tables to every result (see :func:`run_scenarios`)."""
    for r in results:
        name = r.scenario.name
        key, state = states[name]
        bm, compiled = models[key]

        def solve(bm=bm, compiled=compiled):
            solve_warm_then_cold(bm, compiled, warm=True, **solver)

        parts, n = path_decomposition(bm, solve, benchmark_state(bm, state, bench_point), state, steps)
        frames = [decomposition_frame(parts, benchmark, "benchmark", n)]
        if ref is not None and ref.name != name:
            ref_key, ref_state = states[ref.name]
            if ref_key == key:
                parts, n = path_decomposition(bm, solve, ref_state, state, steps)
            else:  # different model structures: no common parameter path, the two-point identity
                parts, n = decompose(ref_state.point, state.point, benchmark.tags), 1
            frames.append(decomposition_frame(parts, benchmark, ref.name, n))
        r.tables["decomposition"] = pd.concat(frames, ignore_index=True)
    coalition = results[0].tables["regions"].query("coalition")["region"].tolist() if results else []
    fair = fairness_tables(benchmark, coalition, {r.scenario.name: r.tables for r in results},
                           ref.name if ref is not None else None)
    for r in results:
        r.tables.update(fair[r.scenario.name])
