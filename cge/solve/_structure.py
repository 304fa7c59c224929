"""Equation-block bookkeeping and residual diagnostics on the Pyomo model."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyomo.core import value
from pyomo.core.base.constraint import Constraint
from pyomo.core.expr.visitor import identify_variables

from cge.expr.evaluate import PointEvaluator
from cge.expr.interface import hints_of

from ..errors import CGEError

RESIDUAL_COLUMNS = ["block", "max_abs_residual", "worst_index", "n_rows"]


class NonSquareSystemError(CGEError, ValueError):
    """The model's active equality rows and unfixed variables do not match."""


@dataclass
class Rows:
    """The active constraint rows of a model, grouped by equation block."""

    cons: list  # ConstraintData, in model order
    blocks: list  # block (component) name per row

    @property
    def block_counts(self) -> Counter:
        return Counter(self.blocks)


def _index_label(c):
    idx = c.index()
    return None if idx is None else idx


def active_rows(model) -> Rows:
    """All active constraints; raises if any of them is not an equality.

    A model with :class:`~cge.expr.interface.SolverHints` (an :class:`cge.core.model.EquilibriumModel`)
    first runs its ``before_solve``
    (pair conditions with the variables fixed now; recompile after a CES regime change)."""
    hints = hints_of(model)
    if hints is not None and hints.before_solve is not None:
        hints.before_solve()
    cons = list(model.component_data_objects(Constraint, active=True, descend_into=True))
    blocks = [c.parent_component().name for c in cons]
    bad = [c for c in cons if not is_equality(c)]
    if bad:
        names = Counter(c.parent_component().name for c in bad)
        raise NonSquareSystemError(
            "cge.solve expects a square system of equalities, but "
            f"{len(bad)} active constraint row(s) are inequalities: "
            + ", ".join(f"{b} ({n} rows, e.g. {bad[0].name})" for b, n in names.items())
        )
    return Rows(cons=cons, blocks=blocks)


def is_equality(c) -> bool:
    if c.equality:
        return True
    lo, up = c.lower, c.upper
    if lo is None or up is None:
        return False
    try:
        return value(lo) == value(up)
    except Exception:  # pragma: no cover - unevaluable bound
        return False


def row_residual(c, evaluate=value) -> float:
    """Signed residual (body - bound) of an equality row; for an inequality row,
    the bound violation (0 when satisfied). NaN if the body cannot be evaluated.
    ``evaluate`` may be a :class:`cge.expr.evaluate.PointEvaluator`, which evaluates each
    named subexpression once for all rows (same arithmetic, linear instead of quadratic time)."""
    try:
        body = evaluate(c.body)
        lo = c.lower
        up = c.upper
        lo = None if lo is None else value(lo)
        up = None if up is None else value(up)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return math.nan
    if body is None:
        return math.nan
    body = float(body)
    if up is not None and lo is not None and lo == up:
        return body - up
    viol = 0.0
    if up is not None and body > up:
        viol = body - up
    if lo is not None and body < lo:
        viol = body - lo
    return viol


def residual_table(cons, blocks) -> pd.DataFrame:
    """Per-block maximum absolute residual (NaN = could not evaluate; sorts first)."""
    worst: dict[str, tuple[float, object]] = {}
    nrows: Counter = Counter()
    evaluate = PointEvaluator()
    for c, b in zip(cons, blocks):
        r = abs(row_residual(c, evaluate))
        nrows[b] += 1
        cur = worst.get(b)
        if cur is None:
            worst[b] = (r, _index_label(c))
            continue
        cr = cur[0]
        if math.isnan(cr):
            continue
        if math.isnan(r) or r > cr:
            worst[b] = (r, _index_label(c))
    df = pd.DataFrame(
        [(b, worst[b][0], worst[b][1], nrows[b]) for b in worst],
        columns=RESIDUAL_COLUMNS,
    )
    if len(df):
        df["max_abs_residual"] = df["max_abs_residual"].astype(float)
        df = df.sort_values(
            "max_abs_residual", ascending=False, na_position="first", kind="stable"
        ).reset_index(drop=True)
    return df


class RowChecker:
    """Residual table of a fixed set of equality rows, evaluated by a numpy :class:`Tape` of
    their Pyomo bodies and bounds (built at the first check, then reused for every re-solve).
    Same table as :func:`residual_table`: worst row per block, NaN first."""

    def __init__(self, rows: Rows, tape=None, outputs: slice | None = None):
        """``tape``: an existing tape whose outputs ``outputs`` (default: all) are the rows'
        bodies followed by their bounds."""
        self.rows = rows
        self._tape = tape
        self._outputs = outputs if outputs is not None else slice(None)
        self._block_code = None

    def residuals(self) -> np.ndarray:
        if self._tape is None:
            from cge.expr.tape import Tape

            bounds = [c.upper if c.upper is not None else c.lower for c in self.rows.cons]
            self._tape = Tape([c.body for c in self.rows.cons] + bounds)
        if self._block_code is None:
            codes: dict = {}
            self._block_code = np.array([codes.setdefault(b, len(codes)) for b in self.rows.blocks],
                                        dtype=np.int64)
            self._block_names = list(codes)
        vals = self._tape.evaluate()[self._outputs]
        n = len(self.rows.cons)
        return vals[:n] - vals[n:]

    def table(self) -> pd.DataFrame:
        if not self.rows.cons:
            return pd.DataFrame(columns=RESIDUAL_COLUMNS)
        r = np.abs(self.residuals())
        code = self._block_code
        nb = len(self._block_names)
        nrows = np.bincount(code, minlength=nb)
        # worst row of each block: the first NaN, else the first maximum
        key = np.where(np.isnan(r), np.inf, r)
        order = np.lexsort((np.arange(len(r)), -key, code))  # by block, worst first, then row order
        first = order[np.searchsorted(code[order], np.arange(nb))]
        worst = r[first]
        df = pd.DataFrame({
            "block": self._block_names,
            "max_abs_residual": worst.astype(float),
            "worst_index": [_index_label(self.rows.cons[i]) for i in first],
            "n_rows": nrows,
        }, columns=RESIDUAL_COLUMNS)
        return df.sort_values("max_abs_residual", ascending=False, na_position="first",
                              kind="stable").reset_index(drop=True)


def max_residuals_by_block(model) -> pd.DataFrame:
    """Largest absolute residual of every active equation block of ``model``.

    Evaluated on the Pyomo model itself (``value(body) - bound``), so it is an
    independent check of whatever a solver reports. Columns: ``block``,
    ``max_abs_residual`` (NaN when a row cannot be evaluated, e.g. log of a
    negative number), ``worst_index`` and ``n_rows``; sorted worst first.
    """
    cons = list(model.component_data_objects(Constraint, active=True, descend_into=True))
    return residual_table(cons, [c.parent_component().name for c in cons])


def overall_max(df: pd.DataFrame) -> float:
    if not len(df):
        return 0.0
    vals = df["max_abs_residual"].to_numpy(dtype=float)
    if np.isnan(vals).any():
        return math.nan
    return float(vals.max())


def format_residuals(df: pd.DataFrame, top: int = 8) -> str:
    if not len(df):
        return "  (no active equations)"
    lines = []
    for row in df.head(top).itertuples(index=False):
        idx = "" if row.worst_index is None else f"[{row.worst_index}]"
        lines.append(
            f"  {row.block}{idx}: {row.max_abs_residual:.3e}  ({row.n_rows} rows)"
        )
    if len(df) > top:
        lines.append(f"  ... {len(df) - top} more block(s)")
    return "\n".join(lines)


def square_error_message(n_rows, n_unknowns, rows: Rows, unknowns) -> str:
    var_counts = Counter(v.parent_component().name for v in unknowns)
    blk = ", ".join(f"{b}={n}" for b, n in rows.block_counts.items()) or "none"
    var = ", ".join(f"{b}={n}" for b, n in var_counts.items()) or "none"
    hint = (
        "fix more variables (e.g. a numeraire) or add equations"
        if n_unknowns > n_rows
        else "unfix variables or deactivate equations"
    )
    return (
        f"cge.solve: system is not square: {n_rows} active equality rows vs "
        f"{n_unknowns} unfixed variables appearing in them ({hint}).\n"
        f"  equation blocks (rows): {blk}\n"
        f"  variable components (unknowns): {var}"
    )


def collect_unknowns(rows: Rows) -> list:
    """Unfixed VarData appearing in the rows (order of first appearance)."""
    seen: dict[int, object] = {}
    for c in rows.cons:
        for expr in (c.body, c.lower, c.upper):
            if expr is None:
                continue
            for v in identify_variables(expr, include_fixed=False):
                if id(v) not in seen:
                    seen[id(v)] = v
    return list(seen.values())


def check_square(rows: Rows, unknowns) -> None:
    if len(rows.cons) != len(unknowns):
        raise NonSquareSystemError(
            square_error_message(len(rows.cons), len(unknowns), rows, unknowns)
        )


def check_start_values(unknowns) -> None:
    missing = [v for v in unknowns if v.value is None]
    if missing:
        names = ", ".join(v.name for v in missing[:5])
        raise ValueError(
            f"cge.solve: {len(missing)} unknown variable(s) have no initial value "
            f"(start point), e.g. {names}"
        )
