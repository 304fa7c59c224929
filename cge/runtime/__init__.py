"""What a process running the package sets up: the Pyomo compatibility patch (:mod:`.pyomo_compat`)
and the garbage-collector pause for large models (:mod:`.gc_pause`)."""
