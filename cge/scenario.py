"""Policy scenarios: YAML files validated on load, and the same objects in Python.

A scenario states the carbon policy of a coalition and every border-carbon-adjustment switch of
spec section 5. Unknown keys and bad values are errors naming the file and the key.

.. code-block:: yaml

    name: BCA-direct
    description: import charge on the direct carbon content of EITE imports
    coalition: annex1              # region codes and/or region-group names
    policy:
      instrument: coalition_cap    # tax | regional_cap | coalition_cap | none (no carbon policy:
                                   #   the only way to run without a coalition)
      cut: 0.20                    # caps: emissions fall to (1 - cut) x benchmark
      tax_usd_per_t: 0             # tax: carbon price in USD/t (units of the world CPI)
    foreign_carbon_prices: {}      # USD/t paid outside the coalition, e.g. {CHN: 10}
    bca:
      import_charge: true
      basis: direct                # direct | direct+electricity | total
      benchmark: exporter          # exporter | importer | world_average | best | exporter_markup | worst
      default_markup: null         # exporter_markup: CBAM default value = exporter average x (1 + markup)
      indirect_sectors: all        # direct+electricity: all, or the sectors whose indirect emissions count
      instrument: charge           # charge | certificates | allowances (surrendered under the coalition cap)
      export_rebate: false
      credit_foreign_carbon_price: false
      coverage: eite               # eite | all | cbam (sectors tagged cbam, scaled by coverage) | [codes]
      exempt: []                   # region codes and/or group names exempt from the charge
      exempt_coalition: true       # coalition members exempt from each other's charges
      implementers: []             # coalition members applying the BCA (empty = all members)
      revenue: importer            # importer | exporter
    output_based_rebates:
      enabled: false
      basis: direct
      benchmark: exporter          # exporter (own) | world_average | best
    elasticities: {}               # overrides, e.g. {sigma_dm: {"*": 4.0}}
    numeraire: PW                  # PW (world CPI) or PC:<region>
    phase_in:                      # EU CBAM phase-in (cge/defaults/cbam_phase_in.yaml)
      year: null                   # 2026..2034: charges x (1 - free allocation share of the year)
      free_allocation: true        # the remaining share as output-based rebates to implementers
    reference: false               # true: the reference ("REF") of the designs that share this one's
                                   # coalition, policy, foreign carbon prices, numeraire and elasticities
                                   # (their welfare decomposition and changes vs REF are relative to it;
                                   # one flag per policy). Default: among those, the one without BCA,
                                   # output-based rebates or phase-in year named REF, else the first;
                                   # none: NaN changes vs REF (cge.run.reference_scenarios)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from cge.errors import ScenarioError
from cge.files import load_yaml

INSTRUMENTS = ("tax", "regional_cap", "coalition_cap", "none")
BASES = ("direct", "direct+electricity", "total")
BENCHMARKS = ("exporter", "importer", "world_average", "best", "exporter_markup", "worst")
OBR_BENCHMARKS = ("exporter", "world_average", "best")
REVENUE = ("importer", "exporter")
#: how importers meet a border adjustment: pay a charge at the carbon price; buy certificates
#: from a separate pool at the permit price (the CBAM's way; same prices in this static model);
#: or surrender allowances from the coalition's own cap (embodied emissions count against it)
BCA_INSTRUMENTS = ("charge", "certificates", "allowances")


@dataclass(frozen=True)
class Policy:
    instrument: str = "coalition_cap"
    cut: float = 0.0
    tax_usd_per_t: float = 0.0


@dataclass(frozen=True)
class BCA:
    import_charge: bool = False
    basis: str = "direct"
    benchmark: str = "exporter"
    export_rebate: bool = False
    credit_foreign_carbon_price: bool = False
    coverage: str | tuple[str, ...] = "eite"
    exempt: tuple[str, ...] = ()
    exempt_coalition: bool = True
    implementers: tuple[str, ...] = ()
    revenue: str = "importer"
    default_markup: float | None = None
    indirect_sectors: str | tuple[str, ...] = "all"
    instrument: str = "charge"

    @property
    def active(self) -> bool:
        return self.import_charge or self.export_rebate


@dataclass(frozen=True)
class OutputBasedRebates:
    enabled: bool = False
    basis: str = "direct"
    benchmark: str = "exporter"
    coverage: str | tuple[str, ...] = "eite"


@dataclass(frozen=True)
class PhaseIn:
    """The EU CBAM phase-in: in ``year`` the import charge (and any export rebate) applies to
    ``1 − free allocation share`` of embedded emissions (Regulation (EU) 2023/956 Art. 31), and,
    with ``free_allocation``, the share not yet phased out is an output-based rebate to the
    implementers' producers of covered goods (ETS Directive Art. 10a(1a))."""

    year: int | None = None
    free_allocation: bool = True

    @property
    def active(self) -> bool:
        return self.year is not None


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str = ""
    coalition: tuple[str, ...] = ()
    policy: Policy = field(default_factory=Policy)
    foreign_carbon_prices: dict = field(default_factory=dict)
    bca: BCA = field(default_factory=BCA)
    output_based_rebates: OutputBasedRebates = field(default_factory=OutputBasedRebates)
    elasticities: dict = field(default_factory=dict)
    numeraire: str = "PW"
    phase_in: PhaseIn = field(default_factory=lambda: PhaseIn())
    reference: bool = False

    def to_dict(self) -> dict:
        d = asdict(self)
        return _plain(d)

    def with_(self, **changes) -> Scenario:
        """A copy with top-level fields replaced (nested ones via :func:`replace`)."""
        return replace(self, **changes)


def _plain(x):
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


def _where(source: str | None, key: str) -> str:
    return f"{source}: {key}" if source else key


def _check_keys(data: dict, cls, source, prefix: str) -> None:
    if not isinstance(data, dict):
        raise ScenarioError(f"{_where(source, prefix or 'scenario')}: expected a mapping, got {type(data).__name__}")
    allowed = {f.name for f in fields(cls)}
    for k in data:
        if k not in allowed:
            raise ScenarioError(
                f"{_where(source, prefix + str(k))}: unknown key; allowed keys: {', '.join(sorted(allowed))}"
            )


def _choice(value, options, source, key):
    if value not in options:
        raise ScenarioError(f"{_where(source, key)}: {value!r} is not one of {', '.join(options)}")
    return value


def _bool(value, source, key):
    if not isinstance(value, bool):
        raise ScenarioError(f"{_where(source, key)}: {value!r} must be true or false")
    return value


def _number(value, source, key, lo=None, hi=None):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"{_where(source, key)}: {value!r} is not a number")
    if lo is not None and value < lo or hi is not None and value > hi:
        raise ScenarioError(f"{_where(source, key)}: {value} must lie in [{lo}, {hi}]")
    return float(value)


def _codes(value, source, key) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ScenarioError(f"{_where(source, key)}: expected a code or a list of codes, got {value!r}")
    return tuple(value)


def _coverage(value, source, key):
    if isinstance(value, str) and value in ("eite", "all", "cbam"):
        return value
    return _codes(value, source, key)


def _bca(b: dict, source) -> BCA:
    _check_keys(b, BCA, source, "bca.")
    benchmark = _choice(b.get("benchmark", "exporter"), BENCHMARKS, source, "bca.benchmark")
    markup = b.get("default_markup")
    if benchmark == "exporter_markup":
        if markup is None:
            raise ScenarioError(f"{_where(source, 'bca.default_markup')}: required when bca.benchmark is "
                                "exporter_markup (CBAM default value = the exporter's average intensity raised "
                                "by this mark-up, e.g. 0.1 for 10%)")
        markup = _number(markup, source, "bca.default_markup", 0.0, 10.0)
    elif markup is not None:
        raise ScenarioError(f"{_where(source, 'bca.default_markup')}: applies only with bca.benchmark: "
                            f"exporter_markup (here {benchmark})")
    basis = _choice(b.get("basis", "direct"), BASES, source, "bca.basis")
    indirect = b.get("indirect_sectors", "all")
    if indirect != "all":
        indirect = _codes(indirect, source, "bca.indirect_sectors")
        if basis != "direct+electricity":
            raise ScenarioError(f"{_where(source, 'bca.indirect_sectors')}: a list of sectors with indirect "
                                f"emissions needs bca.basis: direct+electricity (here {basis})")
    return BCA(
        import_charge=_bool(b.get("import_charge", False), source, "bca.import_charge"),
        basis=basis,
        benchmark=benchmark,
        export_rebate=_bool(b.get("export_rebate", False), source, "bca.export_rebate"),
        credit_foreign_carbon_price=_bool(b.get("credit_foreign_carbon_price", False), source,
                                          "bca.credit_foreign_carbon_price"),
        coverage=_coverage(b.get("coverage", "eite"), source, "bca.coverage"),
        exempt=_codes(b.get("exempt", ()), source, "bca.exempt"),
        exempt_coalition=_bool(b.get("exempt_coalition", True), source, "bca.exempt_coalition"),
        implementers=_codes(b.get("implementers", ()), source, "bca.implementers"),
        revenue=_choice(b.get("revenue", "importer"), REVENUE, source, "bca.revenue"),
        default_markup=markup,
        indirect_sectors=indirect,
        instrument=_choice(b.get("instrument", "charge"), BCA_INSTRUMENTS, source, "bca.instrument"),
    )


def _phase_in(p: dict, source) -> PhaseIn:
    _check_keys(p, PhaseIn, source, "phase_in.")
    year = p.get("year")
    if year is not None:
        from cge.cbam import phase_in_schedule

        schedule = phase_in_schedule()
        if isinstance(year, bool) or not isinstance(year, int) or year not in schedule.free_allocation:
            raise ScenarioError(f"{_where(source, 'phase_in.year')}: {year!r} is outside the CBAM phase-in "
                                f"schedule ({min(schedule.free_allocation)}..{max(schedule.free_allocation)}, "
                                f"{schedule.path})")
    return PhaseIn(year=year, free_allocation=_bool(p.get("free_allocation", True), source,
                                                    "phase_in.free_allocation"))


def scenario_from_dict(data: dict, source: str | None = None) -> Scenario:
    """Validate a mapping (e.g. parsed YAML) and build a :class:`Scenario`."""
    _check_keys(data, Scenario, source, "")
    if "name" not in data or not isinstance(data["name"], str) or not data["name"]:
        raise ScenarioError(f"{_where(source, 'name')}: every scenario needs a non-empty name")
    pol = data.get("policy") or {}
    _check_keys(pol, Policy, source, "policy.")
    policy = Policy(
        instrument=_choice(pol.get("instrument", "coalition_cap"), INSTRUMENTS, source, "policy.instrument"),
        cut=_number(pol.get("cut", 0.0), source, "policy.cut", 0.0, 0.99),
        tax_usd_per_t=_number(pol.get("tax_usd_per_t", 0.0), source, "policy.tax_usd_per_t", 0.0, 1e5),
    )
    bca = _bca(data.get("bca") or {}, source)
    if policy.instrument == "none":
        stray = [k for k, v in (("policy.cut", policy.cut), ("policy.tax_usd_per_t", policy.tax_usd_per_t),
                                ("coalition", data.get("coalition")),
                                ("bca", bca.active)) if v]
        if stray:
            raise ScenarioError(f"{_where(source, stray[0])}: policy.instrument is none (no carbon policy), "
                                "so there is no coalition, cut, tax or border adjustment to set")
    o = data.get("output_based_rebates") or {}
    _check_keys(o, OutputBasedRebates, source, "output_based_rebates.")
    obr = OutputBasedRebates(
        enabled=_bool(o.get("enabled", False), source, "output_based_rebates.enabled"),
        basis=_choice(o.get("basis", "direct"), BASES, source, "output_based_rebates.basis"),
        benchmark=_choice(o.get("benchmark", "exporter"), OBR_BENCHMARKS, source,
                          "output_based_rebates.benchmark"),
        coverage=_coverage(o.get("coverage", "eite"), source, "output_based_rebates.coverage"),
    )
    fcp = data.get("foreign_carbon_prices") or {}
    if not isinstance(fcp, dict):
        raise ScenarioError(f"{_where(source, 'foreign_carbon_prices')}: expected a mapping region -> USD/t")
    fcp = {str(k): _number(v, source, f"foreign_carbon_prices.{k}", 0.0, 1e5) for k, v in fcp.items()}
    el = data.get("elasticities") or {}
    if not isinstance(el, dict):
        raise ScenarioError(f"{_where(source, 'elasticities')}: expected a mapping parameter -> value")
    from cge.elasticities import PARAMETERS

    for k in el:
        if k not in PARAMETERS:
            raise ScenarioError(f"{_where(source, 'elasticities.' + str(k))}: unknown elasticity; "
                                f"known: {', '.join(PARAMETERS)}")
    numeraire = data.get("numeraire", "PW")
    if not isinstance(numeraire, str) or not (numeraire == "PW" or numeraire.startswith("PC:")):
        raise ScenarioError(f"{_where(source, 'numeraire')}: {numeraire!r} must be PW or PC:<region>")
    phase_in = _phase_in(data.get("phase_in") or {}, source)
    if phase_in.active and bca.coverage in ("eite", "all"):
        raise ScenarioError(f"{_where(source, 'phase_in.year')}: the CBAM phase-in applies to CBAM goods, but "
                            f"bca.coverage is {bca.coverage!r}, so free allocation and charges would cover every "
                            f"{'EITE' if bca.coverage == 'eite' else ''} sector; set bca.coverage: cbam (or list "
                            "the covered sectors)")
    if phase_in.active and phase_in.free_allocation and obr.enabled:
        raise ScenarioError(f"{_where(source, 'phase_in.free_allocation')}: the remaining free allocation is "
                            "modelled as output-based rebates; set output_based_rebates.enabled: false or "
                            "phase_in.free_allocation: false")
    if bca.instrument == "allowances":
        if policy.instrument == "tax":
            raise ScenarioError(f"{_where(source, 'bca.instrument')}: allowances are surrendered under a cap; "
                                "policy.instrument is tax (use charge or certificates)")
        if bca.revenue != "importer" or bca.credit_foreign_carbon_price or bca.export_rebate:
            raise ScenarioError(f"{_where(source, 'bca.instrument')}: allowances are modelled without "
                                "returned revenue, crediting or export rebates (set bca.revenue: importer, "
                                "credit_foreign_carbon_price: false, export_rebate: false)")
    desc = data.get("description", "")
    if not isinstance(desc, str):
        raise ScenarioError(f"{_where(source, 'description')}: must be text")
    return Scenario(
        name=data["name"], description=desc, coalition=_codes(data.get("coalition"), source, "coalition"),
        policy=policy, foreign_carbon_prices=fcp, bca=bca, output_based_rebates=obr,
        elasticities=el, numeraire=numeraire, phase_in=phase_in,
        reference=_bool(data.get("reference", False), source, "reference"),
    )


def load_scenarios(path: str | Path) -> list[Scenario]:
    """Load one scenario, a list of scenarios, or ``{scenarios: [...]}`` from a YAML file.

    A file may also give ``defaults:`` merged (deeply) under every scenario in it."""
    path = Path(path)
    data = load_yaml(path, ScenarioError)
    if data is None:
        raise ScenarioError(f"{path}: the file is empty; it must define at least one scenario")
    defaults = {}
    if isinstance(data, dict) and "scenarios" in data:
        extra = set(data) - {"scenarios", "defaults"}
        if extra:
            raise ScenarioError(f"{path}: unknown top-level key(s) {sorted(extra)}; allowed: scenarios, defaults")
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
