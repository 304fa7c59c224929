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

from cge import intensity
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
from cge.elasticities import Elasticities, resolve
from cge.errors import ScenarioError
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


def structure_of(b: Benchmark, sc: Scenario) -> Structure:
    coalition = resolve_regions(sc.coalition, b.regions, b.tags.region_groups, "coalition")
    for r in sc.foreign_carbon_prices:
        if r not in b.regions:
            raise ScenarioError(f"foreign_carbon_prices: unknown region {r!r}; known: {', '.join(b.regions)}")
        if r in coalition:
            raise ScenarioError(f"foreign_carbon_prices: {r} is a coalition member; its price is set by the policy")
    if sc.numeraire.startswith("PC:") and sc.numeraire[3:] not in b.regions:
        raise ScenarioError(f"numeraire: unknown region {sc.numeraire[3:]!r}")
    el = elasticity_regimes(b, resolve(b.sectors, sc.elasticities))
    priced = tuple(r for r in b.regions if sc.foreign_carbon_prices.get(r, 0) > 0 or r in sc.foreign_carbon_prices)
    return Structure(coalition, sc.policy.instrument, priced, el, sc.numeraire)


@dataclass(frozen=True)
class ResolvedDesign:
    """A scenario's BCA and rebate switches resolved against a benchmark's codes."""

    structure: Structure
    coverage: frozenset
    exempt: frozenset
    implementers: frozenset
    obr_coverage: frozenset


def _coverage(b: Benchmark, coverage, what: str) -> frozenset:
    if coverage == "eite":
        return frozenset(b.tags.eite)
    if coverage == "all":
        return frozenset(b.sectors)
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


def resolve_design(b: Benchmark, sc: Scenario) -> ResolvedDesign:
    """Every dataset-dependent check of a scenario (codes, groups, coverage, implementers), so
    that a scenario can be validated before any model is built; raises :class:`ScenarioError`."""
    st = structure_of(b, sc)
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
    return ResolvedDesign(st, _coverage(b, bca.coverage, "bca.coverage"), frozenset(exempt),
                          frozenset(implementers),
                          _coverage(b, sc.output_based_rebates.coverage, "output_based_rebates.coverage"))


class BCAModel:
    """The model of spec sections 3–5 for one benchmark and one :class:`Structure`.

    ``BCAModel(b, scenario)`` builds and compiles once; :meth:`apply` sets the parameters of
    any scenario with the same structure; :mod:`cge.run` solves and reports.
    """

    def __init__(self, benchmark: Benchmark, scenario: Scenario):
        self.b = b = benchmark
        self.structure = structure_of(b, scenario)
        self.el: Elasticities = resolve(b.sectors, scenario.elasticities)
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

        def fuel_wedges(r: str, ri: int, i: str, quantity: float, co2: float):
            if co2 <= 0 or quantity <= 0:
                return ()
            ef = co2 / quantity
            return (PerUnit(RA[r], PCO2[r] * ef, account=("co2", r), coefficient=ef, kind="carbon"),)

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
                inputs.append(Input(PA[r, i], q, nest, fuel_wedges(r, ri, i, q, float(b.co2[ri, ii, ji])),
                                    label=("vid", r, i, j)))
            for fi, f in enumerate(F):
                q = float(b.vfm[ri, fi, ji])
                if q > 0:
                    inputs.append(Input(PF[r, f], q, "bundle" if resource else "va", label=("vfm", r, f, j)))
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

        for (r, i) in self.akeys:
            ri, ii = R.index(r), ei[i]
            inputs = []
            if vdm[ri, ii] > 0:
                inputs.append(Input(PY[r, i], float(vdm[ri, ii]), TOP, label=("vdm", r, i)))
            for si, s in enumerate(R):
                q = float(trade[ii, si, ri])
                if q <= 0:
                    continue
                wedges = []
                if (i, s, r) in self.xr_keys:  # export rebate paid by the exporter's agent
                    wedges.append(PerUnit(RA[s], -PCO2[s] * self.xr_theta[i, s, r], kind="export_rebate"))
                if b.tm[ii, si, ri] != 0:
                    wedges.append(AdValorem(RA[r], float(b.tm[ii, si, ri]), kind="tariff"))
                if (i, s, r) in self.bca_keys:
                    gap = PCO2[r] - self.credit * PCO2[s] if s in self.priced else PCO2[r]
                    charge = (smooth_max0(gap) if s in self.priced else gap) * self.bca_theta[i, s, r]
                    wedges.append(PerUnit(RA[r], charge * (1 - self.ret), kind="bca_charge"))
                    wedges.append(PerUnit(RA[s], charge * self.ret, kind="bca_charge_returned"))
                inputs.append(Input(PY[s, i], q, "mm", tuple(wedges), reference_price=1 + float(b.tm[ii, si, ri]),
                                    label=("vxmd", i, s, r)))
            nests = [Nest(TOP, el("sigma_dm", i)), Nest("mm", el("sigma_mm", i), TOP)]
            em.add(Production(A[r, i], [Output(PA[r, i], float(va[ri, ii]), label=("va", r, i))], inputs, nests,
                              label=("A", r, i)))

        hh = len(J)
        for ri, r in enumerate(R):
            inputs = []
            for ii, i in enumerate(J):
                q = float(b.vc[ri, ii])
                if q <= 0:
                    continue
                nest = "en" if i in energy else "ne"
                inputs.append(Input(PA[r, i], q, nest, fuel_wedges(r, ri, i, q, float(b.co2[ri, ii, hh])),
                                    label=("vc", r, i)))
            nests = [Nest(TOP, el("sigma_c", "*")), Nest("ne", el("sigma_cn", "*"), TOP),
                     Nest("en", el("sigma_ce", "*"), TOP)]
            em.add(Production(C[r], [Output(PC[r], float(b.vc[ri].sum()), label=("c", r))], inputs, nests,
                              label=("C", r)))
            fixed = []
            for ii, i in enumerate(J):
                for agent, arr in (("vg", b.vg), ("vi", b.vi)):
                    if arr[ri, ii] > 0:
                        fixed.append(Input(PA[r, i], float(arr[ri, ii]), label=(agent, r, i)))
            endow = [Endowment(PF[r, f], float(b.vfm[ri, fi].sum())) for fi, f in enumerate(F)
                     if b.vfm[ri, fi].sum() > 0]
            endow += [Endowment(PR[r, j], float(b.vrs[ri, ji])) for ji, j in enumerate(J) if (r, j) in rkeys]
            transfers = [Transfer(float(b.bop[ri]) * PW, "balance_of_payments")]
            if self.structure.instrument == "coalition_cap" and r in cl:
                allowance = (1 - self.cut) * float(b.emissions[ri])
                transfers.append(Transfer(
                    Deferred(lambda r=r, allowance=allowance: PCO2[r] * (allowance - em.account("co2", r))),
                    "permit_sales"))
            em.add(Demand(RA[r], inputs=[Input(PC[r], float(b.vc[ri].sum()), label=("cons", r))],
                          fixed=fixed, endowments=endow, transfers=transfers, label=("RA", r)))

        self._declare_carbon_and_numeraire()

    def _declare_carbon_and_numeraire(self) -> None:
        b, em, R = self.b, self.em, self.R
        PC, PW, PCO2 = self.vars["PC"], self.vars["PW"], self.vars["PCO2"]
        w = b.vc.sum(axis=1) / b.vc.sum()
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
                                             ((1 - self.cut) * E0[r] - em.account("co2", r)) / E0[r]),
            )
        if inst == "coalition_cap" and cl:
            leader = cl[0]
            total0 = sum(E0[r] for r in cl)
            em.equation(
                "carbon_cap", None,
                lambda: fischer_burmeister(PRICE_SCALE * PCO2[leader] / PW,
                                           ((1 - self.cut) * total0 - sum(em.account("co2", r) for r in cl)) / total0),
            )
            if len(cl) > 1:
                em.equation("permit_price_equal", cl[1:], lambda r: PRICE_SCALE * (PCO2[r] - PCO2[leader]))
        if self.structure.numeraire == "PW":
            biggest = R[int(np.argmax(b.vc.sum(axis=1)))]
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
        self.el = resolve(b.sectors, sc.elasticities)
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
        flows = intensity.reference_intensity(b, self.theta[bca.basis], bca.benchmark)  # [i, s, r]
        J, R = self.J, self.R
        for (i, s, r) in self.bca_keys:
            on = bca.import_charge and r in implementers and i in cov and s not in exempt
            self.bca_theta[i, s, r].value = float(flows[J.index(i), R.index(s), R.index(r)]) if on else 0.0
        own = self.theta[bca.basis]
        for (i, s, r) in self.xr_keys:
            on = bca.export_rebate and s in implementers and i in cov
            self.xr_theta[i, s, r].value = float(own[R.index(s), J.index(i)]) if on else 0.0
        self.credit.value = 1.0 if bca.credit_foreign_carbon_price else 0.0
        self.ret.value = 1.0 if bca.revenue == "exporter" else 0.0
        obr = sc.output_based_rebates
        obr_cov = design.obr_coverage
        obr_theta = intensity.own_reference(b, self.theta[obr.basis], obr.benchmark)
        for (r, j) in self.obr_keys:
            on = obr.enabled and j in obr_cov
            self.obr_theta[r, j].value = float(obr_theta[R.index(r), J.index(j)]) if on else 0.0

    def reset_to_benchmark(self) -> None:
        """Put every unknown back at its benchmark value (a cold start)."""
        for v, x in self._benchmark_point:
            v.set_value(x)

    def emissions(self, evaluate=value) -> dict[str, float]:
        """Emissions by region (Mt) at the current solution."""
        return {r: float(evaluate(self.em.account("co2", r))) for r in self.R}
