"""CO2 from fuel combustion by fuel and user, and process CO2 of cement.

Inputs for one region ``r`` (users ``u`` = sectors + household):

* ``T[r,u]``   CO2 of the user from the JRC accounts (Mt; concorded and aggregated with the table);
* ``c[r]``     cement calcination CO2 (OWID ``cement_co2``), which becomes process emissions of the
  non-metallic minerals sector: ``co2p[r,nmm] = min(c[r], T[r,nmm])`` and the combustion part of that
  sector is ``T[r,nmm] − co2p[r,nmm]`` (so the region total still equals JRC exactly); when c11
  is split, cement takes the calcination CO2 whole, capped at the JRC CO2 of all of c11, and its
  share of the combustion rest (:func:`process_first_shares`), so ``co2p`` is the same as unsplit;
* ``U[r,f,u]`` fuel purchases in bn USD (``vid`` of coal, refined oil, gas; household ``vc``); crude
  oil is refinery feedstock and is not a fuel, so it carries no emissions;
* ``ε[r,f]``   emissions per dollar of fuel (Mt per bn USD) = physical factor (t CO2 per unit) /
  benchmark price (USD per unit) × 1000;
* ``O[r,f]``   OWID CO2 by fuel (coal; oil; gas + flaring), used for the fuel mix only.

Allocation: the seed ``e0[f,u] = ε[r,f]·U[r,f,u]`` is scaled by RAS so that every user's
emissions equal its JRC (net of process) total exactly, ``Σ_f e[f,u] = T'[r,u]``, and the fuel totals
follow OWID's fuel mix at the JRC level, ``Σ_u e[f,u] = O[r,f]/Σ_f O[r,f] · Σ_u T'[r,u]``, as far as
the fuel-use pattern allows (the column step is last, so user totals always hold).

Fuels at any aggregation: the source fuels are coal (``coa``), refined oil (``c8``) and gas
(``ngs`` extraction, ``gdt`` distribution); a target sector containing one of them is a fuel. A
target with several source fuels takes the CO2-weighted factor
``ε_T = Σ_f O[r,f] / Σ_f (O[r,f]/ε[r,f])`` and their OWID totals; a source fuel spread over several
targets (``ngs`` and ``gdt`` kept apart) has its OWID total shared in proportion to the seeds.

Fallbacks (each recorded with region, user and amount): a user with JRC emissions but no fuel
purchases has its emissions **moved** to the region's other emitting users that buy fuel, in
proportion to their emissions (the region total is unchanged); a region without OWID fuel data
takes the world fuel mix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calibration.ras import ras
from cge.errors import DataError

FUELS = ("coa", "oil", "gas")
#: source sectors (after the splits) that are each fuel
SOURCE_FUELS = {"coa": ("coa",), "oil": ("c8",), "gas": ("ngs", "gdt")}
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


def fuel_targets(sector_map: dict[str, str], sectors) -> dict[str, tuple[str, ...]]:
    """``{target fuel: source fuels it contains}``, ordered by the source fuels ``FUELS``."""
    out: dict[str, list[str]] = {}
    for f in FUELS:
        for src in SOURCE_FUELS[f]:
            t = sector_map.get(src)
            if t is not None and f not in out.setdefault(t, []):
                out[t].append(f)
    missing = [f for f in FUELS if not any(f in v for v in out.values())]
    if missing:
        raise DataError(f"emissions: no sector contains the source fuel(s) {missing}")
    return {t: tuple(v) for t, v in out.items() if t in sectors}


def target_factors(eps: pd.DataFrame, owid: pd.DataFrame, fuels: dict[str, tuple[str, ...]]) -> np.ndarray:
    """``ε[r,T]`` per target fuel (module docstring); a single source fuel keeps its factor."""
    cols = []
    for fs in fuels.values():
        if len(fs) == 1:
            cols.append(eps[fs[0]].to_numpy())
        else:
            o = np.stack([owid[OWID_FUEL[f]].sum(axis=1).to_numpy() for f in fs], axis=1)
            e = eps[list(fs)].to_numpy()
            num, den = o.sum(axis=1), (o / e).sum(axis=1)
            cols.append(np.where(den > 0, num / np.where(den > 0, den, 1), e.mean(axis=1)))
    return np.stack(cols, axis=1)


def target_fuel_totals(owid: pd.DataFrame, fuels: dict[str, tuple[str, ...]], seed_sums: np.ndarray) -> np.ndarray:
    """OWID CO2 by target fuel ``O[r,T]``: sums of the source fuels a target holds; a source fuel
    in several targets is shared in proportion to ``seed_sums[r,T]``."""
    holders = {f: [k for k, fs in enumerate(fuels.values()) if f in fs] for f in FUELS}
    if all(len(h) == 1 for h in holders.values()) and all(len(fs) == 1 for fs in fuels.values()):
        return np.stack([owid[OWID_FUEL[fs[0]]].sum(axis=1).to_numpy() for fs in fuels.values()], axis=1)
    out = np.zeros(seed_sums.shape)
    for f, ks in holders.items():
        o = owid[OWID_FUEL[f]].sum(axis=1).to_numpy()
        s = seed_sums[:, ks]
        tot = s.sum(axis=1, keepdims=True)
        w = np.where(tot > 0, s / np.where(tot > 0, tot, 1), 1.0 / len(ks))
        out[:, ks] += o[:, None] * w
    return out


def process_first_shares(T_parent: np.ndarray, cement: np.ndarray, phi: np.ndarray, k_cem: int) -> np.ndarray:
    """Emission shares of the children of a split parent (c11) that holds cement (child ``k_cem``).

    The calcination CO2 stays with cement whole, capped at the parent's JRC CO2,
    ``P[r] = min(c[r], T[r])``; the combustion rest ``T[r] − P[r]`` is shared by the split's own
    emission shares ``φ[r,k]`` (output shares: the children inherit the parent's fuel purchases
    in proportion to output):
    ``φ'[r,k] = (P[r]·1[k = cem] + φ[r,k]·(T[r] − P[r])) / T[r]`` (``φ' = φ`` where ``T[r] = 0``).
    :func:`allocate` then finds ``T[r,cem] ≥ P[r]`` and books the same process CO2 as unsplit."""
    T = np.asarray(T_parent, float)
    P = np.minimum(np.asarray(cement, float), T)
    out = np.array(phi, float, copy=True)
    pos = T > 0
    out[pos] = phi[pos] * ((T[pos] - P[pos]) / T[pos])[:, None]
    out[pos, k_cem] += P[pos] / T[pos]
    return out


def allocate(T: np.ndarray, U: np.ndarray, eps: np.ndarray, owid_fuel: np.ndarray, cement: np.ndarray,
             nmm: int, regions, users, fuels=FUELS, fallbacks=None) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Return ``co2[r,f,u]`` (Mt), ``co2p[r]`` (Mt, for the process sector ``nmm``) and diagnostics.

    ``T[r,u]`` JRC totals, ``U[r,f,u]`` fuel purchases, ``eps[r,f]``, ``owid_fuel[r,f]``, ``cement[r]``;
    ``fallbacks`` (a :class:`calibration.fallbacks.Fallbacks`) records what was moved."""
    R, F, N = U.shape
    co2 = np.zeros((R, F, N))
    co2p = np.minimum(cement, T[:, nmm])
    world_mix = owid_fuel.sum(axis=0) / owid_fuel.sum()
    rows = []
    for r in range(R):
        t = T[r].copy()
        t[nmm] -= co2p[r]
        buys = U[r].sum(axis=0) > 0
        nofuel = (t > 0) & ~buys
        if nofuel.any():
            receivers = (t > 0) & buys
            if not receivers.any():
                raise DataError(f"emissions: no user in {regions[r]} buys coal, refined oil or gas, "
                                f"but JRC gives it {t.sum():.6g} Mt CO2")
            total = t.sum()
            moved = t[nofuel].sum()
            for u in np.nonzero(nofuel)[0]:
                if fallbacks is not None:
                    fallbacks.add(regions[r], users[u], "emissions of a user that buys no fuel moved to the "
                                  "region's other emitting users (in proportion to their emissions)",
                                  float(t[u]), "Mt CO2")
            t[receivers] += moved * t[receivers] / t[receivers].sum()
            t[nofuel] = 0.0
            big = int(np.argmax(t))
            t[big] += total - t.sum()      # the region total stays exactly the JRC total
        if owid_fuel[r].sum() > 0:
            mix = owid_fuel[r] / owid_fuel[r].sum()
        else:
            mix = world_mix
            if fallbacks is not None:
                fallbacks.add(regions[r], "all fuels", "no OWID CO2 by fuel: world fuel mix used", float(t.sum()),
                              "Mt CO2")
        seed = eps[r][:, None] * U[r]
        e, gap = ras(seed, mix * t.sum(), t, tol=1e-10, max_iter=2000, where=f"emissions of {regions[r]}",
                     max_gap=np.inf)
        lost = float(np.abs(e.sum(axis=0) - t).max())
        if lost > 1e-9 * max(float(t.sum()), 1.0):
            # OWID has zero CO2 for a fuel that some user buys only: keep every user's total exactly
            # and take the fuel mix of the seed (purchases × factors) instead
            cs = seed.sum(axis=0)
            e = seed * np.divide(t, cs, out=np.zeros_like(t), where=cs > 0)[None, :]
            if fallbacks is not None:
                fallbacks.add(regions[r], "all fuels", "OWID fuel mix gives zero to a fuel some user buys only: fuel "
                              "mix of purchases x emission factors used (user totals exact); CO2 kept", lost, "Mt CO2")
        elif gap > 1e-6 and fallbacks is not None:
            off = float(np.abs(e.sum(axis=1) - mix * t.sum()).max())
            fallbacks.add(regions[r], "all fuels", "OWID fuel mix not reachable with the region's fuel purchases: "
                          "user totals kept exactly, largest fuel total off by", off, "Mt CO2")
        co2[r] = e
        for f in range(F):
            rows.append((regions[r], fuels[f], float(seed[f].sum()), float(mix[f] * t.sum()), float(e[f].sum())))
    diag = pd.DataFrame(rows, columns=["region", "fuel", "seed_mt", "owid_mix_target_mt", "allocated_mt"])
    return co2, co2p, diag


# ----- where the CO2 comes from ------------------------------------------------------------------
#: the routes, in the order a build takes them when the aggregation file does not name one
CO2_ROUTES = ("satellite", "table", "gcb_by_fuel")
#: the column of a CO2 frame that holds the households' own combustion
HOUSEHOLD_COLUMN = "household"


def co2_from_frame(frame: pd.DataFrame, regions, sectors, where: str) -> np.ndarray:
    """``T[r, u]`` (Mt; users ``u`` = ``sectors`` then households) from a frame region × industry
    plus a ``household`` column in Mt: the interface of every CO2 source keyed by user (a
    source's own satellite rows, :attr:`calibration.mrio.MRIO`'s optional CO2 attribute, or a
    table the user supplies). Rows and columns must be exactly the source's ``regions`` and
    ``sectors`` (any order) and ``household``; a missing or unknown label is one error naming
    ``where`` and the label. Values must be finite and ≥ 0."""
    rows = [str(r) for r in frame.index]
    cols = [str(c) for c in frame.columns]
    for what, have, want in (("region", rows, list(regions)), ("column", cols, list(sectors) + [HOUSEHOLD_COLUMN])):
        unknown = [c for c in have if c not in want]
        if unknown:
            raise DataError(f"{where}: {what} {unknown[0]!r} is not in the source table "
                            f"({'regions' if what == 'region' else 'industries and household'}: {', '.join(want)})")
        missing = [c for c in want if c not in have]
        if missing:
            raise DataError(f"{where}: {what} {missing[0]!r} of the source table is missing")
        dup = [c for c in have if have.count(c) > 1]
        if dup:
            raise DataError(f"{where}: {what} {dup[0]!r} appears twice")
    f = frame.copy()
    f.index, f.columns = rows, cols
    values = f.apply(pd.to_numeric, errors="coerce").reindex(index=list(regions),
                                                              columns=list(sectors) + [HOUSEHOLD_COLUMN])
    bad = ~np.isfinite(values.to_numpy(float)) | (values.to_numpy(float) < 0)
    if bad.any():
        r, c = (int(k[0]) for k in np.nonzero(bad))
        raise DataError(f"{where}: {regions[r]}/{values.columns[c]}: {f.loc[regions[r], values.columns[c]]!r} "
                        "is not a CO2 quantity (a finite number >= 0, Mt)")
    return values.to_numpy(float)


def read_co2_table(path, regions, sectors) -> np.ndarray:
    """A user's CO2 table (CSV: ``region``, one column per industry of the source, ``household``;
    Mt) as ``T[r, u]`` (:func:`co2_from_frame`)."""
    from calibration.readers.satellites import load_csv, require_columns

    df = load_csv(path, dtype={"region": str})
    require_columns(df, ["region"], path)
    return co2_from_frame(df.set_index("region"), regions, sectors, str(path))


def allocate_fuel_totals(U: np.ndarray, seed_factors: np.ndarray, fuel_totals: np.ndarray, regions, users,
                         fuels, fallbacks=None) -> np.ndarray:
    """National combustion CO2 by fuel allocated to the users' fuel purchases: ``co2[r,f,u]``
    (Mt) with ``Σ_u co2[r,f,u] = fuel_totals[r,f]`` exactly.

    ``U[r,f,u]`` fuel purchases (bn USD), ``seed_factors[r,f]`` emissions per dollar (Mt per bn
    USD), ``fuel_totals[r,f]`` the national CO2 of each fuel. Each user gets the share of the
    fuel's CO2 that its purchases times the emission factor are of the region's:
    ``co2[r,f,u] = fuel_totals[r,f]·ε[r,f]·U[r,f,u] / Σ_v ε[r,f]·U[r,f,v]`` (one factor per region
    and fuel, so within a fuel the shares are those of the purchases). A fuel with CO2 but no
    purchase in a region goes to the region's other fuels' users in proportion to their
    allocation (the region total is kept; recorded as a fallback)."""
    seed = seed_factors[:, :, None] * U
    tot = seed.sum(axis=2, keepdims=True)
    co2 = np.divide(seed, tot, out=np.zeros_like(seed), where=tot > 0) * fuel_totals[:, :, None]
    for r, f in zip(*np.nonzero((tot[:, :, 0] <= 0) & (fuel_totals > 0))):
        rest = co2[r].sum()
        if rest <= 0:
            raise DataError(f"emissions: {regions[r]} buys no coal, refined oil or gas, but GCB gives it "
                            f"{fuel_totals[r].sum():.6g} Mt CO2 from fuel combustion")
        if fallbacks is not None:
            fallbacks.add(regions[r], fuels[f], "national CO2 of a fuel nobody in the region buys moved to the users "
                          "of its other fuels (in proportion to their CO2)", float(fuel_totals[r, f]), "Mt CO2")
        co2[r] *= 1 + fuel_totals[r, f] / rest
    return co2


def gcb_gate(totals: np.ndarray, gcb: np.ndarray, regions, tolerance: float = 0.10) -> list[str]:
    """One warning per region whose CO2 total differs from GCB territorial CO2 of the same year
    by more than ``tolerance`` (relative)."""
    out = []
    for r, (t, g) in enumerate(zip(totals, gcb)):
        if g > 0 and abs(t / g - 1) > tolerance:
            out.append(f"{regions[r]}: CO2 {t:,.1f} Mt differs from GCB territorial {g:,.1f} Mt by "
                       f"{100 * (t / g - 1):+.1f}% (more than {100 * tolerance:g}%)")
    return out
