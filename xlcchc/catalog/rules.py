"""A regime's rules compiled from the small equations its TOML is written in, and the sentence each one says.

`sum = "1.4 = 1.4.1 + 1.4.2"`, `compare = "3.1.2 <= 3.1.1"`, `between`, `if_zero`, `fraction` become
`Rule`s (`compile_rule`); the rules a catalog implies are added (`derived_rules`: ratio, domain and
completeness rules from the rows' kinds; `part_rules`: no part above its total), each gets a stable id
(`unique_ids`) and, unless the file wrote one, its Vietnamese message (`default_message`, `side_words`,
which the check also uses for the sides of a finding); `validate_rules` refuses references the models
cannot see alone (a row that does not exist, a heading, a lead unit not in the registry), naming the file,
form and code like the rest of the compiler (`catalog.compile`).
"""

from __future__ import annotations

import re

from ..record import valid
from .load import load_registry
from .models import ERROR, WARNING, Indicator, Rule

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from .compile import _Ctx

#: A row reference as the TOML writes it: `3.1.2`, or `4:1.5` for a row of another form.
REF = r"(?:\d+:)?\d+(?:\.[0-9a-z]+)*"


def qualify(form: int | None, ref: str) -> str:
    ref = ref.strip()
    if ":" in ref:
        return ref
    if form is None:
        raise ValueError(ref)
    return f"{form}:{ref}"

_OPS = {"<=": "<=", "≤": "<=", ">=": ">=", "≥": ">=", "=": "="}


#: The keys that make a rule in a catalog file, one per rule (`extend.py` reads the same list).
RULE_KEYS = ("sum", "compare", "between", "if_zero", "fraction")
UNIT_KINDS = ("so", "huyen", "xa")


def rule_text(rr: dict) -> str:
    """The text of a rule entry whatever its kind (to compare, list its references, show it)."""
    for k in RULE_KEYS:
        if k in rr:
            if k == "if_zero":
                then = rr.get("then_zero", [])
                then = ", ".join(then) if isinstance(then, list) else str(then)
                return f"{rr[k]} = 0 => {then}"
            return str(rr[k])
    return ""


class _Side:
    """One side of a comparison as written: Σ / max / min of codes, plus constants (`100%`) and `count(kind)`."""

    def __init__(self, fn: str = "sum", keys: list[str] | None = None, constant: float = 0.0, units: str | None = None):
        self.fn, self.keys, self.constant, self.units = fn, keys or [], constant, units


def _key(ctx: _Ctx, form: int | None, text: str, whole: str) -> str:
    if not re.fullmatch(REF, text):
        raise ctx.fail(form, None, f"“{text}” trong “{whole.strip()}” không phải mã chỉ tiêu, hằng số (100%) hay count(so|huyen|xa)")
    try:
        return qualify(form, text)
    except ValueError:
        raise ctx.fail(form, None, f"quy tắc liên biểu phải ghi mã kèm số biểu, ví dụ 4:1.5 (“{whole.strip()}”)") from None


def _side(ctx: _Ctx, form: int | None, text: str) -> _Side:
    t = text.strip()
    m = re.fullmatch(r"(max|min)\s*\((.+)\)", t)
    if m:
        return _Side(m.group(1), [_key(ctx, form, p.strip(), text) for p in m.group(2).split(",")])
    side = _Side()
    for p in (p.strip() for p in t.split("+")):
        c = re.fullmatch(r"(\d+(?:[.,]\d+)?)\s*%", p)
        u = re.fullmatch(r"count\(\s*([a-z]+)\s*\)", p)
        if c:
            side.constant += float(c.group(1).replace(",", "."))
        elif u:
            if u.group(1) not in UNIT_KINDS or side.units:
                raise ctx.fail(form, None, f"“{p}”: một count(so|huyen|xa) cho mỗi vế (“{text.strip()}”)")
            side.units = u.group(1)
        else:
            side.keys.append(_key(ctx, form, p, text))
    return side


def _plain(ctx: _Ctx, form: int | None, side: _Side, text: str, what: str) -> list[str]:
    if side.fn != "sum" or side.constant or side.units:
        raise ctx.fail(form, None, f"{what} chỉ gồm các mã chỉ tiêu nối bằng +: “{text}”")
    if not side.keys:
        raise ctx.fail(form, None, f"{what} cần ít nhất một mã chỉ tiêu: “{text}”")
    return side.keys


def compile_rule(ctx: _Ctx, form: int | None, rr: dict) -> Rule:
    severity = rr.get("severity", ERROR)
    if severity not in (ERROR, WARNING):
        raise ctx.fail(form, None, f"mức độ phải là “Lỗi” hoặc “Cảnh báo”, không phải “{severity}”")
    kinds = [k for k in RULE_KEYS if k in rr]
    if len(kinds) != 1:
        raise ctx.fail(form, None, f"mỗi quy tắc cần đúng một trong {' / '.join(RULE_KEYS)}: {rr}")
    extra = set(rr) - {*RULE_KEYS, "then_zero", "severity", "message", "id", "tolerance", "why"}
    if extra:
        raise ctx.fail(form, None, f"quy tắc có khóa không hợp lệ: {', '.join(sorted(extra))}")
    kind = kinds[0]
    text = str(rr[kind])
    base = dict(id=rr.get("id", ""), severity=severity, message=rr.get("message", ""))
    tol = float(rr.get("tolerance", 0))
    if kind == "if_zero":
        target = _key(ctx, form, text.strip(), text)
        then = rr.get("then_zero", [])
        then = [t.strip() for t in (then if isinstance(then, list) else str(then).split(","))]
        if not then or not all(then):
            raise ctx.fail(form, None, f"quy tắc if_zero “{text}” cần danh sách then_zero (các mục phải trống hoặc 0)")
        return valid(Rule, kind="zero_if", form=_home(target), target=target, terms=[_key(ctx, form, t, str(then)) for t in then], **base)
    if kind == "fraction":
        m = re.fullmatch(r"\s*(\S+)\s+of\s+(.+?)\s*", text)
        if not m:
            raise ctx.fail(form, None, f"quy tắc fraction phải có dạng “TỶ_LỆ of MẪU” hoặc “TỶ_LỆ of count(so)”: “{text}”")
        target = _key(ctx, form, m.group(1), text)
        den = _side(ctx, form, m.group(2))
        if den.fn != "sum" or den.constant or len(den.keys) + (1 if den.units else 0) != 1:
            raise ctx.fail(form, None, f"mẫu của fraction là một mã chỉ tiêu hoặc một count(…): “{text}”")
        return valid(Rule, kind="fraction", form=_home(target), target=target,
                    denominator=den.keys[0] if den.keys else None, units=den.units, **base)
    if kind == "between":
        parts = re.split(r"<=|≤", text)
        if len(parts) != 3:
            raise ctx.fail(form, None, f"quy tắc between phải có dạng “DƯỚI <= MỤC <= TRÊN”: “{text}”")
        lo, mid, hi = _side(ctx, form, parts[0]), _side(ctx, form, parts[1]), _side(ctx, form, parts[2])
        target = _plain(ctx, form, mid, text, "mục ở giữa")
        if len(target) != 1 or lo.constant or lo.units or not lo.keys:
            raise ctx.fail(form, None, f"quy tắc between: một mục ở giữa, vế dưới là các mã chỉ tiêu: “{text}”")
        return valid(Rule, kind="between", form=_home(target[0]), target=target[0], left=lo.keys, left_fn=lo.fn,
                    right=hi.keys, right_fn=hi.fn, constant=hi.constant, units=hi.units, tolerance=tol, **base)
    m = re.fullmatch(r"(.+?)(<=|>=|≤|≥|=)(.+)", text)
    if not m:
        raise ctx.fail(form, None, f"quy tắc “{text}” thiếu phép so sánh (=, <=, >=)")
    ls, op, rs = _side(ctx, form, m.group(1)), _OPS[m.group(2)], _side(ctx, form, m.group(3))
    if kind == "sum":
        left, right = _plain(ctx, form, ls, text, "quy tắc tổng"), _plain(ctx, form, rs, text, "quy tắc tổng")
        if op != "=" or len(left) != 1:
            raise ctx.fail(form, None, f"quy tắc tổng phải có dạng “cha = con + con…”: “{text}”")
        return valid(Rule, kind="sum", form=_home(left[0]), target=left[0], terms=right, **base)
    if ls.constant or ls.units or not ls.keys:
        raise ctx.fail(form, None, f"vế trái của “{text}” gồm các mã chỉ tiêu; hằng số và count(…) viết ở vế phải")
    return valid(Rule, kind="compare", form=_home(ls.keys[0]), left=ls.keys, left_fn=ls.fn, op=op, right=rs.keys,
                right_fn=rs.fn, constant=rs.constant, units=rs.units, tolerance=tol, **base)


def _home(key: str) -> int:
    return int(key.split(":")[0])


_KIND_DOMAIN = {
    "count": "phải là số nguyên không âm",
    "decimal": "phải là số không âm",
    "money": "phải là số tiền (triệu đồng) không âm",
    "percent": "phải là tỷ lệ từ 0 đến 100",
}


def derived_rules(index: dict[str, Indicator]) -> list[Rule]:
    """Rules that follow from the rows themselves, so they cannot drift from them."""
    out: list[Rule] = []
    for key, ind in index.items():
        if not ind.has_value:
            continue
        agg = ind.aggregate
        if ind.kind == "percent" and agg.method == "ratio":
            out.append(
                valid(Rule,
                    id="",
                    kind="ratio",
                    form=ind.form,
                    severity=ERROR,
                    message="",
                    target=key,
                    numerator=agg.numerator,
                    denominator=agg.denominator,
                    tolerance=0.005,
                )
            )
        if ind.kind != "text":
            out.append(valid(Rule, id="", kind="domain", form=ind.form, severity=ERROR, message="", target=key))
        if ind.required:
            out.append(valid(Rule, id="", kind="required", form=ind.form, severity=WARNING, message="", target=key))
    return out


def part_rules(rules: list[Rule]) -> list[Rule]:
    """A part alone above its total is an error, even where the sum itself is only a warning.

    A sum that may legitimately differ (a warning: 2021's 6.1 + … + 6.4 = 4.1.4, autonomy groups
    against the units counted on another form) still cannot have one non-negative part larger than
    the whole: 2.256 units in one group of 2.221 is a typing error. So each warning-level sum, and
    each warning-level equality of one row with a sum of rows, gives a `part` rule at error level.
    (An error-level sum already fails when a part exceeds its total.)
    """
    out: list[Rule] = []
    for r in rules:
        if r.severity != WARNING:
            continue
        if r.kind == "sum":
            total, parts = r.target, r.terms
        elif r.kind == "compare" and r.op == "=" and r.left_fn == r.right_fn == "sum" and not (r.constant or r.units):
            if len(r.left) == 1 and len(r.right) > 1:
                total, parts = r.left[0], r.right
            elif len(r.right) == 1 and len(r.left) > 1:
                total, parts = r.right[0], r.left
            else:
                continue
        else:
            continue
        out.append(valid(Rule, id="", kind="part", form=r.form, severity=ERROR, message="", target=total, terms=list(parts)))
    return out


def _code(key: str | None) -> str:
    return (key or "").split(":", 1)[1]


def _ref_text(key: str, home: int) -> str:
    f, c = key.split(":", 1)
    return c if int(f) == home else f"{c} (Biểu mẫu {f})"


def default_message(rule: Rule, index: dict[str, Indicator]) -> str:
    """A Vietnamese sentence saying what the rule requires, for the check sheet and findings."""
    h = rule.form
    if rule.kind == "sum":
        return f"Mục {_ref_text(rule.target, h)} phải bằng tổng {' + '.join(_ref_text(t, h) for t in rule.terms)}"
    if rule.kind == "ratio":
        return (
            f"Tỷ lệ mục {_ref_text(rule.target, h)} phải bằng "
            f"{_ref_text(rule.numerator, h)} / {_ref_text(rule.denominator, h)} × 100"
        )
    if rule.kind == "between":
        return (
            f"Mục {_ref_text(rule.target, h)} phải nằm trong khoảng từ {side_words(rule, 'left', h)} "
            f"đến {side_words(rule, 'right', h)}"
        )
    if rule.kind == "part":
        return (
            f"Không mục nào trong {', '.join(_ref_text(t, h) for t in rule.terms)} được lớn hơn "
            f"mục tổng {_ref_text(rule.target, h)}"
        )
    if rule.kind == "zero_if":
        return (
            f"Khi mục {_ref_text(rule.target, h)} bằng 0 thì các mục "
            f"{', '.join(_ref_text(t, h) for t in rule.terms)} phải để trống hoặc bằng 0"
        )
    if rule.kind == "fraction":
        n = f"mục {_ref_text(rule.denominator, h)}" if rule.denominator else UNITS_WORDS[rule.units or ""]
        return f"Tỷ lệ mục {_ref_text(rule.target, h)} phải ứng với một số nguyên đơn vị trên {n}"
    if rule.kind == "compare":
        words = {"<=": "không được lớn hơn", ">=": "không được nhỏ hơn", "=": "phải bằng"}[rule.op or "="]
        lt = side_words(rule, "left", h)
        rt = side_words(rule, "right", h)
        if len(rule.left) == 1 and len(rule.right) == 1 and rule.left_fn == rule.right_fn == "sum" and not (
            rule.constant or rule.units
        ):
            a, b = index[rule.left[0]], index[rule.right[0]]
            return f"“{_short(a.label)}” ({lt}) {words} “{_short(b.label)}” ({rt})"
        return f"{lt} {words} {rt}"
    ind = index[rule.target]
    if rule.kind == "required":
        return f"Mục {ind.code} chưa nhập số liệu"
    if ind.kind == "choice" or ind.aggregate.method == "share_yes":
        chs = ind.choices or ind.unit_choices()
        return f"Mục {ind.code} chỉ nhận một trong các mã: " + "; ".join(f"{c.label} = {c.value}" for c in chs)
    return f"Mục {ind.code} {_KIND_DOMAIN[ind.kind]}"


UNITS_WORDS = {"so": "số sở, ngành", "huyen": "số UBND cấp huyện", "xa": "số UBND cấp xã"}


def side_words(rule: Rule, which: str, home: int) -> str:
    """A side of a comparison in words: `3.4.1 + 3.4.2`, `số lớn nhất trong 5.2.1, 5.2.2`, `100`, `số sở, ngành`."""
    keys = rule.left if which == "left" else rule.right
    fn = rule.left_fn if which == "left" else rule.right_fn
    refs = [_ref_text(k, home) for k in keys]
    if fn == "max":
        parts = [f"số lớn nhất trong {', '.join(refs)}"]
    elif fn == "min":
        parts = [f"số nhỏ nhất trong {', '.join(refs)}"]
    else:
        parts = refs
    if which == "right":
        if rule.constant:
            c = rule.constant
            parts.append(str(int(c)) if float(c).is_integer() else str(c).replace(".", ","))
        if rule.units:
            parts.append(UNITS_WORDS[rule.units])
    return " + ".join(parts) if parts else "0"


def _short(label: str, n: int = 70) -> str:
    label = " ".join(label.split())
    return label if len(label) <= n else label[: n - 1] + "…"


def _ref_id(key: str, home: int) -> str:
    f, c = key.split(":", 1)
    return c if int(f) == home else key


def unique_ids(rules: list[Rule]) -> list[Rule]:
    out: list[Rule] = []
    seen: dict[str, int] = {}
    for r in rules:
        rid = r.id
        if not rid:
            anchor = r.target or (r.left[0] if r.left else "")
            tag = {"compare": {"<=": "le", ">=": "ge", "=": "eq"}[r.op or "="], "zero_if": "zero"}.get(r.kind, r.kind)
            rid = f"{r.form}-{tag}-{_code(anchor)}"
            if r.kind == "compare":
                refs = "+".join(_ref_id(x, r.form) for x in r.right)
                parts = [refs if r.right_fn == "sum" else f"{r.right_fn}({refs})"] if r.right else []
                if r.constant:
                    parts.append(f"{r.constant:g}")
                if r.units:
                    parts.append(f"count({r.units})")
                rid += "-" + "+".join(parts)
        n = seen.get(rid, 0)
        seen[rid] = n + 1
        out.append(r.model_copy(update={"id": rid if n == 0 else f"{rid}-{n + 1}"}))
    return out


def validate_rules(ctx: _Ctx, index: dict[str, Indicator], rules: list[Rule], registry_id: str) -> list[Rule]:
    """Cross-references the models cannot see alone; returns the rules with their default messages."""
    if not registry_id:
        raise ctx.fail(None, None, "thiếu danh mục đơn vị (registry)")
    units = {u.code for u in load_registry(registry_id).units}
    kinds = {"tw", "tinh", "so", "huyen", "xa"}
    for ind in index.values():
        agg = ind.aggregate
        for ref in (agg.numerator, agg.denominator):
            if ref and ref not in index:
                raise ctx.fail(ind.form, ind.code, f"tỷ lệ tham chiếu mục “{ref}” không tồn tại")
        for ref in agg.plus:
            if ref not in index or index[ref].aggregate.method in ("total", "ratio", "none"):
                raise ctx.fail(ind.form, ind.code, f"plus: mục “{ref}” phải là một mục tổng hợp từ số của đơn vị")
        if agg.lead and agg.lead not in units:
            raise ctx.fail(ind.form, ind.code, f"đơn vị chủ trì “{agg.lead}” không có trong danh mục đơn vị")
        for b in agg.filled_by:
            if b not in kinds and b not in units:
                raise ctx.fail(ind.form, ind.code, f"“{b}” không phải loại đơn vị (so, huyen, xa) hay mã đơn vị")
        if agg.method in ("sum", "share_yes") and not agg.filled_by:
            raise ctx.fail(ind.form, ind.code, f"cách tổng hợp “{agg.method}” cần danh sách đơn vị nhập (by)")
    for key, ind in index.items():
        if ind.from_parts and not any(r.kind == "sum" and r.target == key for r in rules):
            raise ctx.fail(ind.form, ind.code, "from_parts = true cần một quy tắc tổng (sum) có mục này là tổng")
    fixed: list[Rule] = []
    for r in rules:
        if r.kind == "fraction" and index[r.target].kind != "percent":
            raise ctx.fail(r.form, _code(r.target), f"quy tắc {r.id}: fraction áp dụng cho một dòng tỷ lệ (%)")
        for ref in r.operands:
            if ref not in index:
                raise ctx.fail(r.form, None, f"quy tắc {r.id} tham chiếu mục “{ref}” không tồn tại")
            if not index[ref].has_value:
                raise ctx.fail(r.form, _code(ref), f"quy tắc {r.id} tham chiếu dòng tiêu đề (không có số liệu)")
        fixed.append(r if r.message else r.model_copy(update={"message": default_message(r, index)}))
    return fixed
