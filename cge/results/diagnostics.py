"""Plausibility diagnostics: the results of one scenario that leave the range a careful modeller trusts.

A solved equilibrium can still be an implausible one: a carbon price of 500 USD/t with export rebates
costs Russia 46% of its welfare on the default data. :func:`diagnostics_table` flags, one row each
(``check, region, item, value, limit, unit, message``; the ``diagnostics`` table of the results
contract), with the thresholds of the scenario's ``diagnostics.*`` options:

* ``ev``: a region's EV beyond ``± ev_pct`` % of its benchmark household consumption;
* ``output``, ``exports``, ``imports``: a sector's change beyond ``± change_pct`` %;
* ``transfer``: export or output rebates, BCA revenue kept or returned to the region, or BCA charges
  paid on its exports to other regions, above ``transfer_pct`` % of its benchmark consumption;
* ``price``: a price index over ``PW`` (output, Armington, consumer, factor, resource rent,
  transport) above ``price_factor`` or below ``1/price_factor``.

They are warnings, not errors: the run writes its results and exits 0; ``cge compare`` prints one
line per flagged scenario and the report shows them first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cge.results.schema import BY_NAME

#: the transfers checked: (item, column of the regions table)
TRANSFER_COLUMNS = (("export rebates", "export_rebate_cost_bn_usd"),
                    ("output rebates", "output_rebate_cost_bn_usd"),
                    ("BCA revenue kept", "bca_revenue_kept_bn_usd"),
                    ("BCA revenue returned", "bca_revenue_returned_received_bn_usd"))
#: the price families checked (cge/bca/model.py)
PRICE_FAMILIES = ("PY", "PA", "PC", "PF", "PR", "PT")


def _row(check, region, item, val, limit, unit, message) -> tuple:
    return (check, region, item, float(val), float(limit), unit, message)


def diagnostics_table(limits, regions: pd.DataFrame, sectors: pd.DataFrame, bca_flows: pd.DataFrame,
                      consumption: np.ndarray, prices: dict[str, float]) -> pd.DataFrame:
    """The flagged results of one scenario (module docstring). ``limits``: its
    :class:`cge.scenarios.spec.Diagnostics`; ``consumption``: benchmark household consumption by
    region, in the order of ``regions``; ``prices``: price name → index over ``PW``."""
    rows = []
    cons = dict(zip(regions["region"], consumption))
    for r, ev in zip(regions["region"], regions["ev_pct"]):
        if abs(ev) > limits.ev_pct:
            rows.append(_row("ev", r, "", ev, limits.ev_pct, "% of consumption",
                             f"{r}: EV {ev:+.1f}% of consumption, beyond ±{limits.ev_pct:g}%"))
    for what in ("output", "exports", "imports"):
        col = f"{what}_change_pct"
        for r, j, x in zip(sectors["region"], sectors["sector"], sectors[col]):
            if np.isfinite(x) and abs(x) > limits.change_pct:
                rows.append(_row(what, r, j, x, limits.change_pct, "% change",
                                 f"{r} {j}: {what} {x:+.0f}%, beyond ±{limits.change_pct:g}%"))
    paid = bca_flows[bca_flows["exporter"] != bca_flows["collected_by"]].groupby("exporter")["charge_bn_usd"].sum()
    transfers = [(item, regions.set_index("region")[col]) for item, col in TRANSFER_COLUMNS]
    transfers.append(("BCA charges paid", paid))
    for item, by_region in transfers:
        for r, amount in by_region.items():
            share = 100 * abs(amount) / cons[r] if cons.get(r, 0) > 0 else np.nan
            if np.isfinite(share) and share > limits.transfer_pct:
                rows.append(_row("transfer", r, item, share, limits.transfer_pct, "% of consumption",
                                 f"{r}: {item} {amount:,.1f} bn USD = {share:.0f}% of consumption, "
                                 f"above {limits.transfer_pct:g}%"))
    hi, lo = limits.price_factor, 1 / limits.price_factor
    for name, index in prices.items():
        if index > hi or index < lo:
            region = name[name.index("[") + 1:].split(",")[0].rstrip("]") if "[" in name else ""
            rows.append(_row("price", region, name, index, hi if index > hi else lo, "index over PW, benchmark = 1",
                             f"{name}: price index {index:.3g}, off by more than a factor {hi:g}"))
    return pd.DataFrame(rows, columns=BY_NAME["diagnostics"].names)


def price_indices(bm, pw: float) -> dict[str, float]:
    """Every price of :data:`PRICE_FAMILIES` of the solved model ``bm``, over ``PW``, by name."""
    out = {}
    for family in PRICE_FAMILIES:
        var = bm.vars.get(family, {})
        if var == {}:
            continue
        for v in var.values():
            if v.value is not None:
                out[v.name] = float(v.value) / pw
    return out


def diagnostics_lines(table: pd.DataFrame | None) -> list[str]:
    """One line per scenario with flagged results in a stacked ``diagnostics`` table (for the printed
    summary): how many, by check, and the first message."""
    if table is None or table.empty:
        return []
    out = []
    for name, rows in table.groupby("scenario", sort=False):
        checks = ", ".join(f"{n} {c}" for c, n in rows["check"].value_counts(sort=False).items())
        out.append(f"{name}: {len(rows)} result(s) outside the trusted range ({checks}), e.g. "
                   f"{rows['message'].iloc[0]}; see diagnostics.csv")
    return out
