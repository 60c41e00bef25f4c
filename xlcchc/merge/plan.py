"""The plan in the merge: every task × its lead units, what each reported, and what follows from it.

- each (task, lead unit) pair: status, date, product, situation at the period end (`xlcchc.plan.track`),
  the file it came from; a unit that sent nothing (or whose return was not used) is *Chưa báo cáo*;
- a task is completed when every lead unit has completed it (*Không phát sinh* counts as nothing to do),
  shown as “3/5 đơn vị”; Biểu mẫu 1 items 2.1 / 2.2 are the number of tasks and of completed tasks
  (the catalog's `plan_tasks` / `plan_done` methods);
- the follow-up list per lead agency: its tasks overdue, or due within 30 days after the period end;
- the plan's targets tied to an indicator, checked on the provincial figures (a missed target is a
  *Cảnh báo* naming the plan and the target).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, timedelta
from typing import Callable, Iterator, Mapping

from ..catalog.models import Catalog, Registry
from ..findings import WARNING, Finding
from ..formulas import percent_printed
from ..numbers import fmt_vn
from ..periods import parse_period
from ..plan import Plan, Task, period_end, plan_for
from ..plan.track import DONE, NOT_APPLICABLE, OVERDUE, TaskReport, situation, tracking_due

FOLLOW_UP_DAYS = 30


@dataclass(slots=True)  # one per task × lead unit: ~3,300 in the two-tier merge
class LeadRow:
    task: Task
    unit: str
    report: TaskReport | None
    situation: str
    file: str | None = None


@dataclass
class TaskProgress:
    task: Task
    leads: list[LeadRow]

    @cached_property
    def applicable(self) -> list[LeadRow]:
        # Cached (with `done_count`): a task led by every commune has ~170 rows and the sheets ask often;
        # `leads` is complete when the TaskProgress is made.
        return [r for r in self.leads if not (r.report and r.report.status == NOT_APPLICABLE)]

    @cached_property
    def done_count(self) -> int:
        return sum(1 for r in self.applicable if r.report and r.report.status == DONE)

    @property
    def completed(self) -> bool:
        """Done by every lead unit that has something to do (and by at least one)."""
        app = self.applicable
        return bool(app) and self.done_count == len(app)

    @property
    def share_text(self) -> str:
        return f"{self.done_count}/{len(self.applicable)} đơn vị"

    @property
    def situation(self) -> str:
        """The task's situation for the province: late if any lead finished late, overdue if any is."""
        sits = [r.situation for r in self.applicable]
        if not sits:
            return NOT_APPLICABLE
        if self.completed:
            return "Hoàn thành quá hạn" if "Hoàn thành quá hạn" in sits else "Hoàn thành đúng hạn"
        for s in (OVERDUE, "Chưa đến hạn", "Đang theo dõi", "Chưa báo cáo"):
            if s in sits:
                return s
        return sits[0]


@dataclass
class PlanProgress:
    plan: Plan
    period: str
    end: date
    tasks: list[TaskProgress] = field(default_factory=list)

    def counts(self) -> dict[str, float]:
        """Biểu mẫu 1: 2.1 the plan's tasks, 2.2 those completed by every lead unit."""
        return {"plan_tasks": float(len(self.tasks)), "plan_done": float(sum(t.completed for t in self.tasks))}

    def follow_up(self) -> list[LeadRow]:
        """Per lead agency, in registry order: tasks overdue, or due within 30 days after the period end."""
        horizon = self.end + timedelta(days=FOLLOW_UP_DAYS)
        out = []
        for tp in self.tasks:
            due = tracking_due(tp.task)
            for r in tp.leads:
                if r.report and r.report.status in (DONE, NOT_APPLICABLE):
                    continue
                if r.situation == OVERDUE or (due and self.end < due <= horizon):
                    out.append(r)
        return out

    def summary(self, registry: Registry) -> dict:
        """What the appendix's plan annex prints (tables per area, like the seed's Phụ lục 01–07)."""
        from ..plan.models import KIND_LABELS

        return {
            "plan": self.plan.id, "title": self.plan.title, "end": self.end.isoformat(),
            "annexes": [{"id": a.id, "title": a.title} for a in self.plan.annexes],
            "follow_up": len(self.follow_up()),
            "tasks": [
                {"id": tp.task.id, "annex": tp.task.annex, "number": tp.task.number, "content": tp.task.content,
                 "leads": "; ".join(KIND_LABELS.get(r) or registry.label(r, short=True) for r in tp.task.lead_refs),
                 "deadline": tp.task.deadline_text, "done": tp.share_text, "completed": tp.completed,
                 "situation": tp.situation}
                for tp in self.tasks
            ],
        }

    def to_json(self) -> dict:
        """The merge's own record of the task rows (metadata of TONG_HOP.xlsx), recomputed on read-back."""
        return {
            "plan": self.plan.id, "fingerprint": self.plan.fingerprint, "period": self.period,
            "reports": {_report_key(r): _report_json(r) for tp in self.tasks for r in tp.leads if r.report is not None},
        }

    def json_parts(self, dumps: Callable[[object], str]) -> Iterator[str]:
        """The text `dumps(self.to_json())` in parts, one unit's reports at a time (`dumps`: json.dumps with
        sort_keys and no spaces, as TONG_HOP's metadata writes it).

        Why: the whole record (a list per report) and json's own list of pieces for it were ~14 KiB a
        unit at the two-tier merge's memory peak; the parts go to a work file as they come. The text is
        the same because the keys are `unit|task`: when no unit code has a `|`, a key's unit is the text
        before its first `|`, so two units never share a key, and the sorted keys are the units sorted by
        `unit + "|"` (where two keys first differ is inside that prefix), each unit's own keys in order
        (its dict sorted by `dumps`, a repeated key keeping its last report as the whole dict does). A unit
        code with a `|` (never in a registry) takes the whole record."""
        by_unit: dict[str, list[LeadRow]] = {}
        for tp in self.tasks:
            for r in tp.leads:
                if r.report is not None:
                    by_unit.setdefault(r.unit, []).append(r)
        if any("|" in unit for unit in by_unit):
            yield dumps(self.to_json())
            return
        head = dumps({"plan": self.plan.id, "fingerprint": self.plan.fingerprint, "period": self.period, "reports": {}})
        yield head[:-2]  # up to the reports' "{": they come last (sorted keys), then "}}"
        sep = ""
        for unit in sorted(by_unit, key=lambda u: u + "|"):
            yield sep + dumps({_report_key(r): _report_json(r) for r in by_unit[unit]})[1:-1]
            sep = ","
        yield "}}"


def _report_key(r: LeadRow) -> str:
    return f"{r.unit}|{r.task.id}"


def _report_json(r: LeadRow) -> list:
    """A lead row's report as TONG_HOP's metadata keeps it: status (or the text typed), date, product, file."""
    return [r.report.status or r.report.bad_status, _iso(r.report.done_on), r.report.product, r.file or ""]


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def lead_units(task: Task, registry: Registry) -> list[str]:
    """The reporting units that lead `task`, in registry order: named units, then every unit of a lead kind."""
    out = []
    for u in registry.units:
        if u.code == registry.top:
            continue
        if u.code in task.lead_refs or u.kind in task.lead_refs:
            out.append(u.code)
    return out


def plan_progress(catalog: Catalog, registry: Registry, period_code: str,
                  reports: Mapping[str, Mapping[str, TaskReport]], files: Mapping[str, str]) -> PlanProgress | None:
    """The plan's progress for the period from the returns used (`reports`: unit → task id → report)."""
    if not period_code:
        return None
    period = parse_period(period_code)
    plan = plan_for(catalog.regime, period)
    if plan is None or plan.registry != registry.id:
        return None
    end = period_end(period)
    progress = PlanProgress(plan=plan, period=period_code, end=end)
    leads_of: dict[tuple, list[str]] = {}  # lead refs → their units: tasks share a few (“every commune”)
    for t in plan.tasks:
        rows, tid, refs = [], t.id, tuple(t.lead_refs)  # `Task.id` is made anew on each ask
        if refs not in leads_of:
            leads_of[refs] = lead_units(t, registry)  # depends on the refs only
        for u in leads_of[refs]:
            got = reports.get(u)
            rep = got.get(tid) if got else None
            rows.append(LeadRow(t, u, rep, situation(t, rep, end), files.get(u) if rep is not None else None))
        progress.tasks.append(TaskProgress(task=t, leads=rows))
    return progress


def progress_from_json(catalog: Catalog, registry: Registry, blob: dict) -> PlanProgress | None:
    """Rebuild the progress from the metadata the merge wrote (the read-back recomputes 2.1 / 2.2 from it)."""
    from ..plan.track import report_from_values

    if not blob:
        return None
    reports: dict[str, dict[str, TaskReport]] = {}
    files: dict[str, str] = {}
    for key, (status, done_on, product, file) in blob.get("reports", {}).items():
        unit, tid = key.split("|", 1)
        reports.setdefault(unit, {})[tid] = report_from_values(tid, status, done_on, product, None, date_serial=False)
        if file:
            files[unit] = file
    progress = plan_progress(catalog, registry, blob.get("period", ""), reports, files)
    if progress is None or progress.plan.fingerprint != blob.get("fingerprint"):
        return None
    return progress


def _indicator_targets(catalog: Catalog, period_code: str, final: Mapping[str, object]):
    """(plan, target, indicator, provincial figure or None) for the targets of the plan in force tied to an indicator."""
    if not period_code:
        return
    period = parse_period(period_code)
    plan = plan_for(catalog.regime, period)
    if plan is None:
        return
    for g in plan.targets_in(period.year):
        if not g.indicator or g.indicator not in catalog.indicators:
            continue
        actual = final.get(g.indicator)
        num = float(actual) if isinstance(actual, (int, float)) and not isinstance(actual, bool) else None
        yield plan, g, catalog.indicators[g.indicator], num


def target_findings(catalog: Catalog, period_code: str, final: Mapping[str, object], file: str = "") -> list[Finding]:
    """A target of the plan in force, tied to an indicator, that the provincial figure misses: a warning."""
    out = []
    for plan, g, ind, num in _indicator_targets(catalog, period_code, final):
        if num is None or g.met_by(num):
            continue
        word = "tối thiểu" if g.op == ">=" else "tối đa"
        unit = "%" if ind.kind == "percent" else ""
        shown = percent_printed(num) if ind.kind == "percent" else num  # never 100 for 99,996
        out.append(Finding(
            file=file, form=ind.form, code=ind.code, severity=WARNING, rule="plan.target",
            message=f"{plan.title}, chỉ tiêu {g.id} (“{_short(g.text)}”): Biểu mẫu {ind.form} mục {ind.code} đạt "
            f"{fmt_vn(shown, 2)}{unit}, chưa đạt mức {word} {fmt_vn(float(g.value), 2)}{unit}",
            expected=g.value, actual=final.get(g.indicator),
        ))
    return out


def targets_table(catalog: Catalog, period_code: str, final: Mapping[str, object]) -> list[tuple]:
    """(target id, text, indicator label, op, value, actual, met?) of the targets with an indicator, for the dashboard."""
    return [
        (g.id, g.text, f"Biểu mẫu {ind.form}, mục {ind.code}", g.op, g.value, num, None if num is None else g.met_by(num))
        for _, g, ind, num in _indicator_targets(catalog, period_code, final)
    ]


def _short(s: str, n: int = 90) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"
