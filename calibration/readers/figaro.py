"""Reader for FIGARO (Eurostat's EU inter-country supply, use and input-output tables), the
industry-by-industry matrix as Eurostat distributes it: ``matrix_eu-ic-io_ind-ind_{year}.csv``
(alone, zipped, or in a folder).

Layout (million EUR, basic prices): header ``rowLabels`` then ``{CC}_{IND}`` for 46 countries
(``AT``..``US``, rest of the world ``FIGW1``) × 64 NACE Rev.2 industries (``A01``..``U``), then per
country the final uses ``{CC}_P3_S13`` (government), ``_P3_S14`` (households), ``_P3_S15`` (NPISH),
``_P51G`` (fixed capital formation), ``_P5M`` (inventories and valuables); rows the same
``{CC}_{IND}``, then the value-added rows ``W2_D21X31`` (net product taxes), ``W2_OP_RES``,
``W2_OP_NRES`` (purchases abroad), ``W2_D1``, ``W2_D29X39``, ``W2_B2A3G``. No total row or column:
gross output is the row sum. Values are converted to million USD at the ECB annual reference rate
(``calibration/classifications/eur_usd.csv``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from calibration.concordance import CLASSIFICATIONS, source_codes
from calibration.mrio import MRIO
from calibration.readers.tables import check_output, numbers, open_table
from cge.errors import DataError

FIGARO_FINAL_DEMAND = ("P3_S13", "P3_S14", "P3_S15", "P51G", "P5M")
VALUE_ADDED_PREFIX = "W2_"
REST = "FIGW1"
FIGARO_FILE_NAMES = (r"ind-ind_(\d{4})\.csv", r"_(\d{4})\.csv$")


def usd_per_eur(year: int) -> float:
    from calibration.readers.satellites import load_csv

    path = CLASSIFICATIONS / "eur_usd.csv"
    df = load_csv(path, comment="#")
    hit = df[df["year"] == year]
    if hit.empty:
        raise DataError(f"{path}: no USD/EUR rate for year {year} (years {df['year'].min()}–{df['year'].max()})")
    return float(hit["usd_per_eur"].iloc[0])


def read_figaro(path: str | Path, year: int) -> MRIO:
    """The FIGARO industry-by-industry table of ``year`` (module docstring) as an MRIO in million USD."""
    df, name = open_table(path, year, FIGARO_FILE_NAMES, "FIGARO")
    if df.columns[0] != "rowLabels":
        raise DataError(f"{name}: first header cell is {df.columns[0]!r}, expected 'rowLabels' (FIGARO matrix)")
    labels = [str(v) for v in df.iloc[:, 0]]
    cols = [str(c) for c in df.columns[1:]]
    industries = list(source_codes("figaro"))
    ipos, kpos = {c: n for n, c in enumerate(industries)}, {c: n for n, c in enumerate(FIGARO_FINAL_DEMAND)}
    ind_rows = [k for k, lab in enumerate(labels) if not lab.startswith(VALUE_ADDED_PREFIX)]
    va_rows = [k for k, lab in enumerate(labels) if lab.startswith(VALUE_ADDED_PREFIX)]
    keys = []
    for k in ind_rows:
        reg, _, ind = labels[k].partition("_")
        if ind not in ipos:
            raise DataError(f"{name}, row {k + 2}: label {labels[k]!r}: industry {ind!r} is not one of FIGARO's 64 "
                            "(calibration/classifications/figaro.csv)")
        keys.append((reg, ind))
    regions = list(dict.fromkeys(r for r, _ in keys))
    rpos = {r: n for n, r in enumerate(regions)}
    R, J, K = len(regions), len(industries), len(FIGARO_FINAL_DEMAND)
    vals = numbers(df, name) * usd_per_eur(year)
    Z, Y, VA = np.zeros((R, J, R, J)), np.zeros((R, J, R, K)), np.zeros((1, R, J))
    ri = np.array([rpos[r] for r, _ in keys])
    ii = np.array([ipos[i] for _, i in keys])
    block = vals[ind_rows]
    for c, lab in enumerate(cols):
        reg, _, item = lab.partition("_")
        if reg in rpos and item in ipos:
            np.add.at(Z[:, :, rpos[reg], ipos[item]], (ri, ii), block[:, c])
            VA[0, rpos[reg], ipos[item]] += vals[va_rows, c].sum()
        elif reg in rpos and item in kpos:
            np.add.at(Y[:, :, rpos[reg], kpos[item]], (ri, ii), block[:, c])
        else:
            raise DataError(f"{name}, column {c + 2}: label {lab!r} is not a FIGARO industry or final-use column "
                            "of a region in the rows")
    x = Z.sum(axis=(2, 3)) + Y.sum(axis=(2, 3))
    check_output(x, regions, industries, name, lambda r, i: f"{r}_{i}")
    return MRIO(regions, industries, FIGARO_FINAL_DEMAND, Z, Y, x, ("value_added",), VA, unit="M USD",
                metadata={"source": f"FIGARO industry-by-industry, {Path(name).name} (EUR → USD at "
                                    f"{usd_per_eur(year)})", "classification": "figaro"})
