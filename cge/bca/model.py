"""The multi-region carbon-pricing and border-carbon-adjustment model (spec sections 3–5),
declared with the blocks of :mod:`cge.core` from any valid :class:`~cge.data.benchmark.Benchmark`.

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
intensities ``obr_theta``, the tax rates, endowments and productivities a scenario may shock
(:mod:`cge.bca.shocks`), and the elasticities (``elasticity[parameter, sector]``, ``*`` for the
household nests). The coalition, the instrument (tax / caps), the regions with a foreign carbon
price, the numeraire, each elasticity's CES *regime* (Leontief, Cobb–Douglas, general), the closures
(:mod:`cge.bca.closures`: ``CA``, ``INV``, ``KT``, ``PK``, ``EMP`` where asked for), labour-tax recycling
(``TL``) and the recipients of a revenue transfer (:mod:`cge.bca.recycling`) define the structure; a
scenario that changes any of them needs a new model (:func:`structure_of`). The CET of sector-specific
capital and the transfer's share and weights are parameters.

The blocks are built by :mod:`cge.bca` (one module per block of the spec, reading the benchmark
through :class:`cge.data.flows.Flows`); the dataset checks of a scenario live in :mod:`cge.bca.design`.
"""

from __future__ import annotations

from collections.abc import Callable

from pyomo.core import value

from cge.bca import agent, armington, border, carbon, closures, growth, household, production, recycling, shocks
from cge.bca.declaration import Declaration
from cge.bca.design import ResolvedDesign, resolve_design
from cge.core.model import EquilibriumModel
from cge.data import intensity
from cge.data.benchmark import Benchmark
from cge.data.elasticities import Elasticities, for_benchmark
from cge.data.factors import capital_factors
from cge.data.flows import Flows
from cge.errors import ScenarioError
from cge.runtime.gc_pause import freeze_while_alive, gc_paused
from cge.scenarios.spec import Scenario
from cge.solve import declare_partition

#: a price of a good or factor below this share of the numeraire's is a degenerate solution, not
#: a result (every elasticity at 0.01 with a 20% cut converges to wages of 5e-24, measured)
PRICE_FLOOR = 1e-6
#: the prices held to :data:`PRICE_FLOOR`: goods, factors, transport services. Resource rents
#: ``PR`` are not: a rent near zero is a resource no longer worth extracting, a possible outcome.
FLOORED_PRICES = ("PY", "PA", "PC", "PF", "PT")


def region_part(regions) -> Callable:
    """Part of a variable or equation index for the solver's block preconditioner: its region
    (the first element of the index), or ``None`` for world-wide ones (PW, a coalition cap)."""
    known = frozenset(regions)

    def part_of(index):
        key = index[0] if isinstance(index, tuple) else index
        return key if key in known else None

    return part_of


class BCAModel:
    """The model of spec sections 3–5 for one benchmark and one :class:`Structure`.

    ``BCAModel(b, scenario)`` builds and compiles once; :meth:`apply` sets the parameters of
    any scenario with the same structure; :mod:`cge.results.run` solves and reports. ``design`` is the
    scenario's :func:`~cge.bca.design.resolve_design` result when the caller has it already (it is
    resolved here otherwise).
    """

    def __init__(self, benchmark: Benchmark, scenario: Scenario, design: ResolvedDesign | None = None):
        self.b = b = benchmark
        design = resolve_design(b, scenario) if design is None else design
        self.structure = design.structure
        self.el: Elasticities = (for_benchmark(b, scenario.elasticities) if design.elasticities is None
                                 else design.elasticities)
        self.R, self.J, self.F = b.regions, b.sectors, b.factors
        self.coalition = self.structure.coalition
        self.priced = tuple(r for r in self.R if r in self.coalition or r in self.structure.foreign_priced)
        self.em = EquilibriumModel(f"bca[{b.name}]")
        self.theta = {basis: intensity.by_basis(b, basis) for basis in intensity.BASES}
        with gc_paused():  # millions of live expression objects, no cyclic garbage (cge.runtime.gc_pause)
            self.d = self._declare_variables(Flows(b))
            self._declare_parameters()
            self._declare_blocks()
            self.pyomo = self.em.build()
            declare_partition(self.pyomo, region_part(self.R))
            #: every unknown with its benchmark value (for cold starts and the welfare decomposition)
            self.benchmark_point = [(v, v.value) for var in self.vars.values() if var != {}
                                    for v in (var.values() if var.is_indexed() else [var]) if not v.fixed]
            self.E0 = b.emissions
            self.apply(scenario, design)
            freeze_while_alive(self)  # before the collector is back on: it would walk the whole model once

    # ----- declaration ------------------------------------------------------------------
    def _declare_variables(self, fl: Flows) -> Declaration:
        """The unknowns: activity levels, prices, incomes and carbon prices (calibrated share
        form, benchmark values 1); ``PCO2`` is fixed at 0 where carbon is unpriced."""
        em, R = self.em, self.R
        self.ykeys = [key for key, _q in fl.nonzero("vom")]
        self.akeys = [key for key, _q in fl.nonzero("va")]
        self.rkeys = rkeys = [key for key, _q in fl.nonzero("vrs")]
        d = Declaration(
            em, fl, self.b.tags, self.structure, self.priced,
            Y=em.sectors("Y", self.ykeys, doc="production"),
            A=em.sectors("A", self.akeys, doc="Armington aggregation"),
            C=em.sectors("C", R, doc="household consumption"),
            PY=em.commodities("PY", self.ykeys, doc="output price"),
            PA=em.commodities("PA", self.akeys, doc="Armington price"),
            PC=em.commodities("PC", R, doc="consumer price"),
            PF=em.commodities("PF", [key for key, _q in fl.nonzero("evf")], doc="factor price"),
            PR=em.commodities("PR", rkeys, doc="resource rent") if rkeys else {},
            RA=em.consumers("RA", R, doc="regional agent income"),
            PCO2=em.auxiliaries("PCO2", R, start=0.0, doc="carbon price, bn USD per Mt"),
            PW=em.auxiliaries("PW", start=1.0, lower=0.0, doc="world consumer price index"),
        )
        self.vars = {k: getattr(d, k) for k in ("Y", "A", "C", "PY", "PA", "PC", "PF", "PR", "RA", "PCO2", "PW")}
        for r in R:
            if r not in self.priced:
                d.PCO2[r].fix(0.0)
        self._declare_closure_variables(d)
        return d

    def _declare_closure_variables(self, d: Declaration) -> None:
        """The unknowns of the closures and of labour-tax recycling that the structure asks for
        (:mod:`cge.bca.closures`, :mod:`cge.bca.recycling`); none in the default model."""
        em, st, fl = self.em, self.structure, d.fl
        closures.check_factors(self.F, st)
        if st.current_account == "flexible":
            d.CA = em.auxiliaries("CA", self.R, start=lambda r: fl("bop", r), doc="capital inflow, bn USD")
            d.INV = em.auxiliaries("INV", start=1.0, lower=0.0, doc="world investment scale")
        if st.capital == "sector_specific":
            k = capital_factors(self.F)[0]
            d.KT = em.sectors("KT", [r for r in self.R if fl.total("evf", region=r, factor=k) > 0],
                              doc="capital transformation between sectors")
            d.PK = em.commodities("PK", [(r, j) for r, j in self.ykeys if fl("vfm", r, k, j) > 0],
                                  doc="sector-specific capital rent")
        if st.labour != "full_employment":
            d.EMP = em.auxiliaries("EMP", closures.employing_regions(d), start=1.0, lower=0.0,
                                   doc="employment relative to the benchmark")
        if st.recycling == "labour_tax":
            regions = recycling.recycling_regions(d)
            d.TL = em.auxiliaries("TL", regions, start=0.0, doc="labour-tax change (rate on the gross wage)")
        self.vars.update({k: getattr(d, k) for k in ("CA", "INV", "KT", "PK", "EMP", "TL")
                          if getattr(d, k) is not None})

    def _declare_parameters(self) -> None:
        """The mutable parameters: the policy (:func:`cge.bca.carbon.declare_parameters`), the
        border design (:func:`cge.bca.border.declare_parameters`), the growth multipliers of a year on a
        baseline path (:func:`cge.bca.growth.declare_parameters`) and the elasticities
        (``elasticity[parameter, sector]``, ``*`` for the household nests)."""
        d = self.d
        carbon.declare_parameters(d)
        border.declare_parameters(d, self.ykeys)
        growth.declare_parameters(d)
        shocks.declare_shock_parameters(d, self.ykeys, self.rkeys)
        keys = [(p, s) for p, by_sector in self.el.table.items() for s in by_sector]
        d.elasticity = self.em.parameter("elasticity", keys, {k: self.el(*k) for k in keys},
                                         doc="elasticities (parameter, sector or *)")
        self.cut, self.tax, self.credit, self.ret = d.cut, d.tax, d.credit, d.ret
        self.bca_theta, self.xr_theta, self.obr_theta = d.bca_theta, d.xr_theta, d.obr_theta
        self.bca_keys, self.xr_keys, self.obr_keys = d.bca_keys, d.xr_keys, d.obr_keys
        self.elasticity = d.elasticity
        if self.structure.capital == "sector_specific":
            d.capital_cet = self.em.parameter("capital_cet", values=1.0, doc="CET elasticity of capital")
        if self.structure.transfer:
            recycling.declare_parameters(d)

    def _declare_blocks(self) -> None:
        """One block per index, spec section 3 in order: production and resource sectors,
        transport, Armington, household and regional agent; then the price index, the carbon
        market (section 4) and the numeraire."""
        d, em = self.d, self.em
        resource = set(self.rkeys)
        for (r, j) in self.ykeys:
            em.add(production.resource_sector(d, r, j) if (r, j) in resource else production.production(d, r, j))
        self._declare_transport()
        for (r, i) in self.akeys:
            em.add(armington.armington(d, r, i))
        for r in self.R:
            em.add(household.household(d, r))
            em.add(agent.regional_agent(d, r))
        agent.price_index(d)
        carbon.carbon_market(d)
        self._declare_closures()
        agent.numeraire(d)

    def _declare_closures(self) -> None:
        """The blocks and equations of the closures and recycling the structure asks for."""
        d, em, st = self.d, self.em, self.structure
        if st.capital == "sector_specific":
            for r in d.KT:
                em.add(closures.capital_transformation(d, r))
        if st.current_account == "flexible":
            closures.fixed_savings_rate(d)
        if st.labour == "fixed_real_wage":
            closures.fixed_real_wage(d)
        if st.labour == "real_wage_floor":
            closures.real_wage_floor(d)
        if st.recycling == "labour_tax" and d.TL is not None and len(d.TL):
            recycling.labour_tax_budget(d)

    def _declare_transport(self) -> None:
        """International transport ``T[m]``, ``PT[m]`` for every margin sector m with sales to
        transport (:func:`cge.bca.armington.transport`)."""
        d, em = self.d, self.em
        self.tkeys = [m for m in self.J if d.fl.total("vst", sector=m) > 0]
        if not self.tkeys:
            return
        d.T = em.sectors("T", self.tkeys, doc="international transport service")
        d.PT = em.commodities("PT", self.tkeys, doc="price of international transport")
        self.vars.update(T=d.T, PT=d.PT)
        for m in self.tkeys:
            em.add(armington.transport(d, m))

    def capped(self, r: str):
        """Emissions counted against region r's allowances (:func:`cge.bca.carbon.capped`)."""
        return carbon.capped(self.d, r)

    # ----- scenario parameters ------------------------------------------------------------
    def apply(self, sc: Scenario, design: ResolvedDesign | None = None) -> None:
        """Set every parameter of scenario ``sc`` (which must share this model's structure);
        ``design`` is its :func:`~cge.bca.design.resolve_design` result (resolved here if not given)."""
        design = resolve_design(self.b, sc) if design is None else design
        st = design.structure
        if st != self.structure:
            raise ScenarioError(f"scenario {sc.name!r} changes the model structure ({st} vs {self.structure}); "
                                "build a new BCAModel for it")
        self.scenario = sc
        self.el = for_benchmark(self.b, sc.elasticities) if design.elasticities is None else design.elasticities
        for (p, sector), par in self.elasticity.items():
            par.value = self.el(p, sector)
        self.cut.value = sc.policy.cut if sc.policy.instrument != "tax" else 0.0
        for r in self.R:
            if r in self.coalition and sc.policy.instrument == "tax":
                self.tax[r].value = sc.policy.tax_usd_per_t
            else:
                self.tax[r].value = sc.foreign_carbon_prices.get(r, 0.0)
        border.set_design(self.d, sc, design, self.theta)
        shocks.set_shocks(self.d, design.shocks)
        if self.d.capital_cet is not None:
            self.d.capital_cet.value = sc.closure.capital_cet
        if self.structure.transfer:
            recycling.set_transfer(self.d, sc.recycling.transfer_share, sc.recycling.transfer_weights)

    def reset_to_benchmark(self) -> None:
        """Put every unknown back at its benchmark value (a cold start)."""
        for v, x in self.benchmark_point:
            v.set_value(x)

    def numeraire_price(self) -> float:
        """The current value of the numeraire's price (``PW`` or ``PC[r]``)."""
        n = self.structure.numeraire
        return float(self.d.PW.value if n == "PW" else self.d.PC[n[3:]].value)

    def prices_below_floor(self) -> list[tuple[str, float]]:
        """``(name, value)`` of every price of :data:`FLOORED_PRICES` below :data:`PRICE_FLOOR`
        times the numeraire's price at the current point, lowest first."""
        floor = PRICE_FLOOR * self.numeraire_price()
        low = [(v.name, float(v.value)) for k in FLOORED_PRICES if self.vars.get(k, {}) != {}
               for v in self.vars[k].values() if v.value is not None and not v.value >= floor]
        return sorted(low, key=lambda x: x[1])

    def emissions(self, evaluate=value) -> dict[str, float]:
        """Emissions by region (Mt) at the current solution."""
        return {r: float(evaluate(self.em.account("co2", r))) for r in self.R}
