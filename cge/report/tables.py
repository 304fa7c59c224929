"""Publication tables of the report, built from the results folder, written as Markdown, LaTeX and
one Excel workbook (a sheet per table, with title, units and notes).

Every numeric table has a text first column (the row label) and numeric columns; the HTML shows
the same DataFrames (see :mod:`cge.report.html`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cge.io.latex import escape
from cge.io.numbers import is_number, number_text
from cge.report.data import Results
from cge.report.figures import bilateral_table, eite_trade_table, flows_tables, group_table
from cge.report.legitimacy import Legitimacy, design_switches


@dataclass
class Table:
    key: str
    panel: str
    title: str
    units: str
    df: pd.DataFrame
    note: str = ""
    digits: int = 2
    numeric: bool = True
    integer_columns: tuple[str, ...] = ()      # counts and ranks: printed without decimals

    @property
    def numeric_columns(self) -> list[str]:
        return list(self.df.columns[1:]) if self.numeric else []

    def digits_of(self, column: str) -> int:
        return 0 if column in self.integer_columns else self.digits


def _designs_frame(res: Results, cols: dict[str, pd.Series]) -> pd.DataFrame:
    df = pd.DataFrame({"design": res.designs})
    for name, s in cols.items():
        df[name] = s.reindex(res.designs).to_numpy(dtype=float)
    return df


def label_first(t: pd.DataFrame, label: str) -> pd.DataFrame:
    """`t` with string labels and its index as a first column named `label` (the table layout)."""
    t = t.copy()
    t.columns = [str(c) for c in t.columns]
    t.index = [str(i) for i in t.index]
    return t.rename_axis(label).reset_index()


def undefined_note(res: Results, columns: dict[str, str]) -> str:
    """"-- = undefined: <design>: <label> (<reason>)" for the ratios the results left undefined
    (``run.yaml`` ``undefined``) among ``columns`` (label -> results column); empty if none."""
    label = {col: lab for lab, col in columns.items()}
    u = res.undefined
    u = u[u["measure"].isin(label) & u["scenario"].isin(res.designs)]
    if u.empty:
        return ""
    return " -- = undefined: " + "; ".join(f"{d}: {label[m].split(',')[0]} ({why})"
                                            for d, m, why in zip(u["scenario"], u["measure"], u["reason"])) + "."


#: the validity table's columns: label -> column of the summary table
VALIDITY_COLUMNS = {
    "leakage rate, %": "leakage_rate_pct",
    "coalition abatement, Mt": "coalition_abatement_mt",
    "coalition abatement, %": "coalition_abatement_pct",
    "global emissions change, Mt": "global_emissions_change_mt",
    "carbon price, USD/t": "carbon_price_usd_per_t",
    "EITE output coalition, %": "eite_output_change_coalition_pct",
    "EITE output non-coalition, %": "eite_output_change_non_coalition_pct",
}


def validity_table(res: Results) -> Table:
    s = res.tables["summary"].set_index("scenario")
    cols = {label: s[col] for label, col in VALIDITY_COLUMNS.items()}
    band = res.band("leakage_rate_pct")
    if band is not None:
        cols["leakage p05, %"] = band["p05"]
        cols["leakage p95, %"] = band["p95"]
    return Table("validity", "validity", "Validity: leakage, abatement, carbon price and EITE output by design",
                 "%, Mt CO2, USD/t", _designs_frame(res, cols),
                 "Leakage rate = 100 x rise in non-coalition emissions / coalition abatement. EITE output: "
                 "benchmark-output-weighted % change over EITE sectors. Carbon price: coalition regions weighted by "
                 "benchmark emissions." + undefined_note(res, VALIDITY_COLUMNS))


def ev_region_table(res: Results) -> Table:
    reg = res.tables["regions"]
    t = reg.pivot(index="region", columns="scenario", values="ev_pct").reindex(index=res.regions,
                                                                               columns=res.designs)
    s = res.tables["summary"].set_index("scenario").reindex(res.designs)
    extra = pd.DataFrame([s["ev_world_pct"], s["ev_coalition_pct"], s["ev_rest_pct"]],
                         index=["world", "coalition", "non-coalition"])
    t = pd.concat([t, extra])
    return Table("fairness_ev_regions", "fairness", "Welfare change (EV) by region and design",
                 "% of benchmark household consumption", label_first(t, "region"),
                 "Hicksian equivalent variation, EV% = 100 (C - 1); world, coalition and non-coalition rows "
                 "are consumption-weighted. Coalition: " + ", ".join(res.coalition) + ".")


def fairness_table(res: Results) -> Table:
    s = res.tables["summary"].set_index("scenario")
    reg = res.tables["regions"]
    ret = reg.groupby("scenario")["bca_revenue_returned_received_bn_usd"].sum()
    cols = {
        "EV world, bn USD": s["ev_world_bn_usd"],
        "EV coalition, %": s["ev_coalition_pct"],
        "EV non-coalition, %": s["ev_rest_pct"],
        "global welfare cost borne by non-coalition, %": s["burden_share_non_coalition_pct"],
        "BCA revenue, bn USD": s["bca_revenue_bn_usd"],
        "of which returned to exporters, bn USD": ret,
    }
    return Table("fairness_summary", "fairness", "Fairness: who bears the welfare cost, by design",
                 "bn USD (benchmark prices, deflated by the world CPI), %", _designs_frame(res, cols),
                 "Global welfare cost = -(sum of EV over all regions); its share borne by non-coalition regions "
                 "is 100 x EV(non-coalition) / EV(world) when the world loses."
                 + undefined_note(res, {"global welfare cost borne by non-coalition, %":
                                        "burden_share_non_coalition_pct"}))


def ev_group_table(res: Results) -> Table:
    return Table("fairness_ev_groups", "fairness", "Welfare change (EV) by region group",
                 "% of the group's benchmark household consumption", label_first(group_table(res), "group"),
                 "Groups with identical members are shown once (joined by =). Group membership from the dataset.")


def bca_tables(res: Results) -> list[Table]:
    if res.tables["bca_flows"].empty:
        return []
    paid, coll = flows_tables(res)
    paid.loc["total"] = paid.sum()
    coll.loc["total"] = coll.sum()
    return [
        Table("fairness_bca_paid", "fairness", "BCA charges by exporting region (levied on its exports)",
              "bn USD", label_first(paid, "exporter"),
              "Charges levied on imports from each exporter into coalition markets; economic incidence differs."),
        Table("fairness_bca_collected", "fairness", "BCA charges by collecting region", "bn USD",
              label_first(coll, "collected by"),
              "With revenue: exporter the charge is returned to the exporting region's agent as a lump sum."),
    ]


def eite_output_table(res: Results) -> Table:
    sec = res.tables["sectors"]
    e = sec[sec["eite"]].assign(row=lambda d: d["region"] + " " + d["sector"])
    order = [f"{r} {s}" for r in res.regions for s in dict.fromkeys(e["sector"])]
    t = e.pivot(index="row", columns="scenario", values="output_change_pct")
    t = t.reindex(index=[o for o in order if o in t.index], columns=res.designs)
    return Table("validity_eite_output", "validity", "Output of EITE sectors by region", "% change from benchmark",
                 label_first(t, "region sector"), "EITE sectors as tagged in the dataset.", digits=2)


#: at most this many diagnostics are listed in the report (all are in diagnostics.csv)
DIAGNOSTICS_SHOWN = 40


def diagnostics_rows(res: Results) -> pd.DataFrame | None:
    """The ``diagnostics`` table of the folder (None when the folder predates it)."""
    return res.tables.get("diagnostics")


def diagnostics_report_table(res: Results) -> list[Table]:
    """The results outside the trusted range, by design (:mod:`cge.results.diagnostics`); none when all
    lie inside it."""
    d = diagnostics_rows(res)
    if d is None or d.empty:
        return []
    shown = d.head(DIAGNOSTICS_SHOWN)[["scenario", "check", "message"]].rename(columns={"scenario": "design"})
    note = ("Each row is a result beyond the thresholds of the scenario's diagnostics.* options: a region's EV "
            "beyond ±10% of consumption, a sector's output or trade change beyond ±100%, a transfer above 10% of "
            "consumption, a price index off by a factor of 2 (the defaults). They are warnings: the model solved, "
            "but a careful modeller would not trust these numbers without a closer look.")
    if len(d) > len(shown):
        note += f" The first {len(shown)} of {len(d)} are listed; all are in diagnostics.csv."
    return [Table("diagnostics", "diagnostics", "Results outside the trusted range", "", shown.reset_index(drop=True),
                  note=note, numeric=False)]


def trade_tables(res: Results) -> list[Table]:
    out = []
    if res.tables["sectors"]["eite"].any():
        for which in ("exports", "imports"):
            out.append(Table(f"trade_eite_{which}", "trade", f"EITE {which} by region", "% change from benchmark",
                             label_first(eite_trade_table(res, which), "region"),
                             f"{which.capitalize()} of EITE goods, benchmark-weighted over EITE sectors, "
                             "all partners, fob quantities."))
    if res.coalition:
        bt = bilateral_table(res)
        if not bt.empty:
            out.append(Table("trade_bilateral", "trade", "EITE exports into coalition markets by exporter",
                             "% change from benchmark", label_first(bt, "exporter"),
                             "Sum over EITE goods and coalition importers (intra-coalition trade included for "
                             "coalition exporters)."))
    reg = res.tables["regions"]
    tot = reg.pivot(index="region", columns="scenario", values="terms_of_trade_pct").reindex(
        index=res.regions, columns=res.designs)
    out.append(Table("trade_terms_of_trade", "trade", "Terms of trade by region", "% change",
                     label_first(tot, "region"),
                     "Benchmark-weighted export price index over import price index (producer prices, fob)."))
    return out


def legitimacy_table(res: Results, legit: Legitimacy) -> Table:
    rows = []
    for d in res.designs:
        sc = res.scenarios.get(d, {})
        for switch, key, shown in design_switches(sc):
            entry = legit.entry(switch, key)
            for c in entry.considerations:
                rows.append({"design": d, "switch": switch, "value": shown, "consideration": c.text,
                             "instruments": "; ".join(c.instruments),
                             "sources": "; ".join(legit.source_label(s) for s in c.sources)})
    return Table("legitimacy", "legitimacy", "Legal considerations raised by each design's switches", "",
                 pd.DataFrame(rows, columns=["design", "switch", "value", "consideration", "instruments", "sources"]),
                 legit.disclaimer, numeric=False)


def stats_table(res: Results) -> Table:
    s = res.stats.copy()
    s["label"] = s["design"] + " | " + s["measure"] + " | " + s["region"]
    t = s[["label", "mean", "std", "p05", "p95", "n"]].rename(columns={"label": "design | measure | region"})
    return Table("sensitivity", "validity", "Systematic sensitivity analysis: distribution of results",
                 "units of each measure", t.reset_index(drop=True),
                 "From summary_stats.csv: mean, standard deviation, 5th and 95th percentiles over n draws.")


# --------------------------------------------------------------------------------- writers
def fmt_cell(v, digits: int) -> str:
    if is_number(v):
        return number_text(v, digits)
    return "" if v is None or v is pd.NA else str(v)


def to_markdown(t: Table) -> str:
    df = t.df.copy()
    for c in t.numeric_columns:
        df[c] = [fmt_cell(v, t.digits_of(c)) for v in df[c]]
    head = f"## {t.title}\n\n" + (f"Units: {t.units}.\n\n" if t.units else "")
    body = df.to_markdown(index=False, disable_numparse=True, colalign=["left"] +
                          ["right" if c in t.numeric_columns else "left" for c in df.columns[1:]])
    return head + body + (f"\n\nNote: {t.note}\n" if t.note else "\n")


_tex = escape


def to_latex(t: Table) -> str:
    cols = list(t.df.columns)
    if t.numeric:
        spec = "l" + "r" * (len(cols) - 1)
        env = ("tabular", "")
    else:
        spec = r"p{0.1\linewidth}p{0.13\linewidth}p{0.1\linewidth}p{0.4\linewidth}p{0.12\linewidth}"
        cols = cols[:5]   # sources go to the notes of the legitimacy table in LaTeX
        env = ("longtable", "")
    lines = [f"% {t.title}", r"\begin{table}[htbp]" if env[0] == "tabular" else "", r"\centering",
             rf"\caption{{{_tex(t.title)}" + (f" ({_tex(t.units)})" if t.units else "") + "}",
             rf"\label{{tab:{t.key}}}", rf"\begin{{{env[0]}}}{{{spec}}}", r"\hline",
             " & ".join(_tex(str(c)) for c in cols) + r" \\", r"\hline"]
    for _, row in t.df.iterrows():
        cells = [_tex(fmt_cell(row[c], t.digits_of(c))) for c in cols]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\hline", rf"\end{{{env[0]}}}"]
    if t.note:
        lines.append(rf"\par\footnotesize Note: {_tex(t.note)}")
    if env[0] == "tabular":
        lines.append(r"\end{table}")
    return "\n".join(x for x in lines if x) + "\n"


def write_tables(tables: list[Table], folder: Path, units_note: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for t in tables:
        (folder / f"{t.key}.md").write_text(to_markdown(t), encoding="utf-8")
        (folder / f"{t.key}.tex").write_text(to_latex(t), encoding="utf-8")
    with pd.ExcelWriter(folder / "report_tables.xlsx") as xl:
        notes = []
        for t in tables:
            sheet = t.key[:31]
            pd.DataFrame({t.title: [f"Units: {t.units}" if t.units else ""]}).to_excel(
                xl, sheet_name=sheet, index=False)
            t.df.to_excel(xl, sheet_name=sheet, index=False, startrow=3)
            pd.DataFrame({"note": [t.note]}).to_excel(xl, sheet_name=sheet, index=False,
                                                      startrow=len(t.df) + 5)
            notes.append({"sheet": sheet, "title": t.title, "units": t.units, "note": t.note})
        notes.append({"sheet": "", "title": "all tables", "units": units_note, "note": ""})
        pd.DataFrame(notes).to_excel(xl, sheet_name="notes", index=False)
