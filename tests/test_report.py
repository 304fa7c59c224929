"""`cge report`: the BCA assessment report built from a `cge compare` results folder.

The compare results are solved once per session on a small synthetic benchmark; one test uses the
shipped WIOD 2011 dataset."""

import math
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import pandas as pd
import pytest
import yaml

from cge.data.synthetic import random_benchmark
from cge.errors import DataError
from cge.report import build_report
from cge.report.build import all_figures, all_tables
from cge.report.data import COMPARE_FILES, load_results
from cge.report.figures import Styles
from cge.report.legitimacy import SWITCH_VALUES, default_path, load_legitimacy
from cge.report.tables import fmt_cell
from cge.results.run import run_scenarios
from cge.results.write import write_results
from cge.scenarios.spec import scenario_from_dict

REPO = Path(__file__).resolve().parents[1]
BASE = {"coalition": ["annex1"], "policy": {"instrument": "coalition_cap", "cut": 0.2}}
DESIGNS = [
    {"name": "REF"},
    {"name": "BCA-exempt", "bca": {"import_charge": True, "basis": "direct+electricity", "exempt": ["ldc"],
                                   "credit_foreign_carbon_price": True, "benchmark": "importer"}},
    {"name": "BCA-full", "bca": {"import_charge": True, "export_rebate": True, "revenue": "exporter",
                                 "coverage": "all", "basis": "total"}},
    {"name": "OBR", "output_based_rebates": {"enabled": True}},
]
FIGURES = ("validity_leakage", "validity_leakage_channels", "validity_emissions", "validity_eite_output",
           "validity_carbon_price",
           "fairness_ev_regions", "fairness_ev_income", "fairness_burden_share", "fairness_ev_groups",
           "fairness_bca_flows", "fairness_decomposition", "trade_eite_trade", "trade_bilateral",
           "trade_terms_of_trade", "trade_prices")


@pytest.fixture(scope="session")
def results_dir(tmp_path_factory):
    b = random_benchmark(4, 7, seed=3)
    scenarios = [scenario_from_dict({**BASE, **d}) for d in DESIGNS]
    comp = run_scenarios(b, scenarios)
    return write_results(comp, tmp_path_factory.mktemp("compare") / "results")


@pytest.fixture(scope="session")
def report_dir(results_dir):
    return build_report(results_dir)


@pytest.fixture(scope="session")
def html_text(report_dir):
    return (report_dir / "report.html").read_text(encoding="utf-8")


class Tables(HTMLParser):
    """Cells of every <table id=...>: {id: [[(text, data-value or None), ...], ...]} (body rows)."""

    def __init__(self):
        super().__init__()
        self.tables, self.current, self.row, self.cell, self.in_body = {}, None, None, None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id"):
            self.current = a["id"]
            self.tables[self.current] = []
        elif tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.current and self.in_body:
            self.row = []
        elif tag == "td" and self.row is not None:
            self.cell = ["", a.get("data-value")]

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.row.append((self.cell[0].strip(), self.cell[1]))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.current].append(self.row)
            self.row = None
        elif tag == "tbody":
            self.in_body = False
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[0] += data


def parse_tables(text):
    p = Tables()
    p.feed(text)
    return p.tables


def test_report_builds_html_figures_and_tables_from_fresh_compare(report_dir, results_dir):
    assert report_dir == results_dir / "report"
    assert (report_dir / "report.html").stat().st_size > 10_000
    for key in FIGURES:
        assert (report_dir / "figures" / f"{key}.png").exists(), key
        assert (report_dir / "figures" / f"{key}.svg").exists(), key
    tables = sorted(p.stem for p in (report_dir / "tables").glob("*.md"))
    assert {"validity", "fairness_ev_regions", "fairness_summary", "fairness_ev_groups", "legitimacy",
            "trade_bilateral", "trade_terms_of_trade", "fairness_decomposition", "fairness_dominant_channel",
            "fairness_cbdr", "fairness_per_capita", "fairness_bca_transfers", "fairness_burden_shares"} <= set(tables)
    for t in tables:
        assert (report_dir / "tables" / f"{t}.tex").exists()
    sheets = pd.ExcelFile(report_dir / "tables" / "report_tables.xlsx").sheet_names
    assert set(tables) <= set(sheets) and "notes" in sheets


def test_every_figure_file_is_a_valid_image(report_dir):
    pngs = sorted((report_dir / "figures").glob("*.png"))
    svgs = sorted((report_dir / "figures").glob("*.svg"))
    assert len(pngs) == len(svgs) == len(FIGURES)
    for p in pngs:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", p.name
        img = mpimg.imread(p)
        assert img.ndim == 3 and img.shape[0] > 300 and img.shape[1] > 1000, p.name
        assert img.std() > 0.01, f"{p.name} is blank"
    for s in svgs:
        root = ET.parse(s).getroot()
        assert root.tag.endswith("svg"), s.name


def test_html_is_self_contained_with_every_figure_embedded(html_text):
    assert "<script" not in html_text.lower()
    assert not re.search(r'<link[^>]+stylesheet', html_text, re.I)
    srcs = re.findall(r'<img[^>]*src="([^"]+)"', html_text)
    assert len(srcs) == len(FIGURES)
    assert all(s.startswith("data:image/png;base64,") for s in srcs)
    for key in FIGURES:
        assert f'id="fig-{key}"' in html_text


def test_html_states_dataset_coalition_cut_and_that_numbers_are_model_results(html_text):
    assert "synthetic_4x7_seed3" in html_text
    assert "SYNTHETIC DATA" in html_text
    assert "r1, r2" in html_text and "by 20%" in html_text
    assert "model results" in html_text
    assert "not legal advice" in html_text.lower()


def test_numbers_in_html_tables_equal_the_dataframes(results_dir, html_text):
    res = load_results(results_dir)
    tables = [t for t in all_tables(res, load_legitimacy()) if t.numeric]
    cells = parse_tables(html_text)
    assert len(tables) >= 8
    for t in tables:
        rows = cells[f"tbl-{t.key}"]
        assert len(rows) == len(t.df), t.key
        for (_, expected), got in zip(t.df.iterrows(), rows):
            assert got[0][0] == str(expected.iloc[0])
            for k, c in enumerate(t.df.columns[1:], start=1):
                text, dv = got[k]
                v = expected[c]
                assert text == fmt_cell(v, t.digits_of(c)), (t.key, c)
                if isinstance(v, str):  # a text cell in a numeric table (e.g. the dominant channel)
                    continue
                if math.isfinite(v):
                    assert float(dv) == pytest.approx(float(v), rel=1e-12, abs=1e-12), (t.key, c)
                else:
                    assert dv == "", (t.key, c)


def test_html_tables_match_the_results_csv_files(results_dir, html_text):
    cells = parse_tables(html_text)
    summary = pd.read_csv(results_dir / "summary.csv").set_index("scenario")
    val = {row[0][0]: row for row in cells["tbl-validity"]}
    for d in summary.index:
        assert float(val[d][1][1]) == pytest.approx(summary.loc[d, "leakage_rate_pct"], rel=1e-12)
        assert float(val[d][5][1]) == pytest.approx(summary.loc[d, "carbon_price_usd_per_t"], rel=1e-12)
    regions = pd.read_csv(results_dir / "regions.csv")
    ev = {row[0][0]: row for row in cells["tbl-fairness_ev_regions"]}
    designs = list(summary.index)
    for _, r in regions.iterrows():
        assert float(ev[r["region"]][1 + designs.index(r["scenario"])][1]) == pytest.approx(r["ev_pct"], rel=1e-12)


def test_legitimacy_table_lists_every_switch_used_in_the_designs(results_dir, report_dir, html_text):
    run = yaml.safe_load((results_dir / "run.yaml").read_text())
    md = (report_dir / "tables" / "legitimacy.md").read_text()
    cells = parse_tables(html_text)
    for sc in run["scenarios"]:
        bca, obr = sc["bca"], sc["output_based_rebates"]
        expected = []
        if bca["import_charge"] or bca["export_rebate"]:
            # every BCA switch of the scenario; the EU CBAM switches when not at their defaults
            # (the mark-up of default values is shown with the benchmark)
            defaults = {"instrument": "charge", "indirect_sectors": "all"}
            expected += [k for k in bca if k != "default_markup" and bca[k] != defaults.get(k, object())]
        if obr["enabled"]:
            expected.append("output_based_rebates")
        if not expected:
            expected.append("border_measure")
        listed = {row[0][0] for row in cells[f"legit-table-{sc['name']}"]}
        assert listed == set(expected), sc["name"]
        md_rows = [line for line in md.splitlines() if line.startswith(f"| {sc['name']} ")]
        assert set(expected) <= {line.split("|")[2].strip() for line in md_rows}, sc["name"]
    # the values shown are those of the scenarios
    full = {row[0][0]: row[1][0] for row in cells["legit-table-BCA-full"]}
    assert full["export_rebate"] == "true" and full["revenue"] == "exporter" and full["basis"] == "total"
    assert {row[0][0]: row[1][0] for row in cells["legit-table-BCA-exempt"]}["exempt"] == "ldc"


def test_packaged_legitimacy_file_covers_every_switch_value_and_the_required_instruments():
    legit = load_legitimacy()
    for switch, values in SWITCH_VALUES.items():
        for v in values:
            assert legit.entry(switch, v).considerations, (switch, v)
    text = default_path().read_text()
    for needle in ("GATT Art. I:1", "GATT Art. II", "GATT Art. III:2", "GATT Art. XX(b)", "GATT Art. XX(g)",
                   "GATT Art. XX chapeau", "ASCM Annex I", "ASCM fn. 1", "ASCM Annex II", "UNFCCC Art. 3.1",
                   "UNFCCC Art. 3.5", "Paris Art. 2", "Paris Art. 4", "CBAM Reg. 2023/956 Art. 9", "Annex IV",
                   "Art. 31", "Arts 31, 32"):
        assert needle in text, needle


@pytest.mark.parametrize("edit, named", [
    (lambda d: d["switches"]["import_charge"]["true"]["considerations"][0].update(verdict="x"),
     "switches.import_charge.true.considerations[0].verdict"),
    (lambda d: d["switches"].update(carbon_club={}), "switches.carbon_club"),
    (lambda d: d["switches"]["basis"].update(indirect=d["switches"]["basis"]["direct"]), "switches.basis.indirect"),
    (lambda d: d["general"][0]["sources"].append("NOPE"), "NOPE"),
    (lambda d: d.update(verdicts=[]), "verdicts"),
])
def test_legitimacy_file_with_unknown_key_is_an_error_naming_it(tmp_path, edit, named):
    data = yaml.safe_load(default_path().read_text())
    edit(data)
    p = tmp_path / "legit.yaml"
    p.write_text(yaml.safe_dump(data))
    with pytest.raises(DataError, match=re.escape(named)):
        load_legitimacy(p)


@pytest.mark.parametrize("missing", COMPARE_FILES)
def test_results_folder_missing_a_file_gives_an_error_naming_it(results_dir, tmp_path, missing):
    folder = tmp_path / "res"
    shutil.copytree(results_dir, folder, ignore=shutil.ignore_patterns("report"))
    (folder / missing).unlink()
    with pytest.raises(DataError, match=re.escape(missing)):
        build_report(folder)
    assert not (folder / "report").exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".report")]


def test_cli_report_missing_file_exits_2_naming_it_without_traceback(results_dir, tmp_path):
    folder = tmp_path / "res"
    shutil.copytree(results_dir, folder, ignore=shutil.ignore_patterns("report"))
    (folder / "sectors.csv").unlink()
    r = subprocess.run([sys.executable, "-m", "cge.cli", "report", str(folder)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 2
    assert "sectors.csv" in r.stderr and r.stderr.startswith("error:")
    assert "Traceback" not in r.stderr


def test_cli_report_writes_to_out(results_dir, tmp_path):
    r = subprocess.run([sys.executable, "-m", "cge.cli", "report", str(results_dir), "--out", str(tmp_path / "rep")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "rep" / "report.html").exists()


def test_failed_build_leaves_an_earlier_report_intact(results_dir, tmp_path, monkeypatch):
    out = tmp_path / "rep"
    build_report(results_dir, out=out)
    before = (out / "report.html").read_bytes()

    def boom(*a, **k):
        raise RuntimeError("render failed")

    monkeypatch.setattr("cge.report.build.render", boom)
    with pytest.raises(RuntimeError):
        build_report(results_dir, out=out)
    assert (out / "report.html").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]


def _stats(designs, regions):
    rows = []
    for k, d in enumerate(designs):
        rows.append({"design": d, "measure": "leakage_rate_pct", "region": "", "mean": 5.0 - k, "std": 1.0,
                     "p05": 3.0 - k, "p95": 7.0 - k, "n": 50})
        rows.append({"design": d, "measure": "carbon_price_usd_per_t", "region": "ALL", "mean": 30.0 + k,
                     "std": 2.0, "p05": 27.0 + k, "p95": 33.0 + k, "n": 50})
        for r in regions:
            rows.append({"design": d, "measure": "ev_pct", "region": r, "mean": -0.1, "std": 0.02, "p05": -0.15,
                         "p95": -0.05, "n": 50})
    return pd.DataFrame(rows)


def _whiskers(fig):
    return sum(len(c.get_segments()) for ax in fig.fig.axes for c in ax.collections if hasattr(c, "get_segments"))


def test_ssa_bands_from_summary_stats_are_drawn_on_leakage_and_ev(results_dir, tmp_path):
    folder = tmp_path / "res"
    shutil.copytree(results_dir, folder, ignore=shutil.ignore_patterns("report"))
    plain = {f.key: _whiskers(f) for f in all_figures(load_results(folder))}
    plt.close("all")
    designs = [d["name"] for d in DESIGNS]
    _stats(designs, ["r1", "r2", "r3", "r4"]).to_csv(folder / "summary_stats.csv", index=False)
    res = load_results(folder)
    figs = {f.key: f for f in all_figures(res)}
    leak = figs["validity_leakage"].data.set_index("design")
    assert list(leak["p05"]) == [3.0 - k for k in range(len(designs))]
    assert list(leak["p95"]) == [7.0 - k for k in range(len(designs))]
    assert _whiskers(figs["validity_leakage"]) == len(designs) and plain["validity_leakage"] == 0
    assert _whiskers(figs["fairness_ev_regions"]) == 4 * len(designs)
    assert plain["fairness_ev_regions"] == 0
    assert "5th-95th percentile" in figs["validity_leakage"].caption
    plt.close("all")
    out = build_report(folder)
    val = parse_tables((out / "report.html").read_text())["tbl-validity"]
    assert [float(r[-2][1]) for r in val] == [3.0 - k for k in range(len(designs))]
    assert (out / "tables" / "sensitivity.md").exists()
    plt.close("all")


def test_sweep_folder_without_compare_tables_gives_the_possible_panels(tmp_path):
    folder = tmp_path / "sweep"
    folder.mkdir()
    _stats(["A", "B"], ["r1", "r2"]).to_csv(folder / "summary_stats.csv", index=False)
    out = build_report(folder)
    figs = sorted(p.stem for p in (out / "figures").glob("*.png"))
    assert figs == ["fairness_ev_regions", "validity_carbon_price", "validity_leakage"]
    assert "tbl-sensitivity" in (out / "report.html").read_text()


def test_fairness_panel_shows_the_welfare_decomposition_relative_to_ref(results_dir, html_text):
    d = pd.read_csv(results_dir / "decomposition.csv")
    ref = d[d["relative_to"] == "REF"]
    cells = {row[0][0]: row for row in parse_tables(html_text)["tbl-fairness_decomposition"]}
    for _, r in ref.iterrows():
        row = cells[f"{r['region']} / {r['scenario']}"]
        assert float(row[1][1]) == pytest.approx(r["ev_bn_usd"], rel=1e-12, abs=1e-15)
        paid = float(row[5][1])  # the "BCA charges paid" column
        assert paid == pytest.approx(r["bca_charges_paid_bn_usd"], rel=1e-12, abs=1e-15)
    assert "fig-fairness_decomposition" in html_text
    assert "tbl-fairness_cbdr" in html_text


def _markdown_tables(text):
    """Each Markdown table of a file as its list of lines (consecutive lines starting with a pipe)."""
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables


def _cells(line):
    return line.strip().strip("|").split("|")


def test_every_markdown_table_has_a_header_with_as_many_cells_as_its_separator(results_dir, report_dir):
    files = sorted((report_dir / "tables").glob("*.md")) + sorted(results_dir.glob("*.md"))
    assert {"fairness_decomposition.md", "fairness_bca_transfers.md"} <= {f.name for f in files}
    checked = 0
    for f in files:
        for table in _markdown_tables(f.read_text(encoding="utf-8")):
            assert len(table) >= 2 and set(table[1].replace("|", "").strip()) <= set("-: "), f"{f.name}: no separator"
            n = len(_cells(table[1]))
            assert len(_cells(table[0])) == n, f"{f.name}: header {table[0]!r} has not {n} cells"
            assert all(len(_cells(row)) == n for row in table[2:]), f"{f.name}: a row has not {n} cells"
            checked += 1
    assert checked >= len(files)


def test_results_folder_without_the_decomposition_still_gives_a_report(results_dir, tmp_path):
    folder = tmp_path / "old"
    optional = ("decomposition", "fairness", "burden_shares", "bca_transfers", "cbdr")
    shutil.copytree(results_dir, folder, ignore=shutil.ignore_patterns("report", *(f"{t}.*" for t in optional)))
    run = yaml.safe_load((folder / "run.yaml").read_text())       # written before these tables existed
    run["tables"] = {t: d for t, d in run["tables"].items() if t not in optional}
    (folder / "run.yaml").write_text(yaml.safe_dump(run, sort_keys=False))
    out = build_report(folder)
    assert (out / "report.html").exists()
    assert not (out / "figures" / "fairness_decomposition.png").exists()


def test_report_refuses_a_deleted_or_edited_decomposition_table(results_dir, tmp_path):
    deleted, edited = tmp_path / "deleted", tmp_path / "edited"
    for f in (deleted, edited):
        shutil.copytree(results_dir, f, ignore=shutil.ignore_patterns("report"))
    (deleted / "decomposition.csv").unlink()
    with pytest.raises(DataError, match="decomposition.csv: missing, but .*run.yaml records"):
        build_report(deleted)
    df = pd.read_csv(edited / "decomposition.csv")
    df.loc[0, "ev_bn_usd"] += 1.0
    df.to_csv(edited / "decomposition.csv", index=False)
    with pytest.raises(DataError, match="decomposition.csv: does not match what wrote it"):
        build_report(edited)


def test_design_styles_are_distinct_in_greyscale():
    designs = [f"d{k}" for k in range(8)]
    s = Styles(designs)
    lum = [0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] for c in (s.color[d] for d in designs)]
    assert all(b - a > 0.04 for a, b in zip(lum, lum[1:]))           # lightness strictly increasing
    assert len({s.hatch[d] for d in designs}) == 8 and len({s.marker[d] for d in designs}) == 8


def test_report_on_the_default_dataset_states_headline_numbers(tmp_path):
    from cge.cli import default_scenarios_path
    from cge.data.benchmark import read_benchmark
    from cge.data.datasets import default_dataset_path
    from cge.scenarios.spec import load_scenarios

    path = default_dataset_path()
    if not path.exists():
        pytest.skip(f"default dataset {path} not built")
    comp = run_scenarios(read_benchmark(path), load_scenarios(default_scenarios_path()))
    folder = write_results(comp, tmp_path / "results")
    out = build_report(folder)
    html = (out / "report.html").read_text()
    summary = pd.read_csv(folder / "summary.csv").set_index("scenario")
    assert f"it is {summary.loc['REF', 'leakage_rate_pct']:.2f}%" in html
    assert "EU27, USA, OAI, RUS" in html and "SYNTHETIC" not in html
    for name in summary.index:
        assert f'id="legit-table-{name}"' in html


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Chromium not installed (/usr/bin/chromium)")
def test_html_renders_in_headless_chromium_without_console_errors(report_dir):
    r = subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                        "--v=0", "--dump-dom", (report_dir / "report.html").as_uri()],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    console = [line for line in r.stderr.splitlines() if ":CONSOLE" in line]
    assert not console, console
    assert r.stdout.count("<img") == len(FIGURES)
    assert "Border carbon adjustment assessment" in r.stdout


def test_bands_come_from_a_separate_sweep_folder_when_given(results_dir, tmp_path):
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    with pytest.raises(DataError, match="summary_stats.csv: missing"):
        load_results(results_dir, sweep=sweep)
    designs = [d["name"] for d in DESIGNS]
    _stats(designs, ["r1", "r2", "r3", "r4"]).to_csv(sweep / "summary_stats.csv", index=False)
    res = load_results(results_dir, sweep=sweep)
    figs = {f.key: f for f in all_figures(res)}
    assert _whiskers(figs["validity_leakage"]) == len(designs)
    plt.close("all")
