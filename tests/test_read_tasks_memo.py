"""`read_tasks` reads the task cells found once per workbook part (`tasks._task_cells`) exactly as it read
them name by name before: the same task reports, cell labels, findings and refusals, on a real return
with random values typed into its task cells (hypothesis), and on one whose task names were cut out."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcchc import layout
from xlcchc.plan.track import report_from_values
from xlcchc.read import ReturnError, read_return, tasks
from xlcchc.read.model import cell_label

from .bad_inputs.make_corpus import rewrite_zip, set_cells
from .conftest import ROOT

SAMPLE = ROOT / "samples" / "bao-cao-2023-9thang" / "BC_CCHC_9thang-2023_SCT.xlsx"


def _read_tasks_before(name, book, ret, catalog, unit, period) -> None:
    """`read_tasks` as it was before issue 17: after the same plan check, each task's names looked up and
    checked, cell by cell (the memo of `tasks._task_cells` is what is compared)."""
    plan = tasks.claimed_plan(name, book, ret, catalog, unit, period)
    if plan is None:
        return
    for t in plan.tasks_of(unit.code, unit.kind):
        values = []
        for field in tasks.FIELDS:
            ref = book.ref(layout.task_name(t.id, field))
            if not ref or ref[0] not in book.sheets:
                raise tasks.missing_cell(name, t.id)
            cell = book.cell(*ref)
            raw, _ = book.raw_value(cell)
            label = cell_label(*ref)
            ret.task_cells.setdefault(t.id, {})[field] = label
            if cell[3] is not None:
                ret.problems.append(tasks.typed_formula(name, label, unit, t.id, cell[3]))
                raw = None
            values.append(raw)
        ret.tasks[t.id] = report_from_values(t.id, *values)


def _both(path):
    """(what the reader gives now, what it gave with the task cells looked up name by name)."""
    def outcome():
        try:
            ret = read_return(path)
            return ("ok", ret.tasks, ret.task_cells, ret.problems, ret.plan)
        except ReturnError as e:
            return ("refused", e.code, str(e))

    now = outcome()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(tasks, "read_tasks", _read_tasks_before)
        before = outcome()
    return now, before


_VALUE = st.one_of(st.none(), st.integers(-5, 50000), st.floats(allow_nan=False, allow_infinity=False, width=32),
                   st.sampled_from(["Đã hoàn thành", "đang thực hiện ", "xong", "2023-03-20", "15/05/2023", " ", "=A1"]),
                   st.tuples(st.just("f"), st.sampled_from(["A1", "TODAY()"]), st.sampled_from([None, 1])),
                   st.tuples(st.just("e"), st.just("#N/A")), st.booleans(), st.tuples(st.just("date"), st.integers(1, 50000)))


def _task_names() -> list[str]:
    from xlcchc.read import _Book, _Package

    return sorted(n for n in _Book(_Package("x", SAMPLE.read_bytes())).names if n.startswith("NV_"))


TASK_NAMES = _task_names()


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from(TASK_NAMES), _VALUE, max_size=8))
def test_task_cells_read_as_name_by_name(tmp_path_factory, specs):
    path = tmp_path_factory.mktemp("t") / SAMPLE.name
    path.write_bytes(set_cells(SAMPLE.read_bytes(), specs) if specs else SAMPLE.read_bytes())
    now, before = _both(path)
    assert now == before and now[0] == "ok"


@pytest.mark.parametrize("cut", [0, 5, -1])
def test_a_task_name_cut_out_is_refused_at_the_same_cell(tmp_path, cut):
    """A task's name gone (and the layout hash in the metadata made to agree, as only a crafted file does):
    refused as before, at the same first missing cell, even after the good file's part was remembered."""
    read_return(SAMPLE)
    data = SAMPLE.read_bytes()
    gone = TASK_NAMES[cut]

    def drop(xml: bytes) -> bytes:
        return re.sub(rb'<definedName name="' + gone.encode() + rb'">[^<]*</definedName>', b"", xml)

    cut_data = rewrite_zip(data, {"xl/workbook.xml": drop})
    from xlcchc.read import _Book, _Package

    names = _Book(_Package("x", cut_data)).names
    path = tmp_path / SAMPLE.name
    path.write_bytes(set_cells(cut_data, {layout.meta_name("layout"): layout.layout_hash(names)}))
    now, before = _both(path)
    assert now == before and now[0] == "refused" and now[1] == "doc.names_missing", now
