"""The legitimacy panel's data: legal considerations per BCA switch value, read from a YAML file.

The file (default ``cge/defaults/legitimacy.yaml``) is validated on load: unknown keys, unknown
switches or values, and sources not defined under ``sources:`` are :class:`~cge.errors.DataError`
naming the file and the key. :func:`design_switches` turns a scenario definition (as written to
``run.yaml``) into the list of switch values it uses, each of which must have an entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from cge.errors import DataError
from cge.io.files import load_yaml
from cge.scenarios import cbam
from cge.scenarios.options import OPTIONS, Option, options_in

#: switches of a design as a whole, not of one BCA option: no border measure at all,
#: output-based rebates, a CBAM phase-in year
DESIGN_SWITCHES: dict[str, tuple[str, ...]] = {
    "border_measure": ("none",),
    "output_based_rebates": ("enabled",),
    "phase_in": ("enabled",),
}
#: code-list switches keyed by whether the list is empty: (empty, non-empty)
CODE_LIST_KEYS = {"exempt": ("none", "non-empty"), "implementers": ("all", "subset")}


def _bca_switches(when: str) -> tuple[Option, ...]:
    return tuple(o for o in options_in("bca") if o.switch == when)


def _switch_values(o: Option) -> tuple[str, ...]:
    """The keys of one BCA option's entries: its choices, true/false, or how a code list is keyed
    (named sets and ``list``; a switch shown only when set has no entry for its default)."""
    if o.kind == "bool":
        return ("true", "false")
    if o.kind == "codes":
        if o.key in CODE_LIST_KEYS:
            return CODE_LIST_KEYS[o.key]
        named = tuple(c for c in o.choices if o.switch == "always" or c != o.default)
        return named + ("list",)
    return tuple(o.choices)


#: the BCA options of a scenario listed for every design with a border adjustment, in display
#: order (:mod:`cge.scenarios.options`, ``switch: always``), and those listed when not at their default
BCA_SWITCHES = tuple(o.key for o in _bca_switches("always"))
BCA_SWITCHES_IF_SET = tuple(o.key for o in _bca_switches("if_set"))
#: switch -> its possible values (as strings)
SWITCH_VALUES: dict[str, tuple[str, ...]] = {
    **{o.key: _switch_values(o) for o in _bca_switches("always") + _bca_switches("if_set")},
    **DESIGN_SWITCHES,
}

TOP_KEYS = {"title", "disclaimer", "reviewed", "sources", "general", "switches"}
ENTRY_KEYS = {"summary", "considerations"}
CONSIDERATION_KEYS = {"text", "instruments", "sources"}
SOURCE_KEYS = {"title", "url"}


@dataclass(frozen=True)
class Consideration:
    text: str
    instruments: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    summary: str
    considerations: tuple[Consideration, ...]


@dataclass(frozen=True)
class Legitimacy:
    title: str
    disclaimer: str
    reviewed: str
    sources: dict[str, dict]
    general: tuple[Consideration, ...]
    switches: dict[str, dict[str, Entry]]
    path: str

    def entry(self, switch: str, value: str) -> Entry:
        try:
            return self.switches[switch][value]
        except KeyError:
            raise DataError(f"{self.path}: switches.{switch}.{value}: no entry for this switch value, "
                            "which a design uses") from None

    def source_label(self, sid: str) -> str:
        return self.sources[sid]["title"]


def default_path() -> Path:
    with resources.as_file(resources.files("cge") / "defaults" / "legitimacy.yaml") as p:
        return Path(p)


def _key(v) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def _unknown(where: str, data: dict, allowed: set) -> None:
    if not isinstance(data, dict):
        raise DataError(f"{where}: expected a mapping, got {type(data).__name__}")
    for k in data:
        if k not in allowed:
            raise DataError(f"{where}.{k}: unknown key; allowed keys: {', '.join(sorted(allowed))}")


def _text(value, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"{where}: expected non-empty text")
    return " ".join(value.split())


def _list_of_text(value, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise DataError(f"{where}: expected a non-empty list")
    return tuple(_text(v, f"{where}[{k}]") for k, v in enumerate(value))


def _considerations(items, where: str, sources: dict) -> tuple[Consideration, ...]:
    if not isinstance(items, list) or not items:
        raise DataError(f"{where}: expected a non-empty list of considerations")
    out = []
    for k, c in enumerate(items):
        w = f"{where}[{k}]"
        _unknown(w, c, CONSIDERATION_KEYS)
        for req in CONSIDERATION_KEYS:
            if req not in c:
                raise DataError(f"{w}.{req}: missing")
        srcs = _list_of_text(c["sources"], f"{w}.sources")
        for s in srcs:
            if s not in sources:
                raise DataError(f"{w}.sources: {s!r} is not defined under sources:")
        out.append(Consideration(_text(c["text"], f"{w}.text"), _list_of_text(c["instruments"], f"{w}.instruments"),
                                 srcs))
    return tuple(out)


def load_legitimacy(path: str | Path | None = None) -> Legitimacy:
    """Read and validate a legitimacy file (default: the packaged one)."""
    path = Path(path) if path else default_path()
    data = load_yaml(path)
    p = str(path)
    _unknown(p, data, TOP_KEYS)
    for req in ("sources", "switches", "disclaimer"):
        if req not in data:
            raise DataError(f"{p}: {req}: missing")
    sources = data["sources"]
    if not isinstance(sources, dict):
        raise DataError(f"{p}: sources: expected a mapping id -> {{title, url}}, got {type(sources).__name__}")
    for sid, s in sources.items():
        _unknown(f"{p}: sources.{sid}", s, SOURCE_KEYS)
        _text(s.get("title"), f"{p}: sources.{sid}.title")
    general = _considerations(data["general"], f"{p}: general", sources) if data.get("general") else ()
    sw = data["switches"]
    _unknown(f"{p}: switches", sw, set(SWITCH_VALUES))
    switches: dict[str, dict[str, Entry]] = {}
    for name, values in sw.items():
        if not isinstance(values, dict):
            raise DataError(f"{p}: switches.{name}: expected a mapping value -> entry")
        switches[name] = {}
        for v, entry in values.items():
            vk = _key(v)
            where = f"{p}: switches.{name}.{vk}"
            if vk not in SWITCH_VALUES[name]:
                raise DataError(f"{where}: unknown value; allowed: {', '.join(SWITCH_VALUES[name])}")
            _unknown(where, entry, ENTRY_KEYS)
            switches[name][vk] = Entry(_text(entry.get("summary"), f"{where}.summary"),
                                       _considerations(entry.get("considerations"), f"{where}.considerations",
                                                       sources))
    return Legitimacy(title=_text(data.get("title", "Legal considerations"), f"{p}: title"),
                      disclaimer=_text(data["disclaimer"], f"{p}: disclaimer"),
                      reviewed=str(data.get("reviewed", "")), sources=sources, general=general,
                      switches=switches, path=p)


def design_switches(scenario: dict) -> list[tuple[str, str, str]]:
    """``(switch, value key, value as shown)`` for every switch a scenario definition (as in
    ``run.yaml``) uses; defaults come from :mod:`cge.scenarios.spec`, not from here."""
    from cge.scenarios.spec import scenario_from_dict

    sc = scenario_from_dict({"name": "design", **{k: v for k, v in scenario.items() if k != "name"}})
    bca, obr = sc.bca, sc.output_based_rebates
    out: list[tuple[str, str, str]] = []
    if bca.active:
        for name in BCA_SWITCHES:
            v = getattr(bca, name)
            if name in CODE_LIST_KEYS:
                empty, listed = CODE_LIST_KEYS[name]
                key = listed if v else empty
                shown = ", ".join(v) if v else ("all coalition members" if empty == "all" else empty)
            elif isinstance(v, tuple):            # a code list where named sets are allowed
                key, shown = "list", ", ".join(v)
            elif name == "benchmark" and v == "exporter_markup":
                markup = cbam.design_markup(bca.default_markup, sc.phase_in.year)
                fert = cbam.fertiliser_markup(bca.default_markup, sc.phase_in.year)
                also = "" if fert is None else f"; sectors tagged fertilisers {fert:g}"
                key, shown = v, f"exporter_markup (mark-up {markup:g}{also})"
            else:
                key = shown = _key(v)
            out.append((name, key, shown))
        for name in BCA_SWITCHES_IF_SET:
            v = getattr(bca, name)
            if v != OPTIONS[f"bca.{name}"].default:
                shown = ", ".join(v) if isinstance(v, tuple) else str(v)
                out.append((name, "list" if isinstance(v, tuple) else str(v), shown))
    if sc.phase_in.active:
        out.append(("phase_in", "enabled", f"year {sc.phase_in.year}"
                    + (", free allocation as output-based rebates" if sc.phase_in.free_allocation else "")))
    if obr.enabled:
        cov = obr.coverage if isinstance(obr.coverage, str) else ", ".join(obr.coverage)
        out.append(("output_based_rebates", "enabled",
                    f"basis {obr.basis}, benchmark {obr.benchmark}, coverage {cov}"))
    if not out:
        out.append(("border_measure", "none", "none"))
    return out
