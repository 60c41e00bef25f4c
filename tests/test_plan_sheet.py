"""The “Nhiệm vụ” sheet: who gets it, how it is locked, filling, reading, checking, values, LibreOffice parity."""

import datetime as dt
import json

import openpyxl
import pytest

from xlcchc import layout
from xlcchc.catalog import load_catalog, registry_of
from xlcchc.check import check_doc, check_file
from xlcchc.office import recalculate, soffice_available
from xlcchc.periods import parse_period
from xlcchc.plan import load_plan, period_end
from xlcchc.plan.track import check_report, report_from_values, sheet_status, situation
from xlcchc.read import read_return
from xlcchc.template import build_template, fill_template
from xlcchc.template_tasks import task_layout
from xlcchc.values import TaskRow, ValuesDoc, dump_values, export_values, load_values_file

CAT = load_catalog("tinh-2022")
REG = registry_of(CAT)
Q3 = parse_period("Quý III/2023")

# Task rows a Sở Tư pháp might send for Q3 2023 (01.2 is led by Sở TTTT, not by it)
FILLING = [
    TaskRow(task="01.3", status="Đã hoàn thành", done_on="2023-03-20", product="Kế hoạch số 12/KH-STP ngày 20/3/2023"),
    TaskRow(task="01.4", status="Đang thực hiện"),
    TaskRow(task="02.1", status="Đã hoàn thành", done_on="15/05/2023"),  # no product
    TaskRow(task="03.1", status="xong rồi"),  # not a status
    TaskRow(task="07.2", status="Chưa thực hiện", note="chờ hướng dẫn"),
    TaskRow(task="05.5", status="Không phát sinh"),
]


@pytest.fixture(scope="module")
def stp(tmp_path_factory) -> tuple:
    d = tmp_path_factory.mktemp("stp")
    tpl = build_template(CAT, REG.by_code["STP"], Q3, d / "STP.xlsx")
    filled = d / "STP_filled.xlsx"
    report = fill_template(tpl, ValuesDoc(tasks=FILLING + [TaskRow(task="01.2", status="Đã hoàn thành")]), filled)
    return tpl, filled, report


def test_sheet_lists_exactly_the_tasks_the_unit_leads(stp):
    tpl, _, _ = stp
    plan = load_plan("kh-2023")
    wb = openpyxl.load_workbook(tpl)
    assert wb.sheetnames.index(layout.TASK_SHEET) == wb.sheetnames.index(layout.CHECK_SHEET) - 1
    ws = wb[layout.TASK_SHEET]
    ids = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    expected = [t.id for t in plan.tasks if "STP" in t.lead_refs or "so" in t.lead_refs]
    assert [i for i in ids if i in plan.by_id] == expected
    assert "01.2" not in ids  # Sở TTTT's
    # printed columns are the plan's; inputs unlocked, everything else locked, sheet protected
    row = ids.index("01.4") + 1
    t = plan.by_id["01.4"]
    assert ws.cell(row, 2).value == t.content and ws.cell(row, 4).value.split() == t.deadline_text.split()  # milestones one per line
    assert ws.cell(row, 5).value == dt.datetime(2023, 11, 30)
    assert ws.protection.sheet
    assert [ws.cell(row, c).protection.locked for c in range(1, 11)] == [True] * 5 + [False] * 4 + [True]
    # names, and the plan in the metadata
    names = wb.defined_names
    assert layout.task_name("01.4", "TT") in names and layout.meta_name(layout.PLAN_META) in names
    meta = {wb["_xlcchc"].cell(r, 1).value: wb["_xlcchc"].cell(r, 2).value for r in range(1, 12)}
    assert meta["plan"] == f"kh-2023:{plan.fingerprint}"
    # validation: the status list with a Vietnamese prompt, a date between bounds
    dvs = {dv.type: dv for dv in ws.data_validations.dataValidation}
    assert dvs["list"].formula1 == '"Đã hoàn thành,Đang thực hiện,Chưa thực hiện,Không phát sinh"'
    assert "Đã hoàn thành" in dvs["list"].prompt and dvs["list"].errorStyle in (None, "stop")
    assert "ngày/tháng/năm" in dvs["date"].prompt


def test_units_without_tasks_or_periods_without_plan_get_no_sheet(tmp_path):
    top = build_template(CAT, REG.by_code["TINH"], Q3, tmp_path / "TINH.xlsx")
    assert layout.TASK_SHEET not in openpyxl.load_workbook(top, read_only=True).sheetnames
    y22 = build_template(CAT, REG.by_code["STP"], parse_period("Năm 2022"), tmp_path / "STP22.xlsx")
    assert layout.TASK_SHEET not in openpyxl.load_workbook(y22, read_only=True).sheetnames
    assert task_layout(CAT, REG.by_code["TINH"], Q3) is None


def test_fill_read_check_and_values_roundtrip(stp, tmp_path):
    _, filled, report = stp
    assert report.tasks_written == [r.task for r in FILLING]
    assert report.task_issues == ["nhiệm vụ 01.2: Sở Tư pháp không chủ trì nhiệm vụ này"]
    ret = read_return(filled)
    assert ret.plan == "kh-2023"
    assert ret.tasks["01.3"].done_on == dt.date(2023, 3, 20) and ret.tasks["02.1"].done_on == dt.date(2023, 5, 15)
    assert ret.tasks["03.1"].bad_status == "xong rồi" and ret.tasks["07.2"].note == "chờ hướng dẫn"
    found = {(f.actual, f.rule): f for f in check_file(filled) if f.rule.startswith("task.")}
    # 07.1 (“Kế hoạch CCHC 2023 …: Trước 05/01/2023; báo cáo: định kỳ hàng quý”, led by every sở): its dated
    # milestone is past and STP reported nothing on it, so it is overdue although its deadline also recurs.
    assert set(found) == {("02.1", "task.product_missing"), ("03.1", "task.status"), ("07.1", "task.overdue")}
    assert found[("02.1", "task.product_missing")].cell == f"'{layout.TASK_SHEET}'!{ret.task_cells['02.1']['SP'].split('!')[1]}"
    # values export → JSON and CSV → check of the values file says the same
    doc = export_values(filled)
    for fmt, suffix in (("json", ".json"), ("csv", ".csv")):
        p = tmp_path / f"v{suffix}"
        p.write_text(dump_values(doc, fmt), encoding="utf-8")
        back = load_values_file(p)
        assert [t.model_dump() for t in back.tasks] == [t.model_dump() for t in doc.tasks]
        # (a CSV has no unit or period: `check --unit --period` says whose it is)
        got = check_doc(back, file=p.name) if fmt == "json" else check_file(p, regime="tinh-2022", unit="STP", period="2023-Q3")
        again = {(f.actual, f.rule) for f in got if f.rule.startswith("task.")}
        assert again == set(found)
    assert json.loads(dump_values(doc))["tasks"][1]["task"] == "01.3"


def test_check_rules_late_overdue_future(tmp_path):
    plan = load_plan("kh-2023")
    end = period_end(parse_period("Năm 2023"))
    t = plan.by_id["05.1"]  # Tháng 3/2023
    today = dt.date(2024, 1, 10)
    late = report_from_values(t.id, "Đã hoàn thành", "2023-04-02", "Quyết định số 1", None, date_serial=False)
    assert [p.rule for p in check_report(t, late, end, today)] == ["task.late"]
    assert situation(t, late, end) == "Hoàn thành quá hạn"
    assert [p.rule for p in check_report(t, None, end, today)] == ["task.overdue"]
    doing = report_from_values(t.id, "Đang thực hiện", None, None, None)
    assert situation(t, doing, end) == "Quá hạn" and sheet_status(check_report(t, doing, end, today), doing) == "Cảnh báo"
    future = report_from_values(t.id, "Đã hoàn thành", "2024-02-01", "QĐ 2", None, date_serial=False)
    assert "task.future" in [p.rule for p in check_report(t, future, end, today)]
    # a recurring task is never overdue; a not-yet-due one is “Chưa đến hạn”
    assert situation(plan.by_id["02.1"], None, end) == "Chưa báo cáo"
    assert situation(plan.by_id["05.4"], doing, period_end(parse_period("Quý III/2023"))) == "Chưa đến hạn"


@pytest.mark.skipif(not soffice_available(), reason="LibreOffice is required for the parity test")
def test_sheet_formulas_agree_with_python_in_libreoffice(stp, tmp_path):
    """The situation column, the counts and the task rows of the check sheet, recalculated by LibreOffice."""
    _, filled, _ = stp
    recalc = recalculate(filled, tmp_path)
    wb = openpyxl.load_workbook(recalc, data_only=True)
    ws, chk = wb[layout.TASK_SHEET], wb[layout.CHECK_SHEET]
    tl = task_layout(CAT, REG.by_code["STP"], Q3)
    ret = read_return(filled)
    today = dt.date.today()
    sits = []
    for t in tl.tasks:
        rep = ret.tasks.get(t.id)
        sits.append(situation(t, rep, tl.end))
        assert ws.cell(tl.rows[t.id] + 1, 10).value == sits[-1], t.id
    status = {chk.cell(r, 1).value: chk.cell(r, 6).value for r in range(1, chk.max_row + 1)}
    for t in tl.tasks:
        rep = ret.tasks.get(t.id)
        assert status[f"NV-{t.id}"] == sheet_status(check_report(t, rep, tl.end, today), rep), t.id
    assert ws["E4"].value == len(tl.tasks)
    assert ws["J4"].value == sum(s.startswith("Hoàn thành") for s in sits)
    assert ws["J6"].value == sits.count("Chưa báo cáo")
    # the cached results written by the fill are what LibreOffice computes
    cached = openpyxl.load_workbook(filled, data_only=True)[layout.TASK_SHEET]
    assert [cached.cell(tl.rows[t.id] + 1, 10).value for t in tl.tasks] == sits


def test_dated_milestone_beside_recurring_parts_makes_the_task_overdue(tmp_path):
    """Seed 003, Phụ lục 01 task 3 (Sở Tư pháp): “Kế hoạch …: chậm nhất trong Quý I/2023. - Báo cáo kết quả rà
    soát: định kỳ hàng quý - Quyết định xử lý …: thường xuyên.” The plan (Quý I) is tracked; the rest recurs."""
    from xlcchc.plan.track import tracking_due, untracked_text

    plan = load_plan("kh-2023")
    t = plan.by_id["01.3"]
    assert t.deadline.kind == "recurring"  # as printed: mostly recurring …
    assert tracking_due(t) == dt.date(2023, 3, 31)  # … but its dated milestone is tracked
    assert [m.every for m in t.deadline.untracked] == ["quarter", "continuous"]
    assert "định kỳ hàng quý" in untracked_text(t) and "không tính quá hạn" in untracked_text(t)
    q2 = parse_period("Quý II/2023")
    end = period_end(q2)
    doing = report_from_values(t.id, "Đang thực hiện", None, None, None)
    assert situation(t, doing, end) == "Quá hạn"
    [p] = check_report(t, doing, end, dt.date(2023, 7, 5))
    assert p.rule == "task.overdue" and "Kế hoạch kiểm tra, rà soát văn bản QPPL" in p.message and "31/03/2023" in p.message
    on_time = report_from_values(t.id, "Đã hoàn thành", "2023-03-20", "Kế hoạch số 12/KH-STP", None, date_serial=False)
    late = report_from_values(t.id, "Đã hoàn thành", "2023-04-20", "Kế hoạch số 12/KH-STP", None, date_serial=False)
    assert (situation(t, on_time, end), situation(t, late, end)) == ("Hoàn thành đúng hạn", "Hoàn thành quá hạn")
    # a task whose deadline is only recurring is still never overdue (02.1: “Thường xuyên”)
    assert tracking_due(plan.by_id["02.1"]) is None and situation(plan.by_id["02.1"], doing, end) == "Đang theo dõi"
    # in the real template: the tracked date in “Hạn theo dõi”, the prompt says which part counts, check says overdue
    tpl = build_template(CAT, REG.by_code["STP"], q2, tmp_path / "STP_Q2.xlsx")
    ws = openpyxl.load_workbook(tpl)[layout.TASK_SHEET]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "01.3")
    assert ws.cell(row, 5).value == dt.datetime(2023, 3, 31)
    dv = next(dv for dv in ws.data_validations.dataValidation if dv.type == "list" and f"F{row}" in dv.sqref)
    assert "Kế hoạch kiểm tra, rà soát văn bản QPPL (31/03/2023)" in dv.prompt and "không tính quá hạn" in dv.prompt
    filled = tmp_path / "STP_Q2_filled.xlsx"
    fill_template(tpl, ValuesDoc(tasks=[TaskRow(task="01.3", status="Đang thực hiện")]), filled)
    assert ("01.3", "task.overdue") in {(f.actual, f.rule) for f in check_file(filled)}
