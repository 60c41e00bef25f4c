"""Templates for many units at once (`template --all-units`): ~190 units of a two-tier province in seconds.

A template depends on its unit in two ways only: which rows and rules apply to it (its kind, or its code
where a row names it as lead or filler), and the unit's own strings (code, name, official code) printed on
the cover, in the sheet headers and footers, the metadata and the document properties. Units that fill
the same rows share everything else, so one template is built per such group, for a placeholder unit whose
strings cannot occur anywhere else in a workbook, and each unit's template is that one with the placeholder
strings replaced in the XML parts (xlcchc.template_zip: only the members' tails are compressed again) and
the metadata signed for the unit (the layout hash is the group's). The builds run on both cores where the
system can fork (results in a fixed order, so the files are the same whatever the number of processes).
A test compares the result byte for byte with `template_bytes`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from .catalog.models import Catalog, Unit
from .periods import Period

# Private-use characters: never in a catalog label, a unit name or a period (and escaped the same way).
_NAME = "\ue000TÊN\ue001"
_SHORT = "\ue000NGẮN\ue001"
_CODE = "ZQXCODEQXZ"
_OFFICIAL = 987654321

#: Fewer builds than this are not worth starting processes for.
POOL_MIN_BUILDS = 4


def _signature(catalog: Catalog, unit: Unit, plan, rows: dict | None = None) -> tuple:
    """What a unit's template depends on besides its strings: rows, formulas, and the plan's tasks it leads.

    `plan`: the period's plan (or None); `rows`: a memo of the rows part by `catalog.fill_key` (units with
    one key fill the same rows: the 166 communes have one)."""
    fill = catalog.fill_key(unit)
    got = None if rows is None else rows.get(fill)
    if got is None:
        inds = catalog.value_indicators()
        got = (tuple(catalog.applies(i, unit) for i in inds), tuple(catalog.computed(i, unit) for i in inds))
        if rows is not None:
            rows[fill] = got
    tasks = plan.tasks_of(unit.code, unit.kind) if plan is not None else ()
    return (unit.kind, unit.official_code is None, unit.short is None, *got, tuple(t.id for t in tasks))


def _xml(s: str) -> bytes:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


def _holder(unit: Unit) -> Unit:
    return unit.model_copy(update={
        "code": _CODE, "name": _NAME,
        "short": None if unit.short is None else _SHORT,
        "official_code": None if unit.official_code is None else _OFFICIAL,
    })


def _built(catalog: Catalog, period: Period, key, builds: list[Unit], workers: int | None) -> Iterator[bytes]:
    """Template bytes of `builds`, in their order: on a pool of forked processes when there are many."""
    from .forked import forked_map
    from .template import template_bytes

    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(builds) >= POOL_MIN_BUILDS else 1
    return forked_map(lambda unit: template_bytes(catalog, unit, period, key=key), builds, workers)


def templates_for_units(catalog: Catalog, units: list[Unit], period: Period, *, key=None,
                        workers: int | None = None) -> Iterator[tuple[Unit, bytes]]:
    """(unit, template bytes) for each unit, in the order given; equal to `template_bytes` for each.

    `workers`: processes building the groups' templates (default: both cores when there are several
    builds). The largest groups are built first, so the units derived from them are ready while the
    other builds run."""
    from .plan.load import plan_for
    from .signing import signing_key

    key = key or signing_key()
    plan = plan_for(catalog.regime, period)
    rows: dict = {}
    sigs = [_signature(catalog, u, plan, rows) for u in units]
    members: dict[tuple, list[int]] = {}
    for i, sig in enumerate(sigs):
        members.setdefault(sig, []).append(i)
    # What is built: a placeholder per group of several units (when it stands in: a unit named by code in
    # the catalog, a lead agency, cannot), else each unit itself; the largest groups first.
    builds: list[tuple[Unit, list[int], tuple | None]] = []  # (unit built, units it gives, group signature)
    for sig, idx in members.items():
        holder = _holder(units[idx[0]]) if len(idx) > 1 else None
        if holder is not None and _signature(catalog, holder, plan) == sig:
            builds.append((holder, idx, sig))
        else:
            builds.extend((units[i], [i], None) for i in idx)
    order = sorted(range(len(builds)), key=lambda b: (-len(builds[b][1]), builds[b][1][0]))
    builds = [builds[b] for b in order]

    ready: dict[int, bytes] = {}
    nxt = 0
    results = _built(catalog, period, key, [b[0] for b in builds], workers)
    for (built, idx, sig), data in zip(builds, results):
        if sig is None:
            ready[idx[0]] = data
        else:
            derive = _deriver(catalog, period, key, built, data)
            for i in idx:
                ready[i] = derive(units[i])
        while nxt in ready:
            yield units[nxt], ready.pop(nxt)
            nxt += 1


class _SharedStrings:
    """The group template's shared strings, to tell when a unit's strings would be merged with another.

    xlsxwriter writes each distinct text once: a unit whose name or official code equals a text already
    in the workbook (Hà Nội's official code is 1, a column number elsewhere) shares that entry in its
    own template, where the placeholder had an entry of its own. Such a unit is built on its own."""

    _SI = re.compile(rb"<si>.*?</si>", re.S)

    def __init__(self, sst: bytes | None, markers: list[bytes]):
        items = self._SI.findall(sst or b"")
        self.fixed = {t for t in items if not any(m in t for m in markers)}
        self.marked = [t for t in items if any(m in t for m in markers)]

    def collide(self, pairs: list[tuple[bytes, bytes]]) -> bool:
        seen: set[bytes] = set()
        for t in self.marked:
            for old, new in pairs:
                t = t.replace(old, new)
            if t in self.fixed or t in seen:
                return True
            seen.add(t)
        return False


def unit_pairs(unit: Unit, signature: bytes, mine: str) -> list[tuple[bytes, bytes]]:
    """The replacements that turn the placeholder's strings into `unit`'s (the signature first: its hex
    digits must not be touched by the other replacements)."""
    pairs = [(signature, mine.encode()), (_xml(_NAME), _xml(unit.name)), (_CODE.encode(), _xml(unit.code))]
    if unit.short is not None:
        pairs.append((_xml(_SHORT), _xml(unit.short)))
    if unit.official_code is not None:
        pairs.append((str(_OFFICIAL).encode(), str(unit.official_code).encode()))
    return pairs


def _deriver(catalog: Catalog, period: Period, key, holder: Unit, data: bytes):
    """unit → its template, from the group's template built for `holder` (strings replaced, re-signed)."""
    import io
    import zipfile

    from .template import template_meta, template_names
    from .template_zip import ZipPatcher

    names, plan_meta = template_names(catalog, holder, period)
    meta = template_meta(catalog, holder, period, names, key, plan_meta=plan_meta)
    layout = meta["layout"]  # the names, hence the layout hash, are the group's
    signature = meta["signature"].encode()
    markers = [signature, _CODE.encode(), _xml(_NAME), _xml(_SHORT), str(_OFFICIAL).encode()]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    try:
        patcher = ZipPatcher(data, {n: body for n, body in parts.items() if any(m in body for m in markers)}, markers)
    except ValueError:  # not the zip form `_write_zip` writes (cannot happen today): each unit built on its own
        from .template import template_bytes

        return lambda unit: template_bytes(catalog, unit, period, key=key)

    strings = _SharedStrings(parts.get("xl/sharedStrings.xml"), markers)

    def derive(unit: Unit) -> bytes:
        mine = template_meta(catalog, unit, period, names, key, plan_meta=plan_meta, layout_hash=layout)
        pairs = unit_pairs(unit, signature, mine["signature"])
        if strings.collide(pairs):
            from .template import template_bytes

            return template_bytes(catalog, unit, period, key=key)
        return patcher.patched(pairs)

    return derive


class TemplateSource:
    """Templates of units asked for one at a time (`national returns`: one province after another), each
    group of units that fill the same rows built once; equal to `template_bytes` for each unit."""

    def __init__(self, catalog: Catalog, period: Period, *, key=None):
        from .plan.load import plan_for
        from .signing import signing_key

        self.catalog, self.period, self.key = catalog, period, key or signing_key()
        self._plan = plan_for(catalog.regime, period)
        self._rows: dict = {}
        self._derive: dict[tuple, object] = {}

    def template(self, unit: Unit) -> bytes:
        from .template import template_bytes

        sig = _signature(self.catalog, unit, self._plan, self._rows)
        derive = self._derive.get(sig)
        if derive is None:
            holder = _holder(unit)
            if _signature(self.catalog, holder, self._plan) != sig:  # named in the catalog: its own template
                return template_bytes(self.catalog, unit, self.period, key=self.key)
            data = template_bytes(self.catalog, holder, self.period, key=self.key)
            derive = self._derive[sig] = _deriver(self.catalog, self.period, self.key, holder, data)
        return derive(unit)
