"""Scenarios resolved against the dataset once per solve, and the benchmark read by code."""

import numpy as np
import pytest
from conftest import scenario

import cge.bca.design
import cge.bca.model
import cge.results.run
from cge.bca.design import resolve_design
from cge.bca.model import BCAModel
from cge.data.flows import Flows
from cge.errors import ScenarioError
from cge.results.run import run_scenarios


def count_resolutions(monkeypatch) -> dict:
    """Count, per scenario name, every call of ``structure_of`` (the first step of every
    resolution against the dataset), wherever a module bound it."""
    calls: dict[str, int] = {}
    original = cge.bca.design.structure_of

    def counting(b, sc, *rest):
        calls[sc.name] = calls.get(sc.name, 0) + 1
        return original(b, sc, *rest)

    for module in (cge.bca.design, cge.bca.model, cge.results.run):
        monkeypatch.setattr(module, "structure_of", counting, raising=False)
    return calls


def test_each_scenario_is_resolved_against_the_dataset_once_per_solve(monkeypatch, small_benchmark):
    scs = [scenario(name="REF"),
           scenario(name="BCA", bca={"import_charge": True, "export_rebate": True}),
           scenario(name="TAX", policy={"instrument": "tax", "tax_usd_per_t": 30.0})]  # a second structure
    calls = count_resolutions(monkeypatch)
    comp = run_scenarios(small_benchmark, scs)
    assert comp.scenarios == ["REF", "BCA", "TAX"]
    assert calls == {"REF": 1, "BCA": 1, "TAX": 1}


def test_a_model_given_its_design_resolves_nothing_itself(monkeypatch, small_benchmark):
    sc = scenario(name="given")
    design = resolve_design(small_benchmark, sc)
    calls = count_resolutions(monkeypatch)
    bm = BCAModel(small_benchmark, sc, design=design)
    bm.apply(sc, design=design)
    assert calls == {}
    bm.apply(sc)  # a Python caller without a design: resolved here
    assert calls == {"given": 1}


def test_a_design_of_another_structure_is_refused(small_benchmark):
    bm = BCAModel(small_benchmark, scenario(name="cap"))
    tax = scenario(name="tax", policy={"instrument": "tax", "tax_usd_per_t": 10.0})
    with pytest.raises(ScenarioError, match="changes the model structure"):
        bm.apply(tax, design=resolve_design(small_benchmark, tax))


def test_nonzero_flows_are_exactly_the_positive_cells_by_code(small_benchmark):
    b, fl = small_benchmark, Flows(small_benchmark)
    R, J, F = b.regions, b.sectors, b.factors
    want = {(R[r], J[i], J[j]): v for (r, i, j), v in np.ndenumerate(b.vid) if v > 0}
    assert dict(fl.nonzero("vid")) == want
    r, j = R[1], J[2]
    assert dict(fl.nonzero("vid", region=r, sector=j)) == {i: v for (rr, i, jj), v in want.items()
                                                             if rr == r and jj == j}
    imports = {s: float(b.vxmd[3, k, 0]) for k, s in enumerate(R) if b.vxmd[3, k, 0] > 0}
    assert dict(fl.nonzero("vxmd", good=J[3], importer=R[0])) == imports
    assert fl("vom", r, j) == b.vom[1, 2]
    assert fl.total("vfm", region=r, factor=F[0]) == b.vfm[1, 0].sum()
    assert dict(fl.nonzero("evf")) == {(R[k], F[f]): b.vfm[k, f].sum() for k in range(len(R))
                                       for f in range(len(F)) if b.vfm[k, f].sum() > 0}


def test_a_zero_flow_gets_no_input_in_its_block(small_benchmark):
    import dataclasses

    vid = small_benchmark.vid.copy()
    fuels = set(small_benchmark.tags.fossil) | set(small_benchmark.tags.electricity)
    r, j = 0, 1
    i = next(k for k, code in enumerate(small_benchmark.sectors) if code not in fuels and vid[r, k, j] > 0)
    vid[r, i, j] = 0.0
    b = dataclasses.replace(small_benchmark, vid=vid)
    R, J = b.regions, b.sectors
    labels = {label[1:] for label, _v in BCAModel(b, scenario(name="REF")).em.flow_values("vid")}
    assert (R[r], J[i], J[j]) not in labels
    assert labels == {(R[a], J[c], J[e]) for (a, c, e), v in np.ndenumerate(vid) if v > 0}


def test_rates_are_read_by_cell_not_iterated(small_benchmark):
    with pytest.raises(ValueError, match="rate table"):
        list(Flows(small_benchmark).nonzero("tm"))


def test_a_sweep_point_is_resolved_against_the_dataset_once(monkeypatch, small_benchmark):
    from cge.scenarios.options import solver_default
    from cge.sweep import worker

    monkeypatch.setattr(worker, "_MODELS", type(worker._MODELS)())  # no model cached by other tests
    solver = {k: solver_default(k) for k in ("tol", "max_iter", "check_tol")}
    items = [("p0", scenario(name="p0")), ("p1", scenario(name="p1", policy={"cut": 0.1}))]
    calls = count_resolutions(monkeypatch)
    records = worker.solve_batch(small_benchmark, "fp", items, solver)
    assert [r["status"] for r in records] == ["ok", "ok"]
    assert [r["built_model"] for r in records] == [True, False]  # one structure, one model
    assert calls == {"p0": 1, "p1": 1}


def test_cge_compare_resolves_each_scenario_once(monkeypatch, small_benchmark):
    """The up-front check's designs are the ones the solve uses (``designs=``)."""
    from cge.results.run import check_scenarios

    scs = [scenario(name="REF"), scenario(name="BCA", bca={"import_charge": True})]
    calls = count_resolutions(monkeypatch)
    designs = check_scenarios(small_benchmark, scs)
    run_scenarios(small_benchmark, scs, designs=designs)
    assert calls == {"REF": 1, "BCA": 1}


def count_scenario_resolutions(monkeypatch) -> dict:
    """Count every resolution of a scenario's coalition (``resolve_regions(..., "coalition")``), of
    its elasticities (``for_benchmark``) and of its design (``resolve_design``), wherever bound."""
    import cge.data.elasticities
    import cge.scenarios.spec

    calls = {"coalition": 0, "elasticities": 0, "design": 0}

    def counting(fn, what, when=lambda *a: True):
        def wrapper(*args, **kw):
            if when(*args):
                calls[what] += 1
            return fn(*args, **kw)
        return wrapper

    regions = counting(cge.scenarios.spec.resolve_regions, "coalition", lambda *a: a[3] == "coalition")
    for module in (cge.scenarios.spec, cge.bca.design, cge.results.run):
        monkeypatch.setattr(module, "resolve_regions", regions)
    elasticities = counting(cge.data.elasticities.for_benchmark, "elasticities")
    for module in (cge.data.elasticities, cge.bca.design, cge.bca.model):
        monkeypatch.setattr(module, "for_benchmark", elasticities)
    design = counting(cge.bca.design.resolve_design, "design")
    for module in (cge.bca.design, cge.bca.model, cge.results.run):
        monkeypatch.setattr(module, "resolve_design", design)
    return calls


def test_a_compare_run_resolves_each_scenario_once_and_the_design_travels_with_the_result(
        monkeypatch, small_benchmark, tmp_path):
    from cge.results.run import check_scenarios
    from cge.results.write import write_results

    scs = [scenario(name="REF"), scenario(name="BCA", bca={"import_charge": True}),
           scenario(name="LOW_ARMINGTON", elasticities={"sigma_mm": {"*": 2.0}})]
    calls = count_scenario_resolutions(monkeypatch)
    designs = check_scenarios(small_benchmark, scs)        # as cge compare does: check, solve, write
    comp = run_scenarios(small_benchmark, scs, designs=designs)
    write_results(comp, tmp_path / "out")
    assert calls == {"coalition": 3, "elasticities": 3, "design": 3}
    assert [r.design for r in comp.results] == [designs[sc.name] for sc in scs]
    assert comp.results[2].design.elasticities("sigma_mm", small_benchmark.sectors[0]) == 2.0


def test_the_comparison_stacks_each_table_once_and_hands_out_copies(small_benchmark):
    comp = run_scenarios(small_benchmark, [scenario(name="REF"), scenario(name="BCA", bca={"import_charge": True})])
    regions = comp.table("regions")
    regions["ev_pct"] = 0.0                                  # a caller's change stays with the caller
    regions.insert(0, "extra", 1)
    again = comp.table("regions")
    assert "extra" not in again.columns and (again["ev_pct"] != 0).any()
    assert comp.tables["regions"] is comp.tables["regions"]  # stacked once, held
    assert comp.headline().equals(comp.headline())
