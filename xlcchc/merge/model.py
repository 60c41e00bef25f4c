"""What the merge hands to the provincial-workbook writer, and the names that workbook defines.

The provincial workbook (TONG_HOP.xlsx) is read back by `read_provincial` through these defined names
and its metadata sheet, never by row numbers, the same way returns are read through `xlcchc.layout`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..catalog.models import Catalog, Registry
from ..findings import Finding
from ..layout import code_part
from ..provincial import UnitStatus, Value

#: Bump when the provincial workbook's names or metadata change meaning.
PROVINCIAL_FORMAT = "1"
#: `kind` metadata value that tells a provincial workbook from a unit's return.
PROVINCIAL_KIND = "tong_hop"
#: The first per-unit column of a form sheet (0-based: J), the units' columns following in the order of the
#: metadata's `units` list; written to the metadata as `unit_col` and checked when the workbook is read back.
UNIT_COL = 9


def final_name(form: int, code: str) -> str:
    """Defined name of the final figure (adjustment applied) of an indicator: `TH3_3_1_2`."""
    return f"TH{form}_{code_part(code)}"


def computed_name(form: int, code: str) -> str:
    return final_name(form, code) + "_TT"


def adjustment_name(form: int, code: str) -> str:
    """The unlocked cell where the consolidator overrides the computed figure."""
    return final_name(form, code) + "_DC"


def reason_name(form: int, code: str) -> str:
    return final_name(form, code) + "_LD"


def note_name(form: int, code: str) -> str:
    return final_name(form, code) + "_GC"


@dataclass
class Source:
    """Where a unit's figures came from: the return used for that unit."""

    file: str
    sha256: str
    cells: dict[str, str] = field(default_factory=dict)  # form:code → cell address in the return


@dataclass
class Merged:
    """Everything the provincial workbook shows; built by `merge_folder`, written by `write_provincial`."""

    catalog: Catalog
    registry: Registry
    period: str
    period_label: str
    units: list[str]  # per-unit columns, registry order (expected units and units whose return is used)
    by_unit: dict[str, dict[str, Value]]  # unit → form:code → value (returns used only)
    notes_by_unit: dict[str, dict[str, str]]
    sources: dict[str, Source]
    status: list[UnitStatus]
    unit_findings: list[Finding]
    provincial_findings: list[Finding]
    computed: dict[str, Value]
    final: dict[str, Value]
    notes: dict[str, str]
    adjustments: dict[str, tuple[Value, str]]  # form:code → (adjusted value, reason)
    #: With `merge --history`: (period label, form:code → value) of a few key rates over the stored
    #: periods and this one, for the dashboard's trend chart; empty otherwise.
    trend: list[tuple[str, dict[str, Value]]] = field(default_factory=list)
    #: The tool's own outputs found in the folder and skipped: (file, note), shown under the status table.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: The plan's progress (`xlcchc.merge.plan.PlanProgress`) when the period has a plan; None otherwise.
    plan: object | None = None
