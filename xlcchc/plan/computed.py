"""Rows of a return that the period's plan computes, so the unit must not type them.

Biểu mẫu 1 items 2.1 / 2.2 (`plan_tasks` / `plan_done`) are the province's figures: with a plan for the
period the merge counts them from the tracked tasks, and a number the Sở Nội vụ (the rows' lead) or the
province's own template (the level unit) typed would be ignored. So in those two templates, and only in a
period with a plan, the rows and the rate computed from them (item 2) are locked and greyed like derived
cells, with a note saying why; their rules are not checked there (a blank cell is what is expected). In a
period without a plan they stay the lead's typed figures. The departments and districts that report their
own plan's 2.1 / 2.2 (`by`) keep typing them: their figures are their own, not the province's.
"""

from __future__ import annotations

from ..catalog.models import Catalog, Unit
from ..periods import Period

PLAN_METHODS = ("plan_tasks", "plan_done")

_CACHE: dict[tuple, dict[str, str]] = {}


def plan_computed(catalog: Catalog, unit: Unit, period: Period) -> dict[str, str]:
    """form:code → why the row is computed from the plan (empty: the period has no plan, or the unit types none)."""
    key = (catalog.regime, catalog.fingerprint, *catalog.fill_key(unit), period.code)
    got = _CACHE.get(key)
    if got is None:
        got = _CACHE[key] = _compute(catalog, unit, period)
    return got


def _compute(catalog: Catalog, unit: Unit, period: Period) -> dict[str, str]:
    counted = [
        i for i in catalog.value_indicators()
        if i.aggregate.method in PLAN_METHODS and (unit.kind == catalog.level or i.aggregate.lead == unit.code)
    ]
    if not counted:
        return {}
    from .load import plan_for

    plan = plan_for(catalog.regime, period)
    if plan is None:
        return {}
    out = {i.key: (f"Kỳ có {plan.title}: mục {i.code} được tính khi tổng hợp từ trang “Nhiệm vụ” của các đơn vị "
                   "chủ trì, không nhập tại đây.") for i in counted}
    for i in catalog.value_indicators():
        agg = i.aggregate
        if agg.method == "ratio" and (agg.numerator in out or agg.denominator in out):
            parts = "/".join(k.split(":", 1)[1] for k in (agg.numerator or "", agg.denominator or ""))
            out[i.key] = (f"Kỳ có {plan.title}: tỷ lệ mục {i.code} được tính khi tổng hợp từ mục {parts} "
                          "(đếm từ nhiệm vụ của kế hoạch), không nhập tại đây.")
    return out


#: The short note printed in the locked row's “Ghi chú” cell (the full reason is the cell's input message).
NOTE = "Kỳ có kế hoạch CCHC: tự tính khi tổng hợp từ trang “Nhiệm vụ”"
