Attribute VB_Name = "CCHC"
' xlcchc add-in: the ribbon's callbacks (tab CCHC). A thin shell on purpose: every action runs in
' Python (module xlcchc.excel.entry) through xlwings' RunPython; VBA only shows Excel's own folder
' and input dialogs, then hands over. Errors are shown by Python as a Vietnamese message box.
' Module text stays ASCII (the VBA project's code page is 1252): Vietnamese prompts are written
' with \uXXXX escapes and decoded by VN().
Option Explicit

' Python runs isolated (-I, see xlcchc/excel/xlwings_vba.py); the "" entry (current folder) that
' xlwings may still add is dropped before anything is imported from the installed package.
Private Const ENTRY As String = "import sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; import xlcchc.excel.entry as e; e."

' Kiem tra: check the active workbook (a unit's return) and mark the offending cells.
Public Sub CCHC_KiemTra(control As Object)
    If Not CoSoBaoCao(VN("H\u00E3y m\u1EDF b\u00E1o c\u00E1o c\u1EA7n ki\u1EC3m tra r\u1ED3i b\u1EA5m l\u1EA1i. N\u1EBFu Excel m\u1EDF t\u1EC7p \u1EDF \u201CD\u1EA1ng xem \u0111\u01B0\u1EE3c B\u1EA3o v\u1EC7\u201D, b\u1EA5m \u201CB\u1EADt Ch\u1EC9nh s\u1EEDa\u201D tr\u01B0\u1EDBc.")) Then Exit Sub
    RunPython ENTRY & "kiem_tra()"
End Sub

' Tong hop: merge every return found in a folder into the provincial workbook.
Public Sub CCHC_TongHop(control As Object)
    Dim folder As String
    folder = ChonThuMuc(VN("Ch\u1ECDn th\u01B0 m\u1EE5c ch\u1EE9a c\u00E1c b\u00E1o c\u00E1o \u0111\u00E3 n\u1ED9p"))
    If folder = "" Then Exit Sub
    RunPython ENTRY & "tong_hop(" & PyStr(folder) & ")"
End Sub

' Xuat phu luc: write the appendix next to the provincial workbook that is open.
Public Sub CCHC_XuatPhuLuc(control As Object)
    If Not CoSoBaoCao(VN("H\u00E3y m\u1EDF b\u1EA3ng t\u1ED5ng h\u1EE3p (TONG_HOP.xlsx) r\u1ED3i b\u1EA5m l\u1EA1i. N\u1EBFu Excel m\u1EDF t\u1EC7p \u1EDF \u201CD\u1EA1ng xem \u0111\u01B0\u1EE3c B\u1EA3o v\u1EC7\u201D, b\u1EA5m \u201CB\u1EADt Ch\u1EC9nh s\u1EEDa\u201D tr\u01B0\u1EDBc.")) Then Exit Sub
    RunPython ENTRY & "xuat_phu_luc()"
End Sub

' Tao bieu mau: one locked template per reporting unit, into a chosen folder.
Public Sub CCHC_TaoBieuMau(control As Object)
    Dim folder As String, period As Variant
    folder = ChonThuMuc(VN("Ch\u1ECDn th\u01B0 m\u1EE5c \u0111\u1EC3 l\u01B0u bi\u1EC3u m\u1EABu"))
    If folder = "" Then Exit Sub
    If CheDoThu() Then
        period = GiaTriThu("ky.txt")
    Else
        period = Application.InputBox(VN("K\u1EF3 b\u00E1o c\u00E1o (v\u00ED d\u1EE5: N\u0103m 2024, Qu\u00FD I/2025, 6 th\u00E1ng 2025):"), "CCHC", Type:=2)
    End If
    If VarType(period) = vbBoolean Then Exit Sub
    If Trim$(CStr(period)) = "" Then Exit Sub
    RunPython ENTRY & "tao_bieu_mau(" & PyStr(folder) & ", " & PyStr(CStr(period)) & ")"
End Sub

' Huong dan: open the user guide.
Public Sub CCHC_HuongDan(control As Object)
    RunPython ENTRY & "huong_dan()"
End Sub

'' True when a workbook is open; otherwise tells the user (in Vietnamese) what to open first. A file
' in Protected View (from e-mail or the internet) is not in Workbooks either: Enable Editing first.
' Tong hop, Tao bieu mau and Huong dan need no workbook: xlwings' RunPython (as the add-in bundles
' it) then passes an empty workbook name and Python uses the Excel window instead.
Private Function CoSoBaoCao(ByVal message As String) As Boolean
    CoSoBaoCao = Not ActiveWorkbook Is Nothing
    If CoSoBaoCao Then Exit Function
    If CheDoThu() Then
        Application.StatusBar = message
    Else
        MsgBox message, vbExclamation, "CCHC"
    End If
End Function

' scripts/kiem_tra_cai_dat.py (the Windows smoke test) starts Excel with XLCCHC_KIEM_TRA_CAI_DAT set:
' then no dialog blocks it: the folder and the period come from the files thu-muc.txt and ky.txt that
' the script writes in that folder, and a message goes to the status bar, where the script reads it.
' Excel's own environment only: nothing a workbook can set.
Private Function CheDoThu() As Boolean
    CheDoThu = BienMoiTruong("XLCCHC_KIEM_TRA_CAI_DAT") <> ""
End Function

' The one line the smoke test wrote in a UTF-16 file of its work folder ("" when there is none).
Private Function GiaTriThu(ByVal name As String) As String
    #If Mac Then
        GiaTriThu = ""
    #Else
        Dim fso As Object, path As String
        Set fso = CreateObject("Scripting.FileSystemObject")
        path = BienMoiTruong("XLCCHC_KIEM_TRA_CAI_DAT") & "\" & name
        If fso.FileExists(path) Then GiaTriThu = Trim$(Replace(Replace(fso.OpenTextFile(path, 1, False, -1).ReadAll, vbCr, ""), vbLf, ""))
    #End If
End Function

' An environment variable of Excel's process by its Unicode value ("" when not set).
Private Function BienMoiTruong(ByVal name As String) As String
    #If Mac Then
        BienMoiTruong = ""
    #Else
        BienMoiTruong = CreateObject("WScript.Shell").ExpandEnvironmentStrings("%" & name & "%")
        If BienMoiTruong = "%" & name & "%" Then BienMoiTruong = ""
    #End If
End Function

' Excel's folder picker (msoFileDialogFolderPicker = 4); "" when the user cancels.
Private Function ChonThuMuc(ByVal title As String) As String
    If CheDoThu() Then
        ChonThuMuc = GiaTriThu("thu-muc.txt")
        Exit Function
    End If
    With Application.FileDialog(4)
        .Title = title
        .AllowMultiSelect = False
        If .Show = -1 Then ChonThuMuc = .SelectedItems(1)
    End With
End Function

' A Python string literal holding s (backslashes and quotes escaped; Unicode passes through).
Private Function PyStr(ByVal s As String) As String
    PyStr = "'" & Replace(Replace(s, "\", "\\"), "'", "\'") & "'"
End Function

' Text with \uXXXX escapes to Unicode text (also used by the generated module CCHC_DangKy).
Public Function VN(ByVal s As String) As String
    Dim i As Long, out As String
    i = 1
    Do While i <= Len(s)
        If Mid$(s, i, 2) = "\u" And i + 5 <= Len(s) Then
            out = out & ChrW$(CLng("&H" & Mid$(s, i + 2, 4)))
            i = i + 6
        Else
            out = out & Mid$(s, i, 1)
            i = i + 1
        End If
    Loop
    VN = out
End Function
