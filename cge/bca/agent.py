"""The regional agent ``RA[r]`` (income balance) and the model's closure: the world consumer
price index ``PW`` and the numeraire (spec section 3)."""

from __future__ import annotations

import numpy as np

from cge.bca import carbon, closures, growth, recycling, taxes
from cge.bca.declaration import Declaration
from cge.bca.household import consumption_value
from cge.core.blocks import Demand, Endowment, Input

#: benchmark table of each fixed final demand agent
FIXED_DEMAND = {"government": "vg", "investment": "vi"}


def regional_agent(d: Declaration, r: str) -> Demand:
    """``RA[r] = Σ_f PF·evf·endow + Σ_j PR·vrs·rent + tax, carbon and BCA revenue + bop[r]·PW
    (+ permit sales)``, each endowment also times its scenario shock (:mod:`cge.bca.shocks`); it buys
    government and investment demand ``vg·final, vi·final`` (with their purchase taxes) and spends the
    rest on ``C[r]`` at ``PC[r]``. The growth multipliers ``endow, rent, final`` and ``bop`` of a
    baseline path (:mod:`cge.bca.growth`) are 1 and the benchmark's in the static model; energy bought
    by G and I is scaled by ``aeei`` like every other user's. The closures (:mod:`cge.bca.closures`)
    may make the capital inflow ``CA[r]``, investment ``vi·INV`` and employment ``evf·EMP[r]``; an
    international transfer of revenue (:mod:`cge.bca.recycling`) adds ``received[r] − paid[r]``."""
    fl = d.fl
    scale = {"government": 1.0, "investment": closures.investment_scale(d)}
    fixed = [Input(d.PA[r, i], growth.energy_quantity(d, r, i, q) * d.final[r] * scale[agent],
                   wedges=taxes.purchase_tax(d, r, i, agent), label=(FIXED_DEMAND[agent], r, i))
             for (i, agent), q in fl.nonzero("fd", region=r) if agent in FIXED_DEMAND]
    endowments = [closures.labour_endowment(d, r, f, q * d.shocks["endowment"][r, f] * d.endow[r, f])
                  for f, q in fl.nonzero("evf", region=r)]
    endowments += [Endowment(d.PR[r, j], q * d.shocks["resource_endowment"][r, j] * d.rent[r, j])
                   for j, q in fl.nonzero("vrs", region=r)]
    transfers = [closures.capital_inflow(d, r), *carbon.permit_sales(d, r), *recycling.revenue_transfer(d, r)]
    return Demand(d.RA[r], inputs=[Input(d.PC[r], consumption_value(fl, r), label=("cons", r))],
                  fixed=fixed, endowments=endowments, transfers=transfers, label=("RA", r))


def price_index(d: Declaration) -> None:
    """``PW = Σ_r w_r·PC[r]`` with ``w_r`` region r's share of world benchmark household spending."""
    spending = d.fl.array("household_spending")
    w = spending / spending.sum()
    R = d.fl.b.regions
    d.em.equation("price_index", None, lambda: d.PW - sum(float(w[k]) * d.PC[r] for k, r in enumerate(R)))


def numeraire(d: Declaration) -> None:
    """Fix ``PW = 1`` (dropping, by Walras' law, the consumption market of the largest region) or,
    with ``numeraire: PC:<region>``, that region's consumer price."""
    if d.structure.numeraire == "PW":
        biggest = d.fl.b.regions[int(np.argmax(d.fl.array("household_spending")))]
        d.em.set_numeraire(d.PW, 1.0, drop_market=d.PC[biggest])
    else:
        d.em.set_numeraire(d.PC[d.structure.numeraire[3:]], 1.0)
