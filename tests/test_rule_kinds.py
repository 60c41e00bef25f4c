"""The rule language's kinds on the regimes' own rules, with generated values and the seeds' figures."""

import json

import pytest

from xlcchc.catalog import load_catalog, registry_of
from xlcchc.catalog.load import CatalogError, load_catalog_file
from xlcchc.check import check_values
from xlcchc.findings import ERROR, WARNING
from xlcchc.formulas import fraction_fits, units_count

from .conftest import FIXTURES, ROOT


def _check(regime, values, unit=None):
    cat = load_catalog(regime)
    reg = registry_of(cat)
    return {f.rule: f for f in check_values(values, cat, reg.by_code[unit or reg.top])}


def test_no_survey_means_no_survey_forms():
    found = _check("tinh-2022", {"1:6": 0, "1:6.1": 2000})
    assert found["1-zero-6"].severity == ERROR and "6.1 = 2.000" in found["1-zero-6"].message
    assert found["1-zero-6"].code == "6.1"  # the cell that contradicts the answer
    assert "1-zero-6" not in _check("tinh-2022", {"1:6": 0, "1:6.1": 0})
    assert "1-zero-6" not in _check("tinh-2022", {"1:6": 0})
    assert "1-zero-6" not in _check("tinh-2022", {"1:6": 1, "1:6.1": 2000, "1:6.2": 2})


def test_discipline_total_covers_provincial_leaders_and_zero_means_none():
    found = _check("tinh-2022", {"5:4": 2, "5:4.1": 1, "5:4.2": 1, "5:4.3": 1, "5:4.4": 0})
    assert "5-ge-4-4.1+4.2+4.3+4.4" in found  # 4.1 counts now: 2 < 1 + 1 + 1
    found = _check("tinh-2022", {"5:4": 0, "5:4.1": 1, "5:4.2": 0, "5:4.3": 0, "5:4.4": 0})
    assert "5-zero-4" in found and found["5-zero-4"].code == "4.1"


def test_registry_bounds_follow_the_registry():
    assert units_count(load_catalog("tinh-2022"), "so") == len(
        [u for u in registry_of(load_catalog("tinh-2022")).reporting_units() if u.kind == "so"])
    assert "1-le-3.1-count(so)" in _check("tinh-2022", {"1:3.1": 21})
    assert "1-le-3.1-count(so)" not in _check("tinh-2022", {"1:3.1": 20})
    assert "1-le-3.2-count(huyen)" in _check("tinh-2022", {"1:3.2": 28})
    # two-tier province: the same rule reads communes, and there are 166 of them
    cat = load_catalog("tinh-2025")
    assert units_count(cat, "xa") == 166 and units_count(cat, "huyen") == 0
    assert "1-le-3.2-count(xa)" in _check("tinh-2025", {"1:3.2": 167})
    assert "1-le-3.2-count(xa)" not in _check("tinh-2025", {"1:3.2": 166})
    assert "1-le-1.2.2-count(xa)" in _check("huyen-2024", {"1:1.2.2": 31})  # Thọ Xuân's 30 communes


def test_percentage_of_few_units_is_a_whole_fraction():
    assert fraction_fits(40, 5) and fraction_fits(33.33, 3) and fraction_fits(33.3, 3) and fraction_fits(33, 3)
    assert not fraction_fits(50, 5) and not fraction_fits(41.5, 5) and fraction_fits(100, 7)
    found = _check("tinh-2022", {"1:4.1": 5, "1:4.2": 50})
    assert "1-fraction-4.2" in found and "40,00% hoặc 3/5 = 60,00%" in found["1-fraction-4.2"].message
    assert "1-fraction-4.2" not in _check("tinh-2022", {"1:4.1": 5, "1:4.2": 100})  # the seed: all 5


def test_shares_of_the_same_documents_sum_to_at_most_100():
    seed = json.loads((FIXTURES / "seed_tinh_2021.json").read_text(encoding="utf-8"))
    vals = {f"{r['form']}:{r['code']}": r["value"] for r in seed["values"] if r["code"].startswith("7.6.2")}
    found = _check("tinh-2021", vals)
    assert found["7-le-7.6.2.1-100"].severity == ERROR and "191,03 > 100" in found["7-le-7.6.2.1-100"].message
    assert "7-le-7.3.3.1-100" in _check("huyen-2024", {"7:7.3.3.1": 60, "7:7.3.3.2": 50.5})
    assert "7-le-7.3.3.1-100" not in _check("huyen-2024", {"7:7.3.3.1": 60, "7:7.3.3.2": 40})


def test_overlapping_channels_bound_the_published_total():
    base = {"3:3.4.1": 3323, "3:3.4.2": 3645}
    assert "3-between-3.4" not in _check("huyen-2024", {**base, "3:3.4": 3645})
    assert "3-between-3.4" not in _check("huyen-2024", {**base, "3:3.4": 6968})
    low = _check("huyen-2024", {**base, "3:3.4": 3000})["3-between-3.4"]
    assert low.expected == 3645 and low.actual == 3000
    assert _check("huyen-2024", {**base, "3:3.4": 7341})["3-between-3.4"].expected == 6968  # the seed


def test_communes_publishing_more_than_they_received_is_flagged():
    """Seed 004 prints 10.651 beside the communes' 3.645 (website): more than all 8.803 dossiers received."""
    seed = json.loads((FIXTURES / "seed_huyen_2024.json").read_text(encoding="utf-8"))
    vals = {f"{r['form']}:{r['code']}": r["value"] for r in seed["values"]}
    rule = "3-le-3.4.2.2-3.3.1.1.2+3.3.1.2.2+3.3.1.3.2+3.3.1.4.2"
    assert rule not in _check("huyen-2024", vals)  # 3.645 as typed in the value column
    found = _check("huyen-2024", {**vals, "3:3.4.2.2": 10651})
    assert found[rule].severity == WARNING and "10.651 > " in found[rule].message and "8.412" in found[rule].message


def test_a_rate_of_the_whole_lies_between_its_parts():
    found = _check("tinh-2022", {"7:5.2": 99.8, "7:5.2.1": 97.27, "7:5.2.2": 99.62, "7:5.2.3": 99.66})
    assert "7-between-5.2" in found and found["7-between-5.2"].severity == WARNING
    assert "7-between-5.2" not in _check("tinh-2022", {"7:5.2": 99.17, "7:5.2.1": 97.27, "7:5.2.2": 99.62,
                                                       "7:5.2.3": 99.66})  # the 2022 seed


def test_a_part_above_its_total_is_an_error_even_when_the_sum_is_a_warning():
    found = _check("tinh-2021", {"4:4.1.4": 2221, "6:6.4": 2256})  # other autonomy levels not given
    assert found["6-part-4.1.4"].severity == ERROR and found["6-part-4.1.4"].code == "6.4"
    assert "6-part-4.1.4" not in _check("tinh-2021", {"4:4.1.4": 2221, "6:6.4": 2200})


def test_blank_total_is_derived_only_where_the_catalog_says_it_is_a_partition():
    cat = load_catalog("tinh-2022")
    assert "4:1.5" in cat.partitions and "6:2.1" in cat.partitions
    assert "7:6.3.1" not in cat.partitions  # 6.3.1 = 6.1.2 + 6.2.2 is a warning, not a partition
    found = _check("tinh-2022", {"4:1.5.1": 10, "4:1.5.2": 220, "4:1.5.3": 1953, "6:2.1": 2253, "5:1.2": 2200})
    assert "4-sum-1.5" not in found
    assert "tính từ 1.5.1–1.5.3 = 2.183" in found["6-eq-2.1-4:1.5"].message
    assert "5-le-1.2-4:1.5" in found  # 2.200 > 2.183 derived
    # parts incomplete: nothing derived, the rules wait for the figures
    found = _check("tinh-2022", {"4:1.5.1": 10, "4:1.5.2": 220, "6:2.1": 2253})
    assert found["6-eq-2.1-4:1.5"].message.count("để trống") == 1


def test_from_parts_needs_a_sum_rule(tmp_path):
    text = (ROOT / "xlcchc" / "catalog" / "data" / "tinh-2022.toml").read_text(encoding="utf-8")
    bad = text.replace('sum = "1.5 = 1.5.1 + 1.5.2 + 1.5.3"', 'compare = "1.5 >= 1.5.1"')
    p = tmp_path / "tinh-2022.toml"
    p.write_text(bad, encoding="utf-8")
    with pytest.raises(CatalogError, match="from_parts"):
        load_catalog_file(p)
