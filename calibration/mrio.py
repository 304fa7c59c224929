"""The multi-regional input-output (MRIO) object and its plain-CSV layout.

An :class:`MRIO` holds one year of a multi-regional table in dense numpy arrays:

* ``Z[r, i, s, j]``  intermediate flow of good ``i`` made in region ``r`` to sector ``j`` of region ``s``;
* ``Y[r, i, s, k]``  final demand of category ``k`` of region ``s`` for good ``i`` made in ``r``;
* ``VA[c, s, j]``    value added (or any primary input) of component ``c`` in sector ``j`` of ``s``;
* ``x[r, i]``        gross output;
* ``E[e, s, u]``     satellite (e.g. CO2) of stressor ``e`` emitted by user ``u`` of region ``s``,
  where the users are the sectors followed by the final-demand categories.

Row balance: ``x[r,i] = Σ_{s,j} Z[r,i,s,j] + Σ_{s,k} Y[r,i,s,k]``.
Column balance: ``x[s,j] = Σ_{r,i} Z[r,i,s,j] + Σ_c VA[c,s,j]`` (when the source has a value-added
block; otherwise :func:`value_added_residual` gives ``x − Σ Z``).

CSV layout (a folder; zero cells may be omitted; codes are strings; one value column):

=====================  ===================================================  ============
file                   columns                                              required
=====================  ===================================================  ============
``intermediate.csv``   row_region, row_sector, col_region, col_sector, value  yes
``final_demand.csv``   row_region, row_sector, col_region, category, value    yes
``output.csv``         region, sector, value                                  yes
``value_added.csv``    component, region, sector, value                       no
``emissions.csv``      stressor, region, user, value                          no
``mrio.yaml``          regions, sectors, categories, va_components,          yes
                       stressors, unit, stressor_units, metadata
=====================  ===================================================  ============
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from cge.errors import DataError
from cge.io.files import dense, load_yaml, read_tidy_table
from cge.io.outdir import atomic_folder

#: file -> (index columns, axis name of each index column, required)
CSV_FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    "intermediate": (("row_region", "row_sector", "col_region", "col_sector"),
                     ("regions", "sectors", "regions", "sectors"), True),
    "final_demand": (("row_region", "row_sector", "col_region", "category"),
                     ("regions", "sectors", "regions", "categories"), True),
    "output": (("region", "sector"), ("regions", "sectors"), True),
    "value_added": (("component", "region", "sector"), ("va_components", "regions", "sectors"), False),
    "emissions": (("stressor", "region", "user"), ("stressors", "regions", "users"), False),
}


@dataclass
class MRIO:
    """One year of a multi-regional input-output table (see module docstring for the axes)."""

    regions: tuple[str, ...]
    sectors: tuple[str, ...]
    categories: tuple[str, ...]
    Z: np.ndarray
    Y: np.ndarray
    x: np.ndarray
    va_components: tuple[str, ...] = ()
    VA: np.ndarray | None = None
    stressors: tuple[str, ...] = ()
    E: np.ndarray | None = None
    unit: str = "M USD"
    stressor_units: dict[str, str] = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    #: CO2 the source itself carries (EXIOBASE's satellite accounts), in Mt, or None when it has
    #: none: a DataFrame indexed by user (the sectors, then ``household``) with one column per
    #: region, combustion and process CO2 summed. The CO2 step uses it before any other source.
    co2: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        self.regions, self.sectors = tuple(self.regions), tuple(self.sectors)
        self.categories, self.va_components = tuple(self.categories), tuple(self.va_components)
        self.stressors = tuple(self.stressors)
        R, J, K = len(self.regions), len(self.sectors), len(self.categories)
        if self.VA is None:
            self.VA = np.zeros((len(self.va_components), R, J))
        if self.E is None:
            self.E = np.zeros((len(self.stressors), R, J + K))
        expected = {"Z": (R, J, R, J), "Y": (R, J, R, K), "x": (R, J),
                    "VA": (len(self.va_components), R, J), "E": (len(self.stressors), R, J + K)}
        for name, shape in expected.items():
            arr = np.asarray(getattr(self, name), dtype=float)
            if arr.shape != shape:
                raise DataError(f"MRIO.{name} has shape {arr.shape}, expected {shape}")
            setattr(self, name, arr)
        for name in ("regions", "sectors", "categories", "va_components", "stressors"):
            codes = getattr(self, name)
            dup = sorted({c for c in codes if codes.count(c) > 1})
            if dup:
                raise DataError(f"MRIO {name} list code(s) twice: {dup}")

    @property
    def users(self) -> tuple[str, ...]:
        """Satellite users: the sectors, then the final-demand categories."""
        return self.sectors + self.categories

    def copy(self) -> MRIO:
        return MRIO(self.regions, self.sectors, self.categories, self.Z.copy(), self.Y.copy(), self.x.copy(),
                    self.va_components, self.VA.copy(), self.stressors, self.E.copy(), self.unit,
                    dict(self.stressor_units), dict(self.metadata),
                    None if self.co2 is None else self.co2.copy())


# ----- pure functions on the arrays -------------------------------------------------------


def row_totals(m: MRIO) -> np.ndarray:
    """Total use of each row ``[r, i]``: ``Σ_{s,j} Z + Σ_{s,k} Y``."""
    return m.Z.sum(axis=(2, 3)) + m.Y.sum(axis=(2, 3))


def row_gap(m: MRIO) -> np.ndarray:
    """Row imbalance ``x[r,i] − Σ_{s,j} Z[r,i,s,j] − Σ_{s,k} Y[r,i,s,k]``."""
    return m.x - row_totals(m)


def value_added_residual(m: MRIO) -> np.ndarray:
    """Value added as the column residual ``x[s,j] − Σ_{r,i} Z[r,i,s,j]``."""
    return m.x - m.Z.sum(axis=(0, 1))


def totals(m: MRIO) -> dict[str, float]:
    """Headline totals used in stage reports."""
    return {
        "output": float(m.x.sum()),
        "intermediate": float(m.Z.sum()),
        "final_demand": float(m.Y.sum()),
        "value_added_residual": float(value_added_residual(m).sum()),
        "max_abs_row_gap": float(np.abs(row_gap(m)).max()) if m.x.size else 0.0,
        "nonzeros": int(np.count_nonzero(m.Z) + np.count_nonzero(m.Y)),
        **{f"{e} ({m.stressor_units.get(e, '')})": float(m.E[k].sum()) for k, e in enumerate(m.stressors)},
    }


# ----- CSV layout -------------------------------------------------------------------------


def _tidy(arr: np.ndarray, cols: tuple[str, ...], axes: list[tuple[str, ...]]) -> pd.DataFrame:
    nz = np.nonzero(arr)
    data = {c: np.asarray(a, dtype=object)[i] for c, a, i in zip(cols, axes, nz)}
    data["value"] = arr[nz]
    return pd.DataFrame(data, columns=list(cols) + ["value"])


def write_csv(m: MRIO, folder: str | Path, float_format: str = "%.17g") -> Path:
    """Write ``m`` in the CSV layout, atomically (a temporary sibling folder replaces ``folder``)."""
    folder = Path(folder)
    with atomic_folder(folder, "mrio") as tmp:
        sets = _sets(m)
        meta = {
            "regions": list(m.regions), "sectors": list(m.sectors), "categories": list(m.categories),
            "va_components": list(m.va_components), "stressors": list(m.stressors), "unit": m.unit,
            "stressor_units": dict(m.stressor_units), "metadata": dict(m.metadata),
        }
        (tmp / "mrio.yaml").write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True))
        arrays = {"intermediate": m.Z, "final_demand": m.Y, "output": m.x, "value_added": m.VA, "emissions": m.E}
        for name, (cols, axes, _) in CSV_FILES.items():
            _tidy(arrays[name], cols, [sets[a] for a in axes]).to_csv(
                tmp / f"{name}.csv", index=False, float_format=float_format)
    return folder


def _sets(m: MRIO) -> dict[str, tuple[str, ...]]:
    return {"regions": m.regions, "sectors": m.sectors, "categories": m.categories,
            "va_components": m.va_components, "stressors": m.stressors, "users": m.users}


def _read_table(path: Path, cols: tuple[str, ...], axes: tuple[str, ...], sets, required: bool,
                signed: bool) -> np.ndarray:
    codes = {c: sets[a] for c, a in zip(cols, axes)}
    df = read_tidy_table(path, cols, "value", codes, required, signed, codes_from="mrio.yaml")
    return dense(df, cols, "value", [sets[a] for a in axes])


def read_csv(folder: str | Path) -> MRIO:
    """Read the CSV layout written by :func:`write_csv` (or by hand; see module docstring).

    Final demand, value added and emissions may be negative (inventory changes, subsidies, sinks);
    intermediate flows and gross output may not. Raises :class:`DataError` naming the file and row.
    """
    folder = Path(folder)
    meta_path = folder / "mrio.yaml"
    if not folder.is_dir():
        raise DataError(f"{folder}: MRIO folder does not exist")
    meta = load_yaml(meta_path) or {}
    for key in ("regions", "sectors", "categories"):
        if not meta.get(key):
            raise DataError(f"{meta_path}: {key} is missing or empty")
    sets = {k: tuple(str(c) for c in (meta.get(k) or ())) for k in
            ("regions", "sectors", "categories", "va_components", "stressors")}
    sets["users"] = sets["sectors"] + sets["categories"]
    arrays = {}
    for name, (cols, axes, required) in CSV_FILES.items():
        signed = name in ("final_demand", "value_added", "emissions")
        arrays[name] = _read_table(folder / f"{name}.csv", cols, axes, sets, required, signed)
    return MRIO(sets["regions"], sets["sectors"], sets["categories"], arrays["intermediate"],
                arrays["final_demand"], arrays["output"], sets["va_components"], arrays["value_added"],
                sets["stressors"], arrays["emissions"], str(meta.get("unit", "M USD")),
                dict(meta.get("stressor_units") or {}), dict(meta.get("metadata") or {}))


def equal(a: MRIO, b: MRIO, rtol: float = 0.0, atol: float = 0.0) -> bool:
    """True when two MRIOs hold the same codes and values (within ``rtol``/``atol``)."""
    if (a.regions, a.sectors, a.categories, a.va_components, a.stressors) != (
            b.regions, b.sectors, b.categories, b.va_components, b.stressors):
        return False
    return all(np.allclose(getattr(a, n), getattr(b, n), rtol=rtol, atol=atol) for n in ("Z", "Y", "x", "VA", "E"))
