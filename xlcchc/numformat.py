"""Number formats that print figures the Vietnamese way (1.768, 99,99) whatever the machine's locale.

Every workbook xlcchc writes (templates, TONG_HOP.xlsx, the appendix, annotated copies) takes its number
formats from here, so that a Vietnamese office running an English-locale Windows never sees 1,768 or
101.02. Cells always keep numbers: only what is displayed changes.
"""

from __future__ import annotations

import math
from decimal import Decimal

from .numbers import fmt_vn, is_whole

__all__ = ["WHOLE_FORMAT", "PERCENT_FORMAT", "DECIMAL_FORMAT", "CHOICE_FORMAT", "number_format", "input_format"]

#: Whole numbers from 0 to 999.999.999: literal dots between digit groups, chosen by conditional sections.
WHOLE_FORMAT = '[>=1000000]#"."###"."###;[>=1000]#"."###;0'
#: What a cell shows if someone types another number into it: Vietnamese separators by locale tag.
_FALLBACK_DEC = "[$-42A]#,##0.00"
_FALLBACK_INT = "[$-42A]#,##0"


def number_format(x: float, decimals: int | None = None) -> str:
    """The number format that prints `x` as in the seed (`518.562`, `99,99`) whatever the machine's locale.

    A number format's `,` and `.` are placeholders: Excel and LibreOffice replace them by the separators of
    the machine's regional setting, so `#,##0.00` prints `518,562.00` on an English machine. Two ways out
    were weighed:

    * a locale tag (`[$-42A]`, Vietnamese) makes LibreOffice use Vietnamese separators, but Excel takes the
      tag for month names only and keeps the machine's separators;
    * literal characters (`"."`) are printed as they are by both programs. A whole number needs one
      literal dot per digit group, so conditional sections pick the pattern by magnitude
      (`WHOLE_FORMAT`); the number stays a number and the format stays right if the figure is edited.

    A fraction cannot be done with literals alone: without a decimal point in the format the number is
    rounded to a whole, and the decimal point in a format is always the machine's. So for a number that is
    not a whole number (percentages such as 99,99, or amounts beyond the whole-number range) the format
    prints the figure's own text (`fmt_vn`, two decimals) for the interval of values that round to it,
    `[<99.985]…;[<99.995]"99,99";…`, and falls back to the locale-tagged pattern for any other value.
    The stored number is never changed: sums and formulas over the appendix still work, and a reader
    (openpyxl, pandas) gets 99.99.

    Negative figures (none of the regime's indicators can be negative) use the locale-tagged pattern only,
    because Excel adds its own minus sign to conditional sections.

    `decimals` forces the number of decimals shown (2 for percentages, so that 100 % prints `100,00` like
    every other rate of the table); by default whole numbers show none and others two.
    """
    if not math.isfinite(x):
        return "General"
    if x < 0:
        return _FALLBACK_INT if is_whole(x) else _FALLBACK_DEC
    if decimals is None:
        decimals = 0 if is_whole(x) else 2
    if decimals == 0 and is_whole(x) and x < 1_000_000_000:
        return WHOLE_FORMAT
    text = fmt_vn(x, decimals)
    shown = Decimal(text.replace(".", "").replace(",", "."))
    half = Decimal(5) / (10 ** (decimals + 1))
    lo, hi = shown - half, shown + half
    # The spreadsheet reads the bounds as doubles and compares them with the cell's double: a value that
    # is the double nearest a tie (615562.705 is stored as 615562.70499…) equals the bound, so the
    # interval is checked and widened in doubles, never in decimal arithmetic.
    if not float(lo) <= x:
        lo = Decimal(repr(x))
    if not x < float(hi):
        hi = Decimal(repr(math.nextafter(x, math.inf)))
    fallback = _FALLBACK_INT if decimals == 0 else _FALLBACK_DEC
    return f'[<{_num(lo)}]{fallback};[<{_num(hi)}]"{text}";{fallback}'


def _num(d: Decimal) -> str:
    s = format(d.normalize(), "f")
    return s


#: Rates in a cell whose value is not known when the workbook is written (a template's formula, a typed
#: rate): 100 and 0 — the most frequent rates — print with literal text everywhere; other values use the
#: Vietnamese locale tag, which LibreOffice honours and Excel does not (Excel then uses the machine's
#: decimal separator: a number format cannot print a fraction with a literal decimal comma).
PERCENT_FORMAT = '[$-42A][=100]"100,00";[=0]"0,00";0.00'
# (The locale tag stands first: LibreOffice applies a tag to the whole format there, but ignores it in the
# third, unconditioned section.)
#: Amounts that may hold a fraction (money, decimals), value unknown when written: whole amounts take the
#: literal groups of WHOLE_FORMAT in every program only where the value is known (`number_format`).
DECIMAL_FORMAT = "[$-42A]#,##0.00"
#: A code of a list (1, 2, 3): a plain digit.
CHOICE_FORMAT = "0"


def input_format(kind: str) -> str:
    """The display format of a cell of `kind` whose value is typed later (templates, adjustments)."""
    if kind == "count":
        return WHOLE_FORMAT
    if kind == "percent":
        return PERCENT_FORMAT
    if kind == "choice":
        return CHOICE_FORMAT
    if kind in ("decimal", "money"):
        return DECIMAL_FORMAT
    return "@"
