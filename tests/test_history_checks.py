"""Checks across periods on generated series, and series through the regime mapping.

The series are made here (random, seeded): year-to-date figures that grow through the year and
differ from unit to unit by orders of magnitude; then one value is made wrong on purpose.
"""

from __future__ import annotations

import math
import random

import pytest

from xlcchc.catalog.load import load_catalog, registry_of
from xlcchc.history.checks import cumulative_indicators, missing_since_last, outlier, period_findings
from xlcchc.history.mapping import load_steps, translate
from xlcchc.history.record import add_figures
from xlcchc.history.series import Snapshot
from xlcchc.history.store import open_store
from xlcchc.provincial import ProvincialFigures, UnitStatus

CAT = load_catalog("tinh-2022")
REG = registry_of(CAT)
UNITS = [u.code for u in REG.reporting_units()][:12]
PERIODS = ["2022-Q1", "2022-6T", "2022-9T", "2022-N"]
SHARE = {"2022-Q1": 0.25, "2022-6T": 0.5, "2022-9T": 0.75, "2022-N": 1.0}
NUMERIC = [i for i in CAT.value_indicators() if i.kind in ("count", "money", "decimal")]


def yearly(seed: int) -> dict[str, dict[str, dict[str, float]]]:
    """period → unit → key → value: each unit's annual figure, reached through the year."""
    rng = random.Random(seed)
    out: dict[str, dict[str, dict[str, float]]] = {p: {} for p in PERIODS}
    for u in UNITS:
        size = 10 ** rng.uniform(0.5, 4.5)
        annual = {i.key: float(round(size * rng.uniform(0.5, 2.0))) for i in NUMERIC}
        progress = 0.0
        for p in PERIODS:
            # Year to date: the share of the year grows (noisy), a stock row stays near its level.
            progress = max(progress, min(1.0, SHARE[p] * rng.uniform(0.85, 1.15)))
            if p == "2022-N":
                progress = 1.0
            out[p][u] = {k: float(math.floor(v * progress)) if rng.random() < 0.7 else v for k, v in annual.items()}
        # Cumulative rows never go down.
        for key in (i.key for i in cumulative_indicators(CAT)):
            if key in annual:
                seen = 0.0
                for p in PERIODS:
                    seen = max(seen, out[p][u][key])
                    out[p][u][key] = seen
    return out


def fig(period: str, by_unit: dict[str, dict[str, float]], regime: str = "tinh-2022", status=None) -> ProvincialFigures:
    total = {i.key: sum(by_unit[u].get(i.key, 0.0) for u in by_unit) for i in NUMERIC}
    st = status if status is not None else [UnitStatus(unit=u, name=u, status="Đã nộp", file=f"{u}.xlsx", sha256=u)
                                            for u in by_unit]
    return ProvincialFigures(regime=regime, period=period, values=total, by_unit=by_unit, status=st)


def store_with(tmp_path, series, upto: str):
    db = tmp_path / "h.sqlite"
    with open_store(db) as s:
        for p in PERIODS[: PERIODS.index(upto)]:
            add_figures(s, fig(p, series[p]), file=f"TONG_HOP_{p}.xlsx", sha256=p)
    return db


def findings_for(db, period, by_unit):
    f = fig(period, by_unit)
    with open_store(db) as s:
        snap = Snapshot(s, top_unit="TINH")
        return period_findings(snap, CAT, period, {**by_unit, "TINH": f.values}, top_unit="TINH", registry=REG)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_consistent_series_give_no_alarm(tmp_path, seed):
    series = yearly(seed)
    db = store_with(tmp_path, series, "2022-N")
    for p in ("2022-6T", "2022-9T", "2022-N"):
        assert findings_for(db, p, series[p]) == [], p


def test_a_cumulative_value_below_an_earlier_period_is_an_error(tmp_path):
    series = yearly(7)
    db = store_with(tmp_path, series, "2022-9T")
    key = next(i.key for i in cumulative_indicators(CAT) if i.kind == "count" and i.aggregate.method == "sum")
    unit = UNITS[4]
    before = series["2022-6T"][unit][key]
    assert before >= 2
    series["2022-9T"][unit][key] = before - 1
    found = findings_for(db, "2022-9T", series["2022-9T"])
    assert [(f.unit, f"{f.form}:{f.code}", f.severity, f.rule) for f in found if f.unit == unit] == [
        (unit, key, "Lỗi", "history.cumulative_decrease")]
    f = next(f for f in found if f.unit == unit)
    assert f.expected == before and f.actual == before - 1
    assert "6 tháng đầu năm 2022" in f.message and "lũy kế" in f.message
    # The same value in the next year's first quarter is no decrease (a new year starts from zero).
    assert not [f for f in findings_for(db, "2023-Q1", {unit: {key: before - 1}}) if f.rule.endswith("decrease")]


def test_a_value_typed_ten_times_too_large_is_an_outlier_with_its_history(tmp_path):
    series = yearly(11)
    db = store_with(tmp_path, series, "2022-N")
    unit = UNITS[2]
    key = next(i.key for i in NUMERIC if i.key not in {c.key for c in cumulative_indicators(CAT)}
               and series["2022-N"][unit][i.key] >= 20)
    series["2022-N"][unit][key] *= 10
    found = findings_for(db, "2022-N", series["2022-N"])
    mine = [f for f in found if f.unit == unit]
    assert [(f"{f.form}:{f.code}", f.severity, f.rule) for f in mine] == [(key, "Cảnh báo", "history.outlier")]
    assert "Quý I năm 2022" in mine[0].message and "9 tháng năm 2022" in mine[0].message
    # Nothing else: the province's total moves too little to look abnormal.
    assert [f for f in found if f.unit != unit] == []


def test_outlier_rule_needs_enough_history_and_a_real_jump():
    assert outlier(1000.0, [100.0, 100.0])[0] is False  # two points are not a history
    assert outlier(1000.0, [100.0, 100.0, 100.0])[0] is True
    assert outlier(400.0, [100.0, 200.0, 300.0])[0] is False  # a year beside its quarters
    assert outlier(9.0, [0.0, 1.0, 0.0])[0] is False  # small counts
    assert outlier(10.0, [100.0, 120.0, 110.0])[0] is True  # a digit lost


def test_unit_that_reported_last_period_and_not_now(tmp_path):
    series = yearly(5)
    db = store_with(tmp_path, series, "2022-N")
    gone = UNITS[3]
    status = [UnitStatus(unit=u, name=u, status="Chưa nộp" if u == gone else "Đã nộp") for u in UNITS]
    with open_store(db) as s:
        rows = missing_since_last(Snapshot(s, top_unit="TINH"), "2022-N", status)
    noted = [r.unit for r in rows if "Kỳ trước" in r.detail]
    assert noted == [gone]
    assert "9 tháng năm 2022" in next(r.detail for r in rows if r.unit == gone)


# --- across regimes --------------------------------------------------------------------------


def test_mapping_pairs_exist_and_measure_alike():
    for step in load_steps():
        a, b = load_catalog(step.source), load_catalog(step.target)
        assert len(set(step.same.values())) == len(step.same), "one code per quantity"
        for k, v in step.same.items():
            ia, ib = a.indicators[k], b.indicators[v]
            assert ia.has_value and ib.has_value
            kinds = {ia.kind, ib.kind}
            assert len(kinds) == 1 or kinds <= {"count", "decimal"}, (k, v)
            if ia.kind == "choice":
                assert [c.value for c in ia.choices] == [c.value for c in ib.choices], (k, v)
        for k in step.none:
            assert k in a.indicators and k not in step.same


def test_a_series_crosses_2021_to_2022_through_the_mapping(tmp_path, capsys):
    from xlcchc.cli import main

    db = tmp_path / "h.sqlite"
    with open_store(db) as s:
        # 6 tháng 2021 (regime tinh-2021, rows numbered differently) and the 2022 year.
        add_figures(s, ProvincialFigures(regime="tinh-2021", period="2021-6T",
                                         values={"3:3.4.1": 98.7, "2:2.1": 40.0, "3:3.1.1": 12.0}),
                    file="TH_2021.xlsx", sha256="a")
        add_figures(s, ProvincialFigures(regime="tinh-2022", period="2022-N",
                                         values={"3:3.1": 99.5, "3:1.2": 30.0, "3:3.4": 97.0}),
                    file="TH_2022.xlsx", sha256="b")
    assert translate("3:3.1", "tinh-2022", "tinh-2021") == ("3:3.4.1", "")
    assert main(["history", "show", "--db", str(db), "--indicator", "3:3.1", "--json"]) == 0
    import json

    s = json.loads(capsys.readouterr().out)
    assert [(p["period"], p["regime"], p["code"], p["value"]) for p in s["points"]] == [
        ("2021-6T", "tinh-2021", "3.4.1", 98.7), ("2022-N", "tinh-2022", "3.1", 99.5)]
    assert s["notes"] == []
    assert main(["history", "show", "--db", str(db), "--indicator", "3:1.2"]) == 0
    out = capsys.readouterr().out
    assert "6 tháng đầu năm 2021: 12 (chế độ tinh-2021, mục 3.1.1)" in out
    # PAKN (3:3.4 in 2022) has no 2021 counterpart: the series stops with a note.
    assert main(["history", "show", "--db", str(db), "--indicator", "3:3.4", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert [p["period"] for p in s["points"]] == ["2022-N"]
    assert len(s["notes"]) == 1 and "6 tháng đầu năm 2021" in s["notes"][0] and "tinh-2021" in s["notes"][0]
    # A 2021 row that changed meaning stops with the reason kept in the mapping.
    code, why = translate("2:2.1", "tinh-2021", "tinh-2022")
    assert code is None and "VBQPPL" in why


def test_tinh_2025_series_continue_where_the_row_is_unchanged():
    """tinh-2025 extends tinh-2022: unchanged rows cross; a dropped row stops with the regime's own reason."""
    from xlcchc.history.mapping import trend_keys

    assert translate("3:3.3", "tinh-2025", "tinh-2021") == ("3:3.4.3", "")
    code, why = translate("3:3.2", "tinh-2022", "tinh-2025")
    dropped = next(c for c in load_catalog("tinh-2025").changes if (c.form, c.code) == (3, "3.2"))
    assert code is None and dropped.reason in why
    code, why = translate("1:3.2", "tinh-2025", "tinh-2022")  # label changed: UBND cấp xã, not cấp huyện
    assert code is None and "cấp xã" in why
    assert trend_keys(load_catalog("tinh-2025"))  # a regime without a listed trend still gets its rates
