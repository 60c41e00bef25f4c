"""Write the provincial workbook (TONG_HOP.xlsx): figures, adjustments, status, findings, provenance.

The consolidator works in this file: every consolidated figure is a formula over the per-unit columns
on its row (or over the final figures of the rows it is made from), so a click on a cell shows where a
number comes from, and the computed value is stored with it for readers that do not recalculate. The
only cells the consolidator may type in are the adjustment and reason columns; `read_provincial` reads
those by name and recomputes everything else, so a stale cached value can never reach the appendix.

Written with xlsxwriter in constant-memory mode (row by row: memory does not grow with the number of
units beyond one row), to a temporary file replaced atomically, with a fixed creation date so that the
same inputs give the same bytes.

Each sheet family has its own module: `form_sheets` (Biểu mẫu N, adjustments), `status_sheets` (status,
findings, unit notes, provenance), `dashboard`, `plan_sheet`, with the shared formats and print set-up in
`sheet_style`. This module creates the workbook, orders the sheets and writes the metadata.
"""

from __future__ import annotations

import datetime as _dt
import json
import tempfile
from contextlib import ExitStack
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from ..console import name_text
from ..fileio import atomic_path, private_tmpdir
from ..layout import META_SHEET, form_sheet, meta_name
from .aggregate import sum_rule_terms
from .dashboard import write_dashboard
from .form_sheets import ADJUST_HELP, FIRST_ROW, KIND_WORDS, UNIT_COL, method_text, write_adjustments, write_form
from .model import PROVINCIAL_FORMAT, PROVINCIAL_KIND, Merged
from .sheet_rows import RowWriter, check_drawings
from .sheet_style import (
    ADJUST_SHEET,
    DASHBOARD_SHEET,
    FINDINGS_SHEET,
    PROVENANCE_SHEET,
    STATUS_SHEET,
    UNIT_NOTES_SHEET,
    Formats,
    forget_measures,
    print_areas,
)
from .status_sheets import (
    KIND_LABELS,
    kind_counts,
    write_findings,
    write_provenance,
    write_status,
    write_unit_notes,
)

__all__ = ["write_provincial", "method_text", "kind_counts", "ADJUST_HELP", "KIND_WORDS", "KIND_LABELS",
           "DASHBOARD_SHEET", "STATUS_SHEET", "ADJUST_SHEET", "FINDINGS_SHEET", "UNIT_NOTES_SHEET",
           "PROVENANCE_SHEET"]

FIXED_CREATED = _dt.datetime(2000, 1, 1)


#: Metadata values longer than this are split over several rows (`key#0`, `key#1`, …): a cell holds 32,767.
CHUNK = 30000


def write_provincial(merged: Merged, output: Path | str) -> Path:
    """Write TONG_HOP.xlsx atomically: a crash or a locked file never leaves a half-written output."""
    output = Path(output)
    try:
        with private_tmpdir() as work, atomic_path(output, suffix=".xlsx") as tmp:  # both removed even on failure
            _write(merged, tmp, name_text(output.name), work)  # a name's undecodable bytes as escapes
    finally:
        forget_measures()  # the row heights' measures of this workbook's texts are not kept after it
    return output


def _write(merged: Merged, path: Path, output_name: str, tmpdir: str | None = None) -> None:
    wb = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False, "constant_memory": True,
         "tmpdir": tmpdir,  # xlsxwriter's own work files hold unit data: a private folder
         # Normal = the cells' own Times New Roman 11, as in the appendix: column widths are stored in digits
         # of the Normal font, and with Calibri a machine without it (LibreOffice substitutes DejaVu Sans)
         # drew every column a third wider than Excel does, so rows sized for Excel's widths looked empty.
         "default_format_properties": {"font_name": "Times New Roman", "font_size": 11}},
    )
    wb.set_properties(
        {"title": "Tổng hợp số liệu CCHC", "author": "xlcchc", "created": FIXED_CREATED, "comments": merged.period}
    )
    wb.set_calc_mode("auto")
    fm = Formats(wb)
    catalog, registry = merged.catalog, merged.registry
    terms = sum_rule_terms(catalog)
    unit_cols = {u: UNIT_COL + i for i, u in enumerate(merged.units)}

    # Row of every indicator on its form sheet: formulas reference rows of other forms.
    rows: dict[str, int] = {}
    for form in catalog.forms:
        for i, ind in enumerate(form.indicators):
            rows[ind.key] = FIRST_ROW + i

    dashboard = wb.add_worksheet(DASHBOARD_SHEET)
    status_ws = wb.add_worksheet(STATUS_SHEET)
    form_ws = {f.number: wb.add_worksheet(form_sheet(f.number)) for f in catalog.forms}
    adjust_ws = wb.add_worksheet(ADJUST_SHEET)
    findings_ws = wb.add_worksheet(FINDINGS_SHEET)
    notes_ws = wb.add_worksheet(UNIT_NOTES_SHEET)
    prov_ws = wb.add_worksheet(PROVENANCE_SHEET)
    if merged.plan is not None:  # the plan's tasks × lead units, and the follow-up list (xlcchc.merge.plan_sheet)
        from .plan_sheet import FOLLOW_UP_SHEET, PLAN_SHEET, write_follow_up, write_plan_sheet

        plan_ws, follow_ws = wb.add_worksheet(PLAN_SHEET), wb.add_worksheet(FOLLOW_UP_SHEET)
    meta_ws = wb.add_worksheet(META_SHEET)

    top = registry.by_code.get(registry.top)
    heading = f"{top.name if top else registry.top} — {merged.period_label}"

    for form in catalog.forms:
        write_form(wb, form_ws[form.number], fm, merged, form, rows, unit_cols, terms, heading)
    write_status(status_ws, fm, merged, heading)
    write_adjustments(adjust_ws, fm, merged)
    write_findings(findings_ws, fm, merged, output_name)
    write_unit_notes(notes_ws, fm, merged)
    write_provenance(prov_ws, fm, merged)
    if merged.plan is not None:
        write_plan_sheet(plan_ws, fm, merged.plan, registry, heading)
        write_follow_up(follow_ws, fm, merged.plan, registry, heading)
    write_dashboard(wb, dashboard, fm, merged, heading)
    _write_meta(wb, meta_ws, merged, tmpdir)
    dashboard.activate()
    print_areas(wb)
    check_drawings(wb)  # a row RowWriter wrote has no height left to place a drawing by
    wb.close()


def _write_meta(wb, ws, merged: Merged, tmpdir: str | None = None) -> None:
    """Key/value metadata (column A/B), very hidden; row 1 holds the row count, long JSON values are
    split over rows `key#0`, `key#1`, … (a cell holds at most 32,767 characters)."""
    catalog, registry = merged.catalog, merged.registry
    pairs: list[tuple[str, str]] = [
        ("format", PROVINCIAL_FORMAT),
        ("kind", PROVINCIAL_KIND),
        ("regime", catalog.regime),
        ("fingerprint", catalog.fingerprint),
        ("registry", registry.id),
        ("unit", registry.top),
        ("period", merged.period),
        ("period_label", merged.period_label),
        ("unit_col", xl_col_to_name(UNIT_COL)),
    ]

    def dumps(obj) -> str:
        return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    # The status list holds a line per file, each turned into JSON alone (the same text as the whole list at
    # once). Row 1 gives the row count and rows are written in order (constant memory), so the lists' text
    # is made first, into a work file of the private folder (where xlsxwriter keeps the sheets' rows), and
    # cut into chunks from there. It never exists whole in memory (as a list of chunks it was ~0.5 KiB a
    # file at the merge's peak; issue 17: the parent ≤ 1 KiB a file), and each line is made once (making
    # the lists twice, once to count their chunks, cost ~20 µs a line).
    with ExitStack() as files:
        blobs = {
            "units": _Text(dumps(merged.units)),
            "status": _spool(files, tmpdir, _json_list(dumps(s.model_dump(mode="json")) for s in merged.status)),
            "unit_findings": _spool(files, tmpdir,
                                    _json_list(dumps(f.model_dump(mode="json")) for f in merged.unit_findings)),
        }
        if merged.plan is not None:
            blobs["plan"] = _spool(files, tmpdir, merged.plan.json_parts(dumps))  # a unit at a time (plan.py)
        _write_meta_rows(wb, ws, pairs, blobs)


def _write_meta_rows(wb, ws, pairs: list[tuple[str, str]], blobs: dict) -> None:
    """Row 1 the row count, then the pairs (the defined names point at some), then each blob's chunks."""
    chunks = sum(max(1, -(-blob.length // CHUNK)) for blob in blobs.values())  # as `_chunks` cuts
    # A row at a time (sheet_rows.RowWriter; cells without a format, as the API wrote them): xlsxwriter's
    # own cell path ran two control-character expressions and a whitespace one over every 30,000-character
    # chunk, ~2 ms each.
    out = RowWriter(ws)
    out.row(0, [("rows", None), (len(pairs) + chunks + 1, None)])
    for r, (key, value) in enumerate(pairs, start=1):
        out.row(r, [(key, None), (value, None)])
        if key in ("format", "regime", "fingerprint", "unit", "period", "kind"):
            wb.define_name(meta_name(key), f"='{META_SHEET}'!$B${r + 1}")
    r = len(pairs) + 1
    for key, blob in blobs.items():
        for i, chunk in enumerate(_chunks(blob.parts(), CHUNK)):
            out.row(r, [(f"{key}#{i}", None), (chunk, None)])
            r += 1
    out.done()
    ws.very_hidden()


class _Text:
    """A metadata value held as one text."""

    def __init__(self, text: str):
        self.text, self.length = text, len(text)

    def parts(self, size: int = CHUNK):
        return [self.text]


class _Spooled:
    """A metadata value written to a work file as its parts came; `parts()` reads it back a chunk at a time."""

    def __init__(self, fh, length: int):
        self.fh, self.length = fh, length

    def parts(self, size: int = CHUNK):
        self.fh.seek(0)
        return iter(lambda: self.fh.read(size), "")  # `size` characters at a time (text mode)


def _spool(files: ExitStack, tmpdir: str | None, parts) -> _Spooled:
    """The parts' text in a temporary file of `tmpdir` (closed, and so removed, with `files`). No newline
    translation (newline=""): the chunks read back are the characters written."""
    fh = files.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8", newline="", dir=tmpdir))
    length = 0
    for part in parts:
        fh.write(part)
        length += len(part)
    return _Spooled(fh, length)


def _json_list(items):
    """The parts of a JSON list whose items are already JSON text: `[`, the items between commas, `]`."""
    yield "["
    for i, item in enumerate(items):
        yield "," + item if i else item
    yield "]"


def _chunks(parts, size: int):
    """The chunks `text[i : i + size]` of the text the parts make, one empty chunk for an empty text (as
    slicing the whole text did), holding at most one chunk and one part at a time."""
    pending: list[str] = []
    length = 0
    emitted = False
    for part in parts:
        pending.append(part)
        length += len(part)
        if length >= size:
            text = "".join(pending)
            cut = len(text) - len(text) % size
            for i in range(0, cut, size):
                yield text[i : i + size]
            emitted = True
            pending, length = [text[cut:]], len(text) - cut
    text = "".join(pending)
    if text or not emitted:
        yield text
