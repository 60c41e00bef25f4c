"""Regular expressions compiled on first use, not when their module is imported.

`re.compile` runs the pure-Python regex compiler: a few hundred thousand instructions a pattern, and
the modules a cold `xlcchc check` imports declared dozens of them that most runs never use (deadline
phrases of a plan, number formats of text a unit typed). Excel's "Kiểm tra" button starts a fresh
process each time (issue 17: ≤ 0.12 s), so a pattern that only some inputs need is a `LazyPattern`.

It behaves as the compiled pattern for the methods called on it (`match`, `search`, `sub` …): the first
access compiles it with `re.compile` and keeps the bound method on the instance, so later calls cost
the same attribute lookup as on a `re.Pattern`. Matching is the very same `re` code, so the results are.
"""

from __future__ import annotations

import re


class LazyPattern:
    """`re.compile(pattern, flags)`, done when a method of it is first used."""

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> object:
        # Only reached for names not yet on the instance: compile once, then keep what was asked for.
        compiled = self.__dict__.get("_compiled")
        if compiled is None:
            compiled = self.__dict__["_compiled"] = re.compile(*self._source)
        value = getattr(compiled, name)
        self.__dict__[name] = value
        return value

    def __repr__(self) -> str:
        return f"LazyPattern({self._source[0]!r})"
