"""The demo's plan part: the 2023 plan (kh-2023) followed through the 9-month 2023 sample returns.

What the Sở Nội vụ does at the end of September 2023: merge the returns received so far, read the plan
sheet (every task × lead unit, on time / late / overdue) and send the follow-up list (“Nhắc việc”) to
the lead agencies, including those that have not sent yet. Biểu mẫu 1 items 2.1/2.2 are counted from
the tracked tasks, and the appendix gets the plan annex.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .demo import MergedPart
from .fileio import atomic_path


@dataclass
class Demo2023(MergedPart):
    """The 2023 plan part: nothing beyond the shared fields."""


def run_demo_2023(folder: Path | str, output: Path | str, *, pdf: bool = True, key=None) -> Demo2023:
    """Merge `folder` (samples/bao-cao-2023-9thang) into `output`; the summary is in `lines`."""
    from .appendix import write_appendix
    from .demo import appendix_pdf
    from .merge import merge_folder, read_provincial
    from .samples_2023 import PERIOD

    folder, out = Path(folder), Path(output)
    out.mkdir(parents=True, exist_ok=True)
    res = Demo2023(output=out, returns=sum(1 for p in folder.iterdir() if p.suffix == ".xlsx"))
    with atomic_path(out / "TONG_HOP_9THANG_2023.xlsx", suffix=".xlsx") as tmp:
        tmp.unlink()  # a fresh merge
        merge_folder(folder, tmp, period=PERIOD, key=key)
    res.provincial = out / "TONG_HOP_9THANG_2023.xlsx"
    fig = res.figures = read_provincial(res.provincial)
    res.appendix = write_appendix(fig, out / "PHU_LUC_9THANG_2023.xlsx", annexes=("plan",))
    if pdf:
        res.pdf, res.pdf_problem = appendix_pdf(res.appendix, out)
    res.lines = summary_lines(res, folder)
    return res


def summary_lines(res: Demo2023, folder: Path) -> list[str]:
    from .catalog.load import load_catalog, registry_of
    from .numbers import fmt_vn

    fig = res.figures
    registry = registry_of(load_catalog(fig.regime))
    plan = fig.plan
    received = sum(1 for st in fig.status if st.status in ("Đã nộp", "Có lỗi"))
    L = [
        f"Kế hoạch CCHC năm 2023, kỳ 9 tháng: {folder} ({res.returns} tệp, {received}/{len(fig.status)} đơn vị đã gửi)",
        f"1. Tổng hợp → {res.provincial}: Biểu mẫu 1 mục 2.1 = {fmt_vn(fig.values['1:2.1'])}, mục 2.2 = "
        f"{fmt_vn(fig.values['1:2.2'])} (tỷ lệ {fmt_vn(fig.values['1:2'])}%), đếm từ trang “Nhiệm vụ” của các đơn vị",
    ]
    by_situation: dict[str, list[str]] = defaultdict(list)
    for t in plan["tasks"]:
        by_situation[t["situation"]].append(t["id"])
    L.append(f"2. Trang “Kế hoạch” (nhiệm vụ × đơn vị chủ trì), tình hình {len(plan['tasks'])} nhiệm vụ: " + "; ".join(
        f"{s} {len(ids)}" for s, ids in sorted(by_situation.items(), key=lambda kv: -len(kv[1]))))
    for s in ("Quá hạn", "Hoàn thành quá hạn"):
        if by_situation.get(s):
            L.append(f"   - {s}: nhiệm vụ {', '.join(by_situation[s])}")
    rows = follow_up_rows(res.provincial)  # as printed on the sheet the Sở Nội vụ sends out
    sent = {st.unit for st in fig.status if st.status in ("Đã nộp", "Có lỗi")}
    names = {u.code: u for u in registry.units}
    by_unit: dict[str, list[str]] = defaultdict(list)
    for unit_name, task_id, situation in rows:
        by_unit[unit_name].append(f"{task_id} ({situation.lower()})")
    silent = [n for n in by_unit if not any(names[c].name == n and c in sent for c in names)]
    L.append(f"3. Trang “Nhắc việc”: {len(rows)} việc của {len(by_unit)} cơ quan chủ trì")
    for name, items in by_unit.items():
        if name not in silent:
            L.append(f"   - {name}: {', '.join(items)}")
    if silent:
        tasks = sorted({t for n in silent for t in by_unit[n]})
        L.append(f"   - {len(silent)} đơn vị chưa gửi báo cáo: {', '.join(tasks)}")
    pdf = f" và {res.pdf}" if res.pdf else (f" (không có PDF: {res.pdf_problem})" if res.pdf_problem else "")
    L.append(f"4. Phụ lục kèm phụ lục tình hình thực hiện kế hoạch: {res.appendix}{pdf}")
    return L


def follow_up_rows(provincial: Path) -> list[tuple[str, str, str]]:
    """(lead agency, task, situation) of the “Nhắc việc” sheet of a provincial workbook, in its order."""
    import openpyxl

    from .merge.plan_sheet import FOLLOW_UP_SHEET

    wb = openpyxl.load_workbook(provincial, read_only=True)
    try:
        return [(r[0], r[1], r[5]) for r in wb[FOLLOW_UP_SHEET].iter_rows(min_row=5, values_only=True) if r[1]]
    finally:
        wb.close()
