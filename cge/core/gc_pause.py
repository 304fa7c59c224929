"""Pause Python's cyclic garbage collector while a large model is built or walked.

Building a model creates millions of small Pyomo expression objects that all stay alive. Each
full collection walks every tracked object, and the collector runs one every few hundred
thousand allocations, so the build spent about half its time in the collector (measured at
30 x 40: model build 16.9 s CPU, 8.2 s with the collector off). Nothing built here is cyclic
garbage, so the collector runs rarely during the build and normally again after.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager

#: collector thresholds inside :func:`gc_paused`: a young collection every 100,000 allocations
#: (Python's default is 700) and rarely an old one
THRESHOLDS = (100_000, 50, 100)


@contextmanager
def gc_paused():
    """``with gc_paused(): ...`` — the collector runs rarely inside (nests; restores its
    thresholds on exit, also on error). Rare rather than never: switching it off moved the
    whole cost to the first collections after the build (measured)."""
    before = gc.get_threshold()
    gc.set_threshold(*(max(a, b) for a, b in zip(THRESHOLDS, before)))
    try:
        yield
    finally:
        gc.set_threshold(*before)
