"""The aggregation file: which regions and sectors a benchmark has, written by the user (YAML).

In the spirit of GTAPAgg and WiNDC's ``defines``: one file maps *source* codes (WIOD's 41
regions; WIOD's 35 sectors after the data-driven splits) to *target* codes, names region groups
and sector tags, chooses optional splits and overrides documented assumptions::

    name: wiod2011
    year: 2011
    description: WIOD 2011 in 8 regions x 12 sectors
    source: {format: wiod2013, path: ../../../shared/data/wiod2013, year: 2011}   # optional (this default)
    regions:                        # target: {name, members: [source regions]}, in output order
      EU27: {name: European Union, members: [AUT, BEL, ...]}
      ROW:  {name: Rest of world, members: [RoW]}
    region_groups:                  # any groups; scenarios name them (coalition: [annex1])
      annex1: [EU27, ...]
    sectors:                        # target: {name, members: [source sectors], tags: [...]}
      coa: {name: Coal mining, members: [coa], tags: [fossil, resource]}
    splits:                         # optional splits of further WIOD sectors (c2, c17 always split)
      c12: {}                       # shares from calibration/mappings/cbam_production.csv
      c11: {shares: {cem: 0.3, onm: 0.7}}   # or the same shares in every region
    assumptions:                    # optional overrides, keyed by source code or by tag:<tag>
      labour_share: {c12: 0.5, "tag:eite": 0.5}
      rent_share: {coa: 0.3}
      energy_parameters: {water_share_of_utilities: 0.10}
      fuel_price_benchmarks: {AUS: {coal: Asian marker price}}
      elasticities: {sigma_dm: {ist: 4.0, "tag:cbam": 3.0}}
    co2: {table: my_co2.csv}        # optional: where the CO2 comes from (see below)

``co2``: ``{source: satellite | table | gcb_by_fuel, table: FILE}``. The CO2 sources, in order:
the source's own satellite rows (WIOD: the JRC table), a ``table`` the user supplies (CSV
``region, <source industries...>, household`` in Mt, a path relative to this file; given, it is
used), GCB national CO2 by fuel allocated to fuel purchases (:mod:`calibration.emissions`).
Without ``source`` the build takes the table if given, else the satellite if the source has one,
else GCB; any route but the satellite is printed and recorded in the provenance.

``source`` names the table (``format``: one of :data:`calibration.readers.FORMATS`; ``path``: a file
or folder, relative to the aggregation file; ``year``); every format is put on WIOD 2013's regions
and sectors by the concordances of :mod:`calibration.concordance`, so the codes below are the same
whatever the source. Without ``source`` the table is WIOD 2013's in ``shared/data/wiod2013``.
Two more keys for the formats without a fixed classification: ``classification`` (``csv``,
``pymrio``) names the concordance ``calibration/classifications/<name>.csv`` the table's codes are in
(with ``<name>_regions.csv`` for region codes that are not ISO3), and ``co2: {extension, rows}``
(``pymrio``) the extension rows that hold the table's own CO2 (the satellite route).

The source's own sectors and countries (:mod:`calibration.concordance`) may be members too: a
sector its concordance keeps (e.g. ``steel`` and ``nfm`` of OECD ICIO 2025, ``fertilisers`` of
EXIOBASE 3) and a country of the table that WIOD keeps in ``RoW`` (its ISO3 code, e.g. ``ZAF``).
Named, they stay apart; not named, they go to their WIOD parent and to ``RoW``.

A target given no ``tags`` takes them from data keyed by source code: ``calibration/mappings/sector_tags.csv``
for WIOD's codes and split children, the concordance for a source's own sectors; ``fossil``, ``resource``
and ``crude`` when any member has them, ``electricity``, ``eite``, ``cbam`` and ``fertilisers`` when all do.

Every source code must be mapped exactly once (the source's own codes at most once); every code,
group member, tag and share is checked on load and an error names the file and the key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from calibration import cbam, sources
from calibration import concordance as cc
from cge.data.aggregation import COMMON_KEYS, Mapping, read_spec, validate_mapping
from cge.data.aggregation import err as _err
from cge.data.benchmark import SECTOR_TAGS

ASSUMPTIONS = ("labour_share", "rent_share", "energy_parameters", "fuel_price_benchmarks", "elasticities")
#: keys only a WIOD aggregation has (a GTAPinGAMS one refuses them, cge.data.gtap)
WIOD_KEYS = ("year", "source", "splits", "assumptions", "co2")
TOP_KEYS = COMMON_KEYS + WIOD_KEYS


@dataclass(frozen=True)
class Source:
    """The table a calibration reads: its format, file or folder, and year; for the formats without
    a fixed classification (``csv``, ``pymrio``) the concordance its codes are in
    (``calibration/classifications/<classification>.csv``, default ``wiod2013``), and for ``pymrio``
    the rows of one extension that hold CO2 (``co2: {extension, rows}``, in the extension's unit)."""

    format: str
    path: Path
    year: int
    classification: str | None = None
    co2: dict | None = None


def _source(path: Path, spec, shared, year: int) -> Source:
    from calibration.readers import FORMATS

    if spec is None:
        return Source("wiod2013", Path(shared) / "wiod2013", year)
    if not isinstance(spec, dict):
        raise _err(path, "source", "expected {format: <name>, path: <file or folder>, year: <int>}")
    unknown = set(spec) - {"format", "path", "year", "classification", "co2"}
    if unknown:
        raise _err(path, "source", f"unknown key(s) {sorted(unknown)}; known: format, path, year, "
                   "classification, co2")
    fmt = spec.get("format")
    if fmt not in FORMATS:
        raise _err(path, "source.format", f"{fmt!r} is not a known format ({', '.join(FORMATS)})")
    if not isinstance(spec.get("path"), str) or not spec["path"].strip():
        raise _err(path, "source.path", "give the file or folder of the table (relative to this file)")
    where = Path(spec["path"]).expanduser()
    where = where if where.is_absolute() else path.parent / where
    if not where.exists():
        raise _err(path, "source.path", f"{where} does not exist")
    y = spec.get("year", year)
    if isinstance(y, bool) or not isinstance(y, int):
        raise _err(path, "source.year", f"{y!r} is not a year")
    return Source(str(fmt), where, int(y), _classification(path, fmt, spec.get("classification")),
                  _source_co2(path, fmt, spec.get("co2")))


def _classification(path: Path, fmt: str, name) -> str | None:
    from calibration.concordance import CLASSIFICATIONS

    if name is None:
        return None
    if fmt not in ("csv", "pymrio"):
        raise _err(path, "source.classification", f"only for formats csv and pymrio ({fmt} has its own)")
    if not isinstance(name, str) or not (CLASSIFICATIONS / f"{name}.csv").exists():
        known = sorted(p.stem for p in CLASSIFICATIONS.glob("*.csv") if "_" not in p.stem)
        raise _err(path, "source.classification", f"{name!r} has no concordance in {CLASSIFICATIONS} "
                   f"(known: {', '.join(known)})")
    return name


def _source_co2(path: Path, fmt: str, spec) -> dict | None:
    if spec is None:
        return None
    if fmt != "pymrio":
        raise _err(path, "source.co2", f"only for format pymrio ({fmt} carries its CO2 rows, if any, by itself)")
    rows = spec.get("rows") if isinstance(spec, dict) else None
    if (not isinstance(spec, dict) or set(spec) - {"extension", "rows"} or not isinstance(spec.get("extension"), str)
            or not isinstance(rows, list) or not rows or not all(isinstance(r, str) for r in rows)):
        raise _err(path, "source.co2", "expected {extension: <name>, rows: [<stressor row>, ...]} (a row of a "
                   "multi-level index joined with ' | ')")
    return {"extension": spec["extension"], "rows": list(rows)}


@dataclass
class Aggregation(Mapping):
    """A validated WIOD aggregation (module docstring); the regions, sectors, groups and tags
    are validated by :func:`cge.data.aggregation.validate_mapping`. Maps go from source to target code."""

    year: int = 2011
    source: Source | None = None
    splits: dict[str, dict] = field(default_factory=dict)   # parent -> {"shares": {child: share}} or {}
    assumptions: dict = field(default_factory=dict)
    co2: dict = field(default_factory=dict)    # {"source": route or None, "table": Path or None}
    own_sectors: dict = field(default_factory=dict)     # kept source sectors: code -> concordance.OwnSector
    own_regions: tuple[str, ...] = ()                    # kept countries WIOD does not list (ISO3)

    @property
    def sector_parents(self) -> dict[str, str]:
        """Each kept sector of the source's own → the WIOD sector whose assumptions it inherits."""
        return {c: o.parent for c, o in self.own_sectors.items()}

    @property
    def rest_of_world(self) -> str:
        """The target region holding WIOD's modelled rest of the world (countries outside WIOD)."""
        return self.region_map[sources.WIOD_REST]

    def target_of_source(self, source_sector: str) -> str | None:
        return self.sector_map.get(source_sector)


def _splits(path, spec) -> dict[str, dict]:
    if spec is None:
        return {}
    if isinstance(spec, list):
        spec = {str(p): {} for p in spec}
    if not isinstance(spec, dict):
        raise _err(path, "splits", "expected a mapping of WIOD parent sector to {} or {shares: {...}}")
    out = {}
    for parent, body in spec.items():
        parent = str(parent)
        if parent not in sources.OPTIONAL_SPLITS:
            raise _err(path, f"splits.{parent}", f"no split is defined for {parent!r}; optional splits: "
                       f"{', '.join(sources.OPTIONAL_SPLITS)} (c2 and c17 are always split)")
        body = body or {}
        if not isinstance(body, dict) or set(body) - {"shares", "note"}:
            raise _err(path, f"splits.{parent}", "expected {} or {shares: {child: share, ...}}")
        children = sources.OPTIONAL_SPLITS[parent]
        if "shares" in body:
            sh = body["shares"]
            if not isinstance(sh, dict) or set(map(str, sh)) != set(children):
                raise _err(path, f"splits.{parent}.shares", f"give a share for each of {', '.join(children)}")
            vals = {}
            for c, v in sh.items():
                try:
                    v = float(v)
                except (TypeError, ValueError):
                    raise _err(path, f"splits.{parent}.shares.{c}", f"{v!r} is not a number") from None
                if not 0 <= v <= 1:
                    raise _err(path, f"splits.{parent}.shares.{c}", f"{v} is not in [0, 1]")
                vals[str(c)] = v
            total = sum(vals.values())
            if abs(total - 1) > 1e-9:
                raise _err(path, f"splits.{parent}.shares", f"shares sum to {total:.12g}, not 1")
            out[parent] = {"shares": {c: vals[c] for c in children}}
        else:
            out[parent] = {}
    return out


def _co2(path, spec) -> dict:
    from calibration.emissions import CO2_ROUTES

    if spec is None:
        return {"source": None, "table": None}
    if not isinstance(spec, dict) or set(spec) - {"source", "table", "note"}:
        raise _err(path, "co2", f"expected {{source: {' | '.join(CO2_ROUTES)}, table: FILE}}")
    source = spec.get("source")
    if source is not None and source not in CO2_ROUTES:
        raise _err(path, "co2.source", f"{source!r} is not one of {', '.join(CO2_ROUTES)}")
    table = spec.get("table")
    if table is not None:
        table = Path(path).parent / str(table)
        if not table.is_file():
            raise _err(path, "co2.table", f"{table} does not exist")
    if source == "table" and table is None:
        raise _err(path, "co2.table", "source 'table' needs a table: FILE")
    return {"source": source, "table": table}


def _number(path, key, v, lo=0.0, hi=None) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise _err(path, key, f"{v!r} is not a number") from None
    if not math.isfinite(x):
        raise _err(path, key, f"{x} is not a finite number")
    if not x >= lo or (hi is not None and x > hi):
        raise _err(path, key, f"{x} must be in [{lo}, {hi if hi is not None else 'inf'}]")
    return x


def _assumptions(path, spec, source_sectors, source_regions, tags_used) -> dict:
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise _err(path, "assumptions", "expected a mapping")
    unknown = set(spec) - set(ASSUMPTIONS)
    if unknown:
        raise _err(path, "assumptions", f"unknown key(s) {sorted(unknown)}; known: {', '.join(ASSUMPTIONS)}")
    out: dict = {}

    def sector_key(key, s):
        s = str(s)
        if s.startswith("tag:"):
            if s[4:] not in tags_used:
                raise _err(path, key, f"{s!r}: no target sector carries tag {s[4:]!r}")
        elif s not in source_sectors:
            raise _err(path, key, f"unknown source sector {s!r}")
        return s

    for name in ("labour_share", "rent_share"):
        if name in spec:
            d = spec[name]
            if not isinstance(d, dict):
                raise _err(path, f"assumptions.{name}", "expected {source sector or tag:<tag>: share}")
            out[name] = {sector_key(f"assumptions.{name}", s): _number(path, f"assumptions.{name}.{s}", v, 0, 1)
                         for s, v in d.items()}
    if "energy_parameters" in spec:
        d = spec["energy_parameters"]
        if not isinstance(d, dict):
            raise _err(path, "assumptions.energy_parameters", "expected {key: value}")
        out["energy_parameters"] = {str(k): _number(path, f"assumptions.energy_parameters.{k}", v)
                                    for k, v in d.items()}
    if "fuel_price_benchmarks" in spec:
        d = spec["fuel_price_benchmarks"]
        if not isinstance(d, dict):
            raise _err(path, "assumptions.fuel_price_benchmarks", "expected {source region: {fuel: benchmark}}")
        fp = {}
        for r, fuels in d.items():
            key = f"assumptions.fuel_price_benchmarks.{r}"
            if str(r) not in source_regions:
                raise _err(path, key, f"unknown source region {r!r}")
            if not isinstance(fuels, dict) or set(fuels) - {"coal", "oil", "gas"}:
                raise _err(path, key, "expected {coal|oil|gas: benchmark name}")
            fp[str(r)] = {str(f): str(b) for f, b in fuels.items()}
        out["fuel_price_benchmarks"] = fp
    if "elasticities" in spec:
        from cge.data.elasticities import PARAMETERS

        d = spec["elasticities"]
        if not isinstance(d, dict):
            raise _err(path, "assumptions.elasticities", "expected {parameter: {source sector or tag:<tag>: value}}")
        el = {}
        for p, vals in d.items():
            if p not in PARAMETERS:
                raise _err(path, "assumptions.elasticities", f"unknown parameter {p!r}; known: {', '.join(PARAMETERS)}")
            vals = vals if isinstance(vals, dict) else {"*": vals}
            el[p] = {(s if s == "*" else sector_key(f"assumptions.elasticities.{p}", s)):
                     _number(path, f"assumptions.elasticities.{p}.{s}", v) for s, v in vals.items()}
        out["elasticities"] = el
    return out


def load_aggregation(path: str | Path, shared: str | Path) -> Aggregation:
    """Read and validate an aggregation file against the source codes in ``shared/wiod2013``."""
    path = Path(path)
    spec = read_spec(path, TOP_KEYS)
    year = int(_number(path, "year", spec.get("year", 2011), 1995, 2100))
    source = _source(path, spec.get("source"), shared, year)
    if "year" in spec and source.year != year:
        raise _err(path, "source.year", f"{source.year} differs from year: {year}; give the year once")
    year = source.year
    splits = _splits(path, spec.get("splits"))
    source_regions = sources.source_regions(shared)
    source_sectors = sources.source_sectors(shared, splits)
    keepable = cc.keepable_sectors(source.format, source.classification)
    countries = cc.own_countries(source.format, shared)
    named = _named_members(spec.get("sectors"))
    _check_kept_not_split(path, named, keepable, splits)
    emptied = cbam.emptied_parents({c: o for c, o in keepable.items() if c in named})
    tag_data = {**sector_tags(), **{c: o.tags for c, o in keepable.items()}}
    tag_data.update({p: tuple(t for t in tag_data.get(p, ()) if t != "cbam") for p in emptied})
    spec = dict(spec, sectors=_tags_from_data(spec.get("sectors"), tag_data))
    m = validate_mapping(path, spec, source_regions, source_sectors, optional_regions=countries,
                         optional_sectors=tuple(keepable))
    members = {c for t in m.sectors for c in t.members}
    own = {c: o for c, o in keepable.items() if c in members}
    sectors = m.sectors
    tags_used = {t for s in sectors for t in s.tags}
    regions_named = {c for t in m.regions for c in t.members}
    kept_countries = tuple(c for c in countries if c in regions_named)
    assumptions = _assumptions(path, spec.get("assumptions"), source_sectors + tuple(own),
                               source_regions + kept_countries, tags_used)
    return Aggregation(path=m.path, name=m.name, description=m.description, regions=m.regions, sectors=sectors,
                       region_groups=m.region_groups, year=year, source=source, splits=splits, assumptions=assumptions,
                       co2=_co2(path, spec.get("co2")), own_sectors=own,
                       own_regions=kept_countries)


def _named_members(sectors) -> set[str]:
    """The members the file's sectors name, in either form validate_mapping accepts (``{members: [...]}``
    or the list itself). Read before the mapping is validated: against the codes of a split parent, a
    kept sector's parent is no source code, and that error would hide the one that explains it."""
    bodies = sectors.values() if isinstance(sectors, dict) else ()
    lists = [b.get("members") if isinstance(b, dict) else b for b in bodies]
    return {str(c) for ms in lists if isinstance(ms, list) for c in ms}


def _check_kept_not_split(path, named: set, keepable: dict, splits: dict) -> None:
    """A source's own sector named as a member keeps its goods out of its parent: the parent is not
    split again (its CBAM goods would be counted twice)."""
    for c, o in keepable.items():
        if c in named and o.parent in splits:
            raise _err(path, f"splits.{o.parent}", f"the source's own sector {c!r} of {o.parent} is kept, so "
                       f"{o.parent} is not split again (drop splits.{o.parent} or {c!r})")


#: tags a target takes when any of its members has them; the others when all members have them
ANY_MEMBER_TAGS = ("fossil", "resource", "crude")


def sector_tags(path: Path = sources.MAPPINGS / "sector_tags.csv") -> dict[str, tuple[str, ...]]:
    """``{source sector: tags}`` of ``calibration/mappings/sector_tags.csv``, validated: each row a
    source sector the pipeline knows (WIOD's or a split child), once, with known tags."""
    from calibration.readers.satellites import load_csv, require_columns
    from cge.errors import DataError

    df = load_csv(path, dtype=str)
    require_columns(df, ["sector", "tags"], path)
    known = set(cc.model_sectors()) | {c for cs in sources.split_catalogue().values() for c in cs}
    out = {}
    for k, (s, cell) in enumerate(zip(df["sector"].astype(str), df["tags"].fillna(""))):
        row = f"{path}, row {k + 2} ({s})"
        if s not in known:
            raise DataError(f"{row}: {s!r} is not a source sector of the pipeline (c1..c35 or a split child)")
        if s in out:
            raise DataError(f"{row}: {s!r} is listed twice; give its tags once")
        tags = cc.tag_list(cell)
        bad = [t for t in tags if t not in SECTOR_TAGS]
        if bad:
            raise DataError(f"{row}: unknown tag {bad[0]!r}; known: {', '.join(SECTOR_TAGS)}")
        out[s] = tags
    return out


def _tags_from_data(sectors, tag_data: dict[str, tuple[str, ...]]):
    """The file's sectors, each given no ``tags`` taking them from its members' data tags
    (:data:`ANY_MEMBER_TAGS` from any member, the others from all); everything else as written."""
    if not isinstance(sectors, dict):
        return sectors
    out = {}
    for code, body in sectors.items():
        members = body.get("members") if isinstance(body, dict) else body if isinstance(body, list) else None
        if not isinstance(members, list) or not members or (isinstance(body, dict) and "tags" in body):
            out[code] = body
            continue
        tags = [tag_data.get(str(c), ()) for c in members]
        chosen = [t for t in SECTOR_TAGS if (any if t in ANY_MEMBER_TAGS else all)(t in ts for ts in tags)]
        out[code] = dict(body if isinstance(body, dict) else {"members": members}, tags=chosen)
    return out
