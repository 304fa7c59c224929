"""The benchmark read by code: labelled cells and nonzero iteration of its tables.

:class:`Benchmark` stores dense numpy arrays indexed by position. The model builders read it
through :class:`Flows` instead, by region, sector and factor codes::

    fl = Flows(b)
    fl("vom", "USA", "ele")                                  # one cell, a float
    for (r, j), q in fl.nonzero("vom"): ...                  # every positive cell
    for i, q in fl.nonzero("vid", region=r, sector=j): ...   # the free axes of a slice
    fl.total("vfm", region=r, factor=f)                      # a slice summed

``nonzero`` is the one place where zero flows are pruned: it yields the cells ``> 0`` of a flow
table (flows are non-negative; a derived flow such as ``vdm`` that rounds to −1e−13 counts as
zero). Rates (``to``, ``tm``, ``tx``, ``tpd``, ``tpi``, ``tpu``, ``tf``) are read by cell only.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from cge.data.benchmark import FINAL_AGENTS, HOUSEHOLD, Benchmark

#: axes of every table (names as in spec section 2, plus ``fd`` final demand by agent and ``evf``
#: factor endowments; ``exporter``/``importer`` are regions,
#: ``good``/``fuel``/``margin`` are sectors, ``user`` = sectors + household, ``buyer`` = sectors +
#: final agents)
AXES: dict[str, tuple[str, ...]] = {
    "vom": ("region", "sector"), "vrs": ("region", "sector"), "co2p": ("region", "sector"),
    "vst": ("region", "sector"), "cbam_coverage": ("region", "sector"),
    "vid": ("region", "good", "sector"), "vfm": ("region", "factor", "sector"),
    "vxmd": ("good", "exporter", "importer"), "vtwr": ("margin", "good", "exporter", "importer"),
    "vc": ("region", "good"), "vg": ("region", "good"), "vi": ("region", "good"),
    "vdm": ("region", "good"), "va": ("region", "good"), "co2": ("region", "fuel", "user"),
    "fd": ("region", "good", "agent"), "evf": ("region", "factor"),
    "bop": ("region",), "emissions": ("region",), "household_spending": ("region",),
    # rates
    "to": ("region", "sector"), "tm": ("good", "exporter", "importer"), "tx": ("good", "exporter", "importer"),
    "tpd": ("region", "good"), "tpi": ("region", "good"), "tpu": ("region", "good", "buyer"),
    "tf": ("region", "factor", "sector"),
}
RATES = frozenset({"to", "tm", "tx", "tpd", "tpi", "tpu", "tf"})


class Flows:
    """Labelled, read-only view of a :class:`Benchmark` (arrays are read once and cached)."""

    def __init__(self, b: Benchmark):
        self.b = b
        regions, sectors = b.regions, b.sectors
        self.codes = {"region": regions, "exporter": regions, "importer": regions, "sector": sectors,
                      "good": sectors, "fuel": sectors, "margin": sectors, "factor": b.factors,
                      "user": sectors + (HOUSEHOLD,), "buyer": sectors + FINAL_AGENTS, "agent": FINAL_AGENTS}
        self._pos = {kind: {c: k for k, c in enumerate(codes)} for kind, codes in self.codes.items()}
        self._arrays: dict[str, np.ndarray] = {}
        self._cells: dict[str, tuple] = {}      # table -> (array, position of each axis's codes)
        self._nonzero: dict[tuple, dict] = {}   # (table, fixed axes) -> nonzero cells by fixed codes

    def array(self, table: str) -> np.ndarray:
        """The dense array of ``table`` (axes :data:`AXES`)."""
        if table not in self._arrays:
            self._arrays[table] = self._factor_endowments() if table == "evf" else np.asarray(getattr(self.b, table))
        return self._arrays[table]

    def position(self, axis: str, code: str) -> int:
        return self._pos[axis][code]

    def __call__(self, table: str, *codes: str) -> float:
        """One cell of ``table`` by its codes, in the order of :data:`AXES`."""
        reader = self._cells.get(table)
        if reader is None:
            reader = self._cells[table] = (self.array(table), tuple(self._pos[a] for a in AXES[table]))
        arr, pos = reader
        if len(codes) != len(pos):
            raise ValueError(f"{table}[{', '.join(AXES[table])}]: {len(codes)} codes given")
        if len(pos) == 2:  # most tables; spelt out, as this runs for every cell a model reads
            return float(arr.item(pos[0][codes[0]], pos[1][codes[1]]))
        if len(pos) == 3:
            return float(arr.item(pos[0][codes[0]], pos[1][codes[1]], pos[2][codes[2]]))
        return float(arr.item(tuple(p[c] for p, c in zip(pos, codes))))

    def view(self, arr: np.ndarray, like: str):
        """A cell reader ``(codes) -> float`` of an array with the axes of table ``like``."""
        axes = AXES[like]
        return lambda *codes: float(arr[tuple(self._pos[a][c] for a, c in zip(axes, codes))])

    def nonzero(self, table: str, **fixed: str) -> Iterator[tuple]:
        """``(codes, value)`` of every cell ``> 0`` of flow ``table`` with the axes in ``fixed``
        held at the codes given; ``codes`` is the free axes' codes (a tuple, or one code when
        one axis is free), in table order."""
        if table in RATES:
            raise ValueError(f"{table} is a rate table; read it by cell")
        axes = AXES[table]
        unknown = set(fixed) - set(axes)
        if unknown:
            raise ValueError(f"{table} has axes {axes}, not {sorted(unknown)}")
        for a, c in fixed.items():
            if c not in self._pos[a]:
                raise KeyError(c)
        by_fixed = self._nonzero_by(table, tuple(a for a in axes if a in fixed))
        return iter(by_fixed.get(tuple(fixed[a] for a in axes if a in fixed), ()))

    def _nonzero_by(self, table: str, fixed_axes: tuple) -> dict:
        """``{codes of fixed_axes: [(free codes, value), ...]}`` of the cells ``> 0`` of ``table``,
        each list in table order: made in one pass over the table the first time ``nonzero``
        holds these axes (a model reads the cells of every block this way)."""
        key = (table, fixed_axes)
        found = self._nonzero.get(key)
        if found is not None:
            return found
        axes, arr = AXES[table], self.array(table)
        idx = np.nonzero(arr > 0)
        values = arr[idx].astype(float).tolist()
        codes = [[self.codes[a][k] for k in ix.tolist()] for a, ix in zip(axes, idx)]
        fixed_codes = [c for a, c in zip(axes, codes) if a in fixed_axes]
        free_codes = [c for a, c in zip(axes, codes) if a not in fixed_axes]
        group_keys = zip(*fixed_codes) if fixed_codes else [()] * len(values)
        if len(free_codes) == 1:   # one free axis: its code, not a 1-tuple
            cells = free_codes[0]
        else:
            cells = zip(*free_codes) if free_codes else [()] * len(values)
        found = {}
        for g, cell, v in zip(group_keys, cells, values):
            found.setdefault(g, []).append((cell, v))
        self._nonzero[key] = found
        return found

    def total(self, table: str, **fixed: str) -> float:
        """The cells of ``table`` with ``fixed`` axes at the codes given, summed."""
        axes = AXES[table]
        sub = self.array(table)[tuple(self._pos[a][fixed[a]] if a in fixed else slice(None) for a in axes)]
        return float(sub.sum())

    def _factor_endowments(self) -> np.ndarray:
        """``evf[r,f] = Σ_j vfm[r,f,j]``, each region's endowment of factor f."""
        vfm = self.b.vfm
        return np.array([[vfm[k, f].sum() for f in range(vfm.shape[1])] for k in range(vfm.shape[0])])
