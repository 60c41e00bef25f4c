"""A task's or cover's date typed as text: the ISO fast path (no `_strptime` in a cold check) gives what the
six `strptime` formats give, on generated texts near and far from ISO dates."""

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from xlcchc.plan.track import _text_date

FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")


def by_strptime(s: str):
    for fmt in FORMATS:
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    return None


def two(lo: int, hi: int):
    return st.integers(lo, hi).map(lambda n: f"{n:02d}") | st.sampled_from(["1", "+1", " 1", "1a", "٠١", "１２"])


iso_like = st.builds(
    lambda y, m, d, t: f"{y}-{m}-{d}{t}",
    st.integers(0, 9999).map(lambda n: f"{n:04d}") | st.sampled_from(["20a6", "２０２６", "999", "12345"]),
    two(0, 13), two(0, 32),
    st.sampled_from(["", "t"]).flatmap(lambda _: st.builds(
        lambda sep, h, mi, s: f"{sep}{h}:{mi}{s}", st.sampled_from(["T", "t", " ", "TT"]), two(0, 25), two(0, 61),
        st.sampled_from(["", ":00", ":59", ":60", ":61", ":5"]))) | st.just(""),
)


@settings(max_examples=800, derandomize=True)
@given(iso_like | st.text(max_size=20))
def test_same_date_as_the_six_strptime_formats(s):
    _text_date.cache_clear()
    assert _text_date(s) == by_strptime(s)


def test_the_send_date_the_template_writes():
    assert _text_date("2027-01-05T00:00") == by_strptime("2027-01-05T00:00") is not None
    assert _text_date("29/02/2023") is None and _text_date("29/02/2024") == by_strptime("29/02/2024")
