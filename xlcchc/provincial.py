"""The consolidated figures: what the merge produces and the appendix prints.

The merge writes them into the provincial workbook (TONG_HOP.xlsx) and `read_provincial` in
`xlcchc.merge` reads them back, with the consolidator's adjustments applied, so that the appendix is
always made from what the consolidator saw and approved in Excel.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, Field

from .findings import Finding

Value = float | str | None

SubmissionStatus = Literal[
    "Đã nộp", "Chưa nộp", "Chưa nhập số liệu", "Không hợp lệ", "Có lỗi", "Trùng", "Sai kỳ báo cáo"
]


@dataclass(slots=True)
class UnitStatus:
    """One line of the status sheet: a unit, or a file (a merge has one per file in the folder).

    A plain slotted dataclass rather than a pydantic model: a merge keeps hundreds of them in memory
    (issue 17: the parent ≤ 1 KiB a file). `model_validate` validates (a provincial workbook read back is
    untrusted); `model_dump`/`model_copy` keep the pydantic-style calls working.
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

    def model_dump(self, mode: str = "python") -> dict[str, Any]:
        return {f: getattr(self, f) for f in _STATUS_FIELDS}

    def model_copy(self, *, update: dict[str, Any] | None = None) -> "UnitStatus":
        return replace(self, **(update or {}))

    @classmethod
    def model_validate(cls, data: Any) -> "UnitStatus":
        return _status_adapter().validate_python(data)


_STATUS_FIELDS = tuple(f.name for f in fields(UnitStatus))


@lru_cache(maxsize=1)
def _status_adapter():
    from pydantic import TypeAdapter

    return TypeAdapter(UnitStatus)


class Adjustment(BaseModel):
    key: str  # form:code
    value: Value
    reason: str
    computed: Value = None  # the figure the aggregation gave before the override


class ProvincialFigures(BaseModel):
    regime: str
    period: str  # period code, e.g. 2022-N
    unit: str = "TINH"  # the consolidating unit
    values: dict[str, Value] = Field(default_factory=dict)  # form:code → final figure (adjustments applied)
    notes: dict[str, str] = Field(default_factory=dict)  # form:code → note for the appendix
    by_unit: dict[str, dict[str, Value]] = Field(default_factory=dict)  # unit code → form:code → value
    status: list[UnitStatus] = Field(default_factory=list)
    adjustments: list[Adjustment] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)  # findings still open (units' and provincial checks)
    #: The tool's own outputs found among the returns and skipped (file, note); not read back from the file.
    skipped: list[tuple[str, str]] = Field(default_factory=list)
    #: The plan's progress when the period has one (`xlcchc.merge.plan.PlanProgress.summary`): plan id and
    #: title, period end, and per task its area, number, content, leads, deadline, “3/5 đơn vị”, situation.
    plan: dict | None = None
    #: How the merge picked its regime when not told (`catalog.select.choice_sentence`); not read back.
    regime_choice: str = ""
