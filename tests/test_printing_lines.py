"""`printing.lines` says 1 for a short one-line text without measuring it: the measure agrees, always."""

from hypothesis import given, settings
from hypothesis import strategies as st

from xlcchc.printing import _lines, lines

# Letters of every width the metrics know (narrow i, wide W and m, Vietnamese, dashes, unknown symbols),
# spaces of all kinds, and file-name punctuation.
ALPHABET = st.sampled_from(list("iIl.,;:!|'W%Mmwé ẶđĐ…—–\u200b\u00a0 _-/“”0123456789") + ["中", "€", "\t"])


@settings(max_examples=600, deadline=None, derandomize=True)
@given(
    st.text(ALPHABET, max_size=80),
    st.floats(min_value=1, max_value=900, allow_nan=False),
    st.sampled_from([9, 10, 11, 12, 13, 13.5]),
    st.booleans(),
)
def test_lines_fast_path_agrees_with_the_measure(text, width_px, size_pt, bold):
    assert lines(text, width_px, size_pt, bold=bold) == _lines(text, width_px, size_pt, bold=bold)
    # a text not kept (TONG_HOP's row heights), its long words measured outside the cache: the same count
    assert lines(text, width_px, size_pt, bold=bold, keep=False) == _lines(text, width_px, size_pt, bold=bold)


def test_widest_characters_just_below_and_above_the_bound():
    # 20 em dashes at 11 pt: 20 × 14.67 px × 1.06 = 311 px of text; a cell of 318.0 px (311 px usable) is
    # the edge: the fast path must not claim 1 line where the measure breaks the text.
    text = "—" * 20
    for width in (300.0, 310.0, 317.9, 318.0, 318.1, 319.0, 330.0):
        assert lines(text, width, 11) == _lines(text, width, 11)
    assert lines("BC_CCHC_2026_P-QUANG-TRUNG.xlsx", 42 * 7 + 5, 11) == 1


def test_a_measure_not_kept_leaves_nothing_in_the_cache():
    """`keep=False` (TONG_HOP's row heights keep their own measures per workbook) measures the same and
    leaves no unit's text in the shared cache."""
    from xlcchc.printing import text_px

    text = "Báo cáo của đơn vị gửi muộn, số liệu kiểm tra lại theo tệp BC_CCHC_2026_X-DONG-TIEN_v3.xlsx"
    before, words = _lines.cache_info().currsize, text_px.cache_info().currsize
    alone = lines(text, 120, 11, keep=False)
    assert _lines.cache_info().currsize == before
    assert text_px.cache_info().currsize <= words + len(text.split()) - 1  # not the file name
    assert alone == lines(text, 120, 11) > 1
    assert _lines.cache_info().currsize == before + 1


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.text(max_size=40), st.booleans())
def test_a_text_is_as_wide_as_its_characters(text, bold):
    """`text_px` sums the advances it keeps per character: the sum of `char_width` of each character."""
    from xlcchc.printing import SAFETY, char_width, text_px

    assert text_px.__wrapped__(text, 11, bold) == sum(char_width(c, bold) for c in text) * (11 * 96 / 72) / 1000 * SAFETY
