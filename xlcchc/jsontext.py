"""`json.dumps(obj, ensure_ascii=False, indent=N)` for plain data, without importing the json package.

`xlcchc check --json` prints its findings once and exits; importing `json` (decoder, scanner and encoder,
with their patterns) is ~5.6 M instructions of that cold process (issue 17). With an indent, `json`
writes through its pure-Python `_make_iterencode` anyway; `dumps` below writes the same text the same
way — strings through the C escaper json itself uses, numbers by `int.__repr__` / `float.__repr__`
(NaN, Infinity, -Infinity as json spells them), `true` / `false` / `null`, the separators `,` and `: `
that json takes when indenting. Anything else (another type, a key that is not text, deep nesting) is
handed to `json.dumps` itself, so what is printed — or raised — stays exactly json's.
tests/test_jsontext.py compares the two on random data.
"""

from __future__ import annotations

try:
    from _json import encode_basestring as _text  # the escaper json.encoder uses (ensure_ascii=False)
except ImportError:  # pragma: no cover - not CPython
    from json.encoder import encode_basestring as _text

_INF = float("inf")
_DEEP = 64  # json's own recursion is bounded too; deeper data goes to json (never here: findings are flat)


class _NotPlain(Exception):
    """A value `dumps` leaves to json."""


def dumps(obj: object, indent: int) -> str:
    """`json.dumps(obj, ensure_ascii=False, indent=indent)` (the same text, or the same error)."""
    parts: list[str] = []
    try:
        _write(obj, parts, "\n", " " * indent, 0)
    except _NotPlain:
        import json

        return json.dumps(obj, ensure_ascii=False, indent=indent)
    return "".join(parts)


def _write(o: object, out: list[str], newline: str, step: str, depth: int) -> None:
    if isinstance(o, str):
        out.append(_text(o))
    elif o is None:
        out.append("null")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    elif isinstance(o, int):
        out.append(int.__repr__(o))
    elif isinstance(o, float):
        out.append(_float(o))
    elif depth >= _DEEP:
        raise _NotPlain
    elif isinstance(o, (list, tuple)):
        if not o:
            out.append("[]")
            return
        inner = newline + step
        out.append("[")
        for i, item in enumerate(o):
            out.append(inner if i == 0 else "," + inner)
            _write(item, out, inner, step, depth + 1)
        out.append(newline + "]")
    elif isinstance(o, dict):
        if not o:
            out.append("{}")
            return
        inner = newline + step
        out.append("{")
        for i, (key, value) in enumerate(o.items()):
            if not isinstance(key, str):
                raise _NotPlain
            out.append((inner if i == 0 else "," + inner) + _text(key) + ": ")
            _write(value, out, inner, step, depth + 1)
        out.append(newline + "}")
    else:
        raise _NotPlain


def _float(o: float) -> str:
    if o != o:
        return "NaN"
    if o == _INF:
        return "Infinity"
    if o == -_INF:
        return "-Infinity"
    return float.__repr__(o)
