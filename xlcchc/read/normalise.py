"""The value a rule sees for what is stored in a cell, and derived (ratio) values recomputed from inputs.

Shared by the workbook reader and the values-file check so that a typed figure means the same in both.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from ..catalog.models import Catalog, Indicator, Unit
from ..findings import ERROR, Finding
from ..formulas import computed_ratio
from ..numbers import fmt_vn, parse_vn
from .model import CellError, Return

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import Any

MAX_MAGNITUDE = 1e15  # no count or amount in these forms comes near it

WHOLE_KINDS = frozenset({"count", "choice"})


def normalise(
    ind: Indicator, unit_kind: str, raw: Any, *, is_date: bool = False, file: str = "", cell: str | None = None
) -> tuple[float | str | None, Finding | None]:
    """The value a rule sees for what is stored in a cell, and the problem if it cannot be one.

    Shared by the workbook reader and the values-file check so that `"1.234"` means the same in both.
    An unreadable value becomes None (blank for the rules) plus a `cell.*` finding that says what to type.
    """
    kind = ind.unit_kind_of_value(unit_kind)

    def bad(rule: str, msg: str, severity: str = ERROR) -> tuple[None, Finding]:
        return None, Finding(
            file=file, form=ind.form, code=ind.code, cell=cell, severity=severity, rule=rule,
            message=f"Biểu mẫu {ind.form}, mục {ind.code}: {msg}", actual=_jsonable(raw),
        )

    if raw is None:
        return None, None
    if kind == "text":
        if isinstance(raw, CellError):
            return bad("cell.error_value", f"ô có giá trị lỗi {raw}; hãy nhập nội dung")
        if isinstance(raw, bool):
            return ("TRUE" if raw else "FALSE"), None
        return raw, None
    if isinstance(raw, CellError):
        return bad("cell.error_value", f"ô có giá trị lỗi {raw}, không phải một số; hãy nhập số liệu")
    if isinstance(raw, bool):
        return bad("cell.boolean", "ô chứa giá trị đúng/sai (TRUE/FALSE), không phải một số")
    if isinstance(raw, (int, float)):
        try:
            x = float(raw)
        except OverflowError:  # an int beyond any double (a values file's 10**400): refused as a stored 1e999
            x = math.inf
        if is_date:
            return bad(
                "cell.date",
                f"ô chứa ngày tháng ({_serial_date(x)}), không phải một số; Excel có thể đã tự đổi số thành ngày — "
                "hãy định dạng ô là Số rồi nhập lại",
            )
        return _number(ind, kind, x, bad)
    text = str(raw)
    if text.strip() == "":
        return None, None
    p = parse_vn(text)
    if p.blank:
        return None, None
    if p.problem:
        rule = "cell.fraction" if "/" in text else "cell.not_number"
        return bad(rule, f"{p.problem}; {p.hint}")
    return _number(ind, kind, float(p.value), bad, typed=text)


def _number(ind: Indicator, kind: str, x: float, bad, typed: str | None = None):
    if not math.isfinite(x) or abs(x) >= MAX_MAGNITUDE:
        if typed is None and not math.isfinite(x):  # “inf” or “nan” would reach the user raw
            return bad("cell.too_large", "giá trị không phải một số hữu hạn, không thể là số liệu thống kê; hãy kiểm tra lại")
        return bad("cell.too_large", f"số {typed or _plain(x)} quá lớn, không thể là số liệu thống kê; hãy kiểm tra lại")
    if kind in WHOLE_KINDS and typed is None and not float(x).is_integer():
        thousandths = x * 1000
        if abs(thousandths - round(thousandths)) < 1e-6 and abs(x * 100 - round(x * 100)) > 1e-6:
            return bad(
                "cell.thousands",
                f"số {fmt_vn(x, 3)} có phần thập phân nhưng mục này đếm số lượng; có lẽ dấu chấm phân cách "
                f"hàng nghìn đã bị hiểu thành dấu thập phân — hãy gõ {int(round(thousandths))} (không gõ dấu chấm)",
            )
    return (int(x) if float(x).is_integer() and kind in WHOLE_KINDS else x), None


def _plain(x: float) -> str:
    return repr(x) if not math.isfinite(x) else f"{x:g}"


def _serial_date(x: float) -> str:
    try:
        return (datetime(1899, 12, 30) + timedelta(days=x)).strftime("%d/%m/%Y")
    except (OverflowError, ValueError):
        return fmt_vn(x)


def _jsonable(raw: Any) -> Any:
    if raw is None or isinstance(raw, (bool, int)):
        return raw
    if isinstance(raw, float):
        return raw if math.isfinite(raw) else str(raw)
    s = str(raw)
    return s if len(s) <= 200 else s[:199] + "…"


# --- derived values ----------------------------------------------------------------------------


def recompute(values: dict[str, Any], catalog: Catalog, unit: Unit, *, keep_given: bool = False) -> dict[str, Any]:
    """Fill the computed (ratio-formula) rows from their numerator and denominator.

    A cached formula result is never trusted: the percentage is num/den × 100 of the values read, None
    when either is blank or the denominator is 0. `keep_given` keeps a figure a values file carries so
    that the check can compare it with its inputs.
    """
    out = dict(values)
    for key, num, den in ratio_rows(catalog, unit):
        if keep_given and out.get(key) is not None:
            continue
        out[key] = computed_ratio(out.get(num), out.get(den))
    return out


_RATIO_ROWS: dict[tuple, tuple[tuple[str, str, str], ...]] = {}


def ratio_rows(catalog: Catalog, unit: Unit) -> tuple[tuple[str, str, str], ...]:
    """(key, numerator, denominator) of the unit's computed rows, in catalog order: once per fill key
    (`Catalog.fill_key`: what `computed` looks at), not once per return — twice a return in a merge."""
    key = (catalog.regime, catalog.fingerprint, *catalog.fill_key(unit))
    rows = _RATIO_ROWS.get(key)
    if rows is None:
        rows = _RATIO_ROWS[key] = tuple(
            (ind.key, ind.aggregate.numerator, ind.aggregate.denominator)
            for ind in catalog.value_indicators() if catalog.computed(ind, unit)
        )
    return rows


def values_of(ret: Return) -> dict[str, float | str | None]:
    """form:code → value for every row the unit fills, computed rows recomputed from their inputs."""
    cat, unit = ret.catalog, ret.unit_obj
    vals = {k: c.value for k, c in ret.cells.items()}
    return recompute(vals, cat, unit)
