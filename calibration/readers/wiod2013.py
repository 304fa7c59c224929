"""Reader for the WIOD 2013-release world input-output tables in the wide CSV layout of
``shared/data/wiod2013`` (rows ``(row_region, row_sector)``; columns ``<region>.<sector>`` for
intermediate use, ``<region>.<category>`` for final demand, then ``GO``).

The source has no value-added rows: value added is the residual ``GO − Σ Z`` (see
:func:`calibration.mrio.value_added_residual`), so the MRIO gets no ``VA`` components.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from calibration.mrio import MRIO
from cge.errors import DataError

WIOD_CATEGORIES = ("CONS_h", "CONS_np", "CONS_g", "GFCF", "INVEN")


def read_wiod_wide(path: str | Path) -> MRIO:
    """Read one ``wiot_YYYY_wide.csv(.gz)`` file into an MRIO in millions of USD.

    Checks: the file exists; the rows are region-major and match the intermediate columns;
    every value is a finite number; gross output and intermediate flows are non-negative.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: WIOD table file is missing")
    try:
        df = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={0: str, 1: str})
    except Exception as exc:
        raise DataError(f"{path}: cannot be parsed as CSV ({exc})") from None
    if df.shape[1] < 4 or df.columns[-1] != "GO":
        raise DataError(f"{path}: expected columns row_region, row_sector, <region>.<item>..., GO")
    rows = list(zip(df.iloc[:, 0], df.iloc[:, 1]))
    regions = list(dict.fromkeys(r for r, _ in rows))
    sectors = list(dict.fromkeys(s for _, s in rows))
    R, J = len(regions), len(sectors)
    expected_rows = [(r, s) for r in regions for s in sectors]
    if rows != expected_rows:
        k = next(n for n, (a, b) in enumerate(zip(rows, expected_rows)) if a != b) if len(rows) == len(
            expected_rows) else min(len(rows), len(expected_rows))
        raise DataError(f"{path}, row {k + 2}: rows are not region-major {R}×{J} "
                        f"(found {rows[k] if k < len(rows) else 'end of file'})")
    values = df.iloc[:, 2:].apply(pd.to_numeric, errors="coerce")
    bad = values.isna().to_numpy() | ~np.isfinite(values.to_numpy(dtype=float, na_value=0.0))
    if bad.any():
        k, c = (int(a[0]) for a in np.nonzero(bad))
        raise DataError(f"{path}, row {k + 2} ({rows[k][0]} {rows[k][1]}), column {values.columns[c]}: "
                        f"value {df.iloc[k, c + 2]!r} is missing or not a number")
    cols = list(values.columns)
    inter_cols = [f"{r}.{s}" for r in regions for s in sectors]
    if cols[: R * J] != inter_cols:
        k = next(n for n, (a, b) in enumerate(zip(cols, inter_cols)) if a != b)
        raise DataError(f"{path}: intermediate column {k + 3} is {cols[k]!r}, expected {inter_cols[k]!r}")
    fd_cols = cols[R * J: -1]
    cats = list(dict.fromkeys(c.split(".", 1)[1] for c in fd_cols))
    if fd_cols != [f"{r}.{k}" for r in regions for k in cats]:
        raise DataError(f"{path}: final-demand columns are not <region>.<category> in region order")
    arr = values.to_numpy(dtype=float)
    Z = arr[:, : R * J].reshape(R, J, R, J)
    Y = arr[:, R * J: -1].reshape(R, J, R, len(cats))
    x = arr[:, -1].reshape(R, J)
    for name, a in (("GO", x), ("intermediate", Z)):
        if (a < 0).any():
            idx = np.argwhere(a < 0)[0]
            k = idx[0] * J + idx[1]
            raise DataError(f"{path}, row {k + 2} ({rows[k][0]} {rows[k][1]}): negative {name} value "
                            f"{a[tuple(idx)]:.6g}")
    return MRIO(regions, sectors, cats, Z, Y, x, unit="M USD",
                metadata={"source": f"WIOD 2013 release, {path.name}"})
