"""Scenario sweeps and systematic sensitivity analysis (SSA), on Dask, resumable.

>>> from cge.sweep import load_sweep, run_sweep, summary_stats
>>> spec = load_sweep("examples/sweep_bca_ssa.yaml")          # validated on load
>>> run = run_sweep(spec, benchmark, "sweep-out", workers=2)   # LocalCluster; scheduler="tcp://..."
>>> summary_stats("sweep-out")                                 # design, measure, region, mean, std, p05, p95, n

Modules: :mod:`~cge.sweep.spec` (the YAML format and point ids), :mod:`~cge.sweep.ssa`
(distributions, Monte Carlo and Stroud designs), :mod:`~cge.sweep.worker` (compile once,
re-solve with warm starts), :mod:`~cge.sweep.store` (Parquet partitions + manifest),
:mod:`~cge.sweep.execute` (Dask, progress), :mod:`~cge.sweep.summary` (tables), path sweeps
(:mod:`~cge.sweep.path_plan`, :mod:`~cge.sweep.path_worker`, :mod:`~cge.sweep.path_bands`),
:mod:`~cge.sweep.commands` (the ``cge sweep`` / ``cge sweep-summary`` commands).
Names are imported lazily so that ``cge --help`` stays fast.
"""

from importlib import import_module

_EXPORTS = {
    "SweepRun": "execute", "run_sweep": "execute",
    "Point": "spec", "SweepSpec": "spec", "load_sweep": "spec", "plan_points": "spec", "sweep_from_dict": "spec",
    "stroud_points": "ssa",
    "MEASURES": "summary", "failed_points": "summary", "point_results": "summary", "summary_stats": "summary",
    "write_summary": "summary",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(f"cge.sweep.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'cge.sweep' has no attribute {name!r}")
