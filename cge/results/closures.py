"""The ``closures`` table: what each closure and recycling option holds or lets move, by region
(:mod:`cge.bca.closures`, :mod:`cge.bca.recycling`), at the model's current solution.

With the default closures the capital inflow is ``bop``, unemployment 0, the labour-tax change 0,
the rent spread 0 and no transfer; the columns say what a closure swap changed."""

from __future__ import annotations

import pandas as pd
from pyomo.core import value

from cge.bca import closures
from cge.bca.model import BCAModel
from cge.data.factors import labour_factors
from cge.results.schema import BY_NAME


def _v(x) -> float:
    return float(value(x))


def employment(bm: BCAModel, r: str, f: str) -> float:
    """Employment of factor f in region r relative to its endowment: ``EMP[r]`` for the labour factor
    under a fixed real wage, else 1."""
    d = bm.d
    if d.EMP is None or r not in d.EMP or f != labour_factors(bm.b.factors)[0]:
        return 1.0
    return _v(d.EMP[r])


def closure_table(bm: BCAModel, pw: float) -> pd.DataFrame:
    """One row per region (money deflated by ``PW``): capital inflow and savings rate, real wage,
    unemployment, labour-tax change, spread of capital rents across sectors, transfers paid and
    received."""
    d, b = bm.d, bm.b
    lab = labour_factors(b.factors)
    rows = []
    for r in b.regions:
        inflow = _v(d.CA[r]) if d.CA is not None else b.bop[b.regions.index(r)] * pw
        saved = _v(closures.investment_cost(d, r) * closures.investment_scale(d)) - inflow
        income = _v(d.RA[r])
        wage = _v(d.PF[r, lab[0]]) / _v(d.PC[r]) if lab and (r, lab[0]) in d.PF else float("nan")
        emp = employment(bm, r, lab[0]) if lab else 1.0
        tl = _v(d.TL[r]) if d.TL is not None and r in d.TL else 0.0
        rents = [_v(d.PK[k]) for k in d.PK if k[0] == r] if d.PK is not None else []
        paid, received = ((_v(x) for x in d.transfers[r]) if d.transfers is not None and r in d.transfers
                          else (0.0, 0.0))
        rows.append((r, inflow / pw, 100 * saved / income if income else float("nan"), wage, 100 * (1 - emp),
                     100 * tl, 100 * (max(rents) / min(rents) - 1) if rents else 0.0,
                     paid / pw, received / pw, (received - paid) / pw))
    return pd.DataFrame(rows, columns=BY_NAME["closures"].names)
