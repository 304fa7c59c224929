"""The multi-region carbon-pricing and border-carbon-adjustment model (spec sections 3–5),
declared with the blocks of :mod:`cge.core` from any valid :class:`~cge.benchmark.Benchmark`.

Variables (calibrated share form; benchmark prices and activity levels are 1):

==========  =====================================================================
``Y[r,j]``  production of sector j in region r (nested KLEM, with crude oil a Leontief input
            beside the KLEM composite in refineries; resource sectors CES(rent, bundle))
``A[r,i]``  Armington aggregation of domestic and imported good i
``C[r]``    household consumption bundle
``PY``      output price; ``PA`` Armington price; ``PC`` consumer price; ``PF`` factor price;
            ``PR`` resource rent
``RA[r]``   income of the representative agent (owns factors and resources, collects taxes,
            carbon and BCA revenue, receives ``bop[r]·PW``, buys fixed G and I, spends the rest
            on C)
``PCO2[r]`` carbon price in bn USD per Mt (= 1000 USD/t); fixed at 0 where carbon is unpriced
``PW``      world consumer price index ``Σ_r w_r·PC[r]``, the default numeraire
==========  =====================================================================

Policy switches that do not change the model's structure are mutable parameters, so the same
compiled model re-solves REF and every BCA design: the cap ``cut``, carbon taxes, the
import-charge intensity of each flow ``bca_theta[i,s,r]`` (zero where not charged),
``bca_credit``, ``bca_return``, export-rebate intensities ``xr_theta`` and output-based rebate
intensities ``obr_theta``, and the elasticities (``elasticity[parameter, sector]``, ``*`` for the
household nests). The coalition, the instrument (tax / caps), the regions with a foreign carbon
price, the numeraire and each elasticity's CES *regime* (Leontief, Cobb–Douglas, general) define the
structure; a scenario that changes any of them needs a new model (:func:`structure_of`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pyomo.environ import sqrt, value

from cge import cbam, intensity
from cge.benchmark import Benchmark
from cge.core import ces
from cge.core.blocks import (
    TOP,
    AdValorem,
    Deferred,
    Demand,
    Endowment,
    Input,
    Nest,
    Output,
    PerUnit,
    Production,
    Transfer,
)
from cge.core.model import EquilibriumModel
from cge.elasticities import Elasticities, for_benchmark
from cge.errors import ScenarioError
from cge.options import structural_fields
from cge.scenario import Scenario, resolve_regions
from cge.solve import declare_partition

#: smoothing of the Fischer–Burmeister complementarity (cap ⟂ carbon price); the implied
#: complementarity gap a·b ≈ FB_SMOOTHING²/2 is far below solver tolerance.
FB_SMOOTHING = 1e-10
#: smoothing of max(PCO2[r] − PCO2[s], 0) in credited import charges, bn USD per Mt
#: (1e-6 bn USD/Mt = 0.001 USD/t); exactly zero at a zero price difference.
CREDIT_SMOOTHING = 1e-6
#: carbon prices enter the complementarity in units of 100 USD/t
PRICE_SCALE = 10.0


def smooth_max0(x, eps: float = CREDIT_SMOOTHING):
    """``max(x, 0)`` smoothed, never negative and exactly 0 at x = 0:
    ``g(x)·x²/(x² + ε²)`` with ``g(x) = (x + sqrt(x² + ε²))/2``; it differs from ``max(x, 0)``
    by at most ``ε/2`` near 0 and by ``O(ε²/|x|)`` elsewhere."""
    g = (x + sqrt(x * x + eps * eps)) / 2
    return g * (x * x) / (x * x + eps * eps)


def fischer_burmeister(a, b):
    """``φ(a, b) = a + b − sqrt(a² + b² + μ²)``: φ = 0 ⇔ a ≥ 0, b ≥ 0, a·b = μ²/2 ≈ 0."""
    return a + b - sqrt(a * a + b * b + FB_SMOOTHING**2)


def resource_sigma(b: Benchmark, eta: float, ri: int, ji: int) -> float:
    """``σres = η·θres/(1−θres)`` with ``θres = vrs/((1−to)·vom)`` (spec section 3)."""
    theta = b.vrs[ri, ji] / ((1 - b.to[ri, ji]) * b.vom[ri, ji])
    return eta * theta / (1 - theta)


def elasticity_regimes(b: Benchmark, el: Elasticities) -> tuple:
    """The CES regime (Leontief, Cobb–Douglas, general …) of every elasticity: the part of the
    elasticities that fixes the model's equations. Values within a regime are parameters."""
    out = [(p, s, ces.regime(v)) for p, by_sector in el.table.items() for s, v in by_sector.items()]
    for ri in range(len(b.regions)):
        for ji, j in enumerate(b.sectors):
            if b.vrs[ri, ji] > 0:
                out.append(("sigma_res", f"{b.regions[ri]}.{j}", ces.regime(resource_sigma(b, el("eta", j), ri, ji))))
    return tuple(sorted(out))


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


def structure_of(b: Benchmark, sc: Scenario) -> Structure:
    """The model structure a scenario asks for on ``b``: its structural options
    (:func:`cge.options.structural_fields`) resolved against the dataset's codes."""
    coalition = resolve_regions(sc.coalition, b.regions, b.tags.region_groups, "coalition")
    for r in sc.foreign_carbon_prices:
        if r not in b.regions:
            raise ScenarioError(f"foreign_carbon_prices: unknown region {r!r}; known: {', '.join(b.regions)}")
        if r in coalition:
            raise ScenarioError(f"foreign_carbon_prices: {r} is a coalition member; its price is set by the policy")
    if sc.numeraire.startswith("PC:") and sc.numeraire[3:] not in b.regions:
        raise ScenarioError(f"numeraire: unknown region {sc.numeraire[3:]!r}")
    # each Structure field from the structural options of cge.options (structural_fields()):
    resolved = {
        "coalition": coalition,
        "instrument": sc.policy.instrument,
        "foreign_priced": tuple(r for r in b.regions if r in sc.foreign_carbon_prices),
        "elasticities": elasticity_regimes(b, for_benchmark(b, sc.elasticities)),
        "numeraire": sc.numeraire,
        "imports_in_cap": sc.bca.import_charge and sc.bca.instrument == "allowances",
    }
    return Structure(**{name: resolved[name] for name in structural_fields()})


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


def _coverage(b: Benchmark, coverage, what: str) -> frozenset:
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


def region_part(regions) -> Callable:
    """Part of a variable or equation index for the solver's block preconditioner: its region
    (the first element of the index), or ``None`` for world-wide ones (PW, a coalition cap)."""
    known = frozenset(regions)

    def part_of(index):
        key = index[0] if isinstance(index, tuple) else index
        return key if key in known else None

    return part_of


def coverage_shares(b: Benchmark, coverage) -> np.ndarray:
    """``[r, j]`` factor on every intensity applied to sector j of region r: the benchmark's CBAM
    coverage share under ``coverage: cbam``, else 1."""
    return b.cbam_coverage if coverage == "cbam" else np.ones_like(b.vom)


def resolve_design(b: Benchmark, sc: Scenario, require_coalition: bool = False) -> ResolvedDesign:
    """Every dataset-dependent check of a scenario (codes, groups, coverage, implementers), so
    that a scenario can be validated before any model is built; raises :class:`ScenarioError`.
    ``require_coalition`` (scenario files, sweeps): a policy that applies to no region is an error
    unless the scenario says ``policy.instrument: none`` (the Python default builds the benchmark)."""
    st = structure_of(b, sc)
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
    indirect = (_coverage(b, bca.indirect_sectors, "bca.indirect_sectors") if bca.indirect_sectors != "all"
                else frozenset(b.sectors))
    return ResolvedDesign(st, _coverage(b, bca.coverage, "bca.coverage"), frozenset(exempt),
                          frozenset(implementers),
                          _coverage(b, sc.output_based_rebates.coverage, "output_based_rebates.coverage"),
                          indirect)


def charge_intensity(b: Benchmark, theta: dict[str, np.ndarray], sc: Scenario, design: ResolvedDesign):
    """The embodied intensities of a scenario's border adjustment, before coverage shares and
    phase-in: ``(flows[i, exporter, importer], own[r, j])``. ``indirect_sectors`` keeps the
    electricity component only for the sectors listed (CBAM Annex II lists the goods for which
    only direct emissions count); CBAM default values replace the exporter's intensity
    (:func:`cge.cbam.default_values`)."""
    bca = sc.bca
    own = theta[bca.basis]
    if bca.basis == "direct+electricity" and bca.indirect_sectors != "all":
        keep = np.array([j in design.indirect for j in b.sectors])
        own = np.where(keep[None, :], own, theta["direct"])
    if bca.benchmark in ("exporter_markup", "worst"):
        charged = cbam.default_values(own, b.vom, bca.benchmark, bca.default_markup)
        return intensity.reference_intensity(b, charged, "exporter"), own
    return intensity.reference_intensity(b, own, bca.benchmark), own


class BCAModel:
    """The model of spec sections 3–5 for one benchmark and one :class:`Structure`.

    ``BCAModel(b, scenario)`` builds and compiles once; :meth:`apply` sets the parameters of
    any scenario with the same structure; :mod:`cge.run` solves and reports.
    """

    def __init__(self, benchmark: Benchmark, scenario: Scenario):
        self.b = b = benchmark
        self.structure = structure_of(b, scenario)
        self.el: Elasticities = for_benchmark(b, scenario.elasticities)
        self.R, self.J, self.F = b.regions, b.sectors, b.factors
        self.coalition = self.structure.coalition
        self.priced = tuple(r for r in self.R if r in self.coalition or r in self.structure.foreign_priced)
        self.em = EquilibriumModel(f"bca[{b.name}]")
        self.theta = {basis: intensity.by_basis(b, basis) for basis in intensity.BASES}
        self._declare()
        self.pyomo = self.em.build()
        declare_partition(self.pyomo, region_part(self.R))
        self._benchmark_point = [(v, v.value) for var in self.vars.values() if var != {}
                                 for v in (var.values() if var.is_indexed() else [var]) if not v.fixed]
        self.E0 = b.emissions
        self.apply(scenario)

    # ----- declaration ------------------------------------------------------------------
    def _declare(self) -> None:
        b, em, R, J, F = self.b, self.em, self.R, self.J, self.F
        tags = b.tags
        vdm, va = b.vdm, b.va
        self.ykeys = [(r, j) for ri, r in enumerate(R) for ji, j in enumerate(J) if b.vom[ri, ji] > 0]
        self.akeys = [(r, i) for ri, r in enumerate(R) for ii, i in enumerate(J) if va[ri, ii] > 0]
        fkeys = [(r, f) for ri, r in enumerate(R) for fi, f in enumerate(F) if b.vfm[ri, fi].sum() > 0]
        rkeys = [(r, j) for ri, r in enumerate(R) for ji, j in enumerate(J) if b.vrs[ri, ji] > 0]

        Y = em.sectors("Y", self.ykeys, doc="production")
        A = em.sectors("A", self.akeys, doc="Armington aggregation")
        C = em.sectors("C", R, doc="household consumption")
        PY = em.commodities("PY", self.ykeys, doc="output price")
        PA = em.commodities("PA", self.akeys, doc="Armington price")
        PC = em.commodities("PC", R, doc="consumer price")
        PF = em.commodities("PF", fkeys, doc="factor price")
        PR = em.commodities("PR", rkeys, doc="resource rent") if rkeys else {}
        RA = em.consumers("RA", R, doc="regional agent income")
        PCO2 = em.auxiliaries("PCO2", R, start=0.0, doc="carbon price, bn USD per Mt")
        PW = em.auxiliaries("PW", start=1.0, lower=0.0, doc="world consumer price index")
        self.vars = dict(Y=Y, A=A, C=C, PY=PY, PA=PA, PC=PC, PF=PF, PR=PR, RA=RA, PCO2=PCO2, PW=PW)
        for r in R:
            if r not in self.priced:
                PCO2[r].fix(0.0)

        # policy parameters
        self.cut = em.parameter("cut", values=0.0, doc="coalition emission cut")
        self.tax = em.parameter("carbon_tax", R, 0.0, doc="carbon tax, USD/t in units of PW")
        self.credit = em.parameter("bca_credit", values=0.0, doc="credit foreign carbon price (0/1)")
        self.ret = em.parameter("bca_return", values=0.0, doc="share of BCA revenue returned to exporter")
        cl = set(self.coalition)
        trade = b.vxmd
        bca_keys = [(i, s, r) for ii, i in enumerate(J) for si, s in enumerate(R) for ri, r in enumerate(R)
                    if r in cl and s != r and trade[ii, si, ri] > 0]
        xr_keys = [(i, s, r) for ii, i in enumerate(J) for si, s in enumerate(R) for ri, r in enumerate(R)
                   if s in cl and r not in cl and trade[ii, si, ri] > 0]
        obr_keys = [(r, j) for (r, j) in self.ykeys if r in cl]
        self.bca_theta = em.parameter("bca_theta", bca_keys, 0.0, doc="import-charge intensity, Mt per bn USD")
        self.xr_theta = em.parameter("xr_theta", xr_keys, 0.0, doc="export-rebate intensity, Mt per bn USD")
        self.obr_theta = em.parameter("obr_theta", obr_keys, 0.0, doc="output-based rebate intensity")
        self.bca_keys, self.xr_keys, self.obr_keys = set(bca_keys), set(xr_keys), set(obr_keys)

        energy = set(tags.fossil) | set(tags.electricity)
        ei = {j: J.index(j) for j in J}
        keys = [(p, s) for p, by_sector in self.el.table.items() for s in by_sector]
        self.elasticity = em.parameter("elasticity", keys, {k: self.el(*k) for k in keys},
                                       doc="elasticities (parameter, sector or *)")

        def el(p: str, sector: str):
            return self.elasticity[p, sector]

        def fuel_wedges(r: str, ri: int, i: str, quantity: float, co2: float, buyer: int | None = None):
            """Wedges on a purchase of Armington good i: the buyer's purchase tax (GTAP data),
            then the carbon price on the fuel's emissions (not subject to the purchase tax)."""
            out = purchase_tax(r, ri, ei[i], buyer)
            if co2 <= 0 or quantity <= 0:
                return out
            ef = co2 / quantity
            return out + (PerUnit(RA[r], PCO2[r] * ef, account=("co2", r), coefficient=ef, kind="carbon"),)

        def purchase_tax(r: str, ri: int, ii: int, buyer: int | None):
            rate = 0.0 if buyer is None else float(b.tpu[ri, ii, buyer])
            return (AdValorem(RA[r], rate, kind="purchase_tax"),) if rate != 0 else ()

        for (r, j) in self.ykeys:
            ri, ji = R.index(r), ei[j]
            out_wedges = []
            if b.to[ri, ji] != 0:
                out_wedges.append(AdValorem(RA[r], float(b.to[ri, ji]), kind="output_tax"))
            if b.co2p[ri, ji] > 0:
                coef = b.co2p[ri, ji] / b.vom[ri, ji]
                out_wedges.append(PerUnit(RA[r], PCO2[r] * coef, account=("co2", r), coefficient=coef,
                                          kind="carbon"))
            if (r, j) in self.obr_keys:
                out_wedges.append(PerUnit(RA[r], -PCO2[r] * self.obr_theta[r, j], kind="output_rebate"))
            outputs = [Output(PY[r, j], float(b.vom[ri, ji]), wedges=tuple(out_wedges), label=("vom", r, j))]
            resource = (r, j) in PR if rkeys else False
            inputs = []
            for ii, i in enumerate(J):
                q = float(b.vid[ri, ii, ji])
                if q <= 0:
                    continue
                if resource:
                    nest = "bundle"
                elif i in tags.crude:
                    nest = TOP  # refinery feedstock: Leontief with the KLEM composite
                elif i in tags.fossil:
                    nest = "ff"
                elif i in tags.electricity:
                    nest = "e"
                else:
                    nest = "m"
                inputs.append(Input(PA[r, i], q, nest, fuel_wedges(r, ri, i, q, float(b.co2[ri, ii, ji]), ji),
                                    label=("vid", r, i, j)))
            for fi, f in enumerate(F):
                q = float(b.vfm[ri, fi, ji])
                if q > 0:
                    tf = float(b.tf[ri, fi, ji])
                    wedges = (AdValorem(RA[r], tf, kind="factor_tax"),) if tf != 0 else ()
                    inputs.append(Input(PF[r, f], q, "bundle" if resource else "va", wedges, label=("vfm", r, f, j)))
            if resource:
                rent = float(b.vrs[ri, ji])
                sigma_res = el("eta", j) * resource_sigma(b, 1.0, ri, ji)
                inputs.append(Input(PR[r, j], rent, TOP, label=("vrs", r, j)))
                nests = [Nest(TOP, sigma_res), Nest("bundle", 0.0, TOP)]
            else:
                # Y = min(crude, CES_klem(materials; KLE)) where crude oil is used (refineries);
                # otherwise the KLEM nest is the top nest.
                uses_crude = any(inp.nest == TOP for inp in inputs)
                klem = "klem" if uses_crude else TOP
                nests = [Nest(TOP, 0.0)] if uses_crude else []
                nests += [
                    Nest(klem, el("sigma_klem", j), TOP if uses_crude else None),
                    Nest("m", 0.0, klem),
                    Nest("kle", el("sigma_kle", j), klem),
                    Nest("va", el("sigma_va", j), "kle"),
                    Nest("e", el("sigma_e", j), "kle"),
                    Nest("ff", el("sigma_ff", j), "e"),
                ]
            em.add(Production(Y[r, j], outputs, inputs, nests, label=("Y", r, j)))

        PT = self._declare_transport()
        for (r, i) in self.akeys:
            ri, ii = R.index(r), ei[i]
            inputs = []
            if vdm[ri, ii] > 0:
                tpd = float(b.tpd[ri, ii])
                wedges = (AdValorem(RA[r], tpd, kind="purchase_tax"),) if tpd != 0 else ()
                inputs.append(Input(PY[r, i], float(vdm[ri, ii]), TOP, wedges, label=("vdm", r, i)))
            nests = [Nest(TOP, el("sigma_dm", i)), Nest("mm", el("sigma_mm", i), TOP)]
            for si, s in enumerate(R):
                q = float(trade[ii, si, ri])
                if q <= 0:
                    continue
                tx, tm, tpi = float(b.tx[ii, si, ri]), float(b.tm[ii, si, ri]), float(b.tpi[ri, ii])
                wedges = []
                if tx != 0:  # export tax (< 0: subsidy) of the exporter, on its market price
                    wedges.append(AdValorem(RA[s], tx, kind="export_tax"))
                if (i, s, r) in self.xr_keys:  # export rebate paid by the exporter's agent
                    wedges.append(PerUnit(RA[s], -PCO2[s] * self.xr_theta[i, s, r], kind="export_rebate"))
                import_taxes = []
                if tm != 0:
                    import_taxes.append(AdValorem(RA[r], tm, kind="tariff"))
                if tpi != 0:
                    import_taxes.append(AdValorem(RA[r], tpi, kind="purchase_tax"))
                wedges += import_taxes
                if (i, s, r) in self.bca_keys:
                    gap = PCO2[r] - self.credit * PCO2[s] if s in self.priced else PCO2[r]
                    charge = (smooth_max0(gap) if s in self.priced else gap) * self.bca_theta[i, s, r]
                    surrendered = ({"account": ("bca_co2", r), "coefficient": self.bca_theta[i, s, r]}
                                   if self.structure.imports_in_cap else {})
                    wedges.append(PerUnit(RA[r], charge * (1 - self.ret), kind="bca_charge", **surrendered))
                    wedges.append(PerUnit(RA[s], charge * self.ret, kind="bca_charge_returned"))
                margins = [(m, float(b.vtwr[mi, ii, si, ri])) for mi, m in enumerate(J) if b.vtwr[mi, ii, si, ri] > 0]
                nest = "mm"
                if margins:  # goods and their transport margins in fixed proportions (cif)
                    nest = f"cif.{s}"
                    nests.append(Nest(nest, 0.0, "mm"))
                    for m, v in margins:
                        inputs.append(Input(PT[m], v, nest, tuple(import_taxes),
                                            reference_price=(1 + tm) * (1 + tpi), label=("vtwr", m, i, s, r)))
                inputs.append(Input(PY[s, i], q, nest, tuple(wedges), reference_price=(1 + tx) * (1 + tm) * (1 + tpi),
                                    label=("vxmd", i, s, r)))
            em.add(Production(A[r, i], [Output(PA[r, i], float(va[ri, ii]), label=("va", r, i))], inputs, nests,
                              label=("A", r, i)))

        hh = len(J)
        # benchmark consumption at buyer prices, summed row by row as before purchase taxes existed
        cons = [float(b.vc[ri].sum() + (b.vc[ri] * b.tpu[ri, :, hh]).sum()) for ri in range(len(R))]
        for ri, r in enumerate(R):
            inputs = []
            for ii, i in enumerate(J):
                q = float(b.vc[ri, ii])
                if q <= 0:
                    continue
                nest = "en" if i in energy else "ne"
                inputs.append(Input(PA[r, i], q, nest, fuel_wedges(r, ri, i, q, float(b.co2[ri, ii, hh]), hh),
                                    label=("vc", r, i)))
            nests = [Nest(TOP, el("sigma_c", "*")), Nest("ne", el("sigma_cn", "*"), TOP),
                     Nest("en", el("sigma_ce", "*"), TOP)]
            em.add(Production(C[r], [Output(PC[r], float(cons[ri]), label=("c", r))], inputs, nests,
                              label=("C", r)))
            fixed = []
            for ii, i in enumerate(J):
                for k, (agent, arr) in enumerate((("vg", b.vg), ("vi", b.vi))):
                    if arr[ri, ii] > 0:
                        fixed.append(Input(PA[r, i], float(arr[ri, ii]), wedges=purchase_tax(r, ri, ii, hh + 1 + k),
                                           label=(agent, r, i)))
            endow = [Endowment(PF[r, f], float(b.vfm[ri, fi].sum())) for fi, f in enumerate(F)
                     if b.vfm[ri, fi].sum() > 0]
            endow += [Endowment(PR[r, j], float(b.vrs[ri, ji])) for ji, j in enumerate(J) if (r, j) in rkeys]
            transfers = [Transfer(float(b.bop[ri]) * PW, "balance_of_payments")]
            if self.structure.instrument == "coalition_cap" and r in cl:
                allowance = (1 - self.cut) * float(b.emissions[ri])
                transfers.append(Transfer(
                    Deferred(lambda r=r, allowance=allowance: PCO2[r] * (allowance - self.capped(r))),
                    "permit_sales"))
            em.add(Demand(RA[r], inputs=[Input(PC[r], float(cons[ri]), label=("cons", r))],
                          fixed=fixed, endowments=endow, transfers=transfers, label=("RA", r)))

        self._declare_carbon_and_numeraire()

    def capped(self, r: str):
        """Emissions counted against region r's allowances: its own, plus (``bca.instrument:
        allowances``) the embodied emissions of the imports it charges, ``Σ θ·M``."""
        own = self.em.account("co2", r)
        return own + self.em.account("bca_co2", r) if self.structure.imports_in_cap else own
    def _declare_transport(self) -> dict:
        """International transport (GTAP margins), one global service per margin sector m:
        ``T[m] = CD_r(vst[r,m])`` supplies ``PT[m]``, which each trade flow (i, s, r) demands in
        fixed proportion ``vtwr[m,i,s,r]`` to its quantity (Leontief with the goods: cif)."""
        b, em, R, J = self.b, self.em, self.R, self.J
        mkeys = [m for mi, m in enumerate(J) if b.vst[:, mi].sum() > 0]
        self.tkeys = mkeys
        if not mkeys:
            return {}
        T = em.sectors("T", mkeys, doc="international transport service")
        PT = em.commodities("PT", mkeys, doc="price of international transport")
        self.vars.update(T=T, PT=PT)
        PY = self.vars["PY"]
        for m in mkeys:
            mi = J.index(m)
            inputs = [Input(PY[r, m], float(b.vst[ri, mi]), TOP, label=("vst", r, m))
                      for ri, r in enumerate(R) if b.vst[ri, mi] > 0]
            em.add(Production(T[m], [Output(PT[m], float(b.vst[:, mi].sum()), label=("vtw", m))], inputs,
                              [Nest(TOP, 1.0)], label=("T", m)))
        return PT

    def _declare_carbon_and_numeraire(self) -> None:
        b, em, R = self.b, self.em, self.R
        PC, PW, PCO2 = self.vars["PC"], self.vars["PW"], self.vars["PCO2"]
        w = b.household_spending / b.household_spending.sum()
        em.equation("price_index", None, lambda: PW - sum(float(w[k]) * PC[r] for k, r in enumerate(R)))
        E0 = dict(zip(R, b.emissions))
        cl = self.coalition
        inst = self.structure.instrument
        taxed = [r for r in self.priced if r not in cl or inst == "tax"]
        if taxed:
            em.equation("carbon_tax_rule", taxed, lambda r: 1000 * PCO2[r] - self.tax[r] * PW, scale=100.0)
        if inst == "regional_cap" and cl:
            em.equation(
                "carbon_cap", cl,
                lambda r: fischer_burmeister(PRICE_SCALE * PCO2[r] / PW,
                                             ((1 - self.cut) * E0[r] - self.capped(r)) / E0[r]),
            )
        if inst == "coalition_cap" and cl:
            leader = cl[0]
            total0 = sum(E0[r] for r in cl)
            em.equation(
                "carbon_cap", None,
                lambda: fischer_burmeister(PRICE_SCALE * PCO2[leader] / PW,
                                           ((1 - self.cut) * total0 - sum(self.capped(r) for r in cl)) / total0),
            )
            if len(cl) > 1:
                em.equation("permit_price_equal", cl[1:], lambda r: PRICE_SCALE * (PCO2[r] - PCO2[leader]))
        if self.structure.numeraire == "PW":
            biggest = R[int(np.argmax(b.household_spending))]
            em.set_numeraire(PW, 1.0, drop_market=PC[biggest])
        else:
            r = self.structure.numeraire[3:]
            em.set_numeraire(PC[r], 1.0)

    # ----- scenario parameters ------------------------------------------------------------
    def apply(self, sc: Scenario) -> None:
        """Set every parameter of scenario ``sc`` (which must share this model's structure)."""
        b = self.b
        design = resolve_design(b, sc)
        st = design.structure
        if st != self.structure:
            raise ScenarioError(f"scenario {sc.name!r} changes the model structure ({st} vs {self.structure}); "
                                "build a new BCAModel for it")
        self.scenario = sc
        self.el = for_benchmark(b, sc.elasticities)
        for (p, sector), par in self.elasticity.items():
            par.value = self.el(p, sector)
        self.cut.value = sc.policy.cut if sc.policy.instrument != "tax" else 0.0
        for r in self.R:
            if r in self.coalition and sc.policy.instrument == "tax":
                self.tax[r].value = sc.policy.tax_usd_per_t
            else:
                self.tax[r].value = sc.foreign_carbon_prices.get(r, 0.0)
        bca = sc.bca
        cov, exempt, implementers = design.coverage, design.exempt, design.implementers
        flows, own = charge_intensity(b, self.theta, sc, design)  # [i, s, r], [r, j]
        share = coverage_shares(b, bca.coverage)                   # [r, j]
        year, ele = sc.phase_in.year, set(b.tags.electricity)
        charged = {j: cbam.charge_factor(year, j in ele) for j in self.J}  # phase-in, CBAM Art. 31
        J, R = self.J, self.R
        for (i, s, r) in self.bca_keys:
            on = bca.import_charge and r in implementers and i in cov and s not in exempt
            ii, si = J.index(i), R.index(s)
            self.bca_theta[i, s, r].value = (float(flows[ii, si, R.index(r)] * share[si, ii] * charged[i])
                                             if on else 0.0)
        for (i, s, r) in self.xr_keys:
            on = bca.export_rebate and s in implementers and i in cov
            ii, si = J.index(i), R.index(s)
            self.xr_theta[i, s, r].value = float(own[si, ii] * share[si, ii] * charged[i]) if on else 0.0
        self.credit.value = 1.0 if bca.credit_foreign_carbon_price else 0.0
        self.ret.value = 1.0 if bca.revenue == "exporter" else 0.0
        obr = sc.output_based_rebates
        if sc.phase_in.active and sc.phase_in.free_allocation:
            # free allocation not yet phased out: rebate on direct emissions of covered output
            direct = self.theta["direct"]
            for (r, j) in self.obr_keys:
                on = r in implementers and j in cov
                ri, ji = R.index(r), J.index(j)
                fa = cbam.free_allocation_factor(year, j in ele)
                self.obr_theta[r, j].value = float(fa * direct[ri, ji] * share[ri, ji]) if on else 0.0
            return
        obr_cov = design.obr_coverage
        obr_theta = intensity.own_reference(b, self.theta[obr.basis], obr.benchmark)
        obr_share = coverage_shares(b, obr.coverage)
        for (r, j) in self.obr_keys:
            on = obr.enabled and j in obr_cov
            ri, ji = R.index(r), J.index(j)
            self.obr_theta[r, j].value = float(obr_theta[ri, ji] * obr_share[ri, ji]) if on else 0.0

    def reset_to_benchmark(self) -> None:
        """Put every unknown back at its benchmark value (a cold start)."""
        for v, x in self._benchmark_point:
            v.set_value(x)

    def emissions(self, evaluate=value) -> dict[str, float]:
        """Emissions by region (Mt) at the current solution."""
        return {r: float(evaluate(self.em.account("co2", r))) for r in self.R}
