"""The shared GTAP 9 file, its export subsidies set to zero and rebalanced
(:func:`cge.data.gtap.without_export_subsidies`), solved from the benchmark at carbon prices
0 to 200 USD/t on the coalition (the annex1 regions): iterations, CO2 change, leakage and EV.

    python benchmarks/gtap9_price_range.py [path/to/gtap9_2011_g20_10.gdx]

A smoke test of the model on real GTAP bytes (resource rent shares down to 1e-5 of costs): the
repaired file's output taxes are not data; do not publish these numbers as results.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conftest import Solver, scenario  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "gtap9" / "gtap9_2011_g20_10.gdx"
PRICES = (0, 25, 50, 100, 150, 200)


def _co2_pct(reg, rows):
    return 100 * (reg.loc[rows, "emissions_mt"].sum() / reg.loc[rows, "emissions_benchmark_mt"].sum() - 1)


def _ev_pct(reg, rows, b):
    """EV of the regions ``rows`` in % of their benchmark household spending."""
    spending = b.household_spending[[b.regions.index(r) for r in reg.index[rows]]].sum()
    return 100 * reg.loc[rows, "ev_bn_usd"].sum() / spending


def main(argv=None):
    from cge.data import gtap
    from cge.results.tables import collect

    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else DEFAULT
    b = gtap.to_benchmark(gtap.without_export_subsidies(gtap.read_gtap_arrays(path)), "gtap9_no_export_subsidies",
                          str(path))
    tax = lambda p: scenario(policy={"instrument": "tax", "tax_usd_per_t": float(p)})  # noqa: E731
    sv = Solver(b, tax(0))
    print("| USD/t | iterations | world CO2 % | coalition CO2 % | leakage % | EV coalition % | EV rest % | "
          "EV chn % | EV usa % | EV rus % |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for p in PRICES:
        res = sv.solve(tax(p))
        t = collect(sv.model, full=False)
        reg, s = t["regions"].set_index("region"), t["summary"].iloc[0]
        cl = reg["coalition"].astype(bool)
        every = reg.index == reg.index
        print(f"| {p} | {res.iterations} | {_co2_pct(reg, every):.2f} | {_co2_pct(reg, cl):.2f} | "
              f"{s['leakage_rate_pct']:.1f} | {_ev_pct(reg, cl, b):.3f} | {_ev_pct(reg, ~cl, b):.3f} | "
              f"{reg.loc['chn', 'ev_pct']:.3f} | "
              f"{reg.loc['usa', 'ev_pct']:.3f} | {reg.loc['rus', 'ev_pct']:.3f} |")


if __name__ == "__main__":
    main()
