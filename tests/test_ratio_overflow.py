"""A ratio beyond a double (a crafted denominator such as 5e-324 under a figure): never a traceback.

num/den × 100 × 100 overflows for 1/5e-324 or 10¹⁵/10⁻³⁰⁰. The template's formula shows #NUM! there
(LibreOffice, checked below on the overflow boundary itself); Python gives no percentage (`percent_shown`
is None, the computed cell is blank to the rules as #NUM! is to COUNT and ISNUMBER), the check says
why in Vietnamese naming the sheet and the row (`cell.ratio_uncomputable`), and the merge and the
appendix print no infinite or made-up figure. Real files through the real commands; hypothesis over
the extreme floats for the functions themselves.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcchc import layout
from xlcchc.catalog import load_catalog, registry_of
from xlcchc.check import check_values
from xlcchc.diagnose import diagnose_plan
from xlcchc.formulas import (
    _accepted_text,
    computed_ratio,
    count_numbers,
    fraction_fits,
    is_number,
    percent_accepted,
    percent_printed,
    percent_shown,
    ratio_formula,
    ratio_uncomputable,
)
from xlcchc.office import recalculate, soffice_available
from xlcchc.rule_plan import rule_plan
from xlcchc.template import fill_template
from xlcchc.values import ValueRow, ValuesDoc, export_values

from .bad_inputs.make_corpus import base_template, filled, set_values

CAT = load_catalog("tinh-2022")
REG = registry_of(CAT)
SNV = REG.by_code["SNV"]
TINH = REG.by_code["TINH"]
NUM, DEN, RATIO = "3:3.1.2", "3:3.1.1", "3:3.1"  # a ratio the template computes for a department
DBL_MAX = sys.float_info.max


def _overflows(num: float, den: float) -> bool:
    """What the spreadsheet's INT(num/den*100*100+…) overflows on: the very IEEE steps it takes."""
    return not math.isfinite(num / den * 100 * 100)


def _edge(num: float) -> float:
    """The smallest denominator for which num/den × 100 still rounds (one step below it overflows)."""
    den = num * 1e4 / DBL_MAX
    while _overflows(num, den):
        den = math.nextafter(den, 1)
    while not _overflows(num, math.nextafter(den, 0)):
        den = math.nextafter(den, 0)
    return den


_figure = st.one_of(st.floats(min_value=0, max_value=1e15), st.integers(min_value=0, max_value=10**15))
_tiny = st.floats(min_value=5e-324, max_value=1e-280)
_any = st.floats(allow_nan=False, allow_infinity=False)


# --- the functions, over the extreme floats ---------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(num=st.one_of(_figure, _any), den=st.one_of(_tiny, _any, _figure).filter(lambda d: d != 0))
def test_percent_shown_is_none_exactly_where_the_formula_overflows(num, den):
    got = percent_shown(num, den)
    assert (got is None) == _overflows(num, den)
    assert computed_ratio(num, den) == got or (got is None and computed_ratio(num, den) is None)
    assert ratio_uncomputable(num, den) is (got is None)
    if got is not None:
        assert math.isfinite(got)
        if 0 <= num < den:
            assert got < 100  # never 100 for what is not all
        if num > 0 and den > 0:
            assert got > 0  # never 0 for a few
    else:
        assert percent_accepted(50.0, num, den) is False  # no printed figure says a ratio beyond a double


@settings(max_examples=300, deadline=None)
@given(x=st.floats(allow_nan=True, allow_infinity=True))
def test_percent_printed_never_prints_inf_nan_or_an_overflow(x):
    got = percent_printed(x)
    if not math.isfinite(x * 100):
        assert got is None
    else:
        assert got is not None and math.isfinite(got)
        assert got != 100 or x >= 100


@settings(max_examples=300, deadline=None)
@given(t=_any, num=st.one_of(_figure, _any), den=st.one_of(_tiny, _any).filter(lambda d: d != 0),
       n=st.integers(min_value=1, max_value=100))
def test_acceptance_and_fractions_never_raise(t, num, den, n):
    assert percent_accepted(t, num, den) in (True, False)
    assert fraction_fits(t, n) in (True, False)


def test_an_int_beyond_a_double_is_not_a_number():
    huge = 10**400
    assert not is_number(huge) and not is_number(-huge)
    assert count_numbers([huge, 1, 2.5, float("inf")]) == 2
    assert computed_ratio(1, huge) is None and computed_ratio(huge, 3) is None
    assert percent_printed(huge) is None


# --- the check and its diagnosis ---------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(num=_figure, den=st.one_of(_tiny, _figure), typed=st.one_of(st.none(), st.floats(0, 100), _tiny))
def test_check_words_an_uncomputable_ratio_and_never_raises(num, den, typed):
    # the computed row as a return gives it (recomputed), and as a values file may carry it (typed)
    for unit, ratio in ((SNV, computed_ratio(num, den)), (TINH, computed_ratio(num, den)), (TINH, typed)):
        vals = {NUM: num, DEN: den, RATIO: ratio}
        found = check_values(vals, CAT, unit)
        for f in found:
            assert "inf" not in f.message and "nan" not in f.message, f.message
        mine = [f for f in found if f.rule == "cell.ratio_uncomputable"]
        if ratio is None and den and ratio_uncomputable(num, den):
            assert len(mine) == 1 and mine[0].form == 3 and mine[0].code == "3.1" and mine[0].severity == "Lỗi"
            assert "Biểu mẫu 3, mục 3.1: không tính được tỷ lệ 3.1.2/3.1.1" in mine[0].message
        else:
            assert mine == []
        plan = rule_plan(CAT, unit, frozenset())
        status = {r.id: fn(vals) for r, fn in zip(plan.rules, plan.status)}
        diagnose_plan(dict(vals), CAT, plan, status)  # suggests nothing for a ratio beyond a double, raises nothing


def test_a_typed_percentage_of_an_uncomputable_ratio_is_an_error_that_says_so():
    found = check_values({NUM: 1, DEN: 5e-324, RATIO: 50}, CAT, TINH)
    ratio = [f for f in found if f.rule == "3-ratio-3.1"]
    assert len(ratio) == 1 and ratio[0].severity == "Lỗi" and ratio[0].expected is None
    assert "không tính được vì mẫu số quá nhỏ" in ratio[0].message and "4,94 × 10⁻³²⁴" in ratio[0].message


def test_a_relation_finding_never_names_0_for_a_tiny_figure():
    for den, shown in ((0.0004, "0,0004"), (5e-324, "4,94 × 10⁻³²⁴")):
        le = [f for f in check_values({NUM: 1, DEN: den}, CAT, SNV) if f.rule == "3-le-3.1.2-3.1.1"]
        assert len(le) == 1 and le[0].message.endswith(f"3.1.2 = 1 > 3.1.1 = {shown}"), le


_near_whole = st.builds(lambda k, e: k + e, st.integers(-1000, 1000), st.floats(-1e-3, 1e-3).filter(lambda e: e != 0))


@settings(max_examples=300, deadline=None)
@given(x=st.one_of(_near_whole, _tiny, _tiny.map(lambda t: -t), st.floats(-1e6, 1e6), st.floats(99.99, 100.01)))
def test_a_domain_finding_names_a_figure_that_breaks_the_rule_as_the_value_does(x):
    """2,0004 in a count row is not whole, so the finding must not print “2” (nor “0” for -0,0001, nor
    “100,00%” for 100,0001%): the figure named, read back the Vietnamese way, breaks the rule too."""
    from xlcchc.numbers import parse_vn

    for key, unit, breaks in ((DEN, SNV, lambda y: y < 0 or not float(y).is_integer()),
                              (RATIO, TINH, lambda y: not 0 <= y <= 100)):
        found = [f for f in check_values({key: x}, CAT, unit) if f.rule.endswith("domain-" + key.split(":")[1])]
        assert bool(found) == breaks(x)
        if found:
            shown = found[0].message.split(": ", 1)[1].removeprefix("tỷ lệ ").split(" ")[0].rstrip("%")
            if "× 10" in found[0].message:  # 4,94 × 10⁻³²⁴: too small for any decimals
                assert abs(x) < 0.005
            else:
                assert breaks(parse_vn(shown).value), (x, found[0].message)


# --- real files through the real commands --------------------------------------------------------------


def _run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlcchc", *args], capture_output=True, text=True, timeout=300, cwd=cwd)


@pytest.fixture(scope="module")
def crafted(tmp_path_factory):
    """A department's return whose denominator 3.1.1 holds 5e-324 (written as Excel stores a number)."""
    path = tmp_path_factory.mktemp("crafted") / "BC_CCHC_2022_SNV.xlsx"
    path.write_bytes(set_values(filled("SNV"), {DEN: 5e-324, NUM: 1}))
    return path


def test_check_of_the_crafted_return_names_sheet_and_row(crafted):
    r = _run("check", str(crafted), "--json")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    found = json.loads(r.stdout)
    mine = [f for f in found if f["rule"] == "cell.ratio_uncomputable"]
    assert len(mine) == 1 and mine[0]["cell"].startswith("'Biểu mẫu 3'!")
    assert mine[0]["message"].startswith("Biểu mẫu 3, mục 3.1: không tính được tỷ lệ 3.1.2/3.1.1 = 1/4,94 × 10⁻³²⁴")
    assert not [f for f in found if f["rule"].startswith("doc.")]  # read, not refused as unreadable
    plain = _run("check", str(crafted))
    assert plain.returncode == 1 and "không tính được tỷ lệ" in plain.stdout and "Error" not in plain.stdout


def test_merge_and_appendix_of_the_crafted_return_print_no_infinite_figure(crafted, tmp_path):
    folder = tmp_path / "bao-cao"
    folder.mkdir()
    (folder / crafted.name).write_bytes(crafted.read_bytes())
    out = tmp_path / "TONG_HOP.xlsx"
    r = _run("merge", str(folder), "-o", str(out), "--json")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    merged = json.loads(r.stdout)
    values = {f"{v['form']}:{v['code']}": v["value"] for v in merged["values"]}
    assert values[RATIO] is None and values[DEN] == 5e-324  # what the unit sent; no percentage made up
    snv = next(s for s in merged["status"] if s["unit"] == "SNV")
    assert snv["status"] == "Có lỗi" and snv["file"] == crafted.name
    wb = openpyxl.load_workbook(out)
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("không tính được tỷ lệ 3.1.2/3.1.1" in t for t in texts)
    numbers = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, float)]
    assert all(math.isfinite(x) for x in numbers)
    app = tmp_path / "PHU_LUC.xlsx"
    r = _run("appendix", str(out), "-o", str(app))
    assert r.returncode == 0 and "Traceback" not in r.stderr + r.stdout, r.stderr
    wb = openpyxl.load_workbook(app)
    cells = [c.value for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(math.isfinite(x) for x in cells if isinstance(x, float))
    assert not [x for x in cells if isinstance(x, str) and x.strip().lower() in ("inf", "nan", "-inf")]


def test_fill_template_with_an_uncomputable_ratio_round_trips(tmp_path):
    template = tmp_path / "SNV.xlsx"
    template.write_bytes(base_template("SNV"))
    doc = ValuesDoc(regime="tinh-2022", unit="SNV", period="2022-N", values=[
        ValueRow(form=3, code="3.1.1", value=5e-324), ValueRow(form=3, code="3.1.2", value=1),
        ValueRow(form=3, code="3.1", value=50),  # the computed row: a disagreement, never written
    ])
    out = tmp_path / "filled.xlsx"
    report = fill_template(template, doc, out)
    assert RATIO not in report.written and [i.code for i in report.skipped if i.code == "3.1"] == ["3.1"]
    got = {r.key: r.value for r in export_values(out).values}
    assert got[DEN] == 5e-324 and got[NUM] == 1 and got[RATIO] is None


def test_values_file_numbers_beyond_any_figure_are_refused_like_cells(tmp_path):
    path = tmp_path / "so_lieu.json"
    doc = {"regime": "tinh-2022", "unit": "SNV", "period": "2022-N", "values": [
        {"form": 3, "code": "3.1.1", "value": 10**400}, {"form": 3, "code": "3.1.2", "value": 1e300}]}
    path.write_text(json.dumps(doc))
    r = _run("check", str(path), "--json")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    found = {f["code"]: f for f in json.loads(r.stdout) if f["form"] == 3 and f["code"] in ("3.1.1", "3.1.2")}
    assert found["3.1.1"]["rule"] == found["3.1.2"]["rule"] == "cell.too_large"
    assert "hữu hạn" in found["3.1.1"]["message"] and "1e+300 quá lớn" in found["3.1.2"]["message"]


# --- LibreOffice: the formula overflows exactly where Python says no percentage -------------------------


@pytest.mark.skipif(not soffice_available(), reason="LibreOffice is required to recalculate")
def test_libreoffice_shows_num_error_exactly_where_python_gives_no_percentage(tmp_path, crafted):
    pairs = [(1, 5e-324), (1e15, 1e-300), (1, 1e-306), (1, 1e-304), (3, 1e-305), (518549, 518562)]
    for num in (1, 7, 1e14, 999999999999999.0):
        den = _edge(num)
        pairs += [(num, den), (num, math.nextafter(den, 0))]
    path = tmp_path / "edge.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("K")
    for r, (num, den) in enumerate(pairs):
        ws.write_number(r, 1, num)
        ws.write_number(r, 2, den)
        ws.write_number(r, 3, 50)
        ws.write_formula(r, 0, ratio_formula(f"B{r + 1}", f"C{r + 1}"), None, "")
        ws.write_formula(r, 4, f"=IF({_accepted_text(f'D{r + 1}', f'B{r + 1}', f'C{r + 1}')},1,0)", None, "")
    wb.close()
    sheet = openpyxl.load_workbook(recalculate(path, tmp_path / "recalc"), data_only=True)["K"]
    diffs = []
    for r, (num, den) in enumerate(pairs):
        shown, accepted = sheet.cell(r + 1, 1).value, sheet.cell(r + 1, 5).value
        want = computed_ratio(num, den)
        if want is None:
            ok = shown == "#NUM!" and accepted == "#NUM!" and not percent_accepted(50, num, den)
        else:
            ok = shown == pytest.approx(want, rel=1e-14) and accepted == (1 if percent_accepted(50, num, den) else 0)
        if not ok:
            diffs.append((num, den, want, shown, accepted))
    assert diffs == []
    assert sum(computed_ratio(n, d) is None for n, d in pairs) >= 7  # both sides of every edge were written
    # and the crafted return's own computed cell, recalculated: #NUM!, where the check says it cannot be computed
    book = openpyxl.load_workbook(recalculate(crafted, tmp_path / "recalc-return"), data_only=True)
    ((title, ref),) = book.defined_names[layout.value_name(3, "3.1")].destinations
    assert book[title][ref.replace("$", "")].value == "#NUM!"


def test_appendix_compare_with_a_history_percentage_beyond_rounding_prints_no_figure(tmp_path):
    """D-adv: a crafted history whose percentage is a finite 1e308 (history add never checks magnitudes)
    made `appendix --compare` fail with an OverflowError in percent_printed; the column is blank now."""
    from pathlib import Path

    from xlcchc.history.record import add_figures
    from xlcchc.history.store import open_store
    from xlcchc.merge import merge_folder
    from xlcchc.provincial import ProvincialFigures

    samples = Path(__file__).resolve().parent.parent / "samples" / "bao-cao-2022"
    tong_hop = tmp_path / "TONG_HOP.xlsx"
    merge_folder(samples, tong_hop, period="2022-N")
    with open_store(tmp_path / "LICH_SU_SO_LIEU_CCHC.sqlite") as s:  # the default name beside TONG_HOP.xlsx
        add_figures(s, ProvincialFigures(regime="tinh-2021", period="2021-N", values={"3:3.4.1": 1e308}),
                    file="TH_2021.xlsx", sha256="x")  # tinh-2021 3:3.4.1 is tinh-2022's rate 3:3.1
    out = tmp_path / "PHU_LUC.xlsx"
    r = _run("appendix", str(tong_hop), "-o", str(out), "--compare", "cung-ky")
    assert r.returncode == 0 and "Traceback" not in r.stderr and "Overflow" not in r.stderr + r.stdout, r.stderr
    rows = [list(x) for x in openpyxl.load_workbook(out)["Biểu mẫu 3"].iter_rows(values_only=True)]
    head = next(x for x in rows if "Cùng kỳ năm trước (Năm 2021)" in x)
    rate = next(x for x in rows if x[0] == "3.1.")
    assert rate[head.index("Cùng kỳ năm trước (Năm 2021)")] is None
    assert all(math.isfinite(v) for x in rows for v in x if isinstance(v, float))
