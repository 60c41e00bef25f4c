"""Task statuses for the sample returns of a period covered by a plan (kh-2023 on the 9-month 2023 samples,
kh-2026-2030 on the 2026 samples).

Deterministic per (seed, unit, task), so regenerating gives the same files. Besides ordinary statuses
the mix carries what the consolidator must see on the plan sheet and the follow-up list: tasks done on
time and done late (completion date after the deadline), tasks overdue (due by the period end, not
done), tasks not yet reported, and a few tasks marked done without a product (a check error).
"""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta

from .catalog.models import Catalog, Unit
from .periods import Period
from .plan import period_end, plan_for
from .plan.track import DOING, DONE, NOT_APPLICABLE, NOT_STARTED, tracking_due

#: Planted per plan, (unit, task) → what the consolidator should find: a task done late, one overdue
#: (due by the period end, still in progress), one done without a product, one done on time.
PLANTED = {
    # 2026 samples: V.47 Quý I/2026 done in May; VI.54 Quý II/2026 in progress.
    "kh-2026-2030": {
        ("STC", "V.47"): "late",
        ("SKHCN", "VI.54"): "overdue",
        ("SNV", "III.23"): "no_product",
        ("STC", "V.49"): "on_time",
    },
    # 9 tháng 2023 samples (xlcchc.samples_2023): 05.1 “Tháng 3/2023” done in May; 01.2 “Quý III/2023” in
    # progress at 30/09; 01.5 “trong quý II/2023” done without a product; 01.3 (plan by Quý I, reports
    # every quarter) done on time; 07.1 (each unit's plan before 05/01/2023, reports every quarter) not done
    # by Thọ Xuân: overdue on its dated milestone although the rest of its deadline recurs.
    "kh-2023": {
        ("STC", "05.1"): "late",
        ("STTTT", "01.2"): "overdue",
        ("SNV", "01.5"): "no_product",
        ("STP", "01.3"): "on_time",
        ("H-THO-XUAN", "07.1"): "overdue",
    },
}

PRODUCTS = ("Quyết định số {n}/QĐ-{u} ngày {d}", "Kế hoạch số {n}/KH-{u} ngày {d}", "Báo cáo số {n}/BC-{u} ngày {d}")


def _rng(seed: int, unit: str, task: str) -> random.Random:
    h = hashlib.sha256(f"{seed}|{unit}|{task}".encode()).digest()
    return random.Random(int.from_bytes(h[:8], "big"))


def sample_tasks(catalog: Catalog, unit: Unit, period: Period | str, seed: int = 2026) -> list:
    """The unit's task rows for the period (empty when the period has no plan or the unit leads no task)."""
    from .periods import parse_period
    from .values import TaskRow

    period = parse_period(period) if isinstance(period, str) else period
    plan = plan_for(catalog.regime, period)
    if plan is None:
        return []
    end = period_end(period)
    rows = []
    for t in plan.tasks_of(unit.code, unit.kind):
        rng = _rng(seed, unit.code, t.id)
        due = tracking_due(t)
        roll = rng.random()
        planted = PLANTED.get(plan.id, {}).get((unit.code, t.id))
        if planted == "overdue":
            rows.append(TaskRow(task=t.id, status=DOING, note="Đang hoàn thiện dự thảo"))
            continue
        if planted == "late" and due:
            done = due + timedelta(days=45)
            rows.append(TaskRow(task=t.id, status=DONE, done_on=done.isoformat(),
                                product=f"Quyết định số 512/QĐ-UBND ngày {done.day}/{done.month}/{done.year}"))
            continue
        if planted in ("no_product", "on_time"):
            done = (min(due, end) if due else end) - timedelta(days=20)
            product = "" if planted == "no_product" else f"Quyết định số 88/QĐ-UBND ngày {done.day}/{done.month}/{done.year}"
            rows.append(TaskRow(task=t.id, status=DONE, done_on=done.isoformat(), product=product))
            continue
        if roll < 0.15:
            continue  # not reported
        if roll < 0.60:
            if due and due <= end and rng.random() < 0.35:
                done = due + timedelta(days=rng.randint(3, 40))  # late
                done = min(done, end)
                if done <= due:
                    done = due + timedelta(days=1)
            else:
                top = min(due, end) if due else end
                done = top - timedelta(days=rng.randint(0, 80))
            product = rng.choice(PRODUCTS).format(
                n=rng.randint(10, 999), u=unit.code.split("-")[0], d=f"{done.day}/{done.month}/{done.year}")
            rows.append(TaskRow(task=t.id, status=DONE, done_on=done.isoformat(), product=product))
        elif roll < 0.85:
            rows.append(TaskRow(task=t.id, status=DOING))
        elif roll < 0.95:
            rows.append(TaskRow(task=t.id, status=NOT_STARTED))
        else:
            rows.append(TaskRow(task=t.id, status=NOT_APPLICABLE, note="Không thuộc phạm vi của đơn vị trong kỳ"))
    return rows
