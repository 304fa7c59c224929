"""The solver of issue 11 (CasADi graph from a numpy tape, Newton steps by block-preconditioned
GMRES) against the one before (node-by-node walker, direct LU): same results on every core
design, and the pieces it is built from."""

import numpy as np
import pandas as pd
import pytest
from conftest import scenario
from pyomo.environ import Var

from cge.bca.model import BCAModel
from cge.cli import default_scenarios_path
from cge.data.benchmark import read_benchmark
from cge.data.datasets import default_dataset_path
from cge.data.synthetic import random_benchmark
from cge.results.run import run_scenarios
from cge.results.schema import TABLES
from cge.scenarios.spec import load_scenarios
from cge.solve import SolveError, compile_system
from cge.solve._structure import RowChecker, active_rows, residual_table


def _assert_same_results(b, rtol=1e-8, atol=1e-8):
    designs = load_scenarios(default_scenarios_path())
    new_run = run_scenarios(b, designs, route="casadi")
    old_run = run_scenarios(b, designs, route="casadi", compile_options={"linear_solver": "lu", "builder": "walker"})
    compared = 0
    for name in TABLES:
        new, old = new_run.table(name), old_run.table(name)
        assert list(new.columns) == list(old.columns) and len(new) == len(old), name
        for col in new.columns:
            a, b_ = pd.to_numeric(new[col], errors="coerce"), pd.to_numeric(old[col], errors="coerce")
            numeric = not pd.api.types.is_bool_dtype(new[col]) and a.notna().sum() == new[col].notna().sum()
            if numeric:
                np.testing.assert_allclose(a.to_numpy(float), b_.to_numpy(float), rtol=rtol,
                                           atol=atol, equal_nan=True, err_msg=f"{name}.{col}")
                compared += a.notna().sum()
            else:
                assert new[col].tolist() == old[col].tolist(), f"{name}.{col}"
    assert compared > 100
    assert {r.solve.algorithm for r in new_run.results} <= {"newton", "none"}


def test_gmres_newton_reports_every_measure_of_every_core_design_as_the_direct_lu_on_default_data():
    _assert_same_results(read_benchmark(default_dataset_path()))


@pytest.mark.parametrize("size", [(3, 6), (5, 10)])
def test_gmres_newton_reports_every_measure_of_every_core_design_as_the_direct_lu_on_synthetic_data(size):
    _assert_same_results(random_benchmark(*size, seed=3))


@pytest.mark.slow
def test_gmres_newton_reports_every_measure_as_the_direct_lu_at_twenty_regions_thirty_sectors():
    _assert_same_results(random_benchmark(20, 30, seed=3))


def test_block_preconditioner_keeps_within_region_and_world_entries_and_gmres_converges_in_few_steps():
    model = BCAModel(random_benchmark(4, 8, seed=2), scenario(name="REF"))
    cs = compile_system(model.pyomo, route="casadi", linear_solver="block_gmres")
    model.apply(scenario(name="CUT", policy={"instrument": "coalition_cap", "cut": 0.3}))
    res = cs.solve()
    st = cs.linear_stats
    assert st["linear_solver"] == "block_gmres"
    assert st["preconditioner_nnz"] < st["jacobian_nnz"]
    assert 0 < st["gmres_iterations"] < 60
    assert res.max_residual < 1e-8


def test_vectorised_residual_check_matches_the_pyomo_tree_walk_block_by_block():
    model = BCAModel(random_benchmark(4, 7, seed=5), scenario(name="REF"))
    rows = active_rows(model.pyomo)
    rng = np.random.default_rng(0)
    for vd in model.pyomo.component_data_objects(ctype=Var):
        if not vd.fixed:
            vd.set_value(vd.value * (1 + 0.05 * rng.standard_normal()) + 1e-3)
    old, new = residual_table(rows.cons, rows.blocks), RowChecker(rows).table()
    assert new["block"].tolist() == old["block"].tolist()
    assert new["worst_index"].tolist() == old["worst_index"].tolist()
    assert new["n_rows"].tolist() == old["n_rows"].tolist()
    np.testing.assert_allclose(new["max_abs_residual"], old["max_abs_residual"], rtol=1e-12, atol=1e-15)
    assert (old["max_abs_residual"] > 1e-3).sum() >= 10


def test_a_failed_solve_still_names_the_worst_equation_blocks_on_the_declared_model():
    model = BCAModel(random_benchmark(3, 6, seed=1), scenario(name="REF"))
    cs = compile_system(model.pyomo, route="casadi", method="newton")
    model.apply(scenario(name="CUT", policy={"instrument": "coalition_cap", "cut": 0.4}))
    with pytest.raises(SolveError) as err:
        cs.solve(max_iter=1)
    table = err.value.result.residuals_by_block
    assert table["max_abs_residual"].iloc[0] > 1e-8
    assert table["block"].iloc[0] in str(err.value)


def test_a_lone_power_at_its_level_is_compiled_by_the_tape_as_by_the_walker():
    """A level of the tape with a single power whose exponent is a mutable parameter (here the
    named ``(2x)**e`` and the row's ``y**e``) once became a structural zero: CasADi refused the
    named definition (synthetic 20x30, seed 7), or the row lost its term."""
    import pyomo.environ as pe

    m = pe.ConcreteModel()
    m.x = pe.Var(initialize=1.0, bounds=(0, None))
    m.y = pe.Var(initialize=1.0, bounds=(0, None))
    m.e = pe.Param(initialize=1.5, mutable=True)
    m.sq = pe.Expression(expr=(2 * m.x) ** m.e)
    m.a = pe.Constraint(expr=m.sq == 8.0)
    m.b = pe.Constraint(expr=m.y ** m.e + m.x == 10.0)
    for builder in ("tape", "walker"):
        m.x.set_value(1.0)
        m.y.set_value(1.0)
        res = compile_system(m, route="casadi", method="newton", builder=builder).solve()
        assert res.algorithm == "newton" and res.max_residual < 1e-12
        assert m.x.value == pytest.approx(2.0, rel=1e-12)
        assert m.y.value == pytest.approx(8.0 ** (2 / 3), rel=1e-12)


def test_ipopt_on_the_rows_added_to_the_model_flow_tape_finds_the_newton_equilibrium():
    """The rows are compiled onto the model's flow tape; CasADi's Ipopt (built from that tape only
    when needed) must reach the equilibrium Newton finds on the same rows."""
    model = BCAModel(random_benchmark(3, 6, seed=1), scenario(name="REF"))
    cs = compile_system(model.pyomo, route="casadi")
    assert cs.tape_outputs.start > 0  # the rows follow the flows on one tape
    model.apply(scenario(name="CUT", policy={"instrument": "coalition_cap", "cut": 0.3}))
    start = [v.value for v in cs.unknowns]
    assert cs.solve(method="newton").algorithm == "newton"
    newton = np.array([v.value for v in cs.unknowns])
    for v, x in zip(cs.unknowns, start):
        v.set_value(x)
    res = cs.solve(method="ipopt")
    assert res.algorithm == "ipopt" and res.max_residual < 1e-8
    ipopt = np.array([v.value for v in cs.unknowns])
    np.testing.assert_allclose(ipopt, newton, rtol=1e-9, atol=1e-9)
