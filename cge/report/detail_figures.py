"""The report's figures of the detail tables (:mod:`cge.results.detail`): price changes by region
and good, and the channels of carbon leakage. Each returns ``None`` when the results folder lacks
its table (folders written before the table existed)."""

from __future__ import annotations

import matplotlib.lines
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cge.report.data import Results
from cge.report.figures import WIDTH, Figure, Styles, fmt, heatmap, rects

#: leakage channels drawn: (column of leakage_channels, legend label, fill, hatch)
LEAKAGE_CHANNELS = (("eite_relocation_mt", "relocated EITE output", "#3b3b3b", ""),
            ("fuel_price_mt", "world fuel prices (emissions per unit of activity)", "#9a9a9a", "///"),
            ("other_activity_mt", "activity of other sectors and households", "#e0e0e0", ".."))
#: the row of leakage_channels that sums the non-coalition regions (cge/results/detail.py: TOTAL)
TOTAL_ROW = "non-coalition"


def _shown_design(res: Results) -> str:
    return res.reference() or res.designs[0]


def prices(res: Results, style: Styles):
    """Supply and consumer price change by good (rows) and region (columns) in the reference design."""
    p = res.tables.get("prices")
    if not res.has_compare or p is None or p.empty:
        return None
    d = _shown_design(res)
    p = p[p["scenario"] == d]
    goods = list(dict.fromkeys(p["good"]))
    parts = [("supply_price_change_pct", "supply price (PY)"), ("consumer_price_change_pct", "consumer price")]
    tables = [p.pivot(index="good", columns="region", values=col).reindex(index=goods, columns=res.regions)
              for col, _ in parts]
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH, 1.2 + 0.24 * len(goods)), sharey=True)
    for ax, t, (_, title) in zip(axes, tables, parts):
        heatmap(ax, t, fmt="{:.0f}", label="% change")
        ax.set_title(title, loc="left")
    fig.suptitle(f"Price changes by good and region, % ({d}; deflated by the world CPI)", x=0.01, ha="left",
                 fontsize=9.5)
    fig.tight_layout()
    sup, con = (t.stack() for t in tables)
    cap = (f"Price changes in {d} by good and region, % from the benchmark, deflated by the world consumer price "
           f"index: the producer (supply) price and the price households pay, carbon charge included. ")
    if sup.notna().any() and con.notna().any():
        (g1, r1), (g2, r2) = con.idxmax(), sup.idxmin()
        cap += (f"The largest consumer price rise is {g1} in {r1} ({fmt(con.max(), 0)}%); the largest supply price "
                f"fall is {g2} in {r2} ({fmt(sup.min(), 0)}%).")
    data = p[["region", "good", "supply_price_change_pct", "armington_price_change_pct", "consumer_price_change_pct"]]
    return Figure("trade_prices", "trade", "Price changes by good and region", cap, fig, data.reset_index(drop=True))


def leakage_channels(res: Results, style: Styles):
    """The non-coalition emission change of each design split into its channels (stacked bars)."""
    lc = res.tables.get("leakage_channels")
    if not res.has_compare or lc is None or lc.empty:
        return None
    t = lc[lc["region"] == TOTAL_ROW].set_index("scenario").reindex(res.designs)
    if t["emissions_change_mt"].isna().all():
        return None
    fig, ax = plt.subplots(figsize=(WIDTH, 0.9 + 0.3 * len(t)))
    y = np.arange(len(t))
    pos, neg = np.zeros(len(y)), np.zeros(len(y))
    for col, label, color, hatch in LEAKAGE_CHANNELS:
        v = t[col].fillna(0).to_numpy(dtype=float)
        rects(ax, np.where(v >= 0, pos, neg), y - 0.33, v, 0.66, color=color, hatch=hatch, hatchcolor="#333333",
              label=label)
        pos, neg = pos + np.maximum(v, 0), neg + np.minimum(v, 0)
    total = t["emissions_change_mt"].to_numpy(dtype=float)
    ax.plot(total, y, "D", color="#000000", markerfacecolor="#ffffff", markersize=4, zorder=5)
    ax.axvline(0, color="#222222", linewidth=0.7)
    ax.set_yticks(y, t.index)
    ax.invert_yaxis()
    ax.grid(True, axis="x")
    ax.grid(False, axis="y")
    ax.set_xlabel("change in non-coalition CO2 emissions, Mt")
    ax.set_title("Carbon leakage by channel", loc="left")
    handles, labels = ax.get_legend_handles_labels()
    handles.append(matplotlib.lines.Line2D([], [], marker="D", color="#000000", markerfacecolor="#ffffff",
                                           linestyle="", markersize=4))
    labels.append("total (sum of the channels)")
    ax.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.08), ncol=2, frameon=False, fontsize=7.5)
    fig.tight_layout()
    d = _shown_design(res)
    r = t.loc[d]
    cap = ("The change in non-coalition emissions (Mt; the numerator of the leakage rate) split exactly into "
           "the relocation of EITE output (the activity effect of EITE sectors), world fuel prices (the change in "
           "emissions per unit of output or consumption, as cheaper fossil fuels are used more intensively) and "
           "the activity of the other sectors and of households (an LMDI-I index decomposition; "
           f"formula in the results documentation). In {d}: {fmt(r['emissions_change_mt'], 1)} Mt = "
           f"{fmt(r['eite_relocation_mt'], 1)} (EITE relocation) + {fmt(r['fuel_price_mt'], 1)} (fuel prices) + "
           f"{fmt(r['other_activity_mt'], 1)} (other activity).")
    data = t.reset_index()[["scenario", "emissions_change_mt", *(c for c, *_ in LEAKAGE_CHANNELS)]]
    return Figure("validity_leakage_channels", "validity", "Carbon leakage by channel", cap, fig,
                  pd.DataFrame(data).rename(columns={"scenario": "design"}))
