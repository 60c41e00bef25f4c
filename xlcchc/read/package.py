"""The trust boundary on bytes: what a file is, and the zip opened with caps against bombs and DTDs.

Everything here runs before any workbook content is interpreted: sniffing renamed/old/encrypted files
and Excel lock files, the zip caps (declared sizes, ratio, member count, and again while inflating) and
the byte-level refusal of DTD/entity declarations ahead of the C XML parser.
"""

from __future__ import annotations

import io
import re
import struct
import zlib

from ..digest import blake2b
from ..lazy_pattern import LazyPattern
from .model import ReturnError
from .zipdir import ZIP_DEFLATED, ZIP_STORED, central_directory

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    import zipfile

# Caps against zip bombs: checked on the declared sizes before inflating and again while inflating.
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_MEMBER_BYTES = 32 * 1024 * 1024
MAX_RATIO = 200  # a real sheet compresses ~5-20×; a bomb 1000×+
MAX_MEMBERS = 5000
MAX_FILE_BYTES = 100 * 1024 * 1024
# Memory is bounded by bytes, not only by counts: a part parsed into a tree costs ~15-30× its size, so
# the strict parser takes parts up to MAX_TREE_BYTES (real sheets are 50-500 KB; the plain scanner,
# which works on the bytes, takes larger ones), and the workbook part, whose names are all kept, up to
# MAX_WORKBOOK_BYTES (a template's is ~20 KB; 500,000 extra defined names are ~30 MB).
MAX_TREE_BYTES = 8 * 1024 * 1024
MAX_WORKBOOK_BYTES = 1024 * 1024
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
LOCK_PREFIX = "~$"  # Excel's owner ("lock") file beside an open workbook: `~$Book.xlsx`


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Package:
    """The zip, opened from bytes in memory, with caps against bombs and a hardened XML parser."""

    def __init__(self, name: str, data: bytes):
        self.name = name
        self.data = data
        self._zf = None
        try:
            # The plain archive every spreadsheet program writes is listed without importing zipfile
            # (zipdir: exactly zipfile's listing, or None); any other goes to zipfile, as before.
            plain = central_directory(data)
            if plain is None:
                infos, stop = self.zf.infolist(), self.zf.start_dir
            else:
                infos, stop = plain
        except Exception:  # noqa: BLE001 - whatever the zip module raises on a broken archive
            raise ReturnError("doc.damaged", f"Tệp “{name}” bị hỏng (không giải nén được); hãy lưu lại từ Excel và gửi lại") from None
        if len(infos) > MAX_MEMBERS:
            raise _bomb(name)
        total = 0
        for i in infos:
            total += i.file_size
            if i.file_size > MAX_MEMBER_BYTES or (i.file_size > 1_000_000 and i.file_size > MAX_RATIO * max(i.compress_size, 1)):
                raise _bomb(name)
        if total > MAX_TOTAL_BYTES:
            raise _bomb(name)
        self.members = {i.filename: i for i in infos}
        self._lower = {k.lower(): k for k in self.members}
        if len(self._lower) != len(infos):
            raise _duplicate_part(name, infos)
        # Where each member's data must end: the next member's header (a zip whose entries overlap is a
        # bomb; newer `zipfile` versions refuse it, so the fast path below leaves it to them).
        offsets = sorted({i.header_offset for i in infos})
        self._end = {o: e for o, e in zip(offsets, [*offsets[1:], stop])}

    @property
    def zf(self):
        """The archive opened by `zipfile` (imported then), for what the plain paths leave to it."""
        if self._zf is None:
            import zipfile

            self._zf = zipfile.ZipFile(io.BytesIO(self.data))
        return self._zf

    def _stored(self, info: zipfile.ZipInfo) -> bytes | None:
        """The member's compressed bytes in the plain case `_inflate` reads itself, or None.

        The plain case every spreadsheet program writes: stored or deflated, not encrypted, local header
        agreeing with the directory, data ending before the next member's header.
        """
        if info.flag_bits & ~0x80E or info.compress_type not in (ZIP_STORED, ZIP_DEFLATED):
            return None
        data, off = self.data, info.header_offset
        head = data[off : off + 30]
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            return None
        name_len, extra_len = struct.unpack_from("<HH", head, 26)
        start = off + 30 + name_len + extra_len
        # An ASCII name is the same bytes in both encodings: "ascii" spares loading the cp437 codec (1.5 M).
        enc = "ascii" if info.orig_filename.isascii() else "utf-8" if info.flag_bits & 0x800 else "cp437"
        try:
            if data[off + 30 : off + 30 + name_len] != info.orig_filename.encode(enc):
                return None
        except UnicodeEncodeError:
            return None
        if start + info.compress_size > self._end.get(off, 0):
            return None
        return data[start : start + info.compress_size]

    def _inflate(self, info: zipfile.ZipInfo) -> bytes | None:
        """The member's bytes straight from the archive in memory, or None to leave it to `zipfile`.

        Only the plain case (`_stored`), and only when the result is exactly what `zipfile` would
        return: the declared size and CRC-32. Anything else goes through `zipfile`, which then reads it or
        raises as before. About 20 µs less per part than `ZipFile.open`, a dozen parts a return.
        """
        raw = self._stored(info)
        if raw is None:
            return None
        if info.compress_type == ZIP_STORED:
            out = raw
        else:
            try:
                out = zlib.decompressobj(-15).decompress(raw, MAX_MEMBER_BYTES + 1)
            except zlib.error:
                return None
        if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
            return None
        return out

    def digest(self, member: str) -> bytes | None:
        """A BLAKE2b digest that decides what `read(member)` gives, taken without inflating; None when the
        member is absent or not in the plain case (the caller then reads it and hashes its bytes).

        It covers the compressed bytes and what the directory says they inflate to (method, size,
        CRC-32): equal digests mean equal compressed bytes with equal claims, so the same inflated bytes
        (or the same refusal) — a cache of parsed parts keyed by it never mixes two parts. The CRC and size
        are in it only because `read` checks them; the bytes are what is keyed.
        """
        claims = self.claims(member)
        if claims is None:
            return None
        h = blake2b(claims[0], digest_size=20)
        h.update(struct.pack("<HIQ", *claims[1:]))
        return h.digest()

    def claims(self, member: str) -> tuple[bytes, int, int, int] | None:
        """What decides what `read(member)` gives, without inflating: the compressed bytes themselves and
        the directory's method, CRC-32 and size (`digest` hashes them; a key made of them compares the bytes
        exactly). None when the member is absent or not in the plain case."""
        real = self._lower.get(member.lower())
        if real is None:
            return None
        info = self.members[real]
        raw = self._stored(info)
        if raw is None:
            return None
        return raw, info.compress_type, info.CRC, info.file_size

    def has(self, member: str) -> bool:
        return member.lower() in self._lower

    def size(self, member: str) -> int:
        """The size the directory says `member` inflates to (0 when absent): `read` refuses a part that
        inflates to another size, so once it has been read this is its size."""
        real = self._lower.get(member.lower())
        return 0 if real is None else self.members[real].file_size

    def read(self, member: str) -> bytes:
        real = self._lower.get(member.lower())
        if real is None:
            raise ReturnError("doc.damaged", f"Tệp “{self.name}” thiếu phần “{member}”; tệp bị hỏng hoặc không do Excel lưu")
        fast = self._inflate(self.members[real])
        if fast is not None:
            return fast
        try:
            with self.zf.open(real) as fh:
                data = fh.read(MAX_MEMBER_BYTES + 1)
        except Exception as e:  # noqa: BLE001 - zlib.error, CRC, unsupported compression…: all mean damaged
            if "password" in str(e).lower() or "encrypted" in str(e).lower():
                raise ReturnError("doc.encrypted", _ENCRYPTED.format(name=self.name)) from None
            raise ReturnError("doc.damaged", f"Tệp “{self.name}” bị hỏng (phần “{member}” không giải nén được); hãy lưu lại từ Excel và gửi lại") from None
        if len(data) > MAX_MEMBER_BYTES:
            raise _bomb(self.name)
        return data

    def xml(self, member: str):
        return _parse_xml(self.name, member, self.read(member))


# Any markup declaration (`<!DOCTYPE`, `<!ENTITY`, `<!ELEMENT`…) other than a comment or CDATA section.
# Entities can only be declared inside a DOCTYPE, so a part without one cannot expand or fetch anything.
_DECLARATION = re.compile(rb"<!(?!--|\[CDATA\[)")
_DECLARATION_TEXT = LazyPattern(r"<!(?!--|\[CDATA\[)")  # UTF-16 parts only: compiled when one comes


def _declares_dtd(data: bytes) -> bool:
    """Whether an XML part carries a DTD or entity declaration, checked on the bytes before any parsing.

    Parts are UTF-8 (Excel, LibreOffice) or, rarely, UTF-16: the only encodings besides ASCII-compatible
    ones that the XML parser detects by itself, so the check looks at the text in those too.
    """
    head = data[:4]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head:
        enc = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-16-be" if head[:1] == b"\x00" else "utf-16-le")
        return _DECLARATION_TEXT.search(data.decode(enc, errors="replace")) is not None
    return _DECLARATION.search(data) is not None


def _parse_xml(name: str, member: str, data: bytes):
    """The part's element tree, parsed by the C parser after the byte-level refusal of DTDs and entities.

    Same protections as defusedxml (forbid_dtd, forbid_entities, forbid_external), decided before the
    parser sees the bytes; defusedxml itself routes every element through Python, ~10× slower.
    """
    from xml.etree.ElementTree import ParseError, XMLParser

    if len(data) > MAX_TREE_BYTES or (member == "xl/workbook.xml" and len(data) > MAX_WORKBOOK_BYTES):
        raise ReturnError(
            "doc.too_complex",
            f"Tệp “{name}”: phần “{member}” lớn bất thường ({len(data) / 2**20:.1f} MB; biểu mẫu thật chỉ vài trăm KB) — "
            "có thể chứa hàng trăm nghìn tên ô hoặc ô thừa; tệp không được đọc để bảo vệ máy, hãy dùng biểu mẫu gốc",
        )
    if _declares_dtd(data):
        raise ReturnError(
            "doc.xml_entity",
            f"Tệp “{name}” chứa khai báo DTD/thực thể XML trong phần “{member}” (có thể là mã độc); "
            "tệp không được đọc — hãy dùng biểu mẫu gốc và nhập lại số liệu",
        )
    try:
        parser = XMLParser()
        parser.feed(data)
        return parser.close()
    except (ParseError, ValueError, UnicodeError, LookupError):
        raise ReturnError("doc.damaged", f"Tệp “{name}” bị hỏng (nội dung XML của phần “{member}” không đọc được); hãy lưu lại từ Excel và gửi lại") from None


def _duplicate_part(name: str, infos: list[zipfile.ZipInfo]) -> ReturnError:
    """Two zip members with one part name (OPC compares part names without case): which one a program
    reads is its own choice, so the file means different things to different readers — refused."""
    seen: dict[str, str] = {}
    pair = ("", "")
    for i in infos:
        key = i.filename.lower()
        if key in seen:
            pair = (seen[key], i.filename)
            break
        seen[key] = i.filename
    same = pair[0] == pair[1]
    what = f"hai lần phần “{pair[0]}”" if same else f"hai phần trùng tên “{pair[0]}” và “{pair[1]}” (chỉ khác chữ hoa/thường)"
    return ReturnError(
        "doc.duplicate_part",
        f"Tệp “{name}” chứa {what}; mỗi chương trình có thể đọc một phần khác nhau nên tệp không được dùng — "
        "tệp đã bị chỉnh sửa ngoài Excel, hãy dùng biểu mẫu gốc và nhập lại số liệu",
    )


def _bomb(name: str) -> ReturnError:
    return ReturnError(
        "doc.zip_bomb",
        f"Tệp “{name}” khi giải nén lớn bất thường (vượt {MAX_TOTAL_BYTES // 2**20} MB hoặc tỷ lệ nén bất thường); "
        "tệp không được mở để bảo vệ máy — đây không phải một báo cáo bình thường",
    )


_ENCRYPTED = (
    "Tệp “{name}” đã được đặt mật khẩu mở tệp (mã hóa), không đọc được; hãy gỡ mật khẩu "
    "(Tệp → Thông tin → Bảo vệ sổ làm việc → Mã hóa bằng mật khẩu, xóa mật khẩu) rồi gửi lại"
)


def is_lock_file(name: str, data: bytes) -> bool:
    """Whether a file is Excel's owner file (`~$Book.xlsx`), by its name or its fixed layout.

    Excel leaves one beside every open workbook and people copy whole folders, so the merge meets them
    often; they are clutter, not damaged returns. The layout: one length byte, the owner's name in
    ASCII padded with spaces to 54 bytes, then the name in UTF-16, 162 or 165 bytes in all.
    """
    if data[:4] == b"PK\x03\x04":
        return False  # a real workbook, whatever its name
    if name.startswith(LOCK_PREFIX):
        return True
    if len(data) not in (162, 165) or not 0 < data[0] <= 53:
        return False
    owner = data[1 : 1 + data[0]]
    return owner.isascii() and owner.decode("ascii").isprintable() and data[1 + data[0] : 54].strip(b" ") == b""


def _sniff(name: str, data: bytes) -> None:
    """Refuse what is not an OOXML zip, naming what it is when we can tell (people rename files)."""
    if len(data) == 0:
        raise ReturnError("doc.empty", f"Tệp “{name}” rỗng (0 byte); có thể việc sao chép hoặc tải tệp bị gián đoạn — hãy gửi lại")
    head = data[:8]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return
    if head == _OLE:
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise ReturnError("doc.encrypted", _ENCRYPTED.format(name=name))
        if "WordDocument".encode("utf-16-le") in data:
            raise ReturnError("doc.renamed", f"Tệp “{name}” thực chất là văn bản Word cũ (.doc) được đổi tên, không phải bảng tính biểu mẫu")
        raise ReturnError(
            "doc.xls",
            f"Tệp “{name}” là bảng tính Excel cũ (.xls, Excel 97–2003), không phải biểu mẫu .xlsx; "
            "hãy nhập số liệu vào biểu mẫu .xlsx đã được gửi (không lưu dạng .xls)",
        )
    kinds = [
        (b"%PDF", "tệp PDF"),
        (b"\x89PNG", "ảnh PNG"),
        (b"\xff\xd8\xff", "ảnh JPEG"),
        (b"GIF8", "ảnh GIF"),
        (b"{\\rtf", "văn bản RTF"),
        (b"Rar!", "tệp nén RAR"),
        (b"7z\xbc\xaf", "tệp nén 7z"),
    ]
    for magic, what in kinds:
        if head.startswith(magic):
            raise ReturnError("doc.renamed", f"Tệp “{name}” thực chất là {what} được đổi tên thành bảng tính, không phải biểu mẫu Excel")
    start = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<html", b"<!doctype html", b"<table")):
        raise ReturnError("doc.renamed", f"Tệp “{name}” thực chất là trang HTML được đổi tên thành bảng tính, không phải biểu mẫu Excel")
    if start.startswith(b"<?xml"):
        raise ReturnError("doc.renamed", f"Tệp “{name}” là tệp XML (có thể là “Bảng tính XML 2003”), không phải biểu mẫu .xlsx")
    try:
        data[:4096].decode("utf-8")
        text = True
    except UnicodeDecodeError:
        text = False
    if text:
        raise ReturnError("doc.renamed", f"Tệp “{name}” là tệp văn bản (CSV/TXT) được đổi tên, không phải biểu mẫu Excel .xlsx")
    raise ReturnError("doc.not_zip", f"Tệp “{name}” không phải là bảng tính Excel (.xlsx); hãy gửi đúng tệp biểu mẫu đã nhập số liệu")


def _which_zip(pkg: _Package) -> None:
    name = pkg.name
    if pkg.has("xl/workbook.xml"):
        return
    if pkg.has("xl/workbook.bin"):
        raise ReturnError("doc.renamed", f"Tệp “{name}” là bảng tính nhị phân (.xlsb); hãy dùng biểu mẫu .xlsx đã được gửi")
    if pkg.has("word/document.xml"):
        raise ReturnError("doc.renamed", f"Tệp “{name}” thực chất là văn bản Word (.docx) được đổi tên, không phải bảng tính biểu mẫu")
    if pkg.has("ppt/presentation.xml"):
        raise ReturnError("doc.renamed", f"Tệp “{name}” thực chất là bản trình chiếu PowerPoint được đổi tên, không phải bảng tính biểu mẫu")
    if pkg.has("mimetype") and pkg.has("content.xml"):
        raise ReturnError("doc.renamed", f"Tệp “{name}” là bảng tính OpenDocument (.ods); hãy nhập số liệu vào biểu mẫu .xlsx đã được gửi")
    raise ReturnError("doc.renamed", f"Tệp “{name}” là một tệp nén (.zip) được đổi tên, không phải bảng tính biểu mẫu Excel")


def _damaged(name: str, member: str) -> ReturnError:
    return ReturnError("doc.damaged", f"Tệp “{name}” bị hỏng (nội dung XML của phần “{member}” không đọc được); hãy lưu lại từ Excel và gửi lại")
