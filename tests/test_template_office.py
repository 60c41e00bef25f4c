"""Templates in a real spreadsheet engine: LibreOffice recalculates filled templates.

The check sheet must say, without Python, what the compiled semantics say (`xlcchc.formulas`): every
status cell after LibreOffice's recalculation is compared with the Python mirror `rule_status`, for a
consistent filling (zero errors), a deliberately inconsistent one (the expected rule ids fail) and a
district's yes/no answers. Each soffice run costs seconds, so each recalculated file carries many checks.
"""

import subprocess

import openpyxl
import pytest

from xlcchc import layout
from xlcchc.formulas import side_value
from xlcchc.catalog import load_catalog, registry_of
from xlcchc.formulas import STATUS_OK, STATUS_SKIPPED, cell_values, computed_ratio, count_statuses, rule_status
from xlcchc.office import recalculate, soffice_available, to_pdf
from xlcchc.periods import parse_period
from xlcchc.template import build_template, fill_template
from xlcchc.values import ValueRow, ValuesDoc

pytestmark = pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is required")

PERIOD = parse_period("Năm 2022")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog("tinh-2022")


def consistent_values(catalog, unit) -> dict:
    """Values satisfying every rule for `unit`: leaves 7, sums made to add up, orderings made to hold."""
    typed = [i for i in catalog.value_indicators() if catalog.applies(i, unit) and not catalog.computed(i, unit)]
    values = {}
    for ind in typed:
        kind = ind.unit_kind_of_value(unit.kind)
        values[ind.key] = ind.unit_choices()[0].value if kind == "choice" else (50.5 if kind == "percent" else 7)
    rules = [r for r in catalog.rules if catalog.rule_applies(r, unit) and r.kind in ("sum", "compare")]
    totals = {r.target: r.terms[0] for r in rules if r.kind == "sum"}
    for _ in range(20):
        changed = False
        for r in rules:
            if r.kind == "sum":
                want = sum(values[k] for k in r.terms)
                if values[r.target] != want:
                    values[r.target], changed = want, True
            else:
                left, right = side_value(r, "left", values, catalog), side_value(r, "right", values, catalog)
                ok = left <= right if r.op == "<=" else left >= right if r.op == ">=" else left == right
                if not ok and not r.right:  # a bound by a constant or a registry count: lower the left side
                    for k in r.left:
                        values[k] = 0
                    changed = True
                elif not ok:  # raise the smaller side's first operand (a total: through its first term)
                    small = r.right[0] if left > right else r.left[0]
                    while small in totals:
                        small = totals[small]
                    values[small] += abs(left - right)
                    changed = True
        if not changed:
            break
    for r in catalog.rules:  # a share of a few units: all of them (issue 15's fraction rules)
        if r.kind == "fraction" and r.target in values:
            values[r.target] = 100
    return values


def _doc(unit, values) -> ValuesDoc:
    rows = []
    for key, v in sorted(values.items()):
        f, c = key.split(":", 1)
        rows.append(ValueRow(form=int(f), code=c, value=v))
    return ValuesDoc(unit=unit.code, period=PERIOD.code, values=rows)


def _statuses(wb) -> dict:
    return {r[0]: r[5] for r in wb[layout.CHECK_SHEET].iter_rows(min_row=8, values_only=True) if r[0]}


def _value(wb, name):
    sheet, ref = layout.split_ref(wb.defined_names[name].attr_text)
    return wb[sheet][ref].value


def _recalculated(tmp_path, catalog, unit, values, name):
    tpl = build_template(catalog, unit, PERIOD, tmp_path / f"{name}_blank.xlsx")
    filled = tmp_path / f"{name}.xlsx"
    fill_template(tpl, _doc(unit, values), filled)
    out = recalculate(filled, tmp_path / "lo")
    return openpyxl.load_workbook(out, data_only=True), openpyxl.load_workbook(filled, data_only=True)


def _assert_parity(wb, catalog, unit, values):
    """Every LibreOffice status equals the Python mirror's; the counts are its counts."""
    cells = cell_values(values, catalog, unit)
    expected = {r.id: rule_status(r, cells, catalog, unit) for r in catalog.rules if catalog.rule_applies(r, unit)}
    got = _statuses(wb)
    assert got == expected
    errors, warnings = count_statuses(expected.values())
    assert (_value(wb, "KT_SO_LOI"), _value(wb, "KT_SO_CANH_BAO")) == (errors, warnings)
    return got


def test_province_consistent_and_inconsistent_fillings(tmp_path, catalog):
    unit = registry_of(catalog).by_code["TINH"]
    good = consistent_values(catalog, unit)
    wb, cached = _recalculated(tmp_path, catalog, unit, good, "good")
    got = _assert_parity(wb, catalog, unit, good)
    assert set(got.values()) <= {STATUS_OK, STATUS_SKIPPED}, {k: v for k, v in got.items() if v not in ("OK", "—")}
    assert _value(wb, "KT_SO_LOI") == 0 and _value(wb, "KT_SO_CANH_BAO") == 0
    # computed percentages: numerator / denominator × 100, blank when the denominator is 0
    for ind in catalog.value_indicators():
        if catalog.computed(ind, unit):
            agg = ind.aggregate
            want = computed_ratio(good[agg.numerator], good[agg.denominator])
            name = layout.value_name(ind.form, ind.code)
            assert _value(wb, name) == pytest.approx(want) if want is not None else _value(wb, name) in (None, "")
    # the cached results fill_template wrote are what LibreOffice computes
    assert _statuses(cached) == got

    bad = dict(good)
    bad["3:3.1.2"] = good["3:3.1.1"] + 5          # more on time than settled
    bad["2:1"] = good["2:1"] + 1                   # a total that does not add up
    bad["3:1.1"] = "1.234"                         # typed as text
    bad["4:1.5.1"] = 1.234                         # a count with a decimal typo
    wb, cached = _recalculated(tmp_path, catalog, unit, bad, "bad")
    got = _assert_parity(wb, catalog, unit, bad)
    failing = {k for k, v in got.items() if v not in (STATUS_OK, STATUS_SKIPPED)}
    assert failing == {"3-le-3.1.2-3.1.1", "3-domain-3.1", "2-sum-1", "3-domain-1.1", "4-domain-1.5.1", "4-sum-1.5"}
    assert got["3-domain-3.1"] == "Lỗi"  # 100.96 % is out of 0–100
    assert _value(wb, "BM3_3_1") == pytest.approx(computed_ratio(good["3:3.1.1"] + 5, good["3:3.1.1"]))  # rounded as printed (issue 15)
    assert _value(wb, "KT_SO_LOI") == 6
    assert _statuses(cached) == got
    # the flag column beside a value marks it, so conditional formatting can colour it
    sheet, ref = layout.split_ref(wb.defined_names["BM3_3_1_2"].attr_text)
    assert wb[sheet][f"F{ref[1:]}"].value == "Lỗi"
    sheet, ref = layout.split_ref(wb.defined_names["BM3_1_2"].attr_text)
    assert wb[sheet][f"F{ref[1:]}"].value in (None, "")


def test_district_yes_no_answers_and_partial_filling(tmp_path, catalog):
    unit = registry_of(catalog).by_code["H-THO-XUAN"]
    values = consistent_values(catalog, unit)
    share = [i.key for i in catalog.value_indicators()
             if i.aggregate.method == "share_yes" and catalog.applies(i, unit)]
    assert share
    values[share[0]] = 2                            # not a yes/no code
    values.pop("3:3.2.2")                           # half of a pair: not evaluated, “Thiếu số liệu”
    values["3:3.3.1"] = 0
    values["3:3.3.2"] = 0                           # 0 of 0: fine
    wb, _ = _recalculated(tmp_path, catalog, unit, values, "huyen")
    got = _assert_parity(wb, catalog, unit, values)
    f, c = share[0].split(":")
    assert got[f"{f}-domain-{c}"] == "Lỗi"
    assert got["3-le-3.2.2-3.2.1"] == "Thiếu số liệu"
    assert got["3-required-3.2.2"] == "Cảnh báo"


def test_template_converts_to_pdf(tmp_path, catalog):
    unit = registry_of(catalog).by_code["SNV"]
    pdf = to_pdf(build_template(catalog, unit, PERIOD, tmp_path / "snv.xlsx"), tmp_path)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    assert "Biểu mẫu 3" in text and "Cải cách thủ tục hành chính" in text
    assert "Số hồ sơ TTHC giải quyết đúng hạn" in text
    assert "KIỂM TRA SỐ LIỆU" in text and "Sở Nội vụ" in text
    assert "Trang 1/" in text
