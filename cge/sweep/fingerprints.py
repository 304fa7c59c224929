"""What a sweep point's results depend on besides its own settings, as short hashes for its id: the packaged
defaults (elasticities; for a path, the dynamics defaults and the CBAM schedule) and the part of a scenario
that is economics (not its name or description). Shared by the scenario sweep (:mod:`cge.sweep.spec`) and the
path sweep (:mod:`cge.sweep.path_plan`)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

from cge.scenarios.spec import Scenario

_DEFAULTS = resources.files("cge") / "defaults"


@lru_cache(maxsize=1)
def elasticity_defaults_fingerprint() -> str:
    """Hash of the packaged elasticity defaults (read once per process)."""
    data = (_DEFAULTS / "elasticities.csv").read_bytes()
    return hashlib.sha256(data).hexdigest()[:16]


def scenario_payload(sc: Scenario) -> dict:
    """What of a scenario a point's id hashes: every field but its name and description (labels, not
    economics); no shocks: no key, so the ids of sweeps stored before shocks existed hold."""
    d = sc.to_dict()
    d.pop("name", None)
    d.pop("description", None)
    if not d.get("shocks"):
        d.pop("shocks", None)
    return d


def cbam_schedule_fingerprint() -> str:
    """Hash of the CBAM phase-in schedule (free allocation and default-value mark-ups by year) that a scenario
    with ``phase_in.year`` reads (:func:`cge.scenarios.cbam.default_schedule_path`)."""
    from cge.scenarios.cbam import default_schedule_path

    return hashlib.sha256(default_schedule_path().read_bytes()).hexdigest()[:16]


#: the packaged files a path depends on besides the elasticities (``cge/defaults/...``): the dynamics defaults
#: (assumptions, country mappings, drivers, AEEI) and the CBAM phase-in schedule with its default-value mark-ups
PATH_DEFAULT_FILES = ("dynamics", "cbam_phase_in.yaml")


@lru_cache(maxsize=1)
def path_defaults_fingerprint() -> str:
    """Hash of the packaged files of :data:`PATH_DEFAULT_FILES` (read once per process)."""
    h = hashlib.sha256()
    for name in PATH_DEFAULT_FILES:
        f = _DEFAULTS / name
        files = sorted((x for x in f.iterdir() if x.is_file()), key=lambda x: x.name) if f.is_dir() else [f]
        for x in files:
            h.update(f"{name}/{x.name}".encode())
            h.update(x.read_bytes())
    return h.hexdigest()[:16]
