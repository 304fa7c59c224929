"""Write a :class:`~cge.results.run.Comparison` to a folder: every table as CSV and Parquet, the
headline welfare-impact table as Markdown, LaTeX and Excel, and a ``run.yaml`` with units,
dataset provenance, scenarios and solver statistics.

The folder is written atomically (:mod:`cge.io.outdir`): everything goes to a temporary sibling
first and replaces ``out`` only when complete, so a failed run leaves no partial output (and an
earlier complete output stays intact); ``out`` must be new or results written before. ``run.yaml``
records each table's rows and SHA-256 (``tables:``) so that readers can refuse a truncated or
edited folder, and every undefined ratio with its reason (``undefined:``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import yaml

import cge
from cge.io.files import file_digest
from cge.io.latex import tabular
from cge.io.numbers import as_text
from cge.io.outdir import OutputFolder
from cge.io.xlsx import MAX_ROWS, write_workbook
from cge.results.schema import TABLES, units_frame

UNITS_NOTE = ("Money in bn USD at benchmark prices deflated by the world consumer price index PW; "
              "CO2 in Mt; carbon prices in USD/t; *_pct columns are percent changes from the benchmark; "
              "EV is Hicksian equivalent variation of household consumption.")


#: the closure of the default options (spec sections 3-4; cge/bca/model.py); what a scenario's
#: ``closure.*`` and ``recycling.*`` options choose (cge/bca/closures.py, cge/bca/recycling.py), the
#: numeraire, carbon instrument and priced regions are recorded per scenario
FIXED_CLOSURE = {
    "factors": "immobile across regions; within a region labour and (closure.capital: mobile) capital are "
               "mobile across sectors, one price per factor and region",
    "resources": "sector-specific (one rent per resource sector and region)",
    "government_and_investment": "government fixed at benchmark quantities, investment too (scaled by one "
                                 "world investment scale under closure.current_account: flexible), paid out of "
                                 "regional income",
    "balance_of_payments": "closure.current_account: fixed: the transfer bop[r] valued at PW; flexible: a fixed "
                           "savings rate and endogenous capital inflows adding up to the benchmark's",
    "walras": "with the PW numeraire the consumer-good market of the largest region is dropped",
}


#: the file the CBAM phase-in path is written to
PHASE_IN_PATH_FILE = "phase_in_path.csv"


def closure_record(c: cge.Comparison) -> dict:
    """The closure the results depend on: :data:`FIXED_CLOSURE` and, per scenario, the numeraire,
    the carbon instrument, the coalition, the regions with a foreign carbon price, its closure
    options (``closure.*``) and where its revenue goes (``recycling.*``)."""
    per = {}
    for r in c.results:
        sc, reg = r.scenario, r.tables["regions"]
        per[sc.name] = {"numeraire": sc.numeraire, "instrument": sc.policy.instrument,
                        "coalition": reg.loc[reg["coalition"].astype(bool), "region"].tolist(),
                        "foreign_carbon_prices": {k: float(v) for k, v in sc.foreign_carbon_prices.items()},
                        "closure": dataclasses.asdict(sc.closure), "recycling": sc.to_dict()["recycling"]}
    return {**FIXED_CLOSURE, "scenarios": per}


def provenance_record(c: cge.Comparison) -> dict:
    """The dataset (name, codes, fingerprint: hash of its benchmark tables, as sweeps use), the
    package version and the solver settings the results were computed with."""
    from cge.data.benchmark import dataset_fingerprint

    b = c.benchmark
    return {
        "dataset": {"name": b.name, "synthetic": bool(b.metadata.get("synthetic", False)),
                    "description": b.metadata.get("description", ""), "fingerprint": dataset_fingerprint(b),
                    "regions": list(b.regions), "sectors": list(b.sectors)},
        "package": {"name": "cge-bca", "version": cge.__version__},
        "solver": {**c.solver, "algorithms": sorted({r.solve.algorithm for r in c.results if r.solve.algorithm})},
    }


def headline_markdown(c: cge.Comparison, digits: int = 2, head: pd.DataFrame | None = None) -> str:
    df = c.headline() if head is None else head
    return as_text(df, digits).to_markdown(index=False, disable_numparse=True, colalign=_right_of(df, 1))


def _right_of(df: pd.DataFrame, text_columns: int) -> list[str]:
    """Markdown column alignment: the label columns left, the numbers right."""
    return ["left"] * text_columns + ["right"] * (len(df.columns) - text_columns)


def elasticities_record(c: cge.Comparison) -> dict:
    """The elasticities each scenario used: package defaults, then the dataset's own (e.g.
    GTAP's esubdm / esubva), then the scenario's overrides, as resolved with its design."""
    b = c.benchmark
    out = {"order": "cge/defaults/elasticities.csv < dataset (elasticities.csv / GDX esubdm, esubva) "
                    "< scenario elasticities",
           "from_dataset": {p: dict(v) for p, v in b.elasticities.items()}}
    used: dict = {}
    for r in c.results:
        table = r.design.elasticities.table
        key = "scenarios without overrides" if not r.scenario.elasticities else r.scenario.name
        used[key] = {p: {s: float(v) for s, v in by.items()} for p, by in table.items()}
    out["used"] = used
    return out


DECOMPOSITION_NOTE = ("EV decomposed into channels that add up to it (cge/results/decomposition.py), integrated "
                      "along the policy path (remainder within 1% of |EV| or 0.01 bn USD by default): terms of trade "
                      "at border prices by good group, BCA charges paid / kept / returned, rebates, permit trade, "
                      "allocative efficiency (wedge x change in quantity), other transfers, index-number remainder.")


def decomposition_summary(c: cge.Comparison) -> pd.DataFrame:
    """The ``decomposition`` table in bn USD only (one row per base, scenario and region), for
    Markdown and LaTeX."""
    from cge.results.decomposition import CHANNELS

    d = c.table("decomposition")
    if d.empty:
        return d
    cols = ["ev_bn_usd"] + [f"{k}_bn_usd" for k in CHANNELS]
    out = d[["relative_to", "scenario", "region"]].copy()
    out.columns = ["relative to", "scenario", "region"]
    for col in cols:
        out[col[: -len("_bn_usd")]] = d[col]
    return out


def _write_phase_in_path(c: cge.Comparison, folder: Path) -> None:
    """``phase_in_path.csv`` and ``phase_in_exporters.csv`` when scenarios carry a CBAM phase-in year."""
    found = c.phase_in()
    if found is None:
        return
    path, exporters = found
    path.to_csv(folder / PHASE_IN_PATH_FILE, index=False)
    exporters.to_csv(folder / "phase_in_exporters.csv", index=False)


def estimate_bytes(n_regions: int, n_sectors: int, n_scenarios: int) -> int:
    """About twice the size of a results folder (CSV + Parquet + Excel of every table), for the
    free-space check before the solve (8 regions x 12 sectors x 9 scenarios write 3.0 MB)."""
    rows = n_regions + n_regions * n_sectors + 2 * n_sectors * n_regions ** 2
    return n_scenarios * rows * 300 + 256_000


def write_results(c: cge.Comparison, out: str | Path | OutputFolder, extra_metadata: dict | None = None,
                  force: bool = False) -> Path:
    """Write all results of ``c`` to folder ``out`` (atomically); returns the folder. ``out`` may be an
    :class:`~cge.io.outdir.OutputFolder` opened before the solve (checks, lock and free space done)."""
    if isinstance(out, OutputFolder):
        _write(c, out.tmp, extra_metadata)
        return out.commit()
    n_r, n_j = len(c.benchmark.regions), len(c.benchmark.sectors)
    with OutputFolder(out, "results", force=force, need_bytes=estimate_bytes(n_r, n_j, len(c.results))) as folder:
        _write(c, folder.tmp, extra_metadata)
        return folder.commit()


def _write(c: cge.Comparison, tmp: Path, extra_metadata: dict | None) -> None:
    frames = {name: c.table(name) for name in TABLES}
    for name, df in frames.items():
        df.to_csv(tmp / f"{name}.csv", index=False)
        df.to_parquet(tmp / f"{name}.parquet", index=False)
    head = c.headline()
    head.to_csv(tmp / "headline.csv", index=False)
    _write_phase_in_path(c, tmp)
    (tmp / "headline.md").write_text(
        f"# Welfare impacts and leakage: {c.benchmark.name}\n\n{headline_markdown(c, head=head)}\n\n{UNITS_NOTE}\n")
    (tmp / "headline.tex").write_text(
        tabular(head, f"Welfare impacts and leakage ({c.benchmark.name})", UNITS_NOTE, label="tab:headline"))
    dec = decomposition_summary(c)
    if len(dec):
        table = as_text(dec, 3).to_markdown(index=False, disable_numparse=True, colalign=_right_of(dec, 3))
        (tmp / "decomposition.md").write_text(
            f"# Welfare decomposition, bn USD: {c.benchmark.name}\n\n{table}\n\n{DECOMPOSITION_NOTE} {UNITS_NOTE}\n")
        (tmp / "decomposition.tex").write_text(
            tabular(dec, f"Welfare decomposition, bn USD ({c.benchmark.name})", DECOMPOSITION_NOTE, digits=3,
                    label="tab:decomposition", text_columns=3))
    write_workbook(tmp / "results.xlsx", workbook_sheets(head, frames))
    _write_meta(c, tmp, extra_metadata)


def workbook_sheets(head: pd.DataFrame, frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The sheets of ``results.xlsx``: the headline, every table, ``units`` and ``notes``. A table
    longer than an Excel sheet (full-resolution ``bilateral``) is left out of the workbook; the
    ``notes`` sheet says so and points to its CSV and Parquet files."""
    notes = [UNITS_NOTE]
    sheets = {"headline": head}
    for name, df in frames.items():
        if len(df) + 1 > MAX_ROWS:
            notes.append(f"{name}: {len(df):,} rows exceed an Excel sheet ({MAX_ROWS - 1:,}); "
                         f"see {name}.csv and {name}.parquet")
        else:
            sheets[name] = df
    return {**sheets, "units": units_frame(), "notes": pd.DataFrame({"note": notes})}


def decomposition_record(c: cge.Comparison, dec: pd.DataFrame) -> dict:
    """``decomposition:`` of ``run.yaml``: the method (exact path integral or N equal steps), its
    target, the path steps used, its cost in seconds, the largest remainder and |EV − Σ channels|."""
    from cge.results.decomposition import REMAINDER_FLOOR_BN_USD, REMAINDER_TOL

    steps = c.solver.get("decomposition_steps")
    method = ({"method": "exact path integral (Romberg-extrapolated)",
               "target": f"|remainder| <= max({REMAINDER_TOL:g} x |EV|, {REMAINDER_FLOOR_BN_USD:g} bn USD) per region"}
              if steps is None else {"method": f"{steps} equal path step(s)"})
    return {**method, "path_steps": sorted({int(n) for n in dec["path_steps"]}),
            "seconds": round(float(c.timings.get("decomposition_s", 0.0)), 3),
            "max_abs_remainder_bn_usd": float(dec["remainder_bn_usd"].abs().max()),
            "max_abs_check_bn_usd": float(dec["check_bn_usd"].abs().max())}


def _write_meta(c: cge.Comparison, tmp: Path, extra_metadata: dict | None) -> None:
    """``run.yaml``: provenance, units, scenarios, solves, undefined ratios, references, closure,
    elasticities and each table's digest (see the module docstring)."""
    prov = provenance_record(c)
    meta = {
        "dataset": prov["dataset"],
        "package": prov["package"],
        "units": UNITS_NOTE,
        "scenarios": [r.scenario.to_dict() for r in c.results],
        "solves": [{"scenario": r.scenario.name, "route": r.solve.route, "status": r.solve.status,
                    "algorithm": r.solve.algorithm,
                    "iterations": int(r.solve.iterations), "max_residual": float(r.solve.max_residual)}
                   for r in c.results],
        "timings_s": {k: round(float(v), 3) for k, v in c.timings.items()},
        "undefined": c.undefined().to_dict(orient="records"),
        "references": [{"scenario": name, "reference": ref, **({"reason": why} if ref is None else {})}
                       for name, (ref, why) in c.references.items()],
        "solver": prov["solver"],
        "closure": closure_record(c),
        "elasticities": elasticities_record(c),
        "tables": {name: file_digest(tmp / f"{name}.csv") for name in TABLES},
    }
    from cge.data.elasticities import generic_warning

    warning = generic_warning(c.benchmark)
    if warning:
        meta["elasticity_warning"] = warning
    from cge.scenarios.cbam import markup_record

    markups = markup_record(c.benchmark, [r.scenario for r in c.results])
    if markups:
        meta["cbam_default_value_markup"] = markups
    dec = c.table("decomposition")
    if len(dec):
        meta["decomposition"] = decomposition_record(c, dec)
    if c.benchmark.origin:
        meta["dataset_path"] = c.benchmark.origin
    if extra_metadata:
        meta.update(extra_metadata)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)   # libyaml's emitter: the same text, 3x faster
    (tmp / "run.yaml").write_text(yaml.dump(meta, Dumper=dumper, sort_keys=False, allow_unicode=True))
