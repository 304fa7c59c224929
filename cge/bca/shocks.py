"""Shocks (:mod:`cge.scenarios.shocks`) as mutable parameters of the compiled model.

Every rate a shock may move is a mutable parameter, at its benchmark value until a scenario sets
it, so one compiled model re-solves any combination of shocks with any carbon and BCA design:

=========================  =====================  ===============================================
parameter                  index                  where it enters
=========================  =====================  ===============================================
``rate_tm``                ``[i, s, r]``          importer r's tariff on good i from s (ad valorem on cif)
``rate_tx``                ``[i, s, r]``          exporter s's tax on good i sold to r (on its market price)
``rate_to``                ``[r, j]``             output tax: producers receive ``(1 − to)·PY``
``rate_ti``                ``[r, i, j]``          input tax: sector j pays ``(1 + ti)·PA[r,i]`` (``tpu``)
``rate_tf``                ``[r, f, j]``          factor tax: sector j pays ``(1 + tf)·PF[r,f]``
``endowment``              ``[r, f]``             factor endowment ``evf[r,f]·endowment``
``resource_endowment``     ``[r, j]``             resource endowment ``vrs[r,j]·resource_endowment``
``productivity``           ``[r, j]``             Hicks-neutral: output ``vom[r,j]·productivity·Y[r,j]``
``factor_productivity``    ``[r, f, j]``          factor-augmenting: λ effective units per physical unit
=========================  =====================  ===============================================

Hicks-neutral productivity ``λ`` multiplies the output of every unit of activity, so the unit cost
of output falls to ``c/λ`` at given input prices. Factor-augmenting productivity ``λ`` makes one
physical unit of factor f worth ``λ`` effective units in sector j: the sector's input is
``q̄/λ`` physical units at the reference price ``p̄·λ`` (same benchmark value), so the effective
price is ``(1+tf)·PF/λ`` and the physical demand is the effective demand over ``λ``.
Multipliers are always parameters (one per block, factor or endowment: cheap). A tax rate is a
parameter, on every flow of its kind in the benchmark, only in a model whose structure names
its kind (:func:`cge.bca.shock_cells.tax_kinds`, ``Structure.taxes_shocked``): a wedge on every trade and
intermediate flow costs a large model build and solve time even at a zero rate, so scenarios
without tax shocks keep the data's wedges (and their results to the last digit). Give the
reference scenario the same kind of shock with ``change: 0`` to share its compiled model (and
the parameter path of the welfare decomposition). A shock on a flow the data do not have (e.g. a
tariff on a good never traded) moves nothing.
"""

from __future__ import annotations

from cge.bca.declaration import Declaration
from cge.bca.shock_cells import ShockCells


def declare_shock_parameters(d: Declaration, ykeys, rkeys) -> None:
    """The shockable parameters, each at its benchmark value (module docstring), as ``d.shocks``:
    the multipliers always, the tax rates of the kinds the structure names (``taxes_shocked``)."""
    em, fl = d.em, d.fl
    trade = [k for k, _q in fl.nonzero("vxmd")]
    vid = [k for k, _q in fl.nonzero("vid")]
    vfm = [k for k, _q in fl.nonzero("vfm")]
    evf = [k for k, _q in fl.nonzero("evf")]
    rates = {"rate_tm": ("tm", trade, "import tariff rate"), "rate_tx": ("tx", trade, "export tax rate"),
             "rate_to": ("to", ykeys, "output tax rate"), "rate_ti": ("tpu", vid, "input tax rate (sector buyers)"),
             "rate_tf": ("tf", vfm, "factor tax rate")}
    d.shocks = {name: em.parameter(name, keys, {k: fl(table, *k) for k in keys}, doc=doc)
                for name, (table, keys, doc) in rates.items() if name in d.structure.taxes_shocked}
    for name, keys, doc in (("endowment", evf, "factor endowment multiplier"),
                            ("resource_endowment", rkeys, "resource endowment multiplier"),
                            ("productivity", ykeys, "Hicks-neutral productivity multiplier"),
                            ("factor_productivity", vfm, "factor-augmenting productivity multiplier")):
        d.shocks[name] = em.parameter(name, keys, 1.0, doc=doc)
    d.shocked = {}


def set_shocks(d: Declaration, cells: ShockCells) -> None:
    """Set the shocked cells of a scenario, and every cell the previous scenario shocked back to
    its benchmark value (only those: large models have millions of cells)."""
    for (param, cell), base in d.shocked.items():
        d.shocks[param][cell].value = base
    d.shocked = {}
    for (param, cell), v in cells.values:
        p = d.shocks[param][cell]
        d.shocked[(param, cell)] = float(p.value)
        p.value = v


def shock_benchmark_values(d: Declaration) -> dict:
    """``{(parameter, index): benchmark value}`` of every cell shocked now (for a path that starts
    at the benchmark, :func:`cge.results.decomposition.benchmark_state`)."""
    return dict(d.shocked)
