"""Readers from source formats into :class:`calibration.mrio.MRIO`, and the one entry point of the
calibration: :func:`read_source` reads the table an aggregation file's ``source:`` names and puts it
on the pipeline's classification (:mod:`calibration.concordance`). Nothing after it knows the format.

======================  ================================================================
format                  path
======================  ================================================================
``wiod2013``            the folder of ``wiot_{year}_wide.csv.gz`` (default ``shared/data/wiod2013``)
``oecd-icio``           an ICIO CSV, a zip of them or a folder (:mod:`.oecd_icio`)
``figaro``              a FIGARO industry-by-industry CSV, zip or folder (:mod:`.figaro`)
``csv``                 a folder in the package's own layout (:mod:`calibration.mrio`)
``exiobase3``           the Zenodo zip ``IOT_{year}_ixi.zip``/``_pxp.zip``, its folder, or a folder of
                        zips (:mod:`.exiobase3`; extra ``calibration``); carries its own CO2
``pymrio``              a folder written by ``IOSystem.save_all`` (or an ``IOSystem`` from Python;
                        extra ``calibration``, pymrio is GPL)
======================  ================================================================

A table whose regions are WIOD's and whose sectors are ``c1``..``c35`` (``csv``, ``pymrio``) is
taken as it is; another classification is named by the aggregation file's ``source.classification``
(``csv``, ``pymrio``; e.g. ``pymrio-test`` for ``pymrio.load_test()``) or set by the reader
(``metadata.classification``). ``source.co2`` names the CO2 rows of a pymrio extension.
"""

from __future__ import annotations

from pathlib import Path

FORMATS = ("wiod2013", "oecd-icio", "figaro", "exiobase3", "csv", "pymrio")


def read_native(fmt: str, path, year: int, classification: str | None = None, co2: dict | None = None):
    """The source table in its own classification (``classification`` names it for ``csv`` and
    ``pymrio``, default ``wiod2013``; ``co2`` the CO2 rows of a pymrio extension)."""
    from cge.errors import DataError

    if fmt == "pymrio":
        m = _read_pymrio(path, co2)
        m.metadata["classification"] = classification or m.metadata.get("classification", "wiod2013")
        return m
    if fmt == "exiobase3":
        from calibration.readers.exiobase3 import read_exiobase3

        return read_exiobase3(path, year)
    path = Path(path)
    if fmt == "wiod2013":
        from calibration.readers.wiod2013 import read_wiod_wide

        f = path / f"wiot_{year}_wide.csv.gz" if path.is_dir() else path
        m = read_wiod_wide(f)
        m.metadata["classification"] = "wiod2013"
        return m
    if fmt == "oecd-icio":
        from calibration.readers.oecd_icio import read_oecd_icio

        return read_oecd_icio(path, year)
    if fmt == "figaro":
        from calibration.readers.figaro import read_figaro

        return read_figaro(path, year)
    if fmt == "csv":
        from calibration.mrio import read_csv

        m = read_csv(path)
        if classification:
            m.metadata["classification"] = classification
        m.metadata.setdefault("classification", "wiod2013")
        return m
    raise DataError(f"source format {fmt!r} is not known (formats: {', '.join(FORMATS)})")


def _read_pymrio(source, co2: dict | None = None):
    """A pymrio ``IOSystem``, or the folder ``IOSystem.save_all`` wrote (Z, Y, x and unit files);
    ``co2`` (``{extension, rows}``) names the rows of an extension summed into its CO2 accounts."""
    from cge.errors import DataError

    try:
        import pymrio
    except ImportError:
        raise DataError("source format 'pymrio' needs pymrio: pip install 'cge-bca[calibration]'") from None
    from calibration.readers.pymrio_reader import from_pymrio

    io = source
    if not hasattr(source, "get_regions"):
        path = Path(source)
        if not (path / "file_parameters.json").exists():
            raise DataError(f"{path}: is not a folder written by pymrio's IOSystem.save_all "
                            "(file_parameters.json is missing)")
        try:
            io = pymrio.load_all(path)
        except Exception as exc:
            raise DataError(f"{path}: pymrio cannot load it ({exc})") from None
    from calibration.readers.pymrio_reader import co2_accounts

    m = from_pymrio(io, value_added=None)
    if co2:
        m.co2 = co2_accounts(io, co2["extension"], co2["rows"])
    return m


def read_source(fmt: str, path, year: int, shared, classification: str | None = None, co2: dict | None = None,
                keep_sectors=(), keep_regions=()):
    """The source table on the pipeline's classification: WIOD 2013's sectors, regions (by ISO3)
    and final-demand categories, plus the source's own sectors and countries an aggregation file
    names (``keep_sectors``, ``keep_regions``: :mod:`calibration.concordance`)."""
    from calibration import concordance as cc
    from calibration.mrio import MRIO
    from cge.errors import DataError

    m = read_native(fmt, path, year, classification, co2)
    name = m.metadata.get("classification", "wiod2013")
    wiod = cc.wiod_regions(shared)
    if set(m.regions) <= set(wiod["code"]) and name == cc.MODEL_CLASSIFICATION and not (keep_sectors or keep_regions):
        return m
    regions = m.regions
    table = fmt if fmt in cc.REGION_TABLES else name if cc.region_table(name).exists() else None
    if table is not None:
        iso = cc.source_iso3(table)
        unknown = [r for r in regions if r not in iso]
        if unknown:
            what = cc.REGION_TABLES.get(table, name)
            raise DataError(f"{path}: {what} region {unknown[0]!r} is not in {cc.region_table(table)}")
        regions = [iso[r] for r in regions]
    absent = [c for c in keep_regions if c not in regions]
    if absent:
        raise DataError(f"{path}: the aggregation names region {absent[0]!r}, which this {fmt} table does not have")
    iso_map = cc.region_map_by_iso3(regions, shared, keep_regions)
    rmap = {r: iso_map[r2] for r, r2 in zip(m.regions, regions)}
    if fmt != "csv":     # final-demand rows of the classification (e.g. pymrio-test), else of the format
        own = name != cc.MODEL_CLASSIFICATION and cc.has_final_demand(name)
        m = cc.categories_to_model(m, name if own else fmt)
    out = cc.to_model(m, name, rmap, shared, keep_sectors, keep_regions)
    return MRIO(out.regions, out.sectors, out.categories, out.Z, out.Y, out.x, unit=out.unit,
                metadata=out.metadata, co2=out.co2)
