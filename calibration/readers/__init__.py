"""Readers from source formats into :class:`calibration.mrio.MRIO`."""
