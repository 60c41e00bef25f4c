"""A sheet whose tail closes the root element and opens another is refused through a skeleton too.

`skeleton.fit` checks a changed stretch of the bytes after the cells against the skeleton's own tail:
`</worksheet><worksheet>x</worksheet>` appended, or `</worksheet><worksheet>` put between two tags, is
plain tokens whose markup, once the inner pair is taken out, is the skeleton's `</worksheet>`; the part is
then two documents, which the strict parser (and the full scan's expat pass) refuse. A return with such
a sheet was refused when read alone and READ when another return had been read first (found by D-adv).
"""

from __future__ import annotations

import zipfile

import pytest

from xlcchc.read import ReturnError, read_return, skeleton
from xlcchc.read.sheet import _PlainSheet, _index_tree

from .bad_inputs.make_corpus import rewrite_zip
from .conftest import ROOT

SNV = ROOT / "samples" / "bao-cao-2022" / "BC_CCHC_2022_SNV.xlsx"
SHEET = "xl/worksheets/sheet2.xml"


def _second_root_at_end(x: bytes) -> bytes:
    return x + b"<worksheet>x</worksheet>"


def _root_closed_in_the_tail(x: bytes) -> bytes:
    at = x.rfind(b"<headerFooter>")
    assert at > x.rfind(b"</sheetData>") > 0
    return x[:at] + b"</worksheet><worksheet>" + x[at:]


@pytest.fixture
def fresh_skeletons():
    kept = dict(skeleton._SKELETONS)
    skeleton._SKELETONS.clear()
    yield
    skeleton._SKELETONS.clear()
    skeleton._SKELETONS.update(kept)


@pytest.mark.parametrize("damage", [_second_root_at_end, _root_closed_in_the_tail])
def test_a_sheet_of_two_roots_is_not_fitted_to_its_own_skeleton(fresh_skeletons, damage):
    with zipfile.ZipFile(SNV) as zf:
        sheet = zf.read(SHEET)
    crafted = damage(sheet)
    with pytest.raises(ReturnError):
        _index_tree("x.xlsx", SHEET, crafted)  # the strict parser refuses it
    assert _PlainSheet.full_scan(crafted, "x.xlsx", SHEET) is None
    assert _PlainSheet.scan(sheet, "x.xlsx", SHEET) is not None  # the skeleton of the real sheet is kept
    assert skeleton.fit(crafted) is None
    assert _PlainSheet.scan(crafted, "x.xlsx", SHEET) is None


@pytest.mark.parametrize("damage", [_second_root_at_end, _root_closed_in_the_tail])
def test_such_a_return_is_refused_after_a_real_one_as_when_read_alone(fresh_skeletons, tmp_path, damage):
    crafted = tmp_path / "hai_goc.xlsx"
    crafted.write_bytes(rewrite_zip(SNV.read_bytes(), {SHEET: damage}))
    with pytest.raises(ReturnError) as alone:
        read_return(crafted)
    skeleton._SKELETONS.clear()
    read_return(SNV)
    with pytest.raises(ReturnError) as after:
        read_return(crafted)
    assert after.value.code == alone.value.code == "doc.damaged"
