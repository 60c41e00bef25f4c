"""Findings on a unit's task rows (the “Nhiệm vụ” sheet or a values file's `tasks`), for `check`.

The rules themselves are `xlcchc.plan.track.check_report` (also compiled into the check sheet); this
module only locates and words them as findings, and reports rows that are not the unit's tasks.
"""

from __future__ import annotations

from datetime import date

from ..catalog.models import Unit
from ..findings import WARNING, Finding
from ..periods import Period
from .load import plan_for
from .models import period_end
from .track import TaskReport, check_report, report_from_values

_FIELD = {"status": "TT", "done_on": "NGAY", "product": "SP"}


def task_findings(regime: str, unit: Unit, period: Period, reports: dict[str, TaskReport], *, file: str = "",
                  cells: dict[str, dict[str, str]] | None = None, today: date | None = None) -> list[Finding]:
    plan = plan_for(regime, period)
    if plan is None:
        return []
    today = today or date.today()
    end = period_end(period)
    out: list[Finding] = []
    for t in plan.tasks_of(unit.code, unit.kind):
        for p in check_report(t, reports.get(t.id), end, today):
            cell = (cells or {}).get(t.id, {}).get(_FIELD[p.field])
            out.append(Finding(file=file, cell=cell, severity=p.severity, rule=p.rule, message=p.message,
                               unit=unit.code, actual=t.id))
    return out


def doc_reports(doc, regime: str, unit: Unit, period: Period, file: str = "") -> tuple[dict[str, TaskReport], list[Finding]]:
    """A values file's task rows as reports, with a warning for each row that is not one of the unit's tasks."""
    plan = plan_for(regime, period)
    mine = {t.id for t in plan.tasks_of(unit.code, unit.kind)} if plan else set()
    reports: dict[str, TaskReport] = {}
    out: list[Finding] = []
    for row in doc.tasks:
        if row.task not in mine:
            out.append(Finding(file=file, severity=WARNING, rule="task.unknown", unit=unit.code, actual=row.task,
                               message=f"Nhiệm vụ {row.task}: không phải nhiệm vụ {unit.short_name} chủ trì trong kế hoạch của kỳ này; dòng bị bỏ qua"))
            continue
        reports[row.task] = report_from_values(row.task, row.status, row.done_on, row.product, row.note, date_serial=False)
    return reports, out
