"""The reader's per-cell fast path (`sheet._typed_cell`) answers exactly as the general path it short-cuts.

`_PlainSheet.get` reads the shapes programs write most (an empty cell, a value, a formula and its value,
an inline string of one run) with one pattern; any piece it takes must give the same cell tuple as
`_PlainSheet._cell`, or the same refusal (`_NotPlain`, or damage). Checked on every cell of real returns
and on generated pieces made of those shapes, of near misses and of damaged bytes.
"""

from __future__ import annotations

import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from xlcchc.read import ReturnError
from xlcchc.read.sheet import _NotPlain, _PlainSheet, _typed_cell

from .conftest import ROOT

_SHEET = _PlainSheet(b"", "x.xlsx", "xl/worksheets/sheet1.xml", [], {})


def _outcome(read, piece: bytes):
    try:
        return ("cell", read(piece))
    except _NotPlain:
        return ("not plain",)
    except ReturnError as e:
        return ("refused", e.code)


def _agrees(piece: bytes) -> bool:
    """The fast path declines (None), or answers as the general path does."""
    fast = _outcome(_typed_cell, piece)
    return fast == ("cell", None) or fast == _outcome(_SHEET._cell, piece)


_ATTRS = st.sampled_from([b"", b' s="3"', b' t="s"', b' s="12" t="str"', b' t="inlineStr"', b' s="36" t="inlineStr"',
                          b' t="n" s="1"', b' s="x"', b' s="1" s="2"', b' t="e"', b' t="b"', b' s=""'])
_TEXT = st.lists(st.sampled_from([b"a", b"1", b"9.5", b" ", b"\r\n", b"\r", b"\n", b"&lt;", b"&amp;", b"&#x41;", b"&#1;",
                                  b"&bogus;", b"&", b"<", b">", b"\xc4\x90", b"\xff", b"\xc4", b"</c>", b"</t>", b'"',
                                  b"IF(A1&gt;0,1,\"\")", "Đã hoàn thành".encode()]), max_size=6).map(b"".join)
_BODY = st.one_of(
    st.just(b"/>"), st.just(b" />"), st.just(b"></c>"),
    _TEXT.map(lambda t: b"><v>" + t + b"</v></c>"),
    st.tuples(_TEXT, _TEXT).map(lambda ft: b"><f>" + ft[0] + b"</f><v>" + ft[1] + b"</v></c>"),
    st.tuples(_TEXT, _TEXT).map(lambda ft: b'><f t="shared" si="0">' + ft[0] + b"</f><v>" + ft[1] + b"</v></c>"),
    _TEXT.map(lambda t: b"><f>" + t + b"</f></c>"),
    _TEXT.map(lambda t: b"><is><t>" + t + b"</t></is></c>"),
    _TEXT.map(lambda t: b'><is><t xml:space="preserve">' + t + b"</t></is></c>"),
    _TEXT.map(lambda t: b"><is><r><t>" + t + b"</t></r></is></c>"),
    _TEXT.map(lambda t: b"><is><t>" + t + b"</t><rPh><t>x</t></rPh></is></c>"),
    _TEXT.map(lambda t: b"><v>" + t + b"</v><is><t>" + t + b"</t></is></c>"),
    _TEXT.map(lambda t: b">" + t),
    # near misses: a closing tag left out
    _TEXT.map(lambda t: b"><is><t>" + t + b"</t></c>"), _TEXT.map(lambda t: b"><is><t>" + t + b"</is></c>"),
    _TEXT.map(lambda t: b"><f>" + t + b"</f><v>" + t + b"</c>"), _TEXT.map(lambda t: b"><v>" + t + b"</c>"),
    _TEXT.map(lambda t: b"><f>" + t + b"<v>" + t + b"</v></c>"),
)
_TAIL = st.sampled_from([b"", b"</row>", b'</row><row r="2">', b"<c", b" ", b"</c>"])


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from([b"A1", b"XFD1048576", b"AB12"]), _ATTRS, _BODY, _TAIL)
def test_the_fast_cell_path_is_the_general_path(addr, attrs, body, tail):
    assert _agrees(addr + b'"' + attrs + body + tail)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_fast_cell_path_on_damaged_real_cells(data):
    """A real cell's piece with a few bytes replaced, dropped or inserted."""
    piece = bytearray(data.draw(st.sampled_from(_REAL_PIECES)))
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(piece)))
        what = data.draw(st.sampled_from([b"", b"<", b"&", b"\xff", b"\r", b'"', b"/", b">", b"x"]))
        cut = data.draw(st.integers(0, 2))
        piece[at : at + cut] = what
    assert _agrees(bytes(piece))


def _real_pieces() -> list[bytes]:
    pieces = []
    for path in [ROOT / "samples" / "bao-cao-2022" / "BC_CCHC_2022_SNV.xlsx", *sorted((ROOT / "samples").glob("bao-cao-2023*/*.xlsx"))[:2]]:
        with zipfile.ZipFile(path) as zf:
            for n in zf.namelist():
                if n.startswith("xl/worksheets/sheet"):
                    data = zf.read(n)
                    pieces += data[data.index(b"<sheetData") :].split(b'<c r="')[1:]
    return pieces


_REAL_PIECES = _real_pieces()


def test_every_cell_of_real_returns_reads_the_same_and_the_usual_ones_fast():
    assert len(_REAL_PIECES) > 1000 and all(_agrees(p) for p in _REAL_PIECES)
    fast = [p for p in _REAL_PIECES if _typed_cell(p) is not None]
    kinds = {_typed_cell(p)[0] for p in fast} | {"formula" for p in fast if _typed_cell(p)[3] is not None}
    assert len(fast) > 0.9 * len(_REAL_PIECES) and {"n", "s", "inlineStr", "formula"} <= kinds
