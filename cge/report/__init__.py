"""The BCA assessment report: validity, fairness, trade and legitimacy panels from a results folder.

``cge report RESULTS_DIR`` or :func:`build_report` reads the output of ``cge compare`` (and a
sweep's ``summary_stats.csv`` when present) and writes ``report.html`` (self-contained),
``figures/*.png|svg`` and ``tables/*.md|tex`` plus ``tables/report_tables.xlsx``.
"""

from cge.report.build import build_report

__all__ = ["build_report"]
