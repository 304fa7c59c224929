"""Compile a square Pyomo system once, then solve it (repeatedly) on a route.

Routes
------
``casadi``  the rows walked once into a numpy tape (residuals and exact sparse
            Jacobian by forward mode, :mod:`cge.solve._functions`), then by default a
            damped Newton method (steps by block-preconditioned GMRES or SuperLU,
            backtracking on ||F||^2, rejecting non-finite trial points); if Newton
            fails or ends outside the variable bounds, CasADi's bundled Ipopt (MUMPS,
            exact Hessian, bounds enforced, tol ~1e-10) is run from the original start
            point. ``method="newton"`` / ``method="ipopt"`` force one algorithm.
``ipopt``   Pyomo's ``SolverFactory('ipopt')`` (needs a real executable).
``pounce``  pyomo-pounce's ``SolverFactory('pounce')`` (independent cross-check).
``auto``    ``ipopt`` when a real executable exists, otherwise ``casadi``.

Whatever the route, the answer is written into the Pyomo variables and the
residuals are re-evaluated ON THE PYOMO MODEL; if they exceed ``check_tol`` (or
the solver fails) a :class:`SolveError` is raised and the variables are restored
to their pre-solve values. For an equilibrium model the dropped market and income
conditions must hold too: an over-fixed model (two numeraires) is a
:class:`SolveError` naming the fixed variables
(:meth:`cge.core.model.EquilibriumModel.over_fixing`).
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cge.expr.interface import hints_of
from cge.runtime.gc_pause import gc_paused

from ..errors import CGEError
from ._functions import BUILDERS, make_functions
from ._linear import BlockGMRES, part_codes, partition_of, single_threaded_blas
from ._routes import resolve_route
from ._structure import (
    RESIDUAL_COLUMNS,
    RowChecker,
    active_rows,
    check_square,
    check_start_values,
    collect_unknowns,
    format_residuals,
    overall_max,
    residual_table,
)

#: how the residual and Jacobian functions are built by default (see :data:`BUILDERS`)
DEFAULT_BUILDER = "tape"


@dataclass
class SolveResult:
    route: str
    status: str
    iterations: int
    max_residual: float
    residuals_by_block: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=RESIDUAL_COLUMNS)
    )
    timings: dict = field(default_factory=dict)
    message: str = ""
    algorithm: str = ""  # e.g. "newton", "ipopt", "newton->ipopt", "none"
    success: bool = True
    n_unknowns: int = 0

    def summary(self) -> str:
        t = ", ".join(f"{k}={v:.3f}s" for k, v in self.timings.items())
        return (
            f"route={self.route} algorithm={self.algorithm} status={self.status} "
            f"iterations={self.iterations} max_residual={self.max_residual:.3e} "
            f"n={self.n_unknowns} [{t}]"
        )


class SolveError(CGEError, RuntimeError):
    """The solve failed or its Pyomo residual check did not pass.

    ``.result`` holds the :class:`SolveResult` with the diagnostics (residuals
    at the failed point); the Pyomo variables have been restored.
    """

    def __init__(self, message: str, result: SolveResult | None = None):
        super().__init__(message)
        self.result = result


def _base_tape(model):
    hints = hints_of(model)
    return None if hints is None else hints.take_base_tape()


def _timings(**kw) -> dict:
    base = {"walk_s": 0.0, "setup_s": 0.0, "solve_s": 0.0, "check_s": 0.0}
    base.update(kw)
    return base


def _write(vars_, x) -> None:
    for v, val in zip(vars_, x):
        v.set_value(float(val), skip_validation=True)


def _read(vars_) -> np.ndarray:
    return np.array([v.value for v in vars_], dtype=float)


def _finish(route, algorithm, status, ok, iterations, rows, unknowns, saved, timings,
            check_tol, solver_msg, n_unknowns, checker=None, model=None):
    """Pyomo residual check (by ``checker``, a :class:`RowChecker` of ``rows``, when given) and,
    for an equilibrium model, the check that it is not over-fixed (the dropped market or income
    conditions must hold too, :meth:`cge.core.model.EquilibriumModel.over_fixing`); raise
    SolveError (restoring vars) on failure."""
    t0 = time.perf_counter()
    table = checker.table() if checker is not None else residual_table(rows.cons, rows.blocks)
    worst = overall_max(table)
    passed = ok and not math.isnan(worst) and worst <= check_tol
    if ok and not passed:
        status = "residual_check_failed"
    hints = hints_of(model) if passed and model is not None else None
    over_fixed = hints.after_solve if hints is not None else None
    over_fixed = over_fixed(check_tol) if over_fixed is not None else None
    timings["check_s"] += time.perf_counter() - t0
    if over_fixed:
        passed, status = False, "over_fixed"
    res = SolveResult(
        route=route, status=status, iterations=int(iterations), max_residual=worst,
        residuals_by_block=table, timings=timings, message=solver_msg,
        algorithm=algorithm, success=passed, n_unknowns=n_unknowns,
    )
    if passed:
        return res
    _write(unknowns, saved)
    msg = (
        f"cge.solve: route {route!r} ({algorithm}) failed: solver status {status!r}; "
        f"max Pyomo residual {worst:.3e} (check_tol {check_tol:.1e}).\n"
        + (f"{over_fixed[0].upper()}{over_fixed[1:]}.\n" if over_fixed else "")
        + (f"Solver said: {solver_msg}\n" if solver_msg else "")
        + "Largest residuals by equation block (block[worst index]: |residual|):\n"
        + format_residuals(table)
        + "\nPyomo variables were restored to their pre-solve values."
    )
    res.message = msg
    raise SolveError(msg, res)


# --------------------------------------------------------------------------- casadi
#: How the casadi route computes a Newton step (same iterates, same solution):
#: ``block_gmres`` GMRES preconditioned by the sparse LU of the Jacobian's within-part blocks
#:                 (:mod:`cge.solve._linear`; needs :func:`declare_partition`);
#: ``lu``          direct sparse LU, dense LU once SuperLU's fill passes 15%;
#: ``auto``        ``block_gmres`` when the model declares a partition and has more than
#:                 :data:`DIRECT_LU_MAX_UNKNOWNS` unknowns, else ``lu``.
LINEAR_SOLVERS = ("auto", "block_gmres", "lu")

#: Up to this many unknowns ``auto`` solves Newton steps by the direct LU, not block GMRES: a small
#: system's LU is cheaper than GMRES's ~23 preconditioned iterations. Measured per step on one BLAS
#: thread (the default dataset's 452 unknowns: dense LU 2.2 ms, block GMRES 5.5 ms; synthetic 10x20,
#: 884 unknowns: dense LU 15 ms, block GMRES 11 ms); dense LU grows as n³, GMRES about as n.
DIRECT_LU_MAX_UNKNOWNS = 600


class CasadiSystem:
    """A square Pyomo system compiled once to residual and Jacobian functions (the casadi route)."""

    route = "casadi"

    def __init__(self, model, method: str = "auto", linear_solver: str = "auto", builder: str = DEFAULT_BUILDER):
        if method not in ("auto", "newton", "ipopt"):
            raise ValueError("method must be 'auto', 'newton' or 'ipopt'")
        if linear_solver not in LINEAR_SOLVERS:
            raise ValueError(f"linear_solver must be one of {', '.join(LINEAR_SOLVERS)}")
        self.model = model
        self.method = method
        self.linear_solver = linear_solver
        if builder not in BUILDERS:
            raise ValueError(f"builder must be one of {', '.join(BUILDERS)}")  # before the walk
        self.builder = builder
        self.linear_stats: dict = {}
        self._nlp = None
        self.n_compiles = 0
        self.compile()

    # ------------------------------------------------------------ compilation
    def compile(self, rows=None) -> dict:
        """Walk the rows once into residual and Jacobian functions (:mod:`cge.solve._functions`)
        and set up the Newton step's linear solver; returns the walk / setup times."""
        rows = rows if rows is not None else active_rows(self.model)
        with gc_paused():
            funcs = make_functions(rows, self.builder, base=_base_tape(self.model))
        check_square(rows, funcs.unknowns)
        self._funcs = funcs
        self.rows, self.unknowns, self.params = rows, funcs.unknowns, funcs.params
        self.walk_stats = funcs.walk_stats
        #: the rows' outputs on the tape (after the model's flows when they share it), or None
        self.tape_outputs = getattr(funcs, "outputs", None)
        self._checker = RowChecker(rows, tape=getattr(funcs, "tape", None), outputs=getattr(funcs, "outputs", None))
        self._nlp = None  # built lazily (exact Hessian is the expensive part)
        self._use_dense = None
        self._sig_cons = [id(c) for c in rows.cons]
        self._block_gmres = None
        part_of = partition_of(self.model)
        if self.linear_solver == "block_gmres" and part_of is None:
            raise ValueError("linear_solver='block_gmres' needs a partition (cge.solve.declare_partition)")
        gmres = self.linear_solver == "block_gmres" or (
            self.linear_solver == "auto" and len(self.unknowns) > DIRECT_LU_MAX_UNKNOWNS)
        if part_of is not None and gmres:
            self._block_gmres = BlockGMRES(part_codes(rows.cons, part_of), part_codes(self.unknowns, part_of),
                                           fallback=self.linsolve)
        self.n_compiles += 1
        self.compile_timings = dict(funcs.timings)
        return self.compile_timings

    def residuals(self, x, p) -> np.ndarray:
        """Residuals of the rows at unknowns ``x`` and parameter values ``p``."""
        return self._funcs.residuals(x, p)

    def jacobian(self, x, p):
        """Residuals and the Newton Jacobian (scipy CSC) at ``x``."""
        return self._funcs.jacobian(x, p)

    def linsolve(self, J, rhs):
        """Sparse LU; switches this system to dense LU when SuperLU's fill-in is
        near dense (random-like sparsity) and n is small enough for dense."""
        import warnings

        import scipy.linalg as sla
        import scipy.sparse.linalg as spla

        n = J.shape[0]
        if self._use_dense:
            self.linear_stats = {"matrix_n": n, "jacobian_nnz": int(J.nnz), "lu_nnz": n * n,
                                 "linear_solver": "dense lu"}
            # small systems on one BLAS thread: 452 unknowns took 2.2 ms on one thread, 77-177 ms on two
            # with the 2 cores busy (threads waiting for each other, as in single_threaded_blas)
            threads = single_threaded_blas() if n <= DIRECT_LU_MAX_UNKNOWNS else contextlib.nullcontext()
            with warnings.catch_warnings(), threads:
                warnings.simplefilter("ignore")
                lu = sla.lu_factor(J.toarray(), check_finite=False)
                return sla.lu_solve(lu, rhs, check_finite=False)
        lu = spla.splu(J, permc_spec="COLAMD")
        self.linear_stats = {"matrix_n": n, "jacobian_nnz": int(J.nnz), "lu_nnz": int(lu.L.nnz + lu.U.nnz),
                             "linear_solver": "lu"}
        if self._use_dense is None:
            fill = (lu.L.nnz + lu.U.nnz) / float(n * n)
            self._use_dense = bool(fill > 0.15 and n <= 8000)
        return lu.solve(rhs)

    def _newton_linsolve(self, J, rhs):
        if self._block_gmres is None:
            return self.linsolve(J, rhs)
        dx = self._block_gmres(J, rhs)
        self.linear_stats = dict(self._block_gmres.stats)
        return dx

    def structure_changed(self, rows) -> bool:
        if len(rows.cons) != len(self._sig_cons):
            return True
        if any(id(c) != s for c, s in zip(rows.cons, self._sig_cons)):
            return True
        if any(v.fixed for v in self.unknowns):
            return True
        # a fixed Var that was compiled as a parameter has been unfixed
        return any(p.is_variable_type() and not p.fixed for p in self.params)

    def _ipopt_solver(self, opts_key):
        """CasADi nlpsol on the square system in x (z inlined), zero objective.

        (The lifted (x, z) form was measured slower: on a random 3000-unknown
        CES system MUMPS needed 87 s per solve on the lifted KKT vs 6 s.)"""
        import casadi as ca

        if self._nlp is None or self._nlp[0] != opts_key:
            tol, max_iter, extra = opts_key
            opts = {
                "print_time": False,
                # Ipopt's line search probes points where a CES term is undefined and backs off; CasADi
                # would print a "NaN detected" warning for each to stderr, although the solve goes on
                # (the solve's status and residuals say whether it succeeded)
                "show_eval_warnings": False,
                "ipopt.print_level": 0,
                "ipopt.sb": "yes",
                "ipopt.tol": tol,
                "ipopt.constr_viol_tol": tol,
                "ipopt.max_iter": max_iter,
                "ipopt.linear_solver": "mumps",
            }
            opts.update({f"ipopt.{k}": v for k, v in extra})
            x, p, G_in = self._funcs.symbolic()
            nlp = {"x": x, "p": p, "f": ca.SX(0), "g": G_in}
            self._nlp = (opts_key, ca.nlpsol("cge_ipopt", "ipopt", nlp, opts))
        return self._nlp[1]

    def param_values(self) -> np.ndarray:
        vals = [p.value for p in self.params]
        if any(v is None for v in vals):
            bad = [p.name for p, v in zip(self.params, vals) if v is None][:5]
            raise ValueError(f"cge.solve: parameter(s)/fixed var(s) without a value: {bad}")
        return np.array(vals, dtype=float)

    def bounds(self):
        lb = np.array([-np.inf if v.lb is None else v.lb for v in self.unknowns], dtype=float)
        ub = np.array([np.inf if v.ub is None else v.ub for v in self.unknowns], dtype=float)
        return lb, ub

    # ------------------------------------------------------------------ solve
    def solve(self, tol: float = 1e-10, max_iter: int = 200, check_tol: float = 1e-8,
              method: str | None = None, ipopt_options: dict | None = None,
              bound_tol: float = 1e-9) -> SolveResult:
        """Solve from the CURRENT Pyomo values (start point, Params, fixed Vars).

        ``method``: ``auto`` (Newton, then Ipopt fallback), ``newton`` or
        ``ipopt``; defaults to the one given at compile time.
        """
        method = method or self.method
        timings = _timings()
        rows = active_rows(self.model)
        note = ""
        if self.structure_changed(rows):
            ct = self.compile(rows)
            timings["walk_s"] += ct["walk_s"]
            timings["setup_s"] += ct["setup_s"]
            note = "structure changed since compile: recompiled. "
        rows, unknowns = self.rows, self.unknowns
        n = len(unknowns)
        check_start_values(unknowns)
        x0 = _read(unknowns)
        p = self.param_values()

        def finish(algorithm, status, ok, iters, msg):
            return _finish("casadi", algorithm, status, ok, iters, rows, unknowns, x0.copy(), timings,
                           check_tol, msg.strip(), n, checker=self._checker, model=self.model)

        t0 = time.perf_counter()
        f0 = self.residuals(x0, p) if n else np.zeros(0)
        fmax0 = float(np.max(np.abs(f0))) if n else 0.0
        if np.isfinite(fmax0) and fmax0 <= tol:
            timings["solve_s"] += time.perf_counter() - t0
            return finish("none", "already_solved", True, 0,
                          note + "start point satisfies all equations; no solver called")
        algorithm, status, ok, iters, msg, x = "", "", False, 0, note, x0
        if method in ("auto", "newton"):
            x, status, ok, iters, newton_msg = self._newton(x0, p, tol, max_iter, check_tol, bound_tol)
            algorithm, msg = "newton", msg + newton_msg
        ipopt_setup = 0.0
        if not ok and method in ("auto", "ipopt"):
            x, status, ok, ipopt_iters, ipopt_setup = self._ipopt(x0, p, tol, max_iter, ipopt_options)
            timings["setup_s"] += ipopt_setup
            iters += ipopt_iters
            msg = f"{msg} -> fell back to Ipopt: {status}" if algorithm else f"{msg}Ipopt: {status}"
            algorithm = "newton->ipopt" if algorithm else "ipopt"
        timings["solve_s"] += time.perf_counter() - t0 - ipopt_setup
        _write(unknowns, x)
        return finish(algorithm, status, ok, iters, msg)

    def _newton(self, x0, p, tol, max_iter, check_tol, bound_tol):
        """Damped Newton from ``x0``; a root outside the variable bounds is not accepted."""
        from ._newton import damped_newton

        nr = damped_newton(lambda x: self.residuals(x, p), lambda x: self.jacobian(x, p), x0, tol=tol,
                           max_iter=max_iter, stall_tol=check_tol * 1e-2, linsolve=self._newton_linsolve)
        ok = nr.status == "converged"
        status, message = nr.status, nr.message
        if ok:
            lb, ub = self.bounds()
            viol = np.maximum(lb - nr.x, nr.x - ub) / (1.0 + np.abs(nr.x))
            if np.any(viol > bound_tol):
                k = int(np.argmax(viol))
                ok, status = False, "bounds_violated"
                message = (f"Newton root violates bounds, e.g. {self.unknowns[k].name}="
                           f"{nr.x[k]:.6g} outside [{lb[k]}, {ub[k]}]")
        return nr.x, status, ok, nr.iterations, message

    def _ipopt(self, x0, p, tol, max_iter, ipopt_options):
        """CasADi's Ipopt from ``x0`` with the variable bounds; returns its setup time apart."""
        ts = time.perf_counter()
        solver = self._ipopt_solver((tol, max_iter, tuple(sorted((ipopt_options or {}).items()))))
        setup = time.perf_counter() - ts
        lb, ub = self.bounds()
        sol = solver(x0=x0, p=p, lbx=lb, ubx=ub, lbg=0.0, ubg=0.0)
        st = solver.stats()
        return (sol["x"].full().ravel(), str(st.get("return_status", "unknown")), bool(st.get("success", False)),
                int(st.get("iter_count", 0)), setup)


# ------------------------------------------------------------------- pyomo routes
class PyomoSolverSystem:
    """Routes through Pyomo's SolverFactory (``ipopt`` / ``pounce``): no caching,
    every solve re-writes the NL file, but the API matches :class:`CasadiSystem`."""

    def __init__(self, model, route: str):
        self.model = model
        self.route = route
        t0 = time.perf_counter()
        self.rows = active_rows(model)
        self.unknowns = collect_unknowns(self.rows)
        check_square(self.rows, self.unknowns)
        self.compile_timings = {"walk_s": time.perf_counter() - t0, "setup_s": 0.0}

    def _solver(self):
        from pyomo.environ import SolverFactory

        if self.route == "pounce":
            import pyomo_pounce  # noqa: F401  (registers the plugin)
        return SolverFactory(self.route)

    def solve(self, tol: float = 1e-10, max_iter: int = 200, check_tol: float = 1e-8,
              method: str | None = None, solver_options: dict | None = None,
              tee: bool = False) -> SolveResult:
        from pyomo.opt import SolutionStatus, TerminationCondition

        timings = _timings()
        t0 = time.perf_counter()
        rows = active_rows(self.model)
        unknowns = collect_unknowns(rows)
        check_square(rows, unknowns)
        check_start_values(unknowns)
        self.rows, self.unknowns = rows, unknowns
        timings["walk_s"] = time.perf_counter() - t0
        saved = _read(unknowns)
        n = len(unknowns)

        t0 = time.perf_counter()
        table0 = residual_table(rows.cons, rows.blocks)
        worst0 = overall_max(table0)
        timings["check_s"] += time.perf_counter() - t0
        if not math.isnan(worst0) and worst0 <= tol:
            return _finish(self.route, "none", "already_solved", True, 0, rows, unknowns, saved, timings,
                           check_tol, "start point satisfies all equations; no solver called", n,
                           model=self.model)

        opt = self._solver()
        opt.options["tol"] = tol
        opt.options["max_iter"] = max_iter
        if self.route == "ipopt":
            opt.options["constr_viol_tol"] = tol
        for k, v in (solver_options or {}).items():
            opt.options[k] = v
        t0 = time.perf_counter()
        try:
            results = opt.solve(self.model, tee=tee, load_solutions=False)
        except Exception as exc:
            timings["solve_s"] = time.perf_counter() - t0
            return _finish(self.route, self.route, f"error: {exc}", False, -1, rows,
                           unknowns, saved, timings, check_tol, str(exc), n, model=self.model)
        timings["solve_s"] = time.perf_counter() - t0
        tc = results.solver.termination_condition
        ok = tc in (TerminationCondition.optimal, TerminationCondition.locallyOptimal,
                    TerminationCondition.feasible)
        try:
            if len(results.solution) and (ok or results.solution(0).status
                                           != SolutionStatus.unknown):
                self.model.solutions.load_from(results)
        except Exception:  # no usable solution: residuals at the start point
            pass
        msg = str(getattr(results.solver, "message", "") or "")
        return _finish(self.route, self.route, str(tc), ok, -1, rows, unknowns, saved,
                       timings, check_tol, msg, n, model=self.model)


# ---------------------------------------------------------------------- public API
def pyomo_model_of(model):
    """The Pyomo model to solve: ``model`` itself, or an equilibrium model's (``build()`` is
    idempotent); anything else is a ``TypeError`` naming what was given."""
    if hasattr(model, "component_data_objects"):
        return model
    if callable(getattr(model, "build", None)):
        return model.build()
    raise TypeError(f"cge.solve: cannot solve a {type(model).__name__}; pass a Pyomo model or an "
                    "EquilibriumModel")


def compile_system(model, route: str = "auto", method: str = "auto", linear_solver: str = "auto",
                   builder: str = DEFAULT_BUILDER):
    """Analyse (and for ``casadi``: walk + build CasADi functions for) ``model``.

    Returns an object with ``.solve(tol=1e-10, max_iter=200, check_tol=1e-8, ...)``
    that reads the current Param / fixed-Var / Var values, solves, writes the
    solution into the Pyomo vars and returns a :class:`SolveResult` (or raises
    :class:`SolveError`). ``method`` (casadi route only): ``auto`` = damped
    Newton with Ipopt fallback, ``newton`` or ``ipopt``. ``linear_solver`` (casadi route
    only): how Newton steps are solved, see :data:`LINEAR_SOLVERS`; ``builder``: how the CasADi
    graph is made, see :data:`BUILDERS`. ``model`` is a Pyomo model or a
    :class:`cge.core.model.EquilibriumModel` (built here if it is not yet).
    """
    model = pyomo_model_of(model)
    route = resolve_route(route)
    if route == "casadi":
        return CasadiSystem(model, method=method, linear_solver=linear_solver, builder=builder)
    return PyomoSolverSystem(model, route)


def solve_model(model, route: str = "auto", method: str = "auto", **kw) -> SolveResult:
    """One-shot ``compile_system(model, route).solve(**kw)``; the returned
    timings include the compile (walk/setup) time."""
    system = compile_system(model, route=route, method=method)
    try:
        res = system.solve(**kw)
    except SolveError as err:
        if err.result is not None:
            for k, v in system.compile_timings.items():
                err.result.timings[k] += v
        raise
    for k, v in system.compile_timings.items():
        res.timings[k] += v
    return res
