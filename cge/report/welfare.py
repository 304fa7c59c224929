"""Fairness panel: the welfare decomposition (who pays and why) and the CBDR tables.

Reads the ``decomposition``, ``fairness``, ``burden_shares``, ``bca_transfers`` and ``cbdr`` tables of a
results folder (written by ``cge compare``; older folders without them simply get no such figure or
table). Channels are grouped for display; the full channels are in ``decomposition.csv``.
"""

from __future__ import annotations

import math

import matplotlib.lines
import matplotlib.patches
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cge.report.data import Results
from cge.report.figures import WIDTH, Figure, Styles, fmt, rects
from cge.report.tables import Table, label_first

#: display groups of the decomposition channels (label, channels of decomposition.csv)
DISPLAY = (
    ("terms of trade: fossil fuels", ("tot_fossil",)),
    ("terms of trade: EITE goods", ("tot_eite",)),
    ("terms of trade: other goods", ("tot_other",)),
    ("BCA charges paid", ("bca_charges_paid",)),
    ("BCA revenue kept or returned", ("bca_charges_received", "bca_revenue_returned")),
    ("export and output rebates", ("export_rebates", "output_rebates")),
    ("permit trade", ("permit_trade",)),
    ("allocative efficiency", ("efficiency_carbon", "efficiency_other")),
    ("remainder, other transfers, employment", ("remainder", "transfers_other", "endowments")),
)
COLORS = ("#1b4f72", "#5dade2", "#aed6f1", "#922b21", "#f1948a", "#7d6608", "#f7dc6f", "#555555", "#dddddd")
HATCHES = ("", "", "", "///", "\\\\\\", "..", "xx", "", "--")


def _base(res: Results) -> tuple[pd.DataFrame, str] | None:
    """Decomposition rows relative to each design's reference (the same policy without border
    measure) when the folder has them, else relative to the benchmark; and the base's name(s)."""
    d = res.tables.get("decomposition")
    if d is None or d.empty:
        return None
    vs_ref = d[d["relative_to"] != "benchmark"]
    if vs_ref.empty:
        return d[d["relative_to"] == "benchmark"], "benchmark"
    return vs_ref, ", ".join(dict.fromkeys(vs_ref["relative_to"]))


def grouped_channels(d: pd.DataFrame) -> pd.DataFrame:
    """Display groups (bn USD) per scenario and region, plus the EV."""
    out = d[["scenario", "region", "ev_bn_usd"]].copy()
    for label, channels in DISPLAY:
        out[label] = d[[f"{c}_bn_usd" for c in channels]].sum(axis=1).to_numpy()
    return out


def dominant_channels(d: pd.DataFrame) -> pd.DataFrame:
    """The channel (of decomposition.csv) with the largest absolute contribution, per region and scenario."""
    cols = [c for c in d.columns if c.endswith("_bn_usd") and c not in ("ev_bn_usd", "check_bn_usd")]
    vals = d[cols].abs().to_numpy()
    k = vals.argmax(axis=1)
    return pd.DataFrame({"scenario": d["scenario"].to_numpy(), "region": d["region"].to_numpy(),
                         "channel": [cols[i][: -len("_bn_usd")] for i in k],
                         "value_bn_usd": d[cols].to_numpy()[np.arange(len(d)), k]})


def decomposition_figure(res: Results, style: Styles):
    got = _base(res)
    if got is None:
        return None
    d, base = got
    designs = [x for x in res.designs if x in set(d["scenario"])]
    if not designs:
        return None
    g = grouped_channels(d)
    regions = res.regions
    ncol = 4 if len(regions) > 3 else len(regions)
    nrow = math.ceil(len(regions) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(WIDTH, 0.6 + nrow * (0.5 + 0.2 * len(designs))),
                             sharey=True, squeeze=False)
    y = np.arange(len(designs))
    for n, r in enumerate(regions):
        ax = axes[n // ncol][n % ncol]
        rows = g[g["region"] == r].set_index("scenario").reindex(designs)
        pos, neg = np.zeros(len(y)), np.zeros(len(y))
        for k, (label, _c) in enumerate(DISPLAY):
            v = rows[label].fillna(0).to_numpy(dtype=float)
            left = np.where(v >= 0, pos, neg)
            rects(ax, left, y - 0.35, v, 0.7, color=COLORS[k], hatch=HATCHES[k],
                  linewidth=0.3)
            pos, neg = pos + np.maximum(v, 0), neg + np.minimum(v, 0)
        ax.plot(rows["ev_bn_usd"].to_numpy(dtype=float), y, "D", color="#000000", markerfacecolor="#ffffff",
                markersize=3.5, zorder=5)
        ev = rows["ev_bn_usd"].to_numpy(dtype=float)
        lo, hi = min(neg.min(), np.nanmin(ev), 0.0), max(pos.max(), np.nanmax(ev), 0.0)
        pad = 0.06 * (hi - lo) if hi > lo else 1e-3
        ax.set_xlim(lo - pad, hi + pad)
        ax.axvline(0, color="#222222", linewidth=0.6)
        if n >= len(regions) - ncol:
            ax.set_xlabel("bn USD", fontsize=7)
        ax.set_title(r + (" (coalition)" if r in res.coalition else ""), loc="left", fontsize=8)
        ax.grid(True, axis="x")
        ax.grid(False, axis="y")
        ax.tick_params(axis="x", labelsize=7)
        if n % ncol == 0:
            ax.set_yticks(y, designs, fontsize=7)
    for n in range(len(regions), nrow * ncol):
        axes[n // ncol][n % ncol].axis("off")
    axes[0][0].invert_yaxis()
    handles = [matplotlib.patches.Patch(facecolor=COLORS[k], hatch=HATCHES[k], edgecolor="#222222", linewidth=0.3,
                                        label=label) for k, (label, _c) in enumerate(DISPLAY)]
    handles.append(matplotlib.lines.Line2D([], [], marker="D", color="#000000", markerfacecolor="#ffffff",
                                           linestyle="", markersize=4, label="EV (sum of the channels)"))
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False, fontsize=7, handlelength=1.5)
    fig.tight_layout(rect=(0, 0.13 if nrow > 1 else 0.25, 1, 1))
    dom = dominant_channels(d)
    non = [r for r in regions if r not in res.coalition]
    cap = (f"Equivalent variation decomposed into channels that add up to it exactly (bn USD), relative to "
           f"{'the benchmark' if base == 'benchmark' else base + ' (the effect of the design itself)'}; "
           "diamonds mark the EV. ")
    if non and designs:
        last = max(designs, key=lambda x: float(d[(d["scenario"] == x) & d["region"].isin(non)]["ev_bn_usd"]
                                                 .abs().sum()))
        parts = []
        for r in non:
            row = dom[(dom["scenario"] == last) & (dom["region"] == r)]
            if len(row):
                parts.append(f"{r}: {row['channel'].iloc[0]} ({fmt(row['value_bn_usd'].iloc[0])})")
        cap += f"Largest channel per non-coalition region under {last}: " + "; ".join(parts) + "."
    return Figure("fairness_decomposition", "fairness", "Who pays and why: welfare decomposition by channel", cap,
                  fig, g.melt(id_vars=["scenario", "region"], var_name="channel", value_name="bn_usd"))


def decomposition_tables(res: Results) -> list[Table]:
    got = _base(res)
    if got is None:
        return []
    d, base = got
    g = grouped_channels(d)
    g.insert(0, "region / design", g["region"] + " / " + g["scenario"])
    t = g.drop(columns=["scenario", "region"]).rename(columns={"ev_bn_usd": "EV"})
    where = "the benchmark" if base == "benchmark" else f"{base} (each design's own policy without border measure)"
    out = [Table("fairness_decomposition", "fairness", f"Welfare decomposition by channel, relative to {where}",
                 "bn USD at benchmark prices", t.reset_index(drop=True),
                 "Each channel has its own formula (cge/results/decomposition.py); they add up to the EV to 1e-9. "
                 "Terms of trade at border prices (including BCA charges); BCA charges paid = levied on the "
                 "region's exports; allocative efficiency = wedge x change in quantity (carbon price included); "
                 "remainder = index-number term of the mid-point identity.")]
    dom = dominant_channels(d)
    dom["cell"] = dom["channel"] + " (" + dom["value_bn_usd"].map(lambda v: f"{v:.2f}") + ")"
    piv = dom.pivot(index="region", columns="scenario", values="cell").reindex(
        index=res.regions, columns=[x for x in res.designs if x in set(dom["scenario"])])
    piv.index = [f"{r} (coalition)" if r in res.coalition else r for r in piv.index]
    out.append(Table("fairness_dominant_channel", "fairness", f"Largest welfare channel, relative to {where}",
                     "channel (bn USD)", label_first(piv, "region"),
                     "The channel with the largest absolute contribution to the region's EV."))
    return out


def cbdr_tables(res: Results) -> list[Table]:
    out = []
    c = res.tables.get("cbdr")
    if c is not None and not c.empty:
        c = c.set_index("scenario").reindex(res.designs)
        label = str(c["developing_group"].dropna().iloc[0]) if c["developing_group"].notna().any() else "developing"
        df = pd.DataFrame({
            "design": res.designs,
            f"EV {label}, bn USD": c["ev_developing_bn_usd"].to_numpy(dtype=float),
            f"EV {label}, %": c["ev_developing_pct"].to_numpy(dtype=float),
            "change vs REF, bn USD": c["ev_developing_vs_ref_bn_usd"].to_numpy(dtype=float),
            "share of global cost, %": c["burden_share_developing_pct"].to_numpy(dtype=float),
            "BCA paid to developed, bn USD": c["bca_to_developed_bn_usd"].to_numpy(dtype=float),
            "EV least developed, %": c["ev_least_developed_pct"].to_numpy(dtype=float),
            "CBDR rank": c["cbdr_rank"].to_numpy(dtype=float),
        })
        out.append(Table("fairness_cbdr", "fairness", "CBDR view: burden of each design on developing regions",
                         "bn USD, %, rank", df,
                         "Rank 1 = the design that leaves developing regions best off (highest EV in bn USD). "
                         "Developing / developed from the dataset's region groups.", digits=2,
                         integer_columns=("CBDR rank",)))
    f = res.tables.get("fairness")
    if f is not None and not f.empty:
        first = f[f["scenario"] == res.designs[0]].set_index("region").reindex(res.regions)
        t = pd.DataFrame({"income per capita, USD": first["income_per_capita_benchmark_usd"],
                          "CO2 per capita, t": first["emissions_per_capita_benchmark_t"]})
        ev = f.pivot(index="region", columns="scenario", values="ev_per_capita_usd").reindex(
            index=res.regions, columns=res.designs)
        t = pd.concat([t, ev.add_prefix("EV per capita, USD: ")], axis=1)
        t.index = [f"{r} (coalition)" if r in res.coalition else r for r in t.index]
        out.append(Table("fairness_per_capita", "fairness", "EV per capita against income and emissions per capita",
                         "USD per person, t CO2 per person (benchmark)", label_first(t, "region"),
                         "Income = benchmark GDP by expenditure per person; emissions = benchmark CO2 per person."))
    x = res.tables.get("bca_transfers")
    if x is not None and not x.empty:
        x = x[x["scenario"].isin(res.designs)]
        active = x.groupby("scenario")[["to_developed_bn_usd", "returned_bn_usd"]].sum().abs().sum(axis=1) > 0
        x = x[x["scenario"].isin(active[active].index)]
        if len(x):
            t = pd.DataFrame({"payer / design": x["payer"] + " / " + x["scenario"],
                              "to developed, bn USD": x["to_developed_bn_usd"].to_numpy(dtype=float),
                              "% of payer GDP": x["to_developed_pct_of_payer_gdp"].to_numpy(dtype=float),
                              "returned to payer, bn USD": x["returned_bn_usd"].to_numpy(dtype=float)})
            out.append(Table("fairness_bca_transfers", "fairness",
                             "BCA revenue flowing from developing to developed regions", "bn USD, % of GDP",
                             t.reset_index(drop=True),
                             "Charges levied on each developing region's exports and kept by developed importers; "
                             "GDP by income in the design.", digits=3))
    s = res.tables.get("burden_shares")
    if s is not None and not s.empty:
        a = s.pivot(index="group", columns="scenario", values="burden_share_pct")
        b = s.pivot(index="group", columns="scenario", values="burden_share_vs_ref_pct")
        order = list(dict.fromkeys(s["group"]))
        a, b = a.reindex(index=order, columns=res.designs), b.reindex(index=order, columns=res.designs)
        b.index = [f"{g}, of the change vs REF" for g in b.index]
        out.append(Table("fairness_burden_shares", "fairness", "Share of the global welfare cost by region group",
                         "%", label_first(pd.concat([a, b]), "group"),
                         "100 x EV(group) / EV(world) when the world loses; the second block does the same for the "
                         "change relative to REF (the cost of the border adjustment itself); -- when there is no "
                         "global cost to share."))
    return out
