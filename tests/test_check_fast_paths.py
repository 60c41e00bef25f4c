"""The check's short cuts against the slow paths they replace (issue 17), on random inputs.

- `record.maker(cls)`: a record from every field's value in order is the record the class call with
  keywords makes, before and after the class is made often enough to get compiled constructors;
- `formulas.count_numbers` counts what `is_number` says is a number, and raises what it raises;
- the check's findings are made through `maker(Finding)` in the field order `check._finding` writes.
"""

from __future__ import annotations

import inspect
import math

from hypothesis import given, settings, strategies as st

from xlcchc import check
from xlcchc.findings import Finding
from xlcchc.formulas import count_numbers, is_number
from xlcchc.record import Record, maker, record

values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**308, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
)


@given(st.lists(values, max_size=8))
def test_count_numbers_is_is_number_counted(xs):
    try:
        want = sum(1 for v in xs if is_number(v))
    except OverflowError as e:  # an int too large for a float: math.isfinite refuses it
        try:
            count_numbers(xs)
        except OverflowError as got:
            assert str(got) == str(e)
        else:
            raise AssertionError("count_numbers accepted what is_number refuses")
        return
    assert count_numbers(xs) == want


class _F(float):
    """A float subclass: not tested inline, goes through is_number."""


def test_count_numbers_float_edges():
    xs = [0.0, -0.0, 1e308, math.inf, -math.inf, math.nan, _F(2.0), _F(math.inf), True, 3]
    assert count_numbers(xs) == sum(1 for v in xs if is_number(v)) == 5


@record(forbid=False, slots=True)
class _Slotted(Record):
    a: int
    b: str = "x"
    c: tuple = ()


@record
class _Plain(Record):
    a: int
    b: str = "x"

    def __post_init__(self):
        if self.a < 0:
            raise ValueError("a < 0")


def _same(x, y):
    assert type(x) is type(y) and x == y and repr(x) == repr(y)


@settings(max_examples=150)  # more than record._HOT: the generic and the compiled makers are both met
@given(st.integers(), st.text(max_size=4), st.lists(st.integers(), max_size=3).map(tuple))
def test_maker_is_the_class_call(a, b, c):
    _same(maker(_Slotted)(a, b, c), _Slotted(a=a, b=b, c=c))
    try:
        want = _Plain(a=a, b=b)
    except ValueError as e:
        try:
            maker(_Plain)(a, b)
        except ValueError as got:
            assert str(got) == str(e)
        else:
            raise AssertionError("maker skipped __post_init__")
        return
    got = maker(_Plain)(a, b)
    _same(got, want)
    assert got.__dict__ == want.__dict__


finding_values = st.tuples(
    st.text(max_size=5), st.none() | st.integers(1, 7), st.none() | st.text(max_size=4), st.none() | st.text(max_size=4),
    st.sampled_from(["Lỗi", "Cảnh báo"]), st.text(min_size=1, max_size=5), st.text(max_size=9),
    st.none() | st.floats(allow_nan=False), st.none() | st.floats(allow_nan=False), st.none() | st.text(max_size=3),
    st.none() | st.text(max_size=5), st.none() | st.floats(allow_nan=False),
)


@settings(max_examples=120)
@given(finding_values)
def test_finding_maker(vals):
    _same(maker(Finding)(*vals), Finding(**dict(zip(Finding._fields, vals))))


def test_check_words_findings_in_field_order():
    """`check._finding` passes Finding's fields positionally, in this order: it must stay `Finding._fields`."""
    assert Finding._fields == ("file", "form", "code", "cell", "severity", "rule", "message", "expected", "actual",
                               "unit", "suspect", "suggested")
    assert "file, form, code, cell, severity, rule, message, expected, actual, unit" in inspect.getsource(check._finding)
