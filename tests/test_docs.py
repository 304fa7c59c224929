"""The documentation site (docs/, mkdocs.yml) is tested like the code.

- Each tutorial is a program: its ```python blocks run in order in one namespace, in a fresh folder, as a
  reader pasting them into a notebook would (in the default suite: together they take about 10 s, and so
  they run with the oldest allowed versions too).
  The Python blocks of the other pages run one by one in tests/test_readme_examples.py.
- The reference pages made from the code (options, results contract, command line, API) are current.
- Every page is in the navigation, and the navigation names no missing page (data-source pages excepted:
  docs/hooks.py drops those until they exist).
- With MkDocs installed (the `docs` extra): the site builds with --strict, and a planted broken link or
  anchor fails that build, so the link check cannot silently go away (slow).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_readme_examples import python_blocks

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
TUTORIALS = sorted(p for p in (DOCS / "tutorials").glob("*.md") if p.name != "index.md")
NEEDS_SHARED = "needs: the shared WIOD data"


def generate_module():
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def nav_pages(nav) -> list[str]:
    pages = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        pages += nav_pages(value) if isinstance(value, list) else [value]
    return pages


def test_the_six_tutorials_are_there():
    names = {p.stem for p in TUTORIALS}
    assert names == {"first-run", "scenarios-in-python", "own-aggregation", "eu-cbam-path", "sensitivity",
                     "welfare-decomposition"}
    for page in TUTORIALS:
        assert python_blocks(page.read_text(encoding="utf-8")), f"{page.name} has no Python block"


@pytest.mark.parametrize("page", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs_in_order_as_pasted(page, tmp_path, monkeypatch):
    text = page.read_text(encoding="utf-8")
    if NEEDS_SHARED in text:
        from calibration.build import DEFAULT_SHARED

        if not (DEFAULT_SHARED / "wiod2013").exists():
            pytest.skip(f"shared data not found at {DEFAULT_SHARED}")
    monkeypatch.chdir(tmp_path)          # files a tutorial writes land in a fresh folder
    namespace = {"__name__": "__tutorial__"}
    for line, source in python_blocks(text):
        exec(compile(source, f"{page.relative_to(REPO)}:{line}", "exec"), namespace)


def test_generated_reference_pages_are_current():
    stale = generate_module().stale_pages()
    assert not stale, f"stale page(s) {stale}: run python docs/generate.py and commit them"


def test_a_changed_option_makes_its_page_stale(monkeypatch):
    from cge.scenarios import options

    generate = generate_module()
    assert "reference/options.md" not in generate.stale_pages()
    monkeypatch.setattr(options, "markdown_table", lambda: "| option |\n|---|\n| `new.option` |\n")
    assert "reference/options.md" in generate.stale_pages()


def test_cli_reference_lists_every_command_and_flag():
    from cge.cli import build_parser

    text = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, p in sub.choices.items():
        assert f"## `cge {name}`" in text
        for action in p._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help", "--debug"):
                    assert f"`{flag}`" in text, f"cge {name} {flag} missing from docs/reference/cli.md"


def test_every_page_is_in_the_navigation_and_the_navigation_names_existing_pages():
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = nav_pages(config["nav"])
    pages = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    assert sorted(set(pages) - set(listed)) == [], "pages missing from the nav of mkdocs.yml"
    missing = [p for p in listed if not (DOCS / p).exists() and not p.startswith("sources/")]
    assert missing == [], "the nav of mkdocs.yml names pages that do not exist"


def _build(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml"),
                           "-d", str(root / "site")], capture_output=True, text=True,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


def _copy_site_sources(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("mkdocs.yml", "CHANGELOG.md"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(DOCS, root / "docs")
    return root


@pytest.mark.slow
def test_site_builds_strictly(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    result = _build(_copy_site_sources(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "repo" / "site" / "tutorials" / "first-run" / "index.html").exists()
    sources = (tmp_path / "repo" / "site" / "sources" / "index.html").read_text(encoding="utf-8")
    for page in (DOCS / "sources").glob("*.md"):     # the hook lists every data-source page that exists
        if page.name != "index.md":
            assert f'href="{page.stem}/"' in sources, f"sources/index.md does not list {page.name}"


@pytest.mark.slow
@pytest.mark.parametrize("link, complaint", [
    ("[gone](no-such-page.md)", "no-such-page.md"),
    ("[gone](eu-cbam.md#no-such-anchor)", "no-such-anchor"),
])
def test_a_broken_link_fails_the_strict_build(tmp_path, link, complaint):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    root = _copy_site_sources(tmp_path)
    page = root / "docs" / "howto" / "report.md"
    page.write_text(page.read_text(encoding="utf-8") + f"\nSee {link}.\n", encoding="utf-8")
    result = _build(root)
    assert result.returncode != 0 and complaint in result.stderr, result.stderr[-3000:]
