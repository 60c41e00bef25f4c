"""`sheet_style.define_name` stores a defined name exactly as xlsxwriter's `Workbook.define_name` does, or
leaves it to `define_name` (which warns and refuses a bad name): random names — plain ones like TONG_HOP's
(TH3_3_1_2_TT), and ones with "!", spaces, punctuation, a digit or "." first, cell-like (AB12, XFD1) or
R1C1-like (R1C1, rc), Vietnamese letters, a trailing newline, 255 and 256 characters — and formulas with
none, one or two "=" first, given both ways to two workbooks, must leave the same defined names and the
same warnings."""

from __future__ import annotations

import warnings

import xlsxwriter
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from xlcchc.merge.sheet_style import define_name

_PIECE = st.sampled_from(["TH", "3", "_", "1", "a", "Z", "!", " ", ".", "?", "-", "đ", "\n", "AB12", "R1C1", "rc",
                          "XFD", "Sheet1!", "x" * 120, "_TT"])
_NAME = st.one_of(st.lists(_PIECE, min_size=0, max_size=6).map("".join), st.text(max_size=8),
                  st.integers(240, 260).map(lambda n: "A_" + "b" * (n - 2)))
_FORMULA = st.sampled_from(["='Biểu mẫu 1'!$H$6", "=Sheet1!$A$1", "==$B$2", "'Biểu mẫu 7'!$I$150", "=1"])


def _names(tmp_path, fname: str, pairs, fast: bool):
    wb = xlsxwriter.Workbook(str(tmp_path / fname), {"constant_memory": True, "tmpdir": str(tmp_path)})
    wb.add_worksheet("Sheet1")
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        for name, formula in pairs:
            (define_name if fast else xlsxwriter.Workbook.define_name)(wb, name, formula)
    out = [list(n) for n in wb.defined_names]
    wb.close()
    return out, [str(w.message) for w in said]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(_NAME, _FORMULA), max_size=8))
@example(pairs=[("TH3_3_1_2_TT", "='Biểu mẫu 3'!$E$9"), ("TH1_1", "=x"), ("AB12", "=x"), ("A_" + "b" * 253, "=x"),
                ("A_" + "b" * 254, "=x"), ("R1_", "=x"), ("_x", "=x"), ("a_\n", "=x"), ("Sheet1!A_1", "=x")])
def test_define_name_stores_what_xlsxwriter_stores(tmp_path, pairs):
    assert _names(tmp_path, "a.xlsx", pairs, True) == _names(tmp_path, "b.xlsx", pairs, False)
