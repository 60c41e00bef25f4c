"""A returned workbook must not choose the code the add-in runs (issue 14, item 2), nor break it when
no workbook is open (item 3).

Excel is not available, so the proof has two halves, both on the add-in as built (its VBA read back
with olevba, the reader Excel's own format is checked against):
- statically, the configuration lookup of the bundled xlwings module never reads the active
  workbook or its folder, and nothing dereferences `ActiveWorkbook` where it can be Nothing;
- dynamically, the command line that `RunPython` builds is evaluated from the add-in's own VBA
  statements and run for real, in the folder of a hostile return (`BC_X.xlsx` with an `xlcchc.conf`
  sheet, `BC_X.zip` and an `xlcchc/` package beside it, a directory `xlcchc.conf`): the installed
  entry point runs. The same evaluation on xlwings' unpatched module runs the hostile code, which
  shows the test reproduces the hole it guards against.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from oletools.olevba import VBA_Parser

import xlcchc
from xlcchc.excel import addin, xlwings_vba

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "bao-cao-2022" / "BC_CCHC_2022_H-NGA-SON.xlsx"
MARKER = "HOSTILE_CODE_RAN"


@pytest.fixture(scope="module")
def built_modules(tmp_path_factory) -> dict[str, str]:
    xlam = addin.build_addin(tmp_path_factory.mktemp("addin") / "xlcchc.xlam")
    parser = VBA_Parser(str(xlam))
    try:
        return {name.rsplit(".", 1)[0]: code.replace("\r\n", "\n") for _f, _s, name, code in parser.extract_macros()}
    finally:
        parser.close()


def _procedure(src: str, name: str) -> str:
    m = re.search(rf"(?ms)^(?:Public |Private )?(Function|Sub) {name}\(.*?^End \1$", src)
    assert m, name
    return m.group(0)


# --- static: where configuration and code may come from ---------------------------------------------


def test_config_never_read_from_the_active_workbook_or_its_folder(built_modules):
    get_config = _procedure(built_modules["xlwings"], "GetConfig")
    assert "ActiveWorkbook" not in get_config
    assert "GetDirectoryConfigFilePath" not in get_config and "GetFullName" not in get_config
    assert "GetConfigFromSheet(ThisWorkbook)" in get_config  # the add-in's own settings
    assert "GetConfigFromFile(GetConfigFilePath()" in get_config  # the user's config file


def test_python_path_and_embedded_code_never_from_the_workbook(built_modules):
    src = built_modules["xlwings"]
    assignments = re.findall(r"(?m)^\s*AddExcelDir = (.*)$", src)
    assert assignments and all(a.startswith('"false"') for a in assignments), assignments
    run_python = _procedure(src, "RunPython")
    assert re.search(r"(?m)^\s*For i = 2 To 2\b", run_python)  # only ThisWorkbook's *.py sheets
    assert " -I -B -c " in _procedure(src, "ExecuteWindows") and " -I -B -c " in _procedure(src, "XLPyCommand")
    # The UDF wrappers hand the add-in, not the calling return, to xlwings (which imports *.py sheets of it).
    udf = built_modules[addin.UDF_VBA_MODULE]
    assert "ActiveWorkbook" not in udf and udf.count(", ThisWorkbook, Application.Caller)") == 3


def test_no_workbook_open_is_handled(built_modules):
    """Error 91 on an empty Excel: every ActiveWorkbook member access that RunPython, its command
    line and the UDF server reach goes through a helper that checks for Nothing."""
    src = built_modules["xlwings"]
    for proc in ("RunPython", "ExecuteWindows", "ExecuteMac", "XLPyCommand", "GetConfig"):
        body = _procedure(src, proc)
        assert not re.search(r"ActiveWorkbook\.(FullName|Name|Path)\b", body), proc
        assert "GetFullName(ActiveWorkbook)" not in body, proc
    for helper in ("CallerFullName", "CallerName"):
        assert "If Not ActiveWorkbook Is Nothing Then" in _procedure(src, helper)
    # The buttons that need a workbook say so in Vietnamese instead of failing.
    cchc = built_modules["CCHC"]
    for sub in ("CCHC_KiemTra", "CCHC_XuatPhuLuc"):
        assert "If Not CoSoBaoCao(VN(" in _procedure(cchc, sub), sub
    assert "Not ActiveWorkbook Is Nothing" in _procedure(cchc, "CoSoBaoCao")


# --- dynamic: the command RunPython builds, run in the folder of a hostile return ---------------------


def _vba_concat(expr: str, env: dict[str, str], config) -> str:
    """Value of a VBA string expression made of literals, variables, Chr(34) and GetConfig(…) joined by &."""
    tokens = re.findall(r'GetConfig\("[^"]*"(?:,\s*"[^"]*")?\)|"(?:[^"]|"")*"|[^&"\s][^&"]*', expr)
    out = []
    for tok in tokens:
        tok = tok.strip()
        if not tok:
            continue
        if tok.startswith('"'):
            out.append(tok[1:-1].replace('""', '"'))
        elif tok == "Chr(34)":
            out.append('"')
        elif m := re.fullmatch(r'GetConfig\("([^"]+)"(?:,\s*"([^"]*)")?\)', tok):
            out.append(config(m.group(1), m.group(2) or ""))
        else:
            out.append(env[tok])
    return "".join(out)


def _statement(src: str, proc: str, target: str, contains: str = "") -> str:
    body = _procedure(src, proc)
    lines = [line.split(" '")[0].strip() for line in body.splitlines()
             if re.match(rf"\s*{target} = ", line) and contains in line]
    assert lines, (proc, target)
    return lines[-1].split(" = ", 1)[1]  # the Windows branch comes last (after #If Mac)


def _command(src: str, python_command: str, active: Path, config) -> list[str]:
    """argv of the `python -c` that ExecuteWindows starts, from the module's own statements."""
    env = {"ActiveFullName": str(active), "ThisFullName": "/opt/addin/xlcchc.xlam", "CondaCmd": "",
           "PythonPathOrAddinFolder()": config("PYTHONPATH", "") or "/opt/addin",
           "PythonInterpreter": f'"{sys.executable}"', "PythonCommand": python_command}
    env["AddExcelDir"] = _vba_concat(_statement(src, "RunPython", "AddExcelDir"), env, config)
    pythonpath = _vba_concat(_statement(src, "RunPython", "PYTHONPATH", "ONEDRIVE_CONSUMER_WIN"), env, config)
    env["PYTHONPATH"] = pythonpath.replace("&", "^&").replace("\\", "\\\\")  # ExecuteWindows' two Replace calls
    run = _vba_concat(_statement(src, "ExecuteWindows", "RunCommand", "PythonInterpreter"), env, config)
    # cmd.exe hands the line to CommandLineToArgvW; for these paths (no backslashes) POSIX rules agree.
    return shlex.split(run)


@pytest.fixture()
def hostile(tmp_path) -> Path:
    """A returns folder as a consolidator receives it from a hostile unit."""
    folder = tmp_path / "bao-cao-nop"
    folder.mkdir()
    wb = openpyxl.load_workbook(SAMPLE)
    conf = wb.create_sheet("xlcchc.conf")
    for i, (key, value) in enumerate([("INTERPRETER_WIN", str(folder / "python.exe")), ("PYTHONPATH", str(folder)),
                                      ("ADD_WORKBOOK_TO_PYTHONPATH", "true")], 1):
        conf.cell(i, 1, key)
        conf.cell(i, 2, value)
    wb.save(folder / "BC_X.xlsx")
    payload = f"open({str(folder / MARKER)!r}, 'w').write('x')\n"
    with zipfile.ZipFile(folder / "BC_X.zip", "w") as z:
        z.writestr("xlcchc/__init__.py", payload)
        z.writestr("xlcchc/excel/__init__.py", "")
        z.writestr("xlcchc/excel/entry.py", payload)
    for pkg in ("xlcchc", "xlwings"):  # found through the current folder when Python is not isolated
        (folder / pkg).mkdir()
        (folder / pkg / "__init__.py").write_text(payload)
    (folder / "xlcchc.conf").write_text(f'"PYTHONPATH","{folder}"\n"INTERPRETER_WIN","{folder / "python.exe"}"\n')
    return folder


def _hostile_config(folder: Path):
    """xlwings' own lookup order for the unpatched module: the active workbook's sheet, then its folder."""
    ws = openpyxl.load_workbook(folder / "BC_X.xlsx", read_only=True)["xlcchc.conf"]
    sheet = {str(r[0]).upper(): str(r[1]) for r in ws.iter_rows(values_only=True) if r[0]}

    def config(key: str, default: str) -> str:
        return sheet.get(key.upper(), default)

    return config


def _entry_command(built_modules) -> str:
    entry = re.search(r'Private Const ENTRY As String = "((?:[^"]|"")+)"', built_modules["CCHC"]).group(1)
    return entry + "__name__; import sys; sys.stdout.write(e.__file__)"


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    env["PYTHONPATH"] = str(cwd)  # even a PYTHONPATH pointing at the folder is ignored in isolated mode
    return subprocess.run([*argv, "--wb=BC_X.xlsx", "--from_xl=1"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_installed_entry_point_runs_beside_a_hostile_return(built_modules, hostile):
    src = built_modules["xlwings"]
    argv = _command(src, _entry_command(built_modules), hostile / "BC_X.xlsx", lambda key, default: default)
    assert argv[:4] == [sys.executable, "-I", "-B", "-c"]
    proc = _run(argv, hostile)
    assert proc.returncode == 0, proc.stderr
    installed = Path(xlcchc.__file__).resolve().parent / "excel" / "entry.py"
    assert Path(proc.stdout).resolve() == installed
    assert not (hostile / MARKER).exists()


def test_unpatched_xlwings_module_runs_the_hostile_code(built_modules, hostile):
    """The control: xlwings' module as shipped, with its own config lookup, imports BC_X.zip's entry.py."""
    original = xlwings_vba.original_module_text().replace("\r\n", "\n")
    argv = _command(original, _entry_command(built_modules), hostile / "BC_X.xlsx", _hostile_config(hostile))
    proc = _run(argv, hostile)
    assert (hostile / MARKER).exists(), proc.stderr


def test_build_refuses_an_xlwings_module_that_moved(monkeypatch):
    """A new xlwings whose module no longer has a patched statement stops the build, in Vietnamese."""
    text = xlwings_vba.original_module_text().replace('GetConfig("ADD_WORKBOOK_TO_PYTHONPATH", "true")',
                                                     'GetConfig("ADD_WORKBOOK_TO_PYTHONPATH", "True")')
    monkeypatch.setattr(xlwings_vba, "original_module_text", lambda: text)
    with pytest.raises(addin.AddinError, match="phiên bản xlwings này"):
        xlwings_vba.xlwings_module()
