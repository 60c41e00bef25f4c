"""Vietnamese numbers whatever the machine's locale: the number format of every numeric cell (input cells a
unit types into later included) in every workbook xlcchc writes is locale-proof, and LibreOffice under an
English locale shows a decimal typed into a template as 1,50 — not 1.50.

A format is locale-proof when it prints its separators as literal text (`#"."###`, `"99,99"`) or, for a value
typed later that may hold a fraction, when the Vietnamese locale tag `[$-42A]` governs it (LibreOffice then
uses the Vietnamese separators; see `xlcchc.numformat` for what Excel does with a fraction).
"""

from __future__ import annotations

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
from xlcchc.office import soffice_available
from xlcchc.periods import parse_period
from xlcchc.template import build_template

from .conftest import ROOT

needs_office = pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is not installed")
RETURNS = ROOT / "samples" / "bao-cao-2022"


def _unquoted(fmt: str) -> str:
    return re.sub(r'"[^"]*"|\\.', "", fmt)


def locale_dependent(fmt: str) -> bool:
    """A format whose `.` / `,` the spreadsheet replaces by the machine's separators, with no Vietnamese
    tag governing them (`0.00`, `#,##0`, `#,##0.##`, or a tag only in a later section LibreOffice ignores)."""
    sections = fmt.split(";")
    first = sections[0]
    tagged = "[$-42A]" in first
    for sec in sections:
        bare = re.sub(r"\[[^\]]*\]", "", _unquoted(sec))
        if re.search(r"[0#?][.,]|[.,][0#?]", bare) and not tagged:
            return True
    return False


def test_the_rule_itself_tells_the_formats_apart():
    from xlcchc.numformat import DECIMAL_FORMAT, PERCENT_FORMAT, WHOLE_FORMAT, number_format

    for bad in ("0.00", "#,##0", "#,##0.##", '[=100]"100,00";[$-42A]0.00'):
        assert locale_dependent(bad), bad
    for good in (WHOLE_FORMAT, PERCENT_FORMAT, DECIMAL_FORMAT, "0", "General", "@", 'dd"/"mm"/"yyyy',
                 number_format(99.99), number_format(1768.0), number_format(1234567.5)):
        assert not locale_dependent(good), good


def _numeric_cells(path: Path):
    """(sheet, cell, value, format) of every cell that holds, or may be typed, a number."""
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "n" or (c.value is None and not c.protection.locked):
                    yield ws.title, c.coordinate, c.value, c.number_format


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> dict[str, Path]:
    """Every kind of workbook xlcchc writes: templates of two regimes, TONG_HOP.xlsx, the appendix with its
    annexes, an annotated copy, the history export."""
    from xlcchc.annotate import annotate_copy
    from xlcchc.appendix import write_appendix
    from xlcchc.check import check_file
    from xlcchc.cli import main
    from xlcchc.merge import merge_folder, read_provincial

    root = tmp_path_factory.mktemp("formats")
    cat = load_catalog("tinh-2022")
    out = {
        "template": build_template(cat, registry_of(cat).by_code["TINH"], parse_period("2022-N"), root / "TINH.xlsx"),
    }
    cat26 = load_catalog("tinh-2025")
    reg26 = registry_of(cat26)
    commune = next(u for u in reg26.reporting_units() if u.kind == "xa")
    out["template_2026"] = build_template(cat26, commune, parse_period("2026-N"), root / "XA_2026.xlsx")
    merge_folder(RETURNS, root / "TONG_HOP.xlsx", period="2022-N")
    out["provincial"] = root / "TONG_HOP.xlsx"
    out["appendix"] = root / "PHU_LUC.xlsx"
    write_appendix(read_provincial(out["provincial"]), out["appendix"], annexes=("by-unit", "status"))
    nga_son = RETURNS / "BC_CCHC_2022_H-NGA-SON.xlsx"
    out["annotated"] = annotate_copy(nga_son, check_file(nga_son), root / "NGA_SON_danh_dau.xlsx")
    db = root / "lich-su.sqlite"
    assert main(["history", "add", str(out["provincial"]), "--db", str(db)]) == 0
    out["history"] = root / "lich-su.xlsx"
    assert main(["history", "export", "--db", str(db), "--format", "xlsx", "-o", str(out["history"])]) == 0
    return out


@pytest.mark.parametrize("name", ["template", "template_2026", "provincial", "appendix", "annotated", "history"])
def test_every_number_format_is_locale_proof(workbooks, name):
    seen = 0
    for sheet, addr, value, fmt in _numeric_cells(workbooks[name]):
        if fmt in ("General", "@"):
            # General prints the machine's separators: only for values that have none (small whole numbers).
            assert value is None or (float(value).is_integer() and abs(value) < 1000), (name, sheet, addr, value)
            continue
        seen += 1
        assert not locale_dependent(fmt), (name, sheet, addr, fmt)
    assert seen > 0, name


@needs_office
def test_a_decimal_typed_into_a_template_prints_the_vietnamese_way_on_an_english_locale(tmp_path):
    """LibreOffice under en_US prints a typed rate 98,5 and a typed 1,5 with decimal commas; a plain `0.00`
    beside them (the control) prints with the English point, so the locale really is English."""
    cat = load_catalog("tinh-2022")
    src = build_template(cat, registry_of(cat).by_code["SNV"], parse_period("2022-N"), tmp_path / "SNV.xlsx")
    wb = openpyxl.load_workbook(src)
    typed = {("1", "4.2"): 98.5, ("4", "2.5"): 1.5}  # rates the Sở Nội vụ types itself (unlocked input cells)
    for (form, code), v in typed.items():
        sheet, ref = layout.split_ref(wb.defined_names[layout.value_name(int(form), code)].attr_text)
        cell = wb[sheet][ref.replace("$", "")]
        assert not cell.protection.locked
        cell.value = v
    sheet, ref = layout.split_ref(wb.defined_names[layout.note_name(1, "4.2")].attr_text)
    control = wb[sheet][ref.replace("$", "")]  # a note cell beside it, printed too
    control.value, control.number_format = 7.25, "0.00"
    wb.save(tmp_path / "typed.xlsx")
    env = dict(os.environ, LANG="en_US.UTF-8", LC_ALL="en_US.UTF-8", LANGUAGE="en_US")
    code = "import sys; from xlcchc.office import to_pdf; print(to_pdf(sys.argv[1], sys.argv[2]))"
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "typed.xlsx"), str(tmp_path / "pdf")],
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert shutil.which("pdftotext")
    text = subprocess.run(["pdftotext", "-layout", proc.stdout.strip(), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "7.25" in text  # the control: an untagged format follows the English locale
    assert "98,50" in text and "1,50" in text
    assert "98.50" not in text and "1.50" not in text
