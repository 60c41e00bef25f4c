"""Templates for many units: zips re-written without re-compressing what did not change, builds on 2 processes.

The fast paths must give the very bytes of the plain ones (`_write_zip`, `template_bytes`), or not be
taken at all."""

from __future__ import annotations

import io
import zipfile

from xlcchc.catalog import load_catalog, registry_of
from xlcchc.periods import parse_period
from xlcchc.template import _write_zip, rewrite_zip, template_bytes
from xlcchc.template_units import templates_for_units
from xlcchc.template_zip import ZipPatcher, rezip


def _parts(data: bytes) -> tuple[list[zipfile.ZipInfo], dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        return infos, {i.filename: z.read(i.filename) for i in infos}


def _template() -> bytes:
    cat = load_catalog("tinh-2025")
    return template_bytes(cat, registry_of(cat).by_code["X-CAC-SON"], parse_period("2026-N"))


def test_rezip_gives_the_bytes_of_a_full_rewrite():
    data = _template()
    infos, parts = _parts(data)
    assert rezip(data, {}) == _write_zip(infos, parts) == data
    edited = {"xl/workbook.xml": parts["xl/workbook.xml"].replace(b"<sheets>", b"<sheets> "),
              "xl/worksheets/sheet3.xml": parts["xl/worksheets/sheet3.xml"] + b"\n" * 70_000}  # longer than before
    fast = rezip(data, edited)
    assert fast == _write_zip(infos, {**parts, **edited})
    assert _parts(fast)[1] == {**parts, **edited}
    assert rewrite_zip(data, {n: (lambda b, n=n: edited[n]) for n in edited}) == fast


def test_rezip_declines_zips_of_another_form_and_rewrite_zip_still_rewrites_them():
    data = _template()
    infos, parts = _parts(data)
    stream = io.BytesIO()  # a zip written to a pipe: data descriptors, which `_write_zip` never writes
    with zipfile.ZipFile(_Unseekable(stream), "w", zipfile.ZIP_DEFLATED) as z:
        for i in infos:
            z.writestr(zipfile.ZipInfo(i.filename, date_time=i.date_time), parts[i.filename])
    piped = stream.getvalue()
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w") as z:
        for i in infos:
            z.writestr(zipfile.ZipInfo(i.filename, date_time=i.date_time), parts[i.filename])  # not compressed
    commented = data[:-2] + b"\x02\x00xx"  # an archive comment
    for other in (piped, stored.getvalue(), commented, b"PK not a zip", data[:-40]):
        assert rezip(other, {}) is None
    assert rezip(data, {"no/such/member.xml": b""}) is None
    again = rewrite_zip(piped, {"xl/workbook.xml": lambda b: b})
    assert again == _write_zip(_parts(piped)[0], parts) and _parts(again)[1] == parts


def test_patcher_replaces_every_occurrence_and_equals_compressing_the_whole():
    data = _template()
    infos, parts = _parts(data)
    name = "xl/sharedStrings.xml"
    body = parts[name]
    old = "Xã Các Sơn".encode()
    assert body.count(old) >= 1
    patcher = ZipPatcher(data, {name: body}, [old])
    new = "Phường Hạc Thành & <Ba>".encode()
    out = patcher.patched([(old, new)])
    assert out == _write_zip(infos, {**parts, name: body.replace(old, new)})


def test_pooled_builds_equal_each_units_own_template():
    cat = load_catalog("tinh-2025")
    reg = registry_of(cat)
    period = parse_period("2026-N")
    units = reg.reporting_units()
    xa = [u for u in units if u.kind == "xa" and u.code.startswith("X-")][:3]
    phuong = [u for u in units if u.code.startswith("P-")][:2]
    so = [u for u in units if u.kind == "so"][:3]
    pick = [so[0], *xa, so[1], *phuong, so[2]]  # groups interleaved: output order is the order given
    pooled = list(templates_for_units(cat, pick, period, workers=2))
    assert [u.code for u, _ in pooled] == [u.code for u in pick]
    for unit, data in pooled:
        assert data == template_bytes(cat, unit, period), unit.code
    assert [d for _, d in templates_for_units(cat, pick, period, workers=1)] == [d for _, d in pooled]


class _Unseekable(io.RawIOBase):
    def __init__(self, sink: io.BytesIO):
        self.sink = sink

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        return self.sink.write(b)

    def flush(self) -> None:
        pass


def test_a_template_source_builds_each_group_once_and_equals_each_units_own():
    """`national returns`: the 34 provinces' national templates, asked for one province at a time."""
    from xlcchc.template_units import TemplateSource

    cat = load_catalog("quoc-gia-2025")
    period = parse_period("2026-N")
    provinces = registry_of(cat).reporting_units()
    source = TemplateSource(cat, period)
    # Official codes 1, 4, 8… are texts the template has elsewhere (column numbers): built on their own.
    pick = [u for u in provinces if u.official_code < 20][:4] + [provinces[17], provinces[-1]]
    assert any(u.official_code == 1 for u in pick) and any(u.official_code > 20 for u in pick)
    for unit in pick:
        assert source.template(unit) == template_bytes(cat, unit, period), unit.code
    assert len(source._derive) == 1  # one build for the group
    assert [d for _, d in templates_for_units(cat, pick, period, workers=1)] == [source.template(u) for u in pick]
