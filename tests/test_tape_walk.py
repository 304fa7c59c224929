"""The numpy tape's walk of Pyomo expressions: values agree with Pyomo's own evaluation, also for a
tree deeper than Python's recursion limit (walked by the explicit-stack fallback)."""

import math
import sys

import pytest
from pyomo.environ import ConcreteModel, Expression, Param, Var, exp, log, value

from cge.expr.tape import Tape


def test_a_product_chain_deeper_than_the_recursion_limit_evaluates_as_pyomo_does():
    m = ConcreteModel()
    m.x = Var(initialize=1.0001)
    chain = m.x
    for _ in range(sys.getrecursionlimit() + 500):
        chain = chain * m.x
    shallow = 2 * m.x + 1
    tape = Tape([shallow, chain, chain + shallow])
    got = tape.evaluate()
    assert got == pytest.approx([value(shallow), value(chain), value(chain) + value(shallow)], rel=1e-12)


def test_shared_named_expressions_are_one_operation_and_follow_the_variables():
    m = ConcreteModel()
    m.x = Var(initialize=2.0)
    m.y = Var(initialize=3.0)
    m.p = Param(mutable=True, initialize=0.5)
    m.c = Expression(expr=(m.p * m.x ** 0.5 + (1 - m.p) * m.y ** 0.5) ** 2)
    exprs = [m.c / m.x, m.c / m.y, exp(log(m.c)) - m.c, -m.c]
    tape = Tape(exprs)
    assert tape.evaluate() == pytest.approx([value(e) for e in exprs], rel=1e-12)
    m.x.set_value(5.0)
    m.p.set_value(0.25)
    assert tape.evaluate() == pytest.approx([value(e) for e in exprs], rel=1e-12)
    assert int(tape.named_slots.sum()) == 1
    assert math.isfinite(tape.evaluate()[0])


def test_leaf_values_are_the_current_values_and_an_unset_parameter_still_raises():
    m = ConcreteModel()
    m.x = Var()                      # no value yet: NaN
    m.y = Var(initialize=2.0)
    m.p = Param(mutable=True, initialize=3.0)
    m.q = Param([1, 2], mutable=True, default=0.5)
    tape = Tape([m.y * m.p + m.q[1], m.x + m.y])
    got = dict(zip((id(v) for v in tape.leaves), tape.leaf_values().tolist()))
    assert got[id(m.y)] == 2.0 and got[id(m.p)] == 3.0 and got[id(m.q[1])] == 0.5 and math.isnan(got[id(m.x)])
    assert tape.evaluate()[0] == pytest.approx(6.5) and math.isnan(tape.evaluate()[1])
    m.unset = Param(mutable=True)
    with pytest.raises(ValueError, match="Param value"):
        Tape([m.unset * m.y]).evaluate()
