"""The .xlam add-in, checked with tools that really read VBA projects (olevba, olefile, LibreOffice)."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import olefile
import pytest
from defusedxml import ElementTree
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from xlcchc.excel import addin, ovba, xlwings_vba
from xlcchc.excel.cfb import Storage, write_cfb
from xlcchc.office import soffice_path

MACROS = Path(__file__).resolve().parents[1] / "macros"
NS = "{http://schemas.microsoft.com/office/2009/07/customui}"


def _code(text: str) -> list[str]:
    """Module text without its attribute lines, as lines (olevba and .bas may differ in line ends)."""
    lines = text.replace("\r\n", "\n").split("\n")
    return [line for line in lines if not line.startswith("Attribute VB_")] + []


@pytest.fixture(scope="module")
def xlam(tmp_path_factory) -> Path:
    return addin.build_addin(tmp_path_factory.mktemp("addin") / "xlcchc.xlam")


def test_build_is_byte_identical(xlam, tmp_path):
    again = addin.build_addin(tmp_path / "again" / "xlcchc.xlam")
    assert again.read_bytes() == xlam.read_bytes()


def test_package_parts(xlam):
    with zipfile.ZipFile(xlam) as z:
        assert z.testzip() is None
        names = z.namelist()
        assert names[0] == "[Content_Types].xml"
        for info in z.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
        types = ElementTree.fromstring(z.read("[Content_Types].xml"))
        overrides = {o.get("PartName"): o.get("ContentType") for o in types}
        assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
        for name in names:
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(z.read(name))  # every XML part is well-formed
        rels = ElementTree.fromstring(z.read("_rels/.rels"))
        targets = {r.get("Target"): r.get("Type") for r in rels}
        assert targets["customUI/customUI14.xml"] == "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
        wrels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        assert {r.get("Target") for r in wrels} >= {"vbaProject.bin", "worksheets/sheet1.xml", "styles.xml"}
        assert b'codeName="ThisWorkbook"' in z.read("xl/workbook.xml")
        assert b'codeName="Sheet1"' in z.read("xl/worksheets/sheet1.xml")
        assert z.read("customUI/customUI14.xml") == (MACROS / "customUI14.xml").read_bytes()


def test_olevba_lists_every_module_with_its_exact_source(xlam):
    parser = VBA_Parser(str(xlam))
    try:
        assert parser.detect_vba_macros()
        got = {vba_name.rsplit(".", 1)[0]: code for _f, _s, vba_name, code in parser.extract_macros()}
    finally:
        parser.close()
    expected = {m.name: m.source for m in addin.all_modules()}
    assert set(got) == set(expected) == {"ThisWorkbook", "Sheet1", "CCHC", "CCHC_UDF", "CCHC_DangKy", "xlwings", "Dictionary"}
    for name, source in expected.items():  # byte-exact: olevba's text is the stream decompressed, CRLF as stored
        assert got[name] == source, name
    # Our own modules: the text of macros/*.bas, attribute lines aside.
    for bas in sorted(MACROS.glob("*.bas")):
        name = addin.module_name(bas.read_text("ascii"))
        assert _code(got[name]) == _code(bas.read_text("ascii")), bas.name
    # xlwings' module: the installed package's file with the hardening patches (xlwings_vba.py) and nothing else.
    import xlwings

    original = (Path(xlwings.__file__).parent / "xlwings_custom_addin.bas").read_text("cp1252").replace("\r\n", "\n")
    assert _code(got["xlwings"]) == _code(xlwings_vba.harden(original, "xlcchc"))
    assert f"xlwings64-{xlwings.__version__}.dll" in got["xlwings"]
    assert "BSD 3-clause" in got["xlwings"]
    assert _code(got["CCHC_UDF"]) == _code(addin.udf_module_source())


def test_vba_storage_streams(xlam, tmp_path):
    with zipfile.ZipFile(xlam) as z:
        (tmp_path / "vba.bin").write_bytes(z.read("xl/vbaProject.bin"))
    ole = olefile.OleFileIO(str(tmp_path / "vba.bin"))
    try:
        streams = {"/".join(p) for p in ole.listdir()}
        assert {"PROJECT", "PROJECTwm", "VBA/dir", "VBA/_VBA_PROJECT", "VBA/CCHC", "VBA/xlwings"} <= streams
        # Reserved3 = 0x0001 as Excel writes it (xlwings' Excel-made add-ins have the same 7 bytes).
        assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes([0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x01, 0x00])
        # [MS-CFB] 2.6.3: a storage's starting sector and size are zero.
        vba = next(e for e in ole.direntries if e is not None and e.name == "VBA")
        assert vba.entry_type == olefile.STGTY_STORAGE and vba.isectStart == 0 and vba.size == 0
        modules = addin.all_modules()
        dir_raw = decompress_stream(bytearray(ole.openstream("VBA/dir").read()))
        assert bytes(dir_raw) == ovba.dir_stream(addin.PROJECT, modules, [ovba.STDOLE])
        project = ole.openstream("PROJECT").read().decode("cp1252")
        assert f'ID="{addin.PROJECT_ID}"' in project
        assert "Document=ThisWorkbook/&H00000000" in project and "Module=CCHC" in project and "Class=Dictionary" in project
        fields = dict(re.findall(r'^(CMG|DPB|GC)="([0-9A-F]+)"', project, re.M))
        assert ovba.decrypt(fields["CMG"]) == b"\0\0\0\0"  # not protected
        assert ovba.decrypt(fields["DPB"]) == b"\0"  # no password
        assert ovba.decrypt(fields["GC"]) == b"\xff"  # visible
        wm = ole.openstream("PROJECTwm").read()
        assert wm.endswith(b"\0\0") and b"CCHC\0" + "CCHC".encode("utf-16-le") + b"\0\0" in wm
    finally:
        ole.close()


def test_ribbon_callbacks_exist_as_subs():
    xml = (MACROS / "customUI14.xml").read_bytes()
    root = ElementTree.fromstring(xml)
    tab = root.find(f"{NS}ribbon/{NS}tabs/{NS}tab")
    assert tab.get("label") == "CCHC"
    buttons = {b.get("label"): b.get("onAction") for b in tab.iter(f"{NS}button")}
    assert set(buttons) == {"Kiểm tra", "Tổng hợp", "Xuất phụ lục", "Tạo biểu mẫu", "Hướng dẫn"}
    subs = set().union(*(addin.public_subs(p.read_text("ascii")) for p in MACROS.glob("*.bas")))
    assert set(buttons.values()) <= subs
    # Every button runs Python through RunPython and nothing else of substance.
    cchc = (MACROS / "CCHC.bas").read_text("ascii")
    for sub in buttons.values():
        body = cchc.split(f"Sub {sub}(", 1)[1].split("End Sub", 1)[0]
        assert "RunPython ENTRY & " in body, sub


def test_missing_callback_stops_the_build(tmp_path):
    folder = tmp_path / "macros"
    shutil.copytree(MACROS, folder)
    xml = (folder / "customUI14.xml").read_text("utf-8").replace('onAction="CCHC_HuongDan"', 'onAction="CCHC_KhongCo"')
    (folder / "customUI14.xml").write_text(xml, "utf-8")
    with pytest.raises(addin.AddinError, match="CCHC_KhongCo"):
        addin.build_addin(tmp_path / "x.xlam", folder)
    assert not (tmp_path / "x.xlam").exists()
    assert not list(tmp_path.glob("*.part"))


def test_non_ascii_module_is_refused(tmp_path):
    folder = tmp_path / "macros"
    shutil.copytree(MACROS, folder)
    (folder / "Extra.bas").write_bytes('Attribute VB_Name = "Extra"\r\nSub A()\r\nMsgBox "Lỗi"\r\nEnd Sub\r\n'.encode())
    with pytest.raises(addin.AddinError, match="Extra.bas"):
        addin.build_addin(tmp_path / "x.xlam", folder)


def test_wrong_extension_is_refused(tmp_path):
    with pytest.raises(addin.AddinError, match=".xlam"):
        addin.build_addin(tmp_path / "x.xlsx")


def test_libreoffice_opens_the_addin_and_reads_its_vba(xlam, tmp_path):
    """LibreOffice's own OOXML and VBA import: the .xlam converts, and every module comes through as Basic.

    LibreOffice's type detection ignores the .xlam extension (xlwings' own add-ins are refused the
    same way), so the import filter is named.
    """
    exe = soffice_path()
    assert exe, "LibreOffice (soffice) is required for this test"
    out = tmp_path / "out"
    profile = (tmp_path / "profile").as_uri()
    env = dict(os.environ, SAL_USE_VCLPLUGIN="svp")
    for target in ("ods", "pdf"):
        proc = subprocess.run(
            [exe, f"-env:UserInstallation={profile}", "--headless", "--norestore",
             "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", target, "--outdir", str(out), str(xlam)],
            capture_output=True, timeout=180, env=env,
        )
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")
        assert (out / f"xlcchc.{target}").stat().st_size > 0
    with zipfile.ZipFile(out / "xlcchc.ods") as z:
        basic = {n.rsplit("/", 1)[1][:-4] for n in z.namelist() if n.startswith("Basic/xlcchc/") and n.endswith(".xml") and "script-" not in n}
        assert basic == {"ThisWorkbook", "Sheet1", "CCHC", "CCHC_UDF", "CCHC_DangKy", "xlwings", "Dictionary"}
        # Byte-exact: LibreOffice's Basic text of every module is our source with the attribute lines
        # dropped, after the two (class: three) lines its VBA import puts first, plus one final line end.
        kinds = {"module": "VBAModule", "class": "VBAClassModule", "document": "VBADocumentModule"}
        for m in addin.all_modules():
            text = ElementTree.fromstring(z.read(f"Basic/xlcchc/{m.name}.xml")).text
            head = [f"Rem Attribute VBA_ModuleType={kinds[m.kind]}", "Option VBASupport 1"]
            head += ["Option ClassModule"] if m.kind == "class" else []
            ours = [line for line in m.source.replace("\r\n", "\n").split("\n") if not line.startswith("Attribute ")]
            assert text == "\n".join(head + ours) + "\n", m.name
    text = subprocess.run(["pdftotext", str(out / "xlcchc.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Add-in xlcchc" in text


# --- the pieces -------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=9000) | st.text(alphabet="ab \r\nSubEnd", max_size=12000).map(str.encode))
def test_compression_round_trip_through_olevba(data):
    packed = ovba.compress(data)
    assert bytes(decompress_stream(bytearray(packed))) == _expected_plain(data, packed)  # oletools' independent decompressor
    assert ovba.decompress(packed) == _expected_plain(data, packed)


def _expected_plain(data: bytes, packed: bytes) -> bytes:
    """What [MS-OVBA] says `packed` decompresses to: `data`, unless its short last chunk is stored raw
    (flag bit 0), which always holds 4096 bytes (0x00 padding) — only for data that does not compress."""
    i, flag = 1, None
    while i < len(packed):
        header = int.from_bytes(packed[i : i + 2], "little")
        flag = header & 0x8000
        i += 2 + (header & 0x0FFF) + 1
    assert i == len(packed)  # the chunk sizes add up to the container
    if flag == 0 and len(data) % 4096:
        return data + b"\0" * (-len(data) % 4096)
    return data


_BOUNDARY_SIZES = sorted({k * 4096 + d for k in range(4) for d in (-2, -1, 0, 1, 2)
                          if k * 4096 + d >= 0} | {3640, 3641, 3700, 4095, 8000, 12287})


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(_BOUNDARY_SIZES), st.randoms(use_true_random=False), st.sampled_from(["random", "text", "mixed"]))
def test_compression_at_every_chunk_boundary(size, rnd, kind):
    """Sizes around each 4 KiB chunk boundary, incompressible data included, read back by oletools."""
    if kind == "random":
        data = rnd.randbytes(size)
    elif kind == "text":
        data = bytes(rnd.choice(b"Sub End If Then\r\n ") for _ in range(size))
    else:
        data = (rnd.randbytes(size // 2) + b"Dim x As Long\r\n" * size)[:size]
    packed = ovba.compress(data)
    plain = bytes(decompress_stream(bytearray(packed)))  # oletools' decompressor, the independent reader
    assert plain == _expected_plain(data, packed)
    assert ovba.decompress(packed) == plain
    if kind == "text" and size > 64:
        assert plain == data and len(packed) < size  # source-like text always compresses, never pads


def test_exact_compress_refuses_padding():
    import random

    noise = random.Random(7).randbytes(3700)
    with pytest.raises(ValueError):
        ovba.exact_compress(noise)
    text = addin.xlwings_module().source.encode("cp1252")
    assert ovba.decompress(ovba.exact_compress(text)) == text


def test_real_compression_shrinks_source():
    text = addin.xlwings_module().source.encode("cp1252")
    assert len(ovba.compress(text)) < len(text) * 0.6


def _black_height(entries, i) -> int:
    if i == 0xFFFFFFFF:
        return 1
    e = entries[i]
    left, right = _black_height(entries, e.sid_left), _black_height(entries, e.sid_right)
    assert left == right, "unequal black height"
    if e.color == 0:  # red nodes have black children
        for c in (e.sid_left, e.sid_right):
            assert c == 0xFFFFFFFF or entries[c].color == 1
    return left + (e.color == 1)


@pytest.mark.parametrize("count", [1, 2, 3, 7, 8, 20])
def test_cfb_writer_many_streams(tmp_path, count):
    root = Storage("Root Entry")
    payload = {}
    for i in range(count):
        name = f"S{i:02d}" + "x" * (i % 5)
        data = bytes([i]) * (i * 700 + 1)  # small ones in the mini stream, the big ones in sectors
        root.add_stream(f"F/{name}", data)
        payload[name] = data
    root.add_stream("Big", b"\x42" * 70000)  # several FAT-chained sectors
    path = tmp_path / "t.bin"
    path.write_bytes(write_cfb(root))
    assert len(path.read_bytes()) % 512 == 0
    ole = olefile.OleFileIO(str(path))
    try:
        for name, data in payload.items():
            assert ole.openstream(f"F/{name}").read() == data
        assert ole.openstream("Big").read() == b"\x42" * 70000
        entries = ole.direntries
        folder = next(e for e in entries if e is not None and e.name == "F")
        _black_height(entries, folder.sid_child)

        def walk(i):  # in-order walk gives the names in CFB order: by length, then upper-case text
            if i == 0xFFFFFFFF:
                return []
            e = entries[i]
            return walk(e.sid_left) + [e.name] + walk(e.sid_right)

        names = walk(folder.sid_child)
        assert names == sorted(payload, key=lambda n: (len(n), n.upper()))
    finally:
        ole.close()


# --- UDF wrappers: the same VBA as xlwings' own generator ------------------------------------------


_IMPORT_UDFS = textwrap.dedent(
    """
    import io, json, sys, types
    # xlwings.udfs imports pywin32 at module level; import_udfs only needs the workbook it is given.
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        sys.modules[name] = types.ModuleType(name)
    sys.modules["win32com.client"].Dispatch = None
    sys.modules["pythoncom"].CoInitialize = lambda: None
    sys.modules["pywintypes"].com_error = Exception
    import xlwings.udfs as u
    import xlcchc.excel.udf as mod

    class Components:  # what import_udfs hands to Excel: the module file it wrote
        imported = None
        def Remove(self, c): pass
        def __call__(self, name): return name
        def Import(self, path):
            Components.imported = open(path, newline="").read()

    class App:
        Version = "16.0"
        calls = []
        def MacroOptions(self, macro, **kw): App.calls.append([macro, kw["Description"], kw["Category"], kw["ArgumentDescriptions"]])

    class Book:
        Name = "xlcchc.xlam"
        Application = App()
        class VBProject:
            VBComponents = Components()

    u.__pro__ = False
    for name in dir(mod):  # xlwings' own decorators on this system, where xw.func is a no-op
        f = getattr(mod, name)
        if hasattr(f, "__xlfunc__"):
            ours = f.__xlfunc__
            del f.__xlfunc__
            for a in ours["args"]:  # @xw.arg under @xw.func, as in xlwings' documentation
                if not a["doc"].startswith("Positional argument"):
                    u.xlarg(a["name"], doc=a["doc"])(f)
            u.xlfunc(category=ours["category"], volatile=ours["volatile"], call_in_wizard=ours["call_in_wizard"])(f)
            theirs = f.__xlfunc__
            f.__xlfunc__ = theirs
            f.ours = ours
    # As after a first call: the module is loaded (the embedded-code lookup needs a real COM workbook).
    u.udf_modules["xlcchc.excel.udf"] = {"module": mod, "filetime": None, "filename": mod.__file__}
    u.import_udfs("xlcchc.excel.udf", Book())
    meta = {n: [getattr(mod, n).ours, getattr(mod, n).__xlfunc__] for n in dir(mod) if hasattr(getattr(mod, n), "ours")}
    keep = lambda m: [m["name"], m["volatile"], m["category"], m["call_in_wizard"], m["ret"]["doc"],
                      [(a["name"], a.get("optional", "-"), a["vararg"], a["doc"]) for a in m["args"]]]
    print(json.dumps({"vba": Components.imported, "macro_options": App.calls,
                      "meta": {n: [keep(a), keep(b)] for n, (a, b) in meta.items()}}))
    """
)


@pytest.fixture(scope="module")
def xlwings_import():
    """What xlwings' own *Import Functions* (`import_udfs`) produces for `xlcchc.excel.udf`: the module
    text it imports into the add-in and the `Application.MacroOptions` calls it makes."""
    proc = subprocess.run([sys.executable, "-c", _IMPORT_UDFS], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    import json

    return json.loads(proc.stdout.splitlines()[-1])


def test_udf_metadata_matches_xlwings_decorators(xlwings_import):
    assert set(xlwings_import["meta"]) == {"CCHC_TYLE", "CCHC_GIATRI", "CCHC_SOLOI"}
    for name, (ours, theirs) in xlwings_import["meta"].items():
        assert ours == theirs, name


def test_udf_module_equals_xlwings_import_udfs(xlwings_import):
    """Header (`#Const App`) included. Two documented differences only: the module name, and the
    workbook handed to CallUDF (ThisWorkbook: xlwings imports embedded *.py sheets of that workbook)."""
    theirs = xlwings_import["vba"].replace("\r\n", "\n")
    theirs = theirs.replace('Attribute VB_Name = "xlwings_udfs"', f'Attribute VB_Name = "{addin.UDF_VBA_MODULE}"')
    assert theirs.count(", ActiveWorkbook, Application.Caller)") == 3
    theirs = theirs.replace(", ActiveWorkbook, Application.Caller)", ", ThisWorkbook, Application.Caller)")
    assert addin.udf_module_source().replace("\r\n", "\n") == theirs
    assert '#Const App = "Microsoft Excel"' in theirs.split("\n")[2]


def _vn(expr: str) -> str:
    """Value of a VBA text expression of the generated module: "…" or VN("…\\uXXXX…")."""
    m = re.fullmatch(r'(VN\()?"((?:[^"]|"")*)"\)?', expr.strip())
    assert m, expr
    text = m.group(2).replace('""', '"')
    return re.sub(r"\\u([0-9A-F]{4})", lambda g: chr(int(g.group(1), 16)), text) if m.group(1) else text


def test_function_registration_equals_xlwings_macro_options(xlwings_import):
    """The CCHC_DangKy module registers exactly what xlwings' import passes to Application.MacroOptions:
    category CCHC (not “User Defined”), the description and the Vietnamese help of every argument."""
    src = addin.registration_source().replace(" _\r\n", " ").replace("\r\n", "\n")
    ours = []
    for call in re.findall(r"(?m)^\s+Application\.MacroOptions (.*)", src):
        macro = re.search(r"""Macro:="'" & ThisWorkbook\.Name & "'!(\w+)\"""", call).group(1)
        desc = _vn(re.search(r"Description:=((?:VN\()?\"(?:[^\"]|\"\")*\"\)?)", call).group(1))
        cat = _vn(re.search(r"Category:=((?:VN\()?\"(?:[^\"]|\"\")*\"\)?)", call).group(1))
        args = re.search(r"ArgumentDescriptions:=Array\((.*)\)\s*$", call)
        docs = [_vn(a) for a in re.split(r",\s+(?=VN\(|\")", args.group(1))] if args else None
        ours.append([f"'xlcchc.xlam'!{macro}", desc, cat, docs])
    assert ours == xlwings_import["macro_options"]
    assert all(c[2] == "CCHC" for c in ours)
    assert all(d and not d.startswith("Positional argument") for c in ours for d in (c[3] or []))
    # Registered when the add-in opens.
    this_wb = next(m for m in addin.all_modules() if m.name == "ThisWorkbook")
    assert f"Private Sub Workbook_Open()\r\n    {addin.REGISTRATION_MODULE}.CCHC_DangKyHam\r\nEnd Sub" in this_wb.source


# --- install --------------------------------------------------------------------------------------


def test_xlstart_folder_per_system(tmp_path):
    """XLSTART, as `xlwings addin install` uses: Excel opens the add-in at start, no Add-ins dialog step."""
    assert addin.xlstart_folder("win32", {"APPDATA": str(tmp_path)}) == tmp_path / "Microsoft" / "Excel" / "XLSTART"
    mac = addin.xlstart_folder("darwin", {}, home=tmp_path)
    assert mac == tmp_path / "Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel"
    assert addin.xlstart_folder("linux", {}) is None


def test_config_path_is_the_one_the_vba_reads(tmp_path):
    profile = tmp_path / "Nguyễn Văn A"
    assert addin.config_path("win32", {"USERPROFILE": str(profile)}) == profile / ".xlcchc" / "xlcchc.conf"
    # The VBA builds the same path: ExpandEnvironmentStrings("%USERPROFILE%") & "\." & PROJECT_NAME & "\" & …
    src = addin.xlwings_module().source
    assert 'GetConfigFilePath = ExpandEnvironmentStrings("%USERPROFILE%") & "\\." & PROJECT_NAME & "\\" & PROJECT_NAME & ".conf"' in src


def test_config_file_written_with_the_running_python(tmp_path):
    conf = tmp_path / ".xlcchc" / "xlcchc.conf"
    conf.parent.mkdir()
    conf.write_bytes(b'"SHOW CONSOLE","True"\r\n"INTERPRETER_WIN","python"\r\n')  # a user's old setting
    addin.write_config(conf, r"C:\Python312\python.exe", platform="win32", codepage="cp1258")
    data = conf.read_bytes()
    assert data == b'"SHOW CONSOLE","True"\r\n"INTERPRETER_WIN","C:\\Python312\\python.exe"\r\n'  # ANSI, other keys kept
    assert addin.parse_config(data) == {"SHOW CONSOLE": "True", "INTERPRETER_WIN": r"C:\Python312\python.exe"}


def test_config_file_with_diacritics_is_utf16(tmp_path):
    """A user folder outside the ANSI code page: UTF-16 with BOM, which the patched VBA reader opens
    (FileSystemObject, Unicode mode when the ANSI read shows NUL characters)."""
    exe = r"C:\Users\Nguyễn Thị Hồng\venv\Scripts\python.exe"
    conf = addin.write_config(tmp_path / "xlcchc.conf", exe, platform="win32", codepage="cp1252")
    data = conf.read_bytes()
    assert data.startswith(b"\xff\xfe") and b"\0" in data
    assert addin.parse_config(data) == {"INTERPRETER_WIN": exe}
    reader = addin.xlwings_module().source
    assert 'InStr(ReadTextFileW, Chr$(0)) > 0' in reader and "fso.OpenTextFile(FileName, 1, False, -1)" in reader
    # cp1258 (Vietnamese Windows) has no precomposed “ễ”: still UTF-16, never a lossy ANSI file.
    assert addin.config_bytes({"INTERPRETER_WIN": exe}, "cp1258").startswith(b"\xff\xfe")


@pytest.mark.parametrize("exe", ["python", "pythonw.exe",
                                 r"C:\Users\An\AppData\Local\Microsoft\WindowsApps\python.exe"])
def test_interpreter_never_a_path_name_or_the_store_alias(exe):
    with pytest.raises(addin.AddinError) as e:
        addin.interpreter_setting(exe, "win32")
    assert "Python" in str(e.value)
    assert addin.interpreter_setting(r"C:\Python312\python.exe", "win32") == ("INTERPRETER_WIN", r"C:\Python312\python.exe")
    assert addin.interpreter_setting("/usr/local/bin/python3", "darwin") == ("INTERPRETER_MAC", "/usr/local/bin/python3")


def test_isolated_import_check(tmp_path):
    addin.check_isolated_import(sys.executable)  # this environment: xlwings and xlcchc import under -I
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(addin.AddinError, match="cô lập"):
        addin.check_isolated_import(str(fake))


def test_install_copies_the_built_file(xlam, tmp_path):
    dest = addin.install_addin(xlam, tmp_path / "AppData" / "Microsoft" / "Excel" / "XLSTART")
    assert dest.name == "xlcchc.xlam" and dest.read_bytes() == xlam.read_bytes()
    assert not list(dest.parent.glob("*.part"))
    with pytest.raises(addin.AddinError, match="không tìm thấy"):
        addin.install_addin(tmp_path / "none.xlam", tmp_path)


@pytest.mark.skipif(sys.platform != "linux", reason="the Linux message: no Excel here")
def test_install_on_linux_says_excel_is_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    status = addin.cli_install(argparse.Namespace(file=None))
    out = capsys.readouterr().out
    assert status == 2
    assert "không có Microsoft Excel" in out and str(tmp_path / "xlcchc.xlam") in out
    assert zipfile.ZipFile(tmp_path / "xlcchc.xlam").testzip() is None


def test_cli_build(tmp_path, capsys):
    from xlcchc.cli import main

    assert main(["addin", "build", "-o", str(tmp_path / "a.xlam")]) == 0
    assert "Đã tạo add-in" in capsys.readouterr().out
    assert main(["addin", "build", "-o", str(tmp_path / "a.txt")]) == 2
    assert "đuôi .xlam" in capsys.readouterr().err
