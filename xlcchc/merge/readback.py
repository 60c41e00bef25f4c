"""Read the provincial workbook back: the figures as the consolidator approved them in Excel.

The consolidator may have typed adjustments and saved the file in Excel or LibreOffice. Nothing cached
is trusted: the adjustment cells are read by name (a typed formula there is refused, not evaluated),
the per-unit values are read from their columns, and every consolidated figure is recomputed with the
same aggregation as the merge, so what the appendix prints is exactly what the rules give.

The package is parsed with the return reader's own zip/XML layer (`xlcchc.read`): one hardened parser
for every workbook the program opens.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ..catalog.load import CatalogError, load_catalog, load_registry
from ..errors import XlcchcError
from ..findings import WARNING, Finding
from ..layout import META_SHEET, split_ref
from ..numbers import parse_vn
from ..read.normalise import MAX_MAGNITUDE
from ..provincial import Adjustment, ProvincialFigures, UnitStatus, Value
from .aggregate import base_values, finalize
from .model import PROVINCIAL_FORMAT, PROVINCIAL_KIND, UNIT_COL, adjustment_name, note_name, reason_name


class ProvincialError(XlcchcError):
    """A file that is not a provincial workbook this program wrote (or no longer readable)."""


def _open(path: Path):
    from ..read import ReturnError, _Book, _Package, _sniff

    from ..regular_file import regular_bytes

    name = path.name
    try:
        data = regular_bytes(path)  # never a device or FIFO (`appendix /dev/zero` read until memory ran out)
    except FileNotFoundError:
        raise ProvincialError(f"không tìm thấy bảng tổng hợp “{path}”") from None
    except OSError as e:
        raise ProvincialError(f"không đọc được bảng tổng hợp “{name}”: {e.strerror or e} (tệp có đang mở không?)") from None
    try:
        _sniff(name, data)
        return _Book(_Package(name, data))
    except ReturnError as e:
        raise ProvincialError(f"{e} (bảng tổng hợp)") from None


def _raw(book, sheet: str, addr: str) -> tuple[Any, str | None]:
    cell = book.cells(sheet, {addr})[addr]
    raw, _ = book.raw_value(cell)
    return raw, cell[3]


MAX_META_ROWS = 100_000  # the metadata sheet of TONG_HOP.xlsx has a few hundred rows


def _meta(book, name: str) -> dict[str, str]:
    if META_SHEET not in book.sheets:
        raise ProvincialError(f"“{name}” không phải bảng tổng hợp do xlcchc tạo (thiếu thông tin tổng hợp)")
    first, _ = _raw(book, META_SHEET, "B1")
    try:
        rows = int(float(first))
    except (TypeError, ValueError, OverflowError):  # OverflowError: INF typed over the row count
        raise ProvincialError(f"“{name}”: thông tin bảng tổng hợp bị sửa hoặc hỏng") from None
    if not 0 < rows <= MAX_META_ROWS:  # 1e300 rows would be a MemoryError, not a message
        raise ProvincialError(
            f"“{name}”: thông tin bảng tổng hợp bị sửa hoặc hỏng (ghi {first!s:.20} dòng thông tin); "
            "hãy chạy lại lệnh tổng hợp vào một tệp mới"
        )
    wanted = {f"{c}{r}" for r in range(1, rows + 1) for c in "AB"}
    cells = book.cells(META_SHEET, wanted)
    meta: dict[str, str] = {}
    for r in range(1, rows + 1):
        k, _ = book.raw_value(cells[f"A{r}"])
        v, _ = book.raw_value(cells[f"B{r}"])
        if isinstance(k, str):
            meta[k] = "" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
    if meta.get("kind") != PROVINCIAL_KIND:
        raise ProvincialError(f"“{name}” không phải bảng tổng hợp do xlcchc tạo")
    if meta.get("format") != PROVINCIAL_FORMAT:
        raise ProvincialError(f"“{name}” là bảng tổng hợp định dạng {meta.get('format')}; hãy chạy lại lệnh tổng hợp")
    return meta


def _blob(meta: dict[str, str], key: str, name: str, shape: type = list) -> Any:
    """The JSON list (the plan: object) the merge spooled under `key#0`, `key#1`…; anything else means the very hidden sheet
    was edited (a cell of it retyped, cut at Excel's 32,767 characters): refused with the sentence of a
    damaged metadata sheet, not json's or pydantic's English (“lỗi không mong đợi (JSONDecodeError …)”)."""
    parts = []
    i = 0
    while f"{key}#{i}" in meta:
        parts.append(meta[f"{key}#{i}"])
        i += 1
    try:
        got = json.loads("".join(parts)) if parts else shape()
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        raise _damaged(name, key) from None
    if not isinstance(got, shape):
        raise _damaged(name, key)
    return got


def _records(meta: dict[str, str], key: str, name: str, model: type) -> list:
    """`_blob`'s items as `model` records (pydantic's ValidationError is a ValueError)."""
    try:
        return [model.model_validate(item) for item in _blob(meta, key, name)]
    except (ValueError, TypeError):
        raise _damaged(name, key) from None


def _damaged(name: str, key: str) -> ProvincialError:
    return ProvincialError(f"“{name}”: thông tin bảng tổng hợp bị sửa hoặc hỏng (mục “{key}”); "
                           "hãy chạy lại lệnh tổng hợp vào một tệp mới")


def _number_or_text(raw: Any) -> Value:
    if raw is None:
        return None
    if isinstance(raw, bool):
        return float(raw)
    if isinstance(raw, (int, float)):
        return float(raw)
    s = str(raw)
    return s if s.strip() else None


class _Provincial:
    """The parsed provincial workbook: metadata, catalog, and the cells of every indicator row."""

    def __init__(self, path: Path):
        self.path = path
        self.book = _open(path)
        self.meta = _meta(self.book, path.name)
        try:
            self.catalog = load_catalog(self.meta.get("regime", ""))
            self.registry = load_registry(self.meta.get("registry", ""))
        except CatalogError as e:
            raise ProvincialError(f"“{path.name}”: {e}") from None
        if self.meta.get("fingerprint") != self.catalog.fingerprint:
            raise ProvincialError(
                f"“{path.name}” được tổng hợp theo một phiên bản khác của danh mục chỉ tiêu "
                f"“{self.catalog.regime}”; hãy chạy lại lệnh tổng hợp"
            )
        self.units = self._units(_blob(self.meta, "units", path.name))

    def _units(self, units: list) -> list[str]:
        """The units of the per-unit columns, as the merge wrote them: distinct codes of the registry, from the
        writer's first column. A list retyped (a unit twice, a code the registry does not have) or another
        first column would put one unit's figures under another's name — silently different figures."""
        from ..read import _col_letters

        if (not all(isinstance(u, str) and u in self.registry.by_code for u in units)
                or len(set(units)) != len(units)):
            raise _damaged(self.path.name, "units")
        if self.meta.get("unit_col") != _col_letters(UNIT_COL + 1):
            raise _damaged(self.path.name, "unit_col")
        return units

    def ref(self, name: str) -> tuple[str, str]:
        target = self.book.names.get(name)
        sr = split_ref(target) if target else None
        if sr is None or sr[0] not in self.book.sheets:
            raise ProvincialError(f"“{self.path.name}”: thiếu ô “{name}” (bảng tổng hợp đã bị sửa cấu trúc); hãy chạy lại lệnh tổng hợp")
        return sr

    def adjustments(self) -> tuple[dict[str, tuple[Value, str]], list[Finding]]:
        """form:code → (value, reason) typed in the adjustment column; problems as findings."""
        out: dict[str, tuple[Value, str]] = {}
        problems: list[Finding] = []
        by_sheet: dict[str, set[str]] = {}
        refs = {}
        for ind in self.catalog.value_indicators():
            a = self.ref(adjustment_name(ind.form, ind.code))
            r = self.ref(reason_name(ind.form, ind.code))
            refs[ind.key] = (a, r)
            by_sheet.setdefault(a[0], set()).update({a[1], r[1]})
        for sheet, addrs in sorted(by_sheet.items()):
            self.book.cells(sheet, addrs)
        for ind in self.catalog.value_indicators():
            (sa, aa), (sr, ar) = refs[ind.key]
            raw, formula = _raw(self.book, sa, aa)
            reason, _ = _raw(self.book, sr, ar)
            reason_text = "" if reason is None else str(reason).strip()
            where = f"'{sa}'!{aa}"
            if formula is not None:
                problems.append(_adjustment_warning(self.path.name, ind, where, "merge.adjustment_formula",
                    f"Biểu mẫu {ind.form}, mục {ind.code}: ô điều chỉnh chứa công thức “={formula}”; "
                    "công thức không được dùng — hãy gõ trực tiếp con số"))
                continue
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            value: Value
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                value = float(raw)
            elif ind.kind == "text":
                value = str(raw)
            else:
                p = parse_vn(str(raw))
                if p.value is None:
                    problems.append(_adjustment_warning(self.path.name, ind, where, "merge.adjustment_value",
                        f"Biểu mẫu {ind.form}, mục {ind.code}: số điều chỉnh “{raw}” không phải là một số "
                        f"({p.problem or 'không đọc được'}); số điều chỉnh này không được dùng"))
                    continue
                value = p.value
            if isinstance(value, float) and (
                not math.isfinite(value) or abs(value) >= MAX_MAGNITUDE
                or (value < 0 and ind.kind in ("count", "money", "percent"))
            ):
                problems.append(_adjustment_warning(self.path.name, ind, where, "merge.adjustment_range",
                    f"Biểu mẫu {ind.form}, mục {ind.code} (ô {where}): số điều chỉnh “{raw}” nằm ngoài khoảng "
                    "hợp lý của chỉ tiêu (quá lớn, vô hạn hoặc âm); số điều chỉnh này không được dùng"))
                continue
            out[ind.key] = (value, reason_text)
        return out, problems

    def by_unit(self) -> dict[str, dict[str, Value]]:
        """Per-unit values from the unit columns (literal values the merge wrote, not formulas)."""
        from ..read import _col_letters
        from ..read.workbook import _EMPTY_CELL

        first = UNIT_COL + 1  # 1-based, as `_col_letters` counts; the metadata says the same (`_units`)
        cols = {u: _col_letters(first + i) for i, u in enumerate(self.units)}
        rows: list[tuple[str, str, str]] = []  # (indicator key, sheet, row number): worked out once, not per unit
        by_sheet: dict[str, set[str]] = {}
        for ind in self.catalog.value_indicators():
            sheet, addr = self.ref(adjustment_name(ind.form, ind.code))
            row = "".join(ch for ch in addr if ch.isdigit())
            rows.append((ind.key, sheet, row))
            by_sheet.setdefault(sheet, set()).update(c + row for c in cols.values())
        # Each sheet's cells found once (not again per cell): the appendix reads ~6,000 of them, a national
        # return ~18,000 (140 units).
        got = {sheet: self.book.cells(sheet, addrs) for sheet, addrs in sorted(by_sheet.items())}
        raw_value = self.book.raw_value
        out: dict[str, dict[str, Value]] = {}
        for u, col in cols.items():
            vals: dict[str, Value] = {}
            for key, sheet, row in rows:
                cell = got[sheet][col + row]
                if cell is _EMPTY_CELL:  # no cell there (a row the unit does not fill): blank, as raw_value says
                    continue
                v = _number_or_text(raw_value(cell)[0])
                if v is not None:
                    vals[key] = v
            out[u] = vals
        return out

    def notes(self) -> dict[str, str]:
        out = {}
        for ind in self.catalog.value_indicators():
            sheet, addr = self.ref(note_name(ind.form, ind.code))
            raw, _ = _raw(self.book, sheet, addr)
            if raw is not None and str(raw).strip():
                out[ind.key] = str(raw)
        return out


def read_adjustments(path: Path | str, *, regime: str, period: str) -> tuple[dict[str, tuple[Value, str]], list[Finding]]:
    """Adjustments of a previous output of the same regime and period (kept on a re-run); none otherwise."""
    return adjustments_of(open_provincial(path), regime=regime, period=period)


def open_provincial(path: Path | str) -> _Provincial:
    """A provincial workbook parsed (metadata, catalog), its figures not read yet: the merge opens its
    previous output while the workers read, and asks `adjustments_of` once it knows regime and period."""
    return _Provincial(Path(path))


def adjustments_of(prov: _Provincial, *, regime: str, period: str) -> tuple[dict[str, tuple[Value, str]], list[Finding]]:
    if prov.catalog.regime != regime or prov.meta.get("period") != period:
        return {}, []
    return prov.adjustments()


def read_provincial(path: Path | str) -> ProvincialFigures:
    """The final figures with the consolidator's adjustments applied, recomputed from the workbook's cells."""
    from ..check import check_values

    prov = _Provincial(Path(path))
    catalog, registry = prov.catalog, prov.registry
    adjustments, problems = prov.adjustments()
    by_unit = prov.by_unit()
    from .plan import progress_from_json, target_findings

    plan = _blob(prov.meta, "plan", prov.path.name, dict) or None
    try:
        progress = progress_from_json(catalog, registry, plan)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):  # task rows of another shape: edited
        raise _damaged(prov.path.name, "plan") from None
    base = base_values(catalog, registry, by_unit, progress.counts() if progress else None)
    computed, final = finalize(catalog, base, {k: v for k, (v, _) in adjustments.items()})
    top = registry.by_code[registry.top]
    provincial_findings = check_values(final, catalog, top, file=prov.path.name)
    provincial_findings += target_findings(catalog, prov.meta.get("period", ""), final, prov.path.name)
    unit_findings = _records(prov.meta, "unit_findings", prov.path.name, Finding)
    return ProvincialFigures(
        regime=catalog.regime,
        period=prov.meta.get("period", ""),
        unit=registry.top,
        values=final,
        notes=prov.notes(),
        by_unit=by_unit,
        status=_records(prov.meta, "status", prov.path.name, UnitStatus),
        adjustments=[
            Adjustment(key=k, value=v, reason=reason, computed=computed.get(k))
            for k, (v, reason) in sorted(adjustments.items(), key=lambda kv: _key_order(catalog, kv[0]))
        ],
        findings=[*unit_findings, *problems, *provincial_findings],
        plan=progress.summary(registry) if progress else None,
    )


def _key_order(catalog, key: str) -> int:
    keys = list(catalog.indicators)
    return keys.index(key) if key in keys else len(keys)


def _adjustment_warning(file: str, ind, where: str, rule: str, message: str) -> Finding:
    """A typed adjustment that is not used (a formula, not a number, out of range): a warning at its cell."""
    return Finding(file=file, form=ind.form, code=ind.code, cell=where, severity=WARNING, rule=rule, message=message)
