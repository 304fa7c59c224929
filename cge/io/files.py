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


#: PyYAML's safe loader, with libyaml's C parser where PyYAML was built with it (the same documents and
#: values, about 10x faster: a results folder's run.yaml took 0.3 s to read in pure Python)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: the largest YAML file read (scenario, sweep, aggregation, metadata files are a few kB): a
#: larger one is the wrong file, refused before it is parsed (a 50 MB text file took 27 s and
#: 0.8 GB to be refused for not being a mapping, measured)
MAX_YAML_BYTES = 5_000_000


def load_yaml(path: str | Path, error=DataError):
    """Parse a YAML file; a missing, oversized, binary or malformed file raises ``error`` naming it."""
    path = Path(path)
    if not path.exists():
        raise error(f"{path}: required file is missing")
    if path.is_dir():
        raise error(f"{path}: is a folder, expected a YAML file")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_YAML_BYTES + 1)
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    if len(data) > MAX_YAML_BYTES:
        raise error(f"{path}: larger than {MAX_YAML_BYTES / 1e6:g} MB, too large for a YAML configuration file "
                    "(is it the right file?)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
                    "save the file as UTF-8") from None
    nul = text.find("\0")
    if nul >= 0:
        raise error(f"{path}: binary content (a NUL byte at offset {nul}), not a YAML text file")
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML ({' '.join(str(exc).split())})") from None


#: read every number to the nearest double, as Python's float() does: pandas 3 does so by default (and
#: deprecates the argument); pandas 2 does only with float_precision="round_trip", and its default parser is
#: off in the last bit for about a third of 17-digit numbers (exact for the 12 digits benchmarks are written at)
EXACT_FLOATS = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}


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
    _check_complete(path)
    try:
        df = pd.read_csv(path, dtype={c: str for c in index_cols}, keep_default_na=False, na_values=[""],
                         **EXACT_FLOATS)
    except Exception as exc:  # pandas raises many kinds for malformed CSV
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{path}: cannot be parsed as CSV ({first.removeprefix('Error tokenizing data. ')})") from None
    expected = list(index_cols) + [value_col]
    if list(df.columns) != expected:
        raise DataError(f"{path}: columns are {list(df.columns)}, expected {expected}")
    if df.isna().to_numpy().any():
        _check_row_lengths(path, len(expected))
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


def _check_complete(path: Path) -> None:
    """A table whose last line has no newline was cut short (a copy or download broken off), and
    a cut inside a number still parses, as another number: refused, naming the last line."""
    with open(path, "rb") as f:
        if f.seek(0, 2) == 0:
            return
        f.seek(-1, 2)
        if f.read(1) == b"\n":
            return
        f.seek(0)
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) + 1
    raise DataError(f"{path}, line {lines}: the file does not end with a newline, so its last row may be cut "
                    "short (truncated copy?); restore the file (if it is complete, end it with a newline)")


def _check_row_lengths(path: Path, n: int) -> None:
    """The first row with fewer than ``n`` fields (pandas reads the absent fields as empty cells)."""
    import csv

    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        for k, row in enumerate(csv.reader(f), start=1):
            if k > 1 and row and len(row) < n:
                raise DataError(f"{path}, line {k}: {len(row)} fields, expected {n} (a row cut short?)")


def dense(df: pd.DataFrame | None, index_cols: tuple[str, ...], value_col: str,
          axes: list[tuple[str, ...]]) -> np.ndarray:
    """A validated tidy table as a dense array over ``axes`` (absent cells are zero)."""
    arr = np.zeros([len(a) for a in axes])
    if df is None or df.empty:
        return arr
    pos = [pd.Index(a).get_indexer(df[c]) for a, c in zip(axes, index_cols)]
    arr[tuple(pos)] = df[value_col].to_numpy(dtype=float)
    return arr
