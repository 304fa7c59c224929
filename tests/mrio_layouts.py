"""WIOD 2011 written in the published layouts of other sources (test fixtures; WIOD is CC-BY 4.0,
Timmer et al. 2015). ``python tests/mrio_layouts.py FORMAT OUT`` writes one.

Each WIOD sector's rows and columns are spread evenly over the source codes the concordance maps to
it (``calibration/classifications/``); codes that lump several WIOD sectors together hold their sum.
Regions take the source's codes (ISO3 for ICIO, ``ROU`` for WIOD's ``ROM``; two letters for
FIGARO), WIOD's rest of the world the source's (``ROW``, ``FIGW1``), less South Africa, which the ICIO
and FIGARO fixtures list on its own as the published tables do (:data:`OUT_OF_REST`). Value added is the column
residual; FIGARO values are in million EUR at the ECB rate, as Eurostat publishes them.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from calibration import concordance as cc  # noqa: E402
from calibration.readers.wiod2013 import read_wiod_wide  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
WIOD_FD = ("CONS_h", "CONS_np", "CONS_g", "GFCF", "INVEN")


def wiod(year: int = 2011):
    return read_wiod_wide(SHARED / "wiod2013" / f"wiot_{year}_wide.csv.gz")


def wiod_rows_balanced(year: int = 2011):
    """WIOD with each row's discrepancy ``x − Σ Z − Σ Y`` added to its own region's inventories:
    FIGARO has no output column (gross output is the row sum), so the FIGARO fixture is written
    from this table."""
    from calibration.mrio import row_gap

    m = wiod(year).copy()
    gap = row_gap(m)
    k = m.categories.index("INVEN")
    for r in range(len(m.regions)):
        m.Y[r, :, r, k] += gap[r]
    return m


def spread(name: str, wiod_sectors) -> tuple[list[str], np.ndarray]:
    """``D[w, i]``: the part of WIOD sector ``w`` written to source code ``i``."""
    df = cc.classification(name)
    codes = list(cc.source_codes(name))
    parent = {c: o.parent for c, o in cc.own_sectors(name).items()}     # a source's own sector: its WIOD parent
    D = np.zeros((len(wiod_sectors), len(codes)))
    for w, s in enumerate(wiod_sectors):
        targets = sorted({codes.index(c) for c, t in zip(df["code"], df["model_code"]) if parent.get(t, t) == s})
        D[w, targets] = 1.0 / len(targets)
    return codes, D


#: countries WIOD keeps in its rest of the world that the ICIO and FIGARO fixtures list on their own,
#: as the published tables do, with the share of WIOD's ``RoW`` each is written with (a fixture choice:
#: South Africa's GDP is about 3% of the rest of the world's in 2011)
OUT_OF_REST = {"ZAF": 0.03}


def with_countries_out_of_rest(m, countries=None):
    """``m`` with each country of ``countries`` (ISO3 → share) split out of ``RoW``: its rows and columns
    the share of ``RoW``'s (every cell involving ``RoW`` is divided, so every total is kept and summing
    the countries back into ``RoW`` gives ``m``)."""
    from calibration.mrio import MRIO

    countries = OUT_OF_REST if countries is None else countries
    k = m.regions.index("RoW")
    w = np.eye(len(m.regions))[:, [r for r in range(len(m.regions))] + [k] * len(countries)]
    w[k, len(m.regions):] = list(countries.values())
    w[k, k] = 1 - sum(countries.values())
    Z = np.einsum("risj,ra,sb->aibj", m.Z, w, w)
    Y = np.einsum("risc,ra,sb->aibc", m.Y, w, w)
    x = np.einsum("ri,ra->ai", m.x, w)
    VA = np.einsum("csj,sb->cbj", m.VA, w) if m.VA is not None else None
    return MRIO(list(m.regions) + list(countries), m.sectors, m.categories, Z, Y, x, m.va_components, VA,
                unit=m.unit, metadata=dict(m.metadata))


def _regions(m, fmt: str) -> list[str]:
    iso = dict(zip(cc.wiod_regions(SHARED)["code"], cc.wiod_regions(SHARED)["iso3"]))
    iso.update({c: c for c in OUT_OF_REST})
    if fmt == "figaro":
        to2 = {v: k for k, v in cc.source_iso3("figaro").items()}
        return [to2.get(iso.get(r) if isinstance(iso.get(r), str) else "ROW") for r in m.regions]
    return [iso[r] if isinstance(iso.get(r), str) else "ROW" for r in m.regions]


def _matrix(m, name: str, fmt: str, fd_codes, regions):
    codes, D = spread(name, m.sectors)
    R, J = len(m.regions), len(codes)
    Z = np.einsum("risj,ia,jb->rasb", m.Z, D, D).reshape(R * J, R * J)
    fd = {"oecd-icio": dict(zip(WIOD_FD, ("HFCE", "NPISH", "GGFC", "GFCF", "INVNT"))),
          "figaro": dict(zip(WIOD_FD, ("P3_S14", "P3_S15", "P3_S13", "P51G", "P5M")))}[fmt]
    Y = np.zeros((R, J, R, len(fd_codes)))
    Yw = np.einsum("risk,ia->rask", m.Y, D)
    for k, c in enumerate(m.categories):
        Y[..., fd_codes.index(fd[c])] += Yw[..., k]
    Y = Y.reshape(R * J, R * len(fd_codes))
    x = (m.x @ D).reshape(-1)
    rows = [f"{r}_{c}" for r in regions for c in codes]
    ycols = [f"{r}_{k}" for r in regions for k in fd_codes]
    return rows, ycols, Z, Y, x


def write_oecd_icio(out: Path, edition: int = 2023, year: int = 2011, m=None) -> Path:
    """The 2021 edition's ``ICIO2021_{year}.csv``, or the 2023/2025 editions' ``{year}_SML.csv``
    (of ``m``, default WIOD ``year``)."""
    m = with_countries_out_of_rest(wiod(year) if m is None else m)
    fd = ("HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR")
    regions = _regions(m, "oecd-icio")
    rows, ycols, Z, Y, x = _matrix(m, f"oecd-icio-{edition}", "oecd-icio", fd, regions)
    va = x - Z.sum(axis=0)
    body = np.hstack([Z, Y, x[:, None]])
    if edition == 2021:
        tax = [f"{r}_TAXSUB" for r in regions]
        extra_rows = tax + ["VALU", "OUTPUT"]
        extra = np.zeros((len(tax) + 2, body.shape[1]))
        extra[len(tax), : len(x)] = va
        extra[len(tax) + 1, : len(x)] = x
        total, first, fname = "TOTAL", "", f"ICIO2021_{year}.csv"
    else:
        extra_rows = ["TLS", "VA", "OUT"]
        extra = np.zeros((3, body.shape[1]))
        extra[1, : len(x)] = va
        extra[2, : len(x)] = x
        total, first, fname = "OUT", "V1", f"{year}_SML.csv"
    df = pd.DataFrame(np.vstack([body, extra]), columns=rows + ycols + [total])
    df.insert(0, first, rows + extra_rows)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / fname, index=False, float_format="%.17g")
    return out / fname


def write_figaro(out: Path, year: int = 2011, m=None) -> Path:
    """``matrix_eu-ic-io_ind-ind_{year}.csv`` in million EUR (of ``m``, whose rows must add up to
    gross output; default WIOD ``year`` with its row gaps in inventories)."""
    from calibration.readers.figaro import FIGARO_FINAL_DEMAND, usd_per_eur

    m = with_countries_out_of_rest(wiod_rows_balanced(year) if m is None else m)
    regions = _regions(m, "figaro")
    rows, ycols, Z, Y, x = _matrix(m, "figaro", "figaro", FIGARO_FINAL_DEMAND, regions)
    va = x - Z.sum(axis=0)
    w2 = ["W2_D21X31", "W2_OP_RES", "W2_OP_NRES", "W2_D1", "W2_D29X39", "W2_B2A3G"]
    extra = np.zeros((len(w2), Z.shape[1] + Y.shape[1]))
    extra[5, : len(x)] = va
    rate = usd_per_eur(year)
    df = pd.DataFrame(np.vstack([np.hstack([Z, Y]), extra]) / rate, columns=rows + ycols)
    df.insert(0, "rowLabels", rows + w2)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"matrix_eu-ic-io_ind-ind_{year}.csv"
    df.to_csv(path, index=False, float_format="%.17g")
    return path


def write_wiod_wide(m, out: Path, year: int = 2011) -> Path:
    """``m`` (WIOD's regions and sectors) in WIOD 2013's own wide layout, ``wiot_{year}_wide.csv.gz``."""
    R, J, K = len(m.regions), len(m.sectors), len(m.categories)
    cols = ([f"{r}.{s}" for r in m.regions for s in m.sectors] + [f"{r}.{k}" for r in m.regions for k in m.categories]
            + ["GO"])
    body = np.hstack([m.Z.reshape(R * J, R * J), m.Y.reshape(R * J, R * K), m.x.reshape(R * J, 1)])
    df = pd.DataFrame(body, columns=cols)
    df.insert(0, "row_sector", [s for _ in m.regions for s in m.sectors])
    df.insert(0, "row_region", [r for r in m.regions for _ in m.sectors])
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / f"wiot_{year}_wide.csv.gz", index=False, float_format="%.17g")
    return out / f"wiot_{year}_wide.csv.gz"


#: the WIOD regions the EXIOBASE fixture keeps apart (EXIOBASE codes); every other WIOD region is
#: written into EXIOBASE's five rest-of-world regions (evenly), which map back to WIOD's ``RoW``
EXIOBASE_KEPT = {"DEU": "DE", "USA": "US", "CHN": "CN"}
EXIOBASE_REST = ("WA", "WE", "WF", "WL", "WM")
EXIOBASE_FD = {"CONS_h": "Final consumption expenditure by households",
               "CONS_np": "Final consumption expenditure by non-profit organisations serving households (NPISH)",
               "CONS_g": "Final consumption expenditure by government", "GFCF": "Gross fixed capital formation",
               "INVEN": "Changes in inventories"}
EXIOBASE_FD_ALL = tuple(EXIOBASE_FD.values()) + ("Changes in valuables", "Exports: Total (fob)")


def wiod_on_exiobase_regions(year: int = 2011):
    """WIOD ``year`` at the resolution the EXIOBASE fixture carries: every region other than DEU,
    USA and CHN summed into ``RoW`` (rows and columns), their rows and columns left as zeros."""
    m = wiod(year).copy()
    rest = [k for k, r in enumerate(m.regions) if r not in EXIOBASE_KEPT]
    k = m.regions.index("RoW")
    P = np.eye(len(m.regions))
    for a in rest:
        P[a] = 0.0
        P[a, k] = 1.0
    return type(m)(m.regions, m.sectors, m.categories, np.einsum("risj,ra,sb->aibj", m.Z, P, P),
                   np.einsum("risc,ra,sb->aibc", m.Y, P, P), P.T @ m.x, unit=m.unit, metadata=m.metadata)


def wiod_co2(year: int = 2011):
    """JRC's CO2 (Mt) by WIOD region × (sectors, then final-demand categories): WIOD's satellite."""
    from calibration.build import BuildConfig, _source_co2

    w = wiod(year)
    return _source_co2(BuildConfig(), year, None, "satellite", w)


def write_exiobase3(out: Path, year: int = 2011) -> Path:
    """WIOD ``year`` with JRC's CO2 as an EXIOBASE 3 ixi release zip ``IOT_{year}_ixi.zip``
    (pymrio's text files in ``IOT_{year}_ixi/``, million EUR at the ECB rate, CO2 in kg in the
    ``satellite`` extension as ``CO2 - combustion - air``): EXIOBASE's 163 industries (each WIOD
    sector spread evenly over the industries the concordance maps to it) and the final-demand
    columns of a release. To keep the file small, only DE, US and CN are written as countries;
    the other 38 WIOD regions go (summed, then evenly) to the five rest-of-world regions
    WA, WE, WF, WL, WM, so the table reads back onto WIOD's regions as DEU, USA, CHN and RoW."""
    import pymrio

    from calibration.readers.figaro import usd_per_eur

    m = wiod(year)
    E = wiod_co2(year)
    codes, D = spread("exiobase3-ixi", m.sectors)
    regions = list(EXIOBASE_KEPT.values()) + list(EXIOBASE_REST)
    G = np.zeros((len(m.regions), len(regions)))
    for a, r in enumerate(m.regions):
        if r in EXIOBASE_KEPT:
            G[a, regions.index(EXIOBASE_KEPT[r])] = 1.0
        else:
            G[a, len(EXIOBASE_KEPT):] = 1.0 / len(EXIOBASE_REST)
    rate = usd_per_eur(year)
    Z = np.einsum("risj,ra,ib,sc,jd->abcd", m.Z, G, D, G, D, optimize=True) / rate
    Yw = np.einsum("risk,ra,ib,sc->abck", m.Y, G, D, G, optimize=True) / rate
    Y = np.zeros(Yw.shape[:3] + (len(EXIOBASE_FD_ALL),))
    for k, c in enumerate(m.categories):
        Y[..., EXIOBASE_FD_ALL.index(EXIOBASE_FD[c])] += Yw[..., k]
    x = np.einsum("ri,ra,ib->ab", m.x, G, D) / rate
    J = len(m.sectors)
    F = np.einsum("ri,ra,ib->ab", E[:, :J], G, D) * 1e9
    FY = np.zeros((len(regions), len(EXIOBASE_FD_ALL)))
    FY[:, 0] = (E[:, J + list(m.categories).index("CONS_h")] @ G) * 1e9
    R, n = len(regions), len(codes)
    rows = pd.MultiIndex.from_product([regions, codes], names=["region", "sector"])
    ycols = pd.MultiIndex.from_product([regions, EXIOBASE_FD_ALL], names=["region", "category"])
    io = pymrio.IOSystem(Z=pd.DataFrame(Z.reshape(R * n, R * n), index=rows, columns=rows),
                         Y=pd.DataFrame(Y.reshape(R * n, -1), index=rows, columns=ycols),
                         x=pd.DataFrame({"indout": x.reshape(-1)}, index=rows),
                         unit=pd.DataFrame({"unit": "M.EUR"}, index=rows), name=f"EXIOBASE-shaped WIOD {year}")
    st = pd.Index(["CO2 - combustion - air"], name="stressor")
    out.mkdir(parents=True, exist_ok=True)
    return save_exiobase_release(io, pd.DataFrame(F.reshape(1, -1), index=st, columns=rows),
                                 pd.DataFrame(FY.reshape(1, -1), index=st, columns=ycols), out, year)


def save_exiobase_release(io, F: pd.DataFrame, FY: pd.DataFrame, folder: Path, year: int) -> Path:
    """``io`` with the CO2 satellite ``F``/``F_Y`` (kg) saved as EXIOBASE's Zenodo zip
    ``folder/IOT_{year}_ixi.zip`` (the unzipped folder is removed)."""
    import shutil

    import pymrio

    io.satellite = pymrio.Extension("satellite", F=F, F_Y=FY, unit=pd.DataFrame({"unit": "kg"}, index=F.index))
    src = folder / f"IOT_{year}_ixi"
    io.save_all(src)
    z = folder / f"IOT_{year}_ixi.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(src.rglob("*")):
            zf.write(p, p.relative_to(folder))
    shutil.rmtree(src)
    return z


def write_package_csv(out: Path, year: int = 2011) -> Path:
    from calibration.mrio import write_csv

    return write_csv(wiod(year), out) / "mrio.yaml"


def write_pymrio(out: Path, year: int = 2011) -> Path:
    """WIOD as a pymrio ``IOSystem`` saved with ``save_all``."""
    from calibration.readers.pymrio_reader import to_pymrio

    to_pymrio(wiod(year), name=f"WIOD {year}").save_all(out)
    return out / "file_parameters.json"


def write_pymrio_test(out: Path, year: int = 2011) -> Path:
    """``pymrio.load_test()`` (6 fictional regions x 8 sectors, with emissions; an MRIO nobody here
    wrote) saved with ``save_all``, gross output ``x`` included."""
    import pymrio

    io = pymrio.load_test()
    io.calc_system()
    io.save_all(out)
    return out / "file_parameters.json"


WRITERS = {"oecd-icio-2021": lambda o: write_oecd_icio(o, 2021), "oecd-icio-2023": lambda o: write_oecd_icio(o, 2023),
           "oecd-icio-2025": lambda o: write_oecd_icio(o, 2025), "figaro": write_figaro, "csv": write_package_csv,
           "pymrio": write_pymrio, "pymrio-test": write_pymrio_test,
           "exiobase3": write_exiobase3}
#: the writer of each source example (examples/aggregations/<format>.yaml)
EXAMPLE_WRITERS = {"oecd-icio": "oecd-icio-2023", "figaro": "figaro", "csv": "csv", "pymrio": "pymrio-test",
                   "exiobase3": "exiobase3"}
#: the writer of an example whose folder is not its format's (examples/aggregations/oecd-icio-2025-steel.yaml)
EXAMPLE_FOLDERS = {"oecd-icio-2025": "oecd-icio-2025"}


def ensure_example_data(example: Path) -> Path | None:
    """Write the table a source example names (``examples/data/<format>``) when it is not there."""
    import yaml

    spec = yaml.safe_load(Path(example).read_text())
    source = spec.get("source")
    if not source or source["format"] not in EXAMPLE_WRITERS:
        return None
    out = (Path(example).parent / source["path"]).resolve()
    writer = EXAMPLE_FOLDERS.get(out.name, EXAMPLE_WRITERS[source["format"]])
    if not out.exists():
        WRITERS[writer](out)
    return out

if __name__ == "__main__":
    print(WRITERS[sys.argv[1]](Path(sys.argv[2])))
