"""`check --annotate`: a copy of a returned workbook with the offending cells marked, never the original.

The unit corrects the copy and sends it back, so the copy must stay a valid, still-protected template
that `read_return` accepts: only cell fills, comments and one extra sheet ("Kết quả kiểm tra") are
added; names, metadata, validation and protection are carried over by openpyxl as loaded. Text typed by
a unit stays text (a note beginning with `=` is never turned into a formula). Output is deterministic:
fixed document dates and zip timestamps, findings in a stable order.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Iterable

from . import layout
from .errors import XlcchcError
from .findings import ERROR, Finding
from .fileio import disk_full_as, private_tmpdir, temp_files_in, write_bytes

__all__ = ["annotate_copy", "annotate_bytes", "AnnotateError"]

ERROR_FILL = "FFC7CE"
WARNING_FILL = "FFEB9C"
AUTHOR = "xlcchc – Kiểm tra"
FIXED_DATE = "2022-01-01T00:00:00Z"
_ZIP_DATE = (2022, 1, 1, 0, 0, 0)


class AnnotateError(XlcchcError):
    pass


def annotate_bytes(src: Path | str, findings: Iterable[Finding]) -> bytes:
    """The annotated copy as bytes (the Excel layer may write it where it likes)."""
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    src = Path(src)
    findings = sorted(findings, key=Finding.sort_key)
    try:
        with open(src, "rb") as fh:  # read-only: the source is never written
            data = fh.read()
        if _is_strict(data):
            raise AnnotateError(STRICT_REFUSED.format(name=src.name))
        wb = load_workbook(io.BytesIO(data), keep_vba=False, keep_links=False, rich_text=False)
    except AnnotateError:
        raise
    except Exception as e:  # noqa: BLE001 - any unreadable file is one Vietnamese sentence
        raise AnnotateError(f"không mở được “{src.name}” để tạo bản đánh dấu ({type(e).__name__})") from None

    _keep_notes_as_text(wb)
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        sr = layout.split_ref(f.cell) if f.cell else None
        if sr and sr[0] in wb.sheetnames:
            by_cell.setdefault(sr, []).append(f)
    for (sheet, addr), fs in sorted(by_cell.items()):
        cell = wb[sheet][addr]
        worst = ERROR if any(f.severity == ERROR for f in fs) else fs[0].severity
        color = ERROR_FILL if worst == ERROR else WARNING_FILL
        cell.fill = PatternFill(fill_type="solid", start_color=color, end_color=color)
        text = "\n".join(f"[{f.severity}] {f.message}" for f in fs)
        c = Comment(text[:30000], AUTHOR)
        c.width, c.height = 420, min(60 + 40 * len(fs), 600)
        cell.comment = c

    if layout.RESULT_SHEET in wb.sheetnames:
        del wb[layout.RESULT_SHEET]
    ws = wb.create_sheet(layout.RESULT_SHEET)
    ret = _source_return(src, data)
    _write_results(ws, wb, findings, ret)
    _mark_as_own(ws, ret)

    wb.properties.creator = wb.properties.creator or "xlcchc"
    out = io.BytesIO()
    with private_tmpdir() as work, temp_files_in(work):  # openpyxl's per-sheet work files hold unit data
        wb.save(out)
    copy = _deterministic(out.getvalue())
    _same_structure(src.name, data, copy)
    return copy


STRICT_REFUSED = (
    "“{name}” được lưu dạng “Strict Open XML”; chương trình không tạo được bản đánh dấu đúng cho dạng này — hãy mở "
    "tệp bằng Excel, lưu lại dạng “Excel Workbook (*.xlsx)” rồi kiểm tra lại (kết quả kiểm tra ở trên vẫn đúng)"
)


def _is_strict(data: bytes) -> bool:
    """Strict OOXML (ISO 29500 strict namespaces), which openpyxl does not write back correctly."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            name = next((n for n in z.namelist() if n.lower() == "xl/workbook.xml"), None)
            head = z.read(name)[:2000] if name else b""
    except Exception:  # noqa: BLE001 - not a zip: openpyxl says so below
        return False
    return b"http://purl.oclc.org/ooxml/spreadsheetml/main" in head


def _same_structure(name: str, src: bytes, copy: bytes) -> None:
    """The copy has the source's sheets and names (plus the result sheet): never "Đã ghi" over a broken copy."""
    from .read import ReturnError, _Book, _Package

    try:
        a, b = _Book(_Package(name, src)), _Book(_Package(name, copy))
        same = all(s in b.sheets for s in a.sheets) and all(
            layout.split_ref(b.names.get(n, "") or "") == layout.split_ref(t) for n, t in a.names.items() if layout.is_layout_name(n)
        )
    except ReturnError:
        same = False
    if not same:
        raise AnnotateError(f"không tạo được bản đánh dấu đúng cho “{name}” (bản sao không giữ được trang hoặc tên ô của "
                            "tệp gốc); hãy lưu lại tệp bằng Excel dạng .xlsx rồi kiểm tra lại")


#: The template's look: Times New Roman, bordered cells, bold centred headers on the forms' header fill.
FONT = "Times New Roman"
HEADER_FILL = "D9E1F2"


def shown_cell(f: Finding) -> str:
    """The cell as the result sheet shows it: the address alone on the finding's own form (the form has its
    column), the sheet and address elsewhere (`'Bìa'!C5`, `'Nhiệm vụ'!E9`)."""
    sr = layout.split_ref(f.cell) if f.cell else None
    if sr is None:
        return f.cell or ""
    if f.form is not None and sr[0] == layout.form_sheet(f.form):
        return sr[1]
    return f"'{sr[0]}'!{sr[1]}"


#: Rows of the result sheet: a title block as on the template's “Kiểm tra” sheet, then the table.
RESULT_HEADER_ROW = 4
RESULT_HEADERS = ["STT", "Mức độ", "Biểu mẫu", "Mục", "Ô", "Nội dung", "Mã quy tắc"]
RESULT_WIDTHS = [6, 11, 10, 9, 9, 80, 22]


def result_message(f: Finding) -> str:
    """The sentence without its leading “Biểu mẫu N, mục X: ” when the form and item have their columns."""
    prefix = f"Biểu mẫu {f.form}, mục {f.code}: " if f.form is not None and f.code else None
    if prefix and f.message.startswith(prefix) and len(f.message) > len(prefix):
        rest = f.message[len(prefix):]
        return rest[0].upper() + rest[1:]
    return f.message


def result_summary(findings: list[Finding]) -> str:
    """The line under the title: how many errors and warnings, and what the marks mean."""
    if not findings:
        return "Không phát hiện lỗi."
    errors = sum(1 for f in findings if f.severity == ERROR)
    return (f"Có {errors} lỗi và {len(findings) - errors} cảnh báo. Ô có lỗi được tô đỏ, ô cần xem lại được tô vàng, "
            "kèm ghi chú; bấm vào địa chỉ ở cột Ô để đến ô đó. Sửa số liệu ở Biểu mẫu, lưu lại rồi kiểm tra lần nữa.")


def result_lines(f: Finding) -> int:
    """Lines the wrapped sentence takes (Times New Roman 11, ~1.2 characters per unit of column width):
    neither openpyxl nor a spreadsheet on opening sizes a wrapped row written by a program."""
    per = int(RESULT_WIDTHS[5] * 1.2)
    return sum(1 + max(len(part) - 1, 0) // per for part in result_message(f).split("\n"))


def _write_results(ws, wb, findings: list[Finding], ret=None) -> None:
    """The “Kết quả kiểm tra” sheet: a title block in the template's style (title, unit and period, what was
    found), then one bordered row per finding, the form and the item in their own columns, the cell as a
    link to it; the rule id (for support) in the last column, hidden."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    body, bold = Font(name=FONT, size=11), Font(name=FONT, size=11, bold=True)
    _write_title(ws, findings, ret)
    head_fill = PatternFill(fill_type="solid", start_color=HEADER_FILL, end_color=HEADER_FILL)
    h0 = RESULT_HEADER_ROW
    for i, (h, w) in enumerate(zip(RESULT_HEADERS, RESULT_WIDTHS), start=1):
        c = ws.cell(row=h0, column=i)
        _text(c, h)
        c.font, c.fill, c.border = bold, head_fill, box
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[c.column_letter].width = w
    ws.column_dimensions["G"].hidden = True
    wrap = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(horizontal="center", vertical="top")
    for n, f in enumerate(findings, start=1):
        r = h0 + n
        ws.cell(row=r, column=1, value=n)
        _text(ws.cell(row=r, column=2), f.severity)
        if f.form is not None:
            ws.cell(row=r, column=3, value=f.form)
        _text(ws.cell(row=r, column=4), f.code or "")
        link = ws.cell(row=r, column=5)
        sr = layout.split_ref(f.cell) if f.cell else None
        _text(link, shown_cell(f))
        _text(ws.cell(row=r, column=6), result_message(f))
        _text(ws.cell(row=r, column=7), f.rule)
        ws.row_dimensions[r].height = 15 * result_lines(f) + 3
        for col in range(1, 8):
            c = ws.cell(row=r, column=col)
            c.font, c.border = body, box
            c.alignment = wrap if col == 6 else centre
        if sr and sr[0] in wb.sheetnames:
            link.hyperlink = f"#'{sr[0]}'!{sr[1]}"
            link.font = Font(name=FONT, size=11, color="0563C1", underline="single")
        fill = ERROR_FILL if f.severity == ERROR else WARNING_FILL
        ws.cell(row=r, column=2).fill = PatternFill(fill_type="solid", start_color=fill, end_color=fill)
    last = h0 + max(len(findings), 1)
    if not findings:
        for col in range(1, 7):
            ws.cell(row=last, column=col).border = box
        _text(ws.cell(row=last, column=6), "Không phát hiện lỗi.")
        ws.cell(row=last, column=6).font = body
    ws.freeze_panes = f"A{h0 + 1}"
    _print_setup(ws, last)


def _write_title(ws, findings: list[Finding], ret) -> None:
    """Rows 1–3 as on the template's “Kiểm tra” sheet: the title, the unit and period, what was found."""
    from openpyxl.styles import Alignment, Font

    who = ""
    if ret is not None:
        from .periods import parse_period

        try:
            who = f"{ret.unit_name or ret.unit} – {parse_period(ret.period).label}"
        except Exception:  # noqa: BLE001 - a period the parser does not know: the unit alone
            who = ret.unit_name or ret.unit
    for r, text, font, height in (
        (1, "KẾT QUẢ KIỂM TRA SỐ LIỆU", Font(name=FONT, size=13, bold=True), 20),
        (2, who, Font(name=FONT, size=11, italic=True), 16),
        (3, result_summary(findings), Font(name=FONT, size=11, italic=True), 33 if findings else 16),
    ):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
        c = ws.cell(row=r, column=1)
        _text(c, text)
        c.font = font
        c.alignment = Alignment(horizontal="center" if r < 3 else "left", vertical="center", wrap_text=True)
        ws.row_dimensions[r].height = height


def _print_setup(ws, last: int) -> None:
    """Printed like the forms: A4, landscape for the long messages, one page wide, header row on each page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{RESULT_HEADER_ROW}:{RESULT_HEADER_ROW}"
    ws.print_area = f"A1:F{last}"
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.font, ws.oddFooter.center.size = f"{FONT},Regular", 9  # the forms' font in print too
    ws.protection.sheet = True  # read-only like the rest of the template; the hyperlinks still work


def _source_return(src: Path, data: bytes):
    """The source as the reader sees it (for the title and the marker), or None if the reader refuses it."""
    from .read import ReturnError
    from .read.interpret import read_return_bytes

    try:
        return read_return_bytes(src, data)
    except ReturnError:
        return None


def _mark_as_own(ws, ret) -> None:
    """The marker that tells the merge this file is the tool's copy of another return (skipped, with a note),
    as long as its figures are those it was written with: the digest of the source's figures, in a hidden
    cell outside the print area. A source the reader refuses gets no marker (the merge refuses the copy too)."""
    from .read.model import content_digest

    if ret is None:
        return
    _text(ws[layout.ANNOTATION_CELL], layout.ANNOTATION_PREFIX + content_digest(ret))
    ws.column_dimensions[layout.ANNOTATION_CELL.rstrip("0123456789")].hidden = True


def _text(cell, value: str) -> None:
    """Write text as text: a string starting with `=` must never become a formula."""
    cell.value = value
    cell.data_type = "s"


def _keep_notes_as_text(wb) -> None:
    """Every note cell (names `…_GC`) holding a string is written back as a string, `=…` included."""
    for name, dn in wb.defined_names.items():
        parsed = layout.parse_name(name)
        if not parsed or not parsed[2]:
            continue
        sr = layout.split_ref(dn.attr_text or "")
        if not sr or sr[0] not in wb.sheetnames:
            continue
        c = wb[sr[0]][sr[1]]
        if isinstance(c.value, str) and c.data_type != "f":
            c.data_type = "s"


_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def _deterministic(data: bytes) -> bytes:
    """Fixed document dates and zip timestamps: the same findings on the same file give the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _CORE_DATES.sub(lambda m: m.group(1) + FIXED_DATE.encode() + m.group(3), body)
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, body)
    return out.getvalue()


def annotate_copy(src: Path | str, findings: Iterable[Finding], out: Path | str) -> Path:
    """Write the annotated copy to `out` (temp file + os.replace: never half-written, never over `src`)."""
    src, out = Path(src), Path(out)
    if out.exists() and src.exists() and out.resolve() == src.resolve():
        raise AnnotateError("bản đánh dấu phải ghi ra tệp khác tệp gốc (tệp gốc không bao giờ bị sửa)")
    if out.suffix.lower() != ".xlsx":
        raise AnnotateError(f"bản đánh dấu phải có đuôi .xlsx: “{out.name}”")
    with disk_full_as(out):  # the disk may fill with openpyxl's work files before the copy itself
        return write_bytes(out, annotate_bytes(src, findings))
