"""Reader for EXIOBASE 3 as distributed on Zenodo: ``IOT_{year}_ixi.zip`` (163 industries) or
``IOT_{year}_pxp.zip`` (200 products), 49 regions, million EUR (converted to million USD at the
year's ECB rate, ``classifications/eur_usd.csv``, as for FIGARO), parsed by pymrio (GPL; the
``calibration`` extra). ``path`` is the zip, the extracted folder, or a folder holding the zips.

The source's CO2 accounts become :attr:`calibration.mrio.MRIO.co2` (Mt): the ``satellite``
extension's rows ``CO2 - ... - air`` (combustion and non-combustion, kg) by industry (``F``) and
the households' direct emissions (``F_Y``, final consumption expenditure by households).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.mrio import MRIO
from cge.errors import DataError

KG_PER_MT = 1e9
HOUSEHOLDS = "Final consumption expenditure by households"
CO2_ROW = re.compile(r"^CO2 - .* - air$")


def _locate(path: Path, year: int) -> Path:
    if path.is_dir() and not (path / "file_parameters.json").exists():
        found = sorted(path.glob("IOT_*_[ip]x[ip]*"))
        hit = [p for p in found if p.name.startswith(f"IOT_{year}_")]
        if not hit:
            years = sorted({p.name[4:8] for p in found})
            raise DataError(f"{path}: has no EXIOBASE table for year {year} (years found: {years or 'none'})")
        return hit[0]
    return path


def co2_of(io) -> pd.DataFrame | None:
    """CO2 (Mt) by user (the sectors, then ``household``) × region from the ``satellite``
    extension, or None when the system has no CO2 rows."""
    sat = getattr(io, "satellite", None)
    if sat is None or sat.F is None:
        return None
    names = [" - ".join(map(str, k)) if isinstance(k, tuple) else str(k) for k in sat.F.index]
    rows = [k for k, n in zip(sat.F.index, names) if CO2_ROW.match(n)]
    if not rows:
        return None
    regions, sectors = list(io.get_regions()), list(io.get_sectors())
    F = sat.F.loc[rows].sum(axis=0)
    ind = np.array([[F.get((r, s), 0.0) for r in regions] for s in sectors]) / KG_PER_MT
    hh = np.zeros(len(regions))
    if sat.F_Y is not None:
        FY = sat.F_Y.loc[rows].sum(axis=0)
        hh = np.array([FY.get((r, HOUSEHOLDS), 0.0) for r in regions]) / KG_PER_MT
    return pd.DataFrame(np.vstack([ind, hh]), index=sectors + ["household"], columns=regions)


def read_exiobase3(path: str | Path, year: int) -> MRIO:
    """The EXIOBASE 3 system of ``year`` (module docstring) as an MRIO in its own codes, with its CO2."""
    try:
        import pymrio
    except ImportError:
        raise DataError("source format 'exiobase3' needs pymrio: pip install 'cge-bca[calibration]'") from None
    from calibration.readers.pymrio_reader import from_pymrio

    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: EXIOBASE file or folder does not exist")
    path = _locate(path, year)
    mt = re.search(r"IOT_(\d{4})_(ixi|pxp)", path.name)
    if mt and int(mt.group(1)) != year:
        raise DataError(f"{path}: is the table of {mt.group(1)}, not of year {year}")
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                bad = zf.testzip()
        except (zipfile.BadZipFile, EOFError) as exc:
            raise DataError(f"{path}: is not a readable zip archive (truncated or damaged: {exc})") from None
        if bad is not None:
            raise DataError(f"{path}: member {bad} is damaged (CRC mismatch)")
    try:
        io = pymrio.parse_exiobase3(path)
    except Exception as exc:
        raise DataError(f"{path}: pymrio cannot parse it as EXIOBASE 3 ({exc})") from None
    m = from_pymrio(io, value_added=None)
    if m.unit.replace(" ", "").upper() in ("M.EUR", "MEUR", "MILLIONEUR"):    # EXIOBASE's unit; the pipeline's is M USD
        from calibration.readers.figaro import usd_per_eur

        rate = usd_per_eur(year)
        m = MRIO(m.regions, m.sectors, m.categories, m.Z * rate, m.Y * rate, m.x * rate, unit="M USD",
                 metadata=m.metadata)
    system = mt.group(2) if mt else "ixi"
    m.co2 = co2_of(io)
    m.metadata.update(source=f"EXIOBASE 3 {system}, {path.name}", classification=f"exiobase3-{system}")
    return m
