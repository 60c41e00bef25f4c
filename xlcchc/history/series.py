"""Series over the stored periods: one unit's (or the province's) figure of one indicator, through the
regime mapping where the forms changed."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..periods import parse_period
from ..provincial import Value
from .mapping import translate
from .store import Load, Store


@dataclass(frozen=True)
class Point:
    period: str
    regime: str
    key: str  # the indicator's code in that period's regime
    value: Value
    load_id: int

    @property
    def label(self) -> str:
        return parse_period(self.period).label


@dataclass
class Series:
    unit: str
    key: str  # form:code in `regime`
    regime: str
    points: list[Point] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # where the series stops (no counterpart) and why


class Snapshot:
    """The current versions of a store, read the way the caller needs them.

    `bulk`: every value of a version is read once and kept (the checks of a merge read thousands of
    series); otherwise each series is a few indexed look-ups (`history show`). `before` and `window`
    keep only the `window` latest periods before `before`: the checks of a merge compare with the
    recent past, so their cost does not grow with the years stored.
    """

    def __init__(self, store: Store, *, top_unit: str | None = None, bulk: bool = False,
                 before: str | None = None, window: int | None = None):
        self.store, self.bulk = store, bulk
        loads = store.loads(top_unit=top_unit, current_only=True)
        if before is not None:
            this = parse_period(before).chrono
            loads = [ld for ld in loads if parse_period(ld.period).chrono < this]
            if window:
                loads = loads[-window:]
        self.loads: list[Load] = loads
        self._values: dict[int, dict[str, dict[str, Value]]] = {}
        self._units: dict[int, set[str]] = {}

    def values(self, load: Load) -> dict[str, dict[str, Value]]:
        if load.id not in self._values:
            self._values[load.id] = self.store.values(load.id)
        return self._values[load.id]

    def _units_of(self, load: Load) -> set[str]:
        if load.id not in self._units:
            self._units[load.id] = self.store.units(load.id)
        return self._units[load.id]

    def latest_regime(self) -> str | None:
        return self.loads[-1].regime if self.loads else None

    def series(self, unit: str, key: str, regime: str | None = None, *, exclude: str | None = None) -> Series:
        """The unit's figure of `key` (a code of `regime`) in every stored period but `exclude`."""
        regime = regime or self.latest_regime() or ""
        out = Series(unit, key, regime)
        for load in self.loads:
            if load.period == exclude:
                continue
            if self.bulk:
                vals = self.values(load)
                if unit not in vals:
                    continue
            elif unit not in self._units_of(load):
                continue
            code, why = translate(key, regime, load.regime)
            if code is None:
                out.notes.append(f"{parse_period(load.period).label}: {why}")
                continue
            value = vals[unit].get(code) if self.bulk else self.store.value(load.id, unit, code)
            out.points.append(Point(load.period, load.regime, code, value, load.id))
        return out
