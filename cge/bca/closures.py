"""Closures as options (``closure.*``): who adjusts when a policy moves the economy.

==========================  ===============================================================
``current_account: fixed``  (default) the capital inflow is the benchmark ``bop[r]``, valued at PW
``current_account:          each region saves a fixed share ``s[r]`` of its income and one world
flexible``                  investment scale ``INV`` clears world savings; the inflow ``CA[r]`` adjusts
``capital: mobile``         (default) one capital rent ``PF[r,capital]`` for every sector of a region
``capital:                  ``KT[r]`` transforms the region's capital into capital of each sector
sector_specific``           (CET ``closure.capital_cet``), one rent ``PK[r,j]`` per sector
``labour: full_employment`` (default) the wage clears a fixed labour supply
``labour:                   the wage over the consumer price stays at its benchmark and employment
fixed_real_wage``           ``EMP[r]`` adjusts; unemployment (% of the benchmark labour force) ``100·(1−EMP)``
``labour:                   the real wage cannot fall below its benchmark; employment cannot exceed the
real_wage_floor``           benchmark labour force (unemployment when labour demand falls, else full employment)
==========================  ===============================================================

Each closure is a short builder whose docstring states its equation; :class:`cge.bca.model.BCAModel`
calls them when its :class:`~cge.bca.design.Structure` asks for them, so the default model is built
exactly as before.
"""

from __future__ import annotations

from cge.bca.carbon import fischer_burmeister
from cge.bca.declaration import Declaration
from cge.bca.household import consumption_value
from cge.core.blocks import Endowment, Input, Output, Production, Transfer
from cge.data.factors import CAPITAL_CODES, capital_factors, labour_factors
from cge.errors import ScenarioError


#: factor codes read as capital (WIOD and synthetic data: ``capital``; GTAP: ``cap``); every other
#: factor is labour (``labour``; GTAP's ``lab`` or skilled / unskilled labour)
def check_factors(factors, structure) -> None:
    """A closure on capital or labour needs the dataset to have that factor."""
    if structure.capital != "mobile" and not capital_factors(factors):
        raise ScenarioError(f"closure.capital: {structure.capital} needs a capital factor "
                            f"({' or '.join(CAPITAL_CODES)}); the dataset's factors are {', '.join(factors)}")
    if structure.labour != "full_employment" and not labour_factors(factors):
        raise ScenarioError(f"closure.labour: {structure.labour} needs a labour factor; the dataset's factors "
                            f"are {', '.join(factors)}")


# ----------------------------------------------------------------------------- current account
def capital_inflow(d: Declaration, r: str) -> Transfer:
    """The regional agent's capital inflow (current-account deficit): ``bop[r]·PW`` with a fixed
    current account; the endogenous ``CA[r]`` (bn USD, current prices) with a flexible one."""
    if d.structure.current_account == "flexible":
        return Transfer(d.CA[r], "balance_of_payments")
    return Transfer(d.bop[r] * d.PW, "balance_of_payments")


def investment_scale(d: Declaration):
    """Quantity multiplier of every region's investment demand ``vi``: 1 with a fixed current
    account, the world investment scale ``INV`` with a flexible one."""
    return d.INV if d.structure.current_account == "flexible" else 1.0


def investment_cost(d: Declaration, r: str):
    """Region r's benchmark investment at current buyer prices, ``Σ_i (1+tpu[r,i,investment])·PA[r,i]·vi[r,i]``."""
    return sum((1 + d.fl("tpu", r, i, "investment")) * d.PA[r, i] * q for i, q in d.fl.nonzero("vi", region=r))


def investment_value(d: Declaration, r: str) -> float:
    """Region r's benchmark investment at buyer prices ``Σ_i (1+tpu)·vi[r,i]``."""
    return sum((1 + d.fl("tpu", r, i, "investment")) * q for i, q in d.fl.nonzero("vi", region=r))


def benchmark_income(d: Declaration, r: str) -> float:
    """The regional agent's benchmark income: its spending on consumption, government and investment
    at buyer prices."""
    fixed = sum((1 + d.fl("tpu", r, i, agent)) * q for (i, agent), q in d.fl.nonzero("fd", region=r)
                if agent in ("government", "investment"))
    return consumption_value(d.fl, r) + fixed


def savings_rate(d: Declaration, r: str) -> float:
    """Benchmark savings over income ``s[r] = (I0[r] − bop[r]) / M0[r]``: investment at buyer prices
    less the capital inflow, over the regional agent's benchmark income (its spending on C, G, I)."""
    return (investment_value(d, r) - d.fl("bop", r)) / benchmark_income(d, r)


def fixed_savings_rate(d: Declaration) -> None:
    """Flexible current account, one equation per region (paired with ``CA[r]``):
    ``Σ_i (1+tpu)·PA[r,i]·vi[r,i]·INV − CA[r] = s[r]·RA[r]`` (savings, investment spending less the
    capital inflow, are the fixed share ``s[r]`` of income); and world savings meet world investment
    (paired with ``INV``): ``Σ_r CA[r] = PW·Σ_r bop[r]``, so the inflows still add up as in the benchmark."""
    R, em = d.fl.b.regions, d.em
    s = {r: savings_rate(d, r) for r in R}
    em.equation("savings_rate", R, lambda r: investment_cost(d, r) * d.INV - d.CA[r] - s[r] * d.RA[r],
                scale=lambda r: benchmark_income(d, r), pair=d.CA)
    total_bop = sum(d.fl("bop", r) for r in R)
    world_investment = sum(investment_value(d, r) for r in R)
    em.equation("world_savings", None, lambda: sum(d.CA[r] for r in R) - total_bop * d.PW,
                scale=world_investment, pair=d.INV)


# ----------------------------------------------------------------------------- capital
def capital_transformation(d: Declaration, r: str) -> Production:
    """Sector-specific capital: ``KT[r]`` turns the region's capital (at ``PF[r,capital]``) into
    capital of each sector j using it (at ``PK[r,j]``) with a CET,
    ``PF·K̄ = K̄·(Σ_j θ_j·PK[r,j]^(1+t))^(1/(1+t))``, ``t = closure.capital_cet`` (0: the benchmark
    allocation is fixed; t → ∞: one rent, as with mobile capital); sector j gets
    ``vfm[r,capital,j]·(PK[r,j]/r̄)^t`` units."""
    f = capital_factors(d.fl.b.factors)[0]
    outputs = [Output(d.PK[r, j], q, label=("vks", r, j)) for j, q in d.fl.nonzero("vfm", region=r, factor=f)]
    total = sum(o.quantity for o in outputs)
    return Production(d.KT[r], outputs, [Input(d.PF[r, f], total, label=("vk", r))],
                      transformation=d.capital_cet, label=("KT", r))


def capital_price(d: Declaration, r: str, f: str, j: str):
    """The price sector j pays for factor f: ``PK[r,j]`` for sector-specific capital, else ``PF[r,f]``."""
    if d.structure.capital == "sector_specific" and f in capital_factors(d.fl.b.factors):
        return d.PK[r, j]
    return d.PF[r, f]


# ----------------------------------------------------------------------------- labour
def labour_endowment(d: Declaration, r: str, f: str, q: float) -> Endowment:
    """The agent's endowment of factor f: ``q`` units, or ``q·EMP[r]`` of labour under a fixed real
    wage (employment relative to the benchmark)."""
    if d.structure.labour != "full_employment" and f == labour_factors(d.fl.b.factors)[0]:
        return Endowment(d.PF[r, f], q * d.EMP[r])
    return Endowment(d.PF[r, f], q)


def fixed_real_wage(d: Declaration) -> None:
    """Fixed real wage, one equation per region (paired with ``EMP[r]``):
    ``PF[r,L] = PC[r]`` for its (first) labour factor L — the wage over the consumer price stays
    at its benchmark value 1, and employment ``EMP[r]`` (benchmark 1) clears the labour market.
    Unemployment in % of the benchmark labour force is ``100·(1 − EMP[r])`` (0 at the benchmark,
    negative when employment rises above it, drawing on the benchmark's unemployed)."""
    f = labour_factors(d.fl.b.factors)[0]
    d.em.equation("real_wage", employing_regions(d), lambda r: d.PF[r, f] - d.PC[r], pair=d.EMP)


def real_wage_floor(d: Declaration) -> None:
    """A floor on the real wage, one complementarity per region (paired with ``EMP[r]``):
    ``EMP[r] ≤ 1  ⟂  PF[r,L]/PC[r] ≥ 1`` (Fischer–Burmeister, as the carbon cap): employment stays
    at most the benchmark labour force; when labour demand falls the wage stops at its benchmark
    real value and unemployment ``100·(1 − EMP)`` absorbs the rest, when it rises the wage rises
    with full employment (downward real-wage rigidity)."""
    f = labour_factors(d.fl.b.factors)[0]
    d.em.equation("real_wage_floor", employing_regions(d),
                  lambda r: fischer_burmeister(1 - d.EMP[r], (d.PF[r, f] - d.PC[r]) / d.PC[r]), pair=d.EMP)


def employing_regions(d: Declaration) -> list[str]:
    """The regions with an endowment of the (first) labour factor: the index of ``EMP``."""
    f = labour_factors(d.fl.b.factors)[0]
    return [r for r in d.fl.b.regions if d.fl.total("evf", region=r, factor=f) > 0]
