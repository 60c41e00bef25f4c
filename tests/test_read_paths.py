"""The reader's two ways through a part give the same `Return`.

Plain-form parts (what Excel, LibreOffice, xlsxwriter and openpyxl write) are searched by address;
any other valid XML form (a comment, attributes in another order, a namespace prefix) goes through
the strict parser. Both must read the same cells, formulas, notes and problems.
"""

import re

from xlcchc.read import read_return

from .bad_inputs.make_corpus import filled, rewrite_zip, set_values


def _strict_form(xml: bytes) -> bytes:
    """The same part in a form the plain scanner declines: a comment, `s` before `r`, a prefix-free reorder."""
    xml = xml.replace(b"?>", b"?><!-- re-saved by another program -->", 1)
    return re.sub(rb'<c r="([A-Z]+\d+)" s="(\d+)"', rb'<c s="\2" r="\1"', xml)


def test_plain_and_strict_paths_read_the_same(tmp_path):
    good = set_values(
        filled(),
        {"3:3.1.1": "1.234", "3:3.1.2": ("f", "SUM(1,2)", 3), "3:3.1": 99.5},
        {"3:3.1.1": "=> ghi chú & <chú thích>\r\ndòng 2"},
    )
    import zipfile, io

    members = [n for n in zipfile.ZipFile(io.BytesIO(good)).namelist()
               if n.startswith("xl/worksheets/") or n == "xl/sharedStrings.xml"]
    other = rewrite_zip(good, {m: _strict_form for m in members})
    a_path, b_path = tmp_path / "plain.xlsx", tmp_path / "strict.xlsx"
    a_path.write_bytes(good)
    b_path.write_bytes(other)
    a, b = read_return(a_path), read_return(b_path)
    assert a.cover == b.cover and a.notes == b.notes
    assert [p.model_copy(update={"file": ""}) for p in a.problems] == [p.model_copy(update={"file": ""}) for p in b.problems]
    assert {k: (c.value, c.raw, c.formula, c.cell) for k, c in a.cells.items()} == \
           {k: (c.value, c.raw, c.formula, c.cell) for k, c in b.cells.items()}
    assert a.notes["3:3.1.1"] == "=> ghi chú & <chú thích>\ndòng 2"
    assert a.cells["3:3.1.2"].formula == "SUM(1,2)" and a.cells["3:3.1.1"].value == 1234
    assert {p.rule for p in a.problems} >= {"cell.text_number", "cell.note_formula", "cell.formula"}


def test_declarations_are_refused_in_every_part_and_encoding(tmp_path):
    """A DTD anywhere (a sheet, the shared strings; UTF-8 or UTF-16) is refused before parsing."""
    import pytest

    from xlcchc.read import ReturnError

    good = filled()
    dtd = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'

    def utf16(xml: bytes) -> bytes:
        text = xml.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
        return text.encode("utf-16")

    cases = {
        "sheet": {"xl/worksheets/sheet4.xml": lambda x: x.replace(b"?>", b"?>" + dtd.encode(), 1)},
        "sst": {"xl/sharedStrings.xml": lambda x: x.replace(b"?>", b"?>" + dtd.encode(), 1)},
        "utf16": {"xl/worksheets/sheet4.xml": lambda x: utf16(x.replace(b"?>", b"?>" + dtd.encode(), 1))},
    }
    for label, edits in cases.items():
        path = tmp_path / f"{label}.xlsx"
        path.write_bytes(rewrite_zip(good, edits))
        with pytest.raises(ReturnError) as ei:
            read_return(path)
        assert ei.value.code == "doc.xml_entity", label
    # The same sheet in UTF-16 without a DTD is valid XML: read like the UTF-8 one.
    plain, wide = tmp_path / "plain.xlsx", tmp_path / "wide.xlsx"
    plain.write_bytes(good)
    wide.write_bytes(rewrite_zip(good, {"xl/worksheets/sheet4.xml": utf16}))
    assert {k: c.raw for k, c in read_return(plain).cells.items()} == {k: c.raw for k, c in read_return(wide).cells.items()}


def test_a_dash_is_none_not_a_number_typed_as_text(tmp_path):
    """`-` is how the forms write "none": read as 0 without the retype-as-a-number warning."""
    path = tmp_path / "dash.xlsx"
    path.write_bytes(set_values(filled(), {"3:3.1.1": "-", "3:3.1.2": "12.345"}, {}))
    ret = read_return(path)
    assert ret.cells["3:3.1.1"].value == 0
    warned = {p.code for p in ret.problems if p.rule == "cell.text_number"}
    assert "3.1.2" in warned and "3.1.1" not in warned
