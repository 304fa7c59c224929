"""The EU CBAM phase-in path: scenarios with a ``phase_in.year`` solved as comparative statics on
one benchmark, read back as a path by year (leakage, the coalition's EITE output, CBAM revenue,
remaining free allocation, and EV of the exporters to the implementers).

Both functions work on the tidy result tables (as in memory after :func:`cge.results.run.run_scenarios`
or as read back from a results folder), so ``cge compare`` and ``cge report`` share them.
"""

from __future__ import annotations

import pandas as pd

from cge.scenarios.cbam import charge_factor, free_allocation_share

PATH_COLUMNS = ("scenario", "year", "free_allocation_share", "cbam_obligation_share", "leakage_rate_pct",
                "carbon_price_usd_per_t", "coalition_abatement_pct", "global_emissions_change_mt",
                "eite_output_change_coalition_pct", "cbam_revenue_bn_usd", "free_allocation_bn_usd")
EXPORTER_COLUMNS = ("scenario", "year", "region", "ev_pct", "ev_bn_usd", "cbam_paid_bn_usd")


def phase_in_years(scenarios: dict[str, dict]) -> dict[str, int]:
    """``{scenario: year}`` for scenario definitions (as in ``run.yaml``) with a phase-in year."""
    out = {}
    for name, sc in scenarios.items():
        year = (sc.get("phase_in") or {}).get("year")
        if year is not None:
            out[name] = int(year)
    return out


def path_table(summary: pd.DataFrame, regions: pd.DataFrame, scenarios: dict[str, dict]) -> pd.DataFrame:
    """One row per phase-in scenario, in year order; empty when no scenario has a year.
    ``free_allocation_bn_usd`` is the coalition's output-rebate cost (the value of the free
    allocation left); ``cbam_revenue_bn_usd`` the border-adjustment revenue."""
    years = phase_in_years(scenarios)
    rows = []
    for name, year in years.items():
        s = summary[summary["scenario"] == name]
        if s.empty:
            continue
        s = s.iloc[0]
        reg = regions[(regions["scenario"] == name) & regions["coalition"].astype(bool)]
        fa = free_allocation_share(year)
        rows.append({
            "scenario": name, "year": year, "free_allocation_share": fa,
            "cbam_obligation_share": charge_factor(year, electricity=False),
            "leakage_rate_pct": s["leakage_rate_pct"], "carbon_price_usd_per_t": s["carbon_price_usd_per_t"],
            "coalition_abatement_pct": s["coalition_abatement_pct"],
            "global_emissions_change_mt": s["global_emissions_change_mt"],
            "eite_output_change_coalition_pct": s.get("eite_output_change_coalition_pct", float("nan")),
            "cbam_revenue_bn_usd": s["bca_revenue_bn_usd"],
            "free_allocation_bn_usd": reg["output_rebate_cost_bn_usd"].sum()
            if "output_rebate_cost_bn_usd" in reg else float("nan"),
        })
    df = pd.DataFrame(rows, columns=list(PATH_COLUMNS))
    return df.sort_values(["year", "scenario"], kind="stable").reset_index(drop=True)


def exporters_table(regions: pd.DataFrame, bca_flows: pd.DataFrame, scenarios: dict[str, dict]) -> pd.DataFrame:
    """EV of every non-coalition region by phase-in year, with the CBAM charges levied on its
    exports (``cbam_paid_bn_usd``, from ``bca_flows``)."""
    years = phase_in_years(scenarios)
    rows = []
    for name, year in years.items():
        reg = regions[(regions["scenario"] == name) & ~regions["coalition"].astype(bool)]
        flows = bca_flows[bca_flows["scenario"] == name] if len(bca_flows) else bca_flows
        paid = flows.groupby("exporter")["charge_bn_usd"].sum() if len(flows) else pd.Series(dtype=float)
        for _, r in reg.iterrows():
            rows.append({"scenario": name, "year": year, "region": r["region"], "ev_pct": r["ev_pct"],
                         "ev_bn_usd": r["ev_bn_usd"], "cbam_paid_bn_usd": float(paid.get(r["region"], 0.0))})
    df = pd.DataFrame(rows, columns=list(EXPORTER_COLUMNS))
    return df.sort_values(["year", "scenario", "region"], kind="stable").reset_index(drop=True)
