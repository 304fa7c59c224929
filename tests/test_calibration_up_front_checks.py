"""`cge calibrate` checks what the aggregation file alone decides before reading any data: a
missing or wrong ``fossil`` (or ``cbam``) tag fails in a second with one line naming the file and
the sector, not after minutes of reading, splitting and rebalancing. Needs ../shared/data."""

from __future__ import annotations

import pytest
import yaml

from calibration.build import DEFAULT_AGGREGATION, DEFAULT_SHARED, BuildConfig, build
from cge.cli import main
from cge.errors import DataError

pytestmark = pytest.mark.skipif(
    not (DEFAULT_SHARED / "wiod2013" / "wiot_2011_wide.csv.gz").exists(),
    reason=f"shared data not found at {DEFAULT_SHARED}",
)


def _aggregation(tmp_path, edit) -> object:
    d = yaml.safe_load(DEFAULT_AGGREGATION.read_text())
    edit(d["sectors"])
    p = tmp_path / "agg.yaml"
    p.write_text(yaml.safe_dump(d, sort_keys=False))
    return p


def _untag(tag, code):
    def edit(sectors):
        sectors[code]["tags"] = [t for t in sectors[code].get("tags", []) if t != tag]
    return edit


def _build_before_any_stage(path):
    """Build and return the error and the stage lines printed before it."""
    lines: list[str] = []
    with pytest.raises(DataError) as err:
        build(BuildConfig(aggregation=path), echo=lambda *a, **k: lines.append(" ".join(map(str, a))))
    return str(err.value), lines


def test_a_coal_sector_without_the_fossil_tag_fails_before_the_data_is_read(tmp_path):
    path = _aggregation(tmp_path, _untag("fossil", "coa"))
    message, lines = _build_before_any_stage(path)
    assert message == f"{path}: sectors.coa.tags: contains a fuel (coa) and must be tagged 'fossil'"
    assert lines == []                       # no stage ran: not read, split or rebalanced


def test_a_fossil_tag_on_a_sector_without_fuel_fails_before_the_data_is_read(tmp_path):
    def edit(sectors):
        sectors["agr"]["tags"] = [*sectors["agr"].get("tags", []), "fossil"]
    message, lines = _build_before_any_stage(_aggregation(tmp_path, edit))
    assert "sectors.agr.tags: tagged 'fossil' but contains no fuel (coa, c8, ngs or gdt)" in message
    assert lines == []


def test_a_cbam_tag_without_cbam_goods_fails_before_the_data_is_read(tmp_path):
    def edit(sectors):
        sectors["agr"]["tags"] = ["cbam"]
    message, lines = _build_before_any_stage(_aggregation(tmp_path, edit))
    assert "sectors.agr.tags: tagged 'cbam' but contains no CBAM good" in message
    assert lines == []


def test_cge_calibrate_reports_the_missing_fossil_tag_as_one_line_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["calibrate", str(_aggregation(tmp_path, _untag("fossil", "oil"))), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "sectors.oil.tags: contains a fuel" in err and "must be tagged 'fossil'" in err
    assert not out.exists()
