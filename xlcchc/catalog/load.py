"""Compile a regime's TOML file into a validated `Catalog`.

The TOML is written for the people who maintain the forms: rows as printed, aggregation as a short
phrase (`sum`, `ratio:3.1.2/3.1.1`, `lead:VPUBND`, `share_yes`, `none`), rules as small equations
(`sum = "1.4 = 1.4.1 + 1.4.2 + 1.4.3"`, `compare = "3.1.2 <= 3.1.1"`). This module expands that into the
explicit model (ratio rules from ratio rows, domain and completeness rules from kinds) and refuses a
file with a mistake, naming the file, the form and the code, like pyxform names the sheet and row.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..errors import XlcchcError
from ..record import Invalid, valid

from .models import (
    LEAD_METHODS,
    ERROR,
    WARNING,
    Aggregate,
    Catalog,
    Choice,
    Form,
    Indicator,
    Registry,
    Rule,
    Unit,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import Any

DEFAULT_REGIME = "tinh-2022"


class CatalogError(XlcchcError):
    """A catalog or registry file that cannot be used; the message is for the person editing the file."""


def _data_dir(sub: str) -> Path:
    # The package's own folder, as `importlib.resources.files("xlcchc.catalog")` gives it for a package on
    # disk (the only way xlcchc is installed), without importing importlib.resources (≈ 40 M instructions,
    # a fifth of a cold `xlcchc check`).
    return Path(__file__).parent / sub


def _dirs(sub: str) -> list[Path]:
    """The bundled folder, then `$XLCCHC_CATALOG_DIR/<sub>` (a province's own regimes and registries)."""
    import os

    out = [_data_dir(sub)]
    extra = os.environ.get("XLCCHC_CATALOG_DIR")
    if extra:
        out.append(Path(extra) / sub)
    return out


def _find(sub: str, name: str) -> Path:
    for d in _dirs(sub):
        if (d / f"{name}.toml").exists():
            return d / f"{name}.toml"
    return _data_dir(sub) / f"{name}.toml"


def available_regimes() -> list[str]:
    return sorted({p.stem for d in _dirs("data") if d.is_dir() for p in d.glob("*.toml")})


@lru_cache(maxsize=None)
def load_catalog(regime: str = DEFAULT_REGIME) -> Catalog:
    path = _find("data", regime)
    if not path.exists():
        raise CatalogError(
            f"Không có chế độ báo cáo “{regime}”. Các chế độ hiện có: {', '.join(available_regimes())}"
        )
    from .cache import cached

    return cached("catalog", regime, lambda: load_catalog_file(path))


@lru_cache(maxsize=None)
def load_registry(registry_id: str) -> Registry:
    path = _find("units", registry_id)
    if not path.exists():
        raise CatalogError(f"Không có danh mục đơn vị “{registry_id}”")
    from .cache import cached

    return cached("registry", registry_id, lambda: load_registry_file(path))


def registry_of(catalog: Catalog) -> Registry:
    return load_registry(catalog.registry)


def load_registry_file(path: Path) -> Registry:
    """A registry TOML: its `[[unit]]` rows, plus `[communes] province = N` expanded from the official list.

    Refused, naming the file and the unit: a duplicated code, a duplicated or unknown official code
    (one the official list does not have, or of another province), a parent or top that is not listed.
    """
    path = Path(path)
    data = read_toml(path)
    communes = data.pop("communes", None)
    provinces = data.pop("provinces", None)
    try:
        units = [valid(Unit, u) for u in data.pop("unit", [])]
        if communes is not None:
            units += _library_communes(path, communes, data)
        if provinces is not None:  # the national level: the 34 provinces from the official list
            from .provinces import provinces_as_units

            units += provinces_as_units(str(data.get("top", "")))
        reg = valid(Registry, units=units, **data)
    except (Invalid, TypeError) as e:
        raise CatalogError(f"{path.name}: danh mục đơn vị không hợp lệ: {_pyd(e)}") from None
    seen: set[str] = set()
    for u in reg.units:
        if u.code in seen:
            raise CatalogError(f"{path.name}: mã đơn vị “{u.code}” bị trùng")
        seen.add(u.code)
        if u.parent and u.parent not in {x.code for x in reg.units}:
            raise CatalogError(f"{path.name}: đơn vị “{u.code}” trực thuộc “{u.parent}” không có trong danh mục")
    if reg.top not in seen:
        raise CatalogError(f"{path.name}: đơn vị tổng hợp “{reg.top}” không có trong danh mục")
    _check_official_codes(path, reg)
    return reg


def _library_communes(path: Path, spec: Any, data: dict) -> list[Unit]:
    from .provinces import ProvinceError, communes_of, find_province

    if not isinstance(spec, dict) or set(spec) - {"province", "parent", "source"} or "province" not in spec:
        raise CatalogError(f"{path.name}: mục [communes] cần đúng khóa province (mã hoặc tên tỉnh), có thể thêm parent")
    try:
        prov = find_province(spec["province"])
    except ProvinceError as e:
        raise CatalogError(f"{path.name}: {e}") from None
    data.setdefault("province", int(prov.code))
    return communes_of(int(prov.code), str(spec.get("parent", data.get("top", ""))))


def _check_official_codes(path: Path, reg: Registry) -> None:
    """Commune and province official codes must be the official list's, each once."""
    coded = [u for u in reg.units if u.official_code is not None]
    if not coded:
        return
    from .provinces import all_provinces, ward_by_official_code

    wards = ward_by_official_code()
    provinces = {int(p.code): p for p in all_provinces()}
    owner: dict[int, str] = {}
    for u in coded:
        oc = u.official_code
        if oc in owner:
            raise CatalogError(
                f"{path.name}: mã đơn vị hành chính {oc} bị trùng (đơn vị “{owner[oc]}” và “{u.code}”)"
            )
        owner[oc] = u.code
        if u.kind == "xa":
            w = wards.get(oc)
            if w is None:
                raise CatalogError(
                    f"{path.name}: đơn vị “{u.code}” ({u.name}) có mã đơn vị hành chính {oc} không có trong danh mục "
                    "hành chính hiện hành (đơn vị đã sáp nhập năm 2025, hoặc gõ nhầm mã)"
                )
            if reg.province is not None and int(w.province_code) != reg.province:
                raise CatalogError(
                    f"{path.name}: đơn vị “{u.code}” ({u.name}): mã {oc} là của {w.name}, thuộc tỉnh khác"
                )
        elif u.kind == "tinh" and u.code != reg.top and oc not in provinces:
            raise CatalogError(f"{path.name}: tỉnh “{u.code}” ({u.name}) có mã {oc} không có trong 34 tỉnh, thành phố")


def read_toml(path: Path) -> dict[str, Any]:
    """A data file (regime, registry, plan) as a dict; syntax and I/O errors become a `CatalogError`
    naming the file, so every loader reports a broken file the same way."""
    import tomllib  # only when a file is compiled (a cached catalog needs no TOML parser)

    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as e:
        raise CatalogError(f"{path.name}: lỗi cú pháp TOML: {e}") from None
    except OSError as e:
        raise CatalogError(f"{path.name}: không đọc được tệp: {e.strerror}") from None


def _pyd(e: Exception) -> str:
    if isinstance(e, Invalid):
        return "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors())
    return str(e)


# --- compiling ---------------------------------------------------------------------------------

_REF = r"(?:\d+:)?\d+(?:\.[0-9a-z]+)*"


class _Ctx:
    def __init__(self, path: Path):
        self.name = path.name

    def fail(self, form: int | None, code: str | None, msg: str) -> CatalogError:
        where = self.name
        if form is not None:
            where += f", Biểu mẫu {form}"
        if code:
            where += f", mục {code}"
        return CatalogError(f"{where}: {msg}")


def _base_data(ctx: "_Ctx", chain: tuple[str, ...]):
    """Reads the raw data of a base regime (itself resolved if it extends another), refusing cycles."""

    def read(name: str) -> tuple[Path, dict]:
        if name in chain:
            raise ctx.fail(None, None, f"chế độ “{name}” mở rộng vòng tròn ({' → '.join([*chain, name])})")
        path = _find("data", name)
        if not path.exists():
            raise ctx.fail(None, None, f"extends = “{name}”: không có chế độ báo cáo này "
                           f"(hiện có: {', '.join(available_regimes())})")
        data = read_toml(path)
        if "extends" in data:
            data = _extended(_Ctx(path), path, data, (*chain, name))
        return path, data

    return read


def _extended(ctx: "_Ctx", path: Path, data: dict, chain: tuple[str, ...]) -> dict:
    from .extend import resolve

    return resolve(path, data, _base_data(ctx, chain), ctx.fail)


def load_catalog_file(path: Path) -> Catalog:
    path = Path(path)
    ctx = _Ctx(path)
    data = read_toml(path)
    if "extends" in data:
        data = _extended(ctx, path, data, (str(data.get("regime", path.stem)),))
    in_force = data.pop("in_force", None)
    if in_force is not None:
        data["in_force"] = _in_force(ctx, in_force)
    forms_raw = data.pop("form", [])
    cross_raw = data.pop("cross", [])
    forms: list[Form] = []
    rules: list[Rule] = []
    for fr in forms_raw:
        number = fr.get("number")
        if not isinstance(number, int):
            raise ctx.fail(None, None, "mỗi [[form]] cần số biểu mẫu (number)")
        inds = [_indicator(ctx, number, row) for row in fr.get("row", [])]
        codes = [i.code for i in inds]
        dup = {c for c in codes if codes.count(c) > 1}
        if dup:
            raise ctx.fail(number, sorted(dup)[0], "mã chỉ tiêu bị trùng trong biểu mẫu")
        inds = _with_parents(ctx, number, inds)
        try:
            forms.append(valid(Form, number=number, title=fr.get("title", ""), indicators=inds))
        except Invalid as e:
            raise ctx.fail(number, None, _pyd(e)) from None
        for rr in fr.get("rule", []):
            rules.append(_rule(ctx, number, rr))
    for rr in cross_raw:
        rules.append(_rule(ctx, None, rr))
    numbers = [f.number for f in forms]
    if len(set(numbers)) != len(numbers):
        raise ctx.fail(None, None, "số biểu mẫu bị trùng")
    index = {i.key: i for f in forms for i in f.indicators}
    rules = rules + _part_rules(rules)
    rules = _validate(ctx, index, _unique_ids(_derived_rules(index) + rules), str(data.get("registry", "")))
    try:
        return valid(Catalog, forms=forms, rules=rules, source=path.name, **data)
    except Invalid as e:
        raise ctx.fail(None, None, _pyd(e)) from None


def _in_force(ctx: "_Ctx", spec: Any) -> dict:
    if not isinstance(spec, dict) or "from" not in spec or set(spec) - {"from", "until"}:
        raise ctx.fail(None, None, "in_force phải có dạng { from = 2025-07-01, until = 2030-12-31 } (until không bắt buộc)")
    return {"start": spec["from"], "until": spec.get("until")}


def _parse_agg(ctx: _Ctx, form: int, code: str, row: dict) -> Aggregate:
    spec = str(row.get("agg", "none")).strip()
    by = row.get("by", [])
    if isinstance(by, str):
        by = [b.strip() for b in by.split(",") if b.strip()]
    method, _, arg = spec.partition(":")
    kw: dict[str, Any] = {"method": method.strip(), "filled_by": by, "reason": row.get("why")}
    if row.get("plus"):
        if kw["method"] != "sum":
            raise ctx.fail(form, code, "plus chỉ dùng với cách tổng hợp sum")
        kw["plus"] = [_qualify(form, str(p)) for p in row["plus"]]
    if kw["method"] in LEAD_METHODS:  # `lead:SNV`, `plan_tasks:SNV` (typed by SNV when the period has no plan)
        kw["lead"] = arg.strip()
    elif kw["method"] == "ratio":
        m = re.fullmatch(rf"\s*({_REF})\s*/\s*({_REF})\s*", arg)
        if not m:
            raise ctx.fail(form, code, f"tỷ lệ phải viết dạng ratio:TỬ/MẪU, không phải “{spec}”")
        kw["numerator"] = _qualify(form, m.group(1))
        kw["denominator"] = _qualify(form, m.group(2))
    try:
        return Aggregate(**kw)
    except Invalid as e:
        raise ctx.fail(form, code, f"cách tổng hợp “{spec}” không hợp lệ: {_pyd(e)}") from None


def _indicator(ctx: _Ctx, form: int, row: dict) -> Indicator:
    code = str(row.get("code", "")).strip()
    if not code:
        raise ctx.fail(form, None, f"một dòng thiếu mã (code): {row.get('label', '')[:60]}")
    known = {"code", "stt", "parent", "label", "unit", "kind", "choices", "agg", "by", "why", "required", "cumulative", "from_parts", "plus"}
    extra = set(row) - known
    if extra:
        raise ctx.fail(form, code, f"khóa không hợp lệ: {', '.join(sorted(extra))}")
    choices = []
    for c in row.get("choices", []):
        m = re.fullmatch(r"\s*(.+?)\s*=\s*(-?\d+)\s*", str(c))
        if not m:
            raise ctx.fail(form, code, f"mã trả lời phải viết dạng “Nhãn = số”, không phải “{c}”")
        choices.append(valid(Choice, label=m.group(1), value=int(m.group(2))))
    kind = row.get("kind")
    if kind == "choice" and not choices:
        raise ctx.fail(form, code, "dòng mã trả lời (choice) cần danh sách mã (choices) không rỗng")
    try:
        return valid(Indicator,
            form=form,
            code=code,
            stt=row.get("stt"),
            parent=row.get("parent"),
            label=row.get("label", ""),
            unit=row.get("unit", ""),
            kind=kind,
            choices=choices,
            aggregate=_parse_agg(ctx, form, code, row) if kind != "heading" else valid(Aggregate, method="none"),
            required=row.get("required", kind != "heading"),
            cumulative=row.get("cumulative", False),
            from_parts=row.get("from_parts", False),
        )
    except Invalid as e:
        raise ctx.fail(form, code, _pyd(e)) from None


def _with_parents(ctx: _Ctx, form: int, inds: list[Indicator]) -> list[Indicator]:
    """A row's parent is the row whose code is its own minus the last segment, unless given."""
    codes = {i.code for i in inds}
    out = []
    for i in inds:
        parent = i.parent
        if parent is None and "." in i.code:
            cand = i.code.rsplit(".", 1)[0]
            parent = cand if cand in codes else None
        if parent is not None and parent not in codes:
            raise ctx.fail(form, i.code, f"dòng cha “{parent}” không có trong biểu mẫu")
        out.append(i.model_copy(update={"parent": parent}))
    return out


def _qualify(form: int | None, ref: str) -> str:
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
    if not re.fullmatch(_REF, text):
        raise ctx.fail(form, None, f"“{text}” trong “{whole.strip()}” không phải mã chỉ tiêu, hằng số (100%) hay count(so|huyen|xa)")
    try:
        return _qualify(form, text)
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


def _rule(ctx: _Ctx, form: int | None, rr: dict) -> Rule:
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


def _derived_rules(index: dict[str, Indicator]) -> list[Rule]:
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


def _part_rules(rules: list[Rule]) -> list[Rule]:
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


def _unique_ids(rules: list[Rule]) -> list[Rule]:
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


def _validate(ctx: _Ctx, index: dict[str, Indicator], rules: list[Rule], registry_id: str) -> list[Rule]:
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
