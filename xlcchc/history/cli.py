"""`xlcchc history add|show|export`: the console front of the history store."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from ..errors import XlcchcError
from ..numbers import fmt_vn
from ..periods import parse_period
from .store import DEFAULT_NAME, default_db, open_store


def _db(args, beside: Path | None = None) -> Path:
    if getattr(args, "db", None):
        return Path(args.db)
    return default_db(beside) if beside is not None else Path(DEFAULT_NAME)


def _fail(e: Exception) -> int:
    print(f"Lỗi: {e}", file=sys.stderr)
    return 2


def _plain(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def cli_add(args) -> int:
    from .record import add_provincial

    src = Path(args.provincial)
    db = _db(args, src)
    try:
        with open_store(db) as store:
            added = add_provincial(store, src)
    except XlcchcError as e:
        return _fail(e)
    label = parse_period(added.load.period).label
    if added.unchanged:
        print(f"Kỳ {label} ({added.load.top_unit}) đã có trong “{db}” từ chính tệp này; không thay đổi gì.")
    elif added.replaced:
        print(f"Đã thay số liệu kỳ {label} trong “{db}” ({added.values} số liệu); bản trước "
              f"(“{added.replaced.file}”, thêm lúc {_when(added.replaced.added_at)}) vẫn được giữ và liệt kê trong lịch sử.")
    else:
        print(f"Đã thêm kỳ {label} vào “{db}” ({added.values} số liệu).")
    return 0


def _when(iso: str) -> str:
    """A stored UTC time for a person: 01/12/2026 08:30 (UTC)."""
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M (UTC)")
    except ValueError:
        return iso


def _period_rows(store) -> list[dict]:
    rows = []
    for ld in store.loads():
        rows.append({
            "period": ld.period, "label": parse_period(ld.period).label, "unit": ld.top_unit,
            "regime": ld.regime, "current": ld.current, "file": ld.file, "sha256": ld.sha256,
            "added_at": ld.added_at, "xlcchc_version": ld.xlcchc_version,
            "catalog_fingerprint": ld.catalog_fingerprint, "version": ld.id, "superseded_by": ld.superseded_by,
        })
    return rows


def cli_show(args) -> int:
    from .series import Snapshot

    db = _db(args)
    try:
        with open_store(db, create=False) as store:
            if args.unit and not args.indicator:
                return _show_unit(args, Snapshot(store))
            if not args.indicator:
                rows = _period_rows(store)
                if args.json:
                    print(json.dumps(rows, ensure_ascii=False, indent=1))
                    return 0
                print(f"Lịch sử số liệu trong “{db}”: {sum(r['current'] for r in rows)} kỳ")
                for r in rows:
                    state = "đang dùng" if r["current"] else f"đã thay bằng bản {r['superseded_by']}"
                    print(f" - {r['label']} ({r['unit']}, chế độ {r['regime']}): bản {r['version']}, {state}; "
                          f"tệp “{r['file']}”, thêm lúc {_when(r['added_at'])}, xlcchc {r['xlcchc_version']}")
                return 0
            snap = Snapshot(store)
            regime = args.regime or snap.latest_regime()
            if regime is None:
                print("Lịch sử chưa có kỳ nào.")
                return 0
            key = _key(args.indicator)
            unit = args.unit or (snap.loads[-1].top_unit if snap.loads else "")
            s = snap.series(unit, key, regime)
    except XlcchcError as e:
        return _fail(e)
    from ..catalog.load import load_catalog

    catalog = load_catalog(regime)
    ind = catalog.indicators.get(key)
    if ind is None or not ind.has_value:
        return _fail(XlcchcError(f"chế độ “{regime}” không có chỉ tiêu {args.indicator}"))
    if args.json:
        print(json.dumps({
            "unit": unit, "regime": regime, "form": ind.form, "code": ind.code, "label": ind.label,
            "points": [{"period": p.period, "regime": p.regime, "code": p.key.split(":", 1)[1],
                        "value": _plain(p.value)} for p in s.points],
            "notes": s.notes,
        }, ensure_ascii=False, indent=1))
        return 0
    print(f"{unit} — Biểu mẫu {ind.form}, mục {ind.code}: {ind.label} ({ind.unit})")
    for p in s.points:
        via = "" if p.regime == regime else f" (chế độ {p.regime}, mục {p.key.split(':', 1)[1]})"
        print(f" - {p.label}: {_shown(ind, p.value)}{via}")
    for n in s.notes:
        print(f"   Chuỗi số liệu dừng ở {n}")
    return 0


def _shown(ind, v) -> str:
    if v is None:
        return "trống"
    if isinstance(v, float):
        return fmt_vn(v, 2) if ind.kind == "percent" else fmt_vn(v)
    return str(v)


def _show_unit(args, snap) -> int:
    """Every indicator of one unit over the stored periods (`history show --unit U`)."""
    from ..catalog.load import load_catalog

    regime = args.regime or snap.latest_regime()
    if regime is None:
        print("Lịch sử chưa có kỳ nào.")
        return 0
    catalog = load_catalog(regime)
    out = []
    for ind in catalog.value_indicators():
        s = snap.series(args.unit, ind.key, regime)
        pts = [p for p in s.points if p.value is not None]
        if pts:
            out.append((ind, pts))
    if args.json:
        print(json.dumps([{"form": ind.form, "code": ind.code, "label": ind.label,
                           "points": [{"period": p.period, "regime": p.regime, "value": _plain(p.value)} for p in pts]}
                          for ind, pts in out], ensure_ascii=False, indent=1))
        return 0
    if not out:
        print(f"Lịch sử chưa có số liệu nào của đơn vị “{args.unit}”.")
        return 0
    print(f"{args.unit}: {len(out)} chỉ tiêu có số liệu")
    for ind, pts in out:
        print(f" - Biểu mẫu {ind.form}, mục {ind.code}: " + "; ".join(f"{p.label}: {_shown(ind, p.value)}" for p in pts))
    return 0


def _key(text: str) -> str:
    form, sep, code = text.partition(":")
    if not sep or not form.strip().isdigit() or not code.strip():
        raise XlcchcError(f"chỉ tiêu “{text}” phải viết dạng BIỂU_MẪU:MÃ, ví dụ 3:3.1")
    return f"{int(form)}:{code.strip()}"


EXPORT_HEADERS = ["Kỳ báo cáo", "Mã kỳ", "Chế độ báo cáo", "Đơn vị tổng hợp", "Mã đơn vị", "Biểu mẫu", "Mã chỉ tiêu",
                  "Số liệu", "Tệp nguồn", "SHA-256 tệp nguồn", "Phiên bản lịch sử", "Phiên bản xlcchc", "Danh mục"]


def export_rows(store) -> list[list]:
    rows = []
    for ld in store.loads(current_only=True):
        label = parse_period(ld.period).label
        for unit, form, code, num, text, file, sha in store.value_rows(ld.id):
            rows.append([label, ld.period, ld.regime, ld.top_unit, unit, form, code,
                         _plain(num) if num is not None else text, file, sha, ld.id, ld.xlcchc_version,
                         ld.catalog_fingerprint])
    return rows


def cli_export(args) -> int:
    from ..fileio import atomic_path, private_tmpdir, write_text

    db = _db(args)
    try:
        with open_store(db, create=False) as store:
            rows = export_rows(store)
    except XlcchcError as e:
        return _fail(e)
    out = Path(args.output)
    if args.format == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(EXPORT_HEADERS)
        w.writerows(rows)
        write_text(out, "\ufeff" + buf.getvalue())  # BOM: Excel opens UTF-8 CSV with the diacritics right
    else:
        import datetime as dt

        import xlsxwriter

        # xlsxwriter's work files (every unit's figures) in a private folder removed even on failure.
        with private_tmpdir() as work, atomic_path(out, suffix=".xlsx") as tmp:
            wb = xlsxwriter.Workbook(str(tmp), {"tmpdir": work, "strings_to_formulas": False, "strings_to_urls": False,
                                                "strings_to_numbers": False})
            wb.set_properties({"title": "Lịch sử số liệu CCHC", "author": "xlcchc", "created": dt.datetime(2000, 1, 1)})
            ws = wb.add_worksheet("Lịch sử số liệu")
            head = wb.add_format({"bold": True, "border": 1, "bg_color": "#D9E1F2", "text_wrap": True})
            from ..numformat import number_format

            # Each figure prints the Vietnamese way on any locale (1.768, 99,99): the format of its own value.
            nums: dict[str, object] = {}

            def num(v: float):
                f = number_format(float(v))
                if f not in nums:
                    nums[f] = wb.add_format({"num_format": f})
                return nums[f]

            for c, h in enumerate(EXPORT_HEADERS):
                ws.write_string(0, c, h, head)
            for r, row in enumerate(rows, start=1):
                for c, v in enumerate(row):
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        ws.write_number(r, c, v, num(v) if c == 7 else None)
                    else:
                        ws.write_string(r, c, "" if v is None else str(v))
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, max(len(rows), 1), len(EXPORT_HEADERS) - 1)
            ws.set_column(0, 0, 22)
            ws.set_column(4, 4, 16)
            ws.set_column(8, 9, 30)
            wb.close()
    print(f"Đã xuất {len(rows)} số liệu ra “{out}”.")
    return 0
