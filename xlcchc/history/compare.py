"""`appendix --compare`: the figures of an earlier period beside this period's, from the history.

“Cùng kỳ năm trước” is the same kind of period one year before (Năm 2022 beside Năm 2021, 6 tháng
beside 6 tháng); “Kỳ trước” is the latest stored period before this one. Figures of a period merged
under another regime come through the regime mapping; a row without a counterpart stays blank.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import XlcchcError
from ..periods import Period, parse_period
from ..provincial import ProvincialFigures, Value
from .mapping import translate
from .series import Snapshot
from .store import open_store

COMPARE = {"cung-ky": "Cùng kỳ năm trước", "ky-truoc": "Kỳ trước"}


def parse_compare(text: str | None) -> list[str]:
    names = [t.strip().lower() for t in (text or "").split(",") if t.strip()]
    bad = [n for n in names if n not in COMPARE]
    if bad:
        raise XlcchcError(f"không hiểu cột so sánh “{', '.join(bad)}”; dùng: "
                          + ", ".join(f"{k} ({v})" for k, v in COMPARE.items()))
    return list(dict.fromkeys(names))


def compare_columns(db: Path | str, fig: ProvincialFigures, text: str,
                    warn=None) -> dict[str, dict[str, Value]]:
    """Column title → form:code → figure, for the columns asked that the history can fill.

    A column whose period is not in the history is left out (a blank column has no place in a report);
    `warn` (default: stderr) is told why.
    """
    import sys

    from ..catalog.load import load_catalog

    warn = warn or (lambda msg: print(msg, file=sys.stderr))
    this = parse_period(fig.period)
    catalog = load_catalog(fig.regime)
    out: dict[str, dict[str, Value]] = {}
    with open_store(db, create=False) as store:
        snap = Snapshot(store, top_unit=fig.unit)
        by_period = {ld.period: ld for ld in snap.loads}
        for kind in parse_compare(text):
            if kind == "cung-ky":
                target = Period(this.year - 1, this.kind).code
            else:
                earlier = [ld for ld in snap.loads if parse_period(ld.period).chrono < this.chrono]
                target = earlier[-1].period if earlier else ""
            load = by_period.get(target)
            if load is None:
                warn(f"Không có cột “{COMPARE[kind]}”: lịch sử “{Path(db).name}” chưa có số liệu kỳ "
                     f"{parse_period(target).phrase if target else 'trước kỳ ' + this.phrase}")
                continue
            vals = snap.values(load).get(fig.unit, {})
            col: dict[str, Value] = {}
            for ind in catalog.value_indicators():
                code, _ = translate(ind.key, catalog.regime, load.regime)
                if code is not None and vals.get(code) is not None:
                    col[ind.key] = vals[code]
            out[f"{COMPARE[kind]} ({parse_period(target).label})"] = col
    return out
