"""The plan's sheets of TONG_HOP.xlsx: every task × lead unit (“Kế hoạch”) and the follow-up list (“Nhắc việc”).

Written row by row (the provincial workbook is in constant-memory mode). The follow-up list is what the
Sở Nội vụ sends out as reminders: per lead agency, its tasks overdue and those due within 30 days after
the period end, with the deadline as printed in the plan.
"""

from __future__ import annotations

from ..catalog.models import Registry
from ..plan.models import KIND_LABELS
from ..plan.track import tracking_due
from ..printing import text_px
from .plan import FOLLOW_UP_DAYS, PlanProgress
from .sheet_rows import RowWriter
from .sheet_style import (
    cell_lines,
    cell_lines_once,
    lines_pt,
    official_cell,
    official_codes,
    print_setup,
    row_pt,
    with_official_column,
)

PLAN_SHEET = "Kế hoạch"
FOLLOW_UP_SHEET = "Nhắc việc"


def _leads_text(task, registry: Registry) -> str:
    return "; ".join(KIND_LABELS.get(r) or registry.label(r, short=True) for r in task.lead_refs)


def _header(ws, fm, r: int, headers: list[str], widths: list[int], *, freeze_col: int) -> None:
    """The table's header row at `r`, sized to its wrapped labels, with the columns' widths; frozen below."""
    ws.set_row(r, row_pt(*zip(headers, widths), bold=True))
    for c, (h, w) in enumerate(zip(headers, widths)):
        ws.write_string(r, c, h, fm.header)
        ws.set_column(c, c, w)
    ws.freeze_panes(r + 1, freeze_col)


def one_line(text: str, width: float, size_pt: float = 11) -> str:
    """`text` cut after a whole word to one line of a column `width` characters wide, with "…"."""
    room = width * 7 + 5 - 7 - text_px("…", size_pt, False)
    if text_px(text, size_pt, False) <= room + text_px("…", size_pt, False):
        return text
    out = ""
    for word in text.split(" "):
        nxt = f"{out} {word}" if out else word
        if text_px(nxt, size_pt, False) > room:
            break
        out = nxt
    return (out or text[:8]).rstrip(",;:") + "…"


#: Columns of the plan sheet and their widths; the last (the return's file) is not printed.
PLAN_HEADERS = ["Nhiệm vụ", "Nội dung", "Cơ quan chủ trì", "Thời gian hoàn thành", "Hạn theo dõi",
                "Nhiệm vụ: hoàn thành", "Nhiệm vụ: tình hình", "Đơn vị", "Trạng thái", "Ngày hoàn thành",
                "Sản phẩm", "Tình hình của đơn vị", "Tệp báo cáo"]
PLAN_WIDTHS = [9, 45, 24, 20, 11, 13, 16, 26, 15, 11, 28, 19, 30]


def write_plan_sheet(ws, fm, progress: PlanProgress, registry: Registry, heading: str) -> None:
    """One row per task × lead unit (a filterable list: ~3,300 rows for 69 tasks and 182 units).

    Printed, the task's own columns (content, leads, deadline) are whole on its first row and cut to one
    line on the rows of its other lead units, so that the list prints in some 80 pages instead of 380
    pages of the same paragraph; every row is sized to its wrapped cells.
    """
    plan = progress.plan
    ws.write_string(0, 0, f"Tình hình thực hiện {plan.title}", fm.title)
    ws.write_string(1, 0, f"{heading} — tình hình đến ngày {progress.end:%d/%m/%Y}", fm.subtitle)
    counts = progress.counts()
    ws.write_string(2, 0, f"Số nhiệm vụ: {int(counts['plan_tasks'])}; đã hoàn thành (mọi đơn vị chủ trì): "
                          f"{int(counts['plan_done'])} (Biểu mẫu 1, mục 2.1 và 2.2). Nội dung nhiệm vụ ghi đủ ở "
                          "dòng đầu của nhiệm vụ, ghi tắt ở các dòng sau; lọc theo Đơn vị hoặc Nhiệm vụ trước khi in.",
                   fm.subtitle)
    headers, widths = PLAN_HEADERS, PLAN_WIDTHS
    codes = official_codes(registry)  # 2025+: the lead unit's official code, after the (unprinted) file
    headers, widths = with_official_column(headers, widths, codes)
    r = 4
    _header(ws, fm, r, headers, widths, freeze_col=1)
    print_setup(ws, repeat=(r, r), last_col=len(PLAN_HEADERS) - 2)
    r += 1
    rows = RowWriter(ws)  # ~3,300 rows × 14 cells: written a row at a time (xlcchc.merge.sheet_rows)
    unit_lines: dict[str, tuple[str, int]] = {}  # unit → (its short name, the lines the name takes)
    for tp in progress.tasks:
        t = tp.task
        due = tracking_due(t)
        # The task's own columns repeat on each of its lead rows (up to ~170): worked out once per task.
        content, leads, due_text = " ".join(t.content.split()), _leads_text(t, registry), f"{due:%d/%m/%Y}" if due else "—"
        deadline = " ".join(t.deadline_text.split())
        short = (one_line(content, widths[1]), one_line(leads, widths[2]), one_line(deadline, widths[3]))
        share, task_situation = tp.share_text, tp.situation
        # Row heights: the task's own cells (whole, then cut to one line) and each unit's name are measured
        # once; `lines_pt` of the tallest cell is `row_pt` of the five wrapped cells of the row.
        whole_n = max(cell_lines(content, widths[1]), cell_lines(leads, widths[2]), cell_lines(deadline, widths[3]))
        short_n = max(cell_lines(short[0], widths[1]), cell_lines(short[1], widths[2]), cell_lines(short[2], widths[3]))
        for n, lr in enumerate(tp.leads):
            rep = lr.report
            own = (content, leads, deadline) if n == 0 else short
            if lr.unit not in unit_lines:
                name = registry.label(lr.unit, short=True)
                unit_lines[lr.unit] = (name, cell_lines(name, widths[7]))
            unit, unit_n = unit_lines[lr.unit]
            product = rep.product if rep else ""
            cells = [(t.id, fm.cell), (own[0], fm.text), (own[1], fm.text), (own[2], fm.text),
                     (due_text, fm.center), (share, fm.center), (task_situation, fm.cell), (unit, fm.text),
                     ((rep.status or rep.bad_status or "") if rep else "", fm.cell),
                     (f"{rep.done_on:%d/%m/%Y}" if rep and rep.done_on else "", fm.center),
                     (product, fm.text), (lr.situation, fm.cell), (lr.file or "", fm.text)]
            if codes:
                cells.append(official_cell(codes, lr.unit, fm))
            rows.row(r, cells, height=lines_pt(max(whole_n if n == 0 else short_n, unit_n,
                                                   cell_lines_once(product, widths[10]))))
            r += 1
    rows.done()
    if r > 5:
        ws.autofilter(4, 0, r - 1, len(headers) - 1)


def write_follow_up(ws, fm, progress: PlanProgress, registry: Registry, heading: str) -> None:
    ws.write_string(0, 0, "Danh sách nhắc việc theo cơ quan chủ trì", fm.title)
    ws.write_string(1, 0, f"{heading} — nhiệm vụ quá hạn và đến hạn trong {FOLLOW_UP_DAYS} ngày sau ngày "
                          f"{progress.end:%d/%m/%Y} ({progress.plan.title})", fm.subtitle)
    headers = ["Cơ quan chủ trì", "Nhiệm vụ", "Nội dung", "Thời gian hoàn thành", "Hạn theo dõi", "Tình hình", "Trạng thái đơn vị báo cáo"]
    widths = [28, 8, 52, 36, 11, 11, 18]  # a deadline of several milestones takes four lines, not seven
    codes = official_codes(registry)  # 2025+: the lead unit's official code, last
    headers, widths = with_official_column(headers, widths, codes)
    r = 3
    _header(ws, fm, r, headers, widths, freeze_col=0)
    print_setup(ws, repeat=(r, r), last_col=len(headers) - 1)
    r += 1
    order = {u.code: i for i, u in enumerate(registry.units)}
    place: dict[int, int] = {}  # id(task) → tasks.index(task), asked once per task (an index compares tasks)

    def task_place(task) -> int:
        if id(task) not in place:
            place[id(task)] = progress.plan.tasks.index(task)
        return place[id(task)]

    rows = sorted(progress.follow_up(), key=lambda lr: (order.get(lr.unit, 10**6), lr.unit, task_place(lr.task)))
    out = RowWriter(ws)  # a row at a time (xlcchc.merge.sheet_rows): ~100 rows × 8 cells for 182 units
    for lr in rows:
        t, due = lr.task, tracking_due(lr.task)
        rep = lr.report
        unit, content = registry.label(lr.unit), " ".join(t.content.split())
        cells = [(unit, fm.text), (t.id, fm.cell), (content, fm.text), (t.deadline_text, fm.text),
                 (f"{due:%d/%m/%Y}" if due else "—", fm.center),
                 (lr.situation if lr.situation == "Quá hạn" else "Sắp đến hạn", fm.cell),
                 ((rep.status or rep.bad_status or "") if rep else "Chưa báo cáo", fm.cell)]
        if codes:
            cells.append(official_cell(codes, lr.unit, fm))
        out.row(r, cells, height=row_pt((unit, widths[0]), (content, widths[2]), (t.deadline_text, widths[3])))
        r += 1
    out.done()
    if len(rows) == 0:
        ws.write_string(r, 0, "Không có nhiệm vụ quá hạn hoặc sắp đến hạn.", fm.text)
    else:
        ws.autofilter(3, 0, r - 1, len(headers) - 1)
