"""Compile a regime's TOML file into a validated `Catalog` (`load_catalog_file`; `load_catalog` keeps the result
in the user's cache, so a run whose catalogs are cached never imports this module).

The TOML is written for the people who maintain the forms: rows as printed, aggregation as a short
phrase (`sum`, `ratio:3.1.2/3.1.1`, `lead:VPUBND`, `share_yes`, `none`), rules as small equations
(`sum = "1.4 = 1.4.1 + 1.4.2 + 1.4.3"`, `compare = "3.1.2 <= 3.1.1"`: `catalog.rules`). This module expands
that into the explicit model and refuses a file with a mistake, naming the file, the form and the code,
like pyxform names the sheet and row. A regime written as differences from another (`extends`) is
resolved first (`catalog.extend`).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..record import Invalid, valid
from .load import CatalogError, _find, _pyd, available_regimes, read_toml
from .models import LEAD_METHODS, Aggregate, Catalog, Choice, Form, Indicator, Rule
from .rules import REF, compile_rule, derived_rules, part_rules, qualify, unique_ids, validate_rules

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import Any


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
            rules.append(compile_rule(ctx, number, rr))
    for rr in cross_raw:
        rules.append(compile_rule(ctx, None, rr))
    numbers = [f.number for f in forms]
    if len(set(numbers)) != len(numbers):
        raise ctx.fail(None, None, "số biểu mẫu bị trùng")
    index = {i.key: i for f in forms for i in f.indicators}
    rules = rules + part_rules(rules)
    rules = validate_rules(ctx, index, unique_ids(derived_rules(index) + rules), str(data.get("registry", "")))
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
        kw["plus"] = [qualify(form, str(p)) for p in row["plus"]]
    if kw["method"] in LEAD_METHODS:  # `lead:SNV`, `plan_tasks:SNV` (typed by SNV when the period has no plan)
        kw["lead"] = arg.strip()
    elif kw["method"] == "ratio":
        m = re.fullmatch(rf"\s*({REF})\s*/\s*({REF})\s*", arg)
        if not m:
            raise ctx.fail(form, code, f"tỷ lệ phải viết dạng ratio:TỬ/MẪU, không phải “{spec}”")
        kw["numerator"] = qualify(form, m.group(1))
        kw["denominator"] = qualify(form, m.group(2))
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
