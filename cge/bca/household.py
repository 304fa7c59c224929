"""Household consumption ``C[r]`` (spec section 3)."""

from __future__ import annotations

from cge.bca import carbon, growth
from cge.bca.declaration import Declaration
from cge.core.blocks import TOP, Input, Nest, Output, Production
from cge.data.benchmark import HOUSEHOLD
from cge.data.flows import Flows


def consumption_value(fl: Flows, r: str) -> float:
    """Benchmark household spending at buyer prices ``Σ_i vc[r,i]·(1+tpu[r,i,hh])``, summed as
    ``Σ vc + Σ vc·tpu`` (as before purchase taxes existed, so untaxed data keep their digits)."""
    k = fl.position("region", r)
    vc = fl.array("vc")[k]
    return float(vc.sum() + (vc * fl.array("tpu")[k, :, fl.position("buyer", HOUSEHOLD)]).sum())


def household(d: Declaration, r: str) -> Production:
    """``C[r] = CES_σc( ne: CES_σcn(non-energy goods) ; en: CES_σce(fossil fuels, electricity) )``
    of the purchases ``vc[r,i]`` at ``(1+tpu)·PA[r,i] + PCO2[r]·ef[r,i,hh]``; supplies the
    consumption bundle at ``PC[r]``. Energy goods are bought as ``vc·aeei[r,i]`` (:mod:`cge.bca.growth`)."""
    energy = set(d.tags.fossil) | set(d.tags.electricity)
    inputs = [Input(d.PA[r, i], growth.energy_quantity(d, r, i, q), "en" if i in energy else "ne",
                    carbon.fuel_purchase(d, r, i, q, HOUSEHOLD),
                    label=("vc", r, i))
              for i, q in d.fl.nonzero("vc", region=r)]
    nests = [Nest(TOP, d.el("sigma_c", "*")), Nest("ne", d.el("sigma_cn", "*"), TOP),
             Nest("en", d.el("sigma_ce", "*"), TOP)]
    return Production(d.C[r], [Output(d.PC[r], consumption_value(d.fl, r), label=("c", r))], inputs, nests,
                      label=("C", r))
