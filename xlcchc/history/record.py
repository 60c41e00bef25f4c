"""`history add`: record a merged period (TONG_HOP.xlsx, as the consolidator approved it) in the store.

The figures come from `read_provincial`, the same reading the appendix uses: adjustments applied, every
consolidated figure recomputed, so the history holds what was published, not a cached number.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..console import name_text
from ..provincial import ProvincialFigures, Value
from .store import Load, Store, now_text, xlcchc_version

#: Submission statuses whose return was used in the merge.
USED_STATUSES = ("Đã nộp", "Có lỗi")


@dataclass
class Added:
    load: Load
    replaced: Load | None  # the version this one supersedes
    unchanged: bool = False  # the same file was already the current version: nothing written
    values: int = 0


def _split(v: Value) -> tuple[float | None, str | None]:
    if v is None:
        return None, None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v), None
    return None, str(v)


def add_figures(store: Store, fig: ProvincialFigures, *, file: str, sha256: str) -> Added:
    """Record `fig` as the current version of its period, in one transaction (all or nothing)."""
    from ..catalog.load import load_catalog
    from .store import HistoryError

    if not fig.period:
        raise HistoryError(f"bảng tổng hợp “{file}” chưa xác định kỳ báo cáo; hãy tổng hợp lại với --period")
    catalog = load_catalog(fig.regime)
    with store.write() as db:
        prev = store.current(fig.unit, fig.period)
        if prev is not None and prev.sha256 == sha256 and prev.regime == fig.regime:
            return Added(prev, None, unchanged=True)
        if prev is not None:
            db.execute("UPDATE load SET superseded_by = 0 WHERE id = ?", (prev.id,))
        cur = db.execute(
            "INSERT INTO load (top_unit, period, regime, registry, catalog_fingerprint, xlcchc_version, file, "
            "sha256, added_at, superseded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (fig.unit, fig.period, fig.regime, catalog.registry, catalog.fingerprint, xlcchc_version(),
             file, sha256, now_text()),
        )
        load_id = int(cur.lastrowid)
        if prev is not None:
            db.execute("UPDATE load SET superseded_by = ? WHERE id = ?", (load_id, prev.id))
        sources = {s.unit: (s.file or "", s.sha256 or "") for s in fig.status if s.unit and s.status in USED_STATUSES}
        rows = []
        for key, v in fig.values.items():
            num, text = _split(v)
            if num is None and text is None:
                continue
            form, code = key.split(":", 1)
            rows.append((load_id, fig.unit, int(form), code, num, text, file, sha256))
        for unit, vals in fig.by_unit.items():
            ufile, usha = sources.get(unit, ("", ""))
            for key, v in vals.items():
                num, text = _split(v)
                if num is None and text is None:
                    continue
                form, code = key.split(":", 1)
                rows.append((load_id, unit, int(form), code, num, text, ufile, usha))
        db.executemany("INSERT INTO value VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        adj = []
        for a in fig.adjustments:
            form, code = a.key.split(":", 1)
            num, text = _split(a.value)
            cnum, ctext = _split(a.computed)
            adj.append((load_id, int(form), code, num, text, cnum, ctext, a.reason))
        db.executemany("INSERT INTO adjustment VALUES (?, ?, ?, ?, ?, ?, ?, ?)", adj)
        db.executemany(
            "INSERT INTO submission VALUES (?, ?, ?, ?, ?, ?)",
            [(load_id, s.unit, s.status, s.file, s.sha256, s.sent_at) for s in fig.status],
        )
        load = Load(load_id, fig.unit, fig.period, fig.regime, catalog.registry, catalog.fingerprint,
                    xlcchc_version(), file, sha256, "", None)
    return Added(load, prev, values=len(rows))


def add_provincial(store: Store, path: Path | str) -> Added:
    """Read a provincial workbook (refusing anything else) and record it."""
    from ..merge import read_provincial

    path = Path(path)
    fig = read_provincial(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return add_figures(store, fig, file=name_text(path.name), sha256=sha)  # SQLite text: no undecodable bytes
