"""The appendix (Phụ lục): figures, labels and formats read back from the real workbook, and the PDF
made by the real LibreOffice under different locales."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from xlcchc.appendix import ANNEX_SHEETS, WHOLE_FORMAT, AppendixError, Header, number_format, parse_annexes, write_appendix
from xlcchc.catalog import CatalogError, load_catalog, registry_of
from xlcchc.findings import Finding
from xlcchc.layout import form_sheet
from xlcchc.numbers import fmt_vn
from xlcchc.office import soffice_available
from xlcchc.provincial import ProvincialFigures, UnitStatus

from .conftest import FIXTURES

needs_office = pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is not installed")


def figures_from_fixture(name: str, **extra) -> ProvincialFigures:
    d = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return ProvincialFigures(
        regime=d["regime"],
        period=d["period"],
        unit=d["unit"],
        values={f"{r['form']}:{r['code']}": r["value"] for r in d["values"]},
        notes={f"{r['form']}:{r['code']}": r["note"] for r in d["values"] if r["note"]},
        **extra,
    )


@pytest.fixture(scope="module")
def fig() -> ProvincialFigures:
    """The printed 2022 figures, with a few units, a status list and an open finding for the annexes."""
    base = figures_from_fixture("seed_tinh_2022.json")
    reg = registry_of(load_catalog(base.regime))
    units = reg.reporting_units()[:3]
    by_unit = {
        u.code: {k: (v / 3 if isinstance(v, (int, float)) and v else v) for k, v in base.values.items()}
        for u in units
    }
    status = [
        UnitStatus(unit=u.code, name=u.name, status="Đã nộp", file=f"{u.code}.xlsx", sent_at="2023-01-10T08:30:00")
        for u in units
    ] + [UnitStatus(unit=reg.reporting_units()[5].code, name=reg.reporting_units()[5].name, status="Chưa nộp")]
    finding = Finding(
        file=f"{units[0].code}.xlsx", form=3, code="3.1", cell="'Biểu mẫu 3'!D20", rule="3-ratio-3.1",
        message="Tỷ lệ mục 3.1 phải bằng 3.1.2 / 3.1.1 × 100", unit=units[0].code,
    )
    return base.model_copy(update={"by_unit": by_unit, "status": status, "findings": [finding]})


@pytest.fixture(scope="module")
def appendix(tmp_path_factory, fig) -> Path:
    return write_appendix(fig, tmp_path_factory.mktemp("pl") / "PHU_LUC.xlsx", annexes="by-unit,status,findings")


def form_rows(ws) -> list[tuple]:
    """The table rows of a form sheet: everything after the header row that holds the unit column title."""
    rows = list(ws.iter_rows(values_only=True))
    start = next(n for n, r in enumerate(rows) if r[2] == "Đơn vị tính") + 1
    return [r[:5] for r in rows[start:]]


# --- the forms -----------------------------------------------------------------------------------------------


def test_every_indicator_with_its_figure_label_stt_and_unit(appendix, fig):
    cat = load_catalog(fig.regime)
    wb = openpyxl.load_workbook(appendix)
    assert wb.sheetnames[: len(cat.forms)] == [form_sheet(f.number) for f in cat.forms]
    checked = 0
    for form in cat.forms:
        rows = form_rows(wb[form_sheet(form.number)])
        assert len(rows) == len(form.indicators)
        for ind, (stt, label, unit, value, note) in zip(form.indicators, rows):
            assert (stt, label, unit or "") == (ind.printed_stt, ind.label, ind.unit), ind.key
            expected = fig.values.get(ind.key)
            if not ind.has_value or expected is None:
                assert value is None, ind.key  # a blank stays blank, never 0
            elif isinstance(expected, str):
                assert value == expected, ind.key  # text (“-”) stays text
            else:
                assert isinstance(value, (int, float)) and not isinstance(value, bool), ind.key
                assert value == pytest.approx(expected), ind.key
                checked += 1
            assert (note or "").replace("\u200b", "") == fig.notes.get(ind.key, ""), ind.key
    assert checked == sum(1 for v in fig.values.values() if isinstance(v, (int, float)))
    assert checked > 100


def test_number_cells_carry_a_vietnamese_format(appendix):
    ws = openpyxl.load_workbook(appendix)[form_sheet(3)]
    cells = {r[0].value: r[3] for r in ws.iter_rows(min_col=1, max_col=4) if r[0].value}
    assert cells["3.1.1."].value == 518562 and cells["3.1.1."].number_format == WHOLE_FORMAT
    assert cells["3.1."].value == 99.99 and '"99,99"' in cells["3.1."].number_format
    assert cells["2.3."].value == "-" and cells["2.3."].data_type == "s"


def test_title_block_period_and_headers(appendix, fig):
    cat = load_catalog(fig.regime)
    ws = openpyxl.load_workbook(appendix)[form_sheet(1)]
    texts = [c for r in ws.iter_rows(values_only=True) for c in r if isinstance(c, str)]
    assert texts[:3] == ["Phụ lục", cat.title.replace("CÔNG TÁC ", "CÔNG TÁC\n"), "Năm 2022"] or (
        texts[0] == "Phụ lục" and texts[1].replace("\n", " ") == cat.title and texts[2] == "Năm 2022"
    )
    assert "Biểu mẫu 1" in texts and cat.form(1).title in texts
    assert f"Chỉ tiêu thống kê\n{cat.usage}" in [t.replace("\u00a0", " ") for t in texts]
    # the title breaks between words, never inside one (“CÔNG TÁC” stays together), and “6 tháng” never splits
    assert texts[1].split("\n")[1].startswith("CÔNG TÁC")
    assert "6\u00a0tháng" in next(t for t in texts if t.startswith("Chỉ tiêu thống kê"))
    assert {"Kết quả thống kê", "Đơn vị tính", cat.value_header, "Ghi chú", "STT"} <= set(texts)
    assert not any(t.startswith("Đơn vị báo cáo") for t in texts)  # the province is the default unit
    # later forms carry only their own title, not the document's
    ws2 = openpyxl.load_workbook(appendix)[form_sheet(2)]
    first = [c for r in ws2.iter_rows(values_only=True) for c in r if isinstance(c, str)][:2]
    assert first == ["Biểu mẫu 2", cat.form(2).title]


def test_page_setup_of_an_administrative_document(appendix):
    wb = openpyxl.load_workbook(appendix)
    ws = wb[form_sheet(1)]
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    cm = lambda inch: round(inch * 2.54, 2)  # noqa: E731
    assert (cm(ws.page_margins.top), cm(ws.page_margins.bottom), cm(ws.page_margins.left)) == (2.0, 2.0, 3.0)
    assert 1.5 <= cm(ws.page_margins.right) <= 2.0
    assert "&P" in ws.oddFooter.center.text
    assert ws.print_title_rows  # the table header repeats on every printed page
    fonts = {c.font.name for r in ws.iter_rows() for c in r if c.value is not None}
    assert fonts == {"Times New Roman"}
    sizes = {c.font.sz for r in ws.iter_rows(min_row=8) for c in r if c.value is not None}
    assert sizes <= {12.0, 13.0}
    bold = {r[0].value: r[1].font.b for r in ws.iter_rows() if r[0].value in ("3.", "3.1.")}
    assert bold == {"3.": True, "3.1.": False}  # heading rows bold


def test_a_form_without_notes_gives_the_note_column_to_its_labels(appendix, fig, tmp_path):
    """Biểu mẫu 3 has no note: its note column is the seed's narrow one and the labels get the rest (fewer
    wrapped lines, fewer pages: the 2026 Biểu mẫu 3 and 4 fit one page each); Biểu mẫu 7 keeps the note
    column its notes need (a web address, 1.030.567/1.039.181). Either table is as wide as the page."""
    cat = load_catalog(fig.regime)
    assert not any(fig.notes.get(i.key) for i in cat.form(3).indicators)
    assert any(fig.notes.get(i.key) for i in cat.form(7).indicators)
    wb = openpyxl.load_workbook(appendix)
    plain, noted = ([wb[form_sheet(n)].column_dimensions[c].width for c in "ABCDE"] for n in (3, 7))
    assert plain[4] < noted[4] and plain[1] > noted[1]  # note column narrower, label column wider
    assert (plain[0], plain[2], plain[3]) == (noted[0], noted[2], noted[3])
    assert sum(plain) == pytest.approx(sum(noted), abs=0.3)
    # the labels wrap less: the table of Biểu mẫu 3 is shorter than with the wide note column
    heights = lambda ws: sum(ws.row_dimensions[r].height or 0 for r in range(1, ws.max_row + 1))  # noqa: E731
    wide = write_appendix(fig.model_copy(update={"notes": {**fig.notes, "3:3.4.2": "x"}}), tmp_path / "w.xlsx")
    assert heights(wb[form_sheet(3)]) < heights(openpyxl.load_workbook(wide)[form_sheet(3)])


def test_same_figures_give_the_same_bytes(tmp_path, fig, appendix):
    again = write_appendix(fig, tmp_path / "again.xlsx", annexes="by-unit,status,findings")
    assert again.read_bytes() == appendix.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.xlsx"]  # no temporary file left behind


def test_text_from_returns_stays_text(tmp_path, fig):
    notes = dict(fig.notes, **{"1:1": "=SUM(A1:A9)", "1:2.1": "https://lgsp.thanhhoa.gov.vn", "1:3.1": "1.234"})
    values = dict(fig.values, **{"1:3.2": "=1+1"})
    out = write_appendix(fig.model_copy(update={"notes": notes, "values": values}), tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(out)[form_sheet(1)]
    by_stt = {r[0].value: r for r in ws.iter_rows(max_col=5)}
    assert by_stt["1."][4].value == "=SUM(A1:A9)" and by_stt["1."][4].data_type == "s"
    # printed with a break opportunity after // only (a zero-width space), never as a hyperlink
    assert by_stt["2.1."][4].value == "https://\u200blgsp.thanhhoa.gov.vn" and not ws._hyperlinks
    assert by_stt["3.1."][4].value == "1.234" and by_stt["3.1."][4].data_type == "s"
    assert by_stt["3.2."][3].value == "=1+1" and by_stt["3.2."][3].data_type == "s"


def test_another_regime_period_and_reporting_unit(tmp_path):
    """Nothing regime-specific: the 2021 single-table form prints its own header, title and period."""
    fig21 = figures_from_fixture("seed_tinh_2021.json").model_copy(update={"unit": "SNV"})
    cat = load_catalog("tinh-2021")
    out = write_appendix(fig21, tmp_path / "pl21.xlsx", annexes=False)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [form_sheet(f.number) for f in cat.forms]
    texts = [c for r in wb[form_sheet(1)].iter_rows(values_only=True) for c in r if isinstance(c, str)]
    assert "6 tháng đầu năm 2021" in texts
    assert "Đơn vị báo cáo: Sở Nội vụ" in texts
    assert cat.value_header == "Kết quả" and "Kết quả" in texts
    for form in cat.forms:
        rows = form_rows(wb[form_sheet(form.number)])
        assert [r[1] for r in rows] == [i.label for i in form.indicators]


# --- annexes -------------------------------------------------------------------------------------------------


def test_annexes_by_unit_status_findings(appendix, fig):
    wb = openpyxl.load_workbook(appendix)
    names = ["by-unit", "status", "findings"]
    assert wb.sheetnames[-3:] == [ANNEX_SHEETS[n] for n in names]
    cat = load_catalog(fig.regime)
    reg = registry_of(cat)
    ws = wb[ANNEX_SHEETS["by-unit"]]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Phụ biểu 1. Số liệu theo đơn vị báo cáo"
    header = next(r for r in rows if r[0] == "STT")
    assert header[3] == "Cách tổng hợp"
    units = sorted(fig.by_unit, key=[u.code for u in reg.units].index)
    assert list(header[5:]) == [reg.by_code[u].short_name for u in units]
    row_3_1_1 = next(r for r in rows if r[0] == "3.1.1." and r[1] == cat.indicator("3:3.1.1").label)
    assert row_3_1_1[4] == 518562 and row_3_1_1[3].startswith("Cộng số của")
    assert list(row_3_1_1[5:]) == pytest.approx([fig.by_unit[u]["3:3.1.1"] for u in units])
    # rates print with two decimals as in the forms
    label = cat.indicator("3:3.1").label
    pct = [c for r in ws.iter_rows() if r[1].value == label for c in r[4:] if isinstance(c.value, (int, float))]
    assert pct and all(re.search(r'"\d+,\d\d"', c.number_format) for c in pct), [c.number_format for c in pct]

    status = [r for r in wb[ANNEX_SHEETS["status"]].iter_rows(values_only=True) if isinstance(r[0], int)]
    names_in_order = sorted((s for s in fig.status), key=lambda s: [u.code for u in reg.units].index(s.unit))
    assert [r[1] for r in status] == [s.name for s in names_in_order]
    assert {r[2] for r in status} == {"Đã nộp", "Chưa nộp"}
    assert "10/01/2023 08:30" in {r[4] for r in status}

    findings_ws = wb[ANNEX_SHEETS["findings"]]
    findings = [r for r in findings_ws.iter_rows(values_only=True) if isinstance(r[0], int)]
    assert len(findings) == 1 and findings[0][5] == fig.findings[0].message and findings[0][2] == 3
    text = " ".join(str(c) for r in findings_ws.iter_rows(values_only=True) for c in r if c is not None)
    assert "D20" not in text and "3-ratio" not in text and ".xlsx" not in text  # no cell, rule id or file


def test_yes_no_answers_print_as_co_khong(tmp_path, fig):
    cat = load_catalog(fig.regime)
    share = next(i for i in cat.value_indicators() if i.aggregate.method == "share_yes")
    units = list(fig.by_unit)
    by_unit = {u: dict(v, **{share.key: float(n % 2)}) for n, (u, v) in enumerate(fig.by_unit.items())}
    out = write_appendix(fig.model_copy(update={"by_unit": by_unit}), tmp_path / "pl.xlsx", annexes=["by-unit"])
    ws = openpyxl.load_workbook(out)[ANNEX_SHEETS["by-unit"]]
    row = next(r for r in ws.iter_rows(values_only=True) if r[1] == share.label)
    assert list(row[5 : 5 + len(units)]) == ["Không", "Có", "Không"][: len(units)]


def test_default_appendix_is_the_forms_only(tmp_path, fig):
    cat = load_catalog(fig.regime)
    out = write_appendix(fig, tmp_path / "pl.xlsx")
    assert openpyxl.load_workbook(out).sheetnames == [form_sheet(f.number) for f in cat.forms]
    assert openpyxl.load_workbook(write_appendix(fig, tmp_path / "p2.xlsx", annexes=False)).sheetnames == [
        form_sheet(f.number) for f in cat.forms
    ]


def test_unknown_annex_is_refused_in_vietnamese():
    assert parse_annexes("status, by-unit") == ("by-unit", "status")
    with pytest.raises(AppendixError, match="Không có phụ biểu “loi”"):
        parse_annexes("loi")


def test_official_header_and_signature_block(tmp_path, fig):
    out = write_appendix(fig, tmp_path / "pl.xlsx", header=Header(issuer="UBND tỉnh Thanh Hóa", body="Sở Nội vụ"))
    wb = openpyxl.load_workbook(out)
    first = [c for r in wb[form_sheet(1)].iter_rows(values_only=True) for c in r if isinstance(c, str)]
    assert first[0] == "UBND TỈNH THANH HÓA\nSỞ NỘI VỤ" and first[1].startswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert any(t.startswith("(Kèm theo Báo cáo số") and t.endswith("của UBND tỉnh Thanh Hóa)") for t in
               [t.replace("\n", " ") for t in first])
    last = [c for r in wb[wb.sheetnames[-1]].iter_rows(values_only=True) for c in r if isinstance(c, str)]
    assert any("NGƯỜI LẬP BIỂU" in t for t in last) and any("THỦ TRƯỞNG CƠ QUAN" in t for t in last)
    plain = [c for r in openpyxl.load_workbook(write_appendix(fig, tmp_path / "p.xlsx"))[form_sheet(1)].iter_rows(values_only=True)
             for c in r if isinstance(c, str)]
    assert not any("CỘNG HÒA" in t for t in plain)  # off by default


# --- bad input ----------------------------------------------------------------------------------------------


def test_failed_write_keeps_the_previous_appendix(tmp_path, fig):
    out = tmp_path / "PHU_LUC.xlsx"
    out.write_bytes(b"previous appendix")
    with pytest.raises(CatalogError, match="Không có chế độ báo cáo"):
        write_appendix(fig.model_copy(update={"regime": "khong-co"}), out)
    with pytest.raises(AppendixError, match="đuôi .xlsx"):
        write_appendix(fig, tmp_path / "PHU_LUC.pdf")
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(AppendixError, match="Không tạo được thư mục"):
        write_appendix(fig, blocker / "sub" / "PHU_LUC.xlsx")
    assert out.read_bytes() == b"previous appendix"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PHU_LUC.xlsx", "a_file"]


def test_a_district_regime_names_its_reporting_unit(tmp_path):
    cat = load_catalog("huyen-2024")
    reg = registry_of(cat)
    top = reg.by_code[reg.top]
    out = write_appendix(ProvincialFigures(regime=cat.regime, period="2024-Q1", unit=top.code), tmp_path / "h.xlsx")
    texts = [c for r in openpyxl.load_workbook(out)[form_sheet(cat.forms[0].number)].iter_rows(values_only=True)
             for c in r if isinstance(c, str)]
    assert f"Đơn vị báo cáo: {top.name}" in texts and "Quý I năm 2024" in texts


def test_unknown_period_code_is_printed_as_given(tmp_path, fig):
    out = write_appendix(fig.model_copy(update={"period": "đợt 2"}), tmp_path / "pl.xlsx", annexes=False)
    texts = [c for r in openpyxl.load_workbook(out)[form_sheet(1)].iter_rows(values_only=True) for c in r]
    assert "đợt 2" in texts


# --- number formats ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("x", [0.0, 5.0, 999.0, 1000.0, 518562.0, 10630268.0, 999999999.0])
def test_whole_numbers_use_the_literal_group_format(x):
    assert number_format(x) == WHOLE_FORMAT


def _interval(fmt: str) -> tuple[Decimal, Decimal, str]:
    m = re.fullmatch(r'\[<(-?[0-9.]+)\][^;]+;\[<(-?[0-9.]+)\]"([0-9.,]+)";[^;]+', fmt)
    assert m, fmt
    return Decimal(m.group(1)), Decimal(m.group(2)), m.group(3)


def test_fractions_print_their_own_rounding_for_their_own_value():
    rng = random.Random(7)
    samples = [99.99, 65.85, 99.7, 10.1, 0.125, 0.135, 2.675, 1234.5, 99.9975, 1e9, 1234567890.0, 615562.705]
    samples += [rng.uniform(0, 100) for _ in range(300)] + [1e-7, 0.004, 0.005, 1e15 + 0.5] + [rng.uniform(0, 1e7) for _ in range(300)]
    for x in samples:
        fmt = number_format(x)
        if fmt == WHOLE_FORMAT:
            assert float(x).is_integer()
            continue
        lo, hi, text = _interval(fmt)
        assert float(lo) <= x < float(hi), (x, fmt)  # compared as the spreadsheet does, in doubles
        assert text == fmt_vn(x, 0 if float(x).is_integer() else 2)


def _pdf_text(xlsx: Path, outdir: Path, lang: str, *pages: int) -> str:
    """Convert with LibreOffice in a child process whose locale is `lang`; the PDF's text (layout kept)."""
    env = dict(os.environ, LANG=lang, LC_ALL=lang, LANGUAGE=lang.split(".")[0])
    code = "import sys; from xlcchc.office import to_pdf; print(to_pdf(sys.argv[1], sys.argv[2]))"
    proc = subprocess.run([sys.executable, "-c", code, str(xlsx), str(outdir)], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    pdf = Path(proc.stdout.strip())
    rng = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    return subprocess.run(["pdftotext", "-layout", *rng, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@needs_office
@pytest.mark.parametrize("lang", ["en_US.UTF-8", "de_DE.UTF-8", "C"])
def test_pdf_prints_vietnamese_numbers_in_any_locale(tmp_path, fig, lang):
    out = write_appendix(fig, tmp_path / "PHU_LUC.xlsx", annexes=False)
    text = _pdf_text(out, tmp_path / "pdf", lang)
    # percentages always with two decimals (100 % → 100,00), whole counts with none
    for shown in ("518.562", "518.549", "99,99", "65,85", "99,70", "100,00", "10,10", "10.630.268", "6.234.262", "2.000", "2.103"):
        assert re.search(rf"(?<![\d.,]){re.escape(shown)}(?![\d.,])", text), (lang, shown)
    for wrong in ("518,562", "99.99", "10,630,268", "518562", "65.85"):
        assert wrong not in text, (lang, wrong)
    assert "Chỉ tiêu thống kê" in text and "Năm 2022" in text


@needs_office
def test_every_printed_page_repeats_the_table_header(tmp_path, fig):
    out = write_appendix(fig, tmp_path / "PHU_LUC.xlsx", annexes=False)
    text = _pdf_text(out, tmp_path / "pdf", "en_US.UTF-8")
    pages = [p for p in text.split("\f") if p.strip()]
    cat = load_catalog(fig.regime)
    assert len(pages) > len(cat.forms)  # some forms run over a page
    assert "Chỉ tiêu thống kê" in pages[1] and "Kết quả thống kê" in pages[1]
    assert all("Chỉ tiêu thống kê" in p and "Đơn vị tính" in p for p in pages)
    continuation = [p for p in pages if "Biểu mẫu" not in p]
    assert continuation  # a page that continues a form still starts with the header
    assert all(re.search(r"Trang \d+", p) for p in pages)


@needs_office
def test_literal_formats_round_trip_through_libreoffice(tmp_path):
    """Many values through the same formats, printed by LibreOffice under a non-Vietnamese locale."""
    rng = random.Random(11)
    values = [0.0, 7.0, 999.0, 1000.0, 100.0, 99.7, 0.5, 99.9975, 615562.705, 0.125, 2.675]
    values += [float(rng.randrange(0, 10**8)) for _ in range(12)] + [round(rng.uniform(0, 10**6), 3) for _ in range(12)]
    path = tmp_path / "fmt.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.set_column(0, 1, 30)
    for n, v in enumerate(values):
        ws.write_string(n, 0, f"v{n}")
        ws.write_number(n, 1, v, wb.add_format({"num_format": number_format(v)}))
    wb.close()
    text = _pdf_text(path, tmp_path / "pdf", "en_US.UTF-8")
    shown = dict(re.findall(r"(v\d+)\s+(\S+)", text))
    assert shown == {f"v{n}": fmt_vn(v) for n, v in enumerate(values)}


@needs_office
def test_forms_print_in_at_most_twelve_pages_broken_where_the_program_chose(tmp_path, fig):
    """The default appendix is the seven forms, ~12 pages; LibreOffice adds no page break of its own (so the
    program's breaks — never after a heading, never a few spilled rows — are the ones printed)."""
    out = write_appendix(fig, tmp_path / "PHU_LUC.xlsx")
    text = _pdf_text(out, tmp_path / "pdf", "vi_VN.UTF-8")
    pages = [p for p in text.split("\f") if p.strip()]
    wb = openpyxl.load_workbook(out)
    breaks = {ws.title: [b.id for b in ws.row_breaks.brk] for ws in wb.worksheets}
    assert len(pages) == sum(len(b) + 1 for b in breaks.values()) <= 12
    cat = load_catalog(fig.regime)
    for form in cat.forms:
        ws = wb[form_sheet(form.number)]
        stt_of_row = {r[0].row - 1: r[0].value for r in ws.iter_rows(max_col=1) if r[0].value}
        by_stt = {i.printed_stt: n for n, i in enumerate(form.indicators)}
        for b in breaks[ws.title]:
            before = form.indicators[by_stt[stt_of_row[b - 1]]]
            after = form.indicators[by_stt[stt_of_row[b]]]
            assert before.has_value and not after.depth > before.depth, (form.number, before.code)  # no orphan heading
        if breaks[ws.title]:
            last = breaks[ws.title][-1]
            assert sum(1 for r in stt_of_row if r >= last) >= 4  # the last page holds more than a few spilled rows


def test_the_last_page_never_starts_inside_a_group_that_fits_on_it():
    """3.3 (a ratio) and 3.3.1 at the foot of one page and 3.3.2 alone on the next: the group moves over whole
    (the 2026 Biểu mẫu 3 printed so). Rows: (level, height); the page holds 100 pt."""
    from xlcchc.printing import Line, page_breaks

    levels = [0, 1, 2, 2, 1, 2, 2, 1, 2, 2]  # 3. · 3.1 3.1.1 3.1.2 · 3.2 3.2.1 3.2.2 · 3.3 3.3.1 3.3.2
    rows = [Line(n, 12.0, lv, n + 1 < len(levels) and levels[n + 1] > lv) for n, lv in enumerate(levels)]
    breaks = page_breaks(rows, first_page=100, other_pages=100)
    # Eight rows fit a page; 3.3 keeps with its first child, four rows at least go over (3.2.2 …), and then
    # the whole 3.2 group: the page starts at 3.2, not inside it at 3.2.2.
    assert breaks == [4]
    assert rows[breaks[-1]].level <= 1


@needs_office
def test_the_by_unit_annex_is_broken_where_the_program_chose(tmp_path, fig):
    """The annexes get the forms' page breaks too (left to LibreOffice, a page of the by-unit annex held one
    row): the PDF has exactly the program's pages, and the last page holds more than a few rows."""
    out = write_appendix(fig, tmp_path / "PHU_LUC.xlsx", annexes="by-unit,status")
    text = _pdf_text(out, tmp_path / "pdf", "en_US.UTF-8")
    pages = [p for p in text.split("\f") if p.strip()]
    wb = openpyxl.load_workbook(out)
    expected = sum((len(ws.row_breaks.brk) + 1) * (len(ws.col_breaks.brk) + 1) for ws in wb.worksheets)
    assert len(pages) == expected
    ws = wb[ANNEX_SHEETS["by-unit"]]
    breaks = [b.id for b in ws.row_breaks.brk]
    assert breaks
    labels = {r[0].row - 1: r[1].value for r in ws.iter_rows(max_col=2)}
    for b in breaks:
        assert not str(labels.get(b - 1) or "").startswith("Biểu mẫu "), b  # a form's title never at the foot
    assert sum(1 for r, v in labels.items() if r >= breaks[-1] and v) >= 4
