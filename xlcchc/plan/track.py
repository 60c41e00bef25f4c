"""What a unit's report on a task means: its situation at the period end and the checks on it.

One place for the semantics the “Nhiệm vụ” sheet's formulas, `check` and the merge's plan sheet share:
- the deadline used for tracking is the task's latest dated milestone, also when the cell mixes it with
  recurring or conditional parts (those parts are reported on, never overdue); a task with no dated
  milestone (only recurring or conditional) is followed by its status, never called overdue;
- *Đã hoàn thành* needs the date completed and the product (document number and date);
- a completion date after the deadline is *hoàn thành quá hạn* (a warning); a task due by the period end
  and not done is *quá hạn* (a warning); a completion date in the future is an error.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

from ..record import Record, record
from .models import Task

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import Any

DONE, DOING, NOT_STARTED, NOT_APPLICABLE = "Đã hoàn thành", "Đang thực hiện", "Chưa thực hiện", "Không phát sinh"
STATUSES = (DONE, DOING, NOT_STARTED, NOT_APPLICABLE)

# Situations (the merge's plan sheet, the sheet's own column, the follow-up list)
ON_TIME, LATE, OVERDUE, NOT_DUE, ONGOING, NOT_REPORTED = (
    "Hoàn thành đúng hạn", "Hoàn thành quá hạn", "Quá hạn", "Chưa đến hạn", "Đang theo dõi", "Chưa báo cáo")


def tracking_due(task: Task) -> date | None:
    """The deadline the tracking uses: the task's latest dated milestone (`Deadline.tracked_due`), None when
    it has none (purely recurring or conditional: followed by its status, never overdue)."""
    return task.deadline.tracked_due


def untracked_text(task: Task) -> str:
    """The recurring / conditional parts of a deadline that also has a date, said for people (empty otherwise):
    “Báo cáo kết quả rà soát: định kỳ hàng quý; …” are reported on each period, not counted as overdue."""
    d = task.deadline
    if d.tracked_due is None or not d.untracked:
        return ""
    parts = "; ".join(f"{m.label}: {m.text}" if m.label else m.text for m in d.untracked)
    return f"Phần định kỳ, thường xuyên hoặc theo điều kiện ({parts.rstrip(' .;')}) báo cáo theo kỳ, không tính quá hạn"


@record(positional=True, forbid=False)
class TaskReport(Record):
    """A unit's row of the “Nhiệm vụ” sheet as read (raw values normalised; text kept as typed)."""

    task: str
    status: str | None = None
    done_on: date | None = None
    product: str = ""
    note: str = ""
    bad_status: str | None = None  # text typed that is not one of STATUSES
    bad_date: Any = None  # a value in the date cell that is not a date

    def to_json(self) -> dict:
        return {
            "task": self.task, "status": self.status or self.bad_status,
            "done_on": self.done_on.isoformat() if self.done_on else (None if self.bad_date is None else str(self.bad_date)),
            "product": self.product, "note": self.note,
        }


def report_from_values(task_id: str, status: Any, done_on: Any, product: Any, note: Any, *, date_serial: bool = True) -> TaskReport:
    """Build a report from cell values (status text, date as Excel serial / ISO text / date, free text)."""
    st = " ".join(str(status).split()) if status not in (None, "") else None
    bad_status = None
    if st is not None and st not in STATUSES:
        folded = {s.casefold(): s for s in STATUSES}
        st, bad_status = (folded[st.casefold()], None) if st.casefold() in folded else (None, st)
    d, bad = _as_date(done_on, date_serial)
    return TaskReport(
        task=task_id, status=st, done_on=d, product="" if product is None else str(product).strip(),
        note="" if note is None else str(note), bad_status=bad_status, bad_date=bad,
    )


def _as_date(v: Any, serial: bool) -> tuple[date | None, Any]:
    if v is None or v == "":
        return None, None
    if isinstance(v, datetime):
        return v.date(), None
    if isinstance(v, date):
        return v, None
    if isinstance(v, (int, float)) and not isinstance(v, bool) and serial and 1 <= v < 2958466:
        return (datetime(1899, 12, 30) + timedelta(days=int(v))).date(), None
    if isinstance(v, str):
        d = _text_date(v.strip())
        if d is not None:
            return d, None
    return None, v


@lru_cache(maxsize=1024)
def _text_date(s: str) -> date | None:
    """A date typed as text, in the formats people and programs write, else None. Cached by the text itself:
    a folder's returns repeat a few send dates, and `strptime` tries up to six formats (each a ValueError)."""
    iso = _iso_date(s)
    if iso is not None:
        return iso
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"):
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    return None


def _iso_date(s: str) -> date | None:
    """The date of `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS` (ASCII digits, a valid date
    and time), else None: what the `strptime` loop of `_text_date` returns for that text, without importing
    `_strptime` and compiling its six formats' patterns (≈ 13 M instructions in a cold `check`, for the
    cover's send date the template writes this way). Anything else is left to that loop."""
    n = len(s)
    if n not in (10, 16, 19) or not s.isascii() or s[4] != "-" or s[7] != "-":
        return None
    digits = s[:4] + s[5:7] + s[8:10]
    if n > 10:
        if s[10] != "T" or s[13] != ":" or (n == 19 and s[16] != ":"):
            return None
        hh, mm, ss = s[11:13], s[14:16], s[17:19] if n == 19 else "00"
        if not (hh + mm + ss).isdigit() or int(hh) > 23 or int(mm) > 59 or int(ss) > 59:
            return None
    if not digits.isdigit():
        return None
    try:
        return date(int(s[:4]), int(s[5:7]), int(s[8:10]))
    except ValueError:
        return None


def situation(task: Task, report: TaskReport | None, period_end: date) -> str:
    """Where a task stands at the period end for one lead unit."""
    due = tracking_due(task)
    if report is None or (report.status is None and report.bad_status is None):
        return OVERDUE if due and due <= period_end else NOT_REPORTED
    if report.status == NOT_APPLICABLE:
        return NOT_APPLICABLE
    if report.status == DONE:
        return LATE if due and report.done_on and report.done_on > due else ON_TIME
    if due and due <= period_end:
        return OVERDUE
    return NOT_DUE if due else ONGOING


def is_done(report: TaskReport | None) -> bool:
    return report is not None and report.status in (DONE, NOT_APPLICABLE)


@record(positional=True, forbid=False)
class TaskProblem(Record):
    task: str
    field: str  # "status" | "done_on" | "product"
    severity: str  # "Lỗi" | "Cảnh báo"
    rule: str  # stable code: task.status, task.date_missing, task.product_missing, task.late, task.overdue, task.future, task.date
    message: str


def check_report(task: Task, report: TaskReport | None, period_end: date, today: date) -> list[TaskProblem]:
    """The checks of one task row; the sheet's formula computes the same status (parity test)."""
    tid = f"Nhiệm vụ {task.id}"
    due = tracking_due(task)
    out: list[TaskProblem] = []
    r = report or _NO_REPORT  # a row left blank (only its fields, all blank, are read below; not its task id)
    if r.bad_status is not None:
        out.append(TaskProblem(task.id, "status", "Lỗi", "task.status",
                               f"{tid}: trạng thái “{_short(r.bad_status)}” không hợp lệ; chọn một trong: {', '.join(STATUSES)}"))
    if r.bad_date is not None:
        out.append(TaskProblem(task.id, "done_on", "Lỗi", "task.date",
                               f"{tid}: ngày hoàn thành “{_short(str(r.bad_date))}” không phải ngày (nhập dạng ngày/tháng/năm)"))
    if r.status == DONE:
        if r.done_on is None and r.bad_date is None:
            out.append(TaskProblem(task.id, "done_on", "Lỗi", "task.date_missing",
                                   f"{tid}: đã hoàn thành nhưng chưa ghi ngày hoàn thành"))
        if not r.product:
            out.append(TaskProblem(task.id, "product", "Lỗi", "task.product_missing",
                                   f"{tid}: đã hoàn thành nhưng chưa ghi sản phẩm (số, ngày văn bản)"))
        if r.done_on and due and r.done_on > due:
            out.append(TaskProblem(task.id, "done_on", "Cảnh báo", "task.late",
                                   f"{tid}: hoàn thành quá hạn (ngày {r.done_on:%d/%m/%Y}, hạn {due:%d/%m/%Y})"))
    elif r.status != NOT_APPLICABLE and r.bad_status is None and due and due <= period_end:
        out.append(TaskProblem(task.id, "status", "Cảnh báo", "task.overdue",
                               f"{tid}: đã quá hạn ({_due_words(task, due)}) nhưng chưa hoàn thành"))
    if r.done_on and r.done_on > today:
        out.append(TaskProblem(task.id, "done_on", "Lỗi", "task.future",
                               f"{tid}: ngày hoàn thành {r.done_on:%d/%m/%Y} là ngày sau {today:%d/%m/%Y} (ngày gửi báo cáo, hoặc hôm nay khi chưa ghi ngày gửi)"))
    return out


_NO_REPORT = TaskReport(task="")


def sheet_status(problems: list[TaskProblem], report: TaskReport | None) -> str:
    """The check sheet's word for a task row: Lỗi / Cảnh báo / OK, or — when nothing is filled and nothing is due."""
    if any(p.severity == "Lỗi" for p in problems):
        return "Lỗi"
    if problems:
        return "Cảnh báo"
    if report is None or (report.status is None and report.bad_status is None and report.done_on is None):
        return "—"
    return "OK"


def _due_words(task: Task, due: date) -> str:
    """“31/03/2023”, or for a deadline that also has recurring parts the dated milestone named:
    “mốc Kế hoạch kiểm tra, rà soát văn bản QPPL: 31/03/2023; phần định kỳ không tính quá hạn”."""
    d = task.deadline
    if not d.untracked:
        return f"{due:%d/%m/%Y}"
    label = next((m.label for m in d.milestones if m.due == due and m.label), None)
    named = f"mốc “{label}”: " if label else "mốc có ngày: "
    return f"{named}{due:%d/%m/%Y}; phần định kỳ, thường xuyên không tính quá hạn"


def _short(s: str, n: int = 60) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def as_of(sent) -> date:
    """The date a completion date may not pass: the cover's send date when given, else today."""
    d, _ = _as_date(sent, True)
    return d or date.today()
