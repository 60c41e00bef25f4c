"""Deadlines as the plans print them (“Quý III/2023.”, “- Kế hoạch: quý I; - Báo cáo: tháng 11/2023”),
structured into what the tracking needs: a due date, or a recurrence, or a condition.

The plan keeps the printed text; this module only adds structure where the words say it unambiguously.
A date inside a reference (“Theo Kế hoạch số 101/KH-UBND ngày 25/5/2025”) is the date of that document,
not a deadline, and a month or quarter without a year in a multi-year plan is not guessed: such a
milestone is kept as text (`kind = "text"`), and the plan test lists every one of them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import cached_property

from ..lazy_pattern import LazyPattern
from ..record import Record, field, record

DATE, RECURRING, CONDITIONAL, TEXT = "date", "recurring", "conditional", "text"

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _fold(s: str) -> str:
    s = unicodedata.normalize("NFC", s).replace("đ", "d").replace("Đ", "D")
    s = unicodedata.normalize("NFD", s)
    return "".join(c for c in s if unicodedata.category(c) != "Mn").lower()


@record(positional=True, forbid=False)
class Milestone(Record):
    """One deadline of a cell: “Kế hoạch: quý I/2023” is label “Kế hoạch”, due 31/03/2023."""

    text: str
    kind: str
    label: str | None = None
    due: date | None = None
    every: str | None = None  # recurring: "continuous" | "month" | "quarter" | "year"

    def to_json(self) -> dict:
        return {
            "label": self.label,
            "text": self.text,
            "kind": self.kind,
            "due": self.due.isoformat() if self.due else None,
            "every": self.every,
        }


@record(positional=True, forbid=False)
class Deadline(Record):
    text: str
    kind: str
    due: date | None
    milestones: list[Milestone] = field(default_factory=list)

    @cached_property
    def tracked_due(self) -> date | None:
        """The date that can make the task overdue: its latest dated milestone, also when the cell mixes it
        with recurring or conditional parts (“Kế hoạch: quý I; báo cáo: định kỳ hàng quý”): the dated part
        is what the task delivers by then. Recurring and conditional parts have no date to miss; they are
        followed by the status only (`untracked`). Worked out once per deadline (a record is frozen): the
        check asks it for every task of every return."""
        dues = [m.due for m in self.milestones if m.kind == DATE and m.due]
        return max(dues) if dues else None

    @property
    def untracked(self) -> list[Milestone]:
        """The recurring and conditional milestones: reported on, never overdue."""
        return [m for m in self.milestones if m.kind in (RECURRING, CONDITIONAL)]

    @property
    def structured(self) -> bool:
        """False when some part of the cell could not be read (kept as text, flagged by the plan test)."""
        return all(m.kind != TEXT for m in self.milestones)

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "due": self.due.isoformat() if self.due else None,
            "milestones": [m.to_json() for m in self.milestones],
        }


def _end_of_quarter(year: int, q: int) -> date:
    import calendar  # here: only parsing a deadline (compiling a plan) needs it, not each cold `check`

    return date(year, 3 * q, calendar.monthrange(year, 3 * q)[1])


def _end_of_month(year: int, m: int) -> date:
    import calendar

    return date(year, m, calendar.monthrange(year, m)[1])


# Compiled on first use: deadlines are parsed when a plan is compiled, then kept in the cache.
_CONDITIONAL = LazyPattern(r"^(theo|khi|sau khi|ngay sau|thuc hien theo)\b")
_RECURRING = [
    (LazyPattern(r"\bhang thang\b"), "month"),
    (LazyPattern(r"\bhang quy\b"), "quarter"),
    (LazyPattern(r"\bhang nam\b"), "year"),
    (LazyPattern(r"\bthuong xuyen\b"), "continuous"),
    (LazyPattern(r"^(bat dau )?tu (quy|nam|thang)\b|^bat dau tu\b"), "continuous"),
]
_QUARTER = LazyPattern(r"\bquy\s+(iv|iii|ii|i)\b(?:\s*/\s*(\d{4})|\s+nam\s+(\d{4}))?")
_MONTH = LazyPattern(r"\bthang\s+(\d{1,2})\b(?:\s*/\s*(\d{4}))?")
_DAY = LazyPattern(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_YEAR = LazyPattern(r"\bnam\s+(\d{4})\b")


def _milestone(text: str, label: str | None, default_year: int | None) -> Milestone:
    s = _fold(text).strip(" .;")
    s = re.sub(r"\s+", " ", s)
    if s.startswith("dinh ky") or any(rx.search(s) for rx, _ in _RECURRING):
        every = next((e for rx, e in _RECURRING if rx.search(s)), "continuous")
        return Milestone(text=text, kind=RECURRING, label=label, every=every)
    if _CONDITIONAL.search(s):
        return Milestone(text=text, kind=CONDITIONAL, label=label)
    if m := _DAY.search(s):
        d, mo, y = (int(g) for g in m.groups())
        return Milestone(text=text, kind=DATE, label=label, due=date(y, mo, d))
    if m := _QUARTER.search(s):
        year = m.group(2) or m.group(3)
        if year or default_year:
            return Milestone(text, DATE, label, _end_of_quarter(int(year or default_year), _ROMAN[m.group(1)]))
    elif m := _MONTH.search(s):
        if m.group(2) or default_year:
            return Milestone(text, DATE, label, _end_of_month(int(m.group(2) or default_year), int(m.group(1))))
    elif m := _YEAR.search(s):
        return Milestone(text=text, kind=DATE, label=label, due=date(int(m.group(1)), 12, 31))
    return Milestone(text=text, kind=TEXT, label=label)


def as_lines(text: str) -> str:
    """Several milestones of one cell (“- Kế hoạch: …. - Báo cáo: …”) one per line, words unchanged (print)."""
    t = " ".join(text.split())
    return re.sub(r"\s+-\s+(?=\S)", "\n- ", t) if t.startswith("- ") else t


def _parts(text: str) -> list[str]:
    """A cell's milestones: “- a: x; - b: y” items, or the whole cell."""
    t = " ".join(unicodedata.normalize("NFC", text).split())
    if not t.startswith("- "):
        return [t]
    return [p.strip(" ;") for p in re.split(r"(?:^|\s)-\s+", t) if p.strip(" ;")]


def parse_deadline(text: str, default_year: int | None = None) -> Deadline:
    """Structure a printed deadline; `default_year` completes “quý I” in a one-year plan (else not guessed)."""
    milestones: list[Milestone] = []
    for part in _parts(text):
        label = None
        m = re.match(r"^([^:]{2,90}?):\s*(.+)$", part)
        if m and not re.search(r"\d$", m.group(1)):
            label, part = m.group(1).strip(), m.group(2).strip()
        milestones.append(_milestone(part, label, default_year))
    kinds = {m.kind for m in milestones}
    dues = [m.due for m in milestones if m.due]
    if kinds == {DATE}:
        kind = DATE
    elif RECURRING in kinds:
        kind = RECURRING
    elif CONDITIONAL in kinds:
        kind = CONDITIONAL
    elif DATE in kinds:
        kind = DATE
    else:
        kind = TEXT
    return Deadline(text=text, kind=kind, due=max(dues) if dues else None, milestones=milestones)
