"""The model-ready benchmark dataset: one in-memory object, one on-disk format.

A benchmark is a folder of tidy CSV files plus ``metadata.yaml`` (spec section 2).
Values are billions of USD at benchmark prices; CO2 in Mt; population in millions.

==========================  ==========================================  ==================
file                        columns                                     meaning
==========================  ==========================================  ==================
``vom.csv``                 region, sector, value                       gross output
``to.csv``                  region, sector, rate                        output tax rate
``vid.csv``                 region, good, sector, value                 intermediate use
``vfm.csv``                 region, factor, sector, value               factor payments
``vrs.csv``                 region, sector, value                       resource rents
``vxmd.csv``                good, exporter, importer, value             bilateral trade, fob
``tm.csv``                  good, exporter, importer, rate              import tariff rate
``final_demand.csv``        region, good, agent, value                  agent in household,
                                                                        government, investment
``co2.csv``                 region, fuel, user, value                   Mt CO2 from burning
                                                                        ``fuel``; user is a
                                                                        sector or household
``co2_process.csv``         region, sector, value                       process CO2, Mt
``population.csv``          region, value                               millions
``tx.csv``                  good, exporter, importer, rate              export tax rate (<0:
                                                                        subsidy) on vxmd
``vst.csv``                 region, sector, value                       sales to international
                                                                        transport
``vtwr.csv``                margin, good, exporter, importer, value     transport margins on
                                                                        a trade flow
``tpd.csv``, ``tpi.csv``    region, good, rate                          purchase tax on domestic
                                                                        / imported supply to
                                                                        the Armington composite
``tpu.csv``                 region, good, buyer, rate                   purchase tax of a buyer
                                                                        (sector or final agent)
                                                                        on the composite
``tf.csv``                  region, factor, sector, rate                factor tax on vfm
``elasticities.csv``        parameter, sector, value                    elasticities carried by
                                                                        the data (e.g. GTAP's)
``cbam_coverage.csv``       region, sector, share                       share of EU CBAM
                                                                        goods in the value
                                                                        of output (0..1)
==========================  ==========================================  ==================

Zero cells may be omitted. ``to.csv``, ``tm.csv``, ``vrs.csv``, ``co2_process.csv``,
``population.csv``, the GTAP wedge tables (``tx`` … ``elasticities``) and ``cbam_coverage.csv``
are optional. ``vxmd`` is valued at the exporter's market price (= fob when there is no export tax);
``fob = vxmd·(1+tx)``, ``cif = fob + Σ_m vtwr``; the tariff applies to cif (GTAP convention).
``metadata.yaml`` holds the sets, the tags (fossil fuels, electricity, resource sectors, EITE sectors,
sectors containing EU CBAM goods, region groups), units and provenance. In ``cbam_coverage.csv`` a
missing cell is 1 for a sector tagged ``cbam`` and 0 otherwise; a share above 0 for a sector not
tagged ``cbam`` is an error.

Identities checked by :func:`validate` (spec section 2), each relative to its own scale:

* zero profit: ``Σ_i vid[r,i,j]·(1+tpu) + Σ_f vfm[r,f,j]·(1+tf) + vrs[r,j] = (1 − to[r,j])·vom[r,j]``
* Armington clearance: ``vdm·(1+tpd) + Σ_s cif[i,s,r]·(1+tm)·(1+tpi) = Σ_j vid[r,i,j] + Σ_a fd[r,i,a]``
  with ``vdm = vom − Σ_s vxmd − vst`` (vid and fd are Armington composites at benchmark price 1)
* transport market: ``Σ_r vst[r,m] = Σ_{i,r,s} vtwr[m,i,r,s]``
* income balance: factor and rent income + every tax (output, factor, purchase, export, tariff)
  ``+ bop[r] = Σ_a Σ_i fd[r,i,a]·(1+tpu[r,i,a])``, ``bop[r] = Σ cif into r − Σ fob out of r − Σ_m vst[r,m]``
* ``vdm ≥ 0``, all flows ≥ 0, emissions only where the fuel is used.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from cge.data.elasticities import PARAMETERS as ELASTICITY_PARAMETERS
from cge.data.elasticities import dataset_table
from cge.errors import DataError
from cge.io.files import dense, load_yaml, read_tidy_table
from cge.io.outdir import atomic_folder

FINAL_AGENTS = ("household", "government", "investment")
HOUSEHOLD = "household"
DEFAULT_TOLERANCE = 1e-7
#: every number of a written benchmark is rounded to this many significant digits. Calibration sums and
#: solves in floating point, whose last bits depend on the CPU's BLAS kernel (a few 1e-16 relative between
#: OpenBLAS's SkylakeX and Haswell kernels); rounded at 12 digits the files are identical on every machine
#: unless a value lies within that noise of a rounding boundary. The rounding moves each identity by at most
#: ~1e-12 relative, far inside the gates' DEFAULT_TOLERANCE and the solver's tolerance on the scaled rows.
SIGNIFICANT_DIGITS = 12
FLOAT_FORMAT = f"%.{SIGNIFICANT_DIGITS}g"
#: how closely a benchmark read back from its files agrees with the one written (one unit in the last written
#: digit), and so how closely its identities hold: quantities derived from them (a GTAP round trip's output tax
#: rates, say) agree to this, relative to their scale, and not to the last bit
WRITTEN_RTOL = 10.0 ** (1 - SIGNIFICANT_DIGITS)

#: file name -> (index columns, value column, required)
TABLES: dict[str, tuple[tuple[str, ...], str, bool]] = {
    "vom": (("region", "sector"), "value", True),
    "to": (("region", "sector"), "rate", False),
    "vid": (("region", "good", "sector"), "value", True),
    "vfm": (("region", "factor", "sector"), "value", True),
    "vrs": (("region", "sector"), "value", False),
    "vxmd": (("good", "exporter", "importer"), "value", True),
    "tm": (("good", "exporter", "importer"), "rate", False),
    "final_demand": (("region", "good", "agent"), "value", True),
    "co2": (("region", "fuel", "user"), "value", True),
    "co2_process": (("region", "sector"), "value", False),
    "population": (("region",), "value", False),
    "cbam_coverage": (("region", "sector"), "share", False),
    # GTAP wedges (issue 12); all optional, absent = zero
    "tx": (("good", "exporter", "importer"), "rate", False),
    "vst": (("region", "sector"), "value", False),
    "vtwr": (("margin", "good", "exporter", "importer"), "value", False),
    "tpd": (("region", "good"), "rate", False),
    "tpi": (("region", "good"), "rate", False),
    "tpu": (("region", "good", "buyer"), "rate", False),
    "tf": (("region", "factor", "sector"), "rate", False),
    "elasticities": (("parameter", "sector"), "value", False),
}
#: the wedge tables and their array attribute on :class:`Benchmark`
WEDGE_TABLES = ("tx", "vst", "vtwr", "tpd", "tpi", "tpu", "tf")

UNITS = {
    "vom": "bn USD", "to": "rate", "vid": "bn USD", "vfm": "bn USD", "vrs": "bn USD",
    "vxmd": "bn USD (fob)", "tm": "rate", "final_demand": "bn USD", "co2": "Mt CO2",
    "co2_process": "Mt CO2", "population": "million",
    "tx": "rate", "vst": "bn USD", "vtwr": "bn USD", "tpd": "rate", "tpi": "rate", "tpu": "rate",
    "tf": "rate", "elasticities": "1", "cbam_coverage": "share of output value",
}


@dataclass(frozen=True)
class Tags:
    """Classification of sectors and regions carried by a benchmark."""

    fossil: tuple[str, ...]
    electricity: tuple[str, ...] = ()
    resource: tuple[str, ...] = ()
    eite: tuple[str, ...] = ()
    crude: tuple[str, ...] = ()
    region_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: sectors containing goods covered by the EU CBAM (Regulation (EU) 2023/956, Annex I)
    cbam: tuple[str, ...] = ()
    #: sectors holding the CBAM's fertilisers (Annex I, CN 2808, 2814, 2834 21, 3102, 3105): their CBAM default
    #: values take the fertiliser mark-up of cge/defaults/cbam_phase_in.yaml (cge.scenarios.cbam.sector_markups)
    fertilisers: tuple[str, ...] = ()


#: the sector tags of a benchmark (``metadata.yaml: tags``), each a tuple of sector codes in :class:`Tags`
SECTOR_TAGS = ("fossil", "electricity", "resource", "eite", "crude", "cbam", "fertilisers")


@dataclass
class Benchmark:
    """A balanced multi-region benchmark in dense numpy arrays (bn USD, Mt CO2).

    Axes: ``vom[r, j]``, ``to[r, j]``, ``vid[r, i, j]``, ``vfm[r, f, j]``, ``vrs[r, j]``,
    ``vxmd[i, r, s]`` (exporter ``r``, importer ``s``), ``tm[i, r, s]``,
    ``fd[r, i, a]`` with ``a`` in :data:`FINAL_AGENTS`, ``co2[r, i, u]`` with ``u`` the
    sectors followed by the household, ``co2p[r, j]``, ``pop[r]``.
    """

    name: str
    regions: tuple[str, ...]
    sectors: tuple[str, ...]
    factors: tuple[str, ...]
    tags: Tags
    vom: np.ndarray
    to: np.ndarray
    vid: np.ndarray
    vfm: np.ndarray
    vrs: np.ndarray
    vxmd: np.ndarray
    tm: np.ndarray
    fd: np.ndarray
    co2: np.ndarray
    co2p: np.ndarray
    pop: np.ndarray
    metadata: dict = field(default_factory=dict)
    #: ``[r, j]`` share of EU CBAM goods in the value of output (and exports); ``None`` means the
    #: default: 1 for sectors tagged ``cbam``, 0 otherwise (see :func:`default_cbam_coverage`)
    cbam_coverage: np.ndarray | None = None

    # GTAP wedges (issue 12): None = zero; axes tx[i, r, s], vst[r, j], vtwr[m, i, r, s],
    # tpd[r, i], tpi[r, i], tpu[r, i, b] (b = sectors then FINAL_AGENTS), tf[r, f, j];
    # elasticities {parameter: {sector: value}} from the data (used unless a scenario overrides)
    tx: np.ndarray | None = None
    vst: np.ndarray | None = None
    vtwr: np.ndarray | None = None
    tpd: np.ndarray | None = None
    tpi: np.ndarray | None = None
    tpu: np.ndarray | None = None
    tf: np.ndarray | None = None
    elasticities: dict = field(default_factory=dict)
    #: where the benchmark was loaded from (a folder, a .gdx file, ``synthetic RxJ (seed S)``), as
    #: :func:`cge.data.datasets.load_dataset` records it for ``run.yaml``; not part of the data
    origin: str = field(default="", compare=False)

    def __post_init__(self):
        nR, nJ, nF = len(self.regions), len(self.sectors), len(self.factors)
        shapes = {"tx": (nJ, nR, nR), "vst": (nR, nJ), "vtwr": (nJ, nJ, nR, nR), "tpd": (nR, nJ),
                  "tpi": (nR, nJ), "tpu": (nR, nJ, nJ + len(FINAL_AGENTS)), "tf": (nR, nF, nJ)}
        for name, shape in shapes.items():
            if getattr(self, name) is None:
                setattr(self, name, np.zeros(shape))
        if self.cbam_coverage is None:
            self.cbam_coverage = default_cbam_coverage(self.sectors, self.regions, self.tags)

    @property
    def has_wedges(self) -> bool:
        """True when any GTAP wedge (export tax, margin, purchase or factor tax) is non-zero."""
        return any(np.any(getattr(self, n)) for n in WEDGE_TABLES)

    # ----- derived quantities (spec section 2) -------------------------------------------
    @property
    def users(self) -> tuple[str, ...]:
        return self.sectors + (HOUSEHOLD,)

    @property
    def buyers(self) -> tuple[str, ...]:
        """Buyers of Armington goods (axis of ``tpu``): the sectors, then the final agents."""
        return self.sectors + FINAL_AGENTS

    @property
    def vdm(self) -> np.ndarray:
        """Domestic sales ``vdm[r,i] = vom[r,i] − Σ_s vxmd[i,r,s] − vst[r,i]``."""
        return self.vom - self.vxmd.sum(axis=2).T - self.vst

    @property
    def fob(self) -> np.ndarray:
        """Exports at fob prices ``[i, r, s] = vxmd·(1 + tx)``."""
        return self.vxmd * (1 + self.tx)

    @property
    def cif(self) -> np.ndarray:
        """Imports at cif prices ``[i, r, s] = fob + Σ_m vtwr[m, i, r, s]``."""
        return self.fob + self.vtwr.sum(axis=0)

    @property
    def imports_gross(self) -> np.ndarray:
        """Tariff-inclusive imports ``[r, i] = Σ_s cif[i,s,r]·(1+tm[i,s,r])``."""
        return (self.cif * (1 + self.tm)).sum(axis=1).T

    @property
    def va(self) -> np.ndarray:
        """Armington supply ``va[r,i] = vdm·(1+tpd) + Σ_s cif·(1+tm)·(1+tpi)``."""
        return self.vdm * (1 + self.tpd) + self.imports_gross * (1 + self.tpi)

    @property
    def bop(self) -> np.ndarray:
        """Balance-of-payments transfer ``bop[r] = imports_cif − exports_fob − sales to transport``."""
        return self.cif.sum(axis=(0, 1)) - self.fob.sum(axis=(0, 2)) - self.vst.sum(axis=1)

    def tax_revenue(self) -> np.ndarray:
        """Benchmark revenue of every tax by region (bn USD): output, factor, purchase, export
        taxes and tariffs."""
        use = np.concatenate([self.vid, self.fd], axis=2)  # [r, i, buyer]
        return (
            (self.to * self.vom).sum(axis=1) + (self.tf * self.vfm).sum(axis=(1, 2))
            + (self.tpu * use).sum(axis=(1, 2)) + (self.tpd * self.vdm).sum(axis=1)
            + (self.tpi * self.imports_gross).sum(axis=1)
            + (self.tm * self.cif).sum(axis=(0, 1)) + (self.tx * self.vxmd).sum(axis=(0, 2))
        )

    @property
    def household_spending(self) -> np.ndarray:
        """Household consumption by region at buyer prices ``Σ_i vc·(1+tpu)`` (= Σ vc without
        purchase taxes): the benchmark value of the consumption bundle."""
        return self.vc.sum(axis=1) + (self.vc * self.tpu[:, :, len(self.sectors)]).sum(axis=1)

    @property
    def vc(self) -> np.ndarray:
        return self.fd[:, :, 0]

    @property
    def vg(self) -> np.ndarray:
        return self.fd[:, :, 1]

    @property
    def vi(self) -> np.ndarray:
        return self.fd[:, :, 2]

    @property
    def emissions(self) -> np.ndarray:
        """Benchmark CO2 by region (Mt): combustion plus process."""
        return self.co2.sum(axis=(1, 2)) + self.co2p.sum(axis=1)

    def index(self, kind: str, code: str) -> int:
        names = {"region": self.regions, "sector": self.sectors, "factor": self.factors}[kind]
        try:
            return names.index(code)
        except ValueError:
            raise DataError(f"unknown {kind} code {code!r}; known: {', '.join(names)}") from None

    def region_group(self, group: str) -> tuple[str, ...]:
        if group not in self.tags.region_groups:
            raise DataError(
                f"unknown region group {group!r}; the benchmark defines: "
                f"{', '.join(sorted(self.tags.region_groups)) or 'none'}"
            )
        return self.tags.region_groups[group]


def default_cbam_coverage(sectors, regions, tags: Tags) -> np.ndarray:
    """Coverage shares where the data give none: 1 for sectors tagged ``cbam``, else 0."""
    return np.tile(np.array([1.0 if j in tags.cbam else 0.0 for j in sectors]), (len(regions), 1))


# ----- validation -------------------------------------------------------------------------


def _worst(gap: np.ndarray, scale: np.ndarray, labels, top: int = 5):
    rel = np.abs(gap) / np.maximum(scale, 1.0)
    order = np.argsort(rel, axis=None)[::-1][:top]
    rows = []
    for flat in order:
        idx = np.unravel_index(flat, gap.shape)
        rows.append((tuple(labels[k][i] for k, i in enumerate(idx)), float(gap[idx]), float(rel[idx])))
    return float(rel.max()) if rel.size else 0.0, rows


def identity_gaps(b: Benchmark) -> dict[str, tuple[float, list]]:
    """Relative gap of every benchmark identity with its worst cells.

    Returns ``{identity: (max relative gap, [(cell, absolute gap, relative gap), ...])}``;
    relative gaps divide by ``max(1, scale of the identity)`` in bn USD.
    """
    R, J = b.regions, b.sectors
    nJ = len(J)
    cost = (b.vid * (1 + b.tpu[:, :, :nJ])).sum(axis=1) + (b.vfm * (1 + b.tf)).sum(axis=1) + b.vrs
    revenue = (1 - b.to) * b.vom
    out = {"zero profit": _worst(cost - revenue, b.vom, (R, J))}
    use = b.vid.sum(axis=2) + b.fd.sum(axis=2)
    out["Armington market clearance"] = _worst(b.va - use, b.va, (R, J))
    if b.vst.any() or b.vtwr.any():
        supply, demand = b.vst.sum(axis=0), b.vtwr.sum(axis=(1, 2, 3))
        out["transport market clearance"] = _worst(supply - demand, np.maximum(supply, demand), (J,))
    income = b.vfm.sum(axis=(1, 2)) + b.vrs.sum(axis=1) + b.tax_revenue() + b.bop
    spend = (b.fd * (1 + b.tpu[:, :, nJ:])).sum(axis=(1, 2))
    out["income balance"] = _worst(income - spend, spend, (R,))
    return out


def validate(b: Benchmark, tolerance: float = DEFAULT_TOLERANCE, source: str | None = None) -> None:
    """Check every benchmark identity and sign condition; raise :class:`DataError` naming
    the worst offending cells when one fails."""
    where = f" in {source}" if source else ""
    R, J, F, U = b.regions, b.sectors, b.factors, b.users
    arrays = {
        "vom": (b.vom, (R, J)), "to": (b.to, (R, J)), "vid": (b.vid, (R, J, J)),
        "vfm": (b.vfm, (R, F, J)), "vrs": (b.vrs, (R, J)), "vxmd": (b.vxmd, (J, R, R)),
        "tm": (b.tm, (J, R, R)), "final_demand": (b.fd, (R, J, FINAL_AGENTS)),
        "co2": (b.co2, (R, J, U)), "co2_process": (b.co2p, (R, J)), "population": (b.pop, (R,)),
        "cbam_coverage": (b.cbam_coverage, (R, J)),
        "tx": (b.tx, (J, R, R)), "vst": (b.vst, (R, J)), "vtwr": (b.vtwr, (J, J, R, R)),
        "tpd": (b.tpd, (R, J)), "tpi": (b.tpi, (R, J)), "tpu": (b.tpu, (R, J, b.buyers)),
        "tf": (b.tf, (R, F, J)),
    }
    for name, (arr, labels) in arrays.items():
        bad = ~np.isfinite(arr)
        if bad.any():
            idx = tuple(int(i[0]) for i in np.nonzero(bad))
            cell = tuple(labels[k][i] for k, i in enumerate(idx))
            raise DataError(f"{name}{where}: non-finite value (NaN or inf) at {cell}")
        if name in ("to",):
            bad, rule = arr >= 1, "must be < 1"
        elif name in ("tm", "tx", "tpd", "tpi", "tpu", "tf"):
            bad, rule = arr <= -1, "must be > -1"
        elif name == "cbam_coverage":
            bad, rule = (arr < 0) | (arr > 1), "a share must lie in [0, 1]"
        else:
            bad, rule = arr < 0, "must be non-negative"
        if bad.any():
            idx = tuple(int(i[0]) for i in np.nonzero(bad))
            cell = tuple(labels[k][i] for k, i in enumerate(idx))
            raise DataError(f"{name}{where}: value {arr[idx]:.6g} at {cell} is out of range ({rule})")
    vdm = b.vdm
    neg = vdm < -tolerance * np.maximum(b.vom, 1.0)
    if neg.any():
        r, j = (int(k[0]) for k in np.nonzero(neg))
        raise DataError(f"vxmd{where}: exports of {J[j]} from {R[r]} ({b.vxmd[j, r].sum() + b.vst[r, j]:.6g}, "
                        f"incl. sales to transport) exceed its output vom ({b.vom[r, j]:.6g}); "
                        "domestic sales would be negative")
    # vxmd[i, r, r] (a region "importing from itself") is allowed: GTAP data of aggregated
    # regions carry intra-regional trade with its own margins and taxes; it is never charged.
    for rule in (
        _check_emissions_have_fuel,
        _check_tags,
    ):
        rule(b, where)
    for identity, (gap, worst) in identity_gaps(b).items():
        if gap > tolerance:
            cells = "; ".join(f"{'/'.join(c)}: {a:+.6g} bn USD ({r:.2e} relative)" for c, a, r in worst[:3])
            raise DataError(
                f"Benchmark identity '{identity}' fails{where}: largest relative gap {gap:.3e} "
                f"> tolerance {tolerance:.1e}. Worst cells: {cells}"
            )




def _check_emissions_have_fuel(b: Benchmark, where: str) -> None:
    fuel_use = np.concatenate([b.vid, b.vc[:, :, None]], axis=2)  # [r, i, u]
    bad = (b.co2 > 0) & (fuel_use <= 0)
    if bad.any():
        r, i, u = (int(k[0]) for k in np.nonzero(bad))
        raise DataError(f"co2{where}: {b.co2[r, i, u]:.6g} Mt from {b.sectors[i]} used by "
                        f"{b.users[u]} in {b.regions[r]}, but that fuel flow is zero")
    nonfuel = [k for k, s in enumerate(b.sectors) if s not in b.tags.fossil]
    if b.co2[:, nonfuel, :].any():
        r, i, u = (int(k[0]) for k in np.nonzero(b.co2[:, nonfuel, :]))
        raise DataError(f"co2{where}: emissions from {b.sectors[nonfuel[i]]}, which is not tagged "
                        f"as a fossil fuel (tags.fossil = {list(b.tags.fossil)})")


def _check_tags(b: Benchmark, where: str) -> None:
    t = b.tags
    for tag in SECTOR_TAGS:
        for code in getattr(t, tag):
            if code not in b.sectors:
                raise DataError(f"metadata{where}: tags.{tag} names unknown sector {code!r}")
    for group, members in t.region_groups.items():
        for code in members:
            if code not in b.regions:
                raise DataError(f"metadata{where}: region group {group!r} names unknown region {code!r}")
    for j in t.resource:
        k = b.sectors.index(j)
        if not (b.vrs[:, k] > 0).any():
            raise DataError(f"vrs{where}: resource sector {j!r} has no resource rent in any region")
    untagged = [(b.regions[r], b.sectors[j]) for r, j in zip(*np.nonzero(b.cbam_coverage))
                if b.sectors[j] not in t.cbam]
    if untagged:
        raise DataError(f"cbam_coverage{where}: share above 0 for {'/'.join(untagged[0])}, but sector "
                        f"{untagged[0][1]!r} is not tagged cbam (tags.cbam = {list(t.cbam)})")
    rent_elsewhere = [s for k, s in enumerate(b.sectors) if s not in t.resource and b.vrs[:, k].any()]
    if rent_elsewhere:
        raise DataError(f"vrs{where}: resource rent in sectors not tagged as resource: {rent_elsewhere}")


# ----- reading and writing ----------------------------------------------------------------


def _read_table(folder: Path, name: str, codes: dict[str, tuple[str, ...]]) -> pd.DataFrame | None:
    cols, value_col, required = TABLES[name]
    return read_tidy_table(folder / f"{name}.csv", cols, value_col, codes, required)


def _dense(df: pd.DataFrame | None, name: str, axes: list[tuple[str, ...]]) -> np.ndarray:
    cols, value_col, _ = TABLES[name]
    return dense(df, cols, value_col, axes)


def _check_codes(codes, path: Path, key: str) -> None:
    """A list of codes (text or numbers), not one string or a mapping."""
    if not isinstance(codes, list) or not all(isinstance(c, (str, int)) and not isinstance(c, bool)
                                              for c in codes):
        raise DataError(f"{path}: {key}: expected a list of codes, got {codes!r:.80}")


def read_benchmark(folder: str | Path, tolerance: float = DEFAULT_TOLERANCE, check: bool = True) -> Benchmark:
    """Read a benchmark folder (see module docstring) and validate it.

    Raises :class:`DataError` naming the file, row or cell and what is wrong.
    """
    folder = Path(folder)
    meta_path = folder / "metadata.yaml"
    if not folder.is_dir():
        raise DataError(f"{folder}: benchmark folder does not exist")
    meta = load_yaml(meta_path) or {}
    if not isinstance(meta, dict):
        raise DataError(f"{meta_path}: expected a mapping (name, sets, tags, ...), got a {type(meta).__name__}")
    R, J, F = _read_sets(meta, meta_path)
    tags = _read_tags(meta, meta_path)
    dataset_table(J, meta.get("elasticities"), where=f"{meta_path}: elasticities")  # checked up front
    b = _benchmark_from_tables(folder, meta, R, J, F, tags)
    if check:
        pop = b.pop
        b.pop = np.nan_to_num(pop, nan=0.0)  # population is optional for the identities
        validate(b, tolerance, source=str(folder))
        b.pop = pop
    return b


def _read_sets(meta: dict, meta_path: Path) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """``sets.regions``, ``sets.sectors``, ``sets.factors`` of ``metadata.yaml``: non-empty lists of
    distinct codes."""
    sets = meta.get("sets") or {}
    if not isinstance(sets, dict):
        raise DataError(f"{meta_path}: sets: expected a mapping regions/sectors/factors -> list of codes")
    for key in ("regions", "sectors", "factors"):
        if not sets.get(key):
            raise DataError(f"{meta_path}: sets.{key} is missing or empty")
        _check_codes(sets[key], meta_path, f"sets.{key}")
        if len(set(sets[key])) != len(sets[key]):
            raise DataError(f"{meta_path}: sets.{key} lists a code twice")
    return tuple(tuple(str(x) for x in sets[key]) for key in ("regions", "sectors", "factors"))


def _read_tags(meta: dict, meta_path: Path) -> Tags:
    """The ``tags`` of ``metadata.yaml`` (sector tags and region groups), checked for shape; the
    codes they name are checked against the sets by :func:`validate`."""
    tags_meta = meta.get("tags") or {}
    if not isinstance(tags_meta, dict):
        raise DataError(f"{meta_path}: tags: expected a mapping tag -> list of sector codes")
    known_tags = {*SECTOR_TAGS, "region_groups"}
    unknown = set(tags_meta) - known_tags
    if unknown:
        raise DataError(f"{meta_path}: unknown tag(s) {sorted(unknown)}; known: {sorted(known_tags)}")
    for tag, codes in tags_meta.items():
        if tag != "region_groups" and codes is not None:
            _check_codes(codes, meta_path, f"tags.{tag}")
    groups_meta = tags_meta.get("region_groups") or {}
    if not isinstance(groups_meta, dict):
        raise DataError(f"{meta_path}: tags.region_groups: expected a mapping group name -> list of region codes, "
                        f"got a {type(groups_meta).__name__}")
    for group, codes in groups_meta.items():
        _check_codes(codes, meta_path, f"tags.region_groups.{group}")
    return Tags(
        fossil=tuple(tags_meta.get("fossil") or ()),
        electricity=tuple(tags_meta.get("electricity") or ()),
        resource=tuple(tags_meta.get("resource") or ()),
        eite=tuple(tags_meta.get("eite") or ()),
        crude=tuple(tags_meta.get("crude") or ()),
        region_groups={str(k): tuple(str(x) for x in v) for k, v in groups_meta.items()},
        cbam=tuple(tags_meta.get("cbam") or ()),
        fertilisers=tuple(tags_meta.get("fertilisers") or ()),
    )


def _benchmark_from_tables(folder: Path, meta: dict, R, J, F, tags: Tags) -> Benchmark:
    """Read every CSV table of the folder (codes checked against the sets) into dense arrays."""
    code_sets = {
        "region": R, "sector": J, "good": J, "factor": F, "exporter": R, "importer": R,
        "agent": FINAL_AGENTS, "fuel": J, "user": J + (HOUSEHOLD,),
        "margin": J, "buyer": J + FINAL_AGENTS, "parameter": tuple(ELASTICITY_PARAMETERS),
    }
    t = {name: _read_table(folder, name, code_sets) for name in TABLES}
    b = Benchmark(
        name=str(meta.get("name", folder.name)),
        regions=R, sectors=J, factors=F, tags=tags,
        vom=_dense(t["vom"], "vom", [R, J]),
        to=_dense(t["to"], "to", [R, J]),
        vid=_dense(t["vid"], "vid", [R, J, J]),
        vfm=_dense(t["vfm"], "vfm", [R, F, J]),
        vrs=_dense(t["vrs"], "vrs", [R, J]),
        vxmd=_dense(t["vxmd"], "vxmd", [J, R, R]),
        tm=_dense(t["tm"], "tm", [J, R, R]),
        fd=_dense(t["final_demand"], "final_demand", [R, J, FINAL_AGENTS]),
        co2=_dense(t["co2"], "co2", [R, J, J + (HOUSEHOLD,)]),
        co2p=_dense(t["co2_process"], "co2_process", [R, J]),
        pop=_dense(t["population"], "population", [R]) if t["population"] is not None
        else np.full(len(R), np.nan),
        metadata=meta,
        cbam_coverage=_cbam_coverage(t["cbam_coverage"], R, J, tags),
        tx=_dense(t["tx"], "tx", [J, R, R]),
        vst=_dense(t["vst"], "vst", [R, J]),
        vtwr=_dense(t["vtwr"], "vtwr", [J, J, R, R]),
        tpd=_dense(t["tpd"], "tpd", [R, J]),
        tpi=_dense(t["tpi"], "tpi", [R, J]),
        tpu=_dense(t["tpu"], "tpu", [R, J, J + FINAL_AGENTS]),
        tf=_dense(t["tf"], "tf", [R, F, J]),
        elasticities=_elasticity_dict(t["elasticities"], folder),
    )
    if t["population"] is not None and len(t["population"]) != len(R):
        missing = sorted(set(R) - set(t["population"]["region"]))
        raise DataError(f"{folder / 'population.csv'}: no population for region(s) {missing}")
    return b


def _cbam_coverage(df: pd.DataFrame | None, R, J, tags: Tags) -> np.ndarray:
    """The coverage table over ``[r, j]`` with missing cells at their default."""
    arr = default_cbam_coverage(J, R, tags)
    if df is not None and not df.empty:
        arr[pd.Index(R).get_indexer(df["region"]), pd.Index(J).get_indexer(df["sector"])] = \
            df["share"].to_numpy(dtype=float)
    return arr
def _elasticity_dict(df: pd.DataFrame | None, folder: Path) -> dict:
    out: dict[str, dict[str, float]] = {}
    if df is None:
        return out
    for k, (p, s, v) in enumerate(zip(df["parameter"], df["sector"], df["value"])):
        if not v >= 0:
            raise DataError(f"{folder / 'elasticities.csv'}, row {k + 2}: {p} for {s} = {v} must be non-negative")
        out.setdefault(p, {})[s] = float(v)
    return out


def _tidy(arr: np.ndarray, name: str, axes: list[tuple[str, ...]]) -> pd.DataFrame:
    cols, value_col, _ = TABLES[name]
    nz = np.nonzero(arr)
    data = {c: np.asarray(a)[i] for c, a, i in zip(cols, axes, nz)}
    data[value_col] = arr[nz]
    return pd.DataFrame(data, columns=list(cols) + [value_col])


def benchmark_tables(b: Benchmark) -> dict[str, pd.DataFrame]:
    """The benchmark as tidy DataFrames, one per file of the on-disk format."""
    R, J, F = b.regions, b.sectors, b.factors
    tables = {
        "vom": _tidy(b.vom, "vom", [R, J]),
        "to": _tidy(b.to, "to", [R, J]),
        "vid": _tidy(b.vid, "vid", [R, J, J]),
        "vfm": _tidy(b.vfm, "vfm", [R, F, J]),
        "vrs": _tidy(b.vrs, "vrs", [R, J]),
        "vxmd": _tidy(b.vxmd, "vxmd", [J, R, R]),
        "tm": _tidy(b.tm, "tm", [J, R, R]),
        "final_demand": _tidy(b.fd, "final_demand", [R, J, FINAL_AGENTS]),
        "co2": _tidy(b.co2, "co2", [R, J, b.users]),
        "co2_process": _tidy(b.co2p, "co2_process", [R, J]),
    }
    cover = b.cbam_coverage
    if not np.array_equal(cover, default_cbam_coverage(J, R, b.tags)):
        # every cell of a tagged sector is written (a missing one would read back as 1)
        cells = [(r, j) for r in range(len(R)) for j in range(len(J)) if J[j] in b.tags.cbam or cover[r, j]]
        tables["cbam_coverage"] = pd.DataFrame({"region": [R[r] for r, _ in cells],
                                                "sector": [J[j] for _, j in cells],
                                                "share": [cover[r, j] for r, j in cells]})
    wedges = {"tx": [J, R, R], "vst": [R, J], "vtwr": [J, J, R, R], "tpd": [R, J], "tpi": [R, J],
              "tpu": [R, J, b.buyers], "tf": [R, F, J]}
    for name, axes in wedges.items():
        arr = getattr(b, name)
        if arr.any():  # optional tables: written only when they carry something
            tables[name] = _tidy(arr, name, axes)
    if b.elasticities:
        rows = [(p, s, v) for p, by in b.elasticities.items() for s, v in by.items()]
        tables["elasticities"] = pd.DataFrame(rows, columns=["parameter", "sector", "value"])
    if not np.isnan(b.pop).any():
        tables["population"] = pd.DataFrame({"region": list(R), "value": b.pop})
    return tables


def write_benchmark_files(b: Benchmark, folder: Path, float_format: str = FLOAT_FORMAT) -> None:
    """Write ``metadata.yaml`` and the CSV tables of ``b`` into the existing ``folder``, every number rounded
    to :data:`SIGNIFICANT_DIGITS` (``float_format="%.17g"`` writes the exact binary values instead)."""
    meta = dict(b.metadata)
    meta["name"] = b.name
    meta["sets"] = {"regions": list(b.regions), "sectors": list(b.sectors), "factors": list(b.factors)}
    meta["tags"] = {
        "fossil": list(b.tags.fossil), "electricity": list(b.tags.electricity),
        "resource": list(b.tags.resource), "eite": list(b.tags.eite), "crude": list(b.tags.crude),
        "region_groups": {k: list(v) for k, v in b.tags.region_groups.items()},
    }
    for tag in ("cbam", "fertilisers"):       # written only when a sector carries them
        if getattr(b.tags, tag):
            meta["tags"][tag] = list(getattr(b.tags, tag))
    meta["units"] = dict(UNITS)
    (folder / "metadata.yaml").write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True))
    for name, df in benchmark_tables(b).items():
        df.to_csv(folder / f"{name}.csv", index=False, float_format=float_format)


def write_benchmark(b: Benchmark, folder: str | Path, float_format: str = FLOAT_FORMAT, force: bool = False) -> Path:
    """Write ``b`` in the benchmark format, atomically (see :func:`cge.io.outdir.atomic_folder`: ``folder``
    must be new or a benchmark written before, unless ``force``). Numbers are rounded to
    :data:`SIGNIFICANT_DIGITS` so the files do not depend on the machine; ``float_format="%.17g"``
    makes the round trip exact instead."""
    folder = Path(folder)
    with atomic_folder(folder, "benchmark", force=force) as tmp:
        write_benchmark_files(b, tmp, float_format)
    return folder


def summary(b: Benchmark) -> pd.DataFrame:
    """Totals per region: output, GDP (final demand less bop), CO2, population, trade balance."""
    gdp = b.fd.sum(axis=(1, 2)) - b.bop
    df = pd.DataFrame({
        "region": b.regions,
        "output_bn_usd": b.vom.sum(axis=1),
        "gdp_bn_usd": gdp,
        "household_consumption_bn_usd": b.vc.sum(axis=1),
        "exports_bn_usd": b.vxmd.sum(axis=(0, 2)),
        "imports_bn_usd": b.vxmd.sum(axis=(0, 1)),
        "trade_balance_bn_usd": -b.bop,
        "co2_mt": b.emissions,
        "population_million": b.pop,
    })
    return df


def is_close(a: Benchmark, b: Benchmark, rtol: float = 1e-12, atol: float = 0.0) -> bool:
    """True when two benchmarks hold the same sets, tags and values (to ``rtol``, and ``atol`` for values
    near zero such as a tax rate that a round trip derives from an identity's gap)."""
    if (a.regions, a.sectors, a.factors) != (b.regions, b.sectors, b.factors) or a.tags != b.tags:
        return False
    for name in ("vom", "to", "vid", "vfm", "vrs", "vxmd", "tm", "fd", "co2", "co2p", "cbam_coverage") + WEDGE_TABLES:
        if not np.allclose(getattr(a, name), getattr(b, name), rtol=rtol, atol=atol):
            return False
    if a.elasticities != b.elasticities:
        return False
    return bool(np.allclose(np.nan_to_num(a.pop), np.nan_to_num(b.pop), rtol=rtol))


#: the tags a fingerprint has always hashed; a tag added later (fertilisers) counts only when set, so the
#: fingerprints of datasets without it stay those recorded before it existed
FINGERPRINT_TAGS = ("fossil", "electricity", "resource", "eite", "crude", "region_groups", "cbam")


def _tags_text(tags: Tags) -> str:
    """The tags as a fingerprint hashes them: ``Tags(fossil=..., ..., cbam=...)``, then ``fertilisers=...``
    when set."""
    names = FINGERPRINT_TAGS + (("fertilisers",) if tags.fertilisers else ())
    return "Tags(" + ", ".join(f"{n}={getattr(tags, n)!r}" for n in names) + ")"


def dataset_fingerprint(b: Benchmark) -> str:
    """Hash of a benchmark's tables (16 hex digits): sweeps record it per point, results folders in
    ``run.yaml``, so results of two datasets are never mixed."""
    h = hashlib.sha256()
    h.update(json.dumps([b.regions, b.sectors, b.factors, _tags_text(b.tags)], sort_keys=True).encode())
    for name in ("vom", "to", "vid", "vfm", "vrs", "vxmd", "tm", "fd", "co2", "co2p", "pop"):
        a = np.ascontiguousarray(getattr(b, name), dtype=float)
        h.update(name.encode())
        h.update(a.tobytes())
    # GTAP wedges and data elasticities count only when present (old fingerprints stay valid)
    for name in ("tx", "vst", "vtwr", "tpd", "tpi", "tpu", "tf"):
        a = getattr(b, name, None)
        if a is not None and np.any(a):
            h.update(name.encode())
            h.update(np.ascontiguousarray(a, dtype=float).tobytes())
    if getattr(b, "elasticities", None):
        h.update(json.dumps(b.elasticities, sort_keys=True).encode())
    return h.hexdigest()[:16]
