"""`merge_folder`: a folder of returns in, the provincial workbook and figures out.

Works at any level of the registry: the consolidating unit is `registry.top` and the expected units are
`registry.reporting_units()` (or a list the consolidator gives), so a district merging its communes is
the same code as the province merging its departments and districts.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..catalog.load import load_catalog, registry_of
from ..console import name_text
from ..errors import XlcchcError
from ..findings import WARNING, Finding
from ..periods import PeriodError, parse_period
from ..provincial import Adjustment, ProvincialFigures, UnitStatus
from .aggregate import base_values, finalize, lead_notes
from .collect import Collected, FileResult, Reading, finish_collect, read_expected, start_collect
from .model import Merged, Source

Progress = Callable[[int, int, str], None]


class MergeError(XlcchcError):
    """The merge could not run at all (folder missing, output not writable, bad expected list…)."""


def merge_folder(
    folder: Path | str,
    output: Path | str,
    *,
    period: str | None = None,
    expected: Path | str | Iterable[str] | None = None,
    regime: str | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    history: Path | str | None = None,
    key=None,
    unsigned: str = "warning",
) -> ProvincialFigures:
    """Read, check and consolidate every return under `folder`; write `output` (TONG_HOP.xlsx).

    `expected` is a file (one unit code a line, or CSV with a `code` column) or a list of codes;
    by default the registry's reporting units. Adjustments typed in a previous `output` of the same
    regime and period are kept. Raises MergeError only when the merge cannot run; bad returns are
    reported in the result and the workbook. With `history` (a history store), the checks across
    periods run too: cumulative decreases, outliers, units that reported last period and not now.
    With the consolidating office's signing `key`, each return's signature is verified (a mismatch is
    Không hợp lệ; an unsigned template a warning, or Không hợp lệ with `unsigned="error"`).
    """
    job = _Job.prepare(folder, output, period=period, expected=expected, regime=regime, workers=workers,
                       history=history, key=key, unsigned=unsigned)
    reading = job.start(None)
    _writer_modules()  # while the workers (if any) read their first files
    return job.finish(reading, progress)


#: Runs whose reads are started while an earlier one is consumed and written. With one, the workers read
#: the next province while the parent writes this one's TONG_HOP.xlsx, and then wait: writing a province
#: costs the parent about 3.3 ms of CPU a return against 5.2 ms for the two workers together, so on two
#: cores they finish the next province's reads before the write is done (longer still after a small
#: province). With two queued they always have a province to read; the parent holds the answers of at
#: most two provinces beyond the one it writes (bench/scale_bench.py prints its memory).
AHEAD = 2


def merge_folders(runs: Iterable[dict], *, workers: int | None = None) -> Iterator[ProvincialFigures]:
    """`merge_folder(**run)` for each run, one after another, with one pool of workers for all of them.

    The next run's folder is scanned and its reads started before this one's returns are chosen and its
    TONG_HOP.xlsx written, so the workers read while the parent writes (34 provinces merged in a row).
    Each result is the one `merge_folder` alone gives: a run whose folder holds the output of a run before
    it waits until that output is written (the scan must see it, as one merge after another would); only an
    output reached from another run's folder through a link is seen as it was when that folder was scanned.
    A MergeError is raised where `merge_folder` would have raised it, after the results before it. The
    runs' `progress` is not called (their files are read interleaved)."""
    from collections import deque

    from .pool import ReadPool

    pending = iter(runs)
    nxt = next(pending, None)
    begun: deque = deque()  # (job, reading) of the runs started, in order
    with ReadPool(workers) as pool:
        while begun or nxt is not None:
            while (nxt is not None and len(begun) <= AHEAD
                   and not any(_inside(job.output, Path(nxt["folder"])) for job, _ in begun)):
                begun.append(_begin(nxt, pool))
                nxt = next(pending, None)
            job, reading = begun.popleft()
            yield job.finish(reading)  # the previous output opened now, not when begun: an earlier run may write it


def _begin(run: dict, pool) -> tuple:
    """The run prepared and its reads started; a MergeError it raises waits for its turn (`_Raise`)."""
    try:
        job = _Job.prepare(**{k: v for k, v in run.items() if k != "progress"})
    except MergeError as e:
        return _Raise(e), None
    return job, job.start(pool)


class _Raise:
    """A run that could not start: its error is raised when the runs before it are done."""

    output = None

    def __init__(self, error: MergeError):
        self.error = error

    def finish(self, reading, progress=None) -> ProvincialFigures:
        raise self.error


def _inside(path: Path | None, folder: Path) -> bool:
    if path is None:
        return False
    p, f = path.resolve(), folder.resolve()
    return p == f or f in p.parents


def _writer_modules() -> None:
    """Import what the choice, aggregation and writing need (xlsxwriter, the sheets): after the workers
    are forked (they never need them), and while they read."""
    from ..check import check_values  # noqa: F401
    from . import plan, readback, workbook  # noqa: F401


class _Job:
    """One merge's arguments, checked; `start` scans the folder and starts its reads, `finish` the rest."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    @classmethod
    def prepare(cls, folder, output, *, period=None, expected=None, regime=None, workers=None, history=None,
                key=None, unsigned="warning") -> "_Job":
        folder, output = Path(folder), Path(output)
        if not folder.is_dir():
            raise MergeError(f"không tìm thấy thư mục báo cáo “{folder}”")
        if output.exists() and output.is_dir():
            raise MergeError(f"“{output}” là một thư mục; hãy cho tên tệp kết quả, ví dụ TONG_HOP.xlsx")
        out_dir = output.parent if str(output.parent) else Path(".")
        if not out_dir.is_dir():
            raise MergeError(f"không có thư mục “{out_dir}” để ghi kết quả")
        if not os.access(out_dir, os.W_OK):
            raise MergeError(f"không có quyền ghi vào thư mục “{out_dir}”")
        want_period = None
        if period:
            try:
                want_period = parse_period(period)
            except PeriodError as e:
                raise MergeError(str(e)) from None
        if regime:
            load_catalog(regime)  # a CatalogError names the regimes there are
        if history is not None and not Path(history).is_file():
            raise MergeError(f"chưa có tệp lịch sử “{history}”; hãy thêm các kỳ trước bằng: xlcchc history add TONG_HOP.xlsx")
        expected_codes = None
        if expected is not None:
            expected_codes = read_expected(expected) if isinstance(expected, (str, Path)) else list(expected)
        return cls(folder=folder, output=output, want_period=want_period, regime=regime, workers=workers,
                   history=history, expected_codes=expected_codes, key=key, unsigned=unsigned)

    def start(self, pool) -> Reading:
        return start_collect(self.folder, regime=self.regime, workers=self.workers, skip=self.output.resolve(),
                             trust=(self.key, self.unsigned) if self.key is not None else None, pool=pool)

    def finish(self, reading: Reading, progress: Progress | None = None) -> ProvincialFigures:
        """Everything after the reads started: the previous output opened first (while the workers read),
        then the answers taken, the returns chosen, aggregated and written."""
        previous = _Previous(self.output)
        col = finish_collect(reading, progress)
        return _consolidate(col, self.output, previous, regime=self.regime, want_period=self.want_period,
                            expected_codes=self.expected_codes, history=self.history)


def _consolidate(col: Collected, output: Path, previous: _Previous, *, regime, want_period, expected_codes,
                 history) -> ProvincialFigures:
    """Choose the regime, period and return of each unit, aggregate, check, and write TONG_HOP.xlsx."""
    from ..check import check_values
    from .workbook import write_provincial

    regime, want_period, choice = _regime_and_period(col, regime, want_period)
    catalog = load_catalog(regime)
    registry = registry_of(catalog)
    period_code = want_period.code if want_period else ""
    period_label = want_period.label if want_period else "(chưa xác định kỳ báo cáo)"

    if expected_codes is None:
        expected_codes = [u.code for u in registry.reporting_units()]
    status, used = _statuses(col, registry, regime, period_code, expected_codes)
    col.others = []  # superseded returns: their status rows say all the merge needs of them (memory)
    copied = _copied_figures(used, registry, status)

    by_unit = {u: used[u].values for u in used}
    notes_by_unit = {u: used[u].notes for u in used if used[u].notes}
    order = {u.code: i for i, u in enumerate(registry.units)}
    columns = sorted(
        {c for c in expected_codes if c in registry.by_code and c != registry.top} | set(used),
        key=lambda c: (order.get(c, len(order)), c),
    )

    adjustments, adj_problems = previous.adjustments(regime, period_code)
    from .plan import plan_progress, target_findings

    progress = plan_progress(catalog, registry, period_code, {u: r.tasks for u, r in used.items()},
                             {u: r.rel for u, r in used.items()})
    base = base_values(catalog, registry, by_unit, progress.counts() if progress else None)
    computed, final = finalize(catalog, base, {k: v for k, (v, _) in adjustments.items()})
    notes = lead_notes(catalog, notes_by_unit)
    top = registry.by_code[registry.top]
    shown = name_text(output.name)  # goes into TONG_HOP: a name's undecodable bytes as escapes
    provincial_findings = [*adj_problems, *check_values(final, catalog, top, file=shown),
                           *target_findings(catalog, period_code, final, shown)]
    unit_findings = [f for u in columns if u in used for f in used[u].findings]
    unit_findings += copied
    unit_findings += _conflicts(col, used, registry, regime, period_code)

    trend: list = []
    if history is not None and period_code:
        from ..history.checks import merge_history

        found, status, trend = merge_history(
            history, catalog, registry, period_code, {u: by_unit[u] for u in columns if u in by_unit}, final, status,
            files={u: r.rel for u, r in used.items()}, output_name=shown,
        )
        unit_findings += found
    merged = Merged(
        catalog=catalog, registry=registry, period=period_code, period_label=period_label, units=columns,
        by_unit=by_unit, notes_by_unit=notes_by_unit,
        sources={u: Source(r.rel, r.sha256, r.cells) for u, r in used.items()},
        status=status, unit_findings=unit_findings, provincial_findings=provincial_findings,
        computed=computed, final=final, notes=notes, adjustments=adjustments, trend=trend, skipped=col.skipped,
        plan=progress,
    )
    try:
        write_provincial(merged, output)
    except OSError as e:
        raise MergeError(
            f"không ghi được “{output.name}”: {e.strerror or e} (tệp có đang mở trong Excel không?)"
        ) from None
    return ProvincialFigures(
        regime=catalog.regime, period=period_code, unit=registry.top, values=final, notes=notes,
        by_unit=by_unit, status=status,
        adjustments=[Adjustment(key=k, value=v, reason=r, computed=computed.get(k))
                     for k, (v, r) in adjustments.items()],
        findings=[*unit_findings, *provincial_findings], skipped=col.skipped,
        plan=progress.summary(registry) if progress else None, regime_choice=choice,
    )


class _Previous:
    """The TONG_HOP.xlsx already at the output path, opened while the workers read (opening it needs
    nothing of the returns). What opening it raised is raised when its adjustments are asked for: where
    the merge raised it when it opened the file after the reads."""

    def __init__(self, output: Path):
        from .readback import open_provincial

        self.output, self.opened, self.error = output, None, None
        if output.exists():
            try:
                self.opened = open_provincial(output)
            except Exception as e:  # noqa: BLE001 - raised below, at its old place
                self.error = e

    def adjustments(self, regime: str, period_code: str) -> tuple[dict, list[Finding]]:
        """The adjustments typed in it, when it is of the same regime and period (kept on a re-run)."""
        from .readback import ProvincialError, adjustments_of

        try:
            if self.error is not None:
                raise self.error
            if self.opened is None:
                return {}, []
            return adjustments_of(self.opened, regime=regime, period=period_code)
        except ProvincialError as e:
            raise MergeError(
                f"tệp kết quả “{self.output.name}” đã có và không đọc được như một bảng tổng hợp ({e}); "
                "để không ghi đè mất dữ liệu, hãy chọn tên tệp khác hoặc xóa tệp đó"
            ) from None


def _conflicts(col: Collected, used: dict[str, FileResult], registry, regime: str, period_code: str) -> list[Finding]:
    """A Cảnh báo for each unit used that sent several returns marked “Chính thức”."""
    found = []
    for key, files in sorted(col.finals.items()):
        if key[0] == regime and key[1] == period_code and len(files) > 1 and key[2] in used:
            chosen = used[key[2]].rel
            found.append(Finding(
                file=chosen, unit=key[2], severity=WARNING, rule="merge.conflict",
                message=f"{registry.label(key[2])} có {len(files)} báo cáo cùng ghi “Chính thức” "
                f"({', '.join(sorted(files))}); chương trình dùng bản gửi sau cùng “{chosen}” — "
                "hãy xác nhận với đơn vị",
            ))
    return found


def _regime_and_period(col: Collected, regime: str | None, want_period) -> tuple[str, object, str]:
    """The regime and period: as asked; else the regime in force for the period (asked, or stated by the
    returns) at the returns' level — never the regime most files happen to be on (issue 11). Also the
    sentence saying how the regime was chosen ("" when asked)."""
    readable = [*col.best.values(), *col.others]
    choice = ""
    if not regime:
        from ..catalog.load import CatalogError
        from ..catalog.select import regime_of_returns

        try:
            regime, want_period, choice = regime_of_returns([(r.regime, r.period) for r in readable], want_period)
        except CatalogError as e:
            raise MergeError(str(e)) from None
    if want_period is None:
        counts = Counter(r.period for r in readable if r.regime == regime)
        if counts:
            want_period = max((parse_period(p) for p in counts), key=lambda p: (counts[p.code], p))
    return regime, want_period, choice


#: Figures shared by chance are few; a copied workbook repeats every one. Below this many non-zero
#: figures two returns may agree honestly (two small units with the same three counts).
COPY_MIN_FIGURES = 5
COPY_LIST_MAX = 5  # other units named in the status line; every pair is a finding row


def _copied_figures(used: dict[str, FileResult], registry, status: list[UnitStatus]) -> list[Finding]:
    """A Cảnh báo for each unit whose figures are identical to another unit's (a copied workbook).

    The status line names a few of the others; the full list is one finding row per unit, so 2,000
    copies give 2,000 rows, never one giant cell."""
    groups: dict[tuple, list[str]] = {}
    for unit, res in used.items():
        figures = tuple(sorted((k, v) for k, v in res.values.items() if v is not None))
        if sum(1 for _, v in figures if isinstance(v, (int, float)) and v != 0) >= COPY_MIN_FIGURES:
            groups.setdefault(figures, []).append(unit)
    rows = {s.unit: s for s in status if s.unit and s.file}
    found: list[Finding] = []
    for units in groups.values():
        if len(units) < 2:
            continue
        units.sort()
        for u in units:
            others = [o for o in units if o != u]
            shown = ", ".join(registry.label(o) for o in others[:COPY_LIST_MAX])
            more = f" và {len(others) - COPY_LIST_MAX} đơn vị khác" if len(others) > COPY_LIST_MAX else ""
            text = (f"Số liệu giống hệt báo cáo của {shown}{more} (có thể là bản sao của cùng một tệp); "
                    "hãy xác nhận với đơn vị")
            found.append(Finding(file=used[u].rel, unit=u, severity=WARNING, rule="merge.copied", message=text))
            st = rows.get(u)
            if st is not None and st.file == used[u].rel:
                st.detail = f"{st.detail} Cảnh báo: {text}".strip()
                st.warnings += 1
    return found


def _statuses(
    col: Collected, registry, regime: str, period: str, expected: list[str]
) -> tuple[list[UnitStatus], dict[str, FileResult]]:
    """The status sheet's rows (expected units first, in registry order), and the return used per unit."""
    top = registry.top
    used: dict[str, FileResult] = {}
    rows_extra: list[UnitStatus] = []
    wrong_period: dict[str, list[FileResult]] = {}
    for (reg, per, unit), res in sorted(col.best.items()):
        if reg != regime:
            rows_extra.append(_row(registry, res, "Không hợp lệ", _other_regime(registry, res, regime, period)))
        elif per != period:
            wrong_period.setdefault(unit, []).append(res)
        elif unit == top:
            rows_extra.append(_row(registry, res, "Đã nộp",
                                   "Báo cáo của chính đơn vị tổng hợp: không cộng vào số tổng hợp"))
        else:
            used[unit] = res
    superseded: dict[str, str] = {}  # newer file → its sentence: one string for all of a unit's older files
    for res in col.others:
        if res.regime != regime:
            rows_extra.append(_row(registry, res, "Không hợp lệ", _other_regime(registry, res, regime, period)))
        elif res.period != period:
            wrong_period.setdefault(res.unit, []).append(res)
        else:
            newer = col.best[(res.regime, res.period, res.unit)].rel
            if newer not in superseded:
                superseded[newer] = f"Đã có bản gửi sau: “{newer}” (bản này không dùng)"
            rows_extra.append(_row(registry, res, "Trùng", superseded[newer]))
    for unit, results in wrong_period.items():
        for res in results:
            rows_extra.append(_row(registry, res, "Sai kỳ báo cáo",
                                   f"Báo cáo kỳ {_label(res.period)}, không phải kỳ {_label(period)} đang tổng hợp"))
    for res in col.invalid:
        rows_extra.append(UnitStatus(unit="", name="", status="Không hợp lệ", file=res.rel,
                                     sha256=res.sha256 or None, detail=res.error or ""))
    for rel, reason in col.ignored:
        rows_extra.append(UnitStatus(unit="", name="", status="Không hợp lệ", file=rel, detail=reason))

    rows: list[UnitStatus] = []
    expected_set = set(expected)
    for code in expected:
        unit = registry.by_code.get(code)
        name = unit.name if unit else code
        if unit is None:
            rows.append(UnitStatus(unit=code, name=name, status="Chưa nộp",
                                   detail="Mã đơn vị không có trong danh mục đơn vị của chế độ báo cáo"))
            continue
        if code in used:
            res = used[code]
            st = _status_of(res)
            rows.append(_row(registry, res, st, _used_detail(res)))
        elif code in wrong_period:
            # The unit's only returns are of another period: its line says so (the files are listed below).
            rows.append(UnitStatus(unit=code, name=name, status="Sai kỳ báo cáo",
                                   detail="Chỉ có báo cáo của kỳ khác: "
                                   + ", ".join(f"“{r.rel}” ({_label(r.period)})" for r in wrong_period[code])))
        else:
            rows.append(UnitStatus(unit=code, name=name, status="Chưa nộp"))
    for code in sorted(set(used) - expected_set):
        res = used[code]
        st = _status_of(res)
        rows.append(_row(registry, res, st, "Đơn vị không có trong danh sách phải nộp; số liệu vẫn được tổng hợp. "
                         + _used_detail(res)))
    for res in used.values():
        if res.duplicates:
            copy = _row(registry, res, "Trùng", f"Bản sao giống hệt của “{res.rel}” (bỏ qua)")
            rows_extra.extend(copy.model_copy(update={"file": d}) for d in res.duplicates)
    rows_extra.sort(key=lambda s: (s.unit == "", s.unit, s.file or ""))
    return rows + rows_extra, used


def _other_regime(registry, res: FileResult, regime: str, period: str) -> str:
    """Why a return of another regime is not counted, naming the file, the unit and both regimes' periods:
    “Tệp … của Sở Nội vụ là biểu mẫu năm 2022 (chế độ “tinh-2022”, áp dụng từ … đến …) trong thư mục kỳ
    Năm 2026 (chế độ “tinh-2025”) …”."""
    from ..catalog.load import CatalogError

    unit = registry.by_code.get(res.unit)
    who = unit.name if unit is not None else f"đơn vị “{res.unit}”"
    try:
        other = load_catalog(res.regime)
        when = f", áp dụng {other.in_force.text()}" if other.in_force is not None else ""
        made = f"biểu mẫu năm {other.in_force.start.year}" if other.in_force is not None else "biểu mẫu"
        old = registry_of(other).by_code.get(res.unit)  # a unit of the old list (a district): its own name
        if unit is None and old is not None:
            who = f"{old.name} (“{res.unit}”)"
    except CatalogError:
        when, made = "", "biểu mẫu"
    own = f", kỳ {_label(res.period)}" if res.period and res.period != period else ""
    here = f"thư mục kỳ {_label(period)}" if period else "thư mục đang tổng hợp"
    return (f"Tệp “{res.name}” của {who} là {made} (chế độ báo cáo “{res.regime}”{when}{own}) trong {here} "
            f"(chế độ “{regime}”): không cộng vào số tổng hợp; đề nghị đơn vị nhập lại trên biểu mẫu "
            f"{'kỳ ' + _label(period) if period else 'của chế độ ' + regime}")


def _status_of(res: FileResult) -> str:
    """A return's line on the status sheet: a blank return is not a submission."""
    from ..check import BLANK_RULE

    if any(f.rule == BLANK_RULE for f in res.findings):
        return "Chưa nhập số liệu"
    return "Có lỗi" if res.errors else "Đã nộp"


DUPLICATES_SHOWN = 5


def _used_detail(res: FileResult) -> str:
    parts = []
    if res.duplicates:  # each copy also has its own line (see `_statuses`): a long list never fills one cell
        shown = ", ".join(f"“{d}”" for d in res.duplicates[:DUPLICATES_SHOWN])
        more = f" và {len(res.duplicates) - DUPLICATES_SHOWN} bản khác" if len(res.duplicates) > DUPLICATES_SHOWN else ""
        parts.append(f"Bản sao giống hệt (bỏ qua): {shown}{more}")
    if not res.sent_at:
        parts.append("Bìa không ghi ngày gửi báo cáo")
    return "; ".join(parts)


def _row(registry, res: FileResult, status: str, detail: str) -> UnitStatus:
    unit = registry.by_code.get(res.unit)
    return UnitStatus(
        unit=res.unit, name=unit.name if unit else res.unit, status=status, file=res.rel, sha256=res.sha256,
        sent_at=res.sent_at, errors=res.errors, warnings=res.warnings, detail=detail.strip(),
    )


def _label(code: str) -> str:
    try:
        return parse_period(code).phrase
    except PeriodError:
        return code or "(không rõ)"
