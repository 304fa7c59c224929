"""Compile and solve time of the random sparse CES system of the solver tests, by size.

    python benchmarks/random_ces_solve.py [n_goods] [--ipopt]

Builds ``random_ces_system(n_goods)`` (``2 * n_goods`` unknowns, tests/solve_systems.py), compiles
it once and re-solves it for three tax vectors; ``--ipopt`` also times CasADi's Ipopt.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from solve_systems import random_ces_system  # noqa: E402


def main(argv=None):
    from cge.solve import compile_system

    argv = sys.argv[1:] if argv is None else argv
    methods = ("auto", "ipopt") if "--ipopt" in argv else ("auto",)
    argv = [a for a in argv if not a.startswith("--")]
    n_goods = int(argv[0]) if argv else 1500
    t0 = time.perf_counter()
    m = random_ces_system(n_goods)
    print(f"build pyomo model ({2 * n_goods} unknowns): {time.perf_counter() - t0:.2f}s")
    for method in methods:
        for v in m.p.values():
            v.set_value(1.0)
        for i in m.G:
            m.tax[i] = 0.0
        t0 = time.perf_counter()
        cs = compile_system(m, route="casadi", method=method)
        print(f"[{method}] compile {time.perf_counter() - t0:.2f}s {cs.compile_timings} {cs.walk_stats}")
        for it, tax in enumerate((0.1, 0.2, 0.05)):
            for i in m.G:
                m.tax[i] = tax * ((i % 3) / 2.0)
            t0 = time.perf_counter()
            r = cs.solve()
            print(f"[{method}] solve {it} total {time.perf_counter() - t0:.2f}s: {r.summary()}")


if __name__ == "__main__":
    main()
