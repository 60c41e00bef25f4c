"""Read a returned workbook: untrusted input, found by names and metadata, never by row numbers.

The file came back from a unit by e-mail or USB stick; it may be anything (a PDF renamed to .xlsx, an
old .xls, a password-protected copy, a zip bomb, XML with external entities, a template whose rows were
moved). This module reads the bytes itself (zipfile, only the parts and cells it needs) so that it is
fast, never runs anything in the file, never writes to it, and turns every kind of unusable file into
a `ReturnError` with its own Vietnamese sentence, and every unreadable cell into a `cell.*` finding.

Speed matters because the merge reads hundreds of returns: each part is read at most once per file
(names and styles once per process for identical parts), sheets and shared strings in the plain form
every spreadsheet program writes are searched with a few regular expressions instead of being built
into trees, and anything else goes through the C XML parser. Either way a DTD or entity declaration is
refused on the bytes before any parsing (the protections defusedxml gave, at C speed).
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from . import layout
from .formulas import computed_ratio
from .catalog.load import CatalogError, load_catalog, registry_of
from .catalog.models import Catalog, Indicator, Unit
from .errors import XlcchcError
from .findings import ERROR, WARNING, Finding
from .numbers import NONE_MARKS, fmt_vn, parse_vn
from .periods import PeriodError, parse_period

__all__ = [
    "ReturnError", "CellRead", "CellError", "Return", "read_return", "values_of", "normalise",
    "recompute", "cell_label", "LONG_NOTE", "is_lock_file",
]

# Caps against zip bombs: checked on the declared sizes before inflating and again while inflating.
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_MEMBER_BYTES = 32 * 1024 * 1024
MAX_RATIO = 200  # a real sheet compresses ~5-20×; a bomb 1000×+
MAX_MEMBERS = 5000
MAX_FILE_BYTES = 100 * 1024 * 1024
LONG_NOTE = 2000  # a note longer than this is kept, with a warning (likely pasted by mistake)
MAX_MAGNITUDE = 1e15  # no count or amount in these forms comes near it

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
LOCK_PREFIX = "~$"  # Excel's owner ("lock") file beside an open workbook: `~$Book.xlsx`


class ReturnError(XlcchcError):
    """A returned file that cannot be read as a template of the regime; `code` names the kind (`doc.*`)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class CellError(str):
    """An Excel error value (`#DIV/0!`, `#REF!`) as stored in a cell: kept apart from text typed by a unit."""


@dataclass
class CellRead:
    key: str  # form:code
    cell: str  # 'Biểu mẫu 3'!D12
    raw: Any  # as stored: str, float, bool, CellError or None
    value: float | str | None  # normalised (None when blank or unreadable)
    formula: str | None = None
    problem: Finding | None = None


@dataclass
class Return:
    path: Path
    sha256: str
    regime: str
    fingerprint: str
    unit: str
    period: str
    cover: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, CellRead] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)
    unit_name: str = ""
    macros: bool = False
    note_cells: dict[str, str] = field(default_factory=dict)  # form:code → note cell address

    @property
    def catalog(self) -> Catalog:
        return load_catalog(self.regime)

    @property
    def unit_obj(self) -> Unit:
        return registry_of(self.catalog).by_code[self.unit]


@lru_cache(maxsize=65536)
def cell_label(sheet: str, addr: str) -> str:
    """How a person finds a cell: `'Biểu mẫu 3'!D12` (quoted like Excel's own references)."""
    return f"'{sheet}'!{addr}" if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", sheet) else f"{sheet}!{addr}"


# --- normalising one value ---------------------------------------------------------------------

WHOLE_KINDS = frozenset({"count", "choice"})


def normalise(
    ind: Indicator, unit_kind: str, raw: Any, *, is_date: bool = False, file: str = "", cell: str | None = None
) -> tuple[float | str | None, Finding | None]:
    """The value a rule sees for what is stored in a cell, and the problem if it cannot be one.

    Shared by the workbook reader and the values-file check so that `"1.234"` means the same in both.
    An unreadable value becomes None (blank for the rules) plus a `cell.*` finding that says what to type.
    """
    kind = ind.unit_kind_of_value(unit_kind)

    def bad(rule: str, msg: str, severity: str = ERROR) -> tuple[None, Finding]:
        return None, Finding(
            file=file, form=ind.form, code=ind.code, cell=cell, severity=severity, rule=rule,
            message=f"Biểu mẫu {ind.form}, mục {ind.code}: {msg}", actual=_jsonable(raw),
        )

    if raw is None:
        return None, None
    if kind == "text":
        if isinstance(raw, CellError):
            return bad("cell.error_value", f"ô có giá trị lỗi {raw}; hãy nhập nội dung")
        if isinstance(raw, bool):
            return ("TRUE" if raw else "FALSE"), None
        return raw, None
    if isinstance(raw, CellError):
        return bad("cell.error_value", f"ô có giá trị lỗi {raw}, không phải một số; hãy nhập số liệu")
    if isinstance(raw, bool):
        return bad("cell.boolean", "ô chứa giá trị đúng/sai (TRUE/FALSE), không phải một số")
    if isinstance(raw, (int, float)):
        x = float(raw)
        if is_date:
            return bad(
                "cell.date",
                f"ô chứa ngày tháng ({_serial_date(x)}), không phải một số; Excel có thể đã tự đổi số thành ngày — "
                "hãy định dạng ô là Số rồi nhập lại",
            )
        return _number(ind, kind, x, bad)
    text = str(raw)
    if text.strip() == "":
        return None, None
    p = parse_vn(text)
    if p.blank:
        return None, None
    if p.problem:
        rule = "cell.fraction" if "/" in text else "cell.not_number"
        return bad(rule, f"{p.problem}; {p.hint}")
    return _number(ind, kind, float(p.value), bad, typed=text)


def _number(ind: Indicator, kind: str, x: float, bad, typed: str | None = None):
    if not math.isfinite(x) or abs(x) >= MAX_MAGNITUDE:
        return bad("cell.too_large", f"số {typed or _plain(x)} quá lớn, không thể là số liệu thống kê; hãy kiểm tra lại")
    if kind in WHOLE_KINDS and typed is None and not float(x).is_integer():
        thousandths = x * 1000
        if abs(thousandths - round(thousandths)) < 1e-6 and abs(x * 100 - round(x * 100)) > 1e-6:
            return bad(
                "cell.thousands",
                f"số {fmt_vn(x, 3)} có phần thập phân nhưng mục này đếm số lượng; có lẽ dấu chấm phân cách "
                f"hàng nghìn đã bị hiểu thành dấu thập phân — hãy gõ {int(round(thousandths))} (không gõ dấu chấm)",
            )
    return (int(x) if float(x).is_integer() and kind in WHOLE_KINDS else x), None


def _plain(x: float) -> str:
    return repr(x) if not math.isfinite(x) else f"{x:g}"


def _serial_date(x: float) -> str:
    try:
        return (datetime(1899, 12, 30) + timedelta(days=x)).strftime("%d/%m/%Y")
    except (OverflowError, ValueError):
        return fmt_vn(x)


def _jsonable(raw: Any) -> Any:
    if raw is None or isinstance(raw, (bool, int)):
        return raw
    if isinstance(raw, float):
        return raw if math.isfinite(raw) else str(raw)
    s = str(raw)
    return s if len(s) <= 200 else s[:199] + "…"


# --- derived values ----------------------------------------------------------------------------


def recompute(values: dict[str, Any], catalog: Catalog, unit: Unit, *, keep_given: bool = False) -> dict[str, Any]:
    """Fill the computed (ratio-formula) rows from their numerator and denominator.

    A cached formula result is never trusted: the percentage is num/den × 100 of the values read, None
    when either is blank or the denominator is 0. `keep_given` keeps a figure a values file carries so
    that the check can compare it with its inputs.
    """
    out = dict(values)
    for ind in catalog.value_indicators():
        if not catalog.computed(ind, unit):
            continue
        if keep_given and out.get(ind.key) is not None:
            continue
        out[ind.key] = computed_ratio(out.get(ind.aggregate.numerator), out.get(ind.aggregate.denominator))
    return out


def values_of(ret: Return) -> dict[str, float | str | None]:
    """form:code → value for every row the unit fills, computed rows recomputed from their inputs."""
    cat, unit = ret.catalog, ret.unit_obj
    vals = {k: c.value for k, c in ret.cells.items()}
    return recompute(vals, cat, unit)


# --- the package -------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Package:
    """The zip, opened from bytes in memory, with caps against bombs and a hardened XML parser."""

    def __init__(self, name: str, data: bytes):
        self.name = name
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zf.infolist()
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

    def has(self, member: str) -> bool:
        return member.lower() in self._lower

    def read(self, member: str) -> bytes:
        real = self._lower.get(member.lower())
        if real is None:
            raise ReturnError("doc.damaged", f"Tệp “{self.name}” thiếu phần “{member}”; tệp bị hỏng hoặc không do Excel lưu")
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
_DECLARATION_TEXT = re.compile(r"<!(?!--|\[CDATA\[)")


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


# --- workbook parts ----------------------------------------------------------------------------

_DATE_IDS = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58})


def _is_date_format(code: str) -> bool:
    s = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.', "", code)
    return bool(re.search(r"[dmyhs]", s, re.I)) and "general" not in s.lower()


class _WorkbookPart:
    """What `xl/workbook.xml` (+ its rels) says: sheets and workbook-level names, with derived lookups.

    Shared between returns whose workbook part has the same bytes (all returns of one template, however
    many versions): parsed once per process, never mutated after construction except for its memos.
    """

    def __init__(self, pkg: "_Package", wb: bytes, rels: bytes | None):
        root = _parse_xml(pkg.name, "xl/workbook.xml", wb)
        targets = {}
        if rels is not None:
            for r in _parse_xml(pkg.name, "xl/_rels/workbook.xml.rels", rels):
                if _local(r.tag) == "Relationship":
                    targets[r.get("Id")] = r.get("Target", "")
        self.sheets: dict[str, str] = {}  # sheet name → zip member
        self.names: dict[str, str] = {}  # workbook-level defined names
        for el in root.iter():
            tag = _local(el.tag)
            if tag == "sheet":
                rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
                tgt = targets.get(rid, "")
                member = tgt.lstrip("/") if tgt.startswith("/") else str(PurePosixPath("xl") / tgt)
                self.sheets[el.get("name", "")] = _norm_path(member)
            elif tag == "definedName" and el.get("localSheetId") is None:
                self.names[el.get("name", "")] = (el.text or "").strip()
        self.refs: dict[str, tuple[str, str] | None] = {}
        self.layout_hash: str | None = None
        self.located: dict[tuple[str, str], tuple] = {}  # (regime, fingerprint) → `_Book.locate`


class _Styles:
    """Which cell styles (`s` indices) show a number as a date; shared between identical style parts."""

    def __init__(self, pkg: "_Package", data: bytes | None):
        xfs: list[int] = []
        fmts: dict[int, str] = {}
        if data is not None:
            for el in _parse_xml(pkg.name, "xl/styles.xml", data):
                t = _local(el.tag)
                if t == "numFmts":
                    for nf in el:
                        try:
                            fmts[int(nf.get("numFmtId", "-1"))] = nf.get("formatCode", "")
                        except ValueError:
                            pass
                elif t == "cellXfs":
                    for xf in el:
                        try:
                            xfs.append(int(xf.get("numFmtId", "0")))
                        except ValueError:
                            xfs.append(0)
        self.dates = frozenset(
            i for i, fid in enumerate(xfs) if (_is_date_format(fmts[fid]) if fid in fmts else fid in _DATE_IDS)
        )


# Parsed parts keyed by a digest of their bytes: a merge reads many versions of few templates. Bounded.
_SHARED_CACHE: dict[tuple[str, bytes], Any] = {}
_SHARED_MAX = 256


def _shared(kind: str, data: bytes, build):
    key = (kind, hashlib.blake2b(data, digest_size=20).digest())
    hit = _SHARED_CACHE.get(key)
    if hit is None:
        hit = build()
        if len(_SHARED_CACHE) >= _SHARED_MAX:
            _SHARED_CACHE.pop(next(iter(_SHARED_CACHE)))
        _SHARED_CACHE[key] = hit
    return hit


_EMPTY_CELL = ("n", 0, None, None, None)


class _Book:
    """A workbook read part by part, each part at most once: names once, each sheet in one pass.

    Cells are `(type, style, value text, formula text or None, inline text)` tuples, built only for the
    addresses asked for; shared strings and styles are parsed only when a cell needs them.
    """

    def __init__(self, pkg: _Package):
        self.pkg = pkg
        wb = pkg.read("xl/workbook.xml")
        rels = pkg.read("xl/_rels/workbook.xml.rels") if pkg.has("xl/_rels/workbook.xml.rels") else None
        blob = len(wb).to_bytes(8, "little") + wb + (rels if rels is not None else b"\x00")
        self._wb: _WorkbookPart = _shared("workbook", blob, lambda: _WorkbookPart(pkg, wb, rels))
        self.sheets = self._wb.sheets
        self.names = self._wb.names
        self._sst: list | None = None  # <si> elements, turned into text on demand
        self._sst_text: dict[int, str] = {}
        self._styles: _Styles | None = None
        self._sheet_index: dict[str, dict[str, Any]] = {}  # sheet → addr → <c> element
        self._sheet_cells: dict[str, dict[str, tuple]] = {}  # sheet → addr → cell tuple (as asked)

    def ref(self, name: str) -> tuple[str, str] | None:
        """(sheet, `C12`) a workbook-level name points at, or None (memoised with the workbook part)."""
        refs = self._wb.refs
        if name not in refs:
            target = self.names.get(name)
            refs[name] = layout.split_ref(target) if target else None
        return refs[name]

    def locate(self, catalog: Catalog, need: dict[str, Indicator], need_notes: dict[str, Indicator]) -> tuple:
        """Where the catalog's value and note cells are: `("ok", name → (sheet, addr))`, or what is wrong
        (`("lost", count, first indicator)`, `("moved", indicator)`); memoised with the workbook part."""
        key = (catalog.regime, catalog.fingerprint)
        got = self._wb.located.get(key)
        if got is None:
            got = self._wb.located[key] = self._locate(need, need_notes)
        return got

    def _locate(self, need: dict[str, Indicator], need_notes: dict[str, Indicator]) -> tuple:
        lost = sorted(n for n in [*need, *need_notes] if n not in self.names)
        if lost:
            return ("lost", len(lost), need.get(lost[0]) or need_notes[lost[0]])
        refs: dict[str, tuple[str, str]] = {}
        for n, ind in [*need.items(), *need_notes.items()]:
            sr = self.ref(n)
            if sr is None or sr[0] != layout.form_sheet(ind.form):
                return ("moved", ind)
            refs[n] = sr
        return ("ok", refs)

    def layout_hash(self) -> str:
        if self._wb.layout_hash is None:
            self._wb.layout_hash = layout.layout_hash(self.names)
        return self._wb.layout_hash

    @property
    def shared_strings(self) -> list[str]:
        self._load_sst()
        return [self._string(i) for i in range(len(self._sst))]

    def _load_sst(self) -> None:
        if self._sst is None:
            self._sst = []
            if self.pkg.has("xl/sharedStrings.xml"):
                data = self.pkg.read("xl/sharedStrings.xml")
                items = _scan_sst(data) if not _declares_dtd(data) else None
                if items is None:  # strict path (also refuses DTDs and reports damaged XML)
                    items = [si for si in self.pkg.xml("xl/sharedStrings.xml") if _local(si.tag) == "si"]
                self._sst = items

    def _string(self, i: int) -> str:
        text = self._sst_text.get(i)
        if text is None:
            item = self._sst[i]  # IndexError: a cell points past the list (handled as unreadable)
            if isinstance(item, bytes):
                end = item.find(b"</si>")
                if end < 0:
                    raise _damaged(self.pkg.name, "xl/sharedStrings.xml")
                try:
                    text = _rich_text_bytes(item[:end])
                except UnicodeDecodeError:
                    raise _damaged(self.pkg.name, "xl/sharedStrings.xml") from None
            else:
                text = _rich_text(item)
            self._sst_text[i] = text
        return text

    def is_date_style(self, s: int) -> bool:
        if self._styles is None:
            data = self.pkg.read("xl/styles.xml") if self.pkg.has("xl/styles.xml") else None
            self._styles = _shared("styles", data, lambda: _Styles(self.pkg, data)) if data is not None else _Styles(self.pkg, None)
        return s in self._styles.dates

    def _index(self, sheet: str) -> dict[str, Any]:
        """addr → cell of a sheet (a tuple, or a `<c>` element on the strict path): the part is read once."""
        idx = self._sheet_index.get(sheet)
        if idx is None:
            member = self.sheets[sheet]
            data = self.pkg.read(member)
            idx = _PlainSheet.scan(data, self.pkg.name, member) if not _declares_dtd(data) else None
            if idx is None:  # not the plain form every spreadsheet program writes: parse it strictly
                idx = _index_tree(self.pkg.name, member, data)
            self._sheet_index[sheet] = idx
        return idx

    def cell(self, sheet: str, addr: str) -> tuple:
        """The cell tuple at `addr` of `sheet` (an absent cell is blank)."""
        cache = self._sheet_cells.setdefault(sheet, {})
        got = cache.get(addr)
        if got is None:
            c = self._index(sheet).get(addr)
            got = cache[addr] = _EMPTY_CELL if c is None else (c if isinstance(c, tuple) else _cell_tuple(c))
        return got

    def cells(self, sheet: str, wanted: set[str]) -> dict[str, tuple]:
        """addr → (type, style, value text, formula text or None, inline text) of the wanted cells of a sheet."""
        for addr in wanted:
            self.cell(sheet, addr)
        return self._sheet_cells[sheet] if wanted else self._sheet_cells.setdefault(sheet, {})

    def raw_value(self, cell: tuple) -> tuple[Any, bool]:
        """(stored value, is a date-styled number) of a cell tuple; text stays text, numbers float."""
        t, style, v, _f, inline = cell
        if t == "s":
            try:
                i = int(v)
                self._load_sst()
                if i < 0:
                    raise IndexError(i)
                return self._string(i), False
            except (TypeError, ValueError, IndexError):
                return None, False
        if t == "inlineStr":
            return inline, False
        if t == "str":
            return v, False
        if t == "b":
            return v in ("1", "true"), False
        if t == "e":
            return CellError(v or "#N/A"), False
        if t == "d":
            return (v or None), True
        if v is None or v == "":
            return None, False
        try:
            x = float(v)
        except ValueError:
            return v, False
        return x, self.is_date_style(style)


_ADDR = re.compile(r"([A-Z]+)(\d+)")


# --- the plain-form scanner ---------------------------------------------------------------------
# Excel, LibreOffice, xlsxwriter and openpyxl all write sheets the same plain way: UTF-8, no prefix on
# the spreadsheet namespace, no comments/CDATA/DTD, every `<c>` with `r` as its first attribute. For
# such a part, cells are found with a few regular expressions at C speed, ~20× faster than building a
# tree; anything else (and every part whose plain form is in doubt) goes through the strict parser.
# The DTD refusal happens before either.

_ATTR_S = re.compile(rb'\ss="([0-9]+)"')
_ATTR_T = re.compile(rb'\st="([A-Za-z]+)"')
_V = re.compile(rb"<v>([^<]*)</v>|<v/>")
_F = re.compile(rb"<f(\s[^>]*)?(?:/>|>([^<]*)</f>)")
_IS = re.compile(rb"<is>(.*?)</is>", re.S)
_RPH = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_T = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>")


def _plain_form(data: bytes, root: bytes) -> bool:
    """The part is in the plain form: one XML declaration at most, no `<!`, ends with its root's end tag."""
    if b"<!" in data or data[:4].count(b"\x00"):
        return False
    pis = data.count(b"<?")
    if pis > 1 or (pis == 1 and not data.lstrip(b"\xef\xbb\xbf").startswith(b"<?xml ")):
        return False
    return data[-64:].rstrip().endswith(b"</" + root + b">") and (b"<" + root + b" ") in data[:400]


def _text(raw: bytes) -> str:
    """Character data as an XML parser returns it: line ends normalised, references resolved."""
    t = raw.decode("utf-8")
    if "\r" in t:
        t = t.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in t:
        import html

        t = html.unescape(t)
    return t


def _rich_text_bytes(item: bytes) -> str:
    """`_rich_text` of a shared/inline string's inner XML: `<t>` runs, phonetic `<rPh>` runs left out."""
    if b"<rPh" in item:
        item = _RPH.sub(b"", item)
    return "".join(_text(t) for t in _T.findall(item))


class _PlainSheet:
    """A plain-form sheet part: one split at the cells' starts, then each asked cell read alone.

    A cell written twice (which no program does) counts by its last occurrence, as a parser's last
    write would. A cell whose body is not plain (a nested cell) means the part is damaged.
    """

    __slots__ = ("data", "name", "member", "starts")

    def __init__(self, data: bytes, name: str, member: str, starts: dict[bytes, bytes]):
        self.data, self.name, self.member, self.starts = data, name, member, starts

    @classmethod
    def scan(cls, data: bytes, name: str, member: str) -> "_PlainSheet | None":
        """Each cell's text from its address to the next cell; None unless every cell starts `<c r="A1"`."""
        if not _plain_form(data, b"worksheet") or b"<c>" in data:
            return None
        pieces = data.split(b'<c r="')[1:]
        addrs = _C_START.findall(data)
        if not (len(addrs) == len(pieces) == data.count(b"<c ")):
            return None
        return cls(data, name, member, dict(zip(addrs, pieces)))  # a cell written twice: the last counts

    def get(self, addr: str) -> tuple | None:
        piece = self.starts.get(addr.encode("ascii"))
        if piece is None:
            return None
        m = _C_REST.match(piece)
        if m is None:
            raise _damaged(self.name, self.member)
        attrs = m.group(1)
        sm = _ATTR_S.search(attrs) if b"s=" in attrs else None
        tm = _ATTR_T.search(attrs) if b"t=" in attrs else None
        kind = tm.group(1).decode("ascii") if tm else "n"
        style = int(sm.group(1)) if sm else 0
        v = f = inline = None
        if not m.group(2):
            end = piece.find(b"</c>", m.end())
            if end < 0:  # an open cell must close before the next one starts
                raise _damaged(self.name, self.member)
            body = piece[m.end() : end]
            if body:
                try:
                    vm = _V.search(body)
                    if vm:
                        v = _text(vm.group(1)) if vm.group(1) is not None else ""
                    fm = _F.search(body) if b"<f" in body else None
                    if fm:
                        shared = fm.group(1) is not None and b't="shared"' in fm.group(1)
                        f = _text(fm.group(2)) if fm.group(2) else ("(shared)" if shared else "")
                    im = _IS.search(body) if b"<is>" in body else None
                    if im:
                        inline = _rich_text_bytes(im.group(1))
                except UnicodeDecodeError:
                    raise _damaged(self.name, self.member) from None
        return (kind, style, v, f, inline)


_C_REST = re.compile(rb'[A-Z]{1,3}[0-9]{1,7}"([^>]*?)(/?)>')
_C_START = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"')


def _damaged(name: str, member: str) -> ReturnError:
    return ReturnError("doc.damaged", f"Tệp “{name}” bị hỏng (nội dung XML của phần “{member}” không đọc được); hãy lưu lại từ Excel và gửi lại")


def _scan_sst(data: bytes) -> list[bytes] | None:
    """The inner XML of each `<si>` of a plain-form shared-string part; None when it is not plain.

    A split at `<si>` is all the work done here; each item is cut at its `</si>` when a cell asks for it.
    """
    if not _plain_form(data, b"sst") or b"<si/>" in data or b"<si " in data:
        return None
    items = data.split(b"<si>")[1:]
    if len(items) != data.count(b"</si>"):
        return None
    return items


def _index_tree(name: str, member: str, data: bytes) -> dict[str, Any]:
    """addr → `<c>` element of every cell of a sheet, by the strict parser (any valid XML form)."""
    idx: dict[str, Any] = {}
    root = _parse_xml(name, member, data)
    for sheet_data in root:
        if _local(sheet_data.tag) != "sheetData":
            continue
        row_no = 0
        for row in sheet_data:
            if _local(row.tag) != "row":
                continue
            r = row.get("r")
            try:
                row_no = int(r) if r else row_no + 1
            except ValueError:
                row_no += 1
            col_no = 0
            for c in row:
                if _local(c.tag) != "c":
                    continue
                ref = c.get("r")
                if ref:
                    addr = ref.upper()
                    m = _ADDR.fullmatch(addr)
                    if m:
                        col_no = _col_number(m.group(1))
                else:
                    col_no += 1
                    addr = f"{_col_letters(col_no)}{row_no}"
                idx[addr] = c
    return idx


def _cell_tuple(c) -> tuple:
    v = f = inline = None
    for ch in c:
        t = _local(ch.tag)
        if t == "v":
            v = ch.text or ""
        elif t == "f":
            f = ch.text or ("" if ch.get("t") != "shared" else "(shared)")
        elif t == "is":
            inline = _rich_text(ch)
    try:
        style = int(c.get("s", "0"))
    except ValueError:
        style = 0
    return (c.get("t", "n"), style, v, f, inline)


def _rich_text(el) -> str:
    """Text of a shared/inline string: its own runs only (phonetic `rPh` runs are not part of the value)."""
    parts = []
    for ch in el:
        t = _local(ch.tag)
        if t == "t":
            parts.append(ch.text or "")
        elif t == "r":
            for g in ch:
                if _local(g.tag) == "t":
                    parts.append(g.text or "")
    return "".join(parts)


def _norm_path(p: str) -> str:
    out: list[str] = []
    for part in p.split("/"):
        if part == "..":
            if out:
                out.pop()
        elif part and part != ".":
            out.append(part)
    return "/".join(out)


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def _col_letters(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


# --- read_return -------------------------------------------------------------------------------


def read_return(
    path: Path | str,
    *,
    expected_unit: str | None = None,
    expected_period: str | None = None,
    regime: str | None = None,
) -> Return:
    """Read a returned workbook; raise ReturnError (Vietnamese, `code` = `doc.*`) if it cannot be used.

    Cell-level problems do not raise: they become `cell.*` findings in `problems` (and on the cell),
    so that one bad cell never hides the rest of the return.
    """
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ReturnError("doc.too_big", f"Tệp “{name}” quá lớn ({size // 2**20} MB) cho một biểu mẫu báo cáo; hãy kiểm tra lại tệp")
        with open(path, "rb") as fh:  # read-only; the source is never written
            data = fh.read()
    except FileNotFoundError:
        raise ReturnError("doc.missing", f"Không tìm thấy tệp “{path}”") from None
    except IsADirectoryError:
        raise ReturnError("doc.missing", f"“{path}” là một thư mục, không phải tệp bảng tính") from None
    except OSError as e:
        raise ReturnError("doc.unreadable", f"Không đọc được tệp “{name}”: {e.strerror or e} (tệp có đang mở ở chương trình khác không?)") from None
    if is_lock_file(name, data):
        raise ReturnError(
            "doc.lock_file",
            f"Tệp “{name}” là tệp khóa tạm của Excel (tạo ra khi một bảng tính đang mở, chỉ ghi tên người mở), "
            "không phải báo cáo; bỏ qua",
        )
    _sniff(name, data)
    pkg = _Package(name, data)
    _which_zip(pkg)
    book = _Book(pkg)
    ret = _interpret(path, data, book, expected_unit=expected_unit, expected_period=expected_period, regime=regime)
    return ret


def _meta(book: _Book) -> dict[str, Any]:
    """Metadata by the XLCCHC_* names; falling back to the key/value columns of the metadata sheet."""
    meta: dict[str, Any] = {}
    for key in layout.META_KEYS:
        sr = book.ref(layout.meta_name(key))
        if sr and sr[0] in book.sheets:
            raw, _ = book.raw_value(book.cell(*sr))
            meta[key] = raw
    if not meta and layout.META_SHEET in book.sheets:
        wanted = {f"{c}{r}" for r in range(1, 41) for c in "AB"}
        cells = book.cells(layout.META_SHEET, wanted)
        for r in range(1, 41):
            k, _ = book.raw_value(cells[f"A{r}"])
            if isinstance(k, str) and k in layout.META_KEYS:
                meta[k], _ = book.raw_value(cells[f"B{r}"])
    return {k: (_meta_text(v)) for k, v in meta.items() if v is not None}


def _meta_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


@dataclass
class _Plan:
    """What a return of one unit holds, worked out from the catalog once per process, not once per file."""

    need: dict[str, Indicator]  # value-cell name → indicator (every value row of the catalog)
    need_notes: dict[str, Indicator]  # note-cell name → indicator
    rows: list[tuple[Indicator, str, str, bool]]  # rows the unit's return is read for: (ind, value name, note name, computed)


_PLANS: dict[tuple[str, str, str], _Plan] = {}


def _plan(catalog: Catalog, unit: Unit) -> _Plan:
    key = (catalog.regime, catalog.fingerprint, unit.code)
    plan = _PLANS.get(key)
    if plan is None:
        inds = catalog.value_indicators()
        rows = [
            (i, layout.value_name(i.form, i.code), layout.note_name(i.form, i.code), catalog.computed(i, unit))
            for i in inds
            # Computed percentages are read too: their inputs apply even when the row's own figure is the province's.
            if catalog.applies(i, unit) or catalog.computed(i, unit)
        ]
        plan = _PLANS[key] = _Plan(
            need={layout.value_name(i.form, i.code): i for i in inds},
            need_notes={layout.note_name(i.form, i.code): i for i in inds},
            rows=rows,
        )
    return plan


def _interpret(path: Path, data: bytes, book: _Book, *, expected_unit, expected_period, regime) -> Return:
    name = path.name
    meta = _meta(book)
    if layout.META_SHEET not in book.sheets and not meta:
        raise ReturnError(
            "doc.not_template",
            f"Tệp “{name}” là bảng tính Excel nhưng không phải biểu mẫu do xlcchc tạo (không có thông tin biểu mẫu); "
            "hãy nhập số liệu vào biểu mẫu đã được gửi cho đơn vị",
        )
    for key in ("regime", "fingerprint", "unit", "period", "layout"):
        if not meta.get(key):
            raise ReturnError(
                "doc.meta",
                f"Tệp “{name}”: thông tin biểu mẫu bị sửa hoặc xóa (thiếu “{key}”); hãy dùng biểu mẫu gốc đã được gửi",
            )
    fmt = meta.get("format", layout.FORMAT_VERSION)
    if fmt != layout.FORMAT_VERSION:
        raise ReturnError(
            "doc.format",
            f"Tệp “{name}” được tạo theo định dạng biểu mẫu phiên bản {fmt}, chương trình này đọc phiên bản "
            f"{layout.FORMAT_VERSION}; hãy dùng biểu mẫu mới",
        )
    file_regime = meta["regime"]
    if regime and regime != file_regime:
        raise ReturnError(
            "doc.regime",
            f"Tệp “{name}” là biểu mẫu của chế độ báo cáo “{file_regime}”, không phải “{regime}” đang kiểm tra/tổng hợp",
        )
    try:
        catalog = load_catalog(file_regime)
    except CatalogError:
        raise ReturnError(
            "doc.regime",
            f"Tệp “{name}” ghi chế độ báo cáo “{_short(file_regime)}” không có trong chương trình; "
            "biểu mẫu bị sửa hoặc của chương trình khác",
        ) from None
    if meta["fingerprint"] != catalog.fingerprint:
        raise ReturnError(
            "doc.fingerprint",
            f"Tệp “{name}” được tạo từ một phiên bản khác của danh mục chỉ tiêu “{file_regime}” "
            "(các dòng, mã hoặc quy tắc đã thay đổi); hãy nhập số liệu vào biểu mẫu mới nhất",
        )
    registry = registry_of(catalog)
    unit = registry.by_code.get(meta["unit"])
    if unit is None:
        raise ReturnError(
            "doc.unit_unknown",
            f"Tệp “{name}” ghi mã đơn vị “{_short(meta['unit'])}” không có trong danh mục đơn vị; "
            "thông tin biểu mẫu đã bị sửa — hãy dùng biểu mẫu gốc đã được gửi cho đơn vị",
        )
    if expected_unit and expected_unit != unit.code:
        raise ReturnError(
            "doc.unit",
            f"Tệp “{name}” là báo cáo của {unit.name} ({unit.code}), không phải của đơn vị “{expected_unit}”",
        )
    try:
        period = parse_period(meta["period"])
    except PeriodError:
        raise ReturnError("doc.meta", f"Tệp “{name}”: kỳ báo cáo “{_short(meta['period'])}” trong thông tin biểu mẫu không hợp lệ (đã bị sửa)") from None
    if expected_period:
        try:
            want = parse_period(expected_period)
        except PeriodError as e:
            raise ReturnError("doc.period", str(e)) from None
        if want != period:
            raise ReturnError(
                "doc.period",
                f"Tệp “{name}” là báo cáo {period.phrase}, không phải {want.phrase} đang kiểm tra/tổng hợp",
            )
    # Structure: the sheets and the names the template wrote.
    want_sheets = [layout.COVER_SHEET, *(layout.form_sheet(f.number) for f in catalog.forms), layout.CHECK_SHEET, layout.META_SHEET]
    missing = [s for s in want_sheets if s not in book.sheets]
    if missing:
        extra = [s for s in book.sheets if s not in want_sheets and s != layout.RESULT_SHEET]
        more = f" (trong tệp có trang lạ: {', '.join('“' + s + '”' for s in extra[:3])})" if extra else ""
        raise ReturnError(
            "doc.sheets",
            f"Tệp “{name}” thiếu trang {', '.join('“' + s + '”' for s in missing[:4])}{more}: trang tính đã bị "
            "đổi tên hoặc xóa; hãy dùng biểu mẫu gốc đã được gửi",
        )
    plan = _plan(catalog, unit)
    need, need_notes = plan.need, plan.need_notes
    found = book.locate(catalog, need, need_notes)
    if found[0] == "lost":
        _, count, i = found
        raise ReturnError(
            "doc.names_missing",
            f"Tệp “{name}” thiếu {count} tên ô của biểu mẫu (ví dụ Biểu mẫu {i.form}, mục {i.code}): "
            "tên ô đã bị xóa hoặc dòng đã bị xóa; hãy dùng biểu mẫu gốc đã được gửi",
        )
    if found[0] == "moved":
        ind = found[1]
        raise ReturnError(
            "doc.layout",
            f"Tệp “{name}”: ô của Biểu mẫu {ind.form}, mục {ind.code} không còn ở vị trí của biểu mẫu "
            "(dòng đã bị xóa hoặc di chuyển); hãy dùng biểu mẫu gốc đã được gửi",
        )
    refs: dict[str, tuple[str, str]] = found[1]
    if book.layout_hash() != meta["layout"]:
        raise ReturnError(
            "doc.layout",
            f"Tệp “{name}”: bố cục biểu mẫu đã bị thay đổi (chèn/xóa dòng hoặc cột, hoặc sửa tên ô); "
            "số liệu có thể bị lệch dòng nên không được đọc — hãy nhập lại vào biểu mẫu gốc",
        )
    ret = Return(
        path=path, sha256=hashlib.sha256(data).hexdigest(), regime=catalog.regime, fingerprint=catalog.fingerprint,
        unit=unit.code, period=period.code, unit_name=meta.get("unit_name", unit.name),
    )
    if book.pkg.has("xl/vbaProject.bin") or any(m.lower().endswith("vbaproject.bin") for m in book.pkg.members):
        ret.macros = True
        ret.problems.append(
            Finding(
                file=name, severity=WARNING, rule="doc.macros",
                message=f"Tệp “{name}” có chứa macro (VBA); macro đã được bỏ qua, không chạy — chỉ số liệu được đọc. "
                "Hãy lưu báo cáo dạng .xlsx (không macro)",
            )
        )
    # Cover.
    for cname in layout.COVER_FIELDS:
        sr = book.ref(cname)
        if sr and sr[0] in book.sheets:
            raw, is_date = book.raw_value(book.cell(*sr))
            if is_date and isinstance(raw, float):
                raw = _serial_iso(raw)
            ret.cover[cname] = raw
    # Values and notes: each sheet is parsed once, on its first cell.
    for ind, vname, nname, computed in plan.rows:
        sheet, addr = refs[vname]
        label = cell_label(sheet, addr)
        cell = book.cell(sheet, addr)
        raw, is_date = book.raw_value(cell)
        formula = cell[3]
        problem = None
        if computed:
            value = None  # recomputed by values_of; the cached result is not trusted
            if formula is None and raw is not None:
                problem = Finding(
                    file=name, form=ind.form, code=ind.code, cell=label, severity=WARNING, rule="cell.overwritten",
                    message=f"Biểu mẫu {ind.form}, mục {ind.code}: ô tỷ lệ là công thức nhưng đã bị gõ đè bằng "
                    f"“{fmt_vn(raw) if isinstance(raw, float) else _short(str(raw))}”; chương trình dùng tỷ lệ tính lại từ "
                    f"{ind.aggregate.numerator.split(':')[1]}/{ind.aggregate.denominator.split(':')[1]}",
                    actual=_jsonable(raw),
                )
        elif formula is not None:
            value = None
            problem = Finding(
                file=name, form=ind.form, code=ind.code, cell=label, severity=ERROR, rule="cell.formula",
                message=f"Biểu mẫu {ind.form}, mục {ind.code}: ô nhập liệu chứa công thức “={_short(formula)}”; "
                "kết quả công thức không được dùng — hãy gõ trực tiếp con số",
                actual="=" + formula,
            )
        else:
            value, problem = normalise(ind, unit.kind, raw, is_date=is_date, file=name, cell=label)
        ret.cells[ind.key] = CellRead(key=ind.key, cell=label, raw=raw, value=value, formula=formula, problem=problem)
        if problem:
            ret.problems.append(problem)
        elif (
            isinstance(raw, str)
            and raw.strip() not in NONE_MARKS  # `-` is the forms' own way of writing "none", not a typo
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
        ):
            # Understood, but only because the text parsed: Excel would not add it up, so say so
            # (not as the cell's problem: the value still goes through the domain rules).
            ret.problems.append(
                Finding(
                    file=name, form=ind.form, code=ind.code, cell=label, severity=WARNING, rule="cell.text_number",
                    message=f"Biểu mẫu {ind.form}, mục {ind.code}: ô chứa văn bản “{_short(raw)}”, không phải số; "
                    f"chương trình hiểu là {fmt_vn(value)} — hãy xóa và gõ lại dạng số (ô định dạng Số, không gõ "
                    "dấu nháy ' ở đầu) để Excel cộng được",
                    actual=_jsonable(raw),
                )
            )
        nsheet, naddr = refs[nname]
        ret.note_cells[ind.key] = cell_label(nsheet, naddr)
        ncell = book.cell(nsheet, naddr)
        nraw, _ = book.raw_value(ncell)
        if ncell[3] is not None and nraw is None:
            nraw = "=" + ncell[3]  # a formula typed as a note: kept as its text, never evaluated
        if nraw is not None and nraw != "":  # kept exactly as typed, spaces too
            note = _meta_text(nraw) if isinstance(nraw, float) else str(nraw)
            ret.notes[ind.key] = note
            if note.lstrip().startswith("="):
                ret.problems.append(
                    Finding(
                        file=name, form=ind.form, code=ind.code, cell=cell_label(nsheet, naddr), severity=WARNING,
                        rule="cell.note_formula",
                        message=f"Biểu mẫu {ind.form}, mục {ind.code}: ghi chú bắt đầu bằng dấu “=” — đã giữ nguyên là "
                        "văn bản, không tính như công thức; nếu đó là công thức thì hãy gõ thẳng nội dung ghi chú",
                        actual=_jsonable(note),
                    )
                )
            if len(note) > LONG_NOTE:
                ret.problems.append(
                    Finding(
                        file=name, form=ind.form, code=ind.code, cell=cell_label(nsheet, naddr), severity=WARNING,
                        rule="cell.long_note",
                        message=f"Biểu mẫu {ind.form}, mục {ind.code}: ghi chú dài {fmt_vn(len(note))} ký tự "
                        "(đã giữ nguyên); hãy kiểm tra có phải dán nhầm nội dung không",
                        actual=len(note),
                    )
                )
    return ret


def _serial_iso(x: float) -> str:
    try:
        return (datetime(1899, 12, 30) + timedelta(days=x)).isoformat(timespec="minutes")
    except (OverflowError, ValueError):
        return str(x)


def _short(s: str, n: int = 60) -> str:
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[: n - 1] + "…"
