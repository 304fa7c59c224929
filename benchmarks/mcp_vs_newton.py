"""The complementarity route (``cge.solve.mcp``) against the square Newton route on the BCA model.

    python benchmarks/mcp_vs_newton.py                 # default dataset, every design of core.yaml

For each scenario: Newton (``compile_system(...).solve()``) and Fischer–Burmeister (``solve_mcp``)
from the benchmark, wall time (compile + solve), iterations, variables at bounds and the largest
difference between the two solutions (the BCA model has no variable at a bound, so they must agree).
"""

from __future__ import annotations

import time
from importlib.resources import files

from pyomo.environ import Var

from cge.bca.model import BCAModel
from cge.data.benchmark import read_benchmark
from cge.data.datasets import default_dataset_path
from cge.scenarios.spec import load_scenarios
from cge.solve import compile_system
from cge.solve.mcp import solve_mcp


def values(bm) -> dict:
    return {v.name: v.value for v in bm.pyomo.component_data_objects(Var)}


def main() -> None:
    b = read_benchmark(default_dataset_path())
    print(f"{'scenario':16s} {'newton_s':>9s} {'mcp_s':>7s} {'mcp_it':>6s} {'at_bounds':>9s} {'max_diff':>9s}")
    for sc in load_scenarios(files("cge") / "scenarios" / "core.yaml"):
        bm = BCAModel(b, sc)
        bm.apply(sc)
        t0 = time.perf_counter()
        compile_system(bm.pyomo).solve()
        t_newton = time.perf_counter() - t0
        ref = values(bm)
        bm = BCAModel(b, sc)
        bm.apply(sc)
        t0 = time.perf_counter()
        res = solve_mcp(bm.em)
        t_mcp = time.perf_counter() - t0
        got = values(bm)
        diff = max(abs(got[k] - ref[k]) for k in ref if ref[k] is not None)
        print(f"{sc.name:16s} {t_newton:9.2f} {t_mcp:7.2f} {res.iterations:6d} {len(res.at_bounds):9d} {diff:9.1e}")


if __name__ == "__main__":
    main()
