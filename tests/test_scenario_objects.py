"""Scenarios made in Python go through the one options schema (cge/scenarios/options.py), as YAML
files do: the constructor, the section objects, ``Scenario.replace`` and ``dataclasses.replace``
all validate every field, and a bad value is the same one-line :class:`ScenarioError` naming the
key that a scenario file gets (issue 23, "Bad input")."""

from __future__ import annotations

import dataclasses
import re

import pytest

from cge.errors import ScenarioError
from cge.scenarios.spec import BCA, Policy, Scenario, load_scenarios, scenario_from_dict

TAX = {"instrument": "tax", "tax_usd_per_t": 50}


def _yaml_error(tmp_path, fragment: dict) -> str:
    """The message a scenario file with ``fragment`` gets, without its ``file [name]: `` prefix."""
    import yaml

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "s", **fragment}))
    with pytest.raises(ScenarioError) as err:
        load_scenarios(path)
    prefix = f"{path} [s]: "
    assert str(err.value).startswith(prefix)
    return str(err.value)[len(prefix):]


def _python_error(fragment: dict) -> str:
    with pytest.raises(ScenarioError) as err:
        Scenario(name="s", **fragment)
    return str(err.value)


NAMED_CASES = {
    # issue 23: -50 USD/t solved and reported abatement of -1,786%
    "negative tax": ({"coalition": ["EU27"], "policy": {"instrument": "tax", "tax_usd_per_t": -50}},
                     r"^policy\.tax_usd_per_t: -50 must lie in \[0\.0, 100000\.0\]$"),
    # issue 23: ended in NonSquareSystemError (448 rows vs 449 unknowns)
    "unknown instrument": ({"coalition": ["EU27"], "policy": {"instrument": "Tax", "tax_usd_per_t": 50}},
                           r"^policy\.instrument: 'Tax' is not one of tax, regional_cap, coalition_cap, none$"),
    # issue 23: raised a bare KeyError 'indirect'
    "unknown basis": ({"coalition": ["EU27"], "policy": TAX, "bca": {"import_charge": True, "basis": "indirect"}},
                      r"^bca\.basis: 'indirect' is not one of direct, direct\+electricity, total$"),
    "unknown key": ({"policy": {"instrument": "tax", "rate": 50}},
                    r"^policy\.rate: unknown key; allowed keys: cut, instrument, tax_usd_per_t$"),
    "a list where a mapping is expected": ({"policy": ["tax"]}, r"^policy: expected a mapping, got list$"),
    "a number where codes are expected": ({"coalition": 27}, r"^coalition: expected a code or a list of codes"),
    "a rule between options": ({"coalition": ["EU27"], "policy": TAX, "bca": {"instrument": "allowances"}},
                               r"^bca\.instrument: allowances are surrendered under a cap"),
}


@pytest.mark.parametrize("fragment, message", NAMED_CASES.values(), ids=NAMED_CASES)
def test_a_bad_scenario_made_in_python_fails_with_the_line_a_yaml_file_gets(tmp_path, fragment, message):
    got = _python_error(fragment)
    assert "\n" not in got
    assert re.search(message, got), got
    assert got == _yaml_error(tmp_path, fragment)


def test_the_section_objects_validate_their_own_fields():
    with pytest.raises(ScenarioError, match=r"^policy\.tax_usd_per_t: -50 must lie in"):
        Policy(instrument="tax", tax_usd_per_t=-50)
    with pytest.raises(ScenarioError, match=r"^policy\.instrument: 'Tax' is not one of"):
        Policy(instrument="Tax")
    with pytest.raises(ScenarioError, match=r"^bca\.basis: 'indirect' is not one of"):
        BCA(import_charge=True, basis="indirect")
    with pytest.raises(ScenarioError, match=r"^bca\.default_markup: applies only with bca\.benchmark: exporter_markup"):
        BCA(benchmark="exporter", default_markup=0.1)


def test_a_bare_code_where_a_list_is_expected_is_one_code_as_in_yaml(tmp_path):
    """issue 23: ``coalition="EU27"`` was split into the characters E, U, 2, 7."""
    sc = Scenario(name="s", coalition="EU27", policy=TAX, bca={"import_charge": True, "exempt": "CHN"})
    assert sc.coalition == ("EU27",)
    assert sc.bca.exempt == ("CHN",)
    assert sc == scenario_from_dict({"name": "s", "coalition": "EU27", "policy": TAX,
                                     "bca": {"import_charge": True, "exempt": "CHN"}})


def test_python_values_are_normalised_as_yaml_values_are():
    sc = Scenario(name="s", coalition=["EU27", "USA"], policy=Policy(instrument="tax", tax_usd_per_t=50))
    assert sc.coalition == ("EU27", "USA")
    assert sc.policy.tax_usd_per_t == 50.0 and isinstance(sc.policy.tax_usd_per_t, float)
    assert sc == Scenario(name="s", coalition=("EU27", "USA"), policy=TAX)   # a mapping or the object


def test_replace_updates_the_options_a_section_mapping_names_and_validates_the_result():
    ref = Scenario(name="EU-50", coalition=["EU27"], policy=TAX)
    cbam = ref.replace(name="EU-50-CBAM", bca={"import_charge": True, "coverage": "cbam"})
    assert (cbam.name, cbam.coalition, cbam.policy) == ("EU-50-CBAM", ("EU27",), ref.policy)
    assert (cbam.bca.import_charge, cbam.bca.coverage, cbam.bca.basis) == (True, "cbam", "direct")
    assert ref.replace(policy={"tax_usd_per_t": 100}).policy == Policy(instrument="tax", tax_usd_per_t=100.0)
    assert ref.replace(bca=BCA(export_rebate=True)).bca == BCA(export_rebate=True)   # an object replaces it all
    with pytest.raises(ScenarioError, match=r"^policy\.tax_usd_per_t: -1 must lie in"):
        ref.replace(policy={"tax_usd_per_t": -1})
    with pytest.raises(ScenarioError, match=r"^bca\.basis: 'indirect' is not one of"):
        cbam.replace(bca={"basis": "indirect"})
    with pytest.raises(ScenarioError, match=r"^polcy: unknown key; allowed keys: bca, closure, coalition"):
        ref.replace(polcy={"cut": 0.1})
    with pytest.raises(ScenarioError, match=r"^bca\.charge: unknown key"):
        ref.replace(bca={"charge": True})


def test_dataclasses_replace_cannot_skip_validation():
    ref = Scenario(name="s", coalition=["EU27"], policy=TAX)
    with pytest.raises(ScenarioError, match=r"^policy\.tax_usd_per_t: -50 must lie in"):
        dataclasses.replace(ref.policy, tax_usd_per_t=-50)
    with pytest.raises(ScenarioError, match=r"^coalition: expected a code or a list of codes"):
        dataclasses.replace(ref, coalition=[1, 2])
    with pytest.raises(ScenarioError, match=r"^name: every scenario needs a non-empty name"):
        dataclasses.replace(ref, name="")


def test_a_scenario_needs_a_name():
    with pytest.raises(ScenarioError, match=r"^name: every scenario needs a non-empty name"):
        scenario_from_dict({"coalition": ["EU27"]})
    with pytest.raises(ScenarioError, match=r"^name: every scenario needs a non-empty name"):
        Scenario(name=None)


def test_to_dict_and_back_is_the_same_scenario():
    sc = Scenario(name="s", coalition="EU27", policy=TAX, bca={"import_charge": True, "coverage": ["iron", "alu"]},
                  foreign_carbon_prices={"CHN": 10}, elasticities={"sigma_dm": {"*": 4.0}})
    assert scenario_from_dict(sc.to_dict()) == sc
