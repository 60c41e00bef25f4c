"""Load a plan's TOML (`xlcchc/plan/data/<id>.toml`) into a validated `Plan`, resolving its leads.

A lead is resolved against the registry in force for the plan (the 2023 plan: the 2022 registry with
districts; the 2026–2030 plan: the two-tier registry): first through the plan's `[leads]` table (the
kind phrases “Các sở, ban, ngành cấp tỉnh”, “UBND cấp xã” and the names the seed writes differently from
the registry), then by the registry's own unit names. A name that resolves to nothing is an error naming
the file, the area and the task — like the catalog loader names form and row.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from ..catalog.load import CatalogError, load_catalog, load_registry, read_toml
from ..catalog.models import Registry
from ..periods import Period
from ..record import Invalid, valid
from .deadline import TEXT
from .models import LEAD_KINDS, Annex, Plan, Target, Task

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import Any


def _data_dir() -> Path:
    # As `importlib.resources.files("xlcchc.plan") / "data"` for a package on disk, without importing
    # importlib.resources (see catalog.load._data_dir).
    return Path(__file__).parent / "data"


def available_plans() -> list[str]:
    return sorted(p.stem for p in _data_dir().glob("*.toml"))


@lru_cache(maxsize=None)
def load_plan(plan_id: str) -> Plan:
    path = _data_dir() / f"{plan_id}.toml"
    if not path.exists():
        raise CatalogError(f"Không có kế hoạch “{plan_id}”. Các kế hoạch hiện có: {', '.join(available_plans())}")
    from ..catalog.cache import cached

    return cached("plan", plan_id, lambda: load_plan_file(path))


@lru_cache(maxsize=256)
def plan_for(regime: str, period: Period) -> Plan | None:
    """The plan whose tasks the units of `regime` report on in `period` (None: the period has no plan).

    Only the plans that name `regime` are loaded: loading one resolves its leads against its registry,
    and checking a 2022 return must not pay for the two-tier registry (issue 17: cold `check`).
    Memoised like `load_plan` (the bundled plans do not change while the program runs): the merge asks
    twice a return, and listing the plan folder cost more than reading a return's task sheet.
    """
    for pid in available_plans():
        declared, years = _declared(pid)
        if regime not in declared and "*" not in declared:
            continue
        if years and not years[0] <= period.year <= years[1]:
            continue  # the same test as `plan.covers`, without loading the plan (and its deadline parser)
        plan = load_plan(pid)
        if regime in plan.regimes and plan.covers(period):
            return plan
    return None


@lru_cache(maxsize=None)
def _declared(plan_id: str) -> tuple[tuple[str, ...], tuple[int, int] | None]:
    """The `regimes` and years a plan file declares, read without validating the plan (an unreadable file:
    all regimes and no years, so that `load_plan` reports it as before)."""
    from ..catalog.cache import cached

    def read() -> tuple[tuple[str, ...], tuple[int, int] | None]:
        import tomllib

        try:
            with open(_data_dir() / f"{plan_id}.toml", "rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError):
            return ("*",), None
        regimes = data.get("regimes")
        first, last = data.get("first_year"), data.get("last_year")
        years = (first, last) if type(first) is int and type(last) is int else None
        return (tuple(regimes) if isinstance(regimes, list) else ("*",)), years

    return cached("plan-declared", plan_id, read)


def name_key(name: str) -> str:
    """How two printings of one agency name compare: NFC, case, spacing and end punctuation ignored."""
    s = " ".join(unicodedata.normalize("NFC", name).split()).strip(" .;:,").casefold()
    return s.replace("ủy", "uỷ").replace("hóa", "hoá")


class _Ctx:
    def __init__(self, path: Path):
        self.name = path.name

    def fail(self, where: str, msg: str) -> CatalogError:
        return CatalogError(f"{self.name}{', ' + where if where else ''}: {msg}")


def _resolver(ctx: _Ctx, aliases: dict[str, Any], reg: Registry):
    codes = {u.code for u in reg.units}
    table: dict[str, list[str]] = {}
    for u in reg.units:
        table[name_key(u.name)] = [u.code]
        if u.short:
            table.setdefault(name_key(u.short), [u.code])
    for name, value in aliases.items():
        refs = [value] if isinstance(value, str) else list(value)
        for r in refs:
            if r not in codes and r not in LEAD_KINDS:
                raise ctx.fail(
                    "[leads]", f"“{name}” trỏ tới “{r}”: không phải mã đơn vị của danh mục {reg.id} hay loại đơn vị (so, huyen, xa)"
                )
        table[name_key(name)] = refs

    def resolve(name: str) -> list[str] | None:
        return table.get(name_key(name))

    return resolve


def _where(annex: Annex | None, number: str) -> str:
    area = f"Phụ lục số {annex.id}" if annex and annex.id.isdigit() else f"mục {annex.id if annex else '?'}"
    return f"{area}, nhiệm vụ {number}"


def load_plan_file(path: Path) -> Plan:
    ctx = _Ctx(path)
    data = read_toml(path)
    aliases = data.pop("leads", {})
    tasks_raw = data.pop("task", [])
    targets_raw = data.pop("target", [])
    try:
        annexes = [valid(Annex, a) for a in data.pop("annex", [])]
    except (Invalid, TypeError) as e:
        raise ctx.fail("[[annex]]", str(e)) from None
    by_annex = {a.id: a for a in annexes}
    reg = load_registry(str(data.get("registry", "")))
    for a in annexes:
        for c in a.consolidators:
            if c.unit not in reg.by_code:
                raise ctx.fail(f"phụ lục {a.id}", f"đơn vị tổng hợp “{c.unit}” không có trong danh mục đơn vị {reg.id}")
    resolve = _resolver(ctx, aliases, reg)
    one_year = data.get("first_year") if data.get("first_year") == data.get("last_year") else None
    tasks: list[Task] = []
    seen: set[str] = set()
    for tr in tasks_raw:
        number = str(tr.get("number", ""))
        annex = by_annex.get(str(tr.get("annex", "")))
        where = _where(annex, number)
        if annex is None:
            raise ctx.fail(where, f"phụ lục “{tr.get('annex')}” không được khai báo trong [[annex]]")
        refs: list[str] = []
        for lead in tr.get("leads", []):
            got = resolve(lead)
            if got is None:
                raise ctx.fail(where, f"cơ quan chủ trì “{lead}” không có trong danh mục đơn vị {reg.id} (thêm vào [leads])")
            refs.extend(got)
        if not refs:
            raise ctx.fail(where, "không có cơ quan chủ trì nào là đơn vị báo cáo")
        try:
            task = valid(Task,
                annex=annex.id,
                number=number,
                content=tr.get("content", ""),
                products=tr.get("products", []),
                leads=tr.get("leads", []),
                partners=tr.get("partners", []),
                deadline_text=tr.get("deadline", ""),
                lead_refs=_ordered(refs),
                default_year=one_year,
            )
        except Invalid as e:
            raise ctx.fail(where, str(e)) from None
        if task.id in seen:
            raise ctx.fail(where, "nhiệm vụ bị trùng số")
        seen.add(task.id)
        if not task.content.strip() or not task.deadline_text.strip():
            raise ctx.fail(where, "thiếu nội dung hoặc thời gian hoàn thành")
        tasks.append(task)
    targets = [_target(ctx, tr, data.get("regimes", [])) for tr in targets_raw]
    try:
        return valid(Plan, annexes=annexes, tasks=tasks, targets=targets, source=data.pop("source", path.name), **data)
    except (Invalid, TypeError) as e:
        raise ctx.fail("", str(e)) from None


def _ordered(refs: list[str]) -> list[str]:
    """Unit codes first (sorted), then kinds from the top down: the order a lead column reads well in."""
    codes = sorted({r for r in refs if r not in LEAD_KINDS})
    return codes + [k for k in LEAD_KINDS if k in refs]


def _target(ctx: _Ctx, tr: dict, regimes: list[str]) -> Target:
    try:
        target = valid(Target, tr)
    except (Invalid, TypeError) as e:
        raise ctx.fail(f"chỉ tiêu {tr.get('id', '?')}", str(e)) from None
    if target.indicator:
        if target.op is None or target.value is None:
            raise ctx.fail(f"chỉ tiêu {target.id}", "chỉ tiêu gắn với mục của biểu mẫu cần phép so sánh (op) và giá trị (value)")
        for regime in regimes:
            try:
                cat = load_catalog(regime)
            except CatalogError:
                continue  # a regime not installed yet is checked when it is
            if target.indicator not in cat.indicators:
                raise ctx.fail(f"chỉ tiêu {target.id}", f"mục “{target.indicator}” không có trong chế độ {regime}")
    return target


def unstructured(plan: Plan) -> list[str]:
    """Tasks whose deadline (or part of it) the parser kept as text: listed by the plan test, never guessed."""
    return [t.id for t in plan.tasks if any(m.kind == TEXT for m in t.deadline.milestones)]


__all__ = ["available_plans", "load_plan", "load_plan_file", "plan_for", "unstructured", "name_key"]
