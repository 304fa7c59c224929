"""The EU Carbon Border Adjustment Mechanism as legislated (Regulation (EU) 2023/956) in the
model's terms: the phase-in schedule, coverage shares and default values.

* **Phase-in** (ETS Directive Art. 10a(1a) as amended by Directive (EU) 2023/959; CBAM Art. 31):
  in year ``t`` a share ``fa[t]`` of free allocation for CBAM goods remains. The border charge is
  ``(1 − fa[t])·PCO2·θ`` per unit of covered imports, and the remaining free allocation is an
  output-based rebate ``fa[t]·PCO2·θ_direct`` per unit of the implementers' covered output.
  Electricity has no free allocation (ETS Directive Art. 10a(1), (3)): it is charged in full from
  2026 and gets no rebate; in the transitional period (to 2025) nothing is charged.
* **Coverage** (Annex I): where a sector holds CBAM goods only in part, every intensity applied to
  it (charge, rebate, free allocation) is scaled by the share of CBAM goods in the value of its
  output, ``cbam_coverage[r, j]`` of the benchmark (the exporter's share for imports). This assumes
  the covered goods have the sector's average intensity per dollar.
* **Default values** (Art. 7(2), Annex IV point 4.1): the exporter's average intensity raised by a
  mark-up, ``θ[s,i]·(1 + markup)``; or the worst performer, the highest intensity over regions with
  output (the regional analogue of Annex IV's worst-performing installations).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from cge.errors import DataError
from cge.io.files import load_yaml


@dataclass(frozen=True)
class PhaseInSchedule:
    free_allocation: dict[int, float]
    source: dict
    path: str
    transitional_until: int | None = None
    #: mark-up on CBAM default values by year, the last year's applying to every later year
    default_value_markup: dict[int, float] = field(default_factory=dict)
    default_value_markup_fertilisers: float | None = None


def default_schedule_path() -> Path:
    with resources.as_file(resources.files("cge") / "defaults" / "cbam_phase_in.yaml") as p:
        return Path(p)


@lru_cache(maxsize=4)
def phase_in_schedule(path: str | None = None) -> PhaseInSchedule:
    """The free allocation share by year, validated: years are integers, shares in [0, 1] and
    not rising over time."""
    p = Path(path) if path else default_schedule_path()
    data = load_yaml(p) or {}
    allowed = {"source", "free_allocation_share", "transitional_period_until", "default_value_markup",
               "default_value_markup_fertilisers", "default_value_markup_source"}
    unknown = set(data) - allowed
    if unknown:
        raise DataError(f"{p}: unknown key(s) {sorted(unknown)}; allowed: {', '.join(sorted(allowed))}")
    until = data.get("transitional_period_until")
    if until is not None and (isinstance(until, bool) or not isinstance(until, int)):
        raise DataError(f"{p}: transitional_period_until: {until!r} is not a year")
    table = data.get("free_allocation_share")
    if not isinstance(table, dict) or not table:
        raise DataError(f"{p}: free_allocation_share: expected a mapping year -> share")
    out: dict[int, float] = {}
    for year, share in table.items():
        if isinstance(year, bool) or not isinstance(year, int):
            raise DataError(f"{p}: free_allocation_share.{year}: the year must be an integer")
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise DataError(f"{p}: free_allocation_share.{year}: {share!r} is not a share in [0, 1]")
        out[year] = float(share)
    years = sorted(out)
    for a, b in zip(years, years[1:]):
        if out[b] > out[a]:
            raise DataError(f"{p}: free_allocation_share.{b}: {out[b]} rises above {out[a]} in {a}; "
                            "free allocation is phased out")
    markup: dict[int, float] = {}
    for year, m in (data.get("default_value_markup") or {}).items():
        if isinstance(year, bool) or not isinstance(year, int):
            raise DataError(f"{p}: default_value_markup.{year}: the year must be an integer")
        if isinstance(m, bool) or not isinstance(m, (int, float)) or not 0 <= m <= 1:
            raise DataError(f"{p}: default_value_markup.{year}: {m!r} is not a mark-up in [0, 1]")
        markup[year] = float(m)
    fert = data.get("default_value_markup_fertilisers")
    if fert is not None and (isinstance(fert, bool) or not isinstance(fert, (int, float)) or not 0 <= fert <= 1):
        raise DataError(f"{p}: default_value_markup_fertilisers: {fert!r} is not a mark-up in [0, 1]")
    return PhaseInSchedule(dict(sorted(out.items())), data.get("source") or {}, str(p), until,
                           dict(sorted(markup.items())), None if fert is None else float(fert))


def default_value_markup(year: int) -> float:
    """The general mark-up on CBAM default values in ``year`` (``cbam_phase_in.yaml``: the latest year at or
    before it; fertilisers take their own: :func:`fertiliser_markup`). A year before the first is an error
    (no default values then)."""
    sched = phase_in_schedule()
    years = [y for y in sched.default_value_markup if y <= year]
    if not years:
        raise DataError(f"{sched.path}: no default-value mark-up for {year} (the schedule starts in "
                        f"{min(sched.default_value_markup, default='-')})")
    return sched.default_value_markup[max(years)]


def design_markup(explicit: float | None, year: int | None) -> float:
    """The general mark-up on the default values of a design with ``bca.benchmark: exporter_markup``: the
    scenario's own ``bca.default_markup`` when it sets one (it wins over the schedule), else that of
    its ``phase_in.year`` in ``cbam_phase_in.yaml`` (0 in the transitional period, when nothing is
    charged). Sectors tagged ``fertilisers`` may take their own: :func:`sector_markups`."""
    if explicit is not None:
        return float(explicit)
    if year is None:
        raise ValueError("exporter_markup default values need a mark-up or a phase-in year")
    sched = phase_in_schedule()
    if sched.transitional_until is not None and year <= sched.transitional_until:
        return 0.0
    return default_value_markup(year)


def fertiliser_markup(explicit: float | None, year: int | None) -> float | None:
    """The mark-up of the sectors tagged ``fertilisers`` when it differs from the general one: the
    schedule's ``default_value_markup_fertilisers`` in a year of the definitive period of a design without a
    mark-up of its own; None otherwise (a scenario's ``bca.default_markup`` is one number for every sector,
    and in the transitional period nothing is charged)."""
    if explicit is not None or year is None or design_markup(None, year) == 0.0:
        return None
    return phase_in_schedule().default_value_markup_fertilisers


def sector_markups(sectors, fertilisers, explicit: float | None, year: int | None) -> np.ndarray:
    """The mark-up on each sector's default values ``[j]``: the fertiliser mark-up
    (:func:`fertiliser_markup`) for the sectors in ``fertilisers`` (the benchmark's tag), the general one
    (:func:`design_markup`) for the others."""
    out = np.full(len(sectors), design_markup(explicit, year))
    fert = fertiliser_markup(explicit, year)
    if fert is not None:
        out[[k for k, j in enumerate(sectors) if j in fertilisers]] = fert
    return out


def markup_record(b, scenarios) -> dict:
    """What ``run.yaml`` records of the default-value mark-ups of the scenarios with ``bca.benchmark:
    exporter_markup``: by scenario the general mark-up and, for the fertiliser mark-up, the sectors it
    applies to or why it applies to none (empty when no scenario uses default values with a mark-up)."""
    fert_sectors = list(b.tags.fertilisers)
    out = {}
    for sc in scenarios:
        if not (sc.bca.active and sc.bca.benchmark == "exporter_markup"):
            continue
        explicit, year = sc.bca.default_markup, sc.phase_in.year
        fert = fertiliser_markup(explicit, year)
        rec = {"general": design_markup(explicit, year)}
        if fert is None:
            rec["fertilisers"] = _why_no_fertiliser_markup(explicit, year)
        elif fert_sectors:
            rec["fertilisers"] = {"markup": fert, "sectors": fert_sectors}
        else:
            rec["fertilisers"] = (f"{fert:g} not applied: no sector of dataset {b.name} is tagged fertilisers "
                                  "(metadata.yaml tags.fertilisers), so every sector takes the general mark-up")
        out[sc.name] = rec
    return out


def _why_no_fertiliser_markup(explicit: float | None, year: int | None) -> str:
    """Why :func:`fertiliser_markup` gives the sectors tagged fertilisers no mark-up of their own."""
    if explicit is not None:
        return "the scenario's bca.default_markup applies to every sector"
    sched = phase_in_schedule()
    if sched.transitional_until is not None and year <= sched.transitional_until:
        return "none: nothing is charged in the transitional period"
    return (f"none: {Path(sched.path).name} sets no default_value_markup_fertilisers, so every sector takes the "
            "general mark-up")


def free_allocation_share(year: int | None) -> float:
    """Share of free allocation left in ``year``; 0 without a phase-in (the full CBAM)."""
    return 0.0 if year is None else phase_in_schedule().free_allocation[year]


def charge_factor(year: int | None, electricity: bool) -> float:
    """Share of embedded emissions the CBAM charges in ``year`` (1 without a phase-in): 0 in the
    transitional period; 1 for electricity, which has no free allocation to phase out; else
    ``1 − free allocation share`` (CBAM Art. 31)."""
    if year is None:
        return 1.0
    sched = phase_in_schedule()
    if sched.transitional_until is not None and year <= sched.transitional_until:
        return 0.0
    return 1.0 if electricity else 1.0 - sched.free_allocation[year]


def free_allocation_factor(year: int | None, electricity: bool) -> float:
    """Share of benchmark direct emissions allocated free in ``year``: none for electricity."""
    return 0.0 if electricity else free_allocation_share(year)


def default_values(theta: np.ndarray, vom: np.ndarray, method: str, markup: float | None = None) -> np.ndarray:
    """CBAM default intensities ``[exporter, sector]`` from actual ones ``theta[r, j]``:
    ``exporter_markup`` = ``θ·(1 + markup)`` (``markup`` a number, or one per sector ``[j]``); ``worst`` =
    the highest intensity over regions with output, for every exporter."""
    if method == "exporter_markup":
        if markup is None:
            raise ValueError("exporter_markup default values need a mark-up")
        return theta * (1.0 + markup)
    if method == "worst":
        worst = np.where(vom > 0, theta, -np.inf).max(axis=0)
        worst[~np.isfinite(worst)] = 0.0
        return np.broadcast_to(worst, theta.shape).copy()
    raise ValueError(f"unknown default-value method {method!r}")
