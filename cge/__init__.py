"""cge: multi-region computable general equilibrium analysis of carbon pricing and border carbon
adjustments.

The public API, by stage of the flow (each name lives in the module shown; they are imported on
first use, so ``import cge`` and ``cge --help`` stay fast)::

    data       Benchmark, read_benchmark, write_benchmark, load_benchmark, random_benchmark
    scenarios  Scenario, load_scenarios, scenario_from_dict, OPTIONS
    model      EquilibriumModel, Production, Demand, Nest, Input, Output, Endowment, BCAModel, resolve_design
    solve      solve_model, compile_system, solve_mcp, SolveError
    results    run_scenarios, Comparison, write_results
    report     build_report
    sweep      load_sweep, run_sweep, summary_stats
"""

from importlib import import_module

__version__ = "0.1.0"

#: public name -> the module that defines it, grouped by stage
API = {
    # data
    "Benchmark": "cge.data.benchmark", "read_benchmark": "cge.data.benchmark",
    "write_benchmark": "cge.data.benchmark", "load_benchmark": "cge.data.datasets",
    "random_benchmark": "cge.data.synthetic",
    # scenarios
    "Scenario": "cge.scenarios.spec", "load_scenarios": "cge.scenarios.spec",
    "scenario_from_dict": "cge.scenarios.spec", "OPTIONS": "cge.scenarios.options",
    # model
    "EquilibriumModel": "cge.core.model", "Production": "cge.core.blocks", "Demand": "cge.core.blocks",
    "Nest": "cge.core.blocks", "Input": "cge.core.blocks", "Output": "cge.core.blocks",
    "Endowment": "cge.core.blocks", "BCAModel": "cge.bca.model", "resolve_design": "cge.bca.design",
    # solve
    "solve_model": "cge.solve.system", "compile_system": "cge.solve.system", "solve_mcp": "cge.solve.mcp",
    "SolveError": "cge.solve.system",
    # results
    "run_scenarios": "cge.results.run", "Comparison": "cge.results.run", "write_results": "cge.results.write",
    # report and sweeps
    "build_report": "cge.report.build",
    "load_sweep": "cge.sweep.spec", "run_sweep": "cge.sweep.execute", "summary_stats": "cge.sweep.summary",
}

__all__ = ["__version__", *API]


def __getattr__(name):
    if name in API:
        return getattr(import_module(API[name]), name)
    raise AttributeError(f"module 'cge' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
