"""The plain-form scanners never accept a part the strict parser refuses, asked cells or not (issue 17).

Before, the scanners read the asked cells of a sheet whose other cells, row tags or surrounding bytes
held a junk or duplicated attribute, an unknown entity or bytes that are not UTF-8, and of a shared-string
part whose unasked items did: the strict parser (and Excel) refuse such a part. Real sample sheets and
shared strings are damaged at random in those places (and given valid variants of the same shapes); the
full scan, the scan through a skeleton of the undamaged sheet or of another unit's, and the shared-string
scan must decline, or accept only what the strict parser accepts and read every cell the same.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlcchc.read import ReturnError, read_return, skeleton
from xlcchc.read.package import _parse_xml
from xlcchc.read.sheet import (
    _cell_tuple,
    _DuplicateCell,
    _index_tree,
    _NotPlain,
    _PlainSheet,
    _rich_text,
    _rich_text_bytes,
    _scan_sst,
)

from .conftest import ROOT
from .test_read_skeleton import fresh_skeletons  # noqa: F401 - the fixture: each example's own skeletons

_SAMPLES = ROOT / "samples"
_RETURNS = [_SAMPLES / "bao-cao-2022" / "BC_CCHC_2022_SNV.xlsx", _SAMPLES / "bao-cao-2022" / "BC_CCHC_2022_H-BA-THUOC.xlsx"]


def _parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.endswith(".xml")}


_BOTH = [_parts(p) for p in _RETURNS]
_SHEETS = [(_BOTH[0][m], _BOTH[1][m]) for m in _BOTH[0] if m.startswith("xl/worksheets/") and b"<c r=" in _BOTH[0][m]]
_SSTS = [b["xl/sharedStrings.xml"] for b in _BOTH]

# What is put into an attribute list (a row's, a cell's, a tag's before or after the cells) and into text:
# damage the strict parser refuses, and valid variants it reads, so that both answers are exercised.
_IN_TAG = [b" junk", b' r="1"', b' s="1" s="2"', b' q:x="1"', b' x="&foo;"', b' x="\xff"', b' x="\xc3"', b' x="<"',
           b' xmlns="urn:x"', b' x="a&amp;b"', b' x="&#0;"', b' x="&#65;"', b' x="]]>"', b' x="\xc3\xa9"', b' x="1"',
           b" x='1'", b' x = "1"', b' xml:lang="vi"', b' x="\xef\xbf\xbe"', b' x="\xed\xa0\x80"']
_IN_TEXT = [b"&foo;", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xef\xbf\xbe", b"]]>", b"&#0;", b"&#x41;", b"<x>", b"</x>",
            b"<x/>", b"&amp;", b"\xc3\xa9", b"&#1114112;", b"&#xD800;", b">", b'"', b"&lt", b"&#;", b"&#65;",
            b":sheetData"]
_PLACES = {  # where damage goes: just before a tag's end (attributes) or just after it (text)
    "row": rb"<row [^>]*?(?=/?>)",
    "cell": rb'<c r="[A-Z]+[0-9]+"[^>]*?(?=/?>)',
    "value": rb"<v>",
    "tag": rb"<[A-Za-z][^<>]*?(?=/?>)",
    "text": rb"<[A-Za-z][^<>/]*>",
}


@st.composite
def _damaged(draw, data: bytes, kinds=tuple(sorted(_PLACES)), after: bytes = b"") -> bytes:
    """`data` with one to three insertions at places of the kinds above (only after `after`, if given)."""
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(kinds))
        spots = [m.end() for m in re.compile(_PLACES[kind]).finditer(data, data.find(after) if after else 0)]
        if not spots:
            continue
        at = draw(st.sampled_from(spots))
        bit = draw(st.sampled_from(_IN_TEXT if kind in ("value", "text") else _IN_TAG))
        data = data[:at] + bit + data[at:]
    return data


def _strict(data: bytes):
    try:
        return _index_tree("x.xlsx", "xl/worksheets/sheet1.xml", data)
    except _DuplicateCell:
        return "duplicate"
    except ReturnError:
        return "refused"


def _agrees(scan, data: bytes) -> None:
    """The plain answer declines, or is the strict parser's: the same duplicate, the same cells."""
    strict = _strict(data)
    try:
        sheet = scan(data, "x.xlsx", "xl/worksheets/sheet1.xml")
    except _DuplicateCell:
        assert strict == "duplicate"
        return
    if sheet is None:
        return
    assert isinstance(strict, dict), strict  # accepted by the plain path: the strict parser must accept too
    assert {a.decode("ascii") for a in sheet.index} == set(strict)
    for addr, el in strict.items():
        try:
            got = sheet.get(addr)
        except _NotPlain:
            continue  # the reader then reads the sheet strictly
        assert got == _cell_tuple(el), addr


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_damaged_sheets_are_read_as_the_strict_parser_reads_them(fresh_skeletons, data):
    first, other = data.draw(st.sampled_from(_SHEETS))
    base = data.draw(st.sampled_from([first, other]))
    crafted = data.draw(_damaged(base))
    _agrees(_PlainSheet.full_scan, crafted)
    skeleton._SKELETONS.clear()
    _PlainSheet.scan(data.draw(st.sampled_from([first, base])), "x.xlsx", "xl/worksheets/sheet1.xml")
    _agrees(_PlainSheet.scan, crafted)  # through the skeleton of the undamaged sheet or another unit's


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_damage_where_a_skeleton_answers_is_the_full_scans(fresh_skeletons, data):
    """Another unit's sheet (other values, another footer, other validations), damaged in its values or
    after its cells, where the skeleton path checks only what differs: whenever it answers, the full scan
    (expat included) accepts with the same pieces, and both read what the strict parser reads."""
    first, other = data.draw(st.sampled_from(_SHEETS))
    kinds = data.draw(st.sampled_from([("value",), ("tag", "text")]))
    crafted = data.draw(_damaged(other, kinds, b"</sheetData>" if kinds != ("value",) else b""))
    skeleton._SKELETONS.clear()
    _PlainSheet.scan(first, "x.xlsx", "xl/worksheets/sheet1.xml")
    if data.draw(st.booleans()):  # the undamaged sheet first: its tail is kept, the nearest to the crafted one's
        _PlainSheet.scan(other, "x.xlsx", "xl/worksheets/sheet1.xml")
    fitted = skeleton.fit(crafted)
    if fitted is not None:
        full = _PlainSheet.full_scan(crafted, "x.xlsx", "xl/worksheets/sheet1.xml")
        assert full is not None and (full.pieces, full.index) == fitted
    _agrees(_PlainSheet.scan, crafted)


def test_a_skeleton_keeps_a_few_short_tails(fresh_skeletons):
    """The tails of accepted sheets a skeleton keeps are bounded in number and length, and counted in its size."""
    first, other = next((a, b) for a, b in _SHEETS if a[a.rfind(b"</sheetData>"):] != b[b.rfind(b"</sheetData>"):])
    skeleton._SKELETONS.clear()
    _PlainSheet.scan(first, "x.xlsx", "m")
    (skel,) = skeleton._SKELETONS.values()
    size = skel.size
    end = other.rfind(b"</sheetData>")
    for i in range(skeleton._TAILS + 3):
        footer = other[:end] + other[end:].replace(b"</oddFooter>", b"%d</oddFooter>" % i, 1)
        assert _PlainSheet.scan(footer, "x.xlsx", "m") is not None
    assert len(skel.tails) == skeleton._TAILS and skel.tails[0] == first[first.rfind(b"</sheetData>"):]
    assert skel.size == size + sum(map(len, skel.tails[1:]))
    long = other[:end] + other[end:].replace(b"</oddFooter>", b"x" * skeleton._TAIL_BYTES + b"</oddFooter>", 1)
    assert _PlainSheet.scan(long, "x.xlsx", "m") is not None
    assert all(len(t) <= skeleton._TAIL_BYTES for t in skel.tails)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_damaged_shared_strings_are_read_as_the_strict_parser_reads_them(data):
    crafted = data.draw(_damaged(data.draw(st.sampled_from(_SSTS))))
    items = _scan_sst(crafted)
    if items is None:
        return
    try:
        root = _parse_xml("x.xlsx", "xl/sharedStrings.xml", crafted)
    except ReturnError:
        pytest.fail("the shared-string scan accepted a part the strict parser refuses")
    assert root.tag.endswith("}sst")
    elements = [el for el in root if el.tag == root.tag[:-3] + "si"]
    assert len(elements) == len(items)
    for item, el in zip(items, elements):
        try:
            text = _rich_text_bytes(item[: item.find(b"</si>")])
        except _NotPlain:
            continue
        assert text == _rich_text(el)


_CELL_A1 = b'<c r="A1" s="10" t="s"><v>21</v></c>'
_CRAFTED = {  # name: (what is replaced, by what) in the sample's second sheet; every one refused by the strict parser
    "junk attribute in a row": (b'<row r="2" spans="1:6">', b'<row r="2" spans="1:6" junk>'),
    "attribute twice in a row": (b'<row r="2" spans="1:6">', b'<row r="2" spans="1:6" r="3">'),
    "unknown entity in a row": (b'<row r="2" spans="1:6">', b'<row r="2" spans="1:&foo;">'),
    "not UTF-8 in a row": (b'<row r="2" spans="1:6">', b'<row r="2" spans="1:\xff">'),
    "attribute twice in a cell": (b'<c r="B1" s="10"/>', b'<c r="B1" s="10" s="3"/>'),
    "unbound prefix in a cell": (b'<c r="B1" s="10"/>', b'<c r="B1" s="10" q:x="1"/>'),
    "unknown entity in a value": (_CELL_A1, _CELL_A1.replace(b"21", b"2&foo;1")),
    "not UTF-8 in a value": (_CELL_A1, _CELL_A1.replace(b"21", b"2\xff1")),
    "unclosed element in a cell": (_CELL_A1, _CELL_A1.replace(b"</v>", b"</v><x>")),
    "]]> in a value": (_CELL_A1, _CELL_A1.replace(b"21", b"2]]>1")),
    "U+FFFE in a value": (_CELL_A1, _CELL_A1.replace(b"21", b"2\xef\xbf\xbe1")),
    "reference to NUL": (_CELL_A1, _CELL_A1.replace(b"21", b"2&#0;1")),
    "another namespace": (b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"', b'xmlns="urn:x"'),
    "no namespace": (b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"', b""),
    "unknown encoding": (b'encoding="UTF-8"', b'encoding="x-unknown"'),
    "attribute twice before the cells": (b'<dimension ref="A1:F27"/>', b'<dimension ref="A1:F27" ref="A1"/>'),
    "unknown entity after the cells": (b"&amp;L", b"&foo;L"),
    "not UTF-8 after the cells": (b"Ghi ch\xc3\xba qu", b"Ghi ch\xc3 qu"),
    "unclosed element after the cells": (b'<printOptions horizontalCentered="1"/>', b'<printOptions horizontalCentered="1">'),
}


def _sheet2() -> bytes:
    return _BOTH[0]["xl/worksheets/sheet2.xml"]


@pytest.mark.parametrize("name", sorted(_CRAFTED))
def test_crafted_sheets_are_declined_as_the_strict_parser_refuses_them(fresh_skeletons, name):
    old, new = _CRAFTED[name]
    data = _sheet2()
    assert data.count(old) >= 1
    crafted = data.replace(old, new, 1)
    assert _strict(crafted) == "refused"
    assert _PlainSheet.full_scan(crafted, "x.xlsx", "m") is None
    skeleton._SKELETONS.clear()
    assert _PlainSheet.scan(data, "x.xlsx", "m") is not None  # the undamaged sheet's skeleton is kept
    assert _PlainSheet.scan(crafted, "x.xlsx", "m") is None


def test_a_sheet_data_the_strict_reader_does_not_read_is_not_read():
    """A prefixed second sheetData (the strict reader's: it refuses the part), and the only sheetData inside
    another element whose attribute holds `/>` (which once fooled the depth count: the strict reader sees
    no cells there)."""
    data = _sheet2()
    main = b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    second = data.replace(b"</sheetData>", b"</sheetData><x:sheetData xmlns:x=" + main + b"/>", 1)
    assert _strict(second) == "refused"
    assert _PlainSheet.full_scan(second, "x.xlsx", "m") is None
    nested = data.replace(b"<sheetData>", b'<foo a="/>"><sheetData>', 1).replace(b"</sheetData>", b"</sheetData></foo>", 1)
    assert _strict(nested) == {}
    assert _PlainSheet.full_scan(nested, "x.xlsx", "m") is None


def test_shared_strings_of_another_namespace_are_left_to_the_strict_parser():
    sst = _SSTS[0]
    assert _scan_sst(sst) is not None
    assert _scan_sst(sst.replace(b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"', b'xmlns="urn:x"', 1)) is None
    assert _scan_sst(sst.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"', 1)) is None


def test_a_latin_1_sheet_is_left_to_the_strict_parser():
    """The strict parser decodes the declared encoding, the scanner UTF-8: it must not read such a part."""
    crafted = _sheet2().replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"', 1)
    assert isinstance(_strict(crafted), dict)
    assert _PlainSheet.full_scan(crafted, "x.xlsx", "m") is None


def _rewritten(path, member: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, data if info.filename == member else src.read(info.filename))
    return out.getvalue()


@pytest.mark.parametrize("member, old, new", [
    ("xl/worksheets/sheet2.xml", _CELL_A1, _CELL_A1.replace(b"21", b"2&foo;1")),  # a title cell, never asked
    ("xl/worksheets/sheet2.xml", b'<row r="2" spans="1:6">', b'<row r="2" spans="1:6" spans="1:7">'),
    ("xl/sharedStrings.xml", b"</t></si>", b"&foo;</t></si>"),  # the first item that ends so: a heading
])
def test_a_return_damaged_where_no_cell_is_asked_is_refused(tmp_path, member, old, new):
    """End to end: the return with one unasked piece damaged is refused as damaged (it was read before)."""
    good = _RETURNS[0]
    read_return(good)
    data = _BOTH[0][member]
    assert old in data
    path = tmp_path / good.name
    path.write_bytes(_rewritten(good, member, data.replace(old, new, 1)))
    with pytest.raises(ReturnError) as e:
        read_return(path)
    assert e.value.code == "doc.damaged"
    assert "bị hỏng" in str(e.value)
