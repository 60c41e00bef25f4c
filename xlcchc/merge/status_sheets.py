"""The sheets of TONG_HOP.xlsx about returns rather than figures: who sent what (status), the findings of
the checks, the units' notes, and where every number was read from (provenance, with the files' SHA-256).
"""

from __future__ import annotations

import datetime as _dt

from .model import Merged
from .sheet_style import (
    OFFICIAL_CODE_HEADER,
    Formats,
    official_codes,
    row_pt,
    with_official_column,
    write_official,
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
    for n, st in enumerate(merged.status, start=1):
        unit = by_code.get(st.unit)
        ws.set_row(r, row_pt((st.name, widths[2]), (st.file or "", widths[4]), (st.detail, widths[8])))
        ws.write_number(r, 0, n, fm.center)
        ws.write_string(r, 1, st.unit, fm.cell)
        ws.write_string(r, 2, st.name, fm.text)
        ws.write_string(r, 3, st.status, fm.cell)
        ws.write_string(r, 4, st.file or "", fm.text)
        _write_when(ws, r, 5, st.sent_at, fm)
        ws.write_number(r, 6, st.errors, fm.center)
        ws.write_number(r, 7, st.warnings, fm.center)
        ws.write_string(r, 8, st.detail, fm.text)
        ws.write_string(r, 9, KIND_LABELS.get(unit.kind, unit.kind) if unit else "", fm.cell)
        write_official(ws, r, 10, codes, st.unit, fm)
        r += 1
    if merged.status:
        ws.autofilter(3, 0, r - 1, len(headers) - 1)
    if merged.skipped:
        r += 1
        ws.write_string(r, 0, "Các tệp do chương trình tạo ra (không phải báo cáo của đơn vị), đã bỏ qua:", fm.subtitle)
        for rel, note in merged.skipped:
            r += 1
            ws.write_string(r, 1, rel, fm.plain)
            ws.write_string(r, 4, note, fm.plain)


def _write_when(ws, row: int, col: int, iso: str | None, fm: Formats) -> None:
    """A time recorded as ISO text as a date cell shown dd/mm/yyyy hh:mm (literal slashes: any locale)."""
    if not iso:
        ws.write_blank(row, col, None, fm.cell)
        return
    try:
        t = _dt.datetime.fromisoformat(iso)
    except ValueError:
        ws.write_string(row, col, iso, fm.cell)
        return
    whole_day = (t.hour, t.minute, t.second) == (0, 0, 0)
    ws.write_datetime(row, col, t.replace(tzinfo=None), fm.date if whole_day else fm.datetime)


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
    for unit, f, provincial in rows:
        ws.set_row(r, row_pt((f.message, widths[6]), (f.file, widths[1])))
        ws.write_string(r, 0, unit, fm.cell)
        ws.write_string(r, 1, f"(số tổng hợp) {output_name}" if provincial else f.file, fm.text)
        if f.form is not None:
            ws.write_number(r, 2, f.form, fm.center)
        else:
            ws.write_blank(r, 2, None, fm.cell)
        ws.write_string(r, 3, f.code or "", fm.cell)
        ws.write_string(r, 4, f.cell or "", fm.cell)
        ws.write_string(r, 5, f.severity, fm.cell)
        ws.write_string(r, 6, f.message, fm.text)
        for c, v in ((7, f.expected), (8, f.actual)):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                ws.write_number(r, c, float(v), fm.figure("num", v, "decimal"))
            else:
                ws.write_string(r, c, "" if v is None else str(v), fm.cell)
        ws.write_string(r, 9, f.rule, fm.cell)
        if codes:
            write_official(ws, r, 10, codes, merged.registry.top if provincial else f.unit, fm)
        r += 1
    if r > 3:
        ws.autofilter(2, 0, r - 1, len(headers) - 1)


def write_unit_notes(ws, fm: Formats, merged: Merged) -> None:
    ws.write_string(0, 0, "Ghi chú của các đơn vị", fm.title)
    headers, widths = ["Đơn vị", "Biểu mẫu", "Mã chỉ tiêu", "Nội dung", "Ghi chú"], [16, 9, 11, 50, 70]
    codes = official_codes(merged.registry)
    headers, widths = with_official_column(headers, widths, codes)
    r = write_table(ws, fm, 2, headers, widths)
    inds = merged.catalog.value_indicators()
    for u in merged.units:
        notes = merged.notes_by_unit.get(u, {})
        for ind in inds:
            note = notes.get(ind.key)
            if not note:
                continue
            ws.set_row(r, row_pt((ind.label, 50), (note, 70)))
            ws.write_string(r, 0, u, fm.cell)
            ws.write_number(r, 1, ind.form, fm.center)
            ws.write_string(r, 2, ind.code, fm.cell)
            ws.write_string(r, 3, ind.label, fm.text)
            ws.write_string(r, 4, note, fm.text)
            if codes:
                write_official(ws, r, 5, codes, u, fm)
            r += 1


def write_provenance(ws, fm: Formats, merged: Merged) -> None:
    """Every number taken from a return, grouped by unit and form: file, SHA-256 and the cells read."""
    ws.write_string(0, 0, "Nguồn số liệu: mỗi số liệu lấy từ ô nào của tệp nào", fm.title)
    headers = ["Đơn vị", "Tệp", "SHA-256", "Biểu mẫu", "Số chỉ tiêu", "Ô đã đọc (mã chỉ tiêu: ô)"]
    # Unit codes (X-MUONG-CHANH) and file names whole: the next cell is never empty, so they would be cut.
    widths = [18, 42, 66, 9, 10, 90]
    codes = official_codes(merged.registry)
    headers, widths = with_official_column(headers, widths, codes)
    r = write_table(ws, fm, 2, headers, widths)
    for u in merged.units:
        src = merged.sources.get(u)
        if src is None:
            continue
        values = merged.by_unit.get(u, {})
        for form in merged.catalog.forms:
            cells = [
                f"{ind.code}: {src.cells.get(ind.key, '?')}"
                for ind in form.indicators
                if ind.has_value and values.get(ind.key) is not None
            ]
            if not cells:
                continue
            ws.set_row(r, row_pt(("; ".join(cells), widths[5])))
            ws.write_string(r, 0, u, fm.cell)
            ws.write_string(r, 1, src.file, fm.cell)
            ws.write_string(r, 2, src.sha256, fm.cell)
            ws.write_number(r, 3, form.number, fm.center)
            ws.write_number(r, 4, len(cells), fm.center)
            ws.write_string(r, 5, "; ".join(cells), fm.text)
            if codes:
                write_official(ws, r, 6, codes, u, fm)
            r += 1
    # Every file received, with its SHA-256 (the status sheet names files; their fingerprints are here).
    files = [st for st in merged.status if st.file]
    if files:
        r += 1
        ws.write_string(r, 0, "Mã SHA-256 của các tệp đã nhận", fm.title)
        r += 1
        for c, h in enumerate(["Đơn vị", "Tệp", "SHA-256", "Tình trạng"] + ([OFFICIAL_CODE_HEADER] if codes else [])):
            ws.write_string(r, c, h, fm.header)
        r += 1
        for st in files:
            ws.write_string(r, 0, st.unit, fm.cell)
            ws.write_string(r, 1, st.file or "", fm.cell)
            ws.write_string(r, 2, st.sha256 or "", fm.cell)
            ws.set_row(r, row_pt((st.status, widths[3])))
            ws.write_string(r, 3, st.status, fm.text)
            if codes:
                write_official(ws, r, 4, codes, st.unit, fm)
            r += 1
