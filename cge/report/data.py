"""Read a results folder (``cge compare`` output, optionally with a sweep's ``summary_stats.csv``).

The report works from the folder alone. A compare folder must hold every table of
:data:`COMPARE_FILES` and ``run.yaml``; a sweep folder holding only ``summary_stats.csv`` gives
the panels that are possible from it. A missing file is a :class:`~cge.errors.DataError` naming it.

Every table is validated against ``run.yaml`` before anything is drawn (:func:`validate_tables`):
its rows and SHA-256 where ``run.yaml`` records them (``tables:``, written since the fault
suite), its columns, and completeness (the summary has one row per scenario of ``run.yaml``,
the regions table every region of the dataset for every scenario, the sector, group and
bilateral tables the same rows for every scenario). A sweep's ``summary_stats.csv`` is checked
against ``summary.json`` and must give every design the same measures and regions. So a truncated
or inconsistent folder is refused instead of showing numbers the model did not produce.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cge.errors import DataError
from cge.io.files import check_digest, load_yaml
from cge.results.schema import CORE_TABLES, FLAG, PATH_BY_NAME, SCENARIO, SWEEP_STATS
from cge.results.schema import TABLES as CONTRACT_TABLES
from cge.results.schema import table as contract_table

#: tables every compare folder holds; the other tables of the results contract are read when present
#: (results folders written before they existed lack them)
TABLES = CORE_TABLES
COMPARE_FILES = tuple(f"{t}.csv" for t in TABLES) + ("run.yaml",)
OPTIONAL_TABLES = tuple(t for t in CONTRACT_TABLES if t not in CORE_TABLES)
STATS_FILE = "summary_stats.csv"
#: rows of summary_stats.csv that are not a region: the world and the two groups
GROUP_ROWS = ("ALL", "coalition", "non-coalition")
STATS_COLUMNS = tuple(SWEEP_STATS.names)


def required_columns(name: str) -> tuple[str, ...]:
    """The columns of a written table (stacked over scenarios) by the results contract."""
    return (SCENARIO, *contract_table(name).names)


def _flag_columns(name: str, df: pd.DataFrame) -> list[str]:
    t = contract_table(name)
    return [c for c in df.columns if c in t.names + [SCENARIO] and t.unit_of(c) == FLAG
            or (t.dynamic is not None and c.startswith(t.dynamic.name))]


@dataclass
class Results:
    """The tables of a results folder, designs in run order."""

    folder: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    run: dict = field(default_factory=dict)
    stats: pd.DataFrame | None = None
    designs: list[str] = field(default_factory=list)
    sweep: dict = field(default_factory=dict)          # a sweep folder's sweep.json, with its base scenario
    warnings: list[str] = field(default_factory=list)  # for the user: what the report could not show
    path: dict[str, pd.DataFrame] = field(default_factory=dict)  # a `cge baseline` folder's path tables
    path_bands: pd.DataFrame | None = None   # a path sweep's bands (cge/sweep/path_bands.py) over those tables

    @property
    def has_compare(self) -> bool:
        return bool(self.tables)

    @property
    def scenarios(self) -> dict[str, dict]:
        return {s["name"]: s for s in self.run.get("scenarios", [])}

    @property
    def dataset(self) -> dict:
        """``run.yaml``'s dataset record; for a sweep folder, the dataset its ``sweep.json`` names
        (a folder's name, never the user's full path)."""
        if self.run.get("dataset"):
            return self.run["dataset"]
        label = str(self.sweep.get("dataset") or "")
        if not label:
            return {}
        name = Path(label).name if "/" in label or "\\" in label else label
        return {"name": name, "synthetic": label.startswith("synthetic")}

    @property
    def policies(self) -> dict[str, dict]:
        """Each design's scenario as the run defined it (``run.yaml``); for a sweep folder, as its plan
        resolved it (``plan.parquet``), else the sweep's base scenario (``sweep.yaml``) for every design."""
        if self.scenarios:
            return {d: self.scenarios.get(d, {}) for d in self.designs}
        planned = self.sweep.get("scenarios") or {}
        if planned:
            return {d: planned.get(d, {}) for d in self.designs}
        base = self.sweep.get("base")
        if not isinstance(base, dict):
            return {}
        from cge.scenarios.spec import scenario_from_dict

        try:
            sc = scenario_from_dict({"name": "base", **{k: v for k, v in base.items() if k != "name"}}).to_dict()
        except Exception:  # noqa: BLE001 - a sweep file the sweep itself accepted; describe what can be read
            sc = base
        return dict.fromkeys(self.designs, sc)

    @property
    def synthetic(self) -> bool:
        return bool(self.dataset.get("synthetic", False))

    @property
    def coalition(self) -> list[str]:
        if not self.has_compare:
            return []
        reg = self.tables["regions"]
        first = reg[reg["scenario"] == self.designs[0]]
        return first.loc[first["coalition"].astype(bool), "region"].tolist()

    @property
    def regions(self) -> list[str]:
        if self.has_compare:
            reg = self.tables["regions"]
            return reg.loc[reg["scenario"] == self.designs[0], "region"].tolist()
        if self.dataset.get("regions"):
            return list(self.dataset["regions"])
        if self.stats is not None:               # a sweep folder: the regions its statistics are given for
            return [r for r in dict.fromkeys(self.stats["region"].astype(str)) if r not in GROUP_ROWS]
        return []

    @property
    def undefined(self) -> pd.DataFrame:
        """``scenario, measure, reason`` of every ratio the results left undefined (``run.yaml``)."""
        return pd.DataFrame(self.run.get("undefined") or [], columns=["scenario", "measure", "reason"])

    def why_undefined(self, design: str, measure: str) -> str | None:
        u = self.undefined
        hit = u[(u["scenario"] == design) & (u["measure"] == measure)]
        return str(hit["reason"].iloc[0]) if len(hit) else None

    def references(self) -> dict[str, str | None]:
        """Each design's reference, as the run mapped them (``run.yaml`` ``references``: the same
        policy without border measure, :func:`cge.results.run.reference_scenarios`); folders written before
        the mapping was recorded: the first design with neither a BCA, output-based rebates nor a
        phase-in year, for every design."""
        recorded = self.run.get("references")
        if recorded:
            return {str(r["scenario"]): (str(r["reference"]) if r.get("reference") is not None else None)
                    for r in recorded}
        from cge.scenarios.spec import scenario_from_dict

        first = None
        for name in self.designs:
            sc = scenario_from_dict({"name": name, **{k: v for k, v in self.policies.get(name, {}).items()
                                                      if k != "name"}})
            if not (sc.bca.active or sc.output_based_rebates.enabled or sc.phase_in.active):
                first = name
                break
        return dict.fromkeys(self.designs, first)

    def reference(self) -> str | None:
        """The reference the comparisons of the report are drawn against: the one the run's mapping
        (:meth:`references`) gives most designs (the earliest in run order on a tie), or None."""
        refs = self.references()
        counts: dict[str, int] = {}
        for d in self.designs:
            if refs.get(d) is not None:
                counts[refs[d]] = counts.get(refs[d], 0) + 1
        return max(counts, key=lambda r: (counts[r], -self.designs.index(r) if r in self.designs else 0),
                   default=None)

    def band(self, measure: str, region: str = "ALL") -> pd.DataFrame | None:
        """SSA band rows ``design, mean, p05, p95`` for one measure (and region), or None."""
        if self.stats is None:
            return None
        s = self.stats[self.stats["measure"] == measure]
        s = s[s["region"] == region]
        return s.set_index("design")[["mean", "std", "p05", "p95", "n"]] if len(s) else None


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, keep_default_na=False, na_values=[""])  # a region coded NA stays NA
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a readable CSV table ({exc})") from None


def read_table(path: Path, name: str) -> pd.DataFrame:
    """One written table of the results contract: every contract column present, flags as booleans."""
    df = _read_csv(path)
    _check_columns(df, required_columns(name), path)
    for c in _flag_columns(name, df):
        df[c] = df[c].astype(str).str.lower().isin(("true", "1", "1.0"))
    return df


def _check_columns(df: pd.DataFrame, cols, path: Path) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}")


def read_stats(path: Path) -> pd.DataFrame:
    digest = path.parent / "summary.json"
    if digest.exists():
        import json

        try:
            recorded = json.loads(digest.read_text()).get(path.name)
        except (ValueError, OSError, AttributeError):
            raise DataError(f"{digest}: not a readable summary record; re-run `cge sweep-summary`") from None
        check_digest(path, recorded, digest)
    df = _read_csv(path)
    _check_columns(df, STATS_COLUMNS, path)
    if len(df):
        grid = df.groupby("design", sort=False).apply(lambda g: frozenset(zip(g["measure"], g["region"].astype(str))),
                                                      include_groups=False)
        full = frozenset().union(*grid)
        short = [d for d, cells in grid.items() if cells != full]
        if short:
            raise DataError(f"{path}: incomplete: design {short[0]!r} lacks {len(full - grid[short[0]])} of the "
                            f"{len(full)} measure/region rows the other designs have (truncated?)")
    df["region"] = df["region"].fillna("ALL").astype(str).replace({"": "ALL"})
    for c in ("mean", "std", "p05", "p95", "n"):
        df[c] = pd.to_numeric(df[c], errors="coerce")
    return df


def _read_yaml(path: Path) -> dict:
    data = load_yaml(path) or {}
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected a mapping")
    return data


def read_path_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    """The path tables of a ``cge baseline`` output folder (``path_baseline``, ``path_summary``,
    ``path_regions``), every contract column present; a missing file is an error naming it."""
    folder = Path(folder)
    out = {}
    for name in ("path_baseline", "path_summary", "path_regions"):
        f = folder / f"{name}.csv"
        if not f.exists():
            raise DataError(f"{f}: missing (expected the output of `cge baseline --out {folder}`)")
        df = _read_csv(f)
        _check_columns(df, PATH_BY_NAME[name].names, f)
        out[name] = df
    return out


def load_results(folder: str | Path, sweep: str | Path | None = None, path: str | Path | None = None,
                 path_sweep: str | Path | None = None) -> Results:
    """Read a results folder (and a sweep folder's SSA statistics when ``sweep`` is given, else
    ``summary_stats.csv`` in ``folder`` if present; a ``cge baseline`` folder's path tables when
    ``path`` is given, and a path sweep folder's bands when ``path_sweep`` is, which needs ``path``);
    raise :class:`DataError` naming the first missing or malformed file."""
    if path_sweep is not None and path is None:
        raise DataError(f"--path-sweep {path_sweep}: the bands are drawn around a path; give its `cge baseline` "
                        "folder with --path too")
    res = _load_results(folder, sweep)
    if path is not None:
        res.path = read_path_tables(path)
    if path_sweep is not None:
        from cge.sweep.path_bands import read_path_bands

        res.path_bands = read_path_bands(path_sweep)
        res.warnings += check_path_sweep_matches(Path(path), Path(path_sweep), res.path_bands)
    return res


def check_path_sweep_matches(path: Path, sweep: Path, bands: pd.DataFrame) -> list[str]:
    """A path sweep's bands belong around a ``cge baseline`` path of the same scenarios, years, discount rate,
    designs and dataset: anything else is one :class:`DataError` naming what differs (a setting a folder does
    not record is not compared). Returns the warnings: designs of the path with no band."""
    import json

    run_file, sweep_file = path / "run.yaml", sweep / "sweep.json"
    run = _read_yaml(run_file) if run_file.exists() else {}
    try:
        rec = json.loads(sweep_file.read_text())
    except (OSError, ValueError) as exc:
        raise DataError(f"{sweep_file}: unreadable ({exc}); expected a path sweep folder") from None
    settings = rec.get("path") if isinstance(rec, dict) else None
    if not isinstance(settings, dict):
        raise DataError(f"{sweep_file}: no path: section (a scenario sweep? --path-sweep takes a path sweep)")

    def designs(d):
        return {str(k): {str(y): str(n) for y, n in (v or {}).items()} for k, v in (d or {}).items()}

    pairs = [("years", settings.get("years"), run.get("years")),
             ("discount rate", settings.get("discount_rate_pct"), run.get("discount_rate_pct")),
             ("designs", designs(settings.get("designs")) if "designs" in settings else None,
              designs(run.get("designs")) if "designs" in run else None),
             ("dataset fingerprint", rec.get("dataset_fingerprint"), run.get("dataset_fingerprint")),
             ("scenarios", *_scenario_files(settings.get("scenarios"), run.get("scenarios")))]
    differ = [f"{what} {theirs} vs {ours}" for what, theirs, ours in pairs
              if theirs is not None and ours is not None and theirs != ours]
    if "scenarios" in run and (settings.get("scenarios") is None) != (run.get("scenarios") is None):
        differ.append(f"scenarios {settings.get('scenarios')} vs {run.get('scenarios')}")
    if differ:
        raise DataError(f"--path-sweep {sweep}: not a sweep of the path in {path}: {'; '.join(dict.fromkeys(differ))}")
    path_designs = list(designs(run.get("designs")))
    unbanded = [d for d in path_designs if d not in set(bands["design"].astype(str))]
    if unbanded:
        return [f"{sweep / 'path_bands.csv'}: has no bands for design(s) {', '.join(unbanded)} of {path}; "
                "their lines are drawn without a band"]
    return []


def _scenario_files(theirs, ours) -> tuple:
    """The two scenario files compared by content when both can be read (a path is relative to where each
    command ran), else by name; (None, None) when either is missing."""
    if not theirs or not ours:
        return None, None
    a, b = Path(theirs), Path(ours)
    if a.is_file() and b.is_file():
        return (None, None) if a.read_bytes() == b.read_bytes() else (str(a), str(b))
    return a.name, b.name


def _load_results(folder: str | Path, sweep: str | Path | None = None) -> Results:
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: results folder does not exist (run `cge compare --out {folder}` first)")
    res = Results(folder)
    stats_path = (Path(sweep) if sweep else folder) / STATS_FILE
    if sweep and not stats_path.exists():
        raise DataError(f"{stats_path}: missing (run `cge sweep-summary {sweep}` first)")
    if stats_path.exists():
        res.stats = read_stats(stats_path)
    run_path = folder / "run.yaml"
    present = [t for t in TABLES if (folder / f"{t}.csv").exists()]
    if not present and res.stats is not None:
        # a sweep folder: only the bands are available
        if run_path.exists():
            res.run = _read_yaml(run_path)
        res.sweep = _sweep_record(folder)
        res.designs = list(dict.fromkeys(res.stats["design"].astype(str)))
        return res
    for f in COMPARE_FILES:
        if not (folder / f).exists():
            raise DataError(f"{folder / f}: missing from the results folder (expected the output of "
                            f"`cge compare`: {', '.join(COMPARE_FILES)})")
    for t in TABLES + OPTIONAL_TABLES:
        path = folder / f"{t}.csv"
        if t in TABLES or path.exists():
            res.tables[t] = read_table(path, t)
    res.run = _read_yaml(run_path)
    if "scenarios" not in res.run:
        raise DataError(f"{run_path}: scenarios: missing (the scenario definitions written by `cge compare`)")
    names = [s.get("name") for s in res.run["scenarios"]]
    in_tables = list(dict.fromkeys(res.tables["summary"]["scenario"].astype(str)))
    unknown = [n for n in in_tables if n not in names]
    if unknown:
        raise DataError(f"{run_path}: no scenario definition for {', '.join(unknown)} (in summary.csv)")
    res.designs = [n for n in names if n in in_tables]
    if not res.designs:
        raise DataError(f"{folder / 'summary.csv'}: no scenarios")
    validate_tables(res)
    if res.stats is not None:
        _match_bands(res, stats_path)
    return res


def _sweep_record(folder: Path) -> dict:
    """``sweep.json`` of a sweep folder with the ``base`` scenario of its ``sweep.yaml`` (what the
    report can say of the dataset and the policy); empty where they are missing or unreadable."""
    import json

    try:
        record = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    try:
        spec = load_yaml(folder / "sweep.yaml")
    except DataError:
        spec = None
    if not isinstance(record, dict):
        record = {}
    if isinstance(spec, dict) and isinstance(spec.get("base"), dict):
        record["base"] = spec["base"]
    try:
        plan = pd.read_parquet(folder / "plan.parquet", columns=["design", "draw", "scenario"])
        central = plan.sort_values("draw", key=lambda d: d != -1, kind="stable").drop_duplicates("design")
        record["scenarios"] = {str(d): json.loads(sc) for d, sc in zip(central["design"], central["scenario"])}
    except Exception:  # noqa: BLE001 - a missing or unreadable plan: the base scenario describes the sweep
        pass
    return record


def _match_bands(res: Results, stats_path: Path) -> None:
    """Keep the SSA statistics of the results' own designs; a design of the results without bands,
    or bands of no design of the results, is a warning (never a caption promising whiskers that are
    not drawn)."""
    names = res.stats["design"].astype(str)
    matched = [d for d in res.designs if d in set(names)]
    if not matched:
        res.warnings.append(f"{stats_path}: none of its designs ({', '.join(dict.fromkeys(names))}) is a design of "
                            f"{res.folder} ({', '.join(res.designs)}); the report shows no SSA bands")
        res.stats = None
        return
    missing = [d for d in res.designs if d not in matched]
    if missing:
        res.warnings.append(f"{stats_path}: has no statistics for {', '.join(missing)}; those designs have no "
                            "SSA bands in the report")
    res.stats = res.stats[names.isin(matched)].reset_index(drop=True)


def validate_tables(res: Results) -> None:
    """Refuse tables that differ from what ``run.yaml`` says was written (see module docstring)."""
    folder, run_path = res.folder, res.folder / "run.yaml"
    digests = res.run.get("tables") or {}
    for t in TABLES:
        check_digest(folder / f"{t}.csv", digests.get(t), run_path)
    for t in OPTIONAL_TABLES:      # recorded when written: then they must be there, unchanged
        if t in digests:
            if not (folder / f"{t}.csv").exists():
                raise DataError(f"{folder / f'{t}.csv'}: missing, but {run_path} records that it was written "
                                "(deleted after the run?); re-run the command that wrote it")
            check_digest(folder / f"{t}.csv", digests.get(t), run_path)
    names = [s.get("name") for s in res.run["scenarios"]]
    summ = res.tables["summary"]
    counts = summ["scenario"].astype(str).value_counts()
    missing = [n for n in names if n not in counts]
    if missing:
        raise DataError(f"{folder / 'summary.csv'}: no row for scenario(s) {', '.join(missing)} of {run_path} "
                        "(truncated?)")
    twice = counts[counts > 1]
    if len(twice):
        raise DataError(f"{folder / 'summary.csv'}: scenario {twice.index[0]!r} has {twice.iloc[0]} rows, expected 1")
    regions = [str(r) for r in res.dataset.get("regions", [])]
    for t, key in (("regions", ("region",)), ("sectors", ("region", "sector")), ("groups", ("group",)),
                   ("bilateral", ("good", "exporter", "importer"))):
        df, path = res.tables[t], folder / f"{t}.csv"
        unknown = sorted(set(df["scenario"].astype(str)) - set(names))
        if unknown:
            raise DataError(f"{path}: scenario {unknown[0]!r} is not in {run_path}")
        rows = {n: frozenset(map(tuple, g[list(key)].astype(str).to_numpy()))
                for n, g in df.groupby(df["scenario"].astype(str), sort=False)}
        expected = (frozenset((r,) for r in regions) if t == "regions" and regions
                    else rows.get(names[0], frozenset()))
        for n in names:
            got = rows.get(n, frozenset())
            if t in ("groups", "bilateral") and not expected and not got:
                continue
            if got != expected or len(df[df["scenario"].astype(str) == n]) != len(expected):
                raise DataError(f"{path}: incomplete or inconsistent: scenario {n!r} has "
                                f"{len(df[df['scenario'].astype(str) == n])} rows, expected {len(expected)} "
                                f"(the same {', '.join(key)} rows as {'the dataset' if t == 'regions' else names[0]}"
                                "; truncated?)")
    for t in ("summary", "regions", "sectors"):
        df, path = res.tables[t], folder / f"{t}.csv"
        spec = contract_table(t)
        numeric = [c for c in spec.names if spec.unit_of(c) not in (FLAG, "label")]
        for c in numeric:
            bad = pd.to_numeric(df[c], errors="coerce").isna() & df[c].notna()
            if bad.any():
                k = int(np.nonzero(bad.to_numpy())[0][0])
                raise DataError(f"{path}, row {k + 2}: {c} {df[c].iloc[k]!r} is not a number")
