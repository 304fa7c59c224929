"""Gates: each stage checks its output and stops with a plain message naming the stage and the
worst cells ("Benchmark replication problem"), in the habit of the GTAPinGAMS build stream."""

from __future__ import annotations

import numpy as np

from calibration.mrio import MRIO, row_gap, totals, value_added_residual
from cge.errors import DataError


class GateError(DataError):
    """A calibration stage produced data that breaks an identity or sign condition."""


def _fail(stage: str, what: str, cells: list[str]) -> None:
    raise GateError(f"Benchmark replication problem at stage '{stage}': {what}. Worst cells: "
                    + "; ".join(cells[:5]))


def _worst(arr: np.ndarray, labels, n: int = 5, key=None) -> list[str]:
    key = np.abs(arr) if key is None else key
    order = np.argsort(key, axis=None)[::-1][:n]
    out = []
    for flat in order:
        idx = np.unravel_index(flat, arr.shape)
        out.append("/".join(labels[k][i] for k, i in enumerate(idx)) + f" = {arr[idx]:.6g}")
    return out


def check_mrio(m: MRIO, stage: str, row_tolerance: float | None = None, allow_negative_fd: bool = True) -> None:
    """Signs (Z, x ≥ 0; final demand ≥ 0 unless allowed), finite values, value added residual ≥ 0 and,
    if ``row_tolerance`` is given, ``|row gap| ≤ row_tolerance·max(x, 1)`` for every row."""
    RS = (m.regions, m.sectors)
    for name in ("Z", "Y", "x", "E"):
        a = getattr(m, name)
        if not np.isfinite(a).all():
            _fail(stage, f"{name} has non-finite values", [str(tuple(np.argwhere(~np.isfinite(a))[0]))])
    for name, a, labels in (("intermediate Z", m.Z, RS + RS), ("gross output x", m.x, RS)):
        if (a < 0).any():
            _fail(stage, f"negative {name}", _worst(np.minimum(a, 0), labels))
    if not allow_negative_fd and (m.Y < 0).any():
        _fail(stage, "negative final demand", _worst(np.minimum(m.Y, 0), RS + (m.regions, m.categories)))
    va = value_added_residual(m)
    tol = 1e-9 * np.maximum(m.x, 1.0)
    if (va < -tol).any():
        _fail(stage, "value added residual x − ΣZ is negative", _worst(np.minimum(va, 0), RS))
    if row_tolerance is not None:
        gap = row_gap(m)
        rel = np.abs(gap) / np.maximum(m.x, 1.0)
        if rel.max() > row_tolerance:
            _fail(stage, f"row balance x = ΣZ + ΣY fails (largest relative gap {rel.max():.3e} > "
                  f"{row_tolerance:.1e})", _worst(gap, RS, key=rel))


def check_totals(before: dict, after: dict, stage: str, keys=("output", "intermediate", "final_demand"),
                 rtol: float = 1e-9) -> None:
    """Aggregation and splits must preserve the totals named by ``keys``."""
    for k in keys:
        a, b = before[k], after[k]
        if abs(a - b) > rtol * max(abs(a), 1.0):
            _fail(stage, f"total {k} changed from {a:.10g} to {b:.10g}", [k])


def print_stage(stage: str, before: MRIO | None, after: MRIO, echo=print) -> dict:
    """Print before/after totals and nonzero counts of a stage; return the after totals."""
    t1 = totals(after)
    if before is None:
        echo(f"[{stage}] " + ", ".join(f"{k} {v:,.6g}" for k, v in t1.items()))
        return t1
    t0 = totals(before)
    echo(f"[{stage}] " + ", ".join(f"{k} {t0.get(k, float('nan')):,.6g} → {v:,.6g}" for k, v in t1.items()))
    return t1
