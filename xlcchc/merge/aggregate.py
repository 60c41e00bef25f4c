"""The aggregation rules: how the consolidated figure of each indicator is formed from the units' returns.

Pure functions over in-memory values, so that the merge, `read_provincial` (which recomputes the figures
after the consolidator's adjustments) and the tests all use one implementation. The method of every
indicator comes from the catalog (`Indicator.aggregate`); nothing here names an indicator.

Two phases, because some figures are made from units' returns and others from consolidated figures:
- base (`sum`, `lead`, `share_yes`, `none`): from the per-unit values;
- derived (`total`, `ratio`): from the *final* consolidated figures of other rows (adjustments applied),
  so that an adjusted numerator changes its percentage, and a percentage is never an average of
  percentages.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from ..catalog.models import Catalog, Indicator, Registry, Unit
from ..formulas import percent_shown  # one rule for a printed percentage: never 100 for what is not

Value = float | str | None

#: Decimals a percentage is rounded to (as printed, and as the check's 0.005 tolerance assumes).
PERCENT_DECIMALS = 2


def round_half_up(x: float, decimals: int = PERCENT_DECIMALS) -> float:
    """Round like Excel's ROUND (half away from zero on the decimal text), not Python's banker's rounding.

    The workbook stores ROUND(...) formulas next to these values; both must agree to the last digit.
    """
    q = Decimal(1).scaleb(-decimals)
    d = Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP)
    return float(d)


def number(v: Value) -> float | None:
    """A value usable in arithmetic; text (an unreadable cell) and blanks are not numbers."""
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)) and math.isfinite(v):
        return float(v)
    return None


def fills(ind: Indicator, unit: Unit) -> bool:
    """Whether `unit`'s figure for `ind` takes part in a `sum`/`share_yes` (kinds or codes in `filled_by`)."""
    by = ind.aggregate.filled_by
    return unit.kind in by or unit.code in by


def sum_rule_terms(catalog: Catalog) -> dict[str, list[str]]:
    """target key → terms of the catalog's `sum` rule whose target it is (what a `total` row adds up)."""
    out: dict[str, list[str]] = {}
    for r in catalog.rules:
        if r.kind == "sum" and r.target and r.target not in out:
            out[r.target] = list(r.terms)
    return out


def contributors(
    catalog: Catalog, registry: Registry, ind: Indicator, units: Iterable[str]
) -> list[str]:
    """The units (in the given order) whose returns feed a `sum`/`share_yes` row; never the top unit."""
    out = []
    for code in units:
        u = registry.by_code.get(code)
        if u is None or u.code == registry.top:
            continue
        if fills(ind, u):
            out.append(code)
    return out


def base_values(
    catalog: Catalog,
    registry: Registry,
    by_unit: Mapping[str, Mapping[str, Value]],
    plan_counts: Mapping[str, float] | None = None,
) -> dict[str, Value]:
    """Figures of the rows formed directly from units' returns (`sum`, `lead`, `share_yes`, `none`).

    `plan_counts` (`plan_tasks`, `plan_done` → count) when the period has a plan: those rows are the
    tracked tasks' counts (`xlcchc.merge.plan`); without, they are the lead unit's figure.

    `by_unit` maps unit code → indicator key → value of the return used for that unit (units that did
    not send are simply absent). A blank unit contributes nothing; all blank gives blank.
    """
    units = sorted(by_unit)
    out: dict[str, Value] = {}
    for ind in catalog.value_indicators():
        agg = ind.aggregate
        key = ind.key
        if agg.method == "sum":
            nums = [number(by_unit[c].get(key)) for c in contributors(catalog, registry, ind, units)]
            nums = [x for x in nums if x is not None]
            out[key] = math.fsum(nums) if nums else None
        elif agg.method == "share_yes":
            answers = [number(by_unit[c].get(key)) for c in contributors(catalog, registry, ind, units)]
            answers = [x for x in answers if x in (0.0, 1.0)]
            out[key] = (
                percent_shown(answers.count(1.0), len(answers)) if answers else None
            )
        elif agg.method in ("plan_tasks", "plan_done") and plan_counts is not None:
            out[key] = plan_counts.get(agg.method)
        elif agg.lead_like:
            lead = by_unit.get(agg.lead or "")
            v = lead.get(key) if lead is not None else None
            if ind.kind == "text":
                out[key] = v if isinstance(v, str) and v.strip() else None
            else:
                out[key] = number(v)
        elif agg.method == "none":
            out[key] = None
    return out


def derived_order(catalog: Catalog) -> list[Indicator]:
    """`total` and `ratio` rows, each after the rows it reads (a ratio of totals, a total of totals)."""
    terms = sum_rule_terms(catalog)
    derived = {i.key: i for i in catalog.value_indicators() if i.aggregate.method in ("total", "ratio")}

    def deps(ind: Indicator) -> list[str]:
        if ind.aggregate.method == "total":
            return terms.get(ind.key, [])
        return [ind.aggregate.numerator or "", ind.aggregate.denominator or ""]

    order: list[Indicator] = []
    state: dict[str, int] = {}

    def visit(key: str, path: tuple[str, ...]) -> None:
        if state.get(key) == 2 or key not in derived:
            return
        if key in path:  # a cycle in the catalog: leave the rest to the catalog's own validation
            return
        for d in deps(derived[key]):
            visit(d, path + (key,))
        state[key] = 2
        order.append(derived[key])

    for key in derived:
        visit(key, ())
    return order


def finalize(
    catalog: Catalog,
    base: Mapping[str, Value],
    adjustments: Mapping[str, Value] | None = None,
) -> tuple[dict[str, Value], dict[str, Value]]:
    """(computed, final) figures of every indicator.

    `computed` is what the aggregation gives; `final` is the figure used: the consolidator's adjustment
    where there is one, else the computed figure. Derived rows are computed from the final figures of
    the rows they read, exactly as the workbook's formulas do.
    """
    adjustments = adjustments or {}
    terms = sum_rule_terms(catalog)
    computed: dict[str, Value] = {}
    final: dict[str, Value] = {}
    for ind in catalog.value_indicators():
        if ind.aggregate.method not in ("total", "ratio"):
            computed[ind.key] = base.get(ind.key)
            final[ind.key] = adjustments[ind.key] if ind.key in adjustments else computed[ind.key]
    for ind in catalog.value_indicators():  # a sum plus consolidated figures no unit reports (5:4 + 4.1)
        plus = ind.aggregate.plus
        if plus:
            nums = [number(x) for x in (base.get(ind.key), *(final.get(p) for p in plus))]
            nums = [x for x in nums if x is not None]
            computed[ind.key] = math.fsum(nums) if nums else None
            final[ind.key] = adjustments[ind.key] if ind.key in adjustments else computed[ind.key]
    for ind in derived_order(catalog):
        agg = ind.aggregate
        if agg.method == "total":
            nums = [number(final.get(t)) for t in terms.get(ind.key, [])]
            nums = [x for x in nums if x is not None]
            value: Value = math.fsum(nums) if nums else None
        else:
            num = number(final.get(agg.numerator or ""))
            den = number(final.get(agg.denominator or ""))
            value = percent_shown(num, den) if num is not None and den else None
        computed[ind.key] = value
        final[ind.key] = adjustments[ind.key] if ind.key in adjustments else value
    return computed, final


def lead_notes(
    catalog: Catalog, notes_by_unit: Mapping[str, Mapping[str, str]]
) -> dict[str, str]:
    """Notes carried to the consolidated figure: a lead agency's note on a row it leads.

    Notes on summed rows stay with each unit (the per-unit detail), since joining dozens of them would
    make a note nobody can print.
    """
    out: dict[str, str] = {}
    for ind in catalog.value_indicators():
        agg = ind.aggregate
        if agg.lead_like:
            note = notes_by_unit.get(agg.lead or "", {}).get(ind.key, "")
            if note and note.strip():
                out[ind.key] = note
    return out


def per_unit_ratio(values: Mapping[str, Value], ind: Indicator) -> float | None:
    """A unit's own percentage for a ratio row, from its own numerator and denominator (dashboard)."""
    num = number(values.get(ind.aggregate.numerator or ""))
    den = number(values.get(ind.aggregate.denominator or ""))
    return percent_shown(num, den) if num is not None and den else None


__all__ = [
    "PERCENT_DECIMALS",
    "base_values",
    "contributors",
    "derived_order",
    "finalize",
    "fills",
    "lead_notes",
    "number",
    "per_unit_ratio",
    "round_half_up",
    "sum_rule_terms",
]
