"""cge: multi-region computable general equilibrium analysis of carbon pricing and
border carbon adjustments."""

from cge.runtime.pyomo_compat import defer_pyomo_scipy_finaliser

__version__ = "0.1.0"

defer_pyomo_scipy_finaliser()  # before any module of the package imports scipy (see cge/runtime/pyomo_compat.py)
