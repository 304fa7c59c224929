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

from cge.dynamics.drivers import SSPS, WPP_VARIANTS
from cge.errors import DataError
from cge.io.files import load_yaml

KEYS = {"ssp", "wpp_variant", "labour", "capital", "current_account", "resources", "government_investment",
        "aeei_file"}
ASSUMPTION_SECTIONS = {"capital": {"rule", "depreciation_rate", "net_rate_of_return"},
                       "current_account": {"rule", "zero_by"}, "resources": {"rule", "elasticity"}}
AEEI_BOUND_PCT = 10.0
#: ``linear_to_zero``: imbalances (scaled with world GDP) shrink linearly to 0 by ``zero_by``;
#: ``constant_share``: they stay at their base-year share of world GDP (``zero_by`` unused)
CURRENT_ACCOUNT_RULES = ("linear_to_zero", "constant_share")
#: ``accumulate``: K from investment and depreciation; ``with_gdp``: K/Y constant (a balanced growth path)
CAPITAL_RULES = ("accumulate", "with_gdp")


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


def _number(p, key, v, lo, hi) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
        raise DataError(f"{p}: {key}: {v!r} must be a number in [{lo}, {hi}]")
    return float(v)


def load(override: Path | dict | None = None, regions=None, energy_goods=None,
         dataset_name: str | None = None) -> Assumptions:
    """The default assumptions, with ``override`` (a YAML file or a mapping) merged over them; the
    AEEI table checked against ``regions`` and ``energy_goods`` when given. Unless the override names
    its own ``aeei_file``, the rows of ``aeei_<dataset_name>.csv`` beside the default file (rates
    calibrated for that dataset's regions, :mod:`cge.dynamics.backcast`) come before its ``*`` rows."""
    p = default_assumptions_path()
    data, aeei_dir, where = load_yaml(p) or {}, p.parent, str(p)
    own_aeei = False
    if override is not None:
        extra = load_yaml(override) if isinstance(override, Path) else dict(override)
        own_aeei = "aeei_file" in (extra or {})
        if isinstance(override, Path):
            where = f"{override}"
            if "aeei_file" in (extra or {}):
                aeei_dir = override.parent
        data = _merge(data, extra or {})
    unknown = set(data) - KEYS
    if unknown:
        raise DataError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {', '.join(sorted(KEYS))}")
    for sec, keys in ASSUMPTION_SECTIONS.items():
        bad = set(data.get(sec) or {}) - keys
        if bad:
            raise DataError(f"{where}: {sec}: unknown key(s) {sorted(bad)}; allowed: {', '.join(sorted(keys))}")
    if data.get("ssp") not in SSPS:
        raise DataError(f"{where}: ssp: {data.get('ssp')!r} must be one of {', '.join(SSPS)}")
    if data.get("wpp_variant") not in WPP_VARIANTS:
        raise DataError(f"{where}: wpp_variant: {data.get('wpp_variant')!r} must be one of {', '.join(WPP_VARIANTS)}")
    if data.get("labour") != "total_population":
        raise DataError(f"{where}: labour: {data.get('labour')!r}: only total_population is available "
                        "(WPP age groups are not shipped)")
    rule = (data.get("current_account") or {}).get("rule")
    if rule not in CURRENT_ACCOUNT_RULES:
        raise DataError(f"{where}: current_account.rule: {rule!r} must be one of {', '.join(CURRENT_ACCOUNT_RULES)}")
    if (data.get("resources") or {}).get("rule") != "gdp_elasticity":
        raise DataError(f"{where}: resources.rule: only gdp_elasticity is implemented")
    if data.get("government_investment") != "gdp":
        raise DataError(f"{where}: government_investment: only gdp is implemented")
    cap, ca, res = data["capital"], data["current_account"], data["resources"]
    if cap.get("rule") not in CAPITAL_RULES:
        raise DataError(f"{where}: capital.rule: {cap.get('rule')!r} must be one of {', '.join(CAPITAL_RULES)}")
    zero_by = ca.get("zero_by")
    if isinstance(zero_by, bool) or not isinstance(zero_by, int):
        raise DataError(f"{where}: current_account.zero_by: {zero_by!r} is not a year")
    aeei_path = aeei_dir / str(data.get("aeei_file") or "")
    aeei = read_aeei(aeei_path, regions, energy_goods)
    sources = {"assumptions": where, "aeei": str(aeei_path)}
    own = p.parent / f"aeei_{dataset_name}.csv"
    if dataset_name and not own_aeei and own.is_file():
        aeei = pd.concat([read_aeei(own, regions, energy_goods), aeei], ignore_index=True)
        sources["aeei_dataset"] = str(own)
    return Assumptions(
        ssp=data["ssp"], wpp_variant=data["wpp_variant"],
        depreciation_rate=_number(where, "capital.depreciation_rate", cap.get("depreciation_rate"), 0.0, 0.5),
        net_rate_of_return=_number(where, "capital.net_rate_of_return", cap.get("net_rate_of_return"), 0.001, 0.5),
        current_account_zero_by=zero_by, current_account_rule=rule, capital_rule=cap["rule"],
        resource_elasticity=_number(where, "resources.elasticity", res.get("elasticity"), 0.0, 3.0),
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
