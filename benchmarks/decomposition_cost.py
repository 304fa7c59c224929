"""Cost and accuracy of the welfare decomposition along a path, on the default dataset.

    python benchmarks/decomposition_cost.py [--steps exact 1 2 4] [--data FOLDER] [--scenarios FILE]

For the exact decomposition (the default: the path integral, adaptive Richardson extrapolation)
and each number of equal path steps: the time ``run_scenarios`` spends on the decomposition (and, for
scale, on the solves), the largest |EV − Σ channels| (must stay at solver precision whatever the
steps), the largest |remainder| relative to the benchmark and to REF, with the region it is in, and
the summed |remainder| over the summed |EV| relative to the benchmark.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cge.cli import default_scenarios_path  # noqa: E402
from cge.data.benchmark import read_benchmark  # noqa: E402
from cge.data.datasets import default_dataset_path  # noqa: E402
from cge.results.run import run_scenarios  # noqa: E402
from cge.scenarios.spec import load_scenarios  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", nargs="+", default=["exact", "1", "2", "4"],
                    help="'exact' (the default decomposition) or numbers of equal path steps")
    ap.add_argument("--data", default=str(default_dataset_path()))
    ap.add_argument("--scenarios", default=str(default_scenarios_path()))
    args = ap.parse_args(argv)
    b = read_benchmark(args.data)
    scenarios = load_scenarios(args.scenarios)
    print(f"{b.name}: {len(b.regions)} regions x {len(b.sectors)} sectors, {len(scenarios)} scenarios")
    print(f"{'steps':>5} {'solve s':>8} {'decomp s':>9} {'max|check| bn':>14} "
          f"{'max|remainder| vs benchmark':>30} {'max|remainder| vs REF':>24} {'Σ|rem|/Σ|EV|':>13}")
    for n in args.steps:
        c = run_scenarios(b, scenarios, decomposition_steps=None if n == "exact" else int(n))
        d = c.table("decomposition")
        cells = []
        for base in ("benchmark", "REF"):
            x = d[d["relative_to"] == base]
            if len(x):
                k = x["remainder_bn_usd"].abs().idxmax()
                cells.append(f"{abs(x.loc[k, 'remainder_bn_usd']):.4f} ({x.loc[k, 'region']}, {x.loc[k, 'scenario']})")
            else:
                cells.append("n/a")
        x = d[d["relative_to"] == "benchmark"]
        share = x["remainder_bn_usd"].abs().sum() / x["ev_bn_usd"].abs().sum()
        print(f"{n:>5} {c.timings['solve_s']:>8.1f} {c.timings['decomposition_s']:>9.1f} "
              f"{d['check_bn_usd'].abs().max():>14.1e} {cells[0]:>30} {cells[1]:>24} {100 * share:>12.3f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
