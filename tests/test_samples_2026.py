"""The 2026 sample returns of the two-tier province: generated, merged, and the figures recomputed apart.

The independent computation reads every used return with openpyxl by its defined names (not with
xlcchc's reader) and applies the aggregation rules written out here, not xlcchc.merge's code.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest

from xlcchc.catalog import load_catalog, registry_of
from xlcchc.layout import value_name
from xlcchc.merge import merge_folder, read_provincial
from xlcchc import samples_2026 as s26

from .conftest import ROOT

CAT = load_catalog("tinh-2025")
REG = registry_of(CAT)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """The demo's 2026 part (samples written, merged with the regime picked by the period, appendix)."""
    from xlcchc.demo_2026 import run_demo_2026

    out = tmp_path_factory.mktemp("s26")
    res = run_demo_2026(out, pdf=False, templates=False)
    assert res.regime == "tinh-2025" and "tinh-2025" in res.lines[1]
    # merged without --regime nor --period: the returns' period picks the regime in force, and it says so
    assert res.regime_choice.startswith("Chế độ báo cáo: tinh-2025 (áp dụng cho kỳ Năm 2026; từ 01/07/2025")
    assert f"   - {res.regime_choice}" in res.lines
    assert res.appendix.exists() and res.provincial == out / "TONG_HOP_2026.xlsx"
    return out, out / s26.RETURNS_DIR, res.figures


def _half_up(x: float) -> float:
    return float(Decimal(str(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _percent(n: float, d: float) -> float:
    """n / d × 100 to 2 decimals, never 100 for what is not 100 nor 0 for what is not 0 (the project's rule)."""
    r = _half_up(100 * n / d)
    if r >= 100 and n < d:
        return 99.99
    if r <= 0 < n:
        return 0.01
    return r


def _number(v):
    if isinstance(v, str) and v.replace(".", "").isdigit():  # typed as text with thousands dots
        return int(v.replace(".", ""))
    if v == "-":  # the forms' mark for none
        return 0
    return v


@pytest.fixture(scope="module")
def cells(bundle):
    """value-cell name → (sheet, row, col), from one template's defined names (the same for every unit)."""
    _, folder, _ = bundle
    wb = openpyxl.load_workbook(folder / s26.file_name("X-CAC-SON"))
    out = {}
    for name, dn in wb.defined_names.items():
        sheet, ref = list(dn.destinations)[0]
        c = openpyxl.utils.cell.coordinate_from_string(ref.replace("$", ""))
        out[name] = (sheet, c[1] - 1, openpyxl.utils.cell.column_index_from_string(c[0]) - 1)
    return out


def _read(path: Path, unit, cells) -> dict:
    """A return's typed values, read by python-calamine (not xlcchc's reader) at the named cells."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    sheets: dict[str, list] = {}
    out = {}
    for ind in CAT.value_indicators():
        if not CAT.applies(ind, unit) or CAT.computed(ind, unit):
            continue
        sheet, r, c = cells[value_name(ind.form, ind.code)]
        if sheet not in sheets:
            sheets[sheet] = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        v = _number(sheets[sheet][r][c])
        if isinstance(v, (int, float)) and v != "":
            out[ind.key] = v
    return out


def test_the_readme_is_committed_as_generated(bundle):
    out, _, _ = bundle
    assert (out / "README-2026.md").read_text(encoding="utf-8") == (ROOT / "docs" / "samples-2026.md").read_text(encoding="utf-8")


def test_every_department_and_commune_but_a_few_sent_and_the_planted_problems_are_reported(bundle):
    _, folder, fig = bundle
    status = {}
    for st in fig.status:
        status.setdefault(st.unit, st.status)
    assert {c for c, s in status.items() if s == "Chưa nộp"} == set(s26.NOT_SENT)
    assert sum(1 for u in REG.reporting_units() if status.get(u.code) in ("Đã nộp", "Có lỗi")) == 182 - len(s26.NOT_SENT)
    by_file = {st.file: st for st in fig.status if st.file}
    old = by_file[f"BC_CCHC_2026_{s26.OLD_REGIME_UNIT}_mau2022.xlsx"]
    assert old.status == "Không hợp lệ" and "tinh-2022" in old.detail
    gone = by_file[s26.file_name(s26.MERGED_AWAY[0])]
    assert gone.status == "Không hợp lệ" and "X-XUAN-HONG" in gone.detail and "sáp nhập" in gone.detail
    assert by_file[s26.file_name(s26.TWICE_UNIT, "_du_thao")].status == "Trùng"
    assert by_file[f"BC_CCHC_6thang2026_{s26.STALE_UNIT}.xlsx"].status == "Sai kỳ báo cáo"
    assert by_file[s26.file_name(s26.DAMAGED_UNIT, " (1)")].status == "Không hợp lệ"
    assert status[s26.TYPO_UNIT] == "Có lỗi"
    # plausible sizes: communes differ, wards are larger
    ho_so = {u.code: fig.by_unit[u.code].get("3:3.3.1") for u in REG.reporting_units()
             if u.kind == "xa" and u.code in fig.by_unit and u.code != s26.TEXT_UNIT}
    wards = [v for c, v in ho_so.items() if c.startswith("P-") and v]
    communes = [v for c, v in ho_so.items() if c.startswith("X-") and v]
    assert len(set(communes)) > 100 and sum(wards) / len(wards) > 2 * sum(communes) / len(communes)


def _plan_counts(used: dict) -> dict[str, float]:
    """2.1 / 2.2 of the 2026–2030 plan, read with openpyxl: a task is done when every lead unit that has
    something to do (not “Không phát sinh”) reported “Đã hoàn thành”."""
    import openpyxl

    from xlcchc.plan import load_plan

    plan = load_plan("kh-2026-2030")
    status: dict[str, dict[str, str]] = {}
    for code, path in used.items():
        wb = openpyxl.load_workbook(path, read_only=True)
        refs = {name: next(iter(dn.destinations)) for name, dn in wb.defined_names.items()
                if name.startswith("NV_") and name.endswith("_TT")}
        if refs:
            cells = {f"{c.column_letter}{c.row}": c.value for row in wb["Nhiệm vụ"].iter_rows(min_col=6, max_col=6)
                     for c in row if c.value is not None and hasattr(c, "column_letter")}
            for name, (sheet, ref) in refs.items():
                status.setdefault(code, {})[name] = cells.get(ref.replace("$", ""))
        wb.close()
    done = 0
    for t in plan.tasks:
        leads = [u.code for u in REG.units if u.code != REG.top and (u.code in t.lead_refs or u.kind in t.lead_refs)]
        got = [status.get(u, {}).get(f"NV_{t.id.replace('.', '_')}_TT") for u in leads]
        todo = [g for g in got if g != "Không phát sinh"]
        done += bool(todo) and all(g == "Đã hoàn thành" for g in todo)
    return {"plan_tasks": float(len(plan.tasks)), "plan_done": float(done)}


def test_provincial_figures_equal_an_independent_computation(bundle, cells):
    out, folder, fig = bundle
    used = {st.unit: folder / st.file for st in fig.status if st.status in ("Đã nộp", "Có lỗi") and st.file}
    by_unit = {code: _read(path, REG.by_code[code], cells) for code, path in sorted(used.items())}
    want: dict[str, float | None] = {}
    plan_counts = _plan_counts(used)
    for ind in CAT.value_indicators():
        agg = ind.aggregate
        who = [c for c in by_unit if REG.by_code[c].kind in agg.filled_by or c in agg.filled_by]
        if agg.method == "sum":
            vals = [by_unit[c][ind.key] for c in who if ind.key in by_unit[c]]
            want[ind.key] = float(sum(vals)) if vals else None
        elif agg.method == "share_yes":
            answers = [by_unit[c][ind.key] for c in who if by_unit[c].get(ind.key) in (0, 1)]
            want[ind.key] = _percent(sum(answers), len(answers)) if answers else None
        elif agg.method == "lead":
            want[ind.key] = by_unit.get(agg.lead, {}).get(ind.key)
        elif agg.method in ("plan_tasks", "plan_done"):  # counted from the returns' “Nhiệm vụ” sheets
            want[ind.key] = plan_counts[agg.method]
    sums = {r.target: r.terms for r in CAT.rules if r.kind == "sum"}
    for _ in range(3):
        for ind in CAT.value_indicators():
            agg = ind.aggregate
            if agg.method == "total":
                vals = [want.get(t) for t in sums[ind.key] if want.get(t) is not None]
                want[ind.key] = float(sum(vals)) if vals else None
            elif agg.method == "ratio":
                n, d = want.get(agg.numerator), want.get(agg.denominator)
                want[ind.key] = _percent(n, d) if n is not None and d else None
    back = read_provincial(out / "TONG_HOP_2026.xlsx")
    compared = 0
    for ind in CAT.value_indicators():
        if ind.aggregate.method == "none" or ind.kind == "text":
            continue
        got = back.values.get(ind.key)
        if want.get(ind.key) is None:
            assert got in (None, "-"), ind.key
        else:
            assert got == pytest.approx(want[ind.key], abs=0.0051), ind.key
            compared += 1
    assert compared > 80
    # the communes' own figures reach the province: one-stop files are the sum of 163 communes
    assert back.values["3:3.3.1"] == sum(by_unit[c].get("3:3.3.1", 0) for c in by_unit if REG.by_code[c].kind == "xa")


def test_the_figures_are_deterministic():
    a = s26.returns_2026()[2]
    b = s26.returns_2026()[2]
    assert {k: v.values for k, v in a.items()} == {k: v.values for k, v in b.items()}


# --- one level up: the national level ---------------------------------------------------------------


def test_a_provinces_tong_hop_becomes_its_national_return(bundle, tmp_path):
    from xlcchc.national import national_return

    out, _, _ = bundle
    said: list[str] = []
    path = national_return(out / "TONG_HOP_2026.xlsx", tmp_path, said=said.append)
    assert said == ["Chế độ báo cáo: quoc-gia-2025 (áp dụng cho kỳ Năm 2026; từ 01/07/2025)"]  # by the period
    nat = load_catalog("quoc-gia-2025")
    fig = merge_folder(tmp_path, tmp_path / "TONG_HOP_QG.xlsx")
    assert fig.regime == "quoc-gia-2025" and path.name == "THANH-HOA_2026-N.xlsx"
    prov = read_provincial(out / "TONG_HOP_2026.xlsx")
    assert fig.by_unit["THANH-HOA"]["3:3.3.1"] == prov.values["3:3.3.1"]
    for ind in nat.value_indicators():
        if ind.aggregate.method in ("sum", "total", "ratio") and prov.values.get(ind.key) not in (None, "-"):
            assert fig.values[ind.key] == pytest.approx(prov.values[ind.key], abs=0.0051), ind.key
    st = {s.unit: s.status for s in fig.status}
    assert st["THANH-HOA"] in ("Đã nộp", "Có lỗi") and st["HA-NOI"] == "Chưa nộp" and len(st) == 34


@pytest.mark.parametrize("first_good", [True, False])
def test_national_returns_on_two_processes_are_the_returns_made_one_by_one(bundle, tmp_path, first_good):
    """`national returns` makes the first file here (building the national template), the others on two
    forked processes: the same files, the same refusals in the same order, as `national_return` alone —
    whether the good workbook is the parent's (its template inherited) or a worker's."""
    from xlcchc.national import NationalError, national_return, national_returns

    out, returns, _ = bundle
    good = out / "TONG_HOP_2026.xlsx"
    bad = sorted(returns.glob("*.xlsx"))[:4]  # units' returns, not provincial workbooks
    files = [good, *bad] if first_good else [bad[0], good, *bad[1:]]
    alone, pooled = tmp_path / "alone", tmp_path / "pooled"
    expected = []
    for f in files:
        try:
            expected.append((f, national_return(f, alone).name, ""))
        except NationalError as e:
            expected.append((f, None, str(e)))
    got = [(f, path.name if path else None, why) for f, path, why, _ in national_returns(files, pooled, workers=2)]
    assert got == expected
    assert sum(1 for _, name, _ in got if name) == 1
    name = next(name for _, name, _ in got if name)
    assert (pooled / name).read_bytes() == (alone / name).read_bytes()


@pytest.mark.parametrize("workers", [1, 2])
def test_two_tong_hop_of_one_province_and_period_make_one_return_said_so(bundle, tmp_path, workers):
    """Two provincial workbooks of the same province and period (an old and a corrected one, or one file named
    twice) would write the same national return: the first given makes it, the second is not used and says
    which one was, whichever process finished first; no temporary file is left; the command counts one."""
    from xlcchc.cli import main
    from xlcchc.fileio import TEMP_PREFIX
    from xlcchc.national import national_returns

    out, returns, _ = bundle
    good = out / "TONG_HOP_2026.xlsx"
    again = tmp_path / "sua" / "TONG_HOP_2026.xlsx"
    again.parent.mkdir()
    again.write_bytes(good.read_bytes())
    bad = sorted(returns.glob("*.xlsx"))[:3]  # units' returns: refused, and enough files for two processes
    files = [good, bad[0], again, bad[1], good, bad[2]]
    got = list(national_returns(files, tmp_path / "qg", workers=workers))
    assert [f for f, path, _, _ in got if path is not None] == [good]
    for f, path, why, _ in (got[2], got[4]):
        assert path is None and f"cùng tỉnh và cùng kỳ báo cáo với “{good}”" in why and "THANH-HOA_2026-N.xlsx" in why
    assert sorted(p.name for p in (tmp_path / "qg").iterdir()) == ["THANH-HOA_2026-N.xlsx"]
    alone = tmp_path / "alone"
    next(national_returns([good], alone))
    assert (tmp_path / "qg" / "THANH-HOA_2026-N.xlsx").read_bytes() == (alone / "THANH-HOA_2026-N.xlsx").read_bytes()
    assert main(["national", "returns", str(good), str(again), "-o", str(tmp_path / "cli")]) == 1
    assert [p.name for p in (tmp_path / "cli").iterdir()] == ["THANH-HOA_2026-N.xlsx"]
    assert not any(p.name.startswith(TEMP_PREFIX) for d in (tmp_path / "qg", tmp_path / "cli") for p in d.iterdir())


def test_a_province_without_an_official_code_is_not_guessed():
    from xlcchc.national import NationalError, province_unit

    assert province_unit("tinh-2025").code == "THANH-HOA"
    with pytest.raises(NationalError, match="không ghi mã tỉnh"):
        province_unit("tinh-2022")
    with pytest.raises(NationalError, match="không phải số toàn tỉnh"):
        province_unit("huyen-2024")


def test_the_national_merge_of_34_generated_provinces(tmp_path):
    import random

    from xlcchc.periods import parse_period
    from xlcchc.template import fill_template
    from xlcchc.template_units import templates_for_units
    from xlcchc.values import ValueRow, ValuesDoc

    nat = load_catalog("quoc-gia-2025")
    reg = registry_of(nat)
    period = parse_period("2026-N")
    rng = random.Random(34)
    folder = tmp_path / "tinh"
    folder.mkdir()
    sent: dict[str, dict[str, float]] = {}
    counts = [i for i in nat.value_indicators() if i.kind == "count"]
    for unit, tpl in templates_for_units(nat, reg.reporting_units(), period):
        (tmp_path / "mau.xlsx").write_bytes(tpl)
        vals = {i.key: rng.randint(0, 5000) for i in counts if nat.applies(i, unit) and not nat.computed(i, unit)
                and i.aggregate.method == "sum"}
        sent[unit.code] = vals
        doc = ValuesDoc(regime=nat.regime, unit=unit.code, period=period.code,
                        values=[ValueRow(form=int(k.split(":")[0]), code=k.split(":")[1], value=v) for k, v in vals.items()])
        fill_template(tmp_path / "mau.xlsx", doc, folder / f"{unit.code}.xlsx", cover={"BIA_TRANG_THAI": "Chính thức"})
    fig = merge_folder(folder, tmp_path / "TONG_HOP_QG.xlsx")
    assert len(sent) == 34 and fig.regime == "quoc-gia-2025"
    assert {s.status for s in fig.status if s.unit in sent} <= {"Đã nộp", "Có lỗi"}
    for key in {k for v in sent.values() for k in v}:
        assert fig.values[key] == sum(v[key] for v in sent.values()), key


def test_planted_task_statuses_reach_the_merge(bundle):
    """The 2026 returns carry task statuses (kh-2026-2030): the planted late, overdue and product-less tasks."""
    _, _, fig = bundle
    found = {(f.unit, f.rule, f.actual) for f in fig.findings if f.rule.startswith("task.")}
    assert {("STC", "task.late", "V.47"), ("SKHCN", "task.overdue", "VI.54"),
            ("SNV", "task.product_missing", "III.23")} <= found
    assert fig.plan and fig.plan["plan"] == "kh-2026-2030" and len(fig.plan["tasks"]) == 69
    sit = {t["id"]: t["situation"] for t in fig.plan["tasks"]}
    assert sit["VI.54"] == "Quá hạn" and sit["V.47"] in ("Hoàn thành quá hạn", "Quá hạn")


def test_the_annexes_list_every_unit_with_its_official_code(bundle, tmp_path):
    """The by-unit annex prints the official code (mã đơn vị hành chính) under each commune's name, the
    status annex beside it; departments (no official code) have a blank cell, never a made-up one."""
    from xlcchc.appendix import ANNEX_SHEETS, write_appendix

    out, _, _ = bundle
    fig = read_provincial(out / "TONG_HOP_2026.xlsx")
    wb = openpyxl.load_workbook(write_appendix(fig, tmp_path / "PL.xlsx", annexes="by-unit,status"))
    rows = list(wb[ANNEX_SHEETS["by-unit"]].iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if r[0] == "STT")
    names, codes = rows[at][5:], rows[at + 1][5:]
    assert rows[at + 1][0] == "Mã đơn vị hành chính"
    units = sorted(fig.by_unit, key=[u.code for u in REG.units].index)
    assert list(names) == [REG.by_code[u].short_name for u in units]
    assert [c or None for c in codes] == [str(REG.by_code[u].official_code) if REG.by_code[u].official_code else None
                                          for u in units]
    assert codes[names.index(REG.by_code["X-CAC-SON"].short_name)] == "16591"
    assert sum(bool(c) for c in codes) == sum(REG.by_code[u].kind == "xa" for u in units) > 150
    status = list(wb[ANNEX_SHEETS["status"]].iter_rows(values_only=True))
    head = next(r for r in status if r[0] == "STT")
    assert head[1:4] == ("Đơn vị", "Mã đơn vị hành chính", "Tình trạng")
    by_name = {r[1]: r[2] for r in status if isinstance(r[0], int)}
    assert by_name["Xã Các Sơn"] == "16591" and by_name["Sở Nội vụ"] in (None, "")


def test_the_demo_merge_verified_signatures(bundle):
    """The merge of the bundle (regime picked by the period: see the fixture) verified each return's
    signature with the sample key: no signature problem anywhere, and the merged-away commune is refused
    for its unit, its signature being valid."""
    out, folder, fig = bundle
    # every return was read with the sample key: no signature problem anywhere, and the merged-away
    # commune is refused for its unit, its signature being valid
    assert not [s for s in fig.status if "chữ ký" in s.detail]
    from xlcchc.read import ReturnError, read_return
    from xlcchc.signing import sample_key

    with pytest.raises(ReturnError) as e:
        read_return(folder / s26.file_name(s26.MERGED_AWAY[0]), key=sample_key(), unsigned="error")
    assert e.value.code == "doc.unit_unknown" and "sáp nhập" in str(e.value)


def test_a_2022_return_dropped_into_the_2026_folder_is_refused_by_name_and_the_merge_goes_on(bundle, tmp_path, capsys):
    import shutil

    _, folder, _ = bundle
    mixed = tmp_path / "in"
    mixed.mkdir()
    kept = ["X-CAC-SON", "P-HAM-RONG", "SNV"]
    for code in kept:
        shutil.copy(folder / s26.file_name(code), mixed / s26.file_name(code))
    for name in ("BC_CCHC_2022_SNV.xlsx", "BC_CCHC_2022_H-THO-XUAN.xlsx"):
        shutil.copy(ROOT / "samples" / "bao-cao-2022" / name, mixed / name)
    import json

    from xlcchc.cli import main

    assert main(["merge", str(mixed), "-o", str(tmp_path / "TONG_HOP.xlsx"), "--json"]) == 0  # no --regime, --period
    cap = capsys.readouterr()
    data = json.loads(cap.out)
    assert data["regime"] == "tinh-2025" and data["period"] == "2026-N"
    assert "Chế độ báo cáo: tinh-2025 (áp dụng cho kỳ Năm 2026; từ 01/07/2025; kỳ của 3/5 báo cáo" in cap.err
    by_file = {s["file"]: s for s in data["status"] if s["file"]}
    old = by_file["BC_CCHC_2022_SNV.xlsx"]
    assert old["status"] == "Không hợp lệ" and old["unit"] == "SNV"
    assert "“BC_CCHC_2022_SNV.xlsx” của Sở Nội vụ là biểu mẫu năm 2022 (chế độ báo cáo “tinh-2022”" in old["detail"]
    assert "thư mục kỳ năm 2026" in old["detail"] and "kỳ năm 2022" in old["detail"]
    district = by_file["BC_CCHC_2022_H-THO-XUAN.xlsx"]
    assert district["status"] == "Không hợp lệ" and "UBND huyện Thọ Xuân (“H-THO-XUAN”)" in district["detail"]
    assert {by_file[s26.file_name(c)]["status"] for c in kept} <= {"Đã nộp", "Có lỗi"}
    assert by_file[s26.file_name("X-CAC-SON")]["official_code"] == 16591 and old["official_code"] is None
    figures = {(v["form"], v["code"]): v["value"] for v in data["values"]}
    assert figures[(3, "3.3.1")] == read_provincial(tmp_path / "TONG_HOP.xlsx").values["3:3.3.1"] is not None


def test_tong_hop_lists_each_units_official_code_above_its_figures(bundle):
    """On every form sheet of TONG_HOP_2026.xlsx each unit's column carries its official code (mã đơn vị
    hành chính) above its name and code; a department's is blank."""
    out, _, fig = bundle
    wb = openpyxl.load_workbook(out / "TONG_HOP_2026.xlsx", read_only=True)
    from xlcchc.layout import form_sheet

    for form in CAT.forms:
        rows = list(wb[form_sheet(form.number)].iter_rows(min_row=3, max_row=5, values_only=True))
        assert "mã đơn vị hành chính (dòng ngay trên dòng tiêu đề)" in rows[0][0]
        assert not any(rows[1][:9]), "nothing but the codes on their row: it printed as a stray label"
        units = [c for c in rows[2][9:] if c]
        assert len(units) == len(REG.reporting_units()) and "X-CAC-SON" in units
        for col, code in enumerate(rows[2][9:], start=9):
            if code:
                assert rows[0][col] == REG.by_code[code].short_name
                assert rows[1][col] == REG.by_code[code].official_code, (form.number, code)
    wb.close()


def test_every_tong_hop_sheet_listing_units_carries_their_official_codes(bundle):
    """Findings, units' notes, provenance, the plan sheet and the follow-up list: a column "Mã đơn vị hành
    chính" holding, on each row naming a unit, that unit's official code from the registry (blank for a
    department), so that no sheet needs a lookup to another one."""
    out, _, fig = bundle
    wb = openpyxl.load_workbook(out / "TONG_HOP_2026.xlsx", read_only=True)
    # sheet → (header row, column of the unit, column of the official code); units by code except on the
    # follow-up list, which names the lead agency
    sheets = {"Kết quả kiểm tra": (3, 0, 10), "Ghi chú đơn vị": (3, 0, 5), "Nguồn số liệu": (3, 0, 6),
              "Kế hoạch": (5, 7, 13), "Nhắc việc": (4, 0, 7)}
    by_label = {REG.label(u.code, short=True): u for u in REG.units} | {REG.label(u.code): u for u in REG.units}
    for name, (header, unit_col, code_col) in sheets.items():
        rows = list(wb[name].iter_rows(min_row=header, values_only=True))
        assert rows[0][code_col] == "Mã đơn vị hành chính", name
        checked = with_code = 0
        for row in rows[1:]:
            if len(row) <= code_col or not row[unit_col] or row[unit_col] == "Đơn vị":
                continue
            unit = REG.by_code.get(row[unit_col]) or by_label.get(row[unit_col])
            if unit is None:
                break  # the provenance sheet's second table starts (its own header is checked below)
            assert row[code_col] == unit.official_code, (name, row[unit_col])
            checked += 1
            with_code += unit.official_code is not None
        assert checked and (with_code or name == "Nhắc việc"), name
    tail = [r for r in wb["Nguồn số liệu"].iter_rows(values_only=True) if r and r[0] == "Đơn vị"]
    assert tail[-1][:5] == ("Đơn vị", "Tệp", "SHA-256", "Tình trạng", "Mã đơn vị hành chính")
    wb.close()


def test_the_2026_appendix_never_speaks_of_districts(bundle, tmp_path):
    """A two-tier document: no "huyện" in the seven forms of the 2026 appendix, labels and the units'
    notes alike (the 2022 notes that named UBND cấp huyện are not carried into the 2026 samples)."""
    from xlcchc.appendix import write_appendix

    out, _, _ = bundle
    fig = read_provincial(out / "TONG_HOP_2026.xlsx")
    wb = openpyxl.load_workbook(write_appendix(fig, tmp_path / "PL.xlsx"))
    texts = [c for ws in wb for r in ws.iter_rows(values_only=True) for c in r if isinstance(c, str)]
    assert any("lgsp.thanhhoa.gov.vn" in t for t in texts)  # the notes that still hold are printed
    assert [t for t in texts if "huyện" in t.lower()] == []
