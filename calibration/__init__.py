"""Calibration pipeline: raw multi-regional input-output data to the model-ready benchmark.

Stages (each a small module, each gated): read (:mod:`calibration.readers`) → aggregate regions
(:mod:`calibration.aggregate`) → split sectors (:mod:`calibration.split`) → aggregate sectors and
final-demand categories → fold inventories and rebalance (:mod:`calibration.rebalance`) → value
added and rents (:mod:`calibration.value_added`) → emissions (:mod:`calibration.emissions`) →
benchmark (:mod:`calibration.build`), written with :func:`cge.data.benchmark.write_benchmark`.

Which regions and sectors: an aggregation file (:mod:`calibration.aggregation`,
``examples/aggregations/*.yaml``); assumptions keyed by source code (:mod:`calibration.assumptions`);
CBAM goods (:mod:`calibration.cbam`); documented fallbacks (:mod:`calibration.fallbacks`).

Command line: ``cge calibrate AGGREGATION.yaml --out DIR``, ``python -m calibration build`` (the
default aggregation) and ``python -m calibration report data/wiod2011``.
"""
