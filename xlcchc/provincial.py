"""The consolidated figures: what the merge produces and the appendix prints.

The merge writes them into the provincial workbook (TONG_HOP.xlsx) and `read_provincial` in
`xlcchc.merge` reads them back, with the consolidator's adjustments applied, so that the appendix is
always made from what the consolidator saw and approved in Excel.
"""

from __future__ import annotations

from typing import Any, Literal

from .findings import Finding
from .record import Record, field, record

Value = float | str | None

SubmissionStatus = Literal[
    "Đã nộp", "Chưa nộp", "Chưa nhập số liệu", "Không hợp lệ", "Có lỗi", "Trùng", "Sai kỳ báo cáo"
]


@record(slots=True, frozen=False, forbid=False, positional=True)
class UnitStatus(Record):
    """One line of the status sheet: a unit, or a file (a merge has one per file in the folder).

    A slotted record rather than a pydantic model: a merge keeps hundreds of them in memory (issue 17:
    the parent ≤ 1 KiB a file). `model_validate` validates (a provincial workbook read back is untrusted);
    `model_dump`/`model_copy` keep the pydantic-style calls working.
    """

    unit: str
    name: str
    status: SubmissionStatus
    file: str | None = None
    sha256: str | None = None
    sent_at: str | None = None  # time recorded in the workbook (cover sheet), ISO text
    errors: int = 0
    warnings: int = 0
    detail: str = ""  # Vietnamese explanation (why invalid, which file superseded which…)


def _figure(v: Any) -> Value:
    """A figure as pydantic's `float | str | None` gave it: a whole number or a boolean becomes a float."""
    return float(v) if isinstance(v, int) else v


@record(frozen=False, forbid=False)
class Adjustment(Record):
    key: str  # form:code
    value: Value
    reason: str
    computed: Value = None  # the figure the aggregation gave before the override

    def __post_init__(self) -> None:
        self.value, self.computed = _figure(self.value), _figure(self.computed)


@record(frozen=False, forbid=False)
class ProvincialFigures(Record):
    regime: str
    period: str  # period code, e.g. 2022-N
    unit: str = "TINH"  # the consolidating unit
    values: dict[str, Value] = field(default_factory=dict)  # form:code → final figure (adjustments applied)
    notes: dict[str, str] = field(default_factory=dict)  # form:code → note for the appendix
    by_unit: dict[str, dict[str, Value]] = field(default_factory=dict)  # unit code → form:code → value
    status: list[UnitStatus] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # findings still open (units' and provincial checks)
    #: The tool's own outputs found among the returns and skipped (file, note); not read back from the file.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: The plan's progress when the period has one (`xlcchc.merge.plan.PlanProgress.summary`): plan id and
    #: title, period end, and per task its area, number, content, leads, deadline, “3/5 đơn vị”, situation.
    plan: dict | None = None
    #: How the merge picked its regime when not told (`catalog.select.choice_sentence`); not read back.
    regime_choice: str = ""

    def __post_init__(self) -> None:
        # A light record (no pydantic at import: the appendix and history read these back in a fresh
        # process); the figures are normalised as the pydantic model did (whole numbers as floats).
        self.values = {k: _figure(v) for k, v in self.values.items()}
        self.by_unit = {u: {k: _figure(v) for k, v in vals.items()} for u, vals in self.by_unit.items()}
        self.skipped = [tuple(x) for x in self.skipped]
