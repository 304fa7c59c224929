"""The kinds of Pyomo expression nodes the expression walkers handle (no CasADi needed)."""

from __future__ import annotations

from pyomo.core.expr import numeric_expr as ne
from pyomo.core.expr.numvalue import NumericConstant, native_numeric_types

# handler kinds
KIND_CONST = 0
KIND_VAR = 1
KIND_PARAM = 2
KIND_NAMED = 3
KIND_SUM = 4
KIND_PRODUCT = 5
KIND_DIVISION = 6
KIND_NEGATION = 7
KIND_POW = 8
KIND_UNARY = 9
KIND_MAX = 10
KIND_MIN = 11

COMPOSITE_KINDS = frozenset({KIND_NAMED, KIND_SUM, KIND_PRODUCT, KIND_DIVISION, KIND_NEGATION, KIND_POW,
                             KIND_UNARY, KIND_MAX, KIND_MIN})


#: Pyomo expression classes and their kinds, tested in this order (subclasses before their bases)
_EXPRESSION_KINDS = (
    (ne.SumExpression, KIND_SUM),                 # includes LinearExpression, NPV sums
    (ne.DivisionExpression, KIND_DIVISION),
    (ne.ProductExpression, KIND_PRODUCT),         # includes MonomialTermExpression
    (ne.NegationExpression, KIND_NEGATION),
    (ne.PowExpression, KIND_POW),
    (ne.UnaryFunctionExpression, KIND_UNARY),     # includes AbsExpression
    (ne.MaxExpression, KIND_MAX),
    (ne.MinExpression, KIND_MIN),
)


def classify(node) -> int:
    """Map a Pyomo node to a handler kind (called once per node *type*)."""
    cls = node.__class__
    if cls in native_numeric_types or isinstance(node, NumericConstant):
        return KIND_CONST
    if getattr(node, "is_named_expression_type", lambda: False)():
        return KIND_NAMED
    if isinstance(node, ne.NumericExpression):
        for expression_class, kind in _EXPRESSION_KINDS:
            if isinstance(node, expression_class):
                return kind
        raise NotImplementedError(
            f"cge.solve: Pyomo expression node type {cls.__name__!r} is not supported "
            f"by the CasADi converter (expression: {node})"
        )
    if getattr(node, "is_variable_type", lambda: False)():
        return KIND_VAR
    if getattr(node, "is_parameter_type", lambda: False)():
        return KIND_PARAM
    raise NotImplementedError(
        f"cge.solve: Pyomo node type {cls.__name__!r} is not supported by the CasADi "
        f"converter (node: {node!r})"
    )
