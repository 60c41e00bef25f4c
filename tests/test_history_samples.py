"""The 2022 samples through the year: merged period by period with the history, they give exactly the
planted cross-period findings (a cumulative decrease in 9 tháng, an outlier and a unit gone in the year)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlcchc.history.checks import cumulative_indicators
from xlcchc.history.record import add_provincial
from xlcchc.history.store import open_store
from xlcchc.catalog.load import load_catalog
from xlcchc.merge import merge_folder, read_provincial
from xlcchc.samples import MISSING_UNIT, RETURNS_DIR
from xlcchc.samples_periods import (
    DECREASE_KEY,
    DECREASE_PERIOD,
    DECREASE_UNIT,
    EARLIER,
    OUTLIER_KEY,
    OUTLIER_UNIT,
)

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    root = tmp_path_factory.mktemp("year")
    db = root / "h.sqlite"
    figs = {}
    folders = [(p, folder) for p, folder, *_ in EARLIER] + [("2022-N", RETURNS_DIR)]
    for i, (period, folder) in enumerate(folders):
        out = root / f"TONG_HOP_{period}.xlsx"
        merge_folder(SAMPLES / folder, out, period=period, history=db if i else None)
        with open_store(db) as store:
            add_provincial(store, out)
        figs[period] = read_provincial(out)
    figs["db"] = db
    return figs


def _history(fig):
    return [(f.unit, f"{f.form}:{f.code}", f.rule, f.severity) for f in fig.findings if f.rule.startswith("history.")]


def test_each_period_gives_exactly_the_planted_findings(year):
    assert _history(year["2022-Q1"]) == []
    assert _history(year["2022-6T"]) == []
    assert _history(year["2022-9T"]) == [(DECREASE_UNIT, DECREASE_KEY, "history.cumulative_decrease", "Lỗi")]
    assert DECREASE_PERIOD == "2022-9T"
    assert _history(year["2022-N"]) == [(OUTLIER_UNIT, OUTLIER_KEY, "history.outlier", "Cảnh báo")]
    gone = [s for s in year["2022-N"].status if "Kỳ trước" in s.detail]
    assert [(s.unit, s.status) for s in gone] == [(MISSING_UNIT, "Chưa nộp")]


def test_cumulative_rows_of_the_province_grow_through_the_year(year):
    cat = load_catalog("tinh-2022")
    order = ["2022-Q1", "2022-6T", "2022-9T", "2022-N"]
    grew = 0
    for ind in cumulative_indicators(cat):
        vals = [year[p].values.get(ind.key) for p in order]
        nums = [v for v in vals if isinstance(v, (int, float))]
        if len(nums) == 4:
            assert nums == sorted(nums), (ind.key, nums)
            grew += nums[-1] > nums[0]
    assert grew >= 3
    # The flows reach the printed annual figures from about a quarter of them.
    q1, n = year["2022-Q1"].values["3:3.1.1"], year["2022-N"].values["3:3.1.1"]
    assert 0.2 * n <= q1 <= 0.32 * n


def test_check_history_finds_the_decrease_in_one_return(year, capsys):
    import json

    from xlcchc.cli import main
    from xlcchc.samples_periods import earlier_file

    period, folder, tag = next((p, f, t) for p, f, t, *_ in EARLIER if p == DECREASE_PERIOD)
    bad = SAMPLES / folder / earlier_file(tag, DECREASE_UNIT)
    assert main(["check", str(bad), "--json"]) == 0  # one period alone shows nothing wrong
    capsys.readouterr()
    assert main(["check", str(bad), "--history", str(year["db"]), "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [(r["form"], r["code"], r["rule"]) for r in rows if r["rule"].startswith("history.")] == [
        tuple([int(DECREASE_KEY.split(":")[0]), DECREASE_KEY.split(":")[1], "history.cumulative_decrease"])]
    good = SAMPLES / folder / earlier_file(tag, OUTLIER_UNIT)
    assert main(["check", str(good), "--history", str(year["db"]), "--json"]) == 0
    assert not [r for r in json.loads(capsys.readouterr().out) if r["rule"].startswith("history.")]
    # The merge refuses a history file that is not there, before reading any return.
    assert main(["merge", str(SAMPLES / folder), "-o", str(year["db"].parent / "x.xlsx"),
                 "--history", str(year["db"].parent / "khong_co.sqlite")]) == 2
    assert "chưa có tệp lịch sử" in capsys.readouterr().err
    assert main(["history", "show", "--db", str(year["db"]), "--unit", OUTLIER_UNIT, "--json"]) == 0
    series = {f"{s['form']}:{s['code']}": s for s in json.loads(capsys.readouterr().out)}
    assert [p["period"] for p in series[OUTLIER_KEY]["points"]] == ["2022-Q1", "2022-6T", "2022-9T", "2022-N"]
