"""Write a :class:`~cge.run.Comparison` to a folder: every table as CSV and Parquet, the
headline welfare-impact table as Markdown, LaTeX and Excel, and a ``run.yaml`` with units,
dataset provenance, scenarios and solver statistics.

The folder is written atomically: everything goes to a temporary sibling first and replaces
``out`` only when complete, so a failed run leaves no partial output (and an earlier complete
output stays intact).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from cge.files import atomic_folder
from cge.latex import tabular
from cge.run import TABLES, Comparison

UNITS_NOTE = ("Money in bn USD at benchmark prices deflated by the world consumer price index PW; "
              "CO2 in Mt; carbon prices in USD/t; *_pct columns are percent changes from the benchmark; "
              "EV is Hicksian equivalent variation of household consumption.")


def headline_markdown(c: Comparison, digits: int = 2) -> str:
    df = c.headline()
    return df.to_markdown(index=False, floatfmt=f".{digits}f")


def elasticities_record(c: Comparison) -> dict:
    """The elasticities each scenario used: package defaults, then the dataset's own (e.g.
    GTAP's esubdm / esubva), then the scenario's overrides."""
    from cge.elasticities import resolve
    b = c.benchmark
    out = {"order": "cge/defaults/elasticities.csv < dataset (elasticities.csv / GDX esubdm, esubva) "
                    "< scenario elasticities",
           "from_dataset": {p: dict(v) for p, v in b.elasticities.items()}}
    used: dict = {}
    for r in c.results:
        table = resolve(b.sectors, r.scenario.elasticities, data=b.elasticities).table
        key = "scenarios without overrides" if not r.scenario.elasticities else r.scenario.name
        used[key] = {p: {s: float(v) for s, v in by.items()} for p, by in table.items()}
    out["used"] = used
    return out


def write_results(c: Comparison, out: str | Path, extra_metadata: dict | None = None) -> Path:
    """Write all results of ``c`` to folder ``out`` (atomically); returns the folder."""
    out = Path(out)
    with atomic_folder(out) as tmp:
        for name in TABLES:
            df = c.table(name)
            df.to_csv(tmp / f"{name}.csv", index=False)
            df.to_parquet(tmp / f"{name}.parquet", index=False)
        head = c.headline()
        head.to_csv(tmp / "headline.csv", index=False)
        (tmp / "headline.md").write_text(
            f"# Welfare impacts and leakage: {c.benchmark.name}\n\n{headline_markdown(c)}\n\n{UNITS_NOTE}\n")
        (tmp / "headline.tex").write_text(
            tabular(head, f"Welfare impacts and leakage ({c.benchmark.name})", UNITS_NOTE, label="tab:headline"))
        with pd.ExcelWriter(tmp / "results.xlsx") as xl:
            head.to_excel(xl, sheet_name="headline", index=False)
            for name in TABLES:
                c.table(name).to_excel(xl, sheet_name=name, index=False)
            pd.DataFrame({"note": [UNITS_NOTE]}).to_excel(xl, sheet_name="notes", index=False)
        meta = {
            "dataset": {"name": c.benchmark.name,
                        "synthetic": bool(c.benchmark.metadata.get("synthetic", False)),
                        "description": c.benchmark.metadata.get("description", ""),
                        "regions": list(c.benchmark.regions), "sectors": list(c.benchmark.sectors)},
            "units": UNITS_NOTE,
            "scenarios": [r.scenario.to_dict() for r in c.results],
            "solves": [{"scenario": r.scenario.name, "route": r.solve.route, "status": r.solve.status,
                        "iterations": int(r.solve.iterations), "max_residual": float(r.solve.max_residual)}
                       for r in c.results],
            "timings_s": {k: round(float(v), 3) for k, v in c.timings.items()},
            "elasticities": elasticities_record(c),
        }
        if extra_metadata:
            meta.update(extra_metadata)
        (tmp / "run.yaml").write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True))
    return out
