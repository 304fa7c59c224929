"""Solve square nonlinear CGE systems written in Pyomo.

>>> from cge.solve import compile_system, solve_model
>>> compiled = compile_system(model, route="auto")   # walk + build once
>>> res = compiled.solve(tol=1e-10, max_iter=200)     # re-solve after Param changes

See :mod:`cge.solve.system` for the routes and the default algorithm.
"""

from ._linear import declare_partition
from ._routes import describe_routes, resolve_route
from ._structure import NonSquareSystemError, max_residuals_by_block
from .system import (
    CasadiSystem,
    PyomoSolverSystem,
    SolveError,
    SolveResult,
    compile_system,
    solve_model,
)

__all__ = [
    "CasadiSystem",
    "NonSquareSystemError",
    "PyomoSolverSystem",
    "SolveError",
    "SolveResult",
    "compile_system",
    "declare_partition",
    "describe_routes",
    "max_residuals_by_block",
    "resolve_route",
    "solve_model",
]
