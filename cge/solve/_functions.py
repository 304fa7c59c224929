"""Residuals and Jacobian of a square system's rows, made once per compile: two builders.

``TapeFunctions`` (default) walks the Pyomo rows once into a numpy :class:`~cge.expr.tape.Tape`
and differentiates it by forward mode (:class:`~cge.solve._tape_jacobian.TapeJacobian`): no CasADi
graph at all unless the Ipopt fallback needs one (built from the tape on first use).
``CasadiFunctions`` converts node by node to CasADi SX (:mod:`cge.solve._walker`; see
CHANGELOG.md) and takes CasADi's symbolic Jacobian per equation block.

Both name every named Expression as an intermediate ``z_k = h_k(x, z_<k, p)`` and assemble the
Newton Jacobian by the chain rule ``J = Gx + Gz (I - Hz)^-1 Hx``.
"""

from __future__ import annotations

import time

import numpy as np

#: How the functions are made from the Pyomo rows: ``tape`` (numpy tape and forward-mode
#: Jacobian, also used for the residual check) or ``walker`` (CasADi SX node by node).
BUILDERS = ("tape", "walker")


def _bounds_of(rows) -> list:
    return [c.upper if c.upper is not None else c.lower for c in rows.cons]


def substitute_named(z, H, G):
    """``G`` with every intermediate ``z`` inlined by its definition ``H`` (CasADi SX)."""
    import casadi as ca

    if not z.numel():
        return H, G
    (H_in,), (G_in,) = ca.substitute_inplace([z], [H], [G], False)
    return H_in, G_in


class TapeFunctions:
    """The rows' residuals and Jacobian by the numpy tape."""

    def __init__(self, rows, base=None):
        """``base``: an extendable tape that already holds many of the rows' nodes (the model's
        flows, :class:`cge.expr.interface.SolverHints`); the rows are added to it."""
        from cge.expr.tape import Tape

        from ._tape_jacobian import TapeJacobian

        t0 = time.perf_counter()
        self.m = m = len(rows.cons)
        exprs = [c.body for c in rows.cons] + _bounds_of(rows)
        if base is not None and base.extendable:
            start, stop = base.extend(exprs)
            self.tape = tape = base
        else:
            self.tape = tape = Tape(exprs)
            start, stop = 0, len(exprs)
        self.outputs = slice(start, stop)
        self._out = tape.output_slots[start:stop]
        needed = tape.needed_slots(self.outputs)
        used = needed[tape.leaf_slots]
        is_x = np.array([u and v.is_variable_type() and not v.fixed for v, u in zip(tape.leaves, used)], dtype=bool)
        self._is_x, self._is_p = is_x, used & ~is_x
        self.unknowns = [v for v, u in zip(tape.leaves, is_x) if u]
        self.params = [v for v, u in zip(tape.leaves, self._is_p) if u]
        self._x_pos, self._p_pos = np.flatnonzero(is_x), np.flatnonzero(self._is_p)
        t1 = time.perf_counter()
        self._jacobian = TapeJacobian(tape, self._out[:m], self._out[m:], is_x, needed)
        self.timings = {"walk_s": t1 - t0, "setup_s": time.perf_counter() - t1}
        self.walk_stats = {"nodes_converted": tape.n_operations, "levels": tape.n_levels,
                           "n_intermediates": self._jacobian.nz}
        self._symbolic = None

    def _leaf_values(self, x, p) -> np.ndarray:
        lv = np.full(len(self.tape.leaves), np.nan)  # leaves the rows do not read: NaN
        lv[self._x_pos] = x
        lv[self._p_pos] = p
        return lv

    def residuals(self, x, p) -> np.ndarray:
        v = self.tape.slot_values(self._leaf_values(x, p))
        return v[self._out[:self.m]] - v[self._out[self.m:]]

    def jacobian(self, x, p):
        """Residuals and the Newton Jacobian (scipy CSC) at ``x``."""
        return self._jacobian(self._leaf_values(x, p))

    def symbolic(self):
        """``(x, p, G)``: CasADi SX of the residuals with intermediates inlined (for Ipopt)."""
        if self._symbolic is None:
            out, _unknowns, x, _params, p, z, H = self.tape.to_casadi(self._is_x, self._is_p)
            out = out[self.outputs.start:self.outputs.stop]
            G = out[:self.m] - out[self.m:]
            self._symbolic = (x, p, substitute_named(z, H, G)[1])
        return self._symbolic


def jacobian_by_block(G, v, blocks):
    """Symbolic Jacobian of the rows ``G`` in ``v``, one CasADi call per equation block (rows of
    one block look alike and need few colours: 2.4x faster than one call at 20x30)."""
    import casadi as ca

    groups: dict = {}
    for i, b in enumerate(blocks):
        groups.setdefault(b, []).append(i)
    if len(groups) <= 1:
        return ca.jacobian(G, v)
    order = [i for idx in groups.values() for i in idx]
    stacked = ca.vertcat(*[ca.jacobian(G[idx], v) for idx in groups.values()])
    if order == list(range(len(order))):
        return stacked
    back = np.empty(len(order), dtype=np.int64)
    back[order] = np.arange(len(order))
    return stacked[back.tolist(), :]


class CasadiFunctions:
    """The rows' residuals and Jacobian by CasADi SX functions (node-by-node walker)."""

    def __init__(self, rows):
        import casadi as ca

        from ._tape_jacobian import nesting_depth
        from ._walker import PyomoToCasadi

        t0 = time.perf_counter()
        conv = PyomoToCasadi(named_as_symbols=True)
        g = [ca.SX.binary(ca.OP_SUB, conv.convert(c.body), conv.convert(b))
             for c, b in zip(rows.cons, _bounds_of(rows))]
        self.unknowns, self.params = conv.unknowns, conv.params
        self.walk_stats = {**conv.stats, "n_intermediates": len(conv.z_syms)}

        def column(syms):
            return ca.vertcat(*syms) if syms else ca.SX(0, 1)

        x, p, G, z = column(conv.x_syms), column(conv.p_syms), column(g), column(conv.z_syms)
        H = column(conv.z_defs)
        conv.release()
        t1 = time.perf_counter()
        self._n, self._nz = len(self.unknowns), z.numel()
        H_in, G_in = substitute_named(z, H, G)
        self._F = ca.Function("F", [x, p], [G_in])
        self._Z = ca.Function("Z", [x, p], [H_in])
        xz = ca.vertcat(x, z)
        self._JB = ca.Function("JB", [x, z, p], [G, jacobian_by_block(G, xz, rows.blocks), ca.jacobian(H, xz)])
        self._depth = nesting_depth(ca.jacobian_sparsity(H, z).get_triplet(), self._nz) if self._nz else 0
        self._symbolic = (x, p, G_in)
        self.timings = {"walk_s": t1 - t0, "setup_s": time.perf_counter() - t1}

    def residuals(self, x, p) -> np.ndarray:
        return self._F(x, p).full().ravel()

    def jacobian(self, x, p):
        """Residuals and the Newton Jacobian (scipy CSC) at ``x``."""
        zv = self._Z(x, p).full().ravel() if self._nz else np.zeros(0)
        g, Gxz, Hxz = self._JB(x, zv, p)
        n = self._n
        Gxz = Gxz.sparse().tocsc()
        J = Gxz[:, :n]
        if self._nz:
            Hxz = Hxz.sparse().tocsc()
            Gz, Hx, Hz = Gxz[:, n:], Hxz[:, :n], Hxz[:, n:]
            Y = Hx
            for _ in range(self._depth):
                Y = Hx + Hz @ Y
            J = J + Gz @ Y
        return g.full().ravel(), J.tocsc()

    def symbolic(self):
        return self._symbolic


def make_functions(rows, builder: str, base=None):
    if builder not in BUILDERS:
        raise ValueError(f"builder must be one of {', '.join(BUILDERS)}")
    return TapeFunctions(rows, base) if builder == "tape" else CasadiFunctions(rows)
