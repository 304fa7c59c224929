"""Models are built with the cyclic collector off and frozen afterwards (cge/runtime/gc_pause.py):
that is only safe if a build leaves no cyclic garbage and a freed model is still collected."""

import gc
import weakref

import pytest

from cge.bca.model import BCAModel
from cge.data.synthetic import random_benchmark
from cge.runtime.gc_pause import collect_freed, gc_paused
from cge.scenarios.spec import load_scenarios


@pytest.fixture(scope="module")
def core_designs():
    from cge.cli import default_scenarios_path

    return load_scenarios(default_scenarios_path())


def test_building_any_core_design_leaves_no_cyclic_garbage(core_designs):
    b = random_benchmark(4, 6, seed=2)
    for sc in core_designs:
        collect_freed()                  # the models freed before (also those of other tests)
        gc.disable()
        try:
            bm = BCAModel(b, sc)
            gc.unfreeze()                # let the collector see everything the build made
            found = gc.collect()         # unreachable objects: garbage the build left in cycles
        finally:
            gc.enable()
        assert found == 0, f"{sc.name}: the build left {found} objects in reference cycles"
        del bm


def test_a_freed_model_is_still_collected(core_designs):
    bm = BCAModel(random_benchmark(3, 6, seed=1), core_designs[0])
    model = weakref.ref(bm.pyomo)
    assert gc.get_freeze_count() > 0     # frozen while it lives
    del bm                               # its finaliser unfreezes (or, with other models alive, ...)
    collect_freed()                      # ... its objects are collected here or at the next build
    assert model() is None


def test_a_model_freed_while_another_lives_is_collected_at_the_next_build(core_designs):
    b = random_benchmark(3, 6, seed=1)
    keeper = BCAModel(b, core_designs[0])  # stays alive, frozen
    bm = BCAModel(b, core_designs[0])
    model = weakref.ref(bm.pyomo)
    del bm
    BCAModel(b, core_designs[0])           # the next build collects the freed model first
    assert model() is None and keeper.pyomo is not None


def test_gc_paused_switches_the_collector_back_on_also_after_an_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()        # the outer pause still holds
        raise RuntimeError("boom")
    assert gc.isenabled()


CACHE_OF_THREE = """
import gc
from cge.runtime.gc_pause import collect_freed, freeze_while_alive

import weakref

class Node:  # a model's objects hold reference cycles (Pyomo components and their parents)
    def __init__(self):
        self.me = self

class Owner:  # stands for a model: anything with a finaliser
    def __init__(self):
        self.node = Node()

cache = [Owner() for _ in range(3)]
for owner in cache:
    freeze_while_alive(owner)
del owner
oldest = weakref.ref(cache[0].node)
cache.pop(0)                             # the LRU cache drops its oldest model,
collect_freed()                          # and collects it
print(oldest() is None)                  # its objects are collected ...
print(gc.get_freeze_count() > 0)         # ... while the others stay out of the collections
cache.clear()
print(gc.get_freeze_count() == 0)        # the last one freed unfreezes
"""


def test_freeing_one_of_several_cached_models_collects_it_and_keeps_the_others_frozen():
    """The sweep worker keeps up to MAX_MODELS models: freeing the oldest collects it and does not
    unfreeze the rest
    (a fresh process, so that no other model of the test session is frozen)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", CACHE_OF_THREE], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "True"]
