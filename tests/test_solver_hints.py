"""The model hands the solver one documented object (cge.expr.interface.SolverHints) instead of
private attributes stuck on the Pyomo model: its pre-solve hook, the base tape of its flows (taken
by the first compile only) and the partition of a BCA model."""

from pyomo.environ import ConcreteModel, Constraint, Var
from test_textbook_2x2 import two_by_two

from cge.expr.interface import SolverHints, hints_of
from cge.solve import compile_system, declare_partition


def test_a_built_model_carries_solver_hints_and_no_private_cge_attribute():
    em, v = two_by_two()
    em.set_numeraire(v["PL"])
    em.build()
    hints = hints_of(em.pyomo)
    assert isinstance(hints, SolverHints)
    assert hints.before_solve == em.before_solve
    assert not [a for a in vars(em.pyomo) if a.startswith("_cge_")]


def test_the_first_compile_takes_the_base_tape_and_the_hook_runs_at_each_solve(monkeypatch):
    em, v = two_by_two()
    em.set_numeraire(v["PL"])
    em.build()
    hints = hints_of(em.pyomo)
    assert hints.base_tape is not None
    calls = []
    monkeypatch.setattr(hints, "before_solve", lambda: calls.append(1))
    system = compile_system(em.pyomo, route="casadi")
    assert hints.base_tape is None                    # taken once
    system.solve(tol=1e-10)
    system.solve(tol=1e-10)
    assert len(calls) >= 3                            # the compile, then every solve


def test_a_plain_pyomo_model_has_no_hints_until_a_partition_is_declared():
    m = ConcreteModel()
    m.x = Var(initialize=1.0)
    m.c = Constraint(expr=m.x == 2.0)
    assert hints_of(m) is None
    compile_system(m, route="casadi").solve(tol=1e-12)
    assert abs(m.x.value - 2.0) < 1e-12
    declare_partition(m, lambda index: None)
    assert hints_of(m).partition is not None and hints_of(m).before_solve is None
