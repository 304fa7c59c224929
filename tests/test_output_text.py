"""What the user reads: headline cells, printed numbers and report tables say what a number is
(an undefined ratio says why, no negative zero, a rank is an integer)."""

import numpy as np
import pandas as pd
import pytest

from cge.data.synthetic import random_benchmark
from cge.io.latex import cell
from cge.io.numbers import number_text
from cge.report.tables import Table, to_markdown
from cge.results.run import run_scenarios
from cge.scenarios.spec import scenario_from_dict


@pytest.fixture(scope="module")
def global_coalition():
    b = random_benchmark(3, 6, 0)
    scenarios = [scenario_from_dict({"name": "REF", "coalition": list(b.regions),
                                     "policy": {"instrument": "coalition_cap", "cut": 0.2}})]
    return run_scenarios(b, scenarios)


NON_COALITION_MEASURES = ("EV, % : non-coalition", "Global welfare cost borne by non-coalition, %",
                          "Leakage rate, %", "EITE output, % change: non-coalition")


def test_a_global_coalition_leaves_every_non_coalition_measure_undefined_with_the_reason(global_coalition):
    head = global_coalition.headline().set_index("measure")["REF"]
    for measure in NON_COALITION_MEASURES:
        assert head[measure] == "undefined (global coalition)", measure
    undefined = global_coalition.undefined()
    assert set(undefined.loc[undefined["reason"] == "global coalition", "measure"]) == {
        "ev_rest_pct", "burden_share_non_coalition_pct", "leakage_rate_pct", "eite_output_change_non_coalition_pct"}


def test_the_headline_files_of_a_global_coalition_show_no_nan_and_no_negative_zero(global_coalition, tmp_path):
    from cge.results.write import write_results

    out = write_results(global_coalition, tmp_path / "out")
    for name in ("headline.md", "headline.tex"):
        text = (out / name).read_text()
        assert "nan" not in text.lower() and "-0.00" not in text, name
        assert "undefined (global coalition)" in text


@pytest.mark.parametrize("value, digits, text", [(-0.001, 2, "0.00"), (-0.0, 2, "0.00"), (-0.006, 2, "-0.01"),
                                                 (3, 2, "3"), (np.int64(3), 2, "3"), (2.5, 1, "2.5"),
                                                 (float("nan"), 2, "--"), (float("inf"), 2, "--")])
def test_numbers_are_printed_without_negative_zero_and_integers_as_integers(value, digits, text):
    assert number_text(value, digits) == text
    assert cell(value, digits) == text


def test_a_rank_column_of_a_report_table_is_printed_as_integers():
    df = pd.DataFrame({"design": ["A", "B"], "EV, bn USD": [-1.234, -0.0001], "CBDR rank": [2.0, 1.0]})
    md = to_markdown(Table("t", "fairness", "title", "bn USD, rank", df, integer_columns=("CBDR rank",)))
    rows = [line for line in md.splitlines() if line.startswith("| A") or line.startswith("| B")]
    assert rows[0].split("|")[-2].strip() == "2" and rows[1].split("|")[-2].strip() == "1"
    assert rows[1].split("|")[2].strip() == "0.00"
