"""The form sheets' unit cells made once per value (`form_sheets._unit_cells`, `Formats.unit_cells`) are
the cells the slow path makes for every unit: `(cell_value(v), fm.figure("num", v, kind of v))`.

The memo is keyed by value, and equal keys are not always the same number to print (0, 0.0 and -0.0;
True and 1; an int beyond 2**53 and the float it rounds to): random figures of every kind a return can
hold, damaged ones included, are made both ways, in the same workbook, and compared cell by cell (the
value, its type and sign, and the very format object, whose first use fixes styles.xml's order).
"""

from __future__ import annotations

import math

import xlsxwriter
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from xlcchc.catalog.load import load_catalog
from xlcchc.merge.form_sheets import _unit_cells
from xlcchc.merge.sheet_rows import cell_value
from xlcchc.merge.sheet_style import Formats

_CATALOG = load_catalog("tinh-2022")
#: A count row, a rate, a share-of-units row (a yes/no for the units that answer it) and a text row.
_INDICATORS = [next(i for i in _CATALOG.value_indicators() if i.aggregate.method == m) for m in ("sum", "share_yes")]
_INDICATORS += [next(i for i in _CATALOG.value_indicators() if i.kind == k) for k in ("percent", "text")
                if any(i.kind == k for i in _CATALOG.value_indicators())]
_KINDS = ["so", "huyen", "xa", "tinh", ""]

#: Values that are equal keys but not the same figure come often (a memo's mistake shows only when both
#: meet in one workbook); then any int, float or text.
_TRICKY = st.sampled_from([0, 0.0, -0.0, 1, 1.0, True, False, 2**53 + 1, float(2**53), math.nan, math.inf,
                           -math.inf, 99.99, 100.0, 1768, 1768.0, 615562.705, "", "chữ", "12"])
_VALUE = st.one_of(_TRICKY, _TRICKY, _TRICKY, st.none(), st.integers(-3, 3), st.integers(-10**20, 10**20),
                   st.floats(), st.text(max_size=5))
_UNIT = st.tuples(st.dictionaries(st.sampled_from([i.key for i in _INDICATORS]), _VALUE), st.sampled_from(_KINDS))


def _slow(fm: Formats, ind, units) -> list:
    return [None if (v := values.get(ind.key)) is None
            else (cell_value(v), fm.figure("num", v, ind.unit_kind_of_value(kind))) for values, kind in units]


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    (va, fa), (vb, fb) = a, b
    return type(va) is type(vb) and repr(va) == repr(vb) and fa is fb


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rounds=st.lists(st.lists(_UNIT, max_size=12), min_size=1, max_size=4))
@example(rounds=[[({_INDICATORS[0].key: v}, "xa") for v in (0, -0.0, 0.0, True, 1, 1.0, 2**53 + 1, float(2**53))]])
def test_unit_cells_are_the_slow_paths_cells(tmp_path, rounds):
    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"), {"constant_memory": True, "tmpdir": str(tmp_path)})
    try:
        fm = Formats(wb)
        for units in rounds:  # later rounds meet values the memo already holds
            kinds = {kind for _, kind in units}
            for ind in _INDICATORS:
                fast, slow = _unit_cells(fm, ind, units, kinds), _slow(fm, ind, units)
                assert len(fast) == len(slow)
                assert all(_same(a, b) for a, b in zip(fast, slow)), (ind.key, units)
    finally:
        wb.close()
