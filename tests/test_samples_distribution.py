"""The split of the printed 2022 provincial figures over the units (pure Python, no workbooks).

Expected figures come from the hand transcription of the printed appendix (tests/fixtures), never
from the generator's own data file.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlcchc.catalog import load_catalog, registry_of
from xlcchc.check import check_values
from xlcchc.formulas import percent_shown
from xlcchc.merge.aggregate import base_values, finalize
from xlcchc.samples import (
    MISSING_UNIT,
    TYPO_DEN,
    TYPO_NUM,
    TYPO_UNIT,
    apportion,
    distribute,
    load_target,
    plant_typo,
)


def _printed(v):
    if isinstance(v, str):
        return 0.0 if v.strip() == "-" else None
    return None if v is None else float(v)


@pytest.fixture(scope="module")
def world():
    cat = load_catalog("tinh-2022")
    reg = registry_of(cat)
    returns = distribute(cat, reg, load_target())
    return cat, reg, returns


def _merge(cat, reg, returns, skip=(MISSING_UNIT,)):
    by_unit = {}
    for code, r in returns.items():
        if code in skip:
            continue
        # What the reader makes of "-": zero.
        by_unit[code] = {k: (0.0 if v == "-" else v) for k, v in r.values.items()}
    return finalize(cat, base_values(cat, reg, by_unit))[1]


def test_apportion_is_exact_and_proportional():
    assert apportion(10, [1, 1, 2]) == [3, 2, 5]  # 2,5 + 2,5 + 5: the tie goes to the first
    assert apportion(0, [1, 2]) == [0, 0]
    assert apportion(7, [0, 1, 0]) == [0, 7, 0]
    assert apportion(5, [1, 1, 1], caps=[1, 1, 10]) == [1, 1, 3]
    with pytest.raises(ValueError):
        apportion(5, [1, 1], caps=[1, 1])


@given(
    total=st.integers(min_value=0, max_value=10**7),
    weights=st.lists(st.floats(min_value=0.0, max_value=1000.0), min_size=1, max_size=50),
)
def test_apportion_always_adds_up(total, weights):
    if sum(weights) == 0:
        weights = weights[:-1] + [1.0]
    parts = apportion(total, weights)
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
    assert all(p == 0 for p, w in zip(parts, weights) if w == 0)


def test_merged_samples_give_the_printed_figures(world, seed_values):
    cat, reg, returns = world
    final = _merge(cat, reg, returns)
    checked = 0
    for row in seed_values["values"]:
        key = f"{row['form']}:{row['code']}"
        printed = _printed(row["value"])
        if printed is None:
            continue
        ind = cat.indicator(key)
        got = final[key]
        if ind.aggregate.method == "ratio":
            num, den = final[ind.aggregate.numerator], final[ind.aggregate.denominator]
            assert got == percent_shown(num, den), key
        else:
            assert got == pytest.approx(printed, abs=1e-9), key
        checked += 1
    assert checked >= 110


def test_sums_hold_per_unit_and_in_total(world, seed_values):
    cat, reg, returns = world
    printed = {f"{r['form']}:{r['code']}": r["value"] for r in seed_values["values"]}
    # 3.1.1 (files resolved by departments) adds up to the printed 518.562 over the departments.
    depts = [u.code for u in reg.reporting_units() if u.kind == "so"]
    assert sum(returns[c].values["3:3.1.1"] for c in depts) == printed["3:3.1.1"] == 518562
    assert sum(returns[c].values["3:3.1.2"] for c in depts) == 518549
    for code, r in returns.items():
        v = r.values
        for num, den in (("3:3.1.2", "3:3.1.1"), ("3:3.2.2", "3:3.2.1"), ("3:3.3.2", "3:3.3.1"),
                         ("3:3.4.2", "3:3.4.1"), ("7:6.4.2", "7:6.4.1")):
            if num in v:
                assert 0 <= v[num] <= v[den], (code, num)
        if "6:2.1" in v:
            assert v["6:2.1"] == v["6:2.2"] + v["6:2.3"] + v["6:2.4"] + v["6:2.5"]
            assert v["6:2.4"] == v["6:2.4.1"] + v["6:2.4.2"] + v["6:2.4.3"]


def test_sizes_are_plausible(world):
    cat, reg, returns = world
    v = {c: r.values for c, r in returns.items()}
    assert v["TP-THANH-HOA"]["3:3.2.1"] > 10 * v["H-MUONG-LAT"]["3:3.2.1"]
    assert v["STNMT"]["3:3.1.1"] > 10 * v["SNGV"]["3:3.1.1"]
    # The unit that does not return has zero in every summed row, so the printed totals still hold.
    summed = [i.key for i in cat.value_indicators() if i.aggregate.method == "sum"]
    assert all(v[MISSING_UNIT].get(k) in (0, None) for k in summed)


def test_lead_agencies_carry_the_printed_figures_and_notes(world, seed_values):
    cat, reg, returns = world
    for row in seed_values["values"]:
        ind = cat.indicator(f"{row['form']}:{row['code']}")
        if ind.aggregate.method != "lead":
            continue
        lead = returns[ind.aggregate.lead]
        assert lead.values.get(ind.key) == row["value"], ind.key
        assert lead.notes.get(ind.key, "") == row["note"], ind.key


def test_units_are_clean_except_the_seeds_own_inconsistencies(world):
    cat, reg, returns = world
    errors = []
    for code, r in sorted(returns.items()):
        if code == MISSING_UNIT:
            continue
        for f in check_values(r.values, cat, reg.by_code[code]):
            if f.severity == "Lỗi" or not f.rule.split("-")[1] == "required":
                errors.append((code, f.rule))
    # As printed: 58.120 people present > 6.144 positions given (4:3.2 > 4:3.1, Sở Nội vụ);
    # 910 online procedures ≠ 169 + 732 (7:6.3.1, Văn phòng UBND tỉnh); 5.1 left blank with a note.
    assert errors == [
        ("SNV", "4-le-3.2-3.1"),
        ("VPUBND", "1-ge-5.1-5.2+5.3+5.4"),
        ("VPUBND", "7-eq-6.3.1-6.1.2+6.2.2"),
    ]


def test_planted_typo_keeps_the_totals(world):
    cat, reg, _ = world
    returns = distribute(cat, reg, load_target())
    before = _merge(cat, reg, returns)
    typed, den = plant_typo(returns)
    assert typed > den
    assert returns[TYPO_UNIT].values[TYPO_NUM] == typed > returns[TYPO_UNIT].values[TYPO_DEN]
    assert _merge(cat, reg, returns) == before


def test_distribution_is_deterministic(world):
    cat, reg, returns = world
    again = distribute(cat, reg, load_target())
    assert {c: (r.values, r.notes) for c, r in again.items()} == {c: (r.values, r.notes) for c, r in returns.items()}
