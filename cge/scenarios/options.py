"""Every scenario and solver option, declared once.

Each :class:`Option` states a dotted name, its kind (which fixes how a value is validated), the
default, the allowed choices or numeric range, a one-line doc and whether it is *structural*
(it enters :class:`cge.bca.design.Structure`: a scenario that changes it needs a newly compiled
model) or *parametric* (a re-solve of the compiled model with new parameter values). From this
table come the dataclass defaults and the validation of :mod:`cge.scenarios.spec`, the structural
field list of ``structure_of``, the fields a sweep may vary and its solver block
(:mod:`cge.sweep.spec`), the BCA switches of the legitimacy panel (:mod:`cge.report.legitimacy`),
the solver defaults of :func:`cge.results.run.run_scenarios` and the command line, and the options
table of the README (``cge options`` prints it).

Kinds: ``text``, ``bool``, ``number`` (float in ``[low, high]``; ``optional``: may be null),
``positive`` (float > 0), ``int`` (integer >= ``low``), ``choice`` (one of ``choices``),
``codes`` (a code or a list of codes; a string in ``choices`` is taken as a named set),
``mapping`` (``keys``: ``region`` with number values in ``[low, high]``, or ``elasticity``),
``numeraire`` (``PW`` or ``PC:<region>``), ``shocks`` (named tariff, tax, endowment and
productivity shocks, :mod:`cge.scenarios.shocks`) and ``year`` (a year of the CBAM phase-in schedule,
``cge/defaults/cbam_phase_in.yaml``, or null). Rules that tie two options together (a mark-up
only with ``exporter_markup``, allowances only under a cap, ...) are in
:func:`cge.scenarios.spec.scenario_from_dict`; ``requires`` names them for the README.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from cge.errors import ScenarioError
from cge.scenarios.shocks import SHOCK_TYPES, check_shocks

KINDS = ("text", "bool", "number", "positive", "int", "choice", "codes", "mapping", "numeraire", "year", "shocks")


@dataclass(frozen=True)
class Option:
    name: str                          # dotted: "bca.coverage", "solver.tol"
    kind: str
    default: object
    doc: str
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    optional: bool = False             # null is a value (the default)
    required: bool = False             # no default: must be given
    #: the :class:`cge.bca.design.Structure` field this option feeds (None: parametric)
    structure: str | None = None
    #: a sweep may vary it (``grid:`` / ``designs:``); solver options: it belongs in ``solver:``
    sweep: bool = True
    #: a legal switch of the legitimacy panel: ``always`` (listed for every design with a border
    #: adjustment) or ``if_set`` (listed when not at its default)
    switch: str | None = None
    keys: str = ""                     # mapping: region | elasticity
    requires: str = ""                 # cross-field rule, enforced in scenario_from_dict
    #: solver options: where they are read (run = run_scenarios, cli = `cge compare`)
    used_by: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The last part of the dotted name (the dataclass attribute or keyword)."""
        return self.name.rsplit(".", 1)[-1]

    @property
    def section(self) -> str:
        """The dotted prefix ('' for a top-level scenario field)."""
        return self.name.rpartition(".")[0]

    @property
    def structural(self) -> bool:
        return self.structure is not None


BASES = ("direct", "direct+electricity", "total")
ROUTES = ("auto", "casadi", "ipopt", "pounce")

#: scenario sections (nested mappings), in display order
SECTIONS = {
    "policy": "the carbon policy of the coalition",
    "bca": "the border carbon adjustment (spec section 5)",
    "output_based_rebates": "output-based rebates to the coalition's producers",
    "phase_in": "the EU CBAM phase-in (Regulation (EU) 2023/956 Art. 31)",
    "closure": "who adjusts: current account, capital mobility, labour market (cge/bca/closures.py)",
    "recycling": "where carbon and BCA revenue goes: at home, and abroad as transfers (cge/bca/recycling.py)",
    "diagnostics": "the plausibility thresholds: results beyond them are flagged (warnings, not errors)",
}

SCENARIO_OPTIONS = (
    Option("name", "text", None, "the scenario's name (REF marks the reference)", required=True, sweep=False),
    Option("description", "text", "", "free text", sweep=False),
    Option("coalition", "codes", (), "region codes and/or region-group names that price carbon",
           structure="coalition"),
    Option("policy.instrument", "choice", "coalition_cap",
           "tax, a cap per region, one cap for the coalition, or none (no carbon policy and no coalition)",
           choices=("tax", "regional_cap", "coalition_cap", "none"), structure="instrument",
           requires="none: no coalition, cut, tax or border adjustment"),
    Option("policy.cut", "number", 0.0, "caps: emissions fall to (1 - cut) x benchmark", low=0.0, high=0.99),
    Option("policy.tax_usd_per_t", "number", 0.0, "tax: carbon price in USD/t (units of the world CPI)",
           low=0.0, high=1e5),
    Option("foreign_carbon_prices", "mapping", {}, "USD/t paid outside the coalition, e.g. {CHN: 10}; "
           "the regions named fix the model", keys="region", low=0.0, high=1e5, structure="foreign_priced"),
    Option("bca.import_charge", "bool", False, "charge the embodied carbon of imports", switch="always",
           structure="imports_in_cap"),
    Option("bca.export_rebate", "bool", False, "rebate the carbon cost of exports", switch="always"),
    Option("bca.basis", "choice", "direct", "carbon content counted", choices=BASES, switch="always"),
    Option("bca.benchmark", "choice", "exporter", "whose intensity is charged",
           choices=("exporter", "importer", "world_average", "best", "exporter_markup", "worst"),
           switch="always"),
    Option("bca.default_markup", "number", None, "CBAM default value = exporter average x (1 + markup)",
           low=0.0, high=10.0, optional=True, requires="given exactly when bca.benchmark is exporter_markup"),
    Option("bca.credit_foreign_carbon_price", "bool", False, "credit carbon prices paid abroad",
           switch="always"),
    Option("bca.coverage", "codes", "eite", "sectors covered: EITE, all, CBAM goods (tag cbam) or a list of codes",
           choices=("eite", "all", "cbam"), switch="always"),
    Option("bca.exempt", "codes", (), "region codes and/or group names exempt from the charge", switch="always"),
    Option("bca.exempt_coalition", "bool", True, "coalition members exempt from each other's charges",
           switch="always"),
    Option("bca.implementers", "codes", (), "coalition members applying the BCA (empty = all members)",
           switch="always"),
    Option("bca.revenue", "choice", "importer", "who keeps the charge revenue", choices=("importer", "exporter"),
           switch="always"),
    Option("bca.instrument", "choice", "charge", "pay a charge, buy certificates, or surrender allowances under "
           "the coalition cap (embodied emissions count against it)", choices=("charge", "certificates",
                                                                                "allowances"),
           switch="if_set", structure="imports_in_cap",
           requires="allowances: not under a tax, and revenue importer, no crediting, no export rebate"),
    Option("bca.indirect_sectors", "codes", "all", "direct+electricity: sectors whose indirect emissions count",
           choices=("all",), switch="if_set", requires="a list needs bca.basis: direct+electricity"),
    Option("output_based_rebates.enabled", "bool", False, "rebate carbon costs per unit of output"),
    Option("output_based_rebates.basis", "choice", "direct", "carbon content rebated", choices=BASES),
    Option("output_based_rebates.benchmark", "choice", "exporter", "whose intensity is rebated (exporter = own)",
           choices=("exporter", "world_average", "best")),
    Option("output_based_rebates.coverage", "codes", "eite", "sectors rebated (as bca.coverage)",
           choices=("eite", "all", "cbam")),
    Option("elasticities", "mapping", {}, "overrides of cge/defaults/elasticities.csv, e.g. "
           "{sigma_dm: {\"*\": 4.0}}; their CES regime (0, 1, other) fixes the model", keys="elasticity",
           structure="elasticities"),
    Option("numeraire", "numeraire", "PW", "PW (world CPI) or PC:<region>", structure="numeraire"),
    Option("phase_in.year", "year", None, "CBAM phase-in year: charges x (1 - free allocation share)",
           optional=True, requires="a year needs bca.coverage: cbam or a list"),
    Option("phase_in.free_allocation", "bool", True, "the remaining share as output-based rebates to implementers",
           requires="true with a year needs output_based_rebates.enabled: false"),
    Option("shocks", "shocks", {}, "named shocks: import tariffs, export, output, input and factor taxes (a new "
           "rate or a change), endowments, Hicks-neutral or factor-augmenting productivity; each "
           "{type: ..., codes ..., rate or change} (docs/howto/shocks.md); the kinds of tax shocked fix the "
           "model, values and cells do not", structure="taxes_shocked"),
    Option("closure.current_account", "choice", "fixed", "fixed: the benchmark capital inflow bop[r] (at PW); "
           "flexible: each region saves a fixed share of its income and one world investment scale clears "
           "world savings", choices=("fixed", "flexible"), structure="current_account"),
    Option("closure.capital", "choice", "mobile", "mobile: one capital rent per region; sector_specific: "
           "capital is transformed between sectors with a CET (closure.capital_cet), one rent per sector",
           choices=("mobile", "sector_specific"), structure="capital"),
    Option("closure.capital_cet", "number", 1.0, "sector_specific: CET elasticity of capital between sectors "
           "(0 = fixed by sector, large = mobile)", low=0.0, high=1e4),
    Option("closure.labour", "choice", "full_employment", "full_employment: the wage clears the labour market; "
           "fixed_real_wage: the wage over the consumer price stays at its benchmark and employment adjusts; "
           "real_wage_floor: the real wage cannot fall below its benchmark nor employment rise above it",
           choices=("full_employment", "fixed_real_wage", "real_wage_floor"), structure="labour"),
    Option("recycling.domestic", "choice", "lump_sum", "carbon and BCA revenue kept at home: lump_sum to the "
           "regional agent, or labour_tax: a labour-tax change in each priced region keeps its real budget "
           "(labour-tax + net climate revenue, deflated by PC) at the benchmark", choices=("lump_sum", "labour_tax"),
           structure="recycling"),
    Option("recycling.transfer_share", "number", 0.0, "share of each region's revenue (recycling.transfer_of) "
           "paid to the recipients", low=0.0, high=1.0, requires="above 0 needs recycling.transfer_to"),
    Option("recycling.transfer_of", "choice", "bca", "revenue shared: BCA charges kept, carbon revenue "
           "(charges and permit sales), or both", choices=("bca", "carbon", "carbon_and_bca"), structure="transfer"),
    Option("recycling.transfer_to", "codes", (), "region codes and/or group names receiving the transfer",
           structure="transfer"),
    Option("recycling.transfer_weights", "choice", "consumption", "how recipients split the pool: by benchmark "
           "household consumption, by population (population.csv), or equally",
           choices=("consumption", "population", "equal")),
    Option("reference", "bool", False, "this scenario is the reference of the designs sharing its policy"),
    Option("diagnostics.ev_pct", "number", 10.0, "flag a region's EV beyond ± this % of its consumption",
           low=0.0, high=1e4),
    Option("diagnostics.change_pct", "number", 100.0, "flag a sector's output, export or import change beyond "
           "± this %", low=0.0, high=1e6),
    Option("diagnostics.transfer_pct", "number", 10.0, "flag a transfer (export or output rebates, BCA revenue "
           "kept, returned or paid) above this % of the region's consumption", low=0.0, high=1e4),
    Option("diagnostics.price_factor", "number", 2.0, "flag a price index (over PW) above this factor or below "
           "its inverse", low=1.0, high=1e6),
)

SOLVER_OPTIONS = (
    Option("solver.route", "choice", "auto", "solver route (`cge info` says which is used and why)",
           choices=ROUTES, sweep=False, used_by=("run", "cli")),
    Option("solver.tol", "positive", 1e-10, "Newton tolerance on the scaled residuals", used_by=("run",)),
    Option("solver.max_iter", "int", 200, "Newton (or Ipopt) iteration limit", low=1, used_by=("run",)),
    Option("solver.check_tol", "positive", 1e-8, "largest residual accepted on the Pyomo model",
           used_by=("run",)),
    Option("solver.linear_solver", "choice", "auto", "how Newton steps are solved (casadi route)",
           choices=("auto", "block_gmres", "lu"), sweep=False, used_by=("run",)),
    Option("solver.decomposition_steps", "int", None, "steps of the welfare-decomposition path: null = exact "
           "(Romberg-extrapolated path, remainder within 1% of |EV| or 0.01 bn USD), N = N equal steps (1 = "
           "two-point identity, no extra solves)", low=1, optional=True, sweep=False, used_by=("run", "cli")),
)

OPTIONS: dict[str, Option] = {o.name: o for o in SCENARIO_OPTIONS + SOLVER_OPTIONS}

#: SSP v3.1 GDP scenarios and UN WPP 2024 variants shipped in ``shared/data/projections``
SSPS = ("SSP1", "SSP2", "SSP3", "SSP4", "SSP5")
WPP_VARIANTS = ("med", "low", "high")
#: ``linear_to_zero``: imbalances (scaled with world GDP) shrink linearly to 0 by ``zero_by``;
#: ``constant_share``: they stay at their base-year share of world GDP (``zero_by`` unused)
CURRENT_ACCOUNT_RULES = ("linear_to_zero", "constant_share")
#: ``accumulate``: K from investment and depreciation; ``with_gdp``: K/Y constant (a balanced growth path)
CAPITAL_RULES = ("accumulate", "with_gdp")
PATH_DEFAULTS = "cge/defaults/dynamics/assumptions.yaml"

#: The assumptions of a baseline path (:mod:`cge.dynamics`). They belong to the path, not to a scenario:
#: every design is measured against the same year's baseline, so they are set once per run, in a scenario
#: file's ``path:`` section, a ``--assumptions`` file or ``--vary`` (``cge baseline``). Their default values,
#: each with its source, are in ``PATH_DEFAULTS`` (not repeated here: ``default`` is None).
PATH_OPTIONS = (
    Option("path.ssp", "choice", None, "SSP whose GDP path labour productivity is calibrated to", choices=SSPS),
    Option("path.wpp_variant", "choice", None, "UN WPP 2024 variant of the population path", choices=WPP_VARIANTS),
    Option("path.labour", "choice", None, "labour supply grows with total population (WPP age groups are not "
           "shipped)", choices=("total_population",)),
    Option("path.capital.rule", "choice", None, "capital accumulates from investment, or K/Y stays constant",
           choices=CAPITAL_RULES),
    Option("path.capital.depreciation_rate", "number", None, "depreciation, a share a year", low=0.0, high=0.5),
    Option("path.capital.net_rate_of_return", "number", None, "net return setting the benchmark capital stock",
           low=0.001, high=0.5),
    Option("path.current_account.rule", "choice", None, "current-account imbalances shrink linearly to zero, or "
           "keep their share of world GDP", choices=CURRENT_ACCOUNT_RULES),
    Option("path.current_account.zero_by", "int", None, "year by which imbalances are zero (linear_to_zero)",
           low=1900),
    Option("path.resources.rule", "choice", None, "fossil resource endowments grow with GDP to a power",
           choices=("gdp_elasticity",)),
    Option("path.resources.elasticity", "number", None, "that power: 0 holds reserves fixed", low=0.0, high=3.0),
    Option("path.government_investment", "choice", None, "government and investment demand grow with GDP",
           choices=("gdp",)),
    Option("path.aeei_file", "text", None, "AEEI table (region, fuel, rate_pct_per_year, source), relative to "
           "the file naming it"),
)


# ----------------------------------------------------------------------------- queries
def options_in(section: str) -> tuple[Option, ...]:
    """The scenario options directly in ``section`` ('' = top level), in declaration order."""
    return tuple(o for o in SCENARIO_OPTIONS if o.section == section)


def top_level_fields() -> tuple[str, ...]:
    """The keys of a scenario mapping: top-level options and sections, in declaration order."""
    out: list[str] = []
    for o in SCENARIO_OPTIONS:
        head = o.name.split(".")[0]
        if head not in out:
            out.append(head)
    return tuple(out)


def default(name: str) -> dataclasses.Field:
    """A dataclass field whose default is the schema's (a fresh copy for a mapping)."""
    value = OPTIONS[name].default
    if isinstance(value, dict):
        return dataclasses.field(default_factory=dict)
    return dataclasses.field(default=value)


def structural_fields() -> dict[str, tuple[str, ...]]:
    """``Structure`` field -> the scenario options it is derived from, in declaration order."""
    out: dict[str, tuple[str, ...]] = {}
    for o in SCENARIO_OPTIONS:
        if o.structural:
            out[o.structure] = out.get(o.structure, ()) + (o.name,)
    return out


def solver_defaults(used_by: str | None = None, sweep: bool | None = None) -> dict[str, object]:
    """Solver option keyword -> default; only those read by ``used_by`` / allowed in a sweep."""
    return {o.key: o.default for o in SOLVER_OPTIONS
            if (used_by is None or used_by in o.used_by) and (sweep is None or o.sweep == sweep)}


def solver_default(key: str):
    return OPTIONS[f"solver.{key}"].default


# ----------------------------------------------------------------------------- validation
def where(source: str | None, key: str) -> str:
    return f"{source}: {key}" if source else key


def check_value(opt: Option, value, source: str | None = None, key: str | None = None):
    """``value`` of ``opt`` validated and normalised (floats, tuples of codes); a
    :class:`ScenarioError` naming ``source`` and the key otherwise."""
    w = where(source, key or opt.name)
    if value is None and (opt.optional or opt.kind in ("codes", "mapping", "shocks")):
        return {} if opt.kind in ("mapping", "shocks") else () if opt.kind == "codes" else None
    return _CHECKS[opt.kind](opt, value, w, source, key or opt.name)


def _text(opt, value, w, source, key):
    if opt.required and (not isinstance(value, str) or not value):
        raise ScenarioError(f"{w}: every scenario needs a non-empty {opt.key}")
    if not isinstance(value, str):
        raise ScenarioError(f"{w}: must be text")
    return value


def _bool(opt, value, w, source, key):
    if not isinstance(value, bool):
        raise ScenarioError(f"{w}: {value!r} must be true or false")
    return value


def number(value, w: str, lo=None, hi=None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"{w}: {value!r} is not a number")
    if not math.isfinite(value):  # NaN passes every comparison: refused here, not mid-solve
        raise ScenarioError(f"{w}: {value} is not a finite number")
    if lo is not None and value < lo or hi is not None and value > hi:
        raise ScenarioError(f"{w}: {value} must lie in [{lo}, {hi}]")
    return float(value)


def _number(opt, value, w, source, key):
    return number(value, w, opt.low, opt.high)


def _positive(opt, value, w, source, key):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ScenarioError(f"{w}: {value!r} must be a positive number")
    if not math.isfinite(value):
        raise ScenarioError(f"{w}: {value} is not a finite number")
    return float(value)


def _int(opt, value, w, source, key):
    if isinstance(value, bool) or not isinstance(value, int) or value < opt.low:
        raise ScenarioError(f"{w}: {value!r} must be an integer >= {opt.low}")
    return value


def _choice(opt, value, w, source, key):
    if value not in opt.choices:
        raise ScenarioError(f"{w}: {value!r} is not one of {', '.join(opt.choices)}")
    return value


def _codes(opt, value, w, source, key):
    if isinstance(value, str):
        return value if value in opt.choices else (value,)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ScenarioError(f"{w}: expected a code or a list of codes, got {value!r}")
    return tuple(value)


def _mapping(opt, value, w, source, key):
    what = "region -> USD/t" if opt.keys == "region" else "parameter -> value"
    if not isinstance(value, dict):
        raise ScenarioError(f"{w}: expected a mapping {what}")
    if opt.keys == "region":
        return {str(k): number(v, where(source, f"{key}.{k}"), opt.low, opt.high) for k, v in value.items()}
    from cge.data.elasticities import PARAMETERS

    for k, v in value.items():
        if k not in PARAMETERS:
            raise ScenarioError(f"{where(source, f'{key}.{k}')}: unknown elasticity; known: {', '.join(PARAMETERS)}")
        for s, x in (v.items() if isinstance(v, dict) else [(None, v)]):
            _elasticity(x, where(source, f"{key}.{k}" if s is None else f"{key}.{k}.{s}"))
    return value


def _elasticity(value, w: str) -> None:
    """An elasticity override: a finite number >= 0 (sector codes are checked with the dataset)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"{w}: {value!r} is not a number")
    if not math.isfinite(value):
        raise ScenarioError(f"{w}: {value} is not a finite number")
    if value < 0:
        raise ScenarioError(f"{w}: {value} must be non-negative")


def _numeraire(opt, value, w, source, key):
    if not isinstance(value, str) or not (value == "PW" or value.startswith("PC:")):
        raise ScenarioError(f"{w}: {value!r} must be PW or PC:<region>")
    return value


def _year(opt, value, w, source, key):
    from cge.scenarios.cbam import phase_in_schedule

    schedule = phase_in_schedule()
    if isinstance(value, bool) or not isinstance(value, int) or value not in schedule.free_allocation:
        raise ScenarioError(f"{w}: {value!r} is outside the CBAM phase-in schedule "
                            f"({min(schedule.free_allocation)}..{max(schedule.free_allocation)}, {schedule.path})")
    return value


def _shocks(opt, value, w, source, key):
    return check_shocks(value, w)


_CHECKS = {"text": _text, "bool": _bool, "number": _number, "positive": _positive, "int": _int,
           "choice": _choice, "codes": _codes, "mapping": _mapping, "numeraire": _numeraire, "year": _year,
           "shocks": _shocks}


# ----------------------------------------------------------------------------- documentation
def _shown(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(value) + "]"
    if isinstance(value, dict):
        return "{}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _allowed(o: Option) -> str:
    if o.choices:
        extra = " or codes" if o.kind == "codes" else ""
        return " \\| ".join(o.choices) + extra
    if o.kind in ("number", "int") and (o.low is not None or o.high is not None):
        lo = "" if o.low is None else _shown(float(o.low)) if o.kind == "number" else str(o.low)
        return f"[{lo}, {_shown(float(o.high))}]" if o.high is not None else f">= {lo}"
    if o.kind == "year":
        from cge.scenarios.cbam import phase_in_schedule

        years = phase_in_schedule().free_allocation
        return f"{min(years)}..{max(years)} or null"
    if o.kind == "shocks":
        return "name: {type: " + " \\| ".join(SHOCK_TYPES) + ", ...}"
    if o.kind == "mapping":
        return f"region: [{_shown(o.low)}, {_shown(o.high)}]" if o.keys == "region" else "elasticity: value"
    return {"positive": "> 0", "bool": "true \\| false", "codes": "codes", "numeraire": "PW \\| PC:<region>",
            "text": "text"}.get(o.kind, "")


def markdown_table() -> str:
    """The README's options table (one row per option; the README test checks it is current)."""
    rows = ["| option | kind | default | allowed | model structure | in a sweep | description |",
            "|---|---|---|---|---|---|---|"]
    for o in SCENARIO_OPTIONS + SOLVER_OPTIONS + PATH_OPTIONS:
        doc = o.doc + (f" (rule: {o.requires})" if o.requires else "")
        path = o.name.startswith("path.")
        default_ = ("`assumptions.yaml`" if path else "required" if o.required else '""' if o.default == ""
                    else _shown(o.default))
        solver = o.name.startswith("solver.")
        structural = "—" if solver or path else f"yes ({o.structure})" if o.structural else "no"
        sweep = "`cge baseline --vary`" if path else ("`solver:`" if solver else "yes") if o.sweep else "no"
        rows.append(f"| `{o.name}` | {o.kind} | {default_} | {_allowed(o)} | {structural} | {sweep} | "
                    f"{doc.replace('|', '/')} |")
    return "\n".join(rows) + "\n"

