"""Time a 2011–2035 recursive-dynamic path with 1-year steps on the default dataset, for REF and the EU
CBAM phase-in design (``cge/scenarios/eu_cbam_phase_in.yaml``), and print the CBAM's 2030 results on the
path beside the static (comparative statics on the 2011 benchmark) ones.

    python benchmarks/dynamic_path.py [--end 2035] [--step 1]

Target (issue 26, 2-core machine): the whole path, baseline included, < 2 minutes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--end", type=int, default=2035)
    p.add_argument("--step", type=int, default=1, choices=[1, 5])
    p.add_argument("--year", type=int, default=2030, help="year compared with the static model")
    args = p.parse_args(argv)

    import pandas as pd

    from cge.data.benchmark import read_benchmark
    from cge.data.datasets import shipped_dataset_path
    from cge.dynamics.commands import designs_from
    from cge.dynamics.path import run_path
    from cge.dynamics.setup import path_growth
    from cge.results.run import run_scenarios
    from cge.scenarios.spec import load_scenarios

    scen_file = REPO / "cge" / "scenarios" / "eu_cbam_phase_in.yaml"
    t0 = time.perf_counter()
    b = read_benchmark(shipped_dataset_path())
    scenarios = load_scenarios(scen_file)
    designs = designs_from(scenarios, "CBAM", 2025)
    growth, a, _t = path_growth(b, args.end, args.step, dataset=shipped_dataset_path())
    t1 = time.perf_counter()
    res = run_path(b, growth, designs)
    t2 = time.perf_counter()
    print(f"path {growth[0].year}-{growth[-1].year}, {len(growth)} years, {args.step}-year steps, {a.ssp}; "
          f"designs {', '.join(designs)}")
    print(f"setup {t1 - t0:.1f} s; solves {t2 - t1:.1f} s "
          + ", ".join(f"{k} {v:.1f}" for k, v in res.timings.items()) + f"; total {t2 - t0:.1f} s (target < 120 s)")

    # the static CBAM of the same year and its REF, on the 2011 benchmark
    static_sc = [sc for sc in scenarios if sc.phase_in.year == args.year]
    ref = designs["REF"][min(designs["REF"])]
    static = run_scenarios(b, [ref, *static_sc], decomposition_steps=1)
    s = static.summary.set_index("scenario")
    reg = static.regions
    path_s = res.tables["path_summary"]
    path_r = res.tables["path_regions"]
    rows = []
    for design, name in (("REF", ref.name), ("CBAM", static_sc[0].name)):
        ps = path_s[(path_s["design"] == design) & (path_s["year"] == args.year)].iloc[0]
        pr = path_r[(path_r["design"] == design) & (path_r["year"] == args.year)].set_index("region")
        sr = reg[reg["scenario"] == name].set_index("region")
        rows.append({"design": design, "measure": "leakage_rate_pct", "static_2011": s.at[name, "leakage_rate_pct"],
                     f"path_{args.year}": ps["leakage_rate_pct"]})
        rows.append({"design": design, "measure": "eite_output_change_coalition_pct",
                     "static_2011": s.at[name, "eite_output_change_coalition_pct"],
                     f"path_{args.year}": ps["eite_output_change_coalition_pct"]})
        rows.append({"design": design, "measure": "global_emissions_change_mt",
                     "static_2011": s.at[name, "global_emissions_change_mt"],
                     f"path_{args.year}": ps["global_emissions_change_mt"]})
        for r in b.regions:
            rows.append({"design": design, "measure": f"ev_pct {r}", "static_2011": sr.at[r, "ev_pct"],
                         f"path_{args.year}": pr.at[r, "ev_pct"]})
    with pd.option_context("display.width", 200):
        print(f"\n{args.year}: static (2011 economy) vs on the path ({args.year} economy, vs its baseline)")
        print(pd.DataFrame(rows).round(3).to_string(index=False))
        w = res.tables["path_welfare"]
        print("\nEV over the path (bn USD at 2011 prices; discounted at 3%)")
        print(w.pivot(index="region", columns="design", values="ev_discounted_bn_usd").round(2).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
