"""The plan annex of the appendix (`xlcchc appendix --annexes plan`): the plan's tasks per area, like the
seed's Phụ lục 01–07, with their progress as the merge computed it (“3/5 đơn vị”, on time / late /
overdue / not due). Made from `ProvincialFigures.plan`, which `read_provincial` recomputes from the
provincial workbook; a period without a plan gets a one-line note instead of an empty table.
"""

from __future__ import annotations

from typing import Any

from ..annexes import ANNEX_PT, ANNEX_SHEETS, _annex_row, _annex_table, _empty_note
from ..printing import Line, fit_row
from .deadline import as_lines

HEADERS = ["TT", "Nội dung thực hiện", "Cơ quan chủ trì", "Thời gian hoàn thành", "Đơn vị đã hoàn thành", "Tình hình"]
# 940 px: one landscape page wide (printing.LANDSCAPE_PX). The deadline column is wide enough for a labelled
# milestone per line (“- Kế hoạch kiểm tra, rà soát văn bản QPPL: chậm nhất trong Quý I/2023.”), so that a
# task's row is as tall as its content rather than as its deadline.
WIDTHS = [40, 330, 140, 230, 80, 120]


def write_plan_annex(wb: Any, ctx: Any) -> None:
    ws = wb.add_worksheet(ANNEX_SHEETS["plan"])
    plan = ctx.fig.plan
    title = f"Tiến độ thực hiện {plan['title']}" if plan else "Tiến độ thực hiện kế hoạch cải cách hành chính"
    sub = ""
    if plan:
        done = sum(t["completed"] for t in plan["tasks"])
        y, m, d = plan["end"].split("-")
        sub = f"Tình hình đến ngày {d}/{m}/{y}: {done}/{len(plan['tasks'])} nhiệm vụ đã hoàn thành"
    first = _annex_table(ws, ctx, title, HEADERS, WIDTHS, subtitle=sub)
    if not plan:
        _empty_note(ws, ctx, first + 1, "Kỳ báo cáo này không có kế hoạch cải cách hành chính được theo dõi.")
        return
    pages = ctx.extra.get("annex_pages")  # the annex's page breaks (xlcchc.annexes._Pages)
    row = first
    for annex in plan["annexes"]:
        tasks = [t for t in plan["tasks"] if t["annex"] == annex["id"]]
        if not tasks:
            continue
        name = f"Phụ lục số {annex['id']}: {annex['title']}" if annex["id"].isdigit() else f"{annex['id']}. {annex['title']}"
        # The area's heading across the table (not wrapped inside the content column), kept with its first task.
        ws.write_blank(row, 0, None, ctx.st.cell(size=ANNEX_PT))
        ws.merge_range(row, 1, row, len(WIDTHS) - 1, name, ctx.st.cell(size=ANNEX_PT, bold=True))
        h = fit_row(ws, row, [(name, sum(WIDTHS[1:]), ANNEX_PT, True)])
        if pages is not None:
            pages.add(Line(row, h, 0, True))
        row += 1
        for t in tasks:
            cells = [(t["number"], "center", False), (" ".join(t["content"].split()), "left", False),
                     (t["leads"], "left", False), (as_lines(t["deadline"]), "left", False),
                     (t["done"].replace(" đơn vị", ""), "center", False),
                     (t["situation"], "center", t["situation"] == "Quá hạn")]
            _annex_row(ws, ctx, row, cells, WIDTHS)
            row += 1
