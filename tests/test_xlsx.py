"""The workbook writer (cge/io/xlsx.py) writes the cells ``DataFrame.to_excel`` would."""

import numpy as np
import pandas as pd
import pytest

import cge.io.xlsx
import cge.results.write
from cge.io.xlsx import SheetTooLarge, column_letter, write_workbook


def _mixed() -> pd.DataFrame:
    return pd.DataFrame({
        "region": ["CHN", "EU & GBR <27>", " padded "], "ev_pct": [0.125, np.nan, -np.inf],
        "count": [1, 2, 3], "coalition": [True, False, True],
        "nullable": pd.array([1, None, 3], dtype="Int64"), "group": pd.Categorical(["eite", "other", "eite"]),
        "mixed": [1, "text", 2.5], "missing_text": ["a", None, "c"], "tiny": [1e-300, 1.0 / 3.0, 12345678.9],
    })


def test_workbook_cells_read_back_as_pandas_own_excel_writer_writes_them(tmp_path):
    df = _mixed()
    write_workbook(tmp_path / "ours.xlsx", {"table": df, "empty": pd.DataFrame({"z": []})})
    df.to_excel(tmp_path / "pandas.xlsx", index=False, sheet_name="table")
    ours = pd.read_excel(tmp_path / "ours.xlsx", sheet_name=None)
    pd.testing.assert_frame_equal(ours["table"], pd.read_excel(tmp_path / "pandas.xlsx"))
    assert ours["table"]["tiny"].tolist() == df["tiny"].tolist()  # full precision, not a rounded repr
    assert list(ours["empty"].columns) == ["z"] and ours["empty"].empty


def test_header_row_is_bold_and_frozen(tmp_path):
    import openpyxl

    write_workbook(tmp_path / "w.xlsx", {"t": _mixed()})
    sheet = openpyxl.load_workbook(tmp_path / "w.xlsx")["t"]
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"


def test_a_table_longer_than_an_excel_sheet_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(cge.io.xlsx, "MAX_ROWS", 3)
    with pytest.raises(SheetTooLarge, match="'t': 3 rows"):
        write_workbook(tmp_path / "w.xlsx", {"t": pd.DataFrame({"a": [1, 2, 3]})})
    assert not (tmp_path / "w.xlsx").exists()


def test_results_workbook_leaves_out_a_table_too_long_for_excel_and_says_where_it_is(monkeypatch):
    monkeypatch.setattr(cge.results.write, "MAX_ROWS", 3)
    sheets = cge.results.write.workbook_sheets(pd.DataFrame({"h": [1]}),
                                        {"bilateral": pd.DataFrame({"a": [1, 2, 3]}), "summary": pd.DataFrame()})
    assert "bilateral" not in sheets and "summary" in sheets
    assert "bilateral.csv" in sheets["notes"]["note"].iloc[-1]


@pytest.mark.parametrize("name", ["", "a" * 32, "what?", "a/b"])
def test_sheet_names_excel_cannot_hold_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match="sheet name"):
        write_workbook(tmp_path / "w.xlsx", {name: pd.DataFrame()})


def test_column_letters_follow_excel():
    assert [column_letter(k) for k in (0, 25, 26, 51, 701, 702)] == ["A", "Z", "AA", "AZ", "ZZ", "AAA"]


def test_a_sheet_written_in_parts_is_the_sheet_written_at_once():
    from cge.io.xlsx import sheet_xml

    df = _mixed()
    assert "".join(sheet_xml(df, rows_per_part=2)) == "".join(sheet_xml(df, rows_per_part=len(df)))
    assert "".join(sheet_xml(df, rows_per_part=2)).count("<row ") == len(df) + 1
