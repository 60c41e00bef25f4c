"""Checks across periods: what one period alone cannot show.

- A cumulative row (*lũy kế*, `cumulative` in the catalog, or a row under a cumulative heading) below the
  same unit's figure for an earlier period of the same year: within a year Quý I ≤ 6 tháng ≤ 9 tháng ≤
  Năm, so a decrease is a typing error (*Lỗi*).
- A value far outside what the unit's own history makes plausible (*Cảnh báo*, with the history in the
  message). The rule is robust, as DHIS2's outlier analysis: the modified z-score of the value on a
  log scale, against the median and the median absolute deviation (MAD) of the unit's stored figures,
  |z| > `Z_LIMIT`, and only when the value is also at least `MIN_FACTOR` times above or below the
  median and differs from it by `MIN_DIFFERENCE` or more. The log scale and the factor are why a
  year's total beside a quarter's (four times larger) never alarms on its own, while a figure typed
  ten times too large does; the difference floor keeps small counts (0, 1, 3 inspections) quiet.
  At least `MIN_POINTS` earlier figures are needed, otherwise nothing is said.
- A unit that reported in the previous stored period and has not now (a line of the status sheet).
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path

from ..catalog.models import Catalog, Indicator
from ..findings import ERROR, WARNING, Finding
from ..numbers import fmt_vn
from ..periods import parse_period
from ..provincial import UnitStatus, Value
from .series import Snapshot
from .store import open_store

Z_LIMIT = 3.5
MIN_FACTOR = 5.0
MIN_DIFFERENCE = 10.0
MIN_POINTS = 3
#: The checks of a merge compare with at most this many of the latest stored periods before it (three
#: years of quarterly reports): the recent past is what makes a figure plausible, and the cost stays flat.
WINDOW = 12
#: Kinds the outlier rule reads: counts and amounts (percentages are bounded, codes are not magnitudes).
OUTLIER_KINDS = ("count", "money", "decimal")
USED = ("Đã nộp", "Có lỗi")


def cumulative_indicators(catalog: Catalog) -> list[Indicator]:
    """Value rows that are cumulative themselves or sit under a cumulative heading.

    Only a heading passes the mark down: the parts of a cumulative rate (tasks planned under “Tỷ lệ
    hoàn thành kế hoạch, lũy kế”) are not cumulative themselves.
    """
    out = []
    for ind in catalog.value_indicators():
        node, cum = ind, ind.cumulative
        while not cum and node.parent:
            node = catalog.indicators.get(f"{ind.form}:{node.parent}")
            if node is None or node.has_value:
                break
            cum = node.cumulative
        if cum:
            out.append(ind)
    return out


def _show(ind: Indicator, v: float) -> str:
    return fmt_vn(v, 2) if ind.kind == "percent" else fmt_vn(v)


def _num(v: Value) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _who(unit: str, top: str, registry) -> str:
    if unit == top:
        return "số liệu toàn tỉnh" if registry is None else f"số liệu tổng hợp của {registry.label(unit)}"
    return registry.label(unit) if registry is not None else unit


def outlier(value: float, history: list[float]) -> tuple[bool, float, float]:
    """(is an outlier, median, modified z) of `value` against `history` (see the module doc)."""
    if len(history) < MIN_POINTS:
        return False, math.nan, 0.0
    med = statistics.median(history)
    logs = [math.log10(1.0 + max(h, 0.0)) for h in history]
    lmed = statistics.median(logs)
    mad = statistics.median(abs(x - lmed) for x in logs)
    lv = math.log10(1.0 + max(value, 0.0))
    dev = lv - lmed
    z = math.inf if mad == 0 and dev != 0 else (0.0 if dev == 0 else 0.6745 * dev / mad)
    far = abs(dev) >= math.log10(MIN_FACTOR)
    return (abs(z) > Z_LIMIT and far and abs(value - med) >= MIN_DIFFERENCE), med, z


def period_findings(
    snap: Snapshot,
    catalog: Catalog,
    period: str,
    values_by_unit: dict[str, dict[str, Value]],
    *,
    top_unit: str,
    registry=None,
    files: dict[str, str] | None = None,
) -> list[Finding]:
    """Cumulative decreases and outliers of this period's values against the stored history."""
    files = files or {}
    this = parse_period(period)
    cumulative = {i.key for i in cumulative_indicators(catalog)}
    findings: list[Finding] = []
    for unit in sorted(values_by_unit):
        vals = values_by_unit[unit]
        who = _who(unit, top_unit, registry)
        for ind in catalog.value_indicators():
            v = _num(vals.get(ind.key))
            if v is None:
                continue
            s = snap.series(unit, ind.key, catalog.regime, exclude=period)
            pts = [(p, _num(p.value)) for p in s.points]
            pts = [(p, x) for p, x in pts if x is not None]
            if ind.key in cumulative:
                earlier = [(p, x) for p, x in pts
                           if parse_period(p.period).year == this.year
                           and parse_period(p.period).end_month < this.end_month and x > v]
                if earlier:
                    p, x = max(earlier, key=lambda px: (px[1], parse_period(px[0].period).chrono))
                    findings.append(Finding(
                        file=files.get(unit, ""), unit=unit, form=ind.form, code=ind.code, severity=ERROR,
                        rule="history.cumulative_decrease", expected=x, actual=v,
                        message=f"{who}: Biểu mẫu {ind.form}, mục {ind.code} là số lũy kế nhưng kỳ "
                        f"{this.phrase} ({_show(ind, v)}) nhỏ hơn kỳ {parse_period(p.period).phrase} ({_show(ind, x)}) "
                        "đã tổng hợp; số lũy kế trong năm không thể giảm — hãy kiểm tra lại số đã nhập",
                    ))
                    continue
            if ind.kind not in OUTLIER_KINDS:
                continue
            hist = [x for _, x in pts]
            bad, med, _z = outlier(v, hist)
            if bad:
                shown = "; ".join(f"{p.label}: {fmt_vn(x)}" for p, x in pts)
                findings.append(Finding(
                    file=files.get(unit, ""), unit=unit, form=ind.form, code=ind.code, severity=WARNING,
                    rule="history.outlier", expected=med, actual=v,
                    message=f"{who}: Biểu mẫu {ind.form}, mục {ind.code}: số kỳ {this.phrase} ({fmt_vn(v)}) "
                    f"khác thường so với các kỳ trước ({shown}; trung vị {fmt_vn(med)}) — hãy kiểm tra có gõ nhầm không",
                ))
    return _without_echoes(catalog, findings)


def _without_echoes(catalog: Catalog, findings: list[Finding]) -> list[Finding]:
    """A rate computed from a flagged count says the same thing again: keep the count's finding only."""
    flagged = {(f.unit, f"{f.form}:{f.code}") for f in findings if f.rule == "history.cumulative_decrease"}
    out = []
    for f in findings:
        ind = catalog.indicators.get(f"{f.form}:{f.code}")
        agg = ind.aggregate if ind else None
        if (f.rule == "history.cumulative_decrease" and agg and agg.method == "ratio"
                and ((f.unit, agg.numerator) in flagged or (f.unit, agg.denominator) in flagged)):
            continue
        out.append(f)
    return out


def previous_load(snap: Snapshot, period: str):
    """The latest stored period before `period` (its current version), or None."""
    this = parse_period(period).chrono
    earlier = [ld for ld in snap.loads if parse_period(ld.period).chrono < this]
    return earlier[-1] if earlier else None


def missing_since_last(snap: Snapshot, period: str, status: list[UnitStatus]) -> list[UnitStatus]:
    """The status rows, with a line for each unit that reported in the previous period and has not now."""
    prev = previous_load(snap, period)
    if prev is None:
        return status
    before = snap.store.submissions(prev.id)
    label = parse_period(prev.period).phrase
    used_now = {st.unit for st in status if st.status in USED}
    out = []
    noted: set[str] = set()
    for st in status:
        # The unit's own line (the first), not the lines of its extra files (drafts, other periods).
        if st.unit and st.unit not in used_now and st.unit not in noted and before.get(st.unit) in USED:
            noted.add(st.unit)
            note = f"Kỳ trước ({label}) đơn vị đã nộp báo cáo, kỳ này chưa có báo cáo dùng được"
            st = st.model_copy(update={"detail": f"{st.detail}; {note}" if st.detail else note})
        out.append(st)
    return out


def trend(snap: Snapshot, catalog: Catalog, keys: list[str], unit: str, period: str,
          current: dict[str, Value]) -> list[tuple[str, dict[str, float | None]]]:
    """(period label, key → value) for the stored periods before `period` and this one, in time order."""
    this = parse_period(period)
    rows: dict[str, dict[str, float | None]] = {}
    order: dict[str, tuple] = {}
    for key in keys:
        s = snap.series(unit, key, catalog.regime, exclude=period)
        for p in s.points:
            pp = parse_period(p.period)
            if pp.chrono < this.chrono:
                rows.setdefault(p.period, {})[key] = _num(p.value)
                order[p.period] = pp.chrono
    rows[period] = {k: _num(current.get(k)) for k in keys}
    order[period] = this.chrono
    return [(parse_period(p).label, rows[p]) for p in sorted(rows, key=lambda p: order[p])]


def check_file_history(path: Path | str, db: Path | str, *, regime: str | None = None) -> list[Finding]:
    """`check --history`: one return (workbook or values file) against its unit's stored history."""
    from ..catalog.load import load_catalog, registry_of
    from ..check import VALUES_SUFFIXES

    path = Path(path)
    if path.suffix.lower() in VALUES_SUFFIXES:
        from ..values import load_values_file

        doc = load_values_file(path)
        if not (doc.unit and doc.period):
            return []  # a values file without its unit and period has no history to compare with
        regime_, unit, period = doc.regime or regime or "", doc.unit, parse_period(doc.period).code
        values = doc.as_dict()
    else:
        from ..read import read_return, values_of

        ret = read_return(path, regime=regime)
        regime_, unit, period, values = ret.regime, ret.unit, ret.period, values_of(ret)
    catalog = load_catalog(regime_)
    registry = registry_of(catalog)
    with open_store(db, create=False) as store:
        snap = Snapshot(store, top_unit=registry.top, bulk=True, before=period, window=WINDOW)
        return period_findings(snap, catalog, period, {unit: values}, top_unit=registry.top,
                               registry=registry, files={unit: path.name})


def merge_history(db: Path | str, catalog: Catalog, registry, period: str, by_unit: dict[str, dict[str, Value]],
                  final: dict[str, Value], status: list[UnitStatus], *, files: dict[str, str], output_name: str):
    """`merge --history`: (findings, status rows with history notes, trend rows) for the merge.

    A unit whose figures break a cumulative row counts as having errors on the status sheet (“Có lỗi”).
    """
    from .mapping import trend_keys

    top = registry.top
    with open_store(db, create=False) as store:
        snap = Snapshot(store, top_unit=top, bulk=True, before=period, window=WINDOW)
        values = {**by_unit, top: final}
        found = period_findings(snap, catalog, period, values, top_unit=top, registry=registry,
                                files={**files, top: f"(số tổng hợp) {output_name}"})
        status = missing_since_last(snap, period, status)
        rows = trend(snap, catalog, trend_keys(catalog), top, period, final) if snap.loads else []
    errors: dict[str, int] = {}
    warnings: dict[str, int] = {}
    for f in found:
        (errors if f.severity == ERROR else warnings)[f.unit or ""] = \
            (errors if f.severity == ERROR else warnings).get(f.unit or "", 0) + 1
    out = []
    for st in status:
        e, w = errors.get(st.unit, 0), warnings.get(st.unit, 0)
        if st.status in USED and (e or w):
            st = st.model_copy(update={
                "errors": st.errors + e, "warnings": st.warnings + w,
                "status": "Có lỗi" if e else st.status,
            })
        out.append(st)
    return found, out, rows
