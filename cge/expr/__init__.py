"""Pyomo expressions as data, below both the model language (:mod:`cge.core`) and the solver
(:mod:`cge.solve`): one classifier of expression kinds (:mod:`.kinds`) and the numpy tape that
evaluates many expressions at once (:mod:`.tape`)."""
