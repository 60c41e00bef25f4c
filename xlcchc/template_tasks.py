"""The “Nhiệm vụ” sheet of a unit's template: the plan's tasks the unit leads, with status, date, product.

A unit of a period covered by a plan (`xlcchc.plan.plan_for`) gets one row per task it leads, by code or
by kind, grouped by area like the plan's annexes. The printed columns (content, expected products,
deadline as printed, the deadline used for tracking) are locked; the unit fills the status (a list),
the date completed, the product (document number and date) and a note, each with data validation and a
Vietnamese prompt. Formulas on the sheet give each task's situation at the period end and count the
unit's tasks done / due / overdue; one row per task on the “Kiểm tra” sheet computes what `check` says
(`xlcchc.plan.track`). A unit with no task gets no sheet.

Cells are found by defined names (`NV_<task>_TT`, `_NGAY`, `_SP`, `_GC`), which enter the layout hash
like the forms' names; the plan's id and fingerprint are metadata (`XLCCHC_PLAN`).
"""

from __future__ import annotations

import datetime as _dt

from .record import Record, record
from . import layout
from .catalog.models import Catalog, Unit
from .periods import Period
from .plan import Plan as ReformPlan
from .plan import Task, period_end, plan_for
from .plan.deadline import as_lines
from .printing import Line
from .plan.track import (
    DONE,
    NOT_APPLICABLE,
    NOT_REPORTED,
    OVERDUE,
    STATUSES,
    as_of,
    check_report,
    sheet_status,
    situation,
    tracking_due,
)

SHEET = layout.TASK_SHEET
HEADER_ROW = 7
FIRST_ROW = 8
# A TT, B content, C expected products, D deadline as printed, E deadline tracked, F status, G date done,
# H product, I note, J situation
# Column widths in pixels (the Normal font is Times New Roman 12, so Excel and LibreOffice lay them out
# alike): ~1200 px, printed one landscape page wide at about 80 %. The table body is 11 pt, as the annexes.
PX = [40, 280, 140, 140, 80, 108, 84, 140, 92, 96]
BODY_PT = 11
COL_DUE, COL_STATUS, COL_DATE, COL_PRODUCT, COL_NOTE, COL_SITUATION = 4, 5, 6, 7, 8, 9
FIELDS = {"TT": COL_STATUS, "NGAY": COL_DATE, "SP": COL_PRODUCT, "GC": COL_NOTE}
EXCEL_EPOCH = _dt.date(1899, 12, 30)
#: What the “Tình hình” column can say (its row must hold the longest).
SITUATION_WORDS = ("Hoàn thành đúng hạn", "Hoàn thành quá hạn", OVERDUE, "Chưa đến hạn", "Đang theo dõi", NOT_REPORTED, NOT_APPLICABLE)


def serial(d: _dt.date) -> int:
    return (d - EXCEL_EPOCH).days


def _col(c: int) -> str:
    return "ABCDEFGHIJ"[c]


@record(positional=True, forbid=False, frozen=False)
class TaskLayout(Record):
    """Where the task rows go (decided before writing, like the forms' geometry)."""

    plan: ReformPlan
    unit: Unit
    period: Period
    tasks: list[Task]
    rows: dict[str, int]  # task id → 0-based row

    @property
    def end(self) -> _dt.date:
        return period_end(self.period)

    def ref(self, task: Task, col: int, absolute: bool = True) -> str:
        r = self.rows[task.id] + 1
        return f"${_col(col)}${r}" if absolute else f"{_col(col)}{r}"

    def names(self) -> dict[str, str]:
        sheet = "'" + SHEET + "'"
        out = {}
        for t in self.tasks:
            for suffix, col in FIELDS.items():
                out[layout.task_name(t.id, suffix)] = f"={sheet}!{self.ref(t, col)}"
        return out

    @property
    def meta_value(self) -> str:
        return f"{self.plan.id}:{self.plan.fingerprint}"


def task_layout(catalog: Catalog, unit: Unit, period: Period) -> TaskLayout | None:
    """The unit's tasks for the period, or None (no plan for the period, or the unit leads no task)."""
    plan = plan_for(catalog.regime, period)
    if plan is None:
        return None
    tasks = plan.tasks_of(unit.code, unit.kind)
    if not tasks:
        return None
    rows: dict[str, int] = {}
    r = FIRST_ROW
    for annex in plan.annexes:
        mine = [t for t in tasks if t.annex == annex.id]
        if not mine:
            continue
        r += 1  # the area's heading row
        for t in mine:
            rows[t.id] = r
            r += 1
    return TaskLayout(plan, unit, period, tasks, rows)


# --- formulas (the same semantics as xlcchc.plan.track; parity-tested with LibreOffice) -----------

def _due_cell(tl: TaskLayout, t: Task) -> str:
    return tl.ref(t, COL_DUE, absolute=False)


def situation_formula(tl: TaskLayout, t: Task) -> str:
    s = f"TRIM({tl.ref(t, COL_STATUS, False)})"
    g, e, end = tl.ref(t, COL_DATE, False), _due_cell(tl, t), serial(tl.end)
    due_by_end = f"AND(ISNUMBER({e}),{e}<={end})"
    return (
        f'=IF({s}="",IF({due_by_end},"{OVERDUE}","{NOT_REPORTED}"),'
        f'IF({s}="{NOT_APPLICABLE}","{NOT_APPLICABLE}",'
        f'IF({s}="{DONE}",IF(AND(ISNUMBER({e}),ISNUMBER({g}),{g}>{e}),"Hoàn thành quá hạn","Hoàn thành đúng hạn"),'
        f'IF({due_by_end},"{OVERDUE}",IF(ISNUMBER({e}),"Chưa đến hạn","Đang theo dõi")))))'
    )


def check_formula(tl: TaskLayout, t: Task) -> str:
    s = f"TRIM({tl.ref(t, COL_STATUS)})"
    g, p, e = tl.ref(t, COL_DATE), tl.ref(t, COL_PRODUCT), tl.ref(t, COL_DUE)
    sheet = "'" + SHEET + "'!"
    s = s.replace("TRIM(", "TRIM(" + sheet)
    g, p, e = sheet + g, sheet + p, sheet + e
    end = serial(tl.end)
    known = ",".join(f'{s}<>"{x}"' for x in STATUSES)
    error = (
        f'OR(AND({s}<>"",{known}),AND({g}<>"",NOT(ISNUMBER({g}))),'
        f'AND({s}="{DONE}",OR({g}="",TRIM({p})="")),AND(ISNUMBER({g}),{g}>IF(ISNUMBER(BIA_NGAY_GUI),BIA_NGAY_GUI,TODAY())))'
    )
    warning = (
        f'OR(AND({s}="{DONE}",ISNUMBER({g}),ISNUMBER({e}),{g}>{e}),'
        f'AND({s}<>"{DONE}",{s}<>"{NOT_APPLICABLE}",ISNUMBER({e}),{e}<={end}))'
    )
    return f'=IF({error},"Lỗi",IF({warning},"Cảnh báo",IF(AND({s}="",{g}=""),"—","OK")))'


def check_rows(tl: TaskLayout) -> list[dict]:
    """Rows for the “Kiểm tra” sheet: one per task (id, what is checked, formula, blank result, link)."""
    rows = []
    today = _dt.date.today()
    for t in tl.tasks:
        blank = sheet_status(check_report(t, None, tl.end, today), None)
        due = tracking_due(t)
        when = f"; hạn {due:%d/%m/%Y}" if due else ""
        rows.append({
            "id": f"NV-{t.id}",
            "where": t.id,
            "severity": "Lỗi",
            "message": (f"Nhiệm vụ {t.id}{when}: trạng thái chọn trong danh sách; “{DONE}” cần ngày hoàn thành và "
                        "sản phẩm; ngày hoàn thành không sau ngày gửi báo cáo (hoặc hôm nay); quá hạn mà chưa hoàn thành là cảnh báo"),
            "formula": check_formula(tl, t),
            "cached": blank,
            "link": f"#'{SHEET}'!{tl.ref(t, COL_STATUS, False)}",
        })
    return rows


# --- writing ---------------------------------------------------------------------------------------

def write_task_sheet(ws, fmt, tl: TaskLayout, page_setup) -> None:
    """Write the sheet; `fmt` is the template's format cache, `page_setup(ws, last_col, last_row, repeat)`."""
    from .printing import height, lines

    for c, px in enumerate(PX):
        ws.set_column_pixels(c, c, px)
    ws.hide_gridlines(2)
    last_col = len(PX) - 1
    end = tl.end
    ws.merge_range(0, 0, 0, last_col, "NHIỆM VỤ THEO KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH", fmt(bold=True, align="center", font_size=13))
    ws.merge_range(1, 0, 1, last_col, tl.plan.title, fmt(bold=True, align="center", text_wrap=True))
    ws.merge_range(2, 0, 2, last_col, f"Đơn vị chủ trì: {tl.unit.name} – Kỳ báo cáo: {tl.period.label} "
                   f"(tình hình đến ngày {end:%d/%m/%Y})", fmt(italic=True, align="center"))
    _write_counts(ws, fmt, tl)
    guide = ("Chọn trạng thái của từng nhiệm vụ; khi “Đã hoàn thành” ghi ngày hoàn thành và sản phẩm (số, ngày văn bản). "
             "Cột “Tình hình” tự tính theo “Hạn theo dõi”, là mốc có ngày của thời hạn (khi thời hạn có cả mốc ngày và phần "
             "định kỳ, chọn “Đã hoàn thành” khi xong mốc có ngày); phần định kỳ, thường xuyên hoặc theo điều kiện "
             "không có hạn theo dõi, không tính quá hạn.")
    ws.merge_range(6, 0, 6, last_col, guide, fmt(italic=True, text_wrap=True, font_size=10, valign="top"))
    ws.set_row(6, height(lines(guide, sum(PX), 10), 10))
    head = fmt(bold=True, align="center", text_wrap=True, border=1, font_size=BODY_PT)
    heads = ["TT", "Nội dung nhiệm vụ", "Sản phẩm, kết quả", "Thời gian hoàn thành", "Hạn theo dõi",
             "Trạng thái", "Ngày hoàn thành", "Sản phẩm đã có (số, ngày văn bản)", "Ghi chú", "Tình hình"]
    for c, h in enumerate(heads):
        ws.write_string(HEADER_ROW, c, h, head)
    ws.set_row(HEADER_ROW, max(height(lines(h, px, BODY_PT, bold=True), BODY_PT) for h, px in zip(heads, PX)))
    body = {"font_size": BODY_PT, "valign": "top", "border": 1}
    cell = fmt(text_wrap=True, **body)
    center = fmt(align="center", text_wrap=True, **body)
    due_f = fmt(align="center", num_format="dd/mm/yyyy", **body)
    inp = fmt(text_wrap=True, locked=False, **body)
    date_in = fmt(align="center", locked=False, num_format="dd/mm/yyyy", **body)
    sit_f = fmt(align="center", text_wrap=True, bold=True, **body)
    area_f = fmt(bold=True, border=1, text_wrap=True, bg_color="#F2F2F2", font_size=BODY_PT)
    printed: list[Line] = []
    for annex in tl.plan.annexes:
        mine = [t for t in tl.tasks if t.annex == annex.id]
        if not mine:
            continue
        hr = tl.rows[mine[0].id] - 1
        name = f"Phụ lục số {annex.id}: {annex.title}" if annex.id.isdigit() else f"{annex.id}. {annex.title}"
        ws.merge_range(hr, 0, hr, last_col, name, area_f)
        ws.set_row(hr, height(lines(name, sum(PX), BODY_PT, bold=True), BODY_PT))
        printed.append(Line(hr, height(lines(name, sum(PX), BODY_PT, bold=True), BODY_PT), 0, True))
        for t in mine:
            r = tl.rows[t.id]
            products = "\n".join(f"- {p}" for p in t.products)
            ws.write_string(r, 0, t.id, center)
            ws.write_string(r, 1, t.content, cell)
            ws.write_string(r, 2, products, cell)
            ws.write_string(r, 3, as_lines(t.deadline_text), cell)
            due = tracking_due(t)
            if due:
                ws.write_datetime(r, COL_DUE, _dt.datetime(due.year, due.month, due.day), due_f)
            else:
                ws.write_string(r, COL_DUE, "—", center)
            ws.write_blank(r, COL_STATUS, None, inp)
            ws.write_blank(r, COL_DATE, None, date_in)
            ws.write_blank(r, COL_PRODUCT, None, inp)
            ws.write_blank(r, COL_NOTE, None, inp)
            ws.write_formula(r, COL_SITUATION, situation_formula(tl, t), sit_f, situation(t, None, end))
            ws.set_row(r, _row_height(t, products))
            printed.append(Line(r, _row_height(t, products), 1, False))
        first, last = tl.rows[mine[0].id], tl.rows[mine[-1].id]
        _validations(ws, tl, first, last)
    last_row = max(tl.rows.values())
    _conditional(ws, fmt, FIRST_ROW, last_row)
    ws.freeze_panes(FIRST_ROW, 2)
    page_setup(ws, last_col, last_row, (HEADER_ROW, HEADER_ROW))
    ws.set_landscape()
    _page_breaks(ws, printed)
    from .template_sheets import PROTECT

    ws.protect("", PROTECT)  # locked like the forms: only the four input columns take typing


def _page_breaks(ws, printed: list) -> None:
    """Breaks placed as the appendix places them, so an area's heading never stands alone at the foot of a
    page. The sheet prints one landscape page wide (fit to width with the template's margins), so a page
    holds its printable height divided by that scale; 3 % is kept in hand for the spreadsheet's rounding."""
    from .printing import page_breaks

    width_pt = (29.7 / 2.54 - MARGINS_IN[0] - MARGINS_IN[1]) * 72
    scale = min(1.0, width_pt / (sum(PX) * 0.75))
    page = ((21.0 / 2.54 - 2 * MARGINS_IN[2]) * 72 / scale) * 0.97
    above = sum(ws.row_sizes.get(r, [15.75])[0] for r in range(HEADER_ROW))
    head = ws.row_sizes.get(HEADER_ROW, [15.75])[0]
    breaks = page_breaks(printed, first_page=page - above - head, other_pages=page - head)
    if breaks:
        ws.set_h_pagebreaks(breaks)


#: The template's print margins (left, right, top and bottom), inches (`xlcchc.template_sheets.page_setup`).
MARGINS_IN = (1.18, 0.59, 0.79)


def _write_counts(ws, fmt, tl: TaskLayout) -> None:
    rows = sorted(tl.rows.values())
    first, last = rows[0] + 1, rows[-1] + 1
    sit = f"$J${first}:$J${last}"
    due = f"$E${first}:$E${last}"
    label = fmt(bold=True, border=1)
    num = fmt(bold=True, border=1, align="center", num_format="0")
    blank = [situation(t, None, tl.end) for t in tl.tasks]
    end = serial(tl.end)
    due_by_end = sum(1 for t in tl.tasks if tracking_due(t) and tracking_due(t) <= tl.end)
    counts = [
        ("Số nhiệm vụ đơn vị chủ trì", f'=COUNTIF({sit},"?*")', len(tl.tasks)),
        ("Đã hoàn thành (kể cả quá hạn)", f'=COUNTIF({sit},"Hoàn thành*")', 0),
        ("Đến hạn đến cuối kỳ", f'=COUNTIF({due},"<="&{end})', due_by_end),
        ("Quá hạn chưa hoàn thành", f'=COUNTIF({sit},"{OVERDUE}")', blank.count(OVERDUE)),
    ]
    for i, (text, formula, cached) in enumerate(counts):
        r, c = 3 + i // 2, (i % 2) * 5
        ws.merge_range(r, c, r, c + 3, text, label)
        ws.write_formula(r, c + 4, formula, num, cached)
    ws.merge_range(5, 0, 5, 3, "Hoàn thành quá hạn", label)
    ws.write_formula(5, 4, f'=COUNTIF({sit},"Hoàn thành quá hạn")', num, 0)
    ws.merge_range(5, 5, 5, 8, "Chưa báo cáo tình hình", label)
    ws.write_formula(5, 9, f'=COUNTIF({sit},"{NOT_REPORTED}")', num, blank.count(NOT_REPORTED))


def _status_message(t: Task) -> str:
    """The status cell's prompt; a deadline mixing a dated milestone with recurring parts says which counts."""
    base = "Chọn: " + "; ".join(STATUSES) + ". “Đã hoàn thành” cần ghi ngày hoàn thành và sản phẩm."
    due = tracking_due(t)
    if not (due and t.deadline.untracked):
        return base
    label = next((m.label for m in t.deadline.milestones if m.due == due and m.label), "mốc có ngày")
    label = label if len(label) <= 80 else label[:79] + "…"  # Excel shows at most 255 characters
    return (f"Hạn theo dõi: {label} ({due:%d/%m/%Y}). Xong mốc này: chọn “Đã hoàn thành”, ghi ngày hoàn thành và "
            "sản phẩm. Phần định kỳ, thường xuyên báo cáo theo kỳ, không tính quá hạn.")


def _validations(ws, tl: TaskLayout, first: int, last: int) -> None:
    by_row = {tl.rows[t.id]: t for t in tl.tasks}
    r = first
    while r <= last:  # one list validation per run of rows with the same prompt
        msg = _status_message(by_row[r])
        end = r
        while end + 1 <= last and _status_message(by_row[end + 1]) == msg:
            end += 1
        ws.data_validation(r, COL_STATUS, end, COL_STATUS, {
            "validate": "list", "source": list(STATUSES),
            "input_title": "Trạng thái nhiệm vụ",
            "input_message": msg,
            "error_title": "Trạng thái không hợp lệ", "error_message": "Chỉ chọn một trong: " + "; ".join(STATUSES) + ".",
            "error_type": "stop", "ignore_blank": True,
        })
        r = end + 1
    lo, hi = _dt.date(tl.plan.first_year - 1, 1, 1), _dt.date(tl.plan.last_year + 1, 12, 31)
    ws.data_validation(first, COL_DATE, last, COL_DATE, {
        "validate": "date", "criteria": "between", "minimum": lo, "maximum": hi,
        "input_title": "Ngày hoàn thành",
        "input_message": "Nhập ngày hoàn thành dạng ngày/tháng/năm, ví dụ 15/09/" + str(tl.period.year) + "; để trống nếu chưa hoàn thành.",
        "error_title": "Ngày không hợp lệ",
        "error_message": f"Nhập một ngày từ {lo:%d/%m/%Y} đến {hi:%d/%m/%Y} (ngày/tháng/năm).",
        "error_type": "stop", "ignore_blank": True,
    })
    ws.data_validation(first, COL_PRODUCT, last, COL_PRODUCT, {
        "validate": "length", "criteria": "<=", "value": 500,
        "input_title": "Sản phẩm",
        "input_message": "Ghi số, ngày văn bản là sản phẩm của nhiệm vụ, ví dụ “Quyết định số 123/QĐ-UBND ngày 15/9/2023”.",
        "error_title": "Quá dài", "error_message": "Sản phẩm: tối đa 500 ký tự.", "ignore_blank": True,
    })
    ws.data_validation(first, COL_NOTE, last, COL_NOTE, {
        "validate": "length", "criteria": "<=", "value": 1000,
        "input_title": "Ghi chú", "input_message": "Ghi chú về tình hình thực hiện (nếu có), tối đa 1000 ký tự.",
        "error_title": "Ghi chú quá dài", "error_message": "Ghi chú tối đa 1000 ký tự.", "ignore_blank": True,
    })


def _conditional(ws, fmt, first: int, last: int) -> None:
    from .template_geometry import ERROR_FILL, OK_FILL, WARNING_FILL
    from .template_sheets import wb_format

    rng = f"J{first + 1}:J{last + 1}"
    for text, fill, font in ((OVERDUE, ERROR_FILL, "#9C0006"), ("Hoàn thành quá hạn", WARNING_FILL, "#9C5700"),
                             ("Hoàn thành đúng hạn", OK_FILL, "#006100")):
        ws.conditional_format(rng, {"type": "cell", "criteria": "==", "value": f'"{text}"',
                                    "format": wb_format(fmt, fill, font)})


def _row_height(t: Task, products: str) -> float:
    """The tallest of the row's printed texts, measured (Times metrics) in its column; at least the two
    lines a situation such as “Hoàn thành đúng hạn” takes once the unit has filled the row."""
    from .printing import height, lines

    need = max(lines(t.content, PX[1], BODY_PT), lines(products, PX[2], BODY_PT), lines(as_lines(t.deadline_text), PX[3], BODY_PT),
               max(lines(s, PX[COL_SITUATION], BODY_PT, bold=True) for s in SITUATION_WORDS))
    return height(need, BODY_PT)


# --- filling (`values import` of a values file with `tasks`) ---------------------------------------

def fill_tasks(book, doc, catalog: Catalog, unit: Unit, period: Period, put, read_cell) -> tuple[list[str], list[str], dict, dict]:
    """Write `doc.tasks` into the task cells; return (written ids, issues, check statuses, cached results).

    `put(name, value)` writes a named cell, `read_cell(name)` gives a cell's current content; the cached
    results (each row's situation, the counts) are computed here so a reader that does not recalculate
    sees true figures, like the forms' statuses.
    """
    from .plan.track import _as_date

    tl = task_layout(catalog, unit, period)
    issues: list[str] = []
    if not doc.tasks:
        return [], issues, {}, {}
    if tl is None:
        return [], [f"nhiệm vụ {t.task}: {unit.short_name} không chủ trì nhiệm vụ nào của kỳ này (bỏ qua)" for t in doc.tasks], {}, {}
    mine = {t.id for t in tl.tasks}
    written: list[str] = []
    given: dict[str, list] = {}
    for row in doc.tasks:
        if row.task not in mine:
            known = row.task in tl.plan.by_id
            issues.append(f"nhiệm vụ {row.task}: " + (f"{unit.short_name} không chủ trì nhiệm vụ này" if known
                                                      else f"không có trong {tl.plan.title}"))
            continue
        d, bad = _as_date(row.done_on, False)
        date_value = serial(d) if d else (bad if bad is not None else None)
        vals = [row.status, date_value, row.product or None, row.note or None]
        for field, v in zip(("TT", "NGAY", "SP", "GC"), vals):
            if v is not None:
                put(layout.task_name(row.task, field), v)
        given[row.task] = vals
        written.append(row.task)
    today = as_of(read_cell("BIA_NGAY_GUI"))
    statuses: dict[str, str] = {}
    cached: dict[str, dict] = {}
    situations = []
    part = None
    for t in tl.tasks:
        vals = given.get(t.id) or [read_cell(layout.task_name(t.id, f)) for f in ("TT", "NGAY", "SP", "GC")]
        from .plan.track import report_from_values

        rep = report_from_values(t.id, *vals)
        statuses[f"NV-{t.id}"] = sheet_status(check_report(t, rep, tl.end, today), rep)
        sit = situation(t, rep, tl.end)
        situations.append(sit)
        part = book.names[layout.task_name(t.id, "TT")][0]
        cached.setdefault(part, {})[f"J{tl.rows[t.id] + 1}"] = sit
    if part:
        done = sum(s.startswith("Hoàn thành") for s in situations)
        cells = {"J4": done, "E5": sum(1 for t in tl.tasks if tracking_due(t) and tracking_due(t) <= tl.end),
                 "J5": situations.count(OVERDUE), "E6": situations.count("Hoàn thành quá hạn"),
                 "J6": situations.count(NOT_REPORTED), "E4": len(tl.tasks)}
        cached[part].update(cells)
    return written, issues, statuses, cached
