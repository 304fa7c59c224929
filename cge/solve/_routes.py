"""Which solver routes exist on this machine, and which one ``auto`` picks."""

from __future__ import annotations

import functools
import glob
import os
import re
import shutil

ROUTES = ("casadi", "ipopt", "pounce")


@functools.cache
def _ipopt_executable() -> str | None:
    """A real ``ipopt`` executable: PATH, Pyomo's search path, or IDAES's bin dir."""
    exe = shutil.which("ipopt")
    if exe:
        return exe
    try:
        from pyomo.common import Executable

        e = Executable("ipopt")
        if e.available():
            return str(e.path())
    except Exception:  # pragma: no cover
        pass
    try:  # pragma: no cover - IDAES is optional
        import idaes

        cand = os.path.join(idaes.bin_directory, "ipopt")
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    except Exception:
        pass
    return None


@functools.cache
def _casadi_info() -> tuple[bool, str]:
    try:
        import casadi as ca
    except Exception as exc:  # pragma: no cover
        return False, f"casadi not importable: {exc}"
    if not ca.has_nlpsol("ipopt"):  # pragma: no cover
        return False, f"casadi {ca.__version__} has no Ipopt plugin"
    ipopt_ver = "3.x"
    libs = glob.glob(os.path.join(os.path.dirname(ca.__file__), "libipopt.so.*.*.*"))
    libs += glob.glob(os.path.join(os.path.dirname(ca.__file__), "libipopt*.dylib"))
    for lib in libs:
        m = re.search(r"(\d+\.\d+\.\d+)", os.path.basename(lib))
        if m:
            ipopt_ver = m.group(1)
            break
    return True, f"casadi {ca.__version__} with bundled Ipopt {ipopt_ver} (MUMPS)"


@functools.cache
def _pounce_info() -> tuple[bool, str]:
    try:
        import pyomo_pounce  # noqa: F401  (registers 'pounce')
        from pyomo.environ import SolverFactory
    except Exception as exc:
        return False, f"pyomo-pounce not importable: {exc}"
    try:
        opt = SolverFactory("pounce")
        if not opt.available(exception_flag=False):
            return False, "pyomo-pounce installed but no runnable `pounce` executable"
        ver = opt.version()
        ver = ".".join(str(v) for v in ver[:3]) if ver else "unknown version"
        return True, f"pyomo-pounce / POUNCE {ver} (NL-file interface)"
    except Exception as exc:  # pragma: no cover
        return False, f"pounce unavailable: {exc}"


@functools.cache
def _ipopt_info() -> tuple[bool, str]:
    exe = _ipopt_executable()
    if exe is None:
        return False, "no ipopt executable on PATH (nor Pyomo's / IDAES's bin directory)"
    try:
        from pyomo.environ import SolverFactory

        ver = SolverFactory("ipopt").version()
        ver = ".".join(str(v) for v in ver[:3]) if ver else "unknown version"
    except Exception:  # pragma: no cover
        ver = "unknown version"
    return True, f"ipopt executable {exe} (Ipopt {ver}) via Pyomo SolverFactory"


def route_available(route: str) -> tuple[bool, str]:
    if route == "casadi":
        return _casadi_info()
    if route == "ipopt":
        return _ipopt_info()
    if route == "pounce":
        return _pounce_info()
    raise ValueError(f"cge.solve: unknown route {route!r}; choose from auto, {', '.join(ROUTES)}")


def resolve_route(route: str) -> str:
    """Turn ``auto`` into a concrete route; validate explicit routes."""
    if route == "auto":
        return "ipopt" if _ipopt_info()[0] else "casadi"
    ok, why = route_available(route)
    if not ok:
        raise RuntimeError(f"cge.solve: route {route!r} is not available: {why}")
    return route


def describe_routes() -> list[dict]:
    """One row per route: ``route``, ``available``, ``default`` (picked by
    ``auto``), ``version`` and ``why`` (explanation of ``auto``'s choice)."""
    default = resolve_route("auto")
    ipopt_ok, ipopt_why = _ipopt_info()
    rows = []
    for r in ROUTES:
        ok, detail = route_available(r)
        if r == default:
            if r == "ipopt":
                why = "auto uses it: a real ipopt executable was found"
            else:
                why = (
                    f"auto uses it: {ipopt_why}; solving with damped Newton on the "
                    f"CasADi Jacobian, falling back to CasADi's bundled Ipopt"
                )
        elif r == "casadi":
            why = "available with route='casadi' (auto prefers the ipopt executable)"
        elif r == "pounce":
            why = "independent cross-check route (route='pounce')" if ok else detail
        else:
            why = ipopt_why if not ipopt_ok else "available with route='ipopt'"
        rows.append(
            {"route": r, "available": bool(ok), "default": r == default,
             "version": detail if ok else None, "why": why}
        )
    return rows
