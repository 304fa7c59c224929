"""Build the report folder atomically (temporary sibling, then rename)."""

from __future__ import annotations

import io
import os
import sys
from dataclasses import replace
from pathlib import Path

import matplotlib.pyplot as plt

from cge.io.outdir import atomic_folder, check_target
from cge.report import detail_figures as dfg
from cge.report import figures as fg
from cge.report import tables as tb
from cge.report.data import Results, load_results
from cge.report.figures import STYLE, Figure, Styles
from cge.report.html import render
from cge.report.legitimacy import Legitimacy, load_legitimacy
from cge.report.tables import Table, write_tables
from cge.report.welfare import cbdr_tables, decomposition_figure, decomposition_tables
from cge.results.diagnostics import diagnostics_lines

#: the report's figures by panel, in order (a figure function returns ``None`` when its data are missing)
PANELS = {
    "validity": (fg.leakage, dfg.leakage_channels, fg.emissions, fg.eite_output, fg.carbon_price, fg.cbam_phase_in,
                 fg.dynamic_path),
    "fairness": (fg.ev_regions, fg.ev_income, fg.burden_share, fg.ev_groups, fg.bca_flows, decomposition_figure),
    "trade": (fg.eite_trade, fg.bilateral, fg.terms_of_trade, dfg.prices),
}


FIGURE_FUNCTIONS = tuple(f for funcs in PANELS.values() for f in funcs)
#: the figures that take longest to draw (many panels or heat-map cells): handed to the workers first, so
#: that no worker is left drawing a slow figure while the others are idle
SLOW_FIGURES = (decomposition_figure, fg.eite_output, dfg.prices, fg.terms_of_trade, fg.eite_trade, fg.bilateral)


def all_figures(res: Results) -> list[Figure]:
    """Every figure of the report that the folder has data for, in order (not saved)."""
    style = Styles(res.designs)
    out = []
    with plt.rc_context(STYLE):
        for f in FIGURE_FUNCTIONS:
            fig = f(res, style)
            if fig is not None:
                out.append(fig)
    return out


#: the results the figures are drawn from (read by forked workers, which inherit it: nothing is pickled
#: on the way in)
_RESULTS: list[Results] = []


def save_figure(f: Figure, folder: Path) -> bytes:
    """Save ``f`` as ``KEY.png`` and ``KEY.svg`` in ``folder`` and return the PNG bytes (embedded in the
    HTML page as they are). The tight bounding box is computed once and passed to both files, so the
    figure is drawn once per format."""
    with plt.rc_context(STYLE):
        fig = f.fig
        bbox = fig.get_tightbbox(fig.canvas.get_renderer()).padded(STYLE["savefig.pad_inches"])
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches=bbox)
        png = buf.getvalue()
        (folder / f"{f.key}.png").write_bytes(png)
        fig.savefig(folder / f"{f.key}.svg", bbox_inches=bbox)
    return png


def _draw_figure(k: int, folder: str) -> tuple[Figure, bytes] | None:
    """Draw figure function ``k`` of :data:`FIGURE_FUNCTIONS` on :data:`_RESULTS` and save it
    (:func:`save_figure`); ``(the figure record without its matplotlib figure, PNG bytes)``, or ``None``
    when the folder has no data for it."""
    with plt.rc_context(STYLE):
        f = FIGURE_FUNCTIONS[k](_RESULTS[0], Styles(_RESULTS[0].designs))
    if f is None:
        return None
    try:
        png = save_figure(f, Path(folder))
    finally:
        plt.close(f.fig)
    return replace(f, fig=None), png


def _workers(n_jobs: int) -> int:
    """Processes to draw figures with: the CPUs this process may use (at most
    :data:`MAX_FIGURE_WORKERS`), when it can fork safely (a POSIX fork start method and no other
    thread running), else 1."""
    import multiprocessing
    import threading

    if n_jobs < 2 or "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cpus, n_jobs, MAX_FIGURE_WORKERS))


#: at most this many processes draw figures (drawing is CPU-bound; more rarely pays off)
MAX_FIGURE_WORKERS = 4


def draw_figures(res: Results, folder: Path, meanwhile=None) -> tuple[list[tuple[Figure, bytes]], object]:
    """Draw and save every figure of the report (PNG and SVG in ``folder``); returns each figure's
    record (without the matplotlib figure, which is closed) and PNG bytes, in order, and what
    ``meanwhile()`` returned. Drawing is the slow step of a report, so each figure is drawn once per
    format, and the figures are made and drawn in parallel by forked processes where the CPUs allow
    (:func:`_workers`), while this process runs ``meanwhile`` (the tables); the files are the same
    either way."""
    _RESULTS[:] = [res]
    jobs = [(k, str(folder)) for k in range(len(FIGURE_FUNCTIONS))]
    try:
        n = _workers(len(jobs))
        if n == 1:
            done = [_draw_figure(*job) for job in jobs]
            other = meanwhile() if meanwhile else None
        else:
            import multiprocessing

            order = sorted(range(len(jobs)), key=lambda k: FIGURE_FUNCTIONS[k] not in SLOW_FIGURES)
            with multiprocessing.get_context("fork").Pool(n) as pool:
                pending = pool.starmap_async(_draw_figure, [jobs[k] for k in order], chunksize=1)
                other = meanwhile() if meanwhile else None
                drawn = pending.get()
            done = [None] * len(jobs)
            for k, d in zip(order, drawn):
                done[k] = d
    finally:
        _RESULTS.clear()
    return [d for d in done if d is not None], other


def all_tables(res: Results, legit: Legitimacy | None) -> list[Table]:
    """The report's tables, in order: validity, fairness (with the welfare decomposition and CBDR),
    trade, legitimacy, and the SSA statistics of a sweep."""
    out: list[Table] = []
    if res.has_compare:
        out += tb.diagnostics_report_table(res)
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
                 force: bool = False, wait: bool = False, path: str | Path | None = None,
                 path_sweep: str | Path | None = None) -> Path:
    """Build the report for ``results_dir`` into ``out`` (default ``results_dir/report``); returns ``out``.
    ``sweep`` is a ``cge sweep`` output folder whose ``summary_stats.csv`` adds SSA bands; ``path`` a
    ``cge baseline`` output folder whose path tables add the path panel (a figure of the validity panel);
    ``path_sweep`` a path sweep folder (``cge sweep`` with ``path:``) whose bands that panel shades.

    Raises :class:`cge.errors.DataError` naming the file when an input is missing or malformed; nothing
    is written then (an earlier complete report stays as it was). ``out`` must be new or an earlier
    report (``force`` replaces anything else), and is never the results or sweep folder it reads."""
    results_dir = Path(results_dir)
    out = Path(out) if out else results_dir / "report"
    inputs = [results_dir, sweep, legitimacy, path, path_sweep]
    check_target(out, "report", inputs, force)          # a refused --out fails before any reading
    res = load_results(results_dir, sweep=sweep, path=path, path_sweep=path_sweep)
    for warning in res.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for line in diagnostics_lines(res.tables.get("diagnostics")):
        print(f"warning: {line}", file=sys.stderr)
    legit = load_legitimacy(legitimacy) if res.has_compare else None
    with atomic_folder(out, "report", inputs=inputs, force=force, wait=wait, need_bytes=4_000_000) as tmp:
        (tmp / "figures").mkdir()
        def tables_written() -> list[Table]:
            tables = all_tables(res, legit)
            write_tables(tables, tmp / "tables", res.run.get("units", ""))
            return tables

        rendered, tables = draw_figures(res, tmp / "figures", meanwhile=tables_written)
        (tmp / "report.html").write_text(render(res, rendered, tables, legit), encoding="utf-8")
    return out
