"""A template's zip as filling reads and patches it (`xlcchc.template_fill`, `xlcchc.template_tasks`, the samples).

A template is our own output (xlsxwriter's plain XML), never a unit's return: a few regular expressions
find its cells by address (`read_cells`) and patch the named input cells and the formulas' cached
results in place (`patch_sheet`), so every other byte of the sheet stays as the template wrote it.
The defined names (what cell a name is) and shared strings are parsed once per template (`Book`).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import layout
from .template_geometry import TemplateError

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "p": "http://schemas.openxmlformats.org/package/2006/relationships",
}



@dataclass
class Book:
    """The parts of a template's zip that filling needs, parsed once."""

    infos: list[zipfile.ZipInfo]
    parts: dict[str, bytes]
    names: dict[str, tuple[str, str]]  # defined name → (sheet part path, cell ref such as D12)
    strings: list[str]

    def cell_text(self, name: str) -> str | None:
        if name not in self.names:
            return None
        part, ref = self.names[name]
        return read_cells(self.parts[part], self.strings, {ref}).get(ref)


def load_book(path: Path) -> Book:
    """`load_book_bytes` of a template file; a file that cannot be read is a `TemplateError`."""
    from .regular_file import regular_bytes

    try:
        data = regular_bytes(path)  # never a device or FIFO (`values import /dev/zero …` read until memory ran out)
    except OSError as e:
        raise TemplateError(f"Không đọc được tệp mẫu “{path.name}”: {e.strerror}") from None
    return load_book_bytes(data, path.name)


def load_book_bytes(data: bytes, label: str = "") -> Book:
    """The template's parts, its defined names resolved to (sheet part, cell) and its shared strings."""
    from defusedxml import ElementTree as ET

    from .read import ReturnError
    from .read.package import _Package

    try:  # the reader's zip caps first (declared sizes, ratio, members): every part is read below
        _Package(label, data)
    except ReturnError as e:
        if e.code == "doc.zip_bomb":  # anything else (not a zip, damaged) is said below, as before
            raise TemplateError(f"Tệp mẫu: {e}") from None
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
        parts = {i.filename: zf.read(i.filename) for i in infos}
        wb = ET.fromstring(parts["xl/workbook.xml"])
        rels = ET.fromstring(parts["xl/_rels/workbook.xml.rels"])
    except (zipfile.BadZipFile, KeyError, ET.ParseError, ValueError, OSError):
        raise TemplateError(f"Tệp mẫu “{label}” không phải tệp Excel .xlsx hợp lệ") from None
    targets = {}
    for rel in rels.findall("p:Relationship", _NS):
        t = rel.get("Target", "")
        targets[rel.get("Id")] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    sheets = {}
    for sh in wb.findall("m:sheets/m:sheet", _NS):
        sheets[sh.get("name")] = targets.get(sh.get(f"{{{_NS['r']}}}id"), "")
    names = {}
    for dn in wb.findall("m:definedNames/m:definedName", _NS):
        if dn.get("localSheetId") is not None:
            continue
        sr = layout.split_ref(dn.text or "")
        if sr and sheets.get(sr[0]) in parts:
            names[dn.get("name")] = (sheets[sr[0]], sr[1])
    strings = []
    if "xl/sharedStrings.xml" in parts:
        sst = ET.fromstring(parts["xl/sharedStrings.xml"])
        for si in sst.findall("m:si", _NS):
            strings.append("".join(t.text or "" for t in si.iter(f"{{{_NS['m']}}}t")))
    return Book(infos, parts, names, strings)


_CELL = re.compile(r'<c r="([A-Z]{1,3}[0-9]+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)


def read_cells(xml: bytes, strings: list[str], refs: set[str]) -> dict[str, Any]:
    """Contents of the cells `refs` of a sheet part (numbers as float, text as str, formulas' cached value)."""
    out: dict[str, Any] = {}
    for m in _CELL.finditer(xml.decode("utf-8")):
        ref = m.group(1)
        if ref not in refs:
            continue
        attrs, body = m.group(2), m.group(3) or ""
        t = re.search(r'\bt="(\w+)"', attrs)
        typ = t.group(1) if t else "n"
        v = re.search(r"<v>(.*?)</v>", body, re.S)
        if typ == "inlineStr":
            out[ref] = _unescape("".join(re.findall(r"<t[^>]*>(.*?)</t>", body, re.S)))
        elif v is None:
            out[ref] = None
        elif typ == "s":
            out[ref] = strings[int(v.group(1))]
        elif typ in ("str", "e"):
            out[ref] = _unescape(v.group(1))
        elif typ == "b":
            out[ref] = v.group(1) == "1"
        else:
            try:
                out[ref] = float(v.group(1))
            except ValueError:
                out[ref] = v.group(1) or None
    return out


def _unescape(s: str) -> str:
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(s: str) -> str:
    """Text safe inside <t>: XML-escaped; control characters XML 1.0 cannot carry are dropped."""
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _XML_BAD.sub("", s)


def _xml_number(v: float | int) -> str:
    f = float(v)
    if f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    return repr(f)


def _new_cell(ref: str, attrs: str, value: Any) -> str:
    s = re.search(r'\bs="(\d+)"', attrs)
    sattr = f' s="{s.group(1)}"' if s else ""
    if isinstance(value, str):
        return f'<c r="{ref}"{sattr} t="inlineStr"><is><t xml:space="preserve">{_xml_text(value)}</t></is></c>'
    return f'<c r="{ref}"{sattr}><v>{_xml_number(value)}</v></c>'


def patch_sheet(xml: bytes, writes: dict[str, Any], cached: dict[str, Any]) -> tuple[bytes, set[str]]:
    """Write `writes` (ref → number/text) into input cells and `cached` (ref → value) as formula results.

    A cell holding a formula is never overwritten by a value; returns the refs actually written.
    """
    done: set[str] = set()

    def sub(m: re.Match) -> str:
        ref, attrs, body = m.group(1), m.group(2), m.group(3) or ""
        if ref in writes and "<f" not in body:
            done.add(ref)
            return _new_cell(ref, attrs, writes[ref])
        if ref in cached and "<f" in body:
            f = re.search(r"<f[^>]*/>|<f[^>]*>.*?</f>", body, re.S).group(0)
            attrs = re.sub(r'\s+t="\w+"', "", attrs)
            val = cached[ref]
            if val is None or val == "":
                return f'<c r="{ref}"{attrs} t="str">{f}<v></v></c>'
            if isinstance(val, str):
                return f'<c r="{ref}"{attrs} t="str">{f}<v>{_xml_text(val)}</v></c>'
            return f'<c r="{ref}"{attrs}>{f}<v>{_xml_number(val)}</v></c>'
        return m.group(0)

    out = _CELL.sub(sub, xml.decode("utf-8"))
    return out.encode("utf-8"), done


def rule_rows(xml: bytes, strings: list[str]) -> dict[int, str]:
    """Row number → rule id, read from column A of the check sheet."""
    out = {}
    for m in _CELL.finditer(xml.decode("utf-8")):
        ref = m.group(1)
        if not ref.startswith("A") or not ref[1:].isdigit():
            continue
        v = read_cells(m.group(0).encode("utf-8"), strings, {ref}).get(ref)
        if isinstance(v, str):
            out[int(ref[1:])] = v
    return out
