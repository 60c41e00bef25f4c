"""The sheets of TONG_HOP.xlsx about returns rather than figures: who sent what (status), the findings of
the checks, the units' notes, and where every number was read from (provenance, with the files' SHA-256).
"""

from __future__ import annotations

import datetime as _dt

from .model import Merged
from .sheet_rows import RowWriter
from .sheet_style import (
    OFFICIAL_CODE_HEADER,
    Formats,
    official_codes,
    row_pt,
    official_cell,
    with_official_column,
    write_table,
)


def write_status(ws, fm: Formats, merged: Merged, heading: str) -> None:
    """Who sent what: one row per unit and per file. Times as people write them (09/01/2023 08:30, a real
    date cell); file hashes live on the provenance sheet, not here."""
    ws.write_string(0, 0, "Tình hình nộp báo cáo", fm.title)
    ws.write_string(1, 0, heading, fm.subtitle)
    headers = ["STT", "Mã đơn vị", "Tên đơn vị", "Tình trạng", "Tệp", "Thời gian gửi (ghi trong bảng tính)",
               "Số lỗi", "Số cảnh báo", "Chi tiết", "Loại đơn vị", "Mã đơn vị hành chính"]
    ws.write_string(2, 0, kind_counts(merged), fm.subtitle)
    # Wide enough for a file name such as BC_CCHC_2026_P-QUANG-TRUNG.xlsx and a kind such as "Huyện, thị xã,
    # thành phố" on one line, narrow enough that the page (fit to its width) still prints a readable size.
    widths = [5, 18, 34, 16, 42, 16, 7, 9, 44, 20, 11]
    r = write_table(ws, fm, 3, headers, widths)
    by_code, codes = merged.registry.by_code, official_codes(merged.registry)
    out = RowWriter(ws)
    for n, st in enumerate(merged.status, start=1):
        unit = by_code.get(st.unit)
        out.row(r, [(n, fm.center), (st.unit, fm.cell), (st.name, fm.text), (st.status, fm.cell),
                    (st.file or "", fm.text), _when(st.sent_at, fm), (st.errors, fm.center),
                    (st.warnings, fm.center), (st.detail, fm.text),
                    (KIND_LABELS.get(unit.kind, unit.kind) if unit else "", fm.cell),
                    official_cell(codes, st.unit, fm)],
                height=row_pt((st.name, widths[2]), (st.file or "", widths[4]), (st.detail, widths[8])))
        r += 1
    out.done()
    if merged.status:
        ws.autofilter(3, 0, r - 1, len(headers) - 1)
    if merged.skipped:
        r += 1
        ws.write_string(r, 0, "Các tệp do chương trình tạo ra (không phải báo cáo của đơn vị), đã bỏ qua:", fm.subtitle)
        for rel, note in merged.skipped:
            r += 1
            ws.write_string(r, 1, rel, fm.plain)
            ws.write_string(r, 4, note, fm.plain)


def _when(iso: str | None, fm: Formats) -> tuple:
    """A time recorded as ISO text as a date cell shown dd/mm/yyyy hh:mm (literal slashes: any locale)."""
    if not iso:
        return None, fm.cell
    try:
        t = _dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso, fm.cell
    whole_day = (t.hour, t.minute, t.second) == (0, 0, 0)
    return t.replace(tzinfo=None), fm.date if whole_day else fm.datetime


#: Kinds of reporting unit as the status sheet groups them.
KIND_LABELS = {"tw": "Trung ương", "tinh": "Tỉnh, thành phố", "so": "Sở, ban, ngành",
               "huyen": "Huyện, thị xã, thành phố", "xa": "Xã, phường"}


def kind_counts(merged: Merged) -> str:
    """One line above the status table: per kind of unit, how many and how many in each status.

    With ~190 units (16 departments, 166 communes) the consolidator reads this line first; the rows below
    are in registry order, so each kind is one block, and the Loại đơn vị column filters them.
    """
    from collections import Counter

    by_code = merged.registry.by_code
    per: dict[str, Counter] = {}
    seen: set[str] = set()
    for st in merged.status:  # a unit's own line comes first; later lines are its extra files
        unit = by_code.get(st.unit)
        if unit is None or st.unit in seen:
            continue
        seen.add(st.unit)
        per.setdefault(unit.kind, Counter())[st.status] += 1
    parts = []
    for kind in ("tw", "tinh", "so", "huyen", "xa"):
        if kind in per:
            c = per[kind]
            detail = ", ".join(f"{c[s]} {s.lower()}" for s in sorted(c, key=lambda s: (-c[s], s)))
            parts.append(f"{KIND_LABELS[kind]}: {sum(c.values())} đơn vị ({detail})")
    return " · ".join(parts)


def write_findings(ws, fm: Formats, merged: Merged, output_name: str) -> None:
    """Every open finding; the rule id (for support) is column J, hidden. With a 2025+ registry the unit's
    official code follows it (a new last column, so that the hidden rule id keeps its place)."""
    ws.write_string(0, 0, "Kết quả kiểm tra", fm.title)
    headers = ["Đơn vị", "Tệp", "Biểu mẫu", "Mã chỉ tiêu", "Ô", "Mức độ", "Nội dung", "Giá trị đúng",
               "Giá trị đã nhập", "Mã quy tắc"]
    # Unit codes (X-MUONG-CHANH) and file names (BC_CCHC_2026_P-QUANG-TRUNG.xlsx) on one line: a file name
    # wrapped at its hyphens read as two names.
    widths = [18, 40, 9, 11, 18, 10, 62, 12, 12, 18]
    codes = official_codes(merged.registry)
    headers, widths = with_official_column(headers, widths, codes)
    r = write_table(ws, fm, 2, headers, widths, hidden=(9,))
    rows = [(f.unit or "", f, False) for f in merged.unit_findings]
    rows += [(merged.registry.top, f, True) for f in merged.provincial_findings]
    out = RowWriter(ws)
    for unit, f, provincial in rows:
        cells = [(unit, fm.cell), (f"(số tổng hợp) {output_name}" if provincial else f.file, fm.text),
                 (f.form, fm.center) if f.form is not None else (None, fm.cell),
                 (f.code or "", fm.cell), (f.cell or "", fm.cell), (f.severity, fm.cell), (f.message, fm.text)]
        for v in (f.expected, f.actual):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                cells.append((float(v), fm.figure("num", v, "decimal")))
            else:
                cells.append(("" if v is None else str(v), fm.cell))
        cells.append((f.rule, fm.cell))
        if codes:
            cells.append(official_cell(codes, merged.registry.top if provincial else f.unit, fm))
        out.row(r, cells, height=row_pt((f.message, widths[6]), (f.file, widths[1])))
        r += 1
    out.done()
    if r > 3:
        ws.autofilter(2, 0, r - 1, len(headers) - 1)


def write_unit_notes(ws, fm: Formats, merged: Merged) -> None:
    ws.write_string(0, 0, "Ghi chú của các đơn vị", fm.title)
    headers, widths = ["Đơn vị", "Biểu mẫu", "Mã chỉ tiêu", "Nội dung", "Ghi chú"], [16, 9, 11, 50, 70]
    codes = official_codes(merged.registry)
    headers, widths = with_official_column(headers, widths, codes)
    r = write_table(ws, fm, 2, headers, widths)
    inds = merged.catalog.value_indicators()
    out = RowWriter(ws)
    for u in merged.units:
        notes = merged.notes_by_unit.get(u, {})
        for ind in inds:
            note = notes.get(ind.key)
            if not note:
                continue
            cells = [(u, fm.cell), (ind.form, fm.center), (ind.code, fm.cell), (ind.label, fm.text), (note, fm.text)]
            if codes:
                cells.append(official_cell(codes, u, fm))
            out.row(r, cells, height=row_pt((ind.label, 50), (note, 70)))
            r += 1
    out.done()


def write_provenance(ws, fm: Formats, merged: Merged) -> None:
    """Every number taken from a return, grouped by unit and form: file, SHA-256 and the cells read."""
    ws.write_string(0, 0, "Nguồn số liệu: mỗi số liệu lấy từ ô nào của tệp nào", fm.title)
    headers = ["Đơn vị", "Tệp", "SHA-256", "Biểu mẫu", "Số chỉ tiêu", "Ô đã đọc (mã chỉ tiêu: ô)"]
    # Unit codes (X-MUONG-CHANH) and file names whole: the next cell is never empty, so they would be cut.
    widths = [18, 42, 66, 9, 10, 90]
    codes = official_codes(merged.registry)
    headers, widths = with_official_column(headers, widths, codes)
    r = write_table(ws, fm, 2, headers, widths)
    out = RowWriter(ws)
    forms = [(form, [(ind.code, ind.key) for ind in form.indicators if ind.has_value]) for form in merged.catalog.forms]
    for u in merged.units:
        src = merged.sources.get(u)
        if src is None:
            continue
        values, read = merged.by_unit.get(u, {}), src.cells
        for form, inds in forms:
            cells = [f"{code}: {read.get(key, '?')}" for code, key in inds if values.get(key) is not None]
            if not cells:
                continue
            text = "; ".join(cells)
            row = [(u, fm.cell), (src.file, fm.cell), (src.sha256, fm.cell), (form.number, fm.center),
                   (len(cells), fm.center), (text, fm.text)]
            if codes:
                row.append(official_cell(codes, u, fm))
            out.row(r, row, height=row_pt((text, widths[5])))
            r += 1
    # Every file received, with its SHA-256 (the status sheet names files; their fingerprints are here).
    files = [st for st in merged.status if st.file]
    if files:
        r += 1
        out.row(r, [("Mã SHA-256 của các tệp đã nhận", fm.title)])
        r += 1
        out.row(r, [(h, fm.header) for h in ["Đơn vị", "Tệp", "SHA-256", "Tình trạng"] + ([OFFICIAL_CODE_HEADER] if codes else [])])
        r += 1
        for st in files:
            row = [(st.unit, fm.cell), (st.file or "", fm.cell), (st.sha256 or "", fm.cell), (st.status, fm.text)]
            if codes:
                row.append(official_cell(codes, st.unit, fm))
            out.row(r, row, height=row_pt((st.status, widths[3])))
            r += 1
    out.done()
