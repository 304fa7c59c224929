"""The self-contained HTML report: inline CSS, PNG figures as base64 data URIs, no scripts."""

from __future__ import annotations

import base64
import html
import os
from datetime import date
from pathlib import Path

import numpy as np

from cge.report.data import Results
from cge.report.figures import Figure
from cge.report.legitimacy import Legitimacy, design_switches
from cge.report.tables import Table, fmt_cell

CSS = """
body{font-family:Georgia,'DejaVu Serif',serif;color:#1a1a1a;max-width:60rem;margin:2rem auto;padding:0 1.2rem;
line-height:1.5;background:#fff}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{font-size:1.35rem;border-bottom:2px solid #333;padding-bottom:.2rem;
margin-top:2.6rem}h3{font-size:1.08rem;margin-top:1.6rem}
.sub{color:#555;margin-top:0}.warn{border:2px solid #000;padding:.5rem .8rem;font-weight:bold;margin:1rem 0}
.box{background:#f4f4f4;border-left:4px solid #555;padding:.6rem .9rem;margin:1rem 0}
figure{margin:1.4rem 0}figure img{max-width:100%;height:auto;display:block;border:1px solid #e5e5e5}
figcaption{font-size:.9rem;color:#333;margin-top:.35rem}
table{border-collapse:collapse;font-family:'DejaVu Sans',Arial,sans-serif;font-size:.8rem;margin:.6rem 0 .3rem}
th,td{padding:.2rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
thead th{border-bottom:2px solid #333;text-align:left}
table.num td{text-align:right;font-variant-numeric:tabular-nums}table.num td:first-child{text-align:left}
table.num th{text-align:right}table.num th:first-child{text-align:left}
.tcap{font-weight:bold;font-family:'DejaVu Sans',Arial,sans-serif;font-size:.85rem;margin-top:1.2rem}
.tnote{font-size:.78rem;color:#444;margin-top:0}.scroll{overflow-x:auto}
table.legit td:nth-child(3){min-width:16rem}.inst{white-space:nowrap}
nav ol{columns:2}code{font-size:.85em}
"""


def _e(s) -> str:
    return html.escape(str(s), quote=True)


def figure_html(f: Figure, n: int, png: bytes) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure id="fig-{_e(f.key)}"><img alt="{_e(f.title)}" src="data:image/png;base64,{data}">'
            f"<figcaption><b>Figure {n}. {_e(f.title)}.</b> {_e(f.caption)} "
            f"<i>Files: figures/{_e(f.key)}.png, .svg.</i></figcaption></figure>")


def table_html(t: Table, n: int) -> str:
    cls = "num" if t.numeric else "text"
    head = "".join(f"<th>{_e(c)}</th>" for c in t.df.columns)
    rows = []
    for _, row in t.df.iterrows():
        cells = []
        for k, c in enumerate(t.df.columns):
            v = row[c]
            if t.numeric and k > 0 and isinstance(v, (int, float, np.integer, np.floating)):
                dv = "" if v is None or not np.isfinite(v) else repr(float(v))
                cells.append(f'<td data-value="{dv}">{_e(fmt_cell(v, t.digits_of(c)))}</td>')
            else:
                cells.append(f"<td>{_e(fmt_cell(v, t.digits_of(c)))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    units = f" ({_e(t.units)})" if t.units else ""
    note = f'<p class="tnote">{_e(t.note)} <i>Files: tables/{_e(t.key)}.md, .tex; report_tables.xlsx.</i></p>'
    return (f'<p class="tcap" id="tab-{_e(t.key)}">Table {n}. {_e(t.title)}{units}</p>'
            f'<div class="scroll"><table class="{cls}" id="tbl-{_e(t.key)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>{note}")


def _anchor(switch: str, key: str) -> str:
    return "c-" + "".join(ch if ch.isalnum() else "-" for ch in f"{switch}-{key}")


def legitimacy_html(res: Results, legit: Legitimacy) -> str:
    parts = [f'<div class="box"><b>Not legal advice.</b> {_e(legit.disclaimer)}</div>']
    used: dict[tuple[str, str], str] = {}
    for d in res.designs:
        sc = res.scenarios.get(d, {})
        rows = []
        for switch, key, shown in design_switches(sc):
            entry = legit.entry(switch, key)
            used.setdefault((switch, key), shown)
            inst = sorted({i for c in entry.considerations for i in c.instruments})
            rows.append(f"<tr><td><code>{_e(switch)}</code></td><td>{_e(shown)}</td><td>{_e(entry.summary)} "
                        f'<a href="#{_anchor(switch, key)}">considerations</a></td>'
                        f"<td>{'<br>'.join(f'<span class=inst>{_e(i)}</span>' for i in inst)}</td></tr>")
        desc = sc.get("description", "")
        fcp = sc.get("foreign_carbon_prices") or {}
        extra = ""
        if (sc.get("bca") or {}).get("credit_foreign_carbon_price") and not fcp:
            extra = (" <i>In this run no region outside the coalition has a carbon price "
                     "(foreign_carbon_prices is empty), so crediting changes no charge.</i>")
        parts.append(f'<h3 id="legit-{_e(d)}">{_e(d)}</h3><p>{_e(desc)}{extra}</p>'
                     f'<div class="scroll"><table class="legit" id="legit-table-{_e(d)}"><thead><tr><th>switch</th>'
                     "<th>value</th><th>what it does</th><th>provisions engaged</th></tr></thead><tbody>"
                     + "".join(rows) + "</tbody></table></div>")
    parts.append("<h3>Considerations for every border adjustment</h3><ul>")
    for c in legit.general:
        parts.append(_consideration(c, legit))
    parts.append("</ul><h3>Considerations by switch value</h3>")
    for switch, key in used:
        entry = legit.entry(switch, key)
        parts.append(f'<h4 id="{_anchor(switch, key)}"><code>{_e(switch)}: {_e(key)}</code></h4><ul>')
        parts += [_consideration(c, legit) for c in entry.considerations]
        parts.append("</ul>")
    srcs = sorted({s for e in [*legit.general] for s in e.sources}
                  | {s for (sw, k) in used for c in legit.entry(sw, k).considerations for s in c.sources})
    parts.append("<h3>Sources</h3><ol>")
    for s in srcs:
        info = legit.sources[s]
        url = f' <a href="{_e(info["url"])}">{_e(info["url"])}</a>' if info.get("url") else ""
        parts.append(f'<li id="src-{_e(s)}">{_e(info["title"])}.{url}</li>')
    parts.append(f"</ol><p class=tnote>Considerations file: <code>{_e(considerations_file(legit))}</code>"
                 + (f"; status: {_e(legit.reviewed)}" if legit.reviewed else "") + ".</p>")
    return "\n".join(parts)


def considerations_file(legit: Legitimacy) -> str:
    """The considerations file as the report names it: the packaged default by its place in the
    package, a file of the user's by its name (never the user's full path)."""
    from cge.report.legitimacy import default_path

    try:
        if Path(legit.path).resolve() == Path(default_path()).resolve():
            return "cge/defaults/legitimacy.yaml (packaged)"
    except OSError:
        pass
    return Path(legit.path).name


def _consideration(c, legit: Legitimacy) -> str:
    src = "; ".join(f'<a href="#src-{_e(s)}">{_e(legit.sources[s]["title"].split(",")[0])}</a>' for s in c.sources)
    return f"<li>{_e(c.text)} <i>[{_e('; '.join(c.instruments))}. Source: {src}]</i></li>"


def references_sentence(res: Results) -> str:
    """Which design is the reference (the same policy without border measure) of which, as the run mapped them."""
    refs = res.references()
    by_ref: dict[str, list[str]] = {}
    for d in res.designs:
        if refs.get(d) is not None and refs[d] != d:
            by_ref.setdefault(refs[d], []).append(d)
    main = res.reference()
    if main is None:
        return "No design has a reference (the same policy without a border measure)."
    if len(by_ref) <= 1:
        txt = f"The design without a border measure, <b>{_e(main)}</b>, is the reference for the comparisons"
    else:
        txt = ("Each design is compared with the same policy without a border measure: "
               + "; ".join(f"<b>{_e(r)}</b> for {_e(', '.join(ds))}" for r, ds in by_ref.items())
               + f" (figures mark <b>{_e(main)}</b>)")
    none = [d for d in res.designs if refs.get(d) is None]
    if none:
        txt += f"; {_e(', '.join(none))} ha{'s' if len(none) == 1 else 've'} no reference"
    return txt + "."


CAPS = ("coalition_cap", "regional_cap")


def policy_phrase(policy: dict) -> str:
    """What the coalition applies under ``policy`` (a scenario's ``policy`` section), in words."""
    inst = policy.get("instrument", "?")
    if inst == "tax":
        return f"a carbon tax of {float(policy.get('tax_usd_per_t', 0)):g} USD/t"
    if inst in CAPS:
        what = ("a coalition-wide cap with emissions trading among members" if inst == "coalition_cap"
                else "a cap in each coalition region")
        return f"{what}, cutting emissions by {100 * float(policy.get('cut', 0)):g}% from the benchmark"
    if inst == "none":
        return "no carbon policy"
    return str(inst)


def held_equal(policies: list[dict]) -> str:
    """What every design shares, from the designs' own policies: the same cap (the carbon price
    adjusts), the same tax (emissions adjust), or nothing (the designs differ in the policy)."""
    kinds = {(p.get("instrument"), p.get("cut") if p.get("instrument") in CAPS else p.get("tax_usd_per_t"))
             for p in policies}
    if len(kinds) != 1:
        return "the designs differ in the carbon policy itself (see the table of designs)"
    inst = next(iter(kinds))[0]
    if inst in CAPS:
        return "every design reaches the same coalition emissions and the carbon price adjusts"
    if inst == "tax":
        return "every design faces the same carbon tax and the coalition's emissions adjust"
    return "no design prices carbon"


def intro_html(res: Results) -> str:
    ds = res.dataset
    parts = []
    if res.synthetic:
        parts.append('<p class="warn">SYNTHETIC DATA: this report is built on a randomly generated benchmark, '
                     "not on observed data. Its numbers illustrate the method only.</p>")
    scenarios = [sc for sc in res.policies.values() if sc]
    first = scenarios[0] if scenarios else {}
    policies = [sc.get("policy", {}) for sc in scenarios]
    policy = policy_phrase(policies[0]) if policies else "a carbon policy"
    if len({policy_phrase(p) for p in policies}) > 1:
        policy = "the carbon policy of each design (see the table of designs)"
    coal = ", ".join(res.coalition)
    defined = ", ".join(first.get("coalition", []))
    who = f"{defined}: {coal}" if defined and coal and defined != coal else (coal or defined or "as defined")
    dataset = f"Dataset: <b>{_e(ds['name'])}</b>" if ds.get("name") else "Dataset: not recorded in this folder"
    regions = f", {len(res.regions)} regions" if res.regions else ""
    same = held_equal(policies) if policies else ""
    parts.append(
        f"<p>This report compares {len(res.designs)} policy designs in a static multi-region computable general "
        f"equilibrium model. {dataset}"
        + (f" ({_e(ds.get('description'))})" if ds.get("description") else "")
        + f"{regions}. The coalition ({_e(who)}) applies {_e(policy)}"
        + (f"; {_e(same)}. " if same else ". ")
        + references_sentence(res) + "</p>"
        "<p>All numbers are <b>model results</b>: they depend on the benchmark data and the elasticities, and "
        "describe a comparison of equilibria, not a forecast. Welfare is Hicksian equivalent variation of "
        "household consumption. The report asks three questions: are the designs <i>valid</i> (do they cut "
        "leakage and protect energy-intensive, trade-exposed industry), <i>fair</i> (who bears the cost) and "
        "<i>legitimate</i> (which legal provisions each design choice engages); a trade panel follows.</p>")
    rows = "".join(f"<tr><td><b>{_e(d)}</b></td><td>{_e(_design_text(res, d, len(set(map(str, policies))) > 1))}"
                   "</td></tr>" for d in res.designs)
    parts.append(f'<table class="text" id="designs"><thead><tr><th>design</th><th>description</th></tr></thead>'
                 f"<tbody>{rows}</tbody></table>")
    return "\n".join(parts)


def _design_text(res: Results, design: str, with_policy: bool) -> str:
    sc = res.policies.get(design, {})
    text = sc.get("description", "")
    if with_policy:
        text = f"{policy_phrase(sc.get('policy', {}))}. {text}".strip()
    return text


def notes_html(res: Results) -> str:
    units = res.run.get("units", "")
    solves = res.run.get("solves", [])
    worst = max((s.get("max_residual", 0.0) for s in solves), default=None)
    routes = sorted({s.get("route", "?") for s in solves})
    items = [
        units,
        "Leakage rate: 100 x (change in non-coalition emissions) / (coalition abatement).",
        "EV: Hicksian equivalent variation, EV% = 100 (C - 1) of benchmark household consumption; in bn USD as "
        "(C - 1) x benchmark consumption. Group and world figures are consumption-weighted.",
        "Global welfare cost borne by non-coalition regions: 100 x EV(non-coalition) / EV(world), defined when "
        "the world loses.",
        "EITE: energy-intensive, trade-exposed sectors as tagged in the dataset. Aggregates of EITE output and "
        "trade are weighted by benchmark values.",
        "Terms of trade: benchmark-weighted export price index over import price index (fob).",
        "BCA charges are reported by the exporter on whose goods they are levied and by the region that collects "
        "them; who bears them economically shows in the welfare results.",
    ]
    if res.stats is not None:
        items.append("Whiskers and p05/p95 columns: 5th and 95th percentiles over the systematic sensitivity "
                     "analysis in summary_stats.csv.")
    if solves:
        items.append(f"Solver: route {', '.join(routes)}; largest equation residual over all designs {worst:.1e}.")
    return "<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items if i) + "</ul>"


def diagnostics_html(res: Results) -> str:
    """A box at the top of the report: the designs with results outside the trusted range (the
    ``diagnostics`` table, shown in full in its own section), or that none has any."""
    d = res.tables.get("diagnostics")
    if d is None:
        return ""
    if d.empty:
        return ('<p class="box" id="diagnostics-box">Plausibility diagnostics: no result of any design lies outside '
                "the trusted range (EV, output and trade changes, transfers, price indices).</p>")
    counts = d.groupby("scenario", sort=False).size()
    which = "; ".join(f"{_e(s)}: {n}" for s, n in counts.items())
    return (f'<p class="warn" id="diagnostics-box">Plausibility diagnostics: {len(d)} result(s) outside the trusted '
            f'range ({which}). Read these designs with care; see <a href="#diagnostics">the list</a>.</p>')


PANEL_TITLES = {
    "diagnostics": ("Plausibility diagnostics", "Which results lie outside the range a careful modeller trusts?"),
    "validity": ("Validity", "Do the designs cut leakage and protect energy-intensive, trade-exposed industry?"),
    "fairness": ("Fairness", "Who bears the cost: the coalition or the rest of the world, richer or poorer "
                             "regions?"),
    "trade": ("Trade", "How the designs change trade in covered goods and the terms of trade."),
    "legitimacy": ("Legitimacy", "Which legal provisions each design choice engages (considerations, not "
                                 "verdicts)."),
}


STALE_ID = "out-of-date"


def mark_out_of_date(report_dir: Path, why: str) -> bool:
    """Put a banner at the top of ``report_dir/report.html`` saying the report no longer matches
    the results it was built from (``why``); the next `cge report` writes a report without it.
    Returns False when there is no report page to mark."""
    page = Path(report_dir) / "report.html"
    try:
        text = page.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if f'id="{STALE_ID}"' in text or "<body>" not in text:
        return f'id="{STALE_ID}"' in text
    banner = f'<p class="warn" id="{STALE_ID}">OUT OF DATE: {_e(why)}</p>'
    tmp = page.with_name(f".{page.name}.cge-tmp")
    tmp.write_text(text.replace("<body>", "<body>\n" + banner, 1), encoding="utf-8")
    os.replace(tmp, page)
    return True


def render(res: Results, figures: list[tuple[Figure, bytes]], tables: list[Table], legit: Legitimacy | None) -> str:
    title = f"Border carbon adjustment assessment: {res.dataset.get('name', res.folder.name)}"
    if res.synthetic:
        title += " (SYNTHETIC DATA)"
    body = [f"<h1>{_e(title)}</h1><p class=sub>cge-bca report from <code>{_e(res.folder.name)}/</code>, "
            f"built {date.today().isoformat()}</p>", intro_html(res)]
    body.append(diagnostics_html(res))
    order = ["diagnostics", "validity", "fairness", "trade", "legitimacy"]
    panels = [p for p in order if any(f.panel == p for f, _ in figures) or any(t.panel == p for t in tables)
              or (p == "legitimacy" and legit is not None)]
    body.append("<nav><b>Contents</b><ol>" + "".join(
        f'<li><a href="#{p}">{PANEL_TITLES[p][0]}</a></li>' for p in panels)
        + '<li><a href="#notes">Notes on units and definitions</a></li></ol></nav>')
    nf = nt = 0
    for p in panels:
        name, q = PANEL_TITLES[p]
        body.append(f'<h2 id="{p}">{name}</h2><p><i>{_e(q)}</i></p>')
        if p == "legitimacy" and legit is not None:
            body.append(legitimacy_html(res, legit))
            continue
        for f, png in figures:
            if f.panel == p:
                nf += 1
                body.append(figure_html(f, nf, png))
        for t in tables:
            if t.panel == p:
                nt += 1
                body.append(table_html(t, nt))
    body.append(f'<h2 id="notes">Notes on units and definitions</h2>{notes_html(res)}')
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body>\n" + "\n".join(body)
            + "\n</body></html>\n")
