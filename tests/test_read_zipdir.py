"""zipdir (the plain zip's central directory read without importing zipfile, for a cold `check`) lists
exactly what `zipfile.ZipFile` lists, or declines: on real returns and templates, on archives written with
the features it must leave to zipfile (comments, zip64, extra fields, non-ASCII names, data before the
first member), and on random damage to any of them. It never accepts an archive zipfile refuses."""

from __future__ import annotations

import io
import zipfile

from hypothesis import example, given, settings
from hypothesis import strategies as st

from xlcchc.read.zipdir import central_directory

from .conftest import ROOT

_FIELDS = ("filename", "orig_filename", "header_offset", "flag_bits", "compress_type", "CRC", "compress_size", "file_size")
_REAL = sorted((ROOT / "samples").glob("*/*.xlsx"))[:6] + sorted((ROOT / "templates").rglob("*.xlsx"))[:2]


def _zipfile_listing(data: bytes):
    """zipfile's listing (entries' fields, directory start), or None when it refuses the archive."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        return [tuple(getattr(i, f) for f in _FIELDS) for i in zf.infolist()], zf.start_dir
    except Exception:  # noqa: BLE001 - any refusal (BadZipFile, NotImplementedError, ValueError …)
        return None


def _same_or_declined(data: bytes) -> bool:
    plain = central_directory(data)
    if plain is None:
        return True
    entries, start = plain
    return _zipfile_listing(data) == ([tuple(getattr(e, f) for f in _FIELDS) for e in entries], start)


def _written(**kw) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        if kw.get("comment"):
            zf.comment = b"hello"
        for name, extra in (("[Content_Types].xml", b""), (kw.get("name", "xl/workbook.xml"), kw.get("extra", b""))):
            info = zipfile.ZipInfo(name)
            info.extra = extra
            with zf.open(info, "w", force_zip64=kw.get("zip64", False)) as fh:
                fh.write(b"<x/>" * 50)
    return kw.get("prefix", b"") + buf.getvalue()


_VARIANTS = [
    _written(), _written(comment=True), _written(zip64=True), _written(extra=b"\x99\x99\x02\x00ab"),
    _written(name="xl/wörkbook.xml"), _written(name="xl\\workbook.xml"), _written(name="xl/aXb.xml").replace(b"xl/aXb.xml", b"xl/a\0b.xml"),
    _written(prefix=b"junk before the archive"),
]


def test_real_returns_and_templates_are_plain_and_listed_alike():
    assert _REAL
    for path in _REAL:
        data = path.read_bytes()
        assert central_directory(data) is not None, path
        assert _same_or_declined(data), path
    assert central_directory(_VARIANTS[0]) is not None


def test_what_it_leaves_to_zipfile():
    for i, data in enumerate(_VARIANTS[1:], 1):
        if i == 2:  # zip64 in the local header only (a small member): the directory is a plain one
            assert central_directory(data) is not None and _same_or_declined(data)
            continue
        assert central_directory(data) is None
        assert _zipfile_listing(data) is not None  # zipfile reads them; the reader then uses its listing


_DATA = st.sampled_from([p.read_bytes() for p in _REAL[:3]] + _VARIANTS)


@settings(max_examples=500, derandomize=True, deadline=None)
@given(data=_DATA, where=st.integers(1, 400), byte=st.integers(0, 255), cut=st.integers(0, 3), tail=st.binary(max_size=30))
@example(data=_VARIANTS[0], where=22, byte=0, cut=0, tail=b"")
def test_damage_near_the_directory_is_listed_alike_or_declined(data, where, byte, cut, tail):
    """The directory and end record are the last bytes: a changed byte there, a cut, or bytes added."""
    damaged = bytearray(data)
    pos = max(len(damaged) - where, 0)
    damaged[pos] = byte
    damaged = bytes(damaged)
    for candidate in (damaged, damaged[: len(damaged) - cut * 7], damaged + tail, tail + damaged):
        assert _same_or_declined(candidate)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(data=_DATA, start=st.integers(0, 10_000), junk=st.binary(min_size=1, max_size=8))
def test_damage_anywhere_is_listed_alike_or_declined(data, start, junk):
    pos = start % len(data)
    assert _same_or_declined(data[:pos] + junk + data[pos + len(junk) :])
    assert _same_or_declined(data[:pos] + junk + data[pos:])


def _patched(data: bytes, entry: int, field: str, value) -> bytes:
    """The archive with one field of its `entry`-th central directory record set (offset, flags, name)."""
    import struct

    offset = struct.unpack_from("<L", data, len(data) - 6)[0]
    pos = offset
    for _ in range(entry):
        pos += 46 + sum(struct.unpack_from("<3H", data, pos + 28))
    out = bytearray(data)
    if field == "offset":
        struct.pack_into("<L", out, pos + 42, value)
    elif field == "flags":
        struct.pack_into("<H", out, pos + 8, value)
    else:  # a name of the same length
        n = struct.unpack_from("<H", data, pos + 28)[0]
        assert len(value) == n
        out[pos + 46 : pos + 46 + n] = value
    return bytes(out)


def _two(first: str, second: str) -> bytes:
    import warnings

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a name written twice: that is the point here
        for name in (first, second):
            zf.writestr(zipfile.ZipInfo(name), b"<x/>" * 50)
    return buf.getvalue()


def test_hostile_plain_archives_are_listed_as_zipfile_lists_them():
    """What an attacker can put in a plain directory — names twice, climbing or absolute names, the
    encryption or data-descriptor flag, two entries on one local header, a local header that names
    another part — is listed by zipdir exactly as by zipfile (the reader's own checks then refuse it)."""
    base = _two("xl/a.xml", "xl/b.xml")
    hostile = [
        _two("xl/a.xml", "xl/a.xml"), _two("xl/a.xml", "XL/A.XML"), _two("../../a.xml", "/etc/passwd"),
        _two("xl/./a.xml", "xl//b.xml"), _patched(base, 1, "flags", 0x1), _patched(base, 0, "flags", 0x8 | 0x800),
        _patched(base, 1, "offset", 0), _patched(base, 1, "offset", 7), _patched(base, 0, "name", b"xl/b.xml"),
    ]
    for data in hostile:
        plain = central_directory(data)
        assert plain is not None and _zipfile_listing(data) is not None
        assert _same_or_declined(data)
