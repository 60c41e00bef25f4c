"""Cells of a sheet part and shared strings: the plain-form scanner and the strict-parser fallback."""

from __future__ import annotations

import re
from typing import Any

from .package import _damaged, _local, _parse_xml

_ADDR = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


# --- the plain-form scanner ---------------------------------------------------------------------
# Excel, LibreOffice, xlsxwriter and openpyxl all write sheets the same plain way: UTF-8, no prefix on
# the spreadsheet namespace, no comments/CDATA/DTD, every `<c>` with `r` as its first attribute. For
# such a part, cells are found with a few regular expressions at C speed, ~20× faster than building a
# tree; anything else (and every part whose plain form is in doubt) goes through the strict parser.
# The DTD refusal happens before either.
#
# The plain path must read exactly what the strict path (and a spreadsheet program) reads, or decline:
# cells only from the worksheet's own `sheetData` (never from `extLst` or any other wrapper), no
# namespace tricks, no entity a parser would refuse. Whenever a promise of the plain form is broken it
# declines (`None` or `_NotPlain`) and the part is parsed strictly, which has the last word.

MAIN_NS = frozenset({
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",  # transitional (what Excel writes)
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # strict OOXML
})

_ATTR = re.compile(rb'\s+([A-Za-z_][\w.:-]*)="([^"<&]*)"')
_ATTRS = re.compile(rb'(?:\s+[A-Za-z_][\w.:-]*="[^"<&]*")*\s*')
_BODY = re.compile(
    rb"\s*(?:<f(\s[^>]*)?(?:/>|>([^<]*)</f>))?\s*(?:<v>([^<]*)</v>|(<v/>))?\s*(?:<is>(.*?)</is>)?\s*", re.S
)
_RPH = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_T = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>")
# Characters no XML parser accepts, a prefixed element, a namespace declaration or an extension block:
# each means the part is not in the plain form (some make it damaged; the strict parser decides).
_KEEP_CONTROL = bytes(b for b in range(256) if b not in (*range(0, 9), 11, 12, *range(14, 32)))
_PREFIXED = re.compile(rb"</?[A-Za-z_][\w.-]*+:")
_PREFIXED_NAME = re.compile(rb"/?[A-Za-z_][\w.-]*+")
_COLONS_WALKED = 256  # more colons than this in a part: one regular-expression pass instead of the walk


def _foreign(body: bytes) -> bool:
    """A prefixed element, a namespace declaration or an extension block in the part's bytes.

    A prefixed tag (`<x:t>`, `</x:t>`) ends at a colon right after the tag's name; parts have few colons
    (times, "Ghi chú:"), so only the text between each colon and the `<` before it is looked at, instead
    of trying a pattern at each of the thousands of `<` (the same answer as `_PREFIXED.search`). The name
    holds no colon, so that `<` lies after the previous colon: the walk is linear in the part's size.
    """
    if b"xmlns" in body or b"<extLst" in body:
        return True
    if body.count(b":") > _COLONS_WALKED:
        return _PREFIXED.search(body) is not None
    prev, c = 0, body.find(b":")
    while c >= 0:
        lt = body.rfind(b"<", prev, c)
        if lt >= 0 and _PREFIXED_NAME.fullmatch(body, lt + 1, c):
            return True
        prev, c = c, body.find(b":", c + 1)
    return False


# sheetData of the plain form: rows holding only cells, cells holding no other cell (a cell's body is
# checked against `_BODY` when it is asked for). The possessive quantifiers (`*+`) never give back what
# they matched, which changes nothing here (each part of the pattern can only end where it does: a
# self-closing tag's `/` is seen by a look-behind, not given back) and halves the instructions of this
# pass over the rows (tests/test_read_scanner.py compares it with the backtracking pattern). A `<` inside
# a row's or a cell's tag (`<c r="A1" x="<c r="B2">`) is not XML: no spreadsheet opens it, and the scanner
# would see a phantom cell B2, so such a tag fails here and the strict parser refuses the file.
_ROWS = re.compile(
    rb"(?:<row(?:\s[^<>]*+)?+(?<!/)>(?:\s*+<c\s[^<>]*+"
    rb"(?:(?<=/)>|(?<!/)>[^<]*+(?:<(?!c[\s/>]|/row>|/c>)[^<]*+)*+</c>))*+\s*+</row>"
    rb"|<row\s[^<>]*+(?<=/)>|\s++)*+"
)
# A shared or inline string of the plain form: an optional `<t>`, rich-text runs, phonetic runs.
_T_EL = rb'(?:<t(?:\s+xml:space="preserve")?>[^<]*</t>|<t/>)'
_RPR = rb"<rPr>(?:\s*<[A-Za-z]+(?:\s[^<>]*)?/>)*\s*</rPr>"
_STRING = re.compile(
    rb"\s*(?:" + _T_EL + rb"\s*)?(?:<r>\s*(?:" + _RPR + rb"\s*)?" + _T_EL + rb"\s*</r>\s*)*"
    rb"(?:<rPh\b[^>]*>.*?</rPh>\s*)*(?:<phoneticPr\b[^>]*/>\s*)?",
    re.S,
)
_REF = re.compile(r"&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
KINDS = frozenset({"n", "s", "str", "inlineStr", "b", "e", "d"})


class _NotPlain(Exception):
    """A promise of the plain form broken inside a cell or string: the caller re-reads the part strictly."""


class _DuplicateCell(Exception):
    """Two `<c>` with one address in a sheet: programs disagree on which one counts, so the file is refused."""

    def __init__(self, addr: str):
        super().__init__(addr)
        self.addr = addr


def _plain_form(data: bytes, root: bytes) -> bool:
    """The part is in the plain form: one XML declaration at most, no `<!`, ends with its root's end tag."""
    if b"<!" in data or data[:4].count(b"\x00"):
        return False
    pis = data.count(b"<?")
    if pis > 1 or (pis == 1 and not data.lstrip(b"\xef\xbb\xbf").startswith(b"<?xml ")):
        return False
    if not (data[-64:].rstrip().endswith(b"</" + root + b">") and (b"<" + root + b" ") in data[:400]):
        return False
    return not data.translate(None, _KEEP_CONTROL)  # what is left are the control bytes


def _xml_char(n: int) -> bool:
    return n in (0x9, 0xA, 0xD) or 0x20 <= n <= 0xD7FF or 0xE000 <= n <= 0xFFFD or 0x10000 <= n <= 0x10FFFF


def _resolve(m: re.Match) -> str:
    if m.group(1):
        return _ENTITIES[m.group(1)]
    n = int(m.group(2)) if m.group(2) else int(m.group(3), 16)
    if not _xml_char(n):
        raise _NotPlain
    return chr(n)


def _text(raw: bytes) -> str:
    """Character data as an XML parser returns it: line ends normalised, the five XML entities and
    character references resolved; any other `&` is for the strict parser to judge (it refuses it)."""
    t = raw.decode("utf-8")
    if "\r" in t:
        t = t.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in t:
        if "&" in _REF.sub("", t):
            raise _NotPlain
        t = _REF.sub(_resolve, t)
    return t


def _rich_text_bytes(item: bytes) -> str:
    """`_rich_text` of a shared/inline string's inner XML: `<t>` runs, phonetic `<rPh>` runs left out."""
    if not _STRING.fullmatch(item):
        raise _NotPlain
    if b"<rPh" in item:
        item = _RPH.sub(b"", item)
    return "".join(_text(t) for t in _T.findall(item))


class _PlainSheet:
    """A plain-form sheet part: one split at the cells' starts, then each asked cell read alone.

    Only the worksheet's own `sheetData` is split; a cell written twice is refused (`_DuplicateCell`).
    A cell whose body is not plain (a nested cell) means the part is damaged.
    """

    __slots__ = ("data", "name", "member", "starts")

    def __init__(self, data: bytes, name: str, member: str, starts: dict[bytes, bytes]):
        self.data, self.name, self.member, self.starts = data, name, member, starts

    @classmethod
    def scan(cls, data: bytes, name: str, member: str) -> "_PlainSheet | None":
        """Each cell's text from its address to the next cell; None unless every cell starts `<c r="A1"`."""
        if not _plain_form(data, b"worksheet"):
            return None
        region = _sheet_data(data)
        if region is None:
            return None
        # Prefixed or unknown elements fail `_ROWS` (rows hold only cells) or `_BODY` (checked per cell).
        if b"xmlns" in region or b"<extLst" in region or not _ROWS.fullmatch(region):
            return None
        # Every `<c…` of the sheet data is a `<c r="A1"` with a valid address (one `bytes.count`, not a
        # second pattern over the rows): no other tag named like a cell.
        pieces = region.split(b'<c r="')[1:]
        addrs = _C_START.findall(region)
        if not (len(addrs) == len(pieces) == region.count(b"<c")):
            return None
        starts = dict(zip(addrs, pieces))
        if len(starts) != len(addrs):
            seen: set[bytes] = set()
            raise _DuplicateCell(next(a for a in addrs if a in seen or seen.add(a)).decode("ascii"))
        return cls(data, name, member, starts)

    def get(self, addr: str) -> tuple | None:
        piece = self.starts.get(addr.encode("ascii"))
        if piece is None:
            return None
        fast = _C_TYPED.match(piece)
        if fast is not None:  # the usual shape of a typed or empty cell: the same tuple as below, sooner
            style, kind, close, v = fast.groups()
            try:
                return (kind.decode("ascii") if kind else "n", int(style) if style else 0,
                        None if close else v.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n"), None, None)
            except UnicodeDecodeError:
                pass  # the general path below reports the part as damaged
        m = _C_REST.match(piece)
        if m is None:
            raise _damaged(self.name, self.member)
        attrs = m.group(1)
        if not _ATTRS.fullmatch(attrs):
            raise _NotPlain
        kind, style = "n", 0
        if attrs:
            found = dict(_ATTR.findall(attrs))
            if len(found) != len(_ATTR.findall(attrs)):
                raise _NotPlain  # an attribute twice: not well-formed, the strict parser says so
            if b"t" in found:
                kind = found[b"t"].decode("ascii")
            if b"s" in found:
                if not found[b"s"].isdigit():
                    raise _NotPlain
                style = int(found[b"s"])
        v = f = inline = None
        if not m.group(2):
            end = piece.find(b"</c>", m.end())
            if end < 0:  # an open cell must close before the next one starts
                raise _damaged(self.name, self.member)
            body = piece[m.end() : end]
            if body:
                bm = _BODY.fullmatch(body)
                if bm is None:
                    raise _NotPlain
                f_attrs, f_text, v_text, v_empty, is_body = bm.groups()
                try:
                    if v_text is not None:
                        v = _text(v_text)
                    elif v_empty is not None:
                        v = ""
                    if f_text is not None or f_attrs is not None or body.lstrip().startswith(b"<f"):
                        if f_attrs is not None and not _ATTRS.fullmatch(f_attrs.rstrip(b"/")):
                            raise _NotPlain
                        shared = f_attrs is not None and b't="shared"' in f_attrs
                        f = _text(f_text) if f_text else ("(shared)" if shared else "")
                    if is_body is not None:
                        inline = _rich_text_bytes(is_body)
                except UnicodeDecodeError:
                    raise _damaged(self.name, self.member) from None
        return (kind, style, v, f, inline)


_C_REST = re.compile(rb'[A-Z]{1,3}[1-9][0-9]{0,6}"([^>]*?)(/?)>')
# What `get` reads through `_C_REST`, `_ATTRS` and `_BODY` for the cells programs write most: at most
# ` s="…"` then ` t="…"`, and either nothing (`/>`) or just a value without references (`<v>…</v></c>`).
_C_TYPED = re.compile(rb'[A-Z]{1,3}[1-9][0-9]{0,6}"(?: s="([0-9]+)")?(?: t="([A-Za-z]+)")?(?:(/)>|><v>([^<&]*)</v></c>)')
_C_START = re.compile(rb'<c r="([A-Z]{1,3}[1-9][0-9]{0,6})"')
_TAG_OPEN = re.compile(rb"<[A-Za-z_]")


def _sheet_data(data: bytes) -> bytes | None:
    """The inside of the worksheet's one `sheetData`, a direct child of the root; None when in doubt."""
    start = data.find(b"<sheetData")
    if start < 0 or data.find(b"<sheetData", start + 1) >= 0:
        return None
    prefix = data[:start]
    if b"<extLst" in prefix:
        return None
    # Depth at sheetData: every element opened before it is closed again, except the worksheet itself.
    if len(_TAG_OPEN.findall(prefix)) - prefix.count(b"</") - prefix.count(b"/>") != 1:
        return None
    if data.startswith(b"<sheetData/>", start):
        return b""
    if not data.startswith(b"<sheetData>", start):
        return None
    body = start + len(b"<sheetData>")
    end = data.find(b"</sheetData>", body)
    if end < 0 or data.find(b"</sheetData>", end + 1) >= 0:
        return None
    return data[body:end]


def _scan_sst(data: bytes) -> list[bytes] | None:
    """The inner XML of each `<si>` of a plain-form shared-string part; None when it is not plain.

    A split at `<si>` is all the work done here; each item is cut at its `</si>` when a cell asks for it.
    """
    if not _plain_form(data, b"sst") or b"<si/>" in data or b"<si " in data:
        return None
    body = data[data.find(b">", data.find(b"<sst ")) + 1 :]
    if _foreign(body):
        return None
    items = body.split(b"<si>")[1:]
    if len(items) != body.count(b"</si>"):
        return None
    return items


def _ns(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _index_tree(name: str, member: str, data: bytes) -> dict[str, Any]:
    """addr → `<c>` element of every cell of a sheet, by the strict parser (any valid XML form).

    Only elements of the spreadsheet namespace, where the schema puts them: `worksheet/sheetData/row/c`
    (what a spreadsheet program shows); a second sheetData, a root of another vocabulary or a cell
    address used twice make the part unusable.
    """
    idx: dict[str, Any] = {}
    root = _parse_xml(name, member, data)
    ns = _ns(root.tag)
    if ns not in MAIN_NS or _local(root.tag) != "worksheet":
        raise _damaged(name, member)
    q_sd, q_row, q_c = f"{{{ns}}}sheetData", f"{{{ns}}}row", f"{{{ns}}}c"
    datas = [el for el in root if el.tag == q_sd]
    if len(datas) > 1:
        raise _damaged(name, member)
    for sheet_data in datas:
        row_no = 0
        for row in sheet_data:
            if row.tag != q_row:
                continue
            r = row.get("r")
            try:
                row_no = int(r) if r else row_no + 1
            except ValueError:
                row_no += 1
            col_no = 0
            for c in row:
                if c.tag != q_c:
                    continue
                ref = c.get("r")
                if ref:
                    addr = ref.upper()
                    m = _ADDR.fullmatch(addr)
                    if m:
                        col_no = _col_number(m.group(1))
                        addr = f"{m.group(1)}{int(m.group(2))}"
                else:
                    col_no += 1
                    addr = f"{_col_letters(col_no)}{row_no}"
                if addr in idx:
                    raise _DuplicateCell(addr)
                idx[addr] = c
    return idx


def _cell_tuple(c) -> tuple:
    v = f = inline = None
    ns = _ns(c.tag)
    q_v, q_f, q_is = f"{{{ns}}}v", f"{{{ns}}}f", f"{{{ns}}}is"
    for ch in c:
        t = ch.tag
        if t == q_v:
            v = ch.text or ""
        elif t == q_f:
            f = ch.text or ("" if ch.get("t") != "shared" else "(shared)")
        elif t == q_is:
            inline = _rich_text(ch)
    try:
        style = int(c.get("s", "0"))
    except ValueError:
        style = 0
    return (c.get("t", "n"), style, v, f, inline)


def _rich_text(el) -> str:
    """Text of a shared/inline string: its own runs only (phonetic `rPh` runs are not part of the value)."""
    ns = _ns(el.tag)
    q_t, q_r = f"{{{ns}}}t", f"{{{ns}}}r"
    parts = []
    for ch in el:
        if ch.tag == q_t:
            parts.append(ch.text or "")
        elif ch.tag == q_r:
            for g in ch:
                if g.tag == q_t:
                    parts.append(g.text or "")
    return "".join(parts)


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
