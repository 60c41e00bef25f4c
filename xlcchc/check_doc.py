"""The check of a values file (`xlcchc check VALUES.json|.csv`, `values import`'s input): what `xlcchc.check` does
for a workbook, on figures that come as JSON or CSV instead of cells.

A values file has no cells, so the reader's cell guards are applied here in its stead: unknown codes and
rows the unit does not fill are said and skipped, a figure no statistic can be (beyond `read.MAX_MAGNITUDE`,
infinite) is refused as a cell's would be, computed rows left blank are recomputed from their inputs.
Imported only for a values file: a workbook's check never loads it.
"""

from __future__ import annotations

from .catalog.load import DEFAULT_REGIME, CatalogError, load_catalog, registry_of
from .catalog.models import Catalog, Unit
from .check import check_values
from .findings import WARNING, Finding
from .formulas import is_number
from .numbers import fmt_vn
from .periods import parse_period
from .read import MAX_MAGNITUDE, normalise, recompute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import Any


def _regime_of_period(period: str | None) -> str:
    """A values file naming no regime: the regime in force for its period (today's default without one)."""
    from .catalog.select import choose_regime
    from .periods import PeriodError

    try:
        return choose_regime(None, period or None, default=DEFAULT_REGIME, quiet=True)
    except (PeriodError, CatalogError):
        return DEFAULT_REGIME


def check_doc(doc, *, regime: str | None = None, file: str = "") -> list[Finding]:
    """Check a values file (ValuesDoc): unit = the file's, or the registry's top unit."""
    reg_id = regime or doc.regime or _regime_of_period(getattr(doc, "period", None))
    catalog = load_catalog(reg_id)
    if doc.regime and regime and doc.regime != regime:
        return [Finding(file=file, rule="doc.regime", message=f"Tệp “{file}” là số liệu của chế độ báo cáo “{doc.regime}”, không phải “{regime}”")]
    registry = registry_of(catalog)
    code = doc.unit or registry.top
    unit = registry.by_code.get(code)
    if unit is None:
        return [Finding(file=file, rule="doc.unit_unknown", message=f"Tệp “{file}” ghi mã đơn vị “{code}” không có trong danh mục đơn vị")]
    out: list[Finding] = []
    values: dict[str, Any] = {}
    refused: list[str] = []  # rows whose figure is no figure (`cell.too_large`): one finding, not two
    for row in doc.values:
        ind = catalog.indicators.get(row.key)
        if ind is None or not ind.has_value:
            out.append(
                Finding(
                    file=file, form=row.form, code=row.code, severity=WARNING, rule="cell.unknown_code", unit=unit.code,
                    message=f"Biểu mẫu {row.form}, mục {row.code}: không có chỉ tiêu (có số liệu) mang mã này; dòng bị bỏ qua",
                )
            )
            continue
        if not (catalog.applies(ind, unit) or catalog.computed(ind, unit)):
            if row.value is not None:
                out.append(
                    Finding(
                        file=file, form=row.form, code=row.code, severity=WARNING, rule="cell.not_applicable", unit=unit.code,
                        message=f"Biểu mẫu {row.form}, mục {row.code}: {unit.short_name} không nhập mục này; số liệu bị bỏ qua",
                    )
                )
            continue
        values[row.key] = row.value
        if _beyond_figures(row.value):  # 1e300, inf, 10**400: what the reader refuses in a cell, refused alike
            _, problem = normalise(ind, unit.kind, row.value, file=file)
            if problem is not None:  # (a text row keeps what it was given)
                out.append(problem.model_copy(update={"unit": unit.code}))
                values[row.key] = None
                refused.append(row.key)
        if len(row.note) > 2000:
            out.append(
                Finding(
                    file=file, form=row.form, code=row.code, severity=WARNING, rule="cell.long_note", unit=unit.code,
                    message=f"Biểu mẫu {row.form}, mục {row.code}: ghi chú dài {fmt_vn(len(row.note))} ký tự (đã giữ nguyên); hãy kiểm tra có phải dán nhầm nội dung không",
                    actual=len(row.note),
                )
            )
    # Text in a numeric row is normalised inside check_values; numbers are recomputed where blank.
    vals = _recompute_given(values, catalog, unit)
    if doc.tasks and doc.period:
        from .plan.check import doc_reports, task_findings

        period = parse_period(doc.period)
        reports, unknown = doc_reports(doc, catalog.regime, unit, period, file)
        out += unknown + task_findings(catalog.regime, unit, period, reports, file=file)
    period = parse_period(doc.period) if getattr(doc, "period", None) else None
    found = check_values(vals, catalog, unit, file=file, period=period, skip_domain=refused)
    return sorted([*out, *found], key=Finding.sort_key)


def _beyond_figures(v: Any) -> bool:
    """A number no statistical figure can be (`read.MAX_MAGNITUDE`, infinite, or beyond a double)."""
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return False
    return not is_number(v) or abs(v) >= MAX_MAGNITUDE


def _recompute_given(values: dict[str, Any], catalog: Catalog, unit: Unit) -> dict[str, Any]:
    """Computed rows a values file leaves blank are filled from their inputs (they are formulas in a workbook)."""
    numeric = {}
    for k, v in values.items():
        if isinstance(v, str):
            ind = catalog.indicators[k]
            nv, _ = normalise(ind, unit.kind, v)
            numeric[k] = nv
        else:
            numeric[k] = v
    filled = recompute(numeric, catalog, unit, keep_given=True)
    out = dict(values)
    for k, v in filled.items():
        if out.get(k) is None and v is not None:
            out[k] = v
    return out
