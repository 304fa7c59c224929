"""The options schema (cge/scenarios/options.py) is the one definition of every scenario and solver option:
defaults, validation, model structure, sweep fields, legal switches, CLI and the docs' options table derive from it."""

import inspect
import re
import sys
from dataclasses import MISSING, fields
from pathlib import Path

import pytest

from cge.bca.design import Structure, structure_of
from cge.cli import build_parser
from cge.data import intensity
from cge.errors import ScenarioError
from cge.report.legitimacy import BCA_SWITCHES, BCA_SWITCHES_IF_SET, SWITCH_VALUES
from cge.results.run import run_scenarios
from cge.scenarios.options import (
    KINDS,
    OPTIONS,
    SCENARIO_OPTIONS,
    SECTIONS,
    SOLVER_OPTIONS,
    check_value,
    markdown_table,
    options_in,
    solver_defaults,
    structural_fields,
    top_level_fields,
)
from cge.scenarios.spec import SECTION_CLASSES, Scenario, deep_merge, scenario_from_dict
from cge.sweep.spec import SOLVER_DEFAULTS, check_field_path, sweep_from_dict

OPTIONS_PAGE = Path(__file__).resolve().parents[1] / "docs" / "reference" / "options.md"


def _field_defaults(cls) -> dict:
    out = {}
    for f in fields(cls):
        if f.default is not MISSING:
            out[f.name] = f.default
        elif f.default_factory is not MISSING:
            out[f.name] = f.default_factory()
        else:
            out[f.name] = MISSING
    return out


# ----------------------------------------------------------------------------- defaults
def test_every_scenario_option_has_one_default():
    """Each dataclass attribute is a schema option and takes the schema's default (and back)."""
    top = _field_defaults(Scenario)
    assert list(top) == list(top_level_fields())
    for o in options_in(""):
        assert top[o.name] == (MISSING if o.required else o.default), o.name
    for section, cls in SECTION_CLASSES.items():
        assert isinstance(top[section], cls)
        got = _field_defaults(cls)
        assert set(got) == {o.key for o in options_in(section)}, section
        for o in options_in(section):
            assert got[o.key] == o.default, o.name
    assert set(SECTION_CLASSES) == set(SECTIONS)


def test_a_scenario_of_only_a_name_takes_every_schema_default():
    assert scenario_from_dict({"name": "x"}) == Scenario("x")


@pytest.mark.parametrize("opt", [o for o in OPTIONS.values() if not o.required], ids=lambda o: o.name)
def test_every_default_passes_its_own_validation(opt):
    assert opt.kind in KINDS
    assert check_value(opt, opt.default) == opt.default
    if opt.kind == "choice":
        assert opt.default in opt.choices


# ----------------------------------------------------------------------------- validation
BAD = {"text": 5, "bool": "yes", "number": "much", "positive": -1.0, "int": 0, "choice": "nope",
       "codes": 5, "mapping": [1], "numeraire": "PY", "year": 1999, "shocks": [1]}


def _nested(name: str, value) -> dict:
    head, _, rest = name.partition(".")
    return {head: _nested(rest, value) if rest else value}


@pytest.mark.parametrize("opt", SCENARIO_OPTIONS, ids=lambda o: o.name)
def test_a_bad_value_of_any_scenario_option_names_the_file_and_the_key(opt):
    data = deep_merge({"name": "x"}, _nested(opt.name, BAD[opt.kind]))
    with pytest.raises(ScenarioError, match=rf"^s\.yaml: {re.escape(opt.name)}: "):
        scenario_from_dict(data, source="s.yaml")


@pytest.mark.parametrize("opt", [o for o in OPTIONS.values() if o.kind == "number" and o.high is not None],
                         ids=lambda o: o.name)
def test_a_number_outside_its_range_is_an_error_naming_the_range(opt):
    with pytest.raises(ScenarioError, match=rf"{re.escape(opt.name)}: .* must lie in \[{opt.low}, {opt.high}\]"):
        check_value(opt, opt.high * 2 + 1)


def test_an_unknown_key_in_any_section_lists_the_schema_keys():
    for section in ("", *SECTIONS):
        data = {"name": "x", "typo": 1} if not section else {"name": "x", section: {"typo": 1}}
        allowed = sorted({o.key for o in options_in(section)} | (set() if section else set(SECTIONS)))
        with pytest.raises(ScenarioError, match=re.escape(f"unknown key; allowed keys: {', '.join(allowed)}")):
            scenario_from_dict(data, source="s.yaml")


# ----------------------------------------------------------------------------- structure
def test_structural_options_name_exactly_the_fields_of_the_model_structure():
    assert set(structural_fields()) == {f.name for f in fields(Structure)}


BASE = {"name": "base", "coalition": ["annex1"], "policy": {"instrument": "coalition_cap", "cut": 0.2}}
#: option -> (extra settings of the base, the change): a valid change of that option alone
CHANGES = {
    "name": ({}, {"name": "other"}),
    "description": ({}, {"description": "text"}),
    "coalition": ({}, {"coalition": ["r1"]}),
    "policy.instrument": ({}, {"policy": {"instrument": "regional_cap"}}),
    "policy.cut": ({}, {"policy": {"cut": 0.3}}),
    "policy.tax_usd_per_t": ({"policy": {"instrument": "tax", "cut": 0}}, {"policy": {"tax_usd_per_t": 40}}),
    "foreign_carbon_prices": ({}, {"foreign_carbon_prices": {"r4": 10}}),
    "bca.import_charge": ({"bca": {"instrument": "allowances"}}, {"bca": {"import_charge": True}}),
    "bca.export_rebate": ({}, {"bca": {"export_rebate": True}}),
    "bca.basis": ({}, {"bca": {"basis": "total"}}),
    "bca.benchmark": ({}, {"bca": {"benchmark": "world_average"}}),
    "bca.default_markup": ({"bca": {"benchmark": "exporter_markup", "default_markup": 0.1}},
                           {"bca": {"default_markup": 0.3}}),
    "bca.credit_foreign_carbon_price": ({}, {"bca": {"credit_foreign_carbon_price": True}}),
    "bca.coverage": ({}, {"bca": {"coverage": "all"}}),
    "bca.exempt": ({}, {"bca": {"exempt": ["r4"]}}),
    "bca.exempt_coalition": ({}, {"bca": {"exempt_coalition": False}}),
    "bca.implementers": ({}, {"bca": {"implementers": ["r1"]}}),
    "bca.revenue": ({}, {"bca": {"revenue": "exporter"}}),
    "bca.instrument": ({"bca": {"import_charge": True}}, {"bca": {"instrument": "allowances"}}),
    "bca.indirect_sectors": ({"bca": {"basis": "direct+electricity"}}, {"bca": {"indirect_sectors": ["eite1"]}}),
    "output_based_rebates.enabled": ({}, {"output_based_rebates": {"enabled": True}}),
    "output_based_rebates.basis": ({}, {"output_based_rebates": {"basis": "total"}}),
    "output_based_rebates.benchmark": ({}, {"output_based_rebates": {"benchmark": "best"}}),
    "output_based_rebates.coverage": ({}, {"output_based_rebates": {"coverage": "all"}}),
    "elasticities": ({}, {"elasticities": {"sigma_dm": {"*": 1.0}}}),   # a Cobb-Douglas Armington nest
    "numeraire": ({}, {"numeraire": "PC:r1"}),
    "phase_in.year": ({"bca": {"coverage": ["eite1"]}}, {"phase_in": {"year": 2030}}),
    "phase_in.free_allocation": ({"bca": {"coverage": ["eite1"]}, "phase_in": {"year": 2030}},
                                 {"phase_in": {"free_allocation": False}}),
    "reference": ({}, {"reference": True}),
    # a new kind of tax shocked is structural (its rates become parameters); a new value is not
    "shocks": ({}, {"shocks": {"t": {"type": "import_tariff", "importer": "CHN", "rate": 0.1}}}),
}


def test_every_scenario_option_has_a_structure_test_case():
    assert set(CHANGES) == {o.name for o in SCENARIO_OPTIONS}


@pytest.mark.parametrize("opt", SCENARIO_OPTIONS, ids=lambda o: o.name)
def test_structural_options_recompile_parametric_ones_do_not(opt, small_benchmark):
    """Changing a structural option changes ``structure_of`` (a new compiled model); changing a
    parametric one leaves it equal (the compiled model is re-solved)."""
    extra, change = CHANGES[opt.name]
    before = scenario_from_dict(deep_merge(BASE, extra))
    after = scenario_from_dict(deep_merge(deep_merge(BASE, extra), change))
    assert before != after
    same = structure_of(small_benchmark, before) == structure_of(small_benchmark, after)
    assert same is not opt.structural


# ----------------------------------------------------------------------------- sweeps
def test_sweep_rejects_a_field_the_schema_does_not_know():
    for path in ("tariff", "bca.tarif", "policy.cut.extra", "name", "description"):
        with pytest.raises(ScenarioError, match=r"sweep\.yaml: grid\..*unknown"):
            check_field_path(path, "sweep.yaml", f"grid.{path}")


def test_sweep_may_vary_every_scenario_option_but_name_and_description():
    swept = [o.name for o in SCENARIO_OPTIONS if o.sweep]
    assert {o.name for o in SCENARIO_OPTIONS} - set(swept) == {"name", "description"}
    for path in swept + ["elasticities.sigma_dm", "elasticities.sigma_dm.eite1", "foreign_carbon_prices.r4"]:
        assert check_field_path(path, "sweep.yaml", f"grid.{path}") == path.split(".")


def test_a_grid_value_is_checked_by_its_option_kind_naming_the_axis():
    with pytest.raises(ScenarioError, match=r"^sweep: grid\.policy\.cut: 2 must lie in \[0\.0, 0\.99\]"):
        sweep_from_dict({"grid": {"policy.cut": [0.1, 2]}})
    with pytest.raises(ScenarioError, match=r"^sweep: grid\.bca\.export_rebate: 'no' must be true or false"):
        sweep_from_dict({"grid": {"bca.export_rebate": [True, "no"]}})


def test_a_sweep_grid_over_cbam_phase_in_years_resolves_one_design_per_year():
    spec = sweep_from_dict({"base": {"bca": {"import_charge": True, "coverage": "cbam"}},
                            "grid": {"phase_in.year": [2026, 2030, 2034]}})
    assert [year for _, values in spec.grid for year in values] == [2026, 2030, 2034]


def test_sweep_solver_block_takes_the_schema_options_marked_for_sweeps():
    assert SOLVER_DEFAULTS == {o.key: o.default for o in SOLVER_OPTIONS if o.sweep}
    assert sweep_from_dict({}).solver == SOLVER_DEFAULTS
    assert sweep_from_dict({"solver": {"max_iter": 50}}).solver["max_iter"] == 50
    with pytest.raises(ScenarioError, match=r"sweep: solver\.max_iter: 0 must be an integer >= 1"):
        sweep_from_dict({"solver": {"max_iter": 0}})
    with pytest.raises(ScenarioError, match=r"sweep: solver\.route: unknown key"):
        sweep_from_dict({"solver": {"route": "casadi"}})


# ----------------------------------------------------------------------------- solver defaults
def _defaults(func) -> dict:
    return {k: p.default for k, p in inspect.signature(func).parameters.items()
            if p.default is not inspect.Parameter.empty}


def test_solver_defaults_of_the_schema_are_those_of_cge_solve():
    """cge.solve keeps its own keyword defaults (another module); they must agree with the schema."""
    from cge.solve import CasadiSystem, PyomoSolverSystem, compile_system

    for cls in (CasadiSystem, PyomoSolverSystem):
        got = _defaults(cls.solve)
        for key in ("tol", "max_iter", "check_tol"):
            assert got[key] == solver_defaults()[key], (cls.__name__, key)
    assert _defaults(compile_system)["route"] == solver_defaults()["route"]
    assert _defaults(compile_system)["linear_solver"] == solver_defaults()["linear_solver"]
    solve_module = sys.modules[compile_system.__module__]
    assert tuple(solve_module.LINEAR_SOLVERS) == OPTIONS["solver.linear_solver"].choices
    routes_module = sys.modules[sys.modules["cge.solve"].resolve_route.__module__]
    assert ("auto", *routes_module.ROUTES) == OPTIONS["solver.route"].choices


def test_run_scenarios_and_cge_compare_default_to_the_schema():
    got = _defaults(run_scenarios)
    for key, value in solver_defaults(used_by="run").items():
        if key in got:
            assert got[key] == value, key
    args = build_parser().parse_args(["compare"])
    assert args.route == solver_defaults()["route"]
    assert args.decomposition_steps == solver_defaults()["decomposition_steps"]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["compare", "--route", "fast"])


def test_basis_choices_are_the_bases_the_intensity_module_computes():
    assert OPTIONS["bca.basis"].choices == tuple(intensity.BASES) == OPTIONS["output_based_rebates.basis"].choices


# ----------------------------------------------------------------------------- legitimacy, the docs
def test_every_bca_option_is_a_legal_switch_with_an_entry_per_value_except_the_markup():
    """A new BCA option or choice needs legal considerations (SWITCH_VALUES is checked against the
    packaged file in test_report); the CBAM mark-up is shown with its benchmark."""
    listed = set(BCA_SWITCHES) | set(BCA_SWITCHES_IF_SET)
    assert {o.key for o in options_in("bca")} - listed == {"default_markup"}
    for o in options_in("bca"):
        if o.key in listed and o.kind == "choice":
            assert set(o.choices) <= set(SWITCH_VALUES[o.key]), o.name
        if o.key in listed and o.kind == "bool":
            assert SWITCH_VALUES[o.key] == ("true", "false")


def test_documented_options_table_is_what_the_schema_generates():
    text = OPTIONS_PAGE.read_text()
    m = re.search(r"<!-- options table: generated by `cge options`; do not edit by hand -->\n(.*?)"
                  r"<!-- end of options table -->", text, re.S)
    assert m, "docs/reference/options.md has no generated options table"
    assert m.group(1) == markdown_table(), "the options table is stale: run python docs/generate.py"
    for o in OPTIONS.values():
        assert f"| `{o.name}` |" in m.group(1)


def test_cge_options_prints_the_schema_table(capsys):
    from cge.cli import main

    assert main(["options"]) == 0
    out = capsys.readouterr().out
    assert out == markdown_table()
    assert "`bca.coverage`" in out and "`solver.tol`" in out
