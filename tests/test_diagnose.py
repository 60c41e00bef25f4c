"""Which cell is wrong: the single figure that makes the failing relations hold, as a suggestion."""

from xlcchc.catalog import load_catalog, registry_of
from xlcchc.check import check_file, check_values
from xlcchc.diagnose import _slips

from .conftest import FIXTURES


def _found(regime, values):
    cat = load_catalog(regime)
    reg = registry_of(cat)
    return {f.rule: f for f in check_values(values, cat, reg.by_code[reg.top])}


def test_seed_2022_910_is_901_with_two_digits_swapped():
    by_rule = {f.rule: f for f in check_file(FIXTURES / "seed_tinh_2022.json")}
    for rid in ("7-ratio-6.3", "7-eq-6.3.1-6.1.2+6.2.2"):
        f = by_rule[rid]
        assert f.suspect == "7:6.3.1" and f.suggested == 901
        assert "có thể nhập nhầm 910 thay cho 901" in f.message and "chia hết cho 9" in f.message
        assert "số liệu không bị sửa" in f.message
    # a lone ratio that no typing slip explains gets no suggestion (57 for 58,65; 99,67 for 732/732)
    assert by_rule["6-ratio-1"].suspect is None and by_rule["7-ratio-6.2"].suspect is None


def test_an_order_of_magnitude_names_both_candidates():
    by_rule = {f.rule: f for f in check_file(FIXTURES / "seed_tinh_2022.json")}
    m = by_rule["4-le-3.2-3.1"].message
    assert "mục 3.1 = 6.144 có thể thiếu một chữ số" in m and "mục 3.2 = 58.120 có thể thừa một chữ số" in m


def test_a_suggestion_never_breaks_a_rule_that_held():
    # 6.3.1 = 901 would fit 6.3 and the equality, but not if 6.3.2 ≤ 6.3.1 then failed
    vals = {"7:6.1.2": 169, "7:6.2.2": 732, "7:6.3.1": 910, "7:6.3.2": 905, "7:6.3": 99.45}
    found = _found("tinh-2022", vals)
    assert found["7-eq-6.3.1-6.1.2+6.2.2"].suspect != "7:6.3.1"


def test_a_transposition_in_a_sum_is_found_only_when_it_is_the_only_one():
    # 224 typed 242: 1.525 + 354 + 242 = 2.121 ≠ 2.103, and only 242 → 224 is a swap that fits
    vals = {"3:1.4": 2103, "3:1.4.1": 1525, "3:1.4.2": 354, "3:1.4.3": 242}
    f = _found("tinh-2022", vals)["3-sum-1.4"]
    assert f.suspect == "3:1.4.3" and f.suggested == 224 and "nhập nhầm 242 thay cho 224" in f.message
    # 75 vs 57 + 0 + 0: either figure may be the swapped one, so nothing is suggested
    f = _found("tinh-2022", {"2:1": 75, "2:1.1": 57, "2:1.2": 0, "2:1.3": 0})["2-sum-1"]
    assert f.suspect is None and "Gợi ý" not in f.message


def test_slips():
    assert (901.0, "transposition") in _slips(910) and (9100, "digit_dropped") in _slips(910)
    assert (91.0, "digit_added") in _slips(910)
    assert _slips(7.5) == [] and _slips(5) == []
