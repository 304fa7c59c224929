"""How a number is printed in every table a user reads (terminal, Markdown, LaTeX, the report):
fixed decimals, no negative zero (``-0.00`` is ``0.00``), an integer as an integer, ``--`` for a
missing or infinite value."""

from __future__ import annotations

import math
import numbers

#: printed for a missing (NaN) or infinite number
MISSING = "--"


def number_text(value, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals; integers without decimals; see the module docstring."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    value = float(value)
    if not math.isfinite(value):
        return MISSING
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def is_number(value) -> bool:
    """A real number (not a bool, not a label)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def as_text(df, digits: int = 2):
    """A copy of the DataFrame ``df`` with every number as :func:`number_text` (labels unchanged)."""
    return df.map(lambda v: number_text(v, digits) if is_number(v) else v)
