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
        self.rows.append({"region": str(region), "sector": str(sector), "what": what,
                          "amount": round(float(amount), 6), "unit": unit})
        self.echo(f"[fallback] {region} / {sector}: {what} ({amount:,.6g} {unit})")

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["region", "sector", "what", "amount", "unit"])
