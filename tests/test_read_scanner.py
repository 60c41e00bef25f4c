"""The plain-form scanner's fast tests answer exactly as the patterns they replaced (issue 17).

`_foreign` walks the colons instead of trying a pattern at every `<`, and `_ROWS` uses possessive
quantifiers; both must accept and refuse exactly what the earlier patterns did, on any bytes.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from xlcchc.read.sheet import _ROWS, _foreign

_FOREIGN_BEFORE = re.compile(rb"</?[A-Za-z_][\w.-]*:|xmlns|<extLst")
# The backtracking form of `_ROWS` (no `<` inside a row's or a cell's tag: that is not XML).
_ROWS_BEFORE = re.compile(
    rb"(?:<row(?:\s[^<>]*)?(?<!/)>(?:\s*<c\s[^<>]*(?:(?<=/)>|(?<!/)>[^<]*(?:<(?!c[\s/>]|/row>|/c>)[^<]*)*</c>))*\s*</row>"
    rb"|<row\s[^<>]*/>|\s+)*"
)

_BITS = [b"<", b"</", b":", b"t", b"x", b"_", b".", b"-", b"1", b" ", b">", b"xmlns", b"<extLst", b"\xc3\xa1", b'"']
_ROW_BITS = [
    b"<row>", b'<row r="1">', b'<row r="2"/>', b"<row/>", b"</row>", b'<c r="A1">', b'<c r="B2"/>', b"<c>",
    b"</c>", b"<v>1</v>", b"<v>", b"</v>", b"<f>A1</f>", b"<is><t>x</t></is>", b" ", b"\n", b"/", b">", b"<",
    b"<cx>", b"</cx>", b'"', b"<c/>", b"<row", b" s=\"1\"",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_BITS), max_size=40).map(b"".join))
def test_foreign_walk_is_the_pattern(body):
    assert _foreign(body) == (_FOREIGN_BEFORE.search(body) is not None)


def test_foreign_many_colons_takes_the_pattern():
    body = b"<t>" + b"10:30 " * 400 + b"</t>"
    assert not _foreign(body)
    assert _foreign(body + b"<x:t/>")


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_ROW_BITS), max_size=30).map(b"".join))
def test_possessive_rows_accept_what_the_backtracking_pattern_accepted(region):
    assert (_ROWS.fullmatch(region) is not None) == (_ROWS_BEFORE.fullmatch(region) is not None)


def test_rows_of_a_real_sheet():
    region = b'<row r="1" spans="1:2"><c r="A1" s="1" t="s"><v>0</v></c><c r="B1"/></row><row r="2"/>'
    assert _ROWS.fullmatch(region) and _ROWS_BEFORE.fullmatch(region)
    assert not _ROWS.fullmatch(region + b"<foo/>")
