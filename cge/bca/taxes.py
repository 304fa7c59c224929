"""The benchmark's taxes as price wedges, each collected by a regional agent (GTAP wedges;
a zero rate adds no wedge). Rates are data, fixed across scenarios."""

from __future__ import annotations

from cge.bca.declaration import Declaration
from cge.core.blocks import AdValorem


def _ad_valorem(agent, rate: float, kind: str) -> tuple:
    return (AdValorem(agent, rate, kind=kind),) if rate != 0 else ()


def output_tax(d: Declaration, r: str, j: str) -> tuple:
    """Producers receive ``(1 − to[r,j])·PY[r,j]``."""
    return _ad_valorem(d.RA[r], d.fl("to", r, j), "output_tax")


def factor_tax(d: Declaration, r: str, f: str, j: str) -> tuple:
    """Sector j pays ``(1 + tf[r,f,j])·PF[r,f]``."""
    return _ad_valorem(d.RA[r], d.fl("tf", r, f, j), "factor_tax")


def purchase_tax(d: Declaration, r: str, i: str, buyer: str) -> tuple:
    """``buyer`` (a sector or a final agent) pays ``(1 + tpu[r,i,buyer])·PA[r,i]``."""
    return _ad_valorem(d.RA[r], d.fl("tpu", r, i, buyer), "purchase_tax")


def domestic_purchase_tax(d: Declaration, r: str, i: str) -> tuple:
    """Domestic supply to the Armington composite pays ``(1 + tpd[r,i])·PY[r,i]``."""
    return _ad_valorem(d.RA[r], d.fl("tpd", r, i), "purchase_tax")


def import_taxes(d: Declaration, i: str, s: str, r: str) -> tuple:
    """Importer r's tariff ``tm[i,s,r]`` and import purchase tax ``tpi[r,i]`` (on the cif value)."""
    return (_ad_valorem(d.RA[r], d.fl("tm", i, s, r), "tariff")
            + _ad_valorem(d.RA[r], d.fl("tpi", r, i), "purchase_tax"))


def export_tax(d: Declaration, i: str, s: str, r: str) -> tuple:
    """Exporter s's tax ``tx[i,s,r]`` (< 0: subsidy) on its market price."""
    return _ad_valorem(d.RA[s], d.fl("tx", i, s, r), "export_tax")
