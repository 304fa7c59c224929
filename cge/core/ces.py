"""CES unit-cost functions in calibrated share form, as Pyomo expressions.

For a nest with elasticity of substitution ``σ``, benchmark value shares ``θ_k`` (``Σθ_k = 1``)
and children's prices relative to their reference prices ``x_k = p_k / p̄_k``, the unit cost
relative to the benchmark is

    c = ( Σ_k θ_k · x_k^(1−σ) )^(1/(1−σ))                       (general σ)
    c = Π_k x_k^θ_k                                             (σ = 1, Cobb–Douglas)
    c = Σ_k θ_k · x_k                                           (σ = 0, Leontief)

and by Shephard's lemma the quantity of child ``k`` per unit of the nest, relative to its
benchmark, is the *demand factor* ``d_k = ∂c/∂x_k / θ_k``:

    d_k = (c / x_k)^σ        general;        d_k = c / x_k        Cobb–Douglas;      d_k = 1   Leontief.

Near ``σ = 1`` the general form loses accuracy (``1/(1−σ)`` is large), so for
``|1−σ| < NEAR_COBB_DOUGLAS`` we use the second-order expansion in ``ρ = 1−σ``

    log c = L + ρ/2 · (Σθ (log x)² − L²),     L = Σθ log x,
    d_k   = (c / x_k) · (1 + ρ · (log x_k − L)),

which is itself linearly homogeneous, so Shephard's lemma and Euler's theorem hold exactly and
zero profit stays consistent with market clearance (Walras' law holds to solver precision).
"""

from __future__ import annotations

from collections.abc import Sequence

from pyomo.core import exp, log, value

NEAR_COBB_DOUGLAS = 1e-4


def regime(sigma) -> str:
    """'leontief', 'cobb_douglas', 'near_cobb_douglas' or 'ces' for an elasticity (a number,
    or a mutable parameter / expression, classified by its current value).

    An elasticity given as a mutable parameter enters the formulas symbolically, so it can
    change between solves *within* its regime; a change of regime needs a rebuild."""
    sigma = float(value(sigma))
    if sigma < 0:
        raise ValueError(f"elasticity of substitution must be non-negative, got {sigma}")
    if sigma == 0:
        return "leontief"
    if sigma == 1:
        return "cobb_douglas"
    if abs(1 - sigma) < NEAR_COBB_DOUGLAS:
        return "near_cobb_douglas"
    return "ces"


def unit_cost(sigma: float, shares: Sequence[float], x: Sequence) -> object:
    """Benchmark-relative CES unit cost ``c(x)`` (see module docstring)."""
    if len(shares) == 1:
        return x[0]
    kind = regime(sigma)
    if kind == "leontief":
        return sum(t * xk for t, xk in zip(shares, x))
    if kind == "cobb_douglas":
        out = 1
        for t, xk in zip(shares, x):
            out = out * xk ** t
        return out
    if kind == "near_cobb_douglas":
        rho = 1 - sigma
        logs = [log(xk) for xk in x]
        mean = sum(t * lk for t, lk in zip(shares, logs))
        second = sum(t * lk * lk for t, lk in zip(shares, logs))
        return exp(mean + rho / 2 * (second - mean * mean))
    rho = 1 - sigma
    return sum(t * xk ** rho for t, xk in zip(shares, x)) ** (1 / rho)


def demand_factors(sigma: float, shares: Sequence[float], x: Sequence, c) -> list:
    """Shephard demand factor ``d_k`` of each child, given the nest's unit cost ``c``."""
    if len(shares) == 1:
        return [1]
    kind = regime(sigma)
    if kind == "leontief":
        return [1 for _ in x]
    if kind == "cobb_douglas":
        return [c / xk for xk in x]
    if kind == "near_cobb_douglas":
        rho = 1 - sigma
        logs = [log(xk) for xk in x]
        mean = sum(t * lk for t, lk in zip(shares, logs))
        return [c / xk * (1 + rho * (lk - mean)) for xk, lk in zip(x, logs)]
    return [(c / xk) ** sigma for xk in x]


# ----- transformation (CET) among joint outputs ------------------------------------------
def unit_revenue(t, shares: Sequence, x: Sequence) -> object:
    """Benchmark-relative CET unit revenue of joint outputs with transformation elasticity
    ``t ≥ 0``, value shares ``θ_o`` and seller prices relative to their reference ``x_o``:

        r = ( Σ_o θ_o · x_o^(1+t) )^(1/(1+t))          (t = 0: r = Σ_o θ_o · x_o, fixed proportions)

    It is the CES formula with a negative elasticity ``σ = −t``, convex in prices, so there is no
    removable singularity for any ``t ≥ 0``; ``t`` may be a mutable parameter (any value)."""
    if len(shares) == 1:
        return x[0]
    if isinstance(t, (int, float)) and t == 0:
        return sum(s * xo for s, xo in zip(shares, x))
    e = 1 + t
    return sum(s * xo ** e for s, xo in zip(shares, x)) ** (1 / e)


def supply_factors(t, shares: Sequence, x: Sequence, r) -> list:
    """Supply of output ``o`` per unit of activity relative to its benchmark (Hotelling's lemma
    on :func:`unit_revenue`): ``(x_o / r)^t`` (1 under fixed proportions)."""
    if len(shares) == 1 or (isinstance(t, (int, float)) and t == 0):
        return [1 for _ in x]
    return [(xo / r) ** t for xo in x]
