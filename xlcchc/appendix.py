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
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException

from .catalog import Catalog, Indicator, load_catalog, registry_of
from .catalog.models import Registry
from .errors import XlcchcError
from .fileio import atomic_path, private_tmpdir
from .formulas import percent_printed
from .layout import form_sheet
from .numbers import fmt_vn
from .numformat import WHOLE_FORMAT, number_format
from .periods import PeriodError, parse_period
from .printing import (
    BODY_PT,
    BODY_PT_LANDSCAPE,
    BODY_PT_PORTRAIT,
    CELL_PAD_PX,
    DEFAULT_ROW_PT,
    FONT,
    LANDSCAPE_PX,
    PAGE_PX,
    TITLE_PT,
    Line,
    Styles,
    balanced,
    fit_row,
    height,
    keep_together,
    lines,
    longest_word_px,
    page_breaks,
    page_setup,
    text_px,
)
from .provincial import ProvincialFigures, Value

__all__ = [
    "AppendixError", "write_appendix", "write_pdf", "number_format", "cli_appendix", "ANNEXES", "ANNEX_SHEETS",
    "Header", "parse_annexes", "WHOLE_FORMAT",
]

#: A fixed creation date: the same figures must give the same bytes (the file is compared, archived, signed).
CREATED = datetime(2000, 1, 1, 0, 0, 0)

#: The annexes (phụ biểu) one may ask for, in print order, and their sheet names. None is printed by
#: default: the appendix of the report is the forms. The plan annex is written by `xlcchc.plan`.
ANNEXES = ("by-unit", "status", "findings", "plan")
ANNEX_SHEETS = {"by-unit": "Theo đơn vị", "status": "Tình hình nộp", "findings": "Lỗi chưa xử lý", "plan": "Kế hoạch"}
ANNEX_WORDS = {
    "by-unit": "số liệu theo đơn vị", "status": "tình hình nộp", "findings": "lỗi, cảnh báo chưa xử lý",
    "plan": "tiến độ kế hoạch",
}

_NOTE_PX = 100  # the seed's note column is narrow: notes wrap over many lines
_NOTE_MAX_PX = 150  # … but never so narrow that a number breaks in the middle (a web address breaks after //)


class AppendixError(XlcchcError):
    """The appendix cannot be written; the message says why, in Vietnamese."""


def parse_annexes(text: str | Iterable[str] | bool | None) -> tuple[str, ...]:
    """The annexes asked for (`by-unit,status`), in print order; a Vietnamese error for an unknown name."""
    if text is None or text is False:
        return ()
    if text is True:
        return ("by-unit", "status")
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text) if n.strip()]
    unknown = [n for n in names if n not in ANNEXES]
    if unknown:
        listing = ", ".join(f"{a} ({ANNEX_WORDS[a]})" for a in ANNEXES)
        raise AppendixError(f"Không có phụ biểu “{', '.join(unknown)}”; chọn trong: {listing}")
    return tuple(a for a in ANNEXES if a in names)


@dataclass(frozen=True)
class Header:
    """The block of an official document (`--header`): issuing body, national motto, the report it goes
    with, and a signature block; the blanks (số, ngày) are dotted lines filled in by hand or by the clerk."""

    issuer: str = ""  # "UBND TỈNH THANH HÓA"; empty: the registry's top unit
    body: str = ""  # the office under the issuer ("SỞ NỘI VỤ"), optional
    report: str = "(Kèm theo Báo cáo số ……/BC-…… ngày …… tháng …… năm …… của {issuer})"
    signers: tuple[str, str] = ("NGƯỜI LẬP BIỂU\n(Ký, ghi rõ họ tên)", "THỦ TRƯỞNG CƠ QUAN\n(Ký, ghi rõ họ tên, đóng dấu)")


# --- the forms -----------------------------------------------------------------------------------------------


@dataclass
class _Context:
    catalog: Catalog
    registry: Registry | None
    fig: ProvincialFigures
    st: Styles
    cols: tuple[int, ...] = (48, 300, 100, 75, _NOTE_PX)  # STT, label, unit, value, [compared…,] note (px)
    header: Header | None = None
    annex_number: int = 0  # the annexes are numbered in print order (Phụ biểu 1, 2 …)
    extra: dict[str, Any] = field(default_factory=dict)  # what an annex of another module needs
    #: `--compare`: column title → form:code → figure of an earlier period (“Cùng kỳ năm trước”, “Kỳ trước”)
    compare: dict[str, dict[str, Value]] = field(default_factory=dict)


def _form_columns(cat: Catalog, fig: ProvincialFigures, compared: int = 0) -> tuple[int, ...]:
    """Column widths (px) of the form tables, the same on every form so that the pages look alike (but
    a form without any note narrows its note column: `_without_notes`).

    STT, unit and value columns are as wide as their longest entry (within limits, so that a long code
    list wraps instead of squeezing the label); the note column is narrow as printed in the seed, but as
    wide as the longest unbreakable token of the notes (a figure such as 1.030.567/1.039.181, a web
    address), so that the spreadsheet never cuts one in two; the label column takes the rest.
    """
    pad = CELL_PAD_PX + 2
    inds = [i for f in cat.forms for i in f.indicators]
    stt = max([text_px(i.printed_stt, BODY_PT, True) for i in inds] + [text_px("STT", BODY_PT, True)]) + pad
    unit_lines = [ln for i in inds for ln in i.unit.splitlines()] + ["Đơn vị tính"]
    unit = max(text_px(ln, BODY_PT, ln == "Đơn vị tính") for ln in unit_lines) + pad
    shown = [_shown(v) for v in fig.values.values()] + [cat.value_header]
    value = max(text_px(t, BODY_PT, t == cat.value_header) for t in shown if len(t) <= 16) + pad
    note = longest_word_px([_note_text(t) for t in fig.notes.values()] + ["Ghi chú"], BODY_PT) + pad
    cols = [
        int(min(max(stt, 40), 70)),
        0,
        int(min(max(unit, 90), 120)),
        int(min(max(value, 70), 120)),
        *([int(min(max(value, 80), 120))] * compared),  # earlier periods, as wide as the figures (`--compare`)
        int(min(max(note, _NOTE_PX), _NOTE_MAX_PX)),
    ]
    # Columns of earlier periods need the width of a landscape page for the labels to stay readable.
    cols[1] = (LANDSCAPE_PX if compared else PAGE_PX) - sum(cols)
    return tuple(cols)


_ZWSP = "\u200b"


def _note_text(note: str) -> str:
    """A note as printed: a web address may break after its `//` (a zero-width space), nowhere else."""
    return note.replace("://", "://" + _ZWSP)


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
    ws: Any, row: int, col: int, value: Value, st: Styles, *, size: int = BODY_PT, decimals: int | None = None
) -> None:
    """A figure as a number with its Vietnamese format; text stays text; a blank stays blank (not 0)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        ws.write_blank(row, col, None, st.cell(align="center", size=size))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value, st.cell(align="center", size=size, num=number_format(float(value), decimals)))
    else:
        ws.write_string(row, col, str(value), st.cell(align="center", size=size))


def _table_header(ws: Any, row: int, ctx: _Context) -> tuple[int, int]:
    """The two header rows of a form table (STT | Chỉ tiêu | Kết quả thống kê [ĐVT | Số liệu] | Ghi chú).

    Header cells wrap by themselves: no-break spaces keep `6 tháng` and two-syllable words on one line.
    """
    cat, st, cols = ctx.catalog, ctx.st, ctx.cols
    h = st.header()
    label = "Chỉ tiêu thống kê" + (f"\n{keep_together(cat.usage)}" if cat.usage else "")
    value_header = cat.value_header
    if lines(value_header, cols[3], BODY_PT, bold=True) > 1:
        value_header = keep_together(value_header)
    titles = list(ctx.compare)
    last = len(cols) - 1  # the note column
    ws.merge_range(row, 0, row + 1, 0, "STT", h)
    ws.merge_range(row, 1, row + 1, 1, label, h)
    ws.merge_range(row, 2, row, 3 + len(titles), "Kết quả thống kê", h)
    ws.write_string(row + 1, 2, "Đơn vị tính", h)
    ws.write_string(row + 1, 3, value_header, h)
    for j, title in enumerate(titles):
        ws.write_string(row + 1, 4 + j, title, h)
    ws.merge_range(row, last, row + 1, last, "Ghi chú", h)
    sub = max([lines("Đơn vị tính", cols[2], BODY_PT, bold=True), lines(value_header, cols[3], BODY_PT, bold=True)]
              + [lines(t, cols[4 + j], BODY_PT, bold=True) for j, t in enumerate(titles)])
    need = max(
        lines(label, cols[1], BODY_PT, bold=True),
        lines("Kết quả thống kê", sum(cols[2:last]), BODY_PT, bold=True) + sub,
    )
    second = height(sub, BODY_PT)
    first = max(height(need, BODY_PT) - second, height(1, BODY_PT))
    ws.set_row(row, first)
    ws.set_row(row + 1, second)
    ctx.extra["header_pt"] = first + second
    return row, row + 1


def _title_rows(ws: Any, row: int, texts: list[tuple[str, Any, int, bool]], ncols: int, width_px: float) -> tuple[int, float]:
    """Centered title lines across the table's width, each row as high as its wrapped text needs.

    Returns the next row and the height (pt) the titles take.
    """
    used = 0.0
    for text, fmt, size, bold in texts:
        text = balanced(text, width_px, size, bold)
        if ncols > 1:
            ws.merge_range(row, 0, row, ncols - 1, text, fmt)
        else:
            ws.write_string(row, 0, text, fmt)
        h = height(lines(text, width_px, size, bold=bold), size)
        ws.set_row(row, h)
        used += h
        row += 1
    return row, used


def _official_block(ws: Any, ctx: _Context, row: int) -> tuple[int, float]:
    """`--header`: issuing body on the left, the national motto on the right (Nghị định 30/2020)."""
    st, cols, hd = ctx.st, ctx.cols, ctx.header
    assert hd is not None
    left = "\n".join(t for t in (_issuer(ctx).upper(), hd.body.upper()) if t)
    right = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    lw, rw = sum(cols[:2]) - 60, sum(cols[2:]) + 60
    fmt_l = st.get(bold=True, align="center", valign="top", text_wrap=True, font_size=BODY_PT)
    fmt_r = st.get(bold=True, align="center", valign="top", text_wrap=True, font_size=BODY_PT)
    ws.merge_range(row, 0, row, 1, left, fmt_l)
    ws.merge_range(row, 2, row, 4, right, fmt_r)
    h = max(height(lines(left, lw, BODY_PT, bold=True), BODY_PT), height(lines(right, rw, BODY_PT, bold=True), BODY_PT))
    ws.set_row(row, h)
    return row + 2, h + DEFAULT_ROW_PT


def _issuer(ctx: _Context) -> str:
    hd = ctx.header
    if hd is not None and hd.issuer:
        return hd.issuer
    return _unit_name(ctx, ctx.fig.unit) or (ctx.registry.label(ctx.registry.top) if ctx.registry else "")


def _signatures(ws: Any, ctx: _Context, row: int) -> float:
    """The signature block under the last form: who drew up the table, who signs; blank lines to sign on."""
    st, cols, hd = ctx.st, ctx.cols, ctx.header
    assert hd is not None
    fmt = st.get(align="center", valign="top", text_wrap=True, font_size=BODY_PT)
    bold, italic = st.get(bold=True), st.get(italic=True)
    for first, last, text in ((0, 1, hd.signers[0]), (2, 4, hd.signers[1])):
        ws.merge_range(row + 1, first, row + 1, last, "", fmt)
        title, _, hint = text.partition("\n")
        ws.write_rich_string(row + 1, first, bold, title, italic, "\n" + hint, fmt) if hint else ws.write_string(
            row + 1, first, title, fmt
        )
    h = height(3, BODY_PT) + 60  # the titles, then room to sign
    ws.set_row(row + 1, h)
    return h + DEFAULT_ROW_PT


def _row_levels(form) -> list[tuple[int, bool]]:
    """(depth, keep-with-next) of each row: a heading, or a row whose next row is its child, keeps."""
    inds = form.indicators
    out = []
    for n, ind in enumerate(inds):
        nxt = inds[n + 1] if n + 1 < len(inds) else None
        parent = nxt is not None and nxt.depth > ind.depth
        out.append((ind.depth, not ind.has_value or parent))
    return out


def _without_notes(cols: tuple[int, ...]) -> tuple[int, ...]:
    """The columns of a form none of whose rows has a note: the note column as narrow as the seed prints it,
    the label column wider by as much (fewer wrapped labels: the 2026 Biểu mẫu 3 and 4 fit one page each).

    The common width (`_form_columns`) is set by the widest word of every note (a web address in Biểu mẫu 7);
    an empty column needs only its title, “Ghi chú”."""
    spare = cols[-1] - _NOTE_PX
    return (cols[0], cols[1] + spare, *cols[2:-1], _NOTE_PX) if spare > 0 else cols


def _write_form(wb: xlsxwriter.Workbook, ctx: _Context, number: int, *, first: bool, last: bool) -> None:
    """One form's sheet: its titles (the appendix's own above the first form), table, signatures below the
    last (an official header given), page breaks where the printed rows allow."""
    form = ctx.catalog.form(number)
    if not any(ctx.fig.notes.get(ind.key) for ind in form.indicators):
        ctx = replace(ctx, cols=_without_notes(ctx.cols))
    cols = ctx.cols
    ws = wb.add_worksheet(form_sheet(number))
    for col, px in enumerate(cols):
        ws.set_column_pixels(col, col, px)
    row, used = _form_titles(ws, ctx, form, first)
    header = _table_header(ws, row, ctx)
    head_pt = ctx.extra["header_pt"]
    row = header[1] + 1
    printed: list[Line] = []
    for ind, (depth, keep) in zip(form.indicators, _row_levels(form)):
        printed.append(Line(row, _form_row(ws, ctx, row, ind), depth, keep))
        row += 1
    end = row - 1
    if last and ctx.header is not None:
        h = _signatures(ws, ctx, row)
        printed.append(Line(row, h, 0, False))
        end = row + 1
    landscape = bool(ctx.compare)
    page_pt = BODY_PT_LANDSCAPE if landscape else BODY_PT_PORTRAIT
    page_setup(ws, landscape=landscape, header_rows=header)
    breaks = page_breaks(printed, first_page=page_pt - used - head_pt, other_pages=page_pt - head_pt)
    if breaks:
        ws.set_h_pagebreaks(breaks)
    ws.print_area(0, 0, end, len(cols) - 1)


def _form_titles(ws, ctx: _Context, form, first: bool) -> tuple[int, float]:
    """The title rows above a form's table (the appendix's own too on the first form's sheet): the next row
    and the points they take on the first page."""
    cat, fig, st, cols = ctx.catalog, ctx.fig, ctx.st, ctx.cols
    width = sum(cols)
    row, used = 0, 0.0
    if first:
        if ctx.header is not None:
            row, used = _official_block(ws, ctx, row)
        title_lines = [
            ("Phụ lục", st.title(TITLE_PT), TITLE_PT, True),
            (cat.title, st.title(TITLE_PT), TITLE_PT, True),
        ]
        if ctx.header is not None:
            ref = ctx.header.report.format(issuer=_issuer(ctx))
            title_lines.append((ref, st.title(BODY_PT, bold=False, italic=True), BODY_PT, False))
        title_lines.append((_period_label(fig.period), st.title(BODY_PT, bold=False, italic=True), BODY_PT, False))
        if fig.unit and not _is_province(ctx, fig.unit):
            title_lines.append(
                (f"Đơn vị báo cáo: {_unit_name(ctx, fig.unit)}", st.title(BODY_PT, bold=False), BODY_PT, False)
            )
        row, h = _title_rows(ws, row, title_lines, len(cols), width)
        row, used = row + 1, used + h + DEFAULT_ROW_PT
    row, h = _title_rows(
        ws,
        row,
        [(f"Biểu mẫu {form.number}", st.title(TITLE_PT), TITLE_PT, True)]
        + ([(form.title, st.title(TITLE_PT), TITLE_PT, True)] if form.title else []),
        len(cols),
        width,
    )
    return row + 1, used + h + DEFAULT_ROW_PT


def _form_row(ws, ctx: _Context, row: int, ind) -> float:
    """One indicator's row of the table (the figure, the compared periods' figures, the note); its height."""
    fig, st, cols = ctx.fig, ctx.st, ctx.cols
    bold = _is_bold(ind)
    ws.write_string(row, 0, ind.printed_stt, st.cell(bold=bold, align="center"))
    ws.write_string(row, 1, ind.label, st.cell(bold=bold))
    ws.write_string(row, 2, ind.unit, st.cell(align="center"))
    shown = [fig.values.get(ind.key)] + [vals.get(ind.key) for vals in ctx.compare.values()]
    for j, v in enumerate(shown):
        if ind.has_value:
            _write_value(ws, row, 3 + j, _printed(ind, v), st, decimals=2 if ind.kind == "percent" else None)
        else:
            ws.write_blank(row, 3 + j, None, st.cell(align="center"))
    note_col = len(cols) - 1
    note = _note_text(fig.notes.get(ind.key, ""))
    if note:
        ws.write_string(row, note_col, note, st.cell(size=BODY_PT))
    else:
        ws.write_blank(row, note_col, None, st.cell())
    value = fig.values.get(ind.key) if ind.has_value else None
    return fit_row(
        ws,
        row,
        [
            (ind.printed_stt, cols[0], BODY_PT, bold),
            (ind.label, cols[1], BODY_PT, bold),
            (ind.unit, cols[2], BODY_PT, False),
            (value if isinstance(value, str) else "", cols[3], BODY_PT, False),
            *((v if isinstance(v, str) and ind.has_value else "", cols[4 + j], BODY_PT, False)
              for j, v in enumerate(shown[1:])),
            (note, cols[note_col], BODY_PT, False),
        ],
    )


def _when_vn(iso: str | None) -> str:
    """A time recorded as ISO text, shown the Vietnamese way (10/01/2023 08:00); other text as it is."""
    if not iso:
        return ""
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return t.strftime("%d/%m/%Y %H:%M") if (t.hour, t.minute, t.second) != (0, 0, 0) else t.strftime("%d/%m/%Y")


def _printed(ind: Indicator, v: Value) -> Value:
    """The figure as printed: a percentage never prints 100 (or 0) when it is not exactly that."""
    if ind.kind == "percent" and isinstance(v, (int, float)) and not isinstance(v, bool):
        return percent_printed(v)
    return v


def _is_bold(ind: Indicator) -> bool:
    """Section rows print bold, as in the seed: headings, and the first level of each form."""
    return ind.kind == "heading" or ind.depth == 0


# --- the workbook ----------------------------------------------------------------------------------------------


def write_appendix(
    fig: ProvincialFigures,
    output: Path | str,
    *,
    annexes: Iterable[str] | str | bool = (),
    header: Header | None = None,
    catalog: Catalog | None = None,
    compare: dict[str, dict[str, Value]] | None = None,
) -> Path:
    """Write the appendix workbook to `output` atomically and return its path.

    By default the appendix is the regime's forms and nothing else: it goes into the report as it is.
    `annexes` names the annexes to add after them (`ANNEXES`; True: by-unit and status, for callers of the
    former flag); `header` adds the block of an official document and a signature block. `compare`
    (column title → figures of an earlier period, from the history: `xlcchc.history.compare`) adds
    columns such as “Cùng kỳ năm trước” beside the figures.

    The file is written beside `output` under a temporary name and moved into place only when complete,
    so an interrupted run never leaves half an appendix where the previous one was. `catalog` defaults to
    the regime named in `fig` (a test may pass a catalog loaded from another file).
    """
    cat = catalog or load_catalog(fig.regime)
    chosen = parse_annexes(annexes)
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
        # xlsxwriter's work files (they hold the figures) go to a private folder removed even on failure.
        with private_tmpdir() as work, atomic_path(output, suffix=".xlsx.part") as tmp:
            wb = xlsxwriter.Workbook(
                str(tmp),
                {
                    "tmpdir": work,
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
            ctx = _Context(cat, registry, fig, Styles(wb), _form_columns(cat, fig, len(compare or {})), header=header,
                           compare=dict(compare or {}))
            for n, form in enumerate(cat.forms):
                _write_form(wb, ctx, form.number, first=n == 0, last=n == len(cat.forms) - 1)
            for name in chosen:
                ctx.annex_number += 1
                ANNEX_WRITERS[name](wb, ctx)
            wb.close()
    except XlsxWriterException as e:
        raise AppendixError(f"Không ghi được tệp phụ lục “{output.name}”: {e}") from None
    return output


def write_pdf(xlsx: Path | str, pdf: Path | str, *, office: Any = None) -> Path:
    """Convert the appendix to PDF with LibreOffice and put it at `pdf` (atomically).

    LibreOffice's profile, temp files and output stay in a private temp folder removed even on failure
    (`office.convert`); the PDF reaches `pdf` through a temporary file beside it, renamed when complete.
    `office`: a LibreOffice started while the workbook was built (`office.Office`), else one is started.
    """
    from .office import to_pdf

    pdf = Path(pdf)
    return to_pdf(xlsx, pdf.parent if str(pdf.parent) else Path("."), dest=pdf, office=office)


def cli_appendix(args: Any) -> int:
    """`xlcchc appendix TONG_HOP.xlsx -o PHU_LUC.xlsx [--pdf PHU_LUC.pdf] [--annexes by-unit,status] [--header]`."""
    src = Path(args.provincial)
    out = Path(args.output)
    if out.suffix.lower() != ".xlsx":
        raise AppendixError(f"Tệp phụ lục “{out.name}” phải có đuôi .xlsx")
    if out.resolve() == src.resolve():
        raise AppendixError("Tệp phụ lục phải khác tệp tổng hợp (không ghi đè lên bảng tổng hợp)")
    if args.pdf and Path(args.pdf).suffix.lower() != ".pdf":
        raise AppendixError(f"Tệp PDF “{Path(args.pdf).name}” phải có đuôi .pdf")
    if args.pdf and Path(args.pdf).resolve() in (src.resolve(), out.resolve()):
        raise AppendixError("Tệp PDF phải khác tệp tổng hợp và tệp phụ lục")
    if not src.exists():
        raise AppendixError(f"Không tìm thấy tệp tổng hợp “{src}”")
    annexes = parse_annexes(getattr(args, "annexes", None) or ())
    header = None
    if getattr(args, "header", None) is not None:
        header = Header(issuer=args.header or "", body=getattr(args, "office", None) or "")
    from .office import Office

    # LibreOffice starts now, while the workbook is read and written (~1 s of its start overlapped).
    with Office(early=bool(args.pdf)) as office:
        path = _appendix_of(src, out, args, annexes, header)
        print(f"Đã ghi phụ lục: {path.resolve()}")
        if args.pdf:
            pdf = write_pdf(path, args.pdf, office=office)
            print(f"Đã ghi bản PDF: {Path(pdf).resolve()}")
    return 0


def _appendix_of(src: Path, out: Path, args: Any, annexes: tuple[str, ...], header: Header | None) -> Path:
    """Read TONG_HOP.xlsx (and the history for `--compare`), write the appendix workbook at `out`."""
    try:
        from .merge import read_provincial
    except ImportError:
        raise AppendixError("Bản cài đặt này chưa có chức năng đọc bảng tổng hợp (xlcchc.merge)") from None
    fig = read_provincial(src)
    compare = None
    if getattr(args, "compare", None):
        from .history.compare import compare_columns
        from .history.store import default_db

        db = Path(args.history) if getattr(args, "history", None) else default_db(src)
        compare = compare_columns(db, fig, args.compare)
    return write_appendix(fig, out, annexes=annexes, header=header, compare=compare)


from .annexes import ANNEX_WRITERS  # noqa: E402 - the annexes use this module's helpers
