"""Keep Python's cyclic garbage collector out of the way of large models.

Building a model creates millions of small Pyomo expression objects that all stay alive, and a
collection walks every tracked object of the generations it collects: at 30 x 40 the collector
took 3.3 s of an 11 s build with young collections only, and one more full walk of the model
(2.4 s) landed in the first result table afterwards (measured with ``benchmarks/solve_scaling.py``
and cProfile). Two tools, used together where a model is built:

* :func:`gc_paused` switches the collector off while a model is built or walked. Nothing built
  there is cyclic garbage (``tests/test_gc_pause.py`` checks every core design; the recursive nest
  closures of :meth:`cge.core.model.EquilibriumModel._nest_tree` empty their cells for this).
* :func:`freeze_while_alive` then moves everything alive into the collector's permanent
  generation (``gc.freeze``) until the model's owner is freed, so later collections walk only
  what is new. Without it the switched-off walks would all come due at the first collections after.
"""

from __future__ import annotations

import gc
import weakref
from contextlib import contextmanager


@contextmanager
def gc_paused():
    """``with gc_paused(): ...`` — no cyclic collection inside (nests; the collector is switched
    back on at exit, also on error, if it was on before)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def lasting_for_the_process():
    """``with lasting_for_the_process(): import ...`` — for a command's imports (modules, classes,
    functions: alive until the process ends). They run with the collector off, and everything alive
    at exit moves to its permanent generation (``gc.freeze``), so no later collection walks it:
    the default ``cge compare`` spent 0.075 s of its 0.09 s of collections walking the imports.
    The first model's :func:`freeze_while_alive` release unfreezes them with its own objects."""
    with gc_paused():
        yield
    gc.freeze()


#: owners alive whose objects were frozen (``gc.freeze`` is process-wide: one count for all)
_frozen_owners = 0
#: an owner was freed while others live: its objects wait, frozen, for the next collection
_freed_while_frozen = False


def freeze_while_alive(owner) -> None:
    """Leave every object alive now (a model just built) out of later collections
    (``gc.freeze``) until ``owner`` is freed. Counted per owner: freeing one of several frozen
    owners leaves the others frozen (the sweep worker caches several models and drops the
    oldest); the freed one's objects are collected at the next :func:`freeze_while_alive` (the
    next build) or :func:`collect_freed`, and when the last owner is freed everything is
    collected as usual again. ``owner`` must not sit in a reference cycle itself (its finaliser
    would then wait for a collection that never walks it)."""
    global _frozen_owners
    if _freed_while_frozen:
        collect_freed()
    gc.freeze()
    _frozen_owners += 1
    weakref.finalize(owner, _release)


def _release() -> None:
    global _frozen_owners, _freed_while_frozen
    _frozen_owners -= 1
    if _frozen_owners == 0:
        gc.unfreeze()
        _freed_while_frozen = False
    else:
        _freed_while_frozen = True


def collect_freed() -> int:
    """Collect the objects of models freed while other frozen models live (one full collection),
    then freeze what is alive again. Returns the number of objects collected."""
    global _freed_while_frozen
    gc.unfreeze()
    found = gc.collect()
    _freed_while_frozen = False
    if _frozen_owners:
        gc.freeze()
    return found
