"""Real templates: fill → read → check → annotate → read again; values export round trip; robustness."""

import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlcchc import layout
from xlcchc.catalog import load_catalog, registry_of
from xlcchc.check import check_file, check_return, is_fatal
from xlcchc.periods import parse_period
from xlcchc.read import read_return, values_of
from xlcchc.template import build_template, fill_template
from xlcchc.values import ValueRow, ValuesDoc, export_values

from .bad_inputs.make_corpus import random_values, set_values
from .conftest import ROOT

CAT = load_catalog("tinh-2022")
REG = registry_of(CAT)
PERIOD = parse_period("2022-N")


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("tpl")
    out = {}
    for code in ("TINH", "SNV", "H-THO-XUAN"):
        out[code] = build_template(CAT, REG.by_code[code], PERIOD, d / f"{code}.xlsx")
    return out


def _doc(unit: str, vals: dict, notes: dict | None = None) -> ValuesDoc:
    notes = notes or {}
    keys = sorted(set(vals) | set(notes))
    return ValuesDoc(
        regime="tinh-2022", unit=unit, period="2022-N",
        values=[ValueRow(form=int(k.split(":")[0]), code=k.split(":")[1], value=vals.get(k), note=notes.get(k, "")) for k in keys],
    )


def test_consistent_filling_reads_back_and_has_no_errors(templates, tmp_path):
    unit = REG.by_code["SNV"]
    vals = random_values(CAT, unit, random.Random(3))
    out = tmp_path / "snv.xlsx"
    fill_template(templates["SNV"], _doc("SNV", vals), out)
    ret = read_return(out, expected_unit="SNV", expected_period="Năm 2022", regime="tinh-2022")
    assert ret.unit == "SNV" and ret.period == "2022-N" and ret.problems == []
    got = values_of(ret)
    for k, v in vals.items():
        assert got[k] == v
    assert [f for f in check_return(ret) if f.severity == "Lỗi"] == []


def test_annotated_copy_is_a_protected_template_that_can_be_checked_again(templates, tmp_path):
    unit = REG.by_code["SNV"]
    vals = random_values(CAT, unit, random.Random(4))
    vals["3:3.1.2"] = vals["3:3.1.1"] + 7  # on time > settled: an error
    notes = {"3:3.1.1": "=SUM(A1:A9) (ghi chú, không phải công thức)", "1:1": "Văn bản số 12/UBND"}
    filled = tmp_path / "snv.xlsx"
    fill_template(templates["SNV"], _doc("SNV", vals, notes), filled)
    filled = tmp_path / "snv_raw.xlsx"
    filled.write_bytes(set_values((tmp_path / "snv.xlsx").read_bytes(), {"3:3.4.1": "48/48"}))
    before = filled.read_bytes()
    findings = check_file(filled)
    rules = {f.rule for f in findings}
    assert "3-le-3.1.2-3.1.1" in rules and "cell.fraction" in rules

    out = tmp_path / "annotated.xlsx"
    r = subprocess.run(
        [sys.executable, "-m", "xlcchc", "check", str(filled), "--annotate", str(out)],
        capture_output=True, text=True, encoding="utf-8", cwd=ROOT,
    )
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert filled.read_bytes() == before  # never the original

    # Still a template: read and check again, same findings (file name aside), notes still text.
    ret = read_return(out)
    again = check_return(ret)
    assert {(f.rule, f.cell) for f in again} == {(f.rule, f.cell) for f in findings}
    assert ret.notes["3:3.1.1"] == notes["3:3.1.1"]

    with zipfile.ZipFile(out) as z:
        wbxml = z.read("xl/workbook.xml").decode()
        assert 'lockStructure="1"' in wbxml
        sheets = dict(re.findall(r'<sheet name="([^"]+)" sheetId="\d+"[^>]*r:id="(rId\d+)"', wbxml))
        assert layout.RESULT_SHEET in sheets
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        for name in (layout.form_sheet(3), layout.RESULT_SHEET):
            target = re.search(rf'Id="{sheets[name]}"[^>]*Target="/?(?:xl/)?([^"]+)"', rels) or re.search(
                rf'Target="/?(?:xl/)?([^"]+)"[^>]*Id="{sheets[name]}"', rels)
            xml = z.read("xl/" + target.group(1)).decode()
            assert "<sheetProtection" in xml and 'sheet="1"' in xml
        # the note cell holds the note as a string, never as <f>
        names = dict(re.findall(r'<definedName name="([^"]+)">([^<]+)</definedName>', wbxml))
        addr = layout.split_ref(names[layout.note_name(3, "3.1.1")])[1]
        s3 = z.read("xl/" + (re.search(rf'Id="{sheets[layout.form_sheet(3)]}"[^>]*Target="/?(?:xl/)?([^"]+)"', rels)
                             or re.search(rf'Target="/?(?:xl/)?([^"]+)"[^>]*Id="{sheets[layout.form_sheet(3)]}"', rels)).group(1)).decode()
        cell = re.search(rf'<c r="{addr}"[^>]*?(?:/>|>.*?</c>)', s3).group(0)
        assert "<f>" not in cell and 't="s"' in cell or 't="inlineStr"' in cell
        comments = [n for n in z.namelist() if "comments" in n]
        # (the filling also breaks a form-1 rule now, so form 3's comments need not be the first part)
        assert comments and any("3.1.2" in z.read(c).decode() for c in comments if c.endswith(".xml"))

    from openpyxl import load_workbook

    wb = load_workbook(out)
    res = wb[layout.RESULT_SHEET]
    from xlcchc.annotate import RESULT_HEADER_ROW

    rows = list(res.iter_rows(min_row=RESULT_HEADER_ROW + 1, values_only=False))  # under the title and header
    assert len(rows) == len(findings)
    links = [r[4].hyperlink.location if r[4].hyperlink and r[4].hyperlink.location else (r[4].hyperlink.target if r[4].hyperlink else None) for r in rows]
    assert any(l and "Biểu mẫu 3" in l for l in links)
    assert wb[layout.form_sheet(3)].protection.sheet

    # deterministic: annotating again gives the same bytes
    out2 = tmp_path / "annotated2.xlsx"
    from xlcchc.annotate import annotate_copy

    annotate_copy(filled, findings, out2)
    annotate_copy(filled, findings, out)
    assert out.read_bytes() == out2.read_bytes()


_count = st.integers(min_value=0, max_value=10**9)
_text = st.text(alphabet=st.sampled_from("abcđêơư ,.-=%/0123456789ÁẠỸ\n"), min_size=1, max_size=40)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_roundtrip_random_values_fill_then_export(templates, tmp_path_factory, data):
    """Every value written by fill_template comes back from export_values exactly as given."""
    code = data.draw(st.sampled_from(["SNV", "H-THO-XUAN", "TINH"]))
    unit = REG.by_code[code]
    vals, notes = {}, {}
    for ind in CAT.value_indicators():
        if not CAT.applies(ind, unit) or CAT.computed(ind, unit):
            continue
        kind = ind.unit_kind_of_value(unit.kind)
        strat = {
            "count": _count, "choice": st.sampled_from([c.value for c in ind.unit_choices()]),
            "percent": st.floats(min_value=0, max_value=100, allow_nan=False).map(lambda x: round(x, 2)),
        }.get(kind, st.floats(min_value=0, max_value=1e9, allow_nan=False))
        v = data.draw(st.one_of(st.none(), strat, _text) if ind.key.endswith("1") else st.one_of(st.none(), strat))
        if v is not None:
            vals[ind.key] = v
        if data.draw(st.booleans()):
            notes[ind.key] = data.draw(_text)
    out = tmp_path_factory.mktemp("rt") / "f.xlsx"
    fill_template(templates[code], _doc(code, vals, notes), out)
    doc = export_values(out)
    got = {r.key: r for r in doc.values}
    assert doc.unit == code and doc.period == "2022-N" and doc.regime == "tinh-2022"
    for k, v in vals.items():
        assert got[k].value == v and type(got[k].value) in ((int, float) if isinstance(v, (int, float)) else (str,))
    for k, n in notes.items():
        assert got[k].note == n
    for k, r in got.items():
        if k not in vals and not CAT.computed(CAT.indicators[k], unit):
            assert r.value is None


_raw = st.one_of(
    st.none(), st.integers(-10**6, 10**12), st.floats(allow_nan=True, allow_infinity=False, width=64),
    _text, st.booleans(), st.sampled_from([("e", "#DIV/0!"), ("e", "#REF!"), ("f", "1+1", 2), ("date", 44927)]),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_cell_contents_never_crash(templates, tmp_path_factory, data):
    unit = REG.by_code["SNV"]
    keys = [i.key for i in CAT.value_indicators() if CAT.applies(i, unit) or CAT.computed(i, unit)]
    chosen = data.draw(st.lists(st.sampled_from(keys), min_size=1, max_size=12, unique=True))
    specs = {k: data.draw(_raw) for k in chosen}
    specs = {k: (v if not (isinstance(v, float) and v != v) else ("e", "#NUM!")) for k, v in specs.items()}
    path = tmp_path_factory.mktemp("rc") / "r.xlsx"
    path.write_bytes(set_values(templates["SNV"].read_bytes(), specs))
    found = check_file(path)
    assert not any(is_fatal(f) for f in found)
    assert all(f.message and f.rule for f in found)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_damage_never_crashes(templates, tmp_path_factory, data):
    """Flipped bytes, truncation, or damaged XML inside the zip: findings, never an exception."""
    raw = templates["SNV"].read_bytes()
    how = data.draw(st.sampled_from(["bytes", "truncate", "xml"]))
    if how == "bytes":
        b = bytearray(raw)
        for _ in range(data.draw(st.integers(1, 20))):
            b[data.draw(st.integers(0, len(b) - 1))] = data.draw(st.integers(0, 255))
        damaged = bytes(b)
    elif how == "truncate":
        damaged = raw[: data.draw(st.integers(0, len(raw)))]
    else:
        from .bad_inputs.make_corpus import rewrite_zip

        member = data.draw(st.sampled_from(["xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml", "xl/worksheets/sheet4.xml", "xl/worksheets/sheet10.xml", "xl/_rels/workbook.xml.rels"]))
        junk = data.draw(st.binary(max_size=30))
        pos = data.draw(st.floats(0, 1))
        damaged = rewrite_zip(raw, {member: lambda x: x[: int(len(x) * pos)] + junk + x[int(len(x) * pos) + len(junk):]})
    path = tmp_path_factory.mktemp("dm") / "d.xlsx"
    path.write_bytes(damaged)
    found = check_file(path)
    assert isinstance(found, list)
    assert all(f.message for f in found)
