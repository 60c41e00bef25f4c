"""The reader reads a file the way Excel shows it, or refuses it (issue #13, "one reading of the file").

Each case is a real return edited the way an attacker would (outside Excel): content that no
spreadsheet program shows must not change a figure, and ambiguous files are refused with their own code.
"""

import io
import re
import zipfile

import pytest

from xlcchc.read import ReturnError, read_return

from .bad_inputs.make_corpus import filled, rewrite_zip, set_values
from .test_read_paths import _strict_form

SHEET3 = "xl/worksheets/sheet4.xml"  # 'Biểu mẫu 3'; BM3_3_1_1 → D20
KEY = "3:3.1.1"


def _good() -> bytes:
    return set_values(filled(), {KEY: 41})


def _read(tmp_path, data: bytes, name: str = "x.xlsx"):
    path = tmp_path / name
    path.write_bytes(data)
    return read_return(path)


def _refused(tmp_path, data: bytes) -> ReturnError:
    with pytest.raises(ReturnError) as ei:
        _read(tmp_path, data)
    return ei.value


EXT_CELL = (
    b'<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}"><sheetData><row r="20">'
    b'<c r="D20"><v>999999</v></c></row></sheetData></ext></extLst></worksheet>'
)


@pytest.mark.parametrize("strict", [False, True], ids=["plain", "strict"])
def test_a_cell_inside_extlst_is_not_the_cell(tmp_path, strict):
    def edit(xml: bytes) -> bytes:
        xml = xml.replace(b"</worksheet>", EXT_CELL)
        return _strict_form(xml) if strict else xml

    ret = _read(tmp_path, rewrite_zip(_good(), {SHEET3: edit}))
    assert ret.cells[KEY].raw == 41 and ret.cells[KEY].value == 41


def test_a_cell_wrapped_in_another_element_is_not_the_cell(tmp_path):
    """A second sheetData nested in a foreign wrapper after the real one: not the worksheet's cells."""
    def edit(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", b'</sheetData><sheetPr2><sheetData><row r="20"><c r="D20"><v>7</v></c></row></sheetData></sheetPr2>', 1)

    err_or_ret = None
    try:
        err_or_ret = _read(tmp_path, rewrite_zip(_good(), {SHEET3: edit}))
    except ReturnError as e:
        err_or_ret = e
    # Either refused as damaged (two sheetData) or read from the real cell: never the wrapped value.
    if isinstance(err_or_ret, ReturnError):
        assert err_or_ret.code.startswith("doc.")
    else:
        assert err_or_ret.cells[KEY].raw == 41


@pytest.mark.parametrize("strict", [False, True], ids=["plain", "strict"])
def test_duplicate_cell_reference_is_refused(tmp_path, strict):
    def edit(xml: bytes) -> bytes:
        xml = re.sub(rb'(<c r="D20"[^>]*?(?:/>|>.*?</c>))', rb'\1<c r="D20"><v>999999</v></c>', xml, count=1, flags=re.S)
        return _strict_form(xml) if strict else xml

    err = _refused(tmp_path, rewrite_zip(_good(), {SHEET3: edit}))
    assert err.code == "doc.duplicate_cell"
    assert "Biểu mẫu 3" in str(err) and "D20" in str(err) and "hai ô cùng địa chỉ" in str(err)


def test_a_cell_written_with_leading_zeros_is_the_same_address(tmp_path):
    """`D020` is D20 for Excel and openpyxl: a second D20 spelled that way is a duplicate, not ignored."""
    def edit(xml: bytes) -> bytes:
        return re.sub(rb'(<c r="D20"[^>]*?(?:/>|>.*?</c>))', rb'\1<c r="D020"><v>999999</v></c>', xml, count=1, flags=re.S)

    assert _refused(tmp_path, rewrite_zip(_good(), {SHEET3: edit})).code == "doc.duplicate_cell"


def test_sheet_and_name_inside_workbook_extlst_are_ignored(tmp_path):
    ext = (
        '<extLst><ext uri="{1}"><sheets><sheet name="Biểu mẫu 3" sheetId="99" r:id="rId1"/></sheets>'
        "<definedNames><definedName name=\"BM3_3_1_1\">'Biểu mẫu 3'!$D$21</definedName></definedNames></ext></extLst></workbook>"
    ).encode()
    data = rewrite_zip(_good(), {"xl/workbook.xml": lambda x: x.replace(b"</workbook>", ext)})
    ret = _read(tmp_path, data)
    assert ret.cells[KEY].raw == 41 and ret.cells[KEY].cell == "'Biểu mẫu 3'!D20"


def test_duplicate_defined_name_is_refused(tmp_path):
    for variant in (b"BM3_3_1_1", b"bm3_3_1_1"):
        extra = b"<definedName name=\"" + variant + "\">'Biểu mẫu 3'!$D$21</definedName></definedNames>".encode()
        data = rewrite_zip(_good(), {"xl/workbook.xml": lambda x: x.replace(b"</definedNames>", extra)})
        err = _refused(tmp_path, data)
        assert err.code == "doc.duplicate_name" and "trùng tên" in str(err), variant


def test_duplicate_sheet_name_is_refused(tmp_path):
    extra = '<sheet name="BIỂU MẪU 3" sheetId="99" r:id="rId4"/></sheets>'.encode()
    data = rewrite_zip(_good(), {"xl/workbook.xml": lambda x: x.replace(b"</sheets>", extra)})
    err = _refused(tmp_path, data)
    assert err.code == "doc.duplicate_name" and "trang tính" in str(err)


def _with_member(data: bytes, name: str, body: bytes) -> bytes:
    out = io.BytesIO(data)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name we add on purpose
        with zipfile.ZipFile(out, "a") as z:
            z.writestr(name, body)
    return out.getvalue()


def test_case_colliding_zip_members_are_refused(tmp_path):
    good = _good()
    evil = zipfile.ZipFile(io.BytesIO(good)).read(SHEET3).replace(b"<v>41</v>", b"<v>999999</v>")
    for name in ("XL/WORKSHEETS/SHEET4.XML", SHEET3):  # case collision, then the very same name twice
        err = _refused(tmp_path, _with_member(good, name, evil))
        assert err.code == "doc.duplicate_part", name
        assert "SHEET4.XML" in str(err).upper() and "hai" in str(err)


def test_namespace_prefix_is_still_read(tmp_path):
    """The same sheet with the spreadsheet namespace bound to a prefix: valid XML, read the same."""
    def prefixed(xml: bytes) -> bytes:
        text = xml.decode("utf-8")
        text = text.replace('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                            'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"', 1)
        text = re.sub(r"<(/?)([A-Za-z][\w]*)(?=[\s/>])", r"<\1x:\2", text)
        return text.encode("utf-8")

    ret = _read(tmp_path, rewrite_zip(_good(), {SHEET3: prefixed}))
    assert ret.cells[KEY].raw == 41


def test_a_cell_of_another_namespace_is_not_a_cell(tmp_path):
    """`<c>` re-bound to a foreign namespace inside a row is not a spreadsheet cell (Excel ignores it)."""
    def edit(xml: bytes) -> bytes:
        xml = re.sub(rb'<c r="D20"[^>]*?(?:/>|>.*?</c>)', b'<c r="D20" xmlns="urn:not-a-spreadsheet"><v>5</v></c>', xml, count=1, flags=re.S)
        return xml

    ret = _read(tmp_path, rewrite_zip(_good(), {SHEET3: edit}))
    assert ret.cells[KEY].raw is None


def test_html_entity_that_xml_refuses_is_not_resolved(tmp_path):
    """`&nbsp;` is not an XML entity: a parser refuses the part, so the reader must not read it as a space."""
    data = set_values(filled(), {}, {KEY: "ghi chú"})
    data = rewrite_zip(data, {SHEET3: lambda x: x.replace("ghi chú".encode(), "ghi&nbsp;chú".encode())})
    assert _refused(tmp_path, data).code == "doc.damaged"


def test_control_character_in_a_part_is_damage(tmp_path):
    data = set_values(filled(), {}, {KEY: "ghi chú"})
    data = rewrite_zip(data, {SHEET3: lambda x: x.replace("ghi chú".encode(), "ghi\x01chú".encode())})
    assert _refused(tmp_path, data).code == "doc.damaged"


def test_half_a_million_extra_defined_names_are_refused_by_size(tmp_path):
    """Memory is bounded by bytes: the workbook part (all its names are kept) may not exceed 1 MiB."""
    import tracemalloc

    extra = "".join(f"<definedName name=\"X{i}\">'Bìa'!$A${i % 999 + 1}</definedName>" for i in range(500_000)).encode()
    data = rewrite_zip(_good(), {"xl/workbook.xml": lambda x: x.replace(b"</definedNames>", extra + b"</definedNames>")})
    tracemalloc.start()
    err = _refused(tmp_path, data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert err.code == "doc.too_complex" and "xl/workbook.xml" in str(err)
    assert peak < 200 * 2**20  # the names are never built into a tree (~340 MB before)


@pytest.mark.parametrize("inside", ["cell", "row"])
def test_a_cell_hidden_inside_a_tag_is_refused(tmp_path, inside):
    """`<c r="C20" x="<c r="Z900">…`: a `<` inside a tag is not XML, so no spreadsheet program opens the
    file; the fast scanner once saw a phantom cell Z900 there and read the rest. Refused as damaged."""
    def edit(xml: bytes) -> bytes:
        if inside == "cell":
            new, n = re.subn(rb'<c r="A20"', b'<c r="A20" x="<c r="Z900"', xml, count=1)
        else:
            new, n = re.subn(rb'<row r="20"', b'<row x="<c r="Z900"><v>1</v></c>" r="20"', xml, count=1)
        assert n == 1
        return new

    err = _refused(tmp_path, rewrite_zip(_good(), {SHEET3: edit}))
    assert err.code == "doc.damaged" and "bị hỏng" in str(err), err
