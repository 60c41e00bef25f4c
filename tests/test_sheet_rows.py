"""`RowWriter` writes the same bytes as xlsxwriter's own cell methods (xlcchc.merge.sheet_rows).

Each example builds one constant-memory workbook twice: once cell by cell through xlsxwriter's public
API (what the TONG_HOP sheets did before), once with the same rows given to `RowWriter`, then compares
the two .xlsx files byte for byte. The rows mix every kind of cell the writer takes, texts that
xlsxwriter escapes, preserves, truncates or treats as rich strings, formats first used in the middle of
a row or on the last row of a sheet (their order fixes styles.xml), heights, empty rows, cells written
through the API before and after, and several sheets one after the other.
"""

from __future__ import annotations

import datetime as dt
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlcchc.merge.sheet_rows import Formula, RowWriter

FIXED = dt.datetime(2000, 1, 1)

_TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " lề trái", "lề phải ", "a\nb", "<r>rich</r>", "_x0000_", "x\x01y", "&<>\"'",
                     "\ufffe", "Nội dung nhiệm vụ", "—", "x" * 17000, "😀" * 16390]),
)
_NUMBER = st.one_of(st.integers(-10**17, 10**17), st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from([0.1, 1e-300, 99.99, 1768.0]))
_CACHED = st.one_of(st.just(""), st.just(0), _NUMBER, st.sampled_from(["#DIV/0!", "#N/A", "chữ", True, False]))
_FORMULA = st.builds(Formula, st.sampled_from(["=SUM(A1:B1)", "=IF(A1=\"\",\"\",A1)", "A1&\"<x>\"",
                                               "=XLOOKUP(1,A:A,B:B)", "{=SUM(A1:A2)}", "=_xlfn.STDEV.S(A1)",
                                               "=ISOWEEKNUM(A1)", "=ASINGLE(A1)", "=SINGLE(A1)", "=A1}",
                                               "=SUM(A1,B1)+1", "=FILTERX(A1)"]), _CACHED)
_DATE = st.one_of(st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
                  st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)))
_VALUE = st.one_of(st.none(), _TEXT, _NUMBER, _FORMULA, _DATE)
#: Format keys: several keys share the same properties (duplicates), one is "no format".
_FORMATS = [None, {"bold": True}, {"border": 1}, {"border": 1, "num_format": "0.00"}, {"bold": True},
            {"italic": True, "text_wrap": True}, {"border": 1, "bg_color": "#FFF2CC", "locked": False}]
_CELL = st.one_of(st.none(), st.tuples(_VALUE, st.integers(0, len(_FORMATS) - 1)))
_ROW = st.tuples(st.integers(0, 3),  # gap before the row
                 st.integers(0, 4),  # first column
                 st.lists(_CELL, max_size=7),
                 st.one_of(st.none(), st.floats(0, 200)))  # height
#: rows; an API row before them; an API cell in the first row before the writer takes it; API cells after;
#: a column with a format (column B) and a row with a format (the second row), which a cell without a
#: format of its own takes
_SHEET = st.tuples(st.lists(_ROW, max_size=6), st.booleans(),
                   st.sampled_from([None, "text", "number", "blank", "date", "formula", "merge"]),
                   st.booleans(), st.booleans(), st.booleans())


def _api_cell(ws, r, c, value, fmt):
    """The reference: one xlsxwriter call per cell, chosen by the value's type."""
    if isinstance(value, Formula):
        return ws.write_formula(r, c, value.formula, fmt, value.value)
    by_type = [(type(None), ws.write_blank), (str, ws.write_string), ((dt.date, dt.time), ws.write_datetime),
               ((int, float), ws.write_number)]
    return next(m for t, m in by_type if isinstance(value, t))(r, c, value, fmt)


def _api_first(ws, r, kind, fmt) -> None:
    """Cells the API writes in a row before the writer takes it (they join the writer's row, which wins a
    column both write; a formula makes the row go through the API)."""
    if kind == "merge":
        ws.merge_range(r, 7, r, 9, "ô gộp", fmt(6))
    elif kind == "number":
        ws.write_number(r, 9, 12.5, fmt(3))
        ws.write_number(r, 8, 3, None)
    elif kind == "blank":
        ws.write_blank(r, 9, None, fmt(6))
    elif kind == "date":
        ws.write_datetime(r, 9, dt.datetime(2026, 1, 2, 3, 4), fmt(3))
    elif kind == "formula":
        ws.write_formula(r, 9, "=A1", fmt(2), 1)
    ws.write_string(r, 10, "ô ghi trước", fmt(2))


def _book(path, sheets, fast: bool) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
    wb.set_properties({"created": FIXED})
    formats: dict[int, object] = {}

    def fmt(i):  # formats are created when first needed, as Formats.figure does
        if _FORMATS[i] is None:
            return None
        if i not in formats:
            formats[i] = wb.add_format(_FORMATS[i])
        return formats[i]

    for n, (rows, header, shared, footer, col_format, row_format) in enumerate(sheets):
        ws = wb.add_worksheet(f"S{n}")
        if col_format:
            ws.set_column(1, 1, 12, fmt(5))
        r = 0
        if header:  # a row through the API that the first written row flushes
            ws.write_string(0, 0, "tiêu đề", fmt(1))
            r = 1
        writer = RowWriter(ws) if fast else None
        for i, (gap, first, cells, height) in enumerate(rows):
            r += gap
            if shared and i == 0:
                _api_first(ws, r, shared, fmt)
            if row_format and i == 1:
                ws.set_row(r, height, fmt(6))
                height = None
            if fast:
                writer.row(r, [None if c is None else (c[0], fmt(c[1])) for c in cells], first, height)
            else:
                if height is not None:
                    ws.set_row(r, height)
                for c, cell in enumerate(cells, start=first):
                    if cell is not None:
                        _api_cell(ws, r, c, cell[0], fmt(cell[1]))
            r += 1
        if fast:
            writer.done()
        if footer:  # API cells after the writer's rows
            ws.write_number(r + 1, 2, 7, fmt(2))
            ws.set_row(r + 2, 30)
    wb.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_SHEET, min_size=1, max_size=3))
def test_rows_give_the_same_bytes_as_the_api(tmp_path_factory, sheets):
    d = tmp_path_factory.mktemp("rows")
    _book(d / "api.xlsx", sheets, fast=False)
    _book(d / "rows.xlsx", sheets, fast=True)
    assert (d / "rows.xlsx").read_bytes() == (d / "api.xlsx").read_bytes()


def test_the_writer_writes_rows_itself(tmp_path):
    """The fast path is taken (not only the API fallback): a row's cells never reach xlsxwriter's table."""
    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"), {"constant_memory": True})
    ws = wb.add_worksheet()
    f = wb.add_format({"border": 1})
    w = RowWriter(ws)
    w.row(0, [("a", f), (1.5, f), (None, f), (Formula("=B1*2", 3.0), f)])
    w.row(1, [("b", f)])
    assert not ws.table  # row 0 went straight to the file
    w.done()
    assert ws.table[1][0].string == "b"  # the last row waits in xlsxwriter's table, as with the API
    wb.close()


def test_a_printable_text_needs_no_control_character_escape():
    """RowWriter skips xlsxwriter's control-character escape for a printable text without "_x": every
    character that is printable leaves a text unchanged through that escape."""
    from xlsxwriter.xmlwriter import XMLwriter

    escape = XMLwriter._escape_control_characters
    changed = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000 and (f"a{chr(c)}b").isprintable()
               and escape(f"a{chr(c)}b") != f"a{chr(c)}b"]
    assert changed == []
    assert escape("a\x01b") != "a\x01b" and not "a\x01b".isprintable()  # what the test is about exists


def test_without_constant_memory_the_writer_is_the_api(tmp_path):
    """A workbook that keeps its cells (not constant-memory) gets every cell through the API at once."""
    books = []
    for fast in (False, True):
        path = tmp_path / f"{fast}.xlsx"
        wb = xlsxwriter.Workbook(str(path))
        wb.set_properties({"created": FIXED})
        ws = wb.add_worksheet()
        f = wb.add_format({"border": 1})
        if fast:
            w = RowWriter(ws)
            w.row(0, [("a", f), (2.0, f)], height=30)
            w.row(2, [(Formula("=B1", 2.0), f)])
            w.done()
        else:
            ws.set_row(0, 30)
            ws.write_string(0, 0, "a", f)
            ws.write_number(0, 1, 2.0, f)
            ws.write_formula(2, 0, "=B1", f, 2.0)
        wb.close()
        books.append(path.read_bytes())
    assert books[0] == books[1]


def test_a_written_row_forgets_its_height_and_a_drawing_over_it_is_refused(tmp_path):
    """Rows the writer put in the file keep no `row_info` / `row_sizes` entry (the merge's parent memory:
    two rows per file), the last row (still in xlsxwriter's table) keeps its own; a chart on that sheet,
    which would be placed from those heights, is refused before the close, one on another sheet is not."""
    import pytest

    from xlcchc.merge.sheet_rows import check_drawings

    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"), {"constant_memory": True})
    ws, other = wb.add_worksheet("rows"), wb.add_worksheet("chart")
    f = wb.add_format({"border": 1})
    w = RowWriter(ws)
    for r in range(5):
        w.row(r, [(f"dòng {r}", f)], height=30)
    w.done()
    assert set(ws.row_info) == set(ws.row_sizes) == {4}
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "=rows!$A$1:$A$2"})
    other.insert_chart(0, 0, chart)
    check_drawings(wb)  # a chart on a sheet the writer did not write
    ws.write_comment(4, 0, "ghi chú")  # a comment's box is placed from the heights too
    with pytest.raises(RuntimeError, match="rows"):
        check_drawings(wb)
    ws.comments.clear()
    wb.close()


def test_whitespace_to_preserve_is_told_by_the_ends_of_a_text():
    """`_preserved` says what xlsxwriter's `_preserve_whitespace` says: every code point alone, at the start,
    at the end and before a final newline of a text, and texts of every kind."""
    from xlsxwriter.utility import _preserve_whitespace

    from xlcchc.merge.sheet_rows import _preserved

    texts = [""]
    for c in range(0x110000):
        if not 0xD800 <= c < 0xE000:
            ch = chr(c)
            texts += [ch, f"{ch}ab", f"ab{ch}", f"ab{ch}\n", f"a{ch}b"]
    differ = [t for t in texts if _preserved(t) != bool(_preserve_whitespace(t))]
    assert differ == []
    assert any(_preserved(t) for t in texts) and not all(_preserved(t) for t in texts)


@given(_TEXT)
def test_whitespace_to_preserve_of_random_texts(text):
    from xlsxwriter.utility import _preserve_whitespace

    from xlcchc.merge.sheet_rows import _preserved

    assert _preserved(text) == bool(_preserve_whitespace(text))


def test_a_sheet_that_keeps_its_heights_places_a_chart_as_the_api(tmp_path):
    """`keep_heights` (the dashboard): tall rows written by the writer, then a chart below them, placed by
    their heights at the close: the same file as the API's, and `check_drawings` lets it through."""
    from xlcchc.merge.sheet_rows import check_drawings

    books = []
    for fast in (False, True):
        path = tmp_path / f"{fast}.xlsx"
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        wb.set_properties({"created": FIXED})
        ws = wb.add_worksheet("Tổng quan")
        f = wb.add_format({"border": 1, "text_wrap": True})
        rows = [(r, [(f"chỉ tiêu {r}", f), (float(r), f)], 15 + 10 * r) for r in range(6)]
        if fast:
            w = RowWriter(ws, keep_heights=True)
            for r, cells, h in rows:
                w.row(r, cells, height=h)
            w.done()
        else:
            for r, cells, h in rows:
                ws.set_row(r, h)
                ws.write_string(r, 0, cells[0][0], f)
                ws.write_number(r, 1, cells[1][0], f)
        chart = wb.add_chart({"type": "column"})
        chart.add_series({"values": "='Tổng quan'!$B$1:$B$6"})
        ws.insert_chart(3, 3, chart, {"y_offset": 50})
        check_drawings(wb)
        wb.close()
        books.append(path.read_bytes())
    assert books[0] == books[1]
