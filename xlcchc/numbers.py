"""Vietnamese number conventions, in and out.

Civil servants type `1.234` for one thousand two hundred thirty-four and `99,99` for a decimal; the
seed tables print them the same way. Everything that turns text into a number, or a number into text a
person reads (messages, the appendix), goes through this module so that the two directions agree.
"""

from __future__ import annotations

import math

from .lazy_pattern import LazyPattern
from .record import Record, record

# A value that means "none" in a filled form (the seed prints `-` for zero/none).
NONE_MARKS = frozenset({"-", "–", "—", "x", "X", "k", "K"})

# Compiled on first use (only text typed into a value cell needs them).
_THOUSANDS_DOT = LazyPattern(r"^[+-]?\d{1,3}(\.\d{3})+$")  # 1.234 / 10.630.268
_THOUSANDS_DOT_DEC = LazyPattern(r"^[+-]?\d{1,3}(\.\d{3})+,\d+$")  # 1.234,5
_DECIMAL_COMMA = LazyPattern(r"^[+-]?\d+,\d+$")  # 99,99
_PLAIN = LazyPattern(r"^[+-]?\d+(\.\d+)?$")  # 12 / 05 / 12.5 (a program's decimal point)
_THOUSANDS_SPACE = LazyPattern(r"^[+-]?\d{1,3}( \d{3})+$")  # 1 234
_FRACTION = LazyPattern(r"^\s*\d[\d.,]*\s*/\s*\d[\d.,]*\s*$")  # 48/48


@record(positional=True)  # a frozen record, as the frozen dataclass it was (no code generated at import)
class Parsed(Record):
    """The outcome of reading one typed value.

    `value` is None when the text is blank, 0 when it is a mark meaning none (`-`); `problem` is a Vietnamese explanation when the
    text cannot be a number (the caller decides the severity); `hint` says what to type instead.
    """

    value: float | None
    blank: bool = False
    none_mark: bool = False
    problem: str | None = None
    hint: str | None = None
    percent_sign: bool = False


def parse_vn(text: str) -> Parsed:
    """Read a number typed the Vietnamese way.

    A dot followed by exactly three digits groups thousands (`1.234` = 1234); a comma is the decimal
    separator (`99,99`). A plain `12.5` (what programs write) is a decimal point because it cannot be a
    thousands group. Returns a problem instead of raising: bad input is reported, never a traceback.
    """
    s = str(text).replace("\u00a0", " ").strip()
    if s == "":
        return Parsed(None, blank=True)
    if s in NONE_MARKS:
        return Parsed(0.0, none_mark=True)
    pct = False
    if s.endswith("%"):
        pct = True
        s = s[:-1].strip()
    if _FRACTION.match(s):
        a, b = (p.strip() for p in s.split("/", 1))
        return Parsed(
            None,
            problem=f"“{text}” là một phân số, không phải một số",
            hint=f"nhập một số duy nhất (ví dụ {a}); ghi “{text}” vào cột Ghi chú nếu cần",
        )
    if _THOUSANDS_DOT_DEC.match(s):
        return Parsed(float(s.replace(".", "").replace(",", ".")), percent_sign=pct)
    if _THOUSANDS_DOT.match(s):
        return Parsed(float(s.replace(".", "")), percent_sign=pct)
    if _DECIMAL_COMMA.match(s):
        return Parsed(float(s.replace(",", ".")), percent_sign=pct)
    if _THOUSANDS_SPACE.match(s):
        return Parsed(float(s.replace(" ", "")), percent_sign=pct)
    if _PLAIN.match(s):
        return Parsed(float(s), percent_sign=pct)
    return Parsed(None, problem=f"“{_shorten(str(text))}” không phải là một số", hint="chỉ nhập chữ số")


def _shorten(s: str, n: int = 40) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def is_whole(x: float) -> bool:
    return math.isfinite(x) and float(x).is_integer()


def fmt_vn(x: float | int | None, decimals: int | None = None) -> str:
    """Format a number for a person: `518.562`, `99,99`, `-` never (blank stays blank).

    `decimals=None` shows whole numbers without decimals and others with up to two, trailing zeros kept
    at two so that percentages read alike.
    """
    if x is None:
        return ""
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    if decimals is None:
        decimals = 0 if float(x).is_integer() else 2
    neg = x < 0
    s = f"{abs(x):,.{decimals}f}"  # 1,234.50
    s = s.replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")
    return ("-" if neg else "") + s


def fmt_percent(x: float | None) -> str:
    return "" if x is None else fmt_vn(x, 2) + "%"
