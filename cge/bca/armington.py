"""Armington aggregation ``A[r,i]`` of domestic and imported goods, and international
transport ``T[m]`` (spec section 3; GTAP margins)."""

from __future__ import annotations

from cge.bca import border, taxes
from cge.bca.declaration import Declaration
from cge.core.blocks import TOP, Input, Nest, Output, Production


def armington(d: Declaration, r: str, i: str) -> Production:
    """``A[r,i] = CES_σdm( domestic PY[r,i] ; mm: CES_σmm over sources s )``, GTAP convention
    σmm = 2·σdm by default; the domestic good pays the purchase tax ``tpd``, each import flow
    is :func:`import_flow`. Supplies ``va[r,i]`` at ``PA[r,i]``."""
    inputs: list[Input] = []
    vdm = d.fl("vdm", r, i)
    if vdm > 0:
        inputs.append(Input(d.PY[r, i], vdm, TOP, taxes.domestic_purchase_tax(d, r, i), label=("vdm", r, i)))
    nests = [Nest(TOP, d.el("sigma_dm", i)), Nest("mm", d.el("sigma_mm", i), TOP)]
    for s, q in d.fl.nonzero("vxmd", good=i, importer=r):
        flow_inputs, flow_nests = import_flow(d, i, s, r, q)
        inputs += flow_inputs
        nests += flow_nests
    return Production(d.A[r, i], [Output(d.PA[r, i], d.fl("va", r, i), label=("va", r, i))], inputs, nests,
                      label=("A", r, i))


def import_flow(d: Declaration, i: str, s: str, r: str, q: float) -> tuple[list[Input], list[Nest]]:
    """Imports ``vxmd[i,s,r]`` from s, priced
    ``((1+tx)·PY[s,i] − XR)·(1+tm)·(1+tpi) + TB`` (export tax, export rebate, tariff, import
    purchase tax, import charge; :mod:`cge.bca.border`), in the ``mm`` nest; with transport
    margins ``vtwr[m,i,s,r]`` the good and its margins are Leontief (cif) in a nest of their own,
    the margins paying the importer's taxes."""
    tx, tm, tpi = d.fl("tx", i, s, r), d.fl("tm", i, s, r), d.fl("tpi", r, i)
    on_import = taxes.import_taxes(d, i, s, r)
    wedges = (taxes.export_tax(d, i, s, r) + border.export_rebate(d, i, s, r) + on_import
              + border.import_charge(d, i, s, r))
    inputs, nests, nest = [], [], "mm"
    margins = list(d.fl.nonzero("vtwr", good=i, exporter=s, importer=r))
    if margins:
        nest = f"cif.{s}"
        nests.append(Nest(nest, 0.0, "mm"))
        inputs += [Input(d.PT[m], v, nest, on_import, reference_price=(1 + tm) * (1 + tpi),
                         label=("vtwr", m, i, s, r)) for m, v in margins]
    inputs.append(Input(d.PY[s, i], q, nest, wedges, reference_price=(1 + tx) * (1 + tm) * (1 + tpi),
                        label=("vxmd", i, s, r)))
    return inputs, nests


def transport(d: Declaration, m: str) -> Production:
    """One global transport service per margin sector m: ``T[m] = CD_r(vst[r,m])`` supplies
    ``PT[m]``, which each trade flow demands in fixed proportion to its quantity."""
    inputs = [Input(d.PY[r, m], q, TOP, label=("vst", r, m)) for r, q in d.fl.nonzero("vst", sector=m)]
    return Production(d.T[m], [Output(d.PT[m], d.fl.total("vst", sector=m), label=("vtw", m))], inputs,
                      [Nest(TOP, 1.0)], label=("T", m))
