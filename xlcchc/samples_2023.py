"""The 9-month 2023 sample returns: the 2023 plan (kh-2023) tracked through the units' “Nhiệm vụ” sheets.

Why: the plan's sheets of the merge (“Kế hoạch”, “Nhắc việc”), Biểu mẫu 1 items 2.1/2.2 counted from the
tracked tasks and the plan annex need returns that carry task statuses for a period the plan covers; the
2022 bundle has no plan. The set is small on purpose (a few files beside the 2022 bundle): the units that
lead tasks of the plan by name, one department that leads only by kind and two districts, at 30/09/2023,
when most units have not sent yet. That is also what the follow-up list is for: every lead that has not
reported a task due by the period end is reminded, whether it sent a return or not.

Figures on the forms are the 2022 units' annual figures scaled to nine months (`samples_periods`);
task statuses come from `samples_tasks` (deterministic per unit and task) with the planted cases of
kh-2023 (`samples_tasks.PLANTED`): a task done late, overdue ones (one on the dated milestone of a
deadline that also recurs), one done without a product, one done on time.
"""

from __future__ import annotations

import random
from pathlib import Path

from .catalog.models import Catalog, Registry
from .layout import STATUS_FINAL

PERIOD = "2023-9T"
FOLDER = "bao-cao-2023-9thang"
TAG = "9thang-2023"
SHARE = (0.70, 0.80)  # of the 2022 year's figures, per unit (as the 9-month 2022 samples)
#: Named leads of kh-2023, one department that leads only as “Các sở, ban, ngành”, two districts.
UNITS = ("VPUBND", "SNV", "STP", "STC", "SKHDT", "STTTT", "SGDDT", "SYT", "SCT", "H-THO-XUAN", "TP-THANH-HOA")
SENT_MONTH = 10


def file_name(unit: str) -> str:
    return f"BC_CCHC_{TAG}_{unit}.xlsx"


def plan_files(catalog: Catalog, registry: Registry, clean: dict, work: Path, seed: int) -> tuple[dict[str, bytes], list]:
    """(relative path → bytes, planted samples) of the 9-month 2023 folder."""
    from .samples import _cover, _fill
    from .samples_periods import scaled_for_period

    rng = random.Random(seed)
    files: dict[str, bytes] = {}
    for code in UNITS:
        unit = registry.by_code[code]
        ret = scaled_for_period(clean[code], catalog, rng.uniform(*SHARE))
        cover = _cover(rng, rng.randint(3, 13), STATUS_FINAL, SENT_MONTH, 2023)
        files[f"{FOLDER}/{file_name(code)}"] = _fill(catalog, unit, PERIOD, ret, cover, work)
    return files, planted(catalog, registry)


def planted(catalog: Catalog, registry: Registry) -> list:
    """The README rows of the planted task statuses (from `samples_tasks.PLANTED`, with the plan's words)."""
    from .plan import load_plan
    from .plan.track import tracking_due
    from .samples import Sample
    from .samples_tasks import PLANTED

    plan = load_plan("kh-2023")
    what = {
        "late": ("hoàn thành sau hạn", "Kiểm tra: Cảnh báo task.late; trang “Kế hoạch”: “Hoàn thành quá hạn”"),
        "overdue": ("đến 30/09/2023 vẫn “Đang thực hiện”",
                    "Kiểm tra: Cảnh báo task.overdue; trang “Nhắc việc”: đơn vị được nhắc (“Quá hạn”)"),
        "no_product": ("“Đã hoàn thành” nhưng không ghi sản phẩm", "Kiểm tra: Lỗi task.product_missing"),
        "on_time": ("hoàn thành đúng hạn", "Trang “Kế hoạch”: “Hoàn thành đúng hạn”"),
    }
    out = []
    for (code, tid), case in sorted(PLANTED["kh-2023"].items(), key=lambda kv: (kv[0][1], kv[0][0])):
        t = plan.by_id[tid]
        due = tracking_due(t)
        text, expect = what[case]
        mixed = "; thời hạn có cả mốc ngày và phần định kỳ, mốc ngày được theo dõi" if t.deadline.untracked else ""
        out.append(Sample(
            f"{FOLDER}/{file_name(code)}", code,
            f"9 tháng 2023: nhiệm vụ {tid} của {plan.title} (hạn theo dõi {due:%d/%m/%Y}{mixed}) {text}",
            expect,
        ))
    return out


def readme_paragraph(registry: Registry) -> str:
    n = len(registry.reporting_units())
    return (
        f"`{FOLDER}/` (kỳ `{PERIOD}`, 9 tháng năm 2023) là bộ nhỏ theo dõi **Kế hoạch CCHC năm 2023** (`kh-2023`): "
        f"{len(UNITS)}/{n} đơn vị đã gửi đến ngày tổng hợp (các cơ quan chủ trì nhiệm vụ được nêu tên, một sở và hai "
        "huyện), mỗi tệp có trang “Nhiệm vụ” đã điền trạng thái. Số liệu biểu mẫu bằng số năm 2022 của đơn vị nhân "
        "70–80%. Tổng hợp: `xlcchc merge samples/" + FOLDER + " -o TONG_HOP_9THANG_2023.xlsx` cho trang “Kế hoạch” "
        "(nhiệm vụ × đơn vị chủ trì), “Nhắc việc” (đơn vị chưa hoàn thành nhiệm vụ đã đến hạn, kể cả đơn vị chưa gửi) "
        "và Biểu mẫu 1 mục 2.1/2.2 đếm từ các nhiệm vụ; `xlcchc demo` làm việc này và in tóm tắt."
    )
