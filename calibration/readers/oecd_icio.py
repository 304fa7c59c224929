"""Reader for the OECD Inter-Country Input-Output tables as OECD distributes them (2021, 2023 and
2025 editions): one square CSV per year, alone, in a zip of years, or in a folder.

Layout (million USD, basic prices; first column the row labels):

* rows ``{REG}_{IND}`` (``AUS_A01_02``; 2021 edition ``AUS_D01T02``), then the value-added rows:
  ``TLS``, ``VA``, ``OUT`` (2023, 2025) or ``{REG}_TAXSUB``, ``VALU``, ``OUTPUT`` (2021);
* columns ``{REG}_{IND}``, then final demand ``{REG}_HFCE, _NPISH, _GGFC, _GFCF, _INVNT, _DPABR``
  and the total ``OUT`` (``TOTAL`` in 2021);
* file names ``ICIO2021_{year}.csv`` (2021) and ``{year}_SML.csv`` (2023, 2025; zips by year range).

The edition is recognised from the industry labels (``calibration/classifications/oecd-icio-<edition>.csv``);
China's and Mexico's processing sub-tables (``CN1``, ``CN2``, ``MX1``, ``MX2``), when present, are
added into ``CHN`` and ``MEX``. The MRIO keeps the source's codes; value added is ``TLS + VA``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from calibration.concordance import source_codes
from calibration.mrio import MRIO
from calibration.readers.tables import check_output, numbers, open_table
from cge.errors import DataError

EDITIONS = (2021, 2023, 2025)
ICIO_FINAL_DEMAND = ("HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR")
TOTALS = ("OUT", "OUTPUT", "TOTAL")
VALUE_ADDED_ROWS = ("TLS", "VA", "VALU", "TAXSUB")
SUBTABLES = {"CN1": "CHN", "CN2": "CHN", "MX1": "MEX", "MX2": "MEX"}
ICIO_FILE_NAMES = (r"^ICIO20\d\d_(\d{4})\.csv", r"^(\d{4})_SML\.csv", r"^(\d{4})\.csv")


def edition_of(industries, name: str) -> int:
    """The edition whose industry list the labels are; otherwise an error naming the first label
    that is not an industry of the nearest edition."""
    got = list(dict.fromkeys(industries))
    best, missing = None, None
    for ed in EDITIONS:
        codes = source_codes(f"oecd-icio-{ed}")
        if set(got) == set(codes):
            return ed
        odd = [c for c in got if c not in codes]
        if missing is None or len(odd) < len(missing):
            best, missing = ed, odd or [c for c in codes if c not in got]
    first = missing[0]
    how = "is not an industry of" if first not in source_codes(f"oecd-icio-{best}") else "is missing, an industry of"
    raise DataError(f"{name}: industry label {first!r} {how} the OECD ICIO {best} edition "
                    f"(calibration/classifications/oecd-icio-{best}.csv)")


def _split(label: str) -> tuple[str, str]:
    reg, _, rest = label.partition("_")
    return reg, rest


def read_oecd_icio(path: str | Path, year: int | None = None) -> MRIO:
    """The ICIO table of ``year`` at ``path`` (module docstring) as an MRIO in million USD."""
    df, name = open_table(path, year, ICIO_FILE_NAMES, "OECD ICIO")
    labels = [str(v) for v in df.iloc[:, 0]]
    cols = [str(c) for c in df.columns[1:]]
    vals = numbers(df, name)
    is_va = [lab in VALUE_ADDED_ROWS + TOTALS or _split(lab)[1] in VALUE_ADDED_ROWS for lab in labels]
    out_row = next((k for k, lab in enumerate(labels) if lab in TOTALS), None)
    ind_rows = [k for k, v in enumerate(is_va) if not v]
    for k in ind_rows:
        if not _split(labels[k])[1]:
            raise DataError(f"{name}, row {k + 2}: label {labels[k]!r} is not REGION_INDUSTRY")
    row_keys = [_split(labels[k]) for k in ind_rows]
    industries = list(dict.fromkeys(i for _, i in row_keys))
    edition = edition_of(industries, name)
    industries = list(source_codes(f"oecd-icio-{edition}"))
    regions = list(dict.fromkeys(SUBTABLES.get(r, r) for r, _ in row_keys))
    R, J, K = len(regions), len(industries), len(ICIO_FINAL_DEMAND)
    rpos, ipos, kpos = ({c: n for n, c in enumerate(s)} for s in (regions, industries, ICIO_FINAL_DEMAND))
    col_ind, col_fd, col_total = [], [], None
    for c, lab in enumerate(cols):
        reg, item = _split(lab)
        reg = SUBTABLES.get(reg, reg)
        if lab in TOTALS:
            col_total = c
        elif item in kpos and reg in rpos:
            col_fd.append((c, rpos[reg], kpos[item]))
        elif item in ipos and reg in rpos:
            col_ind.append((c, rpos[reg], ipos[item]))
        else:
            raise DataError(f"{name}, column {c + 2}: label {lab!r} is not an industry, final-demand or total "
                            f"column of the OECD ICIO {edition} edition")
    Z = np.zeros((R, J, R, J))
    Y = np.zeros((R, J, R, K))
    ri = np.array([rpos[SUBTABLES.get(r, r)] for r, _ in row_keys])
    ii = np.array([ipos[i] for _, i in row_keys])
    block = vals[ind_rows]
    for c, s, j in col_ind:
        np.add.at(Z[:, :, s, j], (ri, ii), block[:, c])
    for c, s, k in col_fd:
        np.add.at(Y[:, :, s, k], (ri, ii), block[:, c])
    if out_row is not None:
        x = np.zeros((R, J))
        for c, s, j in col_ind:
            x[s, j] += vals[out_row, c]
    elif col_total is not None:
        x = np.zeros((R, J))
        np.add.at(x, (ri, ii), block[:, col_total])
    else:
        x = Z.sum(axis=(2, 3)) + Y.sum(axis=(2, 3))
    check_output(x, regions, industries, name, lambda r, i: f"{r}_{i}")
    va_rows = [k for k, v in enumerate(is_va) if v and labels[k] not in TOTALS]
    VA = np.zeros((1, R, J))
    for c, s, j in col_ind:
        VA[0, s, j] += vals[va_rows, c].sum()
    return MRIO(regions, industries, ICIO_FINAL_DEMAND, Z, Y, x, ("value_added",), VA, unit="M USD",
                metadata={"source": f"OECD ICIO {edition} edition, {Path(name).name}", "edition": edition,
                          "classification": f"oecd-icio-{edition}"})
