"""Locked Excel templates generated from the catalog (`xlcchc template`), and filling them (`values import`).

A template is the only thing a unit touches, so it carries everything the unit needs without Python:
input cells with data validation and Vietnamese prompts, percentages as formulas, a check sheet whose
formulas say what `xlcchc check` says (`xlcchc.formulas`), and the names and metadata a reader uses to
find every value without trusting row numbers (`xlcchc.layout`). Output is deterministic (fixed creation
date, sorted iteration, fixed zip timestamps) so a committed template can be compared byte for byte.

Filling (`fill_template`) patches only the named input cells of the zip and leaves every other byte of
the template alone: protection, validation and formatting survive because they are never re-serialised.
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
import xlsxwriter.worksheet

from . import layout
from .catalog.load import DEFAULT_REGIME, load_catalog, registry_of
from .catalog.models import Catalog, Indicator, Rule, Unit
from .errors import XlcchcError
from .formulas import (
    ERROR_COUNT_NAME,
    STATUS_MISSING,
    WARNING_COUNT_NAME,
    computed_ratio,
    count_statuses,
    domain_codes,
    is_number,
    percent_accepted,
    ratio_formula,
    rule_formula,
    rule_status,
)
from .numbers import fmt_vn
from .numformat import PERCENT_FORMAT, input_format
from .periods import Period, parse_period
from .plan.computed import NOTE as PLAN_COMPUTED_NOTE
from .plan.computed import plan_computed
from .fileio import write_bytes
from .signing import SigningKey

#: Fixed document date: the same inputs must give the same bytes.
CREATED = _dt.datetime(2022, 1, 1, 0, 0, 0)
FONT = "Times New Roman"
FONT_SIZE = 12
DIGIT_PX = 8  # width of a digit of the Normal font (Times New Roman 12) at 96 dpi

# Form sheets: columns and the first indicator row (0-based).
COL_STT, COL_LABEL, COL_UNIT, COL_VALUE, COL_NOTE, COL_FLAG = range(6)
WIDTHS = {COL_STT: 7, COL_LABEL: 52, COL_UNIT: 14, COL_VALUE: 13, COL_NOTE: 15, COL_FLAG: 11}
HEADER_ROW = 3  # two header rows: 3 and 4
FIRST_ROW = 5
VALUE_COL_LETTER = "D"
NOTE_COL_LETTER = "E"

# Check sheet.
CHECK_HEADER_ROW = 6
CHECK_FIRST_ROW = 7
CHECK_STATUS_COL = 5  # F

GREY = "#D9D9D9"
COMPUTED = "#DDEBF7"
ERROR_FILL = "#FFC7CE"
WARNING_FILL = "#FFEB9C"
OK_FILL = "#C6EFCE"

SEVERITY_WORD = {"Lỗi": "Lỗi", "Cảnh báo": "Cảnh báo"}


class TemplateError(XlcchcError):
    """A template cannot be made or filled; the message is for the user."""


# --- geometry -------------------------------------------------------------------------------------

@dataclass
class Plan:
    """Where everything goes, decided before writing so that formulas can point forward."""

    catalog: Catalog
    unit: Unit
    period: Period
    rows: dict[str, int] = field(default_factory=dict)  # indicator key → 0-based row on its form sheet
    rules: list[Rule] = field(default_factory=list)  # applicable rules, in catalog order
    status_row: dict[str, int] = field(default_factory=dict)  # rule id → 0-based row on the check sheet
    # form:code → why: rows the period's plan computes, locked in this unit's template (xlcchc.plan.computed)
    plan_computed: dict[str, str] = field(default_factory=dict)

    def typed(self, ind: Indicator) -> bool:
        """Whether the unit types this row (applies, and the period's plan does not compute it)."""
        return self.catalog.applies(ind, self.unit) and ind.key not in self.plan_computed

    def formula(self, ind: Indicator) -> bool:
        """Whether this row is a ratio formula on the form (not when the plan computes it at the merge)."""
        return self.catalog.computed(ind, self.unit) and ind.key not in self.plan_computed

    def value_ref(self, key: str) -> str:
        ind = self.catalog.indicator(key)
        return f"{_quote(layout.form_sheet(ind.form))}!${VALUE_COL_LETTER}${self.rows[key] + 1}"

    def status_ref(self, rule_id: str) -> str:
        return f"{_quote(layout.CHECK_SHEET)}!$F${self.status_row[rule_id] + 1}"

    def names(self) -> dict[str, str]:
        """Every workbook-level defined name the template writes (name → target)."""
        out: dict[str, str] = {}
        for f in self.catalog.forms:
            sheet = _quote(layout.form_sheet(f.number))
            for ind in f.indicators:
                if not ind.has_value:
                    continue
                r = self.rows[ind.key] + 1
                out[layout.value_name(f.number, ind.code)] = f"={sheet}!${VALUE_COL_LETTER}${r}"
                out[layout.note_name(f.number, ind.code)] = f"={sheet}!${NOTE_COL_LETTER}${r}"
        for i, name in enumerate(layout.COVER_FIELDS):
            out[name] = f"={_quote(layout.COVER_SHEET)}!$B${COVER_INPUT_ROW + i + 1}"
        for i, key in enumerate(layout.META_KEYS):
            out[layout.meta_name(key)] = f"={_quote(layout.META_SHEET)}!$B${i + 1}"
        if self.unit.official_code is not None:  # only then: templates of other units stay byte-identical
            i = len(layout.META_KEYS) + layout.OPTIONAL_META_KEYS.index("official_code")
            out[layout.meta_name("official_code")] = f"={_quote(layout.META_SHEET)}!$B${i + 1}"
        i = len(layout.META_KEYS) + layout.OPTIONAL_META_KEYS.index("signature")
        out[layout.meta_name("signature")] = f"={_quote(layout.META_SHEET)}!$B${i + 1}"
        out[ERROR_COUNT_NAME] = f"={_quote(layout.CHECK_SHEET)}!$C$3"
        out[WARNING_COUNT_NAME] = f"={_quote(layout.CHECK_SHEET)}!$C$4"
        return out


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def make_plan(catalog: Catalog, unit: Unit, period: Period) -> Plan:
    plan = Plan(catalog, unit, period, plan_computed=plan_computed(catalog, unit, period))
    for f in catalog.forms:
        for i, ind in enumerate(f.indicators):
            plan.rows[ind.key] = FIRST_ROW + i
    plan.rules = [r for r in catalog.rules
                  if catalog.rule_applies(r, unit) and not plan.plan_computed.keys() & set(r.operands)]
    for i, r in enumerate(plan.rules):
        plan.status_row[r.id] = CHECK_FIRST_ROW + i
    return plan


COVER_INPUT_ROW = 9  # 0-based row of the first cover input (BIA_NGUOI_LAP)


# --- worksheets ----------------------------------------------------------------------------------

_PREPARED: dict[tuple[str, bool, bool], str] = {}


class _Worksheet(xlsxwriter.worksheet.Worksheet):
    """xlsxwriter's worksheet with its formula preparation memoised.

    xlsxwriter runs ~30 regular expressions over every formula (over ~130 for data validation and
    conditional formats) to spell newer functions `_xlfn.…`; that was a fifth of building a template.
    The preparation is a function of the formula text and two flags only, and the same formulas recur
    in every template of a regime (rules, validations), so each distinct one is prepared once."""

    def _prepare_formula(self, formula, expand_future_functions=False):
        key = (formula, bool(expand_future_functions), bool(self.use_future_functions))
        got = _PREPARED.get(key)
        if got is None:
            if len(_PREPARED) > 50_000:  # a long-lived process (the Excel add-in) stays bounded
                _PREPARED.clear()
            got = _PREPARED[key] = super()._prepare_formula(formula, expand_future_functions)
        return got


# --- formats --------------------------------------------------------------------------------------

class _Formats:
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


# --- building -------------------------------------------------------------------------------------

def _find_unit(catalog: Catalog, code: str) -> Unit:
    reg = registry_of(catalog)
    unit = reg.by_code.get(code.strip())
    if unit is None:
        raise TemplateError(
            f"Không có đơn vị mã “{code}” trong danh mục {reg.name} (xem: xlcchc catalog units)"
        )
    return unit


def _check_period(catalog: Catalog, period: Period) -> None:
    if period.kind not in catalog.periods:
        raise TemplateError(f"Chế độ báo cáo {catalog.regime} không có kỳ “{period.label}”")


def template_bytes(catalog: Catalog, unit: Unit, period: Period, *, key: SigningKey | None = None) -> bytes:
    """The template of `unit` for `period` as .xlsx bytes (deterministic for one signing key).

    Signed with `key`, by default the consolidating office's key (`xlcchc.signing.signing_key`: the
    `XLCCHC_KEY_FILE` file, else the profile's, created on first use)."""
    _check_period(catalog, period)
    plan = make_plan(catalog, unit, period)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {
        "in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
        # The Normal style is the cells' font, Times New Roman 12, as in the appendix and TONG_HOP: column
        # widths are stored in units of the Normal font's digit width, so with Calibri as Normal a machine
        # without Calibri (LibreOffice on Linux substitutes a wider font) widened every column, and the
        # row heights measured for the text fitted neither Excel (7 px a unit) nor LibreOffice (9 px).
        "default_format_properties": {"font_name": FONT, "font_size": FONT_SIZE},
        "default_column_width": DIGIT_PX * 9,  # 8.43 digits of Times New Roman 12 (8 px each) + 5 px
        "default_row_height": 21,
    })
    wb.worksheet_class = _Worksheet
    wb.set_properties(
        {
            "title": f"{catalog.title} – {unit.name} – {period.label}",
            "subject": "Biểu mẫu thống kê cải cách hành chính",
            "author": "xlcchc",
            "company": "",
            "created": CREATED,
        }
    )
    fmt = _Formats(wb)
    cover = wb.add_worksheet(layout.COVER_SHEET)
    form_sheets = {f.number: wb.add_worksheet(layout.form_sheet(f.number)) for f in catalog.forms}
    from .template_tasks import task_layout  # the plan's tasks the unit leads (xlcchc.template_tasks)

    tasks = task_layout(catalog, unit, period)
    task_sheet = wb.add_worksheet(layout.TASK_SHEET) if tasks else None
    check = wb.add_worksheet(layout.CHECK_SHEET)
    meta = wb.add_worksheet(layout.META_SHEET)

    names = plan.names()
    if tasks:
        names.update(tasks.names())
        names[layout.meta_name(layout.PLAN_META)] = f"={_quote(layout.META_SHEET)}!$B${layout.PLAN_META_INDEX + 1}"
    meta_values = template_meta(catalog, unit, period, names, key, plan_meta=tasks.meta_value if tasks else None)
    blank = _blank_statuses(plan)
    _write_cover(cover, fmt, plan)
    for f in catalog.forms:
        _write_form(form_sheets[f.number], fmt, plan, f.number, blank)
    extra = []
    if tasks:
        from .template_tasks import check_rows, write_task_sheet

        write_task_sheet(task_sheet, fmt, tasks, lambda ws, c, r, rep: _page_setup(ws, plan, last_col=c, last_row=r, repeat=rep))
        extra = check_rows(tasks)
    _write_check(check, fmt, plan, blank, extra)
    _write_meta(meta, fmt, meta_values)
    if tasks:
        meta.write_string(layout.PLAN_META_INDEX, 0, layout.PLAN_META)
        meta.write_string(layout.PLAN_META_INDEX, 1, tasks.meta_value)
    for name in sorted(names):
        wb.define_name(name, names[name])
    cover.activate()
    wb.close()
    return _lock_structure(buf.getvalue())


def template_meta(
    catalog: Catalog, unit: Unit, period: Period, names: dict[str, str], key: SigningKey | None, *, plan_meta: str | None = None,
    layout_hash: str | None = None,
) -> dict[str, str]:
    """The metadata sheet's values, signed (`signature`) over the keys the reader trusts (the plan's too).

    `plan_meta` is written by the caller in its own row (it is not one of `layout.META_KEYS`);
    `layout_hash`, when given, is `layout.layout_hash(names)` computed once for units sharing a layout."""
    from .signing import sign, signing_key

    meta_values = {
        "format": layout.FORMAT_VERSION,
        "regime": catalog.regime,
        "fingerprint": catalog.fingerprint,
        "unit": unit.code,
        "unit_name": unit.name,
        "period": period.code,
        "period_label": period.label,
        "layout": layout_hash or layout.layout_hash(names),
    }
    if unit.official_code is not None:
        meta_values["official_code"] = str(unit.official_code)
    signed = {**meta_values, layout.PLAN_META: plan_meta or ""}
    meta_values["signature"] = sign(signed, key or signing_key())
    return meta_values


def template_names(catalog: Catalog, unit: Unit, period: Period) -> tuple[dict[str, str], str | None]:
    """Every defined name of the unit's template and its plan metadata (what the signature covers)."""
    from .template_tasks import task_layout

    names = make_plan(catalog, unit, period).names()
    tasks = task_layout(catalog, unit, period)
    if tasks:
        names.update(tasks.names())
        names[layout.meta_name(layout.PLAN_META)] = f"={_quote(layout.META_SHEET)}!$B${layout.PLAN_META_INDEX + 1}"
    return names, (tasks.meta_value if tasks else None)


def build_template(catalog: Catalog, unit: Unit, period: Period, path: Path | str, *, key: SigningKey | None = None) -> Path:
    """Write the template of `unit` for `period` to `path` (atomically: never a half-written file)."""
    return write_bytes(path, template_bytes(catalog, unit, period, key=key))


def _blank_statuses(plan: Plan) -> dict[str, str]:
    """Statuses of an empty workbook, written as the formulas' cached results (true until edited)."""
    return {r.id: rule_status(r, {}, plan.catalog, plan.unit) for r in plan.rules}


def _write_cover(ws, fmt: _Formats, plan: Plan) -> None:
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
    _page_setup(ws, plan, last_col=1, last_row=r0 + len(guide))
    ws.protect("", _PROTECT)


_PROTECT = {"format_columns": True, "format_rows": True, "select_locked_cells": True, "select_unlocked_cells": True}


def _page_setup(ws, plan: Plan, last_col: int, last_row: int, repeat: tuple[int, int] | None = None) -> None:
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


def _write_form(ws, fmt: _Formats, plan: Plan, number: int, blank: dict[str, str]) -> None:
    cat, unit = plan.catalog, plan.unit
    form = cat.form(number)
    for col, w in WIDTHS.items():
        ws.set_column(col, col, w)
    ws.hide_gridlines(2)
    title = fmt(bold=True, align="center", font_size=13)
    ws.merge_range(0, 0, 0, COL_NOTE, layout.form_sheet(number), title)
    ws.merge_range(1, 0, 1, COL_NOTE, form.title, fmt(bold=True, align="center", text_wrap=True))
    ws.merge_range(2, 0, 2, COL_NOTE, f"Đơn vị: {unit.name} – Kỳ báo cáo: {plan.period.label}", fmt(italic=True, align="center"))
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

    reading: dict[str, list[str]] = {}
    for r in plan.rules:
        if r.kind == "required":
            continue  # a blank cell is visibly blank; flagging every blank input would drown real problems
        for k in r.operands:
            reading.setdefault(k, []).append(r.id)

    for ind in form.indicators:
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
            continue
        kind = ind.unit_kind_of_value(unit.kind)
        applies, computed = plan.typed(ind), plan.formula(ind)
        note_f = fmt(border=1, text_wrap=True, locked=not applies, **({} if applies else {"bg_color": GREY}))
        if ind.key in plan.plan_computed:
            _write_plan_computed(ws, fmt, row, ind, kind, plan.plan_computed[ind.key], note_f)
        elif computed:
            agg = ind.aggregate
            num = layout.value_name(*_split(agg.numerator))
            den = layout.value_name(*_split(agg.denominator))
            ws.write_formula(row, COL_VALUE, ratio_formula(num, den),
                             fmt(border=1, align="right", num_format=_num_format("percent", computed=True), bg_color=COMPUTED, locked=True), "")
        elif applies:
            ws.write_blank(row, COL_VALUE, None, fmt(border=1, align="right", locked=False, num_format=_num_format(kind)))
            ws.data_validation(row, COL_VALUE, row, COL_VALUE, _validation(ind, unit))
        else:
            ws.write_blank(row, COL_VALUE, None, fmt(border=1, bg_color=GREY, locked=True, num_format=_num_format(kind)))
        if ind.key not in plan.plan_computed:
            ws.write_blank(row, COL_NOTE, None, note_f)
        if applies:
            ws.data_validation(row, COL_NOTE, row, COL_NOTE, {
                "validate": "length", "criteria": "<=", "value": 1000, "ignore_blank": True,
                "input_title": "Ghi chú", "input_message": f"Ghi chú cho mục {ind.code} (nếu có), tối đa 1000 ký tự.",
                "error_title": "Ghi chú quá dài", "error_message": "Ghi chú tối đa 1000 ký tự.",
            })
        ids = reading.get(ind.key, [])
        flag_f = fmt(border=1, align="center", font_color="#7F7F7F", font_size=10)
        if ids:
            errs = ",".join(f'{plan.status_ref(i)}="Lỗi"' for i in ids)
            warns = ",".join(f'{plan.status_ref(i)}="Cảnh báo"' for i in ids)
            cached = "Lỗi" if any(blank[i] == "Lỗi" for i in ids) else ("Cảnh báo" if any(blank[i] == "Cảnh báo" for i in ids) else "")
            ws.write_formula(row, COL_FLAG, f'=IF(OR({errs}),"Lỗi",IF(OR({warns}),"Cảnh báo",""))', flag_f, cached)
        else:
            ws.write_blank(row, COL_FLAG, None, flag_f)
    last = FIRST_ROW + len(form.indicators) - 1
    value_range = f"{VALUE_COL_LETTER}{FIRST_ROW + 1}:{VALUE_COL_LETTER}{last + 1}"
    flag0 = f"$F{FIRST_ROW + 1}"
    ws.conditional_format(value_range, {"type": "formula", "criteria": f'={flag0}="Lỗi"', "format": wb_format(fmt, ERROR_FILL)})
    ws.conditional_format(value_range, {"type": "formula", "criteria": f'={flag0}="Cảnh báo"', "format": wb_format(fmt, WARNING_FILL)})
    ws.conditional_format(f"F{FIRST_ROW + 1}:F{last + 1}", {"type": "cell", "criteria": "==", "value": '"Lỗi"', "format": wb_format(fmt, ERROR_FILL, "#9C0006")})
    ws.conditional_format(f"F{FIRST_ROW + 1}:F{last + 1}", {"type": "cell", "criteria": "==", "value": '"Cảnh báo"', "format": wb_format(fmt, WARNING_FILL, "#9C5700")})
    ws.freeze_panes(FIRST_ROW, 0)
    _page_setup(ws, plan, last_col=COL_NOTE, last_row=last, repeat=(HEADER_ROW, HEADER_ROW + 1))
    ws.protect("", _PROTECT)


def _write_plan_computed(ws, fmt: _Formats, row: int, ind: Indicator, kind: str, why: str, note_f) -> None:
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


def wb_format(fmt: _Formats, fill: str, font: str | None = None) -> Any:
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


def _write_check(ws, fmt: _Formats, plan: Plan, blank: dict[str, str], extra: list[dict] = ()) -> None:
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
    _page_setup(ws, plan, last_col=5, last_row=CHECK_HEADER_ROW + max(n, 1), repeat=(CHECK_HEADER_ROW, CHECK_HEADER_ROW))
    ws.protect("", dict(_PROTECT, autofilter=True, sort=False))


def _write_meta(ws, fmt: _Formats, values: dict[str, str]) -> None:
    for i, key in enumerate(layout.META_KEYS + layout.OPTIONAL_META_KEYS):
        if key in values:
            ws.write_string(i, 0, key)
            ws.write_string(i, 1, str(values[key]))
    ws.protect("", {})
    ws.very_hidden()


_WB_PR = re.compile(rb"(<workbookPr\b[^>]*/>)")


def _lock_structure(data: bytes) -> bytes:
    """Add workbook-structure protection (xlsxwriter cannot): users cannot rename, add or unhide sheets.

    The zip is rewritten member by member with the original names, order and (fixed) timestamps, so
    the result stays byte-identical for identical inputs.
    """
    return rewrite_zip(data, {"xl/workbook.xml": lambda x: _WB_PR.sub(rb'\1<workbookProtection lockStructure="1"/>', x, count=1)})


def rewrite_zip(data: bytes, edits: dict[str, Any]) -> bytes:
    """`data` with the members in `edits` (name → function of their bytes) edited, as `_write_zip` writes it.

    A zip already in that form (ours: xlsxwriter's and `_write_zip`'s) keeps the other members'
    compressed bytes (xlcchc.template_zip.rezip): the same bytes as re-compressing them, at a fraction."""
    from .template_zip import rezip

    src = zipfile.ZipFile(io.BytesIO(data))
    edited = {name: edit(src.read(name)) for name, edit in edits.items()}
    fast = rezip(data, edited)
    if fast is not None:
        return fast
    infos = src.infolist()
    parts = {i.filename: src.read(i.filename) for i in infos}
    return _write_zip(infos, {**parts, **edited})


def _write_zip(infos: list[zipfile.ZipInfo], parts: dict[str, bytes]) -> bytes:
    """Zip `parts` in the order of `infos`, keeping their names and (fixed) timestamps: deterministic."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            zi.create_system = info.create_system
            dst.writestr(zi, parts[info.filename])
    return out.getvalue()


# --- reference templates ----------------------------------------------------------------------------

#: Units whose blank template is committed under templates/<regime>/ (one per kind of unit).
REFERENCE_UNITS = ("TINH", "SNV", "H-THO-XUAN")
REFERENCE_PERIOD = "2022-N"


def reference_template_files(regime: str = DEFAULT_REGIME) -> dict[str, bytes]:
    """Relative path → bytes of the committed blank templates (compared byte for byte by a test)."""
    from .signing import sample_key

    cat = load_catalog(regime)
    period = parse_period(REFERENCE_PERIOD)
    out = {}
    for code in REFERENCE_UNITS:
        unit = _find_unit(cat, code)
        # Reference templates are samples: signed with the published sample key, like samples/.
        out[f"{regime}/{unit.code}_{period.code}.xlsx"] = template_bytes(cat, unit, period, key=sample_key())
    return out


def write_reference_templates(root: Path | str, regime: str = DEFAULT_REGIME) -> list[Path]:
    root = Path(root)
    written = []
    for rel, data in sorted(reference_template_files(regime).items()):
        path = root / rel
        write_bytes(path, data)
        written.append(path)
    return written


# --- CLI ------------------------------------------------------------------------------------------

def template_filename(unit: Unit, period: Period) -> str:
    return f"{unit.code}_{period.code}.xlsx"


def cli_template(args) -> int:
    from .catalog.select import choose_regime
    from .signing import signing_key

    period = parse_period(args.period)
    catalog = load_catalog(choose_regime(args.regime, period))
    _check_period(catalog, period)
    out = Path(args.output)
    if args.all_units:
        if args.unit:
            raise TemplateError("Dùng --unit hoặc --all-units, không dùng cả hai")
        if out.suffix.lower() == ".xlsx":
            raise TemplateError(f"Với --all-units, -o phải là một thư mục, không phải tệp “{out.name}”")
        from .template_units import templates_for_units

        units = registry_of(catalog).reporting_units()
        key = signing_key(getattr(args, "key", None))
        for unit, data in templates_for_units(catalog, units, period, key=key):  # one build per kind of unit
            write_bytes(out / template_filename(unit, period), data)
        print(f"Đã tạo {len(units)} biểu mẫu trong thư mục {Path(out).resolve()}")
        return 0
    if not args.unit:
        raise TemplateError("Cần --unit MÃ_ĐƠN_VỊ (hoặc --all-units); xem danh sách: xlcchc catalog units")
    unit = _find_unit(catalog, args.unit)
    if out.is_dir():
        out = out / template_filename(unit, period)
    elif out.suffix.lower() != ".xlsx":
        raise TemplateError(f"Tệp kết quả phải có đuôi .xlsx: “{out.name}”")
    build_template(catalog, unit, period, out, key=signing_key(getattr(args, "key", None)))
    print(f"Đã tạo biểu mẫu {unit.name} – {period.label}: {Path(out).resolve()}")
    return 0

# --- filling (`values import`) ----------------------------------------------------------------------

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "p": "http://schemas.openxmlformats.org/package/2006/relationships",
}


@dataclass(frozen=True)
class FillIssue:
    """A value or note of the values file that was not written (or disagrees), and why, in Vietnamese."""

    form: int
    code: str
    reason: str
    value: Any = None
    expected: float | None = None  # for a computed row: numerator / denominator × 100

    @property
    def key(self) -> str:
        return f"{self.form}:{self.code}"

    def __str__(self) -> str:
        return f"Biểu mẫu {self.form}, mục {self.code}: {self.reason}"


@dataclass
class FillReport:
    """What `fill_template` did: written keys, skipped rows (with reasons), disagreeing computed rows."""

    output: Path
    unit: str
    period: str
    written: list[str] = field(default_factory=list)  # form:code of values written
    notes_written: list[str] = field(default_factory=list)
    skipped: list[FillIssue] = field(default_factory=list)
    disagreements: list[FillIssue] = field(default_factory=list)
    computed_agreeing: list[str] = field(default_factory=list)  # computed rows given a value that matches
    tasks_written: list[str] = field(default_factory=list)  # task ids of the “Nhiệm vụ” sheet written
    task_issues: list[str] = field(default_factory=list)  # task rows of the values file not written, and why

    @property
    def ok(self) -> bool:
        return not self.skipped and not self.disagreements

    def summary(self) -> str:
        parts = [f"đã ghi {len(self.written)} số liệu, {len(self.notes_written)} ghi chú vào “{self.output.name}”"]
        if self.skipped:
            parts.append(f"bỏ qua {len(self.skipped)} dòng")
        if self.disagreements:
            parts.append(f"{len(self.disagreements)} tỷ lệ khác với số tính từ tử số/mẫu số")
        if self.tasks_written or self.task_issues:
            parts.append(f"{len(self.tasks_written)} nhiệm vụ" + (f" (bỏ qua {len(self.task_issues)})" if self.task_issues else ""))
        return "; ".join(parts)


@dataclass
class _Book:
    """The parts of a template's zip that filling needs, parsed once."""

    infos: list[zipfile.ZipInfo]
    parts: dict[str, bytes]
    names: dict[str, tuple[str, str]]  # defined name → (sheet part path, cell ref such as D12)
    strings: list[str]

    def cell_text(self, name: str) -> str | None:
        if name not in self.names:
            return None
        part, ref = self.names[name]
        return _read_cells(self.parts[part], self.strings, {ref}).get(ref)


def _load_book(path: Path) -> _Book:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise TemplateError(f"Không đọc được tệp mẫu “{path.name}”: {e.strerror}") from None
    return load_book_bytes(data, path.name)


def load_book_bytes(data: bytes, label: str = "") -> _Book:
    """The template's parts, its defined names resolved to (sheet part, cell) and its shared strings."""
    from defusedxml import ElementTree as ET

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
    return _Book(infos, parts, names, strings)


_CELL = re.compile(r'<c r="([A-Z]{1,3}[0-9]+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)


def _read_cells(xml: bytes, strings: list[str], refs: set[str]) -> dict[str, Any]:
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


def _patch_sheet(xml: bytes, writes: dict[str, Any], cached: dict[str, Any]) -> tuple[bytes, set[str]]:
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


def fill_template(template_path: Path | str, doc, output_path: Path | str, *, cover: dict[str, Any] | None = None,
                  unit: Unit | None = None) -> FillReport:
    """Write the values (and notes) of `doc` (a `values.ValuesDoc`) into a copy of a template.

    Only the named input cells are patched inside the zip, so protection, validation, conditional
    formats and names stay exactly as the template had them; the template file itself is never
    modified. Values go in as given: numbers as numbers, text as text (a string starting with `=` is
    text, never a formula). Rows the unit does not fill, unknown codes and computed percentages are not
    written but reported; a computed percentage given with a value that differs from
    numerator / denominator × 100 by more than 0.005 is reported as a disagreement. `cover` optionally
    fills cover inputs (`BIA_*` → text or date). The cached results of the formulas are recomputed
    (`xlcchc.formulas`), so a reader that does not recalculate still sees true statuses. `unit` is the
    template's unit when the registry no longer lists it (the sample return of a commune merged away in
    2025, signed for that unit); its code must be the one the template names.
    """
    template_path, output_path = Path(template_path), Path(output_path)
    if output_path.resolve() == template_path.resolve():
        raise TemplateError("Tệp kết quả phải khác tệp mẫu (tệp mẫu không bao giờ bị ghi đè)")
    book = _load_book(template_path)
    regime = book.cell_text(layout.meta_name("regime"))
    unit_code = book.cell_text(layout.meta_name("unit"))
    period_code = book.cell_text(layout.meta_name("period"))
    if not (regime and unit_code and period_code):
        raise TemplateError(f"Tệp “{template_path.name}” không phải biểu mẫu do xlcchc tạo (thiếu thông tin mẫu)")
    catalog = load_catalog(str(regime))
    if unit is None:
        unit = _find_unit(catalog, str(unit_code))
    elif unit.code != str(unit_code).strip():
        raise TemplateError(f"Tệp mẫu “{template_path.name}” là của đơn vị “{unit_code}”, không phải “{unit.code}”")
    period = parse_period(str(period_code))
    _check_doc(doc, catalog, unit, period, template_path.name)
    report = FillReport(output=output_path, unit=unit.code, period=period.code)

    given = {}
    notes = {}
    for row in doc.values:
        ind = catalog.indicators.get(row.key)
        if ind is None:
            report.skipped.append(FillIssue(row.form, row.code, f"không có mục {row.code} trong Biểu mẫu {row.form}", row.value))
            continue
        if not ind.has_value:
            report.skipped.append(FillIssue(row.form, row.code, "dòng tiêu đề, không có ô số liệu", row.value))
            continue
        if row.key in given or row.key in notes:
            report.skipped.append(FillIssue(row.form, row.code, "mục xuất hiện nhiều lần trong tệp số liệu; dùng lần cuối", row.value))
        if row.value is not None:
            given[row.key] = row.value
        if row.note:
            notes[row.key] = row.note

    writes: dict[str, dict[str, Any]] = {}

    def put(name: str, value: Any) -> bool:
        if name not in book.names:
            return False
        part, ref = book.names[name]
        writes.setdefault(part, {})[ref] = value
        return True

    written_values: dict[str, Any] = {}
    by_plan = plan_computed(catalog, unit, period)
    for key in sorted(given, key=_key_order):
        ind, value = catalog.indicators[key], given[key]
        if key in by_plan:
            report.skipped.append(FillIssue(ind.form, ind.code, "kỳ có kế hoạch CCHC: mục tự tính khi tổng hợp từ "
                                                                "trang “Nhiệm vụ” (ô bị khóa)", value))
            continue
        if catalog.computed(ind, unit):
            agg = ind.aggregate
            expected = computed_ratio(given.get(agg.numerator), given.get(agg.denominator))
            if expected is None:
                report.skipped.append(FillIssue(ind.form, ind.code, "tỷ lệ được tính tự động bằng công thức; không ghi đè", value))
            elif not is_number(value) or not percent_accepted(value, given[agg.numerator], given[agg.denominator]):
                shown = fmt_vn(value) if is_number(value) else f"“{value}”"
                report.disagreements.append(FillIssue(
                    ind.form, ind.code,
                    f"tỷ lệ ghi {shown} khác với {fmt_vn(expected, 3)} tính từ tử số/mẫu số "
                    "(ô là công thức, không ghi đè)", value, round(expected, 6)))
            else:
                report.computed_agreeing.append(key)
            continue
        if not catalog.applies(ind, unit):
            report.skipped.append(FillIssue(ind.form, ind.code, f"{unit.short_name} không báo cáo chỉ tiêu này (ô bị khóa)", value))
            continue
        if isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
            report.skipped.append(FillIssue(ind.form, ind.code, "giá trị không ghi được vào bảng tính", value))
            continue
        if put(layout.value_name(ind.form, ind.code), value):
            written_values[key] = value
        else:
            report.skipped.append(FillIssue(ind.form, ind.code, "mẫu thiếu tên ô của mục này", value))
    for key in sorted(notes, key=_key_order):
        ind = catalog.indicators[key]
        if not catalog.applies(ind, unit) or key in by_plan:
            report.skipped.append(FillIssue(ind.form, ind.code, "ghi chú của chỉ tiêu đơn vị không báo cáo (ô bị khóa)", notes[key]))
        elif put(layout.note_name(ind.form, ind.code), str(notes[key])):
            report.notes_written.append(key)
    for name, value in sorted((cover or {}).items()):
        if name not in layout.COVER_FIELDS:
            raise TemplateError(f"“{name}” không phải ô thông tin của trang Bìa ({', '.join(layout.COVER_FIELDS)})")
        if isinstance(value, (_dt.date, _dt.datetime)):
            value = _excel_date(value)
        put(name, value)

    from .template_tasks import fill_tasks

    report.tasks_written, report.task_issues, task_status, task_cached = fill_tasks(
        book, doc, catalog, unit, period, put, lambda n: _current(book, writes, n))
    cached = _cached_results(book, catalog, unit, writes, task_status)
    for part, cells in task_cached.items():
        cached.setdefault(part, {}).update(cells)
    parts = dict(book.parts)
    for part in sorted(set(writes) | set(cached)):
        parts[part], done = _patch_sheet(book.parts[part], writes.get(part, {}), cached.get(part, {}))
        missing = set(writes.get(part, {})) - done
        if missing:
            raise TemplateError(f"Tệp mẫu “{template_path.name}” đã bị sửa (ô {', '.join(sorted(missing))} không còn là ô nhập)")
    data = _write_zip(book.infos, parts)
    report.written = sorted(written_values, key=_key_order)
    write_bytes(output_path, data)
    return report


def _excel_date(d: _dt.date) -> float:
    base = _dt.datetime(1899, 12, 30)
    if not isinstance(d, _dt.datetime):
        d = _dt.datetime(d.year, d.month, d.day)
    delta = d - base
    return delta.days + delta.seconds / 86400


def _key_order(key: str) -> tuple:
    f, c = key.split(":", 1)
    return (int(f), tuple(int(p) if p.isdigit() else 10**6 for p in c.split(".")), c)


def _check_doc(doc, catalog: Catalog, unit: Unit, period: Period, name: str) -> None:
    """A values file for another unit, period or regime must not land in this template."""
    if doc.regime and doc.regime != catalog.regime:
        raise TemplateError(f"Tệp số liệu thuộc chế độ “{doc.regime}”, còn mẫu “{name}” thuộc “{catalog.regime}”")
    if doc.unit and doc.unit.strip() != unit.code:
        raise TemplateError(f"Tệp số liệu của đơn vị “{doc.unit}”, còn mẫu “{name}” của {unit.name} ({unit.code})")
    if doc.period:
        try:
            p = parse_period(doc.period)
        except XlcchcError:
            raise TemplateError(f"Kỳ báo cáo “{doc.period}” trong tệp số liệu không hợp lệ") from None
        if p != period:
            raise TemplateError(f"Tệp số liệu của kỳ “{p.label}”, còn mẫu “{name}” của kỳ “{period.label}”")


def _current(book: _Book, writes: dict[str, dict[str, Any]], name: str) -> Any:
    """A named cell's content as the filled workbook will have it (written value, else the template's)."""
    if name not in book.names:
        return None
    part, ref = book.names[name]
    if ref in writes.get(part, {}):
        return writes[part][ref]
    return _read_cells(book.parts[part], book.strings, {ref}).get(ref)


def _cached_results(book: _Book, catalog: Catalog, unit: Unit, writes: dict[str, dict[str, Any]],
                    extra_status: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Formula results after the fill (computed ratios, statuses, flags, counts), by sheet part and cell.

    Cell contents come from the workbook as it will be (template cells overlaid with the writes), so a
    template that was already partly filled gets true results too. Check-sheet rows are found by the
    rule id in their first column, flags by the value cell's row: no fixed row numbers.
    """
    plan = make_plan(catalog, unit, parse_period(book.cell_text(layout.meta_name("period")) or REFERENCE_PERIOD))
    refs_by_part: dict[str, set[str]] = {}
    for ind in catalog.value_indicators():
        name = layout.value_name(ind.form, ind.code)
        if name in book.names:
            part, ref = book.names[name]
            refs_by_part.setdefault(part, set()).add(ref)
    contents: dict[tuple[str, str], Any] = {}
    for part, refs in refs_by_part.items():
        for ref, v in _read_cells(book.parts[part], book.strings, refs).items():
            contents[(part, ref)] = v
    for part, w in writes.items():
        for ref, v in w.items():
            contents[(part, ref)] = v
    values: dict[str, Any] = {}
    for ind in catalog.value_indicators():
        loc = book.names.get(layout.value_name(ind.form, ind.code))
        if loc and not catalog.computed(ind, unit) and ind.key not in plan.plan_computed:
            values[ind.key] = contents.get(loc)
    from .formulas import cell_values

    values = cell_values(values, catalog, unit)
    status = {r.id: rule_status(r, values, catalog, unit) for r in plan.rules}
    status.update(extra_status or {})  # the task rows (xlcchc.template_tasks.fill_tasks)
    reading: dict[str, list[str]] = {}
    for r in plan.rules:
        if r.kind != "required":
            for k in r.operands:
                reading.setdefault(k, []).append(r.id)
    out: dict[str, dict[str, Any]] = {}
    for ind in catalog.value_indicators():
        loc = book.names.get(layout.value_name(ind.form, ind.code))
        if not loc:
            continue
        part, ref = loc
        if plan.formula(ind):
            out.setdefault(part, {})[ref] = values.get(ind.key)
        ids = reading.get(ind.key, [])
        if ids:
            row = re.sub(r"[A-Z]+", "", ref)
            worst = "Lỗi" if any(status[i] == "Lỗi" for i in ids) else ("Cảnh báo" if any(status[i] == "Cảnh báo" for i in ids) else "")
            out.setdefault(part, {})[f"F{row}"] = worst
    if ERROR_COUNT_NAME in book.names:
        part, ref = book.names[ERROR_COUNT_NAME]
        errors, warnings = count_statuses(status.values())
        out.setdefault(part, {})[ref] = errors
        if WARNING_COUNT_NAME in book.names:
            out[part][book.names[WARNING_COUNT_NAME][1]] = warnings
        ids = _check_rows(book.parts[part], book.strings)
        for row, rid in ids.items():
            if rid in status:
                out[part][f"F{row}"] = status[rid]
    return out


def _check_rows(xml: bytes, strings: list[str]) -> dict[int, str]:
    """Row number → rule id, read from column A of the check sheet."""
    out = {}
    for m in _CELL.finditer(xml.decode("utf-8")):
        ref = m.group(1)
        if not ref.startswith("A") or not ref[1:].isdigit():
            continue
        v = _read_cells(m.group(0).encode("utf-8"), strings, {ref}).get(ref)
        if isinstance(v, str):
            out[int(ref[1:])] = v
    return out
