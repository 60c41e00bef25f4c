"""Light records: the runtime shape of catalogs, registries, plans and findings, validated by pydantic on entry.

Excel's "Kiểm tra" button starts a fresh process for every click (issue 17: cold `xlcchc check` ≤ 0.12 s),
and importing pydantic and building its model classes cost more than checking the return itself. So the
objects the tools pass around are plain frozen dataclasses (no pydantic at import), and pydantic
validates them only where data comes in: a catalog, registry or plan TOML compiled (`valid`), a values
or provincial JSON read back (`Record.model_validate`). pydantic validates a standard dataclass and
returns an instance of that same class, so the checked object and the light one are one type.

`Record` keeps the pydantic-style calls the code and tests use (`model_dump`, `model_copy`,
`model_validate`) with the same results; `__post_init__` holds the cross-field checks (pydantic runs
it when validating, and a direct construction runs it too).
"""

from __future__ import annotations

import math
from dataclasses import MISSING, fields
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar

R = TypeVar("R", bound="Record")

#: What pydantic applies to every record it validates: unknown keys are refused, as `extra="forbid"` did.
FORBID = {"extra": "forbid"}


class Invalid(ValueError):
    """Data a record refuses; `errors()` is pydantic's list (loc, msg …), str() its readable text."""

    def __init__(self, text: str, errors: list[dict[str, Any]]):
        super().__init__(text)
        self._errors = errors

    def errors(self) -> list[dict[str, Any]]:
        return self._errors


class Record:
    """Base of the light records (a mixin: dataclasses below it may use slots)."""

    __slots__ = ()

    def model_dump(self, *, mode: str = "python", exclude: set[str] | None = None, exclude_none: bool = False,
                   exclude_defaults: bool = False) -> dict[str, Any]:
        """The record as a dict, nested records as dicts (mode="json": dates as ISO text, tuples as lists)."""
        out: dict[str, Any] = {}
        for f, default in _defaults(type(self)):
            if exclude and f in exclude:
                continue
            v = getattr(self, f)
            if exclude_none and v is None:
                continue
            if exclude_defaults and default is not _NONE and v == default:
                continue
            out[f] = _dump(v, mode, exclude_none, exclude_defaults)
        return out

    def model_copy(self: R, *, update: dict[str, Any] | None = None) -> R:
        """A copy with some fields replaced, not validated (as pydantic's model_copy)."""
        cls = type(self)
        new = cls.__new__(cls)
        for f, _ in _defaults(cls):
            object.__setattr__(new, f, update[f] if update and f in update else getattr(self, f))
        return new

    @classmethod
    def model_validate(cls: type[R], data: Any) -> R:
        """`data` (a dict, e.g. JSON read back) checked and converted by pydantic; raises `Invalid`."""
        return valid(cls, data)


_NONE = object()


@lru_cache(maxsize=None)
def _defaults(cls: type) -> tuple[tuple[str, Any], ...]:
    """(field, default) in declaration order (pydantic's dump order); `_NONE` for a required field."""
    out = []
    for f in fields(cls):
        if f.default_factory is not MISSING:
            out.append((f.name, f.default_factory()))
        else:
            out.append((f.name, _NONE if f.default is MISSING else f.default))
    return tuple(out)


def _dump(v: Any, mode: str, exclude_none: bool, exclude_defaults: bool) -> Any:
    if isinstance(v, Record):
        return v.model_dump(mode=mode, exclude_none=exclude_none, exclude_defaults=exclude_defaults)
    if isinstance(v, list):
        return [_dump(x, mode, exclude_none, exclude_defaults) for x in v]
    if isinstance(v, tuple):
        t = [_dump(x, mode, exclude_none, exclude_defaults) for x in v]
        return t if mode == "json" else tuple(t)
    if isinstance(v, dict):
        return {k: _dump(x, mode, exclude_none, exclude_defaults) for k, x in v.items()}
    if mode == "json":
        if isinstance(v, date):
            return v.isoformat()
        if isinstance(v, float) and not math.isfinite(v):
            return None  # pydantic's JSON mode writes inf/nan as null
    return v


def valid(cls: type[R], data: Any = None, /, **kw: Any) -> R:
    """An instance of `cls` from `data` (or keywords), validated and coerced by pydantic (imported here)."""
    from pydantic import ValidationError

    try:
        return _adapter(cls).validate_python(kw if data is None else data)
    except ValidationError as e:
        raise Invalid(str(e), e.errors()) from None


@lru_cache(maxsize=None)
def _adapter(cls: type):
    from pydantic import TypeAdapter

    return TypeAdapter(cls)
