"""Mutations of real returns for the differential test of the reader against openpyxl (issue #13).

Each mutation is what another program (or an attacker) could write into a valid package: random
values of every cell type, attributes reordered, the spreadsheet namespace bound to a prefix, inline
and rich-text strings, shared formulas, comments, content inside extLst, duplicated parts. The
property: for every file the reader accepts, every value and note it returns equals what openpyxl
reads from the same file (or the reader refuses the file).
"""

from __future__ import annotations

import io
import math
import random
import re
import warnings
import zipfile
from typing import Any
from xml.sax.saxutils import escape

from xlcchc import layout
from xlcchc.read import CellError, ReturnError, _Book, _Package, read_return

SHEET = "xl/worksheets/sheet4.xml"  # 'Biểu mẫu 3' of the SNV return


def _texts(rng: random.Random) -> str:
    alphabet = "abcĐđươẫ 0123456789.,-=+@&<>\"'\t\n"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))


def random_cell(rng: random.Random, addr: str, style: str | None) -> str:
    s = f' s="{style}"' if style else ""
    kind = rng.choice(["num", "num", "int", "inline", "rich", "bool", "error", "blank", "formula", "shared", "str"])
    if kind == "num":
        v = rng.choice([rng.uniform(-1e6, 1e6), rng.randint(0, 10**6) / 100, 0.1 + 0.2, 1e-7])
        return f'<c r="{addr}"{s}><v>{v!r}</v></c>'
    if kind == "int":
        return f'<c r="{addr}"{s}><v>{rng.randint(0, 10**9)}</v></c>'
    if kind == "inline":
        return f'<c r="{addr}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(_texts(rng))}</t></is></c>'
    if kind == "rich":
        a, b = escape(_texts(rng)), escape(_texts(rng))
        return (f'<c r="{addr}"{s} t="inlineStr"><is><r><rPr><b/><sz val="11"/></rPr><t xml:space="preserve">{a}</t></r>'
                f'<r><t xml:space="preserve">{b}</t></r></is></c>')
    if kind == "bool":
        return f'<c r="{addr}"{s} t="b"><v>{rng.randint(0, 1)}</v></c>'
    if kind == "error":
        return f'<c r="{addr}"{s} t="e"><v>{rng.choice(["#DIV/0!", "#REF!", "#N/A", "#VALUE!"])}</v></c>'
    if kind == "blank":
        return f'<c r="{addr}"{s}/>'
    if kind == "formula":
        return f'<c r="{addr}"{s}><f>SUM(1,{rng.randint(0, 9)})</f><v>{rng.randint(1, 10)}</v></c>'
    if kind == "shared":
        return f'<c r="{addr}"{s}><f t="shared" ref="{addr}" si="0">1+1</f><v>2</v></c>'
    return f'<c r="{addr}"{s} t="str"><v>{escape(_texts(rng))}</v></c>'


def _cells_pattern(addr: str) -> re.Pattern:
    return re.compile(rf'<c r="{addr}"(?: s="(\d+)")?(?: t="\w+")?\s*(?:/>|>.*?</c>)', re.S)


def fill_random(xml: bytes, addrs: list[str], rng: random.Random) -> bytes:
    text = xml.decode("utf-8")
    for addr in addrs:
        m = _cells_pattern(addr).search(text)
        if m is None:
            continue
        text = text[: m.start()] + random_cell(rng, addr, m.group(1)) + text[m.end() :]
    return text.encode("utf-8")


def reorder_attributes(xml: bytes) -> bytes:
    return re.sub(rb'<c r="([A-Z]+\d+)" s="(\d+)"', rb'<c s="\2" r="\1"', xml)


def prefix_namespace(xml: bytes) -> bytes:
    text = xml.decode("utf-8").replace(
        'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
        'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"', 1)
    return re.sub(r"<(/?)([A-Za-z][\w]*)(?=[\s/>])", r"<\1x:\2", text).encode("utf-8")


def add_comment(xml: bytes) -> bytes:
    return xml.replace(b"<sheetData>", b"<!-- edited --><sheetData>", 1)


def extlst_cells(xml: bytes, addrs: list[str], rng: random.Random) -> bytes:
    fake = "".join(f'<row r="{int(a[1:])}"><c r="{a}"><v>{rng.randint(1, 999999)}</v></c></row>' for a in addrs[:3])
    ext = f'<extLst><ext uri="{{X}}"><sheetData>{fake}</sheetData></ext></extLst></worksheet>'
    return xml.replace(b"</worksheet>", ext.encode())


def duplicate_part(data: bytes, member: str, upper: bool) -> bytes:
    out = io.BytesIO(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(out, "a") as z:
            z.writestr(member.upper() if upper else member, z.read(member))
    return out.getvalue()


def rewrite(data: bytes, member: str, fn) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == member:
                body = fn(body)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2022, 1, 1, 0, 0, 0)), body)
    return out.getvalue()


def value_addresses(data: bytes, form: int = 3) -> list[str]:
    book = _Book(_Package("x", data))
    sheet = layout.form_sheet(form)
    out = []
    for n, target in sorted(book.names.items()):
        sr = layout.split_ref(target)
        if sr and sr[0] == sheet and n.startswith(f"BM{form}_"):
            out.append(sr[1])
    return out


def mutate(data: bytes, rng: random.Random, ops: list[str]) -> tuple[bytes, bytes]:
    """(mutated file, the same without what no spreadsheet program shows: the oracle's input)."""
    addrs = value_addresses(data)
    chosen = rng.sample(addrs, min(len(addrs), rng.randint(1, 12)))
    data = rewrite(data, SHEET, lambda x: fill_random(x, chosen, rng))
    shown = None
    for op in ops:
        if op == "extlst":
            shown = data
        elif shown is not None and op != "dup_part":
            shown = _apply(shown, op, chosen, rng)
        data = _apply(data, op, chosen, rng)
    return data, (shown if shown is not None else data)


def _apply(data: bytes, op: str, chosen: list[str], rng: random.Random) -> bytes:
    for op in [op]:
        if op == "reorder":
            data = rewrite(data, SHEET, reorder_attributes)
        elif op == "prefix":
            data = rewrite(data, SHEET, prefix_namespace)
        elif op == "comment":
            data = rewrite(data, SHEET, add_comment)
        elif op == "extlst":
            data = rewrite(data, SHEET, lambda x: extlst_cells(x, chosen, rng))
        elif op == "dup_part":
            data = duplicate_part(data, SHEET, upper=rng.random() < 0.5)
    return data


OPS = ["reorder", "prefix", "comment", "extlst", "dup_part"]


# --- the oracle -------------------------------------------------------------------------------------


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, CellError):
        return str(theirs) == str(ours)
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return ours == theirs and type(ours) is type(theirs)
    if isinstance(ours, (int, float)) and isinstance(theirs, (int, float)):
        return math.isclose(float(ours), float(theirs), rel_tol=0, abs_tol=0) or float(ours) == float(theirs)
    if ours in (None, "") and theirs in (None, ""):
        return True
    return ours == theirs


def differences(path, oracle=None) -> list[str] | None:
    """What our reader (on `path`) and openpyxl (on `oracle`, by default the same file) read differently;
    None when the reader refuses the file.

    `oracle` is the file without content no spreadsheet program shows (extLst): openpyxl reads rows
    placed inside an extLst as real ones, Excel and LibreOffice do not, so it is not the oracle there.
    """
    import openpyxl

    try:
        ret = read_return(path)
    except ReturnError:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(oracle or path)
            wbv = openpyxl.load_workbook(oracle or path, data_only=True)
        except Exception as e:  # noqa: BLE001 - the oracle could not read what we accepted: a difference
            return [f"openpyxl refused what the reader accepted: {type(e).__name__}: {e}"]
    out = []
    for key, c in ret.cells.items():
        sheet, addr = c.cell.rsplit("!", 1)
        sheet = sheet.strip("'")
        cell = wb[sheet][addr]
        if cell.data_type == "f":
            if c.formula is None:
                out.append(f"{key} {c.cell}: openpyxl formula {cell.value!r}, reader {c.raw!r}")
            continue
        if c.formula is not None:
            out.append(f"{key} {c.cell}: reader formula {c.formula!r}, openpyxl {cell.value!r}")
        elif not _same(c.raw, cell.value):
            out.append(f"{key} {c.cell}: reader {c.raw!r}, openpyxl {cell.value!r}")
    for key, label in ret.note_cells.items():
        sheet, addr = label.rsplit("!", 1)
        v = wbv[sheet.strip("'")][addr].value  # a note shows what Excel shows: a formula's cached result
        f = wb[sheet.strip("'")][addr]
        if v is None and f.data_type == "f":
            v = str(f.value)  # no cached result: the reader keeps the formula as its text
        ours = ret.notes.get(key)
        if isinstance(v, float) and v.is_integer():
            v = str(int(v))
        elif v is not None and not isinstance(v, str):
            v = str(v)
        if (ours or None) != (v or None) and not (isinstance(v, str) and v.startswith("=") and ours == v):
            out.append(f"note {key} {label}: reader {ours!r}, openpyxl {v!r}")
    return out
