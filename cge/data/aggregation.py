"""The source-independent part of an aggregation file: target regions and sectors with their
members, region groups and sector tags, validated against the codes of whatever source the
file aggregates (WIOD in :mod:`calibration.aggregation`, a GTAPinGAMS GDX file in
:mod:`cge.data.gtap`)::

    name: g20_3x4
    description: GTAP in 3 regions x 4 sectors
    regions:                        # target: {name, members: [source regions]}, in output order
      EU: {name: European Union, members: [deu, fra, ...]}
    region_groups:                  # any groups of target regions
      annex1: [EU, ...]
    sectors:                        # target: {name, members: [source sectors], tags: [...]}
      coa: {name: Coal, members: [coa], tags: [fossil, resource]}

Every source code must be mapped exactly once; every code, group member and tag is checked on
load and an error names the file and the key. Source-specific keys (WIOD's ``year``, ``splits``,
``assumptions``) are validated by the source's own loader.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cge.data.benchmark import SECTOR_TAGS  # the tags a target sector may carry: the benchmark's sector tags
from cge.errors import DataError
from cge.io.files import load_yaml

#: keys every aggregation file may have, whatever its source
COMMON_KEYS = ("name", "description", "regions", "region_groups", "sectors")


@dataclass(frozen=True)
class Target:
    code: str
    name: str
    members: tuple[str, ...]
    tags: tuple[str, ...] = ()


@dataclass
class Mapping:
    """A validated aggregation of source codes to target regions and sectors."""

    path: Path
    name: str
    description: str
    regions: tuple[Target, ...]
    sectors: tuple[Target, ...]
    region_groups: dict[str, tuple[str, ...]]

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

    def tagged(self, tag: str) -> tuple[str, ...]:
        return tuple(t.code for t in self.sectors if tag in t.tags)


def err(path, key, msg) -> DataError:
    return DataError(f"{path}: {key}: {msg}")


def code(path, key, value) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
        raise err(path, key, f"{value!r} is not a code")
    return str(value).strip()


def read_spec(path: str | Path, keys: tuple[str, ...] = COMMON_KEYS, refused: dict[str, str] | None = None) -> dict:
    """The YAML mapping of ``path`` with only ``keys`` (``refused``: key -> why it is not allowed here)."""
    path = Path(path)
    spec = load_yaml(path)
    if not isinstance(spec, dict):
        raise DataError(f"{path}: expected a mapping with keys {', '.join(keys)}")
    for k in spec:
        if refused and k in refused:
            raise err(path, k, refused[k])
    unknown = set(spec) - set(keys)
    if unknown:
        raise DataError(f"{path}: unknown key(s) {sorted(unknown)}; known: {', '.join(keys)}")
    for k in ("name", "regions", "sectors"):
        if k not in spec:
            raise DataError(f"{path}: {k}: required key is missing")
    return spec


def _targets(path, key, spec, source_codes, what: str, tags_allowed: bool, listing: str,
             optional=()) -> tuple[Target, ...]:
    """Targets of ``spec``; every source code mapped once, an ``optional`` code at most once."""
    if not isinstance(spec, dict) or not spec:
        raise err(path, key, f"give a mapping of target {what} codes to {{members: [...]}}")
    out, seen = [], {}
    for target, body in spec.items():
        target = code(path, key, target)
        where = f"{key}.{target}"
        if isinstance(body, list):
            body = {"members": body}
        if not isinstance(body, dict):
            raise err(path, where, "expected {name: ..., members: [...]}")
        allowed = {"name", "members", "tags", "note"} if tags_allowed else {"name", "members", "note"}
        unknown = set(body) - allowed
        if unknown:
            raise err(path, where, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
        members = body.get("members")
        if not isinstance(members, list) or not members:
            raise err(path, f"{where}.members", f"list the source {what} codes of {target}")
        mem = []
        for m in members:
            m = code(path, f"{where}.members", m)
            if m not in source_codes and m not in optional:
                shown = ", ".join(optional[:12]) + (f", ... ({len(optional) - 12} more)" if len(optional) > 12 else "")
                more = f"; or one of the source's own: {shown}" if optional else ""
                raise err(path, f"{where}.members", f"unknown source {what} code {m!r}"
                          f" ({listing}: {', '.join(source_codes)}{more})")
            if m in seen:
                raise err(path, f"{where}.members", f"source {what} {m!r} is mapped twice "
                          f"(to {seen[m]!r} and to {target!r})")
            seen[m] = target
            mem.append(m)
        tags: list[str] = []
        if tags_allowed:
            raw = body.get("tags") or []
            if not isinstance(raw, list):
                raise err(path, f"{where}.tags", "expected a list of tags")
            for t in raw:
                if t not in SECTOR_TAGS:
                    raise err(path, f"{where}.tags", f"unknown tag {t!r}; known: {', '.join(SECTOR_TAGS)}")
                tags.append(str(t))
        out.append(Target(target, str(body.get("name", target)), tuple(mem), tuple(tags)))
    unmapped = [c for c in source_codes if c not in seen]
    if unmapped:
        raise err(path, key, f"source {what} {unmapped[0]!r} is unmapped"
                  + (f" (and {len(unmapped) - 1} more: {unmapped[1:6]})" if len(unmapped) > 1 else ""))
    return tuple(out)


def _groups(path, spec, region_codes) -> dict[str, tuple[str, ...]]:
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise err(path, "region_groups", "expected a mapping of group name to a list of target regions")
    out = {}
    for g, members in spec.items():
        g = code(path, "region_groups", g)
        if g in region_codes:
            raise err(path, f"region_groups.{g}", "a group cannot have the name of a region")
        if not isinstance(members, list) or not members:
            raise err(path, f"region_groups.{g}", "list the target regions of the group")
        for m in members:
            if str(m) not in region_codes:
                raise err(path, f"region_groups.{g}", f"unknown region {m!r}; regions: {', '.join(region_codes)}")
        if len(set(map(str, members))) != len(members):
            raise err(path, f"region_groups.{g}", "lists a region twice")
        listed = {str(m) for m in members}
        out[g] = tuple(r for r in region_codes if r in listed)   # in region order
    return out


def validate_mapping(path: str | Path, spec: dict, source_regions, source_sectors,
                     listing: str = "source codes", optional_regions=(), optional_sectors=()) -> Mapping:
    """Check the common keys of ``spec`` (from :func:`read_spec`) against the source's codes;
    ``listing`` labels the list of valid codes in an error; the ``optional`` codes (a source's own
    countries and sectors) may be members but need not be."""
    path = Path(path)
    name = code(path, "name", spec["name"])
    regions = _targets(path, "regions", spec["regions"], tuple(source_regions), "region", False, listing,
                       tuple(optional_regions))
    sectors = _targets(path, "sectors", spec["sectors"], tuple(source_sectors), "sector", True, listing,
                       tuple(optional_sectors))
    for key, targets in (("regions", regions), ("sectors", sectors)):
        codes = [t.code for t in targets]
        dup = [c for c in codes if codes.count(c) > 1]
        if dup:
            raise err(path, key, f"target {key[:-1]} {dup[0]!r} given twice")
    region_codes = tuple(t.code for t in regions)
    groups = _groups(path, spec.get("region_groups"), region_codes)
    if not any("fossil" in s.tags for s in sectors):
        raise err(path, "sectors", "no sector is tagged 'fossil' (the model needs fossil fuels)")
    return Mapping(path=path, name=name, description=str(spec.get("description", "")),
                   regions=regions, sectors=sectors, region_groups=groups)
