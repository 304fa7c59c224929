"""File helpers shared by every writer and reader: atomic output folders and YAML loading
with errors that name the file."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from cge.errors import DataError


@contextmanager
def atomic_folder(target: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling folder to write into; on success it replaces ``target`` in
    one rename (an existing ``target`` is kept until then), on any error it is removed, so a
    failed run leaves neither partial output nor a damaged earlier result."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield tmp
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            target.rename(old / target.name)
            tmp.rename(target)
            shutil.rmtree(old)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def load_yaml(path: str | Path, error=DataError):
    """Parse a YAML file; a missing or malformed file raises ``error`` naming it."""
    path = Path(path)
    if not path.exists():
        raise error(f"{path}: required file is missing")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML ({exc})") from None
