"""Templates generated from the catalog: structure, protection, validation, determinism, filling.

Real files only: templates written by xlsxwriter and read back with openpyxl (and the raw zip where
openpyxl would hide what Excel sees). LibreOffice recalculation lives in test_template_office.py.
"""

import hashlib
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlcchc.numformat import PERCENT_FORMAT, input_format
from xlcchc import layout
from xlcchc.catalog import load_catalog, registry_of
from xlcchc.cli import main
from xlcchc.formulas import STATUS_SKIPPED, rule_status
from xlcchc.periods import parse_period
from xlcchc.template import (
    TemplateError,
    build_template,
    fill_template,
    reference_template_files,
    template_bytes,
)
from xlcchc.values import ValueRow, ValuesDoc

from .conftest import FIXTURES, ROOT

PERIOD = parse_period("Năm 2022")
VIETNAMESE = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog("tinh-2022")


@pytest.fixture(scope="module")
def units(catalog):
    return registry_of(catalog).by_code


@pytest.fixture(scope="module")
def books(tmp_path_factory, catalog, units):
    """One template per kind of unit, built once: path and the openpyxl workbook."""
    root = tmp_path_factory.mktemp("tpl")
    out = {}
    for code in ("TINH", "SNV", "H-THO-XUAN"):
        path = build_template(catalog, units[code], PERIOD, root / f"{code}.xlsx")
        out[code] = (path, openpyxl.load_workbook(path))
    return out


def _target(wb, name):
    dn = wb.defined_names[name]
    sheet, ref = layout.split_ref(dn.attr_text)
    return wb[sheet][ref]


def _validation_of(ws, coord):
    return [dv for dv in ws.data_validations.dataValidation if coord in dv.sqref]


def test_sheets_metadata_and_structure_protection(books, catalog):
    for code, (path, wb) in books.items():
        assert wb.sheetnames == [layout.COVER_SHEET, *[layout.form_sheet(f.number) for f in catalog.forms],
                                 layout.CHECK_SHEET, layout.META_SHEET]
        assert wb[layout.META_SHEET].sheet_state == "veryHidden"
        assert all(wb[s].sheet_state == "visible" for s in wb.sheetnames[:-1])
        assert wb.security is not None and wb.security.lockStructure
        with zipfile.ZipFile(path) as z:
            assert b'<workbookProtection lockStructure="1"/>' in z.read("xl/workbook.xml")
        for ws in wb.worksheets:
            assert ws.protection.sheet, ws.title
            # OOXML flags say what is protected: inserting and deleting rows stay forbidden
            assert ws.protection.insertRows and ws.protection.deleteRows
        meta = {r[0]: r[1] for r in wb[layout.META_SHEET].iter_rows(values_only=True) if r[0] is not None}
        assert list(meta) == [*layout.META_KEYS, "signature"]  # these units have no official code
        assert _target(wb, layout.meta_name("signature")).value == meta["signature"]
        assert meta["unit"] == code and meta["period"] == "2022-N" and meta["period_label"] == "Năm 2022"
        assert meta["regime"] == "tinh-2022" and meta["fingerprint"] == catalog.fingerprint
        assert meta["format"] == layout.FORMAT_VERSION
        for key in layout.META_KEYS:
            assert _target(wb, layout.meta_name(key)).value == meta[key]
        names = {n: wb.defined_names[n].attr_text for n in wb.defined_names}
        assert layout.layout_hash(names) == meta["layout"]


def test_every_value_row_has_named_value_and_note_cells(books, catalog):
    for code, (_, wb) in books.items():
        for ind in catalog.indicators.values():
            name = layout.value_name(ind.form, ind.code)
            if not ind.has_value:
                assert name not in wb.defined_names
                continue
            cell = _target(wb, name)
            note = _target(wb, layout.note_name(ind.form, ind.code))
            assert cell.parent.title == layout.form_sheet(ind.form)
            assert (cell.column_letter, note.column_letter, note.row) == ("D", "E", cell.row)
            # the row shows the indicator as printed
            assert cell.parent.cell(cell.row, 1).value == ind.printed_stt
            assert cell.parent.cell(cell.row, 2).value == ind.label


def test_applicable_rows_are_validated_inputs_and_others_greyed(books, catalog, units):
    for code, (_, wb) in books.items():
        unit = units[code]
        for ind in catalog.value_indicators():
            cell = _target(wb, layout.value_name(ind.form, ind.code))
            note = _target(wb, layout.note_name(ind.form, ind.code))
            dvs = _validation_of(cell.parent, cell.coordinate)
            if catalog.computed(ind, unit):
                assert cell.data_type == "f" and "ISNUMBER" in cell.value and cell.protection.locked
                assert cell.number_format == PERCENT_FORMAT and not dvs
            elif catalog.applies(ind, unit):
                assert not cell.protection.locked and not note.protection.locked, ind.key
                assert len(dvs) == 1, ind.key
                dv = dvs[0]
                assert dv.showErrorMessage and dv.showInputMessage
                assert VIETNAMESE & set(dv.prompt.lower()) and VIETNAMESE & set(dv.error.lower())
                kind = ind.unit_kind_of_value(unit.kind)
                expected = {"count": "whole", "decimal": "decimal", "money": "decimal", "percent": "decimal",
                            "choice": "list", "text": "textLength"}[kind]
                assert dv.type == expected, ind.key
                # displayed the Vietnamese way on any locale (1.768 with literal dots), the cell keeps a number
                assert cell.number_format == input_format(kind), ind.key
                if kind == "count":  # how to type a thousand on an English-locale machine
                    assert "1768" in dv.prompt and "1.768" in dv.prompt and "1768" in dv.error
                if kind == "percent":
                    assert (dv.formula1, dv.formula2) == ("0", "100")
                if kind == "choice":
                    codes = [str(c.value) for c in ind.unit_choices()]
                    assert dv.formula1 == '"' + ",".join(codes) + '"'
            else:
                assert cell.protection.locked and note.protection.locked, ind.key
                assert cell.fill.fgColor.rgb.endswith("D9D9D9") and not dvs
            assert cell.parent.cell(cell.row, 3).value == (ind.unit_label_of_unit(unit.kind) or None)


def test_who_fills_what_differs_by_unit_kind(books, catalog):
    def locked(code, key):
        f, c = key.split(":")
        return _target(books[code][1], layout.value_name(int(f), c)).protection.locked

    # processing of dossiers: departments fill 3.1.x, districts 3.2.x/3.3.x; the province fills all
    assert not locked("SNV", "3:3.1.1") and locked("H-THO-XUAN", "3:3.1.1")
    assert locked("SNV", "3:3.2.1") and not locked("H-THO-XUAN", "3:3.2.1")
    assert not locked("TINH", "3:3.1.1") and not locked("TINH", "3:3.2.1")
    # the number of open inputs is what the catalog says
    for code, (_, wb) in books.items():
        unit = registry_of(catalog).by_code[code]
        typed = [i for i in catalog.value_indicators() if catalog.applies(i, unit) and not catalog.computed(i, unit)]
        open_cells = [i for i in catalog.value_indicators()
                      if not _target(wb, layout.value_name(i.form, i.code)).protection.locked]
        assert open_cells == typed
    # a share-of-units percentage is a yes/no question to a district, a percentage to the province
    share = next(i for i in catalog.value_indicators() if i.aggregate.method == "share_yes" and "huyen" in i.aggregate.filled_by)
    name = layout.value_name(share.form, share.code)
    ws_cell = _target(books["H-THO-XUAN"][1], name)
    assert ws_cell.parent.cell(ws_cell.row, 3).value == "Có = 1\nKhông = 0"
    assert _validation_of(ws_cell.parent, ws_cell.coordinate)[0].type == "list"
    tinh_cell = _target(books["TINH"][1], name)
    assert _validation_of(tinh_cell.parent, tinh_cell.coordinate)[0].type == "decimal"


def test_headings_bold_without_input_and_indentation(books, catalog):
    wb = books["TINH"][1]
    ws = wb[layout.form_sheet(3)]
    for row in ws.iter_rows(min_row=6):
        if row[0].value == "1.":  # “Thống kê TTHC”, a heading
            assert row[1].font.b and row[3].protection.locked and row[3].value is None
            break
    else:
        pytest.fail("heading row not found")
    deep = _target(wb, "BM3_3_1_2")
    assert ws.cell(deep.row, 2).alignment.indent == 2
    assert ws.cell(deep.row, 2).font.name == "Times New Roman"


def test_check_sheet_lists_applicable_rules_with_formulas(books, catalog, units):
    for code, (_, wb) in books.items():
        unit = units[code]
        ws = wb[layout.CHECK_SHEET]
        rules = [r for r in catalog.rules if catalog.rule_applies(r, unit)]
        rows = [r for r in ws.iter_rows(min_row=8, values_only=True) if r[0]]
        assert [r[0] for r in rows] == [r.id for r in rules]
        for rule, row in zip(rules, rows):
            assert row[1] == rule.form and row[3] == rule.severity and row[4] == rule.message
            assert isinstance(row[5], str) and row[5].startswith("=")
            if rule.kind not in ("required",) or not catalog.computed(catalog.indicator(rule.target), unit):
                for key in rule.operands:
                    assert layout.value_name(*_split(key)) in row[5]
        assert _target(wb, "KT_SO_LOI").value.startswith("=COUNTIF(")
        assert "Thiếu số liệu" in _target(wb, "KT_SO_CANH_BAO").value
        # cross-sheet conditional formatting marks offending value cells
        form = wb[layout.form_sheet(3)]
        rules_cf = [r for rng in form.conditional_formatting for r in rng.rules]
        assert any('"Lỗi"' in f for r in rules_cf for f in r.formula)


def _split(key):
    f, c = key.split(":")
    return int(f), c


def test_blank_template_cached_results_are_true(books, catalog, units):
    """Cached formula results of a blank template are what a recalculation gives (no stale 0s)."""
    path, _ = books["SNV"]
    wb = openpyxl.load_workbook(path, data_only=True)
    unit = units["SNV"]
    statuses = {r[0]: r[5] for r in wb[layout.CHECK_SHEET].iter_rows(min_row=8, values_only=True) if r[0]}
    for rule in catalog.rules:
        if catalog.rule_applies(rule, unit):
            assert statuses[rule.id] == rule_status(rule, {}, catalog, unit)
    assert set(statuses.values()) == {STATUS_SKIPPED, "Cảnh báo"}
    assert _target(wb, "KT_SO_LOI").value == 0


def test_print_setup(books, catalog):
    wb = books["TINH"][1]
    for title in wb.sheetnames[:-1]:
        ws = wb[title]
        assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)  # absent = 1
        assert ws.page_setup.fitToHeight == 0
        assert "&P" in ws.oddFooter.right.text
    ws = wb[layout.form_sheet(3)]
    assert ws.print_title_rows == "$4:$5"
    last = 5 + len(catalog.form(3).indicators)  # title, two header rows, then one row per indicator
    assert ws.print_area == f"'Biểu mẫu 3'!$A$1:$E${last}"


def test_template_is_deterministic_and_committed_templates_are_current(catalog, units):
    a = template_bytes(catalog, units["H-THO-XUAN"], PERIOD)
    b = template_bytes(catalog, units["H-THO-XUAN"], PERIOD)
    assert a == b
    stale = []
    for rel, data in reference_template_files("tinh-2022").items():
        path = ROOT / "templates" / rel
        if not path.exists() or path.read_bytes() != data:
            stale.append(rel)
    assert stale == [], "templates/ out of date: run python scripts/regenerate_templates.py"


# --- filling --------------------------------------------------------------------------------------

def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fill_writes_values_and_reports_what_it_did_not(tmp_path, books, catalog):
    tpl = books["SNV"][0]
    before = _sha(tpl)
    doc = ValuesDoc(unit="SNV", period="Năm 2022", values=[
        ValueRow(form=1, code="2.1", value=40, note="=HYPERLINK(\"http://x\")"),
        ValueRow(form=1, code="2.2", value=30),
        ValueRow(form=1, code="2", value=12.5),           # computed for a department: disagrees with 75
        ValueRow(form=3, code="3.1.1", value="1.234"),     # text stays text (the checker judges it)
        ValueRow(form=3, code="3.1.2", value=999.5, note="ghi chú <có> & “ngoặc”\x07"),
        ValueRow(form=3, code="3.2.1", value=5),           # a district row: locked for a department
        ValueRow(form=3, code="9.9", value=1),             # unknown code
        ValueRow(form=3, code="1", value=1),               # a heading
    ])
    out = tmp_path / "filled.xlsx"
    rep = fill_template(tpl, doc, out)
    assert _sha(tpl) == before
    assert rep.written == ["1:2.1", "1:2.2", "3:3.1.1", "3:3.1.2"]
    assert rep.notes_written == ["1:2.1", "3:3.1.2"]
    assert [(i.key, i.expected) for i in rep.disagreements] == [("1:2", 75.0)]
    assert sorted(i.key for i in rep.skipped) == ["3:1", "3:3.2.1", "3:9.9"]
    assert all(VIETNAMESE & set(str(i).lower()) for i in rep.skipped + rep.disagreements)

    wb = openpyxl.load_workbook(out)
    assert _target(wb, "BM1_2_1").value == 40 and _target(wb, "BM3_3_1_2").value == 999.5
    cell = _target(wb, "BM3_3_1_1")
    assert cell.value == "1.234" and cell.data_type == "s"
    note = _target(wb, "BM1_2_1_GC")
    assert note.value == '=HYPERLINK("http://x")' and note.data_type == "s"
    assert _target(wb, "BM3_3_1_2_GC").value == "ghi chú <có> & “ngoặc”"  # the bell character cannot be stored
    assert _target(wb, "BM1_2").data_type == "f"  # the formula survived
    assert _target(wb, "BM3_3_2_1").value is None
    # still a protected template: structure, sheets, validations, conditional formats, names
    tpl_wb = books["SNV"][1]
    assert wb.security.lockStructure and all(ws.protection.sheet for ws in wb.worksheets)
    for title in tpl_wb.sheetnames:
        assert len(wb[title].data_validations.dataValidation) == len(tpl_wb[title].data_validations.dataValidation)
        assert len(list(wb[title].conditional_formatting)) == len(list(tpl_wb[title].conditional_formatting))
    assert sorted(wb.defined_names) == sorted(tpl_wb.defined_names)
    # cached results follow the filled values
    cached = openpyxl.load_workbook(out, data_only=True)
    assert _target(cached, "BM1_2").value == 75
    statuses = {r[0]: r[5] for r in cached[layout.CHECK_SHEET].iter_rows(min_row=8, values_only=True) if r[0]}
    assert statuses["3-domain-3.1.1"] == "Lỗi" and statuses["3-domain-3.1.2"] == "Lỗi"
    assert statuses["1-le-2.2-2.1"] == "OK" and statuses["3-le-3.1.2-3.1.1"] == "Thiếu số liệu"
    assert _target(cached, "KT_SO_LOI").value == 2
    # deterministic too
    out2 = tmp_path / "filled2.xlsx"
    fill_template(tpl, doc, out2)
    assert out.read_bytes() == out2.read_bytes()


def test_fill_seed_figures_into_the_province_template(tmp_path, books):
    doc = ValuesDoc.model_validate(json.loads((FIXTURES / "seed_tinh_2022.json").read_text(encoding="utf-8")))
    rep = fill_template(books["TINH"][0], doc, tmp_path / "tinh.xlsx")
    # the printed percentages that do not follow from the printed numerator and denominator
    # (3:3.1 printed 99,99 for 99,9975 is the truncation, accepted)
    assert {i.key for i in rep.disagreements} == {"6:1", "7:6.2", "7:6.3"}
    wb = openpyxl.load_workbook(tmp_path / "tinh.xlsx")
    assert _target(wb, "BM3_3_1_2").value == 518549


def test_fill_refuses_another_units_values_and_bad_files(tmp_path, books):
    tpl = books["SNV"][0]
    with pytest.raises(TemplateError, match="đơn vị"):
        fill_template(tpl, ValuesDoc(unit="STP", values=[]), tmp_path / "x.xlsx")
    with pytest.raises(TemplateError, match="kỳ"):
        fill_template(tpl, ValuesDoc(period="Quý I/2024", values=[]), tmp_path / "x.xlsx")
    with pytest.raises(TemplateError, match="khác tệp mẫu"):
        fill_template(tpl, ValuesDoc(values=[]), tpl)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(TemplateError, match="không phải tệp Excel"):
        fill_template(bad, ValuesDoc(values=[]), tmp_path / "x.xlsx")
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    with pytest.raises(TemplateError, match="không phải biểu mẫu do xlcchc tạo"):
        fill_template(plain, ValuesDoc(values=[]), tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_fill_cover_fields(tmp_path, books):
    import datetime as dt

    out = tmp_path / "c.xlsx"
    fill_template(books["H-THO-XUAN"][0], ValuesDoc(values=[]), out,
                  cover={"BIA_NGUOI_LAP": "Lê Thị Hà", "BIA_NGAY_GUI": dt.date(2022, 12, 15), "BIA_TRANG_THAI": "Chính thức"})
    wb = openpyxl.load_workbook(out)
    assert _target(wb, "BIA_NGUOI_LAP").value == "Lê Thị Hà"
    assert _target(wb, "BIA_NGAY_GUI").value == dt.datetime(2022, 12, 15)
    assert _target(wb, "BIA_TRANG_THAI").value == "Chính thức"


# --- CLI ------------------------------------------------------------------------------------------

def test_cli_template_one_unit_all_units_and_bad_unit(tmp_path, capsys):
    out = tmp_path / "snv.xlsx"
    assert main(["template", "--unit", "SNV", "--period", "Năm 2022", "-o", str(out)]) == 0
    assert out.read_bytes() == reference_template_files()["tinh-2022/SNV_2022-N.xlsx"]
    assert main(["template", "--all-units", "--period", "2022-N", "-o", str(tmp_path / "all")]) == 0
    files = sorted(p.name for p in (tmp_path / "all").iterdir())
    reg = registry_of(load_catalog("tinh-2022"))
    assert files == sorted(f"{u.code}_2022-N.xlsx" for u in reg.reporting_units())
    capsys.readouterr()
    assert main(["template", "--unit", "KHONG-CO", "--period", "Năm 2022", "-o", str(tmp_path / "k.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "Không có đơn vị mã “KHONG-CO”" in err and "Traceback" not in err
    assert not (tmp_path / "k.xlsx").exists()
    assert main(["template", "--unit", "SNV", "--period", "hôm qua", "-o", str(tmp_path / "k.xlsx")]) == 2
    assert "thiếu năm" in capsys.readouterr().err
