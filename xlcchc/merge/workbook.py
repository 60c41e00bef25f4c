"""Write the provincial workbook (TONG_HOP.xlsx): figures, adjustments, status, findings, provenance.

The consolidator works in this file: every consolidated figure is a formula over the per-unit columns
on its row (or over the final figures of the rows it is made from), so a click on a cell shows where a
number comes from, and the computed value is stored with it for readers that do not recalculate. The
only cells the consolidator may type in are the adjustment and reason columns; `read_provincial` reads
those by name and recomputes everything else, so a stale cached value can never reach the appendix.

Written with xlsxwriter in constant-memory mode (row by row: memory does not grow with the number of
units beyond one row), to a temporary file replaced atomically, with a fixed creation date so that the
same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections import Counter
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from ..fileio import atomic_path, private_tmpdir
from ..catalog.models import Catalog, Indicator, Registry
from ..layout import META_SHEET, form_sheet, meta_name
from ..provincial import Value
from ..formulas import shown_formula_text
from ..numformat import PERCENT_FORMAT, WHOLE_FORMAT, input_format, number_format
from .aggregate import contributors, number, per_unit_ratio, sum_rule_terms
from .model import (
    PROVINCIAL_FORMAT,
    PROVINCIAL_KIND,
    Merged,
    adjustment_name,
    computed_name,
    final_name,
    note_name,
    reason_name,
)

FIXED_CREATED = _dt.datetime(2000, 1, 1)

DASHBOARD_SHEET = "Tổng quan"
STATUS_SHEET = "Tình hình nộp"
ADJUST_SHEET = "Điều chỉnh"
FINDINGS_SHEET = "Kết quả kiểm tra"
UNIT_NOTES_SHEET = "Ghi chú đơn vị"
PROVENANCE_SHEET = "Nguồn số liệu"

# Columns of a form sheet (0-based). Per-unit columns start at UNIT_COL.
COL_STT, COL_LABEL, COL_UNIT, COL_METHOD, COL_COMPUTED, COL_ADJ, COL_REASON, COL_FINAL, COL_NOTE = range(9)
UNIT_COL = 9
HEADER_ROW = 4  # the row with column titles and unit codes; data start below
FIRST_ROW = HEADER_ROW + 1

#: Metadata values longer than this are split over several rows (`key#0`, `key#1`, …): a cell holds 32,767.
CHUNK = 30000

#: What the consolidator may type, said on every form sheet and on the adjustments sheet (and in the guide).
ADJUST_HELP = (
    "Cột Điều chỉnh (ô nền vàng) là chỗ duy nhất được nhập: gõ số đúng khi cần thay Số tổng hợp (ví dụ số đã "
    "được cơ quan thống kê xác nhận), và ghi lý do vào cột Lý do điều chỉnh ngay bên cạnh. Số liệu sử dụng = "
    "số điều chỉnh nếu có, nếu không = Số tổng hợp; Phụ lục in Số liệu sử dụng. Tổng hợp lại vào chính tệp này "
    "thì các số điều chỉnh và lý do được giữ nguyên; muốn bỏ một điều chỉnh, xóa ô đó."
)

KIND_WORDS = {"tinh": "tỉnh", "so": "sở, ngành", "huyen": "UBND cấp huyện", "xa": "UBND cấp xã"}


def write_provincial(merged: Merged, output: Path | str) -> Path:
    """Write TONG_HOP.xlsx atomically: a crash or a locked file never leaves a half-written output."""
    output = Path(output)
    with private_tmpdir() as work, atomic_path(output, suffix=".xlsx") as tmp:  # both removed even on failure
        _write(merged, tmp, output.name, work)
    return output


class _Formats:
    """Cell formats of TONG_HOP.xlsx. Figures take the locale-proof formats of `numformat`: a figure
    whose value is known when the file is written prints exactly as in the appendix (1.768, 99,99) on
    any machine; a cell typed later (an adjustment) takes the format of its kind."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self.base = {"font_name": "Times New Roman", "font_size": 11, "valign": "vcenter"}
        self._cache: dict[tuple, object] = {}
        self._figures: dict[tuple, object] = {}  # (style, value, kind) → format: 190 units × 150 rows
        f = self.make

        self.title = f(bold=True, font_size=13)
        self.subtitle = f(italic=True)
        self.note = f(italic=True, text_wrap=True, valign="top")
        self.header = f(bold=True, border=1, align="center", text_wrap=True, bg_color="#D9E1F2")
        self.text = f(border=1, text_wrap=True)
        self.heading = f(border=1, text_wrap=True, bold=True)
        self.center = f(border=1, align="center")
        self.num = f(border=1, num_format=WHOLE_FORMAT)
        self.pct = f(border=1, num_format=PERCENT_FORMAT)
        self.final = f(border=1, bold=True, bg_color="#E2EFDA")
        self.adj = f(border=1, locked=False, bg_color="#FFF2CC")
        self.adj_text = f(border=1, locked=False, bg_color="#FFF2CC", text_wrap=True)
        self.cell = f(border=1)
        self.plain = f()
        self.date = f(border=1, align="center", num_format='dd"/"mm"/"yyyy')
        self.datetime = f(border=1, align="center", num_format='dd"/"mm"/"yyyy hh":"mm')

    def make(self, **kw):
        key = tuple(sorted(kw.items()))
        fmt = self._cache.get(key)
        if fmt is None:
            fmt = self._cache[key] = self.wb.add_format({**self.base, **kw})
        return fmt

    _STYLES = {
        "num": {"border": 1},
        "final": {"border": 1, "bold": True, "bg_color": "#E2EFDA"},
        "adj": {"border": 1, "locked": False, "bg_color": "#FFF2CC"},
    }

    def figure(self, style: str, value, kind: str):
        """The format of a figure of `kind` holding `value` (None: typed later, or not known)."""
        n = number(value) if value is not None and value != "" else None
        key = (style, n, kind)
        fmt = self._figures.get(key)
        if fmt is not None:
            return fmt
        if n is not None:
            numfmt = number_format(float(n), 2 if kind == "percent" else None)
        else:
            numfmt = input_format(kind) if kind != "text" else "General"
        fmt = self._figures[key] = self.make(**self._STYLES[style], num_format=numfmt)
        return fmt


def _write_value(ws, row: int, col: int, value: Value, fmt) -> None:
    """Numbers as numbers, text as text: never a formula or a hyperlink from a unit's text."""
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        ws.write_string(row, col, value, fmt)
    else:
        ws.write_number(row, col, float(value), fmt)


def _cached(value: Value):
    if value is None:
        return ""
    n = number(value)
    return n if n is not None else str(value)


def method_text(catalog: Catalog, registry: Registry, ind: Indicator, terms: dict[str, list[str]]) -> str:
    agg = ind.aggregate

    def who() -> str:
        return ", ".join(KIND_WORDS.get(b, registry.label(b, short=True)) for b in agg.filled_by)

    def ref(key: str) -> str:
        form, code = key.split(":", 1)
        return code if int(form) == ind.form else f"{code} (BM {form})"

    if agg.method == "sum":
        return f"Cộng số của {who()}" + "".join(f" + mục {ref(p)}" for p in agg.plus)
    if agg.method == "total":
        return "Tổng " + " + ".join(ref(t) for t in terms.get(ind.key, []))
    if agg.method == "ratio":
        return f"Tỷ lệ {ref(agg.numerator or '')} / {ref(agg.denominator or '')} × 100"
    if agg.method in ("plan_tasks", "plan_done"):
        return ("Số nhiệm vụ của kế hoạch (trang Kế hoạch)" if agg.method == "plan_tasks"
                else "Số nhiệm vụ mọi đơn vị chủ trì đã hoàn thành (trang Kế hoạch)") + \
            f"; kỳ không có kế hoạch: số của {registry.label(agg.lead or '', short=True)}"
    if agg.method == "lead":
        return f"Số của {registry.label(agg.lead or '', short=True)}"
    if agg.method == "share_yes":
        return f"Tỷ lệ {who()} trả lời Có"
    return "Nhập khi tổng hợp (cột Điều chỉnh)"


def _ranges(cols: list[int], row: int) -> list[str]:
    """Contiguous runs of columns on one row as A1 ranges, so a formula stays short with 600 units."""
    out: list[str] = []
    cols = sorted(cols)
    i = 0
    while i < len(cols):
        j = i
        while j + 1 < len(cols) and cols[j + 1] == cols[j] + 1:
            j += 1
        a, b = xl_rowcol_to_cell(row, cols[i]), xl_rowcol_to_cell(row, cols[j])
        out.append(a if i == j else f"{a}:{b}")
        i = j + 1
    return out


def _final_ref(catalog: Catalog, home_form: int, key: str, rows: dict[str, int]) -> str:
    form = int(key.split(":", 1)[0])
    cell = xl_rowcol_to_cell(rows[key], COL_FINAL, row_abs=True, col_abs=True)
    return cell if form == home_form else f"'{form_sheet(form)}'!{cell}"


def _formula(
    merged: Merged, ind: Indicator, row: int, rows: dict[str, int], unit_cols: dict[str, int], terms
) -> str | None:
    """The Excel formula of the computed figure; the same rule as `aggregate`, for people to trace."""
    agg = ind.aggregate
    if agg.method in ("sum", "share_yes"):
        cols = [unit_cols[c] for c in contributors(merged.catalog, merged.registry, ind, merged.units)]
        if not cols:
            return None
        rngs = ",".join(_ranges(cols, row))
        if agg.method == "sum":
            plus = "".join("," + _final_ref(merged.catalog, ind.form, p, rows) for p in agg.plus if p in rows)
            return f'=IF(COUNT({rngs}{plus})=0,"",SUM({rngs}{plus}))'
        parts = _ranges(cols, row)
        yes = "+".join(f"COUNTIF({r},1)" for r in parts)
        no = "+".join(f"COUNTIF({r},0)" for r in parts)
        return f'=IF(({yes})+({no})=0,"",{shown_formula_text(f"({yes})", f"(({yes})+({no}))")})'
    if agg.method in ("plan_tasks", "plan_done") and merged.plan is not None:
        return None  # counted from the plan sheet's tasks; the value is written as computed
    if agg.lead_like:
        col = unit_cols.get(agg.lead or "")
        if col is None:
            return None
        c = xl_rowcol_to_cell(row, col)
        return f'=IF(ISBLANK({c}),"",{c})'
    if agg.method == "total":
        refs = [_final_ref(merged.catalog, ind.form, t, rows) for t in terms.get(ind.key, []) if t in rows]
        if not refs:
            return None
        r = ",".join(refs)
        return f'=IF(COUNT({r})=0,"",SUM({r}))'
    if agg.method == "ratio":
        if agg.numerator not in rows or agg.denominator not in rows:
            return None
        n = _final_ref(merged.catalog, ind.form, agg.numerator, rows)
        d = _final_ref(merged.catalog, ind.form, agg.denominator, rows)
        return f'=IF(OR(COUNT({n})=0,N({d})=0),"",{shown_formula_text(n, d)})'
    return None


def _write(merged: Merged, path: Path, output_name: str, tmpdir: str | None = None) -> None:
    wb = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False, "constant_memory": True,
         "tmpdir": tmpdir},  # xlsxwriter's own work files hold unit data: a private folder
    )
    wb.set_properties(
        {"title": "Tổng hợp số liệu CCHC", "author": "xlcchc", "created": FIXED_CREATED, "comments": merged.period}
    )
    wb.set_calc_mode("auto")
    fm = _Formats(wb)
    catalog, registry = merged.catalog, merged.registry
    terms = sum_rule_terms(catalog)
    unit_cols = {u: UNIT_COL + i for i, u in enumerate(merged.units)}

    # Row of every indicator on its form sheet: formulas reference rows of other forms.
    rows: dict[str, int] = {}
    for form in catalog.forms:
        for i, ind in enumerate(form.indicators):
            rows[ind.key] = FIRST_ROW + i

    dashboard = wb.add_worksheet(DASHBOARD_SHEET)
    status_ws = wb.add_worksheet(STATUS_SHEET)
    form_ws = {f.number: wb.add_worksheet(form_sheet(f.number)) for f in catalog.forms}
    adjust_ws = wb.add_worksheet(ADJUST_SHEET)
    findings_ws = wb.add_worksheet(FINDINGS_SHEET)
    notes_ws = wb.add_worksheet(UNIT_NOTES_SHEET)
    prov_ws = wb.add_worksheet(PROVENANCE_SHEET)
    if merged.plan is not None:  # the plan's tasks × lead units, and the follow-up list (xlcchc.merge.plan_sheet)
        from .plan_sheet import FOLLOW_UP_SHEET, PLAN_SHEET, write_follow_up, write_plan_sheet

        plan_ws, follow_ws = wb.add_worksheet(PLAN_SHEET), wb.add_worksheet(FOLLOW_UP_SHEET)
    meta_ws = wb.add_worksheet(META_SHEET)

    top = registry.by_code.get(registry.top)
    heading = f"{top.name if top else registry.top} — {merged.period_label}"

    for form in catalog.forms:
        _write_form(wb, form_ws[form.number], fm, merged, form, rows, unit_cols, terms, heading)
    _write_status(status_ws, fm, merged, heading)
    _write_adjustments(adjust_ws, fm, merged)
    _write_findings(findings_ws, fm, merged, output_name)
    _write_unit_notes(notes_ws, fm, merged)
    _write_provenance(prov_ws, fm, merged)
    if merged.plan is not None:
        write_plan_sheet(plan_ws, fm, merged.plan, registry, heading)
        write_follow_up(follow_ws, fm, merged.plan, registry, heading)
    _write_dashboard(wb, dashboard, fm, merged, heading)
    _write_meta(wb, meta_ws, merged)
    dashboard.activate()
    _print_areas(wb)
    wb.close()


def _write_form(wb, ws, fm: _Formats, merged: Merged, form, rows, unit_cols, terms, heading: str) -> None:
    catalog, registry = merged.catalog, merged.registry
    kinds = {u: (registry.by_code[u].kind if u in registry.by_code else "") for u in unit_cols}
    ws.write_string(0, 0, f"Biểu mẫu {form.number}. {form.title}", fm.title)
    ws.write_string(1, 0, heading, fm.subtitle)
    ws.merge_range(2, 0, 2, COL_NOTE, ADJUST_HELP, fm.note)
    ws.set_row(2, 44)
    # Row 3: unit names above their codes.
    for u, col in unit_cols.items():
        ws.write_string(3, col, registry.label(u, short=True), fm.header)
    headers = ["STT", "Nội dung", "Đơn vị tính", "Cách tổng hợp", "Số tổng hợp", "Điều chỉnh", "Lý do điều chỉnh",
               "Số liệu sử dụng", "Ghi chú"]
    for c, h in enumerate(headers):
        ws.write_string(HEADER_ROW, c, h, fm.header)
    for u, col in unit_cols.items():
        ws.write_string(HEADER_ROW, col, u, fm.header)

    for ind in form.indicators:
        r = rows[ind.key]
        ws.write_string(r, COL_STT, ind.printed_stt, fm.center)
        ws.write_string(r, COL_LABEL, ind.label, fm.heading if not ind.has_value else fm.text)
        ws.write_string(r, COL_UNIT, ind.unit, fm.center)
        if not ind.has_value:
            for c in range(COL_METHOD, COL_NOTE + 1):
                ws.write_blank(r, c, None, fm.cell)
            continue
        ws.write_string(r, COL_METHOD, method_text(catalog, registry, ind, terms), fm.text)
        computed = merged.computed.get(ind.key)
        formula = _formula(merged, ind, r, rows, unit_cols, terms)
        if formula:
            ws.write_formula(r, COL_COMPUTED, formula, fm.figure("num", computed, ind.kind), _cached(computed))
        else:
            _write_value(ws, r, COL_COMPUTED, computed, fm.figure("num", computed, ind.kind))
        adj_value, adj_reason = merged.adjustments.get(ind.key, (None, ""))
        _write_value(ws, r, COL_ADJ, adj_value, fm.figure("adj", adj_value, ind.kind))
        ws.write_string(r, COL_REASON, adj_reason or "", fm.adj_text)
        e = xl_rowcol_to_cell(r, COL_COMPUTED)
        a = xl_rowcol_to_cell(r, COL_ADJ)
        final = merged.final.get(ind.key)
        ws.write_formula(r, COL_FINAL, f'=IF({a}="",{e},{a})', fm.figure("final", final, ind.kind), _cached(final))
        ws.write_string(r, COL_NOTE, merged.notes.get(ind.key, ""), fm.text)
        for u, col in unit_cols.items():
            v = merged.by_unit.get(u, {}).get(ind.key)
            if v is not None:
                _write_value(ws, r, col, v, fm.figure("num", v, ind.unit_kind_of_value(kinds.get(u, ""))))
        sheet = form_sheet(form.number)
        for name, col in (
            (final_name(form.number, ind.code), COL_FINAL),
            (computed_name(form.number, ind.code), COL_COMPUTED),
            (adjustment_name(form.number, ind.code), COL_ADJ),
            (reason_name(form.number, ind.code), COL_REASON),
            (note_name(form.number, ind.code), COL_NOTE),
        ):
            wb.define_name(name, f"='{sheet}'!{xl_rowcol_to_cell(r, col, row_abs=True, col_abs=True)}")

    ws.set_column(COL_STT, COL_STT, 7)
    ws.set_column(COL_LABEL, COL_LABEL, 48)
    ws.set_column(COL_UNIT, COL_UNIT, 11)
    ws.set_column(COL_METHOD, COL_METHOD, 22)
    ws.set_column(COL_COMPUTED, COL_ADJ, 13)
    ws.set_column(COL_REASON, COL_REASON, 26)
    ws.set_column(COL_FINAL, COL_FINAL, 14)
    ws.set_column(COL_NOTE, COL_NOTE, 30)
    if unit_cols:
        ws.set_column(UNIT_COL, UNIT_COL + len(unit_cols) - 1, 11)
    ws.freeze_panes(FIRST_ROW, COL_UNIT)
    # Printed: the consolidated figures (columns A–I); each unit's figures are the appendix's by-unit annex.
    _print_setup(ws, repeat=(HEADER_ROW, HEADER_ROW), last_col=COL_NOTE)
    ws.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True,
                    "select_unlocked_cells": True, "autofilter": True})


def _row_pt(*cells: tuple[str, float], bold: bool = False) -> float:
    """The height (pt) of a row of wrapped cells (text, column width in characters), estimated: in
    constant-memory mode a row is final once written, and no spreadsheet sizes a generated row itself."""
    per = 1.05 if bold else 1.2  # Times New Roman 11: characters per unit of column width
    lines = max((sum(-(-max(len(part), 1) // max(int(w * per), 1)) for part in str(t).split("\n")) for t, w in cells if t),
                default=1)
    return 15.0 * max(lines, 1) + 2


def _write_table(ws, fm: _Formats, start_row: int, headers: list[str], widths: list[int], *, hidden=()) -> int:
    """Header row of a sheet's table: frozen, repeated on every printed page; `hidden` columns (ids kept for
    support, such as rule ids) are not shown or printed."""
    ws.set_row(start_row, _row_pt(*zip(headers, widths), bold=True))
    for c, (h, w) in enumerate(zip(headers, widths)):
        ws.write_string(start_row, c, h, fm.header)
        ws.set_column(c, c, w, None, {"hidden": True} if c in hidden else None)
    ws.freeze_panes(start_row + 1, 0)
    _print_setup(ws, repeat=(start_row, start_row), last_col=len(headers) - 1 - sum(1 for c in hidden if c == len(headers) - 1))
    return start_row + 1


#: TONG_HOP.xlsx prints as a working document: A4 landscape, 1.5 cm margins, page numbers.
_CM = 1 / 2.54


def _print_setup(ws, *, repeat: tuple[int, int] | None, last_col: int | None = None, landscape: bool = True,
                 scale: int | None = None) -> None:
    """A4, one page wide (unless `scale` is given: then manual page breaks are honoured), header rows
    repeated on every page, the sheet's name and the page number in the footer."""
    ws.set_paper(9)
    ws.set_landscape() if landscape else ws.set_portrait()
    ws.set_margins(left=1.5 * _CM, right=1.5 * _CM, top=1.5 * _CM, bottom=1.5 * _CM)
    ws.set_footer('&L&"Times New Roman,Italic"&9&A&R&"Times New Roman,Regular"&9Trang &P/&N')
    if repeat is not None:
        ws.repeat_rows(*repeat)
    if scale is not None:
        ws.set_print_scale(scale)
    else:
        ws.fit_to_pages(1, 0)
    ws.xlcchc_print_cols = last_col  # the print area is set when the sheet is complete (`_print_areas`)


def _print_areas(wb) -> None:
    """Print areas over the written rows only (a whole-column area is not understood by every reader)."""
    for ws in wb.worksheets():
        last_col = getattr(ws, "xlcchc_print_cols", None)
        if last_col is not None and ws.dim_rowmax is not None:
            ws.print_area(0, 0, ws.dim_rowmax, last_col)


def _write_status(ws, fm: _Formats, merged: Merged, heading: str) -> None:
    """Who sent what: one row per unit and per file. Times as people write them (09/01/2023 08:30, a real
    date cell); file hashes live on the provenance sheet, not here."""
    ws.write_string(0, 0, "Tình hình nộp báo cáo", fm.title)
    ws.write_string(1, 0, heading, fm.subtitle)
    headers = ["STT", "Mã đơn vị", "Tên đơn vị", "Tình trạng", "Tệp", "Thời gian gửi (ghi trong bảng tính)",
               "Số lỗi", "Số cảnh báo", "Chi tiết", "Loại đơn vị", "Mã đơn vị hành chính"]
    ws.write_string(2, 0, kind_counts(merged), fm.subtitle)
    r = _write_table(ws, fm, 3, headers, [6, 16, 40, 18, 34, 18, 8, 10, 60, 18, 12])
    by_code = merged.registry.by_code
    for n, st in enumerate(merged.status, start=1):
        unit = by_code.get(st.unit)
        ws.set_row(r, _row_pt((st.name, 40), (st.file or "", 34), (st.detail, 60)))
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
        if unit is not None and unit.official_code is not None:
            ws.write_number(r, 10, unit.official_code, fm.center)
        else:
            ws.write_blank(r, 10, None, fm.cell)
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


def _write_when(ws, row: int, col: int, iso: str | None, fm: _Formats) -> None:
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


def _write_adjustments(ws, fm: _Formats, merged: Merged) -> None:
    ws.write_string(0, 0, "Các số liệu đã điều chỉnh khi tổng hợp", fm.title)
    ws.merge_range(1, 0, 1, 5, ADJUST_HELP + " Trang này chỉ liệt kê (không nhập ở đây): nhập ở trang Biểu mẫu.", fm.note)
    ws.set_row(1, 58)
    headers = ["Biểu mẫu", "Mã chỉ tiêu", "Nội dung", "Số tổng hợp", "Số điều chỉnh", "Lý do"]
    r = _write_table(ws, fm, 2, headers, [10, 12, 50, 14, 14, 50])
    for ind in merged.catalog.value_indicators():
        if ind.key not in merged.adjustments:
            continue
        value, reason = merged.adjustments[ind.key]
        ws.write_number(r, 0, ind.form, fm.center)
        ws.write_string(r, 1, ind.code, fm.cell)
        ws.write_string(r, 2, ind.label, fm.text)
        _write_value(ws, r, 3, merged.computed.get(ind.key), fm.figure("num", merged.computed.get(ind.key), ind.kind))
        _write_value(ws, r, 4, value, fm.figure("num", value, ind.kind))
        ws.write_string(r, 5, reason or "", fm.text)
        r += 1


def _write_findings(ws, fm: _Formats, merged: Merged, output_name: str) -> None:
    """Every open finding; the rule id (for support) is the last column, hidden."""
    ws.write_string(0, 0, "Kết quả kiểm tra", fm.title)
    headers = ["Đơn vị", "Tệp", "Biểu mẫu", "Mã chỉ tiêu", "Ô", "Mức độ", "Nội dung", "Giá trị đúng",
               "Giá trị đã nhập", "Mã quy tắc"]
    r = _write_table(ws, fm, 2, headers, [16, 30, 9, 11, 18, 10, 70, 14, 14, 18], hidden=(9,))
    rows = [(f.unit or "", f, False) for f in merged.unit_findings]
    rows += [(merged.registry.top, f, True) for f in merged.provincial_findings]
    for unit, f, provincial in rows:
        ws.set_row(r, _row_pt((f.message, 70), (f.file, 30)))
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
        r += 1
    if r > 3:
        ws.autofilter(2, 0, r - 1, len(headers) - 1)


def _write_unit_notes(ws, fm: _Formats, merged: Merged) -> None:
    ws.write_string(0, 0, "Ghi chú của các đơn vị", fm.title)
    headers = ["Đơn vị", "Biểu mẫu", "Mã chỉ tiêu", "Nội dung", "Ghi chú"]
    r = _write_table(ws, fm, 2, headers, [16, 9, 11, 50, 70])
    inds = merged.catalog.value_indicators()
    for u in merged.units:
        notes = merged.notes_by_unit.get(u, {})
        for ind in inds:
            note = notes.get(ind.key)
            if not note:
                continue
            ws.set_row(r, _row_pt((ind.label, 50), (note, 70)))
            ws.write_string(r, 0, u, fm.cell)
            ws.write_number(r, 1, ind.form, fm.center)
            ws.write_string(r, 2, ind.code, fm.cell)
            ws.write_string(r, 3, ind.label, fm.text)
            ws.write_string(r, 4, note, fm.text)
            r += 1


def _write_provenance(ws, fm: _Formats, merged: Merged) -> None:
    """Every number taken from a return, grouped by unit and form: file, SHA-256 and the cells read."""
    ws.write_string(0, 0, "Nguồn số liệu: mỗi số liệu lấy từ ô nào của tệp nào", fm.title)
    headers = ["Đơn vị", "Tệp", "SHA-256", "Biểu mẫu", "Số chỉ tiêu", "Ô đã đọc (mã chỉ tiêu: ô)"]
    r = _write_table(ws, fm, 2, headers, [16, 34, 66, 9, 10, 90])
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
            ws.write_string(r, 0, u, fm.cell)
            ws.write_string(r, 1, src.file, fm.cell)
            ws.write_string(r, 2, src.sha256, fm.cell)
            ws.write_number(r, 3, form.number, fm.center)
            ws.write_number(r, 4, len(cells), fm.center)
            ws.write_string(r, 5, "; ".join(cells), fm.text)
            r += 1
    # Every file received, with its SHA-256 (the status sheet names files; their fingerprints are here).
    files = [st for st in merged.status if st.file]
    if files:
        r += 1
        ws.write_string(r, 0, "Mã SHA-256 của các tệp đã nhận", fm.title)
        r += 1
        for c, h in enumerate(["Đơn vị", "Tệp", "SHA-256", "Tình trạng"]):
            ws.write_string(r, c, h, fm.header)
        r += 1
        for st in files:
            ws.write_string(r, 0, st.unit, fm.cell)
            ws.write_string(r, 1, st.file or "", fm.cell)
            ws.write_string(r, 2, st.sha256 or "", fm.cell)
            ws.write_string(r, 3, st.status, fm.cell)
            r += 1


def _write_dashboard(wb, ws, fm: _Formats, merged: Merged, heading: str) -> None:
    """Native charts: submission status, and each unit's own rate for ratio rows summed over units.

    Cells are gathered first and written in row order: in constant-memory mode a row once left is final.
    """
    grid: dict[tuple[int, int], tuple[object, object]] = {}
    grid[(0, 0)] = ("Tổng quan tổng hợp", fm.title)
    grid[(1, 0)] = (heading, fm.subtitle)
    # Every row of the status sheet counts: an unusable file has no unit code but is still "Không hợp lệ".
    counts = Counter(st.status for st in merged.status)
    order = ["Đã nộp", "Có lỗi", "Chưa nộp", "Chưa nhập số liệu", "Không hợp lệ", "Trùng", "Sai kỳ báo cáo"]
    grid[(3, 0)] = ("Tình trạng", fm.header)
    grid[(3, 1)] = ("Số đơn vị / tệp", fm.header)
    ws.set_column(1, 1, 16)
    for i, s in enumerate(order):
        grid[(4 + i, 0)] = (s, fm.cell)
        grid[(4 + i, 1)] = (float(counts.get(s, 0)), fm.center)
    ws.set_column(0, 0, 24)
    charts = []
    chart = wb.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": "Tình hình nộp",
            "categories": [DASHBOARD_SHEET, 4, 0, 4 + len(order) - 1, 0],
            "values": [DASHBOARD_SHEET, 4, 1, 4 + len(order) - 1, 1],
            "data_labels": {"value": True},
        }
    )
    chart.set_title({"name": "Tình hình nộp báo cáo"})
    chart.set_legend({"none": True})
    charts.append((3, 3, chart, {"x_scale": 1.3, "y_scale": 1.1}))

    # Ratio rows whose numerator and denominator are summed over units: each unit's own rate.
    catalog, registry = merged.catalog, merged.registry
    col, y_offset = 12, 0
    for ind in catalog.value_indicators():
        agg = ind.aggregate
        if agg.method != "ratio":
            continue
        num = catalog.indicators.get(agg.numerator or "")
        den = catalog.indicators.get(agg.denominator or "")
        if not (num and den and num.aggregate.method == "sum" and den.aggregate.method == "sum"):
            continue
        rates = []
        for u in contributors(catalog, registry, den, merged.units):
            rate = per_unit_ratio(merged.by_unit.get(u, {}), ind)
            if rate is not None:
                rates.append((u, rate))
        if not rates:
            continue
        grid[(3, col)] = (f"{ind.code} (BM {ind.form})", fm.header)
        grid[(3, col + 1)] = ("Tỷ lệ (%)", fm.header)
        for i, (u, rate) in enumerate(rates):
            grid[(4 + i, col)] = (registry.label(u, short=True), fm.cell)
            grid[(4 + i, col + 1)] = (rate, fm.pct)
        ws.set_column(col, col, 22)
        ch = wb.add_chart({"type": "bar"})
        ch.add_series(
            {
                "name": ind.label[:80],
                "categories": [DASHBOARD_SHEET, 4, col, 3 + len(rates), col],
                "values": [DASHBOARD_SHEET, 4, col + 1, 3 + len(rates), col + 1],
            }
        )
        ch.set_title({"name": f"{ind.label[:70]} — theo đơn vị", "name_font": {"size": 10}})
        ch.set_legend({"none": True})
        ch.set_x_axis({"min": 0, "max": 100})
        height = min(max(300, 16 * len(rates) + 80), CHART_MAX_PX)  # a chart never taller than a printed page
        ch.set_size({"width": 560, "height": height})
        charts.append((22, 3, ch, {"y_offset": y_offset}))
        y_offset += height + 20
        col += 3
    if len(merged.trend) >= 2:
        charts = _trend_chart(wb, grid, fm, merged, col, charts)
    _plan_targets(grid, fm, merged, 4 + len(order) + 1)
    for (r, c) in sorted(grid):
        value, fmt = grid[(r, c)]
        _write_value(ws, r, c, value, fmt)
    charts = _charts_on_pages(ws, charts)
    for r, c, ch, opts in charts:
        ws.insert_chart(r, c, ch, opts)


#: The dashboard prints at this scale (its charts are 730 px wide beside a 300 px table: one landscape page
#: wide), with a page break before any chart that would otherwise be cut in two.
DASHBOARD_SCALE = 85
_ROW_PX = 20  # default row height (15 pt)
_PAGE_ROWS = int((21.0 - 3.0) / 2.54 * 96 / (DASHBOARD_SCALE / 100) / _ROW_PX) - 1
CHART_MAX_PX = (_PAGE_ROWS - 3) * _ROW_PX


def _charts_on_pages(ws, charts: list) -> list:
    """Anchor every chart at a whole row and break pages between charts, never through one."""
    placed, breaks = [], []
    page_top, pushed = 0, 0
    for r, c, ch, opts in sorted(charts, key=lambda t: (t[0] * _ROW_PX + t[3].get("y_offset", 0), t[1])):
        top = r + -(-opts.get("y_offset", 0) // _ROW_PX) + pushed
        rows = -(-int(ch.height * opts.get("y_scale", 1)) // _ROW_PX) + 1
        if top - page_top + rows > _PAGE_ROWS and top > page_top:
            breaks.append(top)
            page_top = top
            top += 1  # a blank row between the top of the page and the chart's frame
            pushed += 1
        placed.append((top, c, ch, {k: v for k, v in opts.items() if k != "y_offset"}))
    if breaks:
        ws.set_h_pagebreaks(breaks)
    _print_setup(ws, repeat=None, last_col=10, scale=DASHBOARD_SCALE)
    return placed


def _plan_targets(grid, fm: _Formats, merged: Merged, row: int) -> None:
    """Under the status table: the plan's targets measured by an indicator, target against actual."""
    from ..formulas import percent_printed
    from ..numbers import fmt_vn
    from .plan import targets_table

    rows = targets_table(merged.catalog, merged.period, merged.final)
    if not rows:
        return
    grid[(row, 0)] = ("Chỉ tiêu kế hoạch", fm.header)
    grid[(row, 1)] = ("Thực tế / chỉ tiêu", fm.header)
    for i, (gid, text, where, op, value, actual, met) in enumerate(rows, start=1):
        ind = merged.catalog.indicators.get(next((g.indicator for g in _targets(merged) if g.id == gid), ""), None)
        pct = ind is not None and ind.kind == "percent"
        unit = "%" if pct else ""
        shown = "chưa có số liệu" if actual is None else fmt_vn(percent_printed(actual) if pct else actual, 2) + unit
        verdict = "" if met is None else (" — Đạt" if met else " — Chưa đạt")
        grid[(row + i, 0)] = (f"{gid}: {where}", fm.text)
        grid[(row + i, 1)] = (f"{shown} / {'≥' if op == '>=' else '≤'} {fmt_vn(value)}{unit}{verdict}", fm.text)


def _targets(merged: Merged) -> list:
    from ..periods import parse_period
    from ..plan import plan_for

    plan = plan_for(merged.catalog.regime, parse_period(merged.period)) if merged.period else None
    return plan.targets if plan else []


TREND_HEIGHT = 380


def _trend_chart(wb, grid, fm: _Formats, merged: Merged, col: int, charts: list) -> list:
    """A line chart of the key rates over the stored periods and this one (`merge --history`).

    Its table sits right of the per-unit rate tables; the chart goes first under the status chart and
    the per-unit charts move down by its height.
    """
    keys = list(merged.trend[-1][1])
    n = len(merged.trend)
    grid[(3, col)] = ("Kỳ báo cáo", fm.header)
    for j, key in enumerate(keys):
        form, code = key.split(":", 1)
        grid[(3, col + 1 + j)] = (f"{code} (BM {form}) (%)", fm.header)
    for i, (label, vals) in enumerate(merged.trend):
        grid[(4 + i, col)] = (label, fm.cell)
        for j, key in enumerate(keys):
            grid[(4 + i, col + 1 + j)] = (vals.get(key), fm.pct)
    line = wb.add_chart({"type": "line"})
    for j, key in enumerate(keys):
        ind = merged.catalog.indicator(key)
        line.add_series({
            "name": f"{ind.code} (BM {ind.form}): " + (ind.label if len(ind.label) <= 50 else ind.label[:49] + "…"),
            "categories": [DASHBOARD_SHEET, 4, col, 3 + n, col],
            "values": [DASHBOARD_SHEET, 4, col + 1 + j, 3 + n, col + 1 + j],
            "marker": {"type": "circle"},
        })
    line.set_title({"name": "Xu hướng một số tỷ lệ chủ yếu qua các kỳ", "name_font": {"size": 11}})
    line.set_y_axis({"min": 0, "max": 100, "name": "%"})
    line.set_legend({"position": "bottom", "font": {"size": 8}})
    line.set_size({"width": 560, "height": TREND_HEIGHT})  # as wide as the per-unit charts: one printed page wide
    moved = [charts[0]] + [(r, c, ch, {**o, "y_offset": o.get("y_offset", 0) + TREND_HEIGHT + 20})
                           for r, c, ch, o in charts[1:]]
    return [*moved, (22, 3, line, {"y_offset": 0})]


def _write_meta(wb, ws, merged: Merged) -> None:
    """Key/value metadata (column A/B), very hidden; row 1 holds the row count, long JSON values are
    split over rows `key#0`, `key#1`, … (a cell holds at most 32,767 characters)."""
    catalog, registry = merged.catalog, merged.registry
    pairs: list[tuple[str, str]] = [
        ("format", PROVINCIAL_FORMAT),
        ("kind", PROVINCIAL_KIND),
        ("regime", catalog.regime),
        ("fingerprint", catalog.fingerprint),
        ("registry", registry.id),
        ("unit", registry.top),
        ("period", merged.period),
        ("period_label", merged.period_label),
        ("unit_col", xl_col_to_name(UNIT_COL)),
    ]
    def dumps(obj) -> str:
        return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    # The status list holds a line per file: each line is turned into JSON alone (the same text as the
    # whole list at once), so that hundreds of dicts never exist together.
    blobs = {
        "units": dumps(merged.units),
        "status": "[" + ",".join(dumps(s.model_dump(mode="json")) for s in merged.status) + "]",
        "unit_findings": dumps([f.model_dump(mode="json") for f in merged.unit_findings]),
    }
    if merged.plan is not None:
        blobs["plan"] = dumps(merged.plan.to_json())
    for key, text in blobs.items():
        for i in range(0, max(len(text), 1), CHUNK):
            pairs.append((f"{key}#{i // CHUNK}", text[i : i + CHUNK]))
    ws.write_string(0, 0, "rows")
    ws.write_number(0, 1, len(pairs) + 1)
    for r, (key, value) in enumerate(pairs, start=1):
        ws.write_string(r, 0, key)
        ws.write_string(r, 1, value)
        if key in ("format", "regime", "fingerprint", "unit", "period", "kind"):
            wb.define_name(meta_name(key), f"='{META_SHEET}'!$B${r + 1}")
    ws.very_hidden()
