"""Find the returns in a folder, read and check each, and choose one return per unit.

A consolidator's folder is whatever came back by e-mail: Excel lock files, PDFs, the same file saved
twice, a unit's first and corrected versions, last quarter's return, damaged files. Every workbook is
read and checked on its own (in worker processes when there are many), a file that cannot be used
becomes a line on the status sheet, and nothing stops the others. Source files are only ever read.

Memory stays bounded by the number of units, not the number of files: only the best return so far of
each (unit, period) keeps its values; the others keep a one-line summary.
"""

from __future__ import annotations

import hashlib
import os
import stat
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from functools import cache
from datetime import datetime
from pathlib import Path
from operator import attrgetter as _attrgetter
from types import MappingProxyType
from typing import Any

from ..console import name_text
from ..findings import Finding, count_errors
from ..fileio import TEMP_PREFIX
from ..layout import STATUS_FINAL

#: Extensions read as returns; anything else in the folder is listed as ignored.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".xltm", ".ods")
#: The reader's code for a workbook xlcchc wrote itself (a provincial workbook, an appendix): skipped, not invalid.
OWN_OUTPUT = "doc.own_output"
#: The note for an annotated copy found among the returns (the status sheet lists it under the skipped files).
ANNOTATED_NOTE = (
    "Tệp “{name}” là bản sao có đánh dấu lỗi do chương trình tạo ra khi kiểm tra báo cáo của {unit}, số liệu chưa "
    "được sửa: không phải báo cáo mới; bỏ qua (báo cáo của đơn vị là tệp gốc; nếu đơn vị sửa số liệu trong bản "
    "này rồi gửi lại, bản đó được tổng hợp như một báo cáo)"
)
#: Below this many files the pool's start-up costs more than it saves.
POOL_MIN_FILES = 40


@dataclass(slots=True)
class FileResult:
    """One file, read and checked; `values` etc. only while it may still be the unit's chosen return."""

    rel: str  # path relative to the folder, `/`-separated (shown to the consolidator)
    sha256: str
    mtime: float
    error_code: str | None = None
    error: str | None = None
    unit: str = ""
    regime: str = ""
    period: str = ""
    sent_at: str | None = None  # ISO text, from the cover
    final: bool = False  # cover status "Chính thức"
    values: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)
    tasks: dict[str, Any] = field(default_factory=dict)  # task id → TaskReport (the “Nhiệm vụ” sheet)
    findings: list[Finding] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    #: Identical copies skipped (set by `collect`); a shared empty tuple until there is one: an empty list
    #: per file was 56 bytes the merge kept for each of thousands of files.
    duplicates: Sequence[str] = ()
    #: The findings and the task reports as tuples of their fields while the result travels from a pool worker
    #: (`_read_star`): (findings, (task id, report)…). Pickling and unpickling records costs several times
    #: plain tuples (a record's state is a dict of its slots, set back one by one in the parent; a return of
    #: the two-tier province has ~40 task reports), and only the returns finally chosen need them back
    #: (`unpack_findings`, at the end of `collect`).
    packed: tuple | None = None

    def pack_findings(self) -> "FileResult":
        """The findings and task reports packed for the trip to the merge's parent (`packed`)."""
        tasks: tuple = ()
        if self.tasks:
            from ..plan.track import TaskReport

            if all(type(r) is TaskReport for r in self.tasks.values()):  # what the reader makes (else kept)
                report = _fields_of(TaskReport)
                tasks, self.tasks = tuple((task, report(r)) for task, r in self.tasks.items()), {}
        self.packed, self.findings = (tuple(map(_fields_of(Finding), self.findings)), tasks), []
        return self

    def unpack_findings(self, shared: dict | None = None) -> None:
        """The findings and task reports back as records (`record.maker`: the records the class call makes).

        With `shared` (`finish_collect`'s), a report's task id, status and date are the equal objects met
        before: every return arrives with its own copies (unpickled), and a two-tier return's ~18 reports
        held ~2.5 KiB of them (a status is ~90 bytes of Vietnamese text), kept for each unit until TONG_HOP
        is written; there are ~70 task ids, 4 statuses and a few dates over the whole folder."""
        if self.packed is not None:
            from ..record import maker

            findings, tasks = self.packed
            make = maker(Finding)
            self.findings, self.packed = [make(*values) for values in findings], None
            if tasks:
                from ..plan.track import TaskReport

                make = maker(TaskReport)
                if shared is None:
                    self.tasks = {task: make(*values) for task, values in tasks}
                else:
                    self.tasks = {}
                    for task, (tid, status, done_on, *rest) in tasks:  # TaskReport's fields, in order
                        self.tasks[_one(shared, task)] = make(
                            _one(shared, tid), None if status is None else _one(shared, status),
                            None if done_on is None else _one(shared, done_on), *rest)

    def __reduce__(self):
        """Pickled as the values of its fields in order (the pool sends every result to the parent):
        dataclasses' own state functions walk `fields()` per object, on both sides; unpickling calls
        `FileResult(*values)`, the same object."""
        return FileResult, _FILE_RESULT_FIELDS(self)

    @property
    def ok(self) -> bool:
        return self.error_code is None

    @property
    def name(self) -> str:
        return self.rel.rsplit("/", 1)[-1]

    def order_key(self) -> tuple:
        """Newer return wins: time written in the workbook, then file time, then name (deterministic)."""
        return (self.sent_at or "", self.mtime, self.rel, self.sha256)

    def summary(self) -> "FileResult":
        """The same result without the figures (kept for the status sheet once superseded).

        Hundreds of these stay in memory during a merge, so they share read-only empty figures."""
        return FileResult(
            rel=self.rel, sha256=self.sha256, mtime=self.mtime, error_code=self.error_code, error=self.error,
            unit=self.unit, regime=self.regime, period=self.period, sent_at=self.sent_at, final=self.final,
            values=_NO_FIGURES, notes=_NO_FIGURES, cells=_NO_FIGURES, tasks=_NO_FIGURES,  # type: ignore[arg-type]
            findings=_NO_FINDINGS,  # type: ignore[arg-type]
            errors=self.errors, warnings=self.warnings, duplicates=self.duplicates,
        )


@cache  # one getter a record class, not two made for every file packed
def _fields_of(cls: type) -> Callable[[Any], tuple]:
    """A record's field values as a tuple, read at C speed: `Record._values` (a record of two fields or more)."""
    return _attrgetter(*cls._fields)


_FILE_RESULT_FIELDS = _attrgetter(*(f.name for f in fields(FileResult)))
_NO_FIGURES = MappingProxyType({})
_NO_FINDINGS: tuple = ()


@dataclass
class Scan:
    """A folder's files: candidate workbooks, and clutter with the reason it is ignored."""

    #: (path, relative name, modification time, the error of its `stat` or None): plain strings, not `Path`
    #: objects (a merge of thousands of files keeps this list while it reads them).
    workbooks: list[tuple[str, str, float, OSError | None]]
    ignored: list[tuple[str, str]]  # (relative name, Vietnamese reason)


def scan_folder(folder: Path, skip: Path | None = None) -> Scan:
    """Every file under `folder`, sorted so that the merge does not depend on the file system's order.

    `skip` is the merge's own output when it is written inside the folder (not a return). Each file is
    `stat`ed once (its type here, its time for choosing the newest return later); only a file that is the
    output's inode, or cannot be `stat`ed, has its path resolved to compare it with `skip`: a file of
    another inode cannot resolve to the output, so the answer is the one resolving every path gave."""
    top = os.fspath(folder)
    skip_id = _file_id(skip) if skip is not None else None
    workbooks: list[tuple[str, str, float, OSError | None]] = []
    ignored: list[tuple[str, str]] = []
    def unlisted(e: OSError) -> None:  # os.walk skips a folder it cannot list: say so, its returns are not merged
        where = os.fspath(e.filename or top)[len(top):].lstrip(os.sep).replace(os.sep, "/")
        why = ("không có quyền đọc" if isinstance(e, PermissionError) else
               "thư mục đã bị xoá hoặc di chuyển" if isinstance(e, FileNotFoundError) else f"lỗi hệ thống tệp: {e.strerror or e}")
        ignored.append((name_text(where or "."), f"Không mở được thư mục này ({why}); các tệp trong đó không được "
                                                  "tổng hợp — hãy cấp quyền đọc thư mục hoặc chép các tệp ra ngoài"))

    for root, dirs, files in os.walk(folder, onerror=unlisted):
        dirs.sort()
        sub = root[len(top):].lstrip(os.sep)
        prefix = sub.replace(os.sep, "/") + "/" if sub else ""
        for f in sorted(files):
            path = os.path.join(root, f)
            rel = name_text(prefix + f)  # shown, and written to TONG_HOP: never a name's raw undecodable bytes
            try:
                st, error = os.stat(path), None  # follows links; a stat never opens the file
            except OSError as e:
                st, error = None, e
            if skip is not None and (st is None or (st.st_dev, st.st_ino) == skip_id) and Path(path).resolve() == skip:
                continue
            if st is not None and not stat.S_ISREG(st.st_mode):  # unreadable: the reader says why
                ignored.append((rel, "Không phải tệp dữ liệu thông thường (thiết bị, ống dẫn FIFO hoặc liên kết tới chúng); "
                                     "bỏ qua, không mở"))
                continue
            # Excel's `~$` lock files have a workbook suffix: the reader recognises them (doc.lock_file).
            if f.startswith((".~tong_hop_", TEMP_PREFIX)):
                continue  # a temporary file of a running or interrupted run (ours; cleaned by the next one)
            ext = _suffix(f).lower()
            if ext in WORKBOOK_SUFFIXES:
                workbooks.append((path, rel, st.st_mtime if st is not None else 0.0, error))
            else:
                ignored.append((rel, f"Không phải tệp bảng tính ({ext or 'không có phần mở rộng'}); bỏ qua"))
    workbooks.sort(key=lambda t: t[1])
    ignored.sort()
    return Scan(workbooks, ignored)


def _suffix(name: str) -> str:
    """`Path(name).suffix` without making a Path: "" for ".xlsx" alone or a name ending in a dot."""
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""


def _file_id(path: Path) -> tuple[int, int] | None:
    """(device, inode) of an existing file, None when there is none (nothing in the folder can be it)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:  # read-only
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_DATE_TEXT = re.compile(
    r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2})[:hg](\d{2})?(?::(\d{2}))?)?\s*$"
)


def sent_at_iso(raw: Any) -> str | None:
    """The cover's “Ngày gửi báo cáo” as ISO text (comparable), from a date, ISO text or `dd/mm/yyyy [hh:mm]`."""
    if raw is None:
        return None
    if isinstance(raw, datetime):
        return raw.isoformat(timespec="minutes")
    s = str(raw).strip()
    if not s:
        return None
    m = _DATE_TEXT.match(s)
    if m:
        d, mo, y, hh, mm, ss = m.groups()
        try:
            dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
        except ValueError:
            return None
        return dt.isoformat(timespec="minutes")
    try:
        return datetime.fromisoformat(s).isoformat(timespec="minutes")
    except ValueError:
        return None


def read_one(path: str, rel: str, sha: str, mtime: float, regime: str | None, trust: tuple | None = None) -> FileResult:
    """Read and check one file; never raises (a worker process must not die on a bad file).

    The SHA-256 recorded is always that of the bytes the reader parsed (hashed here, in the worker, once):
    what the status sheet and the provenance name is exactly what was merged. `sha`, a hash the caller may
    have taken earlier, is not trusted for that (the file may have changed since); the merge passes "".
    `trust` is (signing key, unsigned policy) when signatures are verified.
    """
    from ..check import check_return
    from ..read import ReturnError, read_return, values_of

    res = FileResult(rel=rel, sha256="", mtime=mtime)
    try:
        key, unsigned = trust if trust is not None else (None, "warning")
        ret = read_return(path, regime=regime, key=key, unsigned=unsigned)
    except ReturnError as e:
        if _unreadable(path, rel, res):
            return res
        res.error_code, res.error = e.code, str(e)
        res.sha256 = _sha256_or_blank(path)
        return res
    except Exception as e:  # noqa: BLE001 - one bad file must never stop the merge
        if _unreadable(path, rel, res):
            return res
        res.error_code = "doc.unexpected"
        res.error = f"Tệp “{rel}” không đọc được (lỗi không mong đợi: {type(e).__name__}); hãy mở và lưu lại bằng Excel rồi gửi lại"
        res.sha256 = _sha256_or_blank(path)
        return res
    res.sha256 = ret.sha256
    if ret.annotated_copy:  # `check --annotate`'s copy of a return, nobody has changed a figure in it since
        res.error_code, res.error = OWN_OUTPUT, ANNOTATED_NOTE.format(name=rel, unit=ret.unit_name or ret.unit)
        return res
    try:
        res.unit, res.regime, res.period = ret.unit, ret.regime, ret.period
        res.sent_at = sent_at_iso(ret.cover.get("BIA_NGAY_GUI"))
        status = ret.cover.get("BIA_TRANG_THAI")
        res.final = isinstance(status, str) and status.strip().casefold() == STATUS_FINAL.casefold()
        res.values = values_of(ret)
        res.notes = dict(ret.notes)
        res.cells = {k: c.cell for k, c in ret.cells.items()}
        res.tasks = dict(ret.tasks)
        found = check_return(ret, values=res.values)  # the values just recomputed, not recomputed again
        res.findings = [f.model_copy(update={"file": rel}) if f.file != rel else f for f in found]
        res.errors = count_errors(res.findings)
        res.warnings = len(res.findings) - res.errors
    except Exception as e:  # noqa: BLE001
        res.error_code = "doc.unexpected"
        res.error = f"Tệp “{rel}” không kiểm tra được (lỗi không mong đợi: {type(e).__name__}); hãy gửi tệp cho bộ phận hỗ trợ"
        res.values, res.findings, res.tasks = {}, [], {}
    return res


def _unreadable(path: str, rel: str, res: FileResult) -> bool:
    """Whether a file the reader could not use cannot even be opened: then it is said so in the merge's own
    words (`doc.unreadable`), as before reading was tried. Asked only once the reader failed: a file
    that opens costs no second `open` (a file the reader read was readable)."""
    try:
        open(path, "rb").close()  # read-only
    except OSError as e:
        res.error_code, res.error = "doc.unreadable", f"Không đọc được tệp “{rel}”: {e.strerror or e}"
        return True
    return False


def _sha256_or_blank(path: str) -> str:
    """The hash of a file the reader refused (shown on its status line), or "" if it cannot be read."""
    try:
        return sha256_file(Path(path))
    except OSError:
        return ""


#: Test hook: a pool worker about to read the file of this name (relative to the folder) dies at once, as
#: when the kernel's OOM killer takes it. Only `_read_star`, which runs in pool workers, honours it; the
#: merge's own process never does (tests/test_output_hygiene.py).
CRASH_ENV = "XLCCHC_TEST_WORKER_CRASH"


def _read_star(args: tuple) -> FileResult:
    if os.environ.get(CRASH_ENV) and args[1] == os.environ[CRASH_ENV]:
        _die()
    return read_one(*args).pack_findings()


def _die() -> None:
    import signal

    if hasattr(signal, "SIGKILL"):
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(137)  # Windows: no signal, the same abrupt end (no cleanup, no answer to the pool)


def read_all(
    jobs: list[tuple[str, str, str, float, str | None]],
    *,
    workers: int | None = None,
    pool=None,
) -> Iterator[FileResult]:
    """Results in the order of `jobs`: read here one after another, or by worker processes when there are
    many (`pool`: a `ReadPool` kept by the caller for several folders; its reads are submitted at once)."""
    if pool is not None and pool.workers > 1:
        return pool.start(jobs)
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(jobs) >= POOL_MIN_FILES else 1
    if workers <= 1:
        return (read_one(*j) for j in jobs)
    return _pooled(jobs, workers)


def _pooled(jobs: list[tuple], workers: int) -> Iterator[FileResult]:
    """A pool of its own for one folder: its reads submitted now (the caller may work meanwhile), the
    pool ended after the last answer."""
    from .pool import ReadPool

    pool = ReadPool(workers)
    return _closing(pool, pool.start(jobs))


def _closing(pool, results: Iterator[FileResult]) -> Iterator[FileResult]:
    with pool:
        yield from results


@dataclass
class Collected:
    """The outcome of reading a folder, before the period is chosen."""

    best: dict[tuple[str, str, str], FileResult]  # (regime, period, unit) → newest return (with values)
    finals: dict[tuple[str, str, str], list[str]]  # (regime, period, unit) → files claiming "Chính thức"
    others: list[FileResult]  # every other read file, summary only
    invalid: list[FileResult]
    ignored: list[tuple[str, str]]
    count: int
    #: The tool's own outputs found in the folder (TONG_HOP.xlsx, PHU_LUC.xlsx, unchanged annotated copies):
    #: (file, note), not returns.
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Reading:
    """A folder scanned and its reads under way (`start_collect`); `finish_collect` takes the answers."""

    results: Iterator[FileResult]
    unreadable: list[FileResult]  # files whose `stat` failed, in folder order (never read)
    ignored: list[tuple[str, str]]
    total: int


def collect(
    folder: Path,
    *,
    regime: str | None,
    progress: Callable[[int, int, str], None] | None = None,
    workers: int | None = None,
    skip: Path | None = None,
    trust: tuple | None = None,
    pool=None,
) -> Collected:
    """Read and check every workbook under `folder`; the newest return of each (regime, period, unit)."""
    return finish_collect(start_collect(folder, regime=regime, workers=workers, skip=skip, trust=trust, pool=pool),
                          progress)


def start_collect(
    folder: Path,
    *,
    regime: str | None,
    workers: int | None = None,
    skip: Path | None = None,
    trust: tuple | None = None,
    pool=None,
) -> Reading:
    """Scan `folder` and start reading its workbooks (at once with a shared `pool`, else when asked)."""
    scan = scan_folder(folder, skip)
    jobs: list[tuple] = []
    unreadable: list[FileResult] = []
    for path, rel, mtime, error in scan.workbooks:
        if error is not None:
            unreadable.append(FileResult(rel=rel, sha256="", mtime=0.0, error_code="doc.unreadable",
                                         error=f"Không đọc được tệp “{rel}”: {error.strerror or error}"))
            continue
        jobs.append((path, rel, "", mtime, regime, trust))
    total, ignored = len(scan.workbooks), scan.ignored
    del scan  # its list of every file is not needed while they are read
    return Reading(read_all(jobs, workers=workers, pool=pool), unreadable, ignored, total)


def finish_collect(reading: Reading, progress: Callable[[int, int, str], None] | None = None) -> Collected:
    """Take a folder's answers as they come: keep the newest return of each unit, a summary of the others."""
    total, invalid, done = reading.total, list(reading.unreadable), 0
    if progress:
        for res in invalid:  # the files that could not even be `stat`ed come first, as the scan met them
            done += 1
            progress(done, total, res.rel)
    best: dict[tuple[str, str, str], FileResult] = {}
    finals: dict[tuple[str, str, str], list[str]] = {}
    others: list[FileResult] = []
    skipped: list[tuple[str, str]] = []
    seen: set[str] = set()  # SHA-256 of every file read so far
    dup_of: dict[str, list[str]] = {}  # SHA-256 → identical copies skipped (only for bytes seen twice)
    shared: dict[str, str] = {}  # a few distinct codes and cover dates over hundreds of files: one string each
    for res in reading.results:
        done += 1
        if progress:
            progress(done, total, res.rel)
        if res.sha256:
            if res.sha256 in seen:  # identical bytes to an earlier file (in folder order): one copy is enough
                dup_of.setdefault(res.sha256, []).append(res.rel)
                continue
            seen.add(res.sha256)
        res.unit, res.regime, res.period = _one(shared, res.unit), _one(shared, res.regime), _one(shared, res.period)
        if res.sent_at is not None:
            res.sent_at = _one(shared, res.sent_at)
        if res.error_code == OWN_OUTPUT:
            skipped.append((res.rel, res.error or ""))
            continue
        if not res.ok:
            invalid.append(res)
            continue
        key = (res.regime, res.period, res.unit)
        if res.final:
            finals.setdefault(key, []).append(res.rel)
        cur = best.get(key)
        if cur is None or res.order_key() > cur.order_key():
            if cur is not None:
                others.append(cur.summary())
            best[key] = res
        else:
            others.append(res.summary())
    for res in (*best.values(), *invalid):  # the summaries of the others keep no findings
        res.unpack_findings(shared)
    if dup_of:  # the first copy of each (whichever list it ended in) names the others
        for res in (*best.values(), *others, *invalid):
            res.duplicates = dup_of.get(res.sha256, res.duplicates)
    return Collected(best, finals, others, invalid, reading.ignored, total, sorted(skipped))


def _one(shared: dict, text):
    """`text` (or another immutable value), or the equal one met before: one object for what hundreds of
    results repeat."""
    return shared.setdefault(text, text)


#: A list of the units that must report: a line each, a few thousand at most.
MAX_EXPECTED_BYTES = 4 * 2**20


def read_expected(path: Path | str) -> list[str]:
    """Unit codes, one per line, or a CSV with a `code` column (`ma`/`mã` accepted); `#` starts a comment."""
    import csv
    import io

    from ..errors import XlcchcError

    from ..regular_file import regular_bytes

    path = Path(path)
    try:
        data = regular_bytes(path, MAX_EXPECTED_BYTES)  # never a device or FIFO (--expected /dev/zero)
    except OSError as e:
        raise XlcchcError(f"không đọc được danh sách đơn vị phải nộp “{path.name}”: {e.strerror or e}") from None
    if len(data) > MAX_EXPECTED_BYTES:
        raise XlcchcError(f"danh sách đơn vị phải nộp “{path.name}” quá lớn (trên {MAX_EXPECTED_BYTES // 2**20} MB)")
    text = data.decode("utf-8-sig", errors="replace")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise XlcchcError(f"danh sách đơn vị phải nộp “{path.name}” không có mã đơn vị nào")
    first = [c.strip().lower() for c in next(csv.reader([lines[0]]))]
    codes: list[str] = []
    if len(first) > 1 or first[0] in ("code", "ma", "mã", "ma_don_vi", "mã đơn vị"):
        reader = csv.DictReader(io.StringIO("\n".join(lines)))
        cols = {c.strip().lower(): c for c in (reader.fieldnames or [])}
        col = next((cols[c] for c in ("code", "ma", "mã", "ma_don_vi", "mã đơn vị") if c in cols), None)
        if col is None:
            raise XlcchcError(f"danh sách “{path.name}” là bảng CSV nhưng không có cột “code” (mã đơn vị)")
        codes = [(row.get(col) or "").strip() for row in reader]
    else:
        codes = [ln.strip() for ln in lines]
    out: list[str] = []
    for c in codes:
        if c and c not in out:
            out.append(c)
    return out


def iter_sorted(items: Iterable[FileResult]) -> list[FileResult]:
    return sorted(items, key=lambda r: (r.unit, r.rel))
