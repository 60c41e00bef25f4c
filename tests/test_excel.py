"""The Excel layer driven for real without Excel: xlwings Books of the remote (JSON) engine built
from real returned workbooks, the shared back-ends on real files, UDFs as plain functions.

What the JSON engine records is the list of actions Excel would apply (fills, notes, a new sheet,
values, message boxes); the tests assert those. It has no status bar and cannot read fills back, so
progress is observed through a small status-bar recorder and the "original colour" column is empty.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # the remote engine (xlwings PRO, noncommercial use)

import xlwings as xw  # noqa: E402

from xlcchc import layout  # noqa: E402
from xlcchc.annotate import RESULT_HEADER_ROW, annotate_copy  # noqa: E402
from xlcchc.check import check_file  # noqa: E402
from xlcchc.excel import entry, udf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "bao-cao-2022"
NGA_SON = SAMPLES / "BC_CCHC_2022_H-NGA-SON.xlsx"  # planted error: 3.2.2 > 3.2.1 in Biểu mẫu 3


def json_book(path: Path, name: str | None = None) -> xw.Book:
    """A real xlwings Book (remote engine) holding the sheets and values of the workbook at `path`."""
    wb = CalamineWorkbook.from_path(str(path))
    sheets = []
    for sheet_name in wb.sheet_names:
        rows = wb.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        values = [[None if v == "" else v for v in row] for row in rows] or [[None]]
        sheets.append({"name": sheet_name, "values": values, "pictures": [], "tables": [], "charts": [],
                       "shapes": [], "pivot_tables": [], "notes": []})
    data = {
        "client": "Office.js",  # the client whose actions include notes
        "version": xw.__version__,
        "book": {"name": name or path.name, "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": sheets,
    }
    return xw.Book(json=data)


def actions(book, func: str) -> list[dict]:
    return [a for a in book.json()["actions"] if a["func"] == func]


def _rc(cell: str) -> tuple[str, int, int]:
    sheet, addr = layout.split_ref(cell)
    col = openpyxl.utils.column_index_from_string("".join(c for c in addr if c.isalpha()))
    return sheet, int("".join(c for c in addr if c.isdigit())) - 1, col - 1


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def nga_son(tmp_path) -> Path:
    dst = tmp_path / NGA_SON.name
    shutil.copyfile(NGA_SON, dst)
    return dst


# --- Kiểm tra -----------------------------------------------------------------------------------


def test_check_book_marks_cells_and_adds_result_sheet(nga_son):
    before = sha(nga_son)
    book = json_book(nga_son)
    findings = entry.check_book(book, nga_son)
    assert sha(nga_son) == before  # the source file is never modified by the check

    errors = [f for f in findings if f.severity == "Lỗi"]
    assert [f.rule for f in errors] == ["3-le-3.2.2-3.2.1"]
    sheet_index = {s.name: i for i, s in enumerate(book.sheets)}

    colours = {(a["sheet_position"], a["start_row"], a["start_column"]): a["args"][0] for a in actions(book, "setRangeColor")}
    notes = {a["args"][0]: a["args"][1] for a in actions(book, "addNote")}
    for f in findings:
        sheet, row, col = _rc(f.cell)
        want = entry.ERROR_COLOR if f.severity == "Lỗi" else entry.WARNING_COLOR
        assert colours[(sheet_index[sheet], row, col)].lower() == want.lower()
        note = next(text for addr, text in notes.items() if addr.replace("$", "").endswith(f.cell.split("!")[1]))
        assert f"[{f.severity}] {f.message}" in note

    added = actions(book, "addSheet")
    assert [a["args"][1] for a in added] == [layout.RESULT_SHEET]
    table = next(a for a in actions(book, "setValues") if a["sheet_position"] == added[0]["args"][0])
    h = RESULT_HEADER_ROW - 1  # the title block first, as on the template's “Kiểm tra” sheet
    assert table["values"][0][0] == "KẾT QUẢ KIỂM TRA SỐ LIỆU" and table["values"][2][0].startswith("Có 1 lỗi và ")
    assert table["values"][h] == entry.RESULT_HEADERS
    shown = [row[4] for row in table["values"][h + 1:]]  # the address alone, as a link to the cell
    for f, link in zip(sorted(findings, key=lambda f: f.sort_key()), shown):
        sheet, addr = layout.split_ref(f.cell)
        assert link == f'=HYPERLINK("#\'{sheet}\'!{addr}","{addr}")', link
    assert [row[1] for row in table["values"][h + 1:]] == [f.severity for f in sorted(findings, key=lambda f: f.sort_key())]
    assert actions(book, "setColumnHidden")  # the original-colour column

    alert = actions(book, "alert")[-1]["args"]
    assert alert[0].startswith(f"Có 1 lỗi và {len(findings) - 1} cảnh báo.") and alert[1] == "CCHC – Kiểm tra"


def test_result_sheet_looks_like_the_annotated_copy(nga_son, tmp_path):
    """The add-in's result sheet has the annotated copy's columns and look: Times New Roman, thin borders on
    the table, header fill, widths, the message wrapped, rule id and original fill hidden, header frozen."""
    from xlcchc.annotate import FONT, HEADER_FILL

    book = json_book(nga_son)
    findings = entry.check_book(book, nga_son)
    pos = actions(book, "addSheet")[0]["args"][0]
    mine = [a for a in book.json()["actions"] if a.get("sheet_position") == pos]
    n = len(findings) + RESULT_HEADER_ROW
    table = next(a for a in mine if a["func"] == "setValues")["values"]
    marked = openpyxl.load_workbook(annotate_copy(nga_son, findings, tmp_path / "marked.xlsx"))[layout.RESULT_SHEET]
    h = RESULT_HEADER_ROW
    assert table[h - 1][:7] == [c.value for c in marked[h]][:7]  # the same columns as `check --annotate`
    assert [r[2:4] for r in table[h:]] == [[c.value for c in r[2:4]] for r in marked.iter_rows(min_row=h + 1)]
    assert [r[5] for r in table[h:]] == [c.value for c in marked["F"][h:]]  # the same sentences
    assert table[0][0] == marked["A1"].value and table[2][0] == marked["A3"].value  # the same title block

    def props(func):
        return [(a["start_row"], a["start_column"], a["row_count"], a["column_count"], a["args"]) for a in mine
                if a["func"] == func]

    t0, rows = h - 1, n - h + 1  # the table: header row and findings, columns A–F
    assert (0, 0, n, 6, ["name", FONT]) in props("setFontProperty")
    assert (0, 0, n, 6, ["size", 11]) in props("setFontProperty")
    assert (t0, 0, 1, 6, ["bold", True]) in props("setFontProperty")
    assert (0, 0, 1, 1, ["size", 13]) in props("setFontProperty")  # the title
    assert any(a[:4] == (t0, 0, 1, 6) and a[4][0].lower() == "#" + HEADER_FILL.lower() for a in props("setRangeColor"))
    assert [a[:4] for a in props("rangeMerge")] == [(r, 0, 1, 6) for r in range(3)]
    borders = [a for a in props("setBorderProperty") if a[:4] == (t0, 0, rows, 6)]
    sides = {"edge_top", "edge_bottom", "edge_left", "edge_right", "inside_vertical", "inside_horizontal"}
    assert {b[4][0] for b in borders if b[4][1:] == ["line_style", "continuous"]} == sides  # every cell boxed
    assert {b[4][0] for b in borders if b[4][1:] == ["weight", "thin"]} == sides
    widths = {a[1]: a[4] for a in props("setColumnWidth")}
    assert widths[5] > 4 * widths[4]  # the message column is the wide one
    assert (t0, 5, rows, 1, [True]) in props("setWrapText")
    hidden = props("setColumnHidden")
    assert any(a[1] == 6 and a[3] == 2 and a[4] in (True, [True]) for a in hidden), hidden  # G:H
    assert actions(book, "freezePaneAtRange") and actions(book, "setPrintArea")
    # What a person reads there (columns A–F; G and H are hidden) and in the message box: no English, no ids.
    from .test_what_people_see import offending

    shown = "\n".join(str(v) for r in table for v in r[:6] if v not in (None, ""))
    shown += "\n" + "\n".join(a["args"][0] for a in actions(book, "alert"))
    assert "HYPERLINK" in shown and "Có 1 lỗi" in shown and offending(shown.replace("HYPERLINK", "")) == []


def test_second_check_clears_earlier_marks(nga_son, tmp_path):
    """A workbook that already carries a result sheet (here: `check --annotate`'s copy) is cleaned first."""
    findings = check_file(nga_son)
    marked = annotate_copy(nga_son, findings, tmp_path / "marked.xlsx")
    book = json_book(marked)
    entry.show_findings(book, [])
    deleted = actions(book, "sheetDelete")
    assert len(deleted) == 1
    sheet_index = {s.name: i for i, s in enumerate(book.sheets)}
    cleared = {(a["sheet_position"], a["start_row"], a["start_column"]) for a in actions(book, "setRangeColor")
               if a["args"][0] is None}
    for f in findings:
        sheet, row, col = _rc(f.cell)
        assert (sheet_index[sheet], row, col) in cleared
    table = actions(book, "setValues")[-1]["values"]
    assert table[RESULT_HEADER_ROW][5] == "Không phát hiện lỗi." and table[2][0] == "Không phát hiện lỗi."


def test_unusable_file_is_explained(tmp_path):
    bad = tmp_path / "bao-cao.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not a workbook")
    book = json_book(NGA_SON, name="bao-cao.xlsx")  # the book as Excel shows it; the file on disk is broken
    findings = entry.check_book(book, bad)
    assert findings and all(f.rule.startswith("doc.") for f in findings)
    assert actions(book, "alert")[-1]["args"][0].startswith("Không kiểm tra được tệp này:")
    assert not actions(book, "addNote")


@pytest.mark.parametrize("fullname", [r"\\may-chu\bao-cao\Báo cáo Nga Sơn.xlsx", r"Z:\Sở Nội vụ\BC.xlsx",
                                      r"C:\Users\Nguyễn\Tài liệu\BC.xlsx", "/Users/an/Báo cáo/BC.xlsx"])
def test_saved_workbook_on_a_network_path_or_with_diacritics(fullname):
    assert entry.saved_file(fullname) == fullname
    assert entry.saved_file("Book1") is None and entry.saved_file("Sổ làm việc1") is None and entry.saved_file("") is None


def test_unsaved_workbook_asks_to_save_first():
    book = json_book(NGA_SON, name="Book1")
    with pytest.raises(entry.ExcelLayerError, match="chưa được lưu"):
        entry._saved_path(book)


def test_button_turns_exceptions_into_a_vietnamese_sentence(capsys, monkeypatch):
    monkeypatch.delenv("XLCCHC_DEBUG", raising=False)

    @entry.button("CCHC – thử")
    def fails():
        raise FileNotFoundError(2, "No such file", "C:/bao-cao/BC.xlsx")

    assert fails() is None  # no traceback escapes to Excel
    err = capsys.readouterr().err  # no Excel here: the sentence goes to the log
    assert "Lỗi: không tìm thấy tệp hoặc thư mục “C:/bao-cao/BC.xlsx”" in err
    assert "Traceback" not in err


def test_summary_texts():
    assert entry.summary([]) == "Không phát hiện lỗi. Báo cáo có thể gửi đi."
    warnings = [f for f in check_file(NGA_SON) if f.severity == "Cảnh báo"]
    assert "Không có lỗi nên báo cáo có thể gửi" in entry.summary(warnings)


# --- Tổng hợp, Xuất phụ lục, Tạo biểu mẫu ---------------------------------------------------------------


class StatusBar:
    """Excel's Application as far as the merge touches it: a status bar and the open books."""

    def __init__(self):
        self.shown: list[str | bool] = []
        self.books: list = []

    @property
    def status_bar(self):
        return self.shown[-1] if self.shown else False

    @status_bar.setter
    def status_bar(self, value):
        self.shown.append(value)


@pytest.fixture(scope="module")
def provincial(tmp_path_factory) -> tuple[Path, object, StatusBar]:
    out = tmp_path_factory.mktemp("merge") / entry.PROVINCIAL_NAME
    app = StatusBar()
    fig = entry.merge_into(app, SAMPLES, out)
    return out, fig, app


def test_merge_into_reports_progress_and_writes_the_provincial_workbook(provincial):
    out, fig, app = provincial
    assert out.is_file()
    progress = [s for s in app.shown if isinstance(s, str)]
    assert progress and all(s.startswith("CCHC – Tổng hợp: ") for s in progress)
    assert app.shown[-1] is False  # the status bar is handed back to Excel
    text = entry.merge_summary(fig, out)
    assert "Chưa nộp: 1" in text and "Đã nộp" in text


def test_merge_refuses_while_the_provincial_workbook_is_open(provincial, tmp_path):
    out, _fig, _app = provincial
    app = StatusBar()
    app.books = [json_book(out, name=str(out))]
    with pytest.raises(entry.ExcelLayerError, match="đang mở"):
        entry.merge_into(app, SAMPLES, out)


def test_appendix_beside_the_provincial_workbook(provincial, tmp_path):
    out, fig, _app = provincial
    local = tmp_path / entry.PROVINCIAL_NAME
    shutil.copyfile(out, local)
    book = json_book(local)
    written = entry.appendix_for(book, local)
    assert written == tmp_path / entry.APPENDIX_NAME
    wb = openpyxl.load_workbook(written)
    assert wb.sheetnames


def test_make_templates_for_every_unit(tmp_path):
    from xlcchc.catalog.load import DEFAULT_REGIME, load_catalog, registry_of

    made = entry.make_templates(tmp_path, "Năm 2023")
    units = registry_of(load_catalog(DEFAULT_REGIME)).reporting_units()
    assert len(made) == len(units) and all(p.is_file() for p in made)
    assert check_file(made[0]) is not None


# --- UDFs ---------------------------------------------------------------------------------------------


def test_tyle():
    assert udf.CCHC_TYLE(1, 3) == 33.33
    assert udf.CCHC_TYLE(2, 3) == 66.67
    assert udf.CCHC_TYLE(1, 800) == 0.13  # half away from zero like Excel's ROUND (Python's round gives 0.12)
    assert udf.CCHC_TYLE(518549, 518562) == 99.99  # 13 of 518.562 late: never 100 (issue 15)
    assert udf.CCHC_TYLE(None, 3) == "" and udf.CCHC_TYLE(3, "") == ""  # blank like the template's ratio cells
    for args, err in [(("a", 3), "#VALUE!"), ((True, 3), "#VALUE!"), ((1, 0), "#DIV/0!"), ((-1, 3), "#NUM!")]:
        got = udf.CCHC_TYLE(*args)
        assert isinstance(got, udf.XlError) and got == err, args


def test_tyle_of_a_ratio_beyond_a_double_is_the_error_the_template_cell_shows():
    got = udf.CCHC_TYLE(1, 5e-324)  # 1/5e-324 × 100 overflows: LibreOffice shows #NUM! (tests/test_ratio_overflow.py)
    assert isinstance(got, udf.XlError) and got == "#NUM!"
    assert udf.CCHC_TYLE(1, 1e-304) == 1e306  # finite: the same (absurd) figure the template's formula computes


def test_giatri_reads_the_provincial_workbook(provincial):
    out, fig, _app = provincial
    key, value = next((k, v) for k, v in sorted(fig.values.items()) if isinstance(v, (int, float)))
    form, code = key.split(":")
    assert udf.CCHC_GIATRI(fig.unit, float(form), code, str(out)) == value
    unit, values = next(iter(sorted(fig.by_unit.items())))
    ukey, uvalue = next((k, v) for k, v in sorted(values.items()) if isinstance(v, (int, float)))
    uform, ucode = ukey.split(":")
    assert udf.CCHC_GIATRI(unit.lower(), int(uform), ucode, str(out)) == uvalue
    assert udf.CCHC_GIATRI("KHONG-CO", 3, "3.1", str(out)) == "#N/A"
    assert udf.CCHC_GIATRI(unit, 3, "99.99", str(out)) == "#N/A"
    assert udf.CCHC_GIATRI(unit, "ba", "3.1", str(out)) == "#VALUE!"
    assert udf.CCHC_GIATRI(unit, 3, "3.1", str(out.parent / "khong-co.xlsx")) == "#REF!"
    assert udf.CCHC_GIATRI(unit, 3, "3.1", str(NGA_SON)) == "#REF!"  # a unit's return is not a provincial workbook


def test_giatri_cache_follows_the_file(provincial, tmp_path):
    out, _fig, _app = provincial
    local = tmp_path / "TH.xlsx"
    shutil.copyfile(out, local)
    first = udf.provincial_figures(local)
    assert udf.provincial_figures(local) is first
    st = local.stat()
    os.utime(local, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000_000))  # saved again
    assert udf.provincial_figures(local) is not first


def test_soloi_counts_the_calling_workbook_errors(nga_son):
    book = json_book(nga_son, name=str(nga_son))  # Excel's FullName: the absolute path
    caller = book.sheets["Biểu mẫu 3"].range("A1")
    assert udf.CCHC_SOLOI(caller) == 1
    unsaved = json_book(nga_son, name="Book1").sheets[0].range("A1")
    assert udf.CCHC_SOLOI(unsaved) == "#N/A"


def test_udf_registration_metadata():
    tyle = udf.CCHC_TYLE.__xlfunc__
    assert tyle["name"] == "CCHC_TYLE" and [a["name"] for a in tyle["args"]] == ["tu_so", "mau_so"]
    assert tyle["category"] == "CCHC" and not tyle["volatile"]
    giatri = udf.CCHC_GIATRI.__xlfunc__
    assert [(a["name"], "optional" in a) for a in giatri["args"]] == [
        ("ma_don_vi", False), ("bieu_mau", False), ("ma_chi_tieu", False), ("tep_tong_hop", True), ("caller", True)]
    assert udf.CCHC_SOLOI.__xlfunc__["volatile"] is True
