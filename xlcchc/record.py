"""Light records: the runtime shape of catalogs, registries, plans and findings, validated by pydantic on entry.

Excel's "Kiểm tra" button starts a fresh process for every click (issue 17: cold `xlcchc check` ≤ 0.12 s).
Importing pydantic and building its model classes cost more than checking the return itself, and even
`dataclasses.dataclass` compiles half a dozen functions per class at import (≈ 8 M instructions each).
So the objects the tools pass around are `@record` classes: frozen, keyword-only, built from their
annotations with generic methods (nothing compiled at import, no pydantic). pydantic validates them only
where data comes in — a catalog, registry or plan TOML compiled (`valid`), findings or a values file read
back (`Record.model_validate`): the first validation of a class builds a standard dataclass twin of it
for pydantic and turns what pydantic validated into an instance of the record itself.

`Record` keeps the pydantic-style calls the code and tests use (`model_dump`, `model_copy`,
`model_validate`) with the same results; `__post_init__` holds the cross-field checks (run on direct
construction and when pydantic validates, where a ValueError becomes a validation error).
"""

from __future__ import annotations

import math
from datetime import date
from functools import lru_cache
from types import MemberDescriptorType

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import Any, Callable, TypeVar

    # For type checkers only: at run time a TypeVar bound by name compiles "Record" as a forward reference,
    # the first use of Python's compiler in a cold `check` (≈ 9 M instructions, 3 % of it).
    R = TypeVar("R", bound="Record")


class Invalid(ValueError):
    """Data a record refuses; `errors()` is pydantic's list (loc, msg …), str() its readable text."""

    def __init__(self, text: str, errors: list[dict[str, Any]]):
        super().__init__(text)
        self._errors = errors

    def errors(self) -> list[dict[str, Any]]:
        return self._errors


class FrozenRecordError(AttributeError):
    """Assigning to a field of a record (records are shared, e.g. the cached catalog: never changed)."""


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]):
        self.make = make


def field(*, default_factory: Callable[[], Any]) -> Any:
    """A field whose default is made per instance (`field(default_factory=list)`, as in dataclasses)."""
    return _Factory(default_factory)


_REQUIRED = object()


def record(cls: type | None = None, *, forbid: bool = True, slots: bool = False, positional: bool = False,
           frozen: bool = True, order: bool = False):
    """Make `cls` (a subclass of `Record` with annotated fields) a record: frozen and keyword-only by default.

    forbid: pydantic refuses unknown keys (extra="forbid"), else ignores them (pydantic's default).
    slots: instances without `__dict__` (many small objects; no cached_property then).
    positional: fields may also be given in order (as a dataclass' `__init__`).
    frozen=False: fields may be assigned (and the record is not hashable, as a dataclass with eq).
    order: `<`, `<=`, `>`, `>=` compare the fields in order (as `dataclass(order=True)`).
    """

    def wrap(c: type) -> type:
        names: list[str] = []
        defaults: dict[str, Any] = {}
        for base in reversed(c.__mro__):
            for name in base.__dict__.get("__annotations__", {}):
                if name.startswith("_") or name in names:
                    continue
                names.append(name)
                if name in base.__dict__:
                    defaults[name] = base.__dict__[name]
        if slots:
            ns = {k: v for k, v in c.__dict__.items() if k not in defaults and k not in ("__dict__", "__weakref__")}
            ns["__slots__"] = tuple(names)
            ns["__setstate__"] = _setstate
            c = type(c)(c.__name__, c.__bases__, ns)
        else:
            for name in defaults:
                delattr(c, name)  # the class attribute would hide nothing, but keeps it like a dataclass' fields
        c._fields = tuple(names)
        c._defaults = defaults
        c._forbid = forbid
        c._positional = positional
        if not frozen:
            c.__setattr__ = object.__setattr__
            c.__delattr__ = object.__delattr__
            c.__hash__ = None
        if order:
            for op in ("__lt__", "__le__", "__gt__", "__ge__"):
                setattr(c, op, _ORDER[op])
        c._post = c.__dict__.get("__post_init__") or next(
            (b.__dict__["__post_init__"] for b in c.__mro__ if "__post_init__" in b.__dict__), None)
        c._stores = _stores(c)
        return c

    return wrap if cls is None else wrap(cls)


def _stores(c: type) -> tuple[tuple[str, Callable[[Any, Any], None] | None], ...]:
    """Per field, how `__init__` and `model_copy` store it: the slot's own setter, or None for a field kept in
    the instance's `__dict__` (written there directly). Both are what `object.__setattr__` ends up doing,
    without its generic lookup per call (a finding has 13 fields, a merge makes thousands of findings)."""
    out = []
    for name in c._fields:
        desc = next((b.__dict__[name] for b in c.__mro__ if name in b.__dict__), None)
        out.append((name, desc.__set__ if isinstance(desc, MemberDescriptorType) else None))
    return tuple(out)


#: Instances of a record class made by the generic `__init__` before the class gets its own compiled one.
_HOT = 50


def _generic_init(self: Record, *args: Any, **kw: Any) -> None:
    """`Record.__init__`: keyword arguments (and positional ones for `positional` records) to fields."""
    if args:
        if not self._positional or len(args) > len(self._fields):
            raise TypeError(f"{type(self).__name__}() takes {'at most ' + str(len(self._fields)) if self._positional else 'no'} positional arguments")
        for name, v in zip(self._fields, args):
            if name in kw:
                raise TypeError(f"{type(self).__name__}() got multiple values for argument '{name}'")
            kw[name] = v
    own = None if self.__class__.__dictoffset__ == 0 else self.__dict__
    pop = kw.pop
    for name, put in self._stores:
        v = pop(name, _REQUIRED)
        if v is _REQUIRED:
            v = self._default(name)
        if put is None:
            own[name] = v
        else:
            put(self, v)
    if kw:
        raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument '{next(iter(kw))}'")
    if self._post is not None:
        self._post()


def _compiled_init(cls: type) -> Callable[..., None]:
    """An `__init__` written out for `cls` (as `dataclasses` writes one), for a class made often (a merge makes
    thousands of findings): each field a keyword with a marker default, stored straight into its slot or the
    instance's dict. Anything else — positional arguments, an unknown keyword — goes to `_generic_init`,
    so the results and error messages are those of the generic one (a `positional` record keeps the
    generic one: its calls are positional). Compiled only once `_HOT` instances were made, so that a short
    run (a cold `xlcchc check`) compiles nothing."""
    fields = cls._fields
    env: dict[str, Any] = {"_R": _REQUIRED, "_generic": _generic_init}
    params = ", ".join(f"{f}=_R" for f in fields)
    given = ", ".join(f"({f!r}, {f})" for f in fields)
    lines = [f"def __init__(self, *_args, {params}, **_extra):",
             "    if _args or _extra:",
             f"        return _generic(self, *_args, **{{k: v for k, v in ({given},) if v is not _R}}, **_extra)",
             *_storing(cls, env, "{f}", defaults=True),
             "    if self._post is not None:", "        self._post()"]
    init = _compiled(cls, "__init__", lines, env)
    init.compiled = True  # `maker` compiles its positional twin only for such a class
    return init


def _storing(cls: type, env: dict[str, Any], value: str, *, defaults: bool) -> list[str]:
    """The generated statements storing every field of `cls` as `_generic_init` stores it: into its slot by
    the slot's own setter (bound in `env` as `_s<i>`) or into the instance's dict. `value` spells the
    field's value from its name `f` and index `i` ("{f}": the `__init__` parameter, "_v{i}": `maker`'s);
    with `defaults`, a field left at the marker `_R` takes its default first (`Record._default`)."""
    lines = ["    _d = self.__dict__"] if cls.__dictoffset__ != 0 else []
    for i, (f, put) in enumerate(cls._stores):
        v = value.format(f=f, i=i)
        if defaults:
            lines.append(f"    if {v} is _R: {v} = self._default({f!r})")
        if put is None:
            lines.append(f"    _d[{f!r}] = {v}")
        else:
            env[f"_s{i}"] = put
            lines.append(f"    _s{i}(self, {v})")
    return lines


def _compiled(cls: type, name: str, lines: list[str], env: dict[str, Any]) -> Callable[..., Any]:
    """The function `name` defined by `lines`, named as a method of `cls` (tracebacks, profiles)."""
    exec("\n".join(lines), env)  # noqa: S102 - generated from our own field names and count, never data
    fn = env[name]
    fn.__qualname__ = f"{cls.__qualname__}.{name}"
    return fn


def maker(cls: type) -> Callable[..., Any]:
    """A function making an instance of record class `cls` from the value of every field, given in field
    order: the instance `cls(**dict(zip(cls._fields, values)))` makes (each field stored as `__init__`
    stores it, then `__post_init__`), without the keyword dict a class call builds and unpacks again
    (a finding costs half). For code that has every field at hand (the check's findings, findings
    travelling from a merge worker as tuples); compiled once the class is made often (as `__init__` is) and
    kept on the class, until then the class call itself."""
    got = cls.__dict__.get("_maker")
    if got is not None:
        return got
    hot = getattr(cls.__dict__.get("__init__"), "compiled", False) or (
        cls._positional and "__init__" not in cls.__dict__ and cls.__dict__.get("_made", 0) >= _HOT)
    if not hot:  # not made often yet (`_HOT`): a short run compiles nothing (and a class with an `__init__`
        # of its own is always made by calling it)
        fields = cls._fields
        return lambda *values: cls(**dict(zip(fields, values)))
    env: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    params = ", ".join(f"_v{i}" for i in range(len(cls._fields)))
    lines = [f"def make({params}):", "    self = _new(_cls)", *_storing(cls, env, "_v{i}", defaults=False)]
    if cls._post is not None:
        lines.append("    self._post()")
    lines.append("    return self")
    got = _compiled(cls, "make", lines, env)
    type.__setattr__(cls, "_maker", got)
    return got


def _setstate(self, state: Any) -> None:
    """Unpickling a slotted record (object's default would call the frozen `__setattr__`)."""
    d, s = state if isinstance(state, tuple) else (state, None)
    for part in (d, s):
        for k, v in (part or {}).items():
            object.__setattr__(self, k, v)


class Record:
    """Base of the records (methods shared by all; the fields come from `@record`)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _defaults: dict[str, Any] = {}
    _forbid = True
    _positional = False
    _post: Callable[[Any], None] | None = None
    _stores: tuple[tuple[str, Callable[[Any, Any], None] | None], ...] = ()

    def __init__(self, *args: Any, **kw: Any) -> None:
        cls = self.__class__
        made = cls.__dict__.get("_made", 0) + 1
        if made >= _HOT and not cls._positional and "__init__" not in cls.__dict__:
            cls.__init__ = _compiled_init(cls)
        else:
            type.__setattr__(cls, "_made", made)
        _generic_init(self, *args, **kw)

    def _default(self, name: str) -> Any:
        d = self._defaults.get(name, _REQUIRED)
        if d is _REQUIRED:
            raise TypeError(f"{type(self).__name__}() missing required keyword argument: '{name}'")
        return d.make() if type(d) is _Factory else d

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenRecordError(f"cannot assign to field '{name}'")

    def __delattr__(self, name: str) -> None:
        raise FrozenRecordError(f"cannot delete field '{name}'")

    def _values(self) -> tuple:
        return tuple(getattr(self, n) for n in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self._fields)})"

    def model_dump(self, *, mode: str = "python", exclude: set[str] | None = None, exclude_none: bool = False,
                   exclude_defaults: bool = False) -> dict[str, Any]:
        """The record as a dict, nested records as dicts (mode="json": dates as ISO text, tuples as lists)."""
        out: dict[str, Any] = {}
        for f in self._fields:
            if exclude and f in exclude:
                continue
            v = getattr(self, f)
            if exclude_none and v is None:
                continue
            if exclude_defaults and f in self._defaults and v == _default_of(self._defaults[f]):
                continue
            out[f] = _dump(v, mode, exclude_none, exclude_defaults)
        return out

    def model_copy(self: R, *, update: dict[str, Any] | None = None) -> R:
        """A copy with some fields replaced, not validated (as pydantic's model_copy)."""
        new = self.__class__.__new__(self.__class__)
        own = None if new.__class__.__dictoffset__ == 0 else new.__dict__
        for f, put in self._stores:
            v = update[f] if update and f in update else getattr(self, f)
            if put is None:
                own[f] = v
            else:
                put(new, v)
        return new

    @classmethod
    def model_validate(cls: type[R], data: Any) -> R:
        """`data` (a dict, e.g. JSON read back) checked and converted by pydantic; raises `Invalid`.

        Data that already has exactly the fields' types (what this program wrote: findings and status
        lines read back from TONG_HOP) is taken without importing pydantic — what pydantic would return
        for it; anything else (a number as text, a missing field, a wrong type) goes through pydantic."""
        if type(data) is dict:
            exact = _exact_checks(cls)
            if exact is not None and _is_exact(cls, exact, data):
                return cls(**{k: v for k, v in data.items() if k in exact})
        return valid(cls, data)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """pydantic validates a record through its dataclass twin; a record given as input is kept."""
        from pydantic_core import core_schema as cs

        fields = cls._fields

        def to_record(v: Any, validate: Callable[[Any], Any]) -> Any:
            if isinstance(v, cls):
                return v
            twin = validate(v)
            obj = cls.__new__(cls)
            for f in fields:
                object.__setattr__(obj, f, getattr(twin, f))
            return obj

        return cs.no_info_wrap_validator_function(
            to_record, handler.generate_schema(_twin(cls)),
            serialization=cs.plain_serializer_function_ser_schema(
                lambda v, info: v.model_dump(mode="json" if info.mode_is_json() else "python"), info_arg=True),
        )


def warm(obj: Any) -> Any:
    """Compute every `cached_property` of a record and of the records in its fields (a catalog's index and
    fingerprint, a plan's parsed deadlines), so that a pickled copy carries them instead of each run
    recomputing them; returns `obj`."""
    from functools import cached_property

    seen: set[int] = set()
    todo = [obj]
    while todo:
        o = todo.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, Record):
            for klass in type(o).__mro__:
                for name, attr in klass.__dict__.items():
                    if isinstance(attr, cached_property):
                        getattr(o, name)
            todo.extend(getattr(o, f) for f in o._fields)
        elif isinstance(o, (list, tuple)):
            todo.extend(o)
    return obj


_PLAIN = {"str": str, "int": int, "float": float, "bool": bool}


@lru_cache(maxsize=None)
def _exact_checks(cls: type) -> dict[str, Callable[[Any], bool]] | None:
    """Per field, a test that a value is exactly of the field's type (None: a field type this fast path
    does not know, so pydantic always validates the class). Known: str, int, float, bool, Any, a
    Literal (named in the record's module), and each of them `| None`."""
    import typing

    module = _namespace(cls)
    ann: dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        ann.update(base.__dict__.get("__annotations__", {}))
    out: dict[str, Callable[[Any], bool]] = {}
    for f in cls._fields:
        parts = [p.strip() for p in str(ann[f]).split("|")]
        tests: list[Callable[[Any], bool]] = []
        for p in parts:
            if p == "None":
                tests.append(lambda v: v is None)
            elif p == "Any":
                tests.append(lambda v: True)
            elif p in _PLAIN:
                tests.append(lambda v, t=_PLAIN[p]: type(v) is t)
            elif typing.get_origin(module.get(p)) is typing.Literal:
                allowed = frozenset(typing.get_args(module[p]))
                tests.append(lambda v, a=allowed: type(v) is str and v in a)
            else:
                return None
        out[f] = tests[0] if len(tests) == 1 else (lambda v, ts=tuple(tests): any(t(v) for t in ts))
    return out


def _is_exact(cls: type, exact: dict[str, Callable[[Any], bool]], data: dict) -> bool:
    for k, v in data.items():
        test = exact.get(k)
        if test is None:
            if cls._forbid:
                return False  # pydantic refuses the unknown key
            continue  # ignored, as pydantic does
        if not test(v):
            return False
    return all(f in data or f in cls._defaults for f in exact)


def _ordered(op: str) -> Callable[[Any, Any], Any]:
    def compare(self: Record, other: Any) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return getattr(self._values(), op)(other._values())

    compare.__name__ = op
    return compare


_ORDER = {op: _ordered(op) for op in ("__lt__", "__le__", "__gt__", "__ge__")}


def _default_of(d: Any) -> Any:
    return d.make() if type(d) is _Factory else d


def literal_aliases(module: dict[str, Any], table: dict[str, tuple[str, ...]]) -> Callable[[str], Any]:
    """A module `__getattr__` (PEP 562) making `typing.Literal[*values]` for each name of `table` on first
    use and keeping it in the module: modules define their Literal aliases this way so that importing
    them does not import typing (≈ 12 M instructions of a cold `check`, issue 17)."""

    def __getattr__(name: str) -> Any:
        if name not in table:
            raise AttributeError(f"module {module['__name__']!r} has no attribute {name!r}")
        from typing import Literal

        alias = module[name] = Literal[table[name]]
        return alias

    return __getattr__


@lru_cache(maxsize=None)
def _namespace(cls: type) -> dict[str, Any]:
    """The names a record's annotations (text, `from __future__ import annotations`) are read in: typing's
    (Any, Literal …, which the modules import only for type checkers), then the record's module — its
    globals and the names its `__getattr__` makes on first use (`literal_aliases`), as Python would."""
    import re
    import sys
    import typing

    module = sys.modules[cls.__module__]
    names = {**vars(typing), **vars(module)}
    for base in cls.__mro__:
        for text in base.__dict__.get("__annotations__", {}).values():
            for word in re.findall(r"[A-Za-z_]\w*", str(text)):
                if word not in names and hasattr(module, word):
                    names[word] = getattr(module, word)
    return names


@lru_cache(maxsize=None)
def _twin(cls: type) -> type:
    """A standard dataclass with the record's fields, defaults and `__post_init__`, for pydantic only."""
    import dataclasses

    ns: dict[str, Any] = {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
    ann: dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        ann.update({k: v for k, v in base.__dict__.get("__annotations__", {}).items() if k in cls._fields})
    names = _namespace(cls)
    # Evaluated here, in the names `_namespace` gives, rather than by pydantic in the module's globals,
    # where the typing names a module imports only for type checkers are not.
    ns["__annotations__"] = {f: eval(ann[f], names) if isinstance(ann[f], str) else ann[f] for f in cls._fields}  # noqa: S307 - our own source's annotations
    for f, d in cls._defaults.items():
        ns[f] = dataclasses.field(default_factory=d.make) if type(d) is _Factory else d
    if cls._post is not None:
        ns["__post_init__"] = cls._post
    ns["__pydantic_config__"] = {"extra": "forbid" if cls._forbid else "ignore"}
    return dataclasses.dataclass(kw_only=True)(type(cls.__name__, (), ns))


def _dump(v: Any, mode: str, exclude_none: bool, exclude_defaults: bool) -> Any:
    if isinstance(v, Record):
        return v.model_dump(mode=mode, exclude_none=exclude_none, exclude_defaults=exclude_defaults)
    if hasattr(type(v), "model_dump"):  # another kind of model (a slotted dataclass keeping pydantic's calls)
        return v.model_dump(mode=mode)
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
