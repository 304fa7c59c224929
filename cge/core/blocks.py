"""Declarations of an equilibrium model: production and demand blocks with CES nests and
price wedges (taxes, charges, subsidies) and the agents that collect them.

A model is a set of *sectors* (activity levels), *commodities* (prices), *consumers*
(incomes) and *auxiliary* variables, tied together by blocks declared here, as in MPSGE:

* :class:`Production` — an activity turning :class:`Input` s, arranged in a tree of
  :class:`Nest` s, into joint :class:`Output` s (fixed proportions, or transformed with a
  CET elasticity ``transformation``). It implies one zero-profit condition, and contributes
  supplies and demands to the commodity markets.
* :class:`Demand` — a consumer with :class:`Endowment` s and :class:`Transfer` s, fixed
  demands, and CES demands (a nest tree) out of the rest of its income. It implies one
  income-balance condition.

Price wedges are applied in order. For an input bought at market price ``p``::

    b₀ = p;   AdValorem(rate): b ← b·(1 + rate), collects rate·b;   PerUnit(amount): b ← b + amount, collects amount

For an output sold at market price ``p`` the seller receives ``s``::

    s₀ = p;   AdValorem(rate): s ← s − rate·p, collects rate·p;   PerUnit(amount): s ← s − amount, collects amount

Negative amounts are subsidies paid by the collecting agent. A :class:`PerUnit` wedge may
also book ``coefficient`` units of an *account* (e.g. Mt of CO2) per unit of quantity, which
is how emissions are tracked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TOP = "top"


@dataclass(frozen=True)
class Nest:
    """A CES nest: ``sigma`` is the elasticity of substitution among its children;
    ``parent`` is the enclosing nest (``None`` for the top nest)."""

    name: str
    sigma: float
    parent: str | None = None


@dataclass(frozen=True)
class AdValorem:
    """Ad valorem tax at ``rate`` (a number or mutable parameter) collected by ``agent``;
    ``kind`` names the instrument in revenue reports (e.g. ``tariff``, ``output_tax``)."""

    agent: Any
    rate: Any
    kind: str = "tax"


@dataclass(frozen=True)
class PerUnit:
    """Specific charge ``amount`` per unit (an expression) collected by ``agent``; books
    ``coefficient`` units of ``account`` per unit of quantity when ``account`` is given."""

    agent: Any
    amount: Any
    account: tuple | None = None
    coefficient: float = 0.0
    kind: str = "charge"


@dataclass
class Input:
    """A purchased input: benchmark ``quantity`` of the commodity whose price is ``price``,
    sitting in nest ``nest``. ``reference_price`` is the benchmark buyer price (computed from
    the wedges at their benchmark values when omitted); the benchmark value is
    ``quantity·reference_price``. ``label`` identifies the flow in results."""

    price: Any
    quantity: float
    nest: str = TOP
    wedges: tuple = ()
    reference_price: float | None = None
    label: tuple = ()


@dataclass
class Output:
    """A supplied output: benchmark ``quantity`` of the commodity priced ``price``.
    ``reference_price`` is the benchmark seller price (net of the output wedges; computed from
    the wedges at their benchmark values when omitted); the benchmark value, which sets the
    output's share in a transformation nest, is ``quantity·reference_price``."""

    price: Any
    quantity: float
    wedges: tuple = ()
    label: tuple = ()
    reference_price: float | None = None


@dataclass
class Production:
    """Activity ``activity`` producing ``outputs`` from ``inputs``.

    Zero profit (one condition, complementary to the activity level, ``activity ≥ 0``):
    ``C̄ · c_top(p) ≥ R̄ · r(s)`` where ``C̄ = Σ_k q̄_k·p̄_k`` is the benchmark cost, ``c_top`` the
    benchmark-relative unit cost of the top nest, ``R̄ = Σ_o q̄_o·s̄_o`` the benchmark revenue and
    ``r`` the CET unit revenue of the outputs with elasticity ``transformation`` (``t``; 0 =
    fixed proportions, where ``R̄·r = Σ_o q̄_o·s_o``; see :mod:`cge.core.ces`).
    Input ``k`` is demanded in quantity ``q̄_k · activity · Π_{n ∋ k} d_n`` — the product of
    the Shephard demand factors along its path through the nests; output ``o`` is supplied in
    quantity ``q̄_o · activity · (x_o / r)^t``.

    ``C̄`` and ``R̄`` need not be equal (an unbalanced benchmark, as MPSGE allows): the cost and
    revenue functions are each calibrated to their own benchmark values and the activity
    moves to restore zero profit; :meth:`EquilibriumModel.imbalance` reports the gap per block.
    """

    activity: Any
    outputs: list[Output]
    inputs: list[Input]
    nests: list[Nest] = field(default_factory=lambda: [Nest(TOP, 0.0)])
    label: tuple = ()
    transformation: Any = 0.0


@dataclass(frozen=True)
class Endowment:
    """``quantity`` units of the commodity priced ``price`` owned by the consumer."""

    price: Any
    quantity: float


@dataclass(frozen=True)
class Deferred:
    """An expression built only when the model compiles, by calling ``build()``: for terms
    that need account totals (e.g. emissions), which exist once all blocks are declared."""

    build: Any


@dataclass(frozen=True)
class Transfer:
    """An income transfer to the consumer worth ``amount`` (an expression in prices, or a
    :class:`Deferred` one)."""

    amount: Any
    label: str = "transfer"


@dataclass
class Demand:
    """Consumer ``consumer`` with income

        M = Σ endowment·price + Σ wedge revenue collected + Σ transfers,

    spending ``Σ_fixed q̄·b`` on fixed quantities and the rest, ``B = M − Σ_fixed q̄·b``, on a
    CES bundle of ``inputs``: the bundle level is ``U = B / (B̄ · c_top)`` (``B̄`` its
    benchmark value) and input ``k`` is demanded in quantity ``q̄_k · U · Π d_n``.
    """

    consumer: Any
    inputs: list[Input] = field(default_factory=list)
    nests: list[Nest] = field(default_factory=lambda: [Nest(TOP, 1.0)])
    fixed: list[Input] = field(default_factory=list)
    endowments: list[Endowment] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    label: tuple = ()
