"""From solved models to result tables: :mod:`.run` solves a list of scenarios (compile once per
structure, re-solve) into a :class:`~cge.results.run.Comparison`; :mod:`.tables` collects the tidy tables
of one solved model, :mod:`.measures` defines each measure once, :mod:`.schema` is the results contract,
:mod:`.decomposition` the exact welfare decomposition, :mod:`.phase_in` the CBAM phase-in path and
:mod:`.write` the output folder."""
