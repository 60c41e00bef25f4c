"""The dashboard of TONG_HOP.xlsx (“Tổng quan”): submission status, each unit's own rate for ratio rows
summed over units, the trend of key rates over stored periods, the plan's targets; native charts placed
so that none is cut by a page break.
"""

from __future__ import annotations

from collections import Counter

from .aggregate import contributors, per_unit_ratio
from .model import Merged
from ..numformat import PERCENT_FORMAT
from .sheet_rows import RowWriter, cell_value
from .sheet_style import DASHBOARD_SHEET, Formats, print_setup, row_pt

STATUS_ORDER = ["Đã nộp", "Có lỗi", "Chưa nộp", "Chưa nhập số liệu", "Không hợp lệ", "Trùng", "Sai kỳ báo cáo"]


def write_dashboard(wb, ws, fm: Formats, merged: Merged, heading: str) -> None:
    """Native charts: submission status, and each unit's own rate for ratio rows summed over units.

    Cells are gathered first and written in row order: in constant-memory mode a row once left is final.
    """
    grid: dict[tuple[int, int], tuple[object, object]] = {}
    grid[(0, 0)] = ("Tổng quan tổng hợp", fm.title)
    grid[(1, 0)] = (heading, fm.subtitle)
    charts = [_status_chart(wb, ws, grid, fm, merged)]
    col = _unit_rate_charts(wb, ws, grid, fm, merged, charts)
    if len(merged.trend) >= 2:
        charts = _trend_chart(wb, grid, fm, merged, col, charts)
    tall = _plan_targets(grid, fm, merged, 4 + len(STATUS_ORDER) + 1)
    _columns(ws)
    _write_grid(ws, grid, tall)
    charts = _charts_on_pages(ws, charts, tall)
    for r, c, ch, opts in charts:
        ws.insert_chart(r, c, ch, opts)


def _write_grid(ws, grid: dict, tall: dict[int, float]) -> None:
    """The gathered cells in row order, a row at a time (xlcchc.merge.sheet_rows, keeping the rows' heights
    for the charts); a tall row's height is set when its first cell is in column A, as it always was."""
    by_row: dict[int, dict[int, tuple]] = {}
    for (r, c), (value, fmt) in grid.items():
        by_row.setdefault(r, {})[c] = (cell_value(value), fmt)  # as write_value writes it
    out = RowWriter(ws, keep_heights=True)
    for r in sorted(by_row):
        cells = by_row[r]
        height = tall[r] * 0.75 if 0 in cells and r in tall else None
        out.row(r, [cells.get(c) for c in range(max(cells) + 1)], height=height)
    out.done()


def _status_chart(wb, ws, grid, fm: Formats, merged: Merged) -> tuple:
    """The status counts (rows 4–10, columns A–B) and their column chart."""
    # Every row of the status sheet counts: an unusable file has no unit code but is still "Không hợp lệ".
    counts = Counter(st.status for st in merged.status)
    order = STATUS_ORDER
    grid[(3, 0)] = ("Tình trạng", fm.header)
    grid[(3, 1)] = ("Số đơn vị / tệp", fm.header)
    for i, s in enumerate(order):
        grid[(4 + i, 0)] = (s, fm.cell)
        grid[(4 + i, 1)] = (float(counts.get(s, 0)), fm.center)
    chart = wb.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": "Tình hình nộp",
            "categories": [DASHBOARD_SHEET, 4, 0, 4 + len(order) - 1, 0],
            "values": [DASHBOARD_SHEET, 4, 1, 4 + len(order) - 1, 1],
            "data_labels": {"value": True},
        }
    )
    chart.set_title({"name": "Tình hình nộp báo cáo"})
    chart.set_legend({"none": True})
    chart.set_size({"width": CHART_PX, "height": 330})
    return (3, 3, chart, {})


def _unit_rate_charts(wb, ws, grid, fm: Formats, merged: Merged, charts: list) -> int:
    """Ratio rows whose numerator and denominator are summed over units: each unit's own rate, a table
    from column M on and a bar chart each; returns the first column left free."""
    catalog, registry = merged.catalog, merged.registry
    order = {u.code: i for i, u in enumerate(registry.units)}
    col, y_offset = 12, 0
    for ind in catalog.value_indicators():
        agg = ind.aggregate
        if agg.method != "ratio":
            continue
        num = catalog.indicators.get(agg.numerator or "")
        den = catalog.indicators.get(agg.denominator or "")
        if not (num and den and num.aggregate.method == "sum" and den.aggregate.method == "sum"):
            continue
        rates = []
        for u in contributors(catalog, registry, den, merged.units):
            rate = per_unit_ratio(merged.by_unit.get(u, {}), ind)
            if rate is not None:
                rates.append((u, rate))
        if not rates:
            continue
        # Lowest rate first (the units to follow up), and at most CHART_UNITS bars: with 166 communes a bar
        # chart of all of them printed only every fifth name. The table beside lists every unit.
        rates.sort(key=lambda t: (t[1], order.get(t[0], 10**6)))
        shown = len(rates) if len(rates) <= CHART_ALL_UNITS else CHART_UNITS
        grid[(3, col)] = (f"{ind.code} (BM {ind.form})", fm.header)
        grid[(3, col + 1)] = ("Tỷ lệ (%)", fm.header)
        for i, (u, rate) in enumerate(rates):
            grid[(4 + i, col)] = (registry.label(u, short=True), fm.cell)
            grid[(4 + i, col + 1)] = (rate, fm.pct)
        ws.set_column(col, col, 22)
        height = min(max(240, 24 * shown + 90), CHART_MAX_PX)  # a chart never taller than a printed page
        ch = wb.add_chart({"type": "bar"})
        ch.add_series(
            {
                "name": ind.label[:80],
                "categories": [DASHBOARD_SHEET, 4, col, 3 + shown, col],
                "values": [DASHBOARD_SHEET, 4, col + 1, 3 + shown, col + 1],
                "data_labels": {"value": True, "num_format": PERCENT_FORMAT, "font": {"size": 8}},
            }
        )
        which = "theo đơn vị" if shown == len(rates) else f"{shown} đơn vị thấp nhất trong {len(rates)}"
        ch.set_title({"name": f"{_cut(ind.label, 90)} — {which}", "name_font": {"size": 10}})
        ch.set_legend({"none": True})
        # The plot starts at 30 % of the width: left to itself LibreOffice wraps the unit names into a
        # narrow strip and prints only every other one.
        ch.set_plotarea({"layout": {"x": 0.30, "y": 0.10, "width": 0.64, "height": 1 - 0.10 - 60 / height}})
        ch.set_x_axis({"min": 0, "max": 100, "num_font": {"size": 8}})
        # the lowest rate at the top, the value axis still at the foot
        ch.set_y_axis({"reverse": True, "crossing": "max", "num_font": {"size": 8}})
        ch.set_size({"width": CHART_PX, "height": height})
        charts.append((22, 3, ch, {"y_offset": y_offset}))
        y_offset += height + 20
        col += 3
    return col


#: The dashboard prints at this scale, one landscape page wide: the tables in columns A–B, the charts
#: (CHART_PX wide) over columns D–K, with a page break before any chart that would otherwise be cut in two.
DASHBOARD_SCALE = 85
_ROW_PX = 20  # default row height (15 pt)
_PAGE_ROWS = int((21.0 - 3.0) / 2.54 * 96 / (DASHBOARD_SCALE / 100) / _ROW_PX) - 1
CHART_MAX_PX = (_PAGE_ROWS - 3) * _ROW_PX
#: Widths (characters) of columns A–K: what the page holds at DASHBOARD_SCALE (29.7 − 3 cm).
_WIDTHS = (34, 18, 2) + (12,) * 8
CHART_PX = 8 * (12 * 7 + 5) - 16
#: A per-unit bar chart shows every unit up to CHART_ALL_UNITS of them, else the CHART_UNITS lowest rates,
#: so that every name prints.
CHART_ALL_UNITS, CHART_UNITS = 30, 25


def _columns(ws) -> None:
    for c, w in enumerate(_WIDTHS):
        ws.set_column(c, c, w)


def _cut(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "…"


def _charts_on_pages(ws, charts: list, tall: dict[int, float] | None = None) -> list:
    """Anchor every chart at a whole row and break pages between charts, never through one.

    `tall`: rows (of the tables in columns A–B) taller than the default, in px: they push what is below.
    """
    tall = tall or {}

    def top_px(row: int) -> float:
        return row * _ROW_PX + sum(h - _ROW_PX for r, h in tall.items() if r < row)

    page_px = _PAGE_ROWS * _ROW_PX
    placed, breaks = [], []
    page_top, pushed, last = 0, 0, 0
    for r, c, ch, opts in sorted(charts, key=lambda t: (t[0] * _ROW_PX + t[3].get("y_offset", 0), t[1])):
        top = r + -(-opts.get("y_offset", 0) // _ROW_PX) + pushed
        bottom = top_px(top) + ch.height * opts.get("y_scale", 1) + _ROW_PX
        if bottom - top_px(page_top) > page_px and top > page_top:
            breaks.append(top)
            page_top = top
            top += 1  # a blank row between the top of the page and the chart's frame
            pushed += 1
        placed.append((top, c, ch, {k: v for k, v in opts.items() if k != "y_offset"}))
        last = max(last, top + -(-int(ch.height * opts.get("y_scale", 1)) // _ROW_PX) + 1)
    ws.xlcchc_print_rows = last  # the print area reaches the last chart, not only the last cell
    if breaks:
        ws.set_h_pagebreaks(breaks)
    print_setup(ws, repeat=None, last_col=len(_WIDTHS) - 1, scale=DASHBOARD_SCALE)
    return placed


def _plan_targets(grid, fm: Formats, merged: Merged, row: int) -> dict[int, float]:
    """Under the status table: the plan's targets measured by an indicator, target against actual.

    A person reads the target's sentence and the form row it is measured on, never its id. Returns the
    height (px) of every row taller than the default.
    """
    from ..formulas import percent_printed
    from ..numbers import fmt_vn
    from .plan import targets_table

    rows = targets_table(merged.catalog, merged.period, merged.final)
    if not rows:
        return {}
    grid[(row, 0)] = ("Chỉ tiêu kế hoạch", fm.header)
    grid[(row, 1)] = ("Thực tế / chỉ tiêu", fm.header)
    tall: dict[int, float] = {}
    for i, (gid, text, where, op, value, actual, met) in enumerate(rows, start=1):
        ind = merged.catalog.indicators.get(next((g.indicator for g in _targets(merged) if g.id == gid), ""), None)
        pct = ind is not None and ind.kind == "percent"
        unit = "%" if pct else ""
        shown = "chưa có số liệu" if actual is None else fmt_vn(percent_printed(actual) if pct else actual, 2) + unit
        verdict = "" if met is None else (" — Đạt" if met else " — Chưa đạt")
        label = f"{where}: {' '.join(text.split())}"
        versus = f"{shown} / {'≥' if op == '>=' else '≤'} {fmt_vn(value)}{unit}{verdict}"
        grid[(row + i, 0)] = (label, fm.text)
        grid[(row + i, 1)] = (versus, fm.text)
        tall[row + i] = row_pt((label, _WIDTHS[0]), (versus, _WIDTHS[1])) / 0.75
    return tall


def _targets(merged: Merged) -> list:
    from ..periods import parse_period
    from ..plan import plan_for

    plan = plan_for(merged.catalog.regime, parse_period(merged.period)) if merged.period else None
    return plan.targets if plan else []


TREND_HEIGHT = 380


def _trend_chart(wb, grid, fm: Formats, merged: Merged, col: int, charts: list) -> list:
    """A line chart of the key rates over the stored periods and this one (`merge --history`).

    Its table sits right of the per-unit rate tables; the chart goes first under the status chart and
    the per-unit charts move down by its height.
    """
    keys = list(merged.trend[-1][1])
    n = len(merged.trend)
    grid[(3, col)] = ("Kỳ báo cáo", fm.header)
    for j, key in enumerate(keys):
        form, code = key.split(":", 1)
        grid[(3, col + 1 + j)] = (f"{code} (BM {form}) (%)", fm.header)
    for i, (label, vals) in enumerate(merged.trend):
        grid[(4 + i, col)] = (label, fm.cell)
        for j, key in enumerate(keys):
            grid[(4 + i, col + 1 + j)] = (vals.get(key), fm.pct)
    line = wb.add_chart({"type": "line"})
    for j, key in enumerate(keys):
        ind = merged.catalog.indicator(key)
        line.add_series({
            "name": f"{ind.code} (BM {ind.form}): " + (ind.label if len(ind.label) <= 50 else ind.label[:49] + "…"),
            "categories": [DASHBOARD_SHEET, 4, col, 3 + n, col],
            "values": [DASHBOARD_SHEET, 4, col + 1 + j, 3 + n, col + 1 + j],
            "marker": {"type": "circle"},
        })
    line.set_title({"name": "Xu hướng một số tỷ lệ chủ yếu qua các kỳ", "name_font": {"size": 11}})
    line.set_y_axis({"min": 0, "max": 100, "name": "%"})
    line.set_legend({"position": "bottom", "font": {"size": 8}})
    line.set_size({"width": CHART_PX, "height": TREND_HEIGHT})  # as wide as the per-unit charts: one printed page wide
    moved = [charts[0]] + [(r, c, ch, {**o, "y_offset": o.get("y_offset", 0) + TREND_HEIGHT + 20})
                           for r, c, ch, o in charts[1:]]
    return [*moved, (22, 3, line, {"y_offset": 0})]
