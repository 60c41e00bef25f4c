"""Filled returns for every unit of a province, fast: one template per group of units, patched per unit.

The national benchmark needs ≈3,800 distinct returns (one per unit of the 34 provinces). Through
`fill_template` that is ~70 ms a return (the template parsed, every part re-zipped): half an hour on
this machine. Units that fill the same rows share one template (xlcchc.template_units: built for a
placeholder unit), so here the template of a group is built and parsed once, and each unit's return
is that template with, in the sheet XML, the unit's figures, notes, cover and task statuses written
and the formula results cached (the same `patch_sheet` and `_cached_results` as `fill_template`), the
placeholder strings replaced by the unit's and the metadata re-signed for it; members that did not
change keep their compressed bytes (`template_zip.rezip`). Units named by code in the catalog (lead
agencies), which have a template of their own, go through `fill_template` itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
import zipfile
from pathlib import Path


def province_returns(regime: str, seed: int, *, key=None):
    """(unit, filled return bytes) for every reporting unit of `regime`'s registry, Năm 2026."""
    from xlcchc.catalog.load import load_catalog, registry_of
    from xlcchc.periods import parse_period
    from xlcchc.plan.load import plan_for
    from xlcchc.samples import _cover, distribute
    from xlcchc.samples_2026 import target_2026
    from xlcchc.signing import signing_key
    from xlcchc.template_units import _signature

    key = key or signing_key()
    cat = load_catalog(regime)
    reg = registry_of(cat)
    # The 2026 samples' provincial figures (the 2022 appendix's rows that remain), split over this province.
    target = dataclasses.replace(target_2026(cat, reg), regime=regime, notes={})
    rets = distribute(cat, reg, target, seed=seed, missing="")
    period = parse_period("2026-N")
    plan = plan_for(cat.regime, period)
    rng = random.Random(seed)
    units = reg.reporting_units()
    covers = {u.code: _cover(rng, rng.randint(5, 15), "Chính thức", 1, 2027) for u in units}
    rows: dict = {}
    groups: dict[tuple, list] = {}
    for u in units:
        groups.setdefault(_signature(cat, u, plan, rows), []).append(u)
    out: dict[str, bytes] = {}
    with _memo():
        for sig, members in groups.items():
            _group(cat, period, key, sig, members, plan, rets, covers, out)
    return [(u, out[u.code]) for u in units]


class _memo:
    """Within a group, cells of the blank template are read again for every unit (`read_cells`,
    `rule_rows`: pure functions of the part's bytes): read them once. Benchmark generation only.
    Patched in both modules that call them (xlcchc.template_book defines them, template_fill imports them)."""

    def __enter__(self):
        import xlcchc.template_book as B
        import xlcchc.template_fill as F

        self.modules = (B, F)
        self.saved = (B.read_cells, B.rule_rows)
        read, rows = self.saved
        cache: dict = {}

        def read_cells(xml, strings, refs):
            k = ("c", id(xml), id(strings), frozenset(refs))
            if k not in cache:
                cache[k] = (xml, strings, read(xml, strings, refs))  # the objects kept alive: ids stay theirs
            return dict(cache[k][2])

        def rule_rows(xml, strings):
            k = ("r", id(xml), id(strings))
            if k not in cache:
                cache[k] = (xml, strings, rows(xml, strings))
            return dict(cache[k][2])

        for m in self.modules:
            m.read_cells, m.rule_rows = read_cells, rule_rows
        return self

    def __exit__(self, *exc):
        for m in self.modules:
            m.read_cells, m.rule_rows = self.saved


def _group(cat, period, key, sig, members, plan, rets, covers, out) -> None:
    """The returns of one group of units that fill the same rows (see the module's docstring)."""
    from xlcchc import layout
    from xlcchc.template import load_book_bytes, template_bytes, template_meta, template_names
    from xlcchc.template_fill import _cached_results, _excel_date
    from xlcchc.template_units import _CODE, _NAME, _OFFICIAL, _SHORT, _holder, _SharedStrings, _signature, _xml, unit_pairs

    holder = _holder(members[0])
    if len(members) == 1 or _signature(cat, holder, plan) != sig:
        for u in members:
            out[u.code] = _filled_alone(cat, u, period, rets[u.code], covers[u.code], key)
        return
    data = template_bytes(cat, holder, period, key=key)
    book = load_book_bytes(data)
    names, plan_meta = template_names(cat, holder, period)
    meta = template_meta(cat, holder, period, names, key, plan_meta=plan_meta)
    marks = [meta["signature"].encode(), _CODE.encode(), _xml(_NAME), _xml(_SHORT), str(_OFFICIAL).encode()]
    marked = {n for n, body in book.parts.items() if any(m in body for m in marks)}
    strings = _SharedStrings(book.parts.get("xl/sharedStrings.xml"), marks)
    typed = [(i.key, layout.value_name(i.form, i.code), layout.note_name(i.form, i.code))
             for i in cat.value_indicators() if cat.applies(i, holder) and not cat.computed(i, holder)]
    for u in members:
        ret = rets[u.code]
        writes: dict[str, dict] = {}

        def put(name, value, writes=writes):
            if name not in book.names:
                return False
            part, ref = book.names[name]
            writes.setdefault(part, {})[ref] = value
            return True

        for k, vname, nname in typed:
            v = ret.values.get(k)
            if v is not None and not isinstance(v, bool):
                put(vname, v)
            if ret.notes.get(k):
                put(nname, str(ret.notes[k]))
        for name, value in sorted(covers[u.code].items()):
            put(name, _excel_date(value) if isinstance(value, (dt.date, dt.datetime)) else value)
        task_status, task_cached = _tasks(book, cat, u, period, put, writes)
        cached = _cached_results(book, cat, u, writes, task_status)
        for part, cells in task_cached.items():
            cached.setdefault(part, {}).update(cells)
        mine = template_meta(cat, u, period, names, key, plan_meta=plan_meta, layout_hash=meta["layout"])
        pairs = unit_pairs(u, marks[0], mine["signature"])
        if strings.collide(pairs):  # a string of the unit's is a text the template has elsewhere
            out[u.code] = _filled_alone(cat, u, period, ret, covers[u.code], key)
            continue
        out[u.code] = _patched(data, book, writes, cached, marked, pairs)


def _tasks(book, cat, unit, period, put, writes):
    """Task statuses of the sample generator, written like `fill_template` does (a period with a plan)."""
    from xlcchc.samples_tasks import sample_tasks
    from xlcchc.template_fill import _current
    from xlcchc.template_tasks import fill_tasks
    from xlcchc.values import ValuesDoc

    tasks = sample_tasks(cat, unit, period)
    if not tasks:
        return {}, {}
    doc = ValuesDoc(regime=cat.regime, unit=unit.code, period=period.code, values=[], tasks=tasks)
    _, _, status, cached = fill_tasks(book, doc, cat, unit, period, put, lambda n: _current(book, writes, n))
    return status, cached


def _patched(data: bytes, book, writes: dict, cached: dict, marked: set[str], pairs: list) -> bytes:
    from xlcchc.template_book import patch_sheet
    from xlcchc.template_zip import rezip, write_zip

    bodies = {}
    for part in sorted(set(writes) | set(cached) | marked):
        body = book.parts[part]
        if part in writes or part in cached:
            body, done = patch_sheet(body, writes.get(part, {}), cached.get(part, {}))
            if set(writes.get(part, {})) - done:
                raise RuntimeError(f"input cells not written in {part}")
        if part in marked:
            for old, new in pairs:
                body = body.replace(old, new)
        bodies[part] = body
    fast = rezip(data, bodies)
    if fast is not None:
        return fast
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return write_zip(z.infolist(), {**book.parts, **bodies})


def _filled_alone(cat, unit, period, ret, cover, key) -> bytes:
    """A unit with a template of its own: `fill_template`, as `xlcchc values import` does."""
    import tempfile

    from xlcchc.samples import _doc
    from xlcchc.template import fill_template, template_bytes

    with tempfile.TemporaryDirectory(prefix="xlcchc-gen-") as tmp:
        tpl, out = Path(tmp) / "t.xlsx", Path(tmp) / "r.xlsx"
        tpl.write_bytes(template_bytes(cat, unit, period, key=key))
        fill_template(tpl, _doc(cat, unit, period.code, ret), out, cover=cover)
        return out.read_bytes()
