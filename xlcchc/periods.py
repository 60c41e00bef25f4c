"""Reporting periods (kỳ báo cáo): quarters, 6 months, 9 months, year.

People write a period many ways (“Năm 2022”, “6 tháng đầu năm 2021”, “Quý I/2024”); the workbook and
the merge need one stable code (`2022-N`, `2021-6T`, `2024-Q1`) to compare returns.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from .record import Record, record
from .errors import XlcchcError

KINDS = {
    "Q1": "Quý I",
    "Q2": "Quý II",
    "Q3": "Quý III",
    "Q4": "Quý IV",
    "6T": "6 tháng đầu năm",
    "9T": "9 tháng",
    "N": "Năm",
}
_ROMAN = {"i": "Q1", "ii": "Q2", "iii": "Q3", "iv": "Q4", "1": "Q1", "2": "Q2", "3": "Q3", "4": "Q4"}


class PeriodError(XlcchcError, ValueError):
    pass


@record(positional=True, forbid=False, order=True)
class Period(Record):
    year: int
    kind: str  # a key of KINDS

    @property
    def code(self) -> str:
        return f"{self.year}-{self.kind}"

    @property
    def label(self) -> str:
        """As printed in a title: “Năm 2022”, “6 tháng đầu năm 2021”, “Quý I năm 2024”."""
        if self.kind == "N":
            return f"Năm {self.year}"
        if self.kind == "6T":
            return f"6 tháng đầu năm {self.year}"
        if self.kind == "9T":
            return f"9 tháng năm {self.year}"
        return f"{KINDS[self.kind]} năm {self.year}"

    @property
    def phrase(self) -> str:
        """For running text: “năm 2022”, “6 tháng đầu năm 2021”."""
        lab = self.label
        return lab[0].lower() + lab[1:]

    def __str__(self) -> str:
        return self.label

    @property
    def end_month(self) -> int:
        """The month the period ends (a cumulative figure at a later end month is never smaller)."""
        return {"Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12, "6T": 6, "9T": 9, "N": 12}[self.kind]

    @property
    def months(self) -> int:
        """How many months the period covers (quarters 3; 6 tháng, 9 tháng, năm from January)."""
        return {"6T": 6, "9T": 9, "N": 12}.get(self.kind, 3)

    @property
    def chrono(self) -> tuple[int, int, int]:
        """Sort key in time: by year, end month, then the longer period last (Quý II before 6 tháng)."""
        return (self.year, self.end_month, self.months)

    @property
    def last_day(self) -> date:
        """The day the period ends: a regime is in force for a period when this day falls in its dates."""
        return date(self.year, self.end_month, 30 if self.end_month in (6, 9) else 31)


def _fold(s: str) -> str:
    s = s.replace("đ", "d").replace("Đ", "D")
    s = unicodedata.normalize("NFD", s)
    return "".join(c for c in s if unicodedata.category(c) != "Mn").lower()


def parse_period(text: str) -> Period:
    """Accept a code (`2022-N`) or the ways people write a period; raise PeriodError with a Vietnamese message."""
    raw = str(text).strip()
    m = re.fullmatch(r"(\d{4})-(Q[1-4]|6T|9T|N)", raw, flags=re.I)
    if m:
        return Period(int(m.group(1)), m.group(2).upper())
    s = _fold(raw)
    y = re.search(r"(19|20)\d{2}", s)
    if not y:
        raise PeriodError(f"Kỳ báo cáo “{raw}” thiếu năm (ví dụ: “Năm 2022”, “Quý I/2024”, “6 tháng 2021”)")
    year = int(y.group(0))
    rest = (s[: y.start()] + " " + s[y.end() :]).replace("/", " ")
    if m := re.search(r"quy\s*(iv|iii|ii|i|[1-4])\b", rest):
        return Period(year, _ROMAN[m.group(1)])
    if re.search(r"\b6\s*thang", rest):
        return Period(year, "6T")
    if re.search(r"\b9\s*thang", rest):
        return Period(year, "9T")
    if re.search(r"\b(ca\s+)?nam\b", rest) or rest.strip() == "":
        return Period(year, "N")
    raise PeriodError(f"Không hiểu kỳ báo cáo “{raw}” (ví dụ: “Năm 2022”, “Quý I/2024”, “6 tháng 2021”, “9 tháng 2023”)")
