"""cge: multi-region computable general equilibrium analysis of carbon pricing and
border carbon adjustments."""

__version__ = "0.1.0"
