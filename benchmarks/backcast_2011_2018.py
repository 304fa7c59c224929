"""The 2011→2018 backcast of the default dataset's baseline against GCB 2019 and the SSP history, with AEEI
calibrated on 2011–2015 (``cge.dynamics.backcast``): prints the calibrated rates and the error table
(region × year × measure), with the fossil-total error without AEEI beside it.

    python benchmarks/backcast_2011_2018.py [--data FOLDER] [--write-aeei FILE.csv]

``--write-aeei`` writes the calibrated rates as an AEEI table (how ``cge/defaults/dynamics/aeei_wiod2011.csv``
was made).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SOURCE = ("calibrated on GCB 2019 CO2 by fuel, 2011-2015 (2018 kept out), benchmarks/backcast_2011_2018.py; "
          "Friedlingstein et al. (2019)")


def main(argv=None) -> int:
    import pandas as pd

    from cge.data.benchmark import read_benchmark
    from cge.data.datasets import shipped_dataset_path
    from cge.dynamics import assumptions
    from cge.dynamics.backcast import FUELS, assumptions_with, backcast_table, calibrate_aeei

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=str(shipped_dataset_path()))
    p.add_argument("--write-aeei", help="write the calibrated AEEI table (CSV) here")
    args = p.parse_args(argv)
    data = Path(args.data)
    b = read_benchmark(data)
    a0 = assumptions.load(dataset_name=b.name)
    rates = calibrate_aeei(b, data, a0)
    after = backcast_table(b, data, assumptions_with(a0, rates))
    before = backcast_table(b, data, assumptions_with(a0, {(r, f): 0.0 for r in b.regions for f in FUELS}))
    if args.write_aeei:
        rows = [{"region": r, "fuel": f, "rate_pct_per_year": round(v, 3), "source": SOURCE}
                for (r, f), v in rates.items()]
        pd.DataFrame(rows).to_csv(args.write_aeei, index=False)
    print("AEEI % a year (calibrated 2011-2015):")
    print(pd.Series(rates).unstack().round(2).to_string())
    both = after.merge(before[["region", "year", "measure", "error_pct"]], on=["region", "year", "measure"],
                       suffixes=("", "_no_aeei"))
    with pd.option_context("display.width", 200):
        print(both.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
