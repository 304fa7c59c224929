"""Aggregation through mapping files (CSV: ``source,target[,...]``).

A mapping is checked before use: every source code of the data must be mapped exactly once, and
every mapped code must exist in the data. With a 0/1 concordance matrix ``C[a, A]`` (1 when source
code ``a`` maps to target ``A``) the aggregated table is

    Z'[R,I,S,J] = Σ_{r,i,s,j} C_reg[r,R]·C_sec[i,I]·C_reg[s,S]·C_sec[j,J]·Z[r,i,s,j]

and likewise for ``Y`` (categories through their own mapping), ``x``, ``VA`` and ``E``. Sums are
preserved exactly; flows within an aggregate region become domestic flows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from calibration.mrio import MRIO
from cge.errors import DataError


def read_mapping(path: str | Path, source_codes=None, what: str = "code",
                 source: str = "source", target: str = "target") -> dict[str, str]:
    """Read a mapping CSV into ``{source code: target code}``, in file order.

    Stops with :class:`DataError` naming the file, row and code for: a missing file or column, an
    empty code, a source code mapped twice, and (when ``source_codes`` is given) a mapped code that
    is not in the data ("unknown") or a data code that is not mapped ("unmapped").
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: mapping file is missing")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    except Exception as exc:
        raise DataError(f"{path}: cannot be parsed as CSV ({exc})") from None
    for col in (source, target):
        if col not in df.columns:
            raise DataError(f"{path}: column {col!r} is missing (columns: {list(df.columns)})")
    mapping: dict[str, str] = {}
    for k, (a, b) in enumerate(zip(df[source].str.strip(), df[target].str.strip())):
        if not a or not b:
            raise DataError(f"{path}, row {k + 2}: empty {source if not a else target} code")
        if a in mapping:
            raise DataError(f"{path}, row {k + 2}: {what} {a!r} is mapped twice "
                            f"(to {mapping[a]!r} and to {b!r})")
        mapping[a] = b
    if source_codes is not None:
        check_mapping(mapping, source_codes, str(path), what)
    return mapping


def check_mapping(mapping: dict[str, str], source_codes, where: str, what: str = "code") -> None:
    """Raise :class:`DataError` if a data code is unmapped or a mapped code is unknown."""
    codes = list(source_codes)
    unknown = [c for c in mapping if c not in codes]
    if unknown:
        raise DataError(f"{where}: unknown {what} {unknown[0]!r} is not in the data"
                        + (f" (and {len(unknown) - 1} more: {unknown[1:6]})" if len(unknown) > 1 else ""))
    unmapped = [c for c in codes if c not in mapping]
    if unmapped:
        raise DataError(f"{where}: {what} {unmapped[0]!r} of the data is unmapped"
                        + (f" (and {len(unmapped) - 1} more: {unmapped[1:6]})" if len(unmapped) > 1 else ""))


def targets_of(mapping: dict[str, str], order=None) -> tuple[str, ...]:
    """Target codes in first-appearance order, or in ``order`` (which must cover them all)."""
    found = list(dict.fromkeys(mapping.values()))
    if order is None:
        return tuple(found)
    missing = [t for t in found if t not in order]
    if missing:
        raise DataError(f"target code(s) {missing} are not in the target list {list(order)}")
    return tuple(t for t in order if t in found)


def concordance(source_codes, mapping: dict[str, str], targets) -> np.ndarray:
    """0/1 matrix ``C[a, A]`` with one 1 per row (checked)."""
    check_mapping(mapping, source_codes, "mapping")
    targets = list(targets)
    C = np.zeros((len(source_codes), len(targets)))
    for a, code in enumerate(source_codes):
        C[a, targets.index(mapping[code])] = 1.0
    return C


def _identity(codes) -> dict[str, str]:
    return {c: c for c in codes}


def aggregate(m: MRIO, regions: dict[str, str] | None = None, sectors: dict[str, str] | None = None,
              categories: dict[str, str] | None = None, region_order=None, sector_order=None,
              category_order=None) -> MRIO:
    """Aggregate ``m`` along any of its three code lists (``None`` keeps a list as it is)."""
    rmap = regions or _identity(m.regions)
    smap = sectors or _identity(m.sectors)
    cmap = categories or _identity(m.categories)
    R2, J2, K2 = targets_of(rmap, region_order), targets_of(smap, sector_order), targets_of(cmap, category_order)
    Cr = concordance(m.regions, rmap, R2)
    Cs = concordance(m.sectors, smap, J2)
    Ck = concordance(m.categories, cmap, K2)
    Z = np.einsum("risj,rR,iI,sS,jJ->RISJ", m.Z, Cr, Cs, Cr, Cs, optimize=True)
    Y = np.einsum("risk,rR,iI,sS,kK->RISK", m.Y, Cr, Cs, Cr, Ck, optimize=True)
    x = Cr.T @ m.x @ Cs
    VA = np.einsum("csj,sS,jJ->cSJ", m.VA, Cr, Cs)
    Cu = np.zeros((len(m.users), len(J2) + len(K2)))
    Cu[: len(m.sectors), : len(J2)] = Cs
    Cu[len(m.sectors):, len(J2):] = Ck
    E = np.einsum("esu,sS,uU->eSU", m.E, Cr, Cu)
    out = MRIO(R2, J2, K2, Z, Y, x, m.va_components, VA, m.stressors, E, m.unit,
               dict(m.stressor_units), dict(m.metadata))
    return out
