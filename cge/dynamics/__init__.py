"""A recursive-dynamic baseline path and policy on it (issue 26).

The static model of :mod:`cge.bca` is solved year by year from the benchmark year to an end year;
each year's growth multipliers (:mod:`cge.bca.growth`) come from the drivers and assumptions:

* :mod:`cge.dynamics.countries` — which countries each region of a dataset holds, matched to the
  UN WPP, SSP and GCB country lists (a region with members that match nothing is an error);
* :mod:`cge.dynamics.drivers` — population (UN WPP 2024) and real GDP (SSP v3.1, OECD ENV-Growth)
  by region and year: shipped for the default dataset, derived from the shared raw files otherwise;
* :mod:`cge.dynamics.assumptions` — depreciation, the current-account rule, the fossil resource
  rule and AEEI by region and fuel: data files with sources, validated on load, overridable;
* :mod:`cge.dynamics.path` — the baseline path and policy designs on it, solved with warm starts;
* :mod:`cge.dynamics.backcast` — the 2011→2018 backcast against GCB 2019 and the SSP history.
"""
