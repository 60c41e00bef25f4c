"""Which regime is in force for a period: commands that are not told `--regime` pick it by the period.

Each regime declares its level and the dates it is in force for (`in_force`); a period belongs to the
regime whose dates hold the period's last day (the reorganisation took effect on 1 July 2025, so “6 tháng
đầu năm 2025” is still the district-era regime and “9 tháng năm 2025” the two-tier one). The choice is
said on stderr, so that it never mixes with JSON on stdout.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache

from ..periods import Period, parse_period
from .load import CatalogError, available_regimes, load_catalog

#: The level a command serves when nothing says otherwise: the province.
DEFAULT_LEVEL = "tinh"


def _facts(name: str):
    """What choosing a regime reads of regime `name`: (level, in_force, extends).

    From one small cached index of every available regime, instead of unpickling each whole catalog (a
    merge without --regime asked all of them: ≈ 10 M instructions each). A name the index does not list,
    or an index that could not be built (a province's own regime file with a mistake), is loaded as
    before, so the same errors come out of the same calls."""
    facts = _index(os.environ.get("XLCCHC_CATALOG_DIR") or "").get(name)
    if facts is None:
        cat = load_catalog(name)
        facts = (cat.level, cat.in_force, cat.extends)
    return facts


@lru_cache(maxsize=8)
def _index(extra: str) -> dict:
    """regime → (level, in_force, extends) for every available regime (`extra`: $XLCCHC_CATALOG_DIR, which
    the cache key covers too). Empty — each regime then loaded on its own, as before the index — without
    an on-disk cache (building it would validate every catalog on every run) or when a catalog cannot be
    loaded (its error is raised where it was, by the call that needs that catalog)."""
    from .cache import cache_dir, cached

    if cache_dir() is None:
        return {}

    def build() -> dict:
        return {n: (c.level, c.in_force, c.extends) for n in available_regimes() for c in (load_catalog(n),)}

    try:
        return cached("regimes", "index", build)
    except Exception:  # noqa: BLE001 - any failure: the per-catalog loads below raise it where they did
        return {}


def regimes_in_force(period: Period, level: str = DEFAULT_LEVEL) -> list[str]:
    out = []
    for name in available_regimes():
        lvl, in_force, _ = _facts(name)
        if lvl == level and in_force is not None and in_force.covers(period.last_day):
            out.append(name)
    return out


def regime_for_period(period: Period | str, level: str = DEFAULT_LEVEL) -> str:
    """The one regime of `level` in force for `period`; a clear message listing the regimes otherwise."""
    if isinstance(period, str):
        period = parse_period(period)
    found = regimes_in_force(period, level)
    if len(found) == 1:
        return found[0]
    listing = "; ".join(_describe(r) for r in available_regimes())
    if not found:
        raise CatalogError(f"Không có chế độ báo cáo cấp {_LEVEL.get(level, level)} áp dụng cho kỳ “{period.label}”. "
                           f"Các chế độ hiện có: {listing}. Hãy chọn bằng --regime")
    raise CatalogError(f"Có nhiều chế độ báo cáo áp dụng cho kỳ “{period.label}” ({', '.join(found)}); hãy chọn bằng --regime")


_LEVEL = {"tw": "trung ương", "tinh": "tỉnh", "huyen": "huyện", "xa": "xã"}


def _describe(name: str) -> str:
    level, in_force, _ = _facts(name)
    when = in_force.text() if in_force else "chưa khai báo thời gian áp dụng"
    return f"{name} (cấp {_LEVEL.get(level, level)}, {when})"


def choose_regime(regime: str | None, period: Period | str | None, *, level: str = DEFAULT_LEVEL,
                  default: str | None = None, quiet: bool = False) -> str:
    """`regime` when given; else the regime in force for `period` (said on stderr); else `default`."""
    if regime:
        return regime
    if period is None or period == "":
        if default is None:
            raise CatalogError("Cần --regime hoặc --period để biết chế độ báo cáo")
        return default
    p = parse_period(period) if isinstance(period, str) else period
    name = regime_for_period(p, level)
    if not quiet:
        print(choice_sentence(name, p), file=sys.stderr)
    return name


def choice_sentence(name: str, period: Period, why: str = "") -> str:
    """What a command says when it picked the regime itself (`why`: where the period came from)."""
    in_force = _facts(name)[1]
    when = f"; {in_force.text()}" if in_force is not None else ""
    return f"Chế độ báo cáo: {name} (áp dụng cho kỳ {period.label}{when}{'; ' + why if why else ''})"


def regime_of_returns(returns: list[tuple[str, str]], period: Period | None) -> tuple[str, Period | None, str]:
    """The regime a merge uses when not told: the one in force for the period, at the returns' level.

    `returns` = (regime, period code) of every readable return. The level is the one most returns are
    at (a province merges departments and communes, the ministry merges provinces). The period is the
    one asked for, else the one the returns of that level state (most of them, the later on a tie: the
    period being collected). Returns of another regime are not counted in: the merge calls them invalid.
    Returns (regime, period, the sentence saying so); with neither a period nor a return, the default.
    """
    from collections import Counter

    from ..periods import PeriodError

    levels: Counter[str] = Counter()
    for regime, _ in returns:
        try:
            levels[_facts(regime)[0]] += 1
        except CatalogError:
            continue
    level = max(levels, key=lambda k: (levels[k], k)) if levels else DEFAULT_LEVEL
    why = ""
    if period is None:
        periods: Counter[Period] = Counter()
        for regime, code in returns:
            try:
                if _facts(regime)[0] == level:
                    periods[parse_period(code)] += 1
            except (CatalogError, PeriodError):
                continue
        if not periods:
            from .load import DEFAULT_REGIME

            return DEFAULT_REGIME, None, f"Chế độ báo cáo: {DEFAULT_REGIME} (mặc định: chưa biết kỳ báo cáo)"
        period = max(periods, key=lambda p: (periods[p], p))
        n = sum(periods.values())
        why = ("kỳ của các báo cáo trong thư mục" if periods[period] == n
               else f"kỳ của {periods[period]}/{n} báo cáo trong thư mục")
    # A province's own regime (`extends = "tinh-2025"` in $XLCCHC_CATALOG_DIR, dates not declared) serves
    # the periods of the regime it extends: when the returns state it, it is the one (its units' returns).
    stated: Counter[str] = Counter()
    for regime, code in returns:
        try:
            lvl, in_force, _ = _facts(regime)
            if lvl == level and in_force is None and code == period.code and _serves(regime, period):
                stated[regime] += 1
        except CatalogError:
            continue
    if stated:
        name = max(stated, key=lambda k: (stated[k], k))
        base = _facts(name)[2]
        return name, period, choice_sentence(name, period, "; ".join(x for x in (why, f"chế độ riêng, mở rộng {base}") if x))
    name = regime_for_period(period, level)
    return name, period, choice_sentence(name, period, why)


def _serves(name: str, period: Period) -> bool:
    """Whether `name` is in force for `period`: by its own dates, else by those of the regime it extends."""
    seen = set()
    while name and name not in seen:
        seen.add(name)
        _, in_force, extends = _facts(name)
        if in_force is not None:
            return in_force.covers(period.last_day)
        name = extends
    return False
