"""Filling a template with a unit's values (`xlcchc values import`, the samples, the national returns).

Filling patches only the named input cells of the template's zip (`xlcchc.template_book`) and leaves every
other byte of it alone: protection, validation and formatting survive because they are never re-serialised.
The formulas' cached results are recomputed (`xlcchc.formulas`) so that a reader which does not recalculate
sees true statuses; the template file itself is never written.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import layout
from .catalog.load import load_catalog
from .catalog.models import Catalog, Unit
from .errors import XlcchcError
from .fileio import write_bytes
from .formulas import (
    ERROR_COUNT_NAME,
    WARNING_COUNT_NAME,
    computed_ratio,
    count_statuses,
    is_number,
    percent_accepted,
    rule_status,
)
from .numbers import fmt_vn
from .periods import Period, parse_period
from .plan.computed import plan_computed
from .template_book import Book, load_book, patch_sheet, read_cells, rule_rows
from .template_geometry import REFERENCE_PERIOD, Plan, TemplateError, _find_unit, make_plan, worst_status
from .template_zip import write_zip


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
    book = load_book(template_path)
    catalog, unit, period = _template_of(book, template_path.name, unit)
    _check_doc(doc, catalog, unit, period, template_path.name)
    report = FillReport(output=output_path, unit=unit.code, period=period.code)
    given, notes = _rows_of(doc, catalog, report)
    cells = _Cells(book)
    by_plan = plan_computed(catalog, unit, period)
    report.written = _put_values(cells, catalog, unit, given, by_plan, report)
    for key in sorted(notes, key=_key_order):
        ind = catalog.indicators[key]
        if not catalog.applies(ind, unit) or key in by_plan:
            report.skipped.append(FillIssue(ind.form, ind.code, "ghi chú của chỉ tiêu đơn vị không báo cáo (ô bị khóa)", notes[key]))
        elif cells.put(layout.note_name(ind.form, ind.code), str(notes[key])):
            report.notes_written.append(key)
    for name, value in sorted((cover or {}).items()):
        if name not in layout.COVER_FIELDS:
            raise TemplateError(f"“{name}” không phải ô thông tin của trang Bìa ({', '.join(layout.COVER_FIELDS)})")
        if isinstance(value, (_dt.date, _dt.datetime)):
            value = _excel_date(value)
        cells.put(name, value)

    from .template_tasks import fill_tasks

    report.tasks_written, report.task_issues, task_status, task_cached = fill_tasks(
        book, doc, catalog, unit, period, cells.put, cells.current)
    cached = _cached_results(book, catalog, unit, cells.writes, task_status)
    for part, got in task_cached.items():
        cached.setdefault(part, {}).update(got)
    write_bytes(output_path, _patched(book, cells.writes, cached, template_path.name))
    return report


def _template_of(book: Book, name: str, unit: Unit | None) -> tuple[Catalog, Unit, Period]:
    """The regime, unit and period a template names in its metadata (`unit`: the caller's, checked)."""
    regime = book.cell_text(layout.meta_name("regime"))
    unit_code = book.cell_text(layout.meta_name("unit"))
    period_code = book.cell_text(layout.meta_name("period"))
    if not (regime and unit_code and period_code):
        raise TemplateError(f"Tệp “{name}” không phải biểu mẫu do xlcchc tạo (thiếu thông tin mẫu)")
    catalog = load_catalog(str(regime))
    if unit is None:
        unit = _find_unit(catalog, str(unit_code))
    elif unit.code != str(unit_code).strip():
        raise TemplateError(f"Tệp mẫu “{name}” là của đơn vị “{unit_code}”, không phải “{unit.code}”")
    return catalog, unit, parse_period(str(period_code))


def _rows_of(doc, catalog: Catalog, report: FillReport) -> tuple[dict[str, Any], dict[str, str]]:
    """The values file's values and notes by indicator key (the last of a repeated row), rows that name no
    value cell reported as skipped."""
    given: dict[str, Any] = {}
    notes: dict[str, str] = {}
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
    return given, notes


class _Cells:
    """The cells a fill writes, found by defined name: sheet part → cell reference → value."""

    def __init__(self, book: Book):
        self.book = book
        self.writes: dict[str, dict[str, Any]] = {}

    def put(self, name: str, value: Any) -> bool:
        """Write `value` to the named cell; False when the template has no such name."""
        if name not in self.book.names:
            return False
        part, ref = self.book.names[name]
        self.writes.setdefault(part, {})[ref] = value
        return True

    def current(self, name: str) -> Any:
        """The named cell as the filled workbook will have it (`_current`)."""
        return _current(self.book, self.writes, name)


def _put_values(cells: _Cells, catalog: Catalog, unit: Unit, given: dict[str, Any], by_plan: dict[str, str],
                report: FillReport) -> list[str]:
    """Write the values the unit types; computed ratios are compared with their parts, never written; the
    other rows are reported skipped with the reason. The keys written, in catalog order."""
    written: list[str] = []
    for key in sorted(given, key=_key_order):
        ind, value = catalog.indicators[key], given[key]
        if key in by_plan:
            report.skipped.append(FillIssue(ind.form, ind.code, "kỳ có kế hoạch CCHC: mục tự tính khi tổng hợp từ "
                                                                "trang “Nhiệm vụ” (ô bị khóa)", value))
        elif catalog.computed(ind, unit):
            _compare_ratio(ind, value, given, report)
        elif not catalog.applies(ind, unit):
            report.skipped.append(FillIssue(ind.form, ind.code, f"{unit.short_name} không báo cáo chỉ tiêu này (ô bị khóa)", value))
        elif isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
            report.skipped.append(FillIssue(ind.form, ind.code, "giá trị không ghi được vào bảng tính", value))
        elif cells.put(layout.value_name(ind.form, ind.code), value):
            written.append(key)
        else:
            report.skipped.append(FillIssue(ind.form, ind.code, "mẫu thiếu tên ô của mục này", value))
    return written


def _compare_ratio(ind, value: Any, given: dict[str, Any], report: FillReport) -> None:
    """A ratio the template computes, given in the values file: agreeing with its parts, or a disagreement."""
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
        report.computed_agreeing.append(ind.key)


def _patched(book: Book, writes: dict[str, dict[str, Any]], cached: dict[str, dict[str, Any]], name: str) -> bytes:
    """The template's zip with the writes and cached results patched in; every input cell written must
    still be an input cell (a template edited by hand is refused, not half-filled)."""
    parts = dict(book.parts)
    for part in sorted(set(writes) | set(cached)):
        parts[part], done = patch_sheet(book.parts[part], writes.get(part, {}), cached.get(part, {}))
        missing = set(writes.get(part, {})) - done
        if missing:
            raise TemplateError(f"Tệp mẫu “{name}” đã bị sửa (ô {', '.join(sorted(missing))} không còn là ô nhập)")
    return write_zip(book.infos, parts)


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


def _current(book: Book, writes: dict[str, dict[str, Any]], name: str) -> Any:
    """A named cell's content as the filled workbook will have it (written value, else the template's)."""
    if name not in book.names:
        return None
    part, ref = book.names[name]
    if ref in writes.get(part, {}):
        return writes[part][ref]
    return read_cells(book.parts[part], book.strings, {ref}).get(ref)


def _cached_results(book: Book, catalog: Catalog, unit: Unit, writes: dict[str, dict[str, Any]],
                    extra_status: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Formula results after the fill (computed ratios, statuses, flags, counts), by sheet part and cell.

    Cell contents come from the workbook as it will be (template cells overlaid with the writes), so a
    template that was already partly filled gets true results too. Check-sheet rows are found by the
    rule id in their first column, flags by the value cell's row: no fixed row numbers.
    """
    plan = make_plan(catalog, unit, parse_period(book.cell_text(layout.meta_name("period")) or REFERENCE_PERIOD))
    values = _filled_values(book, plan, writes)
    status = {r.id: rule_status(r, values, catalog, unit) for r in plan.rules}
    status.update(extra_status or {})  # the task rows (xlcchc.template_tasks.fill_tasks)
    reading = plan.flagging()
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
            out.setdefault(part, {})[f"F{row}"] = worst_status(status[i] for i in ids)
    if ERROR_COUNT_NAME in book.names:
        part, ref = book.names[ERROR_COUNT_NAME]
        errors, warnings = count_statuses(status.values())
        out.setdefault(part, {})[ref] = errors
        if WARNING_COUNT_NAME in book.names:
            out[part][book.names[WARNING_COUNT_NAME][1]] = warnings
        ids = rule_rows(book.parts[part], book.strings)
        for row, rid in ids.items():
            if rid in status:
                out[part][f"F{row}"] = status[rid]
    return out


def _filled_values(book: Book, plan: Plan, writes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The figures of the filled workbook (template cells overlaid with the writes), derived ones recomputed."""
    catalog, unit = plan.catalog, plan.unit
    refs_by_part: dict[str, set[str]] = {}
    for ind in catalog.value_indicators():
        name = layout.value_name(ind.form, ind.code)
        if name in book.names:
            part, ref = book.names[name]
            refs_by_part.setdefault(part, set()).add(ref)
    contents: dict[tuple[str, str], Any] = {}
    for part, refs in refs_by_part.items():
        for ref, v in read_cells(book.parts[part], book.strings, refs).items():
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

    return cell_values(values, catalog, unit)
