"""Golden result tables of the core experiment, stored before any redesign (issue 9 point 5).

Every result table of ``cge compare`` (REF and the eight designs of ``cge/scenarios/core.yaml``)
on the shipped WIOD 2011 dataset and on the synthetic 5 x 8 benchmark of seed 0 is stored in
``tests/golden/<case>/<table>.csv.gz``. A refactor, a new formulation or a new solver route must
reproduce them: numbers to a relative 1e-6 (the stored tables carry all 17 digits, so
``compare_to_golden(..., rtol=1e-10)`` also checks the stricter "must not change" bound), labels
exactly, and the same rows and columns in the same order.

Regenerate only on purpose, when the economics changes and the change is explained in the commit:
``python tests/test_golden_results.py --write``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cge.cli import default_scenarios_path
from cge.data.benchmark import read_benchmark
from cge.data.datasets import default_dataset_path
from cge.data.synthetic import random_benchmark
from cge.results.run import run_scenarios
from cge.results.schema import TABLES
from cge.scenarios.spec import load_scenarios

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = {
    "wiod2011": lambda: read_benchmark(default_dataset_path()),
    "synthetic-5x8-seed0": lambda: random_benchmark(5, 8, 0),
}


def core_experiment_tables(case: str) -> dict[str, pd.DataFrame]:
    """Every result table of the core experiment on one golden case, stacked over scenarios."""
    comp = run_scenarios(CASES[case](), load_scenarios(default_scenarios_path()))
    return {name: comp.table(name) for name in TABLES}


def compare_to_golden(case: str, tables: dict[str, pd.DataFrame], rtol: float = 1e-6, atol: float = 1e-9) -> list[str]:
    """Differences between ``tables`` and the stored golden tables of ``case`` (empty if none)."""
    problems = []
    for path in sorted((GOLDEN / case).glob("*.csv.gz")):
        name = path.name.removesuffix(".csv.gz")
        want = pd.read_csv(path, keep_default_na=False, na_values=[""])
        if name not in tables:
            problems.append(f"{case}/{name}: table missing")
            continue
        got = pd.read_csv(_csv_roundtrip(tables[name]), keep_default_na=False, na_values=[""])
        if list(got.columns) != list(want.columns):
            problems.append(f"{case}/{name}: columns {list(got.columns)} != {list(want.columns)}")
            continue
        if len(got) != len(want):
            problems.append(f"{case}/{name}: {len(got)} rows != {len(want)}")
            continue
        for col in want.columns:
            a, b = got[col], want[col]
            if pd.api.types.is_numeric_dtype(b) and pd.api.types.is_numeric_dtype(a):
                a, b = a.to_numpy(float), b.to_numpy(float)
                bad = ~(np.isclose(a, b, rtol=rtol, atol=atol) | (np.isnan(a) & np.isnan(b)))
                if bad.any():
                    k = int(np.argmax(np.abs(a - b) * bad))
                    problems.append(f"{case}/{name}.{col}: {int(bad.sum())} cells differ, e.g. row {k}: "
                                    f"{a[k]!r} vs golden {b[k]!r}")
            elif not a.astype(str).equals(b.astype(str)):
                problems.append(f"{case}/{name}.{col}: labels differ")
    return problems


def _csv_roundtrip(df: pd.DataFrame):
    import io

    buf = io.StringIO()
    df.to_csv(buf, index=False)
    buf.seek(0)
    return buf


def write_golden() -> None:
    for case in CASES:
        folder = GOLDEN / case
        folder.mkdir(parents=True, exist_ok=True)
        for name, df in core_experiment_tables(case).items():
            df.to_csv(folder / f"{name}.csv.gz", index=False)
        print(f"wrote {folder}")


@pytest.mark.parametrize("case", sorted(CASES))
def test_core_experiment_reproduces_golden_tables(case):
    if not (GOLDEN / case).is_dir():
        pytest.fail(f"no golden tables for {case}; run `python tests/test_golden_results.py --write`")
    problems = compare_to_golden(case, core_experiment_tables(case))
    assert not problems, "\n".join(problems)


def test_golden_comparison_detects_a_changed_number():
    tables = {name: pd.read_csv(p, keep_default_na=False, na_values=[""])
              for p in (GOLDEN / "synthetic-5x8-seed0").glob("*.csv.gz")
              for name in [p.name.removesuffix(".csv.gz")]}
    assert compare_to_golden("synthetic-5x8-seed0", tables) == []
    tables["summary"].loc[0, "leakage_rate_pct"] *= 1 + 1e-5
    assert any("leakage_rate_pct" in p for p in compare_to_golden("synthetic-5x8-seed0", tables))


if __name__ == "__main__":
    if "--write" in sys.argv:
        write_golden()
    else:
        for case in CASES:
            print(case, compare_to_golden(case, core_experiment_tables(case), rtol=1e-10, atol=1e-12) or "identical")
