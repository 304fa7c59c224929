"""Policy scenarios: YAML files validated on load, and the same objects in Python.

A scenario states the carbon policy of a coalition and every border-carbon-adjustment switch of
spec section 5. Every option, its default, choices or range and doc is declared once in
:mod:`cge.scenarios.options` (the README's options table is generated from it: ``cge options``);
the dataclasses here take their defaults from it and validate every value by its kind there
when they are made (``__post_init__``), so every route to a scenario is checked the same way:
a YAML file (:func:`load_scenarios`), a mapping (:func:`scenario_from_dict`), the constructor
(sections as objects or mappings), :meth:`Scenario.replace` and :func:`dataclasses.replace`.
Unknown keys and bad values are one-line :class:`~cge.errors.ScenarioError` s naming the key
(and the file, for a file). Codes that name regions are checked when a scenario meets a dataset
(:func:`resolve_regions`).

.. code-block:: python

    ref = Scenario(name="EU-50", coalition=["EU27"], policy={"instrument": "tax", "tax_usd_per_t": 50})
    cbam = ref.replace(name="EU-50-CBAM", bca={"import_charge": True, "coverage": "cbam"})

.. code-block:: yaml

    name: BCA-direct
    description: import charge on the direct carbon content of EITE imports
    coalition: annex1              # region codes and/or region-group names
    policy: {instrument: coalition_cap, cut: 0.20}
    bca: {import_charge: true, basis: direct, benchmark: exporter, coverage: eite}
    reference: false               # true: the reference ("REF") of the designs that share this one's
                                   # coalition, policy, foreign carbon prices, numeraire and elasticities
                                   # (their welfare decomposition and changes vs REF are relative to it;
                                   # one flag per policy). Default: among those, the one without BCA,
                                   # output-based rebates or phase-in year named REF, else the first;
                                   # none: NaN changes vs REF (cge.results.run.reference_scenarios)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cge.errors import ScenarioError
from cge.io.files import load_yaml
from cge.scenarios.options import (
    OPTIONS,
    PATH_OPTIONS,
    check_value,
    default,
    options_in,
    top_level_fields,
    where,
)

INSTRUMENTS = OPTIONS["policy.instrument"].choices
BENCHMARKS = OPTIONS["bca.benchmark"].choices
OBR_BENCHMARKS = OPTIONS["output_based_rebates.benchmark"].choices
REVENUE = OPTIONS["bca.revenue"].choices
#: how importers meet a border adjustment: pay a charge at the carbon price; buy certificates
#: from a separate pool at the permit price (the CBAM's way; same prices in this static model);
#: or surrender allowances from the coalition's own cap (embodied emissions count against it)
BCA_INSTRUMENTS = OPTIONS["bca.instrument"].choices


@dataclass(frozen=True)
class Policy:
    """The carbon policy of the coalition: ``instrument`` (tax, regional_cap, coalition_cap or
    none), the ``cut`` of a cap, or the tax in USD/t (options ``policy.*``, ``cge options``)."""

    instrument: str = default("policy.instrument")
    cut: float = default("policy.cut")
    tax_usd_per_t: float = default("policy.tax_usd_per_t")

    def __post_init__(self):
        validate_fields(self, "policy")


@dataclass(frozen=True)
class BCA:
    """The border carbon adjustment, every design switch of spec section 5 (options ``bca.*``)."""

    import_charge: bool = default("bca.import_charge")
    basis: str = default("bca.basis")
    benchmark: str = default("bca.benchmark")
    export_rebate: bool = default("bca.export_rebate")
    credit_foreign_carbon_price: bool = default("bca.credit_foreign_carbon_price")
    coverage: str | tuple[str, ...] = default("bca.coverage")
    exempt: tuple[str, ...] = default("bca.exempt")
    exempt_coalition: bool = default("bca.exempt_coalition")
    implementers: tuple[str, ...] = default("bca.implementers")
    revenue: str = default("bca.revenue")
    default_markup: float | None = default("bca.default_markup")
    indirect_sectors: str | tuple[str, ...] = default("bca.indirect_sectors")
    instrument: str = default("bca.instrument")

    def __post_init__(self):
        validate_fields(self, "bca")
        _check_bca(self, None)

    @property
    def active(self) -> bool:
        return self.import_charge or self.export_rebate


@dataclass(frozen=True)
class OutputBasedRebates:
    """Output-based rebates of carbon costs to the coalition's producers (options ``output_based_rebates.*``)."""

    enabled: bool = default("output_based_rebates.enabled")
    basis: str = default("output_based_rebates.basis")
    benchmark: str = default("output_based_rebates.benchmark")
    coverage: str | tuple[str, ...] = default("output_based_rebates.coverage")

    def __post_init__(self):
        validate_fields(self, "output_based_rebates")


@dataclass(frozen=True)
class PhaseIn:
    """The EU CBAM phase-in: in ``year`` the import charge (and any export rebate) applies to
    ``1 − free allocation share`` of embedded emissions (Regulation (EU) 2023/956 Art. 31), and,
    with ``free_allocation``, the share not yet phased out is an output-based rebate to the
    implementers' producers of covered goods (ETS Directive Art. 10a(1a))."""

    year: int | None = default("phase_in.year")
    free_allocation: bool = default("phase_in.free_allocation")

    def __post_init__(self):
        validate_fields(self, "phase_in")

    @property
    def active(self) -> bool:
        return self.year is not None


@dataclass(frozen=True)
class Closure:
    """Who adjusts (options ``closure.*``): the current account, capital mobility between sectors and
    the labour market; the defaults are the model of spec section 3 (:mod:`cge.bca.closures`)."""

    current_account: str = default("closure.current_account")
    capital: str = default("closure.capital")
    capital_cet: float = default("closure.capital_cet")
    labour: str = default("closure.labour")

    def __post_init__(self):
        validate_fields(self, "closure")


@dataclass(frozen=True)
class Recycling:
    """Where carbon and BCA revenue goes (options ``recycling.*``): kept at home lump-sum or through a
    labour-tax cut, and a share paid abroad to named regions or groups (:mod:`cge.bca.recycling`)."""

    domestic: str = default("recycling.domestic")
    transfer_share: float = default("recycling.transfer_share")
    transfer_of: str = default("recycling.transfer_of")
    transfer_to: tuple[str, ...] = default("recycling.transfer_to")
    transfer_weights: str = default("recycling.transfer_weights")

    def __post_init__(self):
        validate_fields(self, "recycling")
        if self.transfer_share > 0 and not self.transfer_to:
            raise ScenarioError("recycling.transfer_share: a share above 0 needs recycling.transfer_to "
                                "(the regions or groups that receive it)")


@dataclass(frozen=True)
class Diagnostics:
    """The plausibility thresholds of the ``diagnostics`` table (options ``diagnostics.*``,
    :mod:`cge.results.diagnostics`): results beyond them are flagged, never refused."""

    ev_pct: float = default("diagnostics.ev_pct")
    change_pct: float = default("diagnostics.change_pct")
    transfer_pct: float = default("diagnostics.transfer_pct")
    price_factor: float = default("diagnostics.price_factor")

    def __post_init__(self):
        validate_fields(self, "diagnostics")


@dataclass(frozen=True)
class Scenario:
    """One policy scenario, validated when it is made (module docstring). The sections
    (``policy``, ``bca``, ``output_based_rebates``, ``phase_in``, ``diagnostics``) may be given as their objects or
    as mappings of their options; codes as a list or, for one code, a string (as in YAML)."""

    name: str
    description: str = default("description")
    coalition: tuple[str, ...] = default("coalition")
    policy: Policy = field(default_factory=Policy)
    foreign_carbon_prices: dict = default("foreign_carbon_prices")
    bca: BCA = field(default_factory=BCA)
    output_based_rebates: OutputBasedRebates = field(default_factory=OutputBasedRebates)
    elasticities: dict = default("elasticities")
    numeraire: str = default("numeraire")
    phase_in: PhaseIn = field(default_factory=PhaseIn)
    #: named tariff, tax, endowment and productivity shocks (:mod:`cge.scenarios.shocks`)
    shocks: dict = default("shocks")
    closure: Closure = field(default_factory=Closure)
    recycling: Recycling = field(default_factory=Recycling)
    reference: bool = default("reference")
    diagnostics: Diagnostics = field(default_factory=Diagnostics)

    def __post_init__(self):
        validate_fields(self, "")
        for name, cls in SECTION_CLASSES.items():
            object.__setattr__(self, name, _as_section(getattr(self, name), name, cls))
        _check_combinations(self, None)

    def to_dict(self) -> dict:
        """The scenario as a plain mapping (lists, not tuples), as a YAML file would give it."""
        d = asdict(self)
        return _plain(d)

    def replace(self, **changes) -> Scenario:
        """A copy with ``changes``, validated like any new scenario. A section given as a mapping
        changes only the options it names (``ref.replace(policy={"tax_usd_per_t": 100})`` keeps
        the instrument), as a scenario file's ``defaults:`` merge; a section object, and any
        other field, is replaced whole."""
        _check_keys(changes, set(top_level_fields()), None, "")
        for name, value in changes.items():
            if name in SECTION_CLASSES and isinstance(value, Mapping):
                _check_keys(value, {o.key for o in options_in(name)}, None, f"{name}.")
                changes[name] = dataclasses.replace(getattr(self, name), **value)
        return dataclasses.replace(self, **changes)


#: the dataclass of each scenario section of :data:`cge.scenarios.options.SECTIONS`
SECTION_CLASSES = {"policy": Policy, "bca": BCA, "output_based_rebates": OutputBasedRebates, "phase_in": PhaseIn,
                   "closure": Closure, "recycling": Recycling, "diagnostics": Diagnostics}


def _plain(x):
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


def _check_keys(data, allowed: set, source, prefix: str) -> None:
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{where(source, prefix.rstrip('.') or 'scenario')}: expected a mapping, "
                            f"got {type(data).__name__}")
    for k in data:
        if k not in allowed:
            raise ScenarioError(
                f"{where(source, prefix + str(k))}: unknown key; allowed keys: {', '.join(sorted(allowed))}"
            )


def validate_fields(obj, section: str) -> None:
    """Check and normalise (numbers as floats, codes as tuples) every field of a scenario
    dataclass by its option of ``section`` ('' = the top level) in :mod:`cge.scenarios.options`."""
    for o in options_in(section):
        object.__setattr__(obj, o.key, check_value(o, getattr(obj, o.key)))


def _as_section(value, name: str, cls):
    """A section of a scenario from its object, a mapping of its options, or None (the defaults)."""
    if isinstance(value, cls):
        return value
    if value is None:
        return cls()
    _check_keys(value, {o.key for o in options_in(name)}, None, f"{name}.")
    return cls(**value)


def _check_bca(bca: BCA, source) -> None:
    """Rules between BCA options: a mark-up only with ``exporter_markup``, indirect sectors (whether a
    mark-up is needed depends on the phase-in year: :func:`_check_combinations`)."""
    if bca.benchmark != "exporter_markup" and bca.default_markup is not None:
        raise ScenarioError(f"{where(source, 'bca.default_markup')}: applies only with bca.benchmark: "
                            f"exporter_markup (here {bca.benchmark})")
    if bca.indirect_sectors != "all" and bca.basis != "direct+electricity":
        raise ScenarioError(f"{where(source, 'bca.indirect_sectors')}: a list of sectors with indirect "
                            f"emissions needs bca.basis: direct+electricity (here {bca.basis})")


def _check_combinations(sc: Scenario, source) -> None:
    """Rules between options of different sections (the ``requires`` of :mod:`cge.scenarios.options`)."""
    policy, bca, obr, phase_in = sc.policy, sc.bca, sc.output_based_rebates, sc.phase_in
    if bca.benchmark == "exporter_markup" and bca.default_markup is None and phase_in.year is None:
        raise ScenarioError(f"{where(source, 'bca.default_markup')}: required when bca.benchmark is "
                            "exporter_markup and no phase_in.year gives the year's mark-up (CBAM default value "
                            "= the exporter's average intensity raised by this mark-up, e.g. 0.1 for 10%)")
    if policy.instrument == "none":
        stray = [k for k, v in (("policy.cut", policy.cut), ("policy.tax_usd_per_t", policy.tax_usd_per_t),
                                ("coalition", sc.coalition), ("bca", bca.active)) if v]
        if stray:
            raise ScenarioError(f"{where(source, stray[0])}: policy.instrument is none (no carbon policy), "
                                "so there is no coalition, cut, tax or border adjustment to set")
    if phase_in.active and bca.coverage in ("eite", "all"):
        raise ScenarioError(f"{where(source, 'phase_in.year')}: the CBAM phase-in applies to CBAM goods, but "
                            f"bca.coverage is {bca.coverage!r}, so free allocation and charges would cover every "
                            f"{'EITE' if bca.coverage == 'eite' else ''} sector; set bca.coverage: cbam (or list "
                            "the covered sectors)")
    if phase_in.active and phase_in.free_allocation and obr.enabled:
        raise ScenarioError(f"{where(source, 'phase_in.free_allocation')}: the remaining free allocation is "
                            "modelled as output-based rebates; set output_based_rebates.enabled: false or "
                            "phase_in.free_allocation: false")
    if bca.instrument == "allowances":
        if policy.instrument == "tax":
            raise ScenarioError(f"{where(source, 'bca.instrument')}: allowances are surrendered under a cap; "
                                "policy.instrument is tax (use charge or certificates)")
        if bca.revenue != "importer" or bca.credit_foreign_carbon_price or bca.export_rebate:
            raise ScenarioError(f"{where(source, 'bca.instrument')}: allowances are modelled without "
                                "returned revenue, crediting or export rebates (set bca.revenue: importer, "
                                "credit_foreign_carbon_price: false, export_rebate: false)")


def scenario_from_dict(data: dict, source: str | None = None) -> Scenario:
    """Validate a mapping (e.g. parsed YAML) and build a :class:`Scenario`: every key and value
    against :mod:`cge.scenarios.options`, then the rules that tie options together; an error
    names ``source`` (a file and scenario) before the key."""
    try:
        _check_keys(data, set(top_level_fields()), None, "")
        for o in options_in(""):
            if o.required and o.key not in data:
                raise ScenarioError(f"{o.name}: every scenario needs a non-empty {o.key}")
        return Scenario(**data)
    except ScenarioError as exc:
        if source is None:
            raise
        raise ScenarioError(f"{source}: {exc}") from None


def load_scenarios(path: str | Path) -> list[Scenario]:
    """Load one scenario, a list of scenarios, or ``{scenarios: [...]}`` from a YAML file.

    A file may also give ``defaults:`` merged (deeply) under every scenario in it, and ``path:`` the
    assumptions of a baseline path (validated here, read by :func:`load_path_spec`; a static run
    ignores them)."""
    path = Path(path)
    data = load_yaml(path, ScenarioError)
    if data is None:
        raise ScenarioError(f"{path}: the file is empty; it must define at least one scenario")
    defaults = {}
    if isinstance(data, dict) and "scenarios" in data:
        extra = set(data) - {"scenarios", "defaults", "path"}
        if extra:
            raise ScenarioError(f"{path}: unknown top-level key(s) {sorted(extra)}; allowed: scenarios, defaults, "
                                "path")
        path_assumptions_from_dict(data.get("path") or {}, source=str(path))
        defaults = data.get("defaults") or {}
        data = data["scenarios"] if data["scenarios"] is not None else []
    if not isinstance(defaults, dict):
        raise ScenarioError(f"{path}: defaults: expected a mapping of scenario keys")
    items = data if isinstance(data, list) else [data]
    if not items:
        raise ScenarioError(f"{path}: scenarios: the list is empty; nothing would be solved (and an "
                            "earlier results folder would be replaced by empty tables)")
    out = []
    for k, item in enumerate(items):
        if not isinstance(item, dict):
            raise ScenarioError(f"{path}: scenario #{k + 1} is not a mapping")
        merged = deep_merge(defaults, item)
        out.append(scenario_from_dict(merged, source=f"{path} [{merged.get('name', '#' + str(k + 1))}]"))
    names = [s.name for s in out]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ScenarioError(f"{path}: scenario name(s) used twice: {sorted(dup)}")
    return out


def deep_merge(base: dict, over: dict) -> dict:
    """``over`` merged into ``base``: nested mappings merge key by key, anything else replaces."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def resolve_regions(codes: tuple[str, ...], regions: tuple[str, ...], groups: dict, what: str) -> tuple[str, ...]:
    """Expand region codes and group names against a benchmark; unknown names are errors."""
    out: list[str] = []
    for c in codes:
        if c in regions:
            members = (c,)
        elif c in groups:
            members = groups[c]
        else:
            raise ScenarioError(f"{what}: {c!r} is neither a region ({', '.join(regions)}) nor a region "
                                f"group ({', '.join(sorted(groups)) or 'none defined'})")
        out.extend(m for m in members if m not in out)
    return tuple(r for r in regions if r in out)


def path_assumptions_from_dict(data, source: str, complete: bool = False, prefix: str = "path.") -> dict:
    """Baseline-path assumptions (``path.*`` of :data:`cge.scenarios.options.PATH_OPTIONS`, without the
    ``path.`` prefix) validated key by key: unknown keys and bad values are one :class:`ScenarioError`
    naming ``source`` and the key as written there (``prefix`` + key: ``path.`` in a scenario file,
    nothing in an assumptions file). ``complete``: every option must be given (the merged assumptions)."""
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{source}: {prefix or 'assumptions'}: expected a mapping of assumption keys")
    known = {o.name.removeprefix("path."): o for o in PATH_OPTIONS}
    sections = {k.split(".")[0] for k in known if "." in k}
    tops = {k.split(".")[0] for k in known}
    bad = sorted(set(data) - tops)
    if bad:
        raise ScenarioError(f"{where(source, prefix.rstrip('.') or 'assumptions')}: unknown key(s) {bad}; "
                            f"allowed: {', '.join(sorted(tops))}")
    for sec in sections & set(data):
        if not isinstance(data[sec], Mapping):
            raise ScenarioError(f"{where(source, prefix + sec)}: expected a mapping")
        keys = {k.partition(".")[2] for k in known if k.startswith(sec + ".")}
        bad = sorted(set(data[sec]) - keys)
        if bad:
            raise ScenarioError(f"{where(source, prefix + sec)}: unknown key(s) {bad}; "
                                f"allowed: {', '.join(sorted(keys))}")
    for key, opt in known.items():
        head, _, tail = key.partition(".")
        holder = (data.get(head) or {}) if tail else data
        if (tail or head) in holder:
            check_value(opt, holder[tail or head], source, prefix + key)
        elif complete:
            raise ScenarioError(f"{where(source, prefix + key)}: missing")
    return dict(data)


def load_path_spec(path: str | Path) -> dict:
    """The ``path:`` section of a scenario file (``{}`` without one), validated, its ``aeei_file`` made
    absolute (it is relative to the scenario file)."""
    path = Path(path)
    data = load_yaml(path, ScenarioError)
    spec = dict((data.get("path") if isinstance(data, dict) and "scenarios" in data else None) or {})
    path_assumptions_from_dict(spec, source=str(path))
    if "aeei_file" in spec:
        spec["aeei_file"] = str((path.parent / str(spec["aeei_file"])).resolve())
    return spec
