"""Evaluate many Pyomo expressions at once: a flat tape of the declared model, run by numpy.

The residual check after every solve reads the *declared* Pyomo model, independently of the
CasADi functions the solver used. Walking the Pyomo trees in Python at each check cost seconds
at a few thousand unknowns (most of a re-solve). :class:`Tape` walks the trees once — every
shared node (named ``Expression`` s such as CES unit costs) once in all — into a DAG of
operations, sorts them by depth and evaluates each depth level with one numpy call per kind
of operation. Leaves keep their Pyomo objects, so each evaluation reads the current values of
variables and mutable parameters; the tape stays valid until constraints are added, removed
or (de)activated (the caller rebuilds it when the rows change, as it recompiles the solver).

Arithmetic matches Pyomo's own ``_apply_operation`` (sums accumulate left to right); where
Pyomo's Python arithmetic raises (log of a negative number, division by zero, overflow) the
tape gives NaN, as the Pyomo residual check (``row_residual`` in :mod:`cge.solve._structure`) does.
"""

from __future__ import annotations

import math
import operator
from array import array

import numpy as np
from pyomo.core.expr.numvalue import native_numeric_types

from cge.expr.kinds import (
    KIND_CONST,
    KIND_DIVISION,
    KIND_MAX,
    KIND_MIN,
    KIND_NAMED,
    KIND_NEGATION,
    KIND_PARAM,
    KIND_POW,
    KIND_PRODUCT,
    KIND_SUM,
    KIND_UNARY,
    KIND_VAR,
    classify,
)

#: what Pyomo's VarData and ParamData hold as their value (``None`` when unset; ParamData's
#: ``Param.NoValue`` marker, not a number, sends :meth:`Tape.leaf_values` to the ``value`` property)
_STORED_VALUE = operator.attrgetter("_value")

_UNARY_FN = {
    "exp": np.exp, "log": np.log, "log10": np.log10, "sqrt": np.sqrt, "abs": np.abs,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos,
    "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh,
    "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh,
}
#: the CasADi operation code (attribute name of the ``casadi`` module) of each unary function
CASADI_UNARY_OPS = {
    "exp": "OP_EXP", "log": "OP_LOG", "sqrt": "OP_SQRT", "abs": "OP_FABS", "sin": "OP_SIN", "cos": "OP_COS",
    "tan": "OP_TAN", "asin": "OP_ASIN", "acos": "OP_ACOS", "atan": "OP_ATAN", "sinh": "OP_SINH",
    "cosh": "OP_COSH", "tanh": "OP_TANH", "asinh": "OP_ASINH", "acosh": "OP_ACOSH", "atanh": "OP_ATANH",
}
_BINARY_FN = {KIND_PRODUCT: np.multiply, KIND_DIVISION: np.divide, KIND_POW: np.power}
_REDUCE_FN = {KIND_SUM: np.add, KIND_MAX: np.maximum, KIND_MIN: np.minimum}


def _int_array(values: array) -> np.ndarray:
    """A numpy copy of a machine-integer ``array`` (a memory copy, no Python integers)."""
    return np.frombuffer(values, dtype=np.int64).copy() if len(values) else np.zeros(0, dtype=np.int64)


class Tape:
    """``Tape(exprs).evaluate()`` -> numpy array of the expressions' current values.

    References: an operation ``i >= 0``; an input ``-(k + 1)`` (a Var / mutable Param read at
    each evaluation, or a constant)."""

    def __init__(self, exprs, extendable: bool = False):
        """``extendable``: keep what the walk learnt (memory) so that :meth:`extend` can add
        expressions that share nodes with these without walking the shared nodes again."""
        self.extendable = extendable
        self._kinds: dict[type, int] = {}
        self._memo: dict[int, int] = {}      # id(composite Pyomo node) -> operation number
        self._keepalive: list = []           # roots (ConstraintData.body is built per access)
        # inputs: the constant's value or NaN (a leaf) by input number; the leaves and their numbers
        self._base_values = array("d")
        self._leaf_list: list = []
        self._leaf_number = array("q")
        self._input_of: dict = {}            # id(Pyomo leaf) -> input number
        self._const_of: dict = {}            # constant value -> input number
        # operations, in the order made: kind, function (code in _tag_code), depth level, first
        # argument in _args and number of arguments (machine-integer arrays: numpy reads them
        # without a conversion of Python integers)
        self._tag_code: dict[str, int] = {"": 0}
        self._op_kind, self._op_tag, self._op_level = array("q"), array("q"), array("q")
        self._op_start, self._op_nargs, self._args = array("q"), array("q"), array("q")
        self._named_ops: set[int] = set()    # operations that are the value of a named Expression
        self._refs = [self._ref(e) for e in exprs]
        self._finalise(self._refs)

    def extend(self, exprs, last: bool = True) -> tuple[int, int]:
        """Add outputs (after the existing ones); returns their ``(start, stop)`` output range.
        ``last``: no more extensions (the walk's memory is released)."""
        if not self.extendable:
            raise ValueError("cge.solve: this tape was not built extendable")
        start = len(self._refs)
        self._refs.extend(self._ref(e) for e in exprs)
        self.extendable = not last
        self._finalise(self._refs)
        return start, len(self._refs)

    # ------------------------------------------------------------------ building
    def _kind(self, node) -> int:
        k = self._kinds.get(node.__class__)
        if k is None:
            k = classify(node)
            self._kinds[node.__class__] = k
        return k

    def _const(self, val: float) -> int:
        i = self._const_of.get(val)
        if i is None:
            i = len(self._base_values)
            self._const_of[val] = i
            self._base_values.append(val)
        return -(i + 1)

    def _leaf(self, node, kind) -> int:
        """Reference of a leaf; a Pyomo constant or immutable Param is remembered by its id (it
        lives as long as the expressions that hold it)."""
        i = self._input_of.get(id(node))
        if i is not None:
            return -(i + 1)
        if kind == KIND_CONST or (kind == KIND_PARAM and not node.parent_component().mutable):
            if node.__class__ in native_numeric_types:
                return self._const(float(node))
            if node.value is None:
                raise ValueError(f"cge.solve: immutable Param {node.name} has no value")
            ref = self._const(float(node.value))
            self._input_of[id(node)] = -ref - 1
            self._keepalive.append(node)
            return ref
        if kind not in (KIND_VAR, KIND_PARAM):
            raise AssertionError(kind)  # pragma: no cover
        i = self._input_of.get(id(node))
        if i is None:
            i = len(self._base_values)
            self._input_of[id(node)] = i
            self._base_values.append(math.nan)
            self._leaf_list.append(node)
            self._leaf_number.append(i)
        return -(i + 1)

    def _ref(self, root) -> int:
        if root.__class__ in native_numeric_types:
            return self._const(float(root))
        kind = self._kind(root)
        if not (kind == KIND_NAMED or kind >= KIND_SUM):
            return self._leaf(root, kind)
        self._keepalive.append(root)
        j = self._memo.get(id(root))
        if j is not None:
            return j
        try:
            return self._visit(root, kind)
        except RecursionError:  # a very deep tree: the operations made so far are kept (memoised)
            return self._ref_deep(root)

    def _visit(self, node, k: int) -> int:
        """The operation of composite ``node`` (not yet on the tape), its unseen composite children
        first (depth first, each node visited once; recursion is cheaper in Python than a stack of
        nodes revisited once their children are done)."""
        kinds, native, memo = self._kinds, native_numeric_types, self._memo
        const_of, input_of, levels = self._const_of, self._input_of, self._op_level
        if k == KIND_NAMED:
            if node.expr is None:
                raise ValueError(f"cge.solve: named Expression {node.name} has no expression")
            children = (node.expr,)
        else:
            children = node.args
        refs = []
        level = 0
        for c in children:
            cls = c.__class__
            if cls in native:
                i = const_of.get(c)
                refs.append(-(i + 1) if i is not None else self._const(float(c)))
                continue
            ck = kinds.get(cls)
            if ck is None:
                ck = self._kind(c)
            if ck == KIND_NAMED or ck >= KIND_SUM:
                j = memo.get(id(c))
                if j is None:
                    j = self._visit(c, ck)
                refs.append(j)
                if levels[j] > level:
                    level = levels[j]
            else:
                i = input_of.get(id(c))
                refs.append(-(i + 1) if i is not None else self._leaf(c, ck))
        if k == KIND_NAMED or k == KIND_UNARY:
            return self._add_operation(node, k, refs, level)
        n = len(levels)  # _add_operation inlined: this runs once per operation
        memo[id(node)] = n
        self._op_kind.append(k)
        self._op_tag.append(0)
        levels.append(level + 1)
        args = self._args
        self._op_start.append(len(args))
        self._op_nargs.append(len(refs))
        args.extend(refs)
        return n

    def _add_operation(self, node, k: int, refs: list, level: int) -> int:
        """Record composite ``node`` with argument references ``refs`` (``level``: the deepest
        argument's); a named Expression of an operation is an alias of it."""
        tag = ""
        if k == KIND_NAMED:  # an alias of its expression; a leaf or constant becomes a copy
            if refs[0] >= 0:
                self._memo[id(node)] = refs[0]
                self._named_ops.add(refs[0])
                return refs[0]
            k = KIND_SUM
        elif k == KIND_UNARY:
            tag = node.getname()
            if tag not in _UNARY_FN:
                raise NotImplementedError(f"cge.solve: unary function {tag!r} is not supported")
        n = len(self._op_level)
        self._memo[id(node)] = n
        self._op_kind.append(k)
        self._op_tag.append(self._tag_code.setdefault(tag, len(self._tag_code)))
        self._op_level.append(level + 1)
        self._op_start.append(len(self._args))
        self._op_nargs.append(len(refs))
        self._args.extend(refs)
        return n

    def _ref_deep(self, root) -> int:
        """:meth:`_ref` for trees deeper than Python's recursion limit: an explicit stack, a node
        revisited once its children are on the tape."""
        memo, kinds, native = self._memo, self._kinds, native_numeric_types
        levels = self._op_level
        const_of, input_of = self._const_of, self._input_of
        stack = [root]
        while stack:
            node = stack[-1]
            if id(node) in memo:
                stack.pop()
                continue
            k = kinds.get(node.__class__)
            if k is None:
                k = self._kind(node)
            if k == KIND_NAMED:
                if node.expr is None:
                    raise ValueError(f"cge.solve: named Expression {node.name} has no expression")
                children = (node.expr,)
            else:
                children = node.args
            refs = []
            pending = False
            level = 0
            for c in children:
                cls = c.__class__
                if cls in native:
                    if not pending:
                        i = const_of.get(c)
                        refs.append(-(i + 1) if i is not None else self._const(float(c)))
                    continue
                ck = kinds.get(cls)
                if ck is None:
                    ck = self._kind(c)
                if ck == KIND_NAMED or ck >= KIND_SUM:
                    j = memo.get(id(c))
                    if j is None:
                        stack.append(c)
                        pending = True
                    elif not pending:
                        refs.append(j)
                        if levels[j] > level:
                            level = levels[j]
                elif not pending:
                    i = input_of.get(id(c))
                    refs.append(-(i + 1) if i is not None else self._leaf(c, ck))
            if pending:
                continue
            stack.pop()
            self._add_operation(node, k, refs, level)
        return memo[id(root)]

    def _finalise(self, refs) -> None:
        """Slots: inputs first, then operations sorted by (level, kind, function)."""
        n_in, n_op = len(self._base_values), len(self._op_level)
        tags = sorted(self._tag_code)
        sorted_code = np.array([tags.index(t) for t in self._tag_code], dtype=np.int64)
        tag_code = sorted_code[_int_array(self._op_tag)]
        kind = _int_array(self._op_kind)
        level = _int_array(self._op_level)
        order = np.lexsort((tag_code, kind, level))
        rank = np.empty(n_op, dtype=np.int64)
        rank[order] = np.arange(n_op)
        start = _int_array(self._op_start)
        nargs = _int_array(self._op_nargs)
        raw = _int_array(self._args)
        slots = np.where(raw >= 0, n_in + rank[np.maximum(raw, 0)], -raw - 1)

        groups, group_levels = [], []
        if n_op:
            key = np.stack([level[order], kind[order], tag_code[order]], axis=1)
            cut = np.flatnonzero(np.any(key[1:] != key[:-1], axis=1)) + 1
            bounds = np.concatenate(([0], cut, [n_op]))
            for a, b in zip(bounds[:-1], bounds[1:]):
                ops = order[a:b]
                k, tag = int(kind[ops[0]]), tags[int(tag_code[ops[0]])]
                group_levels.append(int(level[ops[0]]))
                if k in _REDUCE_FN:
                    lens = nargs[ops]
                    offsets = np.concatenate(([0], np.cumsum(lens)[:-1]))
                    flat = np.repeat(start[ops] - offsets, lens) + np.arange(int(lens.sum()))
                    groups.append((k, tag, n_in + a, n_in + b, slots[flat], offsets))
                elif k in _BINARY_FN:
                    groups.append((k, tag, n_in + a, n_in + b, slots[start[ops]], slots[start[ops] + 1]))
                else:
                    groups.append((k, tag, n_in + a, n_in + b, slots[start[ops]]))
        self._groups = groups
        #: the operation groups ``(kind, function, first slot, end slot, argument slots...)`` in
        #: evaluation order, and the depth level of each (groups of one level are independent)
        self.groups, self.group_levels = groups, group_levels
        self._n_slots = n_in + n_op
        self.n_slots, self.n_inputs = n_in + n_op, n_in
        self._leaf_pos = _int_array(self._leaf_number)
        self.leaves = list(self._leaf_list)
        self._base = np.frombuffer(self._base_values, dtype=float).copy()
        refs = np.array(refs, dtype=np.int64)
        ranked = rank[np.maximum(refs, 0)] if len(rank) else np.zeros(len(refs), dtype=np.int64)  # no operation
        self._out = np.where(refs >= 0, n_in + ranked, -refs - 1)
        self._named_slot = np.zeros(n_in + n_op, dtype=bool)
        if self._named_ops:
            self._named_slot[n_in + rank[np.fromiter(self._named_ops, dtype=np.int64)]] = True
        #: slot of each output expression; which slots hold a named Expression's value; the slot
        #: of each leaf (:attr:`leaves`); which input slots are constants
        self.output_slots, self.named_slots, self.leaf_slots = self._out, self._named_slot, self._leaf_pos
        self.n_operations = n_op
        self.n_levels = int(level.max()) if n_op else 0
        if not self.extendable:
            self._memo, self._keepalive, self._input_of, self._named_ops = {}, [], {}, set()
            self._const_of = {}
            self._op_kind = self._op_tag = self._op_level = self._op_start = self._op_nargs = self._args = array("q")
            self._leaf_list, self._leaf_number, self._base_values = [], array("q"), array("d")

    # ---------------------------------------------------------------- evaluation
    def leaf_values(self) -> np.ndarray:
        """The current value of each leaf (NaN for None), read from the stored values of Pyomo's
        VarData / ParamData (the ``value`` property costs a few microseconds per leaf, seconds
        at 300,000 leaves); Pyomo's own property for anything else (an unset Param raises there)."""
        try:
            return np.array(list(map(_STORED_VALUE, self.leaves)), dtype=float)
        except (AttributeError, TypeError, ValueError):
            return np.array([np.nan if v.value is None else v.value for v in self.leaves], dtype=float)

    def evaluate(self) -> np.ndarray:
        """The outputs at the current values of the leaves (non-finite values as NaN)."""
        out = self.slot_values(self.leaf_values())[self._out]
        out[~np.isfinite(out)] = np.nan
        return out

    def needed_slots(self, outputs: slice) -> np.ndarray:
        """Which slots the outputs ``outputs`` depend on (structurally), themselves included."""
        need = np.zeros(self._n_slots, dtype=bool)
        need[self._out[outputs]] = True
        for g in reversed(self._groups):
            k, _tag, a, b = g[:4]
            sel = need[a:b]
            if not sel.any():
                continue
            if k in _REDUCE_FN:
                need[g[4][np.repeat(sel, np.diff(np.append(g[5], len(g[4]))))]] = True
            elif k in _BINARY_FN:
                need[g[4][sel]] = True
                need[g[5][sel]] = True
            else:
                need[g[4][sel]] = True
        return need

    def depends_on(self, leaf_mask: np.ndarray) -> np.ndarray:
        """Which outputs depend on any of the leaves ``leaf_mask`` marks (structurally)."""
        dep = np.zeros(self._n_slots, dtype=bool)
        dep[self._leaf_pos] = leaf_mask
        for g in self._groups:
            k, _tag, a, b = g[:4]
            if k in _REDUCE_FN:
                dep[a:b] = np.logical_or.reduceat(dep[g[4]], g[5])
            elif k in _BINARY_FN:
                dep[a:b] = dep[g[4]] | dep[g[5]]
            else:
                dep[a:b] = dep[g[4]]
        return dep[self._out]

    def slot_values(self, leaf_values: np.ndarray) -> np.ndarray:
        """Values of every slot (inputs, then operations) for the given values of :attr:`leaves`."""
        v = np.empty(self._n_slots)
        n_in = len(self._base)
        v[:n_in] = self._base
        v[self._leaf_pos] = leaf_values
        with np.errstate(all="ignore"):
            for g in self._groups:
                k, tag, a, b = g[:4]
                if k in _REDUCE_FN:
                    v[a:b] = _REDUCE_FN[k].reduceat(v[g[4]], g[5])
                elif k in _BINARY_FN:
                    v[a:b] = _BINARY_FN[k](v[g[4]], v[g[5]])
                elif k == KIND_NEGATION:
                    v[a:b] = -v[g[4]]
                else:
                    v[a:b] = _UNARY_FN[tag](v[g[4]])
        return v

    # ------------------------------------------------------------ CasADi graph
    def _casadi_inputs(self, leaf_is_x, leaf_is_p):
        """Unknowns, parameters and their symbols, and the slot vector with the inputs filled."""
        import casadi as ca

        n_in = len(self._base)
        if leaf_is_x is None:
            leaf_is_x = np.array([v.is_variable_type() and not v.fixed for v in self.leaves], dtype=bool)
        leaf_is_p = ~leaf_is_x if leaf_is_p is None else leaf_is_p
        unknowns = [v for v, u in zip(self.leaves, leaf_is_x) if u]
        params = [v for v, u in zip(self.leaves, leaf_is_p) if u]
        x = ca.SX.sym("x", len(unknowns))
        p = ca.SX.sym("p", len(params))
        is_const = np.isfinite(self._base)  # constants carry their value, leaves NaN
        const_pos = np.flatnonzero(is_const)
        unused = self._leaf_pos[~(leaf_is_x | leaf_is_p)]  # leaves no wanted output reads: NaN
        where = np.empty(n_in, dtype=np.int64)
        where[self._leaf_pos[leaf_is_x]] = np.arange(len(unknowns))
        where[self._leaf_pos[leaf_is_p]] = len(unknowns) + np.arange(len(params))
        where[const_pos] = len(unknowns) + len(params) + np.arange(len(const_pos))
        where[unused] = len(unknowns) + len(params) + len(const_pos)
        V = ca.SX.zeros(self._n_slots, 1)  # filled in place, slot by slot (vertcat would copy)
        if n_in:
            V[0:n_in] = ca.vertcat(x, p, ca.SX(ca.DM(self._base[const_pos])), ca.SX(np.nan))[where.tolist()]
        return unknowns, x, params, p, V

    def to_casadi(self, leaf_is_x=None, leaf_is_p=None):
        """The same DAG as CasADi ``SX``, built one operation group at a time (vectorised).

        ``leaf_is_x`` / ``leaf_is_p`` mark the leaves that are unknowns / parameters (default:
        the unfixed variables / all other leaves; a leaf that is neither is read by no output
        of interest and becomes NaN). Returns ``(outputs, unknowns, x, params, p, z, h)``: the
        SX vector of the tape's outputs; the unknown VarData and their symbols ``x``; the
        parameter leaves (fixed VarData, mutable ParamData) and their symbols ``p``; and, for
        every named Expression, a symbol ``z_k`` with its definition ``h_k(x, z_<k, p)`` (in
        dependency order), as :mod:`cge.solve._walker`'s ``named_as_symbols`` gives."""
        import casadi as ca

        n_in = len(self._base)
        is_const = np.isfinite(self._base)  # constants carry their value, leaves NaN
        unknowns, x, params, p, V = self._casadi_inputs(leaf_is_x, leaf_is_p)
        zs, hs = [], []
        for g in self._groups:
            k, tag, a, b = g[:4]
            m = b - a
            if k == KIND_SUM:
                args, starts = g[4], g[5]
                seg = np.repeat(np.arange(m), np.diff(np.append(starts, len(args))))
                S = ca.DM(ca.Sparsity.triplet(m, len(args), seg.tolist(), list(range(len(args)))), 1.0)
                res = ca.mtimes(S, V[args.tolist()])
            elif k in (KIND_MAX, KIND_MIN):
                op = ca.OP_FMAX if k == KIND_MAX else ca.OP_FMIN
                args, bounds = g[4], np.append(g[5], len(g[4]))
                parts = []
                for i in range(m):
                    acc = V[int(args[bounds[i]])]
                    for j in range(bounds[i] + 1, bounds[i + 1]):
                        acc = ca.SX.binary(op, acc, V[int(args[j])])
                    parts.append(acc)
                res = ca.vertcat(*parts)
            elif k in _BINARY_FN:
                A, B = V[g[4].tolist()], V[g[5].tolist()]
                if k == KIND_PRODUCT:
                    res = A * B
                elif k == KIND_DIVISION:
                    res = A / B
                else:  # a constant exponent is OP_CONSTPOW (no d/d exponent), as in the walker
                    # (index V, a column, never the 1x1 A: indexing a 1x1 SX by an empty list
                    # gives a 1x0 block that vertcat turns into a structural zero row)
                    cexp = (g[5] < n_in) & is_const[np.minimum(g[5], n_in - 1)]
                    ic, iv = np.flatnonzero(cexp), np.flatnonzero(~cexp)
                    parts = [ca.SX.binary(op, V[g[4][sel].tolist()], V[g[5][sel].tolist()])
                             for op, sel in ((ca.OP_CONSTPOW, ic), (ca.OP_POW, iv)) if len(sel)]
                    both = ca.vertcat(*parts)
                    back = np.empty(m, dtype=np.int64)
                    back[ic] = np.arange(len(ic))
                    back[iv] = len(ic) + np.arange(len(iv))
                    res = both[back.tolist()]
            elif k == KIND_NEGATION:
                res = -V[g[4].tolist()]
            elif tag == "log10":
                res = ca.log(V[g[4].tolist()]) / np.log(10.0)
            else:
                res = ca.SX.unary(getattr(ca, CASADI_UNARY_OPS[tag]), V[g[4].tolist()])
            named = np.flatnonzero(self._named_slot[a:b])
            if len(named):
                z = ca.SX.sym(f"z{len(zs)}", len(named))
                zs.append(z)
                hs.append(res[named.tolist()])
                back = np.arange(m)
                back[named] = m + np.arange(len(named))
                res = ca.vertcat(res, z)[back.tolist()]
            V[a:b] = res
        out = V[self._out.tolist()]
        z = ca.vertcat(*zs) if zs else ca.SX(0, 1)
        h = ca.vertcat(*hs) if hs else ca.SX(0, 1)
        return out, unknowns, x, params, p, z, h
