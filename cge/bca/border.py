"""Border measures (spec section 5): import charges, export rebates and output-based rebates,
as price wedges whose intensities are mutable parameters (zero where a design does not apply),
so one compiled model re-solves every design of a structure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pyomo.core import sqrt

from cge.bca.declaration import Declaration
from cge.core.blocks import PerUnit
from cge.data import intensity
from cge.data.benchmark import Benchmark
from cge.scenarios import cbam
from cge.scenarios.spec import Scenario

if TYPE_CHECKING:
    from cge.bca.design import ResolvedDesign

#: smoothing of max(PCO2[r] − PCO2[s], 0) in credited import charges, bn USD per Mt
#: (1e-6 bn USD/Mt = 0.001 USD/t); exactly zero at a zero price difference.
CREDIT_SMOOTHING = 1e-6


def smooth_max0(x, eps: float = CREDIT_SMOOTHING):
    """``max(x, 0)`` smoothed, never negative and exactly 0 at x = 0:
    ``g(x)·x²/(x² + ε²)`` with ``g(x) = (x + sqrt(x² + ε²))/2``; it differs from ``max(x, 0)``
    by at most ``ε/2`` near 0 and by ``O(ε²/|x|)`` elsewhere."""
    g = (x + sqrt(x * x + eps * eps)) / 2
    return g * (x * x) / (x * x + eps * eps)


def coverage_shares(b: Benchmark, coverage) -> np.ndarray:
    """``[r, j]`` factor on every intensity applied to sector j of region r: the benchmark's CBAM
    coverage share under ``coverage: cbam``, else 1."""
    return b.cbam_coverage if coverage == "cbam" else np.ones_like(b.vom)


def charge_intensity(b: Benchmark, theta: dict[str, np.ndarray], sc: Scenario, design: ResolvedDesign):
    """The embodied intensities of a scenario's border adjustment, before coverage shares and
    phase-in: ``(flows[i, exporter, importer], own[r, j])``. ``indirect_sectors`` keeps the
    electricity component only for the sectors listed (CBAM Annex II lists the goods for which
    only direct emissions count); CBAM default values replace the exporter's intensity
    (:func:`cge.scenarios.cbam.default_values`), raised by the scenario's mark-up or, without one, by
    that of its phase-in year, the fertiliser mark-up for sectors tagged ``fertilisers``
    (:func:`cge.scenarios.cbam.sector_markups`)."""
    bca = sc.bca
    own = theta[bca.basis]
    if bca.basis == "direct+electricity" and bca.indirect_sectors != "all":
        keep = np.array([j in design.indirect for j in b.sectors])
        own = np.where(keep[None, :], own, theta["direct"])
    if bca.benchmark in ("exporter_markup", "worst"):
        markup = (cbam.sector_markups(b.sectors, b.tags.fertilisers, bca.default_markup, sc.phase_in.year)
                  if bca.benchmark == "exporter_markup" else None)
        charged = cbam.default_values(own, b.vom, bca.benchmark, markup)
        return intensity.reference_intensity(b, charged, "exporter"), own
    return intensity.reference_intensity(b, own, bca.benchmark), own


def declare_parameters(d: Declaration, ykeys) -> None:
    """The design's parameters: ``bca_credit`` (0/1), ``bca_return`` (share of BCA revenue
    returned to the exporter), and the intensities (Mt per bn USD) of the import charge on every
    flow into the coalition ``bca_theta[i,s,r]``, of the export rebate on every coalition export
    to a non-member ``xr_theta[i,s,r]`` and of the output-based rebate ``obr_theta[r,j]``."""
    em, cl = d.em, set(d.coalition)
    trade = [key for key, _q in d.fl.nonzero("vxmd")]
    bca_keys = [(i, s, r) for (i, s, r) in trade if r in cl and s != r]
    xr_keys = [(i, s, r) for (i, s, r) in trade if s in cl and r not in cl]
    obr_keys = [(r, j) for (r, j) in ykeys if r in cl]
    d.credit = em.parameter("bca_credit", values=0.0, doc="credit foreign carbon price (0/1)")
    d.ret = em.parameter("bca_return", values=0.0, doc="share of BCA revenue returned to exporter")
    d.bca_theta = em.parameter("bca_theta", bca_keys, 0.0, doc="import-charge intensity, Mt per bn USD")
    d.xr_theta = em.parameter("xr_theta", xr_keys, 0.0, doc="export-rebate intensity, Mt per bn USD")
    d.obr_theta = em.parameter("obr_theta", obr_keys, 0.0, doc="output-based rebate intensity")
    d.bca_keys, d.xr_keys, d.obr_keys = set(bca_keys), set(xr_keys), set(obr_keys)


def import_charge(d: Declaration, i: str, s: str, r: str) -> tuple:
    """Importer r charges ``TB = max(PCO2[r] − credit·PCO2[s], 0)·θ[i,s,r]`` per unit of fob
    value (``PCO2[r]·θ`` when s prices no carbon); the share ``bca_return`` goes to the
    exporter's agent. Under ``bca.instrument: allowances`` the charged imports book ``θ`` Mt
    against r's cap (account ``bca_co2``)."""
    if (i, s, r) not in d.bca_keys:
        return ()
    PCO2, theta = d.PCO2, d.bca_theta[i, s, r]
    gap = PCO2[r] - d.credit * PCO2[s] if s in d.priced else PCO2[r]
    charge = (smooth_max0(gap) if s in d.priced else gap) * theta
    surrendered = {"account": ("bca_co2", r), "coefficient": theta} if d.structure.imports_in_cap else {}
    return (PerUnit(d.RA[r], charge * (1 - d.ret), kind="bca_charge", **surrendered),
            PerUnit(d.RA[s], charge * d.ret, kind="bca_charge_returned"))


def export_rebate(d: Declaration, i: str, s: str, r: str) -> tuple:
    """Coalition exporter s is rebated ``XR = PCO2[s]·θ[s,i]`` per unit, paid by its own agent."""
    if (i, s, r) not in d.xr_keys:
        return ()
    return (PerUnit(d.RA[s], -d.PCO2[s] * d.xr_theta[i, s, r], kind="export_rebate"),)


def output_rebate(d: Declaration, r: str, j: str) -> tuple:
    """Coalition producers receive ``PCO2[r]·θ[r,j]`` per unit of output, financed by RA[r]."""
    if (r, j) not in d.obr_keys:
        return ()
    return (PerUnit(d.RA[r], -d.PCO2[r] * d.obr_theta[r, j], kind="output_rebate"),)


def set_design(d: Declaration, sc: Scenario, design: ResolvedDesign, theta: dict[str, np.ndarray]) -> None:
    """Set the border parameters of scenario ``sc`` (its :class:`~cge.bca.design.ResolvedDesign`
    ``design``; ``theta`` the benchmark intensities by basis). A charge applies when the
    importer implements, the good is covered and the exporter is not exempt; intensities are
    scaled by the CBAM coverage share and the phase-in factor of ``sc.phase_in.year``."""
    fl, bca = d.fl, sc.bca
    cov, exempt, implementers = design.coverage, design.exempt, design.implementers
    flows, own = charge_intensity(fl.b, theta, sc, design)
    flow_at, own_at = fl.view(flows, like="vxmd"), fl.view(own, like="vom")
    share = fl.view(coverage_shares(fl.b, bca.coverage), like="vom")
    ele = set(d.tags.electricity)
    charged = {j: cbam.charge_factor(sc.phase_in.year, j in ele) for j in fl.b.sectors}  # CBAM Art. 31
    for (i, s, r) in d.bca_keys:
        on = bca.import_charge and r in implementers and i in cov and s not in exempt
        d.bca_theta[i, s, r].value = flow_at(i, s, r) * share(s, i) * charged[i] if on else 0.0
    for (i, s, r) in d.xr_keys:
        on = bca.export_rebate and s in implementers and i in cov
        d.xr_theta[i, s, r].value = own_at(s, i) * share(s, i) * charged[i] if on else 0.0
    d.credit.value = 1.0 if bca.credit_foreign_carbon_price else 0.0
    d.ret.value = 1.0 if bca.revenue == "exporter" else 0.0
    set_output_rebates(d, sc, design, theta, share)


def set_output_rebates(d: Declaration, sc: Scenario, design: ResolvedDesign, theta: dict[str, np.ndarray],
                       share) -> None:
    """Output-based rebate intensities: while CBAM free allocation is not yet phased out, the
    free-allocation factor times the direct intensity of covered output of implementers; else
    ``output_based_rebates`` on its own basis, benchmark and coverage."""
    fl, obr = d.fl, sc.output_based_rebates
    if sc.phase_in.active and sc.phase_in.free_allocation:
        direct, ele = fl.view(theta["direct"], like="vom"), set(d.tags.electricity)
        for (r, j) in d.obr_keys:
            on = r in design.implementers and j in design.coverage
            fa = cbam.free_allocation_factor(sc.phase_in.year, j in ele)
            d.obr_theta[r, j].value = fa * direct(r, j) * share(r, j) if on else 0.0
        return
    own = fl.view(intensity.own_reference(fl.b, theta[obr.basis], obr.benchmark), like="vom")
    obr_share = fl.view(coverage_shares(fl.b, obr.coverage), like="vom")
    for (r, j) in d.obr_keys:
        on = obr.enabled and j in design.obr_coverage
        d.obr_theta[r, j].value = own(r, j) * obr_share(r, j) if on else 0.0
