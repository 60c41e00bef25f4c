"""Whole rows of a constant-memory xlsxwriter worksheet written as one piece of XML text.

Why: TONG_HOP.xlsx has tens of thousands of cells (the plan sheet of the 2026 Thanh Hóa plan alone: 3,300
rows × 14 cells). Through xlsxwriter's public API every cell is a decorated method call, a dimension
check, a tuple in the row table, and when the row is flushed, a list of attributes, two or three regular
expressions and a formatted write to the temporary file: about 20 µs a cell, most of the writing time.

`RowWriter.row()` takes a row's cells at once and writes the same `<c>` elements xlsxwriter's
`Worksheet._write_cell` writes, joined into one string; the escaping of a text (the same repeated
paragraph on many rows) is done once per distinct text. The bytes cannot change, because:

- the XML of each cell is built from xlsxwriter's own pieces: its control-character escape, its data
  escape, its whitespace test, its formula preparation, its date conversion, and the same f-string layouts
  as `XMLwriter._xml_inline_string` / `_xml_number_element` / `_xml_formula_element` / `_xml_empty_tag`
  (the `r` and `s` attributes are a cell reference and an integer, which `_escape_attributes` leaves as
  they are); the `<row>` tag is xlsxwriter's own `_write_row`;
- cells are written in column order, as `_write_single_row` does;
- a format's index (`_get_xf_index`, assigned on first use, which fixes the order of the styles in
  styles.xml) is asked for at the same moment as in xlsxwriter: a row is written out when the next row is
  started, never earlier, and the last row is handed to xlsxwriter's own API by `done()`, so that it waits
  in xlsxwriter's table until the next flush or the workbook's close, exactly as before;
- the worksheet's state that the rest of the file is made from (dimensions, row heights, `previous_row`,
  the row table) ends up as the public API leaves it, but for the height of a row this module wrote
  itself, which is forgotten once the row is in the file: nothing reads it again unless something is
  drawn over the sheet, which `check_drawings` refuses before the workbook is closed;
- whatever this module does not reproduce goes through the public API instead, for the whole row:
  a cell without a format in a row or column that has one, a text xlsxwriter would truncate or treat as
  a rich string, NaN or infinity, a dynamic-array or array formula, a row with a comment or with cells
  other than texts, numbers, dates and blanks already in xlsxwriter's table (those join the row: a merged
  range, say), a workbook not in constant-memory mode, or an xlsxwriter other than 3.x.

`tests/test_sheet_rows.py` writes random rows both ways and compares the files byte for byte.
"""

from __future__ import annotations

import datetime as _dt
import io
import math

import xlsxwriter
from xlsxwriter.utility import _utf16_len, xl_col_to_name

try:  # the private pieces reused below; any other xlsxwriter goes through the public API only
    from xlsxwriter.worksheet import RowInfo as _RowInfo
    from xlsxwriter.worksheet import re_dynamic_function as _DYNAMIC

    _SUPPORTED = xlsxwriter.__version__.split(".")[0] == "3"
except ImportError:  # pragma: no cover - an xlsxwriter that keeps rows another way (before 3.1.x)
    _RowInfo = _DYNAMIC = None
    _SUPPORTED = False

#: Texts longer than this are not kept once written (TONG_HOP's metadata: 30,000-character chunks of JSON).
_KEPT_TEXT = 8192
_DATES = (_dt.date, _dt.time, _dt.timedelta)  # what write_datetime takes (a datetime is a date)
_ERRORS = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"))


def _writes(cell) -> bool:
    """Whether xlsxwriter writes a cell for this: anything but nothing or a blank without a format."""
    return cell is not None and (cell[0] is not None or cell[1] is not None)


class Formula:
    """A formula cell: the formula as given to `write_formula` and its cached value."""

    __slots__ = ("formula", "value")

    def __init__(self, formula: str, value=0):
        self.formula, self.value = formula, value


def cell_value(value):
    """A value as `sheet_style.write_value` writes it: None blank, text as text, anything else a float."""
    return value if value is None or isinstance(value, str) else float(value)


class RowWriter:
    """Rows of one worksheet, written in increasing row order; call `done()` after the last row.

    A cell is `(value, format)`: None is a blank cell with that format, a str a text, an int or float a
    number, a date or time (datetime, date, time, timedelta) a date cell, a `Formula` a formula with its
    cached value. `row()` takes them for consecutive columns from `first_col`; a None in place of a cell
    leaves that column empty; a list of cells is kept as given (not copied) until the next row is
    given. A row's height is forgotten once the row is in the file, unless `keep_heights` (a sheet that
    gets charts: they are placed by the heights of the rows above them). While a RowWriter is in use
    nothing else writes to its worksheet or (until `done()`) to another one: the API may have written
    earlier rows, or cells of the first row.
    """

    def __init__(self, ws, *, keep_heights: bool = False):
        self.ws = ws
        self.keep_heights = keep_heights  # a sheet with charts over its cells keeps its rows' heights
        self.fast = _SUPPORTED and bool(getattr(ws, "constant_memory", False))
        self._pending: tuple[int, int, list] | None = None
        self._text: dict[str, str | bool] = {}  # text → its XML after the `s` attribute (False: not ours)
        self._style: dict[object, str] = {}  # format (hashed by identity) → ' s="N"'
        self._number: dict[float, str] = {}  # a non-zero number → its XML after the `s` attribute
        self._cols: list[str] = []  # column letters by index

    def row(self, r: int, cells, first_col: int = 0, height: float | None = None) -> None:
        ws = self.ws
        if not self.fast:  # another xlsxwriter, or not in constant-memory mode: its API, as before
            if height is not None:
                ws.set_row(r, height)
            self._api(r, first_col, cells)
            return
        if self._pending is not None and r <= self._pending[0]:
            raise ValueError(f"RowWriter: row {r} after row {self._pending[0]}")  # a bug in the caller
        if height is not None:  # before the row's cells, as the sheets always did
            self._set_height(r, height)
        if type(cells) is not list:  # a list is kept as given until the next row
            cells = list(cells)
        lo, hi = 0, len(cells) - 1  # the first and the last cell xlsxwriter would write
        while lo <= hi and not _writes(cells[lo]):
            lo += 1
        if lo > hi:  # no cell: xlsxwriter flushes nothing either (a height alone stays in row_info)
            return
        while not _writes(cells[hi]):
            hi -= 1
        # The dimensions grow when a cell is written, before the previous row is flushed. Only the first
        # and the last column can move them; a row outside the sheet is checked cell by cell (and later
        # written through the API, which refuses those cells).
        lo, hi = first_col + lo, first_col + hi
        if 0 <= r < ws.xls_rowmax and 0 <= lo and hi < ws.xls_colmax:
            ws._check_dimensions(r, lo)
            ws._check_dimensions(r, hi)
        else:
            for c, cell in enumerate(cells, start=first_col):
                if _writes(cell):
                    ws._check_dimensions(r, c)
        if self._pending is not None:
            self._flush(*self._pending, next_row=r)
        self._pending = (r, first_col, cells)

    def done(self) -> None:
        """The last row through xlsxwriter's API: it stays in xlsxwriter's table until the next flush."""
        if self._pending is not None:
            self._flush(*self._pending, next_row=None)
            self._pending = None

    def _flush(self, r: int, first_col: int, cells: list, next_row: int | None) -> None:
        ws = self.ws
        if r > ws.previous_row:
            ws._write_single_row(r)  # what xlsxwriter holds (an earlier row) goes out first, as before
        xml = None
        start, row, held = first_col, cells, ws.table.get(r)
        if held and next_row is not None:  # cells the API wrote in this row (a merged range, say) join it
            joined = _joined(held, first_col, cells)
            if joined is not None:
                (start, row), held = joined, None
        if (next_row is not None and not held and r not in ws.comments
                and 0 <= r < ws.xls_rowmax and 0 <= start and start + len(row) <= ws.xls_colmax):
            # The row tag first: `_write_row` asks a row format's index before the cells' (styles.xml order).
            tag = self._row_tag(r)
            xml = self._xml(r, start, row)
        if xml is None:  # the row's own cells through the API, beside what it holds already
            self._api(r, first_col, cells)
            return
        ws.fh.write(tag + xml + "</row>")
        ws.table.pop(r, None)  # what it held of the row is written (xlsxwriter clears its table on a flush)
        ws.previous_row = next_row  # as xlsxwriter leaves it once the next row's first cell is written
        if not self.keep_heights:  # the row is final: its height is not looked at again (`check_drawings`)
            ws.row_info.pop(r, None)  # ~0.27 KiB a row with row_sizes'
            ws.row_sizes.pop(r, None)
            ws.xlcchc_forgot_sizes = True

    def _set_height(self, r: int, height: float) -> None:
        """`set_row(r, height)`: what `set_row_pixels` stores for a height alone (no format, no options)."""
        ws = self.ws
        px = int(height * 4.0 / 3.0 + 0.5)
        if px == 0 or ws._check_dimensions(r, ws.dim_colmin if ws.dim_colmin is not None else 0):
            ws.set_row(r, height)  # a hidden row, a row outside the sheet, or another xlsxwriter
            return
        ws.row_info[r] = _RowInfo(height=px, row_format=None, hidden=False, level=0, collapsed=False)
        ws.row_sizes[r] = [px, False]

    def _row_tag(self, r: int) -> str:
        """The `<row>` start tag `_write_row` writes; itself for what this module does not set."""
        ws = self.ws
        info = ws.row_info.get(r)
        if (info is not None and (info.row_format is not None or info.hidden or info.level or info.collapsed)) \
                or ws.excel_version != 2007:
            buf, ws.fh = ws.fh, io.StringIO()
            try:
                ws._write_row(r, None, info)
                return ws.fh.getvalue()
            finally:
                ws.fh = buf
        height = ws.default_row_height if info is None or info.height is None else info.height
        if height != ws.original_row_height or height != ws.default_row_height:
            return f'<row r="{r + 1}" ht="{height * 0.75:.16g}" customHeight="1">'
        return f'<row r="{r + 1}">'

    def _api(self, r: int, first_col: int, cells: list) -> None:
        ws = self.ws
        for c, cell in enumerate(cells, start=first_col):
            if cell is None:
                continue
            value, fmt = cell
            if value is None:
                ws.write_blank(r, c, None, fmt)
            elif isinstance(value, str):
                ws.write_string(r, c, value, fmt)
            elif isinstance(value, Formula):
                ws.write_formula(r, c, value.formula, fmt, value.value)
            elif isinstance(value, _DATES):
                ws.write_datetime(r, c, value, fmt)
            else:
                ws.write_number(r, c, value, fmt)

    def _xml(self, r: int, first_col: int, cells: list) -> str | None:
        """The row's `<c>` elements as `_write_cell` writes them, or None when one is not reproduced here.

        The innermost loop of the writing: names bound locally, the text of a cell after its reference
        kept per distinct text, a format's ` s="N"` per format."""
        out: list[str] = []
        append, row, texts, styles, numbers = out.append, str(r + 1), self._text, self._style, self._number
        cols = self._cols
        while len(cols) < first_col + len(cells):
            cols.append(xl_col_to_name(len(cols)))
        c = first_col - 1
        for cell in cells:
            c += 1
            if cell is None:
                continue
            value, fmt = cell
            if fmt is None:
                if value is None:  # xlsxwriter writes no blank cell without a format
                    continue
                style = self._unformatted(r, c)
                if style is None:
                    return None  # the row's or the column's format would apply
            else:
                style = styles.get(fmt)
                if style is None:  # the first ask may assign the index; later asks return the same number
                    style = styles[fmt] = f' s="{fmt._get_xf_index()}"'
            kind = type(value)
            if kind is str:
                body = texts.get(value)
                if body is None:
                    body = self._string(value)
                    if len(value) <= _KEPT_TEXT:
                        texts[value] = body
                if body is False:
                    return None
            elif value is None:
                body = "/>"
            elif kind is float or kind is int:
                # per value (equal numbers print alike: an int as the float it equals), but a zero: 0.0 and
                # -0.0 are one key and print "0" and "-0"
                body = numbers.get(value) if value else None
                if body is None:
                    if kind is float and not math.isfinite(value):
                        return None
                    body = f"><v>{value:.16G}</v></c>"
                    if value:
                        numbers[value] = body
            elif kind is Formula:
                body = self._formula(value)
                if body is None:
                    return None
            elif isinstance(value, _DATES):
                body = f"><v>{self.ws._convert_date_time(value):.16G}</v></c>"
            else:  # a bool, a Decimal, a str subclass …: through the API
                return None
            append(f'<c r="{cols[c]}{row}"{style}{body}')
        return "".join(out)

    def _unformatted(self, r: int, c: int) -> str | None:
        """The `s` attribute `_write_cell` gives a cell without a format: none when neither its row nor its
        column has a format; None (not reproduced here) when one has."""
        ws = self.ws
        info = ws.row_info.get(r)
        if info is not None and info.row_format is not None:
            return None
        col = ws.col_info.get(c)
        if col is not None and col.column_format is not None:
            return None
        return ""

    def _string(self, text: str) -> str | bool:
        """What follows a text cell's `s` attribute (`_xml_inline_string`), or False: truncated or rich."""
        ws = self.ws
        if len(text) > ws.xls_strmax // 2 and _utf16_len(text) > ws.xls_strmax:
            return False
        # `_escape_control_characters` changes only `_xHHHH_` runs, C0 controls but tab and newline, and
        # U+FFFE/U+FFFF: none is in a printable text (where only the ASCII space is a separator) without "_x".
        if "_x" in text or not text.isprintable():
            text = ws._escape_control_characters(text)
        if text.startswith("<r>") and text.endswith("</r>"):
            return False
        preserve = ' xml:space="preserve"' if _preserved(text) else ""
        return f' t="inlineStr"><is><t{preserve}>{ws._escape_data(text)}</t></is></c>'

    def _formula(self, cell: Formula) -> str | None:
        """What follows a formula cell's `s` attribute (`_write_formula`, `_xml_formula_element`)."""
        ws, formula, value = self.ws, cell.formula, cell.value
        if not formula or _DYNAMIC.search(formula) or (formula.startswith("{") and formula.endswith("}")):
            return None
        formula = ws._escape_data(_prepared(ws, formula))
        kind = ""
        if isinstance(value, bool):
            kind, value = ' t="b"', int(value)
        elif isinstance(value, str) and value != "":
            kind = ' t="e"' if value in _ERRORS else ' t="str"'
        return f"{kind}><f>{formula}</f><v>{ws._escape_data(value)}</v></c>"


def _joined(held: dict, first_col: int, cells: list) -> tuple[int, list] | None:
    """The row's cells with those xlsxwriter holds for it (`table[r]`: column → cell tuple) in their columns,
    the writer's own cell winning a column both have (it was written last); None when a held cell is not
    a text, a number, a date or a blank (a formula, a rich string …: the row then goes through the API).

    The held cells were checked by the API when written (dimensions, truncation): a text is the text
    `_write_cell` writes, a date its serial number, so the row's XML and the order in which its formats
    are first asked (column order, as `_write_single_row`) are the same as xlsxwriter's."""
    lo = min(first_col, min(held))
    hi = max(first_col + len(cells), max(held) + 1)
    out: list = [None] * (hi - lo)
    for c, cell in held.items():
        kind = type(cell).__name__
        if kind == "String":
            out[c - lo] = (cell.string, cell.format)
        elif kind in ("Number", "Datetime"):  # `_write_cell` writes both as the number
            out[c - lo] = (cell.number, cell.format)
        elif kind == "Blank":
            out[c - lo] = (None, cell.format)
        else:
            return None
    for i, cell in enumerate(cells):
        if _writes(cell):  # a blank without a format writes nothing, and leaves a held cell as it is
            out[first_col - lo + i] = cell
    return lo, out


#: Where a worksheet keeps what is drawn over its cells; each is placed at the workbook's close from the
#: heights of the rows above it (`Worksheet._position_object_pixels`, via `row_sizes`).
_DRAWN = ("charts", "images", "shapes", "comments", "buttons_list")


def check_drawings(wb) -> None:
    """Refuse to close a workbook in which a sheet written by a `RowWriter` has something drawn over it.

    Why the writer may forget a written row's `row_info` and `row_sizes` entries (two per row: about
    0.54 KiB a file in the merge's parent, when TONG_HOP lists every file on two sheets): in constant-
    memory mode xlsxwriter reads `row_info[r]` only while row `r` is the one being written
    (`_write_single_row`, `_write_cell`), and `row_sizes` only to place a chart, image, shape, comment or
    button when the workbook is closed. No TONG_HOP sheet written a row at a time has any of those; this
    check (called just before `close()`) makes sure none is ever added, instead of placing it wrongly.
    """
    for ws in wb.worksheets():
        if getattr(ws, "xlcchc_forgot_sizes", False) and any(getattr(ws, name, None) for name in _DRAWN):
            raise RuntimeError(f"RowWriter: sheet {ws.name!r} has a drawing placed over rows it forgot")


def _preserved(text: str) -> bool:
    """`_preserve_whitespace(text)`, xlsxwriter's `^\\s` or `\\s$`, without scanning the text: `\\s` of a str
    pattern is `str.isspace` (sre's Unicode space category, the same table), `^` is the start, and `$` the end
    or just before a final "\\n", which is itself a space. The expression tried every position of a
    30,000-character metadata chunk (0.7 ms). `tests/test_sheet_rows.py` checks every code point."""
    return text[:1].isspace() or text[-1:].isspace()


def _prepared(ws, formula: str) -> str:
    """`ws._prepare_formula(formula)` for a formula `_DYNAMIC` does not match, without its 29 regular
    expressions when none of them can match (a form sheet has ~500 formulas).

    Those expressions turn `NAME(` into `_xlfn.NAME(` for the dynamic-array functions, whose names are
    exactly the ones `_DYNAMIC` looks for (checked against xlsxwriter 3.3's source), except one written
    `\\SINGLE\\(` (any non-space character, then `INGLE(`): a formula with `INGLE(` in it, or a workbook
    that expands future functions, takes xlsxwriter's own code. What is left is its first three steps.
    """
    if ws.use_future_functions or "INGLE(" in formula:
        return ws._prepare_formula(formula)
    if formula.startswith("{"):
        formula = formula[1:]
    if formula.startswith("="):
        formula = formula[1:]
    if formula.endswith("}"):
        formula = formula[:-1]
    return formula
