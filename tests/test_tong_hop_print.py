"""TONG_HOP.xlsx as it prints: rows sized to their wrapped text, every sheet with a print set-up (the plan
sheet had none: 379 portrait pages), the dashboard's print area over all its charts, targets without ids.

Read back from a real merge (the plan-merge returns of 2023: forms, tasks and a plan target) with openpyxl
and the workbook's own XML; what the pages look like was checked on LibreOffice's PDF by eye (review note).
"""

from __future__ import annotations

import re
import zipfile

import openpyxl

from xlcchc.layout import form_sheet
from xlcchc.merge.plan_sheet import PLAN_HEADERS, one_line
from xlcchc.printing import height, text_px

from .test_plan_merge import CAT, merged  # noqa: F401 - the module-scoped merge of returns with tasks


def _sheet_xml(path, title: str) -> str:
    """The worksheet part of `title` (by the workbook's own relationship ids)."""
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet name="{re.escape(title)}" sheetId="\d+" r:id="(rId\d+)"', wb).group(1)
        target = re.search(rf'Id="{rid}" Target="([^"]+)"', rels).group(1)
        return z.read("xl/" + target.lstrip("/").removeprefix("xl/")).decode()


def test_form_rows_are_as_tall_as_their_wrapped_cells(merged):
    """A unit like "Trực tuyến = 0 / Phát phiếu = 1 / Kết hợp = 2" takes three lines: the row is three lines
    tall (it was left at one, and the text ran over the rows below in the PDF)."""
    _, out, _ = merged
    wb = openpyxl.load_workbook(out)
    checked = 0
    for form in CAT.forms:
        ws = wb[form_sheet(form.number)]
        label_of_row = {r: ws.cell(r, 2).value for r in range(6, ws.max_row + 1)}
        for ind in form.indicators:
            row = next(r for r, v in label_of_row.items() if v == ind.label and ws.cell(r, 1).value == ind.printed_stt)
            h = ws.row_dimensions[row].height
            assert h is not None, (form.number, ind.code)
            assert h >= height(ind.unit.count("\n") + 1, 11), (form.number, ind.code, ind.unit, h)
            checked += ind.unit.count("\n") > 0
        head = ws.row_dimensions[5].height
        assert head is not None and head >= 15
    assert checked >= 2  # Biểu mẫu 1 items 6.2 and 7 have units of several lines


def test_the_normal_style_is_the_cells_font(merged):
    """Column widths are stored in digits of the Normal font: Calibri, missing on LibreOffice machines, drew
    every column a third wider there than in Excel."""
    _, out, _ = merged
    with zipfile.ZipFile(out) as z:
        styles = z.read("xl/styles.xml").decode()
    first_font = re.search(r"<fonts[^>]*>\s*<font>(.*?)</font>", styles, re.S).group(1)
    assert 'val="Times New Roman"' in first_font and 'val="11"' in first_font


def test_plan_sheet_and_follow_up_print_on_a4_landscape_with_their_header(merged):
    _, out, _ = merged
    wb = openpyxl.load_workbook(out)
    for title, header_row, last_col in (("Kế hoạch", 5, len(PLAN_HEADERS) - 1), ("Nhắc việc", 4, 7)):
        ws = wb[title]
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9, title
        # one page wide (fitToWidth 1 is the default, left out of the file), as many pages down as needed
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1), title
        assert ws.page_setup.fitToHeight == 0, title
        assert ws.print_title_rows == f"${header_row}:${header_row}", title
        area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
        assert re.search(r"\$([A-Z]+)\$\d+$", area).group(1) == openpyxl.utils.get_column_letter(last_col), (title, area)
    ws = wb["Kế hoạch"]
    rows = [r for r in ws.iter_rows(min_row=6)]
    assert all(ws.row_dimensions[r[0].row].height for r in rows)
    # A task's content is whole on its first row, one line with "…" on its other lead rows.
    by_task: dict[str, list[str]] = {}
    for r in rows:
        by_task.setdefault(r[0].value, []).append(r[1].value)
    several = [v for v in by_task.values() if len(v) > 1]
    assert several
    for texts in several:
        full = texts[0]
        for t in texts[1:]:
            assert t == full or (t.endswith("…") and full.startswith(t[:-1].rstrip(",;:")))
            assert text_px(t, 11, False) <= PLAN_WIDTH_PX


PLAN_WIDTH_PX = 45 * 7 + 5


def test_one_line_cuts_after_a_whole_word():
    text = "Rà soát, hoàn thiện văn bản QPPL trong các lĩnh vực: thu hút đầu tư; đất đai; tài nguyên"
    cut = one_line(text, 20)
    assert cut.endswith("…") and text.startswith(cut[:-1]) and text[len(cut) - 1] == " "
    assert one_line("Thường xuyên.", 20) == "Thường xuyên."


def test_dashboard_prints_every_chart_and_names_targets_by_their_sentence(merged):
    _, out, _ = merged
    wb = openpyxl.load_workbook(out)
    ws = wb["Tổng quan"]
    area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
    last_row = int(re.search(r"(\d+)$", area).group(1))
    with zipfile.ZipFile(out) as z:
        drawing = next(n for n in z.namelist() if n.startswith("xl/drawings/drawing") and n.endswith(".xml"))
        xml = z.read(drawing).decode()
    to_rows = [int(m) for m in re.findall(r"<xdr:to><xdr:col>\d+</xdr:col><xdr:colOff>\d+</xdr:colOff><xdr:row>(\d+)</xdr:row>", xml)]
    to_cols = [int(m) for m in re.findall(r"<xdr:to><xdr:col>(\d+)</xdr:col>", xml)]
    assert to_rows and max(to_rows) < last_row  # 0-based anchor row inside the 1-based print area
    assert max(to_cols) <= 10  # no chart beyond column K, the printed width
    texts = [c.value for row in ws.iter_rows(max_col=2) for c in row if isinstance(c.value, str)]
    targets = [t for t in texts if t.startswith("Biểu mẫu ") and ", mục " in t]
    assert targets, "the plan's targets are listed under the status table"
    assert not any(re.match(r"^\d+(\.\d+)*-[a-z-]+", t) for t in texts)  # no target id such as 2.3-truc-tuyen
