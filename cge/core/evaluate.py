"""The compiled flows of an :class:`~cge.core.model.EquilibriumModel` evaluated together: one numpy
tape (:class:`cge.expr.tape.Tape`) of their quantities and per-unit revenues, read through a
:class:`~cge.expr.evaluate.BatchEvaluator`."""

from __future__ import annotations

from cge.expr.evaluate import BatchEvaluator, PointEvaluator


def flow_expressions(em) -> list:
    """The flows' quantities, then their per-unit revenues (:class:`cge.core.model.EquilibriumModel`)."""
    return [f.quantity for f in em.flows] + [pu for f in em.flows for _a, pu, _k in f.revenue]


def build_flow_tape(em, extra=(), extendable: bool = False):
    """``(tape, flow expressions)``: a numpy tape of :func:`flow_expressions` followed by the
    ``extra`` expressions (evaluated in the same pass, sharing subexpressions), or None when it
    does not fit in memory. ``extendable``: the solver may add the model's rows to it."""
    from cge.expr.tape import Tape
    from cge.runtime.gc_pause import gc_paused

    exprs = flow_expressions(em)
    try:
        with gc_paused():
            return Tape(exprs + list(extra), extendable=extendable), exprs
    except MemoryError:  # a very large model: walk the trees point by point instead
        return None


def flow_evaluator(em) -> PointEvaluator:
    """Evaluator of the compiled flows of :class:`cge.core.model.EquilibriumModel` ``em`` (their
    quantities and per-unit revenues) at the current point: one numpy pass over a tape built with
    the model (or at the first call) and kept on ``em`` (its flows are fixed once it is built)."""
    if em.flow_tape is None:
        em.flow_tape = build_flow_tape(em)
        if em.flow_tape is None:
            return PointEvaluator()
    tape, exprs = em.flow_tape
    index = em.derived.get("flow_index")
    if index is None or index[0] is not exprs:   # {id(expression): position}, once per flow tape
        index = em.derived["flow_index"] = (exprs, {id(e): k for k, e in enumerate(exprs)})
    return BatchEvaluator(exprs, tape.evaluate()[:len(exprs)], index=index[1])
