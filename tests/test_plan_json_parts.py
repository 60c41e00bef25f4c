"""TONG_HOP's plan record is written a unit at a time (`PlanProgress.json_parts`): the same text as the whole
record dumped at once (`to_json`), for the real two-tier plan and for unit codes and task ids made to collide."""

import json
from datetime import date
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from xlcchc.catalog import load_catalog, registry_of
from xlcchc.merge.plan import LeadRow, PlanProgress, TaskProgress, plan_progress
from xlcchc.plan.track import STATUSES, TaskReport

CAT = load_catalog("tinh-2025")
REG = registry_of(CAT)
UNITS = [u for u in REG.units if u.code != REG.top]


def dumps(obj) -> str:
    """As TONG_HOP's metadata sheet writes its JSON values (`workbook._write_meta`)."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


TEXT = st.text(st.sampled_from('aĐ“”"\\,:{}[]|\n\x01\u2028😀 '), max_size=12)
REPORT = st.builds(
    TaskReport, task=st.just(""), status=st.sampled_from([*STATUSES, None]),
    done_on=st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2031, 12, 31))), product=TEXT,
    bad_status=st.one_of(st.none(), TEXT),
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.data())
def test_parts_of_the_two_tier_plan_are_the_whole_record(data):
    """Random reports of random units (some silent) on the 2026–2030 plan, with random file names."""
    from xlcchc.plan import plan_for
    from xlcchc.periods import parse_period

    plan = plan_for(CAT.regime, parse_period("2026-N"))
    units = data.draw(st.lists(st.sampled_from(UNITS), max_size=40, unique_by=lambda u: u.code))
    reports, files = {}, {}
    for u in units:
        mine = plan.tasks_of(u.code, u.kind)
        chosen = data.draw(st.lists(st.sampled_from(mine), unique_by=lambda t: t.id)) if mine else []
        reports[u.code] = {t.id: data.draw(REPORT) for t in chosen}
        if data.draw(st.booleans()):
            files[u.code] = data.draw(TEXT)
    progress = plan_progress(CAT, REG, "2026-N", reports, files)
    assert progress is not None and any(r.report for tp in progress.tasks for r in tp.leads) or not any(reports.values())
    assert "".join(progress.json_parts(dumps)) == dumps(progress.to_json())


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.text(st.sampled_from("A-B |é"), min_size=1, max_size=4),
                          st.lists(st.tuples(st.text(st.sampled_from("1.|a"), max_size=3), REPORT), max_size=4)),
                max_size=8))
def test_unit_codes_that_prefix_each_other_or_hold_a_bar_give_the_whole_record(rows):
    """Codes like “A”, “A-B”, “AB”, “A|B” and task ids like “1|a” or a repeated id: the sorted keys and a
    repeated key's last report, as the record dumped at once (a code with `|` takes that path itself)."""
    plan = SimpleNamespace(id="kh-x", fingerprint="f" * 8)
    tasks = []
    for unit, reps in rows:
        for tid, rep in reps:  # one task per report: the same id may come back, under another unit too
            task = SimpleNamespace(id=tid)
            tasks.append(TaskProgress(task=task, leads=[LeadRow(task=task, unit=unit, report=rep, situation="",
                                                                file=unit * 2 or None)]))
    progress = PlanProgress(plan=plan, period="2026-N", end=date(2026, 12, 31), tasks=tasks)
    assert "".join(progress.json_parts(dumps)) == dumps(progress.to_json())


def test_a_merge_with_its_plan_writes_the_record_the_read_back_takes(tmp_path):
    """End to end on the 2026 samples: the plan blob in TONG_HOP's metadata is the whole record dumped."""
    from xlcchc.merge import merge_folder
    from xlcchc.merge.readback import open_provincial
    from xlcchc.samples_2026 import RETURNS_DIR, write_samples

    write_samples(tmp_path)
    out = tmp_path / "TONG_HOP.xlsx"
    got = {}
    import xlcchc.merge.workbook as workbook

    real = workbook._write_meta

    def keep(wb, ws, merged, tmpdir=None):
        got["record"] = dumps(merged.plan.to_json())
        return real(wb, ws, merged, tmpdir)

    workbook._write_meta = keep
    try:
        merge_folder(tmp_path / RETURNS_DIR, out)
    finally:
        workbook._write_meta = real
    meta = open_provincial(out).meta
    chunks = [meta[f"plan#{i}"] for i in range(len(meta)) if f"plan#{i}" in meta]
    assert len(chunks) > 1 and json.loads(got["record"])["reports"]  # several 30,000-character chunks
    assert "".join(chunks) == got["record"]
