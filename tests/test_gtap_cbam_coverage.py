"""CBAM coverage shares survive the GTAPinGAMS round trip and its aggregation: an aggregate's
share of CBAM goods is the output-weighted mean of its members' shares (a small synthetic case;
no GTAP-derived data)."""

from dataclasses import replace

import numpy as np
import pytest
import yaml

pytest.importorskip("polars_gdx")

from cge.data import gtap  # noqa: E402
from cge.data.synthetic import random_benchmark  # noqa: E402

CBAM = ("ele", "eite1", "eite2")


@pytest.fixture(scope="module")
def covered():
    """A 4 x 8 synthetic benchmark whose sectors ele, eite1, eite2 are tagged cbam with
    coverage shares that differ by region and sector."""
    b = random_benchmark(4, 8, seed=3)
    b = replace(b, tags=replace(b.tags, cbam=CBAM))
    rng = np.random.default_rng(5)
    cov = np.zeros((len(b.regions), len(b.sectors)))
    for j in CBAM:
        cov[:, b.sectors.index(j)] = rng.uniform(0.05, 0.95, len(b.regions))
    b.cbam_coverage = cov
    return b


@pytest.fixture(scope="module")
def gdx(covered, tmp_path_factory):
    return gtap.write_gtap(covered, tmp_path_factory.mktemp("gdx") / "covered.gdx")


def _weighted(b, rows, cols):
    w = b.vom[np.ix_(rows, cols)]
    return float((b.cbam_coverage[np.ix_(rows, cols)] * w).sum() / w.sum())


def test_coverage_shares_read_back_exactly_without_aggregation(covered, gdx):
    assert np.array_equal(gtap.read_gtap(gdx).cbam_coverage, covered.cbam_coverage)


def test_region_aggregation_keeps_output_weighted_coverage_not_full_coverage(covered, gdx):
    b = gtap.read_gtap(gdx, regions={"r1": "north", "r2": "north", "r3": "south", "r4": "south"})
    assert b.tags.cbam == CBAM
    for j in CBAM:
        k = b.sectors.index(j)
        assert b.cbam_coverage[0, k] == pytest.approx(_weighted(covered, [0, 1], [k]), rel=1e-12)
        assert b.cbam_coverage[1, k] == pytest.approx(_weighted(covered, [2, 3], [k]), rel=1e-12)
    assert (b.cbam_coverage < 1).all()      # before the fix every tagged cell read back as 1


def _yaml(tmp_path, cbam_tags):
    sectors = {"coa": (["coa"], ["fossil", "resource"]), "cru": (["cru"], ["resource", "crude"]),
               "gas": (["gas"], ["fossil", "resource"]), "oil": (["oil"], ["fossil"]),
               "ele": (["ele"], ["electricity"]), "eim": (["eite1", "eite2"], ["eite"]), "oth": (["s1"], [])}
    spec = {"name": "covered3", "regions": {"north": {"members": ["r1", "r2"]}, "south": {"members": ["r3", "r4"]}},
            "sectors": {s: {"members": m, "tags": t + (["cbam"] if s in cbam_tags else [])}
                        for s, (m, t) in sectors.items()}}
    p = tmp_path / "agg.yaml"
    p.write_text(yaml.safe_dump(spec, sort_keys=False))
    return p


def test_sector_aggregation_yaml_gives_the_coverage_of_the_merged_cbam_sectors(covered, gdx, tmp_path):
    b = gtap.read_gtap(gdx, aggregation=_yaml(tmp_path, ("ele", "eim")))
    assert b.tags.cbam == ("ele", "eim")
    e1, e2 = covered.sectors.index("eite1"), covered.sectors.index("eite2")
    eim = b.sectors.index("eim")
    assert b.cbam_coverage[0, eim] == pytest.approx(_weighted(covered, [0, 1], [e1, e2]), rel=1e-12)
    assert b.cbam_coverage[1, eim] == pytest.approx(_weighted(covered, [2, 3], [e1, e2]), rel=1e-12)
    assert b.cbam_coverage[:, b.sectors.index("oth")].max() == 0


def test_coverage_of_an_aggregate_not_tagged_cbam_is_dropped_with_a_note(gdx, tmp_path):
    b = gtap.read_gtap(gdx, aggregation=_yaml(tmp_path, ("ele",)))
    assert b.cbam_coverage[:, b.sectors.index("eim")].max() == 0
    assert any("CBAM coverage of eim" in n and "not tagged cbam" in n for n in b.metadata["gtap_import"]["notes"])
