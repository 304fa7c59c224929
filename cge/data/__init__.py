"""The benchmark data: the format (:mod:`.benchmark`), read by code (:mod:`.flows`), where it comes from
(:mod:`.datasets`: a folder, a GDX file, a synthetic draw), elasticities as data, embodied carbon
(:mod:`.intensity`), the aggregation file, and GTAPinGAMS GDX in and out (:mod:`.gtap`, :mod:`.gdx`)."""
