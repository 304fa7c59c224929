"""Calibration formulas of the BCA model that both the builders and the design (a scenario's CES
regimes, :mod:`cge.bca.design`) need: kept here so that neither imports the other for them."""

from __future__ import annotations

from cge.data.flows import Flows


def rent_share(fl: Flows, r: str, j: str) -> float:
    """``θres = vrs/((1−to)·vom)``, the resource rent's share of sector j's costs."""
    return fl("vrs", r, j) / ((1 - fl("to", r, j)) * fl("vom", r, j))


def resource_sigma(eta, theta: float):
    """``σres = η·θres/(1−θres)``: the substitution elasticity between the resource and the
    bundle of other inputs that gives a resource supply elasticity ``η``."""
    return eta * theta / (1 - theta)
