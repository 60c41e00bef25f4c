"""The form sheets of TONG_HOP.xlsx (“Biểu mẫu N”): per indicator the consolidated figure as a formula over
the per-unit columns, the adjustment and its reason, the figure used, and every unit's own figure; plus the
adjustments sheet that lists what the consolidator changed.

Each consolidated figure is a formula a person can click to see where it comes from; its cached value is
the one `aggregate` computed, so readers that do not recalculate see the same number.
"""

from __future__ import annotations

from xlsxwriter.utility import xl_rowcol_to_cell

from ..catalog.models import Catalog, Indicator, Registry
from ..formulas import shown_formula_text
from ..layout import form_sheet
from .aggregate import contributors
from .model import UNIT_COL, Merged, adjustment_name, computed_name, final_name, note_name, reason_name
from .sheet_rows import Formula, RowWriter, cell_value
from .sheet_style import Formats, cached, define_name, official_codes, print_setup, row_pt, write_table, write_value

# Columns of a form sheet (0-based). Per-unit columns start at UNIT_COL (model.py).
COL_STT, COL_LABEL, COL_UNIT, COL_METHOD, COL_COMPUTED, COL_ADJ, COL_REASON, COL_FINAL, COL_NOTE = range(UNIT_COL)
HEADER_ROW = 4  # the row with column titles and unit codes; data start below
#: Widths (characters) of columns A–I, also used to size each row's height to its wrapped text.
WIDTHS = (7, 48, 12, 22, 13, 13, 26, 14, 30)
FIRST_ROW = HEADER_ROW + 1
UNIT_WIDTH = 14  # a unit's column (characters): a code such as X-QUANG-CHIEU on one line

#: What the consolidator may type, said on every form sheet and on the adjustments sheet (and in the guide).
ADJUST_HELP = (
    "Cột Điều chỉnh (ô nền vàng) là chỗ duy nhất được nhập: gõ số đúng khi cần thay Số tổng hợp (ví dụ số đã "
    "được cơ quan thống kê xác nhận), và ghi lý do vào cột Lý do điều chỉnh ngay bên cạnh. Số liệu sử dụng = "
    "số điều chỉnh nếu có, nếu không = Số tổng hợp; Phụ lục in Số liệu sử dụng. Tổng hợp lại vào chính tệp này "
    "thì các số điều chỉnh và lý do được giữ nguyên; muốn bỏ một điều chỉnh, xóa ô đó."
)
#: Added to the help when the registry has official codes: what the number above each unit's code is.
OFFICIAL_HELP = (" Ở các cột bên phải là số liệu của từng đơn vị: tên đơn vị, mã đơn vị hành chính (dòng ngay trên "
                 "dòng tiêu đề) và mã đơn vị.")

KIND_WORDS = {"tinh": "tỉnh", "so": "sở, ngành", "huyen": "UBND cấp huyện", "xa": "UBND cấp xã"}


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


def write_form(wb, ws, fm: Formats, merged: Merged, form, rows, unit_cols, terms, heading: str) -> None:
    """One form's sheet: titles, the help on adjustments, the headers (unit names above their codes),
    one row per indicator, then widths, frozen panes, print set-up and protection (only adjustments
    are typed)."""
    registry = merged.registry
    # Per unit column, in order: its figures and its kind of unit (which decides a figure's format).
    units = [(merged.by_unit.get(u, {}), registry.by_code[u].kind if u in registry.by_code else "") for u in unit_cols]
    unit_kinds = {kind for _, kind in units}
    ws.write_string(0, 0, f"Biểu mẫu {form.number}. {form.title}", fm.title)
    ws.write_string(1, 0, heading, fm.subtitle)
    # Row 2: the help on adjustments over the printed columns, and each unit's name above its column (the
    # unit columns do not print, so a tall names row of its own printed as an empty band above the table);
    # row 3: each unit's official code (mã đơn vị hành chính), when the registry has them (2025+).
    codes = official_codes(registry)
    official = {u: codes[u] for u in unit_cols if u in codes}
    help_text = ADJUST_HELP + (OFFICIAL_HELP if official else "")
    ws.merge_range(2, 0, 2, COL_NOTE, help_text, fm.note)
    names = {u: registry.label(u, short=True) for u in unit_cols}
    out = RowWriter(ws)  # 150 rows × (9 + one column per unit): a row at a time (xlcchc.merge.sheet_rows)
    # unit_cols holds consecutive columns from UNIT_COL in the units' order (workbook._write); the merged
    # help's cells, which merge_range wrote, join the names' row
    out.row(2, [(names[u], fm.header) for u in unit_cols], first_col=UNIT_COL,
            height=max(44, row_pt((help_text, sum(WIDTHS)), *((n, UNIT_WIDTH) for n in names.values()), bold=True)))
    if official:
        out.row(3, [(official.get(u), fm.header) for u in unit_cols], first_col=UNIT_COL)
    else:
        ws.set_row(3, None, None, {"hidden": True})  # no official codes (2021–2024): nothing to show there
    headers = ["STT", "Nội dung", "Đơn vị tính", "Cách tổng hợp", "Số tổng hợp", "Điều chỉnh", "Lý do điều chỉnh",
               "Số liệu sử dụng", "Ghi chú"]
    out.row(HEADER_ROW, [(h, fm.header) for h in headers] + [(u, fm.header) for u in unit_cols],
            height=row_pt(*zip(headers, WIDTHS), *((u, UNIT_WIDTH) for u in unit_cols), bold=True))

    for ind in form.indicators:
        r = rows[ind.key]
        # Every wrapped cell of the row fits its height (no spreadsheet sizes a generated row itself): the
        # label, the unit ("Trực tuyến = 0 / Phát phiếu = 1 …"), how it is consolidated and the note.
        method = method_text(merged.catalog, registry, ind, terms) if ind.has_value else ""
        height = row_pt((ind.label, WIDTHS[COL_LABEL]), (ind.unit, WIDTHS[COL_UNIT]),
                        (method, WIDTHS[COL_METHOD]), (merged.notes.get(ind.key, ""), WIDTHS[COL_NOTE]),
                        bold=not ind.has_value)
        cells = [(ind.printed_stt, fm.center), (ind.label, fm.heading if not ind.has_value else fm.text),
                 (ind.unit, fm.center_wrap)]
        if not ind.has_value:
            out.row(r, cells + [(None, fm.cell)] * (COL_NOTE + 1 - COL_METHOD), height=height)
            continue
        out.row(r, cells + _figure_cells(fm, merged, ind, method, rows, unit_cols, terms, units, unit_kinds),
                height=height)
        _define_names(wb, form, ind, r)
    out.done()

    for c, w in enumerate(WIDTHS):
        ws.set_column(c, c, w)
    if unit_cols:
        ws.set_column(UNIT_COL, UNIT_COL + len(unit_cols) - 1, UNIT_WIDTH)
    ws.freeze_panes(FIRST_ROW, COL_UNIT)
    # Printed: the consolidated figures (columns A–I); each unit's figures are the appendix's by-unit annex.
    print_setup(ws, repeat=(HEADER_ROW, HEADER_ROW), last_col=COL_NOTE)
    ws.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True,
                    "select_unlocked_cells": True, "autofilter": True})


def _figure_cells(fm: Formats, merged: Merged, ind: Indicator, method: str, rows, unit_cols, terms, units,
                  unit_kinds) -> list:
    """One indicator's cells from COL_METHOD on: how it is consolidated, the computed figure (a formula
    where one says it), the adjustment and its reason, the figure used, the note, every unit's own figure."""
    r = rows[ind.key]
    computed = merged.computed.get(ind.key)
    formula = _formula(merged, ind, r, rows, unit_cols, terms)
    fmt = fm.figure("num", computed, ind.kind)
    cells = [(method, fm.text), (Formula(formula, cached(computed)) if formula else cell_value(computed), fmt)]
    adj_value, adj_reason = merged.adjustments.get(ind.key, (None, ""))
    cells.append((cell_value(adj_value), fm.figure("adj", adj_value, ind.kind)))
    cells.append((adj_reason or "", fm.adj_text))
    e = xl_rowcol_to_cell(r, COL_COMPUTED)
    a = xl_rowcol_to_cell(r, COL_ADJ)
    final = merged.final.get(ind.key)
    cells.append((Formula(f'=IF({a}="",{e},{a})', cached(final)), fm.figure("final", final, ind.kind)))
    cells.append((merged.notes.get(ind.key, ""), fm.text))
    return cells + _unit_cells(fm, ind, units, unit_kinds)


def _unit_cells(fm: Formats, ind: Indicator, units, unit_kinds) -> list:
    """Every unit's own figure for `ind`, in column order (None: the unit sent none), as
    `(cell_value(v), fm.figure("num", v, kind of v))`; a non-zero number's cell is made once per value and
    kind (`Formats.unit_cells`): the innermost loop of the form sheets."""
    key, slow = ind.key, fm.unit_cell
    kinds = {kind: ind.unit_kind_of_value(kind) for kind in unit_kinds}
    memos = {kind: fm.unit_cells(k) for kind, k in kinds.items()}
    out: list = []
    append = out.append
    for values, kind in units:
        v = values.get(key)
        if v is None:
            append(None)
        elif ((t := type(v)) is int or t is float) and v:
            memo = memos[kind]
            cell = memo.get(v)
            if cell is None:
                cell = memo[v] = slow(v, kinds[kind])
            append(cell)
        else:
            append(slow(v, kinds[kind]))
    return out


def _define_names(wb, form, ind: Indicator, r: int) -> None:
    """The defined names `read_provincial` finds an indicator's figures by."""
    sheet = form_sheet(form.number)
    for name, col in (
        (final_name(form.number, ind.code), COL_FINAL),
        (computed_name(form.number, ind.code), COL_COMPUTED),
        (adjustment_name(form.number, ind.code), COL_ADJ),
        (reason_name(form.number, ind.code), COL_REASON),
        (note_name(form.number, ind.code), COL_NOTE),
    ):
        define_name(wb, name, f"='{sheet}'!{xl_rowcol_to_cell(r, col, row_abs=True, col_abs=True)}")


def write_adjustments(ws, fm: Formats, merged: Merged) -> None:
    ws.write_string(0, 0, "Các số liệu đã điều chỉnh khi tổng hợp", fm.title)
    ws.merge_range(1, 0, 1, 5, ADJUST_HELP + " Trang này chỉ liệt kê (không nhập ở đây): nhập ở trang Biểu mẫu.", fm.note)
    ws.set_row(1, 58)
    headers = ["Biểu mẫu", "Mã chỉ tiêu", "Nội dung", "Số tổng hợp", "Số điều chỉnh", "Lý do"]
    r = write_table(ws, fm, 2, headers, [10, 12, 50, 14, 14, 50])
    for ind in merged.catalog.value_indicators():
        if ind.key not in merged.adjustments:
            continue
        value, reason = merged.adjustments[ind.key]
        ws.write_number(r, 0, ind.form, fm.center)
        ws.write_string(r, 1, ind.code, fm.cell)
        ws.write_string(r, 2, ind.label, fm.text)
        write_value(ws, r, 3, merged.computed.get(ind.key), fm.figure("num", merged.computed.get(ind.key), ind.kind))
        write_value(ws, r, 4, value, fm.figure("num", value, ind.kind))
        ws.write_string(r, 5, reason or "", fm.text)
        r += 1
