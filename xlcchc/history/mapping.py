"""Indicators across regimes: which code of one regime is the same quantity in another.

The forms change (tinh-2021 → tinh-2022 renumbered almost every row; tinh-2025 extends tinh-2022), but
a consolidator compares this year with last year. The relation is data (`mapping.toml`), reviewed by a
person against the printed forms, never guessed from labels at run time: a series crosses a change of
regime only through a listed pair (or an unchanged inherited row), and stops with a note elsewhere.
"""

from __future__ import annotations

import tomllib
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from ..errors import XlcchcError


class MappingError(XlcchcError):
    pass


@dataclass(frozen=True)
class Step:
    source: str
    target: str
    same: dict[str, str] = field(default_factory=dict)
    none: dict[str, str] = field(default_factory=dict)
    identity: bool = False


@lru_cache(maxsize=1)
def _data() -> dict:
    text = (resources.files("xlcchc.history") / "mapping.toml").read_text(encoding="utf-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise MappingError(f"tệp ánh xạ chỉ tiêu giữa các chế độ báo cáo bị lỗi: {e}") from None


def trend_keys(catalog, n: int = 5) -> list[str]:
    """The key rates of a regime's trend chart (data), else its first `n` rates made from summed parts."""
    listed = _data().get("trend", {}).get(catalog.regime)
    if listed:
        return [k for k in listed if k in catalog.indicators]
    out = []
    for ind in catalog.value_indicators():
        agg = ind.aggregate
        if agg.method == "ratio" and ind.kind == "percent":
            out.append(ind.key)
    return out[:n]


@lru_cache(maxsize=1)
def load_steps() -> tuple[Step, ...]:
    data = _data()
    steps = []
    for s in data.get("step", []):
        steps.append(Step(s["from"], s["to"], dict(s.get("same", {})), dict(s.get("none", {})),
                          bool(s.get("identity", False))))
    return tuple(steps)


def _catalog(regime: str):
    from ..catalog.load import CatalogError, load_catalog

    try:
        return load_catalog(regime)
    except CatalogError:
        return None


def _forward(step: Step, key: str) -> tuple[str | None, str]:
    if key in step.same:
        return step.same[key], ""
    if key in step.none:
        return None, step.none[key]
    if step.identity:
        a, b = _catalog(step.source), _catalog(step.target)
        ia = a.indicators.get(key) if a else None
        ib = b.indicators.get(key) if b else None
        if ia and ib and _alike(ia, ib):
            return key, ""
        if ia:
            return None, _change_reason(b, key) if b else ""
    return None, ""


def _alike(ia, ib) -> bool:
    return (ia.label == ib.label and ia.unit == ib.unit and ia.kind == ib.kind
            and [c.value for c in ia.choices] == [c.value for c in ib.choices])


def _change_reason(catalog, key: str) -> str:
    """Why an extending regime dropped or changed a row (its own `changes`, the one source of that reason)."""
    form, code = key.split(":", 1)
    for ch in getattr(catalog, "changes", []):
        if ch.form == int(form) and ch.code == code and ch.action in ("bỏ", "sửa"):
            return ch.reason
    return ""


def _backward(step: Step, key: str) -> tuple[str | None, str]:
    for a, b in step.same.items():
        if b == key:
            return a, ""
    if step.identity and key not in step.same.values():
        back, _ = _forward(step, key)
        if back == key and key not in step.none:
            return key, ""
        target = _catalog(step.target)
        return None, _change_reason(target, key) if target else ""
    return None, ""


def _path(a: str, b: str) -> list[tuple[Step, bool]] | None:
    """The steps from regime a to regime b (each with True when walked forwards)."""
    if a == b:
        return []
    edges: dict[str, list[tuple[str, Step, bool]]] = {}
    for s in load_steps():
        edges.setdefault(s.source, []).append((s.target, s, True))
        edges.setdefault(s.target, []).append((s.source, s, False))
    seen = {a: []}
    queue = deque([a])
    while queue:
        r = queue.popleft()
        for nxt, step, fwd in edges.get(r, []):
            if nxt not in seen:
                seen[nxt] = [*seen[r], (step, fwd)]
                if nxt == b:
                    return seen[nxt]
                queue.append(nxt)
    return None


def translate(key: str, source: str, target: str) -> tuple[str | None, str]:
    """The code in `target` of indicator `key` of `source`, or (None, a Vietnamese note saying why not)."""
    path = _path(source, target)
    if path is None:
        return None, f"chưa có bảng đối chiếu chỉ tiêu giữa chế độ “{source}” và “{target}”"
    cur, regime = key, source
    for step, fwd in path:
        nxt, why = _forward(step, cur) if fwd else _backward(step, cur)
        other = step.target if fwd else step.source
        if nxt is None:
            text = f"chỉ tiêu {cur} của chế độ “{regime}” không có chỉ tiêu tương ứng trong chế độ “{other}”"
            return None, text + (f" ({why})" if why else "")
        cur, regime = nxt, other
    return cur, ""
