"""Convert Pyomo expression trees into CasADi ``SX`` expressions.

The walk is iterative (no recursion limit on deep trees) and memoised by the
``id`` of every composite node, so a named ``Expression`` that is referenced by
thousands of constraints is converted exactly once and becomes one shared node
of the CasADi graph.  Because memoisation is by ``id``, every root that is
walked is kept alive (``self._keepalive``) for the lifetime of the converter:
Pyomo builds ``ConstraintData.body`` afresh on every access, and a freed
temporary could otherwise hand its ``id`` to an unrelated later node.

Leaves:

* unfixed ``Var``            -> an unknown (``SX.sym``), collected in order
* fixed ``Var``              -> a parameter symbol (value read at solve time)
* mutable ``Param``          -> a parameter symbol (value read at solve time)
* immutable ``Param``/number -> a float constant
"""

from __future__ import annotations

import math

import casadi as ca
from pyomo.core.expr.numvalue import native_numeric_types

from cge.expr.kinds import (
    COMPOSITE_KINDS,
    KIND_CONST,
    KIND_DIVISION,
    KIND_MAX,
    KIND_MIN,
    KIND_NAMED,
    KIND_NEGATION,
    KIND_POW,
    KIND_PRODUCT,
    KIND_SUM,
    KIND_UNARY,
    KIND_VAR,
    classify,
)
from cge.expr.tape import CASADI_UNARY_OPS

UNARY_OPS = {name: getattr(ca, op) for name, op in CASADI_UNARY_OPS.items()}
_LN10 = math.log(10.0)

# SX.binary / SX.unary skip the Python-level operator overloading of casadi's
# SWIG layer and are ~7x faster than ``a * b`` (measured: 2 us vs 14 us).
_bin = ca.SX.binary
_un = ca.SX.unary
_OP_ADD, _OP_MUL, _OP_DIV, _OP_POW, _OP_CONSTPOW = ca.OP_ADD, ca.OP_MUL, ca.OP_DIV, ca.OP_POW, ca.OP_CONSTPOW


class PyomoToCasadi:
    """Memoising Pyomo -> CasADi SX converter.

    After converting all rows, ``unknowns`` lists the unfixed VarData in order of
    first appearance (``x_syms`` are their symbols) and ``params`` lists the
    mutable ParamData / fixed VarData whose current values feed the parameter
    vector (``p_syms`` are their symbols).
    """

    def __init__(self, named_as_symbols: bool = False):
        self.named_as_symbols = named_as_symbols
        self.z_syms: list = []
        self.z_defs: list = []
        self._memo: dict[int, ca.SX] = {}
        self._keepalive: list = []
        self._kind_cache: dict[type, int] = {}
        self.unknowns: list = []
        self.x_syms: list = []
        self._x_index: dict[int, int] = {}
        self.params: list = []
        self.p_syms: list = []
        self._p_index: dict[int, int] = {}
        self._consts: dict[float, ca.SX] = {}
        self.stats = {"nodes_converted": 0, "named_converted": 0, "named_refs": 0, "memo_hits": 0}

    # ------------------------------------------------------------------ leaves
    def _kind(self, node) -> int:
        cls = node.__class__
        k = self._kind_cache.get(cls)
        if k is None:
            k = classify(node)
            self._kind_cache[cls] = k
        return k

    def _var(self, v):
        if v.fixed:
            return self._param(v)
        i = self._x_index.get(id(v))
        if i is None:
            i = len(self.unknowns)
            self._x_index[id(v)] = i
            self.unknowns.append(v)
            self.x_syms.append(ca.SX.sym(f"x{i}"))
        return self.x_syms[i]

    def _param(self, p):
        i = self._p_index.get(id(p))
        if i is None:
            i = len(self.params)
            self._p_index[id(p)] = i
            self.params.append(p)
            self.p_syms.append(ca.SX.sym(f"p{i}"))
        return self.p_syms[i]

    def const(self, val: float) -> ca.SX:
        c = self._consts.get(val)
        if c is None:
            c = ca.SX(val)
            self._consts[val] = c
        return c

    def _leaf(self, node, kind):
        if kind == KIND_CONST:
            return self.const(float(node) if node.__class__ in native_numeric_types else float(node.value))
        if kind == KIND_VAR:
            return self._var(node)
        # KIND_PARAM
        if node.parent_component().mutable:
            return self._param(node)
        val = node.value
        if val is None:
            raise ValueError(f"cge.solve: immutable Param {node.name} has no value")
        return self.const(float(val))

    # -------------------------------------------------------------- composites
    def _combine(self, kind, node, vals):
        if kind == KIND_SUM:
            acc = vals[0]
            for v in vals[1:]:
                acc = _bin(_OP_ADD, acc, v)
            return acc
        if kind == KIND_PRODUCT:
            return _bin(_OP_MUL, vals[0], vals[1])
        if kind == KIND_DIVISION:
            return _bin(_OP_DIV, vals[0], vals[1])
        if kind == KIND_NEGATION:
            return _un(ca.OP_NEG, vals[0])
        if kind == KIND_POW:
            base, expo = vals
            return _bin(_OP_CONSTPOW if expo.is_constant() else _OP_POW, base, expo)
        if kind == KIND_UNARY:
            name = node.getname()
            if name == "log10":
                return _bin(_OP_DIV, _un(ca.OP_LOG, vals[0]), self.const(_LN10))
            op = UNARY_OPS.get(name)
            if op is None:
                raise NotImplementedError(
                    f"cge.solve: unary function {name!r} is not supported by the CasADi "
                    f"converter (expression: {node})"
                )
            return _un(op, vals[0])
        if kind in (KIND_MAX, KIND_MIN):
            op = ca.OP_FMAX if kind == KIND_MAX else ca.OP_FMIN
            acc = vals[0]
            for v in vals[1:]:
                acc = _bin(op, acc, v)
            return acc
        raise AssertionError(kind)  # pragma: no cover

    def _children(self, kind, node):
        if kind == KIND_NAMED:
            expr = node.expr
            if expr is None:
                raise ValueError(f"cge.solve: named Expression {node.name} has no expression")
            return (expr,)
        return node.args

    def _value_of(self, child):
        """Converted value of an already-processed child (leaf or memoised)."""
        if child.__class__ in native_numeric_types:
            return self.const(float(child))
        kind = self._kind(child)
        if kind in COMPOSITE_KINDS:
            if kind == KIND_NAMED:
                self.stats["named_refs"] += 1
            return self._memo[id(child)]
        return self._leaf(child, kind)

    def convert(self, root):
        """Return the CasADi expression (SX or float) for a Pyomo expression."""
        if root.__class__ in native_numeric_types:
            return self.const(float(root))
        kind = self._kind(root)
        if kind not in COMPOSITE_KINDS:
            return self._leaf(root, kind)
        self._keepalive.append(root)
        memo = self._memo
        if id(root) in memo:
            self.stats["memo_hits"] += 1
            if kind == KIND_NAMED:
                self.stats["named_refs"] += 1
            return memo[id(root)]
        stack = [root]
        kind_of = self._kind
        while stack:
            node = stack[-1]
            nid = id(node)
            if nid in memo:
                stack.pop()
                continue
            k = kind_of(node)
            children = self._children(k, node)
            pending = False
            for c in children:
                if c.__class__ in native_numeric_types:
                    continue
                if kind_of(c) in COMPOSITE_KINDS and id(c) not in memo:
                    stack.append(c)
                    pending = True
            if pending:
                continue
            vals = [self._value_of(c) for c in children]
            if k == KIND_NAMED:
                self.stats["named_converted"] += 1
                val = vals[0]
                if self.named_as_symbols and not val.is_constant():
                    z = ca.SX.sym(f"z{len(self.z_syms)}")
                    self.z_syms.append(z)
                    self.z_defs.append(val)
                    val = z
                memo[nid] = val
            else:
                memo[nid] = self._combine(k, node, vals)
            self.stats["nodes_converted"] += 1
            stack.pop()
        if kind == KIND_NAMED:
            self.stats["named_refs"] += 1
        return memo[id(root)]

    def release(self):
        """Drop the memo and the keep-alive references (after compilation)."""
        self._memo = {}
        self._keepalive = []
