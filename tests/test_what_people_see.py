"""What a civil servant reads: the printed documents and the command's messages hold no English, no internal
ids, no English-locale numbers; blank returns, the tool's own files, English-locale typing, closed pipes."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from xlcchc import layout
from xlcchc.catalog import load_catalog, registry_of
from xlcchc.check import BLANK_RULE, check_file
from xlcchc.cli import main
from xlcchc.office import soffice_available
from xlcchc.periods import parse_period
from xlcchc.template import build_template

from .conftest import ROOT

needs_office = pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is not installed")
RETURNS = ROOT / "samples" / "bao-cao-2022"
CAT = load_catalog("tinh-2022")
REG = registry_of(CAT)
PERIOD = parse_period("2022-N")

#: What must never reach a person: argparse's English, rule ids, reader codes, period codes, Python words.
FORBIDDEN = [
    r"\busage:", r"\boptions:", r"\berror:", r"invalid choice", r"\brequired\b", r"unrecognized", r"positional",
    r"show this help", r"Traceback", r"\bNone\b", r"\bTrue\b", r"\bFalse\b", r"\bnan\b",
    r"\b\d-(required|domain|sum|ratio|le|ge|eq|lt|gt|cmp|total)-[0-9.]+", r"\bdoc\.[a-z_]+", r"\bcell\.[a-z_]+",
    r"\bmerge\.[a-z_]+", r"\breturn\.[a-z_]+", r"\b20\d\d-(N|6T|9T|Q[1-4])\b", r"thiếu “layout”",
    # English a user may meet in a message, and the workbook's internal names and markers.
    r"\b(Error|Warning|Exception|Errno|warning|exception)\b", r"\b(sheet|worksheet|cell|row|column|file)s?\b",
    r"_xlcchc", r"XLCCHC_(?!KEY_FILE\b)[A-Z_]+", r"xlcchc-ban-danh-dau", r"\bBM\d+_[0-9_]+(_GC)?\b", r"\btong_hop\b", r"\bfingerprint\b",
]
#: Numbers printed the English way: 1,234,567 or a rate such as 99.47 (item codes such as 3.3.1 are fine).
ENGLISH_NUMBERS = [r"(?<![\d.,])\d{1,3},\d{3},\d{3}(?![\d,])", r"(?<![\d.,])\d{2,3}\.\d{2}(?![\d.])"]


def offending(text: str, patterns=FORBIDDEN) -> list[str]:
    return sorted({m.group(0) for p in patterns for m in re.finditer(p, text)})


def _value_cell(wb, form: int, code: str):
    sheet, ref = layout.split_ref(wb.defined_names[layout.value_name(form, code)].attr_text)
    return wb[sheet][ref.replace("$", "")]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    """A merge of the sample returns (with the tool's own outputs planted among them), its appendix, a blank
    template and an annotated copy — the four documents a person prints."""
    from xlcchc.annotate import annotate_copy
    from xlcchc.appendix import write_appendix
    from xlcchc.merge import merge_folder, read_provincial

    root = tmp_path_factory.mktemp("people")
    folder = root / "bao-cao"
    shutil.copytree(RETURNS, folder)
    first = merge_folder(folder, root / "TONG_HOP.xlsx", period="2022-N")
    assert first is not None
    write_appendix(read_provincial(root / "TONG_HOP.xlsx"), root / "PHU_LUC.xlsx")
    shutil.copy(root / "TONG_HOP.xlsx", folder / "TONG_HOP_ky_truoc.xlsx")  # the tool's own files, misplaced
    shutil.copy(root / "PHU_LUC.xlsx", folder / "PHU_LUC.xlsx")
    snv = RETURNS / "BC_CCHC_2022_SNV.xlsx"  # and the copy `check --annotate` wrote of a return, beside it
    annotate_copy(snv, check_file(snv), folder / "kiem-tra" / "SNV_danh_dau.xlsx")
    (root / "out").mkdir()
    out = root / "out" / "TONG_HOP.xlsx"
    fig = merge_folder(folder, out, period="2022-N")
    nga_son = RETURNS / "BC_CCHC_2022_H-NGA-SON.xlsx"
    annotated = annotate_copy(nga_son, check_file(nga_son), root / "NGA_SON_danh_dau.xlsx")
    template = build_template(CAT, REG.by_code["SNV"], PERIOD, root / "SNV.xlsx")
    return {"folder": folder, "provincial": out, "appendix": root / "PHU_LUC.xlsx", "template": template,
            "annotated": annotated, "fig": fig}


def _pdf_text(xlsx: Path, outdir: Path, lang: str) -> str:
    env = dict(os.environ, LANG=lang, LC_ALL=lang, LANGUAGE=lang.split(".")[0])
    code = "import sys; from xlcchc.office import to_pdf; print(to_pdf(sys.argv[1], sys.argv[2]))"
    proc = subprocess.run([sys.executable, "-c", code, str(xlsx), str(outdir)], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    pdf = Path(proc.stdout.strip())
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@needs_office
@pytest.mark.parametrize("lang", ["en_US.UTF-8", "vi_VN.UTF-8"])
def test_printed_documents_hold_no_english_no_ids_no_english_numbers(outputs, tmp_path, lang):
    for name in ("appendix", "provincial", "template", "annotated"):
        text = _pdf_text(outputs[name], tmp_path / name, lang)
        assert len(text) > 1000, name
        assert offending(text) == [], (name, lang)
        assert offending(text, ENGLISH_NUMBERS) == [], (name, lang)
        if name == "appendix":
            assert text.count("\f") <= 12  # the seven forms, as in the seed
        if name == "provincial":
            assert "Cột Điều chỉnh (ô nền vàng) là chỗ duy nhất được nhập" in text


def test_commands_speak_vietnamese(outputs, capsys, tmp_path):
    """Every message of the command line a person may meet: help, wrong arguments, check, merge, appendix."""
    said: list[str] = []
    runs = [
        ["--help"], ["check", "--help"], ["merge", "--help"], ["appendix", "--help"], ["template", "--help"],
        ["chek"], ["check"], ["check", "a.xlsx", "--foo"], ["values", "export", "x.xlsx", "--format", "xml"],
        ["template", "--period", "Năm 2022"], ["appendix", "x.xlsx", "-o", "y.xlsx", "--annexes", "loi"],
        ["check", str(RETURNS / "BC_CCHC_2022_H-NGA-SON.xlsx"), str(RETURNS / "BC_CCHC_2022_SXD (1).xlsx"),
         str(RETURNS / "BC_CCHC_2022_VPUBND.xlsx")],
        ["check", str(outputs["template"])],
        ["check", str(outputs["provincial"])],
        ["merge", str(outputs["folder"]), "-o", str(tmp_path / "moi" / "TONG_HOP.xlsx")],
        ["appendix", str(outputs["provincial"]), "-o", str(tmp_path / "pl" / "PHU_LUC.xlsx")],
        # An annotated copy made, then checked again (the unit's next step), and found among the returns.
        ["check", str(RETURNS / "BC_CCHC_2022_H-NGA-SON.xlsx"), "--annotate", str(tmp_path / "dd" / "NGA_SON.xlsx")],
        ["check", str(tmp_path / "dd" / "NGA_SON.xlsx")],
        ["check", str(outputs["annotated"])],
        ["template", "--unit", "SNV", "--period", "Năm 2022", "-o", str(tmp_path / "mau" / "SNV.xlsx")],
        ["values", "export", str(RETURNS / "BC_CCHC_2022_SNV.xlsx"), "--format", "csv", "-o", str(tmp_path / "v.csv")],
        ["history", "add", str(outputs["provincial"]), "--db", str(tmp_path / "ls.sqlite")],
        ["history", "show", "--db", str(tmp_path / "ls.sqlite")],
        ["history", "export", "--db", str(tmp_path / "ls.sqlite"), "--format", "xlsx", "-o", str(tmp_path / "ls.xlsx")],
    ]
    for argv in runs:
        try:
            main(argv)
        except SystemExit:
            pass  # --help and argparse errors exit
        cap = capsys.readouterr()
        said.append(cap.out + cap.err)
    # Paths of the test's own folders are not messages (pytest names them in English).
    text = "\n".join(said)
    scrubbed = text.replace(str(tmp_path), "…").replace(str(outputs["folder"].parent), "…")
    assert offending(scrubbed) == [], [ln for ln in scrubbed.splitlines() if offending(ln)][:10]
    assert "Cách dùng:" in text and "tùy chọn" in text and "lỗi: thiếu tham số bắt buộc" in text
    assert "lựa chọn không hợp lệ" in text and "không hiểu các tham số: --foo" in text
    assert "Ví dụ:" in text
    assert f"Đã tạo thư mục mới: {(tmp_path / 'moi').resolve()}" in text  # one rule for every -o
    assert str((tmp_path / "pl" / "PHU_LUC.xlsx").resolve()) in text  # absolute paths of outputs
    assert "Đã tổng hợp kỳ Năm 2022 vào:" in text
    assert "là bản sao có đánh dấu lỗi do chương trình tạo ra" in text  # the merge's note on the planted copy
    assert "Đã ghi bản sao có đánh dấu:" in text


def test_a_blank_return_is_not_a_submission(tmp_path, capsys):
    blank = build_template(CAT, REG.by_code["STP"], PERIOD, tmp_path / "in" / "BC_CCHC_2022_STP.xlsx")
    found = check_file(blank)
    assert [f.rule for f in found] == [BLANK_RULE] and found[0].severity == "Lỗi"
    assert main(["check", str(blank)]) == 1  # plainly an error, not “no problem”
    assert "Báo cáo chưa nhập số liệu" in capsys.readouterr().out
    shutil.copy(RETURNS / "BC_CCHC_2022_SNV.xlsx", tmp_path / "in")
    from xlcchc.merge import merge_folder

    fig = merge_folder(tmp_path / "in", tmp_path / "TONG_HOP.xlsx", period="2022-N")
    status = {s.unit: s.status for s in fig.status}
    assert status["STP"] == "Chưa nhập số liệu" and status["SNV"] in ("Đã nộp", "Có lỗi")
    rows = list(openpyxl.load_workbook(tmp_path / "TONG_HOP.xlsx")["Tình hình nộp"].iter_rows(values_only=True))
    assert any(r[1] == "STP" and r[3] == "Chưa nhập số liệu" for r in rows)


def test_the_tools_own_outputs_are_skipped_with_a_note(outputs):
    fig = outputs["fig"]
    own = ["PHU_LUC.xlsx", "TONG_HOP_ky_truoc.xlsx", "kiem-tra/SNV_danh_dau.xlsx"]
    assert sorted(rel for rel, _ in fig.skipped) == sorted(own)
    assert not {s.file for s in fig.status} & set(own)  # not “Không hợp lệ”, not a second SNV return (“Trùng”)
    snv = [s for s in fig.status if s.unit == "SNV"]
    assert [s.file for s in snv] == ["BC_CCHC_2022_SNV.xlsx"]
    note = dict(fig.skipped)["kiem-tra/SNV_danh_dau.xlsx"]
    assert "bản sao có đánh dấu lỗi" in note and "Sở Nội vụ" in note
    ws = openpyxl.load_workbook(outputs["provincial"])["Tình hình nộp"]
    text = [c for r in ws.iter_rows(values_only=True) for c in r if isinstance(c, str)]
    assert any(t.startswith("Các tệp do chương trình tạo ra") for t in text)
    assert {"PHU_LUC.xlsx", "kiem-tra/SNV_danh_dau.xlsx"} <= set(text)


def test_an_annotated_copy_the_unit_corrected_is_its_return(tmp_path):
    """The marker of `check --annotate` holds the digest of the figures: once the unit changes one (here the
    planted error 3.2.2 > 3.2.1 of Nga Sơn, corrected in the copy), the copy is read as the unit's return."""
    from xlcchc.annotate import annotate_copy
    from xlcchc.merge import merge_folder
    from xlcchc.read import read_return

    nga_son = RETURNS / "BC_CCHC_2022_H-NGA-SON.xlsx"
    folder = tmp_path / "bao-cao"
    copy = annotate_copy(nga_son, check_file(nga_son), folder / "NGA_SON_danh_dau.xlsx")
    marker = openpyxl.load_workbook(copy)[layout.RESULT_SHEET][layout.ANNOTATION_CELL]
    assert marker.value.startswith(layout.ANNOTATION_PREFIX) and marker.parent.column_dimensions["H"].hidden
    assert read_return(copy).annotated_copy and not read_return(nga_son).annotated_copy
    fig = merge_folder(folder, tmp_path / "TONG_HOP.xlsx", period="2022-N")
    assert [rel for rel, _ in fig.skipped] == ["NGA_SON_danh_dau.xlsx"]
    assert {s.status for s in fig.status if s.unit == "H-NGA-SON"} == {"Chưa nộp"}  # the copy is no return

    wb = openpyxl.load_workbook(copy)  # the unit corrects 3.2.2 in the copy and saves it
    fixed = _value_cell(wb, 3, "3.2.2")
    fixed.value = _value_cell(wb, 3, "3.2.1").value
    wb.save(copy)
    assert not read_return(copy).annotated_copy
    assert not [f for f in check_file(copy) if f.severity == "Lỗi"]
    fig = merge_folder(folder, tmp_path / "TONG_HOP.xlsx", period="2022-N")
    assert fig.skipped == []
    assert [(s.file, s.status) for s in fig.status if s.unit == "H-NGA-SON"] == [("NGA_SON_danh_dau.xlsx", "Đã nộp")]


def test_status_sheet_dates_provenance_hashes_print_setup(outputs):
    wb = openpyxl.load_workbook(outputs["provincial"])
    ws = wb["Tình hình nộp"]
    header = [c.value for c in ws[4]]
    assert "SHA-256" not in header and header[5].startswith("Thời gian gửi")
    sent = [r[5] for r in ws.iter_rows(min_row=5) if isinstance(r[5].value, dt.datetime)]
    assert sent and all(c.number_format in ('dd"/"mm"/"yyyy hh":"mm', 'dd"/"mm"/"yyyy') for c in sent)
    assert ws.freeze_panes == "A5" and ws.auto_filter.ref and ws.print_title_rows == "$4:$4"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    prov = [c for r in wb["Nguồn số liệu"].iter_rows(values_only=True) for c in r if isinstance(c, str)]
    fig = outputs["fig"]
    assert all(s.sha256 in prov for s in fig.status if s.sha256)
    findings = wb["Kết quả kiểm tra"]
    assert findings.cell(3, 10).value == "Mã quy tắc" and findings.column_dimensions["J"].hidden
    form = wb[layout.form_sheet(3)]
    assert form.print_title_rows == "$5:$5" and "$A$1:$I$" in form.print_area  # the figures, not every unit


@pytest.mark.parametrize("typed", ["number", "text"])
def test_a_thousand_typed_on_an_english_locale_gets_vietnamese_guidance(tmp_path, typed):
    """An English-locale Excel stores `1.768` as the decimal 1.768 (or, with a leading ', as text)."""
    src = build_template(CAT, REG.by_code["SNV"], PERIOD, tmp_path / "SNV.xlsx")
    wb = openpyxl.load_workbook(src)
    cell = _value_cell(wb, 3, "3.1.1")
    if typed == "number":
        cell.value = 1.768
    else:
        cell.value, cell.data_type = "1.768", "s"
    wb.save(tmp_path / "typed.xlsx")
    found = [f for f in check_file(tmp_path / "typed.xlsx") if f.code == "3.1.1"]
    assert found, typed
    text = " ".join(f.message for f in found)
    assert "1768" in text and ("dấu chấm" in text), text
    if typed == "number":
        assert any(f.severity == "Lỗi" for f in found)  # a count cannot be 1,768
    # the cell's validation says the same before the unit even leaves the cell
    dv = next(d for d in wb[cell.parent.title].data_validations.dataValidation if cell.coordinate in d.sqref)
    assert "1768" in dv.prompt and "1.768" in dv.prompt


def test_annotate_with_several_files_is_refused_before_any_work(tmp_path, capsys):
    out = tmp_path / "danh_dau" / "x.xlsx"
    assert main(["check", "khong_co_1.xlsx", "khong_co_2.xlsx", "--annotate", str(out)]) == 2
    cap = capsys.readouterr()
    assert "--annotate chỉ dùng với đúng một tệp" in cap.err and "==" not in cap.out  # nothing was checked
    assert not out.parent.exists()


def test_check_json_into_a_closed_pipe_ends_quietly():
    files = sorted(str(p) for p in RETURNS.glob("BC_CCHC_2022_*.xlsx"))[:12]
    cmd = f"{sys.executable} -m xlcchc check --json {' '.join(repr(f) for f in files)} | head -n 2"
    proc = subprocess.run(cmd, shell=True, capture_output=True, text=True, cwd=ROOT)
    assert proc.stdout.startswith("[") and proc.stderr == "", proc.stderr


def test_annotated_copy_result_sheet_looks_like_the_template(outputs):
    from xlcchc.annotate import RESULT_HEADER_ROW as H

    ws = openpyxl.load_workbook(outputs["annotated"])[layout.RESULT_SHEET]
    # A title block as on the template's “Kiểm tra” sheet: title, unit and period, what was found.
    assert ws["A1"].value == "KẾT QUẢ KIỂM TRA SỐ LIỆU" and ws["A1"].font.bold and ws["A1"].font.size == 13
    assert ws["A2"].value == "UBND huyện Nga Sơn – Năm 2022" and ws["A3"].value.startswith("Có 1 lỗi và ")
    assert {str(r) for r in ws.merged_cells.ranges} >= {"A1:F1", "A2:F2", "A3:F3"}
    assert [c.value for c in ws[H]][:7] == ["STT", "Mức độ", "Biểu mẫu", "Mục", "Ô", "Nội dung", "Mã quy tắc"]
    assert ws.column_dimensions["G"].hidden and "$A$1:$F$" in str(ws.print_area)  # the rule id is not printed
    assert ws.print_title_rows == f"${H}:${H}" and ws.freeze_panes == f"A{H + 1}"
    head, row = ws[H], ws[H + 1]
    assert head[0].fill.fgColor.rgb.endswith("D9E1F2") and head[0].font.bold
    for c in row[:6]:
        assert c.font.name == "Times New Roman" and c.font.size == 11
        assert {c.border.left.style, c.border.right.style, c.border.top.style, c.border.bottom.style} == {"thin"}
    assert isinstance(row[2].value, int) and re.fullmatch(r"[A-Z]+\d+", row[4].value)  # form and cell apart
    assert row[4].hyperlink.location or row[4].hyperlink.target  # a link to the cell
    assert ws.column_dimensions["F"].width >= 80 and row[5].alignment.wrap_text
    # The sentence does not repeat the form and item its own columns show.
    messages = [r[5].value for r in ws.iter_rows(min_row=H + 1)]
    assert messages and not any(m.startswith("Biểu mẫu ") for m in messages)
