"""The growth parameters of a year on a baseline path (:mod:`cge.dynamics`): mutable multipliers
on the benchmark quantities that a recursive-dynamic path moves from year to year. At their
default values (1, and the benchmark ``bop``) the model is the static model of spec section 3.

==================  =============================================================================
``endow[r,f]``      factor endowment of the regional agent, ``evf[r,f]·endow[r,f]`` (labour in
                    efficiency units: population × labour productivity; capital: the stock)
``rent[r,j]``       resource endowment of a resource sector, ``vrs[r,j]·rent[r,j]``
``final[r]``        government and investment demand, ``vg·final[r]``, ``vi·final[r]``
``bop[r]``          the current account transfer ``bop[r]·PW`` (benchmark: the data's ``bop``;
                    the path keeps ``Σ_r bop[r] = 0``)
``aeei[r,i]``       energy input per unit of activity of every user of energy good i (fossil fuels
                    and electricity): ``q̄·aeei[r,i]``; emissions stay at the benchmark CO2 per
                    unit of fuel, so they fall with the fuel (autonomous energy-efficiency
                    improvement, AEEI)
==================  =============================================================================

AEEI as a smaller input coefficient lowers the input's benchmark value share as well as its
quantity (the calibrated share form's value shares follow a mutable quantity): with a Leontief
energy nest it is exactly factor-augmenting technical change; with a CES nest it also lowers the
share that substitution acts on, the usual simplification of recursive-dynamic CGE models.
"""

from __future__ import annotations

from cge.bca.declaration import Declaration
from cge.data.benchmark import Benchmark


def declare_parameters(d: Declaration) -> None:
    """Declare the multipliers at their static values (1; ``bop`` at the benchmark)."""
    em, fl, b = d.em, d.fl, d.fl.b
    d.endow = em.parameter("growth_endow", [k for k, _q in fl.nonzero("evf")], 1.0,
                           doc="factor endowment multiplier")
    d.rent = em.parameter("growth_rent", [k for k, _q in fl.nonzero("vrs")], 1.0,
                          doc="resource endowment multiplier")
    d.final = em.parameter("growth_final", b.regions, 1.0, doc="government and investment demand multiplier")
    d.bop = em.parameter("growth_bop", b.regions, {r: fl("bop", r) for r in b.regions},
                         doc="current account transfer, bn USD at PW")
    energy = energy_goods(b)
    d.aeei = em.parameter("growth_aeei", [(r, i) for r in b.regions for i in energy], 1.0,
                          doc="energy input per unit of activity (AEEI multiplier)")


def energy_goods(b: Benchmark) -> tuple[str, ...]:
    """The goods AEEI acts on: fossil fuels and electricity (crude oil, a refinery feedstock, is not)."""
    return tuple(i for i in b.sectors if i in b.tags.fossil or i in b.tags.electricity)


def energy_quantity(d: Declaration, r: str, i: str, q: float):
    """Benchmark quantity ``q`` of good i bought in region r, times ``aeei[r,i]`` for energy goods."""
    return q * d.aeei[r, i] if (r, i) in d.aeei else q
