"""What can be proved about the add-in's VBA without Excel (issue 14).

- A lint over every module of the built add-in, as olevba reads it back: conditional compilation
  only on constants the module defines (a `#Const` is private to its module) or VBA's built-ins;
  every ribbon callback a public Sub of a standard module with the signature Office calls; ASCII
  source (the project's code page is 1252); no line over VBA's 1023-character limit.
- A structural comparison with the add-in Excel itself saved and xlwings ships
  (`quickstart_addin_ribbon.xlam`): the same record-ID sequence in the `dir` stream, the same
  attribute header per module type, the same `_VBA_PROJECT` bytes and storage entries.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import olefile
import pytest
from defusedxml import ElementTree
from oletools.olevba import VBA_Parser, decompress_stream

from xlcchc.excel import addin, xlwings_vba

BUILTIN_CONSTANTS = {"VBA6", "VBA7", "WIN16", "WIN32", "WIN64", "MAC", "MAC_OFFICE_VERSION"}
KEYWORDS = {"AND", "OR", "NOT", "XOR", "THEN", "IS", "LIKE", "MOD", "TRUE", "FALSE", "EQV", "IMP"}


def _modules(path: Path) -> dict[str, tuple[str, str]]:
    """name → (stream kind from the PROJECT stream, source) of every module, through olevba."""
    parser = VBA_Parser(str(path))
    try:
        return {name.rsplit(".", 1)[0]: (name.rsplit(".", 1)[1], code.replace("\r\n", "\n"))
                for _f, _s, name, code in parser.extract_macros()}
    finally:
        parser.close()


@pytest.fixture(scope="module")
def xlam(tmp_path_factory) -> Path:
    return addin.build_addin(tmp_path_factory.mktemp("lint") / "xlcchc.xlam")


@pytest.fixture(scope="module")
def ours(xlam) -> dict[str, tuple[str, str]]:
    return _modules(xlam)


# --- the lint -----------------------------------------------------------------------------------


def undefined_conditionals(source: str) -> list[str]:
    """`#If`/`#ElseIf` identifiers that are neither `#Const` of this module nor built-in constants."""
    defined = {m.upper() for m in re.findall(r"(?im)^\s*#Const\s+(\w+)", source)}
    bad = []
    for cond in re.findall(r"(?im)^\s*#(?:Else)?If\s+(.*?)\s+Then\b", source):
        cond = re.sub(r'"[^"]*"', "", cond)
        for ident in re.findall(r"[A-Za-z_]\w*", cond):
            if ident.upper() not in defined | BUILTIN_CONSTANTS | KEYWORDS:
                bad.append(ident)
    return bad


def test_lint_finds_the_missing_const():
    """The lint's own check: the UDF module as it was before issue 14 (no `#Const App`) fails it."""
    before = addin.udf_module_source().replace("#Const App = \"Microsoft Excel\" 'Adjust when using outside of Excel\r\n", "")
    assert undefined_conditionals(before) == ["App"] * 3
    assert undefined_conditionals(addin.udf_module_source()) == []


def test_conditional_compilation_constants_are_defined_in_each_module(ours):
    assert set(ours) >= {"CCHC", "CCHC_UDF", "CCHC_DangKy", "xlwings", "Dictionary"}
    for name, (_kind, source) in ours.items():
        assert undefined_conditionals(source) == [], name


def test_vba_source_is_ascii_and_lines_fit(ours):
    for name, (_kind, source) in ours.items():
        assert source.isascii(), name
        assert max(len(line) for line in source.split("\n")) <= 1023, name


def _subs(source: str) -> dict[str, tuple[str, str]]:
    """Sub name → (visibility, parameter list) of a module."""
    return {m.group(2): ((m.group(1) or "Public").strip(), m.group(3).strip())
            for m in re.finditer(r"(?im)^\s*(Public\s+|Private\s+)?Sub\s+(\w+)\s*\(([^)]*)\)", source)}


def test_every_ribbon_callback_exists_with_the_signature_office_calls(ours, xlam):
    with zipfile.ZipFile(xlam) as z:
        callbacks = addin.ribbon_callbacks(z.read("customUI/customUI14.xml"))
    assert len(callbacks) == 5
    for cb in callbacks:
        found = [(name, _subs(src)[cb]) for name, (kind, src) in ours.items() if cb in _subs(src)]
        assert len(found) == 1, cb  # exactly one Sub of that name in the project
        module, (visibility, params) = found[0]
        assert ours[module][0] == "bas", cb  # a standard module, where onAction looks
        assert visibility == "Public", cb
        # button onAction: Sub name(control As IRibbonControl); As Object is the late-bound form.
        assert re.fullmatch(r"(ByRef\s+|ByVal\s+)?\w+\s+As\s+(IRibbonControl|Object)", params, re.I), (cb, params)


def test_every_procedure_the_vba_calls_in_the_shell_exists(ours):
    """CCHC.bas and the generated modules call only procedures that the project defines or VBA/Excel has."""
    defined = set()
    for _kind, src in ours.values():
        defined |= {m.upper() for m in re.findall(r"(?im)^\s*(?:Public\s+|Private\s+)?(?:Sub|Function)\s+(\w+)", src)}
    calls = {"CCHC": ["RunPython", "ChonThuMuc", "PyStr", "VN", "CoSoBaoCao"],
             "CCHC_DangKy": ["VN"], "ThisWorkbook": ["CCHC_DangKyHam"]}
    for module, names in calls.items():
        src = ours[module][1]
        for name in names:
            assert name in src and name.upper() in defined, (module, name)


# --- the comparison with the Excel-made add-in --------------------------------------------------


def _records(dir_stream: bytes) -> list[int]:
    ids, i = [], 0
    while i < len(dir_stream):
        rid, size = struct.unpack_from("<HI", dir_stream, i)
        if rid == 0x0009:  # PROJECTVERSION: its size field is a constant 4, then 6 bytes follow
            size = 6
        ids.append(rid)
        i += 6 + size
        if rid == 0x0010:
            break
    assert i == len(dir_stream)
    return ids


def _project(path: Path) -> tuple[olefile.OleFileIO, bytes]:
    with zipfile.ZipFile(path) as z:
        data = z.read("xl/vbaProject.bin")
    return olefile.OleFileIO(io.BytesIO(data)), data


def _split(ids: list[int]) -> tuple[list[int], list[list[int]], list[list[int]]]:
    """(project information, references, modules) of a dir record-ID sequence."""
    info_end = ids.index(0x0016)
    mods_start = ids.index(0x000F)
    refs, cur = [], []
    for rid in ids[info_end:mods_start]:
        if rid == 0x0016 and cur and cur[-1] not in (0x0016,) and not (len(cur) >= 2 and cur[-2:] == [0x002F, 0x0016]):
            refs.append(cur)
            cur = []
        cur.append(rid)
    refs.append(cur)
    modules, cur = [], []
    for rid in ids[mods_start + 2 : -1]:
        if rid == 0x0019 and cur:
            modules.append(cur)
            cur = []
        cur.append(rid)
    modules.append(cur)
    return ids[:info_end], refs, modules


@pytest.fixture(scope="module")
def excel_made() -> Path:
    return xlwings_vba.xlwings_dir() / "quickstart_addin_ribbon.xlam"


def test_dir_stream_has_the_record_sequence_excel_writes(xlam, excel_made):
    seqs = {}
    for label, path in (("ours", xlam), ("excel", excel_made)):
        ole, _ = _project(path)
        try:
            seqs[label] = _records(bytes(decompress_stream(bytearray(ole.openstream("VBA/dir").read()))))
        finally:
            ole.close()
    our_info, our_refs, our_mods = _split(seqs["ours"])
    xl_info, xl_refs, xl_mods = _split(seqs["excel"])
    assert our_info == xl_info  # PROJECTSYSKIND … PROJECTCONSTANTS, Unicode twins included
    assert seqs["ours"][-1] == seqs["excel"][-1] == 0x0010
    # Our only reference (stdole, registered) has the shape of Excel's registered reference.
    assert our_refs == [[0x0016, 0x003E, 0x000D]] and [0x0016, 0x003E, 0x000D] in xl_refs
    # Every module record, per module type (0x0021 procedural, 0x0022 document/class), as Excel writes it.
    shapes = {tuple(m) for m in xl_mods}
    assert all(tuple(m) in shapes for m in our_mods), our_mods
    assert {m[-2] for m in our_mods} == {m[-2] for m in xl_mods} == {0x0021, 0x0022}


def _header(source: str) -> list[str]:
    lines = []
    for line in source.split("\n"):
        if not line.startswith("Attribute VB_") or line.startswith("Attribute VB_Description"):
            break
        lines.append(re.sub(r'^Attribute VB_Name = ".*"$', 'Attribute VB_Name = "…"', line))
    return lines


def test_attribute_headers_per_module_type_match_excel(ours, excel_made):
    theirs = _modules(excel_made)
    kinds = {"ThisWorkbook": "ThisWorkbook", "Sheet1": "Sheet2", "Dictionary": "Dictionary"}
    for mine, excel in kinds.items():
        assert _header(ours[mine][1]) == _header(theirs[excel][1]), mine
    standard = {_header(src)[0] if _header(src) else "" for name, (kind, src) in theirs.items() if kind == "bas"}
    for name, (kind, src) in ours.items():
        if kind == "bas":
            assert _header(src) == ['Attribute VB_Name = "…"'] and len(standard) == 1, name


def test_vba_project_header_and_storage_entries_match_excel(xlam, excel_made):
    found = {}
    for label, path in (("ours", xlam), ("excel", excel_made)):
        ole, _ = _project(path)
        try:
            vba = next(e for e in ole.direntries if e is not None and e.name == "VBA")
            found[label] = (ole.openstream("VBA/_VBA_PROJECT").read(), vba.entry_type, vba.isectStart, vba.size)
        finally:
            ole.close()
    assert found["ours"] == found["excel"]


def test_ribbon_part_like_excel_made(xlam, excel_made):
    """The ribbon hangs off the package by the relationship type the Excel-made add-in uses; ours is the
    Office 2010 schema (customUI14, namespace 2009/07), xlwings' the 2007 one (2006/01)."""
    rel = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
    namespaces = {}
    for label, path in (("ours", xlam), ("excel", excel_made)):
        with zipfile.ZipFile(path) as z:
            rels = ElementTree.fromstring(z.read("_rels/.rels"))
            target = next(r.get("Target") for r in rels if r.get("Type") == rel)
            namespaces[label] = ElementTree.fromstring(z.read(target.lstrip("/"))).tag.split("}")[0][1:]
    assert namespaces == {"ours": "http://schemas.microsoft.com/office/2009/07/customui",
                          "excel": "http://schemas.microsoft.com/office/2006/01/customui"}


def test_vietnamese_texts_of_the_vba_decode(ours):
    """Every VN("…\\uXXXX…") message decodes to Vietnamese text (full diacritics, no stray escape)."""
    texts = []
    for _kind, src in ours.values():
        for lit in re.findall(r'VN\("((?:[^"]|"")*)"\)', src):
            text = re.sub(r"\\u([0-9A-Fa-f]{4})", lambda m: chr(int(m.group(1), 16)), lit.replace('""', '"'))
            assert "\\u" not in text and text.isprintable(), lit
            texts.append(text)
    assert "Hãy mở báo cáo cần kiểm tra rồi bấm lại. Nếu Excel mở tệp ở “Dạng xem được Bảo vệ”, bấm “Bật Chỉnh sửa” trước." in texts
    assert any(t.startswith("Chọn thư mục chứa các báo cáo") for t in texts)


def test_smoke_script_outside_windows_says_so(capsys):
    """scripts/kiem_tra_cai_dat.py needs Excel; elsewhere it stops with a Vietnamese sentence, status 2."""
    import importlib.util
    import sys

    path = Path(__file__).resolve().parents[1] / "scripts" / "kiem_tra_cai_dat.py"
    spec = importlib.util.spec_from_file_location("kiem_tra_cai_dat", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclasses look their module up
    spec.loader.exec_module(mod)
    if sys.platform.startswith("win"):
        pytest.skip("on Windows the script drives Excel for real")
    assert mod.main([]) == 2
    assert "chỉ chạy trên Windows có Microsoft Excel" in capsys.readouterr().err
    report = mod.Report()
    report.add("Hàm CCHC_TYLE(1;3) = 33,33", True)
    report.add("Kiểm tra trên đường dẫn mạng", None, "chia sẻ tắt")
    report.add("Báo cáo lạ không chạy được mã", False, "mã lạ ĐÃ chạy!")
    text = report.text()
    assert "[ĐẠT] Hàm CCHC_TYLE(1;3) = 33,33" in text and "[BỎ QUA] Kiểm tra" in text
    assert "1 không đạt" in text and not report.ok


_OPENERS = [  # (opening statement, closing statement) of VBA blocks, as regexes on a code line
    (r"If\b.*\bThen\s*$", r"End\s+If\b"),
    (r"For\b", r"Next\b"),
    (r"Do\b", r"Loop\b"),
    (r"While\b", r"Wend\b"),
    (r"With\b", r"End\s+With\b"),
    (r"Select\s+Case\b", r"End\s+Select\b"),
    (r"(?:(?:Public|Private|Friend)\s+)?(?:Static\s+)?(?:Function|Sub|Property\s+(?:Get|Let|Set))\s+\w+",
     r"End\s+(?:Function|Sub|Property)\b"),
]


CONFIGURATIONS = {  # the compile-time constants of the hosts the add-in runs in
    "Excel 64-bit (Windows)": {"VBA7": True, "WIN64": True, "WIN32": True, "MAC": False},
    "Excel 32-bit (Windows)": {"VBA7": True, "WIN64": False, "WIN32": True, "MAC": False},
    "Excel (Mac)": {"VBA7": True, "WIN64": False, "WIN32": False, "MAC": True, "MAC_OFFICE_VERSION": 16},
}


def _cc_value(expr: str, consts: dict) -> bool:
    """A `#If` condition: comparisons, And/Or/Not, numbers, strings and constants (an undefined one is 0/Empty)."""
    strings: list[str] = []
    expr = re.sub(r'"([^"]*)"', lambda m: strings.append(m.group(1)) or f" __s{len(strings) - 1} ", expr)
    expr = expr.replace("<>", " != ").replace(">=", " >= ").replace("<=", " <= ")
    expr = re.sub(r"(?<![<>!=])=(?!=)", " == ", expr)
    py = []
    for tok in re.findall(r"__s\d+|[A-Za-z_]\w*|\d+|[=!<>]=|[<>()]", expr):
        if tok.startswith("__s"):
            py.append(repr(strings[int(tok[3:])]))
        elif tok.upper() in ("AND", "OR", "NOT"):
            py.append(tok.lower())
        elif tok[0].isalpha() or tok[0] == "_":
            py.append(repr(consts.get(tok.upper(), 0)))
        else:
            py.append(tok)
    return bool(eval(" ".join(py), {"__builtins__": {}}))  # noqa: S307 - tokens filtered above


def compiled_text(source: str, host: dict) -> str:
    """The lines VBA compiles for `host`: #If/#ElseIf/#Else/#End If resolved with the module's own #Const
    (private to the module) and the host's constants; directive and skipped lines left blank."""
    consts = dict(host)
    out, stack = [], []  # stack of (this branch taken, some branch taken)
    for line in source.replace("\r\n", "\n").split("\n"):
        s = re.sub(r"\s+'.*$", "", line.strip())
        active = all(taken for taken, _any in stack)
        if m := re.match(r"(?i)#If\s+(.*?)\s+Then$", s):
            v = active and _cc_value(m.group(1), consts)
            stack.append((v, v))
        elif m := re.match(r"(?i)#ElseIf\s+(.*?)\s+Then$", s):
            _t, any_ = stack.pop()
            v = all(t for t, _a in stack) and not any_ and _cc_value(m.group(1), consts)
            stack.append((v, any_ or v))
        elif re.match(r"(?i)#Else$", s):
            _t, any_ = stack.pop()
            stack.append((all(t for t, _a in stack) and not any_, True))
        elif re.match(r"(?i)#End\s*If$", s):
            stack.pop()
        elif m := re.match(r'(?i)#Const\s+(\w+)\s*=\s*(".*?"|\S+)', s):
            if active:
                value = m.group(2)
                consts[m.group(1).upper()] = value[1:-1] if value.startswith('"') else _cc_value(value, consts)
        else:
            out.append(line if active else "")
            continue
        out.append("")
    assert not stack, "#If without #End If"
    return "\n".join(out)


def unbalanced_blocks(source: str) -> list[str]:
    """Block statements without their end (If/End If, For/Next, With, Function/End Function, #If/#End If …),
    the compile error a blindly edited module is most likely to have. Comments and strings are ignored;
    continuation lines are joined; single-line `If … Then x` opens nothing."""
    text = re.sub(r" _\n\s*", " ", source.replace("\r\n", "\n"))
    stack, problems = [], []
    for n, raw in enumerate(text.split("\n"), 1):
        line = re.sub(r'"(?:[^"]|"")*"', '""', raw)
        line = re.sub(r"(^|\s)'.*$", "", line).strip()
        line = re.sub(r"^\w+:\s*", "", line) if not line.startswith(("#", "Rem")) else line  # labels
        if not line or line.startswith("Rem ") or re.match(r"(?i)(Private |Public )?Declare\b", line):
            continue
        closed = False
        for i, (_op, end) in enumerate(_OPENERS):
            if re.match(rf"(?i){end}", line):
                if not stack or stack[-1][0] != i:
                    problems.append(f"line {n}: {line[:40]} closes nothing open")
                else:
                    stack.pop()
                closed = True
                break
        if closed:
            continue
        if re.match(r"(?i)(?:Exit|End)\s+(?:Function|Sub|Property)\s*$", line) and not re.match(r"(?i)End\s", line):
            continue
        for i, (op, _end) in enumerate(_OPENERS):
            if re.match(rf"(?i){op}", line):
                if i == 3 and re.match(r"(?i)Do\w", line):  # DoEvents
                    break
                stack.append((i, n))
                break
    problems += [f"line {n}: block opened here is never closed" for _i, n in stack]
    return problems


def test_block_lint_on_excel_made_code_and_on_a_broken_module(excel_made):
    for name, (_kind, src) in _modules(excel_made).items():  # code Excel compiled: no false alarm
        for host, consts in CONFIGURATIONS.items():
            assert unbalanced_blocks(compiled_text(src, consts)) == [], (name, host)
    broken = addin.xlwings_module().source.replace("\r\n    End If\r\n    GetConfig = default", "\r\n    GetConfig = default", 1)
    assert broken != addin.xlwings_module().source
    assert unbalanced_blocks(compiled_text(broken, CONFIGURATIONS["Excel 64-bit (Windows)"]))


def test_every_module_has_balanced_blocks_on_every_host(ours):
    for name, (_kind, src) in ours.items():
        for host, consts in CONFIGURATIONS.items():
            assert unbalanced_blocks(compiled_text(src, consts)) == [], (name, host)


def test_udf_wrappers_compile_the_excel_branch():
    """Item 1 as the compiler sees it: on Windows the wrapper passes the calling range to CallUDF."""
    text = compiled_text(addin.udf_module_source(), CONFIGURATIONS["Excel 64-bit (Windows)"])
    assert text.count("ThisWorkbook, Application.Caller)") == 3
    assert "Array(tu_so, mau_so))" not in text  # the #Else (non-Excel) call is not compiled
    without_const = addin.udf_module_source().replace("#Const App", "' #Const App")
    assert compiled_text(without_const, CONFIGURATIONS["Excel 64-bit (Windows)"]).count("Application.Caller)") == 0


def undeclared(source: str) -> list[str]:
    """Variables assigned in a procedure of an `Option Explicit` module but never declared (compile error
    “Variable not defined”): not a parameter, a Dim/Const of the procedure or module, or the function itself."""
    if not re.search(r"(?im)^Option Explicit", source):
        return []
    text = re.sub(r" _\r?\n\s*", " ", source.replace("\r\n", "\n"))
    module_level = set(re.findall(r"(?im)^(?:Private |Public |Dim )(?:Const )?(\w+)\s+As\b", text))
    bad = []
    for m in re.finditer(r"(?ims)^(?:Public |Private )?(Function|Sub) (\w+)\((.*?)\)(.*?)^End \1", text):
        params = {p.split()[0].rstrip("()") for p in
                  (re.sub(r"(?i)\b(Optional|ByVal|ByRef|ParamArray)\b", "", p).strip() for p in m.group(3).split(","))
                  if p}
        body = m.group(4)
        declared = set()
        for decl in re.findall(r"(?im)^\s*(?:Dim|Static|Const)\s+(.*)$", body):
            declared |= {d.strip().split()[0].rstrip("()") for d in re.split(r",(?![^(]*\))", decl) if d.strip()}
        for name in re.findall(r"(?im)^\s*(?:Set\s+)?(\w+)\s*=[^=]", body):
            if name.lower() not in {x.lower() for x in declared | params | module_level | {m.group(2)}}:
                bad.append(f"{m.group(2)}: {name}")
    return sorted(set(bad))


def test_option_explicit_modules_declare_what_they_assign(ours):
    broken = ours["CCHC"][1].replace("    Dim i As Long, out As String\n", "    Dim i As Long\n")
    assert undeclared(broken) == ["VN: out"]
    for name, (_kind, src) in ours.items():
        assert undeclared(src) == [], name


def test_replacement_procedures_of_the_xlwings_module_declare_their_variables():
    """The procedures xlwings_vba.py writes into xlwings' module would pass Option Explicit too."""
    src = "Option Explicit\n" + "\n\n".join(
        [xlwings_vba._GET_CONFIG, xlwings_vba._GET_CONFIG_FROM_FILE, xlwings_vba._FILE_EXISTS_WIN])
    for host, consts in CONFIGURATIONS.items():
        text = compiled_text(src, {**consts, "APP": "Microsoft Excel"})
        assert undeclared(text) == [] and unbalanced_blocks(text) == [], host
