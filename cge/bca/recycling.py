"""Revenue recycling and international transfers (``recycling.*``).

The regional agent collects its carbon revenue (charges, and permit sales under a coalition cap)
and the BCA charges it keeps. By default all of it is income like any other (lump sum, spec
section 3). Two options change where it goes:

* ``recycling.transfer_share`` / ``transfer_of`` / ``transfer_to``: each region pays the share
  ``τ`` of its revenue ``REV[r]`` (BCA charges kept, carbon revenue, or both) into a pool that the
  recipients split by weights ``w[r]`` (benchmark household consumption, population, or equal; 0 outside the
  recipients, ``Σ w = 1``): ``paid[r] = τ·REV[r]``, ``received[r] = w[r]·τ·Σ_s REV[s]``, so
  ``Σ paid = Σ received`` by construction (:func:`revenue_transfer`).
* ``recycling.domestic: labour_tax``: in each priced region a change ``TL[r]`` of the labour-tax
  rate (on the tax-inclusive wage: firms pay ``(1+tf)·(1+TL)·PF``) keeps the region's *labour and
  climate budget* at its benchmark in real terms (:func:`labour_tax_budget`).

Revenue is read from the compiled flows (:meth:`cge.core.model.EquilibriumModel.collected`), so it is
the same revenue the result tables report.
"""

from __future__ import annotations

from cge.bca import carbon, taxes
from cge.bca.declaration import Declaration
from cge.core.blocks import AdValorem, Deferred, Transfer
from cge.data.factors import labour_factors
from cge.errors import ScenarioError

#: wedge kinds counted as BCA revenue (charges kept by the collecting importer)
SHARED_BCA_KINDS = ("bca_charge",)
#: wedge kinds counted as carbon revenue (permit sales under a coalition cap are added)
SHARED_CARBON_KINDS = ("carbon",)
#: the climate policy's net revenue that labour-tax recycling returns: carbon revenue, BCA charges
#: kept or returned to the region, less export and output-based rebates (negative wedges)
POLICY_KINDS = ("carbon", "bca_charge", "bca_charge_returned", "export_rebate", "output_rebate")


def carbon_revenue(d: Declaration, r: str):
    """Region r's carbon revenue: charges its agent collects plus permit sales (coalition cap)."""
    sales = sum(t.amount.build() for t in carbon.permit_sales(d, r))
    return d.em.collected(d.RA[r], SHARED_CARBON_KINDS) + sales


def shared_revenue(d: Declaration, r: str):
    """``REV[r]``, the revenue of region r a transfer shares (``recycling.transfer_of``)."""
    of = d.structure.transfer[0]
    out = 0.0
    if of in ("bca", "carbon_and_bca"):
        out = out + d.em.collected(d.RA[r], SHARED_BCA_KINDS)
    if of in ("carbon", "carbon_and_bca"):
        out = out + carbon_revenue(d, r)
    return out


def declare_parameters(d: Declaration) -> None:
    """``transfer_share`` (τ) and ``transfer_weight[r]`` (w, set by :func:`set_transfer`)."""
    d.transfer_share = d.em.parameter("transfer_share", values=0.0, doc="share of revenue paid abroad")
    d.transfer_weight = d.em.parameter("transfer_weight", d.fl.b.regions, 0.0, doc="recipient's share of the pool")


def set_transfer(d: Declaration, share: float, weights: str) -> None:
    """Set τ and the recipients' weights: their shares among the recipients of benchmark household
    consumption (``consumption``) or of population (``population``), or ``1/n`` (``equal``); 0 for
    every other region."""
    recipients = d.structure.transfer[1]
    size = {r: transfer_base(d, r, weights) for r in recipients}
    total = sum(size.values())
    d.transfer_share.value = share
    for r in d.fl.b.regions:
        d.transfer_weight[r].value = size[r] / total if r in recipients else 0.0


def transfer_base(d: Declaration, r: str, weights: str) -> float:
    """What region r's weight is proportional to (``recycling.transfer_weights``)."""
    if weights == "equal":
        return 1.0
    if weights == "consumption":
        return d.fl("household_spending", r)
    b = d.fl.b
    pop = float(b.pop[b.regions.index(r)])
    if not (pop == pop and pop > 0):
        raise ScenarioError(f"recycling.transfer_weights: population, but the dataset has no population of {r} "
                            "(population.csv)")
    return pop


def revenue_transfer(d: Declaration, r: str) -> tuple:
    """The international transfer to region r's agent, ``received[r] − paid[r]`` with
    ``paid[r] = τ·REV[r]`` and ``received[r] = w[r]·τ·Σ_s REV[s]`` (module docstring); ``()``
    without a transfer. The two parts are kept in ``d.transfers[r]`` for the result tables."""
    if not d.structure.transfer:
        return ()

    def build():
        compiled = id(d.em.pyomo.quantity)  # a recompile (cge.core.model rebuild) makes new flows
        if d.transfers is None or d.transfers["_compiled"] != compiled:
            rev = {s: shared_revenue(d, s) for s in d.fl.b.regions}
            d.transfers = {"_compiled": compiled, "_pool": sum(rev.values()), "_rev": rev}
        paid = d.transfer_share * d.transfers["_rev"][r]
        received = d.transfer_weight[r] * d.transfer_share * d.transfers["_pool"]
        d.transfers[r] = (paid, received)
        return received - paid

    return (Transfer(Deferred(build), "revenue_transfer"),)


def recycling_regions(d: Declaration) -> list[str]:
    """The regions recycling through the labour tax: the priced ones with a labour endowment."""
    f = labour_factors(d.fl.b.factors)[0]
    return [r for r in d.priced if d.fl.total("evf", region=r, factor=f) > 0]


def labour_tax_wedge(d: Declaration, r: str, f: str) -> tuple:
    """Labour-tax recycling: the endogenous change ``TL[r]`` of region r's labour tax, a wedge on the
    tax-inclusive wage collected by its agent (kind ``factor_tax``); ``()`` elsewhere."""
    if d.structure.recycling != "labour_tax" or r not in d.TL or f != labour_factors(d.fl.b.factors)[0]:
        return ()
    return (AdValorem(d.RA[r], d.TL[r], kind="factor_tax"),)


def factor_wedges(d: Declaration, r: str, f: str, j: str) -> tuple:
    """Every wedge on sector j's purchase of factor f: the benchmark factor tax, then the labour-tax
    change of revenue recycling."""
    return taxes.factor_tax(d, r, f, j) + labour_tax_wedge(d, r, f)


def labour_tax_revenue(d: Declaration, r: str):
    """Revenue of every tax on region r's (first) labour factor, benchmark rate and change."""
    f = labour_factors(d.fl.b.factors)[0]
    return d.em.collected(d.RA[r], ("factor_tax",), label=lambda lab: lab[:3] == ("vfm", r, f))


def net_policy_revenue(d: Declaration, r: str):
    """Region r's net climate-policy revenue: :data:`POLICY_KINDS` wedges it collects, permit sales,
    and the international transfer it receives less the one it pays."""
    sales = sum(t.amount.build() for t in carbon.permit_sales(d, r))
    out = d.em.collected(d.RA[r], POLICY_KINDS) + sales
    if d.structure.transfer:
        paid, received = d.transfers[r]
        out = out + received - paid
    return out


def labour_tax_budget(d: Declaration) -> None:
    """Revenue-neutral labour-tax recycling, one equation per priced region (paired with ``TL[r]``):

        LT[r] + NPR[r] = PC[r]·LT0[r]

    ``LT`` the revenue of the labour tax (benchmark rates and the change ``TL``), ``NPR`` the net
    climate-policy revenue (:func:`net_policy_revenue`), ``LT0`` the benchmark labour-tax revenue:
    the real (PC-deflated) revenue of labour and climate taxes together stays at its benchmark, so
    every dollar of carbon and BCA revenue cuts the labour tax (a subsidy where the benchmark has
    none). Other taxes move with their bases, as under lump-sum recycling."""
    f = labour_factors(d.fl.b.factors)[0]
    regions = recycling_regions(d)
    lt0 = {r: sum(d.fl("tf", r, f, j) * q for j, q in d.fl.nonzero("vfm", region=r, factor=f)) for r in regions}
    d.em.equation("labour_tax_budget", regions,
                  lambda r: labour_tax_revenue(d, r) + net_policy_revenue(d, r) - d.PC[r] * lt0[r],
                  scale=lambda r: d.fl.total("evf", region=r, factor=f), pair=d.TL)
