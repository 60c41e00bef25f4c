"""The parsed workbook parts shared between returns (`workbook._SHARED_CACHE`) hold a bounded
number of bytes: they outlive their return, so a crafted part far larger than a real one is read but not
kept (real ones are ~20 KB; the cache keeps up to 256 parts)."""

from __future__ import annotations

from xlcchc.read import workbook as W

from .bad_inputs.make_corpus import rewrite_zip
from .conftest import bytes_held
from .test_read_shared_sst import GOOD, _outcome


def _held_after(tmp_path, edit, n: int = 8) -> int:
    """Bytes still allocated after reading `n` returns, each with its own big part (`edit(bytes, i)`)."""
    good = GOOD.read_bytes()
    assert _outcome(GOOD)[0] == "ok"  # what a first read loads once (catalog, patterns, skeletons) is not counted

    def read_crafted():
        for i in range(n):
            path = tmp_path / f"r{i}.xlsx"
            path.write_bytes(edit(good, i))
            assert _outcome(path)[0] == "ok"

    W._SHARED_CACHE.clear()
    try:
        return bytes_held(read_crafted)
    finally:
        W._SHARED_CACHE.clear()


def _names(i: int) -> bytes:
    """~400 KB of extra defined names (each return's own), which the workbook part parses into dicts."""
    return b"".join(b'<definedName name="x%d_%d">Sheet1!$A$1</definedName>' % (i, k) for k in range(8000))


def test_a_workbook_part_far_larger_than_a_real_one_is_not_kept(tmp_path):
    held = _held_after(tmp_path, lambda good, i: rewrite_zip(
        good, {W._WB: lambda b: b.replace(b"</definedNames>", _names(i) + b"</definedNames>", 1)}))
    assert held <= 4 << 20, held

