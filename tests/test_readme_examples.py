"""Every ```python block of README.md is a complete program: run each, in a fresh namespace, as pasted.

The README's core examples assert the published GAMS/MPSGE numbers they quote (CET joint production
with an output tax, a sector shut down by a 100% input tax, a numeraire changed by fix/unfix, the 2x2
economy), so a wrong number or a name the example never defines fails here.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^(?P<indent>[ \t]*)```python[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.S | re.M)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, dedented source) of each fenced ```python block, indented ones (in lists) included."""
    return [(text.count("\n", 0, m.start()) + 1, textwrap.dedent(m.group("body"))) for m in FENCE.finditer(text)]


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))


def test_readme_has_the_core_examples():
    sources = "\n".join(src for _, src in BLOCKS)
    assert len(BLOCKS) >= 4
    for needle in ("transformation=", "solve_mcp", "at_bounds", "em.unfix(", "set_numeraire(PL)", "cge.compare("):
        assert needle in sources, f"README lost the example using {needle}"


def test_block_extraction_reads_indented_fences():
    text = "* item\n\n  ```python\n  x = 1\n  assert x == 1\n  ```\n\n```python\ny = 2\n```\n"
    assert python_blocks(text) == [(3, "x = 1\nassert x == 1\n"), (8, "y = 2\n")]


@pytest.mark.parametrize("line, source", BLOCKS, ids=[f"README.md:{line}" for line, _ in BLOCKS])
def test_readme_example_runs_as_pasted_and_reproduces_its_numbers(line, source, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a block that writes (the Python API's `run.write("results/")`) writes here
    code = compile(source, f"README.md:{line}", "exec")
    exec(code, {"__name__": "__readme__"})  # a fresh namespace per block: nothing carries over
