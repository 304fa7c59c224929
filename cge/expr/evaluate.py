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


class _Known(dict):
    """Named-expression values of a :class:`BatchEvaluator`: those walked so far, else the tape's
    value of the expression (by position in its list) unless that is NaN."""

    def __init__(self, index: dict, values: list):
        super().__init__()
        self.index, self.values = index, values

    def get(self, key, default=None):
        v = dict.get(self, key)
        if v is not None:
            return v
        k = self.index.get(key)
        if k is not None:
            v = self.values[k]
            if v == v:  # not NaN
                return v
        return default


class BatchEvaluator(PointEvaluator):
    """A :class:`PointEvaluator` that knows the values of a fixed list of expressions already,
    computed together by a numpy tape (:class:`cge.expr.tape.Tape`); any other expression,
    or one the tape could not evaluate (NaN), is walked as by :class:`PointEvaluator`.
    ``index``: ``{id(expression): position}`` of ``exprs``, when the caller keeps one for a list
    it evaluates again and again (built here otherwise)."""

    def __init__(self, exprs, values, index: dict | None = None):
        super().__init__()
        self.exprs, self.values = exprs, values  # for callers that read every value at once
        vals = values.tolist() if hasattr(values, "tolist") else [float(v) for v in values]
        if index is None:
            index = {id(e): k for k, e in enumerate(exprs)}
        self._known = self._named = _Known(index, vals)

    def __call__(self, expr) -> float:
        v = self._known.get(id(expr))
        return self._eval(expr) if v is None else v
