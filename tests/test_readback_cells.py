"""Reading a provincial workbook back asks for many cells at once; the shortcuts taken for that answer as the
per-cell path they replace, on a real TONG_HOP.xlsx and on damaged copies of it.

- `_Book.cells(sheet, wanted)` looks the sheet's index up once: the same cells, in the same order, and the
  same refusal (a duplicated cell) or fall-back to the strict parser (a cell outside the plain form), as
  `_Book.cell` asked for each address;
- `_Provincial.by_unit` skips the cells a sheet does not have: the figures are the ones reading every cell
  through `raw_value` gives.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlcchc.merge import merge_folder
from xlcchc.merge.model import adjustment_name
from xlcchc.merge.readback import _number_or_text, _open, _Provincial
from xlcchc.read import ReturnError, _col_letters, _col_number

from .conftest import ROOT

SHEET = "Biểu mẫu 3"


@pytest.fixture(scope="module")
def tong_hop(tmp_path_factory) -> Path:
    """A TONG_HOP.xlsx of the 2022 samples (merged in this process: a real provincial workbook)."""
    tmp = tmp_path_factory.mktemp("rb")
    shutil.copytree(ROOT / "samples" / "bao-cao-2022", tmp / "in")
    merge_folder(tmp / "in", tmp / "TONG_HOP.xlsx", workers=1)
    return tmp / "TONG_HOP.xlsx"


def _member(path: Path, sheet: str) -> str:
    book = _open(path)
    return book.sheets[sheet]


#: Pieces put in front of a cell of the sheet: cells outside the plain form (an unknown attribute, two
#: values, a formula without value), a copy of a cell already there (refused), values of every kind.
_DAMAGE = [
    b'<c r="ZZ900" x="1"><v>1</v></c>', b'<c r="ZY900"><v>1</v><v>2</v></c>', b'<c r="ZX900"><f>1</f></c>',
    b'<c r="ZW900" t="s"><v>99999</v></c>', b'<c r="ZV900" t="inlineStr"><is><t>a</t></is></c>',
    b'<c r="ZU900" s="0" t="str"><f>A1</f><v>x</v></c>', b'<c r="ZT900" t="b"><v>1</v></c>',
    b'<c r="ZS900"><v>&foo;</v></c>', b'<c r="ZR900" s="1" s="2"/>', b'<c r="ZQ900" t="n"><v>1</v><f>x</f></c>',
    b'<c r="ZP900"><v>a&#x1;</v></c>', b"COPY",
]


def _damaged(data: bytes, member: str, cuts: list[tuple[int, bytes]]) -> bytes:
    """The workbook with each piece put before the n-th cell of `member` (`COPY`: a copy of that cell)."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    sheet = zin.read(member)
    starts = [i for i in range(len(sheet)) if sheet.startswith(b'<c r="', i)]
    for n, piece in sorted(cuts, reverse=True):
        at = starts[n % len(starts)]
        if piece == b"COPY":
            end = sheet.find(b"<c r=", at + 1)
            piece = sheet[at:end] if end > 0 and b"</row>" not in sheet[at:end] else b""
        sheet = sheet[:at] + piece + sheet[at:]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, sheet if info.filename == member else zin.read(info))
    return out.getvalue()


def _answers(call):
    try:
        return call()
    except ReturnError as e:
        return ("refused", e.code)


def _book(path: Path, data: bytes):
    path.write_bytes(data)
    return _open(path)


_CUTS = st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(_DAMAGE)), max_size=4)
_WANTED = st.lists(st.tuples(st.sampled_from(["A", "C", "J", "K", "L", "Q"]), st.integers(1, 60)), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_CUTS, _WANTED)
def test_cells_at_once_are_the_cells_one_by_one(tong_hop, tmp_path, cuts, wanted):
    data = _damaged(tong_hop.read_bytes(), _member(tong_hop, SHEET), cuts)
    # The cells asked for: the sheet's own and absent ones, and the damaged ones put in (those are where the
    # plain path declines), in an order of their own.
    addrs = {f"{c}{r}" for c, r in wanted} | {p[6:p.index(b'"', 6)].decode() for _, p in cuts if p != b"COPY"}
    at_once = _answers(lambda: dict(_book(tmp_path / "a.xlsx", data).cells(SHEET, addrs)))
    book = _book(tmp_path / "b.xlsx", data)
    one_by_one = _answers(lambda: {a: book.cell(SHEET, a) for a in addrs})
    assert at_once == one_by_one
    if isinstance(at_once, dict):
        assert list(at_once) == list(one_by_one)  # the same order as well


def _by_unit_every_cell(prov: _Provincial) -> dict:
    """`by_unit` as it read every cell, present or not, through `raw_value`."""
    first = _col_number(prov.meta.get("unit_col", "J"))
    out = {}
    for i, u in enumerate(prov.units):
        col, vals = _col_letters(first + i), {}
        for ind in prov.catalog.value_indicators():
            sheet, addr = prov.ref(adjustment_name(ind.form, ind.code))
            row = "".join(ch for ch in addr if ch.isdigit())
            v = _number_or_text(prov.book.raw_value(prov.book.cell(sheet, col + row))[0])
            if v is not None:
                vals[ind.key] = v
        out[u] = vals
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_CUTS)
def test_by_unit_skipping_absent_cells_reads_what_every_cell_gives(tong_hop, tmp_path, cuts):
    data = _damaged(tong_hop.read_bytes(), _member(tong_hop, SHEET), cuts)
    path = tmp_path / "TONG_HOP.xlsx"
    path.write_bytes(data)

    def read(how):
        try:
            return how(_Provincial(path))
        except Exception as e:  # noqa: BLE001 - the same refusal either way
            return ("refused", type(e).__name__, str(e))

    fast = read(lambda p: p.by_unit())
    assert fast == read(_by_unit_every_cell)
    if not cuts:
        assert isinstance(fast, dict) and any(fast.values())  # the real workbook: figures read
