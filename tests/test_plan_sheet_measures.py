"""The plan sheet measures a unit's product (a text on one row only) without keeping it: the same lines."""

from hypothesis import given, settings
from hypothesis import strategies as st

from xlcchc.merge.sheet_style import _cell_lines, cell_lines, cell_lines_once, forget_measures


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.one_of(st.text(st.sampled_from("Báo cáo số 12/BC-UBND ngày 2026 —\n\t😀xyzW"), max_size=120),
                 st.integers(-10, 10**6), st.none()), st.sampled_from([9, 11, 26, 28, 45.5]))
def test_a_product_measured_once_takes_the_lines_of_the_cached_measure(text, width):
    forget_measures()
    once = cell_lines_once(text, width)
    assert _cell_lines.cache_info().currsize == 0  # nothing kept
    assert once == cell_lines(text, width)
