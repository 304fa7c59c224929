"""Which of a benchmark's primary factors are capital and which are labour, by their codes (WIOD and
the synthetic data: ``labour``, ``capital``; GTAP: ``skl``, ``unsk``/``lab``, ``cap``, ``lnd``,
``natres``/``res``). One reading for the closures and for the result tables."""

from __future__ import annotations

#: factor codes read as capital
CAPITAL_CODES = ("capital", "cap")
#: factor codes read as capital, land or a natural resource: every other factor is labour
NON_LABOUR_FACTORS = (*CAPITAL_CODES, "land", "lnd", "res", "natres")


def capital_factors(factors) -> tuple[str, ...]:
    """The capital factor(s) among a benchmark's factor codes."""
    return tuple(f for f in factors if f.lower() in CAPITAL_CODES)


def labour_factors(factors) -> tuple[str, ...]:
    """The labour factors of a dataset: every factor not named as capital, land or a natural
    resource (:data:`NON_LABOUR_FACTORS`), e.g. ``labour`` (WIOD) or ``skl``, ``unsk`` (GTAP)."""
    return tuple(f for f in factors if f.lower() not in NON_LABOUR_FACTORS)
