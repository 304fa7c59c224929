"""The report's figures (matplotlib, Agg backend), one function per figure.

Each function takes :class:`~cge.report.data.Results` and returns a :class:`Figure` record (the
matplotlib figure, a caption stating the headline numbers, and the data plotted) or ``None`` when
the folder holds nothing to draw. Styles are consistent across figures and readable in greyscale:
designs differ by fill lightness (a monotone-lightness palette) *and* hatching or marker shape;
heat maps print their values in each cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.collections  # noqa: E402
import matplotlib.patches  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import TwoSlopeNorm  # noqa: E402

from cge.report.data import Results  # noqa: E402
from cge.results.measures import eite_weighted_change  # noqa: E402

HATCHES = ("", "///", "\\\\\\", "xx", "..", "oo", "--", "++", "**", "||")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
WIDTH = 7.5  # inches: a full text width in most journals

STYLE = {
    "font.size": 8.5, "axes.titlesize": 9.5, "axes.labelsize": 8.5, "legend.fontsize": 7.5,
    "xtick.labelsize": 8, "ytick.labelsize": 8, "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "axes.grid.axis": "y", "grid.color": "#d9d9d9", "grid.linewidth": 0.6,
    "axes.axisbelow": True, "hatch.linewidth": 0.6, "hatch.color": "#ffffff", "savefig.dpi": 200,
    "savefig.bbox": "tight", "savefig.pad_inches": 0.08,
    "figure.dpi": 100, "svg.fonttype": "none", "font.family": "DejaVu Sans",
}


@dataclass
class Figure:
    key: str
    panel: str
    title: str
    caption: str
    fig: plt.Figure | None  # None once drawn and closed (cge.report.build.draw_figures)
    data: pd.DataFrame


class Styles:
    """Fill, hatch and marker per design, fixed for the whole report."""

    def __init__(self, designs: list[str]):
        cmap = plt.get_cmap("cividis")
        n = max(len(designs), 2)
        self.designs = list(designs)
        self.color = {d: cmap(0.05 + 0.9 * k / (n - 1)) for k, d in enumerate(designs)}
        self.hatch = {d: HATCHES[k % len(HATCHES)] for k, d in enumerate(designs)}
        self.marker = {d: MARKERS[k % len(MARKERS)] for k, d in enumerate(designs)}

    def hatch_color(self, d: str) -> str:
        """White hatching on dark fills, dark hatching on light fills."""
        r, g, b, _ = self.color[d]
        return "#ffffff" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "#333333"


class RegionStyles(Styles):
    """Regions in grey shades with hatching, distinct from the design palette."""

    def __init__(self, regions: list[str]):
        super().__init__(regions)
        cmap = plt.get_cmap("Greys")
        n = max(len(regions), 2)
        self.color = {r: cmap(0.92 - 0.8 * k / (n - 1)) for k, r in enumerate(regions)}


def rects(ax, left, bottom, width, height, *, label=None, color, hatch="", hatchcolor="#ffffff",
          edgecolor="#222222", linewidth=0.5, zorder=2.0):
    """Rectangles (bars) as one collection: drawn in one call, not one patch each (a report draws
    thousands of bars; as patches they were a fifth of its time). Returns the collection, which
    gives its legend entry under ``label``; the axis limits take the rectangles in."""
    left, bottom, width, height = np.broadcast_arrays(*(np.asarray(a, dtype=float)
                                                        for a in (left, bottom, width, height)))
    x0, x1, y0, y1 = left.ravel(), (left + width).ravel(), bottom.ravel(), (bottom + height).ravel()
    verts = np.stack([np.c_[x0, y0], np.c_[x0, y1], np.c_[x1, y1], np.c_[x1, y0]], axis=1)
    coll = matplotlib.collections.PolyCollection(verts, facecolors=[color], edgecolors=[edgecolor],
                                                 linewidths=linewidth, hatch=hatch or None, label=label,
                                                 zorder=zorder)
    if hatch:
        coll.set_hatchcolor(hatchcolor)
    ax.add_collection(coll, autolim=True)
    ax.autoscale_view()
    return coll


def _bars(ax, x, heights, style: Styles, d: str, width: float):
    """Vertical bars of design ``d`` centred on ``x``, from zero."""
    x = np.asarray(x, dtype=float)
    return rects(ax, x - width / 2, 0.0, width, heights, label=d, color=style.color[d], hatch=style.hatch[d],
                 hatchcolor=style.hatch_color(d))


def _band(ax, x, lo, hi):
    """A p05–p95 band drawn as a thin vertical line with caps (need not bracket the point)."""
    ok = np.isfinite(lo) & np.isfinite(hi)
    if not ok.any():
        return
    x, lo, hi = np.asarray(x)[ok], np.asarray(lo)[ok], np.asarray(hi)[ok]
    ax.vlines(x, lo, hi, color="#000000", linewidth=0.9, zorder=5)
    ax.plot(x, lo, "_", color="#000000", markersize=5, zorder=5)
    ax.plot(x, hi, "_", color="#000000", markersize=5, zorder=5)


def _zero(ax):
    ax.axhline(0, color="#222222", linewidth=0.7, zorder=3)


#: at most this many legend entries per row, so that long design names never overlap
LEGEND_COLUMNS = 5


def _legend_top(ax_or_fig, ncol, **kw):
    return ax_or_fig.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=ncol, frameon=False,
                            handlelength=1.6, columnspacing=1.0, **kw)


def fmt(v, digits=2) -> str:
    """A number for a caption with `digits` decimals, "n/a" when missing or not finite."""
    return "n/a" if v is None or not np.isfinite(v) else f"{v:.{digits}f}"


def _design_series(res: Results, column: str, measure: str) -> pd.Series:
    """One value per design: from summary.csv, else the sweep mean."""
    if res.has_compare:
        s = res.tables["summary"].set_index("scenario")[column]
        return s.reindex(res.designs).astype(float)
    band = res.band(measure)
    return band["mean"].reindex(res.designs).astype(float) if band is not None else pd.Series(dtype=float)


def _design_bar_figure(res, style, column, measure, key, panel, title, ylabel, caption_fn, digits=2):
    vals = _design_series(res, column, measure)
    if vals.empty or vals.isna().all():
        return None
    band = res.band(measure)
    fig, ax = plt.subplots(figsize=(WIDTH, 3.0))
    x = np.arange(len(vals))
    for k, d in enumerate(vals.index):
        _bars(ax, [x[k]], [vals[d] if np.isfinite(vals[d]) else 0.0], style, d, 0.65)
        if np.isfinite(vals[d]):
            ax.annotate(f"{vals[d]:.{digits}f}", (x[k], vals[d]), xytext=(0, 3 if vals[d] >= 0 else -10),
                        textcoords="offset points", ha="center", fontsize=7.5)
    data = pd.DataFrame({"design": vals.index, column: vals.to_numpy()})
    if band is not None:
        b = band.reindex(vals.index)
        _band(ax, x + 0.22, b["p05"].to_numpy(), b["p95"].to_numpy())
        data["p05"], data["p95"] = b["p05"].to_numpy(), b["p95"].to_numpy()
    ref = res.reference()
    if ref in vals.index and np.isfinite(vals[ref]):
        ax.axhline(vals[ref], color="#555555", linewidth=0.8, linestyle="--", zorder=4)
    _zero(ax)
    ax.set_xticks(x, vals.index, rotation=20, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left")
    ax.margins(y=0.15)
    fig.tight_layout()
    return Figure(key, panel, title, caption_fn(vals, band, ref), fig, data)


# ----------------------------------------------------------------------------------- validity
def leakage(res: Results, style: Styles):
    def caption(vals, band, ref):
        others = vals.drop(ref) if ref in vals.index else vals
        txt = "Leakage rate: the rise in non-coalition emissions as a percentage of coalition abatement."
        if ref in vals.index:
            txt += f" Without a border adjustment ({ref}, dashed line) it is {fmt(vals[ref])}%;"
        if len(others.dropna()):
            lo, hi = others.idxmin(), others.idxmax()
            txt += (f" across the other designs it ranges from {fmt(others[lo])}% ({lo}) to "
                    f"{fmt(others[hi])}% ({hi}).")
        if band is not None:
            txt += " Whiskers: 5th-95th percentile over the systematic sensitivity analysis."
        return txt

    return _design_bar_figure(res, style, "leakage_rate_pct", "leakage_rate_pct", "validity_leakage", "validity",
                              "Carbon leakage rate by design", "leakage rate, % of coalition abatement", caption)


def _price_set_by(res: Results) -> str:
    """What sets the carbon price in every design, from the designs' own instruments."""
    policies = [sc.get("policy") or {} for sc in res.policies.values()]
    instruments = {p.get("instrument") for p in policies}
    if instruments <= {"coalition_cap", "regional_cap"} and instruments:
        return ("needed to meet the same cap" if len({p.get("cut") for p in policies}) == 1
                else "needed to meet each design's cap")
    if instruments == {"tax"}:
        return "set by the tax"
    return "under each design's own carbon policy"


def carbon_price(res: Results, style: Styles):
    def caption(vals, band, ref):
        txt = ("Coalition carbon price (USD/t; one price under coalition trading, else weighted by "
               f"benchmark emissions) {_price_set_by(res)}.")
        if ref in vals.index:
            txt += f" {ref}: {fmt(vals[ref], 1)} USD/t;"
        txt += f" range across designs {fmt(vals.min(), 1)}-{fmt(vals.max(), 1)} USD/t."
        if band is not None:
            txt += " Whiskers: 5th-95th percentile over the sensitivity analysis."
        return txt

    return _design_bar_figure(res, style, "carbon_price_usd_per_t", "carbon_price_usd_per_t", "validity_carbon_price",
                              "validity", "Coalition carbon price by design", "USD per t CO2", caption, digits=1)


def _grouped(ax, table: pd.DataFrame, style: Styles, band: pd.DataFrame | None = None):
    """Grouped bars: table index = categories (x), columns = designs."""
    n = len(table.columns)
    width = 0.84 / n
    x = np.arange(len(table.index))
    for k, d in enumerate(table.columns):
        xs = x - 0.42 + width * (k + 0.5)
        _bars(ax, xs, table[d].fillna(0).to_numpy(), style, d, width)
        if band is not None and d in band:
            _band(ax, xs, band[d]["p05"].reindex(table.index).to_numpy(),
                  band[d]["p95"].reindex(table.index).to_numpy())
    _zero(ax)
    ax.set_xticks(x, table.index)
    ax.set_xlim(-0.55, len(x) - 0.45)


def emissions(res: Results, style: Styles):
    if not res.has_compare:
        return None
    reg = res.tables["regions"]
    t = reg.pivot(index="region", columns="scenario", values="emissions_change_mt").reindex(
        index=res.regions, columns=res.designs)
    cl = res.coalition
    rest = [r for r in res.regions if r not in cl]
    parts = [(p, rr) for p, rr in (("coalition", cl), ("non-coalition", rest)) if rr]
    fig, axes = plt.subplots(1, len(parts), figsize=(WIDTH, 3.3),
                             gridspec_kw={"width_ratios": [max(len(rr), 1) for _, rr in parts]})
    axes = np.atleast_1d(axes)
    for ax, (label, rr) in zip(axes, parts):
        _grouped(ax, t.loc[rr], style)
        ax.set_title(f"{label} regions", loc="left")
    axes[0].set_ylabel("change in CO2 emissions, Mt")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=min(len(labels), LEGEND_COLUMNS), frameon=False,
               handlelength=1.6)
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    summ = res.tables["summary"].set_index("scenario").reindex(res.designs)
    ref = res.reference() or res.designs[0]
    s = summ.loc[ref]
    lead = t.loc[rest, ref].idxmax() if rest else None
    cap = (f"Change in CO2 emissions by region (Mt). In {ref} the coalition abates "
           f"{fmt(s['coalition_abatement_mt'], 0)} Mt ({fmt(s['coalition_abatement_pct'], 1)}%) and global emissions "
           f"change by {fmt(s['global_emissions_change_mt'], 0)} Mt")
    if lead is not None:
        cap += f"; the largest non-coalition increase is in {lead} ({fmt(t.loc[lead, ref], 1)} Mt)"
    cap += ". Note the different scales of the two panels."
    data = t.reset_index().melt(id_vars="region", var_name="design", value_name="emissions_change_mt")
    return Figure("validity_emissions", "validity", "Emissions change by region", cap, fig, data)


def heatmap(ax, table: pd.DataFrame, fmt="{:.1f}", cmap="RdBu", label=""):
    vals = table.to_numpy(dtype=float)
    finite = vals[np.isfinite(vals)]
    m = max(float(np.abs(finite).max()) if finite.size else 1.0, 1e-9)
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-m, vmax=m)
    im = ax.imshow(np.ma.masked_invalid(vals), cmap=cmap, norm=norm, aspect="auto")
    for (i, j), v in np.ndenumerate(vals):
        if np.isfinite(v):
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7,
                    color="#ffffff" if abs(v) > 0.6 * m else "#111111")
    ax.set_xticks(range(table.shape[1]), table.columns, rotation=25, ha="right")
    ax.set_yticks(range(table.shape[0]), table.index)
    ax.tick_params(length=0)
    ax.grid(False)
    for s in ax.spines.values():
        s.set_visible(False)
    cb = ax.figure.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
    cb.set_label(label)
    cb.outline.set_visible(False)
    return im


def eite_output(res: Results, style: Styles):
    if not res.has_compare:
        return None
    sec = res.tables["sectors"]
    e = sec[sec["eite"]]
    if e.empty:
        return None
    e = e.assign(row=e["region"] + " · " + e["sector"])
    order = [f"{r} · {s}" for r in res.regions for s in dict.fromkeys(e["sector"])]
    t = e.pivot(index="row", columns="scenario", values="output_change_pct").reindex(
        index=[o for o in order if o in set(e["row"])], columns=res.designs)
    fig, ax = plt.subplots(figsize=(WIDTH, 0.9 + 0.22 * len(t)))
    heatmap(ax, t, label="output, % change")
    ncl = sum(1 for o in t.index if o.split(" · ")[0] in res.coalition)
    if 0 < ncl < len(t):
        ax.axhline(ncl - 0.5, color="#000000", linewidth=1.2)
    ax.set_title("Output of EITE sectors, % change from benchmark (coalition regions above the line)", loc="left")
    fig.tight_layout()
    ref = res.reference() or res.designs[0]
    summ = res.tables["summary"].set_index("scenario").reindex(res.designs)
    w = pd.DataFrame({True: summ["eite_output_change_coalition_pct"],
                      False: summ["eite_output_change_non_coalition_pct"]}).dropna(axis=1, how="all")
    cap = "Output of energy-intensive, trade-exposed (EITE) sectors by region, % change from the benchmark."
    if True in w.columns and False in w.columns:
        cap += (f" In {ref}, coalition EITE output changes by {fmt(w.loc[ref, True])}% and non-coalition EITE "
                f"output by {fmt(w.loc[ref, False])}%")
        others = w.drop(ref)
        if len(others):
            best = others[True].idxmax()
            cap += (f"; coalition EITE output fares best under {best} ({fmt(w.loc[best, True])}%, "
                    f"non-coalition {fmt(w.loc[best, False])}%).")
        else:
            cap += "."
    return Figure("validity_eite_output", "validity", "EITE output by region and sector", cap, fig,
                  t.reset_index().melt(id_vars="row", var_name="design", value_name="output_change_pct"))


# ----------------------------------------------------------------------------------- fairness
def _region_design(res: Results, column: str, measure: str | None = None) -> pd.DataFrame:
    if res.has_compare:
        reg = res.tables["regions"]
        return reg.pivot(index="region", columns="scenario", values=column).reindex(
            index=res.regions, columns=res.designs)
    if res.stats is None or measure is None:
        return pd.DataFrame()
    s = res.stats[(res.stats["measure"] == measure) & (res.stats["region"] != "ALL")]
    if s.empty:
        return pd.DataFrame()
    return s.pivot(index="region", columns="design", values="mean").reindex(columns=res.designs)


def _region_band(res: Results, measure: str) -> dict | None:
    if res.stats is None:
        return None
    s = res.stats[(res.stats["measure"] == measure) & (res.stats["region"] != "ALL")]
    if s.empty:
        return None
    return {d: g.set_index("region")[["p05", "p95"]] for d, g in s.groupby("design")}


def ev_regions(res: Results, style: Styles):
    t = _region_design(res, "ev_pct", "ev_pct")
    if t.empty:
        return None
    band = _region_band(res, "ev_pct")
    fig, ax = plt.subplots(figsize=(WIDTH, 3.4))
    _grouped(ax, t, style, band)
    ax.set_ylabel("EV, % of benchmark household consumption")
    _legend_top(ax, min(len(t.columns), LEGEND_COLUMNS))
    if res.coalition:
        labels = [f"{r}\n(coalition)" if r in res.coalition else r for r in t.index]
        ax.set_xticks(np.arange(len(t.index)), labels)
    fig.tight_layout()
    ref = res.reference() or t.columns[0]
    worst = t[ref].idxmin()
    cap = (f"Welfare change (Hicksian equivalent variation, % of benchmark household consumption) by region. "
           f"In {ref} the largest loss is in {worst} ({fmt(t.loc[worst, ref])}%).")
    others = [d for d in t.columns if d != ref]
    if others:
        spread = (t[others].max(axis=1) - t[others].min(axis=1))
        r = spread.idxmax()
        lo, hi = t.loc[r, others].idxmin(), t.loc[r, others].idxmax()
        cap += (f" The design matters most for {r}: from {fmt(t.loc[r, lo])}% ({lo}) to "
                f"{fmt(t.loc[r, hi])}% ({hi}).")
    if band is not None:
        cap += " Whiskers: 5th-95th percentile over the sensitivity analysis."
    return Figure("fairness_ev_regions", "fairness", "Welfare change by region", cap, fig,
                  t.reset_index().melt(id_vars="region", var_name="design", value_name="ev_pct"))


def ev_income(res: Results, style: Styles):
    if not res.has_compare:
        return None
    reg = res.tables["regions"]
    inc = reg[reg["scenario"] == res.designs[0]].set_index("region")["income_per_capita_benchmark_usd"]
    if not np.isfinite(inc).any():
        return None
    t = _region_design(res, "ev_pct")
    fig, ax = plt.subplots(figsize=(WIDTH, 3.6))
    x = inc.reindex(t.index) / 1000
    for d in t.columns:
        ax.scatter(x, t[d], marker=style.marker[d], s=28, facecolor=style.color[d], edgecolor="#222222",
                   linewidth=0.5, label=d, zorder=4)
    for r in t.index:
        if np.isfinite(x[r]):
            ax.annotate(r + (" *" if r in res.coalition else ""), (x[r], t.loc[r].max()), xytext=(0, 5),
                        textcoords="offset points", ha="center", fontsize=7.5)
            ax.vlines(x[r], t.loc[r].min(), t.loc[r].max(), color="#999999", linewidth=0.6, zorder=2)
    ax.set_xscale("log")
    ticks = [v for v in (0.5, 1, 2, 5, 10, 20, 50, 100) if x.min() / 1.5 <= v <= x.max() * 1.5]
    ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.grid(True, axis="both")
    _zero(ax)
    ax.set_xlabel("income per capita in the benchmark, thousand USD (log scale); * coalition")
    ax.set_ylabel("EV, % of consumption")
    _legend_top(ax, min(len(t.columns), LEGEND_COLUMNS))
    fig.tight_layout()
    ref = res.reference() or t.columns[0]
    poorer = x.sort_values().index[: max(1, len(x) // 2)]
    richer = x.sort_values().index[max(1, len(x) // 2):]
    cap = ("Welfare change against benchmark income per capita, one marker per design; the vertical line spans "
           f"the designs for each region. In {ref}, the poorer half of regions ({', '.join(poorer)}) changes by "
           f"{fmt(t.loc[poorer, ref].mean())}% on average (unweighted) and the richer half by "
           f"{fmt(t.loc[richer, ref].mean())}%.")
    data = t.assign(income_per_capita_thousand_usd=x).reset_index()
    return Figure("fairness_ev_income", "fairness", "Welfare change against income per capita", cap, fig, data)


def burden_share(res: Results, style: Styles):
    def caption(vals, band, ref):
        txt = ("Share of the global welfare cost (minus the sum of EV over all regions) borne by non-coalition "
               "regions, %.")
        if ref in vals.index:
            txt += f" {ref}: {fmt(vals[ref], 1)}%;"
        others = vals.drop(ref) if ref in vals.index else vals
        if len(others.dropna()):
            txt += (f" highest under {others.idxmax()} ({fmt(others.max(), 1)}%), lowest under "
                    f"{others.idxmin()} ({fmt(others.min(), 1)}%).")
        return txt

    return _design_bar_figure(res, style, "burden_share_non_coalition_pct", "burden_share_non_coalition_pct",
                              "fairness_burden_share", "fairness",
                              "Share of the global welfare cost borne by non-coalition regions",
                              "% of global welfare cost", caption, digits=1)


def group_table(res: Results) -> pd.DataFrame:
    """EV % by region group x design; groups with the same members are merged ("annex1 = developed")."""
    g = res.tables["groups"]
    first = g[g["scenario"] == res.designs[0]]
    label = {}
    seen: dict[str, str] = {}
    for _, row in first.iterrows():
        key = " ".join(sorted(str(row["regions"]).split()))
        if key in seen:
            label[seen[key]] = f"{label[seen[key]]} = {row['group']}"
            label[row["group"]] = None
        else:
            seen[key] = row["group"]
            label[row["group"]] = row["group"]
    keep = g[g["group"].map(lambda x: label.get(x) is not None)].copy()
    keep["label"] = keep["group"].map(label)
    order = [label[x] for x in first["group"] if label.get(x)]
    return keep.pivot(index="label", columns="scenario", values="ev_pct").reindex(index=order, columns=res.designs)


def ev_groups(res: Results, style: Styles):
    if not res.has_compare or res.tables["groups"].empty:
        return None
    t = group_table(res)
    fig, ax = plt.subplots(figsize=(WIDTH, 3.0))
    _grouped(ax, t, style)
    ax.set_ylabel("EV, % of group consumption")
    _legend_top(ax, min(len(t.columns), LEGEND_COLUMNS))
    fig.tight_layout()
    ref = res.reference() or t.columns[0]
    cap = "Welfare change by region group (EV, % of the group's benchmark household consumption). "
    cap += "; ".join(f"{grp}: {fmt(t.loc[grp, ref])}% in {ref}, {fmt(t.loc[grp].drop(ref).min())}% to "
                     f"{fmt(t.loc[grp].drop(ref).max())}% across the other designs" if len(t.columns) > 1 else
                     f"{grp}: {fmt(t.loc[grp, ref])}%" for grp in t.index) + "."
    return Figure("fairness_ev_groups", "fairness", "Welfare change by region group", cap, fig,
                  t.reset_index().melt(id_vars="label", var_name="design", value_name="ev_pct"))


def flows_tables(res: Results) -> tuple[pd.DataFrame, pd.DataFrame]:
    """BCA charges (bn USD) by exporter (paid on exports from) and by collecting region, design columns."""
    f = res.tables["bca_flows"]
    designs = [d for d in res.designs if d in set(f["scenario"])]
    paid = f.pivot_table(index="exporter", columns="scenario", values="charge_bn_usd", aggfunc="sum",
                         fill_value=0.0).reindex(columns=designs)
    coll = f.pivot_table(index="collected_by", columns="scenario", values="charge_bn_usd", aggfunc="sum",
                         fill_value=0.0).reindex(columns=designs)
    order = [r for r in res.regions]
    return (paid.reindex([r for r in order if r in paid.index]),
            coll.reindex([r for r in order if r in coll.index]))


def bca_flows(res: Results, style: Styles):
    if not res.has_compare or res.tables["bca_flows"].empty:
        return None
    paid, coll = flows_tables(res)
    regions = [r for r in res.regions if r in set(paid.index) | set(coll.index)]
    rstyle = RegionStyles(regions)
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH, 0.9 + 0.38 * len(paid.columns)), sharey=True)
    for ax, t, title in ((axes[0], paid, "charged on exports from"), (axes[1], coll, "collected by")):
        y = np.arange(len(t.columns))
        left = np.zeros(len(y))
        for r in t.index:
            v = t.loc[r].to_numpy(dtype=float)
            rects(ax, left, y - 0.325, v, 0.65, color=rstyle.color[r], hatch=rstyle.hatch[r],
                  hatchcolor=rstyle.hatch_color(r), label=r)
            left += v
        for k, tot in enumerate(left):
            ax.annotate(f"{tot:.1f}", (tot, y[k]), xytext=(3, 0), textcoords="offset points", va="center",
                        fontsize=7.5)
        ax.set_yticks(y, t.columns)
        ax.grid(True, axis="x")
        ax.grid(False, axis="y")
        ax.set_xlabel("bn USD")
        ax.set_title(title, loc="left")
        ax.margins(x=0.12)
    axes[0].invert_yaxis()  # shared y: once for both; first design on top
    handles = [matplotlib.patches.Patch(facecolor=rstyle.color[r], hatch=rstyle.hatch[r], edgecolor="#222222",
                                        linewidth=0.5, label=r) for r in regions]
    fig.legend(handles=handles, loc="lower center", ncol=min(len(regions), 8), frameon=False, handlelength=1.6)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    tot = paid.sum()
    top = tot.idxmax()
    payer = paid[top].idxmax()
    collector = coll[top].idxmax()
    cap = (f"Border-adjustment charges by design (bn USD): on whose exports they are levied (left) and which "
           f"region's agent collects them (right). Revenue is largest under {top} ({fmt(tot[top], 1)} bn USD), "
           f"{fmt(100 * paid.loc[payer, top] / tot[top], 0)}% of it on exports from {payer}, collected mostly by "
           f"{collector} ({fmt(coll.loc[collector, top], 1)} bn USD). Who bears a charge economically depends on "
           "price responses (see the EV figures), not only on who pays it.")
    data = pd.concat({"paid_by_exporter": paid, "collected_by": coll}, names=["side", "region"]).reset_index()
    return Figure("fairness_bca_flows", "fairness", "BCA revenue: who pays, who collects", cap, fig, data)


# ----------------------------------------------------------------------------------- trade
def eite_trade_table(res: Results, which: str) -> pd.DataFrame:
    sec = res.tables["sectors"]
    w = eite_weighted_change(sec, f"{which}_change_pct", f"{which}_benchmark_bn_usd", ["region", "scenario"])
    return w.unstack().reindex(index=res.regions, columns=res.designs)


def eite_trade(res: Results, style: Styles):
    if not res.has_compare or not res.tables["sectors"]["eite"].any():
        return None
    ex, im = eite_trade_table(res, "exports"), eite_trade_table(res, "imports")
    fig, axes = plt.subplots(2, 1, figsize=(WIDTH, 5.2), sharex=True)
    _grouped(axes[0], ex, style)
    _grouped(axes[1], im, style)
    axes[0].set_ylabel("exports, % change")
    axes[1].set_ylabel("imports, % change")
    axes[0].set_title("Exports of covered (EITE) goods", loc="left", pad=24)
    axes[1].set_title("Imports of covered (EITE) goods", loc="left")
    _legend_top(axes[0], min(len(ex.columns), LEGEND_COLUMNS), borderaxespad=0.2)
    labels = [f"{r}\n(coalition)" if r in res.coalition else r for r in ex.index]
    axes[1].set_xticks(np.arange(len(ex.index)), labels)
    fig.tight_layout()
    ref = res.reference() or ex.columns[0]
    cl = [r for r in res.coalition if r in im.index]
    cap = "Exports and imports of covered (EITE) goods by region, % change (benchmark-weighted over EITE sectors)."
    if cl:
        sec = res.tables["sectors"]
        coal = eite_weighted_change(sec[sec["coalition"]], "imports_change_pct", "imports_benchmark_bn_usd",
                                    ["scenario"])
        others = coal.drop(ref, errors="ignore").reindex([d for d in res.designs if d != ref])
        cap += f" Coalition EITE imports change by {fmt(coal.get(ref, np.nan))}% in {ref}"
        if len(others.dropna()):
            cap += f" and by {fmt(others.min())}% ({others.idxmin()}) to {fmt(others.max())}% ({others.idxmax()})"
        cap += " across the other designs."
    data = pd.concat({"exports_change_pct": ex, "imports_change_pct": im}, names=["measure", "region"]).reset_index()
    return Figure("trade_eite_trade", "trade", "EITE exports and imports by region", cap, fig, data)


def bilateral_table(res: Results) -> pd.DataFrame:
    """% change of EITE imports into coalition markets, by exporter (rows) and design (columns)."""
    b = res.tables["bilateral"]
    eite = set(res.tables["sectors"].loc[res.tables["sectors"]["eite"], "sector"])
    sel = b[b["good"].isin(eite) & b["importer"].isin(res.coalition)]
    g = sel.groupby(["exporter", "scenario"])[["quantity_bn_usd_at_benchmark_prices", "benchmark_bn_usd"]].sum()
    pct = 100 * (g.iloc[:, 0] / g.iloc[:, 1] - 1)
    return pct.unstack().reindex(index=[r for r in res.regions if r in set(sel["exporter"])], columns=res.designs)


def bilateral(res: Results, style: Styles):
    if not res.has_compare or not res.coalition:
        return None
    t = bilateral_table(res)
    if t.empty:
        return None
    t.index = [f"{r} (coalition)" if r in res.coalition else r for r in t.index]
    fig, ax = plt.subplots(figsize=(WIDTH, 1.0 + 0.3 * len(t)))
    heatmap(ax, t, label="% change")
    ax.set_title("EITE exports into coalition markets by exporter, % change", loc="left")
    fig.tight_layout()
    ref = res.reference() or t.columns[0]
    rest = [r for r in t.index if "coalition" not in r]
    cap = "Exports of covered (EITE) goods into coalition markets, by exporting region, % change from the benchmark."
    others = [d for d in t.columns if d != ref]
    if rest and others:
        worst_d = t.loc[rest, others].mean().idxmin()
        r = t.loc[rest, worst_d].idxmin()
        cap += (f" In {ref} non-coalition exporters change theirs by {fmt(t.loc[rest, ref].min(), 1)}% to "
                f"{fmt(t.loc[rest, ref].max(), 1)}%; the strongest fall is under {worst_d}, "
                f"for {r} ({fmt(t.loc[r, worst_d], 1)}%).")
    return Figure("trade_bilateral", "trade", "Bilateral EITE flows into coalition markets", cap, fig,
                  t.reset_index(names="exporter").melt(id_vars="exporter", var_name="design", value_name="change_pct"))


def terms_of_trade(res: Results, style: Styles):
    if not res.has_compare:
        return None
    t = _region_design(res, "terms_of_trade_pct")
    t.index = [f"{r} (coalition)" if r in res.coalition else r for r in t.index]
    fig, ax = plt.subplots(figsize=(WIDTH, 1.0 + 0.3 * len(t)))
    heatmap(ax, t, fmt="{:.2f}", label="% change")
    ax.set_title("Terms of trade, % change", loc="left")
    fig.tight_layout()
    ref = res.reference() or t.columns[0]
    cap = ("Terms of trade (export over import price index at world prices: fob net of export rebates "
           "plus BCA revenue returned to exporters; benchmark weights), % change. "
           f"In {ref}: from {fmt(t[ref].min())}% ({t[ref].idxmin()}) to {fmt(t[ref].max())}% ({t[ref].idxmax()}).")
    return Figure("trade_terms_of_trade", "trade", "Terms of trade", cap, fig,
                  t.reset_index(names="region").melt(id_vars="region", var_name="design", value_name="tot_pct"))


def cbam_phase_in(res: Results, style: Styles):
    """The EU CBAM phase-in path by year (scenarios with ``phase_in.year``; at least two)."""
    from cge.results.phase_in import exporters_table, path_table

    if not res.has_compare:
        return None
    t = res.tables
    path = path_table(t["summary"], t["regions"], res.scenarios)
    if len(path) < 2:
        return None
    ex = exporters_table(t["regions"], t["bca_flows"], res.scenarios)
    years = path["year"].to_numpy()
    fig, axes = plt.subplots(2, 2, figsize=(WIDTH, 4.6), sharex=True)
    (a1, a2), (a3, a4) = axes
    a1.plot(years, path["leakage_rate_pct"], marker="o", color="#222222")
    a1.set_title("Leakage rate, %", loc="left")
    a2.plot(years, path["eite_output_change_coalition_pct"], marker="s", color="#222222")
    a2.set_title("Coalition EITE output, % change", loc="left")
    a3.plot(years, path["cbam_revenue_bn_usd"], marker="^", color="#222222", label="CBAM revenue")
    a3.plot(years, path["free_allocation_bn_usd"], marker="v", color="#888888", linestyle="--",
            label="free allocation (output rebates)")
    a3.set_title("bn USD", loc="left")
    a3.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, fontsize=7)
    wide = ex.pivot_table(index="year", columns="region", values="ev_pct", sort=False)
    regions = RegionStyles(list(wide.columns))
    for k, r in enumerate(wide.columns):
        a4.plot(wide.index, wide[r], marker=MARKERS[k % len(MARKERS)], color=regions.color[r], label=r,
                markeredgecolor="#222222", markeredgewidth=0.4)
    _zero(a4)
    a4.set_title("EV of non-coalition regions, %", loc="left")
    a4.legend(ncol=1, frameon=False, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    for ax in (a3, a4):
        ax.set_xlabel("year")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=6, integer=True))
    fig.tight_layout()
    first, last = path.iloc[0], path.iloc[-1]
    cap = (f"The EU CBAM phase-in as comparative statics on one benchmark: in each year the charge applies "
           f"to the share of free allocation already phased out (Regulation (EU) 2023/956 Art. 31) and the "
           f"free allocation left is an output-based rebate (ETS Directive Art. 10a(1a)). From "
           f"{int(first['year'])} to {int(last['year'])} leakage goes from {fmt(first['leakage_rate_pct'])}% "
           f"to {fmt(last['leakage_rate_pct'])}%, CBAM revenue from {fmt(first['cbam_revenue_bn_usd'])} to "
           f"{fmt(last['cbam_revenue_bn_usd'])} bn USD, coalition EITE output from "
           f"{fmt(first['eite_output_change_coalition_pct'])}% to {fmt(last['eite_output_change_coalition_pct'])}%.")
    return Figure("validity_cbam_phase_in", "validity", "EU CBAM phase-in path", cap, fig, path)


def _path_band(ax, bands, design: str, measure: str, region: str, scale: float = 1.0, **kw) -> bool:
    """Shade the min-max band of a path sweep (``bands``: cge/sweep/path_bands.py) of one line; False if none."""
    if bands is None:
        return False
    b = bands[(bands["design"] == design) & (bands["measure"] == measure) & (bands["region"] == region)]
    b = b.sort_values("year")
    if b.empty or (b["n"] < 2).all():
        return False
    ax.fill_between(b["year"], b["min"] * scale, b["max"] * scale, alpha=0.18, linewidth=0, **kw)
    return True


def dynamic_path(res: Results, style: Styles):
    """The recursive-dynamic path of a ``cge baseline`` folder (``cge report --path``): baseline emissions and
    GDP by region, and by design the carbon price, the leakage rate and the burden (EV of the regions outside
    the coalition) against the same year's baseline; with a path sweep (``--path-sweep``) each line's
    min-max band across the sweep's variants of the assumptions is shaded."""
    if not res.path:
        return None
    base, summ, reg = res.path["path_baseline"], res.path["path_summary"], res.path["path_regions"]
    bands, shaded = res.path_bands, False
    fig, axes = plt.subplots(2, 3, figsize=(WIDTH, 4.8))
    (a1, a2, a3), (a4, a5, a6) = axes
    regions = RegionStyles(list(dict.fromkeys(base["region"].astype(str))))
    for k, r in enumerate(regions.color):
        b = base[base["region"] == r]
        kw = dict(color=regions.color[r], label=r, marker=MARKERS[k % len(MARKERS)], markersize=3,
                  markevery=max(1, len(b) // 5), markeredgecolor="#222222", markeredgewidth=0.4)
        a1.plot(b["year"], b["emissions_mt"] / 1000, **kw)
        a2.plot(b["year"], b["gdp_index"], **kw)
        shaded |= _path_band(a1, bands, "baseline", "emissions_mt", r, 1 / 1000, color=regions.color[r])
        shaded |= _path_band(a2, bands, "baseline", "gdp_index", r, color=regions.color[r])
    a1.set_title("Baseline CO2, Gt", loc="left")
    a2.set_title("Baseline real GDP, index", loc="left")
    a3.plot(*zip(*base.groupby("year")["emissions_mt"].sum().div(1000).items()), color="#222222")
    shaded |= _path_band(a3, bands, "baseline", "emissions_mt", "ALL", 1 / 1000, color="#222222")
    a3.set_title("World baseline CO2, Gt", loc="left")
    designs = list(dict.fromkeys(summ["design"].astype(str)))
    outside = reg[~reg["coalition"].astype(str).str.lower().isin(("true", "1"))]
    burden = outside.groupby(["design", "year"])["ev_bn_usd"].sum()
    for k, d in enumerate(designs):
        s = summ[summ["design"] == d]
        kw = dict(marker=MARKERS[k % len(MARKERS)], markersize=3, label=d)
        line = a4.plot(s["year"], s["carbon_price_usd_per_t"], **kw)[0]
        a5.plot(s["year"], s["leakage_rate_pct"], **kw)
        color = line.get_color()
        for ax, measure in ((a4, "carbon_price_usd_per_t"), (a5, "leakage_rate_pct"),
                            (a6, "ev_outside_coalition_bn_usd")):
            shaded |= _path_band(ax, bands, d, measure, "ALL", color=color)
        if d in burden.index.get_level_values(0):
            a6.plot(burden.loc[d].index, burden.loc[d].values, color=color, **kw)
    a4.set_title("Carbon price, USD/t", loc="left")
    a5.set_title("Leakage rate, %", loc="left")
    a6.set_title("EV outside the coalition, bn USD", loc="left")
    _zero(a6)
    a2.legend(ncol=2, frameon=False, fontsize=6)
    if designs:
        a5.legend(frameon=False, fontsize=7)
    for ax in axes.flat:
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=4, integer=True))
    fig.tight_layout()
    years = sorted(set(base["year"]))
    cap = (f"The recursive-dynamic path {years[0]}–{years[-1]} (cge baseline): population (UN WPP 2024) and real "
           f"GDP (SSP v3.1) drive the baseline; each design is measured against the baseline of the same year.")
    if shaded:
        n = int(bands["n"].max())
        cap += (f" Shaded: the lowest to the highest value across the {n} variants of the path assumptions of a "
                f"path sweep (cge sweep with path:), a range of assumptions, not a probability interval.")
    if len(summ):
        last = summ[summ["year"] == summ["year"].max()]
        cap += " In " + str(int(summ["year"].max())) + ", leakage is " + ", ".join(
            f"{fmt(v)}% ({d})" for d, v in zip(last["design"], last["leakage_rate_pct"])) + "."
        if shaded:
            y = int(summ["year"].max())
            rng = bands[(bands["year"] == y) & (bands["measure"] == "leakage_rate_pct") & (bands["region"] == "ALL")]
            if len(rng):
                cap += " Across the variants: " + ", ".join(
                    f"{fmt(lo)}–{fmt(hi)}% ({d})" for d, lo, hi in zip(rng["design"], rng["min"], rng["max"])) + "."
    return Figure("validity_dynamic_path", "validity", "Recursive-dynamic path", cap, fig,
                  summ.copy())
