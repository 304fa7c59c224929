"""What the square-matrix readers (OECD ICIO, FIGARO) share: opening a CSV that may sit in a zip
or a folder, picking the file of a year, and checking the numbers."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from cge.errors import DataError


def _year_of(name: str, year_patterns) -> int | None:
    for pat in year_patterns:
        mt = re.search(pat, Path(name).name)
        if mt:
            return int(mt.group(1))
    return None


def open_table(path: str | Path, year: int | None, year_patterns, what: str) -> tuple[pd.DataFrame, str]:
    """The matrix of ``year`` as a DataFrame of strings (first column the row labels) and the name
    of the file it came from (``archive.zip:member.csv`` inside a zip). ``path`` is a CSV, a zip of
    CSVs or a folder of either; a year absent from it, a truncated zip or a file that is not CSV is
    an error naming the file."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: {what} file or folder does not exist")
    if path.is_dir():
        found = {y: p for p in sorted(path.iterdir()) if p.suffix.lower() in (".csv", ".zip", ".gz")
                 and (y := _year_of(p.name, year_patterns)) is not None}
        zips = [p for p in sorted(path.iterdir()) if p.suffix.lower() == ".zip"]
        if year in found:
            return open_table(found[year], year, year_patterns, what)
        for z in zips:
            try:
                return open_table(z, year, year_patterns, what)
            except DataError as exc:
                if "has no table for" not in str(exc):
                    raise
        raise DataError(f"{path}: has no table for year {year} (years found: {sorted(found) or 'none'})")
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                members = {y: n for n in zf.namelist() if n.lower().endswith(".csv")
                           and (y := _year_of(n, year_patterns)) is not None}
                if year is None and len(members) == 1:
                    year = next(iter(members))
                if year not in members:
                    raise DataError(f"{path}: has no table for year {year} (years found: {sorted(members) or 'none'})")
                with zf.open(members[year]) as fh:
                    df = _read_csv(fh, f"{path}:{members[year]}")
                return df, f"{path}:{members[year]}"
        except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
            raise DataError(f"{path}: is not a readable zip archive (truncated or damaged: {exc})") from None
    file_year = _year_of(path.name, year_patterns)
    if year is not None and file_year is not None and file_year != year:
        raise DataError(f"{path}: is the table of {file_year}, not of year {year}")
    return _read_csv(path, str(path)), str(path)


def _read_csv(source, name: str) -> pd.DataFrame:
    try:
        df = pd.read_csv(source, dtype={0: str}, keep_default_na=False, na_values=[""], low_memory=False)
    except (zipfile.BadZipFile, EOFError) as exc:
        raise DataError(f"{name}: is truncated or damaged ({exc})") from None
    except Exception as exc:
        raise DataError(f"{name}: cannot be parsed as CSV ({exc})") from None
    if df.shape[1] < 3:
        raise DataError(f"{name}: expected a matrix with row labels in the first column")
    return df


def numbers(df: pd.DataFrame, name: str) -> np.ndarray:
    """The value cells (all but the first column) as floats; an empty cell is 0, a cell that is not
    a finite number is an error naming the row label and the column."""
    raw = df.iloc[:, 1:]
    text = [c for c in raw.columns if not pd.api.types.is_numeric_dtype(raw[c])]
    vals = raw.assign(**{c: pd.to_numeric(raw[c], errors="coerce") for c in text}) if text else raw
    arr = vals.to_numpy(dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        empty = raw.isna().to_numpy()
        arr[bad & empty] = 0.0
        bad &= ~empty
    if bad.any():
        k, c = (int(a[0]) for a in np.nonzero(bad))
        raise DataError(f"{name}, row {k + 2} ({df.iloc[k, 0]}), column {raw.columns[c]}: "
                        f"{raw.iloc[k, c]!r} is not a number")
    return arr


def check_output(x: np.ndarray, regions, sectors, name: str, label) -> None:
    """Gross output must be ≥ 0: the first negative cell is named by its label."""
    if (x < 0).any():
        r, j = np.argwhere(x < 0)[0]
        raise DataError(f"{name}, {label(regions[r], sectors[j])}: negative gross output {x[r, j]:.6g}")
