"""What a model tells the solver: the one documented interface between :mod:`cge.core` (the model
language) and :mod:`cge.solve` (the solver), which import nothing from each other.

A model that needs more than its Pyomo rows hands the solver a :class:`SolverHints` together with
the Pyomo model, as the model's ``solver_hints`` attribute (:func:`hints_of` reads it; a plain
Pyomo model has none and is solved as it is):

* ``before_solve()``: run before the rows are read at every solve
  (:meth:`cge.core.model.EquilibriumModel.before_solve` pairs conditions with the variables fixed
  now and recompiles after a CES regime change);
* ``base_tape``: an extendable :class:`cge.expr.tape.Tape` holding many of the model's nodes (its
  flows), which the next compile extends with the rows instead of walking them again (taken once);
* ``partition``: ``part_of(index) -> key`` of every variable and row (e.g. its region; ``None``
  = global), for the block-GMRES Newton step (:func:`cge.solve.declare_partition`);
* ``after_solve(check_tol)``: run after a solve whose rows pass the residual check; a text
  rejects the solution (e.g. an over-fixed model whose dropped conditions fail), ``None`` accepts it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: the attribute of a Pyomo model that carries its :class:`SolverHints`
ATTRIBUTE = "solver_hints"


@dataclass
class SolverHints:
    before_solve: Callable[[], Any] | None = None
    base_tape: Any = None
    partition: Callable[[Any], Any] | None = None
    after_solve: Callable[[float], str | None] | None = None

    def take_base_tape(self):
        """The offered base tape, once (later compiles walk the rows afresh)."""
        tape, self.base_tape = self.base_tape, None
        return tape


def hints_of(model, create: bool = False) -> SolverHints | None:
    """The :class:`SolverHints` a Pyomo model carries; ``create``: attach empty hints if it has none."""
    hints = getattr(model, ATTRIBUTE, None)
    if hints is None and create:
        hints = SolverHints()
        object.__setattr__(model, ATTRIBUTE, hints)
    return hints
