"""Sweep specifications: YAML validated on load, resolved into points with content-hash ids.

.. code-block:: yaml

    name: bca-designs                # optional; default: the file name
    base:                            # a scenario, as in scenario files (name optional)
      coalition: [annex1]
      policy: {instrument: coalition_cap, cut: 0.20}
    designs:                         # an explicit list (optional); dotted keys or nested mappings
      - {name: REF}
      - {name: BCA-direct, bca.import_charge: true}
      - {name: BCA-full, bca: {import_charge: true, export_rebate: true}}
    grid:                            # a full grid (optional): every combination of these values
      policy.cut: [0.1, 0.2, 0.3]
      coalition: [[annex1], [annex1, CHN]]
    ssa:                             # optional: systematic sensitivity analysis, for every design
      design: stroud                 # stroud (2n points) | monte_carlo (draws, seed)
      parameters:
        sigma_dm: {distribution: uniform, low: 0.5, high: 1.5}          # factor on every sector's value
        eta.coa: {distribution: triangular, low: 2, mode: 4, high: 6, scale: absolute}
        sigma_kle: {distribution: normal, mean: 1.0, sd: 0.25}          # truncated at zero
    solver: {tol: 1.0e-10, max_iter: 200, check_tol: 1.0e-8}
    batch_size: 8                    # points per Dask task (default: chosen from the sweep size)

Designs are ``designs × grid`` (either may be absent; neither means the base alone). Axis
fields are dotted scenario fields (``policy.cut``, ``bca.basis``, ``bca.exempt``, ``coalition``,
``output_based_rebates.enabled``, ``phase_in.year``, ``elasticities.sigma_dm``,
``elasticities.sigma_dm.met``, ``foreign_carbon_prices.CHN``, ``shocks.NAME.rate``, ...) checked against the options
schema :mod:`cge.scenarios.options` (every option but ``name`` and ``description`` may be swept), and each
grid value by its option's kind; every resolved point is validated by
:func:`cge.scenarios.spec.scenario_from_dict` and against the dataset (regions, groups, sectors) before
any work starts. ``solver:`` takes the options of :mod:`cge.scenarios.options` marked for sweeps.

A file with a ``path:`` section is a path sweep (:mod:`cge.sweep.path_plan`): its designs and grid vary the
assumptions of the recursive-dynamic baseline, and each point solves the whole path.

SSA parameters are ``PARAM`` (all sectors) or ``PARAM.SECTOR`` (one sector). With the default
``scale: multiplicative`` a draw is a *factor* on the design's value of that parameter (the
default of ``cge/defaults/elasticities.csv`` unless the design overrides it), so
``sigma_dm: uniform(0.5, 1.5)`` scales every sector's Armington elasticity by the same factor and
keeps the sectoral pattern (and ``sigma_mm = 2·sigma_dm`` where the defaults leave it blank); with
``scale: absolute`` the draw is the value itself. Every design sees the same draws (common random
numbers), so design differences are not blurred by sampling noise.

A point's id is a hash of its full resolved definition: the scenario without its name, the
coalition as region codes, the dataset's fingerprint, the elasticity defaults file and the
solver settings. Identical points in two designs are solved once.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cge.data.benchmark import dataset_fingerprint
from cge.errors import ScenarioError
from cge.io.files import load_yaml
from cge.scenarios.options import (
    OPTIONS,
    SCENARIO_OPTIONS,
    SECTIONS,
    check_value,
    options_in,
    solver_defaults,
    top_level_fields,
)
from cge.scenarios.spec import Scenario, deep_merge, scenario_from_dict
from cge.sweep.fingerprints import cbam_schedule_fingerprint, elasticity_defaults_fingerprint, scenario_payload
from cge.sweep.ssa import DESIGNS, Distribution, monte_carlo_design, stroud_design

TOP_KEYS = ("name", "description", "dataset", "base", "path", "designs", "grid", "ssa", "solver", "batch_size")
#: the solver settings a sweep file may give (``solver:``), with their defaults (:mod:`cge.scenarios.options`)
SOLVER_DEFAULTS = solver_defaults(sweep=True)


@dataclass
class SSASpec:
    design: str
    parameters: dict[str, Distribution]        # key: PARAM or PARAM.SECTOR
    scale: dict[str, str]                      # key -> multiplicative | absolute
    draws: int = 0
    seed: int = 0

    def sample(self) -> np.ndarray:
        """Draws (rows) × parameters (columns, in ``parameters`` order)."""
        dists = list(self.parameters.values())
        if self.design == "stroud":
            return stroud_design(dists)
        return monte_carlo_design(dists, self.draws, self.seed)


@dataclass
class SweepSpec:
    name: str
    source: str
    base: dict
    designs: list[tuple[str, dict]]            # (label, nested overrides)
    grid: list[tuple[str, list]]               # (dotted field, values)
    ssa: SSASpec | None = None
    solver: dict = field(default_factory=lambda: dict(SOLVER_DEFAULTS))
    batch_size: int | None = None
    dataset: str | None = None
    description: str = ""
    #: a path sweep (:mod:`cge.sweep.path_plan`): each point solves the baseline path and its designs
    path: object = None


@dataclass
class Point:
    id: str
    design: str
    draw: int             # -1: no SSA (the design itself)
    weight: float         # weight of the draw within its design
    scenario: Scenario
    factors: dict         # SSA key -> drawn value (factor or absolute)

    @property
    def work(self) -> Scenario:
        """What a worker solves (:func:`cge.sweep.worker.solve_batch`)."""
        return self.scenario

    @property
    def definition(self) -> dict:
        """What the plan records of the point."""
        return self.scenario.to_dict()


# ----------------------------------------------------------------------------- loading
def _err(source, key, msg) -> ScenarioError:
    return ScenarioError(f"{source}: {key}: {msg}")


def check_field_path(path: str, source: str, where: str) -> list[str]:
    """Validate a dotted scenario field a sweep may vary (:mod:`cge.scenarios.options`, ``sweep``); return
    its parts. A section (``bca``) or a mapping (``elasticities``) may be varied whole, a
    mapping also by key (``elasticities.sigma_dm[.SECTOR]``, ``foreign_carbon_prices.REGION``)."""
    if not isinstance(path, str) or not path:
        raise _err(source, where, f"{path!r} is not a dotted scenario field")
    parts = path.split(".")
    head = parts[0]
    axes = [f for f in top_level_fields() if any(o.sweep for o in SCENARIO_OPTIONS if o.name.split(".")[0] == f)]
    if head not in axes:
        raise _err(source, f"{where}", f"unknown scenario field {head!r}; fields: {', '.join(sorted(axes))}")
    if head in SECTIONS:
        sub = {o.key for o in options_in(head) if o.sweep}
        if len(parts) > 2 or (len(parts) == 2 and parts[1] not in sub):
            raise _err(source, where, f"unknown field {path!r}; {head} fields: {', '.join(sorted(sub))}")
        return parts
    opt = OPTIONS[head]
    if opt.keys == "elasticity":
        from cge.data.elasticities import PARAMETERS

        if len(parts) > 3 or (len(parts) >= 2 and parts[1] not in PARAMETERS):
            raise _err(source, where, f"unknown elasticity in {path!r}; known: {', '.join(PARAMETERS)}")
    elif opt.kind == "shocks":
        from cge.scenarios.shocks import shock_fields

        if len(parts) > 3 or (len(parts) == 3 and parts[2] not in shock_fields()):
            raise _err(source, where, f"{path!r}: vary shocks.NAME (a whole shock) or shocks.NAME.FIELD with "
                       f"FIELD one of {', '.join(sorted(shock_fields()))}")
    elif opt.keys == "region":
        if len(parts) > 2:
            raise _err(source, where, f"{path!r}: {head} takes one region code")
    elif len(parts) > 1:
        raise _err(source, where, f"{head!r} has no sub-fields (got {path!r})")
    return parts


def check_axis_values(path: str, values: list, source: str) -> None:
    """Each value of a grid axis that is one option checked by its kind now, naming the axis
    (cross-option rules and dataset codes are checked per point)."""
    opt = OPTIONS.get(path)
    if opt is not None:
        for v in values:
            check_value(opt, v, source, f"grid.{path}")


def _nested(parts: list[str], value) -> dict:
    out = value
    for p in reversed(parts):
        out = {p: out}
    return out


def _normalise_elasticities(d: dict) -> dict:
    """Scalars ``{p: v}`` become ``{p: {'*': v}}`` so per-sector entries merge with them."""
    el = d.get("elasticities")
    if isinstance(el, dict):
        d = dict(d)
        d["elasticities"] = {k: (v if isinstance(v, dict) else {"*": v}) for k, v in el.items()}
    return d


def _overrides(item: dict, source: str, where: str, check=check_field_path) -> dict:
    """A design mapping (dotted keys and/or nested mappings) as a nested override."""
    out: dict = {}
    for k, v in item.items():
        parts = check(k, source, f"{where}.{k}")
        out = deep_merge(out, _normalise_elasticities(_nested(parts, v)))
    return out


def _label(value) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_label(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{_label(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _int(value, source, key, lo) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise _err(source, key, f"{value!r} must be an integer >= {lo}")
    return value


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and validate a sweep file (see the module docstring)."""
    path = Path(path)
    data = load_yaml(path, ScenarioError)
    return sweep_from_dict(data, str(path), default_name=path.stem)


def sweep_from_dict(data, source: str = "sweep", default_name: str = "sweep") -> SweepSpec:
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a sweep file is a mapping with keys {', '.join(TOP_KEYS)}")
    for k in data:
        if k not in TOP_KEYS:
            raise _err(source, k, f"unknown key; allowed: {', '.join(TOP_KEYS)}")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name:
        raise _err(source, "name", "must be non-empty text")
    if data.get("path") is not None:
        return _path_sweep(data, source, name)
    base = data.get("base") or {}
    if not isinstance(base, dict):
        raise _err(source, "base", "expected a scenario mapping")
    base = _normalise_elasticities(dict(base))
    base.setdefault("name", name)
    scenario_from_dict(base, source=f"{source} [base]")        # names a bad base key early
    designs = _designs(data["designs"], source) if "designs" in data else []
    grid = _grid(data["grid"], source) if "grid" in data else []
    ssa = _ssa(data["ssa"], source) if data.get("ssa") is not None else None
    solver = _solver(data.get("solver") or {}, source)
    bs = data.get("batch_size")
    if bs is not None:
        bs = _int(bs, source, "batch_size", 1)
    dataset = _dataset(data, source)
    spec = SweepSpec(name=name, source=source, base=base, designs=designs, grid=grid, ssa=ssa,
                     solver=solver, batch_size=bs, dataset=dataset, description=str(data.get("description", "")))
    # validate every design (without the dataset) now, so a bad value names its key
    for label, ov in design_overrides(spec):
        scenario_from_dict(deep_merge(base, ov) | {"name": label}, source=f"{source} [{label}]")
    return spec


def _path_sweep(data: dict, source: str, name: str) -> SweepSpec:
    """A sweep file with a ``path:`` section (:mod:`cge.sweep.path_plan`): its designs and grid vary the
    path's assumptions; every variant checked against the schema now."""
    from cge.sweep.path_plan import (
        check_path_field,
        check_path_values,
        check_variant,
        path_settings,
        variant_elasticities,
    )

    for key, why in (("base", "its designs come from path.scenarios"), ("ssa", "vary elasticities with grid: "
                     "elasticities.PARAM: [...]")):
        if key in data:
            raise _err(source, key, f"not used by a path sweep (a sweep with path:): {why}")
    settings = path_settings(data["path"], source)
    designs = _designs(data["designs"], source, check_path_field) if "designs" in data else []
    grid = _grid(data["grid"], source, check_path_field, check_path_values) if "grid" in data else []
    spec = SweepSpec(name=name, source=source, base={"name": name}, designs=designs, grid=grid,
                     solver=_solver(data.get("solver") or {}, source), dataset=_dataset(data, source),
                     batch_size=_int(data["batch_size"], source, "batch_size", 1) if "batch_size" in data else None,
                     description=str(data.get("description", "")), path=settings)
    for k, (_label_k, ov) in enumerate(designs):     # a design's elasticities, as the grid's values are
        variant_elasticities(ov, f"{source}: designs[{k}]")
    for label, ov in design_overrides(spec):
        check_variant(settings, ov, f"{source} [{label}]")
    return spec


def _dataset(data: dict, source: str) -> str | None:
    """``dataset:``, relative to the sweep file."""
    dataset = data.get("dataset")
    if dataset is None:
        return None
    if not isinstance(dataset, str):
        raise _err(source, "dataset", "must be a folder path")
    p = Path(dataset)
    if not p.is_absolute() and source not in ("sweep",):
        p = Path(source).parent / p
    return str(p)


def _designs(items, source: str, check=check_field_path) -> list[tuple[str, dict]]:
    """``designs:``: (label, nested override) per design; labels default to the overrides. ``check``:
    the fields a design may set (:func:`check_field_path`, or a path sweep's)."""
    if not isinstance(items, list) or not items:
        raise _err(source, "designs", "must be a non-empty list of mappings")
    designs: list[tuple[str, dict]] = []
    for k, item in enumerate(items):
        where = f"designs[{k}]"
        if not isinstance(item, dict):
            raise _err(source, where, "must be a mapping of scenario fields")
        item = dict(item)
        label = item.pop("name", None)
        item.pop("description", None)
        ov = _overrides(item, source, where, check)
        if label is None:
            label = ", ".join(f"{kk}={_label(v)}" for kk, v in item.items()) or f"design-{k + 1}"
        designs.append((str(label), ov))
    labels = [d[0] for d in designs]
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        raise _err(source, "designs", f"design name(s) used twice: {dup}")
    return designs


def _grid(g, source: str, check=check_field_path, check_values=check_axis_values) -> list[tuple[str, list]]:
    """``grid:``: (dotted field, values) per axis, each value checked by the field's kind."""
    if not isinstance(g, dict) or not g:
        raise _err(source, "grid", "must be a non-empty mapping of scenario field -> list of values")
    grid: list[tuple[str, list]] = []
    for k, values in g.items():
        check(k, source, f"grid.{k}")
        if not isinstance(values, list):
            raise _err(source, f"grid.{k}", f"expected a list of values, got {values!r}")
        if not values:
            raise _err(source, f"grid.{k}", "empty axis: give at least one value")
        check_values(k, values, source)
        grid.append((k, values))
    return grid


def _solver(s, source: str) -> dict:
    """``solver:``: the sweep's solver settings over the schema's defaults (:data:`SOLVER_DEFAULTS`)."""
    if not isinstance(s, dict):
        raise _err(source, "solver", "expected a mapping")
    solver = dict(SOLVER_DEFAULTS)
    for k, v in s.items():
        if k not in SOLVER_DEFAULTS:
            raise _err(source, f"solver.{k}", f"unknown key; allowed: {', '.join(SOLVER_DEFAULTS)}")
        solver[k] = check_value(OPTIONS[f"solver.{k}"], v, source)
    return solver


def _ssa(s, source) -> SSASpec:
    if not isinstance(s, dict):
        raise _err(source, "ssa", "expected a mapping with design and parameters")
    allowed = {"design", "draws", "seed", "parameters"}
    for k in s:
        if k not in allowed:
            raise _err(source, f"ssa.{k}", f"unknown key; allowed: {', '.join(sorted(allowed))}")
    design = s.get("design", "monte_carlo")
    if design not in DESIGNS:
        raise _err(source, "ssa.design", f"{design!r} is not one of {', '.join(DESIGNS)}")
    draws = seed = 0
    if design == "monte_carlo":
        if "draws" not in s:
            raise _err(source, "ssa.draws", "monte_carlo needs a number of draws")
        draws = _int(s["draws"], source, "ssa.draws", 1)
        seed = _int(s.get("seed", 0), source, "ssa.seed", 0)
    elif "draws" in s or "seed" in s:
        raise _err(source, "ssa.draws" if "draws" in s else "ssa.seed",
                   "a stroud design has exactly 2n points and no seed; remove it or use monte_carlo")
    params = s.get("parameters")
    if not isinstance(params, dict) or not params:
        raise _err(source, "ssa.parameters", "give at least one elasticity and its distribution")
    from cge.data.elasticities import PARAMETERS

    dists, scale = {}, {}
    for key, spec in params.items():
        where = f"ssa.parameters.{key}"
        parts = str(key).split(".")
        if parts[0] not in PARAMETERS or len(parts) > 2:
            raise _err(source, where, f"unknown elasticity {key!r}; give PARAM or PARAM.SECTOR with PARAM one "
                       f"of {', '.join(PARAMETERS)}")
        sc = spec.get("scale", "multiplicative") if isinstance(spec, dict) else None
        if sc not in ("multiplicative", "absolute"):
            raise _err(source, f"{where}.scale", f"{sc!r} is not one of multiplicative, absolute")
        dists[str(key)] = Distribution(spec, f"{source}: {where}")
        scale[str(key)] = sc
    for key in dists:
        if "." in key and key.split(".")[0] in dists:
            raise _err(source, f"ssa.parameters.{key}", f"inconsistent: {key.split('.')[0]} already varies for "
                       "all sectors")
    out = SSASpec(design=design, parameters=dists, scale=scale, draws=draws, seed=seed)
    out.sample()                       # Stroud points below zero are an error now, not mid-sweep
    return out


def design_overrides(spec: SweepSpec) -> list[tuple[str, dict]]:
    """``designs × grid`` as (label, nested override) pairs."""
    designs = spec.designs or [("", {})]
    combos = list(itertools.product(*[[(k, v) for v in values] for k, values in spec.grid])) if spec.grid else [()]
    out = []
    for label, ov in designs:
        for combo in combos:
            merged = ov
            for k, v in combo:
                merged = deep_merge(merged, _normalise_elasticities(_nested(k.split("."), v)))
            parts = ([label] if label else []) + [f"{k}={_label(v)}" for k, v in combo]
            out.append(("; ".join(parts) or spec.base.get("name", spec.name), merged))
    return out


# ----------------------------------------------------------------------------- planning
def point_id(sc: Scenario, coalition: tuple[str, ...], fingerprint: str, solver: dict) -> str:
    """The id of one sweep point: what its results depend on. A scenario on the CBAM phase-in also hashes the
    schedule it reads; the others do not (so their ids, and the stores made before, hold)."""
    d = scenario_payload(sc)
    d["coalition"] = list(coalition)
    payload = {"scenario": d, "dataset": fingerprint, "elasticity_defaults": elasticity_defaults_fingerprint(),
               "solver": solver}
    if sc.phase_in.year is not None:
        payload["cbam_schedule"] = cbam_schedule_fingerprint()
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:20]


def _check_against(b, sc: Scenario, where: str) -> tuple[str, ...]:
    """Dataset-dependent checks of one scenario (what :class:`BCAModel` would reject later)."""
    from cge.bca.design import resolve_design

    try:
        return resolve_design(b, sc, require_coalition=True).structure.coalition
    except ScenarioError as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def plan_points(spec: SweepSpec, b, dataset: Path | None = None) -> list:
    """Every point of the sweep on benchmark ``b``, validated; designs in order, draws within. A path
    sweep's points are :class:`cge.sweep.path_plan.PathPoint` (``dataset``: the folder of ``b``, from
    which a path derives its drivers when the dataset ships none)."""
    from cge.data.elasticities import HOUSEHOLD, for_benchmark
    from cge.errors import DataError

    if spec.path is not None:
        from cge.sweep.path_plan import plan_path_points

        return plan_path_points(spec, design_overrides(spec), b, dataset)

    fp = dataset_fingerprint(b)
    draws = spec.ssa.sample() if spec.ssa else None
    keys = list(spec.ssa.parameters) if spec.ssa else []
    for key in keys:
        if "." in key and key.split(".")[0] in HOUSEHOLD:
            raise ScenarioError(f"{spec.source}: ssa.parameters.{key}: household elasticities have one value, "
                                f"not one per sector; use {key.split('.')[0]!r}")
        if "." in key and key.split(".")[1] not in b.sectors:
            raise ScenarioError(f"{spec.source}: ssa.parameters.{key}: unknown sector {key.split('.')[1]!r}; "
                                f"known: {', '.join(b.sectors)}")
    points: list[Point] = []
    for label, ov in design_overrides(spec):
        where = f"{spec.source} [{label}]"
        data = deep_merge(spec.base, ov)
        data["name"] = label
        sc = scenario_from_dict(data, source=where)
        coalition = _check_against(b, sc, where)
        try:
            central = for_benchmark(b, sc.elasticities).table
        except DataError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
        if draws is None:
            points.append(Point(point_id(sc, coalition, fp, spec.solver), label, -1, 1.0, sc, {}))
            continue
        for k, row in enumerate(draws):
            el = {p: dict(v) for p, v in (data.get("elasticities") or {}).items()}
            for key, x in zip(keys, row):
                param, _, sector = key.partition(".")
                # no sector: every sector and the economy-wide ('*') value; household nests have only '*'
                targets = (sector,) if sector else ("*",) if param in HOUSEHOLD else ("*", *b.sectors)
                entry = el.setdefault(param, {})
                for s in targets:
                    base_value = central[param][s]
                    entry[s] = float(x) * base_value if spec.ssa.scale[key] == "multiplicative" else float(x)
            d = dict(data, elasticities=el, name=f"{label} #{k + 1}")
            psc = scenario_from_dict(d, source=where)
            try:
                for_benchmark(b, psc.elasticities)
            except DataError as exc:
                raise ScenarioError(f"{where}: SSA draw {k + 1}: {exc}") from None
            points.append(Point(point_id(psc, coalition, fp, spec.solver), label, k, 1.0 / len(draws), psc,
                                {key: float(x) for key, x in zip(keys, row)}))
    return points
