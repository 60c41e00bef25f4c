"""The shared-string part's items are shared between returns by a digest of its compressed bytes and zip
claims (`workbook._SST_CACHE`): a return reads exactly as it reads alone, whatever was read before it.

On a real return whose shared strings are damaged at random (hypothesis): read with the cache empty, then
again (the items now come from the cache), then after another return's part filled it; always the same
cells, notes, cover, findings, or the same refusal. And a copy whose directory claims another CRC-32 for
the part is refused after the good file's items were kept.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcchc.read import ReturnError, read_return
from xlcchc.read import workbook as W

from .bad_inputs.make_corpus import rewrite_zip
from .conftest import ROOT, bytes_held
from .test_read_fast_paths import _claim_other_crc

SAMPLES = ROOT / "samples" / "bao-cao-2022"
GOOD = SAMPLES / "BC_CCHC_2022_SNV.xlsx"
OTHER = SAMPLES / "BC_CCHC_2022_H-THO-XUAN_du_thao.xlsx"
_SST = "xl/sharedStrings.xml"


def _outcome(path):
    try:
        ret = read_return(path)
        return ("ok", ret.cells, ret.notes, ret.cover, ret.problems, ret.tasks)
    except ReturnError as e:
        return ("refused", e.code, str(e))


_EDIT = st.tuples(st.integers(0, 10**6), st.integers(0, 3),
                  st.sampled_from([b"", b"<", b"&", b"&amp;", b"\x01", b"\xff", b"</si>", b"<si>", b"<si/>", b"<!DOCTYPE x>",
                                   b'<x:t xmlns:x="y">', b"<r><t>a</t></r>", b"\r\n", "Đ".encode()]))


@settings(max_examples=30, deadline=None)
@given(st.lists(_EDIT, min_size=0, max_size=3))
def test_a_return_reads_the_same_with_its_shared_strings_kept_or_not(tmp_path_factory, edits):
    def damage(xml: bytes) -> bytes:
        for at, cut, what in edits:
            at %= len(xml) + 1
            xml = xml[:at] + what + xml[at + cut :]
        return xml

    path = tmp_path_factory.mktemp("s") / GOOD.name
    path.write_bytes(rewrite_zip(GOOD.read_bytes(), {_SST: damage}))
    W._SST_CACHE.clear()
    alone = _outcome(path)
    assert _outcome(path) == alone  # its items from the cache now
    read_return(OTHER)
    assert _outcome(path) == alone


def test_a_kept_shared_string_part_is_used_by_its_copies_only():
    W._SST_CACHE.clear()
    first = _outcome(GOOD)
    assert len(W._SST_CACHE) == 1 and _outcome(GOOD) == first and len(W._SST_CACHE) == 1
    _outcome(OTHER)
    assert len(W._SST_CACHE) == 2


def test_a_shared_string_part_claiming_another_crc_is_refused_after_the_good_one(tmp_path):
    read_return(GOOD)
    bad = tmp_path / GOOD.name
    bad.write_bytes(_claim_other_crc(GOOD.read_bytes(), _SST))
    with pytest.raises(ReturnError) as e:
        read_return(bad)
    assert e.value.code == "doc.damaged" and re.search(re.escape(_SST), str(e.value))


def test_the_kept_shared_strings_hold_a_bounded_number_of_bytes(tmp_path):
    """The kept items outlive their return: 16 crafted returns with a big shared-string part each (here a
    comment, so the strict parser's elements: ~15-30× the part's bytes) would stay in a worker together,
    so only a part of a real return's size is kept (real ones are ~20-50 KB)."""
    import os

    good = GOOD.read_bytes()

    def read_crafted():
        for i in range(W._SST_MAX + 2):
            filler = b"<si><t>" + os.urandom(150_000).hex().encode() + b"</t></si><!-- %d -->" % i
            data = rewrite_zip(good, {_SST: lambda b: b.replace(b"</sst>", filler + b"</sst>")})
            path = tmp_path / f"r{i}.xlsx"
            path.write_bytes(data)
            assert _outcome(path)[0] == "ok"
            del data

    W._SST_CACHE.clear()
    try:
        held = bytes_held(read_crafted)
    finally:
        W._SST_CACHE.clear()
    assert held <= 8 << 20, held
