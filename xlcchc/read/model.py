"""What the reader hands on: a `Return` (identity, cells, notes, findings) and the reader's error type.

Kept apart from the parsing so that check, merge and values depend on these shapes only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..catalog.load import load_catalog, registry_of
from ..catalog.models import Catalog, Unit
from ..errors import XlcchcError
from ..findings import Finding


class ReturnError(XlcchcError):
    """A returned file that cannot be read as a template of the regime; `code` names the kind (`doc.*`)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class CellError(str):
    """An Excel error value (`#DIV/0!`, `#REF!`) as stored in a cell: kept apart from text typed by a unit."""


@dataclass
class CellRead:
    key: str  # form:code
    cell: str  # 'Biểu mẫu 3'!D12
    raw: Any  # as stored: str, float, bool, CellError or None
    value: float | str | None  # normalised (None when blank or unreadable)
    formula: str | None = None
    problem: Finding | None = None


@dataclass
class Return:
    path: Path
    sha256: str
    regime: str
    fingerprint: str
    unit: str
    period: str
    cover: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, CellRead] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)
    unit_name: str = ""
    macros: bool = False
    note_cells: dict[str, str] = field(default_factory=dict)  # form:code → note cell address
    plan: str | None = None  # id of the plan whose tasks the “Nhiệm vụ” sheet holds
    tasks: dict[str, Any] = field(default_factory=dict)  # task id → xlcchc.plan.track.TaskReport
    task_cells: dict[str, dict[str, str]] = field(default_factory=dict)  # task id → field (TT, NGAY, SP, GC) → cell

    @property
    def catalog(self) -> Catalog:
        return load_catalog(self.regime)

    @property
    def unit_obj(self) -> Unit:
        return registry_of(self.catalog).by_code[self.unit]


@lru_cache(maxsize=65536)
def cell_label(sheet: str, addr: str) -> str:
    """How a person finds a cell: `'Biểu mẫu 3'!D12` (quoted like Excel's own references)."""
    return f"'{sheet}'!{addr}" if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", sheet) else f"{sheet}!{addr}"
