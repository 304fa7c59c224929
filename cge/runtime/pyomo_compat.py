"""Keep ``import cge`` from paying for a scipy module it never uses.

Pyomo registers an import hook (``pyomo.common.dependencies``) that runs a finaliser the first
time anybody imports ``scipy``; the finaliser imports ``scipy.stats``, ``scipy.integrate`` and
``scipy.spatial`` "so that Pyomo can assume they are present". The package uses only
``scipy.sparse`` and ``scipy.linalg``, and ``scipy.stats`` alone costs about 0.8 s of a
default ``cge compare`` (measured with ``python -X importtime``; the target is 6 s in all).

:func:`defer_pyomo_scipy_finaliser` takes ``scipy`` out of that hook before the package imports
scipy. Nothing is lost: Pyomo's own ``scipy`` / ``scipy_available`` objects stay deferred, and
the first Pyomo code that touches them (e.g. ``pyomo.core.kernel`` piecewise functions) still
resolves them and runs the finaliser then. If Pyomo's internals ever change shape, or scipy is
already imported, the function does nothing (``tests/test_startup.py`` checks both paths).
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
