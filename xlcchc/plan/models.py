"""A reform plan (kế hoạch CCHC) as data: its areas (the seed's Phụ lục), tasks and targets.

The plan is a second source of truth beside the catalog: the unit's “Nhiệm vụ” sheet, the checks of task
statuses, the merge's plan sheet, Biểu mẫu 1 items 2.1/2.2 and the target warnings all come from it.
Everything printed in the seed is kept as printed (content, products, agencies, deadline text); what the
tools need is added beside it (resolved lead units, structured deadline), never instead of it.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property

from ..periods import Period
from ..record import Record, field, record
from .deadline import Deadline, parse_deadline

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import Literal

LEAD_KINDS = ("so", "huyen", "xa")
#: How a unit kind is named for people (lead columns, follow-up lists).
KIND_LABELS = {"so": "Các sở, ban, ngành cấp tỉnh", "huyen": "UBND cấp huyện", "xa": "UBND cấp xã"}


@record
class Consolidator(Record):
    """Who consolidates an area's results for the province, and by when (section IV of the 2023 plan)."""

    unit: str
    by: date | None = None


@record
class Annex(Record):
    """One reform area: the seed's “Phụ lục số 01 …” (2023) or section “I Cải cách thể chế” (2026–2030)."""

    id: str
    title: str
    form: int | None = None  # the Biểu mẫu of the same reform area
    consolidators: list[Consolidator] = field(default_factory=list)


@record
class Task(Record):
    """A row of a task table, as printed, with its leads resolved to registry units or unit kinds."""

    annex: str
    number: str
    content: str
    products: list[str]
    leads: list[str]  # as printed
    partners: list[str] = field(default_factory=list)
    deadline_text: str
    lead_refs: list[str]  # resolved: unit codes and unit kinds (so, huyen, xa), sorted, no duplicates
    default_year: int | None = None

    @property
    def id(self) -> str:
        return f"{self.annex}.{self.number}"

    @cached_property
    def deadline(self) -> Deadline:
        return parse_deadline(self.deadline_text, self.default_year)

    def led_by(self, code: str, kind: str) -> bool:
        return code in self.lead_refs or kind in self.lead_refs


@record
class Target(Record):
    """A target of the plan; tied to an indicator of the regime where one measures it, else plan-only."""

    id: str
    text: str
    indicator: str | None = None  # "form:code" of the regime
    op: Literal[">=", "<="] | None = None
    value: float | None = None
    year: int | None = None  # the year the target applies to; None = every year of the plan
    why: str | None = None  # why this indicator (or why none) — for the consolidator who asks

    def applies_in(self, year: int) -> bool:
        return self.year is None or self.year == year

    def met_by(self, actual: float) -> bool:
        if self.op == ">=":
            return actual >= float(self.value or 0) - 1e-9
        return actual <= float(self.value or 0) + 1e-9


@record
class Plan(Record):
    id: str
    title: str
    registry: str
    regimes: list[str]
    first_year: int
    last_year: int
    source: str = ""
    annexes: list[Annex]
    tasks: list[Task]
    targets: list[Target] = field(default_factory=list)

    @cached_property
    def by_id(self) -> dict[str, Task]:
        return {t.id: t for t in self.tasks}

    def annex(self, annex_id: str) -> Annex:
        return next(a for a in self.annexes if a.id == annex_id)

    def covers(self, period: Period) -> bool:
        return self.first_year <= period.year <= self.last_year

    def tasks_of(self, code: str, kind: str) -> list[Task]:
        """The tasks a unit leads, by its code or by its kind (a kind as lead is every unit of that kind).
        Worked out once per code and kind (a merge asks for every return); a new list each call."""
        led = self._led.get((code, kind))
        if led is None:
            led = self._led[(code, kind)] = tuple(t for t in self.tasks if t.led_by(code, kind))
        return list(led)

    @cached_property
    def _led(self) -> dict[tuple[str, str], tuple[Task, ...]]:
        return {}

    def targets_in(self, year: int) -> list[Target]:
        return [t for t in self.targets if t.applies_in(year)]

    @cached_property
    def fingerprint(self) -> str:
        import json  # here: the fingerprint is computed once, then kept with the cached plan

        from ..digest import sha256

        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return sha256(blob.encode("utf-8")).hexdigest()[:16]

    def to_json(self) -> dict:
        """The stable JSON shape of `xlcchc plan show --json` (issue 12; other tools read it)."""
        return {
            "plan": self.id,
            "title": self.title,
            "registry": self.registry,
            "regimes": self.regimes,
            "years": [self.first_year, self.last_year],
            "annexes": [a.model_dump(mode="json") for a in self.annexes],
            "tasks": [
                {
                    "id": t.id,
                    "annex": t.annex,
                    "number": t.number,
                    "content": t.content,
                    "products": t.products,
                    "leads": t.lead_refs,
                    "leads_printed": t.leads,
                    "partners": t.partners,
                    "deadline_text": t.deadline_text,
                    "deadline": t.deadline.to_json(),
                }
                for t in self.tasks
            ],
            "targets": [
                {
                    "id": g.id,
                    "text": g.text,
                    "indicator": _indicator_json(g.indicator),
                    "op": g.op,
                    "value": g.value,
                    "year": g.year,
                }
                for g in self.targets
            ],
        }


def _indicator_json(key: str | None) -> dict | None:
    if not key:
        return None
    form, code = key.split(":", 1)
    return {"form": int(form), "code": code}


def period_end(period: Period) -> date:
    month = {"Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12, "6T": 6, "9T": 9, "N": 12}[period.kind]
    day = {3: 31, 6: 30, 9: 30, 12: 31}[month]
    return date(period.year, month, day)
