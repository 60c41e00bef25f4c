"""The seeds' printed figures of tinh-2021 and huyen-2024 through every stage, one reporting unit each.

template (the unit's locked workbook) → fill → check (workbook and values file agree) → merge of the
folder (one unit: a department for the province, a commune for the district) → the consolidator types the
figures only the consolidator knows as adjustments in TONG_HOP.xlsx → read_provincial → appendix.
At the end the appendix prints the seed's table: every printed figure in its row.
"""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from xlcchc.appendix import write_appendix
from xlcchc.catalog import load_catalog, registry_of
from xlcchc.check import check_doc, check_file
from xlcchc.layout import form_sheet
from xlcchc.merge import merge_folder, read_provincial
from xlcchc.merge.model import adjustment_name, reason_name
from xlcchc.periods import parse_period
from xlcchc.template import build_template, fill_template
from xlcchc.values import ValueRow, ValuesDoc

from .conftest import FIXTURES

# regime → (fixture, the one reporting unit, its answer to share-of-units rows and 0/1 count rows)
CASES = {
    "tinh-2021": ("seed_tinh_2021.json", "SNV"),
    "huyen-2024": ("seed_huyen_2024.json", "X-XUAN-HONG"),
}


def _num(v):
    """A printed figure as the reader sees it: “-” (nothing happened) is 0, other text is no number."""
    if v == "-":
        return 0.0
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _unit_values(cat, unit, seed: dict) -> dict:
    """What the one unit types: the seed's figure in every row it fills (a yes for share-of-units rows)."""
    out = {}
    for key, v in seed.items():
        ind = cat.indicators[key]
        if not cat.applies(ind, unit) or cat.computed(ind, unit):
            continue
        if ind.aggregate.method == "share_yes":
            v = 1 if v == 100 else v  # every answering unit said yes: 100 %
        elif key == "7:7.6.2" and cat.regime == "huyen-2024":
            v = 1  # this commune applies ISO (the district's 30 is the sum over its 30 communes)
        out[key] = v
    return out


@pytest.fixture(scope="module", params=sorted(CASES))
def run(request, tmp_path_factory):
    regime = request.param
    fixture, code = CASES[regime]
    data = json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))
    seed = {f"{r['form']}:{r['code']}": r["value"] for r in data["values"]}
    notes = {f"{r['form']}:{r['code']}": r["note"] for r in data["values"] if r["note"]}
    cat = load_catalog(regime)
    reg = registry_of(cat)
    unit = reg.by_code[code]
    period = parse_period(data["period"])
    tmp = tmp_path_factory.mktemp(regime)
    folder = tmp / "returns"
    folder.mkdir()
    tpl = build_template(cat, unit, period, tmp / "mau.xlsx")
    typed = _unit_values(cat, unit, seed)
    doc = ValuesDoc(regime=regime, unit=code, period=period.code, values=[
        ValueRow(form=int(k.split(":")[0]), code=k.split(":")[1], value=v, note=notes.get(k, "") if k in typed else "")
        for k, v in typed.items()])
    ret = folder / f"{code}.xlsx"
    report = fill_template(tpl, doc, ret, cover={"BIA_NGAY_GUI": dt.datetime(period.year, 7, 5, 9, 0),
                                                 "BIA_TRANG_THAI": "Chính thức"})
    out = tmp / "TONG_HOP.xlsx"
    fig = merge_folder(folder, out, expected=[code])
    return dict(regime=regime, cat=cat, reg=reg, unit=unit, seed=seed, typed=typed, doc=doc, ret=ret,
                report=report, out=out, fig=fig, tmp=tmp)


def test_the_unit_fills_only_its_rows(run):
    cat, typed = run["cat"], run["typed"]
    assert typed and len(typed) < len(cat.value_indicators())
    assert sorted(run["report"].written) == sorted(k for k, v in typed.items() if v is not None)
    if run["regime"] == "huyen-2024":
        assert all("xa" in cat.indicators[k].aggregate.filled_by for k in typed)


def test_check_of_the_workbook_agrees_with_the_check_of_the_values(run):
    book = check_file(run["ret"])
    # How a cell stores its value (text that reads as a number, a note beginning with “=”) is the
    # workbook's own matter: a values file has no cell types. Such rows are text in the values file too.
    workbook_only = {"cell.text_number", "cell.note_formula"}
    from_book = {(f.severity, f.rule, f.code) for f in book if f.rule not in workbook_only}
    from_values = {(f.severity, f.rule, f.code) for f in check_doc(run["doc"])}
    assert from_book == from_values
    typed_text = {(r.form, r.code) for r in run["doc"].values if isinstance(r.value, str)}
    assert {(f.form, f.code) for f in book if f.rule == "cell.text_number"} <= typed_text
    if run["regime"] == "tinh-2021":
        assert ("Lỗi", "cell.fraction", "5.1.1") in from_book  # SNV typed the printed “48/48”


def test_merge_of_one_unit_gives_its_figures(run):
    fig, cat, unit, seed = run["fig"], run["cat"], run["unit"], run["seed"]
    assert fig.regime == run["regime"] and fig.unit == run["reg"].top
    assert [s.unit for s in fig.status] == [unit.code] and fig.status[0].status in ("Đã nộp", "Có lỗi")
    checked = 0
    for ind in cat.value_indicators():
        a = ind.aggregate
        if a.method == "sum" and (unit.kind in a.filled_by):
            want = 1.0 if ind.key == "7:7.6.2" and run["regime"] == "huyen-2024" else _num(seed[ind.key])
            assert fig.values[ind.key] == want, ind.key
            checked += 1
        elif a.method == "lead" and a.lead == unit.code:
            assert fig.values[ind.key] == _num(seed[ind.key]), ind.key
            checked += 1
        elif a.method == "share_yes" and unit.kind in a.filled_by:
            assert fig.values[ind.key] == 100.0
            checked += 1
        elif a.method in ("none", "lead", "sum", "share_yes"):
            assert fig.values[ind.key] is None, ind.key  # nobody reported it yet
    assert checked >= 10


def _type_adjustments(run) -> dict[str, float]:
    """The consolidator types, in TONG_HOP.xlsx, every printed figure the merge could not form."""
    fig, cat, seed = run["fig"], run["cat"], run["seed"]
    wb = openpyxl.load_workbook(run["out"])
    typed = {}
    for ind in cat.value_indicators():
        want, have = _num(seed[ind.key]), fig.values.get(ind.key)
        if want is None or (have is not None and abs(have - want) < 1e-9):
            continue
        for name, value in ((adjustment_name(ind.form, ind.code), want), (reason_name(ind.form, ind.code), "Số liệu in trong báo cáo")):
            sheet, ref = next(iter(wb.defined_names[name].destinations))
            wb[sheet][ref.replace("$", "")] = value
        typed[ind.key] = want
    wb.save(run["out"])
    return typed


@pytest.fixture(scope="module")
def final(run):
    adjusted = _type_adjustments(run)
    fig = read_provincial(run["out"])
    pl = write_appendix(fig, run["tmp"] / "PHU_LUC.xlsx")
    return adjusted, fig, pl


def test_after_adjustments_the_figures_are_the_printed_ones(run, final):
    adjusted, fig, _ = final
    cat, seed = run["cat"], run["seed"]
    assert {a.key for a in fig.adjustments} == set(adjusted)
    for ind in cat.value_indicators():
        want = _num(seed[ind.key])
        if want is None and ind.aggregate.method == "total":
            # printed blank, but its parts are printed: the consolidated total is their sum
            parts = [_num(seed[t]) for r in cat.rules if r.kind == "sum" and r.target == ind.key for t in r.terms]
            parts = [p for p in parts if p is not None]
            want = float(sum(parts)) if parts else None
        assert fig.values[ind.key] == (pytest.approx(want) if want is not None else None), ind.key


def test_the_appendix_prints_the_seed_table(run, final):
    _, fig, pl = final
    cat = run["cat"]
    wb = openpyxl.load_workbook(pl)
    for form in cat.forms:
        rows = list(wb[form_sheet(form.number)].iter_rows(values_only=True))
        start = next(n for n, r in enumerate(rows) if r[2] == "Đơn vị tính") + 1
        body = [r[:5] for r in rows[start : start + len(form.indicators)]]
        for ind, (stt, label, unit, value, _note) in zip(form.indicators, body):
            assert (stt, label, unit or "") == (ind.printed_stt, ind.label, ind.unit), ind.key
            want = fig.values.get(ind.key) if ind.has_value else None
            if want is None:
                assert value is None, ind.key
            else:
                assert float(value) == pytest.approx(want), ind.key
    texts = [c for r in wb[form_sheet(1)].iter_rows(values_only=True) for c in r if isinstance(c, str)]
    assert cat.value_header in texts
