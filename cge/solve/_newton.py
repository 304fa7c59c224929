"""Damped Newton for square systems F(x) = 0 with a sparse LU (SuperLU).

Each iteration solves J dx = -F with ``scipy.sparse.linalg.splu`` and then
backtracks (halving) on the merit 0.5*||F||^2 with an Armijo test. Trial points
at which F is not finite (log/pow of a negative number, overflow) are rejected
the same way, so the iterate never leaves the domain of the functions.
Bounds are NOT enforced here; the caller checks them on the result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse.linalg as spla


@dataclass
class NewtonResult:
    x: np.ndarray
    status: str  # converged | max_iter | singular_jacobian | line_search_failed | nonfinite_start
    iterations: int
    max_residual: float
    message: str = ""


def sparse_lu_solve(J, rhs):
    return spla.splu(J, permc_spec="COLAMD").solve(rhs)


def damped_newton(
    fun,
    fun_jac,
    x0: np.ndarray,
    tol: float,
    max_iter: int,
    armijo: float = 1e-4,
    min_step: float = 1e-10,
    stall_tol: float | None = None,
    linsolve=None,
) -> NewtonResult:
    """``fun(x) -> F``; ``fun_jac(x) -> (F, J as scipy CSC)``.

    Converged when max|F| <= tol. If the line search cannot make progress while
    max|F| <= ``stall_tol`` (round-off floor), the point is returned as
    ``converged`` too (the caller re-checks residuals independently).
    ``linsolve(J, rhs)`` solves the Newton system (default: SuperLU).
    """
    linsolve = linsolve or sparse_lu_solve
    x = np.array(x0, dtype=float)
    f = fun(x)
    if not np.all(np.isfinite(f)):
        return NewtonResult(x, "nonfinite_start", 0, float("nan"),
                            "residuals are not finite at the start point")
    fmax = float(np.max(np.abs(f))) if f.size else 0.0
    it = 0
    while fmax > tol:
        if it >= max_iter:
            return NewtonResult(x, "max_iter", it, fmax,
                                f"no convergence in {max_iter} Newton iterations")
        it += 1
        f, J = fun_jac(x)
        try:
            dx = linsolve(J, -f)
        except (RuntimeError, np.linalg.LinAlgError, ValueError) as exc:  # "Factor is exactly singular"
            return NewtonResult(x, "singular_jacobian", it, fmax, f"Jacobian LU failed: {exc}")
        if not np.all(np.isfinite(dx)):
            return NewtonResult(x, "singular_jacobian", it, fmax,
                                "Newton step is not finite (ill-conditioned Jacobian)")
        phi = 0.5 * float(f @ f)
        alpha = 1.0
        while True:
            xt = x + alpha * dx
            ft = fun(xt)
            if np.all(np.isfinite(ft)):
                phit = 0.5 * float(ft @ ft)
                if phit <= (1.0 - 2.0 * armijo * alpha) * phi:
                    break
            alpha *= 0.5
            if alpha < min_step:
                if stall_tol is not None and fmax <= stall_tol:
                    return NewtonResult(x, "converged", it, fmax,
                                        "stopped at the round-off floor")
                return NewtonResult(x, "line_search_failed", it, fmax,
                                    f"line search failed (max|F|={fmax:.3e})")
        x, f = xt, ft
        fmax = float(np.max(np.abs(f)))
    return NewtonResult(x, "converged", it, fmax, "")
