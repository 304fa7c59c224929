"""Build the report folder atomically (temporary sibling, then rename)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import matplotlib.pyplot as plt

from cge.io.outdir import atomic_folder, check_target
from cge.report import figures as fg
from cge.report import tables as tb
from cge.report.data import Results, load_results
from cge.report.figures import STYLE, Figure, Styles
from cge.report.html import render
from cge.report.legitimacy import Legitimacy, load_legitimacy
from cge.report.tables import Table, write_tables
from cge.report.welfare import cbdr_tables, decomposition_figure, decomposition_tables

#: the report's figures by panel, in order (a figure function returns ``None`` when its data are missing)
PANELS = {
    "validity": (fg.leakage, fg.emissions, fg.eite_output, fg.carbon_price, fg.cbam_phase_in, fg.dynamic_path),
    "fairness": (fg.ev_regions, fg.ev_income, fg.burden_share, fg.ev_groups, fg.bca_flows, decomposition_figure),
    "trade": (fg.eite_trade, fg.bilateral, fg.terms_of_trade),
}


def all_figures(res: Results) -> list[Figure]:
    style = Styles(res.designs)
    out = []
    with plt.rc_context(STYLE):
        for funcs in PANELS.values():
            for f in funcs:
                fig = f(res, style)
                if fig is not None:
                    out.append(fig)
    return out


def all_tables(res: Results, legit: Legitimacy | None) -> list[Table]:
    """The report's tables, in order: validity, fairness (with the welfare decomposition and CBDR),
    trade, legitimacy, and the SSA statistics of a sweep."""
    out: list[Table] = []
    if res.has_compare:
        out += [tb.validity_table(res), tb.eite_output_table(res), tb.ev_region_table(res),
                tb.fairness_table(res), tb.ev_group_table(res)]
        out += tb.bca_tables(res)
        out += decomposition_tables(res) + cbdr_tables(res)
        out += tb.trade_tables(res)
        if legit is not None:
            out.append(tb.legitimacy_table(res, legit))
    if res.stats is not None:
        out.append(tb.stats_table(res))
    return out


def build_report(results_dir: str | Path, out: str | Path | None = None,
                 legitimacy: str | Path | None = None, sweep: str | Path | None = None,
                 force: bool = False, wait: bool = False, path: str | Path | None = None) -> Path:
    """Build the report for ``results_dir`` into ``out`` (default ``results_dir/report``); returns ``out``.
    ``sweep`` is a ``cge sweep`` output folder whose ``summary_stats.csv`` adds SSA bands; ``path`` a
    ``cge baseline`` output folder whose path tables add the path panel (a figure of the validity panel).

    Raises :class:`cge.errors.DataError` naming the file when an input is missing or malformed; nothing
    is written then (an earlier complete report stays as it was). ``out`` must be new or an earlier
    report (``force`` replaces anything else), and is never the results or sweep folder it reads."""
    results_dir = Path(results_dir)
    out = Path(out) if out else results_dir / "report"
    inputs = [results_dir, sweep, legitimacy, path]
    check_target(out, "report", inputs, force)          # a refused --out fails before any reading
    res = load_results(results_dir, sweep=sweep, path=path)
    for warning in res.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    legit = load_legitimacy(legitimacy) if res.has_compare else None
    figs = []
    try:
        with atomic_folder(out, "report", inputs=inputs, force=force, wait=wait,
                           need_bytes=4_000_000) as tmp:
            figs = all_figures(res)
            (tmp / "figures").mkdir()
            rendered = []
            with plt.rc_context(STYLE):
                for f in figs:
                    f.fig.savefig(tmp / "figures" / f"{f.key}.png")
                    f.fig.savefig(tmp / "figures" / f"{f.key}.svg")
                    buf = io.BytesIO()
                    f.fig.savefig(buf, format="png", dpi=140)
                    plt.close(f.fig)
                    rendered.append((f, buf.getvalue()))
            tables = all_tables(res, legit)
            write_tables(tables, tmp / "tables", res.run.get("units", ""))
            (tmp / "report.html").write_text(render(res, rendered, tables, legit), encoding="utf-8")
    finally:
        for f in figs:
            plt.close(f.fig)
    return out
