"""A scenario checked and resolved against a benchmark's codes, once per solve.

:func:`resolve_design` runs every dataset-dependent check of a scenario (region codes and groups,
coverage, exemptions, implementers, numeraire) and returns a :class:`ResolvedDesign`; its
:class:`Structure` is what fixes the model's equations, so scenarios sharing it re-solve one
compiled model. :func:`cge.results.run.run_scenarios` resolves each scenario once and hands the result to
:class:`cge.bca.model.BCAModel` and :meth:`~cge.bca.model.BCAModel.apply`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cge.bca.formulas import rent_share, resource_sigma
from cge.bca.shock_cells import ShockCells, resolve_shocks, tax_kinds
from cge.core import ces
from cge.data.benchmark import Benchmark
from cge.data.elasticities import Elasticities, for_benchmark
from cge.data.flows import Flows
from cge.errors import ScenarioError
from cge.scenarios.options import structural_fields
from cge.scenarios.spec import Scenario, resolve_regions


@dataclass(frozen=True)
class Structure:
    """What fixes the model's equations; scenarios sharing it re-solve one compiled model."""

    coalition: tuple[str, ...]
    instrument: str
    foreign_priced: tuple[str, ...]
    elasticities: tuple
    numeraire: str
    #: border adjustments met by surrendering the coalition's allowances (``bca.instrument:
    #: allowances``): embodied emissions of charged imports count against the cap
    imports_in_cap: bool = False
    #: the kinds of tax a scenario shocks (:func:`cge.bca.shocks.tax_kinds`): their rates are
    #: mutable parameters on every flow of the kind
    taxes_shocked: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResolvedDesign:
    """A scenario's BCA and rebate switches resolved against a benchmark's codes."""

    structure: Structure
    coverage: frozenset
    exempt: frozenset
    implementers: frozenset
    obr_coverage: frozenset
    #: sectors whose indirect (electricity) emissions count (basis direct+electricity)
    indirect: frozenset = frozenset()
    #: the scenario's elasticities on this benchmark (defaults, dataset values, overrides), resolved
    #: once with the design; not part of its identity (the regimes are, in ``structure``)
    elasticities: Elasticities | None = field(default=None, compare=False, hash=False)
    #: the scenario's shocks on this benchmark: the parameter cells they move (:mod:`cge.bca.shocks`)
    shocks: ShockCells = ShockCells()


def elasticity_regimes(b: Benchmark, el: Elasticities) -> tuple:
    """The CES regime (Leontief, Cobb–Douglas, general …) of every elasticity: the part of the
    elasticities that fixes the model's equations. Values within a regime are parameters."""
    out = [(p, s, ces.regime(v)) for p, by_sector in el.table.items() for s, v in by_sector.items()]
    fl = Flows(b)
    for (r, j), _rent in fl.nonzero("vrs"):
        out.append(("sigma_res", f"{r}.{j}", ces.regime(resource_sigma(el("eta", j), rent_share(fl, r, j)))))
    return tuple(sorted(out))


def structure_of(b: Benchmark, sc: Scenario, el: Elasticities | None = None) -> Structure:
    """The model structure a scenario asks for on ``b``: its structural options
    (:func:`cge.scenarios.options.structural_fields`) resolved against the dataset's codes;
    ``el``: the scenario's elasticities when the caller has resolved them already."""
    coalition = resolve_regions(sc.coalition, b.regions, b.tags.region_groups, "coalition")
    for r in sc.foreign_carbon_prices:
        if r not in b.regions:
            raise ScenarioError(f"foreign_carbon_prices: unknown region {r!r}; known: {', '.join(b.regions)}")
        if r in coalition:
            raise ScenarioError(f"foreign_carbon_prices: {r} is a coalition member; its price is set by the policy")
    if sc.numeraire.startswith("PC:") and sc.numeraire[3:] not in b.regions:
        raise ScenarioError(f"numeraire: unknown region {sc.numeraire[3:]!r}")
    # each Structure field from the structural options of cge.scenarios.options (structural_fields()):
    resolved = {
        "coalition": coalition,
        "instrument": sc.policy.instrument,
        "foreign_priced": tuple(r for r in b.regions if r in sc.foreign_carbon_prices),
        "elasticities": elasticity_regimes(b, for_benchmark(b, sc.elasticities) if el is None else el),
        "numeraire": sc.numeraire,
        "imports_in_cap": sc.bca.import_charge and sc.bca.instrument == "allowances",
        "taxes_shocked": tax_kinds(sc),
    }
    return Structure(**{name: resolved[name] for name in structural_fields()})


def sector_coverage(b: Benchmark, coverage, what: str) -> frozenset:
    """The sectors a coverage switch names (``eite``, ``all``, ``cbam`` or a list of codes);
    ``what`` is the scenario key, for the error message."""
    if coverage == "eite":
        return frozenset(b.tags.eite)
    if coverage == "all":
        return frozenset(b.sectors)
    if coverage == "cbam":
        if not b.tags.cbam:
            raise ScenarioError(f"{what}: cbam, but the dataset tags no sector as holding CBAM goods "
                                "(metadata.yaml tags.cbam)")
        return frozenset(b.tags.cbam)
    unknown = [c for c in coverage if c not in b.sectors]
    if unknown:
        raise ScenarioError(f"{what}: unknown sector(s) {unknown}; known: {', '.join(b.sectors)}")
    return frozenset(coverage)


def resolve_design(b: Benchmark, sc: Scenario, require_coalition: bool = False) -> ResolvedDesign:
    """Every dataset-dependent check of a scenario (codes, groups, coverage, implementers), so
    that a scenario can be validated before any model is built; raises :class:`ScenarioError`.
    ``require_coalition`` (scenario files, sweeps): a policy that applies to no region is an error
    unless the scenario says ``policy.instrument: none`` (the Python default builds the benchmark)."""
    el = for_benchmark(b, sc.elasticities)
    st = structure_of(b, sc, el)
    if require_coalition and not st.coalition and sc.policy.instrument != "none":
        given = f"{list(sc.coalition)} names no region" if sc.coalition else "is missing or empty"
        raise ScenarioError(f"coalition: {given}, so the {sc.policy.instrument} policy would apply to nobody "
                            "and every result would be zero; name the coalition's regions or groups, or set "
                            "policy.instrument: none for an explicit no-policy run")
    groups = b.tags.region_groups
    bca = sc.bca
    exempt = set(resolve_regions(bca.exempt, b.regions, groups, "bca.exempt"))
    if bca.exempt_coalition:
        exempt |= set(st.coalition)
    implementers = set(resolve_regions(bca.implementers, b.regions, groups, "bca.implementers")
                       if bca.implementers else st.coalition)
    outside = implementers - set(st.coalition)
    if outside:
        raise ScenarioError(f"bca.implementers: {sorted(outside)} are not coalition members; only regions "
                            "that price carbon under the policy can adjust at the border")
    indirect = (sector_coverage(b, bca.indirect_sectors, "bca.indirect_sectors") if bca.indirect_sectors != "all"
                else frozenset(b.sectors))
    return ResolvedDesign(st, sector_coverage(b, bca.coverage, "bca.coverage"), frozenset(exempt),
                          frozenset(implementers),
                          sector_coverage(b, sc.output_based_rebates.coverage, "output_based_rebates.coverage"),
                          indirect, el, resolve_shocks(b, sc))
