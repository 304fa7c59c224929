"""Calibration formulas of the BCA model that both the builders and the design (a scenario's CES
regimes, :mod:`cge.bca.design`) need: kept here so that neither imports the other for them."""

from __future__ import annotations

from cge.data.flows import Flows


def rent_share(fl: Flows, r: str, j: str) -> float:
    """``θres = vrs/((1−to)·vom)``, the resource rent's share of sector j's costs."""
    return fl("vrs", r, j) / ((1 - fl("to", r, j)) * fl("vom", r, j))


#: the smallest rent share the resource elasticity is calibrated with (:func:`resource_sigma`)
RENT_SHARE_FLOOR = 0.05


def resource_sigma(eta, theta: float):
    """``σres = η·θ'/(1−θ')`` with ``θ' = max(θres, RENT_SHARE_FLOOR)`` (``0`` where there is no rent):
    the substitution elasticity between the resource and the bundle of other inputs that gives a
    resource supply elasticity ``η`` at the benchmark (spec: ``σres = η·θres/(1−θres)``).

    Why the floor (a deliberate change of the spec's formula below 5%): with a fixed resource of
    cost share θ, the CES supply curve is ``Y/Y0 = [(p^(1−σ) − (1−θ))/θ]^(σ/(1−σ))`` (``p`` the
    output price over the bundle's cost). With the spec's ``σ ≈ η·θ`` it has the slope ``η`` only in
    a window of relative prices of width ~θ: output barely moves above ``p = 1 − θ`` and the
    sector shuts down below it, the rent price moving by powers ``1/σ`` in between. Where θ is
    1e-4 (ogs in several regions of real GTAP files) a carbon price of a few USD/t moves ``p`` by
    more than θ and the model has no solution with positive output (measured: the repaired GTAP 9
    file fails above ~1 USD/t). Flooring θ at 5% keeps ``σres ≥ 0.053·η``: supply is then more
    elastic than ``η`` at the benchmark (``σres·(1−θ)/θ``), as it should be where the fixed
    factor is almost absent from costs (the sector is nearly constant-returns), and the
    rent price moves by moderate powers. Rent shares of 5% or more (every resource sector of the
    default WIOD dataset: 0.117 to 0.394) keep the spec's formula exactly."""
    if theta <= 0:
        return 0.0 * eta
    theta = max(theta, RENT_SHARE_FLOOR)
    return eta * theta / (1 - theta)
