"""The appendix (Phụ lục): the consolidated figures printed as the regime's forms, ready for the report.

The appendix is the document the province signs and sends, so it is written for paper: one sheet per
form (each starts on a new page and repeats its table header on every printed page), A4 portrait with the
margins of an administrative document, Times New Roman, page numbers in the footer. Everything printed
comes from the catalog (title, usage, rows, STT, units of measure, code lists) and from
`ProvincialFigures` (figures and notes); nothing here knows a particular regime.

Optional annexes (phụ biểu) give the consolidator the working detail behind the figures: the figures of
each reporting unit, the submission status of each unit, and the findings still open.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException

from .catalog import Catalog, Indicator, load_catalog, registry_of
from .catalog.models import Registry
from .errors import XlcchcError
from .formulas import percent_printed
from .layout import form_sheet
from .numbers import fmt_vn, is_whole
from .periods import PeriodError, parse_period
from .provincial import ProvincialFigures, Value
from .fileio import atomic_path

__all__ = ["AppendixError", "write_appendix", "write_pdf", "number_format", "cli_appendix", "ANNEX_SHEETS"]

#: A fixed creation date: the same figures must give the same bytes (the file is compared, archived, signed).
CREATED = datetime(2000, 1, 1, 0, 0, 0)

FONT = "Times New Roman"
BODY_PT = 12
TITLE_PT = 13
ANNEX_PT = 11
BY_UNIT_PT = 10

#: Sheet names of the annexes, in print order.
ANNEX_SHEETS = ("Theo đơn vị", "Tình hình nộp", "Lỗi chưa xử lý")

# Page set-up of an administrative document (Nghị định 30/2020: top/bottom 2 cm, left 3 cm, right 1.5–2 cm).
_CM = 1 / 2.54
_MARGINS = dict(left=3.0 * _CM, right=1.5 * _CM, top=2.0 * _CM, bottom=2.0 * _CM)
_A4 = 9
_FOOTER = '&C&"Times New Roman,Regular"&11Trang &P'

# Width between the margins of an A4 portrait page (21 − 3 − 1.5 cm), in pixels at 96 dpi.
_PAGE_PX = int((21.0 - 3.0 - 1.5) * 96 / 2.54)  # 623
_NOTE_PX = 100  # the seed's note column is narrow: notes wrap over many lines


class AppendixError(XlcchcError):
    """The appendix cannot be written; the message says why, in Vietnamese."""


# --- numbers that read the Vietnamese way on any machine -------------------------------------------------

#: Whole numbers from 0 to 999.999.999: literal dots between digit groups, chosen by conditional sections.
WHOLE_FORMAT = '[>=1000000]#"."###"."###;[>=1000]#"."###;0'
#: What a cell shows if someone types another number into it: Vietnamese separators by locale tag.
_FALLBACK_DEC = "[$-42A]#,##0.00"
_FALLBACK_INT = "[$-42A]#,##0"


def number_format(x: float, decimals: int | None = None) -> str:
    """The number format that prints `x` as in the seed (`518.562`, `99,99`) whatever the machine's locale.

    A number format's `,` and `.` are placeholders: Excel and LibreOffice replace them by the separators of
    the machine's regional setting, so `#,##0.00` prints `518,562.00` on an English machine. Two ways out
    were weighed:

    * a locale tag (`[$-42A]`, Vietnamese) makes LibreOffice use Vietnamese separators, but Excel takes the
      tag for month names only and keeps the machine's separators;
    * literal characters (`"."`) are printed as they are by both programs. A whole number needs one
      literal dot per digit group, so conditional sections pick the pattern by magnitude
      (`WHOLE_FORMAT`); the number stays a number and the format stays right if the figure is edited.

    A fraction cannot be done with literals alone: without a decimal point in the format the number is
    rounded to a whole, and the decimal point in a format is always the machine's. So for a number that is
    not a whole number (percentages such as 99,99, or amounts beyond the whole-number range) the format
    prints the figure's own text (`fmt_vn`, two decimals) for the interval of values that round to it,
    `[<99.985]…;[<99.995]"99,99";…`, and falls back to the locale-tagged pattern for any other value.
    The stored number is never changed: sums and formulas over the appendix still work, and a reader
    (openpyxl, pandas) gets 99.99.

    Negative figures (none of the regime's indicators can be negative) use the locale-tagged pattern only,
    because Excel adds its own minus sign to conditional sections.

    `decimals` forces the number of decimals shown (2 for percentages, so that 100 % prints `100,00` like
    every other rate of the table); by default whole numbers show none and others two.
    """
    if not math.isfinite(x):
        return "General"
    if x < 0:
        return _FALLBACK_INT if is_whole(x) else _FALLBACK_DEC
    if decimals is None:
        decimals = 0 if is_whole(x) else 2
    if decimals == 0 and is_whole(x) and x < 1_000_000_000:
        return WHOLE_FORMAT
    text = fmt_vn(x, decimals)
    shown = Decimal(text.replace(".", "").replace(",", "."))
    half = Decimal(5) / (10 ** (decimals + 1))
    lo, hi = shown - half, shown + half
    # The spreadsheet reads the bounds as doubles and compares them with the cell's double: a value that
    # is the double nearest a tie (615562.705 is stored as 615562.70499…) equals the bound, so the
    # interval is checked and widened in doubles, never in decimal arithmetic.
    if not float(lo) <= x:
        lo = Decimal(repr(x))
    if not x < float(hi):
        hi = Decimal(repr(math.nextafter(x, math.inf)))
    fallback = _FALLBACK_INT if decimals == 0 else _FALLBACK_DEC
    return f'[<{_num(lo)}]{fallback};[<{_num(hi)}]"{text}";{fallback}'


def _num(d: Decimal) -> str:
    s = format(d.normalize(), "f")
    return s


# --- styles --------------------------------------------------------------------------------------------------


class _Styles:
    """Cell formats, created once per workbook (xlsxwriter keeps one record per distinct format)."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self._cache: dict[tuple, Any] = {}

    def get(self, **props: Any) -> Any:
        props.setdefault("font_name", FONT)
        props.setdefault("font_size", BODY_PT)
        key = tuple(sorted(props.items()))
        fmt = self._cache.get(key)
        if fmt is None:
            fmt = self._cache[key] = self.wb.add_format(props)
        return fmt

    def cell(self, *, bold: bool = False, align: str = "left", size: int = BODY_PT, num: str | None = None) -> Any:
        props: dict[str, Any] = dict(
            border=1, text_wrap=True, valign="vcenter", align=align, bold=bold, font_size=size
        )
        if num:
            props["num_format"] = num
        return self.get(**props)

    def header(self, size: int = BODY_PT) -> Any:
        return self.get(border=1, bold=True, text_wrap=True, align="center", valign="vcenter", font_size=size)

    def title(self, size: int = TITLE_PT, *, bold: bool = True, italic: bool = False) -> Any:
        return self.get(
            bold=bold, italic=italic, align="center", valign="vcenter", text_wrap=True, font_size=size
        )


# --- page set-up and text measures ---------------------------------------------------------------------------


def _page(ws: Any, *, landscape: bool, header_rows: tuple[int, int] | None, repeat_cols: int = 0) -> None:
    ws.set_paper(_A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(**_MARGINS)
    ws.set_footer(_FOOTER, {"margin": 0.8 * _CM})
    ws.center_horizontally()
    if header_rows is not None:
        ws.repeat_rows(*header_rows)
    if repeat_cols:
        ws.repeat_columns(0, repeat_cols - 1)
    if not landscape:
        ws.fit_to_pages(1, 0)  # never cut a column off; the widths are chosen so that no shrinking is needed
    ws.hide_gridlines(2)


# Advance widths (1/1000 em) of Times New Roman for the printable ASCII characters, space to `~`, regular
# and bold: the standard Times metrics (Liberation Serif, which LibreOffice uses in its place, has the same).
_TIMES_REGULAR = (
    "250 333 408 500 500 833 778 180 333 333 500 564 250 333 250 278 500 500 500 500 500 500 500 500 500 500 "
    "278 278 564 564 564 444 921 722 667 667 722 611 556 722 722 333 389 722 611 889 722 722 556 722 667 556 "
    "611 722 722 944 722 722 611 333 278 333 469 500 333 444 500 444 500 444 333 500 500 278 278 500 278 778 "
    "500 500 500 500 333 389 278 500 500 722 500 500 444 480 200 480 541"
)
_TIMES_BOLD = (
    "250 333 555 500 500 1000 833 278 333 333 500 570 250 333 250 278 500 500 500 500 500 500 500 500 500 500 "
    "333 333 570 570 570 500 930 722 667 722 722 667 611 778 778 389 500 778 667 944 722 778 611 778 722 556 "
    "667 722 722 1000 722 722 667 333 278 333 581 500 333 500 556 444 556 444 333 500 556 278 333 556 278 833 "
    "556 500 556 556 444 389 333 556 500 722 500 500 444 394 220 394 520"
)
_WIDTHS = {
    bold: {chr(32 + n): int(w) for n, w in enumerate(table.split())}
    for bold, table in ((False, _TIMES_REGULAR), (True, _TIMES_BOLD))
}
_SAFETY = 1.06  # spreadsheets lay text out a little wider than the font's advances (hinting, rounding)
_CELL_PAD_PX = 7  # the cell's inner margins and border


def _char_width(ch: str, bold: bool) -> int:
    table = _WIDTHS[bold]
    if ch in table:
        return table[ch]
    if ch in "đĐ":
        return table["d" if ch == "đ" else "D"]
    base = unicodedata.normalize("NFD", ch)[:1]  # Vietnamese letters are as wide as their base letter
    return table.get(base, 556)


def _text_px(text: str, size_pt: float, bold: bool) -> float:
    em_px = size_pt * 96 / 72
    return sum(_char_width(c, bold) for c in text) * em_px / 1000 * _SAFETY


def _lines(text: str, width_px: float, size_pt: float, *, bold: bool = False) -> int:
    """How many lines `text` takes in a wrapped cell `width_px` wide (word wrap, Times metrics).

    Neither Excel nor LibreOffice reliably fits row heights of a generated file when it opens it (and
    never for merged cells), so the program sets every row's height itself from this measure.
    """
    usable = max(width_px - _CELL_PAD_PX, 1.0)
    space = _text_px(" ", size_pt, bold)
    total = 0
    for para in str(text).split("\n"):
        words = para.split()
        if not words:
            total += 1
            continue
        lines, cur = 1, 0.0
        for w in words:
            wlen = _text_px(w, size_pt, bold)
            while wlen > usable:  # a word longer than the cell is broken by the spreadsheet
                if cur > 0:
                    lines += 1
                    cur = 0.0
                wlen -= usable
                lines += 1
            add = wlen if cur == 0 else wlen + space
            if cur + add > usable and cur > 0:
                lines += 1
                cur = wlen
            else:
                cur += add
        total += lines
    return total


def _balanced(text: str, width_px: float, size_pt: float, bold: bool) -> str:
    """A title too long for one line, broken into two lines of similar length (as a typist would).

    Left to itself the spreadsheet fills the first line and leaves one word on the second.
    """
    if "\n" in text or _lines(text, width_px, size_pt, bold=bold) != 2:
        return text
    words = text.split()
    best = None
    for k in range(1, len(words)):
        a, b = " ".join(words[:k]), " ".join(words[k:])
        wa, wb = _text_px(a, size_pt, bold), _text_px(b, size_pt, bold)
        if max(wa, wb) <= width_px - _CELL_PAD_PX and (best is None or abs(wa - wb) < best[0]):
            best = (abs(wa - wb), a + "\n" + b)
    return best[1] if best else text


def _height(lines: int, size_pt: float) -> float:
    """Row height in points for `lines` lines of text (line spacing of Times, plus the cell's margins)."""
    return round(max(lines, 1) * size_pt * 1.17 + 4, 1)


def _fit_row(ws: Any, row: int, cells: list[tuple[str, float, float, bool]]) -> None:
    """Set the row's height to the tallest of its wrapped cells: (text, column width px, size pt, bold)."""
    need = max((_height(_lines(t, w, size, bold=b), size) for t, w, size, b in cells if t), default=None)
    if need is not None:
        ws.set_row(row, need)


# --- the forms -----------------------------------------------------------------------------------------------


@dataclass
class _Context:
    catalog: Catalog
    registry: Registry | None
    fig: ProvincialFigures
    st: _Styles
    cols: tuple[int, int, int, int, int] = (48, 300, 100, 75, _NOTE_PX)  # STT, label, unit, value, note (px)


def _form_columns(cat: Catalog, fig: ProvincialFigures) -> tuple[int, int, int, int, int]:
    """Column widths (px) of the form tables, the same on every form so that the pages look alike.

    STT, unit and value columns are as wide as their longest entry (within limits, so that a long code
    list wraps instead of squeezing the label); the note column is narrow as printed in the seed; the
    label column takes the rest of the page width.
    """
    pad = _CELL_PAD_PX + 2
    inds = [i for f in cat.forms for i in f.indicators]
    stt = max([_text_px(i.printed_stt, BODY_PT, True) for i in inds] + [_text_px("STT", BODY_PT, True)]) + pad
    unit_lines = [ln for i in inds for ln in i.unit.splitlines()] + ["Đơn vị tính"]
    unit = max(_text_px(ln, BODY_PT, ln == "Đơn vị tính") for ln in unit_lines) + pad
    shown = [_shown(v) for v in fig.values.values()] + [cat.value_header]
    value = max(_text_px(t, BODY_PT, t == cat.value_header) for t in shown if len(t) <= 16) + pad
    cols = [
        int(min(max(stt, 40), 70)),
        0,
        int(min(max(unit, 90), 120)),
        int(min(max(value, 70), 120)),
        _NOTE_PX,
    ]
    cols[1] = _PAGE_PX - sum(cols)
    return tuple(cols)  # type: ignore[return-value]


def _shown(v: Value) -> str:
    if v is None:
        return ""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return fmt_vn(v) if math.isfinite(v) else ""
    return str(v)


def _period_label(code: str) -> str:
    try:
        return parse_period(code).label
    except PeriodError:
        return str(code)


def _unit_name(ctx: _Context, code: str | None) -> str:
    if not code:
        return ""
    return ctx.registry.label(code) if ctx.registry is not None else code


def _is_province(ctx: _Context, code: str) -> bool:
    """The province needs no “reporting unit” line (the title names it); a district or a department does."""
    unit = ctx.registry.by_code.get(code) if ctx.registry is not None else None
    return unit is not None and unit.kind == "tinh"


def _unit_short(ctx: _Context, code: str) -> str:
    return ctx.registry.label(code, short=True) if ctx.registry is not None else code


def _write_value(
    ws: Any, row: int, col: int, value: Value, st: _Styles, *, size: int = BODY_PT, decimals: int | None = None
) -> None:
    """A figure as a number with its Vietnamese format; text stays text; a blank stays blank (not 0)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        ws.write_blank(row, col, None, st.cell(align="center", size=size))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value, st.cell(align="center", size=size, num=number_format(float(value), decimals)))
    else:
        ws.write_string(row, col, str(value), st.cell(align="center", size=size))


def _table_header(ws: Any, row: int, ctx: _Context) -> tuple[int, int]:
    """The two header rows of a form table (STT | Chỉ tiêu | Kết quả thống kê [ĐVT | Số liệu] | Ghi chú)."""
    cat, st, cols = ctx.catalog, ctx.st, ctx.cols
    h = st.header()
    label = "Chỉ tiêu thống kê" + (f"\n{cat.usage}" if cat.usage else "")
    ws.merge_range(row, 0, row + 1, 0, "STT", h)
    ws.merge_range(row, 1, row + 1, 1, label, h)
    ws.merge_range(row, 2, row, 3, "Kết quả thống kê", h)
    ws.write_string(row + 1, 2, "Đơn vị tính", h)
    ws.write_string(row + 1, 3, cat.value_header, h)
    ws.merge_range(row, 4, row + 1, 4, "Ghi chú", h)
    need = max(
        _lines(label, cols[1], BODY_PT, bold=True),
        _lines("Kết quả thống kê", cols[2] + cols[3], BODY_PT, bold=True)
        + max(_lines("Đơn vị tính", cols[2], BODY_PT, bold=True),
              _lines(cat.value_header, cols[3], BODY_PT, bold=True)),
    )
    second = _height(
        max(_lines("Đơn vị tính", cols[2], BODY_PT, bold=True),
            _lines(cat.value_header, cols[3], BODY_PT, bold=True)),
        BODY_PT,
    )
    ws.set_row(row, max(_height(need, BODY_PT) - second, _height(1, BODY_PT)))
    ws.set_row(row + 1, second)
    return row, row + 1


def _title_rows(ws: Any, row: int, texts: list[tuple[str, Any, int, bool]], ncols: int, width_px: float) -> int:
    """Centered title lines across the table's width, each row as high as its wrapped text needs."""
    for text, fmt, size, bold in texts:
        text = _balanced(text, width_px, size, bold)
        if ncols > 1:
            ws.merge_range(row, 0, row, ncols - 1, text, fmt)
        else:
            ws.write_string(row, 0, text, fmt)
        ws.set_row(row, _height(_lines(text, width_px, size, bold=bold), size))
        row += 1
    return row


def _write_form(wb: xlsxwriter.Workbook, ctx: _Context, number: int, *, first: bool) -> None:
    cat, fig, st, cols = ctx.catalog, ctx.fig, ctx.st, ctx.cols
    form = cat.form(number)
    ws = wb.add_worksheet(form_sheet(number))
    for col, px in enumerate(cols):
        ws.set_column_pixels(col, col, px)
    width = sum(cols)
    row = 0
    if first:
        lines = [
            ("Phụ lục", st.title(TITLE_PT), TITLE_PT, True),
            (cat.title, st.title(TITLE_PT), TITLE_PT, True),
            (_period_label(fig.period), st.title(BODY_PT, bold=False, italic=True), BODY_PT, False),
        ]
        if fig.unit and not _is_province(ctx, fig.unit):
            lines.append((f"Đơn vị báo cáo: {_unit_name(ctx, fig.unit)}", st.title(BODY_PT, bold=False), BODY_PT, False))
        row = _title_rows(ws, row, lines, len(cols), width) + 1
    row = _title_rows(
        ws,
        row,
        [(f"Biểu mẫu {form.number}", st.title(TITLE_PT), TITLE_PT, True)]
        + ([(form.title, st.title(TITLE_PT), TITLE_PT, True)] if form.title else []),
        len(cols),
        width,
    )
    row += 1
    header = _table_header(ws, row, ctx)
    row = header[1] + 1
    for ind in form.indicators:
        bold = _is_bold(ind)
        ws.write_string(row, 0, ind.printed_stt, st.cell(bold=bold, align="center"))
        ws.write_string(row, 1, ind.label, st.cell(bold=bold))
        ws.write_string(row, 2, ind.unit, st.cell(align="center"))
        if ind.has_value:
            v = fig.values.get(ind.key)
            if ind.kind == "percent":  # a percentage never prints 100 (or 0) when it is not exactly that
                v = percent_printed(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
            _write_value(ws, row, 3, v, st, decimals=2 if ind.kind == "percent" else None)
        else:
            ws.write_blank(row, 3, None, st.cell(align="center"))
        note = fig.notes.get(ind.key, "")
        if note:
            ws.write_string(row, 4, note, st.cell(size=BODY_PT))
        else:
            ws.write_blank(row, 4, None, st.cell())
        value = fig.values.get(ind.key) if ind.has_value else None
        _fit_row(
            ws,
            row,
            [
                (ind.printed_stt, cols[0], BODY_PT, bold),
                (ind.label, cols[1], BODY_PT, bold),
                (ind.unit, cols[2], BODY_PT, False),
                (value if isinstance(value, str) else "", cols[3], BODY_PT, False),
                (note, cols[4], BODY_PT, False),
            ],
        )
        row += 1
    _page(ws, landscape=False, header_rows=header)
    ws.print_area(0, 0, row - 1, len(cols) - 1)


def _is_bold(ind: Indicator) -> bool:
    """Section rows print bold, as in the seed: headings, and the first level of each form."""
    return ind.kind == "heading" or ind.depth == 0


# --- annexes -----------------------------------------------------------------------------------------------


def _ordered_units(ctx: _Context, codes: list[str]) -> list[str]:
    """Units in the registry's order (the order of the official lists), unknown codes after, sorted."""
    order = {u.code: n for n, u in enumerate(ctx.registry.units)} if ctx.registry is not None else {}
    return sorted(set(codes), key=lambda c: (order.get(c, len(order)), c))


_LANDSCAPE_PX = int((29.7 - 3.0 - 1.5) * 96 / 2.54)  # 952


def _annex_table(
    ws: Any, ctx: _Context, title: str, headers: list[str], widths: list[int], *, repeat_cols: int = 0,
    size: int = ANNEX_PT,
) -> int:
    """Title, period and the header row of an annex table; returns the first data row."""
    st = ctx.st
    for col, px in enumerate(widths):
        ws.set_column_pixels(col, col, px)
    span = 1  # the title is centred over the columns of the first printed page
    while span < len(widths) and sum(widths[: span + 1]) <= _LANDSCAPE_PX:
        span += 1
    lines = [
        (title, st.title(TITLE_PT), TITLE_PT, True),
        (_period_label(ctx.fig.period), st.title(ANNEX_PT, bold=False, italic=True), ANNEX_PT, False),
    ]
    row = _title_rows(ws, 0, lines, span, sum(widths[:span])) + 1
    h = st.header(size)
    for col, text in enumerate(headers):
        ws.write_string(row, col, text, h)
    _fit_row(ws, row, [(t, w, size, True) for t, w in zip(headers, widths)])
    _page(ws, landscape=True, header_rows=(row, row), repeat_cols=repeat_cols)
    return row + 1


def _annex_row(
    ws: Any, ctx: _Context, row: int, cells: list[tuple[Any, str, bool]], widths: list[int], size: int = ANNEX_PT
) -> None:
    """One bordered row of an annex: (value, alignment, bold) per column; numbers keep their format."""
    st = ctx.st
    texts = []
    for col, (value, align, bold) in enumerate(cells):
        if isinstance(value, (int, float)) and not isinstance(value, bool) or value is None:
            _write_value(ws, row, col, value, st, size=size)
            texts.append(("", widths[col], size, bold))
        else:
            ws.write_string(row, col, str(value), st.cell(size=size, align=align, bold=bold))
            texts.append((str(value), widths[col], size, bold))
    _fit_row(ws, row, texts)


def _empty_note(ws: Any, ctx: _Context, row: int, text: str) -> None:
    ws.write_string(row, 1, text, ctx.st.get(italic=True, font_size=ANNEX_PT))


def _write_by_unit(wb: xlsxwriter.Workbook, ctx: _Context) -> None:
    """Phụ biểu 1: indicators as rows, the provincial figure and each unit's figure as columns."""
    cat, fig = ctx.catalog, ctx.fig
    ws = wb.add_worksheet(ANNEX_SHEETS[0])
    units = _ordered_units(ctx, list(fig.by_unit))
    headers = ["STT", "Chỉ tiêu thống kê", "Đơn vị tính", "Tổng hợp"] + [_unit_short(ctx, u) for u in units]
    # Many units side by side: a smaller type and narrow unit columns keep the printed blocks few.
    widths = [44, 280, 86, 72] + [66] * len(units)
    row = _annex_table(
        ws, ctx, "Phụ biểu 1. Số liệu theo đơn vị báo cáo", headers, widths, repeat_cols=4, size=BY_UNIT_PT
    )
    for form in cat.forms:
        title = f"Biểu mẫu {form.number}" + (f". {form.title}" if form.title else "")
        blank: list[tuple[Any, str, bool]] = [("", "center", False)] * (len(headers) - 2)
        _annex_row(ws, ctx, row, [("", "center", True), (title, "left", True)] + blank, widths, BY_UNIT_PT)
        row += 1
        for ind in form.indicators:
            bold = _is_bold(ind)
            cells: list[tuple[Any, str, bool]] = [
                (ind.printed_stt, "center", bold), (ind.label, "left", bold), (ind.unit, "center", False)
            ]
            values = [fig.values.get(ind.key)] + [fig.by_unit[u].get(ind.key) for u in units]
            cells += [(v if ind.has_value else None, "center", False) for v in values]
            _annex_row(ws, ctx, row, cells, widths, BY_UNIT_PT)
            row += 1
    if not units:
        _empty_note(ws, ctx, row + 1, "Chưa có số liệu của đơn vị nào.")


def _write_status(wb: xlsxwriter.Workbook, ctx: _Context) -> None:
    """Phụ biểu 2: who sent what, when, and with how many errors."""
    fig = ctx.fig
    ws = wb.add_worksheet(ANNEX_SHEETS[1])
    headers = ["STT", "Mã đơn vị", "Đơn vị", "Tình trạng", "Tệp", "Thời điểm gửi", "Số lỗi", "Số cảnh báo", "Ghi chú"]
    widths = [40, 96, 180, 90, 150, 110, 50, 62, 174]
    row = _annex_table(ws, ctx, "Phụ biểu 2. Tình hình nộp báo cáo", headers, widths)
    order = {c: n for n, c in enumerate(_ordered_units(ctx, [s.unit for s in fig.status]))}
    items = sorted(fig.status, key=lambda s: (order[s.unit], s.file or "", s.status, s.sha256 or ""))
    for n, s in enumerate(items, start=1):
        cells = [
            (n, "center", False), (s.unit, "center", False), (s.name or _unit_name(ctx, s.unit), "left", False),
            (s.status, "center", s.status != "Đã nộp"), (s.file or "", "left", False),
            (_when(s.sent_at), "center", False), (s.errors, "center", False), (s.warnings, "center", False),
            (s.detail, "left", False),
        ]
        _annex_row(ws, ctx, row, cells, widths)
        row += 1
    if not items:
        _empty_note(ws, ctx, row + 1, "Chưa có thông tin nộp báo cáo.")


def _when(iso: str | None) -> str:
    """A time recorded as ISO text, shown the Vietnamese way (10/01/2023 08:00); other text as it is."""
    if not iso:
        return ""
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return t.strftime("%d/%m/%Y %H:%M") if (t.hour, t.minute, t.second) != (0, 0, 0) else t.strftime("%d/%m/%Y")


def _write_findings(wb: xlsxwriter.Workbook, ctx: _Context) -> None:
    """Phụ biểu 3: the errors and warnings still open, so that nobody signs over an unresolved problem."""
    fig = ctx.fig
    ws = wb.add_worksheet(ANNEX_SHEETS[2])
    headers = ["STT", "Đơn vị", "Tệp", "Biểu mẫu", "Mục", "Ô", "Mức độ", "Nội dung"]
    widths = [40, 140, 150, 55, 55, 115, 70, 327]
    row = _annex_table(ws, ctx, "Phụ biểu 3. Các lỗi, cảnh báo chưa xử lý", headers, widths)
    items = sorted(fig.findings, key=lambda f: (f.unit or "", *f.sort_key(), f.message))
    for n, f in enumerate(items, start=1):
        cells = [
            (n, "center", False), (_unit_short(ctx, f.unit) if f.unit else "", "left", False), (f.file, "left", False),
            (f.form, "center", False), (f.code or "", "center", False), (f.cell or "", "left", False),
            (f.severity, "center", f.is_error), (f.message, "left", False),
        ]
        _annex_row(ws, ctx, row, cells, widths)
        row += 1
    if not items:
        _empty_note(ws, ctx, row + 1, "Không còn lỗi, cảnh báo nào chưa xử lý.")


# --- the workbook ----------------------------------------------------------------------------------------------


def write_appendix(
    fig: ProvincialFigures, output: Path | str, *, annexes: bool = True, catalog: Catalog | None = None
) -> Path:
    """Write the appendix workbook to `output` atomically and return its path.

    The file is written beside `output` under a temporary name and moved into place only when complete,
    so an interrupted run never leaves half an appendix where the previous one was. `catalog` defaults to
    the regime named in `fig` (a test may pass a catalog loaded from another file).
    """
    cat = catalog or load_catalog(fig.regime)
    try:
        registry: Registry | None = registry_of(cat)
    except XlcchcError:
        registry = None
    output = Path(output)
    if output.suffix.lower() != ".xlsx":
        raise AppendixError(f"Tệp phụ lục “{output.name}” phải có đuôi .xlsx")
    parent = output.parent if str(output.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise AppendixError(f"Không tạo được thư mục “{parent}”: {e.strerror or e}") from None
    try:
        with atomic_path(output, suffix=".xlsx.part") as tmp:
            wb = xlsxwriter.Workbook(
                str(tmp),
                {
                    "strings_to_formulas": False,
                    "strings_to_urls": False,
                    "strings_to_numbers": False,
                    # The Normal style is Times New Roman 12: column widths are stored in units of the Normal
                    # font's digit width, so with Calibri as Normal a machine without Calibri (LibreOffice on
                    # Linux substitutes a wider font) widens every column and shrinks the printed page.
                    "default_format_properties": {"font_name": FONT, "font_size": BODY_PT},
                    "default_column_width": 72,  # 8.43 digits of Times New Roman 12 (8 px each + 5 px)
                    "default_row_height": 21,
                },
            )
            wb.set_properties(
                {
                    "title": f"Phụ lục – {cat.title} – {_period_label(fig.period)}",
                    "subject": "Phụ lục thống kê cải cách hành chính",
                    "author": "xlcchc",
                    "created": CREATED,
                    "comments": f"regime={cat.regime}; period={fig.period}; unit={fig.unit}",
                }
            )
            ctx = _Context(cat, registry, fig, _Styles(wb), _form_columns(cat, fig))
            for n, form in enumerate(cat.forms):
                _write_form(wb, ctx, form.number, first=n == 0)
            if annexes:
                _write_by_unit(wb, ctx)
                _write_status(wb, ctx)
                _write_findings(wb, ctx)
            wb.close()
    except XlsxWriterException as e:
        raise AppendixError(f"Không ghi được tệp phụ lục “{output.name}”: {e}") from None
    return output


def write_pdf(xlsx: Path | str, pdf: Path | str) -> Path:
    """Convert the appendix to PDF with LibreOffice and put it at `pdf` (atomically).

    LibreOffice writes `<stem>.pdf` into a directory of its choosing; the conversion runs in a private
    directory beside the destination, so the final move is a rename on the same file system.
    """
    from .office import to_pdf

    pdf = Path(pdf)
    parent = pdf.parent if str(pdf.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".xlcchc-pdf-", dir=parent))
    try:
        produced = to_pdf(xlsx, work)
        os.replace(produced, pdf)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return pdf


def cli_appendix(args: Any) -> int:
    """`xlcchc appendix TONG_HOP.xlsx -o PHU_LUC.xlsx [--pdf PHU_LUC.pdf] [--no-annexes]`."""
    src = Path(args.provincial)
    out = Path(args.output)
    if out.suffix.lower() != ".xlsx":
        raise AppendixError(f"Tệp phụ lục “{out.name}” phải có đuôi .xlsx")
    if out.resolve() == src.resolve():
        raise AppendixError("Tệp phụ lục phải khác tệp tổng hợp (không ghi đè lên bảng tổng hợp)")
    if args.pdf and Path(args.pdf).resolve() in (src.resolve(), out.resolve()):
        raise AppendixError("Tệp PDF phải khác tệp tổng hợp và tệp phụ lục")
    if not src.exists():
        raise AppendixError(f"Không tìm thấy tệp tổng hợp “{src}”")
    try:
        from .merge import read_provincial
    except ImportError:
        raise AppendixError("Bản cài đặt này chưa có chức năng đọc bảng tổng hợp (xlcchc.merge)") from None
    fig = read_provincial(src)
    path = write_appendix(fig, out, annexes=not args.no_annexes)
    print(f"Đã ghi phụ lục: {path}")
    if args.pdf:
        pdf = write_pdf(path, args.pdf)
        print(f"Đã ghi bản PDF: {pdf}")
    return 0
