"""What the reader hands on: a `Return` (identity, cells, notes, findings) and the reader's error type.

Kept apart from the parsing so that check, merge and values depend on these shapes only.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..catalog.load import load_catalog, registry_of
from ..catalog.models import Catalog, Unit
from ..errors import XlcchcError
from ..findings import Finding
from ..record import Record, field, record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import Any


class ReturnError(XlcchcError):
    """A returned file that cannot be read as a template of the regime; `code` names the kind (`doc.*`)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class CellError(str):
    """An Excel error value (`#DIV/0!`, `#REF!`) as stored in a cell: kept apart from text typed by a unit."""


# CellRead and Return are mutable records with positional fields, as the dataclasses they were: same
# constructor, equality, repr and attributes, but nothing compiled when the module is imported (the
# `dataclasses` module and its per-class code generation cost a cold `xlcchc check` ≈ 40 M instructions).


@record(positional=True, frozen=False)
class CellRead(Record):
    key: str  # form:code
    cell: str  # 'Biểu mẫu 3'!D12
    raw: Any  # as stored: str, float, bool, CellError or None
    value: float | str | None  # normalised (None when blank or unreadable)
    formula: str | None = None
    problem: Finding | None = None

    def __init__(self, key: str, cell: str, raw: Any, value: float | str | None, formula: str | None = None,
                 problem: Finding | None = None) -> None:
        # Written out (not Record's generic constructor): one is made for every value cell of every return.
        self.key = key
        self.cell = cell
        self.raw = raw
        self.value = value
        self.formula = formula
        self.problem = problem


@record(positional=True, frozen=False)
class Return(Record):
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
    #: The copy `check --annotate` wrote, its figures unchanged since (an own output for the merge, not a return).
    annotated_copy: bool = False

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


def content_digest(ret: "Return") -> str:
    """A digest of what the unit typed: value cells (a formula by its text: a copy written by openpyxl keeps
    formulas but not their cached values), notes, cover fields and task rows.

    `check --annotate` stores it in its copy; the same digest read back means nobody has changed a figure
    since, so the file is the tool's own copy of another return, not a return of its own.
    """
    from ..digest import sha256

    def norm(v: Any) -> str:
        if v is None or v == "":
            return ""
        if isinstance(v, bool):
            return f"b:{int(v)}"
        if isinstance(v, (int, float)):
            return f"n:{float(v)!r}"
        if hasattr(v, "isoformat"):
            return f"d:{v.isoformat()}"
        return f"{type(v).__name__[:1]}:{v}"

    h = sha256()
    parts = [("v", k, c.formula if c.formula else norm(c.raw)) for k, c in ret.cells.items()]
    parts += [("n", k, v) for k, v in ret.notes.items()]
    parts += [("c", k, norm(v)) for k, v in ret.cover.items()]
    parts += [("t", k, repr(getattr(v, "to_json", lambda: v)())) for k, v in ret.tasks.items()]
    for kind, key, text in sorted(parts):
        h.update(f"{kind}\x1f{key}\x1f{text}\x1e".encode("utf-8", "surrogatepass"))
    return h.hexdigest()
