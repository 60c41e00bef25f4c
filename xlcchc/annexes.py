"""The annexes (phụ biểu) of the appendix, printed only when asked for (`xlcchc appendix --annexes …`).

The appendix of the report is the forms; the annexes are the working detail behind them, for the
consolidator or for a report that wants them: each unit's figures, who sent what, and the problems still
open. They are documents too: landscape A4, Vietnamese everywhere, rates with two decimals as in the
forms, yes/no answers as Có/Không, units by their names (never a unit code, a cell address or a rule id).

Each annex is a function `(workbook, context) -> None` in `ANNEX_WRITERS`; the plan annex comes from
`xlcchc.plan.annex.write_plan_annex` with the same signature, when that package is installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import xlsxwriter

from .appendix import (
    ANNEX_SHEETS,
    AppendixError,
    _Context,
    _is_bold,
    _printed,
    _period_label,
    _row_levels,
    _unit_name,
    _unit_short,
    _write_value,
)
from .printing import (
    BODY_PT_LANDSCAPE,
    DEFAULT_ROW_PT,
    LANDSCAPE_PX,
    TITLE_PT,
    Line,
    balanced,
    fit_row,
    height,
    lines,
    page_breaks,
    page_setup,
)

if TYPE_CHECKING:
    from .catalog import Indicator

ANNEX_PT = 11
BY_UNIT_PT = 10

#: Units side by side on one printed page of the by-unit annex (the fixed columns repeat on each page).
UNITS_PER_PAGE = 7


def _ordered_units(ctx: _Context, codes: list[str]) -> list[str]:
    """Units in the registry's order (the order of the official lists), unknown codes after, sorted."""
    order = {u.code: n for n, u in enumerate(ctx.registry.units)} if ctx.registry is not None else {}
    return sorted(set(codes), key=lambda c: (order.get(c, len(order)), c))


def _official_code(ctx: _Context, code: str | None) -> str:
    """A unit's official code (mã đơn vị hành chính) as printed; empty for a unit without one (a department)."""
    unit = ctx.registry.by_code.get(code) if ctx.registry is not None and code else None
    return str(unit.official_code) if unit is not None and unit.official_code is not None else ""


def _annex_table(
    ws: Any, ctx: _Context, title: str, headers: list[str], widths: list[int], *, repeat_cols: int = 0,
    size: int = ANNEX_PT, subtitle: str = "", second: tuple[str, list[str]] | None = None,
) -> int:
    """Title, period and the header row of an annex table; returns the first data row.

    `second` = (label, cells): a second header row under the columns after `repeat_cols` (the units'
    official codes under their names), its label across the fixed columns; both rows repeat on every page."""
    st = ctx.st
    for col, px in enumerate(widths):
        ws.set_column_pixels(col, col, px)
    span = 1  # the title is centred over the columns of the first printed page
    while span < len(widths) and sum(widths[: span + 1]) <= LANDSCAPE_PX:
        span += 1
    title = f"Phụ biểu {ctx.annex_number}. {title}"
    texts = [(title, st.title(TITLE_PT), TITLE_PT, True)]
    if subtitle:
        texts.append((subtitle, st.title(ANNEX_PT, bold=False, italic=True), ANNEX_PT, False))
    texts.append((_period_label(ctx.fig.period), st.title(ANNEX_PT, bold=False, italic=True), ANNEX_PT, False))
    row, titles_pt = 0, DEFAULT_ROW_PT  # the titles, then a blank row
    for text, fmt, pt, bold in texts:
        text = balanced(text, sum(widths[:span]), pt, bold)
        if span > 1:
            ws.merge_range(row, 0, row, span - 1, text, fmt)
        else:
            ws.write_string(row, 0, text, fmt)
        ws.set_row(row, height(lines(text, sum(widths[:span]), pt, bold=bold), pt))
        titles_pt += height(lines(text, sum(widths[:span]), pt, bold=bold), pt)
        row += 1
    row += 1
    h = st.header(size)
    for col, text in enumerate(headers):
        ws.write_string(row, col, text, h)
    head_pt = fit_row(ws, row, [(t, w, size, True) for t, w in zip(headers, widths)])
    last = row
    if second is not None:
        label, cells = second
        last += 1
        ws.merge_range(last, 0, last, repeat_cols - 1, label, st.get(border=1, bold=True, text_wrap=True, align="right", valign="vcenter", font_size=size))
        for col, text in enumerate(cells, start=repeat_cols):
            ws.write_string(last, col, text, h)
        head_pt += fit_row(ws, last, [(label, sum(widths[:repeat_cols]), size, True)]
                           + [(t, w, size, True) for t, w in zip(cells, widths[repeat_cols:])])
    page_setup(ws, landscape=True, header_rows=(row, last), repeat_cols=repeat_cols)
    ctx.extra["annex_pages"] = _Pages(ws, titles_pt, head_pt)
    return last + 1


class _Pages:
    """The printed rows of the annex being written, and its page breaks placed by the program (as for
    the forms: a heading never at the foot of a page, no page holding a few rows spilled from the last).
    LibreOffice and Excel, left to themselves, broke the by-unit annex so that a page held one row."""

    def __init__(self, ws: Any, titles_pt: float, head_pt: float):
        self.ws, self.lines = ws, []
        self.first = BODY_PT_LANDSCAPE - titles_pt - head_pt
        self.other = BODY_PT_LANDSCAPE - head_pt

    def add(self, line: Line) -> None:
        self.lines.append(line)
        breaks = page_breaks(self.lines, first_page=self.first, other_pages=self.other)
        self.ws.set_h_pagebreaks(breaks)  # replaces the previous list: right after every row


def _annex_row(
    ws: Any, ctx: _Context, row: int, cells: list[tuple[Any, str, bool]], widths: list[int], size: int = ANNEX_PT,
    decimals: int | None = None, level: int | None = None, keep: bool | None = None,
) -> None:
    """One bordered row of an annex: (value, alignment, bold) per column; numbers keep their format.

    For the page breaks, a row whose first cell is empty and second bold (an area or form heading) is a
    section (level 0) that keeps with the row after it; `level` / `keep` say otherwise.
    """
    st = ctx.st
    texts = []
    for col, (value, align, bold) in enumerate(cells):
        if isinstance(value, (int, float)) and not isinstance(value, bool) or value is None:
            _write_value(ws, row, col, value, st, size=size, decimals=decimals)
            texts.append(("", widths[col], size, bold))
        else:
            ws.write_string(row, col, str(value), st.cell(size=size, align=align, bold=bold))
            texts.append((str(value), widths[col], size, bold))
    h = fit_row(ws, row, texts)
    heading = len(cells) > 1 and cells[0][0] == "" and cells[1][2]
    pages = ctx.extra.get("annex_pages")
    if pages is not None and pages.ws is ws:
        pages.add(Line(row, h, 0 if heading else 1 if level is None else level, heading if keep is None else keep))


def _empty_note(ws: Any, ctx: _Context, row: int, text: str) -> None:
    ws.write_string(row, 1, text, ctx.st.get(italic=True, font_size=ANNEX_PT))


def _unit_answer(ind: "Indicator", unit_kind: str, value: Any) -> Any:
    """A unit's answer as a person reads it: a code of a list by its label (1 → Có), a number as a number."""
    if value is None or isinstance(value, str) or ind.unit_kind_of_value(unit_kind) != "choice":
        return value
    for c in ind.unit_choices():
        if float(c.value) == float(value):
            return c.label
    return value


def write_by_unit(wb: xlsxwriter.Workbook, ctx: _Context) -> None:
    """Indicators as rows, how the provincial figure is formed, the figure, then each unit's figure.

    `UNITS_PER_PAGE` units per printed page: the first five columns repeat on every page, so a page
    reads on its own; pages go down the indicators first, then on to the next units.
    """
    from .merge.aggregate import sum_rule_terms
    from .merge.workbook import method_text

    cat, fig = ctx.catalog, ctx.fig
    ws = wb.add_worksheet(ANNEX_SHEETS["by-unit"])
    units = _ordered_units(ctx, list(fig.by_unit))
    kinds = {u: (ctx.registry.by_code[u].kind if ctx.registry and u in ctx.registry.by_code else "") for u in units}
    headers = ["STT", "Chỉ tiêu thống kê", "Đơn vị tính", "Cách tổng hợp", "Tổng hợp"] + [_unit_short(ctx, u) for u in units]
    fixed = [40, 230, 66, 124, 68]
    unit_px = (LANDSCAPE_PX - sum(fixed)) // UNITS_PER_PAGE
    widths = fixed + [unit_px] * len(units)
    codes = [_official_code(ctx, u) for u in units]
    row = _annex_table(
        ws, ctx, "Số liệu theo đơn vị báo cáo", headers, widths, repeat_cols=len(fixed), size=BY_UNIT_PT,
        second=("Mã đơn vị hành chính", codes) if any(codes) else None,  # communes and wards have one (2025+)
    )
    terms = sum_rule_terms(cat)
    for form in cat.forms:
        title = f"Biểu mẫu {form.number}" + (f". {form.title}" if form.title else "")
        blank: list[tuple[Any, str, bool]] = [("", "center", False)] * (len(headers) - 2)
        _annex_row(ws, ctx, row, [("", "center", True), (title, "left", True)] + blank, widths, BY_UNIT_PT)
        row += 1
        for ind, (depth, keep) in zip(form.indicators, _row_levels(form)):
            bold = _is_bold(ind)
            how = method_text(cat, ctx.registry, ind, terms) if ind.has_value and ctx.registry is not None else ""
            cells: list[tuple[Any, str, bool]] = [
                (ind.printed_stt, "center", bold), (ind.label, "left", bold), (ind.unit, "center", False),
                (how, "left", False),
            ]
            if ind.has_value:
                cells.append((_printed(ind, fig.values.get(ind.key)), "center", False))
                cells += [
                    (_unit_answer(ind, kinds[u], _printed(ind, fig.by_unit[u].get(ind.key))), "center", False)
                    for u in units
                ]
            else:
                cells += [(None, "center", False)] * (1 + len(units))
            _annex_row(ws, ctx, row, cells, widths, BY_UNIT_PT, decimals=2 if ind.kind == "percent" else None,
                       level=depth + 1, keep=keep)
            row += 1
    if not units:
        _empty_note(ws, ctx, row + 1, "Chưa có số liệu của đơn vị nào.")
    ws.set_v_pagebreaks([len(fixed) + k for k in range(UNITS_PER_PAGE, len(units), UNITS_PER_PAGE)])


def write_status(wb: xlsxwriter.Workbook, ctx: _Context) -> None:
    """Who sent what, when, and with how many errors (units by name, in the order of the official list)."""
    from .appendix import _when_vn

    fig = ctx.fig
    ws = wb.add_worksheet(ANNEX_SHEETS["status"])
    headers = ["STT", "Đơn vị", "Tình trạng", "Tệp", "Thời điểm gửi", "Số lỗi", "Số cảnh báo", "Ghi chú"]
    # The file column holds BC_CCHC_2022_TP-THANH-HOA.xlsx on one line (at 170 px it broke at the hyphens
    # and the last letter went alone to a line); a longer name breaks only after an underscore.
    widths = [40, 200, 90, 250, 100, 44, 56, 172]
    # The official code (mã đơn vị hành chính) after the name, when the registry has them (2025+): the
    # unit, status and note columns give up its width, so the table still fits one landscape page across.
    coded = any(_official_code(ctx, s.unit) for s in fig.status)
    if coded:
        headers.insert(2, "Mã đơn vị hành chính")
        widths = [36, 180, 64, 84, 250, 84, 40, 50, 164]
    row = _annex_table(ws, ctx, "Tình hình nộp báo cáo", headers, widths)
    order = {c: n for n, c in enumerate(_ordered_units(ctx, [s.unit for s in fig.status]))}
    items = sorted(fig.status, key=lambda s: (order[s.unit], s.file or "", s.status, s.sha256 or ""))
    for n, s in enumerate(items, start=1):
        cells = [
            (n, "center", False), (s.name or _unit_name(ctx, s.unit), "left", False),
            (s.status, "center", s.status != "Đã nộp"), (_file_breaks(s.file or ""), "left", False),
            (_when_vn(s.sent_at), "center", False), (s.errors, "center", False), (s.warnings, "center", False),
            (_file_breaks(s.detail), "left", False),
        ]
        if coded:
            cells.insert(2, (_official_code(ctx, s.unit), "center", False))
        _annex_row(ws, ctx, row, cells, widths)
        row += 1
    if not items:
        _empty_note(ws, ctx, row + 1, "Chưa có thông tin nộp báo cáo.")


def _file_breaks(text: str) -> str:
    """A file name may break after its underscores (a zero-width space, in the printed annex only), never
    inside a word: BC_CCHC_6thang2026_X-QUANG-CHIEU.xlsx is wider than any column."""
    return text.replace("_", "_\u200b")


def write_findings(wb: xlsxwriter.Workbook, ctx: _Context) -> None:
    """The errors and warnings still open, so that nobody signs over an unresolved problem.

    A working list for the consolidator, not a part of the report (its subtitle says so); each problem
    by unit, form and item, in the check's own sentence — no cell addresses, no rule ids.
    """
    fig = ctx.fig
    ws = wb.add_worksheet(ANNEX_SHEETS["findings"])
    headers = ["STT", "Đơn vị", "Biểu mẫu", "Mục", "Mức độ", "Nội dung"]
    widths = [40, 190, 60, 60, 72, 530]
    row = _annex_table(
        ws, ctx, "Các lỗi, cảnh báo chưa xử lý", headers, widths,
        subtitle="(Danh sách để rà soát khi tổng hợp, không gửi kèm báo cáo)",
    )
    items = sorted(fig.findings, key=lambda f: (f.unit or "", *f.sort_key(), f.message))
    for n, f in enumerate(items, start=1):
        cells = [
            (n, "center", False), (_unit_short(ctx, f.unit) if f.unit else "", "left", False),
            (f.form, "center", False), (f.code or "", "center", False),
            (f.severity, "center", f.is_error), (f.message, "left", False),
        ]
        _annex_row(ws, ctx, row, cells, widths)
        row += 1
    if not items:
        _empty_note(ws, ctx, row + 1, "Không còn lỗi, cảnh báo nào chưa xử lý.")


def write_plan(wb: xlsxwriter.Workbook, ctx: _Context) -> None:
    """The plan annex, written by `xlcchc.plan` (progress of the tasks of the province's CCHC plan)."""
    try:
        from .plan.annex import write_plan_annex  # type: ignore[import-not-found]
    except ImportError:
        raise AppendixError("Bản cài đặt này chưa có phụ biểu tiến độ kế hoạch (plan)") from None
    write_plan_annex(wb, ctx)


ANNEX_WRITERS: dict[str, Callable[[xlsxwriter.Workbook, _Context], None]] = {
    "by-unit": write_by_unit,
    "status": write_status,
    "findings": write_findings,
    "plan": write_plan,
}
