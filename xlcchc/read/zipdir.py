"""A zip's central directory read from bytes in memory in the plain case, without importing `zipfile`.

`import zipfile` brings shutil, threading, bz2, lzma and struct with it: ~16 M instructions, a fifteenth
of a cold `xlcchc check` (issue 17), for a listing of twenty parts that the reader then inflates itself
(`_Package._inflate`). Every spreadsheet program writes the same plain archive: one disk, no archive
comment, no zip64, nothing before the first member, central entries without extra fields or comments,
ASCII part names. For exactly those archives `central_directory` gives what `zipfile.ZipFile(...)`
would list — each entry's name, offset, flags, method, CRC and sizes, in the directory's order, and
where the directory starts — reading the records the way `ZipFile._RealGetContents` does. Anything
else (a comment, zip64, an extra field, a name with a byte `ZipInfo` might rewrite, a record that does
not end where the directory says, a version zipfile refuses …) returns None, and the caller asks
`zipfile`, which then lists the archive or refuses it as before: this never accepts an archive that
`zipfile` would refuse, nor reads one differently (tests/test_read_zipdir.py compares the two on real
returns and on damaged ones).
"""

from __future__ import annotations

from struct import Struct

ZIP_STORED, ZIP_DEFLATED = 0, 8  # zipfile's constants of the same names
_EOCD = Struct("<4s4H2LH")  # end of central directory (22 bytes, zipfile's structEndArchive)
_ENTRY = Struct("<4s4B4HL2L5H2L")  # one central directory record (46 bytes, zipfile's structCentralDir)
_MAX_EXTRACT_VERSION = 63  # zipfile's MAX_EXTRACT_VERSION: a higher one is refused by it


class Entry:
    """The fields of a `zipfile.ZipInfo` the reader uses, with the same names and values."""

    __slots__ = ("filename", "orig_filename", "header_offset", "flag_bits", "compress_type", "CRC",
                 "compress_size", "file_size")

    def __init__(self, name: str, record: tuple) -> None:
        self.filename = self.orig_filename = name
        self.flag_bits, self.compress_type = record[5], record[6]
        self.CRC, self.compress_size, self.file_size = record[9], record[10], record[11]
        self.header_offset = record[18]


def central_directory(data: bytes) -> tuple[list[Entry], int] | None:
    """The entries and the directory's start of a plain archive (see the module's docstring), or None."""
    n = len(data)
    if n < 64:  # zipfile looks 20 bytes before the end record for a zip64 locator
        return None
    end = n - _EOCD.size
    sig, disk, disk_dir, here, total, size, offset, comment = _EOCD.unpack_from(data, end)
    if sig != b"PK\x05\x06" or comment or disk or disk_dir or here != total or data[end - 20 : end - 16] == b"PK\x06\x07":
        return None
    if offset + size != end or 0xFFFFFFFF in (size, offset) or 0xFFFF == total:
        return None  # something before the first member ("concat"), or zip64 markers
    entries: list[Entry] = []
    pos = offset
    while pos < end:
        if pos + _ENTRY.size > end:
            return None
        record = _ENTRY.unpack_from(data, pos)
        name_len, extra_len, comment_len = record[12], record[13], record[14]
        if record[0] != b"PK\x01\x02" or extra_len or comment_len or record[3] > _MAX_EXTRACT_VERSION:
            return None
        if 0xFFFFFFFF in (record[10], record[11], record[18]):
            return None
        raw = data[pos + _ENTRY.size : pos + _ENTRY.size + name_len]
        pos += _ENTRY.size + name_len
        # ASCII without NUL or backslash: cp437 and UTF-8 read it alike, and ZipInfo keeps it as it is.
        if pos > end or not raw.isascii() or b"\0" in raw or b"\\" in raw:
            return None
        entries.append(Entry(raw.decode("ascii"), record))
    if pos != end or len(entries) != total:
        return None
    return entries, offset
