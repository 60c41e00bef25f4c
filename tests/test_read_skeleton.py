"""The skeleton path of the sheet scan answers exactly as the full scan (issue 17).

A sheet laid out like one scanned before is only checked where its pieces differ (`read/skeleton.py`).
On real returns' sheets, the skeleton made from one unit's return, and another unit's sheet changed by
random values, random damage and random structural edits, `_PlainSheet.scan` (skeleton first) must give
what `_PlainSheet.full_scan` gives: the same decline, the same duplicate cell, or the same cells (each
cell's tuple, or its refusal); whenever `skeleton.fit` answers, the full scan accepts with the same
pieces and index.
"""

from __future__ import annotations

import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlcchc.read import ReturnError, read_return, skeleton
from xlcchc.read.sheet import _DuplicateCell, _NotPlain, _PlainSheet, _rooted

from .conftest import ROOT, bytes_held

_RETURNS = [ROOT / "samples" / d / f for d, f in (
    ("bao-cao-2022", "BC_CCHC_2022_SNV.xlsx"), ("bao-cao-2022", "BC_CCHC_2022_H-BA-THUOC.xlsx"),
    ("bao-cao-2022", "BC_CCHC_2022_BQLKKT.xlsx"), ("bao-cao-2022-quy1", "BC_CCHC_quy1-2022_BDT.xlsx"),
)]


def _sheets(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/sheet")}


_BY_RETURN = [_sheets(p) for p in _RETURNS if p.exists()]
# (skeleton's sheet, another unit's sheet of the same member): the pairs whose layout is the same
_PAIRS = [(a[m], b[m]) for a, b in zip(_BY_RETURN, _BY_RETURN[1:]) for m in a if m in b and b"<c r=" in b[m]]

_TEXT = st.lists(st.sampled_from([
    "1", "25.5", "0", "-3", "x", " ", "Hà Nội", "\t", "\r\n", "\x01", "\x1f", "<", "&", "&amp;", "&#1;", '"', "'",
    ">", "]]>", "xmlns", "<!--", "<?x?>", "</sheetData>", "<sheetData>", "<c r=\"A1\"/>", "</c>", "</row>", "\udcff",
]), max_size=5).map("".join)
_CELLS = st.one_of(
    st.builds(lambda s: f'{s}/>', st.sampled_from(["", ' s="3"', ' s="12" t="s"', ' t="n"', ' s="x"'])),
    st.builds(lambda s, v: f'{s}><v>{v}</v></c>', st.sampled_from(["", ' s="16"', ' t="s"', ' s="1" t="str"']), _TEXT),
    st.builds(lambda f, v: f' s="17" t="str"><f>{f}</f><v>{v}</v></c>', _TEXT, _TEXT),
    st.builds(lambda t: f' t="inlineStr"><is><t xml:space="preserve">{t}</t></is></c>', _TEXT),
    st.sampled_from(['><v>1</v>', '><v>1</v><v>2</v></c>', ' s="1" s="2"/>', '><c r="B1"/></c>', ' s="1"/ >',
                     ' cm="1"><v>1</v></c>', '><f t="shared" si="0"/><v>1</v></c>', '><is><t>a</t></is></c>', '>']),
)
_ROW_GAPS = st.one_of(
    st.builds(lambda r, h: f'</row><row r="{r}" spans="1:6" ht="{h}" customHeight="1">', st.sampled_from(["9", "40", "x"]),
              st.sampled_from(["20.25", "31.5", "", "/", "<"])),
    st.sampled_from(["</row>", "", '</row><row r="9"/><row r="10">', "</row><foo><row>", '</row><row r="9" x="/">', "  "]),
)
_BITS = [b"<", b">", b'"', b"/", b"=", b" ", b'<c r="A1"/>', b'<c r="', b"</row>", b"<row>", b"<sheetData>",
         b"</sheetData>", b' xmlns:x="y"', b"<extLst/>", b"<!--x-->", b'<?xml version="1.0"?>', b"\x00", b"\x01",
         b"&", b"\xff", b"<x:c/>", b"</worksheet>"]
_CELL_END = re.compile(rb'[A-Z]{1,3}[1-9][0-9]{0,6}"[^>]*?/>|[A-Z]{1,3}[1-9][0-9]{0,6}".*?</c>', re.S)


_FIRST_ROWS = [b"", b'<row r="1">', b'<row r="1" ht="9">', b'<row r="1"/><row r="2">', b"<foo><row>",
               b'<row r="1" x="<">', b'<row r="1" x="\x01">', b" "]
_ADDRESSES = [b"A1", b"B7", b"ZZ99", b"a1", b"A0", b"AAAA1", b"B"]


@st.composite
def _edit(draw, pieces: list[bytes]):
    """One random edit of a sheet's split region: a cell's value or shape, a row boundary, the rows before
    the first cell, a cell dropped, written twice, moved or added after the last row."""
    kind = draw(st.sampled_from(["cell", "cell", "cell", "cell", "gap", "gap", "head", "drop", "twice", "address",
                                 "append"]))
    if kind == "head":
        pieces[0] = draw(st.sampled_from(_FIRST_ROWS)) + pieces[0] * draw(st.booleans())
        return
    if kind == "append":
        pieces.append(draw(st.sampled_from(_ADDRESSES)) + b'"' + draw(_CELLS).encode("utf-8", "surrogateescape"))
        return
    row_ends = [k for k in range(1, len(pieces)) if b"</row>" in pieces[k]]
    i = draw(st.sampled_from(row_ends)) if kind == "gap" and row_ends else draw(st.integers(1, len(pieces) - 1))
    piece = pieces[i]
    addr = piece[: piece.index(b'"')] if b'"' in piece else b""
    m = _CELL_END.match(piece)
    end = m.end() if m else len(addr) + 1
    if kind == "cell":
        pieces[i] = addr + b'"' + draw(_CELLS).encode("utf-8", "surrogateescape") + piece[end:]
    elif kind == "gap":
        pieces[i] = piece[:end] + draw(_ROW_GAPS).encode()
    elif kind == "drop":
        pieces[i - 1] += piece[end:]
        del pieces[i]
    elif kind == "twice":
        pieces.insert(i, piece[:end])
    else:
        pieces[i] = draw(st.sampled_from(_ADDRESSES)) + piece[len(addr):]


_TAIL_BITS = [b"", b"Ph\xc6\xb0\xe1\xbb\x9dng", b"<!--x-->", b"\x01", b"<?x?>", b"<sheetData/>", b"</sheetData>", b"<x"]


@st.composite
def _sheet_pair(draw) -> tuple[bytes, bytes]:
    """A real sheet to make the skeleton from, and another unit's sheet of that layout, edited at random."""
    first, data = draw(st.sampled_from(_PAIRS))
    start, end = data.find(b"<sheetData>") + 11, data.rfind(b"</sheetData>")
    pieces = data[start:end].split(b'<c r="')
    for _ in range(draw(st.integers(0, 3))):
        draw(_edit(pieces))
    tail = data[end:]
    if draw(st.booleans()):  # the part after the cells: another footer, or damage there
        at = draw(st.integers(12, len(tail) - 13))
        tail = tail[:at] + draw(st.sampled_from(_TAIL_BITS)) + tail[at:]
    if draw(st.integers(0, 5)) == 0:  # the root's end tag: cut, or followed by more
        tail = draw(st.sampled_from([tail[:-1], tail + b"\r\n", tail + b"<x/>", tail + b"</worksheet>"]))
    edited = data[:start] + b'<c r="'.join(pieces) + tail
    if draw(st.integers(0, 3)) == 0:  # damage anywhere, now and then
        at = draw(st.integers(0, len(edited)))
        edited = edited[:at] + draw(st.sampled_from(_BITS)) + edited[at + draw(st.integers(0, 3)) :]
    return first, edited


def _outcome(scan, data: bytes):
    """What a scan makes of a sheet: declined, a duplicate cell, or every cell's tuple or refusal."""
    try:
        sheet = scan(data, "x.xlsx", "xl/worksheets/sheet1.xml")
    except _DuplicateCell as e:
        return ("duplicate", e.addr)
    if sheet is None:
        return None
    cells = {}
    for addr in sheet.index:
        try:
            cells[addr] = sheet.get(addr.decode("ascii"))
        except _NotPlain:
            cells[addr] = "not plain"
        except ReturnError as e:
            cells[addr] = (e.code, str(e))
    return cells


@pytest.fixture
def fresh_skeletons():
    """Each example starts from the skeletons it makes itself; the process's own are put back after."""
    kept = dict(skeleton._SKELETONS)
    yield
    skeleton._SKELETONS.clear()
    skeleton._SKELETONS.update(kept)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_sheet_pair())
def test_skeleton_path_is_the_full_scan(fresh_skeletons, pair):
    first, data = pair
    skeleton._SKELETONS.clear()
    _PlainSheet.scan(first, "x.xlsx", "xl/worksheets/sheet1.xml")  # the skeleton, when the full scan accepts
    fitted = skeleton.fit(data)
    if fitted is not None and _rooted(data, b"worksheet"):
        full = _PlainSheet.full_scan(data, "x.xlsx", "xl/worksheets/sheet1.xml")
        assert full is not None and (full.pieces, full.index) == fitted
    assert _outcome(_PlainSheet.scan, data) == _outcome(_PlainSheet.full_scan, data)


def test_other_units_sheets_take_the_skeleton(fresh_skeletons):
    """The sheets the skeleton is made for take it: another unit's return of the template, values apart."""
    assert len(_PAIRS) >= 20
    fitted = 0
    for first, data in _PAIRS:
        skeleton._SKELETONS.clear()
        _PlainSheet.scan(first, "x.xlsx", "xl/worksheets/sheet1.xml")
        fitted += skeleton.fit(data) is not None
        assert _outcome(_PlainSheet.scan, data) == _outcome(_PlainSheet.full_scan, data)
    assert fitted >= len(_PAIRS) * 3 // 4


def test_returns_read_through_skeletons_are_read_as_alone(fresh_skeletons):
    """Whole returns read one after another (skeletons made and used) are read as each read alone."""
    paths = sorted((ROOT / "samples" / "bao-cao-2022").glob("*.xlsx"))[:8]
    together = [read_return(p).model_dump() for p in paths]
    alone = []
    for p in paths:
        skeleton._SKELETONS.clear()
        alone.append(read_return(p).model_dump())
    assert together == alone


def test_the_kept_skeletons_hold_a_bounded_number_of_bytes(fresh_skeletons):
    """The skeletons outlive the return they come from, so what they hold is bounded in bytes, not only in
    number: a return's caps bound its own sheets (32 MB each), but 64 returns with a big sheet each, laid
    out a little differently, would otherwise stay in a worker's memory together (~4 GB)."""
    first = _PAIRS[0][1]
    start, end = first.find(b"<sheetData>") + 11, first.rfind(b"</sheetData>")
    big = b'<row r="1"><c r="A1" t="str"><v>' + b"7" * (1 << 20) + b"</v></c></row>"

    def scan_crafted():
        for i in range(skeleton._KEPT + 6):
            prefix = first[: start - 11].replace(b"<worksheet ", b'<worksheet xml:lang="%d" ' % i, 1)
            data = prefix + b"<sheetData>" + big + first[end:]  # ~1 MB; another prefix each time
            sheet = _PlainSheet.scan(data, "x.xlsx", "xl/worksheets/sheet1.xml")
            assert sheet is not None and sheet.get("A1") == ("str", 0, "7" * (1 << 20), None, None)
            del sheet, data

    skeleton._SKELETONS.clear()
    held = bytes_held(scan_crafted)
    assert held <= skeleton._KEPT_BYTES + (4 << 20), held
    assert len(skeleton._SKELETONS) >= 2  # still kept, within the budget
