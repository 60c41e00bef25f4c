"""Cells of a sheet part and shared strings: the plain-form scanner and the strict-parser fallback."""

from __future__ import annotations

import re
from typing import Any

from .package import _damaged, _local, _parse_xml

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
