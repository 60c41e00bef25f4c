"""The “Nhiệm vụ” sheet of a return: each task's status, date completed, product and note, by name.

The tasks to read come from the plan in force for the return's regime and period (`plan_for`), never
from the sheet: the workbook's `XLCCHC_PLAN` metadata must name that plan with the same fingerprint, or
the return was made from another version of the plan and its rows cannot be trusted to be those tasks.
Every value is kept as typed (text is text, nothing is evaluated); formulas typed into an input cell
are not used.
"""

from __future__ import annotations

from .. import layout
from ..catalog.models import Catalog, Unit
from ..findings import ERROR, WARNING, Finding
from ..periods import Period
from ..plan import plan_for
from ..plan.track import report_from_values
from .model import Return, ReturnError, cell_label
from .workbook import _Book

FIELDS = ("TT", "NGAY", "SP", "GC")


def read_tasks(name: str, book: _Book, ret: Return, catalog: Catalog, unit: Unit, period: Period) -> None:
    plan = claimed_plan(name, book, ret, catalog, unit, period)
    if plan is None:
        return
    ids = tuple(t.id for t in plan.tasks_of(unit.code, unit.kind))  # Plan.tasks_of: memoised per plan
    key = (plan.id, plan.fingerprint, ids)
    memo = book.part_memo("task_cells")
    where = memo.get(key)
    if where is None:
        where = memo[key] = _task_cells(book, ids)
    for tid, cells in zip(ids, where):
        values, labels = [], {}
        ret.task_cells[tid] = labels
        for field, at in zip(FIELDS, cells):
            if at is None:
                raise missing_cell(name, tid)
            sheet, addr, label = at
            cell = book.cell(sheet, addr)
            raw, _ = book.raw_value(cell)
            labels[field] = label
            if cell[3] is not None:  # a formula typed into an input cell: not used
                ret.problems.append(typed_formula(name, label, unit, tid, cell[3]))
                raw = None
            values.append(raw)
        ret.tasks[tid] = report_from_values(tid, *values)


def claimed_plan(name: str, book: _Book, ret: Return, catalog: Catalog, unit: Unit, period: Period):
    """The plan whose tasks the return's sheet holds, or None when there are none to read (the unit leads
    no task, or the sheet is missing: a warning). A sheet made from another version of the plan is refused."""
    plan = plan_for(catalog.regime, period)
    mine = plan.tasks_of(unit.code, unit.kind) if plan else []
    sr = book.ref(layout.meta_name(layout.PLAN_META))
    claimed = None
    if sr and sr[0] in book.sheets:
        raw, _ = book.raw_value(book.cell(*sr))
        claimed = None if raw is None else str(raw).strip()
    if not mine:
        return None
    if claimed is None:
        ret.problems.append(Finding(
            file=name, severity=WARNING, rule="doc.no_tasks", unit=unit.code,
            message=f"Tệp “{name}” không có trang “{layout.TASK_SHEET}” dù {unit.short_name} chủ trì "
            f"{len(mine)} nhiệm vụ của {plan.title}; tình hình nhiệm vụ không được đọc — hãy dùng biểu mẫu mới",
        ))
        return None
    if claimed != f"{plan.id}:{plan.fingerprint}":
        raise ReturnError(
            "doc.plan",
            f"Tệp “{name}”: trang “{layout.TASK_SHEET}” được tạo từ một phiên bản khác của kế hoạch "
            f"({claimed[:40]}), không phải {plan.title} hiện hành; hãy dùng biểu mẫu mới",
        )
    ret.plan = plan.id
    return plan


def missing_cell(name: str, tid: str) -> ReturnError:
    """The refusal of a return whose task `tid` has lost one of its input cells' names."""
    return ReturnError(
        "doc.names_missing",
        f"Tệp “{name}” thiếu ô của nhiệm vụ {tid} trên trang “{layout.TASK_SHEET}”: tên ô hoặc dòng "
        "đã bị xóa; hãy dùng biểu mẫu gốc đã được gửi",
    )


def typed_formula(name: str, label: str, unit: Unit, tid: str, formula) -> Finding:
    """The error of a formula typed into a task's input cell (its result is not used)."""
    return Finding(
        file=name, cell=label, severity=ERROR, rule="cell.formula", unit=unit.code,
        message=f"Nhiệm vụ {tid}: ô nhập liệu chứa công thức; kết quả công thức không được dùng — hãy gõ trực tiếp",
        actual="=" + str(formula)[:60],
    )


def _task_cells(book: _Book, ids: tuple[str, ...]) -> tuple[tuple, ...]:
    """For each task, its four input cells as `(sheet, addr, label)`, None where the workbook's names do not
    give one on a sheet of the file. Only the workbook part's names decide it, so it is kept with that part;
    `read_tasks` still reads the cells in the same order and refuses at the same first missing cell."""
    out = []
    for tid in ids:
        cells = []
        for field in FIELDS:
            ref = book.ref(layout.task_name(tid, field))
            cells.append((*ref, cell_label(*ref)) if ref and ref[0] in book.sheets else None)
        out.append(tuple(cells))
    return tuple(out)
