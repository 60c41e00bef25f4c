"""The workbook part (sheets, defined names), styles, and `_Book`: one return's parts, each read once."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from .. import layout
from ..digest import blake2b
from ..catalog.models import Catalog, Indicator
from .model import CellError, ReturnError
from .package import _declares_dtd, _local, _Package, _parse_xml
from .sheet import (
    MAIN_NS,
    _cell_tuple,
    _damaged,
    _DuplicateCell,
    _index_tree,
    _NotPlain,
    _ns,
    _PlainSheet,
    _rich_text,
    _rich_text_bytes,
    _scan_sst,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import Any

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
        targets = _targets(pkg.name, rels)
        ns = _ns(root.tag)
        if ns not in MAIN_NS or _local(root.tag) != "workbook":
            raise _damaged(pkg.name, "xl/workbook.xml")
        self.sheets: dict[str, str] = {}  # sheet name → zip member
        self.names: dict[str, str] = {}  # workbook-level defined names
        # Only where the schema puts them: workbook/sheets/sheet and workbook/definedNames/definedName
        # (a <sheet> or <definedName> inside an extLst or any other element is not part of the workbook).
        q_sheets, q_names = f"{{{ns}}}sheets", f"{{{ns}}}definedNames"
        q_sheet, q_name = f"{{{ns}}}sheet", f"{{{ns}}}definedName"
        groups = {q_sheets: [el for el in root if el.tag == q_sheets], q_names: [el for el in root if el.tag == q_names]}
        if len(groups[q_sheets]) > 1 or len(groups[q_names]) > 1:
            raise _damaged(pkg.name, "xl/workbook.xml")
        folded: dict[str, str] = {}
        for el in (el for g in groups[q_sheets] for el in g if el.tag == q_sheet):
            rid = next((v for k, v in el.attrib.items() if _ns(k) in REL_NS and _local(k) == "id"), None)
            tgt = targets.get(rid, "")
            member = tgt.lstrip("/") if tgt.startswith("/") else str(PurePosixPath("xl") / tgt)
            sname = el.get("name", "")
            if sname.casefold() in folded:  # Excel compares sheet names without case
                raise _duplicate_name(pkg.name, "trang tính", folded[sname.casefold()], sname)
            folded[sname.casefold()] = sname
            self.sheets[sname] = _norm_path(member)
        folded = {}
        for el in (el for g in groups[q_names] for el in g if el.tag == q_name):
            if el.get("localSheetId") is not None:
                continue
            dname = el.get("name", "")
            if dname.casefold() in folded:  # defined names too
                raise _duplicate_name(pkg.name, "tên ô", folded[dname.casefold()], dname)
            folded[dname.casefold()] = dname
            self.names[dname] = (el.text or "").strip()
        self.refs: dict[str, tuple[str, str] | None] = {}
        self.layout_hash: str | None = None
        self.located: dict[tuple[str, str], tuple] = {}  # (regime, fingerprint) → `_Book.locate`
        self.task_cells: dict[tuple, tuple] = {}  # (plan, its fingerprint, task ids) → `tasks._task_cells`


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
# Only a workbook part of a real return's size is kept (a template's is ~20 KB): the parsed parts outlive
# their return, and 256 crafted returns' workbook parts of up to 1 MB of defined
# names, parsed into dicts and memos, would otherwise stay in a worker together (~a gigabyte).
_PART_KEPT_BYTES = 256 * 1024


def _shared(kind: str, data: bytes, build):
    return _shared_by_key((kind, blake2b(data, digest_size=20).digest()), build)


# Shared-string parts, split into their items, by their compressed bytes and zip claims: apart from the
# parsed parts (one per unit, not per template: ~40-60 KB each), so that a folder with one return per unit
# never pushes a template's parsed workbook part out; copies of one return (a unit's resends, the copies
# benchmark) come together in a folder's order, so a few suffice.
_SST_CACHE: dict[tuple, Any] = {}
_SST_MAX = 16
# Only a part of a real return's size is kept (those are ~20-50 KB): the items outlive their return, and
# 16 crafted returns' parts of up to 32 MB (the strict parser's elements of an 8 MB part: ~15-30× that)
# would otherwise stay in a worker together.
_SST_KEPT_BYTES = 256 * 1024


def _shared_by_key(key: tuple, build, cache: dict = _SHARED_CACHE, bound: int = _SHARED_MAX):
    """The part `build` makes, once per key: a BLAKE2b digest of the inflated bytes (`_shared`) or of the
    compressed ones with what they inflate to (`_Package.digest`, under kinds of their own), or those
    compressed bytes and claims themselves (`_Package.claims`, compared exactly). A part that
    `build` refuses (raises) is not kept: the next file with those bytes is refused again, with its name."""
    hit = cache.get(key)
    if hit is None:
        hit = build()
        if len(cache) >= bound:
            cache.pop(next(iter(cache)))
        cache[key] = hit
    return hit


_EMPTY_CELL = ("n", 0, None, None, None)
_WB, _WB_RELS, _STYLES = "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"
_SST = "xl/sharedStrings.xml"


def _utf16_dtd(data: bytes) -> bool:
    """`_declares_dtd` where the plain scanners cannot tell by themselves: they decline any part with `<!`
    in its bytes (the strict parser then refuses a DTD), which misses only a UTF-16 part's declaration."""
    head = data[:4]
    return (head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head) and _declares_dtd(data)


class _Book:
    """A workbook read part by part, each part at most once: names once, each sheet in one pass.

    Cells are `(type, style, value text, formula text or None, inline text)` tuples, built only for the
    addresses asked for; shared strings and styles are parsed only when a cell needs them.
    """

    def __init__(self, pkg: _Package):
        self.pkg = pkg
        self._wb: _WorkbookPart = self._workbook_part()
        self.sheets = self._wb.sheets
        self.names = self._wb.names
        self._sst: list | None = None  # <si> elements, turned into text on demand
        self._sst_text: dict[int, str] = {}
        self._styles: _Styles | None = None
        self._sheet_index: dict[str, dict[str, Any]] = {}  # sheet → addr → <c> element
        self._sheet_cells: dict[str, dict[str, tuple]] = {}  # sheet → addr → cell tuple (as asked)

    def _workbook_part(self) -> _WorkbookPart:
        """The parsed workbook part, shared between returns of one template.

        Keyed by the digests of the compressed workbook part and its relationships when both are in the
        plain zip form (the usual case: neither is inflated again), else by a digest of their bytes.
        """
        pkg = self.pkg
        has_rels = pkg.has(_WB_RELS)
        if max(pkg.size(_WB), pkg.size(_WB_RELS)) > _PART_KEPT_BYTES:
            return _WorkbookPart(pkg, *self._workbook_bytes())  # not a real return's: read, not kept
        z_wb = pkg.digest(_WB)
        z_rels = pkg.digest(_WB_RELS) if has_rels else b"-"
        if z_wb is not None and z_rels is not None:
            return _shared_by_key(("workbook.z", z_wb + z_rels), lambda: _WorkbookPart(pkg, *self._workbook_bytes()))
        wb, rels = self._workbook_bytes()
        blob = len(wb).to_bytes(8, "little") + wb + (rels if rels is not None else b"\x00")
        return _shared("workbook", blob, lambda: _WorkbookPart(pkg, wb, rels))

    def _workbook_bytes(self) -> tuple[bytes, bytes | None]:
        pkg = self.pkg
        return pkg.read(_WB), (pkg.read(_WB_RELS) if pkg.has(_WB_RELS) else None)

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

    def part_memo(self, memo: str) -> dict:
        """A memo kept with the workbook part (what only its names decide), shared by its returns."""
        return getattr(self._wb, memo)

    def layout_hash(self) -> str:
        if self._wb.layout_hash is None:
            self._wb.layout_hash = layout.layout_hash(self.names)
        return self._wb.layout_hash

    @property
    def shared_strings(self) -> list[str]:
        self._load_sst()
        return [self._string(i) for i in range(len(self._sst))]

    def _load_sst(self) -> None:
        """The part's items (`<si>` inner bytes, or elements when not plain), shared between returns whose
        compressed part and its zip claims are the same (`_Package.claims`): the same bytes give the same
        items, so a copy is neither inflated nor scanned again. Only the items are shared; each return still
        turns the ones it asks for into text itself (`_string`), with its own fall-back to the strict parser."""
        if self._sst is None:
            self._sst = []
            if self.pkg.has(_SST):
                claims = self.pkg.claims(_SST)
                if claims is None or claims[3] > _SST_KEPT_BYTES:  # claims[3]: the size it inflates to
                    self._sst = self._sst_items()
                else:  # keyed by the compressed bytes themselves: hashing them costs less than a digest
                    self._sst = _shared_by_key(("sst.z", *claims), self._sst_items, _SST_CACHE, _SST_MAX)

    def _sst_items(self) -> list:
        data = self.pkg.read(_SST)
        items = _scan_sst(data) if not _utf16_dtd(data) else None
        return items if items is not None else self._strict_sst()

    def _strict_sst(self) -> list:
        """The `<si>` elements by the strict parser (also refuses DTDs and reports damaged XML)."""
        root = self.pkg.xml(_SST)
        ns = _ns(root.tag)
        if ns not in MAIN_NS or _local(root.tag) != "sst":
            raise _damaged(self.pkg.name, "xl/sharedStrings.xml")
        return [si for si in root if si.tag == f"{{{ns}}}si"]

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
                except _NotPlain:  # not plain after all: the strict parser reads (or refuses) the part
                    self._sst = self._strict_sst()
                    return self._string(i)
            else:
                text = _rich_text(item)
            self._sst_text[i] = text
        return text

    def is_date_style(self, s: int) -> bool:
        if self._styles is None:
            self._styles = self._styles_part()
        return s in self._styles.dates

    def _styles_part(self) -> _Styles:
        """The date styles, shared like the workbook part (by the compressed bytes when plain)."""
        pkg = self.pkg
        if not pkg.has(_STYLES):
            return _Styles(pkg, None)
        z = pkg.digest(_STYLES)
        if z is not None:
            return _shared_by_key(("styles.z", z), lambda: _Styles(pkg, pkg.read(_STYLES)))
        data = pkg.read(_STYLES)
        return _shared("styles", data, lambda: _Styles(pkg, data))

    def _index(self, sheet: str) -> dict[str, Any]:
        """addr → cell of a sheet (a tuple, or a `<c>` element on the strict path): the part is read once."""
        idx = self._sheet_index.get(sheet)
        if idx is None:
            member = self.sheets[sheet]
            data = self.pkg.read(member)
            try:
                idx = _PlainSheet.scan(data, self.pkg.name, member) if not _utf16_dtd(data) else None
                if idx is None:  # not the plain form every spreadsheet program writes: parse it strictly
                    idx = _index_tree(self.pkg.name, member, data)
            except _DuplicateCell as e:
                raise _duplicate_cell(self.pkg.name, sheet, e.addr) from None
            self._sheet_index[sheet] = idx
        return idx

    def _index_strict(self, sheet: str) -> dict[str, Any]:
        """Re-read a sheet by the strict parser: a cell broke a promise of the plain form."""
        member = self.sheets[sheet]
        try:
            idx = _index_tree(self.pkg.name, member, self.pkg.read(member))
        except _DuplicateCell as e:
            raise _duplicate_cell(self.pkg.name, sheet, e.addr) from None
        self._sheet_index[sheet] = idx
        return idx

    def cell(self, sheet: str, addr: str) -> tuple:
        """The cell tuple at `addr` of `sheet` (an absent cell is blank)."""
        cache = self._sheet_cells.setdefault(sheet, {})
        got = cache.get(addr)
        if got is None:
            try:
                c = self._index(sheet).get(addr)
            except _NotPlain:
                c = self._index_strict(sheet).get(addr)
            got = cache[addr] = _EMPTY_CELL if c is None else (c if isinstance(c, tuple) else _cell_tuple(c))
        return got

    def cells(self, sheet: str, wanted: set[str]) -> dict[str, tuple]:
        """addr → (type, style, value text, formula text or None, inline text) of the wanted cells of a sheet.

        The same cells, in the same order, as `cell` asked for each address, with the sheet's index looked up
        once rather than per cell (a provincial workbook read back asks ~18,000 at once): a cell that breaks
        a promise of the plain form switches the rest to the strict index, as `cell` does."""
        cache = self._sheet_cells.setdefault(sheet, {})
        todo = [addr for addr in wanted if addr not in cache]  # a cached cell is never None (see `cell`)
        if todo:
            try:
                idx = self._index(sheet)
            except _NotPlain:
                idx = self._index_strict(sheet)
            for addr in todo:
                try:
                    c = idx.get(addr)
                except _NotPlain:
                    idx = self._index_strict(sheet)
                    c = idx.get(addr)
                cache[addr] = _EMPTY_CELL if c is None else (c if isinstance(c, tuple) else _cell_tuple(c))
        return cache

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


REL_NS = frozenset({
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
})
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def _targets(name: str, rels: bytes | None) -> dict[str, str]:
    """Relationship id → target of the workbook's internal relationships (an id used twice is damage)."""
    targets: dict[str, str] = {}
    if rels is None:
        return targets
    for r in _parse_xml(name, "xl/_rels/workbook.xml.rels", rels):
        if r.tag != f"{{{_PKG_REL_NS}}}Relationship" or r.get("TargetMode", "Internal") != "Internal":
            continue
        rid = r.get("Id")
        if rid in targets:
            raise _damaged(name, "xl/_rels/workbook.xml.rels")
        targets[rid] = r.get("Target", "")
    return targets


def _duplicate_name(name: str, what: str, first: str, second: str) -> ReturnError:
    same = "" if first == second else f" và “{second}” (chỉ khác chữ hoa/thường)"
    return ReturnError(
        "doc.duplicate_name",
        f"Tệp “{name}” có hai {what} trùng tên “{first}”{same}; Excel không cho phép điều này nên tệp đã bị "
        "chỉnh sửa ngoài Excel — tệp không được dùng, hãy dùng biểu mẫu gốc đã được gửi",
    )


def _duplicate_cell(name: str, sheet: str, addr: str) -> ReturnError:
    return ReturnError(
        "doc.duplicate_cell",
        f"Tệp “{name}”: trang “{sheet}” có hai ô cùng địa chỉ {addr}; mỗi chương trình có thể hiện một giá trị "
        "khác nhau nên tệp không được dùng — tệp đã bị chỉnh sửa ngoài Excel, hãy dùng biểu mẫu gốc và nhập lại",
    )


def _norm_path(p: str) -> str:
    out: list[str] = []
    for part in p.split("/"):
        if part == "..":
            if out:
                out.pop()
        elif part and part != ".":
            out.append(part)
    return "/".join(out)
