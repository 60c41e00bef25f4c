"""What the ribbon buttons run (through xlwings' RunPython), sharing the CLI's code.

Each button is two layers: a thin entry point that finds the calling workbook (`xw.Book.caller()`)
and turns any exception into a Vietnamese message box, and a Book-level function (`check_book`,
`show_findings`, `merge_into`, `appendix_for`) that takes an xlwings Book, so that tests can drive
it with a real xlwings Book. Computation is always the shared code (`check_file`, `merge_folder`,
`write_appendix`, `build_template`); this module only shows results in Excel.
"""

from __future__ import annotations

import functools
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterable

from .. import layout
from ..errors import XlcchcError
from ..findings import ERROR, Finding

ERROR_COLOR = "#FFC7CE"  # the same fills as `check --annotate` (xlcchc.annotate)
WARNING_COLOR = "#FFEB9C"
#: The columns of check --annotate's result sheet (xlcchc.annotate.RESULT_HEADERS), and the original fill.
RESULT_HEADERS = ["STT", "Mức độ", "Biểu mẫu", "Mục", "Ô", "Nội dung", "Mã quy tắc", "Màu gốc"]
PROVINCIAL_NAME = "TONG_HOP.xlsx"
APPENDIX_NAME = "PHU_LUC.xlsx"
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "huong-dan.md"


class ExcelLayerError(XlcchcError):
    pass


# --- errors reach the user as a message box --------------------------------------------------------


#: Set by scripts/kiem_tra_cai_dat.py in the environment of the Excel it starts: messages are recorded
#: in this folder (thong-bao.jsonl) instead of a dialog that would block the automated run.
SMOKE_ENV = "XLCCHC_KIEM_TRA_CAI_DAT"


def _alert(app: Any, text: str, title: str, mode: str = "info") -> None:
    smoke = os.environ.get(SMOKE_ENV)
    if smoke:
        import json

        with open(Path(smoke) / "thong-bao.jsonl", "a", encoding="utf-8") as log:
            log.write(json.dumps({"title": title, "text": text, "mode": mode}, ensure_ascii=False) + "\n")
        return
    app.alert(text, title=title, buttons="ok", mode=mode)


def _caller_app() -> Any:
    """The Excel that ran the button: that of the calling workbook, else (no workbook open: the add-in
    passes an empty --wb) the window handle RunPython passes as --hwnd, else the active Excel."""
    import xlwings as xw

    try:
        return xw.Book.caller().app
    except Exception:  # noqa: BLE001
        pass
    hwnd = next((a.split("=", 1)[1].strip('"') for a in sys.argv if a.startswith("--hwnd=")), "")
    if hwnd.isdigit() and sys.platform.startswith("win"):
        try:
            import xlwings._xlwindows as xlwin

            return xw.App(impl=xlwin.App(xl=int(hwnd)))
        except Exception:  # noqa: BLE001
            pass
    return xw.apps.active


def button(title: str) -> Callable:
    """Run a button's code; any exception becomes one Vietnamese sentence in a message box.

    A Python traceback in an Excel dialog helps no civil servant; XLCCHC_DEBUG=1 re-raises for developers.
    """

    def deco(f: Callable) -> Callable:
        @functools.wraps(f)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return f(*args, **kwargs)
            except Exception as e:  # noqa: BLE001
                if os.environ.get("XLCCHC_DEBUG"):
                    raise
                from ..cli import user_message

                text = f"Lỗi: {user_message(e)}"
                try:
                    _alert(_caller_app(), text, title, mode="critical")
                except Exception:  # noqa: BLE001 - no Excel to talk to: the log is all we have
                    print(text, file=sys.stderr)
                return None

        return run

    return deco


def _status(app: Any, text: str | bool) -> None:
    """Excel's status bar; engines without one (xlwings Lite/remote) are simply skipped."""
    try:
        app.status_bar = text
    except (NotImplementedError, AttributeError):
        pass


def saved_file(fullname: str | None) -> str | None:
    """The file behind Excel's FullName, or None for a workbook never saved ("Book1", "Sổ làm việc1").

    Excel's rule, as xlwings' VBA `IsFullName` has it: a saved workbook's FullName holds a path
    separator. So a network path (\\\\may-chu\\bao-cao\\BC.xlsx), a mapped drive or a folder with
    diacritics counts as saved whatever the system this runs on (os.path.isabs is POSIX on Linux).
    """
    if not fullname or not any(sep in fullname for sep in ("\\", "/")):
        return None
    return fullname


def _saved_path(book: Any) -> Path:
    """The workbook's file, saved first so the check sees what is on screen."""
    full = saved_file(book.fullname)
    if full is None:
        raise ExcelLayerError("Báo cáo chưa được lưu thành tệp. Hãy lưu (Tệp → Lưu) rồi bấm lại.")
    book.save()
    return Path(full)


# --- Kiểm tra ------------------------------------------------------------------------------------


def _protection_off(book: Any) -> list[Callable[[], None]]:
    """Lift the templates' protection (no password) while marking cells; returns how to put it back.

    Templates protect every sheet and the workbook structure, which in Excel forbids fills, notes and
    a new sheet. Only the desktop engines (COM/AppleScript) have `api.Unprotect`; others skip this.
    """
    undo: list[Callable[[], None]] = []
    api = getattr(book, "api", None)
    if api is None or isinstance(api, dict) or not hasattr(api, "Unprotect"):
        return undo
    try:
        if api.ProtectStructure:
            api.Unprotect("")
            undo.append(lambda: api.Protect("", True, False))
        for sheet in book.sheets:
            s = sheet.api
            if s.ProtectContents:
                s.Unprotect("")
                undo.append(lambda s=s: s.Protect("", True, True, AllowFormattingColumns=True, AllowFormattingRows=True))
    except Exception as e:  # noqa: BLE001
        for f in reversed(undo):
            f()
        raise ExcelLayerError(f"không gỡ được chế độ bảo vệ của bảng tính để đánh dấu ô ({e})") from None
    return undo


def _previous_marks(book: Any) -> list[tuple[str, str, str | None]]:
    """(sheet, cell, original colour) of the cells an earlier check marked, from its result sheet."""
    if layout.RESULT_SHEET not in [s.name for s in book.sheets]:
        return []
    try:
        rows = book.sheets[layout.RESULT_SHEET].range("C2:H2000").value or []
    except Exception:  # noqa: BLE001 - engines that cannot read values back: nothing to undo
        return []
    out = []
    for row in rows:
        form, ref, colour = row[0], row[2], row[5]
        sr = layout.split_ref(ref) if isinstance(ref, str) and ref else None
        if sr is None and isinstance(ref, str) and ref and isinstance(form, (int, float)) and float(form).is_integer():
            sr = (layout.form_sheet(int(form)), ref)  # `check --annotate` writes the form and the bare address
        if sr:
            out.append((sr[0], sr[1], colour if isinstance(colour, str) and colour.startswith("#") else None))
    return out


def _original_colour(rng: Any) -> str | None:
    try:
        c = rng.color
    except (NotImplementedError, AttributeError):
        return None
    if c is None:
        return None
    if isinstance(c, tuple):
        return "#{:02X}{:02X}{:02X}".format(*c[:3])
    return str(c)


def show_findings(book: Any, findings: Iterable[Finding]) -> dict[str, int]:
    """Mark the findings in an open workbook: fill and note on each offending cell, a result sheet.

    Marks of an earlier check are removed first (original fill restored, note deleted), so checking
    again after a correction shows only what is still wrong. Returns counts: errors, warnings, marked.
    """
    findings = sorted(findings, key=Finding.sort_key)
    names = [s.name for s in book.sheets]
    undo = _protection_off(book)
    try:
        for sheet, addr, colour in _previous_marks(book):
            if sheet in names:
                rng = book.sheets[sheet].range(addr)
                rng.color = colour
                _delete_note(rng)
        by_cell: dict[tuple[str, str], list[Finding]] = {}
        for f in findings:
            sr = layout.split_ref(f.cell) if f.cell else None
            if sr and sr[0] in names:
                by_cell.setdefault(sr, []).append(f)
        colours: dict[tuple[str, str], str | None] = {}
        for (sheet, addr), fs in sorted(by_cell.items()):
            rng = book.sheets[sheet].range(addr)
            colours[(sheet, addr)] = _original_colour(rng)
            worst = ERROR if any(f.severity == ERROR for f in fs) else fs[0].severity
            rng.color = ERROR_COLOR if worst == ERROR else WARNING_COLOR
            _delete_note(rng)
            rng.add_note("\n".join(f"[{f.severity}] {f.message}" for f in fs)[:8000])
        _result_sheet(book, findings, colours)
    finally:
        for f in reversed(undo):
            f()
    errors = sum(1 for f in findings if f.severity == ERROR)
    return {"errors": errors, "warnings": len(findings) - errors, "marked": len(by_cell)}


def _delete_note(rng: Any) -> None:
    try:
        note = rng.note
    except (NotImplementedError, AttributeError):
        return
    if note is not None:
        note.delete()


def _result_sheet(book: Any, findings: list[Finding], colours: dict[tuple[str, str], str | None]) -> None:
    """The “Kết quả kiểm tra” sheet, laid out as `check --annotate` writes it (xlcchc.annotate): a title block
    (title, the file, what was found), then STT, severity, form and item in their own columns, the cell's
    address as a link to it, the sentence; the rule id (for support) and the cell's original fill (restored
    by the next check) in hidden columns G and H."""
    from ..annotate import RESULT_HEADER_ROW, result_message, result_summary, shown_cell

    if layout.RESULT_SHEET in [s.name for s in book.sheets]:
        book.sheets[layout.RESULT_SHEET].delete()
    ws = book.sheets.add(layout.RESULT_SHEET, after=book.sheets[len(book.sheets) - 1])
    names = [s.name for s in book.sheets]
    blank = [""] * len(RESULT_HEADERS)
    rows: list[list[Any]] = [["KẾT QUẢ KIỂM TRA SỐ LIỆU", *blank[1:]], [f"Tệp: {book.name}", *blank[1:]],
                             [result_summary(findings), *blank[1:]]]
    rows += [blank] * (RESULT_HEADER_ROW - 1 - len(rows)) + [RESULT_HEADERS]
    for n, f in enumerate(findings, start=1):
        sr = layout.split_ref(f.cell) if f.cell else None
        shown = shown_cell(f)
        link = f'=HYPERLINK("#{_link_target(*sr)}","{shown}")' if sr and sr[0] in names else shown
        rows.append([n, f.severity, f.form if f.form is not None else "", f.code or "", link, result_message(f),
                     f.rule, (colours.get(sr) or "") if sr else ""])
    if not findings:
        rows.append(["", "", "", "", "", "Không phát hiện lỗi.", "", ""])
    ws.range("A1").value = rows
    for i, f in enumerate(findings, start=RESULT_HEADER_ROW + 1):
        ws.range(f"B{i}").color = ERROR_COLOR if f.severity == ERROR else WARNING_COLOR
    ws.range("G:H").columns.hidden = True  # rule ids for support; original fills, to restore at the next check
    _style_results(ws, findings, len(rows))


def _link_target(sheet: str, addr: str) -> str:
    return f"'{sheet}'!{addr}"


def _style_results(ws: Any, findings: list[Finding], n_rows: int) -> None:
    """Fonts, borders, widths, wrapping, frozen header and print area of the result sheet. Only looks: an
    engine that lacks one of these (xlwings before 0.37 has no borders) still shows the whole result."""
    from ..annotate import FONT, HEADER_FILL, RESULT_HEADER_ROW, RESULT_WIDTHS, result_lines

    h = RESULT_HEADER_ROW
    table, head = ws.range(f"A{h}:F{n_rows}"), ws.range(f"A{h}:F{h}")
    steps = [
        lambda: setattr(ws.range(f"A1:F{n_rows}").font, "name", FONT),
        lambda: setattr(ws.range(f"A1:F{n_rows}").font, "size", 11),
        lambda: setattr(ws.range("A1").font, "size", 13),
        lambda: setattr(ws.range("A1").font, "bold", True),
        lambda: setattr(ws.range("A2:A3").font, "italic", True),
        lambda: setattr(head.font, "bold", True),
        lambda: setattr(head, "color", "#" + HEADER_FILL),
        lambda: setattr(head, "horizontal_alignment", "center"),
        lambda: setattr(table, "vertical_alignment", "top"),
        lambda: setattr(ws.range(f"F{h}:F{n_rows}"), "wrap_text", True),
        lambda: setattr(ws.range(f"A{h + 1}:E{n_rows}"), "horizontal_alignment", "center"),
        lambda: setattr(table.borders, "line_style", "continuous"),
        lambda: setattr(table.borders, "weight", "thin"),
        lambda: ws.freeze_panes.freeze_at(f"{h}:{h}"),
        lambda: setattr(ws.page_setup, "print_area", f"A1:F{n_rows}"),
    ]
    for r in (1, 2, 3):  # the title block spans the printed columns, like the template's “Kiểm tra” sheet
        steps.append(lambda r=r: ws.range(f"A{r}:F{r}").merge())
    steps.append(lambda: setattr(ws.range("A1:A2"), "horizontal_alignment", "center"))
    steps.append(lambda: setattr(ws.range("A3"), "wrap_text", True))
    steps.append(lambda: setattr(ws.range("3:3"), "row_height", 33 if findings else 16))
    for c, w in enumerate(RESULT_WIDTHS[:6]):
        col = "ABCDEF"[c]
        steps.append(lambda col=col, w=w: setattr(ws.range(f"{col}:{col}"), "column_width", w))
    for i, f in enumerate(findings, start=h + 1):  # a spreadsheet does not size a wrapped row written by a program
        steps.append(lambda i=i, f=f: setattr(ws.range(f"{i}:{i}"), "row_height", 15 * result_lines(f) + 3))
    for step in steps:
        try:
            step()
        except Exception:  # noqa: BLE001, PERF203 - a feature this engine (or Excel version) lacks: looks only
            pass


def summary(findings: list[Finding]) -> str:
    """The message box text after a check."""
    unusable = [f for f in findings if f.rule.startswith("doc.")]
    if unusable:
        return "Không kiểm tra được tệp này: " + " ".join(f.message for f in unusable)
    counts = Counter(f.severity for f in findings)
    errors, warnings = counts.get(ERROR, 0), len(findings) - counts.get(ERROR, 0)
    if not findings:
        return "Không phát hiện lỗi. Báo cáo có thể gửi đi."
    head = f"Có {errors} lỗi và {warnings} cảnh báo."
    tail = (
        " Ô có lỗi được tô đỏ, ô cần xem lại được tô vàng, kèm ghi chú; danh sách ở trang "
        f"“{layout.RESULT_SHEET}”."
    )
    if errors == 0:
        return head + tail + " Không có lỗi nên báo cáo có thể gửi; hãy xem lại các cảnh báo."
    return head + tail + " Hãy sửa các lỗi, lưu lại rồi bấm Kiểm tra lần nữa."


def check_book(book: Any, path: Path | str) -> list[Finding]:
    """Check the saved file of `book` with the shared check and show the result in `book`."""
    from ..check import check_file

    findings = check_file(path)
    show_findings(book, findings)
    _alert(book.app, summary(findings), "CCHC – Kiểm tra", mode="info" if not any(f.is_error for f in findings) else "critical")
    return findings


@button("CCHC – Kiểm tra")
def kiem_tra() -> None:
    import xlwings as xw

    book = xw.Book.caller()
    check_book(book, _saved_path(book))


# --- Tổng hợp, Xuất phụ lục ----------------------------------------------------------------------


def _open_elsewhere(app: Any, path: Path) -> bool:
    for b in app.books:
        try:
            full = b.fullname
            if os.path.isabs(full) and os.path.normcase(os.path.abspath(full)) == os.path.normcase(str(path.resolve())):
                return True
        except Exception:  # noqa: BLE001
            continue
    return False


def merge_into(app: Any, folder: Path | str, output: Path | str):
    """Merge `folder` into `output` with progress in the status bar; returns the ProvincialFigures."""
    from ..merge import merge_folder

    output = Path(output)
    if _open_elsewhere(app, output):
        raise ExcelLayerError(
            f"Bảng tổng hợp “{output.name}” đang mở. Hãy lưu (nếu có điều chỉnh) và đóng nó rồi bấm Tổng hợp lại."
        )

    def progress(done: int, total: int, name: str) -> None:
        _status(app, f"CCHC – Tổng hợp: {done}/{total} tệp – {name}")

    try:
        return merge_folder(folder, output, progress=progress)
    finally:
        _status(app, False)


def merge_summary(fig, output: Path) -> str:
    counts = Counter(s.status for s in fig.status)
    parts = [f"{status}: {n}" for status, n in sorted(counts.items())]
    choice = f" {fig.regime_choice}." if getattr(fig, "regime_choice", "") else ""
    return f"Đã tổng hợp vào “{output}”.{choice} " + ("; ".join(parts) + "." if parts else "Không có báo cáo nào.")


@button("CCHC – Tổng hợp")
def tong_hop(folder: str) -> None:
    app = _caller_app()
    folder_path = Path(folder)
    output = folder_path.parent / PROVINCIAL_NAME
    fig = merge_into(app, folder_path, output)
    app.books.open(str(output))
    _alert(app, merge_summary(fig, output), "CCHC – Tổng hợp")


def appendix_for(book: Any, path: Path | str) -> Path:
    """Write the appendix of the provincial workbook `path` beside it (PHU_LUC.xlsx)."""
    from ..appendix import write_appendix
    from ..merge import read_provincial

    path = Path(path)
    output = path.parent / APPENDIX_NAME
    if _open_elsewhere(book.app, output):
        raise ExcelLayerError(f"Phụ lục “{output.name}” đang mở. Hãy đóng nó rồi bấm Xuất phụ lục lại.")
    return write_appendix(read_provincial(path), output)


@button("CCHC – Xuất phụ lục")
def xuat_phu_luc() -> None:
    import xlwings as xw

    book = xw.Book.caller()
    out = appendix_for(book, _saved_path(book))
    book.app.books.open(str(out))
    _alert(book.app, f"Đã xuất phụ lục: “{out}”.", "CCHC – Xuất phụ lục")


# --- Tạo biểu mẫu, Hướng dẫn -----------------------------------------------------------------------


def make_templates(folder: Path | str, period_text: str, regime: str | None = None) -> list[Path]:
    """One template per reporting unit of the catalog's registry into `folder` (the CLI's --all-units)."""
    from ..catalog.load import load_catalog, registry_of
    from ..catalog.select import choose_regime
    from ..periods import parse_period
    from ..template import build_template, template_filename

    period = parse_period(period_text)
    catalog = load_catalog(choose_regime(regime, period, quiet=True))  # the regime in force for the period
    folder = Path(folder)
    return [
        build_template(catalog, unit, period, folder / template_filename(unit, period))
        for unit in registry_of(catalog).reporting_units()
    ]


@button("CCHC – Tạo biểu mẫu")
def tao_bieu_mau(folder: str, period: str) -> None:
    app = _caller_app()
    _status(app, "CCHC – đang tạo biểu mẫu…")
    try:
        made = make_templates(folder, period)
    finally:
        _status(app, False)
    _alert(app, f"Đã tạo {len(made)} biểu mẫu ({period}) trong thư mục “{folder}”.", "CCHC – Tạo biểu mẫu")


GUIDE_SHORT = (
    "Kiểm tra: kiểm tra báo cáo đang mở, tô màu và ghi chú ô sai, thêm trang “Kết quả kiểm tra”.\n"
    "Tổng hợp: chọn thư mục các báo cáo đã nộp; tạo TONG_HOP.xlsx cạnh thư mục đó.\n"
    "Xuất phụ lục: từ bảng tổng hợp đang mở, ghi PHU_LUC.xlsx cùng thư mục.\n"
    "Tạo biểu mẫu: mỗi đơn vị một tệp biểu mẫu đã khóa cho kỳ báo cáo bạn nhập.\n"
    "Không có add-in: mở trang “Kiểm tra” trong biểu mẫu để xem kết quả kiểm tra."
)


def guide_page() -> Path | None:
    """The guide as an HTML page with its pictures (Windows has no program for .md), or None."""
    from ..guide import cached_guide

    return cached_guide(GUIDE) if GUIDE.is_file() else None


@button("CCHC – Hướng dẫn")
def huong_dan() -> None:
    app = _caller_app()
    page = guide_page()
    if page is not None and sys.platform.startswith("win") and not os.environ.get(SMOKE_ENV):
        os.startfile(str(page))  # type: ignore[attr-defined]  # the default browser
        return
    where = f"\n\nHướng dẫn đầy đủ: {page}" if page is not None else ""
    _alert(app, GUIDE_SHORT + where, "CCHC – Hướng dẫn")
