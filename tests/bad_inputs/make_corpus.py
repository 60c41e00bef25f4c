"""Generate the corpus of bad returned workbooks (`python -m tests.bad_inputs.make_corpus`).

Each case is a real file a unit could send back (or an attacker could): made from a real generated
template, damaged the way people and programs damage files. `manifest.json` says, per file, the CLI
options, the finding rule the checker must report, a phrase of its Vietnamese message and the exit
status. Also home of the helpers tests and the bench use to write raw cell contents by defined name
(the reader must cope with what Excel can store, not only with what `fill_template` writes).
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from xlcchc import layout
from xlcchc.catalog import load_catalog, registry_of
from xlcchc.numbers import fmt_vn
from xlcchc.periods import parse_period
from xlcchc.read import _Book, _Package
from xlcchc.samples import _lock_file_bytes

HERE = Path(__file__).resolve().parent
REGIME = "tinh-2022"
UNIT = "SNV"
PERIOD = "2022-N"
ZIP_DATE = (2022, 1, 1, 0, 0, 0)


# --- raw cell patching ---------------------------------------------------------------------------


def rewrite_zip(data: bytes, edits: dict[str, Any], add: dict[str, bytes] | None = None, drop: set[str] = frozenset()) -> bytes:
    """Copy a zip member by member (fixed timestamps), applying `edits` (name → bytes or bytes→bytes)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            body = src.read(info.filename)
            if info.filename in edits:
                e = edits[info.filename]
                body = e(body) if callable(e) else e
            dst.writestr(_info(info.filename), body)
        for name, body in sorted((add or {}).items()):
            dst.writestr(_info(name), body)
    return out.getvalue()


def _info(name: str) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    zi.compress_type = zipfile.ZIP_DEFLATED
    return zi


def _cell_xml(addr: str, style: str | None, spec: Any) -> str:
    s = f' s="{style}"' if style else ""
    if spec is None:
        return f'<c r="{addr}"{s}/>'
    if isinstance(spec, bool):
        return f'<c r="{addr}"{s} t="b"><v>{int(spec)}</v></c>'
    if isinstance(spec, (int, float)):
        return f'<c r="{addr}"{s}><v>{repr(float(spec)) if isinstance(spec, float) else spec}</v></c>'
    if isinstance(spec, str):
        return f'<c r="{addr}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(spec)}</t></is></c>'
    kind = spec[0]
    if kind == "f":  # ("f", formula without '=', cached number or None)
        v = "" if spec[2] is None else f"<v>{spec[2]}</v>"
        return f'<c r="{addr}"{s}><f>{escape(spec[1])}</f>{v}</c>'
    if kind == "e":
        return f'<c r="{addr}"{s} t="e"><v>{escape(spec[1])}</v></c>'
    if kind == "date":  # a number shown with a date style
        return f'<c r="{addr}" s="{spec[2]}"><v>{spec[1]}</v></c>'
    raise ValueError(spec)


def _add_date_style(styles: bytes) -> tuple[bytes, int]:
    m = re.search(rb'<cellXfs count="(\d+)">', styles)
    n = int(m.group(1))
    styles = styles.replace(m.group(0), f'<cellXfs count="{n + 1}">'.encode())
    styles = styles.replace(b"</cellXfs>", b'<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyProtection="1"><protection locked="0"/></xf></cellXfs>')
    return styles, n


def set_cells(data: bytes, specs: dict[str, Any]) -> bytes:
    """Write raw contents into the cells that defined names point at (style and so protection kept).

    Spec: None (clear), a number, a str (inline string, as typed text), ("f", formula, cached),
    ("e", "#DIV/0!"), True/False, ("date", serial) (a number in a date-styled cell).
    """
    book = _Book(_Package("x", data))
    by_member: dict[str, dict[str, Any]] = {}
    edits: dict[str, Any] = {}
    date_style = None
    if any(isinstance(v, tuple) and v[0] == "date" for v in specs.values()):
        styles, date_style = _add_date_style(_Package("x", data).read("xl/styles.xml"))
        edits["xl/styles.xml"] = styles
    for name, spec in specs.items():
        sheet, addr = layout.split_ref(book.names[name])
        if isinstance(spec, tuple) and spec[0] == "date":
            spec = ("date", spec[1], date_style)
        by_member.setdefault(book.sheets[sheet], {})[addr] = spec

    def patcher(cells: dict[str, Any]):
        def run(xml: bytes) -> bytes:
            text = xml.decode("utf-8")
            for addr, spec in cells.items():
                pat = re.compile(rf'<c r="{addr}"(?: s="(\d+)")?(?: t="\w+")?\s*(?:/>|>.*?</c>)', re.S)
                m = pat.search(text)
                if m is None:
                    raise KeyError(addr)
                text = text[: m.start()] + _cell_xml(addr, m.group(1), spec) + text[m.end() :]
            return text.encode("utf-8")

        return run

    for member, cells in by_member.items():
        edits[member] = patcher(cells)
    return rewrite_zip(data, edits)


def set_values(data: bytes, values: dict[str, Any], notes: dict[str, str] | None = None) -> bytes:
    """`set_cells` by indicator key (form:code) for values and notes."""
    specs: dict[str, Any] = {}
    for key, v in values.items():
        f, c = key.split(":", 1)
        specs[layout.value_name(int(f), c)] = v
    for key, n in (notes or {}).items():
        f, c = key.split(":", 1)
        specs[layout.note_name(int(f), c)] = n
    return set_cells(data, specs)


# --- fillings ------------------------------------------------------------------------------------


def random_values(catalog, unit, rng: random.Random, *, consistent: bool = True, blank_rate: float = 0.0) -> dict[str, Any]:
    """Values for every input row of `unit` (computed rows left out); `consistent` repairs the rules."""
    vals: dict[str, Any] = {}
    for ind in catalog.value_indicators():
        if not catalog.applies(ind, unit) or catalog.computed(ind, unit):
            continue
        if blank_rate and rng.random() < blank_rate:
            continue
        kind = ind.unit_kind_of_value(unit.kind)
        if kind == "choice":
            vals[ind.key] = rng.choice([c.value for c in ind.unit_choices()])
        elif kind == "count":
            vals[ind.key] = rng.randint(0, 5000)
        elif kind == "percent":
            vals[ind.key] = round(rng.uniform(0, 100), 2)
        elif kind in ("decimal", "money"):
            vals[ind.key] = round(rng.uniform(0, 10000), 2)
        elif kind == "text":
            vals[ind.key] = rng.choice(["Đạt", "Có", "Không"])
    if consistent:
        _repair(catalog, unit, vals)
    return vals


def _repair(catalog, unit, vals: dict[str, Any]) -> None:
    rules = [r for r in catalog.rules if r.kind in ("sum", "compare", "ratio") and catalog.rule_applies(r, unit)]
    for _ in range(30):
        changed = False
        for r in rules:
            if any(k not in vals and not catalog.computed(catalog.indicators[k], unit) for k in r.operands):
                continue
            if r.kind == "sum":
                total = sum(vals[t] for t in r.terms)
                if vals[r.target] != total:
                    vals[r.target] = total
                    changed = True
            elif r.kind == "ratio":
                if catalog.computed(catalog.indicators[r.target], unit):
                    if vals[r.numerator] > vals[r.denominator]:
                        vals[r.numerator] = vals[r.denominator]
                        changed = True
                else:
                    den = vals[r.denominator]
                    want = round(vals[r.numerator] / den * 100, 2) if den else None
                    if vals.get(r.target) != want:
                        if want is None:
                            vals.pop(r.target, None)
                            vals[r.numerator] = 0
                        else:
                            vals[r.target] = want
                        changed = True
            else:
                lv = sum(vals[k] for k in r.left)
                rv = sum(vals[k] for k in r.right)
                bad = (r.op == "<=" and lv > rv) or (r.op == ">=" and lv < rv) or (r.op == "=" and lv != rv)
                if bad:
                    if r.op == "<=":
                        for k in r.left:
                            vals[k] = 0
                        vals[r.left[0]] = min(rv, max(0, rv - sum(vals[k] for k in r.left[1:])))
                    elif r.op == ">=":
                        vals[r.left[0]] += rv - lv
                    else:
                        vals[r.left[0]] += rv - lv
                        if vals[r.left[0]] < 0:
                            vals[r.left[0]] = 0
                            for k in r.right:
                                vals[k] = 0
                    changed = True
        if not changed:
            return


# --- the corpus ----------------------------------------------------------------------------------


def base_template(unit: str = UNIT) -> bytes:
    from xlcchc.template import template_bytes

    cat = load_catalog(REGIME)
    return template_bytes(cat, registry_of(cat).by_code[unit], parse_period(PERIOD))


def filled(unit: str = UNIT, seed: int = 1) -> bytes:
    cat = load_catalog(REGIME)
    u = registry_of(cat).by_code[unit]
    return set_values(base_template(unit), random_values(cat, u, random.Random(seed)))


def filled_value(key: str, unit: str = UNIT, seed: int = 1) -> Any:
    """The value `filled()` writes for `key` (the same seeded draw)."""
    cat = load_catalog(REGIME)
    return random_values(cat, registry_of(cat).by_code[unit], random.Random(seed))[key]


def _meta_edit(data: bytes, key: str, value: str) -> bytes:
    return set_cells(data, {layout.meta_name(key): value})


def _sheet_rename(data: bytes, old: str, new: str) -> bytes:
    def wb(x: bytes) -> bytes:
        t = x.decode()
        t = t.replace(f'name="{old}"', f'name="{new}"').replace(f"'{old}'!", f"'{new}'!")
        return t.encode()

    return rewrite_zip(data, {"xl/workbook.xml": wb})


def _sheet_remove(data: bytes, name: str) -> bytes:
    book = _Book(_Package("x", data))
    member = book.sheets[name]

    def wb(x: bytes) -> bytes:
        t = x.decode()
        t = re.sub(rf'<sheet name="{re.escape(name)}"[^>]*/>', "", t)
        t = re.sub(rf"<definedName[^>]*>'{re.escape(name)}'![^<]*</definedName>", "", t)
        return t.encode()

    return rewrite_zip(data, {"xl/workbook.xml": wb}, drop={member})


def _insert_row(data: bytes, sheet: str, after_row: int) -> bytes:
    """What Excel does to the names when a row is inserted: every name below moves down one row."""

    def wb(x: bytes) -> bytes:
        def move(m: re.Match) -> str:
            r = int(m.group(2))
            return f"'{sheet}'!${m.group(1)}${r + 1 if r > after_row else r}"

        return re.sub(rf"'{re.escape(sheet)}'!\$([A-Z]+)\$(\d+)", move, x.decode()).encode()

    return rewrite_zip(data, {"xl/workbook.xml": wb})


def _delete_names(data: bytes, prefix: str) -> bytes:
    return rewrite_zip(data, {"xl/workbook.xml": lambda x: re.sub(rf'<definedName name="{prefix}[^"]*">[^<]*</definedName>'.encode(), b"", x)})


def _xxe(data: bytes) -> bytes:
    def wb(x: bytes) -> bytes:
        t = x.decode()
        t = t.replace("?>", '?>\n<!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', 1)
        return t.replace("<sheets>", "<sheets>&xxe;", 1).encode()

    return rewrite_zip(data, {"xl/workbook.xml": wb})


def _billion_laughs(data: bytes) -> bytes:
    lol = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'

    def ss(x: bytes) -> bytes:
        return x.decode().replace("?>", "?>" + lol, 1).replace("<sst ", "<sst data=\"&lol3;\" ", 1).encode()

    return rewrite_zip(data, {"xl/sharedStrings.xml": ss})


def _zip_bomb(data: bytes) -> bytes:
    # 40 MB of zeros deflates to ~40 KB: declared size over the per-part cap, ratio ~1000×.
    return rewrite_zip(data, {}, add={"xl/media/image1.bin": b"\0" * (40 * 2**20)})


def _xlsm(data: bytes) -> bytes:
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + b"Attribute VB_Name = \"Module1\"\nSub AutoOpen()\nShell \"calc.exe\"\nEnd Sub\n"

    def ct(x: bytes) -> bytes:
        t = x.decode().replace("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
        return t.replace("</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>').encode()

    def rels(x: bytes) -> bytes:
        return x.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')

    return rewrite_zip(data, {"[Content_Types].xml": ct, "xl/_rels/workbook.xml.rels": rels}, add={"xl/vbaProject.bin": vba})


def _encrypt(data: bytes) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("matkhau", out)
    return out.getvalue()


def _soffice_convert(data: bytes, fmt: str) -> bytes:
    from xlcchc.office import soffice_path

    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "in.xlsx"
        src.write_bytes(data)
        prof = Path(d) / "profile"
        subprocess.run(
            [soffice_path(), f"-env:UserInstallation=file://{prof}", "--headless", "--convert-to", fmt, "--outdir", d, str(src)],
            check=True, capture_output=True, timeout=180,
        )
        return next(p for p in Path(d).iterdir() if p.suffix == "." + fmt.split(":")[0]).read_bytes()


def _plain_workbook() -> bytes:
    import xlsxwriter
    import datetime as dt

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    wb.set_properties({"created": dt.datetime(2022, 1, 1)})
    ws = wb.add_worksheet("Sheet1")
    ws.write_row(0, 0, ["STT", "Chỉ tiêu", "Số liệu"])
    ws.write_row(1, 0, ["1", "Số văn bản chỉ đạo CCHC", 12])
    wb.close()
    return out.getvalue()


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("[Content_Types].xml", ZIP_DATE), '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr(zipfile.ZipInfo("word/document.xml", ZIP_DATE), '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Báo cáo CCHC</w:t></w:r></w:p></w:body></w:document>')
    return out.getvalue()


def _pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def cases() -> list[dict[str, Any]]:
    """(file, maker, CLI options, rule, phrase, exit) for every kind of bad input."""
    good = filled()
    v = lambda key, spec: set_values(good, {key: spec})  # noqa: E731
    C: list[dict[str, Any]] = []

    def case(file, make, rule, phrase, exit_code, args=()):
        C.append({"file": file, "make": make, "rule": rule, "phrase": phrase, "exit": exit_code, "args": list(args)})

    case("empty.xlsx", lambda: b"", "doc.empty", "rỗng", 2)
    case("pdf_renamed.xlsx", _pdf, "doc.renamed", "tệp PDF", 2)
    case("csv_renamed.xlsx", lambda: "form,code,value\n3,3.1.1,518562\n".encode(), "doc.renamed", "CSV/TXT", 2)
    case("html_renamed.xlsx", lambda: b"<html><body><table><tr><td>1</td></tr></table></body></html>", "doc.renamed", "HTML", 2)
    case("docx_renamed.xlsx", _docx, "doc.renamed", "Word (.docx)", 2)
    case("ods_renamed.xlsx", lambda: _soffice_convert(_plain_workbook(), "ods"), "doc.renamed", "OpenDocument", 2)
    case("random_bytes.xlsx", lambda: bytes(random.Random(7).randrange(256) for _ in range(4096)).replace(b"PK", b"QK"), "doc.not_zip", "không phải là bảng tính", 2)
    case("truncated.xlsx", lambda: good[: len(good) // 2], "doc.damaged", "bị hỏng", 2)
    case("damaged_xml.xlsx", lambda: rewrite_zip(good, {"xl/workbook.xml": lambda x: x[: len(x) // 2]}), "doc.damaged", "nội dung XML", 2)
    case("missing_part.xlsx", lambda: rewrite_zip(good, {}, drop={"xl/worksheets/sheet4.xml"}), "doc.damaged", "thiếu phần", 2)
    case("legacy.xls", lambda: _soffice_convert(_plain_workbook(), "xls"), "doc.xls", "Excel cũ (.xls", 2)
    case("legacy_renamed.xlsx", lambda: _soffice_convert(_plain_workbook(), "xls"), "doc.xls", "Excel 97–2003", 2)
    case("encrypted.xlsx", lambda: _encrypt(_plain_workbook()), "doc.encrypted", "mật khẩu", 2)
    case("not_template.xlsx", _plain_workbook, "doc.not_template", "không phải biểu mẫu do xlcchc tạo", 2)
    case("unknown_regime.xlsx", lambda: _meta_edit(good, "regime", "huyen-2030"), "doc.regime", "không có trong chương trình", 2)
    case("other_regime.xlsx", lambda: good, "doc.regime", "không phải “huyen-2023”", 2, ["--regime", "huyen-2023"])
    case("wrong_period.xlsx", lambda: good, "doc.period", "không phải năm 2023", 2, ["--period", "Năm 2023"])
    case("wrong_unit.xlsx", lambda: good, "doc.unit", "không phải của đơn vị “STP”", 2, ["--unit", "STP"])
    case("fingerprint.xlsx", lambda: _meta_edit(good, "fingerprint", "0123456789abcdef"), "doc.fingerprint", "phiên bản khác của danh mục", 2)
    case("format_version.xlsx", lambda: _meta_edit(good, "format", "9"), "doc.format", "phiên bản 9", 2)
    case("unit_unknown.xlsx", lambda: _meta_edit(good, "unit", "SXYZ"), "doc.unit_unknown", "không có trong danh mục đơn vị", 2)
    case("meta_cleared.xlsx", lambda: _meta_edit(good, "period", ""), "doc.meta", "thiếu “period”", 2)
    case("sheet_renamed.xlsx", lambda: _sheet_rename(good, "Biểu mẫu 3", "BM3 sửa"), "doc.sheets", "“BM3 sửa”", 2)
    case("sheet_removed.xlsx", lambda: _sheet_remove(good, "Biểu mẫu 5"), "doc.sheets", "thiếu trang “Biểu mẫu 5”", 2)
    case("row_inserted.xlsx", lambda: _insert_row(good, "Biểu mẫu 3", 8), "doc.layout", "chèn/xóa dòng", 2)
    case("names_deleted.xlsx", lambda: _delete_names(good, "BM3_"), "doc.names_missing", "tên ô", 2)
    case("zip_bomb.xlsx", lambda: _zip_bomb(good), "doc.zip_bomb", "lớn bất thường", 2)
    case("xxe.xlsx", lambda: _xxe(good), "doc.xml_entity", "DTD/thực thể XML", 2)
    case("billion_laughs.xlsx", lambda: _billion_laughs(good), "doc.xml_entity", "mã độc", 2)
    case("macros.xlsm", lambda: _xlsm(good), "doc.macros", "macro đã được bỏ qua", 0)
    case("long_note.xlsx", lambda: set_values(good, {}, {"3:3.1.1": "Ghi chú rất dài. " * 588}), "cell.long_note", "ký tự (đã giữ nguyên)", 0)
    case("huge_count.xlsx", lambda: v("3:3.1.1", 1e300), "cell.too_large", "quá lớn", 1)
    case("fraction.xlsx", lambda: v("3:3.1.1", "48/48"), "cell.fraction", "phân số", 1)
    case("thousands_as_decimal.xlsx", lambda: v("3:3.1.1", 1.234), "cell.thousands", "hãy gõ 1234", 1)
    case("not_a_number.xlsx", lambda: v("3:3.1.1", "khoảng 50 hồ sơ"), "cell.not_number", "không phải là một số", 1)
    case("formula_typed.xlsx", lambda: v("3:3.1.1", ("f", "SUM(100,200)", 300)), "cell.formula", "chứa công thức", 1)
    case("error_value.xlsx", lambda: v("3:3.1.1", ("e", "#DIV/0!")), "cell.error_value", "#DIV/0!", 1)
    case("date_value.xlsx", lambda: v("3:3.1.1", ("date", 44927)), "cell.date", "ngày tháng (01/01/2023)", 1)
    case("boolean.xlsx", lambda: v("3:3.1.1", True), "cell.boolean", "TRUE/FALSE", 1)
    case("overwritten_formula.xlsx", lambda: v("3:3.1", 99.5), "cell.overwritten", "gõ đè", 0)
    case("negative_count.xlsx", lambda: v("3:3.1.1", -5), "3-domain-3.1.1", "số âm", 1)
    case("text_number.xlsx", lambda: v("3:3.1.1", fmt_vn(filled_value("3:3.1.1"))), "cell.text_number", "chỉ gõ các chữ số, không gõ dấu chấm", 0)
    case("note_formula.xlsx", lambda: set_values(good, {}, {"3:3.1.1": "=> Số liệu lấy từ Hệ thống thông tin giải quyết TTHC"}),
         "cell.note_formula", "ghi chú bắt đầu bằng dấu “=”", 0)
    # Excel's owner file, renamed (no `~$`): recognised by its fixed layout, not called a text file.
    case("excel_owner_file.xlsx", lambda: _lock_file_bytes("Le Thi Hoa"), "doc.lock_file", "tệp khóa tạm của Excel", 2)
    return C


def main(out: Path = HERE) -> None:
    manifest = []
    for c in cases():
        data = c.pop("make")()
        (out / c["file"]).write_bytes(data)
        manifest.append(c)
        print(f"{c['file']:32s} {len(data):>8d} B  {c['rule']}")
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
