"""``cge baseline [--scenarios FILE] --end YEAR --step N --out DIR``: the baseline path and policy designs
on it, written as the path tables of the results contract (``cge.results.schema.PATH``) plus ``run.yaml``
(registered in :mod:`cge.cli`).

Assumptions: the defaults (``cge/defaults/dynamics/assumptions.yaml``), overridden by the scenario file's
``path:`` section (:func:`cge.scenarios.spec.load_path_spec`), then by ``--assumptions FILE``, then by each
``--vary`` value; every layer is checked against ``cge.scenarios.options.PATH_OPTIONS`` on its own (errors
name its file and key) and the merged result again.

Designs from a scenario file: the scenarios with a CBAM ``phase_in.year`` form one design (named after
the file) that applies each from its year, with a ``REF`` design beside it (the first of them without
border measure, phase-in or output-based rebates, from the same first year); every other scenario is a
design of its own from ``--policy-from``.

Uncertainty bands: ``--vary KEY=V1,V2`` (repeatable; KEY a dotted key of the assumptions file, e.g. ``ssp``,
``resources.elasticity``, ``aeei_file``, or ``elasticities.PARAMETER`` for an elasticity of the model, e.g.
``elasticities.sigma_dm``, set for every sector in the baseline and every design of that variant) solves the
whole path again for each value, the other keys as given,
and writes ``path_variants.csv``: the ``path_summary`` rows of every variant (the default's included) with a
``variant`` column, and prints the range of the leakage rate by design and year.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml


def designs_from(scenarios, name: str, policy_from: int) -> dict:
    """``{design: {from_year: Scenario}}`` (module docstring)."""
    phased = {sc.phase_in.year: sc for sc in scenarios if sc.phase_in.year is not None}
    out = {}
    if phased:
        first = phased[min(phased)]
        ref = first.replace(name="REF", bca={"import_charge": False, "export_rebate": False},
                            output_based_rebates={"enabled": False}, phase_in={"year": None})
        out["REF"] = {min(phased): ref}
        out[name] = dict(sorted(phased.items()))
    for sc in scenarios:
        if sc.phase_in.year is None:
            out[sc.name] = {policy_from: sc}
    return out


def add_baseline_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", help="benchmark folder (default: the shipped WIOD 2011 dataset)")
    p.add_argument("--end", type=int, default=2035, help="last year of the path (default 2035)")
    p.add_argument("--step", type=int, default=1, choices=[1, 5], help="years between solves (default 1)")
    p.add_argument("--scenarios", help="scenario YAML file of the policy designs (default: the baseline only)")
    p.add_argument("--policy-from", type=int, default=2025, metavar="YEAR",
                   help="first year of scenarios without a CBAM phase-in year (default 2025)")
    p.add_argument("--assumptions", help="YAML overriding keys of cge/defaults/dynamics/assumptions.yaml (and of "
                   "the scenario file's path: section)")
    p.add_argument("--discount-rate", type=float, default=3.0, metavar="PCT",
                   help="discount rate of the discounted EV over the path, %% a year (default 3)")
    p.add_argument("--vary", action="append", default=[], metavar="KEY=V1,V2",
                   help="solve the path again for each value of an assumption (e.g. ssp=SSP1,SSP3); repeatable")
    p.add_argument("--out", default="results-path", help="output folder (default: ./results-path); must be new "
                   "or an earlier output of `cge baseline`")
    # --force and --wait are added by cge.cli, as for every command that writes a folder


def cmd_baseline(args) -> int:
    import pandas as pd

    from cge.data.benchmark import dataset_fingerprint
    from cge.data.datasets import default_dataset_path, read_dataset
    from cge.dynamics.path import PathSolveError, run_path
    from cge.dynamics.setup import path_growth
    from cge.errors import CGEError
    from cge.io.outdir import atomic_folder
    from cge.results.run import check_scenarios
    from cge.scenarios.cbam import markup_record
    from cge.scenarios.spec import deep_merge, load_path_spec, load_scenarios

    t0 = time.perf_counter()
    data = Path(args.data) if args.data else default_dataset_path()
    b = read_dataset(data)
    if not 0 <= args.discount_rate <= 100:
        raise CGEError(f"--discount-rate {args.discount_rate}: must lie in [0, 100]")
    designs = {}
    scen_path = Path(args.scenarios) if args.scenarios else None
    if scen_path is not None:
        scenarios = load_scenarios(scen_path)
        check_scenarios(b, scenarios, scen_path)
        designs = designs_from(scenarios, scen_path.stem, args.policy_from)
    # assumptions: the defaults, under the scenario file's path: section, under --assumptions, under --vary
    spec = load_path_spec(scen_path) if scen_path is not None else {}
    base = deep_merge(spec, base_override(Path(args.assumptions) if args.assumptions else None))
    variants = variants_of(args.vary, base)
    dataset = data if data.is_dir() else None
    growth, a, _table = path_growth(b, args.end, args.step, dataset=dataset, override=base)
    others = {}
    for label, ov in variants.items():   # every variant's drivers checked before any solve
        assumptions, elasticities = split_variant(ov)
        others[label] = (path_growth(b, args.end, args.step, dataset=dataset, override=assumptions)[0], elasticities)
    if any(e for _g, e in others.values()):   # an elasticity must also be one this dataset's scenarios accept
        from cge.data.elasticities import for_benchmark
        for label, (_g, e) in others.items():
            if e:
                try:
                    for_benchmark(b, e)
                except CGEError as exc:
                    raise CGEError(f"--vary {label}: {exc}") from None
    print(f"dataset: {b.name} — {len(b.regions)} regions; path {growth[0].year}–{growth[-1].year} "
          f"({len(growth)} years), {a.ssp}, WPP {a.wpp_variant}; designs: {', '.join(designs) or 'none'}")
    failure = None
    with atomic_folder(args.out, "path", inputs=[data, scen_path], force=args.force, wait=args.wait) as tmp:
        try:
            res = run_path(b, growth, designs, discount_rate_pct=args.discount_rate)
        except PathSolveError as exc:
            failure, res = exc, exc.partial
        for name, df in res.tables.items():
            df.to_csv(tmp / f"{name}.csv", index=False)
        if others and failure is None:
            bands = path_variants(b, res, others, designs, args.discount_rate)
            bands.to_csv(tmp / "path_variants.csv", index=False)
        meta = {"command": "cge baseline", "dataset": str(data), "dataset_fingerprint": dataset_fingerprint(b),
                "scenarios": str(scen_path) if scen_path else None,
                "years": [g.year for g in growth], "assumptions": a.sources, "ssp": a.ssp,
                "wpp_variant": a.wpp_variant, "discount_rate_pct": args.discount_rate,
                "designs": {d: {int(y): sc.name for y, sc in s.items()} for d, s in designs.items()},
                "timings_s": {k: round(v, 3) for k, v in res.timings.items()},
                "assumption_overrides": base,
                "variants": {label: ov for label, ov in variants.items()},
                "cbam_default_value_markup": markup_record(b, [sc for s in designs.values() for sc in s.values()]),
                "complete": failure is None,
                "sources": ["UN DESA Population Division (2024), World Population Prospects 2024 (CC BY 3.0 IGO)",
                            "SSP v3.1 GDP|PPP, OECD ENV-Growth 2023, IIASA SSP Scenario Explorer (CC BY 4.0)"]}
        (tmp / "run.yaml").write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True))
    summary = res.tables["path_summary"]
    if len(summary):
        with pd.option_context("display.width", 250, "display.max_columns", 20):
            print(summary.drop(columns=["scenario"]).round(3).to_string(index=False))
    if others and failure is None:
        _print_bands(bands)
    if failure is not None:
        raise CGEError(f"{failure}\nthe years solved before are written to {args.out}")
    print(f"wrote {args.out}/ (path_baseline, path_summary, path_regions, path_welfare .csv; run.yaml) "
          f"in {time.perf_counter() - t0:.1f} s")
    return 0


def base_override(path: Path | None) -> dict:
    """The ``--assumptions`` file as a mapping, validated against ``cge.scenarios.options.PATH_OPTIONS``
    (an error names the file and key), its ``aeei_file`` made absolute (it is relative to the file)."""
    if path is None:
        return {}
    from cge.io.files import load_yaml
    from cge.scenarios.spec import path_assumptions_from_dict

    data = dict(path_assumptions_from_dict(load_yaml(path) or {}, str(path), prefix=""))
    if "aeei_file" in data:
        data["aeei_file"] = str((path.parent / str(data["aeei_file"])).resolve())
    return data


def variants_of(vary: list[str], base: dict) -> dict[str, dict]:
    """``{"key=value": override}`` for every value of every ``--vary KEY=V1,V2`` (each over ``base``)."""
    from cge.errors import CGEError
    from cge.scenarios.spec import path_assumptions_from_dict

    out = {}
    for spec in vary:
        key, sep, values = spec.partition("=")
        if not sep or not key or not values:
            raise CGEError(f"--vary {spec!r}: expected KEY=V1,V2 (e.g. ssp=SSP1,SSP3)")
        for raw in values.split(","):
            value = yaml.safe_load(raw)
            if key.startswith(f"{ELASTICITIES}."):
                over = {k: (dict(v) if isinstance(v, dict) else v) for k, v in base.items()}
                over[ELASTICITIES] = elasticity_override(key.partition(".")[2], value, f"--vary {key}={raw}")
                out[f"{key}={raw}"] = over
                continue
            over = {k: (dict(v) if isinstance(v, dict) else v) for k, v in base.items()}
            head, _, tail = key.partition(".")
            if tail:
                over[head] = {**(over.get(head) or {}), tail: value}
            else:
                over[head] = value
            path_assumptions_from_dict(over, f"--vary {key}={raw}", prefix="")   # the schema, before any solve
            out[f"{key}={raw}"] = over
    return out


#: the ``--vary`` key prefix of a model elasticity (not a path assumption): ``elasticities.sigma_dm=2,6``
ELASTICITIES = "elasticities"


def elasticity_override(parameter: str, value, source: str) -> dict:
    """``{parameter: value}`` for every sector, checked as a scenario's ``elasticities:`` entry is
    (a known parameter, a number ≥ 0): a bad one is one error naming ``source``."""
    from cge.data.elasticities import PARAMETERS
    from cge.errors import CGEError

    if parameter not in PARAMETERS:
        raise CGEError(f"{source}: unknown elasticity {parameter!r}; known: {', '.join(PARAMETERS)}")
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise CGEError(f"{source}: an elasticity must be a number >= 0, got {value!r}")
    return {parameter: float(value)}


def split_variant(override: dict) -> tuple[dict, dict | None]:
    """A variant's path assumptions and its elasticity overrides (None without)."""
    rest = {k: v for k, v in override.items() if k != ELASTICITIES}
    return rest, override.get(ELASTICITIES)


def path_variants(b, res, others: dict, designs: dict, rate: float):
    """The ``path_summary`` of the default path and of every variant, stacked with a ``variant`` column."""
    import pandas as pd

    from cge.dynamics.path import run_path

    frames = [res.tables["path_summary"].assign(variant="default")]
    for label, (growth, elasticities) in others.items():
        frames.append(run_path(b, growth, designs, discount_rate_pct=rate, elasticities=elasticities)
                      .tables["path_summary"].assign(variant=label))
    df = pd.concat(frames, ignore_index=True)
    return df[["variant", *[c for c in df.columns if c != "variant"]]]


def _print_bands(bands) -> None:
    g = bands.groupby(["design", "year"])["leakage_rate_pct"]
    print("\nleakage rate over the variants, % (min, max):")
    print(g.agg(["min", "max"]).round(2).to_string())
