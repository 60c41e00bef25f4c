"""What the plain-form scanners check so that they accept only parts the strict parser accepts.

The scanners (`sheet._PlainSheet.full_scan`, `sheet._scan_sst`, `skeleton.fit`) read a cell only when it is
asked for; the strict parser (expat through ElementTree) refuses a whole part that is not well-formed XML:
a junk or duplicated attribute, an unknown entity (`&foo;`), bytes that are not UTF-8, an unclosed tag,
`]]>` in text — in any cell, asked or not, in a row's tag, in the bytes around the cells. Excel refuses
(or "repairs", dropping what it cannot read) such a part too, so a scanner that read the asked cells of
it would report figures nobody sees in the file. Hence the checks here, each the cheapest that covers its
case (issue 17: a sheet is scanned through a skeleton of one seen before, which checks only what differs):
- `prolog`: the XML declaration says UTF-8 (or nothing: the same) — the scanners decode UTF-8, the strict
  parser the declared encoding —, and the root's start tag is the spreadsheet namespace's, with each
  attribute once (what the strict reader's namespace check and expat decide about it);
- `well_formed`: expat itself, with the namespace processing ElementTree asks for, on a whole part (the
  full scan of a sheet, ~80 instructions a byte: only where no skeleton answers);
- `chars_ok`: what expat checks on text and attribute values that a grammar of ASCII bytes cannot (valid
  UTF-8, no U+FFFE/U+FFFF, character references to characters XML allows, no `]]>`), for bytes a strict
  grammar (the shared-string grammar of `sheet`, the skeleton's units and tail tokens) has accepted.
"""

from __future__ import annotations

import re

import pyexpat  # loaded already by ElementTree's C parser, which the reader uses for the workbook part

from ..lazy_pattern import LazyPattern

MAIN_NS = frozenset({
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",  # transitional (what Excel writes)
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # strict OOXML
})
# Bytes no XML parser accepts (all below 0x20 except tab, line feed and carriage return), as a class of
# a bytes pattern and as what `bytes.translate(None, KEEP_CONTROL)` leaves.
CONTROL_CLASS = rb"\x00-\x08\x0b\x0c\x0e-\x1f"
CONTROL = bytes((*range(0, 9), 11, 12, *range(14, 32)))
KEEP_CONTROL = bytes(b for b in range(256) if b not in CONTROL)
# A cell's address as every program writes it (`A1`, never `a1` or `A01`: those the strict reader reads).
ADDRESS = rb"[A-Z]{1,3}+[1-9][0-9]{0,6}+"
# A reference the plain form may hold: a predefined entity or a character reference (whose character
# `chars_ok` checks); any other `&` is refused by the strict parser (no DTD declares an entity).
REF = rb"&(?:lt|gt|amp|quot|apos|#[0-9]{1,7}+|#x[0-9a-fA-F]{1,6}+);"
_CHAR_REF = LazyPattern(rb"&#(?:([0-9]{1,7})|x([0-9a-fA-F]{1,6}));")
# An `&` not beginning a REF (inside the look-ahead the possessive counts answer as greedy ones would: the
# next byte must be `;`, never a digit).
_BAD_AMP = LazyPattern(rb"&(?!" + REF[1:] + rb")")
# The XML declaration (UTF-8 or no encoding named) and the root's start tag, attributes in double quotes
# without `<`, `&` or `>` (a value that has one: the strict parser reads the part).
_PROLOG = LazyPattern(
    rb'(?:\xef\xbb\xbf)?+(?:<\?xml version="1\.0"(?: encoding="[Uu][Tt][Ff]-8")?+(?: standalone="(?:yes|no)")?+ ?\?>)?+'
    rb'\s*+<([A-Za-z]++)((?:\s++[A-Za-z_][\w.:-]*+="[^"<&>]*+")*+)\s*+>'
)
_ATTRIBUTE = LazyPattern(rb'\s+([A-Za-z_][\w.:-]*)="([^"]*)"')


def prolog(data: bytes, root: bytes) -> int | None:
    """Where the root's start tag ends, when the part is UTF-8 and its root is `root` of the spreadsheet
    namespace; None otherwise (the strict parser then reads or refuses it).

    The root's attributes are what expat would take: each (namespace, name) once, a prefix only `xml` or
    one the root itself declares (`mc:Ignorable` beside `xmlns:mc`, as Excel writes it), no empty
    declaration and no `xml…` prefix declared (reserved; declining them costs nothing real).
    """
    m = _PROLOG.match(data)
    if m is None or m.group(1) != root:
        return None
    attrs = _ATTRIBUTE.findall(m.group(2))
    declared = {name[6:]: value for name, value in attrs if name.startswith(b"xmlns:")}
    if any(not uri or not p or p.startswith(b"xml") or b":" in p for p, uri in declared.items()):
        return None
    seen = set()
    for name, _ in attrs:
        prefix, _, local = name.rpartition(b":")
        if prefix and prefix not in (b"xmlns", b"xml") and prefix not in declared:  # `xml:` is always bound
            return None
        seen.add((declared.get(prefix, prefix), local))
    if len(seen) != len(attrs):
        return None
    uri = dict(attrs).get(b"xmlns", b"")
    return m.end() if uri.decode("ascii", "replace") in MAIN_NS else None


def well_formed(data: bytes) -> bool:
    """Whether expat, as ElementTree's parser runs it (namespaces, `}` between namespace and name), takes
    the whole part: no handler is set, so nothing is built; only its answer is wanted."""
    parser = pyexpat.ParserCreate(None, "}")
    try:
        parser.Parse(data, True)
    except pyexpat.ExpatError:
        return False
    return True


def xml_char(n: int) -> bool:
    """The code point is a character XML 1.0 allows."""
    return n in (0x9, 0xA, 0xD) or 0x20 <= n <= 0xD7FF or 0xE000 <= n <= 0xFFFD or 0x10000 <= n <= 0x10FFFF


def chars_ok(b: bytes) -> bool:
    """Bytes a grammar of the plain form accepted hold only what expat accepts in text and values: UTF-8
    (Python's decoder refuses what expat's does: overlong forms, surrogates, past U+10FFFF), neither of the
    two non-characters XML excludes (U+FFFE, U+FFFF: `\\xef\\xbf\\xbe`, `\\xef\\xbf\\xbf`), every character
    reference to an allowed character, every `&` beginning a `REF` (so a grammar may leave `&` to this:
    `[^<]*+`, one byte compared a step, is ~5× cheaper than a class) and no `]]>` (refused in text; in a
    value it is allowed, declining there too costs nothing real). Control bytes are the grammars' to
    exclude. Each search is guarded by one for a single byte (memchr: Vietnamese text is full of the
    bytes that end the longer needles, which slows their search ~10×)."""
    if b"]" in b and b"]]>" in b or b"\xef" in b and (b"\xef\xbf\xbe" in b or b"\xef\xbf\xbf" in b):
        return False
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if b"&" in b and _BAD_AMP.search(b) is not None:
        return False
    if b"#" in b and b"&#" in b:
        refs = _CHAR_REF.findall(b)
        if len(refs) != b.count(b"&#"):
            return False
        return all(xml_char(int(d) if d else int(h, 16)) for d, h in refs)
    return True
