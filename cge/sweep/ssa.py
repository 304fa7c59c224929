"""Systematic sensitivity analysis: distributions of uncertain elasticities and the designs
that sample them (Monte Carlo, Stroud degree-3 quadrature).

Distributions (all of non-negative quantities; checked on load):

``uniform``     ``low ≤ high``, both ≥ 0
``triangular``  ``low ≤ mode ≤ high``, all ≥ 0
``normal``      ``mean ≥ 0``, ``sd ≥ 0``, truncated at zero (the draw is conditioned on > 0)

A spread of zero (``low == high`` or ``sd == 0``) is allowed: every draw is the central value.

**Stroud degree-3 design** (Stroud 1957; the variant of Arndt 1996 and Liu 1997 that GEMPACK
uses for CGE SSA). For ``n`` independent parameters, each symmetric around its mean ``μ_i`` with
standard deviation ``σ_i``, the ``2n`` points ``x_k = μ + σ ⊙ z_k`` (k = 1..2n) with

    z_k[2r−1] = √2·cos((2r−1)kπ/n),  z_k[2r] = √2·sin((2r−1)kπ/n),   r = 1..⌊n/2⌋
    z_k[n]    = (−1)^k                                                  (n odd)

and equal weights ``1/(2n)`` integrate every polynomial of degree ≤ 3 exactly against any
distribution with those means and variances and zero third moments: every point lies at
distance √n from the centre in standardised units, on axes rotated so that no coordinate moves
more than √2·σ. Hence the mean of a quadratic output and the mean and variance of a linear
output are exact. The design uses only the first two moments (the truncated normal's own mean
and sd); its 5–95% band is reported as the normal approximation ``mean ± 1.645·sd``.
"""

from __future__ import annotations

import math

import numpy as np

from cge.errors import ScenarioError

DISTRIBUTIONS = {
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "normal": ("mean", "sd"),
}
DESIGNS = ("monte_carlo", "stroud")
Z95 = 1.6448536269514722  # standard normal 95% quantile


class Distribution:
    """One validated distribution; ``where`` names it in errors."""

    def __init__(self, spec: dict, where: str):
        if not isinstance(spec, dict):
            raise ScenarioError(f"{where}: expected a mapping with 'distribution' and its parameters")
        kind = spec.get("distribution")
        if kind not in DISTRIBUTIONS:
            raise ScenarioError(f"{where}.distribution: {kind!r} is not one of {', '.join(DISTRIBUTIONS)}")
        allowed = set(DISTRIBUTIONS[kind]) | {"distribution", "scale"}
        for k in spec:
            if k not in allowed:
                raise ScenarioError(f"{where}.{k}: unknown key for a {kind} distribution; "
                                    f"allowed: {', '.join(sorted(allowed))}")
        p = {}
        for k in DISTRIBUTIONS[kind]:
            if k not in spec:
                raise ScenarioError(f"{where}.{k}: missing (a {kind} distribution needs "
                                    f"{', '.join(DISTRIBUTIONS[kind])})")
            v = spec[k]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ScenarioError(f"{where}.{k}: {v!r} is not a finite number")
            if v < 0:
                raise ScenarioError(f"{where}.{k}: {v} is negative; elasticities and their factors are >= 0")
            p[k] = float(v)
        if kind == "uniform" and p["low"] > p["high"]:
            raise ScenarioError(f"{where}: low {p['low']} > high {p['high']}")
        if kind == "triangular" and not p["low"] <= p["mode"] <= p["high"]:
            raise ScenarioError(f"{where}: need low <= mode <= high, got {p['low']}, {p['mode']}, {p['high']}")
        if kind == "normal" and p["mean"] == 0 and p["sd"] > 0:
            raise ScenarioError(f"{where}: a normal truncated at zero needs mean > 0")
        self.kind, self.p, self.where = kind, p, where

    # moments -------------------------------------------------------------------------
    @property
    def mean(self) -> float:
        p = self.p
        if self.kind == "uniform":
            return (p["low"] + p["high"]) / 2
        if self.kind == "triangular":
            return (p["low"] + p["mode"] + p["high"]) / 3
        if p["sd"] == 0:
            return p["mean"]
        from scipy.stats import truncnorm

        return float(truncnorm.mean(-p["mean"] / p["sd"], np.inf, loc=p["mean"], scale=p["sd"]))

    @property
    def sd(self) -> float:
        p = self.p
        if self.kind == "uniform":
            return (p["high"] - p["low"]) / math.sqrt(12)
        if self.kind == "triangular":
            a, c, b = p["low"], p["mode"], p["high"]
            return math.sqrt(max(a * a + b * b + c * c - a * b - a * c - b * c, 0.0) / 18)
        if p["sd"] == 0:
            return 0.0
        from scipy.stats import truncnorm

        return float(truncnorm.std(-p["mean"] / p["sd"], np.inf, loc=p["mean"], scale=p["sd"]))

    # sampling ---------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        p = self.p
        if self.kind == "uniform":
            return rng.uniform(p["low"], p["high"], n) if p["high"] > p["low"] else np.full(n, p["low"])
        if self.kind == "triangular":
            if p["high"] == p["low"]:
                return np.full(n, p["low"])
            return rng.triangular(p["low"], p["mode"], p["high"], n)
        if p["sd"] == 0:
            return np.full(n, p["mean"])
        from scipy.stats import truncnorm

        u = rng.uniform(0.0, 1.0, n)
        return truncnorm.ppf(u, -p["mean"] / p["sd"], np.inf, loc=p["mean"], scale=p["sd"])


def stroud_points(n: int) -> np.ndarray:
    """The ``2n × n`` standardised Stroud degree-3 points (mean 0, covariance I under weights 1/(2n))."""
    if n < 1:
        raise ValueError("Stroud design needs at least one parameter")
    z = np.zeros((2 * n, n))
    for k in range(1, 2 * n + 1):
        for r in range(1, n // 2 + 1):
            angle = (2 * r - 1) * k * math.pi / n
            z[k - 1, 2 * r - 2] = math.sqrt(2) * math.cos(angle)
            z[k - 1, 2 * r - 1] = math.sqrt(2) * math.sin(angle)
        if n % 2:
            z[k - 1, n - 1] = (-1) ** k
    z[np.abs(z) < 1e-15] = 0.0
    return z


def stroud_design(dists: list[Distribution]) -> np.ndarray:
    """``2n`` points (rows) for the ``n`` distributions (columns), weights ``1/(2n)``."""
    z = stroud_points(len(dists))
    mu = np.array([d.mean for d in dists])
    sd = np.array([d.sd for d in dists])
    x = mu + z * sd
    for col, d in enumerate(dists):
        low = x[:, col].min()
        if low < 0:
            raise ScenarioError(f"{d.where}: a Stroud point falls at {low:.4g} < 0 (mean {d.mean:.4g}, "
                                f"sd {d.sd:.4g}); narrow the distribution or use design: monte_carlo")
    return x


def monte_carlo_design(dists: list[Distribution], draws: int, seed: int) -> np.ndarray:
    """``draws`` independent draws (rows) of every distribution (columns, in the given order)."""
    rng = np.random.default_rng(seed)
    if not dists:
        return np.zeros((draws, 0))
    return np.column_stack([d.sample(rng, draws) for d in dists])
