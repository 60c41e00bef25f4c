"""Percentages as a spreadsheet computes, prints and checks them, each written twice: in Python and as the
Excel text the templates and TONG_HOP compile (`round_text`, `shown_formula_text`, `accepted_text`), so a
workbook and Python agree to the last digit. The contract is `xlcchc.formulas`'s module docstring (which
re-exports the public names: `from xlcchc.formulas import percent_shown` keeps working); this module is
the arithmetic under it, split off so that the rules' compiler and mirror read apart from it.

- `round_half_up` / `truncate`: Excel's ROUND and a cut, EPS-shifted so binary noise never decides a half;
- `percent_shown` (num/den × 100) and `percent_printed` (a percentage already computed): rounded to
  `PERCENT_DECIMALS`, never 100 or 0 unless exactly; None for what is not a printable figure;
- `percent_accepted`: whether a printed percentage says num/den × 100 (rounded or truncated);
- `scaled_finite`: where all of these overflow, exactly where the spreadsheet's INT(x*100…) gives #NUM!.

Import-light (only `math`): the cold `xlcchc check` imports it.
"""

from __future__ import annotations

import math

#: Absorbs binary floating-point noise in every comparison of the check (sums and bounds too): 1E-09 in formulas.
EPS = 1e-9
#: How far an unrounded printed percentage may lie from the exact ratio (half the last printed step).
RATIO_TOLERANCE = 0.005
#: Decimals a percentage is printed with (the appendix, computed cells, the merge).
PERCENT_DECIMALS = 2
#: How close t·10^d must be to a whole number for `t` to "have d decimals" (typed 99,99 is 9998,99999…).
MULTIPLE_TOL = 1e-6


def number_text(x: float) -> str:
    """A number as formula text: 1E-09 for EPS, 99.99, 100 (a whole number without a point)."""
    return repr(float(x)).upper() if not float(x).is_integer() else str(int(x))


def round_half_up(x: float, decimals: int = 2) -> float:
    """Round half away from zero (Excel's ROUND), shifted by EPS so binary noise never decides a half.

    Written as floor(x·10^d + ½ + EPS) / 10^d, which is exactly what `round_text` compiles to (INT
    is floor in Excel and LibreOffice), so a workbook and Python agree to the last digit.
    """
    p = 10 ** decimals
    return math.floor(x * p + 0.5 + EPS) / p


def truncate(x: float, decimals: int = 2) -> float:
    """Cut to `decimals` (a printed percentage may be truncated: 99,9975 → 99,99)."""
    p = 10 ** decimals
    return math.floor(x * p + EPS) / p


def percent_shown(num: float, den: float, decimals: int = PERCENT_DECIMALS) -> float | None:
    """The percentage num/den × 100 as printed: rounded, but never 100 (or 0) unless it is exactly.

    518.549/518.562 = 99,9975 prints 99,99 (13 dossiers were late), and 1/100.000 prints 0,01: a
    rounding must not turn "almost all" into "all" or "a few" into "none".

    None when the ratio is beyond what a spreadsheet computes (`scaled_finite`): 1/5e-324 of a crafted
    return. The template's formula shows #NUM! there (LibreOffice), so the figure is not a number to the
    rules either, and no infinite or made-up percentage reaches a check, a merge or an appendix.
    """
    x = num / den * 100
    if not math.isfinite(x * 10.0 ** decimals):  # `scaled_finite` inline: x is a float here, it cannot raise
        return None
    r = round_half_up(x, decimals)
    step = 1 / 10 ** decimals
    if r >= 100 and num < den:
        return round(100 - step, decimals)
    if r <= 0 and num > 0:
        return step
    return r


def percent_printed(x: float, decimals: int = PERCENT_DECIMALS) -> float | None:
    """A percentage already computed (a lead agency's figure), as printed: the same never-100 rule.

    None for what is not a printable figure (infinite, NaN, or too large to round: `scaled_finite`),
    the policy of `percent_shown`: a document never prints "inf" or a made-up figure.
    """
    if not scaled_finite(x, decimals):
        return None
    r = round_half_up(x, decimals)
    step = 1 / 10 ** decimals
    if r >= 100 and x < 100:
        return round(100 - step, decimals)
    if r <= 0 and x > 0:
        return step
    return r


def scaled_finite(x: float, decimals: int = PERCENT_DECIMALS) -> bool:
    """Whether x·10^decimals is a finite double, i.e. whether the rounding formulas (`round_text`,
    `accepted_text`: INT(x*100+…)) compute a number for `x` rather than #NUM!.

    Python's float arithmetic follows the same IEEE 754 steps as the spreadsheet (x = a/b*100, then
    ×10^d), so it overflows on exactly the same inputs; `math.floor` of the infinity would raise.
    """
    try:
        return math.isfinite(x * 10.0 ** decimals)  # x * 100.0 is x * 100 for a float: the same product
    except OverflowError:  # an int beyond any double (a values file can carry one): no figure either
        return False


def round_text(x: str, decimals: int) -> str:
    """Excel text of `round_half_up` of the expression `x` (INT is floor in Excel and LibreOffice)."""
    p = 10 ** decimals
    return f"INT({x}*{p}+0.5+{number_text(EPS)})/{p}"


def shown_formula_text(a: str, b: str, decimals: int = PERCENT_DECIMALS) -> str:
    """Excel text of `percent_shown` (a and b are references; b ≠ 0 is the caller's business)."""
    r = round_text(f"{a}/{b}*100", decimals)
    step = number_text(1 / 10 ** decimals)
    top = number_text(round(100 - 1 / 10 ** decimals, decimals))
    return f"IF(AND({r}>=100,{a}<{b}),{top},IF(AND({r}<=0,{a}>0),{step},{r}))"


def _multiple(t: float, decimals: int) -> bool:
    p = 10 ** decimals
    return abs(t * p - round(t * p)) <= MULTIPLE_TOL


def percent_accepted(t: float, num: float, den: float) -> bool:
    """Whether a printed percentage `t` says num/den × 100 (den ≠ 0), as the check sheet decides.

    Accepted: `t` has d ≤ 2 decimals and lies between the exact ratio truncated and rounded to d
    decimals (99,99 and 100,00 both follow from 99,9975 by those rules), or `t` carries more decimals
    and is within 0,005 of the exact ratio (a value copied unrounded). Never accepted: 100 when
    num ≠ den, 0 when num ≠ 0 — whatever the rounding, those print a falsehood. Between 0 and the
    first step up (0 < x < 0,005) the printed step (0,01) is accepted, since 0 is not.
    """
    if abs(t - 100) <= EPS and num != den:
        return False
    if abs(t) <= EPS and num != 0:
        return False
    x = num / den * 100
    if not (scaled_finite(x) and scaled_finite(t)):
        return False  # the formula is #NUM! there: no printed figure says a ratio beyond a double
    for d in (0, 1, 2):
        if not _multiple(t, d):
            continue
        step = 1 / 10 ** d
        lo = truncate(x, d)
        hi = max(round_half_up(x, d), step if num > 0 else 0.0)
        if lo - EPS <= t <= hi + EPS:
            return True
    return abs(t - x) <= RATIO_TOLERANCE + EPS


def accepted_text(t: str, a: str, b: str) -> str:
    """Excel text of `percent_accepted` (TRUE/FALSE), b ≠ 0."""
    x = f"({a}/{b}*100)"
    e = number_text(EPS)
    branches = []
    for d in (0, 1, 2):
        p = 10 ** d
        step = number_text(1 / p)
        lo = f"INT({x}*{p}+{e})/{p}"
        hi = f"MAX({round_text(x, d)},IF({a}>0,{step},0))"
        mult = f"ABS({t}*{p}-ROUND({t}*{p},0))<={number_text(MULTIPLE_TOL)}"
        branches.append(f"AND({mult},{t}>={lo}-{e},{t}<={hi}+{e})")
    branches.append(f"ABS({t}-{x})<={number_text(RATIO_TOLERANCE + EPS)}")
    bad = f"OR(AND(ABS({t}-100)<={e},{a}<>{b}),AND(ABS({t})<={e},{a}<>0))"
    return f"AND(NOT({bad}),OR({','.join(branches)}))"
