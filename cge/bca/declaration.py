"""What every block builder reads: the benchmark by code, the model's variables and its
policy parameters (declared by :class:`cge.bca.model.BCAModel` before any block)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cge.core.model import EquilibriumModel
from cge.data.benchmark import Tags
from cge.data.flows import Flows

if TYPE_CHECKING:
    from cge.bca.design import Structure


@dataclass
class Declaration:
    """Variables (calibrated share form) and mutable parameters of one BCA model."""

    em: EquilibriumModel
    fl: Flows
    tags: Tags
    structure: Structure
    #: regions with a carbon price: the coalition and the regions with a foreign carbon price
    priced: tuple[str, ...]
    Y: Any
    A: Any
    C: Any
    PY: Any
    PA: Any
    PC: Any
    PF: Any
    PR: Any
    RA: Any
    PCO2: Any
    PW: Any
    # policy parameters (set per scenario by BCAModel.apply)
    cut: Any = None
    tax: Any = None
    credit: Any = None
    ret: Any = None
    bca_theta: Any = None
    xr_theta: Any = None
    obr_theta: Any = None
    elasticity: Any = None
    # growth multipliers of a year on a baseline path (cge.bca.growth; static values by default)
    endow: Any = None
    rent: Any = None
    final: Any = None
    bop: Any = None
    aeei: Any = None
    #: the flows that carry each border measure's wedge (see :mod:`cge.bca.border`)
    bca_keys: set = field(default_factory=set)
    xr_keys: set = field(default_factory=set)
    obr_keys: set = field(default_factory=set)
    #: the shockable rates, endowments and productivities by name, and the cells the current
    #: scenario shocks with their benchmark values (:mod:`cge.bca.shocks`)
    shocks: Any = None
    shocked: dict = field(default_factory=dict)
    # international transport (only when the benchmark has margins)
    T: Any = None
    PT: Any = None
    # closures and recycling (cge.bca.closures, cge.bca.recycling), declared only when asked for
    CA: Any = None
    INV: Any = None
    KT: Any = None
    PK: Any = None
    EMP: Any = None
    TL: Any = None
    capital_cet: Any = None
    transfer_share: Any = None
    transfer_weight: Any = None
    #: the transfer paid and received by each region, as built at the last compile
    transfers: Any = None

    @property
    def coalition(self) -> tuple[str, ...]:
        return self.structure.coalition

    def el(self, parameter: str, sector: str):
        """The mutable elasticity ``parameter`` of ``sector`` (``*`` for the household nests)."""
        return self.elasticity[parameter, sector]
