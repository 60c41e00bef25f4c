"""The plan annex of the appendix (`xlcchc appendix --annexes plan`): the plan's tasks per area, like the
seed's Phụ lục 01–07, with their progress as the merge computed it (“3/5 đơn vị”, on time / late /
overdue / not due). Made from `ProvincialFigures.plan`, which `read_provincial` recomputes from the
provincial workbook; a period without a plan gets a one-line note instead of an empty table.
"""

from __future__ import annotations

from typing import Any

from ..annexes import ANNEX_SHEETS, _annex_row, _annex_table, _empty_note

HEADERS = ["TT", "Nội dung thực hiện", "Cơ quan chủ trì", "Thời gian hoàn thành", "Đơn vị đã hoàn thành", "Tình hình"]
WIDTHS = [40, 380, 150, 170, 90, 110]  # 940 px: one landscape page wide (printing.LANDSCAPE_PX)


def write_plan_annex(wb: Any, ctx: Any) -> None:
    ws = wb.add_worksheet(ANNEX_SHEETS["plan"])
    plan = ctx.fig.plan
    title = f"Tiến độ thực hiện {plan['title']}" if plan else "Tiến độ thực hiện kế hoạch cải cách hành chính"
    sub = ""
    if plan:
        done = sum(t["completed"] for t in plan["tasks"])
        y, m, d = plan["end"].split("-")
        sub = f"Tình hình đến ngày {d}/{m}/{y}: {done}/{len(plan['tasks'])} nhiệm vụ đã hoàn thành"
    row = _annex_table(ws, ctx, title, HEADERS, WIDTHS, subtitle=sub)
    if not plan:
        _empty_note(ws, ctx, row + 1, "Kỳ báo cáo này không có kế hoạch cải cách hành chính được theo dõi.")
        return
    for annex in plan["annexes"]:
        tasks = [t for t in plan["tasks"] if t["annex"] == annex["id"]]
        if not tasks:
            continue
        name = f"Phụ lục số {annex['id']}: {annex['title']}" if annex["id"].isdigit() else f"{annex['id']}. {annex['title']}"
        _annex_row(ws, ctx, row, [("", "center", True), (name, "left", True)] + [("", "center", False)] * 4, WIDTHS)
        row += 1
        for t in tasks:
            cells = [(t["number"], "center", False), (" ".join(t["content"].split()), "left", False),
                     (t["leads"], "left", False), (_milestones(t["deadline"]), "left", False),
                     (t["done"].replace(" đơn vị", ""), "center", False),
                     (t["situation"], "center", t["situation"] == "Quá hạn")]
            _annex_row(ws, ctx, row, cells, WIDTHS)
            row += 1


def _milestones(text: str) -> str:
    """Several milestones of one cell (“- Kế hoạch: …. - Báo cáo: …”) one per line, words unchanged."""
    import re

    t = " ".join(text.split())
    return re.sub(r"\s+-\s+(?=\S)", "\n- ", t) if t.startswith("- ") else t
