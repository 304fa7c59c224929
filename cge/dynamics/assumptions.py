"""The assumptions of a baseline path: one YAML file (``cge/defaults/dynamics/assumptions.yaml``) and
the AEEI table it names, each value with its source; validated on load (one line naming the file and
key); a run overrides any key with its own YAML (:func:`load` ``override``), whose ``aeei_file`` is
read relative to that file.

AEEI table ``region, fuel, rate_pct_per_year, source``: ``region`` is a region code or ``*`` (every
region without its own row); ``fuel`` an energy good of the dataset (fossil fuels, electricity); the
multiplier on energy input per unit of activity in year ``t`` is ``(1 − rate/100)^(t − base)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from cge.errors import DataError, ScenarioError
from cge.io.files import load_yaml
from cge.scenarios.spec import path_assumptions_from_dict

AEEI_BOUND_PCT = 10.0


@dataclass(frozen=True)
class Assumptions:
    ssp: str
    wpp_variant: str
    depreciation_rate: float
    net_rate_of_return: float
    current_account_zero_by: int
    current_account_rule: str
    capital_rule: str
    resource_elasticity: float
    aeei: pd.DataFrame            # region, fuel, rate_pct_per_year, source (regions may be "*")
    sources: dict = field(default_factory=dict)

    def aeei_rate(self, region: str, fuel: str) -> float:
        """AEEI rate (% a year) of ``fuel`` in ``region``: its own row, else the ``*`` row, else 0."""
        t = self.aeei
        for r in (region, "*"):
            hit = t[(t["region"] == r) & (t["fuel"] == fuel)]
            if len(hit):
                return float(hit["rate_pct_per_year"].iloc[0])
        return 0.0


def default_assumptions_path() -> Path:
    with resources.as_file(resources.files("cge") / "defaults" / "dynamics" / "assumptions.yaml") as p:
        return Path(p)


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = {**(base.get(k) or {}), **v} if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


def _check(data, where: str, complete: bool = False) -> None:
    """Every key and value against the one schema, ``cge.scenarios.options.PATH_OPTIONS``."""
    try:
        path_assumptions_from_dict(data, where, complete=complete, prefix="")
    except ScenarioError as exc:
        raise DataError(str(exc)) from None


def load(override: Path | dict | None = None, regions=None, energy_goods=None,
         dataset_name: str | None = None, source: str | None = None) -> Assumptions:
    """The default assumptions, with ``override`` (a YAML file or a mapping) merged over them; the
    AEEI table checked against ``regions`` and ``energy_goods`` when given. Unless the override names
    its own ``aeei_file``, the rows of ``aeei_<dataset_name>.csv`` beside the default file (rates
    calibrated for that dataset's regions, :mod:`cge.dynamics.backcast`) come before its ``*`` rows.
    Keys and values are checked against ``cge.scenarios.options.PATH_OPTIONS``: the default file, then the
    override alone (an error names ``source``, or the override's file), then the merged result."""
    p = default_assumptions_path()
    data, aeei_dir, where = load_yaml(p) or {}, p.parent, str(p)
    own_aeei = False
    if override is not None:
        _check(data, where, complete=True)
        extra = load_yaml(override) if isinstance(override, Path) else dict(override)
        own_aeei = "aeei_file" in (extra or {})
        where = str(override) if isinstance(override, Path) else source or "assumptions override"
        if isinstance(override, Path) and own_aeei:
            aeei_dir = override.parent
        _check(extra or {}, where)
        data = _merge(data, extra or {})
    _check(data, where, complete=True)
    cap, ca, res = data["capital"], data["current_account"], data["resources"]
    rule, zero_by = ca["rule"], ca["zero_by"]
    aeei_path = aeei_dir / str(data.get("aeei_file") or "")
    aeei = read_aeei(aeei_path, regions, energy_goods)
    sources = {"assumptions": where, "aeei": str(aeei_path)}
    own = p.parent / f"aeei_{dataset_name}.csv"
    if dataset_name and not own_aeei and own.is_file():
        aeei = pd.concat([read_aeei(own, regions, energy_goods), aeei], ignore_index=True)
        sources["aeei_dataset"] = str(own)
    return Assumptions(
        ssp=data["ssp"], wpp_variant=data["wpp_variant"],
        depreciation_rate=float(cap["depreciation_rate"]), net_rate_of_return=float(cap["net_rate_of_return"]),
        current_account_zero_by=zero_by, current_account_rule=rule, capital_rule=cap["rule"],
        resource_elasticity=float(res["elasticity"]),
        aeei=aeei, sources=sources)


def read_aeei(path: Path, regions=None, energy_goods=None) -> pd.DataFrame:
    """The AEEI table (module docstring), validated row by row."""
    if not path.is_file():
        raise DataError(f"{path}: AEEI file not found")
    df = pd.read_csv(path, dtype={"region": str, "fuel": str, "source": str})
    need = {"region", "fuel", "rate_pct_per_year", "source"}
    if need - set(df.columns):
        raise DataError(f"{path}: missing column(s) {sorted(need - set(df.columns))}")
    for k, row in df.iterrows():
        where = f"{path}: row {k + 2} ({row['region']}, {row['fuel']})"
        rate = row["rate_pct_per_year"]
        if not pd.notna(rate) or not -AEEI_BOUND_PCT <= float(rate) <= AEEI_BOUND_PCT:
            raise DataError(f"{where}: rate_pct_per_year {rate!r} must lie in "
                            f"[-{AEEI_BOUND_PCT:g}, {AEEI_BOUND_PCT:g}]")
        if not isinstance(row["source"], str) or not row["source"].strip():
            raise DataError(f"{where}: no source")
        if regions is not None and row["region"] != "*" and row["region"] not in regions:
            raise DataError(f"{where}: region {row['region']} is not in the dataset")
        if energy_goods is not None and row["fuel"] not in energy_goods:
            raise DataError(f"{where}: fuel {row['fuel']} is not an energy good of the dataset "
                            f"({', '.join(energy_goods)})")
    dup = df[df.duplicated(["region", "fuel"])]
    if len(dup):
        raise DataError(f"{path}: ({dup.iloc[0]['region']}, {dup.iloc[0]['fuel']}) is listed twice")
    return df
