"""File helpers shared by every writer and reader: atomic output folders (:mod:`cge.io.outdir`) and
YAML loading with errors that name the file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from cge.errors import DataError


def file_digest(path: str | Path) -> dict:
    """``{rows, sha256}`` of a CSV file (data rows, without the header), recorded by writers
    (``run.yaml`` of `cge compare`, ``summary.json`` of a sweep) and checked by readers."""
    data = Path(path).read_bytes()
    return {"rows": max(data.count(b"\n") - 1, 0), "sha256": hashlib.sha256(data).hexdigest()}


def check_digest(path: str | Path, recorded, source: str | Path, error=DataError) -> None:
    """Refuse ``path`` if it differs from the digest ``source`` recorded for it (truncated or edited)."""
    if not isinstance(recorded, dict) or "sha256" not in recorded:
        return
    now = file_digest(path)
    if now["sha256"] == recorded["sha256"]:
        return
    rows = (f"{now['rows']} rows where {source} records {recorded.get('rows')}"
            if now["rows"] != recorded.get("rows") else "same row count, different content")
    raise error(f"{path}: does not match what wrote it ({rows}; truncated or edited after the run?); "
                "re-run the command that wrote it")


def load_yaml(path: str | Path, error=DataError):
    """Parse a YAML file; a missing or malformed file raises ``error`` naming it."""
    path = Path(path)
    if not path.exists():
        raise error(f"{path}: required file is missing")
    if path.is_dir():
        raise error(f"{path}: is a folder, expected a YAML file")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
                    "save the file as UTF-8") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML ({exc})") from None


def read_tidy_table(path: str | Path, index_cols: tuple[str, ...], value_col: str,
                    codes: dict[str, tuple[str, ...]], required: bool = True, signed: bool = True,
                    codes_from: str = "") -> pd.DataFrame | None:
    """Read a tidy CSV table ``index_cols…, value_col`` and validate it: exact columns, every
    value a finite number, every code in ``codes[column]``, no key twice and, unless ``signed``,
    no negative value. Errors name the file, the row (as a spreadsheet shows it) and the
    problem. A missing file is an error when ``required``, else ``None``."""
    path = Path(path)
    if not path.exists():
        if required:
            raise DataError(f"{path}: required file is missing")
        return None
    try:
        df = pd.read_csv(path, dtype={c: str for c in index_cols}, keep_default_na=False, na_values=[""])
    except Exception as exc:  # pandas raises many kinds for malformed CSV
        raise DataError(f"{path}: cannot be parsed as CSV ({exc})") from None
    expected = list(index_cols) + [value_col]
    if list(df.columns) != expected:
        raise DataError(f"{path}: columns are {list(df.columns)}, expected {expected}")
    values = pd.to_numeric(df[value_col], errors="coerce")
    bad = values.isna() | ~np.isfinite(values.fillna(0.0))
    if bad.any():
        k = int(np.nonzero(bad.to_numpy())[0][0])
        raw = df[value_col].iloc[k]
        if pd.isna(raw):
            what = "is missing (empty cell)"
        elif pd.isna(values.iloc[k]):
            what = f"{str(raw)!r} is not a number"
        else:
            what = f"{str(raw)!r} is not finite"
        raise DataError(f"{path}, row {k + 2}: {value_col} {what}")
    if not signed and (values < 0).any():
        k = int(np.nonzero((values < 0).to_numpy())[0][0])
        raise DataError(f"{path}, row {k + 2}: negative {value_col} {values.iloc[k]:.6g} "
                        f"for {tuple(df.loc[k, list(index_cols)])}")
    df[value_col] = values.astype(float)
    for c in index_cols:
        unknown = ~df[c].isin(codes[c])
        if unknown.any():
            k = int(np.nonzero(unknown.to_numpy())[0][0])
            source = f" (not in {codes_from} {c})" if codes_from else ""
            raise DataError(f"{path}, row {k + 2}: unknown {c} code {df[c].iloc[k]!r}{source}")
    dup = df.duplicated(list(index_cols))
    if dup.any():
        k = int(np.nonzero(dup.to_numpy())[0][0])
        raise DataError(f"{path}, row {k + 2}: duplicate entry for {tuple(df.loc[k, list(index_cols)])}")
    return df


def dense(df: pd.DataFrame | None, index_cols: tuple[str, ...], value_col: str,
          axes: list[tuple[str, ...]]) -> np.ndarray:
    """A validated tidy table as a dense array over ``axes`` (absent cells are zero)."""
    arr = np.zeros([len(a) for a in axes])
    if df is None or df.empty:
        return arr
    pos = [pd.Index(a).get_indexer(df[c]) for a, c in zip(axes, index_cols)]
    arr[tuple(pos)] = df[value_col].to_numpy(dtype=float)
    return arr
