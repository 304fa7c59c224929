"""The benchmark's taxes as price wedges, each collected by a regional agent (GTAP wedges;
a zero rate adds no wedge). Rates are data, fixed across scenarios, except the kinds of tax a
scenario shocks (output, factor and sector-purchase taxes, tariffs, export taxes; the model's
structure names them): those are the mutable parameters of :mod:`cge.bca.shocks`, at their
benchmark rates unless a scenario moves them, and each of their flows carries a wedge."""

from __future__ import annotations

from cge.bca.declaration import Declaration
from cge.core.blocks import AdValorem


def _ad_valorem(agent, rate: float, kind: str) -> tuple:
    return (AdValorem(agent, rate, kind=kind),) if rate != 0 else ()


def _rate(d: Declaration, agent, param: str, table: str, kind: str, *cell: str) -> tuple:
    """The wedge of one cell: the mutable shock parameter ``param`` when the model declares it
    (and the cell exists), else the benchmark rate of ``table`` as data."""
    p = d.shocks.get(param) if d.shocks else None
    if p is not None and cell in p:
        return (AdValorem(agent, p[cell], kind=kind),)
    return _ad_valorem(agent, d.fl(table, *cell), kind)


def output_tax(d: Declaration, r: str, j: str) -> tuple:
    """Producers receive ``(1 − to[r,j])·PY[r,j]``."""
    return _rate(d, d.RA[r], "rate_to", "to", "output_tax", r, j)


def factor_tax(d: Declaration, r: str, f: str, j: str) -> tuple:
    """Sector j pays ``(1 + tf[r,f,j])·PF[r,f]``."""
    return _rate(d, d.RA[r], "rate_tf", "tf", "factor_tax", r, f, j)


def purchase_tax(d: Declaration, r: str, i: str, buyer: str) -> tuple:
    """``buyer`` (a sector or a final agent) pays ``(1 + tpu[r,i,buyer])·PA[r,i]`` (a sector's rate
    may be shocked, ``rate_ti``; a final agent's is data)."""
    return _rate(d, d.RA[r], "rate_ti", "tpu", "purchase_tax", r, i, buyer)


def domestic_purchase_tax(d: Declaration, r: str, i: str) -> tuple:
    """Domestic supply to the Armington composite pays ``(1 + tpd[r,i])·PY[r,i]``."""
    return _ad_valorem(d.RA[r], d.fl("tpd", r, i), "purchase_tax")


def import_taxes(d: Declaration, i: str, s: str, r: str) -> tuple:
    """Importer r's tariff ``tm[i,s,r]`` and import purchase tax ``tpi[r,i]`` (on the cif value)."""
    return (_rate(d, d.RA[r], "rate_tm", "tm", "tariff", i, s, r)
            + _ad_valorem(d.RA[r], d.fl("tpi", r, i), "purchase_tax"))


def export_tax(d: Declaration, i: str, s: str, r: str) -> tuple:
    """Exporter s's tax ``tx[i,s,r]`` (< 0: subsidy) on its market price."""
    return _rate(d, d.RA[s], "rate_tx", "tx", "export_tax", i, s, r)
