"""The merge's parent keeps one object for the task ids, statuses and dates its returns repeat
(`FileResult.unpack_findings(shared)`): the same reports as unpacking each return on its own."""

import pickle
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from xlcchc.merge.collect import FileResult
from xlcchc.plan.track import STATUSES, TaskReport, report_from_values

_TEXT = st.text(st.sampled_from("aĐ “”|\n0"), max_size=8)
_REPORT = st.builds(
    report_from_values, task_id=st.sampled_from(["I.1", "I.4", "II.2", "VII.10"]),
    status=st.one_of(st.none(), st.sampled_from([*STATUSES, "đã hoàn thành", "xong", ""]), _TEXT),
    done_on=st.one_of(st.none(), st.dates(date(2025, 1, 1), date(2027, 12, 31)), st.integers(0, 60000), _TEXT),
    product=st.one_of(st.none(), _TEXT), note=st.one_of(st.none(), _TEXT),
)


def _arrived(reports: dict) -> FileResult:
    """A result as the parent gets it from a pool worker: packed there, pickled, unpickled here."""
    res = FileResult(rel="a.xlsx", sha256="0" * 64, mtime=0.0, unit="X", tasks=dict(reports))
    return pickle.loads(pickle.dumps(res.pack_findings()))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.dictionaries(st.sampled_from(["I.1", "I.4", "II.2", "VII.10", "x|y"]), _REPORT, max_size=5),
                min_size=1, max_size=4))
def test_shared_reports_are_the_reports_unpacked_alone(returns):
    shared: dict = {}
    for reports in returns:
        alone, kept = _arrived(reports), _arrived(reports)
        alone.unpack_findings()
        kept.unpack_findings(shared)
        assert all(type(r) is TaskReport for r in kept.tasks.values())
        assert list(kept.tasks.items()) == list(alone.tasks.items()) == list(reports.items())
        for task, r in kept.tasks.items():  # one object per value over the returns
            assert shared[task] is task and shared[r.task] is r.task
            assert r.status is None or shared[r.status] is r.status
            assert r.done_on is None or shared[r.done_on] is r.done_on


def test_a_key_unlike_its_report_keeps_both():
    """A task dict whose key is not its report's own id (never made by the reader) is unpacked as it was."""
    res = _arrived({"I.1": TaskReport(task="I.4", status=STATUSES[0], product="VB 1")})
    res.unpack_findings({})
    assert list(res.tasks.items()) == [("I.1", TaskReport(task="I.4", status=STATUSES[0], product="VB 1"))]
