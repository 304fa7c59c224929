"""Bridge to :mod:`pymrio` (EXIOBASE, OECD ICIO, Eora and others are parsed by pymrio).

``from_pymrio`` takes an ``IOSystem`` with ``Z``, ``Y`` (and ``x``, or it is computed as
``x = Z·1 + Y·1``); value added comes from one extension (default ``factor_inputs``), emissions
from another (stressor rows; users are the sectors via ``F`` and the final-demand categories via
``F_Y``). Multi-level stressor names are joined with ``" | "``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calibration.mrio import MRIO
from cge.errors import DataError

SEP = " | "


def _name(label) -> str:
    return SEP.join(str(p) for p in label) if isinstance(label, tuple) else str(label)


def _extension(io, name: str | None):
    if name is None:
        return None
    ext = getattr(io, name, None)
    if ext is None:
        for e in io.get_extensions(data=True):
            if e.name == name:
                return e
        raise DataError(f"pymrio IOSystem has no extension {name!r}; it has {list(io.get_extensions())}")
    return ext


def from_pymrio(io, value_added: str | None = "factor_inputs", emissions: str | None = None,
                stressors: list | None = None) -> MRIO:
    """Convert a pymrio ``IOSystem`` to an :class:`MRIO` (values unchanged, in the system's unit).

    ``Z[r,i,s,j]`` ← ``io.Z.loc[(r,i),(s,j)]``; ``Y[r,i,s,k]`` ← ``io.Y.loc[(r,i),(s,k)]``;
    ``VA[c,s,j]`` ← ``io.<value_added>.F.loc[c,(s,j)]``; ``E[e,s,u]`` ← ``F`` for sectors, ``F_Y`` for
    categories of the ``emissions`` extension (optionally only the rows in ``stressors``).
    """
    if io.Z is None or io.Y is None:
        raise DataError("pymrio IOSystem has no Z or Y; call io.calc_all() or load a full system")
    regions = list(io.get_regions())
    sectors = list(io.get_sectors())
    cats = list(io.get_Y_categories())
    R, J, K = len(regions), len(sectors), len(cats)
    rows = pd.MultiIndex.from_product([regions, sectors])
    ycols = pd.MultiIndex.from_product([regions, cats])
    try:
        Z = io.Z.reindex(index=rows, columns=rows).to_numpy(dtype=float)
        Y = io.Y.reindex(index=rows, columns=ycols).to_numpy(dtype=float)
    except Exception as exc:
        raise DataError(f"pymrio IOSystem: Z or Y is not indexed by (region, sector) ({exc})") from None
    for name, a in (("Z", Z), ("Y", Y)):
        if np.isnan(a).any():
            r, c = np.argwhere(np.isnan(a))[0]
            raise DataError(f"pymrio IOSystem: {name} is missing cell {rows[r]} × {c}")
    if io.x is not None:
        x = io.x.reindex(index=rows).iloc[:, 0].to_numpy(dtype=float)
    else:
        x = Z.sum(axis=1) + Y.sum(axis=1)
    va_ext = _extension(io, value_added) if value_added else None
    va_names, VA, units = [], None, {}
    if va_ext is not None and va_ext.F is not None:
        va_names = [_name(c) for c in va_ext.F.index]
        VA = va_ext.F.reindex(columns=rows).fillna(0.0).to_numpy(dtype=float).reshape(len(va_names), R, J)
    em_ext = _extension(io, emissions) if emissions else None
    st_names, E = [], None
    if em_ext is not None:
        F = em_ext.F if stressors is None else em_ext.F.loc[stressors]
        st_names = [_name(c) for c in F.index]
        E = np.zeros((len(st_names), R, J + K))
        E[:, :, :J] = F.reindex(columns=rows).fillna(0.0).to_numpy(dtype=float).reshape(len(st_names), R, J)
        if em_ext.F_Y is not None:
            FY = em_ext.F_Y.loc[F.index].reindex(columns=ycols).fillna(0.0)
            E[:, :, J:] = FY.to_numpy(dtype=float).reshape(len(st_names), R, K)
        if getattr(em_ext, "unit", None) is not None:
            u = em_ext.unit.reindex(F.index).iloc[:, 0]
            units = {_name(k): str(v) for k, v in u.items()}
    unit = "unknown"
    if getattr(io, "unit", None) is not None and len(io.unit):
        unit = str(io.unit.iloc[0, 0])
    return MRIO(regions, sectors, cats, Z.reshape(R, J, R, J), Y.reshape(R, J, R, K), x.reshape(R, J),
                va_names, VA, st_names, E, unit, units, {"source": f"pymrio IOSystem {getattr(io, 'name', '')}"})


def to_pymrio(m: MRIO, name: str = "mrio"):
    """Convert an :class:`MRIO` to a pymrio ``IOSystem`` with extensions ``factor_inputs``
    (value added) and ``emissions`` (``F`` for sectors, ``F_Y`` for final-demand categories)."""
    import pymrio

    R, J, K = len(m.regions), len(m.sectors), len(m.categories)
    rows = pd.MultiIndex.from_product([m.regions, m.sectors], names=["region", "sector"])
    ycols = pd.MultiIndex.from_product([m.regions, m.categories], names=["region", "category"])
    Z = pd.DataFrame(m.Z.reshape(R * J, R * J), index=rows, columns=rows)
    Y = pd.DataFrame(m.Y.reshape(R * J, R * K), index=rows, columns=ycols)
    x = pd.DataFrame(m.x.reshape(R * J, 1), index=rows, columns=["indout"])
    unit = pd.DataFrame({"unit": [m.unit] * (R * J)}, index=rows)
    io = pymrio.IOSystem(Z=Z, Y=Y, x=x, unit=unit, name=name)
    if m.va_components:
        F = pd.DataFrame(m.VA.reshape(len(m.va_components), R * J),
                         index=pd.Index(m.va_components, name="inputtype"), columns=rows)
        io.factor_inputs = pymrio.Extension(
            name="factor_inputs", F=F,
            unit=pd.DataFrame({"unit": [m.unit] * len(m.va_components)}, index=F.index))
    if m.stressors:
        idx = pd.Index(m.stressors, name="stressor")
        F = pd.DataFrame(m.E[:, :, :J].reshape(len(idx), R * J), index=idx, columns=rows)
        FY = pd.DataFrame(m.E[:, :, J:].reshape(len(idx), R * K), index=idx, columns=ycols)
        io.emissions = pymrio.Extension(
            name="emissions", F=F, F_Y=FY,
            unit=pd.DataFrame({"unit": [m.stressor_units.get(s, "") for s in m.stressors]}, index=idx))
    return io


#: Mt per unit of a CO2 extension row (pymrio's systems give kg, t, Gg or Mt)
MT_PER_UNIT = {"kg": 1e-9, "t": 1e-6, "tonnes": 1e-6, "kt": 1e-3, "gg": 1e-3, "mt": 1.0, "tg": 1.0}


def co2_accounts(io, extension: str, rows: list) -> pd.DataFrame:
    """CO2 (Mt) by user (the sectors, then ``household``) × region: the sum of the extension's
    ``rows`` (names as in :func:`from_pymrio`, multi-level labels joined with ``" | "``) of ``F``
    by sector and of ``F_Y`` over all final-demand categories (the household is the model's only
    emitting final user), converted from the rows' unit (:data:`MT_PER_UNIT`)."""
    ext = _extension(io, extension)
    if ext is None or ext.F is None:
        raise DataError(f"pymrio IOSystem: extension {extension!r} has no F")
    names = {_name(k): k for k in ext.F.index}
    missing = [r for r in rows if r not in names]
    if missing:
        raise DataError(f"pymrio IOSystem: extension {extension!r} has no row {missing[0]!r}; it has {list(names)}")
    keys = [names[r] for r in rows]
    units = set()
    if getattr(ext, "unit", None) is not None:
        units = {str(u).strip().lower() for u in ext.unit.reindex(keys).iloc[:, 0]}
    if len(units) != 1 or next(iter(units)) not in MT_PER_UNIT:
        raise DataError(f"pymrio IOSystem: extension {extension!r} rows {rows} have unit(s) {sorted(units) or 'none'}; "
                        f"need one of {', '.join(MT_PER_UNIT)}")
    k = MT_PER_UNIT[units.pop()]
    regions, sectors = list(io.get_regions()), list(io.get_sectors())
    F = ext.F.loc[keys].sum(axis=0)
    ind = np.array([[F.get((r, s), 0.0) for r in regions] for s in sectors]) * k
    hh = np.zeros(len(regions))
    if ext.F_Y is not None:
        FY = ext.F_Y.loc[keys].sum(axis=0).groupby(level=0).sum()
        hh = FY.reindex(regions).fillna(0.0).to_numpy(dtype=float) * k
    return pd.DataFrame(np.vstack([ind, hh]), index=sectors + ["household"], columns=regions)
