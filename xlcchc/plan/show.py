"""`xlcchc plan show`: a plan as a person reads it (areas, tasks, leads, deadlines), or as stable JSON."""

from __future__ import annotations

import json
import textwrap

from ..catalog.load import load_registry
from .load import available_plans, load_plan
from .models import KIND_LABELS, Plan, Task
from .track import untracked_text

_KIND_WORDS = {"date": "hạn", "recurring": "định kỳ / thường xuyên", "conditional": "theo điều kiện", "text": "chưa rõ"}


def lead_names(plan: Plan, task: Task, *, short: bool = True) -> str:
    """The leads of a task for people: unit names from the registry, kinds by their printed phrase."""
    reg = load_registry(plan.registry)
    return "; ".join(KIND_LABELS.get(r) or reg.label(r, short=short) for r in task.lead_refs)


def cli_show(args) -> int:
    plan = load_plan(args.plan or available_plans()[-1])
    if args.json:
        print(json.dumps(plan.to_json(), ensure_ascii=False, indent=1))
        return 0
    print(f"{plan.title} ({plan.first_year}–{plan.last_year})" if plan.first_year != plan.last_year else plan.title)
    print(f"Kế hoạch: {plan.id} · danh mục đơn vị {plan.registry} · {len(plan.tasks)} nhiệm vụ, {len(plan.targets)} chỉ tiêu\n")
    for a in plan.annexes:
        name = f"Phụ lục số {a.id}" if a.id.isdigit() else f"Mục {a.id}"
        form = f" (Biểu mẫu {a.form})" if a.form else ""
        print(f"{name}. {a.title}{form}")
        for t in (t for t in plan.tasks if t.annex == a.id):
            d = t.deadline
            due = f" — {d.due:%d/%m/%Y}" if d.due else ""
            print(f"  {t.number:>3}. {textwrap.shorten(t.content, 100, placeholder=' …')}")
            print(f"       chủ trì: {lead_names(plan, t)} · thời hạn ({_KIND_WORDS[d.kind]}{due}): {t.deadline_text}")
            if untracked_text(t):  # a dated milestone beside recurring parts: which one can be overdue
                print(f"       theo dõi quá hạn theo mốc {d.tracked_due:%d/%m/%Y}; {untracked_text(t)[0].lower()}{untracked_text(t)[1:]}")
        print()
    if plan.targets:
        print("Chỉ tiêu:")
        for g in plan.targets:
            tie = f" [Biểu mẫu {g.indicator.replace(':', ', mục ')} {g.op} {g.value:g}]" if g.indicator else ""
            year = f" (năm {g.year})" if g.year else ""
            print(f"  {g.id}{year}: {textwrap.shorten(g.text, 110, placeholder=' …')}{tie}")
    return 0
