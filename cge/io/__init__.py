"""Files in and out, shared by every stage: YAML and tidy-CSV readers, digests (:mod:`.files`), output
folders with ownership marker, lock and crash-safe replacement (:mod:`.outdir`), Excel (:mod:`.xlsx`) and
LaTeX (:mod:`.latex`) tables."""
