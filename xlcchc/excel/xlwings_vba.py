"""xlwings' VBA as the add-in bundles it: read from the installed package, then hardened.

xlwings' module for custom add-ins is made for an add-in that runs its author's own workbooks. Ours
runs on workbooks sent in by reporting units, which are untrusted, so the module as shipped would let
a return choose what runs when the consolidator clicks "Kiểm tra":
- `GetConfig` reads an `xlcchc.conf` *sheet of the active workbook* and an `xlcchc.conf` *file in its
  folder* before any other setting (INTERPRETER_WIN, PYTHONPATH, CONDA PATH …);
- `RunPython`/`XLPyCommand` put the active workbook's folder and `<workbook>.zip` first on Python's
  path (ADD_WORKBOOK_TO_PYTHONPATH defaults to true); Python's `-c` adds the current folder, and so
  does xlwings' `prepare_sys_path` when the PYTHONPATH setting is empty (an entry "");
- `RunPython` switches to "embedded code" when the active workbook has a sheet named `*.py`.
It also assumes a workbook is open (runtime error 91 on an empty Excel) and reads file names and
environment variables through VBA's ANSI functions (`Environ`, `Open`, `GetAttr`, `LoadLibraryA`),
which lose a user folder such as `C:\\Users\\Nguyễn`.

Each patch below replaces text that must occur exactly `count` times; otherwise the build stops,
because a new xlwings release that moved this code must be reviewed, not shipped half-hardened.
The patched module is what `tests/test_addin.py` lints and runs the hostile-workbook test against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .ovba import Module, normalise_source

XLWINGS_VBA_MODULE = "xlwings"
#: The xlwings release whose VBA these patches were written and tested against.
TESTED_WITH = "0.37.8"


class PatchError(Exception):
    pass


@dataclass(frozen=True)
class Patch:
    why: str
    old: str
    new: str
    count: int = 1


# Configuration: the add-in's own `xlcchc.conf` sheet (written by `xlcchc addin install`) and the
# user's config file, nothing else. The active workbook's sheet and folder are never read.
_GET_CONFIG = '''Function GetConfig(configKey As String, Optional default As String = "", Optional source As String = "") As Variant
    ' xlcchc: settings come only from this add-in (its xlcchc.conf sheet) and from the user's config
    ' file. Never from the active workbook or its folder: those are returns sent in by other units.
    Dim configValue As String
    #If App = "Microsoft Excel" Then
    If source = "" Or source = "sheet" Then
        If SheetExists(ThisWorkbook, PROJECT_NAME & ".conf") = True Then
            If GetConfigFromSheet(ThisWorkbook).Exists(configKey) = True Then
                GetConfig = GetConfigFromSheet(ThisWorkbook).Item(configKey)
                GetConfig = ExpandEnvironmentStrings(GetConfig)
                Exit Function
            End If
        End If
    End If
    #End If
    If source = "" Or source = "user" Then
        If FileExists(GetConfigFilePath()) = True Then
            If GetConfigFromFile(GetConfigFilePath(), configKey, configValue) Then
                GetConfig = configValue
                GetConfig = ExpandEnvironmentStrings(GetConfig)
                Exit Function
            End If
        End If
    End If
    GetConfig = default
    GetConfig = ExpandEnvironmentStrings(GetConfig)
End Function'''

# The user's config file through FileSystemObject: a Unicode file name, and a file written ANSI or
# UTF-16 (what `xlcchc addin install` writes when the path has letters outside the ANSI code page).
_GET_CONFIG_FROM_FILE = '''Function GetConfigFromFile(sFile As String, sName As String, Optional sValue As String) As Boolean
    ' xlcchc: read with FileSystemObject (VBA's Open cannot open a path outside the ANSI code page);
    ' lines are "KEY","VALUE"; the file may be ANSI or UTF-16 with a byte order mark.
    Dim content As String, lines As Variant, i As Long, sep As Long, k As String, v As String
    GetConfigFromFile = False
    #If Mac Then
        Dim iFileNum As Long, sVarName As String, sVarValue As String
        If FileExists(sFile) Then
            iFileNum = FreeFile
            Open sFile For Input As iFileNum
            Do While Not EOF(iFileNum)
                Input #iFileNum, sVarName, sVarValue
                If LCase(sVarName) = LCase(sName) Then
                    sValue = sVarValue
                    GetConfigFromFile = True
                    Exit Do
                End If
            Loop
            Close #iFileNum
        End If
    #Else
        If Not FileExists(sFile) Then Exit Function
        content = ReadTextFileW(sFile)
        lines = Split(Replace(content, vbCr, ""), vbLf)
        For i = LBound(lines) To UBound(lines)
            sep = InStr(lines(i), ",")
            If sep > 0 Then
                k = Unquote(Left$(lines(i), sep - 1))
                v = Unquote(Mid$(lines(i), sep + 1))
                If LCase$(k) = LCase$(sName) Then
                    sValue = v
                    GetConfigFromFile = True
                    Exit Function
                End If
            End If
        Next i
    #End If
End Function

Function ReadTextFileW(ByVal FileName As String) As String
    ' xlcchc: a text file by a Unicode name; ANSI unless it holds NUL characters (then UTF-16).
    Dim fso As Object, ts As Object
    Set fso = CreateObject("Scripting.FileSystemObject")
    If fso.GetFile(FileName).Size = 0 Then Exit Function
    Set ts = fso.OpenTextFile(FileName, 1, False, 0)
    ReadTextFileW = ts.ReadAll
    ts.Close
    If InStr(ReadTextFileW, Chr$(0)) > 0 Then
        Set ts = fso.OpenTextFile(FileName, 1, False, -1)
        ReadTextFileW = ts.ReadAll
        ts.Close
    End If
End Function

Function Unquote(ByVal s As String) As String
    s = Trim$(s)
    If Len(s) >= 2 And Left$(s, 1) = """" And Right$(s, 1) = """" Then s = Mid$(s, 2, Len(s) - 2)
    Unquote = s
End Function

Function PythonPathOrAddinFolder() As String
    ' xlcchc: the PYTHONPATH setting, or the add-in's own folder when there is none: an empty last
    ' entry makes xlwings.utils.prepare_sys_path put "" (the current folder) first on sys.path.
    PythonPathOrAddinFolder = GetConfig("PYTHONPATH")
    If PythonPathOrAddinFolder = "" Then
        #If Mac Then
            PythonPathOrAddinFolder = ToPosixPath(ThisWorkbook.Path)
        #Else
            PythonPathOrAddinFolder = ThisWorkbook.Path
        #End If
    End If
End Function

Function CallerFullName() As String
    ' xlcchc: the active workbook's full name, "" when Excel has no workbook open.
    If Not ActiveWorkbook Is Nothing Then CallerFullName = ActiveWorkbook.FullName
End Function

Function CallerName() As String
    ' xlcchc: the active workbook's name, "" when Excel has no workbook open.
    If Not ActiveWorkbook Is Nothing Then CallerName = ActiveWorkbook.Name
End Function'''

_FILE_EXISTS_WIN = '''Function FileExistsOnWindows(ByVal FileSpec As String) As Boolean
    ' xlcchc: FileSystemObject, not GetAttr, so that a Unicode path (C:\\Users\\Nguyen with diacritics) is found.
    On Error Resume Next
    FileExistsOnWindows = CreateObject("Scripting.FileSystemObject").FileExists(FileSpec)
End Function'''


def _function(name: str, kind: str = "Function") -> str:
    """A regex matching a whole `Function name(…) … End Function` of the module."""
    return rf"(?ms)^(?:Private |Public )?{kind} {name}\(.*?^End {kind}$"


_REGEX_PATCHES: tuple[tuple[str, str, str], ...] = (
    ("configuration never from the active workbook's sheet or folder", _function("GetConfig"), _GET_CONFIG),
    ("the user's config file by a Unicode path (FileSystemObject)", _function("GetConfigFromFile"),
     _GET_CONFIG_FROM_FILE),
    ("Unicode file names in FileExists", _function("FileExistsOnWindows"), _FILE_EXISTS_WIN),
)

PATCHES: tuple[Patch, ...] = (
    Patch("the add-in's own project name (config file %USERPROFILE%\\.xlcchc\\xlcchc.conf)",
          'Public Const PROJECT_NAME As String = "myaddin"', 'Public Const PROJECT_NAME As String = "xlcchc"'),
    Patch("never put the workbook's folder or <workbook>.zip on Python's path",
          'AddExcelDir = GetConfig("ADD_WORKBOOK_TO_PYTHONPATH", "true")',
          'AddExcelDir = "false" \' xlcchc: never the folder of a returned workbook', count=2),
    Patch("embedded Python code only from the add-in itself, never from a sheet *.py of the active workbook",
          "    For i = 1 To 2\n        If i = 1 Then\n            Set wb = ActiveWorkbook",
          "    For i = 2 To 2 ' xlcchc: only ThisWorkbook, never the active workbook\n        If i = 1 Then\n"
          "            Set wb = ActiveWorkbook"),
    Patch("RunPython with no workbook open: no error 91",
          "ActiveWorkbook.FullName", "CallerFullName()", count=5),
    Patch("RunPython with no workbook open: no error 91 (the name passed as --wb)",
          "ActiveWorkbook.Name", "CallerName()", count=2),
    Patch("never an empty last sys.path entry (prepare_sys_path would add \"\", the current folder)",
          '& ";" & GetConfig("PYTHONPATH")', '& ";" & PythonPathOrAddinFolder()', count=4),
    Patch("Python isolated (-I): neither the current folder nor PYTHONPATH nor user site on sys.path",
          'PythonInterpreter & " -B -c ""import xlwings.utils;',
          'PythonInterpreter & " -I -B -c ""import xlwings.utils;'),
    Patch("the UDF server isolated in the same way", 'tail = " -B -c ""import sys, os;"',
          'tail = " -I -B -c ""import sys, os;"'),
    Patch("the temporary folder by its Unicode name", 'GetConfig("TEMP DIR", Environ("Temp"))',
          'GetConfig("TEMP DIR", ExpandEnvironmentStrings("%TEMP%"))'),
    Patch("the user's folder by its Unicode name",
          'GetConfigFilePath = Environ("USERPROFILE") & "\\."',
          'GetConfigFilePath = ExpandEnvironmentStrings("%USERPROFILE%") & "\\."'),
    Patch("the error log read by its Unicode name",
          "    ' Read Text File\n    Open FileName For Input As #FileNum\n",
          "    ' Read Text File\n    #If Not Mac Then\n        ReadFile = ReadTextFileW(FileName)\n"
          "        Exit Function\n    #End If\n    Open FileName For Input As #FileNum\n"),
    Patch("xlwings' DLL loaded from a Unicode folder (LoadLibraryW)",
          'Private Declare PtrSafe Function LoadLibrary Lib "KERNEL32" Alias "LoadLibraryA" (ByVal lpLibFileName As String) As Long',
          'Private Declare PtrSafe Function LoadLibrary Lib "KERNEL32" Alias "LoadLibraryW" (ByVal lpLibFileName As LongPtr) As LongPtr'),
    Patch("xlwings' DLL loaded from a Unicode folder (LoadLibraryW, VBA 6)",
          'Private Declare Function LoadLibrary Lib "KERNEL32" Alias "LoadLibraryA" (ByVal lpLibFileName As String) As Long',
          'Private Declare Function LoadLibrary Lib "KERNEL32" Alias "LoadLibraryW" (ByVal lpLibFileName As Long) As Long'),
    Patch("LoadLibraryW takes a pointer to the UTF-16 name",
          'If LoadLibrary(ParentFolder(PYTHON_WIN) + "\\" + XLPyDLLName) = 0 Then',
          'If LoadLibrary(StrPtr(ParentFolder(PYTHON_WIN) + "\\" + XLPyDLLName)) = 0 Then'),
    Patch("LoadLibraryW takes a pointer to the UTF-16 name (virtualenv)",
          'If LoadLibrary(ParentFolder(ParentFolder(PYTHON_WIN)) + "\\" + XLPyDLLName) = 0 Then',
          'If LoadLibrary(StrPtr(ParentFolder(ParentFolder(PYTHON_WIN)) + "\\" + XLPyDLLName)) = 0 Then'),
)


def harden(src: str, project: str) -> str:
    """xlwings' module text (LF line ends) with every patch applied; raises PatchError if one does not fit."""
    if project != "xlcchc":
        raise PatchError("the patches name the project xlcchc")
    for p in PATCHES:
        n = src.count(p.old)
        if n != p.count:
            raise PatchError(f"{p.why}: expected {p.count} occurrence(s), found {n}")
        src = src.replace(p.old, p.new)
    for why, pattern, new in _REGEX_PATCHES:  # after: the helpers they add use ActiveWorkbook on purpose
        src, n = re.subn(pattern, lambda _m, new=new: new, src, count=0)
        if n != 1:
            raise PatchError(f"{why}: expected 1 match, found {n}")
    return src


def xlwings_dir() -> Path:
    import xlwings

    return Path(xlwings.__file__).resolve().parent


def original_module_text() -> str:
    return (xlwings_dir() / "xlwings_custom_addin.bas").read_bytes().decode("cp1252")


def xlwings_module(project: str = "xlcchc") -> Module:
    """xlwings' VBA module for custom add-ins, hardened for untrusted workbooks (see the module doc)."""
    from .addin import AddinError, module_name

    src = original_module_text().replace("\r\n", "\n")
    try:
        src = harden(src, project)
    except PatchError as e:
        raise AddinError(
            f"phiên bản xlwings này có mô-đun VBA khác với bản add-in đã kiểm tra ({e}); hãy cài xlwings "
            f"{TESTED_WITH} (pip install xlwings=={TESTED_WITH}) rồi chạy lại"
        ) from None
    return Module(module_name(src), normalise_source(src))


#: The attribute lines Excel writes at the top of a class module (as in xlwings' Excel-made add-ins).
CLASS_HEADER = (
    'Attribute VB_Base = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"',
    "Attribute VB_GlobalNameSpace = False",
    "Attribute VB_Creatable = False",
    "Attribute VB_PredeclaredId = False",
    "Attribute VB_Exposed = True",
    "Attribute VB_TemplateDerived = False",
    "Attribute VB_Customizable = False",
)


def dictionary_class() -> Module:
    """VBA-Dictionary (MIT), which xlwings' module needs on the Mac, stored as Excel stores a class.

    The `.cls` export starts with `VERSION 1.0 CLASS / BEGIN … END` and a shortened attribute block;
    Excel keeps the full block (VB_Base, VB_TemplateDerived, VB_Customizable) in the project.
    """
    src = (xlwings_dir() / "addin" / "Dictionary.cls").read_bytes().decode("cp1252").replace("\r\n", "\n")
    lines = src[src.index("Attribute VB_Name") :].split("\n")
    name_line = lines[0]
    body_start = next(i for i, line in enumerate(lines) if not line.startswith("Attribute VB_") or
                      line.startswith("Attribute VB_Description"))
    given = set(lines[1:body_start])
    missing = given - set(CLASS_HEADER)
    if missing:
        raise PatchError(f"Dictionary.cls has unexpected attributes {sorted(missing)}")
    text = "\n".join([name_line, *CLASS_HEADER, *lines[body_start:]])
    return Module("Dictionary", normalise_source(text), kind="class")
