"""The plan in the merge: plan sheet, Biểu mẫu 1 2.1/2.2 from the tracked tasks, follow-up list, targets."""

import random
from pathlib import Path

import openpyxl
import pytest

from xlcchc.catalog import load_catalog, registry_of
from xlcchc.merge import merge_folder, read_provincial
from xlcchc.periods import parse_period
from xlcchc.plan import load_plan
from xlcchc.template import build_template, fill_template
from xlcchc.values import TaskRow, ValueRow, ValuesDoc

CAT = load_catalog("tinh-2022")
REG = registry_of(CAT)
UNITS = ["VPUBND", "SNV", "STP", "STC", "STTTT", "H-THO-XUAN", "TP-THANH-HOA"]
STATUSES = ["Đã hoàn thành", "Đã hoàn thành", "Đang thực hiện", "Chưa thực hiện", "Không phát sinh", None]


def _fill(tmp: Path, period: str, seed: int, values: dict[str, list] | None = None) -> tuple[Path, dict]:
    """Returns of UNITS with random task statuses; returns the folder and what each unit reported."""
    rng = random.Random(seed)
    plan = load_plan("kh-2023")
    folder = tmp / f"returns-{seed}"
    folder.mkdir()
    sent: dict[str, dict[str, str | None]] = {}
    for code in UNITS:
        u = REG.by_code[code]
        tpl = build_template(CAT, u, parse_period(period), tmp / f"{code}-{seed}.xlsx")
        rows = []
        for t in plan.tasks_of(u.code, u.kind):
            st = rng.choice(STATUSES)
            sent.setdefault(code, {})[t.id] = st
            if st is None:
                continue
            rows.append(TaskRow(task=t.id, status=st, done_on="2023-06-15" if st == "Đã hoàn thành" else None,
                                product="Văn bản số 1" if st == "Đã hoàn thành" else ""))
        fill_template(tpl, ValuesDoc(tasks=rows, values=(values or {}).get(code, [])), folder / f"{code}.xlsx")
    return folder, sent


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plan-merge")
    values = {"STP": [ValueRow(form=3, code="3.1.1", value=200), ValueRow(form=3, code="3.1.2", value=180)],
              "SNV": [ValueRow(form=3, code="3.1.1", value=300), ValueRow(form=3, code="3.1.2", value=299),
                      ValueRow(form=1, code="2.1", value=5), ValueRow(form=1, code="2.2", value=5)]}
    folder, sent = _fill(tmp, "Năm 2023", 7, values)
    out = tmp / "TONG_HOP.xlsx"
    fig = merge_folder(folder, out, period="2023-N", expected=UNITS)
    return fig, out, sent


def _independent(sent: dict) -> tuple[int, int, dict]:
    """2.1, 2.2 and each task's “done/applicable” computed here, from the registry and what was sent."""
    plan = load_plan("kh-2023")
    done_tasks, shares = 0, {}
    for t in plan.tasks:
        leads = [u.code for u in REG.units if u.code != REG.top and (u.code in t.lead_refs or u.kind in t.lead_refs)]
        got = [sent.get(u, {}).get(t.id) for u in leads]  # a unit that sent nothing: None
        applicable = [s for s in got if s != "Không phát sinh"]
        done = sum(s == "Đã hoàn thành" for s in applicable)
        shares[t.id] = f"{done}/{len(applicable)} đơn vị"
        done_tasks += bool(applicable) and done == len(applicable)
    return len(plan.tasks), done_tasks, shares


def test_biểu_mẫu_1_items_2_from_the_tracked_tasks(merged):
    fig, out, sent = merged
    n, done, _ = _independent(sent)
    assert (fig.values["1:2.1"], fig.values["1:2.2"]) == (n, done)  # SNV's 5 / 5 are not even written (locked)
    assert fig.values["1:2"] == round(100 * done / n, 2)
    back = read_provincial(out)
    assert (back.values["1:2.1"], back.values["1:2.2"], back.values["1:2"]) == (n, done, fig.values["1:2"])
    assert len(back.plan["tasks"]) == n


def test_plan_sheet_rows_equal_an_independent_computation(merged):
    fig, out, sent = merged
    _, _, shares = _independent(sent)
    wb = openpyxl.load_workbook(out, read_only=True)
    ws = wb["Kế hoạch"]
    rows = list(ws.iter_rows(min_row=6, values_only=True))
    plan = load_plan("kh-2023")
    expected_rows = sum(1 for t in plan.tasks for u in REG.units
                        if u.code != REG.top and (u.code in t.lead_refs or u.kind in t.lead_refs))
    assert len(rows) == expected_rows
    names = {REG.label(u.code, short=True): u.code for u in REG.units}
    for r in rows:
        tid, unit, status, file = r[0], names[r[7]], r[8], r[12]
        assert r[5] == shares[tid]
        reported = sent.get(unit, {}).get(tid)
        assert (status or None) == reported
        assert (file or None) == (f"{unit}.xlsx" if unit in sent else None)  # the return it came from, if any
    # a task several units lead shows the share of those done
    assert any(r[5].endswith("/28 đơn vị") or r[5].endswith("/27 đơn vị") for r in rows)


def test_follow_up_list_per_lead_agency(merged):
    fig, out, sent = merged
    ws = openpyxl.load_workbook(out, read_only=True)["Nhắc việc"]
    rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if r[1]]
    plan = load_plan("kh-2023")
    assert rows, "the year's overdue tasks must be listed"
    for r in rows:
        t = plan.by_id[r[1]]
        unit = next(u.code for u in REG.units if u.name == r[0])
        assert sent.get(unit, {}).get(t.id) not in ("Đã hoàn thành", "Không phát sinh")
        assert r[5] in ("Quá hạn", "Sắp đến hạn")
    # every lead that has not finished a task due by 31/12/2023 is reminded
    due = [t for t in plan.tasks if t.deadline.kind == "date" and t.deadline.due.year == 2023]
    t = due[0]
    leads = [u for u in REG.units if u.code != REG.top and (u.code in t.lead_refs or u.kind in t.lead_refs)]
    pending = {u.name for u in leads if sent.get(u.code, {}).get(t.id) not in ("Đã hoàn thành", "Không phát sinh")}
    assert {r[0] for r in rows if r[1] == t.id} == pending


def test_targets_fire_on_a_miss_and_not_on_a_hit(merged):
    fig, _, _ = merged
    # 3.1 = (180 + 299) / (200 + 300) = 95,8 % < 98 %: the target of Phụ lục 02, task 2
    found = [f for f in fig.findings if f.rule == "plan.target"]
    assert [(f.form, f.code, f.severity) for f in found] == [(3, "3.1", "Cảnh báo")]
    assert "Kế hoạch cải cách hành chính năm 2023" in found[0].message and "02.2-so" in found[0].message
    assert "95,80%" in found[0].message


def test_target_met_gives_no_warning_and_no_plan_period_keeps_typed_figures(tmp_path):
    values = {"STP": [ValueRow(form=3, code="3.1.1", value=100), ValueRow(form=3, code="3.1.2", value=99)]}
    folder, _ = _fill(tmp_path, "Năm 2023", 3, values)
    fig = merge_folder(folder, tmp_path / "TH.xlsx", period="2023-N", expected=UNITS)
    assert not [f for f in fig.findings if f.rule == "plan.target"]
    # 2022: no plan — no plan sheet, 2.1 / 2.2 are the Sở Nội vụ's figures
    f22 = tmp_path / "y2022"
    f22.mkdir()
    tpl = build_template(CAT, REG.by_code["SNV"], parse_period("Năm 2022"), tmp_path / "SNV22.xlsx")
    fill_template(tpl, ValuesDoc(values=[ValueRow(form=1, code="2.1", value=40), ValueRow(form=1, code="2.2", value=30)]),
                  f22 / "SNV.xlsx")
    fig22 = merge_folder(f22, tmp_path / "TH22.xlsx", period="2022-N")
    assert (fig22.values["1:2.1"], fig22.values["1:2.2"]) == (40, 30) and fig22.plan is None
    assert "Kế hoạch" not in openpyxl.load_workbook(tmp_path / "TH22.xlsx", read_only=True).sheetnames


def test_plan_annex_of_the_appendix(merged, tmp_path):
    from xlcchc.appendix import write_appendix

    _, out, sent = merged
    fig = read_provincial(out)
    path = write_appendix(fig, tmp_path / "PL.xlsx", annexes=("plan",))
    ws = openpyxl.load_workbook(path, read_only=True)["Kế hoạch"]
    rows = [r for r in ws.iter_rows(values_only=True)]
    text = " ".join(str(c) for r in rows for c in r if c is not None)
    plan = load_plan("kh-2023")
    assert "Phụ lục số 01: Các nhiệm vụ trọng tâm về Cải cách thể chế" in text
    _, done, shares = _independent(sent)
    assert f"{done}/{len(plan.tasks)} nhiệm vụ đã hoàn thành" in text
    by_number = [r for r in rows if r and r[1] and any(" ".join(t.content.split()) == r[1] for t in plan.tasks)]
    assert len(by_number) == len(plan.tasks)
    first = plan.tasks[0]
    row = next(r for r in by_number if r[1] == " ".join(first.content.split()))
    assert row[4] == shares[first.id].replace(" đơn vị", "")


@pytest.mark.parametrize("code", ["SNV", "TINH"])
def test_items_2_not_typeable_in_the_province_template_when_the_period_has_a_plan(code, tmp_path):
    """Biểu mẫu 1 2.1/2.2 and the rate 2 of the Sở Nội vụ (their lead) and of the province's own template:
    locked and greyed with a note in a period with a plan (the merge counts them), typeable without one."""
    import openpyxl

    from xlcchc import layout
    from xlcchc.check import check_file
    from xlcchc.samples import patch_cells

    def cells(path):
        wb = openpyxl.load_workbook(path)
        ws = wb[layout.form_sheet(1)]
        out = {}
        for key in ("2.1", "2.2", "2"):
            _, ref = next(iter(wb.defined_names[layout.value_name(1, key)].destinations))
            c = ws[ref.replace("$", "")]
            dvs = [dv for dv in ws.data_validations.dataValidation if c.coordinate in dv.sqref]
            out[key] = (c, ws.cell(c.row, c.column + 1), dvs)
        rules = {wb[layout.CHECK_SHEET].cell(r, 1).value for r in range(1, wb[layout.CHECK_SHEET].max_row + 1)}
        return out, ws.protection.sheet, rules

    unit = REG.by_code[code]
    with_plan = build_template(CAT, unit, parse_period("Quý II/2023"), tmp_path / f"{code}_Q2_2023.xlsx")
    got, protected, rules = cells(with_plan)
    assert protected
    for key, (c, note, dvs) in got.items():
        assert c.protection.locked and c.value is None and c.fill.fgColor.rgb.endswith("D9D9D9"), key
        assert note.protection.locked and "kế hoạch CCHC" in note.value and "Nhiệm vụ" in note.value
        assert [dv.type for dv in dvs] == [None]  # no typing rule: only the reason, shown when selected
        assert "Kế hoạch cải cách hành chính năm 2023" in dvs[0].prompt and "không nhập" in dvs[0].prompt
    assert not {r for r in rules if r and r.startswith("1-") and r.endswith(("-2.1", "-2.2", "-2"))}
    report = fill_template(with_plan, ValuesDoc(values=[ValueRow(form=1, code="2.1", value=9)]), tmp_path / "f.xlsx")
    assert [(i.code, "tự tính" in i.reason) for i in report.skipped] == [("2.1", True)]
    # typed anyway (protection removed): ignored with a warning naming the reason, no rule run on it
    forced = tmp_path / "forced.xlsx"
    forced.write_bytes(patch_cells(with_plan.read_bytes(), {layout.value_name(1, "2.1"): 9, layout.value_name(1, "2.2"): 12},
                                   unprotect=True))
    found = [f for f in check_file(forced) if f.form == 1 and f.code in ("2.1", "2.2", "2")]
    assert sorted((f.code, f.rule, f.severity) for f in found) == [
        ("2.1", "cell.plan_computed", "Cảnh báo"), ("2.2", "cell.plan_computed", "Cảnh báo")]
    # 2022 has no plan: the figures are typed (integer validation, unlocked), the rate is a formula
    without = build_template(CAT, unit, parse_period("Năm 2022"), tmp_path / f"{code}_2022.xlsx")
    got, _, rules = cells(without)
    for key in ("2.1", "2.2"):
        c, note, dvs = got[key]
        assert not c.protection.locked and not note.protection.locked and note.value is None
        assert [dv.type for dv in dvs] == ["whole"] and "số nguyên" in dvs[0].prompt
    assert got["2"][0].value.startswith("=") and got["2"][0].protection.locked
    assert {"1-le-2.2-2.1", "1-required-2.1", "1-required-2.2"} <= rules


def test_units_reporting_their_own_plan_keep_typing_items_2(tmp_path):
    """A department's own 2.1/2.2 (its own plan, `by`) stay typed in a period with the provincial plan."""
    import openpyxl

    from xlcchc import layout

    tpl = build_template(CAT, REG.by_code["STP"], parse_period("Quý II/2023"), tmp_path / "STP.xlsx")
    wb = openpyxl.load_workbook(tpl)
    _, ref = next(iter(wb.defined_names[layout.value_name(1, "2.1")].destinations))
    assert not wb[layout.form_sheet(1)][ref.replace("$", "")].protection.locked
