"""The earlier periods of the 2022 samples: Quý I, 6 tháng and 9 tháng 2022, consistent with the year.

Why: the checks across periods (`merge --history`, `check --history`) and the comparison columns of
the appendix need a history; the demo builds one from these folders. The figures are the units' annual
figures (before any planted error) reached through the year: every summed row and every cumulative row
is the annual figure times the unit's share of the year done (a per-unit draw within 0.20–0.30 for
Quý I, 0.45–0.55 for 6 tháng, 0.70–0.80 for 9 tháng, rounded up: a unit's 1 stays 1 rather than
becoming 0), so cumulative rows never go down, `a ≤ b` between scaled rows holds (rounding up is
monotone and never passes the annual figure), and sums of breakdown rows are recomputed; other rows (the lead
agencies' own figures, code lists, percentages typed by units) are as in the year.

Two errors are planted for the history checks to find (sample data, listed in samples/README.md):
- in 9 tháng, one district types the third quarter's tasks done instead of the year-to-date count, so a
  cumulative row goes down (*Lỗi* `history.cumulative_decrease`);
- in the year, one district types its count of CCHC directives with one zero too many (*Cảnh báo*
  `history.outlier`); the row is the district's own figure, not summed, so the printed totals hold.
Ban Dân tộc (the unit missing in the year) reports in the earlier periods: the year's status sheet
says it reported last period.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from .catalog.models import Catalog, Registry
from .layout import STATUS_FINAL

#: (period, folder inside samples/, tag in the file name, month the returns are sent, share of the year)
EARLIER = [
    ("2022-Q1", "bao-cao-2022-quy1", "quy1-2022", 4, (0.20, 0.30)),
    ("2022-6T", "bao-cao-2022-6thang", "6thang-2022", 7, (0.45, 0.55)),
    ("2022-9T", "bao-cao-2022-9thang", "9thang-2022", 10, (0.70, 0.80)),
]
DECREASE_UNIT, DECREASE_KEY, DECREASE_PERIOD, DECREASE_BEFORE = "H-THACH-THANH", "1:2.2", "2022-9T", "2022-6T"
OUTLIER_UNIT, OUTLIER_KEY, OUTLIER_FACTOR = "H-QUANG-XUONG", "1:1", 10


def earlier_file(tag: str, unit: str) -> str:
    return f"BC_CCHC_{tag}_{unit}.xlsx"


def scaled_for_period(ret, catalog: Catalog, share: float):
    """A unit's year-to-date figures when `share` of the year is done (see the module doc)."""
    from .history.checks import cumulative_indicators
    from .samples import UnitReturn, resum

    cumulative = {i.key for i in cumulative_indicators(catalog)}
    out = UnitReturn(ret.unit, notes=dict(ret.notes))
    for key, v in ret.values.items():
        ind = catalog.indicator(key)
        if isinstance(v, (int, float)) and ind.kind in ("count", "money", "decimal") and (
            ind.aggregate.method == "sum" or key in cumulative
        ):
            v = int(math.ceil(v * share - 1e-9))
        out.values[key] = v
    resum(catalog, out.values)
    return out


def plant_outlier(returns) -> tuple[int, int]:
    """The year's planted outlier: (value typed, true value)."""
    vals = returns[OUTLIER_UNIT].values
    true = int(vals[OUTLIER_KEY])
    vals[OUTLIER_KEY] = true * OUTLIER_FACTOR
    return true * OUTLIER_FACTOR, true


def earlier_files(catalog: Catalog, registry: Registry, clean: dict, work: Path, seed: int):
    """(relative path → bytes, planted samples) of the three earlier periods."""
    from .numbers import fmt_vn
    from .samples import Sample, _cover, _fill

    rng = random.Random(seed)
    files: dict[str, bytes] = {}
    planted = []
    done_before: dict[str, float] = {}
    for period, folder, tag, month, (lo, hi) in EARLIER:
        for unit in registry.reporting_units():
            share = rng.uniform(lo, hi)
            ret = scaled_for_period(clean[unit.code], catalog, share)
            if unit.code == DECREASE_UNIT and period == DECREASE_BEFORE:
                done_before[period] = ret.values[DECREASE_KEY]
            if unit.code == DECREASE_UNIT and period == DECREASE_PERIOD:
                ytd, before = int(ret.values[DECREASE_KEY]), int(done_before[DECREASE_BEFORE])
                quarter = ytd - before
                if not 0 < quarter < before:
                    raise ValueError("the planted decrease needs 0 < third quarter < first half")
                ret.values[DECREASE_KEY] = quarter
                ind = catalog.indicator(DECREASE_KEY)
                planted.append(Sample(
                    f"{folder}/{earlier_file(tag, unit.code)}", unit.code,
                    f"9 tháng: Biểu mẫu {ind.form}, mục {ind.code} (số lũy kế) nhập {fmt_vn(quarter)} — chỉ số nhiệm vụ "
                    f"hoàn thành trong quý III — thay cho số lũy kế {fmt_vn(ytd)}; 6 tháng đã báo cáo {fmt_vn(before)}",
                    f"Tổng hợp 9 tháng với --history: Lỗi history.cumulative_decrease ({fmt_vn(quarter)} < {fmt_vn(before)} "
                    "của 6 tháng); kiểm tra một kỳ không thấy lỗi này",
                ))
            cover = _cover(rng, rng.randint(3, 13), STATUS_FINAL, month, 2022)
            files[f"{folder}/{earlier_file(tag, unit.code)}"] = _fill(catalog, unit, period, ret, cover, work)
    return files, planted


def outlier_sample(folder: str, file: str, typed: int, true: int, catalog: Catalog):
    from .numbers import fmt_vn
    from .samples import Sample

    ind = catalog.indicator(OUTLIER_KEY)
    return Sample(
        f"{folder}/{file}", OUTLIER_UNIT,
        f"năm: Biểu mẫu {ind.form}, mục {ind.code} (số riêng của đơn vị, không cộng vào số tỉnh) nhập "
        f"{fmt_vn(typed)} — thừa một chữ số 0 — thay cho {fmt_vn(true)} như các kỳ trước",
        "Tổng hợp năm với --history: Cảnh báo history.outlier (kèm số các kỳ trước); tổng toàn tỉnh vẫn khớp Phụ lục",
    )


def missing_unit_sample(unit: str, name: str):
    from .samples import Sample

    return Sample(
        "(không có tệp năm)", unit, f"{name} nộp báo cáo Quý I, 6 tháng, 9 tháng nhưng không nộp báo cáo năm",
        "Tổng hợp năm với --history: trang “Tình hình nộp” ghi “Kỳ trước (9 tháng năm 2022) đơn vị đã nộp báo cáo”",
    )
