"""Where a benchmark comes from: a dataset folder, a GTAPinGAMS ``.gdx`` file, a random
synthetic benchmark (``RxJ[:SEED]``) or the default dataset (``$CGE_DATA``, else the shipped
``data/wiod2011``). Used by ``cge compare``, ``cge validate``, ``cge gtap-export`` and
``cge sweep``; it knows nothing of the command line beyond the two option values it reads."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from cge.errors import CGEError

DEFAULT_DATASET = "wiod2011"


def shipped_dataset_path() -> Path:
    """``data/wiod2011`` in the source tree the package runs from."""
    return Path(__file__).resolve().parents[2] / "data" / DEFAULT_DATASET


def default_dataset_path() -> Path:
    """``$CGE_DATA`` if set, else the shipped dataset (:func:`shipped_dataset_path`)."""
    env = os.environ.get("CGE_DATA")
    if env:
        return Path(env)
    return shipped_dataset_path()


def parse_synthetic(text: str) -> tuple[int, int, int]:
    """``"RxJ[:SEED]"`` as ``(regions, sectors, seed)``; the seed defaults to 0."""
    try:
        size, _, seed = text.partition(":")
        n_r, n_j = (int(x) for x in size.lower().split("x"))
        return n_r, n_j, int(seed or 0)
    except ValueError:
        raise CGEError(f"--synthetic {text!r}: expected REGIONSxSECTORS[:SEED], e.g. 5x8:0") from None


def load_benchmark(data: str | os.PathLike | None = None, synthetic: str | None = None):
    """The benchmark of ``--synthetic`` (if given), else of ``--data``, else of ``$CGE_DATA`` (an
    unusable path is an error naming the variable), else the shipped dataset (or, when that is not
    built, a synthetic 5x8 one with a note on stderr), with a label for the output: ``(benchmark, label)``."""
    from cge.data.synthetic import random_benchmark

    if synthetic:
        n_r, n_j, seed = parse_synthetic(synthetic)
        try:
            return random_benchmark(n_r, n_j, seed), f"synthetic {n_r}x{n_j} (seed {seed})"
        except ValueError as exc:
            raise CGEError(f"--synthetic {synthetic!r}: {exc}") from None
    if data:
        path = Path(data)
        return read_dataset(path), str(path)
    env = os.environ.get("CGE_DATA")
    if env:
        return _read_cge_data(env), env
    path = shipped_dataset_path()
    if not path.exists():
        print(f"note: default dataset {path} not found; running on a SYNTHETIC 5x8 benchmark", file=sys.stderr)
        return random_benchmark(5, 8, 0), "synthetic 5x8 (seed 0): default dataset not built"
    return read_dataset(path), str(path)


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
