"""Compatibility with Pyomo: keep a run from paying for a scipy module it never uses.

Pyomo registers an import hook (``pyomo.common.dependencies``) that runs a finaliser
(``_finalize_scipy``) the first time anybody imports ``scipy``; the finaliser imports
``scipy.stats``, ``scipy.integrate`` and ``scipy.spatial`` "so that Pyomo can assume they are
present". The package uses only ``scipy.sparse`` and ``scipy.linalg``, and ``scipy.stats`` alone
costs about 0.8 s of a default ``cge compare`` (measured with ``python -X importtime``).

:func:`defer_pyomo_scipy_finaliser` takes ``scipy`` out of that hook before anything imports
scipy. It is called by the entry points only (``cge`` in :func:`cge.cli.main`, ``python -m
calibration``, a sweep worker's :func:`cge.sweep.worker.solve_batch`), never as a side effect
of ``import cge``: a program that imports the package keeps Pyomo as it is. Nothing is lost:
Pyomo's own ``scipy`` / ``scipy_available`` objects stay deferred, and the first Pyomo code that
touches them (e.g. ``pyomo.core.kernel`` piecewise functions) still resolves them and runs the
finaliser then. If Pyomo's internals change shape, or scipy is already imported, the function
does nothing (``tests/test_startup.py`` checks both paths).

Checked against Pyomo 6.7 to 6.10.1 (``DeferredImportCallbackFinder._callbacks``, a private
attribute: ``pyomo<6.11`` in ``pyproject.toml``). Delete this module when Pyomo's scipy finaliser
no longer imports ``scipy.stats`` (or Pyomo offers a public switch for it), and drop the calls.
"""

from __future__ import annotations

import sys


def defer_pyomo_scipy_finaliser() -> bool:
    """Remove ``scipy`` from Pyomo's import-callback table; ``True`` if it was removed."""
    if "scipy" in sys.modules:
        return False
    try:
        from pyomo.common.dependencies import DeferredImportCallbackFinder
    except ImportError:  # pragma: no cover - Pyomo is a hard dependency
        return False
    callbacks = getattr(DeferredImportCallbackFinder, "_callbacks", None)
    if not isinstance(callbacks, dict) or "scipy" not in callbacks:
        return False
    del callbacks["scipy"]
    return True
