"""Fast evaluation of Pyomo expressions at the current point, sharing named subexpressions.

``pyomo.environ.value`` re-evaluates a named ``Expression`` every time it is reached, so a
model whose unit-cost indices appear in hundreds of demand expressions costs quadratic time
to check. :class:`PointEvaluator` walks the same Pyomo expression trees with each node's own
``_apply_operation`` (exactly Pyomo's arithmetic) but evaluates each named expression once per
point. Create a new evaluator (or call :meth:`reset`) after variables or parameters change.
"""

from __future__ import annotations

from pyomo.core.expr.numvalue import native_types, value

_NATIVE, _LEAF, _NAMED, _OPERATION = range(4)
_kind_of_type: dict[type, int] = {}


def _kind(node) -> int:
    t = type(node)
    k = _kind_of_type.get(t)
    if k is None:
        if t in native_types:
            k = _NATIVE
        elif not node.is_expression_type():
            k = _LEAF
        elif node.is_named_expression_type():
            k = _NAMED
        else:
            k = _OPERATION
        _kind_of_type[t] = k
    return k


class PointEvaluator:
    def __init__(self):
        self._named: dict[int, float] = {}

    def reset(self) -> None:
        self._named.clear()

    def __call__(self, expr) -> float:
        return self._eval(expr)

    def _eval(self, node):
        k = _kind(node)
        if k == _OPERATION:
            return node._apply_operation([self._eval(a) for a in node.args])
        if k == _NATIVE:
            return node
        if k == _LEAF:
            v = node.value  # Var, mutable Param or numeric constant
            if v is None:
                return value(node)  # raises Pyomo's own error for an uninitialised value
            return v
        key = id(node)
        cached = self._named.get(key)
        if cached is None:
            cached = self._eval(node.expr)
            self._named[key] = cached
        return cached


class BatchEvaluator(PointEvaluator):
    """A :class:`PointEvaluator` that knows the values of a fixed list of expressions already,
    computed together by a numpy tape (:class:`cge.expr.tape.Tape`); any other expression,
    or one the tape could not evaluate (NaN), is walked as by :class:`PointEvaluator`."""

    def __init__(self, exprs, values):
        super().__init__()
        self.exprs, self.values = exprs, values  # for callers that read every value at once
        vals = values.tolist() if hasattr(values, "tolist") else [float(v) for v in values]
        # one dict for both: a named expression of the list is known when walked into, and the
        # other keys (ids of operation nodes) are never looked up as named ones
        self._known = self._named = {id(e): v for e, v in zip(exprs, vals) if v == v}  # v == v: not NaN

    def __call__(self, expr) -> float:
        v = self._known.get(id(expr))
        return self._eval(expr) if v is None else v
