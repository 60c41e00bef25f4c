"""`plan_progress` works out each task's lead units once per distinct set of lead refs: the same rows, in
the same order, as `lead_units` of every task, for every plan and registry there is."""

import pytest

from xlcchc.catalog import load_catalog, registry_of
from xlcchc.merge.plan import lead_units, plan_progress
from xlcchc.periods import parse_period
from xlcchc.plan import plan_for


@pytest.mark.parametrize("regime, period", [("tinh-2022", "2023-N"), ("tinh-2025", "2026-N"), ("tinh-2025", "2030-6T")])
def test_each_task_has_the_rows_of_its_own_lead_units(regime, period):
    catalog = load_catalog(regime)
    registry = registry_of(catalog)
    plan = plan_for(catalog.regime, parse_period(period))
    progress = plan_progress(catalog, registry, period, {}, {})
    assert progress is not None and len({tuple(t.lead_refs) for t in plan.tasks}) < len(plan.tasks)  # shared refs
    assert [tp.task for tp in progress.tasks] == plan.tasks
    for tp in progress.tasks:
        assert [r.unit for r in tp.leads] == lead_units(tp.task, registry)
        assert all(r.task is tp.task and r.report is None and r.file is None for r in tp.leads)
