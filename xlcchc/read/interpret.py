"""Interpretation of a workbook into a `Return`: identity, structure, then each value and note cell.

The order is the trust order: the file's identity (regime, catalog fingerprint, unit, period) and its
structure (sheets, names, layout hash) are settled before any figure is read, so a figure is only ever
taken from a cell the template itself put there.
"""

from __future__ import annotations

import stat
from datetime import datetime, timedelta
from pathlib import Path

from .. import layout
from ..digest import sha256
from ..catalog.load import CatalogError, load_catalog, registry_of
from ..catalog.models import Catalog, Indicator, Unit
from ..findings import ERROR, WARNING, Finding
from ..numbers import NONE_MARKS, fmt_vn
from ..periods import Period, PeriodError, parse_period
from ..record import Record, record
from ..regular_file import NOT_REGULAR
from .model import CellRead, Return, ReturnError, cell_label
from .normalise import _jsonable, normalise
from .package import MAX_FILE_BYTES, _Package, _sniff, _which_zip, is_lock_file
from .workbook import _Book

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import Any

    from ..signing import SigningKey

LONG_NOTE = 2000  # a note longer than this is kept, with a warning (likely pasted by mistake)
CELL_MAX = 32767  # characters an Excel cell holds: longer text (only a crafted file has it) is cut, visibly
CUT_MARK = "… [đã cắt]"


def _cut(text: str, name: str, ind: Indicator, label: str, ret: Return) -> str:
    """Text that fits a cell of the provincial workbook, cut with a visible marker and a finding."""
    if len(text) <= CELL_MAX:
        return text
    ret.problems.append(Finding(
        file=name, form=ind.form, code=ind.code, cell=label, severity=WARNING, rule="cell.text_cut",
        message=f"Biểu mẫu {ind.form}, mục {ind.code}: ô chứa {fmt_vn(len(text))} ký tự, nhiều hơn một ô Excel "
        f"chứa được ({fmt_vn(CELL_MAX)}); chỉ giữ phần đầu, đánh dấu “{CUT_MARK}”",
        actual=len(text),
    ))
    return text[: CELL_MAX - len(CUT_MARK)] + CUT_MARK


def read_return(
    path: Path | str,
    *,
    expected_unit: str | None = None,
    expected_period: str | None = None,
    regime: str | None = None,
    key: SigningKey | None = None,
    unsigned: str = "warning",
) -> Return:
    """Read a returned workbook; raise ReturnError (Vietnamese, `code` = `doc.*`) if it cannot be used.

    Cell-level problems do not raise: they become `cell.*` findings in `problems` (and on the cell),
    so that one bad cell never hides the rest of the return. With the consolidating office's `key`
    the template's signature is verified (`xlcchc.signing`): a mismatch is refused (`doc.signature`),
    a template without one is a `doc.unsigned` warning, or refused when `unsigned="error"`.
    """
    path = Path(path)
    name = path.name
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
            # A device (/dev/zero), a FIFO or a socket, or a link to one: opening it could block or never end.
            raise ReturnError("doc.not_file", f"“{path}” {NOT_REGULAR}; không đọc")
        size = st.st_size
        if size > MAX_FILE_BYTES:
            raise ReturnError("doc.too_big", f"Tệp “{name}” quá lớn ({size // 2**20} MB) cho một biểu mẫu báo cáo; hãy kiểm tra lại tệp")
        with open(path, "rb") as fh:  # read-only; the source is never written
            data = fh.read()
    except FileNotFoundError:
        raise ReturnError("doc.missing", f"Không tìm thấy tệp “{path}”") from None
    except IsADirectoryError:
        raise ReturnError("doc.missing", f"“{path}” là một thư mục, không phải tệp bảng tính") from None
    except OSError as e:
        raise ReturnError("doc.unreadable", f"Không đọc được tệp “{name}”: {e.strerror or e} (tệp có đang mở ở chương trình khác không?)") from None
    return read_return_bytes(path, data, expected_unit=expected_unit, expected_period=expected_period, regime=regime,
                             key=key, unsigned=unsigned)


def read_return_bytes(
    path: Path | str,
    data: bytes,
    *,
    expected_unit: str | None = None,
    expected_period: str | None = None,
    regime: str | None = None,
    key: SigningKey | None = None,
    unsigned: str = "warning",
) -> Return:
    """`read_return` of the bytes of `path` already in memory (`check --annotate` reads its source once)."""
    path = Path(path)
    name = path.name
    if len(data) > MAX_FILE_BYTES:
        raise ReturnError("doc.too_big", f"Tệp “{name}” quá lớn ({len(data) // 2**20} MB) cho một biểu mẫu báo cáo; hãy kiểm tra lại tệp")
    if is_lock_file(name, data):
        raise ReturnError(
            "doc.lock_file",
            f"Tệp “{name}” là tệp khóa tạm của Excel (tạo ra khi một bảng tính đang mở, chỉ ghi tên người mở), "
            "không phải báo cáo; bỏ qua",
        )
    _sniff(name, data)
    pkg = _Package(name, data)
    _which_zip(pkg)
    book = _Book(pkg)
    ret = _interpret(
        path, data, book, expected_unit=expected_unit, expected_period=expected_period, regime=regime,
        key=key, unsigned=unsigned,
    )
    return ret


def _meta(book: _Book) -> dict[str, Any]:
    """Metadata by the XLCCHC_* names; falling back to the key/value columns of the metadata sheet."""
    meta: dict[str, Any] = {}
    for key in (*layout.META_KEYS, *layout.OPTIONAL_META_KEYS, layout.PLAN_META):
        sr = book.ref(layout.meta_name(key))
        if sr and sr[0] in book.sheets:
            raw, _ = book.raw_value(book.cell(*sr))
            meta[key] = raw
    if not meta and layout.META_SHEET in book.sheets:
        wanted = {f"{c}{r}" for r in range(1, 41) for c in "AB"}
        cells = book.cells(layout.META_SHEET, wanted)
        for r in range(1, 41):
            k, _ = book.raw_value(cells[f"A{r}"])
            if isinstance(k, str) and k in layout.META_KEYS + layout.OPTIONAL_META_KEYS:
                meta[k], _ = book.raw_value(cells[f"B{r}"])
    return {k: (_meta_text(v)) for k, v in meta.items() if v is not None}


def _meta_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


@record(frozen=False)  # mutable, as the dataclass it was; no code generated at import
class _Plan(Record):
    """What a return of one unit holds, worked out from the catalog once per process, not once per file."""

    need: dict[str, Indicator]  # value-cell name → indicator (every value row of the catalog)
    need_notes: dict[str, Indicator]  # note-cell name → indicator
    rows: list[tuple[Indicator, str, str, bool]]  # rows the unit's return is read for: (ind, value name, note name, computed)


_PLANS: dict[tuple[str, str, str], _Plan] = {}


_NAMES: dict[tuple[str, str], tuple[list, dict, dict]] = {}


def _plan(catalog: Catalog, unit: Unit) -> _Plan:
    """Once per catalog and kind of filling (`Catalog.fill_key`), not once per unit."""
    key = (catalog.regime, catalog.fingerprint, *catalog.fill_key(unit))
    plan = _PLANS.get(key)
    if plan is None:
        ck = (catalog.regime, catalog.fingerprint)
        if ck not in _NAMES:
            inds = catalog.value_indicators()
            names = [(i, layout.value_name(i.form, i.code), layout.note_name(i.form, i.code)) for i in inds]
            _NAMES[ck] = (names, {v: i for i, v, _ in names}, {n: i for i, _, n in names})
        names, need, need_notes = _NAMES[ck]
        rows = [
            (i, vname, nname, catalog.computed(i, unit))
            for i, vname, nname in names
            # Computed percentages are read too: their inputs apply even when the row's own figure is the province's.
            if catalog.applies(i, unit) or catalog.computed(i, unit)
        ]
        plan = _PLANS[key] = _Plan(need=need, need_notes=need_notes, rows=rows)
    return plan


def _interpret(path: Path, data: bytes, book: _Book, *, expected_unit, expected_period, regime, key=None, unsigned="warning") -> Return:
    name = path.name
    meta = _meta(book)
    _present(name, book, meta)
    trust = _verify(name, meta, key, unsigned) if key is not None else None
    catalog, unit, period = _identity(name, book, meta, expected_unit=expected_unit, expected_period=expected_period, regime=regime)
    plan = _plan(catalog, unit)
    refs = _structure(name, book, meta, catalog, plan)
    ret = Return(
        path=path, sha256=sha256(data).hexdigest(), regime=catalog.regime, fingerprint=catalog.fingerprint,
        unit=unit.code, period=period.code, unit_name=meta.get("unit_name", unit.name),
    )
    if trust is not None:
        ret.problems.append(trust)
    _macros(name, book, ret)
    _cover(book, ret)
    # Values and notes: each sheet is parsed once, on its first cell.
    for ind, vname, nname, computed in plan.rows:
        _value_cell(name, book, ret, ind, unit, refs[vname], computed)
        _note_cell(name, book, ret, ind, refs[nname])
    from .tasks import read_tasks  # the “Nhiệm vụ” sheet of a period with a plan

    read_tasks(name, book, ret, catalog, unit, period)
    ret.annotated_copy = _annotated_unchanged(book, ret)
    return ret


def _annotated_unchanged(book: _Book, ret: Return) -> bool:
    """True for the copy `check --annotate` wrote whose figures nobody has changed since (its marker holds the
    digest of the figures it was written with); a corrected copy, or any other file, is a return."""
    if layout.RESULT_SHEET not in book.sheets:
        return False
    raw, _ = book.raw_value(book.cell(layout.RESULT_SHEET, layout.ANNOTATION_CELL))
    if not (isinstance(raw, str) and raw.startswith(layout.ANNOTATION_PREFIX)):
        return False
    from .model import content_digest

    return raw[len(layout.ANNOTATION_PREFIX):] == content_digest(ret)


#: `kind` in the metadata of the provincial workbook (TONG_HOP.xlsx, `merge.model.PROVINCIAL_KIND`).
OWN_PROVINCIAL_KIND = "tong_hop"


def _kind(book: _Book) -> str | None:
    """The `kind` a workbook of xlcchc's own declares in its metadata (TONG_HOP.xlsx does; a return not)."""
    sr = book.ref(layout.meta_name("kind"))
    if not sr or sr[0] not in book.sheets:
        return None
    raw, _ = book.raw_value(book.cell(*sr))
    return raw if isinstance(raw, str) else None


def _looks_like_appendix(sheets) -> bool:
    """PHU_LUC.xlsx: the form sheets without a cover or metadata (a return always has both)."""
    names = list(sheets)
    return bool(names) and names[0] == layout.form_sheet(1) and layout.COVER_SHEET not in names


def _present(name: str, book: _Book, meta: dict[str, Any]) -> None:
    """The file is an xlcchc template (not one of the program's own outputs) with the metadata every step needs."""
    if _kind(book) == OWN_PROVINCIAL_KIND:
        raise ReturnError(
            "doc.own_output",
            f"Tệp “{name}” là bảng tổng hợp do chương trình tạo ra, không phải báo cáo của đơn vị; bỏ qua",
        )
    if layout.META_SHEET not in book.sheets and not meta and _looks_like_appendix(book.sheets):
        raise ReturnError(
            "doc.own_output",
            f"Tệp “{name}” là phụ lục do chương trình tạo ra, không phải báo cáo của đơn vị; bỏ qua",
        )
    if layout.META_SHEET not in book.sheets and not meta:
        raise ReturnError(
            "doc.not_template",
            f"Tệp “{name}” là bảng tính Excel nhưng không phải biểu mẫu do xlcchc tạo (không có thông tin biểu mẫu); "
            "hãy nhập số liệu vào biểu mẫu đã được gửi cho đơn vị",
        )
    for key in ("regime", "fingerprint", "unit", "period", "layout"):
        if not meta.get(key):
            raise ReturnError(
                "doc.meta",
                f"Tệp “{name}”: thông tin biểu mẫu bị sửa hoặc xóa (thiếu “{key}”); hãy dùng biểu mẫu gốc đã được gửi",
            )


_UNSIGNED = (
    "Tệp “{name}” là biểu mẫu chưa có chữ ký của cơ quan tổng hợp (tạo trước khi biểu mẫu được ký, hoặc chữ ký "
    "đã bị xóa): không xác minh được đơn vị, kỳ báo cáo và bố cục của biểu mẫu — hãy dùng biểu mẫu mới đã ký"
)


def _verify(name: str, meta: dict[str, Any], key: SigningKey, unsigned: str) -> Finding | None:
    """The signature against the consolidating office's key: refused unless it matches what the file claims."""
    from ..signing import FIELD_LABELS, sample_key, verify

    sig = meta.get("signature")
    if not sig:
        if unsigned == "error":
            raise ReturnError("doc.unsigned", _UNSIGNED.format(name=name) + " (cấu hình tổng hợp không nhận biểu mẫu chưa ký)")
        return Finding(file=name, severity=WARNING, rule="doc.unsigned", message=_UNSIGNED.format(name=name))
    verdict = verify(meta, sig, key)
    if verdict.ok:
        return None
    if verdict.reason == "other_key":
        whose = "khóa mẫu công khai của bộ báo cáo mẫu" if verdict.key_id == sample_key().key_id else f"một khóa khác (mã khóa {verdict.key_id})"
        raise ReturnError(
            "doc.signature_key",
            f"Tệp “{name}” được ký bằng {whose}, không phải khóa của cơ quan tổng hợp này (mã khóa {key.key_id}); "
            "biểu mẫu không do cơ quan này phát hành — hãy dùng biểu mẫu đã được gửi cho đơn vị",
        )
    if verdict.reason == "mismatch" and verdict.changed:
        what = "; ".join(
            FIELD_LABELS[k] + (f" (nay ghi “{_short(meta.get(k) or '', 30)}”)" if k in ("unit", "period", "regime") else "")
            for k in verdict.changed
        )
        detail = f"đã bị sửa: {what}"
    else:
        detail = "thông tin biểu mẫu hoặc chữ ký đã bị sửa"
    raise ReturnError(
        "doc.signature",
        f"Tệp “{name}”: chữ ký của cơ quan tổng hợp không khớp — {detail}; số liệu không được dùng, "
        "hãy nhập vào biểu mẫu gốc đã được gửi cho đơn vị",
    )


def _identity(name: str, book: _Book, meta: dict[str, Any], *, expected_unit, expected_period, regime) -> tuple[Catalog, Unit, Period]:
    """Regime, catalog, unit and period the metadata claims, each checked against what the caller expects."""
    fmt = meta.get("format", layout.FORMAT_VERSION)
    if fmt != layout.FORMAT_VERSION:
        raise ReturnError(
            "doc.format",
            f"Tệp “{name}” được tạo theo định dạng biểu mẫu phiên bản {fmt}, chương trình này đọc phiên bản "
            f"{layout.FORMAT_VERSION}; hãy dùng biểu mẫu mới",
        )
    file_regime = meta["regime"]
    if regime and regime != file_regime:
        raise ReturnError(
            "doc.regime",
            f"Tệp “{name}” là biểu mẫu của chế độ báo cáo “{file_regime}”, không phải “{regime}” đang kiểm tra/tổng hợp",
        )
    try:
        catalog = load_catalog(file_regime)
    except CatalogError:
        raise ReturnError(
            "doc.regime",
            f"Tệp “{name}” ghi chế độ báo cáo “{_short(file_regime)}” không có trong chương trình; "
            "biểu mẫu bị sửa hoặc của chương trình khác",
        ) from None
    if meta["fingerprint"] != catalog.fingerprint:
        raise ReturnError(
            "doc.fingerprint",
            f"Tệp “{name}” được tạo từ một phiên bản khác của danh mục chỉ tiêu “{file_regime}” "
            "(các dòng, mã hoặc quy tắc đã thay đổi); hãy nhập số liệu vào biểu mẫu mới nhất",
        )
    registry = registry_of(catalog)
    unit = registry.by_code.get(meta["unit"])
    if unit is None:
        if registry.province is not None:  # communes from the official list: the unit may have been merged
            who = f"“{_short(meta['unit'])}”" + (f" ({_short(meta['unit_name'])})" if meta.get("unit_name") else "")
            raise ReturnError(
                "doc.unit_unknown",
                f"Tệp “{name}” ghi đơn vị {who} không có trong danh mục đơn vị {registry.name}: đơn vị có thể đã "
                "sáp nhập (năm 2025) hoặc biểu mẫu được tạo từ danh mục cũ — hãy dùng biểu mẫu của đơn vị hiện nay",
            )
        raise ReturnError(
            "doc.unit_unknown",
            f"Tệp “{name}” ghi mã đơn vị “{_short(meta['unit'])}” không có trong danh mục đơn vị; "
            "thông tin biểu mẫu đã bị sửa — hãy dùng biểu mẫu gốc đã được gửi cho đơn vị",
        )
    if expected_unit and expected_unit != unit.code:
        raise ReturnError(
            "doc.unit",
            f"Tệp “{name}” là báo cáo của {unit.name} ({unit.code}), không phải của đơn vị “{expected_unit}”",
        )
    return catalog, unit, _period(name, meta, expected_period)


def _period(name: str, meta: dict[str, Any], expected_period: str | None) -> Period:
    try:
        period = parse_period(meta["period"])
    except PeriodError:
        raise ReturnError("doc.meta", f"Tệp “{name}”: kỳ báo cáo “{_short(meta['period'])}” trong thông tin biểu mẫu không hợp lệ (đã bị sửa)") from None
    if expected_period:
        try:
            want = parse_period(expected_period)
        except PeriodError as e:
            raise ReturnError("doc.period", str(e)) from None
        if want != period:
            raise ReturnError(
                "doc.period",
                f"Tệp “{name}” là báo cáo {period.phrase}, không phải {want.phrase} đang kiểm tra/tổng hợp",
            )
    return period


def _structure(name: str, book: _Book, meta: dict[str, Any], catalog: Catalog, plan: _Plan) -> dict[str, tuple[str, str]]:
    """name → (sheet, addr) of every value and note cell, once the sheets, names and layout hash agree."""
    want_sheets = [layout.COVER_SHEET, *(layout.form_sheet(f.number) for f in catalog.forms), layout.CHECK_SHEET, layout.META_SHEET]
    missing = [s for s in want_sheets if s not in book.sheets]
    if missing:
        extra = [s for s in book.sheets if s not in want_sheets and s != layout.RESULT_SHEET]
        more = f" (trong tệp có trang lạ: {', '.join('“' + s + '”' for s in extra[:3])})" if extra else ""
        raise ReturnError(
            "doc.sheets",
            f"Tệp “{name}” thiếu trang {', '.join('“' + s + '”' for s in missing[:4])}{more}: trang tính đã bị "
            "đổi tên hoặc xóa; hãy dùng biểu mẫu gốc đã được gửi",
        )
    found = book.locate(catalog, plan.need, plan.need_notes)
    if found[0] == "lost":
        _, count, i = found
        raise ReturnError(
            "doc.names_missing",
            f"Tệp “{name}” thiếu {count} tên ô của biểu mẫu (ví dụ Biểu mẫu {i.form}, mục {i.code}): "
            "tên ô đã bị xóa hoặc dòng đã bị xóa; hãy dùng biểu mẫu gốc đã được gửi",
        )
    if found[0] == "moved":
        ind = found[1]
        raise ReturnError(
            "doc.layout",
            f"Tệp “{name}”: ô của Biểu mẫu {ind.form}, mục {ind.code} không còn ở vị trí của biểu mẫu "
            "(dòng đã bị xóa hoặc di chuyển); hãy dùng biểu mẫu gốc đã được gửi",
        )
    if book.layout_hash() != meta["layout"]:
        raise ReturnError(
            "doc.layout",
            f"Tệp “{name}”: bố cục biểu mẫu đã bị thay đổi (chèn/xóa dòng hoặc cột, hoặc sửa tên ô); "
            "số liệu có thể bị lệch dòng nên không được đọc — hãy nhập lại vào biểu mẫu gốc",
        )
    return found[1]


def _macros(name: str, book: _Book, ret: Return) -> None:
    if book.pkg.has("xl/vbaProject.bin") or any(m.lower().endswith("vbaproject.bin") for m in book.pkg.members):
        ret.macros = True
        ret.problems.append(
            Finding(
                file=name, severity=WARNING, rule="doc.macros",
                message=f"Tệp “{name}” có chứa macro (VBA); macro đã được bỏ qua, không chạy — chỉ số liệu được đọc. "
                "Hãy lưu báo cáo dạng .xlsx (không macro)",
            )
        )


def _cover(book: _Book, ret: Return) -> None:
    for cname in layout.COVER_FIELDS:
        sr = book.ref(cname)
        if sr and sr[0] in book.sheets:
            raw, is_date = book.raw_value(book.cell(*sr))
            if is_date and isinstance(raw, float):
                raw = _serial_iso(raw)
            ret.cover[cname] = raw


def _value_cell(name: str, book: _Book, ret: Return, ind: Indicator, unit: Unit, ref: tuple[str, str], computed: bool) -> None:
    """One value cell into `ret.cells` (and its problem into `ret.problems`)."""
    sheet, addr = ref
    label = cell_label(sheet, addr)
    cell = book.cell(sheet, addr)
    raw, is_date = book.raw_value(cell)
    formula = cell[3]
    problem = None
    if computed:
        value = None  # recomputed by values_of; the cached result is not trusted
        if formula is None and raw is not None:
            problem = Finding(
                file=name, form=ind.form, code=ind.code, cell=label, severity=WARNING, rule="cell.overwritten",
                message=f"Biểu mẫu {ind.form}, mục {ind.code}: ô tỷ lệ là công thức nhưng đã bị gõ đè bằng "
                f"“{fmt_vn(raw) if isinstance(raw, float) else _short(str(raw))}”; chương trình dùng tỷ lệ tính lại từ "
                f"{ind.aggregate.numerator.split(':')[1]}/{ind.aggregate.denominator.split(':')[1]}",
                actual=_jsonable(raw),
            )
    elif formula is not None:
        value = None
        problem = Finding(
            file=name, form=ind.form, code=ind.code, cell=label, severity=ERROR, rule="cell.formula",
            message=f"Biểu mẫu {ind.form}, mục {ind.code}: ô nhập liệu chứa công thức “={_short(formula)}”; "
            "kết quả công thức không được dùng — hãy gõ trực tiếp con số",
            actual="=" + formula,
        )
    else:
        value, problem = normalise(ind, unit.kind, raw, is_date=is_date, file=name, cell=label)
    if isinstance(value, str) and len(value) > CELL_MAX:
        value = raw = _cut(value, name, ind, label, ret)
    ret.cells[ind.key] = CellRead(key=ind.key, cell=label, raw=raw, value=value, formula=formula, problem=problem)
    if problem:
        ret.problems.append(problem)
    elif (
        isinstance(raw, str)
        and raw.strip() not in NONE_MARKS  # `-` is the forms' own way of writing "none", not a typo
        and isinstance(value, (int, float))
        and not isinstance(value, bool)
    ):
        # Understood, but only because the text parsed: Excel would not add it up, so say so
        # (not as the cell's problem: the value still goes through the domain rules).
        ret.problems.append(
            Finding(
                file=name, form=ind.form, code=ind.code, cell=label, severity=WARNING, rule="cell.text_number",
                message=f"Biểu mẫu {ind.form}, mục {ind.code}: ô chứa văn bản “{_short(raw)}”, không phải số; "
                f"chương trình hiểu là {fmt_vn(value)} — hãy xóa và gõ lại {_how_to_type(value)} để Excel cộng được",
                actual=_jsonable(raw),
            )
        )


def _how_to_type(value: float) -> str:
    """What to type so that Excel stores the number on any locale: digits only for a whole number."""
    if float(value).is_integer():
        return f"{int(value)} (chỉ gõ các chữ số, không gõ dấu chấm, dấu phẩy hay dấu nháy ' ở đầu)"
    return (f"dạng số, không gõ dấu nháy ' ở đầu; phần thập phân theo dấu thập phân của máy "
            f"({fmt_vn(value)} trên máy cài tiếng Việt, {value:g} trên máy cài tiếng Anh)")


def _note_cell(name: str, book: _Book, ret: Return, ind: Indicator, ref: tuple[str, str]) -> None:
    """One note cell into `ret.notes`: kept exactly as typed, never evaluated."""
    nsheet, naddr = ref
    ret.note_cells[ind.key] = cell_label(nsheet, naddr)
    ncell = book.cell(nsheet, naddr)
    nraw, _ = book.raw_value(ncell)
    if ncell[3] is not None and nraw is None:
        nraw = "=" + ncell[3]  # a formula typed as a note: kept as its text, never evaluated
    if nraw is None or nraw == "":  # kept exactly as typed, spaces too
        return
    note = _cut(_meta_text(nraw) if isinstance(nraw, float) else str(nraw), name, ind, cell_label(nsheet, naddr), ret)
    ret.notes[ind.key] = note
    if note.lstrip().startswith("="):
        ret.problems.append(
            Finding(
                file=name, form=ind.form, code=ind.code, cell=cell_label(nsheet, naddr), severity=WARNING,
                rule="cell.note_formula",
                message=f"Biểu mẫu {ind.form}, mục {ind.code}: ghi chú bắt đầu bằng dấu “=” — đã giữ nguyên là "
                "văn bản, không tính như công thức; nếu đó là công thức thì hãy gõ thẳng nội dung ghi chú",
                actual=_jsonable(note),
            )
        )
    if len(note) > LONG_NOTE:
        ret.problems.append(
            Finding(
                file=name, form=ind.form, code=ind.code, cell=cell_label(nsheet, naddr), severity=WARNING,
                rule="cell.long_note",
                message=f"Biểu mẫu {ind.form}, mục {ind.code}: ghi chú dài {fmt_vn(len(note))} ký tự "
                "(đã giữ nguyên); hãy kiểm tra có phải dán nhầm nội dung không",
                actual=len(note),
            )
        )


def _serial_iso(x: float) -> str:
    try:
        return (datetime(1899, 12, 30) + timedelta(days=x)).isoformat(timespec="minutes")
    except (OverflowError, ValueError):
        return str(x)


def _short(s: str, n: int = 60) -> str:
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[: n - 1] + "…"
