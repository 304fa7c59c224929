"""A scenario's shocks (:mod:`cge.scenarios.shocks`) resolved against a benchmark: the codes
checked (regions and groups, sectors and sector sets, factors) and the parameter cells of
:mod:`cge.bca.shocks` each shock moves, with their values after every shock is applied in order.
Kept apart from the parameters so that :mod:`cge.bca.design` can check a scenario before any
model exists."""

from __future__ import annotations

from dataclasses import dataclass

from cge.data.benchmark import Benchmark
from cge.data.flows import Flows
from cge.errors import ScenarioError
from cge.scenarios.shocks import ALL, DEFAULT_RATE_RANGE, RATE_RANGE
from cge.scenarios.spec import Scenario, resolve_regions

#: shock type -> (the parameter it moves, the benchmark table of the rate or None for a multiplier)
TARGETS = {"import_tariff": ("rate_tm", "tm"), "export_tax": ("rate_tx", "tx"), "output_tax": ("rate_to", "to"),
           "input_tax": ("rate_ti", "tpu"), "factor_tax": ("rate_tf", "tf"),
           "endowment": ("endowment", None), "productivity": ("productivity", None)}
#: the factor code that names resource rents in endowment shocks
RESOURCE = "resource"


@dataclass(frozen=True)
class ShockCells:
    """A scenario's shocks resolved against a benchmark: ``{(parameter, index): value}`` of every
    parameter cell that differs from its benchmark value (rates as rates, multipliers as factors)."""

    values: tuple = ()

    def as_dict(self) -> dict:
        return dict(self.values)


def tax_kinds(sc: Scenario) -> tuple[str, ...]:
    """The tax parameters a scenario's shocks move (part of the model's structure), sorted."""
    return tuple(sorted({TARGETS[s["type"]][0] for s in sc.shocks.values() if TARGETS[s["type"]][1]}))


def _regions(b: Benchmark, codes, what: str) -> tuple[str, ...]:
    if codes == ALL:
        return b.regions
    return resolve_regions((codes,) if isinstance(codes, str) else codes, b.regions, b.tags.region_groups, what)


def _sectors(b: Benchmark, codes, what: str) -> tuple[str, ...]:
    """Sector codes, or a set: ``all``, ``eite``, ``cbam`` (the dataset's tags)."""
    if codes == ALL:
        return b.sectors
    if codes in ("eite", "cbam"):
        tagged = getattr(b.tags, codes)
        if not tagged:
            raise ScenarioError(f"{what}: {codes}, but the dataset tags no sector as {codes}")
        return tuple(j for j in b.sectors if j in tagged)
    codes = (codes,) if isinstance(codes, str) else codes
    bad = [c for c in codes if c not in b.sectors]
    if bad:
        raise ScenarioError(f"{what}: unknown sector(s) {bad}; known: {', '.join(b.sectors)} "
                            "(or all, eite, cbam)")
    return tuple(j for j in b.sectors if j in codes)


def _factors(b: Benchmark, codes, what: str, resource: bool) -> tuple[str, ...]:
    known = b.factors + ((RESOURCE,) if resource else ())
    if codes == ALL:
        return known
    codes = (codes,) if isinstance(codes, str) else codes
    bad = [c for c in codes if c not in known]
    if bad:
        raise ScenarioError(f"{what}: unknown factor(s) {bad}; known: {', '.join(known)}")
    return tuple(codes)


def _cells(b: Benchmark, shock: dict, w: str) -> list[tuple]:
    """The parameter cells (index tuples) one shock hits, before pruning to existing flows."""
    kind = shock["type"]
    if kind in ("import_tariff", "export_tax"):
        imp = _regions(b, shock["importer"], f"{w}.importer")
        exp = _regions(b, shock["exporter"], f"{w}.exporter")
        goods = _sectors(b, shock["sectors"], f"{w}.sectors")
        return [(i, s, r) for i in goods for s in exp for r in imp if s != r]
    regions = _regions(b, shock["regions"], f"{w}.regions")
    sectors = _sectors(b, shock["sectors"], f"{w}.sectors")
    if kind == "output_tax" or (kind == "productivity" and shock["factors"] == ALL):
        return [(r, j) for r in regions for j in sectors]
    if kind == "input_tax":
        goods = _sectors(b, shock["goods"], f"{w}.goods")
        return [(r, i, j) for r in regions for i in goods for j in sectors]
    factors = _factors(b, shock["factors"], f"{w}.factors", resource=kind == "endowment")
    if kind == "endowment":
        return ([(r, f) for r in regions for f in factors if f != RESOURCE]
                + [("resource", r, j) for r in regions for j in sectors if RESOURCE in factors])
    return [(r, f, j) for r in regions for f in factors for j in sectors]


def resolve_shocks(b: Benchmark, sc: Scenario) -> ShockCells:
    """Every shock of ``sc`` checked against ``b``'s codes (regions, groups, sectors, factors)
    and applied in order to the benchmark values of the cells it hits, on the flows that exist;
    a :class:`~cge.errors.ScenarioError` names the shock and key otherwise."""
    if not sc.shocks:
        return ShockCells()
    fl = Flows(b)
    exists = {"rate_tm": "vxmd", "rate_tx": "vxmd", "rate_to": "vom", "rate_ti": "vid", "rate_tf": "vfm",
              "endowment": "evf", "resource_endowment": "vrs", "productivity": "vom", "factor_productivity": "vfm"}
    values: dict = {}
    for name, shock in sc.shocks.items():
        w = f"shocks.{name}"
        kind = shock["type"]
        for cell in _cells(b, shock, w):
            param, table = TARGETS[kind]
            if kind == "endowment" and cell[0] == "resource":
                param, cell = "resource_endowment", cell[1:]
            elif kind == "productivity" and len(cell) == 3:
                param = "factor_productivity"
            if not fl(exists[param], *cell) > 0:
                continue
            key = (param, cell)
            if table is None:
                values[key] = values.get(key, 1.0) * (1 + shock["change"])
            elif "rate" in shock:
                values[key] = shock["rate"]
            else:
                values[key] = values.get(key, fl(table, *cell)) + shock["change"]
    _check_rates(values, sc)
    return ShockCells(tuple(values.items()))


def _check_rates(values: dict, sc: Scenario) -> None:
    """A rate after the changes must lie in the range a new rate of its kind may take
    (:data:`cge.scenarios.shocks.RATE_RANGE`: buyer prices, and producers' share, stay positive)."""
    kind_of = {param: kind for kind, (param, table) in TARGETS.items() if table}
    for (param, cell), v in values.items():
        if param in kind_of:
            lo, hi = RATE_RANGE.get(kind_of[param], DEFAULT_RATE_RANGE)
            if not lo <= v <= hi:
                raise ScenarioError(f"shocks: the {kind_of[param].replace('_', ' ')} rate of {'.'.join(cell)} becomes "
                                    f"{v:g} after the changes; it must lie in [{lo}, {hi}]")
