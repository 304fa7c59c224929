"""Shared fixtures: small random balanced benchmarks and compiled models."""

from pathlib import Path

import pytest

from cge.bca.model import BCAModel
from cge.data.synthetic import random_benchmark
from cge.scenarios.spec import scenario_from_dict
from cge.solve import compile_system

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def scenario(**kw):
    base = {"name": kw.pop("name", "test"), "coalition": ["annex1"],
            "policy": {"instrument": "coalition_cap", "cut": 0.2}}
    base.update(kw)
    return scenario_from_dict(base)


class Solver:
    """A BCA model compiled once; ``solve(scenario)`` re-solves it from the benchmark."""

    def __init__(self, benchmark, sc, route="casadi"):
        self.model = BCAModel(benchmark, sc)
        self.compiled = compile_system(self.model.pyomo, route=route)

    def solve(self, sc, cold=True, **kw):
        if cold:
            self.model.reset_to_benchmark()
        self.model.apply(sc)
        return self.compiled.solve(**kw)


@pytest.fixture(scope="session")
def small_benchmark():
    return random_benchmark(5, 8, seed=0)


@pytest.fixture(scope="session")
def cap_model(small_benchmark):
    return Solver(small_benchmark, scenario())


@pytest.fixture(scope="session")
def tax_model(small_benchmark):
    return Solver(small_benchmark, scenario(policy={"instrument": "tax", "tax_usd_per_t": 0.0}))
