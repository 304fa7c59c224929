"""Square Pyomo test systems for ``cge.solve``: random sparse CES input-output systems, exchange economies.

``random_ces_system(n_goods)`` builds a square Pyomo model with ``2*n_goods``
unknowns (prices ``p`` and outputs ``q``):

* ``unit_cost[i]`` (named Expression): calibrated CES unit cost of good ``i``
  over labour (wage ``w``, fixed numeraire) and ``k`` random intermediate inputs;
* ``zero_profit[i]``:  p[i] == (1 + tax[i]) * unit_cost[i]
* ``market_clearance[i]``: q[i] == final demand + sum of CES input demands,
  each using ``unit_cost[j]`` of the buying sector (so every named Expression is
  referenced about ``k + 1`` times).

With ``tax == 0`` the benchmark has ``p == 1`` and ``q`` solving a linear
Leontief system (timings: ``python benchmarks/random_ces_solve.py``). Also a two-household
exchange economy with a closed form, for the solver-route tests.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pe


def random_ces_system(n_goods: int = 1500, k: int = 8, sigma: float = 0.5, seed: int = 0,
                      income: float = 100.0):
    rng = np.random.default_rng(seed)
    n = n_goods
    inputs = {i: sorted(_sample_without(rng, n, i, min(k, n - 1))) for i in range(n)}
    theta = {}
    theta0 = {}
    for i in range(n):
        w = rng.uniform(0.2, 1.0, size=len(inputs[i]) + 1)
        w = w / w.sum()
        theta0[i] = float(w[0])
        for jj, j in enumerate(inputs[i]):
            theta[i, j] = float(w[jj + 1]) * 0.8  # keep intermediate shares < 1
        theta0[i] += 0.2 * (1.0 - theta0[i])
        s = theta0[i] + sum(theta[i, j] for j in inputs[i])
        theta0[i] /= s
        for j in inputs[i]:
            theta[i, j] /= s
    beta = rng.uniform(0.5, 1.5, size=n)
    beta = beta / beta.sum()
    buyers = {j: [] for j in range(n)}
    for i in range(n):
        for j in inputs[i]:
            buyers[j].append(i)

    m = pe.ConcreteModel()
    m.G = pe.RangeSet(0, n - 1)
    m.w = pe.Var(initialize=1.0)
    m.w.fix(1.0)
    m.Y = pe.Param(initialize=income, mutable=True)
    m.tax = pe.Param(m.G, initialize=0.0, mutable=True)
    m.sigma = pe.Param(initialize=sigma)  # immutable
    m.p = pe.Var(m.G, initialize=1.0, bounds=(1e-8, None))
    m.q = pe.Var(m.G, initialize=income / n, bounds=(0, None))
    rho = 1.0 - sigma

    def cost_rule(m, i):
        return (theta0[i] * m.w**rho + sum(theta[i, j] * m.p[j] ** rho for j in inputs[i])) ** (1.0 / rho)

    m.unit_cost = pe.Expression(m.G, rule=cost_rule)
    m.zero_profit = pe.Constraint(m.G, rule=lambda m, i: m.p[i] == (1 + m.tax[i]) * m.unit_cost[i])

    def market_rule(m, i):
        inter = sum(theta[b, i] * m.q[b] * (m.unit_cost[b] / m.p[i]) ** sigma for b in buyers[i])
        return m.q[i] == beta[i] * m.Y / m.p[i] + inter

    m.market_clearance = pe.Constraint(m.G, rule=market_rule)
    return m


def _sample_without(rng, n, i, k):
    out = set()
    while len(out) < k:
        j = int(rng.integers(n))
        if j != i:
            out.add(j)
    return list(out)




def exchange_economy(sigma: float | None = None, drop_market: bool = True):
    """Two-household, two-good exchange economy (good 1's price is the fixed
    numeraire). ``sigma=None``: Cobb-Douglas demand written as p*x == a*I, with
    closed form p2 = sum_h a_h2 e_h1 / sum_h (1 - a_h2) e_h2. Otherwise CES
    demand using a named Expression ``price_index[h]``. ``drop_market=False``
    keeps both market-clearing rows (Walras' law: non-square)."""
    H, G = ["A", "B"], [1, 2]
    e = {("A", 1): 10.0, ("A", 2): 2.0, ("B", 1): 3.0, ("B", 2): 8.0}
    a = {("A", 1): 0.6, ("A", 2): 0.4, ("B", 1): 0.3, ("B", 2): 0.7}
    m = pe.ConcreteModel()
    m.H = pe.Set(initialize=H)
    m.G = pe.Set(initialize=G)
    m.endow = pe.Param(m.H, m.G, initialize=e, mutable=True)
    m.share = pe.Param(m.H, m.G, initialize=a, mutable=True)
    m.p = pe.Var(m.G, initialize=1.0, bounds=(1e-8, None))
    m.income = pe.Var(m.H, initialize=10.0)
    m.x = pe.Var(m.H, m.G, initialize=5.0, bounds=(0, None))
    m.p[1].fix(1.0)
    m.income_balance = pe.Constraint(
        m.H, rule=lambda m, h: m.income[h] == sum(m.p[g] * m.endow[h, g] for g in m.G))
    if sigma is None:
        m.demand = pe.Constraint(
            m.H, m.G, rule=lambda m, h, g: m.p[g] * m.x[h, g] == m.share[h, g] * m.income[h])
    else:
        m.price_index = pe.Expression(
            m.H, rule=lambda m, h: sum(m.share[h, k] ** sigma * m.p[k] ** (1 - sigma) for k in m.G))
        m.demand = pe.Constraint(
            m.H, m.G,
            rule=lambda m, h, g: m.x[h, g]
            == m.share[h, g] ** sigma * m.p[g] ** (-sigma) * m.income[h] / m.price_index[h])
    goods = G[1:] if drop_market else G
    m.market_clearance = pe.Constraint(
        goods, rule=lambda m, g: sum(m.x[h, g] for h in m.H) == sum(m.endow[h, g] for h in m.H))
    return m


def exchange_cd_closed_form(m) -> float:
    """Closed-form p2/p1 of the Cobb-Douglas ``exchange_economy``."""
    num = sum(pe.value(m.share[h, 2]) * pe.value(m.endow[h, 1]) for h in m.H)
    den = sum((1 - pe.value(m.share[h, 2])) * pe.value(m.endow[h, 2]) for h in m.H)
    return num / den
