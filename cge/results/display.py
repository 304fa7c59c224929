"""How results show in a Jupyter notebook: the ``_repr_html_`` of a comparison and of one scenario.

Each is a compact headline table (the rows of :meth:`cge.results.run.Comparison.headline`, units in
the row labels, numbers printed as in every table of the package: :mod:`cge.io.numbers`), a line
saying what the numbers are computed on, and where the full tables are.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from cge.io.numbers import as_text

#: the style of the headline tables: numbers right-aligned, labels left
_STYLE = ("<style>.cge-headline td{text-align:right;padding:0 0.8em}.cge-headline td:first-child{text-align:left}"
          ".cge-headline th{text-align:right;padding:0 0.8em}.cge-headline th:first-child{text-align:left}</style>")


def _table(df: pd.DataFrame) -> str:
    return as_text(df, 2).to_html(index=False, border=0, classes="cge-headline", escape=True)


def _dataset(b) -> str:
    synthetic = " <b>[SYNTHETIC DATA]</b>" if b.metadata.get("synthetic") else ""
    return f"{escape(b.name)} ({len(b.regions)} regions × {len(b.sectors)} sectors){synthetic}"


def comparison_html(c) -> str:
    """The headline table of every scenario of comparison ``c``, side by side."""
    if not c.results:
        return f"<div><b>Comparison</b>: no scenarios on {_dataset(c.benchmark)}</div>"
    names = ", ".join(f"<code>{escape(n)}</code>" for n in c.scenarios)
    tables = ", ".join(c.tables)
    return (f"<div>{_STYLE}<p><b>Comparison</b> of {len(c.results)} scenario(s) on {_dataset(c.benchmark)}: "
            f"{names}</p>{_table(c.headline())}"
            f"<p><small>Money in bn USD at benchmark prices deflated by the world CPI PW; EV in % of "
            f"benchmark household consumption. Tables: <code>.table(name)</code> for {escape(tables)}; one "
            "scenario: <code>[name]</code> (its prices, quantities and flows); <code>.write(folder)</code> "
            "writes the files of <code>cge compare</code>.</small></p></div>")


def _policy(sc) -> str:
    p = sc.policy
    if p.instrument == "none":
        return "no carbon policy"
    level = f"{p.tax_usd_per_t:g} USD/t" if p.instrument == "tax" else f"cut {100 * p.cut:g}%"
    coalition = ", ".join(sc.coalition) or "no coalition"
    border = []
    if sc.bca.import_charge:
        border.append(f"import charge ({sc.bca.basis}, {sc.bca.benchmark} intensity, coverage "
                      f"{sc.bca.coverage if isinstance(sc.bca.coverage, str) else ', '.join(sc.bca.coverage)})")
    if sc.bca.export_rebate:
        border.append("export rebate")
    if sc.output_based_rebates.enabled:
        border.append("output-based rebates")
    if sc.phase_in.active:
        border.append(f"CBAM phase-in {sc.phase_in.year}")
    return f"{p.instrument} ({level}) in {coalition}; " + ("; ".join(border) if border else "no border measure")


def scenario_html(r) -> str:
    """The headline of one solved scenario, what it is, and how it solved."""
    sc, s = r.scenario, r.solve
    what = f" — {escape(sc.description)}" if sc.description else ""
    iterations = f"{s.iterations} iterations, " if s.iterations >= 0 else ""
    return (f"<div>{_STYLE}<p><b>Scenario</b> <code>{escape(sc.name)}</code>{what}<br>{escape(_policy(sc))}<br>"
            f"<small>solved by {escape(s.route)}: {iterations}max residual {s.max_residual:.1e}</small></p>"
            f"{_table(r.headline())}<p><small>The solved state: <code>.prices()</code>, <code>.quantities()</code>, "
            "<code>.flows()</code>, <code>.variables()</code>; result tables: <code>.table(name)</code>."
            "</small></p></div>")
