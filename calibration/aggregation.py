"""The aggregation file: which regions and sectors a benchmark has, written by the user (YAML).

In the spirit of GTAPAgg and WiNDC's ``defines``: one file maps *source* codes (WIOD's 41
regions; WIOD's 35 sectors after the data-driven splits) to *target* codes, names region groups
and sector tags, chooses optional splits and overrides documented assumptions::

    name: wiod2011
    year: 2011
    description: WIOD 2011 in 8 regions x 12 sectors
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

Every source code must be mapped exactly once; every code, group member, tag and share is
checked on load and an error names the file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from calibration import sources
from cge.errors import DataError
from cge.files import load_yaml

#: tags a target sector may carry (the benchmark's sector tags)
SECTOR_TAGS = ("fossil", "electricity", "resource", "eite", "crude", "cbam")
ASSUMPTIONS = ("labour_share", "rent_share", "energy_parameters", "fuel_price_benchmarks", "elasticities")
TOP_KEYS = ("name", "description", "year", "regions", "region_groups", "sectors", "splits", "assumptions")


@dataclass(frozen=True)
class Target:
    code: str
    name: str
    members: tuple[str, ...]
    tags: tuple[str, ...] = ()


@dataclass
class Aggregation:
    """A validated aggregation (module docstring). Maps go from source to target code."""

    path: Path
    name: str
    year: int
    description: str
    regions: tuple[Target, ...]
    sectors: tuple[Target, ...]
    region_groups: dict[str, tuple[str, ...]]
    splits: dict[str, dict]                 # parent -> {"shares": {child: share}} or {}
    assumptions: dict = field(default_factory=dict)

    @property
    def region_map(self) -> dict[str, str]:
        return {m: t.code for t in self.regions for m in t.members}

    @property
    def sector_map(self) -> dict[str, str]:
        return {m: t.code for t in self.sectors for m in t.members}

    @property
    def region_codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.regions)

    @property
    def sector_codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.sectors)

    @property
    def rest_of_world(self) -> str:
        """The target region holding WIOD's modelled rest of the world (countries outside WIOD)."""
        return self.region_map[sources.WIOD_REST]

    def tagged(self, tag: str) -> tuple[str, ...]:
        return tuple(t.code for t in self.sectors if tag in t.tags)

    def target_of_source(self, source_sector: str) -> str | None:
        return self.sector_map.get(source_sector)


def _err(path, key, msg) -> DataError:
    return DataError(f"{path}: {key}: {msg}")


def _code(path, key, value) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
        raise _err(path, key, f"{value!r} is not a code")
    return str(value).strip()


def _targets(path, key, spec, source_codes, what: str, tags_allowed: bool) -> tuple[Target, ...]:
    if not isinstance(spec, dict) or not spec:
        raise _err(path, key, f"give a mapping of target {what} codes to {{members: [...]}}")
    out, seen = [], {}
    for code, body in spec.items():
        code = _code(path, key, code)
        where = f"{key}.{code}"
        if isinstance(body, list):
            body = {"members": body}
        if not isinstance(body, dict):
            raise _err(path, where, "expected {name: ..., members: [...]}")
        allowed = {"name", "members", "tags", "note"} if tags_allowed else {"name", "members", "note"}
        unknown = set(body) - allowed
        if unknown:
            raise _err(path, where, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
        members = body.get("members")
        if not isinstance(members, list) or not members:
            raise _err(path, f"{where}.members", f"list the source {what} codes of {code}")
        mem = []
        for m in members:
            m = _code(path, f"{where}.members", m)
            if m not in source_codes:
                raise _err(path, f"{where}.members", f"unknown source {what} code {m!r}"
                           f" (source codes: {', '.join(source_codes)})")
            if m in seen:
                raise _err(path, f"{where}.members", f"source {what} {m!r} is mapped twice "
                           f"(to {seen[m]!r} and to {code!r})")
            seen[m] = code
            mem.append(m)
        tags: list[str] = []
        if tags_allowed:
            raw = body.get("tags") or []
            if not isinstance(raw, list):
                raise _err(path, f"{where}.tags", "expected a list of tags")
            for t in raw:
                if t not in SECTOR_TAGS:
                    raise _err(path, f"{where}.tags", f"unknown tag {t!r}; known: {', '.join(SECTOR_TAGS)}")
                tags.append(str(t))
        out.append(Target(code, str(body.get("name", code)), tuple(mem), tuple(tags)))
    unmapped = [c for c in source_codes if c not in seen]
    if unmapped:
        raise _err(path, key, f"source {what} {unmapped[0]!r} is unmapped"
                   + (f" (and {len(unmapped) - 1} more: {unmapped[1:6]})" if len(unmapped) > 1 else ""))
    return tuple(out)


def _groups(path, spec, region_codes) -> dict[str, tuple[str, ...]]:
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise _err(path, "region_groups", "expected a mapping of group name to a list of target regions")
    out = {}
    for g, members in spec.items():
        g = _code(path, "region_groups", g)
        if g in region_codes:
            raise _err(path, f"region_groups.{g}", "a group cannot have the name of a region")
        if not isinstance(members, list) or not members:
            raise _err(path, f"region_groups.{g}", "list the target regions of the group")
        for m in members:
            if str(m) not in region_codes:
                raise _err(path, f"region_groups.{g}", f"unknown region {m!r}; regions: {', '.join(region_codes)}")
        if len(set(map(str, members))) != len(members):
            raise _err(path, f"region_groups.{g}", "lists a region twice")
        listed = {str(m) for m in members}
        out[g] = tuple(r for r in region_codes if r in listed)   # in region order
    return out


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


def _number(path, key, v, lo=0.0, hi=None) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise _err(path, key, f"{v!r} is not a number") from None
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
        from cge.elasticities import PARAMETERS

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
    spec = load_yaml(path)
    if not isinstance(spec, dict):
        raise DataError(f"{path}: expected a mapping with keys {', '.join(TOP_KEYS)}")
    unknown = set(spec) - set(TOP_KEYS)
    if unknown:
        raise DataError(f"{path}: unknown key(s) {sorted(unknown)}; known: {', '.join(TOP_KEYS)}")
    for k in ("name", "regions", "sectors"):
        if k not in spec:
            raise DataError(f"{path}: {k}: required key is missing")
    name = _code(path, "name", spec["name"])
    year = int(_number(path, "year", spec.get("year", 2011), 1995, 2100))
    source_regions = sources.source_regions(shared)
    regions = _targets(path, "regions", spec["regions"], source_regions, "region", tags_allowed=False)
    splits = _splits(path, spec.get("splits"))
    source_sectors = sources.source_sectors(shared, splits)
    sectors = _targets(path, "sectors", spec["sectors"], source_sectors, "sector", tags_allowed=True)
    region_codes = tuple(t.code for t in regions)
    dup = [c for c in region_codes if region_codes.count(c) > 1]
    if dup:
        raise _err(path, "regions", f"target region {dup[0]!r} given twice")
    groups = _groups(path, spec.get("region_groups"), region_codes)
    tags_used = {t for s in sectors for t in s.tags}
    for tag in ("fossil",):
        if tag not in tags_used:
            raise _err(path, "sectors", f"no sector is tagged {tag!r} (the model needs fossil fuels)")
    assumptions = _assumptions(path, spec.get("assumptions"), source_sectors, source_regions, tags_used)
    return Aggregation(path=path, name=name, year=year, description=str(spec.get("description", "")),
                       regions=regions, sectors=sectors, region_groups=groups, splits=splits,
                       assumptions=assumptions)
