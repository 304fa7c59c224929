"""Carbon pricing (spec section 4): the charges on fuel use and process emissions, and the
rule that sets each region's carbon price ``PCO2[r]`` (bn USD per Mt = 1000 USD/t)."""

from __future__ import annotations

from pyomo.core import sqrt

from cge.bca import taxes
from cge.bca.declaration import Declaration
from cge.core.blocks import Deferred, PerUnit, Transfer

#: smoothing of the Fischer–Burmeister complementarity (cap ⟂ carbon price). At the benchmark (no cut, no
#: carbon price) the row's residual is exactly −FB_SMOOTHING, so it must lie far below the Newton tolerance
#: (``solver.tol``, 1e-10 on the scaled rows) for the benchmark to replicate in 0 iterations on every CPU:
#: at 1e-10 it sat on the tolerance and a BLAS kernel's last-bit noise decided between 0 and 1 iteration.
#: The implied complementarity gap a·b ≈ FB_SMOOTHING²/2 is negligible.
FB_SMOOTHING = 1e-12
#: carbon prices enter the complementarity in units of 100 USD/t
PRICE_SCALE = 10.0


def fischer_burmeister(a, b):
    """``φ(a, b) = a + b − sqrt(a² + b² + μ²)``: φ = 0 ⇔ a ≥ 0, b ≥ 0, a·b = μ²/2 ≈ 0."""
    return a + b - sqrt(a * a + b * b + FB_SMOOTHING**2)


def carbon_charge(d: Declaration, r: str, ef: float) -> PerUnit:
    """``PCO2[r]·ef`` per unit, booking ``ef`` Mt to region r's emissions account."""
    return PerUnit(d.RA[r], d.PCO2[r] * ef, account=("co2", r), coefficient=ef, kind="carbon")


def fuel_purchase(d: Declaration, r: str, i: str, quantity: float, user: str) -> tuple:
    """Wedges on ``user``'s purchase of Armington good i: its purchase tax, then the carbon
    price on the fuel's emissions (not subject to the purchase tax),
    ``(1 + tpu)·PA[r,i] + PCO2[r]·ef[r,i,u]`` with ``ef = co2[r,i,u]/quantity``."""
    out = taxes.purchase_tax(d, r, i, user)
    co2 = d.fl("co2", r, i, user)
    if co2 <= 0 or quantity <= 0:
        return out
    return out + (carbon_charge(d, r, co2 / quantity),)


def process_charge(d: Declaration, r: str, j: str) -> tuple:
    """Process emissions pay ``PCO2[r]·co2p[r,j]/vom[r,j]`` per unit of output."""
    co2p = d.fl("co2p", r, j)
    return (carbon_charge(d, r, co2p / d.fl("vom", r, j)),) if co2p > 0 else ()


def capped(d: Declaration, r: str):
    """Emissions counted against region r's allowances: its own ``E[r]``, plus (``bca.instrument:
    allowances``) the embodied emissions of the imports it charges, ``Σ θ·M``."""
    own = d.em.account("co2", r)
    return own + d.em.account("bca_co2", r) if d.structure.imports_in_cap else own


def carbon_market(d: Declaration) -> None:
    """The equation that sets each priced region's ``PCO2``:

    * a tax (the instrument, or a foreign carbon price): ``1000·PCO2[r] = tax[r]·PW``;
    * a regional cap: ``E[r] ≤ (1−cut)·E0[r]  ⟂  PCO2[r] ≥ 0``;
    * a coalition cap with trading: ``Σ_CL E[r] ≤ (1−cut)·Σ_CL E0[r]  ⟂  PCO2 ≥ 0``, one price
      across the coalition (each member's allowances: :func:`cge.bca.agent.permit_sales`).
    """
    em, PCO2, PW = d.em, d.PCO2, d.PW
    E0 = dict(zip(d.fl.b.regions, d.fl.b.emissions))
    cl, inst = d.coalition, d.structure.instrument
    taxed = [r for r in d.priced if r not in cl or inst == "tax"]
    if taxed:
        em.equation("carbon_tax_rule", taxed, lambda r: 1000 * PCO2[r] - d.tax[r] * PW, scale=100.0)
    if inst == "regional_cap" and cl:
        em.equation(
            "carbon_cap", cl,
            lambda r: fischer_burmeister(PRICE_SCALE * PCO2[r] / PW, ((1 - d.cut) * E0[r] - capped(d, r)) / E0[r]),
        )
    if inst == "coalition_cap" and cl:
        leader = cl[0]
        total0 = sum(E0[r] for r in cl)
        em.equation(
            "carbon_cap", None,
            lambda: fischer_burmeister(PRICE_SCALE * PCO2[leader] / PW,
                                       ((1 - d.cut) * total0 - sum(capped(d, r) for r in cl)) / total0),
        )
        if len(cl) > 1:
            em.equation("permit_price_equal", cl[1:], lambda r: PRICE_SCALE * (PCO2[r] - PCO2[leader]))


def permit_sales(d: Declaration, r: str) -> tuple:
    """Under a coalition cap with trading each member is allotted ``(1−cut)·E0[r]`` allowances and
    its agent receives ``PCO2[r]·((1−cut)·E0[r] − E[r])`` for those it does not use."""
    if d.structure.instrument != "coalition_cap" or r not in d.coalition:
        return ()
    allowance = (1 - d.cut) * d.fl("emissions", r)
    return (Transfer(Deferred(lambda: d.PCO2[r] * (allowance - capped(d, r))), "permit_sales"),)


def declare_parameters(d: Declaration) -> None:
    """The policy's parameters: the cap's ``cut`` and each region's ``carbon_tax`` (USD/t in units
    of PW; a coalition tax or a foreign carbon price)."""
    d.cut = d.em.parameter("cut", values=0.0, doc="coalition emission cut")
    d.tax = d.em.parameter("carbon_tax", d.fl.b.regions, 0.0, doc="carbon tax, USD/t in units of PW")
