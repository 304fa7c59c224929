"""Shocks as scenario data: the schema of the ``shocks:`` option (:mod:`cge.scenarios.options`).

A scenario may name any number of shocks, each a mapping with a ``type`` and the codes of the
cells it hits; the name is the key a sweep varies (``grid: {shocks.NAME.rate: [...]}``):

.. code-block:: yaml

    shocks:
      chn_tariff:   {type: import_tariff, importer: CHN, exporter: EU27, sectors: eite, rate: 0.25}
      tfp_china:    {type: productivity, regions: CHN, change: 0.02}                 # Hicks-neutral
      labour_aug:   {type: productivity, regions: IND, factors: [labour], change: 0.05}
      more_capital: {type: endowment, regions: all, factors: [capital], change: 0.10}

Tax shocks (``import_tariff``, ``export_tax``, ``output_tax``, ``input_tax``, ``factor_tax``) give
the ad valorem ``rate`` the cells get (a new rate, 0.25 = 25%) or the ``change`` added to the
benchmark rate (0.05 = five percentage points); exactly one of the two. Endowment and
productivity shocks give the proportional ``change`` (0.1 = +10%). Codes are checked against a
dataset when the scenario meets one (:func:`cge.bca.shocks.resolve_shocks`): regions may be
region codes or groups (``all`` = every region), sectors and goods sector codes or ``eite``,
``cbam``, ``all``, factors factor codes, ``resource`` (endowment shocks: the resource rents of
the sectors named) or ``all``. Shocks apply in the order written: a later ``rate`` on the same
cell replaces, a later ``change`` adds; endowment and productivity changes multiply.

Every shock is a *parametric* option: the rates, endowments and productivities are mutable
parameters of the compiled model (:mod:`cge.bca.shocks`), so shocks combine with any carbon and
BCA design and re-solve one compiled model.
"""

from __future__ import annotations

import math

from cge.errors import ScenarioError

#: set names every code field accepts besides codes (regions: ``all`` besides groups)
ALL = "all"
SECTOR_SETS = ("all", "eite", "cbam")

#: each shock type: its fields naming cells -> (required, what they name), the value fields it
#: takes, and the model cell it moves (for the docs)
SHOCK_TYPES: dict[str, dict] = {
    "import_tariff": {"fields": {"importer": (True, "regions"), "exporter": (False, "regions"),
                                 "sectors": (False, "sectors")},
                      "values": ("rate", "change"), "doc": "importer's tariff tm[good, exporter, importer]"},
    "export_tax": {"fields": {"exporter": (True, "regions"), "importer": (False, "regions"),
                              "sectors": (False, "sectors")},
                   "values": ("rate", "change"), "doc": "exporter's tax tx[good, exporter, importer] (< 0: subsidy)"},
    "output_tax": {"fields": {"regions": (True, "regions"), "sectors": (False, "sectors")},
                   "values": ("rate", "change"), "doc": "output tax to[region, sector] (< 0: subsidy)"},
    "input_tax": {"fields": {"regions": (True, "regions"), "goods": (False, "sectors"),
                             "sectors": (False, "sectors")},
                  "values": ("rate", "change"), "doc": "tax on sector purchases of goods, tpu[region, good, sector]"},
    "factor_tax": {"fields": {"regions": (True, "regions"), "factors": (False, "factors"),
                              "sectors": (False, "sectors")},
                   "values": ("rate", "change"), "doc": "tax on factor use tf[region, factor, sector]"},
    "endowment": {"fields": {"regions": (True, "regions"), "factors": (False, "factors"),
                             "sectors": (False, "sectors")},
                  "values": ("change",), "doc": "endowments of factors (and, with factor resource, the "
                                                "resource rents of the sectors named), x (1 + change)"},
    "productivity": {"fields": {"regions": (True, "regions"), "sectors": (False, "sectors"),
                                "factors": (False, "factors")},
                     "values": ("change",), "doc": "Hicks-neutral (no factors) or factor-augmenting "
                                                   "productivity, x (1 + change)"},
}
#: allowed range of a new ad valorem rate, by tax type (output taxes below 1: producers keep 1 − to)
RATE_RANGE = {"output_tax": (-0.9, 0.9)}
DEFAULT_RATE_RANGE = (-0.9, 10.0)
#: allowed range of a change: a rate change in percentage points, or a proportional change
CHANGE_RANGE = {"endowment": (-0.99, 10.0), "productivity": (-0.99, 10.0)}
DEFAULT_CHANGE_RANGE = (-1.0, 10.0)


def shock_fields(kind: str | None = None) -> set[str]:
    """The keys a shock of ``kind`` may have (every type's keys when ``kind`` is None)."""
    kinds = [kind] if kind else list(SHOCK_TYPES)
    out = {"type"}
    for k in kinds:
        out |= set(SHOCK_TYPES[k]["fields"]) | set(SHOCK_TYPES[k]["values"])
    return out


def _finite(value, w: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ScenarioError(f"{w}: {value!r} is not a finite number")
    if value < lo or value > hi:
        raise ScenarioError(f"{w}: {value} must lie in [{lo}, {hi}]")
    return float(value)


def _codes(value, w: str):
    if isinstance(value, str):
        return value
    if not isinstance(value, (list, tuple)) or not value or not all(isinstance(v, str) for v in value):
        raise ScenarioError(f"{w}: expected a code, a set name or a non-empty list of codes, got {value!r}")
    return tuple(value)


def check_shock(shock, w: str) -> dict:
    """One shock validated and normalised (codes as a string or a tuple, values as floats)."""
    if not isinstance(shock, dict):
        raise ScenarioError(f"{w}: expected a mapping with a type (one of {', '.join(SHOCK_TYPES)})")
    kind = shock.get("type")
    if kind not in SHOCK_TYPES:
        raise ScenarioError(f"{w}.type: {kind!r} is not a shock type; known: {', '.join(SHOCK_TYPES)}")
    spec = SHOCK_TYPES[kind]
    allowed = shock_fields(kind)
    for k in shock:
        if k not in allowed:
            raise ScenarioError(f"{w}.{k}: unknown key for a {kind} shock; allowed keys: {', '.join(sorted(allowed))}")
    out: dict = {"type": kind}
    for field, (required, _what) in spec["fields"].items():
        if shock.get(field) is None:
            if required:
                raise ScenarioError(f"{w}.{field}: a {kind} shock must name its {field}")
            out[field] = ALL
        else:
            out[field] = _codes(shock[field], f"{w}.{field}")
    factors = out.get("factors", ALL)
    factors = (factors,) if isinstance(factors, str) else factors
    if kind == "endowment" and out["sectors"] != ALL and ALL not in factors and "resource" not in factors:
        raise ScenarioError(f"{w}.sectors: endowments of {', '.join(factors)} are not by sector (a factor is "
                            "mobile across sectors); sectors names the resource rents scaled with factor resource")
    given = [v for v in spec["values"] if shock.get(v) is not None]
    if len(given) != 1:
        what = " or ".join(spec["values"])
        raise ScenarioError(f"{w}: a {kind} shock takes exactly one {what} (got {len(given) or 'none'})")
    v = given[0]
    lo, hi = (RATE_RANGE.get(kind, DEFAULT_RATE_RANGE) if v == "rate"
              else CHANGE_RANGE.get(kind, DEFAULT_CHANGE_RANGE))
    out[v] = _finite(shock[v], f"{w}.{v}", lo, hi)
    return out


def check_shocks(value, w: str) -> dict:
    """The ``shocks`` option: a mapping of shock names to shocks (:func:`check_shock`)."""
    if not isinstance(value, dict):
        raise ScenarioError(f"{w}: expected a mapping of shock names to shocks, e.g. "
                            "{chn_tariff: {type: import_tariff, importer: CHN, exporter: EU27, rate: 0.25}}")
    return {str(k): check_shock(s, f"{w}.{k}") for k, s in value.items()}
