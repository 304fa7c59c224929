"""Newton steps for large CGE systems: GMRES preconditioned by a block-diagonal sparse LU.

Why not a direct sparse LU: the Jacobian of a multi-region model is sparse (about R + J nonzeros
per row) but its graph is a product of two cliques — within a region every sector buys from
every other, across regions every good is traded between all pairs — and such a graph has no
small separators. Every fill-reducing ordering therefore leaves an LU that is nearly dense
(measured at 20 regions x 30 sectors: Jacobian 97k nonzeros, SuperLU/COLAMD 6.6M; with CES
unit costs lifted to explicit unknowns 176k nonzeros but 41.5M in the LU), and dense LU grows as
n³.

What works: couplings *between* regions run only through trade and are weaker than those within
a region. The preconditioner ``M`` keeps every Jacobian entry whose row and column belong to the
same *part* (a region), plus all entries of rows and columns of global unknowns and equations
(world price index, a coalition-wide carbon cap); its sparse LU costs about R·(3J)² nonzeros.
GMRES on ``J dx = −F`` with ``M⁻¹`` then needs about 20–25 iterations at every size measured
(10×20 to 60×60) to a relative residual of 1e-12, so each Newton step costs a few sparse
matrix-vector products and one small LU. Newton's iterates are those of the exact step (up to
the 1e-12 linear tolerance), so the solution is the same; if GMRES or the preconditioner fails,
the step falls back to the direct LU.

Parts come from the model: :func:`declare_partition` puts ``part_of(index) -> key`` in a Pyomo
model's :class:`~cge.expr.interface.SolverHints` (``None`` = global); without it the direct LU is used.
"""

from __future__ import annotations

import contextlib
import functools
import threading

import numpy as np

from cge.expr.interface import hints_of

#: relative residual at which GMRES stops (the Newton tolerance is about 1e-10 on F)
GMRES_RTOL = 1e-12
GMRES_RESTART = 150
GMRES_CYCLES = 4


@contextlib.contextmanager
def single_threaded_blas():
    """GMRES's vector operations (dot products and norms of length n, a few hundred per step)
    on one BLAS thread: threads gain nothing at these sizes, and on a busy machine (a sweep's
    workers, other processes on 2 cores) OpenBLAS's threads wait for each other: measured with
    the cores loaded, one dot plus norm of 15,000 numbers took 7.3 ms on 2 threads, 18 µs on 1.

    The limit is the process's (BLAS has no per-thread setting that threadpoolctl can rely on), so
    it is taken only when this is the process's one thread (the CLI, a sweep worker): with other
    threads running, changing it would change their BLAS too, and overlapping solves could leave
    BLAS on one thread for good. There the solve runs with BLAS as it is."""
    if threading.active_count() > 1:
        yield
        return
    limiter = _threadpools().limit(limits=1, user_api="blas")
    try:
        yield
    finally:
        limiter.restore_original_limits()


@functools.cache
def _threadpools():
    """The process's thread pools (finding the loaded libraries costs about 1 ms: once)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def declare_partition(model, part_of) -> None:
    """Tell the casadi route how to split ``model`` into weakly coupled parts (e.g. regions):
    ``part_of(index)`` gets the index of a variable or constraint row and returns a hashable
    part key, or ``None`` for a global unknown / equation."""
    hints_of(model, create=True).partition = part_of


def partition_of(model):
    hints = hints_of(model)
    return None if hints is None else hints.partition


def part_codes(items, part_of) -> np.ndarray:
    """Integer part code of each VarData / ConstraintData (−1 = global)."""
    codes: dict = {}
    out = np.empty(len(items), dtype=np.int64)
    for k, item in enumerate(items):
        key = part_of(item.index())
        out[k] = -1 if key is None else codes.setdefault(key, len(codes))
    return out


class BlockGMRES:
    """Solve ``J dx = rhs`` by GMRES with a block-diagonal (by part) sparse-LU preconditioner."""

    def __init__(self, row_parts: np.ndarray, col_parts: np.ndarray, fallback):
        self.row_parts, self.col_parts = row_parts, col_parts
        self.fallback = fallback
        self.stats: dict = {}

    def preconditioner_matrix(self, J):
        import scipy.sparse as sp

        coo = J.tocoo()
        rp, cp = self.row_parts[coo.row], self.col_parts[coo.col]
        keep = (rp == cp) | (rp < 0) | (cp < 0)
        return sp.csc_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=J.shape)

    def __call__(self, J, rhs):
        import scipy.sparse.linalg as spla

        n = J.shape[0]
        M = self.preconditioner_matrix(J)
        try:
            lu = spla.splu(M, permc_spec="COLAMD")
        except RuntimeError:  # preconditioner singular: exact step instead
            return self._fallback(J, rhs, "preconditioner LU singular")
        iterations = [0]

        def count(_r):
            iterations[0] += 1

        op = spla.LinearOperator(J.shape, lu.solve, dtype=float)
        with single_threaded_blas():
            dx, info = spla.gmres(J, rhs, M=op, rtol=GMRES_RTOL, atol=0.0, restart=min(n, GMRES_RESTART),
                                  maxiter=GMRES_CYCLES, callback=count, callback_type="pr_norm")
        scale = float(np.linalg.norm(rhs))
        resid = float(np.linalg.norm(J @ dx - rhs))
        self.stats = {"matrix_n": n, "jacobian_nnz": int(J.nnz), "preconditioner_nnz": int(M.nnz),
                      "lu_nnz": int(lu.L.nnz + lu.U.nnz), "gmres_iterations": iterations[0],
                      "linear_solver": "block_gmres"}
        if info != 0 or not np.all(np.isfinite(dx)) or resid > 1e3 * GMRES_RTOL * max(scale, 1e-300):
            return self._fallback(J, rhs, f"GMRES info={info}, relative residual {resid / max(scale, 1e-300):.1e}")
        return dx

    def _fallback(self, J, rhs, why: str):
        dx = self.fallback(J, rhs)
        self.stats = {**self.stats, "linear_solver": f"lu (block GMRES: {why})"}
        return dx
