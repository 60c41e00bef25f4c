"""`xlcchc demo`: the whole workflow on the bundled 2022 sample returns, in one command.

Why: a new user (or a reviewer on a fresh clone, via `./dev demo`) should see in a minute what the
tool does for each role: blank templates for every unit, the check of every return with its
Vietnamese findings, the provincial workbook, the appendix and its PDF, and how the merged figures
compare with the appendix printed in the 2022 report (where the printed appendix contradicts itself,
the recomputed figure is shown beside the printed one). Every step uses the library's public
functions, exactly as the commands and the Excel buttons do.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .errors import XlcchcError
from .findings import ERROR, Finding
from .formulas import percent_shown
from .fileio import atomic_path, write_text

REPO_ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2022-N"


class DemoError(XlcchcError):
    pass


def find_returns(samples: Path | str | None) -> Path:
    """The folder of sample returns: `samples/bao-cao-2022` beside the package (editable install), or as given."""
    from .samples import RETURNS_DIR

    root = Path(samples) if samples else REPO_ROOT / "samples"
    if not root.is_dir():
        raise DemoError(
            f"không tìm thấy thư mục báo cáo mẫu “{root}”. Bộ mẫu nằm trong thư mục samples/ của kho mã nguồn; "
            "hãy chạy từ bản sao đầy đủ của kho (git clone), hoặc tạo lại bằng lệnh: xlcchc samples -o samples"
        )
    if (root / RETURNS_DIR).is_dir():
        return root / RETURNS_DIR
    if any(p.suffix.lower() == ".xlsx" for p in root.iterdir()):
        return root
    raise DemoError(f"thư mục “{root}” không có báo cáo mẫu (.xlsx) nào; hãy tạo lại bằng lệnh: xlcchc samples -o {root}")


@dataclass
class MergedPart:
    """What one merged part of the demo (2023 plan, 2026 two-tier) wrote and says: the shared fields."""

    output: Path
    returns: int = 0
    provincial: Path | None = None
    appendix: Path | None = None
    pdf: Path | None = None
    pdf_problem: str = ""
    figures: object = None
    lines: list[str] = field(default_factory=list)


@dataclass
class DemoResult:
    """What the demo did, for the summary and for tests."""

    output: Path
    templates: list[Path] = field(default_factory=list)
    checked: dict[str, list[Finding]] = field(default_factory=dict)  # file name → findings
    provincial: Path | None = None
    appendix: Path | None = None
    pdf: Path | None = None
    pdf_problem: str = ""
    figures: object = None  # ProvincialFigures read back from TONG_HOP.xlsx
    status_counts: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)  # printed appendix vs merged figures
    history: Path | None = None  # the history store built from the earlier periods of the year
    history_findings: dict[str, list[Finding]] = field(default_factory=dict)  # period → findings across periods
    history_notes: list[str] = field(default_factory=list)  # status lines: reported last period, not now
    compared: Path | None = None  # the appendix with the “Kỳ trước” column
    matched: int = 0
    expected: int = 0  # units expected to return
    seconds: float = 0.0
    lines: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for fs in self.checked.values() for f in fs if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for fs in self.checked.values() for f in fs if f.severity != ERROR)


def run_demo(output: Path | str, samples: Path | str | None = None, *, pdf: bool = True) -> DemoResult:
    from .catalog.load import load_catalog, registry_of
    from .check import check_file
    from .merge import merge_folder, read_provincial
    from .numbers import fmt_vn
    from .periods import parse_period
    from .template import build_template, template_filename

    started = time.monotonic()
    returns = find_returns(samples)
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    res = DemoResult(output=out)
    catalog = load_catalog("tinh-2022")
    registry = registry_of(catalog)
    period = parse_period(PERIOD)
    res.expected = len(registry.reporting_units())

    # The samples are signed with the published sample key (beside them); the demo signs and verifies with it.
    from .signing import SAMPLE_KEY_FILE_NAME, read_key_file, sample_key

    key_file = returns.parent / SAMPLE_KEY_FILE_NAME
    key = read_key_file(key_file) if key_file.exists() else sample_key()

    # 1. Blank templates, one per reporting unit (and the province's own).
    mau = out / "mau"
    for unit in registry.units:
        res.templates.append(build_template(catalog, unit, period, mau / template_filename(unit, period), key=key))

    # 2. The check of every file in the folder, as the consolidator's check would (never stops on a bad file).
    for path in sorted(p for p in returns.iterdir() if p.is_file() and p.suffix.lower() in (".xlsx", ".xlsm", ".xls")):
        res.checked[path.name] = check_file(path, key=key)
    write_text(out / "KIEM_TRA.txt", _check_report(res.checked))

    # 3. The earlier periods of the year, merged in turn into the history (with the checks across periods).
    _build_history(res, returns, out)

    # 4. The merge, into a fresh provincial workbook (a previous demo's adjustments are not carried over).
    with atomic_path(out / "TONG_HOP.xlsx", suffix=".xlsx") as tmp:
        tmp.unlink()  # a fresh merge: no earlier adjustments to carry over
        merge_folder(returns, tmp, period=PERIOD, history=res.history, key=key)
    res.provincial = out / "TONG_HOP.xlsx"
    fig = read_provincial(res.provincial)
    if res.history is not None:
        _record_history(res, res.provincial, fig)
    res.figures = fig
    counts: dict[str, int] = defaultdict(int)
    for st in fig.status:
        counts[st.status] += 1
        if st.status == "Chưa nộp":
            res.missing.append(st.name or st.unit)
        if st.status == "Không hợp lệ":
            res.invalid.append(st.file or st.unit)
    res.status_counts = dict(counts)

    # 5. The appendix, and its PDF when LibreOffice is there; with the history, a copy with “Kỳ trước”.
    from .appendix import write_appendix

    res.appendix = write_appendix(fig, out / "PHU_LUC.xlsx")
    if res.history is not None:
        from .history.compare import compare_columns

        columns = compare_columns(res.history, fig, "ky-truoc", warn=lambda _m: None)
        if columns:
            res.compared = write_appendix(fig, out / "PHU_LUC_SO_SANH.xlsx", compare=columns)
    if pdf:
        res.pdf, res.pdf_problem = appendix_pdf(res.appendix, out)

    # 6. The merged figures against the printed 2022 appendix.
    res.matched, res.differences = compare_with_printed(catalog, fig.values, fmt_vn)
    res.seconds = time.monotonic() - started
    res.lines = summary_lines(res, returns)
    return res


def _build_history(res: DemoResult, returns: Path, out: Path) -> None:
    """Quý I, 6 tháng, 9 tháng 2022 (sibling folders of the returns) merged in turn and added to a fresh store."""
    from .history.store import DEFAULT_NAME
    from .merge import merge_folder, read_provincial
    from .samples_periods import EARLIER

    folders = [(period, returns.parent / folder) for period, folder, *_ in EARLIER]
    if not all(f.is_dir() for _, f in folders):
        return
    db = out / DEFAULT_NAME
    db.unlink(missing_ok=True)
    res.history = db
    for i, (period, folder) in enumerate(folders):
        th = out / "lich-su" / f"TONG_HOP_{period}.xlsx"
        th.parent.mkdir(parents=True, exist_ok=True)
        th.unlink(missing_ok=True)
        merge_folder(folder, th, period=period, history=db if i else None)  # Quý I: nothing to compare with yet
        _record_history(res, th, read_provincial(th))


def _record_history(res: DemoResult, path: Path, fig) -> None:
    from .history.record import add_provincial
    from .history.store import open_store

    res.history_findings[fig.period] = [f for f in fig.findings if f.rule.startswith("history.")]
    res.history_notes += [f"{st.name}: {st.detail}" for st in fig.status if "Kỳ trước" in st.detail]
    with open_store(res.history) as store:
        add_provincial(store, path)


def compare_with_printed(catalog, values: dict, fmt_vn) -> tuple[int, list[str]]:
    """(rows matching, sentences for rows differing) between merged figures and the printed appendix.

    Percentages are compared to 2 decimals (as printed); a printed percentage that disagrees with its
    own printed numerator and denominator is reported with the recomputation — which is the right figure
    only if its inputs are: where the diagnosis of the printed table (`xlcchc.diagnose`) finds an input
    suspect (7:6.3.1 printed 910 for 901), the sentence says so instead of trusting the recomputation.
    """
    from .samples import load_target, printed_number

    target = load_target()
    if target.regime != catalog.regime:
        return 0, []
    matched, diffs = 0, []
    suspects = _printed_suspects(catalog, target.values)
    for ind in catalog.value_indicators():
        printed = printed_number(target.values.get(ind.key))
        if printed is None:
            continue
        got = values.get(ind.key)
        got_n = float(got) if isinstance(got, (int, float)) else (0.0 if got == "-" else None)
        tol = 0.005 if ind.kind == "percent" else 1e-9
        if got_n is not None and abs(got_n - printed) <= tol + 1e-9:
            matched += 1
            continue
        agg = ind.aggregate
        if agg.method == "ratio" and _printed_ratio_fits(printed, values.get(agg.numerator), values.get(agg.denominator)):
            matched += 1  # printed truncated (99,99 for 99,9975) where the merge rounds: the same figure
            continue
        shown = "trống" if got_n is None else fmt_vn(got_n)
        text = f"Biểu mẫu {ind.form}, mục {ind.code}: Phụ lục in {fmt_vn(printed)}, tổng hợp được {shown}"
        if agg.method == "ratio":
            num, den = values.get(agg.numerator), values.get(agg.denominator)
            if isinstance(num, (int, float)) and isinstance(den, (int, float)):
                sus = suspects.get(agg.numerator) or suspects.get(agg.denominator)
                if sus is not None and den:
                    n2 = sus.value if sus.key == agg.numerator else num
                    d2 = sus.value if sus.key == agg.denominator else den
                    _, code = sus.key.split(":", 1)
                    text += (
                        f" (= {fmt_vn(num)}/{fmt_vn(den)} × 100, nhưng số tính lại dựa trên mục {code} = "
                        f"{fmt_vn(sus.typed)}, có thể nhập nhầm cho {fmt_vn(sus.value)}: khi đó tỷ lệ là "
                        f"{fmt_vn(percent_shown(n2, d2), 2)}"
                        + (", đúng như Phụ lục in)" if _printed_ratio_fits(printed, n2, d2) else ")")
                    )
                else:
                    text += f" (= {fmt_vn(num)}/{fmt_vn(den)} × 100; số in không khớp với tử số, mẫu số đã in — số tính lại theo đúng tử số, mẫu số đó)"
        diffs.append(text)
    return matched, diffs


def _printed_suspects(catalog, printed: dict) -> dict:
    """form:code → Suspect, for the figures the diagnosis of the printed table finds suspect."""
    from .catalog.load import registry_of
    from .diagnose import diagnose_plan
    from .rule_plan import rule_plan
    from .samples import printed_number

    unit = registry_of(catalog).by_code[registry_of(catalog).top]
    vals = {k: printed_number(v) for k, v in printed.items()}
    out = {}
    for d in diagnose_plan(vals, catalog, rule_plan(catalog, unit)):
        if len(d.suspects) == 1:
            out[d.suspects[0].key] = d.suspects[0]
    return out


def _printed_ratio_fits(printed: float, num, den) -> bool:
    from .formulas import is_number, percent_accepted

    return is_number(num) and is_number(den) and den != 0 and percent_accepted(printed, num, den)


def _check_report(checked: dict[str, list[Finding]]) -> str:
    lines = ["KẾT QUẢ KIỂM TRA TỪNG TỆP", ""]
    for name, fs in checked.items():
        e = sum(1 for f in fs if f.severity == ERROR)
        lines.append(f"== {name}: {e} lỗi, {len(fs) - e} cảnh báo")
        for f in fs:
            where = f.cell or ""
            lines.append(f" - [{f.severity}] {where + ': ' if where else ''}{f.message}")
    return "\n".join(lines) + "\n"


def _items(items: list[tuple[int | None, str | None]]) -> str:
    """Items grouped by form as people write them: `Biểu mẫu 6: mục 2.1, 2.2; Biểu mẫu 7: mục 5.1.2`."""
    forms: dict[int | None, list[str]] = {}
    for form, code in items:
        forms.setdefault(form, []).append(code or "")
    return "; ".join(f"Biểu mẫu {form}: mục {', '.join(codes)}" for form, codes in forms.items())


def summary_lines(res: DemoResult, returns: Path) -> list[str]:
    """The short Vietnamese summary printed at the end (also kept in the result for tests)."""
    from .numbers import fmt_vn

    out = res.output
    sc = res.status_counts
    expected = res.expected
    received = sc.get("Đã nộp", 0) + sc.get("Có lỗi", 0)
    L = [
        f"Bộ báo cáo mẫu năm 2022: {returns} ({len(res.checked)} tệp)",
        f"1. Biểu mẫu trắng: {len(res.templates)} tệp trong {out / 'mau'}",
        f"2. Kiểm tra từng tệp: {len(res.checked)} tệp, {res.errors} lỗi, {res.warnings} cảnh báo "
        f"(chi tiết: {out / 'KIEM_TRA.txt'})",
    ]
    for name, fs in res.checked.items():
        for f in fs:
            if f.severity == ERROR:
                L.append(f"   - [Lỗi] {name}: {f.message}")
    # Warnings, briefly: “not filled” rows grouped (by row when many files share it, else by file).
    required: dict[str, list[tuple[str, Finding]]] = defaultdict(list)
    for name, fs in res.checked.items():
        for f in fs:
            if f.severity == ERROR:
                continue
            if "-required-" in f.rule:
                required[f.rule].append((name, f))
            else:
                L.append(f"   - [Cảnh báo] {name}: {f.message}")
    by_file: dict[str, list[str]] = defaultdict(list)
    for rule, hits in sorted(required.items()):
        f0 = hits[0][1]
        if len(hits) > 2:
            L.append(f"   - [Cảnh báo] Biểu mẫu {f0.form}, mục {f0.code} chưa nhập số liệu ở {len(hits)} tệp")
        else:
            for name, f in hits:
                by_file[name].append((f.form, f.code))
    for name, items in sorted(by_file.items()):
        L.append(f"   - [Cảnh báo] {name}: {len(items)} mục chưa nhập số liệu ({_items(items)})")
    L.append(
        f"3. Tổng hợp: đã nhận {received}/{expected} đơn vị"
        + (f" ({sc.get('Có lỗi', 0)} đơn vị có lỗi)" if sc.get("Có lỗi") else "")
        + f"; chưa nộp {len(res.missing)}" + (f" ({', '.join(res.missing)})" if res.missing else "")
        + f"; không hợp lệ {len(res.invalid)} tệp" + (f" ({', '.join(res.invalid)})" if res.invalid else "")
        + (f"; trùng {sc['Trùng']} tệp" if sc.get("Trùng") else "")
        + (f"; sai kỳ báo cáo {sc['Sai kỳ báo cáo']} tệp" if sc.get("Sai kỳ báo cáo") else "")
        + f" → {res.provincial}"
    )
    fig = res.figures
    if fig is not None:
        for st in fig.status:
            if st.status in ("Trùng", "Sai kỳ báo cáo", "Không hợp lệ") and st.detail:
                L.append(f"   - {st.status}: {st.file or st.unit}: {st.detail}")
        for f in fig.findings:
            if f.unit == fig.unit and "-required-" not in f.rule:
                L.append(f"   - [{f.severity}] số liệu toàn tỉnh: {f.message}")
    L.append(f"4. Phụ lục: {res.appendix}" + (f" và {res.pdf}" if res.pdf else f" (không có PDF: {res.pdf_problem})"))
    if res.history is not None:
        from .periods import parse_period

        L.append(f"5. Lịch sử số liệu: {len(res.history_findings)} kỳ trong {res.history}; so sánh giữa các kỳ:")
        for period, fs in res.history_findings.items():
            for f in fs:
                L.append(f"   - [{f.severity}] {parse_period(period).label}: {f.message}")
        for note in res.history_notes:
            L.append(f"   - Tình hình nộp năm: {note}")
        if res.compared:
            L.append(f"   Phụ lục có cột “Kỳ trước”: {res.compared}")
    L.append(
        f"{6 if res.history is not None else 5}. Đối chiếu với Phụ lục năm 2022 đã in: {res.matched} chỉ tiêu khớp, {len(res.differences)} chỉ tiêu khác"
        + (" — chỗ Phụ lục tự mâu thuẫn:" if res.differences else "")
    )
    for d in res.differences:
        L.append(f"   - {d}")
    L.append(f"Các lỗi cố ý trong bộ mẫu: xem {returns.parent / 'README.md'}. Thời gian chạy: {fmt_vn(round(res.seconds, 1))} giây.")
    return L


def cli_demo(args) -> int:
    res = run_demo(args.output, args.samples)
    print("\n".join(res.lines))
    # The 2023 plan followed through the 9-month 2023 returns: plan sheet, follow-up list, Biểu mẫu 1 2.1/2.2.
    from .demo_2023 import run_demo_2023
    from .samples_2023 import FOLDER
    from .signing import sample_key

    plan_folder = find_returns(args.samples).parent / FOLDER
    if plan_folder.is_dir():
        print("\n".join(run_demo_2023(plan_folder, Path(args.output) / "9-thang-2023", key=sample_key()).lines))
    # This year's job: the two-tier province of 2026 (regime picked by the period).
    from .demo_2026 import run_demo_2026

    print("\n".join(run_demo_2026(Path(args.output) / "nam-2026").lines))
    return 0


def appendix_pdf(appendix, out):
    """(PDF path, "") or (None, the Vietnamese reason there is none): the demo goes on without LibreOffice."""
    from .office import OfficeError, soffice_available, to_pdf

    if not soffice_available():
        return None, "chưa cài LibreOffice nên không có bản PDF"
    try:
        return to_pdf(appendix, out), ""
    except OfficeError as e:
        return None, str(e)
