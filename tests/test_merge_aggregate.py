"""The aggregation rules as pure functions: blanks, zero denominators, yes/no shares, the top unit."""

import pytest

from xlcchc.catalog.load import load_catalog, registry_of
from xlcchc.merge.aggregate import base_values, finalize, lead_notes, round_half_up

CAT = load_catalog("tinh-2022")
REG = registry_of(CAT)


def _first(method, **kw):
    for i in CAT.value_indicators():
        a = i.aggregate
        if a.method == method and all(getattr(a, k) == v if not callable(v) else v(a) for k, v in kw.items()):
            return i
    raise LookupError(method)


def _units(kind, n):
    return [u.code for u in REG.reporting_units() if u.kind == kind][:n]


def test_sum_blank_units_and_all_blank():
    ind = _first("sum", filled_by=lambda a: "huyen" in a.filled_by)
    h = _units("huyen", 3)
    vals = {h[0]: {ind.key: 10.0}, h[1]: {ind.key: None}, h[2]: {}}
    assert base_values(CAT, REG, vals)[ind.key] == 10.0
    assert base_values(CAT, REG, {h[1]: {ind.key: None}})[ind.key] is None
    # Text (an unreadable cell) is not a number and contributes nothing.
    assert base_values(CAT, REG, {h[0]: {ind.key: "abc"}, h[2]: {ind.key: 5.0}})[ind.key] == 5.0


def test_sum_ignores_units_of_other_kinds_and_the_top_unit():
    ind = _first("sum", filled_by=lambda a: a.filled_by == ["huyen"])
    so = _units("so", 1)[0]
    h = _units("huyen", 1)[0]
    vals = {so: {ind.key: 1000.0}, REG.top: {ind.key: 1000.0}, h: {ind.key: 7.0}}
    assert base_values(CAT, REG, vals)[ind.key] == 7.0


def test_ratio_is_recomputed_from_sums_not_averaged():
    ind = _first("ratio", numerator=lambda a: CAT.indicators[a.numerator].aggregate.method == "sum"
                 and "huyen" in CAT.indicators[a.denominator].aggregate.filled_by)
    num, den = ind.aggregate.numerator, ind.aggregate.denominator
    small, big = _units("huyen", 2)
    vals = {small: {num: 1.0, den: 10.0}, big: {num: 9900.0, den: 10000.0}}
    _, final = finalize(CAT, base_values(CAT, REG, vals))
    assert final[ind.key] == round_half_up(9901 / 10010 * 100)  # 98.91, not (10 + 99) / 2 = 54.5
    zero = {small: {num: 0.0, den: 0.0}}
    assert finalize(CAT, base_values(CAT, REG, zero))[1][ind.key] is None


def test_share_yes_counts_only_answers_0_1():
    ind = _first("share_yes", filled_by=lambda a: a.filled_by == ["huyen"])
    h = _units("huyen", 5)
    vals = {h[0]: {ind.key: 1.0}, h[1]: {ind.key: 0.0}, h[2]: {ind.key: 1.0}, h[3]: {ind.key: 2.0}, h[4]: {}}
    assert base_values(CAT, REG, vals)[ind.key] == round_half_up(200 / 3)


def test_lead_takes_the_lead_agency_figure_and_note():
    ind = _first("lead", lead=lambda a: a.lead is not None)
    other = next(u.code for u in REG.reporting_units() if u.code != ind.aggregate.lead)
    vals = {ind.aggregate.lead: {ind.key: 3.0}, other: {ind.key: 100.0}}
    assert base_values(CAT, REG, vals)[ind.key] == 3.0
    assert base_values(CAT, REG, {other: {ind.key: 100.0}})[ind.key] is None
    notes = lead_notes(CAT, {ind.aggregate.lead: {ind.key: "theo hệ thống"}, other: {ind.key: "x"}})
    assert notes == {ind.key: "theo hệ thống"}


def test_total_and_adjustment_flow_into_dependent_rows():
    ind = _first("total")
    terms = next(r.terms for r in CAT.rules if r.kind == "sum" and r.target == ind.key)
    base = {t: float(i + 1) for i, t in enumerate(terms)}
    computed, final = finalize(CAT, base)
    assert computed[ind.key] == sum(base.values())
    computed, final = finalize(CAT, base, {terms[0]: 100.0})
    assert final[ind.key] == 100.0 + sum(list(base.values())[1:])
    assert computed[terms[0]] == base[terms[0]] and final[terms[0]] == 100.0
    # An adjustment of the total itself wins over its formula.
    assert finalize(CAT, base, {ind.key: 5.0})[1][ind.key] == 5.0


@pytest.mark.parametrize("x,want", [(2.675, 2.68), (0.125, 0.13), (99.994999, 99.99), (-1.005, -1.01)])
def test_round_half_up_like_excel(x, want):
    assert round_half_up(x) == want


# --- issue 15: figures no sum of units can give ------------------------------------------------------


def test_discipline_total_adds_the_provincial_leaders():
    """5:4 = Σ departments and districts + 4.1 (provincial leaders, reported by the Sở Nội vụ only)."""
    h, s = _units("huyen", 1)[0], _units("so", 1)[0]
    vals = {h: {"5:4": 3.0}, s: {"5:4": 2.0}, "SNV": {"5:4.1": 1.0}}
    computed, final = finalize(CAT, base_values(CAT, REG, vals))
    assert final["5:4"] == 6.0
    assert finalize(CAT, base_values(CAT, REG, vals), {"5:4.1": 4.0})[1]["5:4"] == 9.0  # adjusted 4.1 counts
    assert finalize(CAT, base_values(CAT, REG, {}))[1]["5:4"] is None


def test_autonomy_investment_and_feedback_come_from_the_lead_agency():
    """Σ units would miss the units directly under the UBND tỉnh (autonomy) or count forwarded PAKN twice."""
    h, s = _units("huyen", 1)[0], _units("so", 1)[0]
    lead = {"6:2.1": "STC", "6:2.4.1": "STC", "6:1.2": "SKHDT", "3:3.4.1": "VPUBND", "5:2.4": "SNV"}
    for key, unit in lead.items():
        ind = CAT.indicator(key)
        assert ind.aggregate.method == "lead" and ind.aggregate.lead == unit, key
        assert ind.aggregate.reason, key  # the catalog says why
        # units still report their own recruitment; autonomy and feedback only the lead agency
        assert ind.aggregate.filled_by == (["so", "huyen"] if key in ("5:2.4", "3:3.4.1") else []), key
        vals = {h: {key: 100.0}, s: {key: 50.0}, unit: {key: 160.0}}
        assert base_values(CAT, REG, vals)[key] == 160.0, key
    two_tier = load_catalog("tinh-2025")
    assert two_tier.indicator("6:1.2").aggregate.lead == "STC"  # SKHĐT merged into Sở Tài chính
    assert two_tier.indicator("5:2.4").aggregate.filled_by == ["so", "xa"]
    assert two_tier.indicator("5:4").aggregate.plus == ["5:4.1"]
