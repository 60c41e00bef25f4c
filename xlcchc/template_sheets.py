"""The sheets of a template, each written by one function onto xlsxwriter worksheets (`xlcchc.template`
makes the workbook): the cover, a form (Biểu mẫu N), the formula check sheet (Kiểm tra) and the hidden
metadata; the shared pieces too (cell formats created once, page set-up, data validation with Vietnamese
messages, row heights measured for wrapped text). Where each cell goes is the template's `Plan`
(`xlcchc.template_geometry`); the task sheet of a plan period is `xlcchc.template_tasks`'.
"""

from __future__ import annotations

import datetime as _dt
import functools
from typing import Any

import xlsxwriter

from . import layout
from .catalog.models import Catalog, Indicator, Rule, Unit
from .formulas import STATUS_MISSING, count_statuses, domain_codes, ratio_formula, rule_formula, rule_status
from .numformat import PERCENT_FORMAT, input_format
from .plan.computed import NOTE as PLAN_COMPUTED_NOTE
from .template_geometry import (
    CHECK_FIRST_ROW,
    CHECK_HEADER_ROW,
    CHECK_STATUS_COL,
    COL_FLAG,
    COL_LABEL,
    COL_NOTE,
    COL_STT,
    COL_UNIT,
    COL_VALUE,
    COMPUTED,
    COVER_INPUT_ROW,
    DIGIT_PX,
    ERROR_FILL,
    FIRST_ROW,
    FONT,
    FONT_SIZE,
    GREY,
    HEADER_ROW,
    OK_FILL,
    VALUE_COL_LETTER,
    WARNING_FILL,
    WIDTHS,
    Plan,
    worst_status,
)


# --- formats --------------------------------------------------------------------------------------

class Formats:
    """xlsxwriter formats created once per distinct property set (in first-use order: deterministic)."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self.cache: dict[tuple, Any] = {}

    def __call__(self, **props: Any) -> Any:
        base = {"font_name": FONT, "font_size": FONT_SIZE, "valign": "vcenter"}
        base.update(props)
        key = tuple(sorted(base.items()))
        if key not in self.cache:
            self.cache[key] = self.wb.add_format(base)
        return self.cache[key]


_LEVEL_WORDS = {"tinh": "cấp tỉnh", "huyen": "cấp huyện", "xa": "cấp xã", "so": "sở, ngành"}


def _regime_words(cat: Catalog) -> str:
    """The regime as a person names it on the cover (its id and fingerprint stay in the hidden metadata)."""
    text = f"Biểu mẫu 1–{len(cat.forms)} {_LEVEL_WORDS.get(cat.level, '')}".rstrip()
    if cat.in_force is not None:
        text += f", áp dụng từ {cat.in_force.start:%d/%m/%Y}"
        if cat.in_force.until is not None:
            text += f" đến {cat.in_force.until:%d/%m/%Y}"
    return text


def _num_format(kind: str, computed: bool = False) -> str:
    """The display format of a value cell: Vietnamese separators whatever the machine's locale
    (`numformat`: 1.768 and 100,00 on an English-locale Windows too); the cell keeps the number."""
    return PERCENT_FORMAT if computed else input_format(kind)


# --- text layout helpers --------------------------------------------------------------------------

@functools.lru_cache(maxsize=4096)  # the same labels are measured in every template of a regime
def col_px(width: float) -> int:
    """A column `width` (in digits of the Normal font, Times New Roman 12: 8 px each) in pixels."""
    return int(width * DIGIT_PX + 0.5) + 5


def _height(*cells: tuple) -> float:
    """Row height (pt) for wrapped cells (text, column width in digits[, bold]), measured with the Times
    metrics of `xlcchc.printing`; never below the height an input cell needs."""
    from .printing import height, lines

    need = max([height(lines(c[0], col_px(c[1]), FONT_SIZE, bold=bool(c[2:] and c[2])), FONT_SIZE)
                for c in cells if c[0]] + [0])
    return max(need, 20.25)


# --- validation messages --------------------------------------------------------------------------

def _validation(ind: Indicator, unit: Unit) -> dict[str, Any]:
    """Data validation of an input cell, by the kind the unit types; messages in Vietnamese."""
    kind = ind.unit_kind_of_value(unit.kind)
    unit_word = f" (đơn vị tính: {ind.unit})" if ind.unit and kind != "choice" and ind.unit != "%" else ""
    if kind == "count":
        v = {"validate": "integer", "criteria": ">=", "value": 0}
        title, msg = "Nhập số nguyên", f"Nhập số nguyên không âm{unit_word}: gõ liền các chữ số, ví dụ 1768 (không gõ 1.768 hay 1,768: máy cài tiếng Anh hiểu dấu chấm là dấu thập phân). Giải thích ghi vào cột Ghi chú."
        err = f"Mục {ind.code} chỉ nhận số nguyên không âm{unit_word}. Gõ liền các chữ số, không gõ dấu chấm hay dấu phẩy ngăn cách hàng nghìn: một nghìn bảy trăm sáu mươi tám gõ là 1768."
    elif kind in ("decimal", "money"):
        v = {"validate": "decimal", "criteria": ">=", "value": 0}
        title, msg = "Nhập số", f"Nhập số không âm{unit_word}, không gõ dấu ngăn cách hàng nghìn. Phần thập phân theo dấu thập phân của máy: 12,5 trên máy cài tiếng Việt, 12.5 trên máy cài tiếng Anh."
        err = f"Mục {ind.code} chỉ nhận số không âm{unit_word}. Không gõ chữ, đơn vị hay dấu ngăn cách hàng nghìn; phần thập phân theo dấu thập phân của máy (12,5 hoặc 12.5)."
    elif kind == "percent":
        v = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100}
        title, msg = "Nhập tỷ lệ %", "Nhập tỷ lệ phần trăm từ 0 đến 100, không gõ ký hiệu %: 98,5 trên máy cài tiếng Việt, 98.5 trên máy cài tiếng Anh."
        err = f"Mục {ind.code} chỉ nhận tỷ lệ từ 0 đến 100, không gõ ký hiệu %; phần thập phân theo dấu thập phân của máy (98,5 hoặc 98.5)."
    elif kind == "choice":
        codes = [str(c) for c in domain_codes(ind, unit.kind)]
        listing = "; ".join(f"{c.label} = {c.value}" for c in ind.unit_choices())
        v = {"validate": "list", "source": codes}
        title, msg = "Chọn một mã", f"Chọn hoặc nhập một mã: {listing}."
        err = f"Mục {ind.code} chỉ nhận một trong các mã: {listing}."
    else:
        v = {"validate": "length", "criteria": "<=", "value": 2000}
        title, msg = "Nhập nội dung", "Nhập nội dung bằng chữ (tối đa 2000 ký tự)."
        err = f"Mục {ind.code}: nội dung quá dài (tối đa 2000 ký tự)."
    v.update(
        input_title=title[:32],
        input_message=msg[:255],
        error_title="Số liệu không hợp lệ",
        error_message=err[:255],
        error_type="stop",
        ignore_blank=True,
    )
    return v




def blank_statuses(plan: Plan) -> dict[str, str]:
    """Statuses of an empty workbook, written as the formulas' cached results (true until edited)."""
    return {r.id: rule_status(r, {}, plan.catalog, plan.unit) for r in plan.rules}


def write_cover(ws, fmt: Formats, plan: Plan) -> None:
    """The cover (Bìa): who, which period and regime, the inputs the unit fills (`layout.COVER_FIELDS`) with
    their validation, and the short guide."""
    cat, unit, period = plan.catalog, plan.unit, plan.period
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 62)
    ws.hide_gridlines(2)
    ws.set_row(0, 48)
    ws.merge_range(0, 0, 0, 1, cat.title, fmt(bold=True, align="center", text_wrap=True, font_size=13))
    ws.merge_range(1, 0, 1, 1, period.label.upper(), fmt(bold=True, align="center"))
    label = fmt(bold=True, border=1, text_wrap=True)
    info = fmt(border=1, text_wrap=True)
    rows = [
        ("Đơn vị báo cáo", unit.name),
        ("Mã đơn vị", unit.code),
        ("Kỳ báo cáo", period.label),
        ("Chế độ báo cáo", _regime_words(cat)),
    ]
    if unit.official_code is not None:  # the row below the others: the cover keeps its layout
        rows.append(("Mã đơn vị hành chính", str(unit.official_code)))
    for i, (k, v) in enumerate(rows):
        ws.write_string(3 + i, 0, k, label)
        ws.write_string(3 + i, 1, v, info)
    ws.merge_range(COVER_INPUT_ROW - 1, 0, COVER_INPUT_ROW - 1, 1, "Thông tin do đơn vị điền", fmt(bold=True, italic=True))
    inp = fmt(border=1, locked=False, text_wrap=True)
    date = fmt(border=1, locked=False, num_format="dd/mm/yyyy", align="left")
    for i, (name, text) in enumerate(layout.COVER_FIELDS.items()):
        r = COVER_INPUT_ROW + i
        ws.write_string(r, 0, text, label)
        if name == "BIA_NGAY_GUI":
            ws.write_blank(r, 1, None, date)
            ws.data_validation(r, 1, r, 1, {
                "validate": "date", "criteria": "between",
                "minimum": _dt.date(2000, 1, 1), "maximum": _dt.date(2100, 12, 31),
                "input_title": "Ngày gửi báo cáo", "input_message": "Nhập ngày dạng ngày/tháng/năm, ví dụ 15/12/2022.",
                "error_title": "Ngày không hợp lệ", "error_message": "Nhập một ngày hợp lệ (ngày/tháng/năm).",
            })
        elif name == "BIA_TRANG_THAI":
            ws.write_blank(r, 1, None, inp)
            ws.data_validation(r, 1, r, 1, {
                "validate": "list", "source": [layout.STATUS_DRAFT, layout.STATUS_FINAL],
                "input_title": "Trạng thái báo cáo",
                "input_message": f"Chọn “{layout.STATUS_DRAFT}” khi đang soạn, “{layout.STATUS_FINAL}” khi gửi báo cáo.",
                "error_title": "Trạng thái không hợp lệ",
                "error_message": f"Chỉ chọn “{layout.STATUS_DRAFT}” hoặc “{layout.STATUS_FINAL}”.",
            })
        else:
            ws.write_blank(r, 1, None, inp)
            limit = 20 if name == "BIA_DIEN_THOAI" else 200
            ws.data_validation(r, 1, r, 1, {
                "validate": "length", "criteria": "<=", "value": limit,
                "input_title": text[:32], "input_message": f"Nhập {text.lower()} (tối đa {limit} ký tự).",
                "error_title": "Quá dài", "error_message": f"{text}: tối đa {limit} ký tự.",
            })
    guide = [
        "Hướng dẫn",
        "1. Nhập số liệu vào các ô trắng của cột “Số liệu” ở các trang Biểu mẫu 1–7; ghi giải thích (nếu có) vào cột “Ghi chú”.",
        "2. Ô màu xám là chỉ tiêu đơn vị không phải báo cáo; ô màu xanh nhạt là tỷ lệ (%) được tính tự động.",
        "3. Nhập số như thường lệ (ví dụ 1234 hoặc 98,5); tỷ lệ nhập từ 0 đến 100, không gõ ký hiệu %; không gõ chữ vào ô số.",
        "4. Trang “Kiểm tra” tự kiểm tra số liệu; ô có lỗi được tô đỏ, ô có cảnh báo tô vàng. Sửa hết lỗi trước khi gửi.",
        "5. Không đổi tên trang, không chèn hay xóa dòng: tệp được đọc tự động khi tổng hợp.",
    ]
    r0 = COVER_INPUT_ROW + len(layout.COVER_FIELDS) + 1
    for i, line in enumerate(guide):
        ws.merge_range(r0 + i, 0, r0 + i, 1, line, fmt(bold=(i == 0), text_wrap=True))
        if i:
            ws.set_row(r0 + i, _height((line, 92)))
    page_setup(ws, plan, last_col=1, last_row=r0 + len(guide))
    ws.protect("", PROTECT)


PROTECT = {"format_columns": True, "format_rows": True, "select_locked_cells": True, "select_unlocked_cells": True}


def page_setup(ws, plan: Plan, last_col: int, last_row: int, repeat: tuple[int, int] | None = None) -> None:
    """A4 portrait, one page wide, the unit and period in the footer: every sheet of a template prints alike."""
    ws.set_paper(9)
    ws.set_portrait()
    ws.set_margins(left=1.18, right=0.59, top=0.79, bottom=0.79)
    ws.center_horizontally()
    ws.fit_to_pages(1, 0)
    ws.print_area(0, 0, last_row, last_col)
    if repeat:
        ws.repeat_rows(*repeat)
    who = f"{plan.unit.short_name} – {plan.period.label}".replace("&", "&&")
    ws.set_footer(f'&L&"{FONT},Italic"&9{who}&R&"{FONT},Regular"&10Trang &P/&N')


def write_form(ws, fmt: Formats, plan: Plan, number: int, blank: dict[str, str]) -> None:
    """A form sheet (Biểu mẫu N): its header, one row per indicator, the flags' colours, the print set-up."""
    form = plan.catalog.form(number)
    _form_header(ws, fmt, plan, form)
    flagging = plan.flagging()
    for ind in form.indicators:
        _form_row(ws, fmt, plan, ind, blank, flagging.get(ind.key, []))
    last = FIRST_ROW + len(form.indicators) - 1
    value_range = f"{VALUE_COL_LETTER}{FIRST_ROW + 1}:{VALUE_COL_LETTER}{last + 1}"
    flag0 = f"$F{FIRST_ROW + 1}"
    ws.conditional_format(value_range, {"type": "formula", "criteria": f'={flag0}="Lỗi"', "format": wb_format(fmt, ERROR_FILL)})
    ws.conditional_format(value_range, {"type": "formula", "criteria": f'={flag0}="Cảnh báo"', "format": wb_format(fmt, WARNING_FILL)})
    ws.conditional_format(f"F{FIRST_ROW + 1}:F{last + 1}", {"type": "cell", "criteria": "==", "value": '"Lỗi"', "format": wb_format(fmt, ERROR_FILL, "#9C0006")})
    ws.conditional_format(f"F{FIRST_ROW + 1}:F{last + 1}", {"type": "cell", "criteria": "==", "value": '"Cảnh báo"', "format": wb_format(fmt, WARNING_FILL, "#9C5700")})
    ws.freeze_panes(FIRST_ROW, 0)
    page_setup(ws, plan, last_col=COL_NOTE, last_row=last, repeat=(HEADER_ROW, HEADER_ROW + 1))
    ws.protect("", PROTECT)


def _form_header(ws, fmt: Formats, plan: Plan, form) -> None:
    """The form's title lines and its two-row table header (STT, indicator, unit and value, note, check)."""
    cat = plan.catalog
    for col, w in WIDTHS.items():
        ws.set_column(col, col, w)
    ws.hide_gridlines(2)
    title = fmt(bold=True, align="center", font_size=13)
    ws.merge_range(0, 0, 0, COL_NOTE, layout.form_sheet(form.number), title)
    ws.merge_range(1, 0, 1, COL_NOTE, form.title, fmt(bold=True, align="center", text_wrap=True))
    ws.merge_range(2, 0, 2, COL_NOTE, f"Đơn vị: {plan.unit.name} – Kỳ báo cáo: {plan.period.label}", fmt(italic=True, align="center"))
    head = fmt(bold=True, align="center", text_wrap=True, border=1)
    label_head = f"Chỉ tiêu thống kê\n{cat.usage}" if cat.usage else "Chỉ tiêu thống kê"
    ws.merge_range(HEADER_ROW, COL_STT, HEADER_ROW + 1, COL_STT, "STT", head)
    ws.merge_range(HEADER_ROW, COL_LABEL, HEADER_ROW + 1, COL_LABEL, label_head, head)
    ws.merge_range(HEADER_ROW, COL_UNIT, HEADER_ROW, COL_VALUE, "Kết quả thống kê", head)
    ws.write_string(HEADER_ROW + 1, COL_UNIT, "Đơn vị tính", head)
    ws.write_string(HEADER_ROW + 1, COL_VALUE, cat.value_header.split("(")[0].strip() or "Số liệu", head)
    ws.merge_range(HEADER_ROW, COL_NOTE, HEADER_ROW + 1, COL_NOTE, "Ghi chú", head)
    ws.merge_range(HEADER_ROW, COL_FLAG, HEADER_ROW + 1, COL_FLAG, "Kiểm tra", fmt(bold=True, align="center", text_wrap=True, border=1, font_color="#7F7F7F"))
    ws.set_row(HEADER_ROW, 21)
    ws.set_row(HEADER_ROW + 1, max(_height((label_head, WIDTHS[COL_LABEL], True)) - 21, 18))  # “Đơn vị tính”, “Số liệu”


def _form_row(ws, fmt: Formats, plan: Plan, ind: Indicator, blank: dict[str, str], ids: list[str]) -> None:
    """One indicator's row: STT, label and unit, then (unless a heading) its value, note and check flag.

    Formats are created in first-use order (`Formats`), so the cells are written in the order they always were:
    the same styles part, byte for byte."""
    unit = plan.unit
    row = plan.rows[ind.key]
    heading = not ind.has_value
    bold = heading or (ind.depth == 0)
    stt_f = fmt(bold=bold, align="center", border=1, text_wrap=True)
    label_f = fmt(bold=bold, text_wrap=True, border=1, indent=min(ind.depth, 3) if not heading else 0)
    unit_f = fmt(align="center", text_wrap=True, border=1)
    ws.write_string(row, COL_STT, ind.printed_stt, stt_f)
    ws.write_string(row, COL_LABEL, ind.label, label_f)
    unit_text = ind.unit_label_of_unit(unit.kind) if ind.has_value else ""
    ws.write_string(row, COL_UNIT, unit_text, unit_f) if unit_text else ws.write_blank(row, COL_UNIT, None, unit_f)
    ws.set_row(row, _height((ind.label, WIDTHS[COL_LABEL] - 2 * min(ind.depth, 3), bold), (unit_text, WIDTHS[COL_UNIT])))
    if heading:
        ws.write_blank(row, COL_VALUE, None, fmt(border=1))
        ws.write_blank(row, COL_NOTE, None, fmt(border=1))
        ws.write_blank(row, COL_FLAG, None, fmt(border=1))
        return
    applies = plan.typed(ind)
    note_f = fmt(border=1, text_wrap=True, locked=not applies, **({} if applies else {"bg_color": GREY}))
    _value_cell(ws, fmt, plan, row, ind, note_f)
    if ind.key not in plan.plan_computed:
        ws.write_blank(row, COL_NOTE, None, note_f)
    if applies:
        ws.data_validation(row, COL_NOTE, row, COL_NOTE, {
            "validate": "length", "criteria": "<=", "value": 1000, "ignore_blank": True,
            "input_title": "Ghi chú", "input_message": f"Ghi chú cho mục {ind.code} (nếu có), tối đa 1000 ký tự.",
            "error_title": "Ghi chú quá dài", "error_message": "Ghi chú tối đa 1000 ký tự.",
        })
    flag_f = fmt(border=1, align="center", font_color="#7F7F7F", font_size=10)
    if ids:
        errs = ",".join(f'{plan.status_ref(i)}="Lỗi"' for i in ids)
        warns = ",".join(f'{plan.status_ref(i)}="Cảnh báo"' for i in ids)
        cached = worst_status(blank[i] for i in ids)
        ws.write_formula(row, COL_FLAG, f'=IF(OR({errs}),"Lỗi",IF(OR({warns}),"Cảnh báo",""))', flag_f, cached)
    else:
        ws.write_blank(row, COL_FLAG, None, flag_f)


def _value_cell(ws, fmt: Formats, plan: Plan, row: int, ind: Indicator, note_f) -> None:
    """The value cell of a row: computed by the plan at the merge, a ratio formula, an input, or greyed."""
    kind = ind.unit_kind_of_value(plan.unit.kind)
    if ind.key in plan.plan_computed:
        _write_plan_computed(ws, fmt, row, ind, kind, plan.plan_computed[ind.key], note_f)
    elif plan.formula(ind):
        agg = ind.aggregate
        num = layout.value_name(*_split(agg.numerator))
        den = layout.value_name(*_split(agg.denominator))
        ws.write_formula(row, COL_VALUE, ratio_formula(num, den),
                         fmt(border=1, align="right", num_format=_num_format("percent", computed=True), bg_color=COMPUTED, locked=True), "")
    elif plan.typed(ind):
        ws.write_blank(row, COL_VALUE, None, fmt(border=1, align="right", locked=False, num_format=_num_format(kind)))
        ws.data_validation(row, COL_VALUE, row, COL_VALUE, _validation(ind, plan.unit))
    else:
        ws.write_blank(row, COL_VALUE, None, fmt(border=1, bg_color=GREY, locked=True, num_format=_num_format(kind)))


def _write_plan_computed(ws, fmt: Formats, row: int, ind: Indicator, kind: str, why: str, note_f) -> None:
    """A row the period's plan computes at the merge (`xlcchc.plan.computed`): greyed and locked like a
    derived cell, the note cell saying why; selecting the value cell shows the full reason."""
    ws.write_blank(row, COL_VALUE, None, fmt(border=1, bg_color=GREY, locked=True, num_format=_num_format(kind)))
    ws.data_validation(row, COL_VALUE, row, COL_VALUE, {
        "validate": "any", "input_title": "Không nhập: tự tính"[:32], "input_message": why[:255]})
    ws.write_string(row, COL_NOTE, PLAN_COMPUTED_NOTE, fmt(border=1, text_wrap=True, locked=True, bg_color=GREY,
                                                            italic=True, font_size=9))
    from .printing import height, lines

    note_pt = height(lines(PLAN_COMPUTED_NOTE, col_px(WIDTHS[COL_NOTE]), 9), 9)
    ws.set_row(row, max(_height((ind.label, WIDTHS[COL_LABEL] - 2 * min(ind.depth, 3), ind.depth == 0)), note_pt))


def wb_format(fmt: Formats, fill: str, font: str | None = None) -> Any:
    """A conditional-format (dxf) format: only a fill and a font colour, cached per workbook."""
    key = ("dxf", fill, font)
    if key not in fmt.cache:
        props = {"bg_color": fill}
        if font:
            props["font_color"] = font
        fmt.cache[key] = fmt.wb.add_format(props)
    return fmt.cache[key]


def _split(key: str) -> tuple[int, str]:
    f, c = key.split(":", 1)
    return int(f), c


def _anchor(rule: Rule) -> str:
    return rule.target or (rule.left[0] if rule.left else "")


def write_check(ws, fmt: Formats, plan: Plan, blank: dict[str, str], extra: list[dict] = ()) -> None:
    """The formula check sheet; `extra` are the task rows of `xlcchc.template_tasks` (after the rules)."""
    cat, unit = plan.catalog, plan.unit
    widths = [17, 8, 9, 10, 58, 13, 7]
    for c, w in enumerate(widths):
        # Column A keeps the rule ids for support (the add-in and tests read them) but is hidden: a person
        # reads the form, the item and the rule's sentence, never an id such as 1-domain-1.
        # (Column B, the form, is wide enough for the “Số cảnh báo” label above the table.)
        ws.set_column(c, c, max(w, 12) if c == 1 else w, None, {"hidden": True} if c == 0 else None)
    ws.hide_gridlines(2)
    ws.merge_range(0, 0, 0, 5, "KIỂM TRA SỐ LIỆU", fmt(bold=True, align="center", font_size=13))
    ws.merge_range(1, 0, 1, 5, f"{unit.name} – {plan.period.label}", fmt(italic=True, align="center"))
    n = len(plan.rules) + len(extra)
    first, last = CHECK_FIRST_ROW + 1, CHECK_FIRST_ROW + max(n, 1)
    rng = f"$F${first}:$F${last}"
    errors, warnings = count_statuses([*blank.values(), *(x["cached"] for x in extra)])
    big = fmt(bold=True, align="center", border=1, num_format="0")
    ws.merge_range(2, 0, 2, 1, "Số lỗi", fmt(bold=True, border=1))
    ws.write_formula(2, 2, f'=COUNTIF({rng},"Lỗi")', big, errors)
    ws.merge_range(3, 0, 3, 1, "Số cảnh báo", fmt(bold=True, border=1))
    ws.write_formula(3, 2, f'=COUNTIF({rng},"Cảnh báo")+COUNTIF({rng},"{STATUS_MISSING}")', big, warnings)
    legend = ("Kết quả: OK – đạt; — – chưa có số liệu nên chưa kiểm tra; Thiếu số liệu – mới có một phần số liệu "
              "của quy tắc (tính là cảnh báo); Lỗi / Cảnh báo – số liệu không đạt: sửa ở ô được tô màu trong Biểu mẫu. "
              "Trang này tự tính lại khi nhập số liệu.")
    ws.merge_range(2, 3, 4, 5, legend, fmt(italic=True, text_wrap=True, font_size=10, valign="top"))
    ws.set_row(4, 30)
    head = fmt(bold=True, align="center", text_wrap=True, border=1)
    for c, h in enumerate(["Mã quy tắc", "Biểu mẫu", "Mục", "Mức độ", "Nội dung kiểm tra", "Kết quả", "Xem"]):
        ws.write_string(CHECK_HEADER_ROW, c, h, head)
    cell = fmt(border=1, text_wrap=True)
    center = fmt(border=1, align="center", text_wrap=True)
    status_f = fmt(border=1, align="center", bold=True)
    link_f = fmt(border=1, align="center", font_color="#0563C1", underline=1)
    ref = lambda key: layout.value_name(*_split(key))  # noqa: E731 - defined names keep formulas readable
    for r in plan.rules:
        row = plan.status_row[r.id]
        anchor = _anchor(r)
        af, ac = _split(anchor)
        ws.write_string(row, 0, r.id, cell)
        ws.write_number(row, 1, r.form, center)
        ws.write_string(row, 2, ac if af == r.form else f"{ac} (BM{af})", center)
        ws.write_string(row, 3, r.severity, center)
        ws.write_string(row, 4, r.message, cell)
        ws.write_formula(row, CHECK_STATUS_COL, rule_formula(r, cat, unit, ref), status_f, blank[r.id])
        target = f"#{plan.value_ref(anchor).replace('$', '')}"
        ws.write_formula(row, 6, f'=HYPERLINK("{target}","Xem")', link_f, "Xem")
        ws.set_row(row, _height((r.message, widths[4])))
    for i, x in enumerate(extra):
        row = CHECK_FIRST_ROW + len(plan.rules) + i
        ws.write_string(row, 0, x["id"], cell)
        ws.write_string(row, 1, layout.TASK_SHEET, center)
        ws.write_string(row, 2, x["where"], center)
        ws.write_string(row, 3, x["severity"], center)
        ws.write_string(row, 4, x["message"], cell)
        ws.write_formula(row, CHECK_STATUS_COL, x["formula"], status_f, x["cached"])
        ws.write_formula(row, 6, f'=HYPERLINK("{x["link"]}","Xem")', link_f, "Xem")
        ws.set_row(row, _height((x["message"], widths[4]), (layout.TASK_SHEET, widths[1])))
    status_rng = f"F{first}:F{last}"
    for text, fill, font in (("Lỗi", ERROR_FILL, "#9C0006"), ("Cảnh báo", WARNING_FILL, "#9C5700"),
                             (STATUS_MISSING, WARNING_FILL, "#9C5700"), ("OK", OK_FILL, "#006100")):
        ws.conditional_format(status_rng, {"type": "cell", "criteria": "==", "value": f'"{text}"',
                                           "format": wb_format(fmt, fill, font)})
    ws.conditional_format("C3", {"type": "cell", "criteria": ">", "value": 0, "format": wb_format(fmt, ERROR_FILL, "#9C0006")})
    ws.conditional_format("C4", {"type": "cell", "criteria": ">", "value": 0, "format": wb_format(fmt, WARNING_FILL, "#9C5700")})
    ws.freeze_panes(CHECK_FIRST_ROW, 0)
    ws.autofilter(CHECK_HEADER_ROW, 0, CHECK_HEADER_ROW + max(n, 1), 6)
    page_setup(ws, plan, last_col=5, last_row=CHECK_HEADER_ROW + max(n, 1), repeat=(CHECK_HEADER_ROW, CHECK_HEADER_ROW))
    ws.protect("", dict(PROTECT, autofilter=True, sort=False))


def write_meta(ws, fmt: Formats, values: dict[str, str]) -> None:
    """The very hidden metadata sheet: key in column A, value in column B, in `layout`'s fixed order."""
    for i, key in enumerate(layout.META_KEYS + layout.OPTIONAL_META_KEYS):
        if key in values:
            ws.write_string(i, 0, key)
            ws.write_string(i, 1, str(values[key]))
    ws.protect("", {})
    ws.very_hidden()
