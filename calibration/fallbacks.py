"""A record of every documented fallback a build used (data gaps of small countries, moved
emissions, ...): printed as it happens and written to the dataset's metadata and PROVENANCE.md."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Fallbacks:
    echo: object = print
    rows: list = field(default_factory=list)

    def add(self, region: str, sector: str, what: str, amount: float, unit: str) -> None:
        row = {"region": str(region), "sector": str(sector), "what": what, "amount": round(float(amount), 6),
               "unit": unit}
        if row in self.rows:       # the same source read twice (e.g. the nearest year): recorded once
            return
        self.rows.append(row)
        self.echo(f"[fallback] {region} / {sector}: {what} ({amount:,.6g} {unit})")

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["region", "sector", "what", "amount", "unit"])
