"""Every ```python block of README.md and of the documentation site (docs/, tutorials excepted) is a
complete program: run each, in a fresh namespace, as pasted.

The core examples (docs/explanation/core-language.md) assert the published GAMS/MPSGE numbers they quote
(CET joint production with an output tax, a sector shut down by a 100% input tax, a numeraire changed by
fix/unfix, the 2x2 economy), so a wrong number or a name the example never defines fails here. A tutorial's
blocks build on each other: tests/test_docs.py runs each tutorial's blocks in order in one namespace.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
#: the pages whose blocks stand alone: the README and the site, except the tutorials (tests/test_docs.py)
PAGES = [README] + sorted(p for p in (REPO / "docs").rglob("*.md") if "tutorials" not in p.parts)
FENCE = re.compile(r"^(?P<indent>[ \t]*)```python[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.S | re.M)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, dedented source) of each fenced ```python block, indented ones (in lists) included."""
    return [(text.count("\n", 0, m.start()) + 1, textwrap.dedent(m.group("body"))) for m in FENCE.finditer(text)]


BLOCKS = [(f"{page.relative_to(REPO)}:{line}", source)
          for page in PAGES for line, source in python_blocks(page.read_text(encoding="utf-8"))]


def test_docs_have_the_core_examples():
    sources = "\n".join(src for _, src in BLOCKS)
    assert len(BLOCKS) >= 6
    for needle in ("transformation=", "solve_mcp", "at_bounds", "em.unfix(", "set_numeraire(PL)"):
        assert needle in sources, f"the docs lost the example using {needle}"


def test_readme_has_the_python_api_example():
    readme = "\n".join(src for where, src in BLOCKS if where.startswith("README.md:"))
    for needle in ("import cge", "cge.compare(", ".replace(", ".table(", ".write("):
        assert needle in readme, f"README lost the Python API example using {needle}"


def test_block_extraction_reads_indented_fences():
    text = "* item\n\n  ```python\n  x = 1\n  assert x == 1\n  ```\n\n```python\ny = 2\n```\n"
    assert python_blocks(text) == [(3, "x = 1\nassert x == 1\n"), (8, "y = 2\n")]


@pytest.mark.parametrize("where, source", BLOCKS, ids=[where for where, _ in BLOCKS])
def test_docs_example_runs_as_pasted_and_reproduces_its_numbers(where, source, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)          # anything an example writes lands in a fresh folder
    code = compile(source, where, "exec")
    exec(code, {"__name__": "__readme__"})  # a fresh namespace per block: nothing carries over
