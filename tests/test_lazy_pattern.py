"""LazyPattern (compiled on first use, for a cold `xlcchc check`) answers exactly as the compiled pattern."""

import re

from xlcchc.lazy_pattern import LazyPattern


def test_same_answers_as_re_compile():
    pattern = r"\bquy\s+(iv|iii|ii|i)\b(?:\s*/\s*(\d{4}))?"
    lazy, eager = LazyPattern(pattern), re.compile(pattern)
    for text in ("quy ii/2026", "trong quy iv", "quy v", "", "quy i / 2025 va quy iii"):
        got, want = lazy.search(text), eager.search(text)
        assert (got and got.groups()) == (want and want.groups())
        assert lazy.sub("Q", text) == eager.sub("Q", text)
        assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in eager.finditer(text)]
    assert LazyPattern(rb"<c r=\"([A-Z]+)", re.I).match(b'<C R="AB').group(1) == b"AB"


def test_compiled_only_when_used():
    lazy = LazyPattern(r"(unbalanced")  # a mistake shows on first use, not at import
    assert "_compiled" not in vars(lazy)
    try:
        lazy.match("x")
    except re.error as e:
        assert "missing )" in str(e)
    else:
        raise AssertionError("an invalid pattern must fail when first used")
