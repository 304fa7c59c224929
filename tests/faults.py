"""Helpers of the fault test suite (tests/test_faults_*.py): running the CLI in-process or as a
child process, small scenario files, tmpfs mounts (root only; tests skip without them)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

SCENARIOS = """
defaults:
  coalition: [annex1]
  policy: {instrument: coalition_cap, cut: 0.2}
scenarios:
  - name: REF
  - name: BCA
    bca: {import_charge: true}
"""


def cli(*args, cwd=None) -> tuple[int, str, str]:
    """``cge ARGS`` in this process: (exit code, stdout, stderr)."""
    from cge.cli import main

    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    try:
        if cwd:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main([str(a) for a in args])
    finally:
        os.chdir(old)
    return rc, out.getvalue(), err.getvalue()


def child(*args, module="cge.cli", cwd=None, preexec_fn=None, timeout=600) -> subprocess.CompletedProcess:
    """``python -m MODULE ARGS`` as a child process with this tree first on the path."""
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, preexec_fn=preexec_fn, timeout=timeout)


def one_clean_error(rc: int, err: str, *expected: str) -> None:
    """The project's error contract: exit 2, one ``error:`` line, no traceback, the expected words."""
    assert rc == 2, err
    assert "Traceback" not in err
    lines = [x for x in err.splitlines() if x.strip()]
    assert lines and lines[-1].startswith("error: "), err
    for e in expected:
        assert e in err, err


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (to prove nothing was touched)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@contextlib.contextmanager
def tmpfs(where: Path, options: str):
    """Mount a tmpfs at ``where`` (e.g. ``size=64k`` or ``ro``); skip the test when not allowed."""
    where.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or 'not root'})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)
