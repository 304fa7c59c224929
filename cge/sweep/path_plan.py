"""Path sweeps: a sweep file with a ``path:`` section varies the assumptions of the recursive-dynamic
baseline (:mod:`cge.dynamics`); each point solves the whole path, the baseline and every policy design on
it, for one set of assumptions.

.. code-block:: yaml

    name: cbam-path-aeei
    path:
      end: 2030               # last year; the path starts at the dataset's base year
      step: 5                 # years between solves: 1 or 5
      scenarios: ../cge/scenarios/eu_cbam_phase_in.yaml   # policy designs on the path, as `cge baseline
                              # --scenarios` (relative to this file; none: the baseline alone)
      policy_from: 2025       # first year of scenarios without a CBAM phase-in year (default 2025)
      discount_rate: 3        # % a year, of the discounted EV over the path (default 3)
      assumptions: {ssp: SSP2}   # path.* keys over the defaults and the scenario file's path: section
    designs:                  # the variants (optional): path.* keys and elasticities.PARAM
      - {name: calibrated AEEI}
      - {name: no AEEI, path.aeei_file: aeei_zero.csv}  # relative to this file
    grid:                     # every combination (optional), with each variant
      path.ssp: [SSP1, SSP3]
      elasticities.sigma_dm: [2, 6]

Axis fields are the path options of :data:`cge.scenarios.options.PATH_OPTIONS` (``path.ssp``,
``path.capital.depreciation_rate``, ``path.aeei_file``, ...), each value checked by its kind, and
``elasticities.PARAM`` (one value for every sector, as ``cge baseline --vary``), applied to the baseline
and every design alike. A path sweep has no ``base:`` (its designs come from ``path.scenarios``) and no
``ssa:``. The assumptions merge as in ``cge baseline``: the defaults < the scenario file's ``path:`` <
``path.assumptions`` < the variant's keys.

A point's id hashes what its path depends on: the merged assumptions (an AEEI file by its content), the
computed drivers of every year (so drivers derived from the projections and the dataset's mappings count
too), the elasticities, the years, every design's scenarios (as a scenario sweep's id: not their names or
descriptions), the discount rate, the dataset's fingerprint, the packaged defaults (``cge/defaults/dynamics``,
the CBAM phase-in schedule, the elasticities) and the solver settings. Every point's
drivers are computed (and so checked) before any solve.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from pathlib import Path

from cge.dynamics.commands import ELASTICITIES
from cge.errors import CGEError, DataError, ScenarioError
from cge.scenarios.options import PATH_OPTIONS, check_value
from cge.scenarios.spec import deep_merge, path_assumptions_from_dict
from cge.sweep.fingerprints import elasticity_defaults_fingerprint, path_defaults_fingerprint, scenario_payload

#: the keys of a sweep file's ``path:`` section, with their defaults (None: required or optional)
PATH_KEYS = {"end": None, "step": 1, "scenarios": None, "policy_from": 2025, "discount_rate": 3.0,
             "assumptions": {}}
#: the prefix of an axis that varies a path option (``path.ssp``) and of one that varies an elasticity
PATH_AXIS, ELASTICITY_AXIS = "path", ELASTICITIES


@dataclass
class PathSettings:
    """A sweep file's ``path:`` section, validated; ``scenarios`` absolute."""

    end: int
    step: int
    scenarios: str | None
    policy_from: int
    discount_rate: float
    assumptions: dict = field(default_factory=dict)


@dataclass
class PathWork:
    """What a worker needs to solve one path point (picklable)."""

    growth: list                 # cge.dynamics.growth_path.YearGrowth, one per year
    designs: dict                # design -> {from_year: Scenario}
    elasticities: dict | None
    discount_rate: float


@dataclass
class PathPoint:
    """One set of path assumptions; ``design`` is the variant's label (the sweep's design)."""

    id: str
    design: str
    work: PathWork
    definition: dict             # what the plan records of the point (JSON)
    draw: int = -1
    weight: float = 1.0
    factors: dict = field(default_factory=dict)


def _err(source, key, msg) -> ScenarioError:
    return ScenarioError(f"{source}: {key}: {msg}")


def path_settings(data, source: str) -> PathSettings:
    """The ``path:`` section of a sweep file, each key checked (one error naming file and key)."""
    if not isinstance(data, dict):
        raise _err(source, "path", f"expected a mapping with keys {', '.join(PATH_KEYS)}")
    bad = sorted(set(data) - set(PATH_KEYS))
    if bad:
        raise _err(source, "path", f"unknown key(s) {bad}; allowed: {', '.join(PATH_KEYS)}")
    if "end" not in data:
        raise _err(source, "path.end", "missing: the last year of the path")
    s = {**PATH_KEYS, **data}
    for key in ("end", "policy_from"):
        v = s[key]
        if isinstance(v, bool) or not isinstance(v, int) or not 1900 <= v <= 2300:
            raise _err(source, f"path.{key}", f"{v!r} must be a year (an integer)")
    if s["step"] not in (1, 5) or isinstance(s["step"], bool):
        raise _err(source, "path.step", f"{s['step']!r} must be 1 or 5 (years between solves)")
    rate = s["discount_rate"]
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 100:
        raise _err(source, "path.discount_rate", f"{rate!r} must be a number in [0, 100] (% a year)")
    scenarios = s["scenarios"]
    if scenarios is not None:
        if not isinstance(scenarios, str) or not scenarios:
            raise _err(source, "path.scenarios", "must be the path of a scenario file")
        p = Path(scenarios)
        p = p if p.is_absolute() else Path(source).parent / p
        if not p.is_file():
            raise _err(source, "path.scenarios", f"{p}: scenario file not found")
        scenarios = str(p)
    assumptions = path_assumptions_from_dict(s["assumptions"] or {}, source, prefix="path.assumptions.")
    return PathSettings(end=s["end"], step=s["step"], scenarios=scenarios, policy_from=s["policy_from"],
                        discount_rate=float(rate), assumptions=assumptions)


def check_path_field(path: str, source: str, where: str) -> list[str]:
    """A dotted field a path sweep may vary (module docstring); return its parts."""
    from cge.data.elasticities import PARAMETERS

    parts = path.split(".") if isinstance(path, str) else []
    if parts[:1] == [ELASTICITY_AXIS]:
        if len(parts) != 2 or parts[1] not in PARAMETERS:
            raise _err(source, where, f"{path!r}: vary elasticities.PARAM (every sector) with PARAM one of "
                       f"{', '.join(PARAMETERS)}")
        return parts
    known = {o.name for o in PATH_OPTIONS}
    if path not in known:
        raise _err(source, where, f"unknown path field {path!r}; a path sweep varies elasticities.PARAM or one "
                   f"of {', '.join(sorted(known))}")
    return parts


def check_path_values(path: str, values: list, source: str) -> None:
    """Each value of a path axis by its option's kind, or as an elasticity (a number >= 0)."""
    from cge.dynamics.commands import elasticity_override

    opts = {o.name: o for o in PATH_OPTIONS}
    for v in values:
        if path in opts:
            check_value(opts[path], v, source, f"grid.{path}")
        else:
            try:
                elasticity_override(path.partition(".")[2], v, f"{source}: grid.{path}")
            except CGEError as exc:
                raise ScenarioError(str(exc)) from None


def check_variant(settings: PathSettings, override: dict, source: str) -> dict:
    """The variant's path assumptions over ``settings.assumptions``, checked against the schema."""
    merged = deep_merge(settings.assumptions, override.get(PATH_AXIS) or {})
    return path_assumptions_from_dict(merged, source, prefix="path.")


def variant_elasticities(override: dict, where: str) -> dict | None:
    """``{PARAM: value}`` of a variant (None without), each checked as ``cge baseline --vary
    elasticities.PARAM`` checks it; design overrides store ``{PARAM: {"*": value}}``. A bad value is one
    :class:`ScenarioError` naming ``where`` and the key."""
    from cge.dynamics.commands import elasticity_override, split_variant

    _assumptions, el = split_variant(override)
    out = {}
    for p, v in (el or {}).items():
        key = f"{where}.{ELASTICITY_AXIS}.{p}"
        if isinstance(v, dict):
            if set(v) != {"*"}:
                raise ScenarioError(f"{key}: a path sweep sets an elasticity for every sector: one number >= 0, "
                                    f"got {v!r}")
            v = v["*"]
        try:
            out.update(elasticity_override(p, v, key))
        except CGEError as exc:
            raise ScenarioError(str(exc)) from None
    return out or None


def _growth_digest(growth: list) -> str:
    """Hash of a path's drivers, every multiplier and index to 12 significant digits (so the id does not
    depend on the machine's last bits): drivers derived from the projections and the dataset's mappings
    enter the id whatever file they came from."""
    rows = [[g.year, *[sorted((str(k), float(f"{v:.12g}")) for k, v in getattr(g, f.name).items())
                       for f in fields(g) if f.name != "year"]] for g in growth]
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]


def _file_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def plan_path_points(spec, overrides: list[tuple[str, dict]], b, dataset: Path | None = None) -> list[PathPoint]:
    """Every point of the path sweep ``spec`` on benchmark ``b``, one per ``(label, override)`` of
    ``overrides`` (:func:`cge.sweep.spec.design_overrides`): the designs read and checked against the
    dataset, each variant's drivers computed (errors name the sweep file and the variant)."""
    from cge.data.benchmark import dataset_fingerprint
    from cge.data.elasticities import for_benchmark
    from cge.dynamics.commands import designs_from
    from cge.dynamics.setup import path_growth
    from cge.results.run import check_scenarios
    from cge.scenarios.spec import load_path_spec, load_scenarios

    s: PathSettings = spec.path
    designs, own = {}, {}
    if s.scenarios:
        scenarios = load_scenarios(s.scenarios)
        check_scenarios(b, scenarios, s.scenarios)
        designs = designs_from(scenarios, Path(s.scenarios).stem, s.policy_from)
        own = load_path_spec(s.scenarios)
    fp, elasticity_defaults = dataset_fingerprint(b), elasticity_defaults_fingerprint()
    here = Path(spec.source).parent
    points = []
    for label, ov in overrides:
        where = f"{spec.source} [{label}]"
        assumptions = deep_merge(own, check_variant(s, ov, where))
        if "aeei_file" in (ov.get(PATH_AXIS) or {}) or "aeei_file" in s.assumptions:
            aeei = Path(str(assumptions["aeei_file"]))
            assumptions["aeei_file"] = str(aeei if aeei.is_absolute() else (here / aeei).resolve())
        elasticities = variant_elasticities(ov, where)
        try:
            if elasticities:
                for_benchmark(b, elasticities)
            growth, _a, _t = path_growth(b, s.end, s.step, dataset=dataset, override=assumptions)
        except CGEError as exc:
            raise DataError(f"{where}: {exc}") from None
        years = [g.year for g in growth]
        definition = {"assumptions": assumptions, "elasticities": elasticities, "years": years,
                      "designs": {d: {int(y): sc.name for y, sc in sched.items()} for d, sched in designs.items()},
                      "discount_rate_pct": s.discount_rate}
        hashed = {**definition, "assumptions": {**assumptions, **({"aeei_file": _file_digest(assumptions["aeei_file"])}
                                                               if "aeei_file" in assumptions else {})},
                  "designs": {d: {int(y): scenario_payload(sc) for y, sc in sched.items()}
                              for d, sched in designs.items()},
                  "drivers": _growth_digest(growth), "dataset": fp, "elasticity_defaults": elasticity_defaults,
                  "path_defaults": path_defaults_fingerprint(), "solver": spec.solver}
        pid = hashlib.sha256(json.dumps(hashed, sort_keys=True, default=str).encode()).hexdigest()[:20]
        points.append(PathPoint(pid, label, PathWork(growth, designs, elasticities, s.discount_rate), definition))
    return points
