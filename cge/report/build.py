"""Build the report folder atomically (temporary sibling, then rename)."""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from cge.report.data import load_results
from cge.report.figures import STYLE, all_figures
from cge.report.html import render
from cge.report.legitimacy import load_legitimacy
from cge.report.tables import all_tables, write_tables


def build_report(results_dir: str | Path, out: str | Path | None = None,
                 legitimacy: str | Path | None = None) -> Path:
    """Build the report for ``results_dir`` into ``out`` (default ``results_dir/report``); returns ``out``.

    Raises :class:`cge.errors.DataError` naming the file when an input is missing or malformed; nothing
    is written then (an earlier complete report stays as it was)."""
    results_dir = Path(results_dir)
    res = load_results(results_dir)
    legit = load_legitimacy(legitimacy) if res.has_compare else None
    out = Path(out) if out else results_dir / "report"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    tmp.chmod(0o755)
    try:
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
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            if old.exists():
                shutil.rmtree(old)
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for f in locals().get("figs", []) or []:
            plt.close(f.fig)
        raise
    return out
