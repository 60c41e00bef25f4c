"""Where everything of a template goes, decided before any sheet is written (so formulas can point forward).

The columns, rows and colours of the template's sheets, the `Plan` of one unit's template (the row of each
indicator, the rules that apply and their check-sheet rows, the rows the period's plan computes) and the
lookups whose failure the user is told about (`TemplateError`). Shared by building (`xlcchc.template`,
`xlcchc.template_sheets`) and filling (`xlcchc.template_fill`): a filled template's cached results are
found through the same plan its cells were written with.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from . import layout
from .catalog.load import registry_of
from .catalog.models import Catalog, Indicator, Rule, Unit
from .errors import XlcchcError
from .formulas import ERROR_COUNT_NAME, WARNING_COUNT_NAME
from .periods import Period
from .plan.computed import plan_computed

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

COVER_INPUT_ROW = 9  # 0-based row of the first cover input (BIA_NGUOI_LAP)

#: The period of the committed reference templates (templates/<regime>/), also the fill's fallback period.
REFERENCE_PERIOD = "2022-N"


class TemplateError(XlcchcError):
    """A template cannot be made or filled; the message is for the user."""


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

    def flagging(self) -> dict[str, list[str]]:
        """Indicator key → ids of the rules whose status flags its row (the form's “Kiểm tra” column).

        `required` rules flag nothing: a blank cell is visibly blank, and flagging every blank input would
        drown real problems. The template's formulas and a fill's cached results both come from here."""
        out: dict[str, list[str]] = {}
        for r in self.rules:
            if r.kind != "required":
                for k in r.operands:
                    out.setdefault(k, []).append(r.id)
        return out

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
    """The unit's template laid out: each indicator's row, the rules that apply and their check-sheet rows."""
    plan = Plan(catalog, unit, period, plan_computed=plan_computed(catalog, unit, period))
    for f in catalog.forms:
        for i, ind in enumerate(f.indicators):
            plan.rows[ind.key] = FIRST_ROW + i
    plan.rules = catalog.rules_applying(unit, frozenset(plan.plan_computed))
    for i, r in enumerate(plan.rules):
        plan.status_row[r.id] = CHECK_FIRST_ROW + i
    return plan


def worst_status(statuses) -> str:
    """A row's flag from the statuses of the rules reading it: “Lỗi” over “Cảnh báo” over nothing."""
    statuses = list(statuses)
    return "Lỗi" if "Lỗi" in statuses else ("Cảnh báo" if "Cảnh báo" in statuses else "")


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

