"""Mixed complementarity solve of an :class:`~cge.core.model.EquilibriumModel` (MPSGE semantics).

Each unfixed variable ``x_j`` with bounds ``[l_j, u_j]`` and its paired condition ``F_i`` (zero
profit, market, income or an auxiliary equation declared with ``pair=``; see
:mod:`cge.core.model`) form one complementarity pair::

    l < x < u  and  F = 0,      or   x = l  and  F ≥ 0,      or   x = u  and  F ≤ 0.

Activities and prices have ``l = 0``: a sector whose unit cost exceeds its unit revenue sits at
activity 0 (profit condition ``cost − revenue > 0``), a commodity in excess supply has price 0
(market ``supply − demand > 0``). Incomes are free, so income balance stays an equation, and an
unpaired user equation is an equation too.

The pairs are reformulated with the Fischer–Burmeister function ``φ(a, b) = √(a² + b²) − a − b``
(``φ = 0 ⇔ a ≥ 0, b ≥ 0, a·b = 0``)::

    lower bound only   Φ = φ(x − l, F)
    upper bound only   Φ = φ(u − x, −F)
    both bounds        Φ = φ(x − l, φ(u − x, −F))
    free               Φ = F

and ``Φ(x) = 0`` is solved by a semismooth Newton method (an element of the generalised
Jacobian, sparse LU on the CasADi Jacobian of ``F``), globalised by

* a *crash* of the incomes: each free income starts at its sources evaluated at the start point
  (one Newton step on the income rows alone), so a start whose incomes do not match its prices
  (e.g. the incomes of another endowment) is not followed off towards a pseudo-solution at
  infinity, where every price but the numeraire grows without bound;
* a non-monotone line search (Grippo–Lampariello–Lucidi) on ``½‖Φ‖²``: a step is accepted when
  it decreases the merit below the largest of its last :data:`NONMONOTONE_MEMORY` values, which
  lets Newton cross the shallow valleys of the merit where a monotone search stalls; trial points
  are projected onto the variable bounds (so prices stay where demands are defined);
* a Levenberg–Marquardt step ``(JᵀJ + λI) d = −JᵀΦ`` (``λ = min(‖Φ‖, 1)``) when the Newton
  direction does not exist or is not a descent direction (a singular generalised Jacobian, as at
  a free good with a Leontief technology).

If the line search still stalls, the solve restarts from the start point with a smoothing
continuation: ``φ_μ(a, b) = √(a² + b² + 2μ²) − a − b`` for μ = 0.1 … 1e-8, then 0; and when
that fails too, both are tried once more from the benchmark point (where the model was
calibrated; the answer is checked all the same).
The answer is re-checked on the Pyomo model: the complementarity error of each pair,
``|min(x − l, F)|`` and the like, must be below ``check_tol``, and so must the dropped market
Walras' law makes redundant; otherwise :class:`~cge.solve.system.SolveError` is raised and the
variables are restored. No PATH library (the MPSGE standard) can be installed from PyPI here;
:func:`path_available` says whether Pyomo can see one.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._structure import active_rows, check_start_values
from .system import CasadiSystem, SolveError

AT_BOUND_TOL = 1e-9
#: how many past merit values the non-monotone line search compares a trial point with
NONMONOTONE_MEMORY = 8
_R2 = 1.0 / math.sqrt(2.0)


@dataclass
class MCPResult:
    """Outcome of :meth:`MCPSystem.solve`. ``at_bounds`` lists the variables resting at a bound
    (with the slack of their condition); ``residuals`` the complementarity error per block."""

    status: str
    iterations: int
    max_residual: float
    walras_residual: float
    at_bounds: pd.DataFrame
    residuals: pd.DataFrame
    timings: dict = field(default_factory=dict)
    message: str = ""
    success: bool = True
    n_unknowns: int = 0

    def summary(self) -> str:
        return (f"route=casadi algorithm=fischer-burmeister status={self.status} iterations={self.iterations} "
                f"max_complementarity_error={self.max_residual:.3e} at_bounds={len(self.at_bounds)} "
                f"n={self.n_unknowns}")


def path_available() -> tuple[bool, str]:
    """Whether Pyomo finds a PATH solver executable (and so a licensed MCP route)."""
    try:
        from pyomo.environ import SolverFactory

        opt = SolverFactory("path")
        if opt is not None and opt.available(exception_flag=False):
            return True, "PATH found by Pyomo's SolverFactory('path')"
    except Exception as exc:  # pragma: no cover - depends on the machine
        return False, f"PATH unavailable: {exc}"
    return False, "no PATH executable on this machine (not installable from PyPI)"


def _fb(a, b, mu=0.0):
    """Fischer–Burmeister value and partial derivatives (an element of the B-subdifferential);
    ``mu > 0`` gives the smoothed ``√(a² + b² + 2μ²) − a − b``."""
    r = np.sqrt(a * a + b * b + 2.0 * mu * mu) if mu else np.hypot(a, b)
    safe = r > 0
    rs = np.where(safe, r, 1.0)
    da = np.where(safe, a / rs, _R2) - 1.0
    db = np.where(safe, b / rs, _R2) - 1.0
    return r - a - b, da, db


class MCPSystem:
    """An equilibrium model compiled once for complementarity solves (re-solve after
    parameter changes, :meth:`~cge.core.model.EquilibriumModel.fix` / ``unfix``)."""

    def __init__(self, em):
        em.build()
        self.em = em
        self.system = CasadiSystem(em.pyomo, method="newton")

    # ------------------------------------------------------------------ pairing
    def _pairing(self):
        sys_ = self.system
        em = self.em
        col = {id(v): j for j, v in enumerate(sys_.unknowns)}
        var_of_con = {id(con): key for key, con in em.pairs.items()}
        n = len(sys_.rows.cons)
        self._income_rows = np.array([i for i, c in enumerate(sys_.rows.cons)
                                      if em.kind.get(var_of_con.get(id(c), ("",))[0]) == "consumer"], dtype=int)
        j_of = np.full(n, -1, dtype=int)
        lo = np.full(n, -np.inf)
        hi = np.full(n, np.inf)
        for i, c in enumerate(sys_.rows.cons):
            key = var_of_con.get(id(c))
            if key is None:
                continue
            j = col.get(id(em.var_of(key)))
            if j is None:
                continue
            v = sys_.unknowns[j]
            j_of[i] = j
            lo[i] = -np.inf if v.lb is None else float(v.lb)
            hi[i] = np.inf if v.ub is None else float(v.ub)
        return j_of, lo, hi

    def _phi(self, x, F, j_of, lo, hi, with_jacobian=False, mu=0.0):
        n = len(F)
        phi = F.copy()
        dF = np.ones(n)
        dX = np.zeros(n)
        xs = np.where(j_of >= 0, x[np.maximum(j_of, 0)], 0.0)
        low, up = np.isfinite(lo), np.isfinite(hi)
        only_lo, only_up, box = low & ~up, up & ~low, low & up
        if only_lo.any():
            v, da, db = _fb(xs[only_lo] - lo[only_lo], F[only_lo], mu)
            phi[only_lo], dX[only_lo], dF[only_lo] = v, da, db
        if only_up.any():
            v, da, db = _fb(hi[only_up] - xs[only_up], -F[only_up], mu)
            phi[only_up], dX[only_up], dF[only_up] = v, -da, -db
        if box.any():
            inner, ia, ib = _fb(hi[box] - xs[box], -F[box], mu)
            v, da, db = _fb(xs[box] - lo[box], inner, mu)
            phi[box], dX[box], dF[box] = v, da - db * ia, -db * ib
        if not with_jacobian:
            return phi
        return phi, dF, dX

    # -------------------------------------------------------------------- solve
    def solve(self, tol: float = 1e-10, max_iter: int = 300, check_tol: float = 1e-8,
              at_bound_tol: float = AT_BOUND_TOL, smoothing: bool = False) -> MCPResult:
        """Solve from the current Pyomo values; write the solution into the variables.
        ``smoothing=True`` goes straight to the smoothing continuation (otherwise its fallback)."""
        t_start = time.perf_counter()
        sys_ = self.system
        rows = active_rows(self.em.pyomo)          # runs the model's pre-solve hook
        if sys_.structure_changed(rows):
            sys_.compile(rows)
        unknowns = sys_.unknowns
        check_start_values(unknowns)
        p = sys_.param_values()
        j_of, lo, hi = self._pairing()
        n = len(unknowns)
        x0 = np.array([v.value for v in unknowns], dtype=float)
        saved = x0.copy()
        vlb, vub = sys_.bounds()
        x = np.clip(x0, vlb, vub)

        def F_of(x_):
            return sys_.residuals(x_, p)

        def merit(x_, mu):
            F = F_of(x_)
            if not np.all(np.isfinite(F)):
                return None, None
            ph = self._phi(x_, F, j_of, lo, hi, mu=mu)
            return ph, 0.5 * float(ph @ ph)

        ph, th = merit(x, 0.0)
        if ph is None:
            raise SolveError("cge.solve.mcp: conditions are not finite at the start point")
        starts = [("the start point", x)]
        bench = self._benchmark_point(unknowns, vlb, vub)
        if bench is not None and not np.array_equal(bench, x):
            starts.append(("the benchmark point", bench))
        it, notes = 0, []
        for where, start in starts:
            x, status, k, msg = self._attempt(self._crash(start, p, j_of), merit, p, j_of, lo, hi, vlb, vub,
                                              tol, max_iter, check_tol, smoothing)
            it += k
            notes.append(f"from {where}: {msg}")
            if status == "converged":
                break
        msg = "; ".join(notes) if len(notes) > 1 else msg
        if status == "converged":   # round-off below a bound (e.g. an idle activity at -1e-19)
            x = np.where((x < vlb) & (vlb - x <= 1e-12 * (1 + np.abs(vlb))), vlb, x)
            x = np.where((x > vub) & (x - vub <= 1e-12 * (1 + np.abs(vub))), vub, x)
        for v, val in zip(unknowns, x):
            v.set_value(float(val), skip_validation=True)
        result = self._check(x, F_of(x), j_of, lo, hi, rows, status, it, msg, at_bound_tol, n)
        result.timings = {"solve_s": time.perf_counter() - t_start}
        over_fixed = self.em.over_fixing(check_tol) if status == "converged" \
            and result.max_residual <= check_tol else None
        passed = status == "converged" and result.max_residual <= check_tol and not over_fixed
        result.success = passed
        if passed:
            return result
        if over_fixed:
            status = result.status = "over_fixed"
            msg = f"{over_fixed[0].upper()}{over_fixed[1:]}. {msg}".strip()
        for v, val in zip(unknowns, saved):
            v.set_value(float(val), skip_validation=True)
        worst = result.residuals.head(8)
        lines = "\n".join(f"  {r.block}[{r.worst_index}]: {r.max_complementarity_error:.3e}"
                          for r in worst.itertuples(index=False))
        text = (f"cge.solve.mcp: complementarity solve failed: status {status!r} after {it} iterations; "
                f"max complementarity error {result.max_residual:.3e}, Walras residual "
                f"{result.walras_residual:.3e} (check_tol {check_tol:.1e}). {msg}\n"
                f"Largest errors by condition block:\n{lines}\nPyomo variables were restored.")
        result.message = text
        raise SolveError(text, result)

    def _attempt(self, x0, merit, p, j_of, lo, hi, vlb, vub, tol, max_iter, check_tol, smoothing):
        """Semismooth Newton from ``x0``, then (or only, ``smoothing``) the smoothing continuation
        from ``x0``: solve φ_μ = 0 (smooth, interior) for a falling μ, each warm-starting the next,
        then the exact μ = 0 system. Returns ``(x, status, iterations, message)``."""
        if smoothing:
            status, it, msg = "skipped", 0, "not tried"
        else:
            x, status, it, msg = self._newton(x0, merit, p, j_of, lo, hi, vlb, vub, 0.0, tol, max_iter, check_tol)
            if status == "converged":
                return x, status, it, msg
        note, x = msg, x0.copy()
        for mu in (1e-1, 1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 0.0):
            x, status, k, msg = self._newton(x, merit, p, j_of, lo, hi, vlb, vub, mu,
                                             tol if mu == 0 else max(mu, tol), max_iter, check_tol)
            it += k
            if status != "converged":
                break
        return x, status, it, f"semismooth Newton: {note}; smoothing continuation: {msg or status}"

    def _crash(self, x, p, j_of):
        """``x`` with each free income set to its sources at ``x`` (one Newton step on the income
        rows alone, the other unknowns held)."""
        rows = self._income_rows
        rows = rows[j_of[rows] >= 0] if len(rows) else rows
        if not len(rows):
            return x
        F, JF = self.system.jacobian(x, p)
        cols = j_of[rows]
        slope = np.asarray(JF.tocsr()[rows, cols]).ravel()
        ok = np.isfinite(F[rows]) & (slope != 0)
        x = x.copy()
        x[cols[ok]] -= F[rows][ok] / slope[ok]
        return x

    def _benchmark_point(self, unknowns, vlb, vub):
        """The unknowns at the model's benchmark point (after its calibration), or None."""
        bench = self.em.benchmark_values
        x = np.array([bench.get(id(v), np.nan) for v in unknowns], dtype=float)
        return np.clip(x, vlb, vub) if len(x) and np.all(np.isfinite(x)) else None

    def _newton(self, x, merit, p, j_of, lo, hi, vlb, vub, mu, tol, max_iter, check_tol):
        """Semismooth Newton on Φ_μ with a non-monotone Armijo line search on ½‖Φ_μ‖² (trial
        points projected onto the variable bounds; a Levenberg–Marquardt step when the Newton
        direction is not a descent one)."""
        sys_ = self.system
        rows_i = np.nonzero(j_of >= 0)[0]
        ph, th = merit(x, mu)
        if ph is None:
            return x, "nonfinite", 0, "conditions not finite"
        it = 0
        recent = [th]
        while True:
            if float(np.max(np.abs(ph), initial=0.0)) <= tol:
                return x, "converged", it, ""
            if it >= max_iter:
                return x, "max_iter", it, f"no convergence in {max_iter} iterations"
            it += 1
            F, JF = sys_.jacobian(x, p)
            ph, dF, dX = self._phi(x, F, j_of, lo, hi, with_jacobian=True, mu=mu)
            J = sp.diags(dF) @ JF
            if len(rows_i):
                J = J + sp.csc_matrix((dX[rows_i], (rows_i, j_of[rows_i])), shape=JF.shape)
            J = J.tocsc()
            grad = J.T @ ph
            try:
                d = sys_.linsolve(J, -ph)
                ok = bool(np.all(np.isfinite(d))) and float(grad @ d) < -1e-12 * float(d @ d)
            except (RuntimeError, ValueError, np.linalg.LinAlgError):
                ok = False
            if not ok:
                d = self._levenberg_marquardt(J, ph, grad)
            slope = float(grad @ d)
            reference = max(recent)
            alpha, accepted = 1.0, False
            while alpha > 1e-12:
                xt = np.clip(x + alpha * d, vlb, vub)
                pht, tht = merit(xt, mu)
                if pht is not None and tht <= reference + 1e-4 * alpha * min(slope, 0.0):
                    if tht < reference or alpha == 1.0:
                        accepted = True
                        break
                alpha *= 0.5
            if not accepted:
                if float(np.max(np.abs(ph))) <= check_tol * 1e-2:
                    return x, "converged", it, "stopped at the round-off floor"
                return x, "line_search_failed", it, f"line search failed (max|Φ|={np.max(np.abs(ph)):.3e})"
            x, ph, th = xt, pht, tht
            recent = (recent + [th])[-NONMONOTONE_MEMORY:]

    def _levenberg_marquardt(self, J, ph, grad):
        """The step ``d`` of ``(JᵀJ + λI) d = −JᵀΦ`` with ``λ = min(‖Φ‖, 1)``: a descent direction
        of ½‖Φ‖² whenever the gradient ``JᵀΦ`` is not zero, also where ``J`` is singular; the
        gradient step if the factorisation fails."""
        import scipy.sparse.linalg as spla

        lam = min(float(np.linalg.norm(ph)), 1.0)
        A = (J.T @ J + lam * sp.identity(J.shape[1], format="csc")).tocsc()
        try:
            d = spla.splu(A, permc_spec="COLAMD").solve(-grad)
        except (RuntimeError, ValueError):
            return -grad
        return d if np.all(np.isfinite(d)) else -grad

    def _check(self, x, F, j_of, lo, hi, rows, status, it, msg, at_bound_tol, n):
        xs = np.where(j_of >= 0, x[np.maximum(j_of, 0)], 0.0)
        err = np.abs(F).astype(float)
        low, up = np.isfinite(lo), np.isfinite(hi)
        err[low & ~up] = np.abs(np.minimum(xs - lo, F))[low & ~up]
        err[up & ~low] = np.abs(np.minimum(hi - xs, -F))[up & ~low]
        both = low & up
        err[both] = np.abs(np.median(np.vstack([xs - lo, xs - hi, F]), axis=0))[both] if both.any() else 0.0
        err[~np.isfinite(err)] = np.inf
        worst: dict[str, tuple[float, object, int]] = {}
        bounds = []
        unknowns = self.system.unknowns
        for i, (c, b) in enumerate(zip(rows.cons, rows.blocks)):
            cur = worst.get(b)
            if cur is None or err[i] > cur[0]:
                worst[b] = (float(err[i]), c.index(), (cur[2] if cur else 0) + 1)
            else:
                worst[b] = (cur[0], cur[1], cur[2] + 1)
            j = j_of[i]
            if j >= 0:
                at_lo = low[i] and xs[i] - lo[i] <= at_bound_tol * (1 + abs(lo[i]))
                at_hi = up[i] and hi[i] - xs[i] <= at_bound_tol * (1 + abs(hi[i]))
                if at_lo or at_hi:
                    bounds.append({"variable": unknowns[j].name, "value": float(xs[i]),
                                   "bound": "lower" if at_lo else "upper",
                                   "condition": c.name, "condition_residual": float(F[i])})
        table = pd.DataFrame([(b, e, k, cnt) for b, (e, k, cnt) in worst.items()],
                             columns=["block", "max_complementarity_error", "worst_index", "n_rows"])
        table = table.sort_values("max_complementarity_error", ascending=False,
                                  kind="stable").reset_index(drop=True)
        at_bounds = pd.DataFrame(bounds, columns=["variable", "value", "bound", "condition",
                                                  "condition_residual"])
        max_err = float(err.max()) if len(err) else 0.0
        return MCPResult(status=status, iterations=it, max_residual=max_err,
                         walras_residual=float(self.em.walras_residual()), at_bounds=at_bounds,
                         residuals=table, message=msg, n_unknowns=n)


def solve_mcp(em, **kw) -> MCPResult:
    """Compile ``em`` (cached on it) and solve it as a mixed complementarity problem; keyword
    arguments go to :meth:`MCPSystem.solve` (``tol``, ``max_iter``, ``check_tol``)."""
    system = em.solver_cache.get("mcp")
    if system is None:
        system = em.solver_cache["mcp"] = MCPSystem(em)
    return system.solve(**kw)
