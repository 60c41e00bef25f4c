"""The province's administrative-reform plans (kế hoạch CCHC): tasks, leads, deadlines and targets as data."""

from .deadline import Deadline, Milestone, parse_deadline
from .load import available_plans, load_plan, load_plan_file, plan_for, unstructured
from .models import KIND_LABELS, Annex, Plan, Target, Task, period_end

__all__ = [
    "Deadline", "Milestone", "parse_deadline", "available_plans", "load_plan", "load_plan_file", "plan_for",
    "unstructured", "KIND_LABELS", "Annex", "Plan", "Target", "Task", "period_end",
]
