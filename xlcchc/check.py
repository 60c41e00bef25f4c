"""The check ("Kiểm tra"): every catalog rule that applies to a unit, on a return or a values file.

Semantics: the status of each rule is `xlcchc.formulas.rule_status`, the Python mirror of the check
sheet's formulas (a parity test compares them through LibreOffice); this module adds the located,
worded findings. In short:
- missing values, as DHIS2 does: a rule whose operands are all blank is skipped; a rule with some
  blank operands is not evaluated and gives a `Cảnh báo` “chưa đủ số liệu” naming the blank rows;
- `sum`: target = Σ terms, exact (1e-9 absolute); `compare`: Σ left op Σ right (+ the rule's tolerance);
- `ratio`: |target − num/den × 100| ≤ 0.005 + 1e-9 (the 2-decimal rounding); with a denominator of 0
  the numerator must be 0 and the percentage blank (or 0);
- `domain`: whole numbers ≥ 0 for counts, ≥ 0 for decimals and money, 0–100 for percentages, a code
  of the list for choices (a share-of-units row is 0/1 at unit level);
- `required`: a row the unit fills is blank (computed rows excepted: their inputs are required).
This path imports nothing heavy (no openpyxl/xlsxwriter/xlwings): `xlcchc check` starts fast.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from .catalog.load import CatalogError, registry_of
from .catalog.models import Catalog, Indicator, Rule, Unit
from .errors import XlcchcError
from .diagnose import diagnose_plan, suggestion_text
from .findings import ERROR, WARNING, Finding, count_errors
from .formulas import (
    RATIO_TOLERANCE,
    STATUS_MISSING,
    STATUS_OK,
    STATUS_SKIPPED,
    is_blank,
    percent_shown,
    ratio_uncomputable,
    units_count,
)
from .numbers import fmt_percent, fmt_vn
from .periods import Period, parse_period
from .read import CellRead, Return, ReturnError, normalise, read_return, recompute
from .record import maker
from .rule_plan import RulePlan, rule_plan

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import Any, Iterable

__all__ = ["check_values", "check_return", "check_file", "check_doc", "cli_check", "is_fatal", "RATIO_TOL"]


def __getattr__(name: str):
    """`check_doc` (`from xlcchc.check import check_doc`) from `xlcchc.check_doc`, imported on first use: a
    check of a workbook (the cold `check` Excel's button waits for) never needs the values-file path."""
    if name == "check_doc":
        from .check_doc import check_doc

        return check_doc
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

RATIO_TOL = RATIO_TOLERANCE  # re-exported: one tolerance, defined with the check sheet's formulas

VALUES_SUFFIXES = (".json", ".csv")


def is_fatal(f: Finding) -> bool:
    """A finding that means the file could not be checked at all (exit status 2)."""
    return f.rule.startswith("doc.") and f.severity == ERROR


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _code(key: str) -> str:
    return key.split(":", 1)[1]


def _ref(key: str, home: int) -> str:
    f, c = key.split(":", 1)
    return c if int(f) == home else f"{c} (Biểu mẫu {f})"


def _n(x: float) -> str:
    """A figure in a finding, the Vietnamese way to 2 decimals; one so small that 2 decimals would print “0”
    with its first two significant digits instead (0,0004), or in powers of ten below a millionth
    (4,94 × 10⁻³²⁴): a finding never names 0 for what is not."""
    if x and abs(x) < 0.005:
        if abs(x) < 1e-6:
            mantissa, exponent = f"{x:.2e}".split("e")
            return f"{mantissa.replace('.', ',')} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"
        return fmt_vn(x, 1 - math.floor(math.log10(abs(x)))).rstrip("0")
    return fmt_vn(round(x, 2) if not float(x).is_integer() else x)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def check_values(
    values: dict[str, Any],
    catalog: Catalog,
    unit: Unit,
    *,
    cells: dict[str, Any] | None = None,
    file: str = "",
    skip_domain: Iterable[str] = (),
    period: Period | None = None,
) -> list[Finding]:
    """Findings of every rule that applies to `unit`, on values already normalised or still as typed.

    Values that are text in a numeric row (a values file carries what was typed) are normalised here
    with the reader's own rules, so `"1.234"` is 1234 in both paths. `cells` maps form:code to a cell
    address (or a CellRead) for the findings; `skip_domain` lists keys whose cell already has a
    reading problem (one finding per cell, not two). With the return's `period`, rows the period's plan
    computes (Biểu mẫu 1 2.1/2.2 of the Sở Nội vụ and of the province, `xlcchc.plan.computed`) are not
    the unit's: their rules are not checked, and a figure typed there anyway is ignored with a warning.
    The merge's provincial check passes no period: there those rows hold the counted figures.
    """
    cells = cells or {}
    addr = {k: (c.cell if isinstance(c, CellRead) else c) for k, c in cells.items()}
    out: list[Finding] = []
    skip = set(skip_domain)
    by_plan: dict[str, str] = {}
    if period is not None:
        from .plan.computed import plan_computed

        by_plan = plan_computed(catalog, unit, period)
    plan = rule_plan(catalog, unit, frozenset(by_plan))
    vals = {k: v for k, v in values.items() if k in plan.value_keys}
    for key in [k for k, v in vals.items() if isinstance(v, str) and k in plan.numeric_keys]:
        v, problem = normalise(catalog.indicators[key], unit.kind, vals[key], file=file, cell=addr.get(key))
        if problem:
            out.append(problem.model_copy(update={"unit": unit.code}))
            skip.add(key)
        vals[key] = v
    for key in by_plan:
        if vals.pop(key, None) is not None and not catalog.computed(catalog.indicators[key], unit):
            ind = catalog.indicators[key]
            out.append(Finding(
                file=file, form=ind.form, code=ind.code, cell=addr.get(key), severity=WARNING, rule="cell.plan_computed",
                unit=unit.code, message=f"Biểu mẫu {ind.form}, mục {ind.code}: {by_plan[key][:-1]}; số đã nhập bị bỏ qua",
            ))
    found: list[Finding] = []
    status: dict[str, str] = {}  # rule id → status, kept for the diagnosis (the same values)
    where = _Where(addr, file, unit.code, plan)
    out += _uncomputable_ratios(vals, catalog, where)
    for rule, status_fn in zip(plan.rules, plan.status):
        if rule.kind in ("domain", "required"):
            if rule.target in skip:  # the cell's reading problem is already reported; one finding per cell
                continue
            st = status_fn(vals)
            if st in (STATUS_OK, STATUS_SKIPPED):
                continue
            f = _row_finding(rule, vals, catalog, unit, where)
        else:
            st = status[rule.id] = status_fn(vals)
            if st in (STATUS_OK, STATUS_SKIPPED):
                continue
            f = _relation_finding(rule, st, vals, catalog, unit, where)
        if f is not None:
            found.append(f)
    if any(f.severity in (ERROR, WARNING) and not f.message.count("chưa đủ số liệu") for f in found):
        found = _with_diagnoses(found, vals, catalog, plan, status)
    return sorted([*out, *found], key=Finding.sort_key)


def _uncomputable_ratios(vals, catalog: Catalog, where: _Where) -> list[Finding]:
    """A computed percentage left blank although its numerator and denominator are numbers and den ≠ 0:
    num/den × 100 is beyond a double (a crafted denominator like 5e-324, `formulas.percent_shown`). The
    template's cell shows #NUM! there and every rule sees it as not a number (COUNT and ISNUMBER do
    too), so this finding is the one that says why the percentage is missing. Only a blank row is
    looked at: the usual case costs one dictionary read per computed row."""
    out = []
    for key, num, den in where.plan.ratio_rows:
        if vals.get(key) is None and ratio_uncomputable(vals.get(num), vals.get(den)):
            ind = catalog.indicators[key]
            out.append(Finding(
                file=where.file, form=ind.form, code=ind.code, cell=where.addr.get(key), severity=ERROR,
                rule="cell.ratio_uncomputable", unit=where.unit, actual=vals[den], message=(
                    f"Biểu mẫu {ind.form}, mục {ind.code}: không tính được tỷ lệ {_code(num)}/{_code(den)} = "
                    f"{_n(vals[num])}/{_n(vals[den])} vì mẫu số quá nhỏ so với tử số (ô tỷ lệ báo lỗi "
                    f"#NUM!); hãy kiểm tra lại mục {_code(den)}"),
            ))
    return out


def _with_diagnoses(found: list[Finding], vals, catalog: Catalog, plan: RulePlan, status) -> list[Finding]:
    """Each finding a diagnosis explains gets its suggestion (which figure, which value fits)."""
    diagnoses = diagnose_plan(vals, catalog, plan, status)
    by_rule = {rid: d for d in diagnoses for rid in d.rules}
    out = []
    for f in found:
        d = by_rule.get(f.rule)
        if d is None:
            out.append(f)
            continue
        text = suggestion_text(d, f.form or 0, _n)
        first = d.suspects[0]
        out.append(f.model_copy(update={
            "message": f"{f.message}. {text}", "suspect": first.key, "suggested": first.value,
        }))
    return out


class _Where:
    """Where the findings of one return go: cell addresses by key, the file's name, the unit's code; and
    what words them: the fill key's compiled plan, and `make`, a Finding from every field in order
    (`record.maker`: a class call with keywords costs twice as much)."""

    __slots__ = ("addr", "file", "unit", "plan", "make")

    def __init__(self, addr: dict[str, Any], file: str, unit: str, plan: RulePlan):
        self.addr, self.file, self.unit, self.plan = addr, file, unit, plan
        self.make = maker(Finding)


def _finding(rule: Rule, key: str, where: _Where, message: str, *, severity=None, expected=None, actual=None) -> Finding:
    form, code = _key_parts(key)
    # Finding's fields in order: file, form, code, cell, severity, rule, message, expected, actual, unit,
    # suspect, suggested (tests/test_check_fast_paths.py holds this list to `Finding._fields`).
    return where.make(where.file, form, code, where.addr.get(key), severity or rule.severity, rule.id, message,
                      expected, actual, where.unit, None, None)


def _key_parts(key: str) -> tuple[int, str]:
    """(form, code) of an indicator key `form:code`, split once per key (a check words findings of a few
    hundred distinct keys, a merge thousands of times)."""
    got = _KEY_PARTS.get(key)
    if got is None:
        f, c = key.split(":", 1)
        got = (int(f), c)
        if len(_KEY_PARTS) < 20_000:  # keys come from catalogs: bounded all the same
            _KEY_PARTS[key] = got
    return got


_KEY_PARTS: dict[str, tuple[int, str]] = {}


def _row_finding(rule: Rule, vals, catalog: Catalog, unit: Unit, where: _Where) -> Finding | None:
    """The words of a failing `domain` or `required` rule (its status is `formulas.rule_status`)."""
    ind = catalog.indicators[rule.target]
    if rule.kind == "required":
        return _finding(rule, rule.target, where, f"Biểu mẫu {ind.form}, mục {ind.code}: chưa nhập số liệu ({_short(ind.label)})")
    return _domain(rule, ind, unit, vals.get(rule.target), where)


def _relation_finding(rule: Rule, status: str, vals, catalog: Catalog, unit: Unit, where: _Where) -> Finding:
    """The words of a failing (or not evaluable) relation rule, whose status the caller has from
    `formulas.rule_status`: the figures read, and the derived totals among them."""
    home = rule.form
    ops = rule.operands
    anchor = rule.target or rule.left[0]
    head = f"Biểu mẫu {home}, mục {_ref(anchor, home)}"
    x = {k: _num(v) for k, v in where.plan.read(rule, vals).items()}  # `formulas.operand_reader`, made once a rule
    derived = _derived_notes(rule, vals, x, catalog, home)
    if status == STATUS_MISSING:
        blank = [k for k in ops if x[k] is None]
        # A computed target is blank only because its inputs are: name the inputs, not the formula.
        named = [k for k in blank if not catalog.computed(catalog.indicators[k], unit)] or blank
        names = ", ".join(_ref(k, home) for k in named)
        return _finding(
            rule, anchor, where,
            f"{head}: chưa đủ số liệu để kiểm tra “{rule.message}” (mục {names} để trống){derived}",
            severity=WARNING,
        )
    if rule.kind == "sum":
        total = sum(x[t] for t in rule.terms)
        parts = " + ".join(_n(x[t]) for t in rule.terms)
        return _finding(
            rule, rule.target, where,
            f"{head}: {_n(x[rule.target])} không bằng tổng {' + '.join(_ref(t, home) for t in rule.terms)} = "
            f"{parts} = {_n(total)}{derived}",
            expected=total, actual=x[rule.target],
        )
    if rule.kind == "ratio":
        num, den, tgt = x[rule.numerator], x[rule.denominator], x[rule.target]
        frac = f"{_code(rule.numerator)}/{_code(rule.denominator)}"
        if den == 0:
            shown = "trống" if tgt is None else fmt_percent(tgt)
            return _finding(
                rule, rule.target, where,
                f"{head}: mẫu số {_code(rule.denominator)} bằng 0 nhưng tử số {_code(rule.numerator)} = {_n(num)}"
                f" và tỷ lệ {shown}; khi mẫu số bằng 0 thì tử số phải bằng 0 và tỷ lệ để trống{derived}",
                expected=None, actual=tgt,
            )
        want = percent_shown(num, den)
        if want is None:  # num/den × 100 beyond a double: no percentage to compare with (see `percent_accepted`)
            return _finding(
                rule, rule.target, where,
                f"{head}: tỷ lệ {fmt_percent(tgt)} không khớp với {frac} = {_n(num)}/{_n(den)}, một tỷ lệ "
                f"không tính được vì mẫu số quá nhỏ so với tử số; hãy kiểm tra lại mục {_code(rule.denominator)}{derived}",
                actual=tgt,
            )
        return _finding(
            rule, rule.target, where,
            f"{head}: tỷ lệ {fmt_percent(tgt)} không khớp với {frac} = {_n(num)}/{_n(den)} = {fmt_percent(want)}{derived}",
            expected=want, actual=tgt,
        )
    if rule.kind == "part":
        t = x[rule.target]
        over = max((k for k in rule.terms if x[k] is not None), key=lambda k: x[k])
        return _finding(
            rule, over, where,
            f"Biểu mẫu {home}, mục {_ref(over, home)}: {_n(x[over])} lớn hơn cả mục tổng {_ref(rule.target, home)} = "
            f"{_n(t)}; một phần không thể lớn hơn tổng{derived}",
            expected=t, actual=x[over],
        )
    if rule.kind == "zero_if":
        bad = [k for k in rule.terms if x[k] is None and not is_blank(vals.get(k)) or (x[k] is not None and x[k] != 0)]
        shown = ", ".join(f"{_ref(k, home)} = {_n(x[k]) if x[k] is not None else str(vals.get(k))}" for k in bad)
        return _finding(
            rule, bad[0] if bad else anchor, where,
            f"{head}: mục {_ref(rule.target, home)} = 0 nhưng {shown}; {rule.message[0].lower() + rule.message[1:]}",
            expected=0, actual=x[bad[0]] if bad else None,
        )
    if rule.kind == "fraction":
        t = x[rule.target]
        n = units_count(catalog, rule.units) if rule.units else x[rule.denominator]
        k0 = int(t * n / 100 + 1e-9)
        near = " hoặc ".join(
            f"{k}/{_n(n)} = {fmt_percent(percent_shown(k, n))}" for k in (k0, k0 + 1) if 0 <= k <= n
        )
        of = f"mục {_ref(rule.denominator, home)} = {_n(n)}" if rule.denominator else f"{_n(n)} đơn vị"
        return _finding(
            rule, rule.target, where,
            f"{head}: tỷ lệ {fmt_percent(t)} trên {of} không ứng với một số nguyên đơn vị (gần nhất: {near}){derived}",
            actual=t,
        )
    # `formulas.side_value` and `catalog.load.side_words` of each side, worked out once per rule (`RulePlan.side`)
    (left, lt), (right, rt) = where.plan.side(rule, "left"), where.plan.side(rule, "right")
    if rule.kind == "between":
        lo, hi, t = left(x), right(x), x[rule.target]
        return _finding(
            rule, rule.target, where,
            f"{head}: {rule.message.rstrip('.')} — nhưng {_code(rule.target)} = {_n(t)} nằm ngoài khoảng "
            f"{lt} = {_n(lo)} đến {rt} = {_n(hi)}{derived}",
            expected=hi if t > hi else lo, actual=t,
        )
    lv, rv = left(x), right(x)
    sym = {"<=": ">", ">=": "<", "=": "≠"}[rule.op or "="]
    right = f"{rt} = {_n(rv)}" if rule.right else _n(rv)  # a constant or a count needs no “= …”
    return _finding(
        rule, anchor, where,
        f"{head}: {rule.message.rstrip('.')} — nhưng {lt} = {_n(lv)} {sym} {right}{derived}",
        expected=rv, actual=lv,
    )


def _derived_notes(rule: Rule, vals, x, catalog: Catalog, home: int) -> str:
    """“ (mục 1.5 để trống, tính từ 1.5.1 + 1.5.2 + 1.5.3 = 2.183)” for each total the rule read from its parts."""
    notes = []
    for k in rule.operands:
        if k in catalog.partitions and is_blank(vals.get(k)) and x.get(k) is not None:
            own = int(k.split(":")[0])
            codes = [_ref(t, own) for t in catalog.partitions[k]]
            parts = f"{codes[0]}–{codes[-1]}" if len(codes) > 2 else " + ".join(codes)
            notes.append(f"mục {_ref(k, home)} để trống, tính từ {parts} = {_n(x[k])}")
    return f" ({'; '.join(notes)})" if notes else ""


def _domain(rule: Rule, ind: Indicator, unit: Unit, v: Any, where: _Where) -> Finding | None:
    kind, head, codes, lst = _domain_words(ind, unit, where.plan)
    x = _num(v)
    if x is None:  # text kept in a numeric row (only from a values file that bypassed normalising)
        return _finding(rule, ind.key, where, f"{head}: “{_short(str(v))}” không phải một số", actual=str(v))
    if kind == "choice":
        if x in codes:
            return None
        shown = _as_breaking(x, lambda y: y not in codes)
        return _finding(rule, ind.key, where, f"{head}: {shown} không phải mã hợp lệ; chỉ nhập một trong các mã: {lst}", actual=x)
    if kind == "count":
        if x >= 0 and float(x).is_integer():
            return None
        if x < 0:
            what, shown = "số âm", _as_breaking(x, lambda y: y < 0)
        else:
            what, shown = "số có phần thập phân", _as_breaking(x, lambda y: not float(y).is_integer())
        return _finding(rule, ind.key, where, f"{head}: {shown} là {what}; mục này phải là số nguyên không âm", actual=x)
    if kind == "percent":
        if 0 <= x <= 100:
            return None
        shown = _as_breaking(x, lambda y: not 0 <= y <= 100, percent=True)
        return _finding(rule, ind.key, where, f"{head}: tỷ lệ {shown}% nằm ngoài khoảng 0–100%", actual=x)
    if x >= 0:
        return None
    shown = _as_breaking(x, lambda y: y < 0)
    return _finding(rule, ind.key, where, f"{head}: {shown} là số âm; mục này phải là số không âm", actual=x)


def _as_breaking(x: float, breaks, *, percent: bool = False) -> str:
    """The figure a domain finding names, with as many decimals as it takes to break the rule as `x` does:
    2,0004 (not whole) rather than `_n`'s “2”, -0,0001 (negative) rather than “0”, 100,0001 (over 100)
    rather than “100,00”; 4,94 × 10⁻³²⁴ (`_n`) when no printed decimals do. The usual case is `_n(x)` (or
    `fmt_vn(x, 2)` for a `percent`), as before: the figure shown with 2 decimals breaks it."""
    for d in range(2, 16):
        y = round(x, d)
        if breaks(y):
            if d > 2:
                return fmt_vn(y, d)
            return fmt_vn(x, 2) if percent else _n(x)
    return _n(x)


def _domain_words(ind: Indicator, unit: Unit, plan: RulePlan) -> tuple[str, str, list, str]:
    """(value kind the unit types, “Biểu mẫu f, mục c”, the codes of a choice row, their list in words) of a row:
    the same for every return of a fill key (the plan's), so worked out once per row and plan."""
    got = plan.words.get(ind.key)
    if got is None:
        kind = ind.unit_kind_of_value(unit.kind)
        codes, lst = [], ""
        if kind == "choice":
            choices = ind.unit_choices()
            codes, lst = [c.value for c in choices], "; ".join(f"{c.label} = {c.value}" for c in choices)
        got = plan.words[ind.key] = (kind, f"Biểu mẫu {ind.form}, mục {ind.code}", codes, lst)
    return got


def _short(s: str, n: int = 70) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


# --- returns and files -------------------------------------------------------------------------


#: A return in which nothing was typed: not a submission (status “Chưa nhập số liệu”, check exit 1).
BLANK_RULE = "return.blank"


def is_blank_return(ret: Return) -> bool:
    """No value cell holds anything (a template sent back as it was received); task rows count as content."""
    if any(r.status or r.bad_status or r.done_on or r.bad_date is not None or r.product for r in ret.tasks.values()):
        return False
    return all(c.raw is None or (isinstance(c.raw, str) and not c.raw.strip()) or c.formula for c in ret.cells.values())


def blank_return_finding(file: str, unit: str | None = None) -> Finding:
    return Finding(
        file=file, unit=unit, severity=ERROR, rule=BLANK_RULE,
        message="Báo cáo chưa nhập số liệu: mọi ô số liệu đều trống. Hãy nhập số liệu vào các trang Biểu mẫu, "
        "lưu tệp rồi kiểm tra lại trước khi gửi",
    )


def check_return(ret: Return, catalog: Catalog | None = None, *, values: dict[str, Any] | None = None) -> list[Finding]:
    """The reader's problems plus every rule's findings, computed rows recomputed from their inputs.

    `values`: `read.values_of(ret)` when the caller has it already (the merge keeps it): the same
    recomputed values, not worked out twice (used only with the return's own catalog: it is made from it)."""
    own = catalog is None
    catalog = catalog or ret.catalog
    unit = registry_of(catalog).by_code[ret.unit]
    if is_blank_return(ret):
        return [*sorted(ret.problems, key=Finding.sort_key), blank_return_finding(ret.path.name, ret.unit)]
    if values is None or not own:
        values = recompute({k: c.value for k, c in ret.cells.items()}, catalog, unit)
    vals = values
    skip = [k for k, c in ret.cells.items() if c.problem is not None and c.problem.rule != "cell.overwritten"]
    period = _period(ret.period)
    found = check_values(vals, catalog, unit, cells=ret.cells, file=ret.path.name, skip_domain=skip, period=period)
    # the reader's problems, said for the unit (most already are: a copy only where the unit differs)
    problems = [p if p.unit == ret.unit else p.model_copy(update={"unit": ret.unit}) for p in ret.problems]
    tasks = []
    if ret.plan:  # the “Nhiệm vụ” sheet (xlcchc.plan.track); a return without one imports none of it
        from .plan.check import task_findings
        from .plan.track import as_of

        tasks = task_findings(catalog.regime, unit, period, ret.tasks, file=ret.path.name,
                              cells=ret.task_cells, today=as_of(ret.cover.get("BIA_NGAY_GUI")))
    return sorted([*problems, *found, *tasks], key=Finding.sort_key)


def _period(code: str) -> Period:
    """`parse_period` of a return's period text, once per text (a merge's returns share a few periods)."""
    got = _PERIODS.get(code)
    if got is None:
        got = parse_period(code)  # raises as it did for a text it cannot read (nothing kept then)
        if len(_PERIODS) < 1_000:
            _PERIODS[code] = got
    return got


_PERIODS: dict[str, Period] = {}


def check_file(path: Path | str, *, regime: str | None = None, unit: str | None = None, period: str | None = None,
               expected_unit: str | None = None, expected_period: str | None = None,
               key=None, unsigned: str = "warning") -> list[Finding]:
    """Check a workbook or a values file; never raises for bad input (an unusable file is one `doc.*` finding).

    With the consolidating office's signing `key` the template's signature is verified too."""
    path = Path(path)
    eu, ep = expected_unit or unit, expected_period or period
    try:
        if path.suffix.lower() in VALUES_SUFFIXES:
            from .values import load_values_file

            doc = load_values_file(path)
            # a CSV carries no unit or period: the ones given on the command line say whose it is
            doc = doc.model_copy(update={"unit": doc.unit or eu, "period": doc.period or ep})
            from .check_doc import check_doc

            return check_doc(doc, regime=regime, file=path.name)
        ret = read_return(path, expected_unit=eu, expected_period=ep, regime=regime, key=key, unsigned=unsigned)
        return check_return(ret)
    except ReturnError as e:
        return [Finding(file=path.name, rule=e.code, message=str(e))]
    except (XlcchcError, CatalogError) as e:
        return [Finding(file=path.name, rule="doc.invalid", message=str(e))]
    except Exception as e:  # noqa: BLE001 - a file we failed to foresee still gets a sentence, not a traceback
        return [Finding(
            file=path.name, rule="doc.unreadable",
            message=f"Tệp “{path.name}” không đọc được ({type(e).__name__}); tệp có thể bị hỏng — hãy lưu lại từ Excel và gửi lại",
        )]


# --- CLI ---------------------------------------------------------------------------------------


def _row(f: Finding) -> dict[str, Any]:
    return {
        "file": f.file, "form": f.form, "code": f.code, "cell": f.cell, "severity": f.severity, "rule": f.rule,
        "message": f.message, "expected": f.expected, "actual": f.actual,
        "suspect": f.suspect, "suggested": f.suggested,
    }


def cli_check(args) -> int:
    """`xlcchc check FILE...`: 0 no errors (warnings allowed), 1 errors found, 2 a file could not be checked."""
    if getattr(args, "annotate", None):
        # Refused before any work: an annotated copy is a copy of exactly one workbook.
        if len(args.files) != 1 or Path(args.files[0]).suffix.lower() in VALUES_SUFFIXES:
            print("Lỗi: --annotate chỉ dùng với đúng một tệp bảng tính .xlsx "
                  f"(đã cho {len(args.files)} tệp); hãy kiểm tra từng tệp một", file=sys.stderr)
            return 2
        from .fileio import announce_parent

        announce_parent(args.annotate)
    all_findings: list[Finding] = []
    fatal = False
    per_file: list[tuple[str, list[Finding]]] = []
    from .signing import find_key

    try:
        key = find_key(getattr(args, "key", None))
    except XlcchcError as e:
        print(f"Lỗi: {e}", file=sys.stderr)
        return 2
    unsigned = "error" if getattr(args, "unsigned", "canh-bao") == "loi" else "warning"
    for name in args.files:
        fs = check_file(name, regime=args.regime, expected_unit=args.unit, expected_period=args.period, key=key, unsigned=unsigned)
        if getattr(args, "history", None) and not any(is_fatal(f) for f in fs):
            from .history.checks import check_file_history

            try:
                fs = [*fs, *check_file_history(name, args.history, regime=args.regime)]
            except XlcchcError as e:
                print(f"Lỗi: {e}", file=sys.stderr)
                return 2
        fatal = fatal or any(is_fatal(f) for f in fs)
        per_file.append((name, fs))
        all_findings.extend(fs)
    if args.json:
        from .jsontext import dumps  # json.dumps' text without importing json (a cold check, issue 17)

        print(dumps([_row(f) for f in all_findings], indent=1))
    else:
        for name, fs in per_file:
            _print_table(name, fs)
    if getattr(args, "annotate", None):
        if fatal:
            print("Không tạo bản đánh dấu vì tệp không đọc được.", file=sys.stderr)
        else:
            from .annotate import annotate_copy

            out = annotate_copy(args.files[0], per_file[0][1], args.annotate)
            print(f"Đã ghi bản sao có đánh dấu: {Path(out).resolve()}", file=sys.stderr if args.json else sys.stdout)
    if fatal:
        return 2
    return 1 if count_errors(all_findings) else 0


def _print_table(name: str, fs: list[Finding]) -> None:
    errors = count_errors(fs)
    warnings = len(fs) - errors
    print(f"== {name}: {errors} lỗi, {warnings} cảnh báo")
    if not fs:
        print("   Không phát hiện lỗi.")
        return
    for f in fs:
        where = f.cell or (f"Biểu mẫu {f.form}, mục {f.code}" if f.form else "")
        # The rule id is for support and tools (`--json`), not for the person reading.
        print(f" - [{f.severity}] {where + ': ' if where and f.cell else ''}{f.message}")
