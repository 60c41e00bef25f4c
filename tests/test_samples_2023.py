"""The committed 9-month 2023 samples (kh-2023): merging them gives the plan sheet, the follow-up list and
Biểu mẫu 1 2.1/2.2 equal to a computation made here from the sample files alone (read with openpyxl)."""

import datetime as dt
from datetime import timedelta

import openpyxl
import pytest

from xlcchc import layout
from xlcchc.catalog import load_catalog, registry_of
from xlcchc.check import check_file
from xlcchc.plan import load_plan
from xlcchc.samples_2023 import FOLDER, PERIOD, UNITS, file_name

from .conftest import ROOT

SAMPLES = ROOT / "samples" / FOLDER
CAT = load_catalog("tinh-2022")
REG = registry_of(CAT)
END = dt.date(2023, 9, 30)
DONE, NA = "Đã hoàn thành", "Không phát sinh"


def _sent() -> dict[str, dict[str, tuple]]:
    """unit → task → (status, date completed, product), read from each file's names with openpyxl."""
    plan = load_plan("kh-2023")
    out: dict[str, dict[str, tuple]] = {}
    for path in sorted(SAMPLES.glob("*.xlsx")):
        wb = openpyxl.load_workbook(path, data_only=True)
        meta = {r[0]: r[1] for r in wb[layout.META_SHEET].iter_rows(values_only=True)}
        assert (meta["period"], meta["regime"]) == (PERIOD, "tinh-2022")

        def cell(name):
            sheet, ref = next(iter(wb.defined_names[name].destinations))
            return wb[sheet][ref.replace("$", "")].value

        rows = {}
        for t in plan.tasks:
            if layout.task_name(t.id, "TT") in wb.defined_names:
                status, done_on, product = (cell(layout.task_name(t.id, f)) for f in ("TT", "NGAY", "SP"))
                if status is not None:
                    rows[t.id] = (status, done_on.date() if done_on else None, product or "")
        out[meta["unit"]] = rows
    return out


def _due(task) -> dt.date | None:
    """The latest dated milestone of the printed deadline (a recurring or conditional part has no date)."""
    return max((m.due for m in task.deadline.milestones if m.kind == "date" and m.due), default=None)


def _situation(task, rep) -> str:
    due = _due(task)
    if rep is None:
        return "Quá hạn" if due and due <= END else "Chưa báo cáo"
    status, done_on, _ = rep
    if status == NA:
        return NA
    if status == DONE:
        return "Hoàn thành quá hạn" if due and done_on and done_on > due else "Hoàn thành đúng hạn"
    if due and due <= END:
        return "Quá hạn"
    return "Chưa đến hạn" if due else "Đang theo dõi"


def _independent(sent):
    plan = load_plan("kh-2023")
    rows, follow, done_tasks, shares = [], set(), 0, {}
    for t in plan.tasks:
        leads = [u for u in REG.units if u.code != REG.top and (u.code in t.lead_refs or u.kind in t.lead_refs)]
        reps = {u.code: sent.get(u.code, {}).get(t.id) for u in leads}
        applicable = [r for r in reps.values() if not (r and r[0] == NA)]
        done = sum(1 for r in applicable if r and r[0] == DONE)
        shares[t.id] = f"{done}/{len(applicable)} đơn vị"
        done_tasks += bool(applicable) and done == len(applicable)
        for u in leads:
            rep, sit = reps[u.code], _situation(t, reps[u.code])
            rows.append((t.id, REG.label(u.code, short=True), rep[0] if rep else "", sit,
                         file_name(u.code) if u.code in sent else ""))  # the return used, blank rows too
            due = _due(t)
            if not (rep and rep[0] in (DONE, NA)) and (sit == "Quá hạn" or (due and END < due <= END + timedelta(days=30))):
                follow.add((u.name, t.id))
    return len(plan.tasks), done_tasks, shares, rows, follow


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from xlcchc.demo_2023 import run_demo_2023

    return run_demo_2023(SAMPLES, tmp_path_factory.mktemp("demo-2023"), pdf=False)


def test_the_set_is_small_and_carries_task_statuses():
    files = sorted(SAMPLES.glob("*.xlsx"))
    assert [p.name for p in files] == sorted(file_name(u) for u in UNITS)
    assert all(p.stat().st_size < 70_000 for p in files) and sum(p.stat().st_size for p in files) < 700_000
    sent = _sent()
    statuses = {s for rows in sent.values() for s, _, _ in rows.values()}
    assert {DONE, "Đang thực hiện"} <= statuses


def test_merge_gives_items_2_and_the_plan_sheet_of_an_independent_computation(demo):
    sent = _sent()
    n, done, shares, rows, _ = _independent(sent)
    fig = demo.figures
    assert (fig.values["1:2.1"], fig.values["1:2.2"]) == (n, done)
    assert fig.values["1:2"] == round(100 * done / n, 2)
    ws = openpyxl.load_workbook(demo.provincial, read_only=True)["Kế hoạch"]
    got = [r for r in ws.iter_rows(min_row=6, values_only=True) if r[0]]
    assert [(r[0], r[7], r[8] or "", r[11], r[12] or "") for r in got] == rows
    assert all(r[5] == shares[r[0]] for r in got)
    # what the samples plant is there: done late, overdue (also on a mixed deadline's dated milestone), done on time
    by = {(r[0], r[7]): r[11] for r in got}
    assert by[("05.1", REG.label("STC", short=True))] == "Hoàn thành quá hạn"
    assert by[("01.2", REG.label("STTTT", short=True))] == "Quá hạn"
    assert by[("07.1", REG.label("H-THO-XUAN", short=True))] == "Quá hạn"
    assert by[("01.3", REG.label("STP", short=True))] == "Hoàn thành đúng hạn"


def test_follow_up_list_and_demo_lines(demo):
    _, _, _, _, follow = _independent(_sent())
    ws = openpyxl.load_workbook(demo.provincial, read_only=True)["Nhắc việc"]
    got = {(r[0], r[1]) for r in ws.iter_rows(min_row=5, values_only=True) if r[1]}
    assert got == follow
    assert ("UBND huyện Thọ Xuân", "07.1") in got and ("Sở Thông tin và Truyền thông", "01.2") in got
    text = "\n".join(demo.lines)
    assert f"mục 2.1 = {int(demo.figures.values['1:2.1'])}" in text and f"Trang “Nhắc việc”: {len(follow)} việc" in text


def test_planted_task_findings_are_found():
    found = {(p.name, f.rule, f.actual) for p in SAMPLES.glob("*.xlsx") for f in check_file(p) if f.rule.startswith("task.")}
    assert {(file_name("STC"), "task.late", "05.1"), (file_name("STTTT"), "task.overdue", "01.2"),
            (file_name("SNV"), "task.product_missing", "01.5"), (file_name("H-THO-XUAN"), "task.overdue", "07.1")} <= found
    assert not {f for f in found if f[0] == file_name("STP") and f[2] == "01.3"}
