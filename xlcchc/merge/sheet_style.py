"""What every sheet of TONG_HOP.xlsx shares: the sheet names, the cell formats, how a value is written,
the table header and the print set-up.

Split from `workbook.py` so that each sheet family (form sheets, status and provenance, dashboard, plan)
lives in its own module and takes these from one place: one font, one border, one set of locale-proof
number formats for the whole workbook.
"""

from __future__ import annotations

import functools
import re

import xlsxwriter

from ..numformat import PERCENT_FORMAT, WHOLE_FORMAT, input_format, number_format
from ..printing import height, lines
from ..provincial import Value
from .aggregate import number
from .sheet_rows import _SUPPORTED as _XLSXWRITER_3  # the define_name checked against xlsxwriter 3's

DASHBOARD_SHEET = "Tổng quan"
STATUS_SHEET = "Tình hình nộp"
ADJUST_SHEET = "Điều chỉnh"
FINDINGS_SHEET = "Kết quả kiểm tra"
UNIT_NOTES_SHEET = "Ghi chú đơn vị"
PROVENANCE_SHEET = "Nguồn số liệu"


class Formats:
    """Cell formats of TONG_HOP.xlsx. Figures take the locale-proof formats of `numformat`: a figure
    whose value is known when the file is written prints exactly as in the appendix (1.768, 99,99) on
    any machine; a cell typed later (an adjustment) takes the format of its kind."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self.base = {"font_name": "Times New Roman", "font_size": 11, "valign": "vcenter"}
        self._cache: dict[tuple, object] = {}
        self._figures: dict[tuple, object] = {}  # (style, value, kind) → format: 190 units × 150 rows
        self._unit_cells: dict[str, dict[float, tuple]] = {}  # kind → non-zero number → a unit's figure cell
        f = self.make

        self.title = f(bold=True, font_size=13)
        self.subtitle = f(italic=True)
        self.note = f(italic=True, text_wrap=True, valign="top")
        self.header = f(bold=True, border=1, align="center", text_wrap=True, bg_color="#D9E1F2")
        self.text = f(border=1, text_wrap=True)
        self.heading = f(border=1, text_wrap=True, bold=True)
        self.center = f(border=1, align="center")
        self.center_wrap = f(border=1, align="center", text_wrap=True)
        self.num = f(border=1, num_format=WHOLE_FORMAT)
        self.pct = f(border=1, num_format=PERCENT_FORMAT)
        self.final = f(border=1, bold=True, bg_color="#E2EFDA")
        self.adj = f(border=1, locked=False, bg_color="#FFF2CC")
        self.adj_text = f(border=1, locked=False, bg_color="#FFF2CC", text_wrap=True)
        self.cell = f(border=1)
        self.plain = f()
        self.date = f(border=1, align="center", num_format='dd"/"mm"/"yyyy')
        self.datetime = f(border=1, align="center", num_format='dd"/"mm"/"yyyy hh":"mm')

    def make(self, **kw):
        key = tuple(sorted(kw.items()))
        fmt = self._cache.get(key)
        if fmt is None:
            fmt = self._cache[key] = self.wb.add_format({**self.base, **kw})
        return fmt

    _STYLES = {
        "num": {"border": 1},
        "final": {"border": 1, "bold": True, "bg_color": "#E2EFDA"},
        "adj": {"border": 1, "locked": False, "bg_color": "#FFF2CC"},
    }

    def figure(self, style: str, value, kind: str):
        """The format of a figure of `kind` holding `value` (None: typed later, or not known)."""
        n = number(value) if value is not None and value != "" else None
        key = (style, n, kind)
        fmt = self._figures.get(key)
        if fmt is not None:
            return fmt
        if n is not None:
            numfmt = number_format(float(n), 2 if kind == "percent" else None)
        else:
            numfmt = input_format(kind) if kind != "text" else "General"
        fmt = self._figures[key] = self.make(**self._STYLES[style], num_format=numfmt)
        return fmt


    def unit_cells(self, kind: str) -> dict[float, tuple]:
        """The `RowWriter` cells `(v, figure("num", v, kind))` already made for a unit figure `v` of `kind`,
        by value, for the form sheets' unit columns (190 units × 150 rows: a method call, a tuple and
        `number()` per cell were most of the sheet's cost). Only non-zero ints and floats are kept: two
        such values that are equal keys are the same number (an int equals a float only when the float is
        exactly that integer), so both make the same cell, `float(v)` and the format of `number(v)`, which
        is `float(v)` too; 0, 0.0 and -0.0 are equal keys that print differently, and a bool is neither."""
        return self._unit_cells.setdefault(kind, {})

    def unit_cell(self, value, kind: str) -> tuple:
        """A unit's own figure as a `RowWriter` cell (the slow path of `unit_cells`)."""
        return value if value is None or isinstance(value, str) else float(value), self.figure("num", value, kind)


#: A defined name `Workbook.define_name` accepts as it is, checked by one expression: no "!" (a workbook-level
#: name), only ASCII letters, digits and "_" (none of `_has_invalid_name_chars`'s), a letter first, and a
#: "_" in it, which neither a cell-like name (`^[a-zA-Z][a-zA-Z]?[a-dA-D]?\d+$`) nor an R1C1-like one has;
#: its length (≤ 255 UTF-16 units, one per ASCII character) is checked beside it.
_PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]*")


def define_name(wb, name: str, formula: str) -> None:
    """`wb.define_name(name, formula)`, whose six regular-expression checks per name were ~7 ms a TONG_HOP
    (5 names an indicator); a name `_PLAIN_NAME` vouches for is stored as `define_name` stores it (a
    workbook-level name, the formula without its leading "="), any other goes through `define_name`."""
    if _XLSXWRITER_3 and len(name) <= 255 and _PLAIN_NAME.fullmatch(name):
        wb.defined_names.append([name, -1, formula.lstrip("="), False])
    else:
        wb.define_name(name, formula)


def write_value(ws, row: int, col: int, value: Value, fmt) -> None:
    """Numbers as numbers, text as text: never a formula or a hyperlink from a unit's text."""
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        ws.write_string(row, col, value, fmt)
    else:
        ws.write_number(row, col, float(value), fmt)


def cached(value: Value):
    if value is None:
        return ""
    n = number(value)
    return n if n is not None else str(value)


def row_pt(*cells: tuple[str, float], bold: bool = False) -> float:
    """The height (pt) of a row of wrapped cells (text, column width in characters), measured with the
    Times New Roman metrics of `printing` (11 pt here): in constant-memory mode a row is final once written,
    and no spreadsheet sizes a generated row itself."""
    n = 1  # `lines` of a non-empty text is at least 1, and `height` counts at least one line
    for t, w in cells:
        if t:
            k = _cell_lines(t if type(t) is str else str(t), w, bold)
            if k > n:
                n = k
    return height(n, 11)


def cell_lines(text, width: float) -> int:
    """The lines one cell of `row_pt` needs (0 for an empty one), for a sheet that works out the lines of
    cells repeated on many rows once: `lines_pt(max(...))` is then `row_pt` of the row."""
    return _cell_lines(text if type(text) is str else str(text), width, False) if text else 0


def cell_lines_once(text, width: float) -> int:
    """`cell_lines` of a text met on one row only (a unit's product for one task, on the plan sheet's ~3,300
    rows): measured without being kept, as the cache would hold ~1.2 KiB a unit until TONG_HOP is closed."""
    return _cell_lines.__wrapped__(text if type(text) is str else str(text), width, False) if text else 0


def lines_pt(n: int) -> float:
    """`row_pt` of a row whose tallest cell takes `n` lines (`cell_lines`; `height` counts at least one)."""
    return height(n, 11)


@functools.lru_cache(maxsize=65536)
def _cell_lines(text: str, width: float, bold: bool) -> int:
    """`lines` of a cell `width` characters wide at 11 pt, asked once per text and width: a sheet of
    3,000 rows repeats its unit names and task paragraphs on row after row. Emptied after each workbook
    (`forget_measures`): the texts are the units' (file names, details), and the merge's parent keeps
    nothing per file once TONG_HOP is written (issue 17)."""
    return lines(text, width * 7 + 5, 11, bold=bold, keep=False)  # kept here, and only for one workbook


def forget_measures() -> None:
    _cell_lines.cache_clear()


def write_table(ws, fm: Formats, start_row: int, headers: list[str], widths: list[int], *, hidden=()) -> int:
    """Header row of a sheet's table: frozen, repeated on every printed page; `hidden` columns (ids kept for
    support, such as rule ids) are not shown or printed."""
    ws.set_row(start_row, row_pt(*zip(headers, widths), bold=True))
    for c, (h, w) in enumerate(zip(headers, widths)):
        ws.write_string(start_row, c, h, fm.header)
        ws.set_column(c, c, w, None, {"hidden": True} if c in hidden else None)
    ws.freeze_panes(start_row + 1, 0)
    print_setup(ws, repeat=(start_row, start_row), last_col=len(headers) - 1 - sum(1 for c in hidden if c == len(headers) - 1))
    return start_row + 1


#: TONG_HOP.xlsx prints as a working document: A4 landscape, 1.5 cm margins, page numbers.
_CM = 1 / 2.54


#: Header of the column that carries each unit's official code (mã đơn vị hành chính).
OFFICIAL_CODE_HEADER = "Mã đơn vị hành chính"


def official_codes(registry) -> dict[str, int]:
    """Unit code → official code, for the units that have one (the 2025+ registries); empty before, so that
    the sheets of the 2021–2024 regimes keep their columns exactly as they were."""
    return {u.code: u.official_code for u in registry.units if u.official_code is not None}


def with_official_column(headers: list[str], widths: list[int], codes: dict[str, int]) -> tuple[list[str], list[int]]:
    """`headers` and `widths` with the official-code column appended when there are official codes."""
    return ([*headers, OFFICIAL_CODE_HEADER], [*widths, 11]) if codes else (headers, widths)


def official_cell(codes: dict[str, int], unit: str | None, fm: Formats) -> tuple:
    """The unit's official code as a number cell, blank for a unit without one (a department), as a
    `RowWriter` cell."""
    if unit is not None and unit in codes:
        return codes[unit], fm.center
    return None, fm.cell


def print_setup(ws, *, repeat: tuple[int, int] | None, last_col: int | None = None, landscape: bool = True,
                 scale: int | None = None) -> None:
    """A4, one page wide (unless `scale` is given: then manual page breaks are honoured), header rows
    repeated on every page, the sheet's name and the page number in the footer."""
    ws.set_paper(9)
    ws.set_landscape() if landscape else ws.set_portrait()
    ws.set_margins(left=1.5 * _CM, right=1.5 * _CM, top=1.5 * _CM, bottom=1.5 * _CM)
    ws.set_footer('&L&"Times New Roman,Italic"&9&A&R&"Times New Roman,Regular"&9Trang &P/&N')
    if repeat is not None:
        ws.repeat_rows(*repeat)
    if scale is not None:
        ws.set_print_scale(scale)
    else:
        ws.fit_to_pages(1, 0)
    ws.xlcchc_print_cols = last_col  # the print area is set when the sheet is complete (`print_areas`)


def print_areas(wb) -> None:
    """Print areas over the written rows only (a whole-column area is not understood by every reader)."""
    for ws in wb.worksheets():
        last_col = getattr(ws, "xlcchc_print_cols", None)
        last_row = max(ws.dim_rowmax or 0, getattr(ws, "xlcchc_print_rows", 0))  # charts below the cells
        if last_col is not None and ws.dim_rowmax is not None:
            ws.print_area(0, 0, last_row, last_col)
