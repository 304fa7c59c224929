"""Scenarios and elasticities are data, validated on load."""

import pytest

from cge.data.elasticities import read_elasticity_file, resolve
from cge.errors import DataError, ScenarioError
from cge.scenarios.spec import load_scenarios, resolve_regions, scenario_from_dict

SECTORS = ("coa", "cru", "gas", "oil", "ele", "chm")


def test_packaged_core_experiment_loads_with_ref_first():
    from cge.cli import default_scenarios_path

    scenarios = load_scenarios(default_scenarios_path())
    assert scenarios[0].name == "REF" and not scenarios[0].bca.active
    assert all(s.policy.cut == 0.2 and s.coalition == scenarios[0].coalition for s in scenarios)
    assert sum(s.bca.active for s in scenarios) >= 4


def test_default_elasticities_follow_the_spec():
    e = resolve(SECTORS)
    assert e("sigma_klem", "chm") == 0.5 and e("sigma_ff", "chm") == 1.0 and e("sigma_va", "chm") == 1.0
    assert e("sigma_dm", "cru") == 5.2 and e("sigma_dm", "chm") == 3.5
    assert e("sigma_mm", "chm") == 7.0  # 2 x sigma_dm
    assert e("eta", "coa") == 4.0 and e("eta", "chm") == 1.0
    assert e("sigma_c", "*") == 0.5 and e("sigma_cn", "*") == 1.0 and e("sigma_ce", "*") == 0.5


def test_elasticity_override_does_not_depend_on_key_order():
    a = resolve(SECTORS, {"sigma_dm": {"coa": 2.0, "*": 4.0}})
    b = resolve(SECTORS, {"sigma_dm": {"*": 4.0, "coa": 2.0}})
    assert a.table == b.table
    assert a("sigma_dm", "coa") == 2.0 and a("sigma_dm", "cru") == 4.0 and a("sigma_mm", "cru") == 8.0


@pytest.mark.parametrize("override, message", [
    ({"sigma_xx": 1}, "unknown parameter 'sigma_xx'"),
    ({"sigma_dm": {"steel": 1}}, "unknown sector 'steel'"),
    ({"sigma_dm": -1}, "must be non-negative"),
    ({"sigma_c": {"coa": 1}}, "household elasticities have one value"),
])
def test_bad_elasticity_override_is_named(override, message):
    with pytest.raises(DataError, match=message):
        resolve(SECTORS, override)


def test_bad_elasticity_file_names_the_row(tmp_path):
    p = tmp_path / "el.csv"
    p.write_text("parameter,sector,value,source\nsigma_klem,*,0.5,x\nsigma_klm,*,0.5,typo\n")
    with pytest.raises(DataError, match=r"row 3: unknown parameter 'sigma_klm'"):
        read_elasticity_file(p)


@pytest.mark.parametrize("data, message", [
    ({"coalition": ["a"]}, "every scenario needs a non-empty name"),
    ({"name": "x", "bca": {"basis": "indirect"}}, "bca.basis"),
    ({"name": "x", "bca": {"export_rebate": "yes"}}, "bca.export_rebate: 'yes' must be true or false"),
    ({"name": "x", "policy": {"instrument": "subsidy"}}, "policy.instrument"),
    ({"name": "x", "policy": {"tax_usd_per_t": -5}}, "policy.tax_usd_per_t"),
    ({"name": "x", "output_based_rebates": {"enable": True}}, "output_based_rebates.enable: unknown key"),
    ({"name": "x", "numeraire": "PY"}, "numeraire"),
    ({"name": "x", "elasticities": {"sigma": 1}}, "elasticities.sigma: unknown elasticity"),
])
def test_malformed_scenario_names_the_key(data, message):
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict(data, source="s.yaml")


def test_region_groups_expand_and_unknown_names_fail():
    groups = {"annex1": ("A", "B")}
    assert resolve_regions(("annex1", "C"), ("A", "B", "C", "D"), groups, "coalition") == ("A", "B", "C")
    with pytest.raises(ScenarioError, match="'Z' is neither a region"):
        resolve_regions(("Z",), ("A",), groups, "coalition")


def test_scenario_file_defaults_merge_deeply_and_duplicate_names_fail(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("defaults:\n  policy: {cut: 0.3}\n  bca: {basis: total}\nscenarios:\n"
                 "  - name: a\n    bca: {import_charge: true}\n  - name: b\n")
    a, b = load_scenarios(p)
    assert a.policy.cut == 0.3 and a.bca.basis == "total" and a.bca.import_charge
    assert b.bca.basis == "total" and not b.bca.import_charge
    p.write_text("scenarios:\n  - name: a\n  - name: a\n")
    with pytest.raises(ScenarioError, match="used twice"):
        load_scenarios(p)
