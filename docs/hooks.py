"""MkDocs hooks (``hooks:`` in mkdocs.yml).

- The build fails when a generated reference page (``docs/generate.py``) is stale.
- Data-source pages (``docs/sources/*.md``) are added by the work on each reader: a nav entry under
  ``sources/`` whose page does not exist (yet) is dropped rather than failing the build, and the list on
  ``sources/index.md`` is made from the pages that exist, so it never links to a missing page.
  Every other missing page or broken link fails the strict build as usual.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

SOURCES = "sources/"
MARKER = re.compile(r"^<!-- data sources:.*-->$", re.M)


def _generate_module():
    spec = importlib.util.spec_from_file_location("docs_generate", Path(__file__).with_name("generate.py"))
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    return generate


def _existing_only(nav, docs_dir: Path):
    """``nav`` without the entries of pages under sources/ that do not exist."""
    kept = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            value = _existing_only(value, docs_dir)
            kept.append({next(iter(item)): value} if isinstance(item, dict) else value)
        elif isinstance(value, str) and value.startswith(SOURCES) and not (docs_dir / value).exists():
            continue
        else:
            kept.append(item)
    return kept


def on_config(config, **kwargs):
    config["nav"] = _existing_only(config["nav"], Path(config["docs_dir"]))
    return config


def on_pre_build(config, **kwargs):
    stale = _generate_module().stale_pages()
    if stale:
        raise PluginError(f"stale generated page(s): {', '.join('docs/' + p for p in stale)}; "
                          "run python docs/generate.py")


def _title(page: Path) -> str:
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return page.stem


def on_page_markdown(markdown, page, config, **kwargs):
    if page.file.src_uri != SOURCES + "index.md":
        return markdown
    folder = Path(config["docs_dir"]) / SOURCES
    pages = sorted(p for p in folder.glob("*.md") if p.name != "index.md")
    listing = "\n".join(f"- [{_title(p)}]({p.name})" for p in pages)
    if not MARKER.search(markdown):
        raise PluginError("docs/sources/index.md lost its '<!-- data sources: ... -->' marker")
    return MARKER.sub(lambda m: listing, markdown)
