"""Templates for many units at once (`template --all-units`): ~190 units of a two-tier province in seconds.

A template depends on its unit in two ways only: which rows and rules apply to it (its kind, or its code
where a row names it as lead or filler), and the unit's own strings (code, name, official code) printed on
the cover, in the sheet headers and footers, the metadata and the document properties. Units that fill
the same rows share everything else, so one template is built per such group, for a placeholder unit whose
strings cannot occur anywhere else in a workbook, and each unit's template is that one with the placeholder
strings replaced in the XML parts. A test compares the result byte for byte with `template_bytes`.
"""

from __future__ import annotations

from collections.abc import Iterator

from .catalog.models import Catalog, Unit
from .periods import Period

# Private-use characters: never in a catalog label, a unit name or a period (and escaped the same way).
_NAME = "\ue000TÊN\ue001"
_SHORT = "\ue000NGẮN\ue001"
_CODE = "ZQXCODEQXZ"
_OFFICIAL = 987654321


def _signature(catalog: Catalog, unit: Unit, period: Period) -> tuple:
    """What a unit's template depends on besides its strings: rows, formulas, and the plan's tasks it leads."""
    from .template_tasks import task_layout

    inds = catalog.value_indicators()
    tasks = task_layout(catalog, unit, period)
    return (unit.kind, unit.official_code is None, unit.short is None,
            tuple(catalog.applies(i, unit) for i in inds), tuple(catalog.computed(i, unit) for i in inds),
            tuple(t.id for t in tasks.tasks) if tasks else ())


def _xml(s: str) -> bytes:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


def templates_for_units(catalog: Catalog, units: list[Unit], period: Period, *, key=None) -> Iterator[tuple[Unit, bytes]]:
    """(unit, template bytes) for each unit, in the order given; equal to `template_bytes` for each."""
    import io
    import zipfile

    from .signing import signing_key
    from .template import _write_zip, template_bytes, template_meta, template_names

    key = key or signing_key()

    def signature(u: Unit) -> str:  # each unit's own: it covers the unit's code and name
        names, plan_meta = template_names(catalog, u, period)
        return template_meta(catalog, u, period, names, key, plan_meta=plan_meta)["signature"]

    bases: dict[tuple, tuple | None] = {}
    for unit in units:
        sig = _signature(catalog, unit, period)
        if sig not in bases:
            holder = unit.model_copy(update={
                "code": _CODE, "name": _NAME,
                "short": None if unit.short is None else _SHORT,
                "official_code": None if unit.official_code is None else _OFFICIAL,
            })
            # A unit named by code in the catalog (a lead agency) cannot be stood in for.
            if _signature(catalog, holder, period) == sig:
                with zipfile.ZipFile(io.BytesIO(template_bytes(catalog, holder, period, key=key))) as z:
                    infos = z.infolist()
                    parts = {i.filename: z.read(i.filename) for i in infos}
                marked = [n for n, body in parts.items() if _CODE.encode() in body or _xml(_NAME) in body
                          or _xml(_SHORT) in body or str(_OFFICIAL).encode() in body]
                bases[sig] = (infos, parts, marked, signature(holder).encode())
            else:
                bases[sig] = None
        base = bases[sig]
        if base is None:
            yield unit, template_bytes(catalog, unit, period, key=key)
            continue
        infos, parts, marked, holder_signature = base
        # The signature first: its hex digits must not be touched by the other replacements.
        pairs = [(holder_signature, signature(unit).encode()), (_xml(_NAME), _xml(unit.name)), (_CODE.encode(), _xml(unit.code))]
        if unit.short is not None:
            pairs.append((_xml(_SHORT), _xml(unit.short)))
        if unit.official_code is not None:
            pairs.append((str(_OFFICIAL).encode(), str(unit.official_code).encode()))
        mine = dict(parts)
        for name in marked:
            body = parts[name]
            for old, new in pairs:
                body = body.replace(old, new)
            mine[name] = body
        yield unit, _write_zip(infos, mine)
