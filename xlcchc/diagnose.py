"""Which cell is wrong: when relations disagree, the single value that would make them all hold.

A contradiction between figures says that one of them is wrong, not which. Often one cell explains
every failing rule at once: the 2022 appendix prints 7:6.3.1 = 910 while 6.1.2 + 6.2.2 = 901, and
871/901 = 96,67 % is exactly the printed 7:6.3, so 910 is very likely 901 typed with two digits
swapped (the difference, 9, is a multiple of 9: the accountant's sign of a transposition). This module
finds such cells: it groups the failing rules that share figures, tries for each typed figure the
values the failing equalities ask for and the usual typing slips (two adjacent digits swapped, a
digit dropped or doubled), and keeps a value only if every failing rule of the group then holds and
no rule that held before breaks. The result is a suggestion attached to the findings, never a
correction: the figure stays as the unit typed it.

A group of two or more failing rules is diagnosed when exactly one cell can satisfy them all. A single
failing rule says too little for that (any of its figures could be the wrong one), so only a slip of
the typing kind is suggested there, and only when one cell (or, for a digit dropped or added, at
most two) explains it.
"""

from __future__ import annotations

import math

from .record import Record, record
from .catalog.models import Catalog, Rule
from .formulas import is_number, percent_accepted, percent_shown, units_count
from .rule_plan import RulePlan

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import Any

FAIL = ("Lỗi", "Cảnh báo")


@record(positional=True, forbid=False)
class Suspect(Record):
    """A figure that would make a group of failing rules hold: `key` typed `typed`, fits `value`."""

    key: str
    typed: float
    value: float
    slip: str  # "transposition", "digit_dropped", "digit_added", "fits"


@record(positional=True, forbid=False)
class Diagnosis(Record):
    rules: tuple[str, ...]  # ids of the failing rules it explains
    suspects: tuple[Suspect, ...]  # one, or two alternatives (a digit dropped here or added there)


def diagnose_plan(
    values: dict[str, Any], catalog: Catalog, plan: RulePlan, status: dict[str, str] | None = None
) -> list[Diagnosis]:
    """Diagnoses for the failing relation rules of a compiled plan (`rule_plan`: the check's own, compiled once per
    fill key), values as the check reads them.

    `status` is rule id → `rule_status` of these values when the caller has worked it out already (the
    check has: it is the same function of the same values); missing rules are evaluated here."""
    known = status or {}
    status = {r.id: known[r.id] if r.id in known else fn(values) for r, fn in plan.relations}
    failing = [r for r, _ in plan.relations if status[r.id] in FAIL]
    out: list[Diagnosis] = []
    for group in _groups(failing, plan):
        out.extend(_diagnose_group(group, values, catalog, plan, status))
    return out


def _groups(failing: list[Rule], plan: RulePlan) -> list[list[Rule]]:
    """Failing rules linked by a shared figure (connected components), in catalog order."""
    groups: list[tuple[set[str], list[Rule]]] = []
    for r in failing:
        keys = set(plan.operands[r.id])
        hit = [g for g in groups if g[0] & keys]
        merged_keys, merged_rules = set(keys), [r]
        for g in hit:
            merged_keys |= g[0]
            merged_rules = g[1] + merged_rules
            groups.remove(g)
        groups.append((merged_keys, merged_rules))
    order = {r.id: i for i, r in enumerate(failing)}  # by id: comparing rules field by field is slow
    return [sorted(g[1], key=lambda r: order[r.id]) for g in groups]


def _diagnose_group(group, values, catalog, plan: RulePlan, status) -> list[Diagnosis]:
    """Diagnoses within one group of linked failing rules.

    For each typed figure k, R_k are the failing rules that read it; a value for k counts only if it
    makes every rule of R_k hold and breaks nothing. A figure that explains two or more failing rules
    at once, and is the only one of its group to do so, is the diagnosis of those rules. Failing rules
    left unexplained get a typing-slip suggestion when one figure (or two, for a digit) explains them.
    """
    reading: dict[str, list[Rule]] = {}
    for r in group:
        for k in plan.operands[r.id]:
            v = values.get(k)
            if is_number(v) and not plan.is_computed(k):
                reading.setdefault(k, []).append(r)
    fits: dict[str, list[Suspect]] = {}
    for k, rs in reading.items():
        cur = values[k]
        cands = {_clean(v): "fits" for r in rs for v in _solutions(r, k, values, catalog, plan)}
        for v, slip in _slips(cur):
            cands.setdefault(_clean(v), slip)
        for v, slip in sorted((v, sl) for v, sl in cands.items() if v is not None):
            if v == cur:
                continue
            if slip == "fits":
                slip = _slip_between(cur, v)
            if slip == "fits" and len(rs) < 2:
                continue  # a plain fit of a figure only one failing rule reads is never suggested (below)
            if _fixes(k, v, rs, values, plan, status):
                fits.setdefault(k, []).append(Suspect(k, cur, v, slip))
    out: list[Diagnosis] = []
    multi = [k for k in fits if len(reading[k]) >= 2]
    explained: set[str] = set()
    if len(multi) == 1:
        k = multi[0]
        out.append(Diagnosis(tuple(r.id for r in reading[k]), (_best(fits[k]),)))
        explained = {r.id for r in reading[k]}
    for r in group:
        if r.id in explained:
            continue
        own = {k: fits[k] for k in plan.operands[r.id] if k in fits and not ({x.id for x in reading[k]} & explained)}
        typo = {k: [x for x in sus if x.slip == "transposition"] for k, sus in own.items()}
        typo = {k: x for k, x in typo.items() if x}
        magnitude = {k: [x for x in sus if x.slip in ("digit_dropped", "digit_added")] for k, sus in own.items()}
        magnitude = {k: x for k, x in magnitude.items() if x}
        if len(typo) == 1:
            (k, sus), = typo.items()
            out.append(Diagnosis((r.id,), (_best(sus),)))
        elif not typo and 1 <= len(magnitude) <= 2:
            out.append(Diagnosis((r.id,), tuple(_best(x) for _, x in sorted(magnitude.items()))))
    return out


_SLIP_ORDER = {"transposition": 0, "digit_dropped": 1, "digit_added": 1, "fits": 2}


def _best(sus: list[Suspect]) -> Suspect:
    return sorted(sus, key=lambda s: (_SLIP_ORDER[s.slip], abs(s.value - s.typed)))[0]


def _clean(v: float | None) -> float | None:
    if v is None or not is_number(v) or v < 0:
        return None
    return float(round(v)) if abs(v - round(v)) < 1e-9 else round(v, 2)


def _fixes(k, v, group, values, plan: RulePlan, status) -> bool:
    if not plan.domain_ok(k, v):
        return False
    # The rules are evaluated on the values with k = v: set in place and put back (k is one of the values,
    # so the dict is as it was after, order included) rather than a copy of every value per candidate.
    cur = values[k]
    values[k] = v
    try:
        status_of = plan.status_of
        if any(status_of[r.id](values) in FAIL for r in group):
            return False
        # nothing that held before may break (the computed percentages follow their inputs)
        for r in plan.reading.get(k, ()):
            if status[r.id] not in FAIL and status_of[r.id](values) in FAIL:
                return False
        return True
    finally:
        values[k] = cur


def _solutions(rule: Rule, k: str, values, catalog: Catalog, plan: RulePlan) -> list[float]:
    """The values of `k` that make an equality-like rule hold exactly (none for an ordering)."""
    x = {kk: (v if is_number(v) else None) for kk, v in plan.read(rule, values).items()}
    if any(v is None for kk, v in x.items() if kk != k):
        return []
    if rule.kind == "sum":
        others = sum(x[t] for t in rule.terms if t != k)
        if k == rule.target:
            return [sum(x[t] for t in rule.terms)]
        if rule.terms.count(k) == 1:
            return [x[rule.target] - others]
        return []
    if rule.kind == "compare" and rule.op == "=" and rule.left_fn == rule.right_fn == "sum":
        rest = {kk: v for kk, v in x.items() if kk != k}
        left = sum(rest.get(t, 0) for t in rule.left if t != k)
        right = sum(rest.get(t, 0) for t in rule.right if t != k) + rule.constant
        if rule.units:
            right += units_count(catalog, rule.units)
        if k in rule.left and k not in rule.right:
            return [right - left]
        if k in rule.right and k not in rule.left:
            return [left - right]
        return []
    if rule.kind == "ratio":
        t, a, b = x[rule.target], x[rule.numerator], x[rule.denominator]
        # A ratio beyond a double (1/5e-324: `formulas.percent_shown` is None) suggests nothing.
        if k == rule.target and b:
            shown = percent_shown(a, b)
            return [] if shown is None else [shown]
        if k == rule.numerator and b and t is not None and math.isfinite(float(t) * b):
            c = round(t * b / 100)
            return [n for n in (c - 1, c, c + 1) if n >= 0 and percent_accepted(t, n, b)]
        if k == rule.denominator and t and math.isfinite(float(a) * 100 / t):
            c = round(a * 100 / t)
            return [n for n in range(max(c - 2, 1), c + 3) if percent_accepted(t, a, n)]
    return []


def _slips(v: float) -> list[tuple[float, str]]:
    """The usual typing slips of a whole figure: two adjacent digits swapped, a digit dropped or doubled."""
    if not float(v).is_integer() or v < 10:
        return []
    s = str(int(v))
    out: list[tuple[float, str]] = []
    for i in range(len(s) - 1):
        if s[i] != s[i + 1]:
            t = s[:i] + s[i + 1] + s[i] + s[i + 2:]
            if not t.startswith("0"):
                out.append((float(t), "transposition"))
    out.append((v * 10, "digit_dropped"))
    if v % 10 == 0:
        out.append((v / 10, "digit_added"))
    return out


def _slip_between(typed: float, value: float) -> str:
    """How `value` relates to the `typed` figure, when an equation proposed it."""
    if float(typed).is_integer() and float(value).is_integer():
        a, b = str(int(typed)), str(int(value))
        if len(a) == len(b) and sorted(a) == sorted(b) and (typed - value) % 9 == 0:
            return "transposition"
    return "fits"


def suggestion_text(d: Diagnosis, home: int, fmt) -> str:
    """The Vietnamese suggestion appended to each finding the diagnosis explains."""
    parts = []
    for s in d.suspects:
        f, code = s.key.split(":", 1)
        where = f"mục {code}" if int(f) == home else f"mục {code} (Biểu mẫu {f})"
        if s.slip == "transposition":
            diff = abs(s.typed - s.value)
            parts.append(
                f"{where}: có thể nhập nhầm {fmt(s.typed)} thay cho {fmt(s.value)} (đảo chữ số: chênh lệch "
                f"{fmt(diff)} chia hết cho 9); với {fmt(s.value)} mọi quan hệ trên đều đúng"
            )
        elif s.slip == "digit_dropped":
            parts.append(f"{where} = {fmt(s.typed)} có thể thiếu một chữ số (cỡ {fmt(s.value)} thì quan hệ đúng)")
        elif s.slip == "digit_added":
            parts.append(f"{where} = {fmt(s.typed)} có thể thừa một chữ số (cỡ {fmt(s.value)} thì quan hệ đúng)")
        else:
            parts.append(f"{where}: nếu là {fmt(s.value)} thay cho {fmt(s.typed)} thì mọi quan hệ trên đều đúng")
    return "Gợi ý kiểm tra lại " + " hoặc ".join(parts) + " (chỉ là gợi ý, số liệu không bị sửa)"
