"""Fast evaluation of Pyomo expressions at the current point, sharing named subexpressions.

``pyomo.environ.value`` re-evaluates a named ``Expression`` every time it is reached, so a
model whose unit-cost indices appear in hundreds of demand expressions costs quadratic time
to check. :class:`PointEvaluator` walks the same Pyomo expression trees with each node's own
``_apply_operation`` (exactly Pyomo's arithmetic) but evaluates each named expression once per
point. Create a new evaluator (or call :meth:`reset`) after variables or parameters change.
"""

from __future__ import annotations

from pyomo.core.expr.numvalue import native_types, value


class PointEvaluator:
    def __init__(self):
        self._named: dict[int, float] = {}

    def reset(self) -> None:
        self._named.clear()

    def __call__(self, expr) -> float:
        if type(expr) in native_types:
            return expr
        return self._eval(expr)

    def _eval(self, node):
        if type(node) in native_types:
            return node
        if not node.is_expression_type():
            return value(node)  # Var, Param, numeric constant
        if node.is_named_expression_type():
            key = id(node)
            cached = self._named.get(key)
            if cached is None:
                cached = self._eval(node.expr)
                self._named[key] = cached
            return cached
        return node._apply_operation([self._eval(a) for a in node.args])
