"""CO2 from fuel combustion by fuel and user, and process CO2 of cement.

Inputs for one region ``r`` (users ``u`` = sectors + household):

* ``T[r,u]``   CO2 of the user from the JRC accounts (Mt; concorded and aggregated with the table);
* ``c[r]``     cement calcination CO2 (OWID ``cement_co2``), which becomes process emissions of the
  non-metallic minerals sector: ``co2p[r,nmm] = min(c[r], T[r,nmm])`` and the combustion part of that
  sector is ``T[r,nmm] − co2p[r,nmm]`` (so the region total still equals JRC exactly);
* ``U[r,f,u]`` fuel purchases in bn USD (``vid`` of coal, refined oil, gas; household ``vc``); crude
  oil is refinery feedstock and is not a fuel, so it carries no emissions;
* ``ε[r,f]``   emissions per dollar of fuel (Mt per bn USD) = physical factor (t CO2 per unit) /
  benchmark price (USD per unit) × 1000;
* ``O[r,f]``   OWID CO2 by fuel (coal; oil; gas + flaring), used for the fuel mix only.

Allocation: the seed ``e0[f,u] = ε[r,f]·U[r,f,u]`` is scaled by RAS so that every user's
emissions equal its JRC (net of process) total exactly, ``Σ_f e[f,u] = T'[r,u]``, and the fuel totals
follow OWID's fuel mix at the JRC level, ``Σ_u e[f,u] = O[r,f]/Σ_f O[r,f] · Σ_u T'[r,u]``, as far as
the fuel-use pattern allows (the column step is last, so user totals always hold). A user with
emissions but no fuel purchases stops the build with a message naming it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calibration.ras import ras
from cge.errors import DataError

FUELS = ("coa", "oil", "gas")
OWID_FUEL = {"coa": ["coal_co2"], "oil": ["oil_co2"], "gas": ["gas_co2", "flaring_co2"]}


def per_dollar_factors(ef_csv, price: pd.DataFrame) -> pd.DataFrame:
    """``ε[r,f]`` in Mt per bn USD from physical factors and regional benchmark prices."""
    from calibration.readers.satellites import load_csv, require_columns

    df = load_csv(ef_csv)
    require_columns(df, ["fuel", "t_co2_per_unit", "price_conversion"], ef_csv)
    col = {"coa": "coal", "oil": "oil", "gas": "gas"}
    out = pd.DataFrame(index=price.index, columns=list(FUELS), dtype=float)
    for k, (f, t, conv) in enumerate(zip(df["fuel"], df["t_co2_per_unit"], df["price_conversion"])):
        if f not in col:
            raise DataError(f"{ef_csv}, row {k + 2}: unknown fuel {f!r}; expected one of {FUELS}")
        out[f] = float(t) / (price[col[f]] * float(conv)) * 1000.0
    if out.isna().any().any():
        raise DataError(f"{ef_csv}: emission factor missing for a fuel ({list(out.columns[out.isna().any()])})")
    return out


def allocate(T: np.ndarray, U: np.ndarray, eps: np.ndarray, owid_fuel: np.ndarray, cement: np.ndarray,
             nmm: int, regions, users) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Return ``co2[r,f,u]`` (Mt), ``co2p[r]`` (Mt, for the nmm sector) and a diagnostics table.

    ``T[r,u]`` JRC totals, ``U[r,f,u]`` fuel purchases, ``eps[r,f]``, ``owid_fuel[r,f]``, ``cement[r]``.
    """
    R, F, N = U.shape
    co2 = np.zeros((R, F, N))
    co2p = np.minimum(cement, T[:, nmm])
    rows = []
    for r in range(R):
        t = T[r].copy()
        t[nmm] -= co2p[r]
        nofuel = (t > 0) & (U[r].sum(axis=0) <= 0)
        if nofuel.any():
            u = int(np.nonzero(nofuel)[0][0])
            raise DataError(f"emissions: {users[u]} in {regions[r]} has {t[u]:.6g} Mt CO2 (JRC) but buys "
                            "no coal, refined oil or gas")
        seed = eps[r][:, None] * U[r]
        mix = owid_fuel[r] / owid_fuel[r].sum()
        e, _ = ras(seed, mix * t.sum(), t, tol=1e-10, max_iter=2000, where=f"emissions of {regions[r]}")
        co2[r] = e
        for f in range(F):
            rows.append((regions[r], FUELS[f], float(seed[f].sum()), float(mix[f] * t.sum()), float(e[f].sum())))
    diag = pd.DataFrame(rows, columns=["region", "fuel", "seed_mt", "owid_mix_target_mt", "allocated_mt"])
    return co2, co2p, diag
