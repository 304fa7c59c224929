"""Where a benchmark comes from: a dataset folder, a GTAPinGAMS ``.gdx`` file, a random
synthetic benchmark (``RxJ[:SEED]``) or the default dataset (``$CGE_DATA``, else the shipped
``data/wiod2011``).

:func:`load_dataset` is the Python route (``cge.load_dataset``): one argument, and a source that
is not there is an error naming it, never another benchmark. :func:`load_benchmark` is the route
of ``cge compare``, ``cge sweep`` (``--data`` / ``--synthetic``), which runs on a synthetic
benchmark, with a note, when the shipped dataset is not built. ``cge validate`` and
``cge gtap-export`` read a path with :func:`read_dataset`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from cge.errors import CGEError, DataError

DEFAULT_DATASET = "wiod2011"
#: the prefix of a synthetic benchmark in :func:`load_dataset`: ``"synthetic:RxJ[:SEED]"``
SYNTHETIC_PREFIX = "synthetic:"


def shipped_dataset_path() -> Path:
    """``data/wiod2011`` in the source tree the package runs from."""
    return Path(__file__).resolve().parents[2] / "data" / DEFAULT_DATASET


def default_dataset_path() -> Path:
    """``$CGE_DATA`` if set, else the shipped dataset (:func:`shipped_dataset_path`)."""
    env = os.environ.get("CGE_DATA")
    if env:
        return Path(env)
    return shipped_dataset_path()


def parse_synthetic(text: str, what: str = "--synthetic") -> tuple[int, int, int]:
    """``"RxJ[:SEED]"`` as ``(regions, sectors, seed)``; the seed defaults to 0. ``what`` names
    the option or argument in an error."""
    try:
        size, _, seed = text.partition(":")
        n_r, n_j = (int(x) for x in size.lower().split("x"))
        return n_r, n_j, int(seed or 0)
    except ValueError:
        raise CGEError(f"{what} {text!r}: expected REGIONSxSECTORS[:SEED], e.g. 5x8:0") from None


def synthetic_dataset(text: str, what: str = "--synthetic"):
    """The random balanced benchmark of ``"RxJ[:SEED]"`` (:func:`cge.data.synthetic.random_benchmark`),
    its ``origin`` set; a malformed or too small size is an error naming ``what``."""
    from cge.data.synthetic import random_benchmark

    n_r, n_j, seed = parse_synthetic(text, what)
    try:
        b = random_benchmark(n_r, n_j, seed)
    except ValueError as exc:
        raise CGEError(f"{what} {text!r}: {exc}") from None
    b.origin = f"synthetic {n_r}x{n_j} (seed {seed})"
    return b


def load_dataset(source: str | os.PathLike | None = None):
    """The benchmark of ``source``: ``None`` for the default dataset (``$CGE_DATA`` if set, else
    the shipped ``data/wiod2011``), a benchmark folder or GTAPinGAMS ``.gdx`` file, or
    ``"synthetic:RxJ[:SEED]"`` (a random balanced benchmark of R regions and J sectors).

    A path that does not exist, or a default dataset that is not there, is a
    :class:`~cge.errors.DataError` naming it; it never falls back to another benchmark. The
    benchmark's ``origin`` records the source (``run.yaml`` gives it as ``dataset_path``)."""
    if isinstance(source, str) and source.startswith(SYNTHETIC_PREFIX):
        return synthetic_dataset(source[len(SYNTHETIC_PREFIX):], what="cge.load_dataset")
    if source is None and os.environ.get("CGE_DATA"):
        env = os.environ["CGE_DATA"]
        b = _read_cge_data(env)
        b.origin = env
        return b
    path = shipped_dataset_path() if source is None else Path(source)
    if not path.exists():
        what = ("the default dataset is not built (python -m calibration build makes it; or pass a dataset folder, a "
                ".gdx file or 'synthetic:RxJ')" if source is None else "no such dataset folder or .gdx file")
        raise DataError(f"{path}: {what}")
    b = read_dataset(path)
    b.origin = str(path)
    return b


def load_benchmark(data: str | os.PathLike | None = None, synthetic: str | None = None):
    """The benchmark of ``--synthetic`` (if given), else of ``--data``, else of ``$CGE_DATA`` (an
    unusable path is an error naming the variable), else the shipped dataset (or, when that is not
    built, a synthetic 5x8 one with a note on stderr), with a label for the output: ``(benchmark, label)``."""
    if synthetic:
        b = synthetic_dataset(synthetic)
        return b, b.origin
    if data or os.environ.get("CGE_DATA") or shipped_dataset_path().exists():
        b = load_dataset(data or None)
        return b, b.origin
    from cge.data.synthetic import random_benchmark

    path = shipped_dataset_path()
    print(f"note: default dataset {path} not found; running on a SYNTHETIC 5x8 benchmark", file=sys.stderr)
    b = random_benchmark(5, 8, 0)
    b.origin = "synthetic 5x8 (seed 0): default dataset not built"
    return b, b.origin


def _read_cge_data(env: str):
    """The dataset ``$CGE_DATA`` names: an unusable path is an error naming the variable (never a
    silent fall-back to another benchmark)."""
    path = Path(env)
    if not path.exists():
        raise CGEError(f"CGE_DATA={env}: no such dataset folder or .gdx file (fix the path, or unset "
                       "CGE_DATA to use the shipped dataset)")
    try:
        return read_dataset(path)
    except CGEError as exc:
        raise type(exc)(f"CGE_DATA={env}: not a usable dataset: {exc}") from None


def read_dataset(path: str | os.PathLike):
    """A benchmark folder, or a GTAPinGAMS ``.gdx`` file (read through :mod:`cge.data.gtap`)."""
    from cge.data.benchmark import read_benchmark

    path = Path(path)
    if path.suffix.lower() == ".gdx":
        from cge.data.gtap import read_gtap

        return read_gtap(path)
    return read_benchmark(path)
