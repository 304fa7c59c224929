"""Solve scenarios and compare them: the main job of the package.

:func:`run_scenarios` builds and compiles the model once per model structure, then re-solves
each scenario by changing parameters only, warm-starting from the previous solution, and
collects the result tables of :mod:`cge.results.tables`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from cge.bca.design import ResolvedDesign, resolve_design
from cge.bca.model import PRICE_FLOOR, BCAModel
from cge.core.evaluate import flow_evaluator
from cge.data.benchmark import Benchmark
from cge.errors import CGEError, ScenarioError
from cge.results.decomposition import (
    benchmark_state,
    capture,
    decompose,
    decomposition_frame,
    path_decomposition,
    snapshot,
)
from cge.results.state import SolvedState, capture_state
from cge.results.tables import collect, fairness_tables
from cge.scenarios.options import solver_default
from cge.scenarios.spec import Scenario, resolve_regions
from cge.solve import SolveError, SolveResult, compile_system

#: the name that marks the reference scenario (the policy without border adjustment)
REFERENCE_NAME = "REF"
#: the measures left undefined (NaN) for a scenario whose policy has no reference
VS_REF_MEASURES = ("decomposition vs reference", "ev_vs_ref_bn_usd", "ev_vs_ref_per_capita_usd",
                   "burden_share_vs_ref_pct", "ev_developing_vs_ref_bn_usd")
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


class _SummaryAndRegions:
    """``summary`` and ``regions``, the tables read first, as properties over ``table(name)``."""

    @property
    def summary(self) -> pd.DataFrame:
        """The ``summary`` table: one row per scenario (a copy)."""
        return self.table("summary")

    @property
    def regions(self) -> pd.DataFrame:
        """The ``regions`` table: one row per scenario and region (a copy)."""
        return self.table("regions")


@dataclass
class ScenarioResult(_SummaryAndRegions):
    """One solved scenario: its result tables (the results contract, :mod:`cge.results.schema`),
    the solver's record and the solved state (:mod:`cge.results.state`): ``prices()``,
    ``quantities()``, ``flows()`` and ``variables()`` as tidy DataFrames, units in the column names."""

    scenario: Scenario
    tables: dict[str, pd.DataFrame]
    solve: SolveResult
    #: the scenario resolved against the benchmark (coalition, coverage, elasticities), once
    design: ResolvedDesign | None = None
    #: the solved point, as arrays (not the Pyomo model)
    state: SolvedState | None = None

    @property
    def name(self) -> str:
        return self.scenario.name

    def table(self, name: str) -> pd.DataFrame:
        """One result table of this scenario (a copy)."""
        if name not in self.tables:
            raise KeyError(f"no result table {name!r}; tables: {', '.join(self.tables)}")
        return self.tables[name].copy()

    def headline(self) -> pd.DataFrame:
        """The headline measures of this scenario (:meth:`Comparison.headline`, one column)."""
        return headline_table([self])

    def _solved(self) -> SolvedState:
        if self.state is None:
            raise CGEError(f"scenario {self.name!r}: no solved state was kept for it")
        return self.state

    def prices(self) -> pd.DataFrame:
        """Prices of goods, factors, resources and transport (:meth:`SolvedState.prices`)."""
        return self._solved().prices()

    def quantities(self) -> pd.DataFrame:
        """Activity levels (:meth:`SolvedState.quantities`)."""
        return self._solved().quantities()

    def flows(self) -> pd.DataFrame:
        """Every input and output of every block (:meth:`SolvedState.flows`)."""
        return self._solved().flows()

    def variables(self) -> pd.DataFrame:
        """Every variable as solved, in model units (:meth:`SolvedState.variables`)."""
        return self._solved().variables()

    def _repr_html_(self) -> str:
        from cge.results.display import scenario_html

        return scenario_html(self)


@dataclass
class Comparison(_SummaryAndRegions):
    """Results of several scenarios on one benchmark."""

    benchmark: Benchmark
    results: list[ScenarioResult]
    timings: dict = field(default_factory=dict)
    #: scenario -> (its reference or None, the reason when None), see :func:`reference_scenarios`
    references: dict = field(default_factory=dict)
    #: the solver settings every scenario was solved with (route, tol, check_tol, max_iter, compile options)
    solver: dict = field(default_factory=dict)

    def __post_init__(self):
        names = list(self.results[0].tables) if self.results else []
        #: every result table for all scenarios, stacked once (read-only: :meth:`table` hands out copies)
        self.tables = MappingProxyType({name: self._stack(name) for name in names})
        self._headline: pd.DataFrame | None = None
        self._phase_in: tuple | None = None

    @property
    def scenarios(self) -> list[str]:
        return [r.scenario.name for r in self.results]

    def __getitem__(self, name: str) -> ScenarioResult:
        """The result of scenario ``name``: its tables and solved state."""
        for r in self.results:
            if r.scenario.name == name:
                return r
        raise KeyError(f"no scenario {name!r} in this comparison; scenarios: {', '.join(self.scenarios)}")

    def __iter__(self):
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def write(self, out, force: bool = False) -> Path:
        """Write every table, the headline (Markdown, LaTeX, Excel) and ``run.yaml`` to the folder
        ``out``, the files of ``cge compare --out`` (:func:`cge.results.write.write_results`);
        ``out`` must be new or earlier results (``force=True`` replaces anything but an input)."""
        from cge.results.write import write_results

        return write_results(self, out, force=force)

    def _repr_html_(self) -> str:
        from cge.results.display import comparison_html

        return comparison_html(self)

    def _stack(self, name: str) -> pd.DataFrame:
        frames = []
        for r in self.results:
            df = r.tables[name].copy()
            df.insert(0, "scenario", r.scenario.name)
            frames.append(df)
        # A scenario's empty table (REF has no BCA flows) has object columns; pandas 2 ignored it when
        # choosing the stacked dtypes and pandas 3 does not (charge_bn_usd became object): leave it out.
        rows = [df for df in frames if len(df)]
        return pd.concat(rows or frames[:1], ignore_index=True) if frames else pd.DataFrame()

    def table(self, name: str) -> pd.DataFrame:
        """One result table for all scenarios, stacked, with a leading ``scenario`` column (a
        shallow copy of the one stacked table: adding or renaming columns leaves it as it is)."""
        if not self.results:
            return pd.DataFrame()
        return self.tables[name].copy(deep=False)

    def undefined(self) -> pd.DataFrame:
        """``scenario, measure, reason`` of every ratio left undefined (see :mod:`cge.results.tables`)."""
        frames = [r.tables["undefined"].assign(scenario=r.scenario.name) for r in self.results
                  if len(r.tables.get("undefined", ()))]
        if not frames:
            return pd.DataFrame(columns=["scenario", "measure", "reason"])
        return pd.concat(frames, ignore_index=True)[["scenario", "measure", "reason"]]

    def headline(self) -> pd.DataFrame:
        """EV % by region, leakage rate, carbon price and EITE output, scenarios side by side; an
        undefined ratio reads "undefined (<reason>)". Computed once (a copy is returned)."""
        if self._headline is None:
            self._headline = self._make_headline()
        return self._headline.copy()

    def phase_in(self) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        """The EU CBAM phase-in path and the exporters' EV by year (:mod:`cge.results.phase_in`),
        or ``None`` when no scenario carries a phase-in year. Computed once (copies are returned)."""
        if self._phase_in is None:
            from cge.results.phase_in import exporters_table, path_table

            scenarios = {r.scenario.name: r.scenario.to_dict() for r in self.results}
            path = path_table(self.table("summary"), self.table("regions"), scenarios)
            self._phase_in = ((None,) if path.empty else
                              (path, exporters_table(self.table("regions"), self.table("bca_flows"), scenarios)))
        return None if self._phase_in[0] is None else (self._phase_in[0].copy(), self._phase_in[1].copy())

    def _make_headline(self) -> pd.DataFrame:
        return headline_table(self.results)


def headline_table(results: list[ScenarioResult]) -> pd.DataFrame:
    """EV % by region, then the :data:`HEADLINE_SUMMARY` rows, one column per scenario; an
    undefined ratio reads "undefined (<reason>)"."""
    rows: dict[str, dict[str, object]] = {}
    for r in results:
        name = r.scenario.name
        reg, summ = r.tables["regions"], r.tables["summary"].iloc[0]
        why = dict(zip(r.tables["undefined"]["measure"], r.tables["undefined"]["reason"])) \
            if "undefined" in r.tables else {}
        for _, row in reg.iterrows():
            rows.setdefault(f"EV, % of consumption: {row['region']}", {})[name] = row["ev_pct"]
        for label, column in HEADLINE_SUMMARY:
            rows.setdefault(label, {})[name] = f"undefined ({why[column]})" if column in why else summ[column]
    df = pd.DataFrame.from_dict(rows, orient="index")[[r.scenario.name for r in results]]
    df.index.name = "measure"
    return df.reset_index()


def check_scenarios(benchmark: Benchmark, scenarios: list[Scenario], source=None,
                    require_coalition: bool = True) -> dict[str, ResolvedDesign]:
    """Every dataset-dependent check of every scenario (codes, groups, coverage, numeraire, an
    empty coalition) before anything is solved or written; the error names the scenario file
    (``source``), the scenario and the key. Returns each scenario's resolved design, which
    :func:`run_scenarios` takes (``designs=``) instead of resolving it again."""
    designs = {}
    for sc in scenarios:
        try:
            designs[sc.name] = resolve_design(benchmark, sc, require_coalition=require_coalition)
        except ScenarioError as exc:
            where = f"{source} [{sc.name}]" if source else f"scenario {sc.name!r}"
            raise ScenarioError(f"{where}: {exc}") from None
    return designs


def without_border_measure(sc: Scenario) -> bool:
    """True for a scenario with neither a border adjustment, output-based rebates nor a CBAM
    phase-in year: a candidate reference."""
    return not (sc.bca.active or sc.output_based_rebates.enabled or sc.phase_in.active)


def policy_of(sc: Scenario, benchmark: Benchmark | None = None, design: ResolvedDesign | None = None) -> tuple:
    """What a design and its reference share: the coalition (its regions: from ``design`` when
    given, else resolved on ``benchmark`` when given), the policy (instrument, cut, tax), the
    foreign carbon prices, the numeraire and the elasticity overrides."""
    coalition = tuple(sorted(set(sc.coalition)))
    if design is not None:
        coalition = design.structure.coalition
    elif benchmark is not None:
        try:
            coalition = resolve_regions(sc.coalition, benchmark.regions, benchmark.tags.region_groups, "coalition")
        except ScenarioError:
            pass  # reported by check_scenarios / the model build
    fcp = tuple(sorted((k, v) for k, v in sc.foreign_carbon_prices.items() if v))
    return coalition, sc.policy, fcp, sc.numeraire, json.dumps(sc.elasticities, sort_keys=True)


def reference_scenarios(scenarios: list[Scenario], benchmark: Benchmark | None = None,
                        designs: dict[str, ResolvedDesign] | None = None) -> dict[str, tuple[str | None, str]]:
    """Each scenario's reference, ``name -> (reference or None, reason when None)``.

    The reference of a design is a scenario with the same :func:`policy_of` (coalition, policy,
    foreign carbon prices, numeraire, elasticities): the one flagged ``reference: true``, else the
    one named ``REF`` without a border measure, else the first without a border measure
    (:func:`without_border_measure`). A reference is its own reference. A scenario whose policy
    has no such scenario has none (never a scenario under another policy). Two flagged scenarios
    of one policy are a :class:`ScenarioError`."""
    groups: dict[tuple, list[Scenario]] = {}
    for sc in scenarios:
        groups.setdefault(policy_of(sc, benchmark, (designs or {}).get(sc.name)), []).append(sc)
    out: dict[str, tuple[str | None, str]] = {}
    for members in groups.values():
        flagged = [sc.name for sc in members if sc.reference]
        if len(flagged) > 1:
            raise ScenarioError(f"scenarios {', '.join(flagged)} are all flagged reference: true under one policy; "
                                "flag one per policy (the designs' welfare decomposition is relative to it)")
        plain = [sc.name for sc in members if without_border_measure(sc)]
        ref = (flagged[0] if flagged else REFERENCE_NAME if REFERENCE_NAME in plain
               else plain[0] if plain else None)
        p = members[0].policy
        what = f"{p.instrument}" + (f", tax {p.tax_usd_per_t:g} USD/t" if p.instrument == "tax"
                                    else f", cut {p.cut:g}" if p.instrument != "none" else "")
        reason = ("no scenario without border adjustment, output-based rebates or phase-in year shares its "
                  f"coalition, policy ({what}), foreign carbon prices, numeraire and elasticities")
        for sc in members:
            out[sc.name] = (ref, "") if ref is not None else (None, reason)
    return out


def solve_warm_then_cold(bm: BCAModel, compiled, warm: bool, **solver) -> tuple[SolveResult, str]:
    """Solve the model's current scenario from its current point (``warm``) or the benchmark;
    a warm start that fails is retried once from the benchmark, since a start near a distant
    scenario can fail where a cold start succeeds. Returns the result and ``"warm"``, ``"cold"``
    or ``"cold-retry"``; raises :class:`~cge.solve.SolveError` if the cold solve fails too."""
    if not warm:
        bm.reset_to_benchmark()
        return solve_plausible(bm, compiled, **solver), "cold"
    try:
        return solve_plausible(bm, compiled, **solver), "warm"
    except SolveError:
        bm.reset_to_benchmark()
        return solve_plausible(bm, compiled, **solver), "cold-retry"


def solve_plausible(bm: BCAModel, compiled, **solver) -> SolveResult:
    """``compiled.solve``, then the economic check every solve of the model passes (compare, the
    welfare decomposition, sweeps all solve through :func:`solve_warm_then_cold`): a good or factor
    priced near zero (:meth:`BCAModel.prices_below_floor`) is a degenerate solution, not a result.
    It raises :class:`~cge.solve.SolveError` naming the prices and their values, with the
    variables restored, as for any failed solve."""
    start = [v.value for v in compiled.unknowns]
    res = compiled.solve(**solver)
    low = bm.prices_below_floor()
    if not low:
        return res
    for v, x in zip(compiled.unknowns, start):
        v.set_value(x, skip_validation=True)
    shown = ", ".join(f"{name} = {x:.2g}" for name, x in low[:6]) + (f" and {len(low) - 6} more" if len(low) > 6
                                                                   else "")
    res.success, res.status = False, "prices_below_floor"
    raise SolveError(f"cge.solve: degenerate solution rejected: {len(low)} price(s) of goods or factors below "
                     f"{PRICE_FLOOR:g} of the numeraire's ({shown}); the equations hold (max residual "
                     f"{res.max_residual:.1e}), but an economy whose goods or factors are free is not a result "
                     "(elasticities too small for the policy?). Pyomo variables were restored to their "
                     "pre-solve values.", res)


def run_scenarios(
    benchmark: Benchmark,
    scenarios: list[Scenario],
    route: str = solver_default("route"),
    tol: float = solver_default("tol"),
    check_tol: float = solver_default("check_tol"),
    max_iter: int = solver_default("max_iter"),
    progress=None,
    decomposition_steps: int = solver_default("decomposition_steps"),
    compile_options: dict | None = None,
    designs: dict[str, ResolvedDesign] | None = None,
) -> Comparison:
    """Solve every scenario; raise :class:`~cge.solve.SolveError` (nothing returned) if any fails.
    ``compile_options``: extra keywords of :func:`cge.solve.compile_system` (e.g. ``linear_solver``).
    ``designs``: the scenarios' resolved designs from :func:`check_scenarios` (each scenario not
    in it is resolved here, once).

    Besides each scenario's own tables (:func:`cge.results.tables.collect`), adds the welfare
    ``decomposition`` relative to the benchmark and to each scenario's reference
    (:func:`reference_scenarios`: the same policy without border measure), computed along
    ``decomposition_steps`` steps of the policy parameters (1 = the two-point identity; more
    steps re-solve the model along the path and shrink the index-number remainder), and the
    fairness tables of :func:`cge.results.tables.fairness_tables`."""
    if decomposition_steps < 1:
        raise ValueError(f"decomposition_steps must be at least 1, got {decomposition_steps}")
    # each scenario resolved once (coalition, coverage, elasticities), before any solve
    designs = {sc.name: (designs or {}).get(sc.name) or resolve_design(benchmark, sc) for sc in scenarios}
    refs = reference_scenarios(scenarios, benchmark, designs)  # before any solve: a bad flag costs nothing
    solver = dict(tol=tol, max_iter=max_iter, check_tol=check_tol)
    timings: dict = {"build_s": 0.0, "compile_s": 0.0, "solve_s": 0.0, "decomposition_s": 0.0}
    models: dict = {}
    solved: dict[str, tuple] = {}      # name -> (solve result, collected tables, solved state)
    states: dict = {}
    decompositions: dict[str, list[pd.DataFrame]] = {}
    bench_point = None
    for sc in scenarios:
        design = designs[sc.name]
        key = design.structure
        if key not in models:
            t0 = time.perf_counter()
            bm = BCAModel(benchmark, sc, design=design)  # built with sc's parameters set
            t1 = time.perf_counter()
            compiled = compile_system(bm.pyomo, route=route, **(compile_options or {}))
            timings["build_s"] += t1 - t0
            timings["compile_s"] += time.perf_counter() - t1
            models[key] = (bm, compiled)
            if bench_point is None:
                bench_point = snapshot(bm)  # a fresh model sits at the benchmark
        else:
            models[key][0].apply(sc, design=design)
        bm, compiled = models[key]
        t0 = time.perf_counter()
        try:
            res, _ = solve_warm_then_cold(bm, compiled, warm=True, **solver)
        except SolveError as exc:
            raise SolveError(f"scenario {sc.name!r} did not solve.\n{exc}", getattr(exc, "result", None)) from None
        timings["solve_s"] += time.perf_counter() - t0
        at_solution = flow_evaluator(bm.em)
        solved[sc.name] = (res, collect(bm, evaluate=at_solution), capture_state(bm, at_solution))
        states[sc.name] = (key, capture(bm))
        t0 = time.perf_counter()   # the decomposition, in the same loop (it leaves the model where it is)
        decompositions[sc.name] = _decomposition(sc.name, benchmark, states, models, bench_point, refs,
                                                 decomposition_steps, solver)
        timings["decomposition_s"] += time.perf_counter() - t0
        if progress:
            progress(sc, res)
    t0 = time.perf_counter()
    for name, frames in decompositions.items():   # a reference listed after its design: solved only now
        ref = refs[name][0]
        if ref is not None and ref != name and len(frames) == 1:
            frames.append(_versus(name, ref, benchmark, states, models, decomposition_steps, solver))
    timings["decomposition_s"] += time.perf_counter() - t0
    results = _results(benchmark, scenarios, designs, solved, decompositions, refs)
    solver = {"route": route, "tol": tol, "check_tol": check_tol, "max_iter": max_iter,
              "decomposition_steps": decomposition_steps,
              "linear_solver": solver_default("linear_solver"), **(compile_options or {})}
    return Comparison(benchmark, results, timings, refs, solver)


def _solve_again(bm, compiled, solver):
    def solve():
        solve_warm_then_cold(bm, compiled, warm=True, **solver)

    return solve


def _decomposition(name, benchmark, states, models, bench_point, refs, steps, solver) -> list[pd.DataFrame]:
    """The ``decomposition`` rows of a scenario just solved: relative to the benchmark, and to its
    reference when that is solved already (:func:`run_scenarios` adds the others after the loop)."""
    key, state = states[name]
    bm, compiled = models[key]
    parts, n = path_decomposition(bm, _solve_again(bm, compiled, solver), benchmark_state(bm, state, bench_point),
                                  state, steps)
    frames = [decomposition_frame(parts, benchmark, "benchmark", n)]
    ref = refs[name][0]
    if ref is not None and ref != name and ref in states:
        frames.append(_versus(name, ref, benchmark, states, models, steps, solver))
    return frames


def _versus(name, ref, benchmark, states, models, steps, solver) -> pd.DataFrame:
    """The decomposition of scenario ``name`` relative to its reference ``ref`` (both solved)."""
    key, state = states[name]
    ref_key, ref_state = states[ref]
    bm, compiled = models[key]
    if ref_key == key:
        parts, n = path_decomposition(bm, _solve_again(bm, compiled, solver), ref_state, state, steps)
    else:  # different model structures: no common parameter path, the two-point identity
        parts, n = decompose(ref_state.point, state.point, benchmark.tags), 1
    return decomposition_frame(parts, benchmark, ref, n)


def _results(benchmark, scenarios, designs, solved, decompositions, refs) -> list[ScenarioResult]:
    """Each scenario's tables, assembled once: those collected from its model, its decomposition,
    the ratios left undefined without a reference, and the fairness tables (across scenarios)."""
    tables = {}
    for sc in scenarios:
        own = dict(solved[sc.name][1])
        own["decomposition"] = pd.concat(decompositions[sc.name], ignore_index=True)
        ref, why = refs[sc.name]
        if ref is None:
            undefined = pd.DataFrame([(m, why) for m in VS_REF_MEASURES], columns=["measure", "reason"])
            old = own["undefined"]
            own["undefined"] = pd.concat([old, undefined], ignore_index=True) if len(old) else undefined
        tables[sc.name] = own
    coalition = tables[scenarios[0].name]["regions"].query("coalition")["region"].tolist() if scenarios else []
    fair = fairness_tables(benchmark, coalition, tables, {name: ref for name, (ref, _) in refs.items()})
    return [ScenarioResult(sc, {**tables[sc.name], **fair[sc.name]}, solved[sc.name][0], designs[sc.name],
                           solved[sc.name][2]) for sc in scenarios]
