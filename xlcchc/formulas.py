"""Catalog rules compiled into Excel formulas, and the exact semantics those formulas implement.

The check sheet (`Kiểm tra`) of every template must say what `xlcchc check` says, without Python, in
Excel and in LibreOffice. So the semantics live here once, twice written: as the formula compiler
(`rule_formula`) and as a pure-Python mirror (`rule_status`) that a parity test runs against LibreOffice's
recalculation of the same workbook. The Python checker (`xlcchc/check.py`) follows the same rules; if
the two ever disagree, this docstring is the contract.

This module must stay import-light (no xlsxwriter, no openpyxl): the checker may import its constants.

Semantics (one status per rule and unit; `v` is a cell's content as a spreadsheet holds it)
------------------------------------------------------------------------------------------------
A cell is **blank** when it is empty or holds the empty string (`LEN(v)=0`); a formula returning
`""` is blank. A cell is **a number** when it holds a number (`ISNUMBER(v)`); text such as `"1.234"` or
`"-"` typed as text is *not* a number (the domain rule reports it; readers may normalise it first).

Statuses (exact strings): `STATUS_OK` "OK", `STATUS_SKIPPED` "—" (nothing to check yet),
`STATUS_MISSING` "Thiếu số liệu" (some operands missing: not evaluated, counted as a warning), or the
rule's severity `"Lỗi"` / `"Cảnh báo"` when the rule fails. The counts at the top of the check sheet:
errors = statuses equal to "Lỗi"; warnings = statuses equal to "Cảnh báo" plus "Thiếu số liệu".

- **domain** (value of `target`, by the kind the unit types, `Indicator.unit_kind_of_value`):
  blank → "—". Not a number → fail. Otherwise count: whole number ≥ 0; decimal / money: ≥ 0;
  percent: 0 ≤ v ≤ 100; choice: equal to one of the codes the unit answers with
  (`Indicator.unit_choices()`: 1/0 for a share-of-units row asked as a yes/no question). Fail → severity.
- **required**: blank → severity (a warning in the catalog), else "OK". For a row the template computes
  (`Catalog.computed`) the status is always "—": the unit cannot type there, and its numerator and
  denominator carry their own required rules (a 0/0 ratio is legitimately blank).
- **sum** (`target = Σ terms`), **compare** (`Σ left op Σ right`), **ratio** (`target = num/den × 100`):
  let the operands be `Rule.operands` (deduplicated) and *present* mean "is a number" (blank and
  text both count as missing).
  * sum / compare: no operand present → "—"; some but not all present → "Thiếu số liệu"; else
    sum: `|target − Σterms| ≤ tolerance + EPS`; compare `<=`: `L ≤ R + tolerance + EPS`;
    `>=`: `L ≥ R − tolerance − EPS`; `=`: `|L − R| ≤ tolerance + EPS`. False → severity.
  * ratio: no operand present → "—"; numerator or denominator missing → "Thiếu số liệu";
    denominator = 0 → "OK" when numerator = 0 and target is missing or 0, else severity;
    target missing → "Thiếu số liệu"; else `percent_accepted(target, num, den)` → "OK", else
    severity: the printed percentage is the exact ratio rounded *or truncated* to the decimals it
    shows (0–2), or within `RATIO_TOLERANCE` (0.005) when it shows more; never 100 unless num = den,
    never 0 unless num = 0.
  EPS = 1e-9 absorbs binary floating-point noise.

Computed percentage cells (`ratio_formula`, mirrored by `computed_ratio`): `percent_shown(num, den)`
(num/den×100 rounded half up to 2 decimals, but 99,99 rather than 100 when num < den and 0,01 rather
than 0 when num > 0) when both are numbers and `den ≠ 0`, else blank (`""`).

A ratio beyond a double (num/den × 100 × 10² overflows: 1/5e-324 of a crafted return, `scaled_finite`)
has no percentage: the formula shows #NUM! (LibreOffice, on exactly the same inputs: IEEE arithmetic in
the same order), `percent_shown` and `computed_ratio` give None, which every rule reads as COUNT and
ISNUMBER read the error (not a number), and the check words it (`cell.ratio_uncomputable`). A printed
percentage of such a ratio is never accepted (`percent_accepted` is False; the check sheet's status
cell is #NUM! there, which counts as neither an error nor a warning).

Cell marks on the form sheets (column F “Kiểm tra”, which drives the red/yellow conditional fill of the
value cell): "Lỗi" when any applicable non-`required` rule reading the cell has status "Lỗi", else
"Cảnh báo" when one has status "Cảnh báo", else blank. Required rules are left out on purpose: a blank
input is visibly blank, and marking every one would drown the real problems.
"""

from __future__ import annotations

import math
from functools import partial

from .catalog.models import Catalog, Indicator, Rule, Unit
from .percent import (  # re-exported: `from xlcchc.formulas import percent_shown` and the like keep working
    EPS,
    MULTIPLE_TOL,
    PERCENT_DECIMALS,
    RATIO_TOLERANCE,
    percent_accepted,
    percent_printed,
    percent_shown,
    round_half_up,
    scaled_finite,
    shown_formula_text,
    truncate,
)
from .percent import accepted_text as _accepted_text  # the name rule_formula uses and the parity tests import
from .percent import number_text as _num  # a number as formula text, short: it is in every compiled rule

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Mapping

    Ref = Callable[[str], str]  # indicator key → cell reference usable in a formula
    StatusFn = Callable[[Mapping[str, Any]], str]

STATUS_OK = "OK"
STATUS_SKIPPED = "—"
STATUS_MISSING = "Thiếu số liệu"
STATUSES = (STATUS_OK, STATUS_SKIPPED, STATUS_MISSING, "Lỗi", "Cảnh báo")

#: Defined names of the two counts at the top of the check sheet (the Excel layer reads them).
ERROR_COUNT_NAME = "KT_SO_LOI"
WARNING_COUNT_NAME = "KT_SO_CANH_BAO"


# --- value helpers (the Python mirror of ISNUMBER / LEN) -------------------------------------------

def is_number(v: Any) -> bool:
    """ISNUMBER's mirror: a finite int or float, not a bool; an int beyond any double (10**400 in a
    values file) is not one either, since no cell can hold it (`math.isfinite` would raise on it)."""
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def count_numbers(xs: Iterable[Any]) -> int:
    """How many of `xs` are numbers (`is_number`), in order: a float, what a reader gives, is tested inline
    (`v - v == 0.0` is `math.isfinite` for a float: inf and nan give nan), anything else by `is_number`
    itself (so a bool, a float subclass or an int too large for a float behave exactly as there)."""
    n = 0
    for v in xs:
        if v.__class__ is float:
            if v - v == 0.0:
                n += 1
        elif is_number(v):
            n += 1
    return n


def is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and len(v) == 0)


def computed_ratio(num: Any, den: Any) -> float | None:
    """The value a computed percentage cell shows: None (blank) unless both are numbers and den ≠ 0,
    and None too when the ratio cannot be computed (`percent_shown`; the cell shows #NUM!)."""
    if is_number(num) and is_number(den) and den != 0:
        return percent_shown(num, den)
    return None


def ratio_uncomputable(num: Any, den: Any) -> bool:
    """Whether a ratio's operands are both numbers, den ≠ 0, and still no percentage follows (num/den
    overflows: `percent_shown`): the one case where a blank computed cell is not explained by its inputs."""
    return is_number(num) and is_number(den) and den != 0 and percent_shown(num, den) is None


def ratio_formula(num_ref: str, den_ref: str) -> str:
    """Formula of a computed percentage cell; blank when an operand is not a number or den = 0."""
    shown = shown_formula_text(num_ref, den_ref)
    return f'=IF(AND(ISNUMBER({num_ref}),ISNUMBER({den_ref})),IF({den_ref}=0,"",{shown}),"")'


# --- domain -----------------------------------------------------------------------------------------

def domain_codes(ind: Indicator, unit_kind: str) -> list[int]:
    """Codes a unit may answer in a choice row (yes/no for a share-of-units row)."""
    return [c.value for c in ind.unit_choices()] if ind.unit_kind_of_value(unit_kind) == "choice" else []


def domain_ok(kind: str, codes: Iterable[int], v: Any) -> bool:
    """Whether a present (non-blank) value fits `kind`; the mirror of `_domain_condition`."""
    if not is_number(v):
        return False
    if kind == "count":
        return v >= 0 and float(v).is_integer()
    if kind in ("decimal", "money"):
        return v >= 0
    if kind == "percent":
        return 0 <= v <= 100
    if kind == "choice":
        return any(v == c for c in codes)
    return True


def _domain_condition(kind: str, codes: list[int], v: str) -> str:
    if kind == "count":
        return f"AND({v}>=0,{v}=INT({v}))"
    if kind in ("decimal", "money"):
        return f"{v}>=0"
    if kind == "percent":
        return f"AND({v}>=0,{v}<=100)"
    if kind == "choice":
        parts = [f"{v}={c}" for c in codes]
        return parts[0] if len(parts) == 1 else f"OR({','.join(parts)})"
    return "TRUE"


# --- compiling ----------------------------------------------------------------------------------

def _q(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def units_count(catalog: Catalog, kind: str) -> int:
    """How many reporting units of `kind` the catalog's registry lists (departments, districts, communes).

    Read from the registry of the regime at hand, so a bound written `count(xa)` is the 166 communes
    of the two-tier province and the 30 communes of a district, from one rule text.
    """
    reg_id = catalog.registry
    n = _UNITS_COUNT.get((reg_id, kind))
    if n is None:
        from .catalog.load import registry_of

        reg = registry_of(catalog)
        n = _UNITS_COUNT[(reg_id, kind)] = sum(1 for u in reg.reporting_units() if u.kind == kind)
    return n


_UNITS_COUNT: dict[tuple[str, str], int] = {}

#: A share "of a few units" is checked as a whole fraction only up to this many units.
FRACTION_MAX_UNITS = 100


def derived_ref(key: str, catalog: Catalog, ref: Ref) -> str:
    """Reference (or expression) of an operand: a blank `from_parts` total is the sum of its parts when all are there.

    Excel's and LibreOffice's IF return the cell itself when it is not derived, so COUNT and ISNUMBER
    treat the expression as they treat the cell.
    """
    parts = catalog.partitions.get(key)
    if not parts:
        return ref(key)
    inner = ",".join(derived_ref(t, catalog, ref) for t in parts)
    return f"IF(AND(LEN({ref(key)})=0,COUNT({inner})={len(parts)}),SUM({inner}),{ref(key)})"


def derived_value(key: str, values: Mapping[str, Any], catalog: Catalog) -> Any:
    """The Python mirror of `derived_ref`: the value a rule reads for `key`."""
    v = values.get(key)
    parts = catalog.partitions.get(key)
    if not parts or not is_blank(v):
        return v
    got = [derived_value(t, values, catalog) for t in parts]
    return math.fsum(got) if all(is_number(g) for g in got) else v


def operand_reader(rule: Rule, catalog: Catalog) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """What each operand of `rule` reads (derived totals included), as a function of the values: the status
    functions and the checker's wording read the same. A rule without a derived total among its operands
    reads the cells as they are (`derived_value` of such a key is its value)."""
    ops = tuple(rule.operands)
    parts = catalog.partitions
    if any(k in parts for k in ops):
        return lambda values: {k: derived_value(k, values, catalog) for k in ops}
    return lambda values: dict(zip(ops, map(values.get, ops)))  # {k: values.get(k) for k in ops}, at C speed


_SIDE_FNS: dict[str, Callable[[list], float]] = {"max": max, "min": min, "sum": math.fsum}


def side_value(rule: Rule, which: str, vals: Mapping[str, Any], catalog: Catalog) -> float:
    """The value of a side ("left" or "right"; the right adds the constant and the registry count)."""
    return side_function(rule, which, catalog)(vals)


def side_function(rule: Rule, which: str, catalog: Catalog) -> Callable[[Mapping[str, Any]], float]:
    """`side_value` of a side as a function of the operand values (keys, function and addend fixed once)."""
    keys = tuple(rule.left if which == "left" else rule.right)
    fn = _SIDE_FNS[rule.left_fn if which == "left" else rule.right_fn]
    if which != "right":
        return lambda vals: fn([vals[k] for k in keys]) if keys else 0.0
    extra = rule.constant + (units_count(catalog, rule.units) if rule.units else 0)

    def right(vals: Mapping[str, Any]) -> float:
        x = fn([vals[k] for k in keys]) if keys else 0.0
        x += extra
        return x

    return right


def _side_text(rule: Rule, which: str, catalog: Catalog, r: Ref) -> str:
    keys = rule.left if which == "left" else rule.right
    fn = rule.left_fn if which == "left" else rule.right_fn
    text = f"{fn.upper()}({','.join(r(k) for k in keys)})" if keys else "0"
    if which == "right":
        extra = rule.constant + (units_count(catalog, rule.units) if rule.units else 0)
        if extra:
            text += f"+{_num(extra)}"
    return text


def rule_formula(rule: Rule, catalog: Catalog, unit: Unit, ref: Ref) -> str:
    """The status formula of `rule` for `unit`'s workbook (see the module docstring for semantics).

    `ref(key)` gives the reference of an indicator's value cell (a defined name or `'Sheet'!$D$12`).
    Returns a formula starting with `=`, or a quoted constant formula for a rule that is never evaluated.
    """
    sev = _q(rule.severity)
    ok, skip, miss = _q(STATUS_OK), _q(STATUS_SKIPPED), _q(STATUS_MISSING)
    if rule.kind in ("domain", "required"):
        ind = catalog.indicator(rule.target)
        v = ref(rule.target)
        if rule.kind == "required":
            if catalog.computed(ind, unit):
                return f"={skip}"
            return f"=IF(LEN({v})=0,{sev},{ok})"
        kind = ind.unit_kind_of_value(unit.kind)
        cond = _domain_condition(kind, domain_codes(ind, unit.kind), v)
        return f"=IF(LEN({v})=0,{skip},IF(NOT(ISNUMBER({v})),{sev},IF({cond},{ok},{sev})))"
    if rule.units and units_count(catalog, rule.units) == 0:
        return f"={skip}"  # the registry has no such units (no districts in a two-tier province)

    def r(k: str) -> str:
        return derived_ref(k, catalog, ref)

    ops = ",".join(r(k) for k in rule.operands)
    n = len(rule.operands)
    tol = _num(rule.tolerance + EPS)
    e = _num(EPS)
    if rule.kind == "ratio":
        t, a, b = r(rule.target), r(rule.numerator), r(rule.denominator)
        return (
            f"=IF(COUNT({ops})=0,{skip},IF(COUNT({a},{b})<2,{miss},"
            f"IF({b}=0,IF(AND({a}=0,OR(NOT(ISNUMBER({t})),{t}=0)),{ok},{sev}),"
            f"IF(NOT(ISNUMBER({t})),{miss},"
            f"IF({_accepted_text(t, a, b)},{ok},{sev})))))"
        )
    if rule.kind == "part":
        t = r(rule.target)
        terms = ",".join(r(k) for k in rule.terms)
        return f"=IF(OR(COUNT({t})=0,COUNT({terms})=0),{skip},IF(MAX({terms})<={t}+{tol},{ok},{sev}))"
    if rule.kind == "zero_if":
        t = r(rule.target)
        each = ",".join(f"OR(LEN({r(k)})=0,AND(ISNUMBER({r(k)}),{r(k)}=0))" for k in rule.terms)
        return f"=IF(COUNT({t})=0,{skip},IF({t}<>0,{ok},IF(AND({each}),{ok},{sev})))"
    if rule.kind == "fraction":
        t = r(rule.target)
        nn = _num(units_count(catalog, rule.units)) if rule.units else r(rule.denominator)
        k0 = f"INT({t}*{nn}/100+{e})"
        fits = f"OR({_accepted_text(t, k0, nn)},{_accepted_text(t, f'({k0}+1)', nn)})"
        usable = f"AND({nn}>0,{nn}=INT({nn}),{nn}<={FRACTION_MAX_UNITS})"
        return f"=IF(COUNT({t})=0,{skip},IF(COUNT({nn})=0,{skip},IF(NOT({usable}),{skip},IF({fits},{ok},{sev}))))"
    if rule.kind == "sum":
        terms = ",".join(r(k) for k in rule.terms)
        test = f"ABS({r(rule.target)}-SUM({terms}))<={tol}"
    elif rule.kind == "between":
        t = r(rule.target)
        lo, hi = _side_text(rule, "left", catalog, r), _side_text(rule, "right", catalog, r)
        test = f"AND({t}>={lo}-{tol},{t}<={hi}+{tol})"
    else:
        left, right = _side_text(rule, "left", catalog, r), _side_text(rule, "right", catalog, r)
        if rule.op == "<=":
            test = f"{left}<={right}+{tol}"
        elif rule.op == ">=":
            test = f"{left}>={right}-{tol}"
        else:
            test = f"ABS({left}-({right}))<={tol}"
    return f"=IF(COUNT({ops})=0,{skip},IF(COUNT({ops})<{n},{miss},IF({test},{ok},{sev})))"


# --- the Python mirror ----------------------------------------------------------------------------

def fraction_fits(t: float, n: float) -> bool:
    """Whether a percentage `t` of `n` units is k/n × 100 for a whole k (as printed: rounded or truncated).

    A `t` too large to round (`scaled_finite`) fits no k: the formula's INT(t*n/100…) is #NUM! there."""
    if not scaled_finite(t):
        return False
    k0 = math.floor(t * n / 100 + EPS)
    return percent_accepted(t, k0, n) or percent_accepted(t, k0 + 1, n)


def rule_status(rule: Rule, values: Mapping[str, Any], catalog: Catalog, unit: Unit) -> str:
    """What the compiled formula of `rule` shows, given the cell contents `values` (key → content).

    Computed percentage rows must already hold their computed value (`computed_ratio`) or be absent.
    """
    return status_function(rule, catalog, unit)(values)


#: (id(rule), id(catalog), what of the unit the status depends on) → (rule, catalog, status function). The
#: entry holds the rule and the catalog, so neither id can be reused by another object while it is cached.
_STATUS_FNS: dict[tuple, tuple[Rule, Catalog, StatusFn]] = {}
_STATUS_FNS_MAX = 50_000  # a long-lived process with many throwaway catalogs (tests) starts afresh


def status_function(rule: Rule, catalog: Catalog, unit: Unit) -> StatusFn:
    """`rule_status` of `rule` for `unit`, as a function of the values alone.

    Everything that depends only on the catalog and the unit (the value kind and codes of a domain, whether
    a row is computed, registry counts, tolerances, which operands are derived totals) is worked out once
    here, not once per return and rule; this is the only implementation of the Python mirror. Of the unit,
    a `required` status depends on its fill key (`Catalog.computed`), a `domain` status on its kind (what
    it types in the row) and a relation's on nothing: one function serves every unit it can.
    """
    if rule.kind == "required":
        key = (id(rule), id(catalog), *catalog.fill_key(unit))
    else:
        key = (id(rule), id(catalog), unit.kind if rule.kind == "domain" else None)
    got = _STATUS_FNS.get(key)
    if got is not None and got[0] is rule and got[1] is catalog:
        return got[2]
    fn = _compile_status(rule, catalog, unit)
    if len(_STATUS_FNS) >= _STATUS_FNS_MAX:
        _STATUS_FNS.clear()
    _STATUS_FNS[key] = (rule, catalog, fn)
    return fn


def domain_test(ind: Indicator, unit_kind: str) -> Callable[[Any], bool]:
    """`domain_ok` of a row for a unit kind, its value kind and code list fixed once."""
    return partial(domain_ok, ind.unit_kind_of_value(unit_kind), domain_codes(ind, unit_kind))


def _constant(status: str) -> StatusFn:
    return lambda values: status


def _compile_status(rule: Rule, catalog: Catalog, unit: Unit) -> StatusFn:
    """The status function of one rule (semantics in the module docstring, kind by kind)."""
    fail = rule.severity
    if rule.kind in ("domain", "required"):
        ind, key = catalog.indicator(rule.target), rule.target
        if rule.kind == "required":
            if catalog.computed(ind, unit):
                return _constant(STATUS_SKIPPED)
            return lambda values: fail if is_blank(values.get(key)) else STATUS_OK
        ok = domain_test(ind, unit.kind)

        def domain(values: Mapping[str, Any]) -> str:
            v = values.get(key)
            if is_blank(v):
                return STATUS_SKIPPED
            return STATUS_OK if ok(v) else fail

        return domain
    if rule.units and units_count(catalog, rule.units) == 0:
        return _constant(STATUS_SKIPPED)
    return _RELATIONS[rule.kind](rule, catalog, operand_reader(rule, catalog), rule.tolerance + EPS, fail)


def _part(rule: Rule, catalog: Catalog, read, tol: float, fail: str) -> StatusFn:
    target, terms = rule.target, tuple(rule.terms)

    def part(values: Mapping[str, Any]) -> str:
        x = read(values)
        t = x[target]
        xs = [x[k] for k in terms if is_number(x[k])]
        if not is_number(t) or not xs:
            return STATUS_SKIPPED
        return STATUS_OK if max(xs) <= t + tol else fail

    return part


def _zero_if(rule: Rule, catalog: Catalog, read, tol: float, fail: str) -> StatusFn:
    target, terms = rule.target, tuple(rule.terms)

    def zero_if(values: Mapping[str, Any]) -> str:
        x = read(values)
        t = x[target]
        if not is_number(t):
            return STATUS_SKIPPED
        if t != 0:
            return STATUS_OK
        ok = all(is_blank(x[k]) or (is_number(x[k]) and x[k] == 0) for k in terms)
        return STATUS_OK if ok else fail

    return zero_if


def _fraction(rule: Rule, catalog: Catalog, read, tol: float, fail: str) -> StatusFn:
    target, den = rule.target, rule.denominator
    count = units_count(catalog, rule.units) if rule.units else None

    def fraction(values: Mapping[str, Any]) -> str:
        x = read(values)
        t = x[target]
        n = count if count is not None else x.get(den)
        if not is_number(t):
            return STATUS_SKIPPED
        if not (is_number(n) and n > 0 and float(n).is_integer() and n <= FRACTION_MAX_UNITS):
            return STATUS_SKIPPED
        return STATUS_OK if fraction_fits(t, n) else fail

    return fraction


def _ratio(rule: Rule, catalog: Catalog, read, tol: float, fail: str) -> StatusFn:
    ops, target, num, den = tuple(rule.operands), rule.target, rule.numerator, rule.denominator

    def ratio(values: Mapping[str, Any]) -> str:
        x = read(values)
        if not any(is_number(x[k]) for k in ops):
            return STATUS_SKIPPED
        t, a, b = x[target], x[num], x[den]
        if not (is_number(a) and is_number(b)):
            return STATUS_MISSING
        if b == 0:
            return STATUS_OK if a == 0 and (not is_number(t) or t == 0) else fail
        if not is_number(t):
            return STATUS_MISSING
        return STATUS_OK if percent_accepted(t, a, b) else fail

    return ratio


def _relation(rule: Rule, catalog: Catalog, read, tol: float, fail: str) -> StatusFn:
    """sum, between and compare: evaluated only when every operand is a number."""
    ops, target, terms = tuple(rule.operands), rule.target, tuple(rule.terms)
    left, right = side_function(rule, "left", catalog), side_function(rule, "right", catalog)
    if rule.kind == "sum":
        def holds(x) -> bool:
            return abs(x[target] - math.fsum([x[k] for k in terms])) <= tol
    elif rule.kind == "between":
        def holds(x) -> bool:
            return left(x) - tol <= x[target] <= right(x) + tol
    elif rule.op == "<=":
        def holds(x) -> bool:
            return left(x) <= right(x) + tol
    elif rule.op == ">=":
        def holds(x) -> bool:
            return left(x) >= right(x) - tol
    else:
        def holds(x) -> bool:
            return abs(left(x) - right(x)) <= tol

    n_ops = len(ops)

    def relation(values: Mapping[str, Any]) -> str:
        x = read(values)
        present = count_numbers(x.values())  # x holds exactly the operands, in their order (deduplicated)
        if present == 0:
            return STATUS_SKIPPED
        if present < n_ops:
            return STATUS_MISSING
        return STATUS_OK if holds(x) else fail

    return relation


_RELATIONS = {"part": _part, "zero_if": _zero_if, "fraction": _fraction, "ratio": _ratio,
              "sum": _relation, "between": _relation, "compare": _relation}


def cell_values(values: Mapping[str, Any], catalog: Catalog, unit: Unit) -> dict[str, Any]:
    """The contents the workbook's value cells hold: typed values, with computed rows recomputed."""
    out = dict(values)
    for ind in catalog.value_indicators():
        if catalog.computed(ind, unit):
            agg = ind.aggregate
            out[ind.key] = computed_ratio(values.get(agg.numerator), values.get(agg.denominator))
    return out


def count_statuses(statuses: Iterable[str]) -> tuple[int, int]:
    """(errors, warnings) as the check sheet counts them: warnings include "Thiếu số liệu"."""
    st = list(statuses)
    return st.count("Lỗi"), st.count("Cảnh báo") + st.count(STATUS_MISSING)
