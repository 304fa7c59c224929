"""LaTeX output shared by the results, sweep summaries and the report: one escaper and one
simple ``tabular`` writer."""

from __future__ import annotations

import re

import pandas as pd

from cge.io.numbers import is_number, number_text

_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_PATTERN = re.compile("|".join(re.escape(k) for k in _SPECIAL))


def escape(text: str) -> str:
    """Escape LaTeX's special characters in one pass (so ``\\`` becomes ``\\textbackslash{}``
    and its braces are not escaped again)."""
    return _PATTERN.sub(lambda m: _SPECIAL[m.group(0)], str(text))


def cell(value, digits: int = 2) -> str:
    if is_number(value):
        return number_text(value, digits)
    return escape(value)


def tabular(df: pd.DataFrame, caption: str, note: str = "", digits: int = 2, label: str | None = None,
            text_columns: int = 1) -> str:
    """A ``table`` with a ``tabular``: the first ``text_columns`` columns left-aligned, numbers
    right-aligned with ``digits`` decimals, ``--`` for missing values, ``note`` below."""
    cols = list(df.columns)
    spec = "l" * text_columns + "r" * (len(cols) - text_columns)
    lines = [r"\begin{table}[htbp]", r"\centering", rf"\caption{{{escape(caption)}}}"]
    if label:
        lines.append(rf"\label{{{label}}}")
    lines += [rf"\begin{{tabular}}{{{spec}}}", r"\hline", " & ".join(escape(c) for c in cols) + r" \\", r"\hline"]
    for _, row in df.iterrows():
        lines.append(" & ".join(cell(row[c], digits) for c in cols) + r" \\")
    lines += [r"\hline", r"\end{tabular}"]
    if note:
        lines.append(rf"\par\footnotesize {escape(note)}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"
