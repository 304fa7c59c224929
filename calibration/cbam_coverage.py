"""Coverage shares of EU CBAM goods (Regulation (EU) 2023/956, Annex I) in the aggregated sectors
of the default WIOD dataset: the value of CBAM goods produced in 2011 over the sector's gross output.

    share[r, met] = (crude steel t × steel price + primary aluminium t × aluminium price) / vom[r, met]
    share[r, nmm] = cement t × cement price / vom[r, nmm]
    share[r, chm] = nitrogen fertiliser t N × 17.031/14.007 × ammonia price / vom[r, chm]
    share[r, ele] = 1 (all electricity is a CBAM good)

Production and prices come from a research extract of public statistics (worldsteel, OWID/USGS,
FAOSTAT, World Bank Pink Sheet, USGS Mineral Commodity Summaries; its README names each source);
rest of world = world total minus the 40 WIOD countries. Hydrogen (in ``chm``) is left out: it is
mostly produced and used on site and hardly traded. FAOSTAT has no fertiliser-N production for GBR;
it is filled with the extract's suggested fallback, USGS ammonia 1.1 Mt N × 0.80 (world ratio of
fertiliser N to ammonia N) = 0.88 Mt N. The steel price is a finished-product unit value (the CBAM
covers steel products of CN chapters 72 and 73, not only crude steel), an upper bound for crude
steel. Shares are capped at 1.

Run: ``python -m calibration.cbam_coverage SOURCE_FOLDER`` (writes ``calibration/mappings/cbam_coverage.csv``;
``python -m calibration build`` then carries it into the dataset).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from cge.benchmark import read_benchmark

HERE = Path(__file__).resolve().parent
OUT = HERE / "mappings" / "cbam_coverage.csv"
NH3_PER_N = 17.031 / 14.007
GBR_FERTILISER_N_T = 1.1e6 * 107.7 / 135  # USGS ammonia N x world fertiliser-N / ammonia-N
#: CBAM good -> (sector, price row in cbam_prices_2011.csv, tonnes multiplier to the priced unit)
GOODS = {"steel": ("met", "steel", 1.0), "aluminium": ("met", "aluminium", 1.0),
         "cement": ("nmm", "cement", 1.0), "fertiliser": ("chm", "fertiliser", NH3_PER_N)}


def coverage_shares(source: Path, dataset: Path) -> pd.DataFrame:
    b = read_benchmark(dataset)
    regions = pd.read_csv(dataset / "mappings" / "wiod_regions.csv")
    to_region = dict(zip(regions["source"], regions["target"]))
    to_region["ROU"] = to_region.get("ROU", to_region.get("ROM"))  # WIOD codes Romania ROM
    prod = pd.read_csv(source / "cbam_production_2011.csv")
    fert = prod["good"] == "fertiliser"
    if not ((prod["iso3"] == "GBR") & fert).any():
        prod = pd.concat([prod, pd.DataFrame([{"iso3": "GBR", "good": "fertiliser", "year": 2011,
                                               "quantity": GBR_FERTILISER_N_T, "unit": "t N",
                                               "source_id": "usgs_ammonia_x_world_ratio"}])], ignore_index=True)
    prices = pd.read_csv(source / "cbam_prices_2011.csv").set_index("good")["usd_per_t"]
    unknown = set(prod["iso3"]) - set(to_region) - {"WLD"}
    if unknown:
        raise ValueError(f"{source / 'cbam_production_2011.csv'}: countries outside the WIOD mapping: "
                         f"{sorted(unknown)}")
    value = np.zeros((len(b.regions), len(b.sectors)))  # bn USD
    rows = []
    for good, (sector, price_row, mult) in GOODS.items():
        g = prod[prod["good"] == good]
        world = float(g.loc[g["iso3"] == "WLD", "quantity"].sum())
        countries = g[g["iso3"] != "WLD"]
        by_region = countries.groupby(countries["iso3"].map(to_region))["quantity"].sum()
        if "ROW" in b.regions:
            by_region.loc["ROW"] = by_region.get("ROW", 0.0) + max(world - countries["quantity"].sum(), 0.0)
        for r, q in by_region.items():
            value[b.regions.index(r), b.sectors.index(sector)] += q * mult * prices[price_row] / 1e9
    for ri, r in enumerate(b.regions):
        for sector in ("ele", "chm", "nmm", "met"):
            ji = b.sectors.index(sector)
            share = 1.0 if sector == "ele" else min(value[ri, ji] / b.vom[ri, ji], 1.0)
            rows.append({"region": r, "sector": sector, "share": round(share, 4),
                         "cbam_goods_bn_usd": round(value[ri, ji], 3) if sector != "ele" else round(b.vom[ri, ji], 3),
                         "output_bn_usd": round(b.vom[ri, ji], 3)})
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    source = Path(argv[0]) if argv else Path("/work/briefs/cbam_data")
    dataset = Path(argv[1]) if len(argv) > 1 else HERE.parent / "data" / "wiod2011"
    df = coverage_shares(source, dataset)
    df.to_csv(OUT, index=False)
    print(df.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
