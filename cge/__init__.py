"""cge: multi-region computable general equilibrium analysis of carbon pricing and border carbon
adjustments.

The front door, for a notebook or a script::

    import cge
    data = cge.load_dataset()                        # the default dataset; or a folder, a .gdx, "synthetic:10x20:3"
    ref = cge.Scenario(name="EU-50", coalition=["EU27"], policy={"instrument": "tax", "tax_usd_per_t": 50})
    cbam = ref.replace(name="EU-50-CBAM", bca={"import_charge": True, "coverage": "cbam"})
    run = cge.compare(data, [ref, cbam])
    run.summary; run.regions; run.table("sectors")   # tidy DataFrames, units in the column names
    run["EU-50-CBAM"].prices()                       # one scenario's solved state
    run.write("results/")                            # the files of `cge compare --out`

The public API, by stage of the flow (each name lives in the module shown in :data:`API`; they
are imported on first use, so ``import cge`` and ``cge --help`` stay fast)::

    run        load_dataset, Scenario, compare, Comparison, ScenarioResult
    data       Benchmark, read_benchmark, write_benchmark, random_benchmark
    scenarios  Policy, BCA, OutputBasedRebates, PhaseIn, load_scenarios, scenario_from_dict, OPTIONS
    model      EquilibriumModel, Production, Demand, Nest, Input, Output, Endowment, BCAModel, resolve_design
    solve      solve_model, compile_system, solve_mcp, SolveError
    results    run_scenarios, write_results
    report     build_report
    sweep      load_sweep, run_sweep, summary_stats
    errors     CGEError, DataError, ScenarioError

``cge.__version__`` is the installed version of the ``cge-bca`` distribution.
"""

from importlib import import_module

#: the distribution this package is installed as (its version is ``cge.__version__``)
DISTRIBUTION = "cge-bca"

#: public name -> the module that defines it, grouped by stage
API = {
    # run: the front door
    "load_dataset": "cge.data.datasets", "Scenario": "cge.scenarios.spec", "compare": "cge.results.compare",
    "Comparison": "cge.results.run", "ScenarioResult": "cge.results.run",
    # data
    "Benchmark": "cge.data.benchmark", "read_benchmark": "cge.data.benchmark",
    "write_benchmark": "cge.data.benchmark", "random_benchmark": "cge.data.synthetic",
    # scenarios
    "Policy": "cge.scenarios.spec", "BCA": "cge.scenarios.spec", "OutputBasedRebates": "cge.scenarios.spec",
    "PhaseIn": "cge.scenarios.spec", "load_scenarios": "cge.scenarios.spec",
    "scenario_from_dict": "cge.scenarios.spec", "OPTIONS": "cge.scenarios.options",
    # model
    "EquilibriumModel": "cge.core.model", "Production": "cge.core.blocks", "Demand": "cge.core.blocks",
    "Nest": "cge.core.blocks", "Input": "cge.core.blocks", "Output": "cge.core.blocks",
    "Endowment": "cge.core.blocks", "BCAModel": "cge.bca.model", "resolve_design": "cge.bca.design",
    # solve
    "solve_model": "cge.solve.system", "compile_system": "cge.solve.system", "solve_mcp": "cge.solve.mcp",
    "SolveError": "cge.solve.system",
    # results
    "run_scenarios": "cge.results.run", "write_results": "cge.results.write",
    # report and sweeps
    "build_report": "cge.report.build",
    "load_sweep": "cge.sweep.spec", "run_sweep": "cge.sweep.execute", "summary_stats": "cge.sweep.summary",
    # errors
    "CGEError": "cge.errors", "DataError": "cge.errors", "ScenarioError": "cge.errors",
}

__all__ = ["__version__", *API]


def installed_version() -> str:
    """The version of the installed ``cge-bca`` distribution (its metadata, from pyproject.toml),
    or ``"unknown"`` when the package runs from a source tree that is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown"


def __getattr__(name):
    if name == "__version__":
        value = installed_version()
        globals()["__version__"] = value   # read the metadata once
        return value
    if name in API:
        return getattr(import_module(API[name]), name)
    raise AttributeError(f"module 'cge' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
