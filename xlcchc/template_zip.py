"""Templates' zips: written deterministically (`write_zip`), and re-written without compressing again
what did not change (`rewrite_zip`, `rezip`, `ZipPatcher`).

`template --all-units` derives ~190 templates from a dozen built ones by replacing a placeholder
unit's strings (xlcchc.template_units), and every built template is re-zipped once to lock its
structure (`lock_structure` below). Re-compressing every member each time was a quarter of
the command's time, though most members are the same bytes and, in the members that differ, the
unit's strings come late (the sheets' page footers, the cover's strings). So:
- `rezip` replaces some members of a zip and copies the others' compressed bytes verbatim;
- a `ZipPatcher` keeps, per member holding a placeholder, a deflate stream already fed with the bytes
  before the first placeholder (zlib compressors can be copied): a derived member costs only the
  compression of its tail.
Headers and the central directory are copied with only CRCs, sizes and offsets rewritten.

Both only take a zip in the exact form `zipfile` writes from `write_zip` below (deflated
members at the default level, no data descriptor, extra field or comment, members contiguous) — else
they return None / raise ValueError and the caller writes the zip the plain way. The result is then
byte for byte what `write_zip` writes for the same members: deflate's output does not depend on how
its input is split, and tests compare derived templates with the ones built on their own.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

_LOCAL = b"PK\x03\x04"
_CENTRAL = b"PK\x01\x02"
_END = b"PK\x05\x06"
_UTF8 = 0x800


def _deflate() -> "zlib._Compress":
    return zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)  # what zipfile uses


@dataclass
class _Member:
    name: str
    start: int  # offset of the local header
    data: int  # offset of the compressed data
    end: int  # end of the compressed data
    central: bytes  # the central-directory record


def _members(data: bytes) -> tuple[list[_Member], bytes]:
    """The members of a zip in `write_zip`'s form, and its end record; ValueError for any other form."""
    end = data.rfind(_END)
    if end < 0 or len(data) - end != 22:
        raise ValueError("zip end record")
    disk, cd_disk, here, count, cd_size, cd_offset, comment = struct.unpack_from("<HHHHIIH", data, end + 4)
    if disk or cd_disk or here != count or comment or cd_offset + cd_size != end:
        raise ValueError("zip end record")
    members: list[_Member] = []
    pos, expect = cd_offset, 0
    for _ in range(count):
        (sig, made, need, flags, method, time, date, crc, csize, usize, nlen, xlen, clen, dstart, iattr, eattr,
         start) = struct.unpack_from("<4sHHHHHHIIIHHHHHII", data, pos)
        if (sig != _CENTRAL or made & 0xFF != 20 or need != 20 or flags & ~_UTF8 or method != zlib.DEFLATED
                or xlen or clen or dstart or iattr or not eattr or start != expect):
            raise ValueError("zip member")
        name = data[pos + 46:pos + 46 + nlen]
        local = struct.pack("<4sHHHHHIIIHH", _LOCAL, 20, flags, method, time, date, crc, csize, usize, nlen, 0) + name
        if data[start:start + len(local)] != local:
            raise ValueError("zip local header")
        first = start + len(local)
        members.append(_Member(name.decode("utf-8"), start, first, first + csize, data[pos:pos + 46 + nlen]))
        expect = first + csize
        pos += 46 + nlen
    if expect != cd_offset or pos != end:
        raise ValueError("zip layout")
    return members, data[end:]


def _assemble(data: bytes, members: list[_Member], end_record: bytes, new: dict[str, tuple[bytes, int, int]]) -> bytes:
    """The zip with the members in `new` (name → compressed bytes, CRC-32, size) replaced."""
    out = bytearray()
    central = bytearray()
    for m in members:
        offset = len(out)
        record = bytearray(m.central)
        got = new.get(m.name)
        if got is None:
            out += data[m.start:m.end]
        else:
            packed, crc, size = got
            fields = struct.pack("<III", crc, len(packed), size)
            header = bytearray(data[m.start:m.data])
            header[14:26] = fields
            out += header
            out += packed
            record[16:28] = fields
        struct.pack_into("<I", record, 42, offset)
        central += record
    end = bytearray(end_record)
    struct.pack_into("<I", end, 16, len(out))
    return bytes(out + central + end)


def rezip(data: bytes, parts: dict[str, bytes]) -> bytes | None:
    """`data` with the members named in `parts` replaced by those bytes; None if `data` is not in the
    form `write_zip` writes (the caller then re-writes every member)."""
    try:
        members, end_record = _members(data)
    except (ValueError, struct.error, UnicodeDecodeError):
        return None
    if not set(parts) <= {m.name for m in members}:
        return None
    new = {}
    for name, body in parts.items():
        comp = _deflate()
        new[name] = (comp.compress(body) + comp.flush(), zlib.crc32(body), len(body))
    return _assemble(data, members, end_record, new)


@dataclass
class _Tail:
    body: bytes  # uncompressed bytes of the member
    cut: int  # bytes of `body` before the first marker, compressed once into `head`
    head: bytes
    state: object  # the zlib compressor after `body[:cut]`
    crc: int  # CRC-32 of `body[:cut]`


class ZipPatcher:
    """A template's zip whose members' text can be replaced for many units, compressing only their tails."""

    def __init__(self, data: bytes, bodies: dict[str, bytes], markers: list[bytes]):
        """`bodies`: uncompressed bytes of the members that will change; `markers`: every byte string the
        replacements will touch (nothing before the first of them in a member changes).
        ValueError if `data` is not in `write_zip`'s form."""
        self._data = data
        self._members, self._end = _members(data)
        self._tails: dict[str, _Tail] = {}
        for name, body in bodies.items():
            cut = min((i for i in (body.find(m) for m in markers) if i >= 0), default=len(body))
            comp = _deflate()
            self._tails[name] = _Tail(body, cut, comp.compress(body[:cut]), comp, zlib.crc32(body[:cut]))

    def patched(self, pairs: list[tuple[bytes, bytes]]) -> bytes:
        """The zip with every (old, new) pair replaced, in order, in the members given as `bodies`."""
        new = {}
        for name, t in self._tails.items():
            tail = t.body[t.cut:]
            for old, repl in pairs:
                tail = tail.replace(old, repl)
            comp = t.state.copy()
            new[name] = (t.head + comp.compress(tail) + comp.flush(), zlib.crc32(tail, t.crc), t.cut + len(tail))
        return _assemble(self._data, self._members, self._end, new)


_WB_PR = re.compile(rb"(<workbookPr\b[^>]*/>)")


def lock_structure(data: bytes) -> bytes:
    """Add workbook-structure protection (xlsxwriter cannot): users cannot rename, add or unhide sheets.

    The zip is rewritten member by member with the original names, order and (fixed) timestamps, so
    the result stays byte-identical for identical inputs.
    """
    return rewrite_zip(data, {"xl/workbook.xml": lambda x: _WB_PR.sub(rb'\1<workbookProtection lockStructure="1"/>', x, count=1)})


def rewrite_zip(data: bytes, edits: dict[str, Any]) -> bytes:
    """`data` with the members in `edits` (name → function of their bytes) edited, as `write_zip` writes it.

    A zip already in that form (ours: xlsxwriter's and `write_zip`'s) keeps the other members'
    compressed bytes (`rezip`): the same bytes as re-compressing them, at a fraction."""
    src = zipfile.ZipFile(io.BytesIO(data))
    edited = {name: edit(src.read(name)) for name, edit in edits.items()}
    fast = rezip(data, edited)
    if fast is not None:
        return fast
    infos = src.infolist()
    parts = {i.filename: src.read(i.filename) for i in infos}
    return write_zip(infos, {**parts, **edited})


def write_zip(infos: list[zipfile.ZipInfo], parts: dict[str, bytes]) -> bytes:
    """Zip `parts` in the order of `infos`, keeping their names and (fixed) timestamps: deterministic."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            zi.create_system = info.create_system
            dst.writestr(zi, parts[info.filename])
    return out.getvalue()


