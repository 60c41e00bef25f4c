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
    """The current versions of a store, their values loaded once (checks read many series)."""

    def __init__(self, store: Store, *, top_unit: str | None = None):
        self.store = store
        self.loads: list[Load] = store.loads(top_unit=top_unit, current_only=True)
        self._values: dict[int, dict[str, dict[str, Value]]] = {}

    def values(self, load: Load) -> dict[str, dict[str, Value]]:
        if load.id not in self._values:
            self._values[load.id] = self.store.values(load.id)
        return self._values[load.id]

    def latest_regime(self) -> str | None:
        return self.loads[-1].regime if self.loads else None

    def series(self, unit: str, key: str, regime: str | None = None, *, exclude: str | None = None) -> Series:
        """The unit's figure of `key` (a code of `regime`) in every stored period but `exclude`."""
        regime = regime or self.latest_regime() or ""
        out = Series(unit, key, regime)
        for load in self.loads:
            if load.period == exclude:
                continue
            vals = self.values(load)
            if unit not in vals:
                continue
            code, why = translate(key, regime, load.regime)
            if code is None:
                out.notes.append(f"{parse_period(load.period).label}: {why}")
                continue
            out.points.append(Point(load.period, load.regime, code, vals[unit].get(code), load.id))
        return out
