"""The Newton Jacobian of the numpy tape by its compiled index plan (one ``np.bincount`` per
level) against the scipy sparse products it replaced and against finite differences of the
equilibrium residuals, at random points near the benchmark equilibrium."""

import numpy as np
import pytest
from conftest import scenario

from cge.bca.model import BCAModel
from cge.data.benchmark import read_benchmark
from cge.data.datasets import default_dataset_path
from cge.data.synthetic import random_benchmark
from cge.solve import compile_system


def _system(benchmark):
    model = BCAModel(benchmark, scenario(name="REF"))
    cs = compile_system(model.pyomo, route="casadi")
    x0 = np.array([v.value for v in cs.unknowns], dtype=float)
    p = np.array([v.value for v in cs.params], dtype=float)
    return cs, x0, p


def _near(x0, rng, spread=0.05):
    return x0 * (1.0 + spread * rng.uniform(-1.0, 1.0, len(x0)))


@pytest.mark.parametrize("source", ["default", (3, 6), (5, 10)])
def test_newton_jacobian_by_index_plan_equals_the_sparse_product_route_and_finite_differences(source):
    b = read_benchmark(default_dataset_path()) if source == "default" else random_benchmark(*source, seed=4)
    cs, x0, p = _system(b)
    funcs = cs._funcs
    rng = np.random.default_rng(11)
    for _ in range(3):
        x = _near(x0, rng)
        G, J = cs.jacobian(x, p)
        G_ref, J_ref = funcs._jacobian.reference(funcs._leaf_values(x, p))
        assert J.shape == J_ref.shape == (len(x), len(x))
        np.testing.assert_array_equal(G, G_ref)
        scale = abs(J_ref).max()
        assert scale > 0 and abs(J - J_ref).max() <= 1e-12 * scale
        d = rng.standard_normal(len(x)) * np.maximum(abs(x), 1e-3)
        h = 1e-6
        fd = (cs.residuals(x + h * d, p) - cs.residuals(x - h * d, p)) / (2 * h)
        Jd = J @ d
        assert np.allclose(Jd, fd, rtol=1e-6, atol=1e-6 * (abs(Jd).max() + 1.0))


def test_jacobian_at_the_benchmark_is_unchanged_by_reevaluation():
    """The plan holds no state between calls: a second evaluation at another point and back
    gives the first Jacobian again, bit for bit."""
    cs, x0, p = _system(random_benchmark(3, 6, seed=1))
    _, J1 = cs.jacobian(x0, p)
    cs.jacobian(_near(x0, np.random.default_rng(0)), p)
    _, J2 = cs.jacobian(x0, p)
    assert (J1 != J2).nnz == 0
