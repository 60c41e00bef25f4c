"""The demo's second part: this year's job, the two-tier province of 2026 (regime tinh-2025).

What a consolidator at the Sở Nội vụ does in December 2026: a locked template for every department and
each of the 166 communes and wards, the returns dropped into one folder (the 2026 sample bundle, written
on demand), one merge giving the provincial workbook with who has not sent and what is invalid, then the
appendix. No regime is named: the period picks tinh-2025, as it would for a user.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .demo import MergedPart
from .fileio import atomic_path

PERIOD = "Năm 2026"


@dataclass
class Demo2026(MergedPart):
    regime: str = ""
    regime_choice: str = ""  # the merge's sentence saying which regime it picked for the period
    templates: int = 0
    status_counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def run_demo_2026(output: Path | str, *, pdf: bool = True, templates: bool = True) -> Demo2026:
    from .appendix import write_appendix
    from .catalog.load import load_catalog, registry_of
    from .catalog.select import choose_regime
    from .merge import merge_folder, read_provincial
    from .merge.workbook import kind_counts
    from .periods import parse_period
    from .samples_2026 import RETURNS_DIR, write_samples
    from .template import template_filename
    from .fileio import write_bytes
    from .demo import appendix_pdf
    from .signing import sample_key
    from .template_units import templates_for_units

    # The demo is the sample world: its templates are signed with the published sample key, and the merge
    # verifies every return's signature with it (the merged-away commune's sample is signed for that unit).
    key = sample_key()
    started = time.monotonic()
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    period = parse_period(PERIOD)
    res = Demo2026(output=out, regime=choose_regime(None, period, quiet=True))
    catalog = load_catalog(res.regime)
    registry = registry_of(catalog)
    if templates:  # 1. one locked template per department and commune
        for unit, data in templates_for_units(catalog, registry.reporting_units(), period, key=key):
            write_bytes(out / "mau" / template_filename(unit, period), data)
            res.templates += 1
    # 2. the returns (sample bundle) and 3. the merge, the regime picked by the period
    write_samples(out)
    folder = out / RETURNS_DIR
    res.returns = sum(1 for p in folder.iterdir() if p.is_file())
    with atomic_path(out / "TONG_HOP_2026.xlsx", suffix=".xlsx") as tmp:
        tmp.unlink()
        # Neither regime nor period named, as a consolidator would: the period the returns state picks
        # the regime in force (tinh-2025), and the returns on the 2022 template are refused for it.
        merged = merge_folder(folder, tmp, key=key)
    res.provincial = out / "TONG_HOP_2026.xlsx"
    res.regime, res.regime_choice = merged.regime, merged.regime_choice
    fig = read_provincial(res.provincial)
    res.figures = fig
    res.status_counts = dict(Counter(st.status for st in fig.status))
    # 4. the appendix
    res.appendix = write_appendix(fig, out / "PHU_LUC_2026.xlsx", annexes=("plan",) if fig.plan else ())
    if pdf:
        res.pdf, res.pdf_problem = appendix_pdf(res.appendix, out)
    res.seconds = time.monotonic() - started
    res.lines = _summary(res, registry, kind_counts)
    return res


def _summary(res: Demo2026, registry, kind_counts) -> list[str]:
    from .numbers import fmt_vn

    fig = res.figures
    n_xa = sum(u.kind == "xa" for u in registry.reporting_units())
    L = [
        "",
        f"NĂM 2026 — TỈNH HAI CẤP (chế độ {res.regime}, chọn theo kỳ “{PERIOD}”; {registry.name})",
        f"1. Biểu mẫu trắng: {res.templates} tệp ({len(registry.reporting_units()) - n_xa} sở, ngành và {n_xa} xã, phường) "
        f"trong {res.output / 'mau'}",
        f"2. Bộ báo cáo mẫu năm 2026: {res.returns} tệp trong {res.output / 'bao-cao-2026'} "
        f"(lỗi cố ý: xem {res.output / 'README-2026.md'})",
        f"3. Tổng hợp → {res.provincial}: {kind_counts(_Merged(fig, registry))}",
    ]
    if res.regime_choice:
        L.append(f"   - {res.regime_choice}")
    for st in fig.status:
        if st.status in ("Chưa nộp",):
            L.append(f"   - Chưa nộp: {st.name or st.unit}")
        elif st.status in ("Trùng", "Sai kỳ báo cáo", "Không hợp lệ") and st.detail:
            L.append(f"   - {st.status}: {st.file or st.unit}: {st.detail}")
    for key in ("3:3.3.1", "3:3.3.2", "3:3.3"):
        ind = fig_ind(registry, key)
        v = fig.values.get(key)
        if v is not None and ind is not None:
            L.append(f"   - {ind}: {fmt_vn(v)}")
    if fig.plan:  # the plan sheet and the follow-up list of TONG_HOP_2026.xlsx (xlcchc.merge.plan)
        done = sum(t["completed"] for t in fig.plan["tasks"])
        L.append(f"   - {fig.plan['title']}: {done}/{len(fig.plan['tasks'])} nhiệm vụ đã hoàn thành (Biểu mẫu 1, "
                 f"mục 2.1/2.2, tính từ trang “Nhiệm vụ” của các đơn vị); trang “Kế hoạch” (nhiệm vụ × đơn vị chủ trì) "
                 f"và “Nhắc việc”: {fig.plan['follow_up']} việc quá hạn hoặc đến hạn trong 30 ngày")
        late = [t["id"] for t in fig.plan["tasks"] if t["situation"] in ("Quá hạn", "Hoàn thành quá hạn")]
        if late:
            L.append(f"   - Nhiệm vụ quá hạn hoặc hoàn thành quá hạn: {', '.join(late)}")
    L.append(f"4. Phụ lục năm 2026: {res.appendix}" + (f" và {res.pdf}" if res.pdf else f" (không có PDF: {res.pdf_problem})"))
    L.append(f"Thời gian phần năm 2026: {fmt_vn(round(res.seconds, 1))} giây.")
    return L


def fig_ind(registry, key: str) -> str | None:
    from .catalog.load import load_catalog

    ind = load_catalog("tinh-2025").indicators.get(key)
    return None if ind is None else f"Biểu mẫu {ind.form}, mục {ind.code} ({' '.join(ind.label.split())}), toàn tỉnh"


class _Merged:
    """The two attributes `kind_counts` reads, from a provincial workbook read back."""

    def __init__(self, fig, registry):
        self.status, self.registry = fig.status, registry
