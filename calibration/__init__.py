"""Calibration pipeline: raw multi-regional input-output data to the model-ready benchmark.

Stages (each a small module, each gated): read (:mod:`calibration.readers`) → aggregate regions
(:mod:`calibration.aggregate`) → split sectors (:mod:`calibration.split`) → aggregate sectors and
final-demand categories → fold inventories and rebalance (:mod:`calibration.rebalance`) → value
added and rents (:mod:`calibration.value_added`) → emissions (:mod:`calibration.emissions`) →
benchmark (:mod:`calibration.build`), written with :func:`cge.benchmark.write_benchmark`.

Command line: ``python -m calibration build`` and ``python -m calibration report data/wiod2011``.
"""
