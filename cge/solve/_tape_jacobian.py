"""Exact sparse Jacobian of the rows of a numpy :class:`~cge.expr.tape.Tape`, by forward mode.

CasADi's symbolic Jacobian of the whole graph was the largest cost of compiling a big model
(12.6 s of 31 s at 30 regions x 40 sectors) and grows faster than the graph. The tape already
knows the structure: every operation's local partial derivatives are one numpy expression per
operation group (``d(a*b)/da = b``, ``d(a**b)/da = b*a**(b-1)``, ...). Forward mode level by
level gives each operation's gradient as a sparse row, ``grad(op) = sum_k d op/d arg_k *
grad(arg_k)``: one sparse matrix product per depth level.

Named expressions (CES unit costs, price indices) are cut as in the CasADi route: downstream of
its definition a named value counts as its own unknown ``z_k``, so the rows stay sparse, and the
Newton Jacobian is assembled by the chain rule ``J = Gx + Gz Y`` with ``Y = Hx + Hz Y``
(``Hz`` is nilpotent: as many passes as named expressions are nested). The structure (which
entries exist) is fixed when the tape is, so it is compiled once (:class:`IndexPlan`) into flat
index arrays: an evaluation is, per level, one gather, one product and one ``np.bincount``, with
no sparse matrix made until the final CSC (about ten times cheaper than scipy's row slicing, ``vstack``
and products per level at 452 unknowns). :meth:`TapeJacobian.reference` keeps the scipy route.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from cge.expr.kinds import KIND_DIVISION, KIND_MAX, KIND_MIN, KIND_NEGATION, KIND_POW, KIND_PRODUCT, KIND_SUM

_LN10 = math.log(10.0)

#: d f(a) / d a from the argument ``a`` and the value ``f`` (numpy, elementwise)
_UNARY_DERIVATIVE = {
    "exp": lambda a, f: f,
    "log": lambda a, f: 1.0 / a,
    "log10": lambda a, f: 1.0 / (a * _LN10),
    "sqrt": lambda a, f: 0.5 / f,
    "abs": lambda a, f: np.sign(a),
    "sin": lambda a, f: np.cos(a),
    "cos": lambda a, f: -np.sin(a),
    "tan": lambda a, f: 1.0 + f * f,
    "asin": lambda a, f: 1.0 / np.sqrt(1.0 - a * a),
    "acos": lambda a, f: -1.0 / np.sqrt(1.0 - a * a),
    "atan": lambda a, f: 1.0 / (1.0 + a * a),
    "sinh": lambda a, f: np.cosh(a),
    "cosh": lambda a, f: np.sinh(a),
    "tanh": lambda a, f: 1.0 - f * f,
    "asinh": lambda a, f: 1.0 / np.sqrt(a * a + 1.0),
    "acosh": lambda a, f: 1.0 / np.sqrt(a * a - 1.0),
    "atanh": lambda a, f: 1.0 / (1.0 - a * a),
}


class _Entries:
    """The local partial derivatives of one operation group: entries (op slot, argument slot)
    and how to compute their values; only arguments that depend on an unknown are kept."""

    def __init__(self, group, has_grad, needed):
        k, tag, a, b = group[:4]
        self.kind, self.tag = k, tag
        if k in (KIND_SUM, KIND_MAX, KIND_MIN):
            args, offsets = group[4], group[5]
            ops = np.repeat(np.arange(a, b), np.diff(np.append(offsets, len(args))))
            keep = has_grad[args] & needed[ops]
            self.parts = [(ops[keep], args[keep], None)]
        elif k in (KIND_PRODUCT, KIND_DIVISION, KIND_POW):
            ops = np.arange(a, b)
            left, right = group[4], group[5]
            kl, kr = has_grad[left] & needed[ops], has_grad[right] & needed[ops]
            # (op slots, argument slots, the other argument's slots) of d/d left and d/d right
            self.parts = [(ops[kl], left[kl], right[kl]), (ops[kr], right[kr], left[kr])]
        else:  # negation, unary function
            ops = np.arange(a, b)
            keep = has_grad[group[4]] & needed[ops]
            self.parts = [(ops[keep], group[4][keep], None)]
        self.has_grad = np.zeros(b - a, dtype=bool)
        for ops_, _args, _other in self.parts:
            self.has_grad[ops_ - a] = True

    def values(self, v) -> list[np.ndarray]:
        k = self.kind
        out = []
        for side, (ops, args, other) in enumerate(self.parts):
            if k == KIND_SUM:
                d = np.ones(len(ops))
            elif k in (KIND_MAX, KIND_MIN):  # the argument that is the max (ties: each of them)
                d = (v[args] == v[ops]).astype(float)
            elif k == KIND_PRODUCT:
                d = v[other]
            elif k == KIND_DIVISION:
                d = 1.0 / v[other] if side == 0 else -v[ops] / v[args]
            elif k == KIND_POW:  # d/d base = e * base**(e - 1); d/d exponent = base**e * log(base)
                d = v[other] * v[args] ** (v[other] - 1.0) if side == 0 else v[ops] * np.log(v[other])
            elif k == KIND_NEGATION:
                d = -np.ones(len(ops))
            else:
                d = _UNARY_DERIVATIVE[self.tag](v[args], v[ops])
            out.append(d)
        return out


class TapeJacobian:
    """``TapeJacobian(tape, bodies, bounds, is_unknown, needed)(leaf_values)`` -> (residuals,
    Jacobian CSC) of the rows ``body - bound``.

    ``bodies`` / ``bounds``: the tape slots of the rows' bodies and bounds; ``is_unknown[i]``
    says whether leaf ``i`` (:attr:`Tape.leaves`) is an unknown (its column is its rank among
    the unknowns); ``needed`` marks the slots the rows depend on (others are skipped)."""

    def __init__(self, tape, bodies, bounds, is_unknown: np.ndarray, needed=None):
        if not all(tag in _UNARY_DERIVATIVE for g in tape.groups for tag in (g[1],) if tag):
            raise NotImplementedError("cge.solve: a unary function of the tape has no derivative rule")
        self.tape, self.n_rows = tape, len(bodies)
        self._bodies, self._bounds = np.asarray(bodies), np.asarray(bounds)
        n_slots, n_in = tape.n_slots, tape.n_inputs
        x_slots = tape.leaf_slots[np.asarray(is_unknown, dtype=bool)]
        self.n = n = len(x_slots)
        named = np.flatnonzero(tape.named_slots)
        self.nz = nz = len(named)
        self.n_cols = n + nz
        has_grad = np.zeros(n_slots, dtype=bool)
        has_grad[x_slots] = True
        needed = np.ones(n_slots, dtype=bool) if needed is None else needed
        # blocks of slots: the inputs, then one per depth level (contiguous, in evaluation order)
        starts = [0]
        self._levels: list[list[_Entries]] = []
        last = None
        for g, lev in zip(tape.groups, tape.group_levels):
            if lev != last:
                starts.append(g[2])
                self._levels.append([])
                last = lev
            e = _Entries(g, has_grad, needed)
            has_grad[g[2]:g[3]] = e.has_grad
            self._levels[-1].append(e)
        starts.append(n_slots)
        self._starts = np.array(starts, dtype=np.int64)
        self._x_block = sp.csr_matrix((np.ones(n), (x_slots, np.arange(n))), shape=(n_in, self.n_cols))
        self._named = named
        #: the slots ``(a, b)`` of each level's operations
        self._level_slots = [(int(self._starts[i + 1]), int(self._starts[i + 2])) for i in range(len(self._levels))]
        self._plans = None  # the scipy route's index arrays (reference, slot_gradients), made at first use
        self._index_plan = IndexPlan(self, x_slots)
        #: the longest chain of named expressions reading each other (chain-rule passes of :meth:`reference`)
        self._depth = len(self._index_plan.nest_starts) - 2 if nz else 0

    def _plan(self, entries, block):
        """Static index arrays of one level: the distinct argument slots it reads, grouped by the
        block holding them, and each entry's (row, column) in the level's local matrix."""
        a, b = int(self._starts[block]), int(self._starts[block + 1])
        ops = np.concatenate([p[0] for e in entries for p in e.parts] or [np.zeros(0, np.int64)])
        args = np.concatenate([p[1] for e in entries for p in e.parts] or [np.zeros(0, np.int64)])
        used = np.unique(args)
        owner = np.searchsorted(self._starts, used, side="right") - 1
        pieces = [(int(k), used[owner == k] - self._starts[k]) for k in np.unique(owner)]
        cols = np.searchsorted(used, args)
        named_local = self.tape.named_slots[a:b]
        zcols = self.n + np.searchsorted(self._named, np.arange(a, b)[named_local])
        return (a, b, ops - a, cols, len(used), pieces, np.flatnonzero(named_local), zcols)

    def slot_gradients(self, v, structural: bool = False):
        """Sparse gradient rows (in x and z) of every slot, per block, and the named rows' own;
        ``structural``: every local partial 1, so no entry cancels (the structure)."""
        blocks = [self._x_block]
        h_rows = []
        if self._plans is None:
            self._plans = [self._plan(level, i + 1) for i, level in enumerate(self._levels)]
        for entries, (a, b, rows, cols, n_used, pieces, named_local, zcols) in zip(self._levels, self._plans):
            data = np.ones(len(rows)) if structural else \
                np.concatenate([d for e in entries for d in e.values(v)] or [np.zeros(0)])
            L = sp.csr_matrix((data, (rows, cols)), shape=(b - a, n_used))
            src = sp.vstack([blocks[k][local] for k, local in pieces], format="csr") if pieces else \
                sp.csr_matrix((0, self.n_cols))
            R = (L @ src).tocsr()
            if len(named_local):
                h_rows.append(R[named_local])
                keep = np.ones(b - a)
                keep[named_local] = 0.0
                unit = sp.csr_matrix((np.ones(len(named_local)), (named_local, zcols)), shape=R.shape)
                R = (sp.diags(keep) @ R + unit).tocsr()
            blocks.append(R)
        return blocks, h_rows

    def __call__(self, leaf_values):
        """Residuals and the Newton Jacobian (CSC) at ``leaf_values`` by the index plan: per level
        one gather, one product and one ``np.bincount`` (no sparse matrix until the chain rule)."""
        with np.errstate(all="ignore"):
            v = self.tape.slot_values(leaf_values)
            local = [np.concatenate([d for e in entries for d in e.values(v)] or [np.zeros(0)])
                     for entries in self._levels]
            J = self._index_plan.jacobian(local)
        return self._residuals(v), J

    def _residuals(self, v):
        G = v[self._bodies] - v[self._bounds]
        G[~np.isfinite(G)] = np.nan
        return G

    def reference(self, leaf_values):
        """The same as ``self(leaf_values)`` by scipy sparse products level by level (the route
        before the index plan; slower, kept to check it)."""
        with np.errstate(all="ignore"):
            v = self.tape.slot_values(leaf_values)
            blocks, h_rows = self.slot_gradients(v)
        out = np.concatenate([self._bodies, self._bounds])
        m = self.n_rows
        G = v[out[:m]] - v[out[m:]]
        G[~np.isfinite(G)] = np.nan
        owner = np.searchsorted(self._starts, out, side="right") - 1
        pieces = [blocks[k][out[owner == k] - self._starts[k]] for k in range(len(blocks))]
        order = np.argsort(np.concatenate([np.flatnonzero(owner == k) for k in range(len(blocks))]), kind="stable")
        rows_of_out = sp.vstack(pieces, format="csr")[order]
        Gxz = (rows_of_out[:m] - rows_of_out[m:]).tocsc()
        J = Gxz[:, :self.n]
        if self.nz:
            Hxz = sp.vstack(h_rows, format="csc")
            Hx, Hz, Gz = Hxz[:, :self.n], Hxz[:, self.n:], Gxz[:, self.n:]
            Y = Hx
            for _ in range(self._depth):
                Y = Hx + Hz @ Y
            J = J + Gz @ Y
        return G, J.tocsc()


def nesting_depth(structure, nz: int) -> int:
    """Nilpotency index of the named expressions' dependency matrix given as ``(rows, cols)``."""
    rr, cc = structure
    P0 = sp.csr_matrix((np.ones(len(rr)), (rr, cc)), shape=(nz, nz))
    P, depth = P0, 0
    while P.nnz:
        P = P0 @ P
        depth += 1
        if depth > nz:  # pragma: no cover - would mean a cycle
            raise RuntimeError("cycle among named expressions")
    return depth


def _ranges(starts: np.ndarray, lengths: np.ndarray):
    """``(item, position)`` for every position ``starts[i] .. starts[i] + lengths[i] - 1``."""
    item = np.repeat(np.arange(len(starts)), lengths)
    first = np.cumsum(lengths) - lengths
    pos = np.repeat(starts - first, lengths) + np.arange(len(item))
    return item, pos


class _Growing:
    """An int64 array appended to in chunks (amortised doubling)."""

    def __init__(self):
        self.buf, self.size = np.zeros(1024, dtype=np.int64), 0

    def append(self, values: np.ndarray):
        need = self.size + len(values)
        if need > len(self.buf):
            grown = np.empty(max(need, 2 * len(self.buf)), dtype=np.int64)
            grown[:self.size] = self.buf[:self.size]
            self.buf = grown
        self.buf[self.size:need] = values
        self.size = need


def _index_dtype(size: int):
    return np.int32 if size < 2**31 - 1 else np.int64


def _csr_parts(rows: np.ndarray, n_rows: int) -> np.ndarray:
    """``indptr`` of sorted row indices."""
    return np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_rows))])


class IndexPlan:
    """The sparsity of a :class:`TapeJacobian`, compiled once into flat index arrays.

    Every slot's gradient row (in x and z) has a fixed set of entries; all of them live in one
    data vector ``D`` (row ``s`` at ``D[start[s] : start[s] + length[s]]``, columns sorted). A
    level's gradients are ``R = L @ src``: for every local partial ``p`` and every entry ``q`` of
    the source row it multiplies, the pair ``(p, q)`` adds ``L[p] * D[q]`` to one entry of ``R``,
    i.e. one ``np.bincount``. A named slot's row goes to ``H`` (``Hx``, ``Hz``) and its own row is
    the unit entry of its ``z`` column. The rows ``body - bound`` are one more pair plan (signs
    +-1). Entries are structural (no cancellation), so exact zeros may be stored."""

    def __init__(self, jac: TapeJacobian, x_slots: np.ndarray):
        n_cols, self.n, n_slots = jac.n_cols, jac.n, jac.tape.n_slots
        self.start = np.zeros(n_slots, dtype=np.int64)
        self.length = np.zeros(n_slots, dtype=np.int64)
        self.cols = _Growing()
        order = np.argsort(x_slots, kind="stable")
        self.start[x_slots[order]] = np.arange(len(x_slots))
        self.length[x_slots] = 1
        self.cols.append(order)
        constant = [np.arange(len(x_slots))]
        h_rows, h_cols, self.levels = [], [], []
        for entries, (a, b) in zip(jac._levels, jac._level_slots):
            level, unit = self._compile_level(jac, entries, a, b, sum(len(r) for r in h_rows))
            self.levels.append(level)
            constant.append(unit)
            h_rows.append(level[-1])
            h_cols.append(level[-2])
        self.D0 = np.zeros(self.cols.size)
        self.D0[np.concatenate(constant)] = 1.0
        self.h_rows = np.concatenate(h_rows or [np.zeros(0, np.int64)])
        self.h_cols = np.concatenate(h_cols or [np.zeros(0, np.int64)])
        self.hz = self.h_cols >= self.n
        self.n_z, self.m = jac.nz, jac.n_rows
        self._compile_outputs(np.concatenate([jac._bodies, jac._bounds]), n_cols)
        self._compile_nesting()

    def _compile_nesting(self):
        """The named expressions by nesting level (level 0 reads no other named expression; level
        ``k`` reads some of levels below ``k``), for :meth:`chain_rule`: the entries of ``Hx`` and
        ``Hz`` as CSR arrays with rows (and ``Hz``'s columns) in that order, where each level
        starts, and the columns of ``Gz`` in that order."""
        nz, n = self.n_z, self.n
        rows, cols = self.h_rows[self.hz], self.h_cols[self.hz] - n
        level = np.zeros(nz, dtype=np.int64)
        while len(rows):
            deeper = np.zeros(nz, dtype=np.int64)
            np.maximum.at(deeper, rows, level[cols] + 1)
            if np.array_equal(np.maximum(level, deeper), level):
                break
            level = np.maximum(level, deeper)
            if level.max() > nz:  # pragma: no cover - would mean a cycle
                raise RuntimeError("cycle among named expressions")
        order = np.argsort(level, kind="stable")
        back = np.empty(nz, dtype=np.int64)
        back[order] = np.arange(nz)
        self.nest_starts = np.searchsorted(level[order], np.arange(int(level.max(initial=0)) + 2)).tolist()

        def by_nested_row(entries, columns):  # (positions in H, columns, indptr), rows in nesting order
            r = back[self.h_rows[entries]]
            sort = np.argsort(r, kind="stable")
            return entries[sort], columns[sort], _csr_parts(r[sort], nz)

        ix, iz = np.flatnonzero(~self.hz), np.flatnonzero(self.hz)
        self.nest_hx = by_nested_row(ix, self.h_cols[ix])
        self.nest_hz = by_nested_row(iz, back[self.h_cols[iz] - n])
        self.gz_nested_cols = back[self.gz_csr[0]]

    def chain_rule(self, H: np.ndarray):
        """``Y = (I − Hz)⁻¹ Hx`` (``Hz`` nilpotent; ``H``: the values of their entries), rows in
        nesting order, one level at a time: a level's rows are ``Hx + Hz·Y`` over the levels below
        it, each product made once (the fixed-point passes ``Y ← Hx + Hz·Y`` redo every row at
        every pass: twice the time at 60 × 60)."""
        import scipy.sparse as sp

        (px, cx, ptr_x), (pz, cz, ptr_z), starts = self.nest_hx, self.nest_hz, self.nest_starts
        hx, hz = H[px], H[pz]
        Y = None
        for k in range(len(starts) - 1):
            a, b = starts[k], starts[k + 1]
            xa, xb = ptr_x[a], ptr_x[b]
            Yk = sp.csr_matrix((hx[xa:xb], cx[xa:xb], ptr_x[a:b + 1] - xa), shape=(b - a, self.n))
            if Y is not None:
                za, zb = ptr_z[a], ptr_z[b]
                below = sp.csr_matrix((hz[za:zb], cz[za:zb], ptr_z[a:b + 1] - za), shape=(b - a, a))
                Yk = sp.vstack([Y, Yk + below @ Y], format="csr")
            Y = Yk
        return Y

    def _compile_level(self, jac, entries, a: int, b: int, h_offset: int):
        """Index arrays of one level (slots ``a .. b``) and the positions of its unit entries."""
        n_cols = jac.n_cols
        parts = [p for e in entries for p in e.parts]
        ops = np.concatenate([p[0] for p in parts] or [np.zeros(0, np.int64)]) - a
        args = np.concatenate([p[1] for p in parts] or [np.zeros(0, np.int64)])
        p_rep, q = _ranges(self.start[args], self.length[args])
        keys, e = np.unique(ops[p_rep] * n_cols + self.cols.buf[q], return_inverse=True)
        r_rows = keys // n_cols
        named_local = np.flatnonzero(jac.tape.named_slots[a:b])
        is_named = jac.tape.named_slots[a:b][r_rows]
        zcols = jac.n + np.searchsorted(jac._named, a + named_local)
        unit_keys = named_local * n_cols + zcols
        block = np.sort(np.concatenate([keys[~is_named], unit_keys]))
        base = self.cols.size
        counts = np.bincount(block // n_cols, minlength=b - a)
        self.length[a:b] = counts
        self.start[a:b] = base + np.cumsum(counts) - counts
        self.cols.append(block % n_cols)
        keep = np.flatnonzero(~is_named)
        dest = base + np.searchsorted(block, keys[keep])
        named = np.flatnonzero(is_named)
        h_pos = slice(h_offset, h_offset + len(named))
        h_rows = np.searchsorted(jac._named, a + r_rows[named])
        small = _index_dtype(self.cols.size)  # int32 halves the plan's memory (and its gathers)
        level = (p_rep.astype(small), q.astype(small), e.ravel().astype(small), len(keys), keep.astype(small),
                 dest.astype(small), named, h_pos, keys[named] % n_cols, h_rows)
        return level, base + np.searchsorted(block, unit_keys)

    def _compile_outputs(self, out: np.ndarray, n_cols: int):
        """The rows ``body - bound``: pairs (output, position) with sign +1 / -1, split by x / z column."""
        m, n = self.m, self.n
        item, q = _ranges(self.start[out], self.length[out])
        keys, e = np.unique((item % m) * n_cols + self.cols.buf[q], return_inverse=True)
        self.g_q, self.g_e, self.g_n = q, e.ravel(), len(keys)
        self.g_sign = np.where(item < m, 1.0, -1.0)
        rows, cols = keys // n_cols, keys % n_cols
        self.gx = np.flatnonzero(cols < n)
        self.gz = np.flatnonzero(cols >= n)
        self.gx_csr = (cols[self.gx], _csr_parts(rows[self.gx], m))
        self.gz_csr = (cols[self.gz] - n, _csr_parts(rows[self.gz], m))

    def jacobian(self, local: list[np.ndarray]):
        """The Newton Jacobian (CSC) from each level's local partials."""
        D = self.D0.copy()
        H = np.empty(len(self.h_rows))
        for (p_rep, q, e, n_r, keep, dest, named, h_pos, _c, _r), L in zip(self.levels, local):
            R = np.bincount(e, weights=L[p_rep] * D[q], minlength=n_r)
            D[dest] = R[keep]
            H[h_pos] = R[named]
        m, n, nz = self.m, self.n, self.n_z
        Gd = np.bincount(self.g_e, weights=self.g_sign * D[self.g_q], minlength=self.g_n)
        J = sp.csr_matrix((Gd[self.gx], *self.gx_csr), shape=(m, n))
        if nz:  # Gz with its columns in nesting order, as chain_rule's rows
            Gz = sp.csr_matrix((Gd[self.gz], self.gz_nested_cols, self.gz_csr[1]), shape=(m, nz))
            J = J + Gz @ self.chain_rule(H)
        return J.tocsc()
