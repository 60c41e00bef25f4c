Attribute VB_Name = "CCHC"
' xlcchc add-in: the ribbon's callbacks (tab CCHC). A thin shell on purpose: every action runs in
' Python (module xlcchc.excel.entry) through xlwings' RunPython; VBA only shows Excel's own folder
' and input dialogs, then hands over. Errors are shown by Python as a Vietnamese message box.
' Module text stays ASCII (the VBA project's code page is 1252): Vietnamese prompts are written
' with \uXXXX escapes and decoded by VN().
Option Explicit

Private Const ENTRY As String = "import xlcchc.excel.entry as e; e."

' Kiem tra: check the active workbook (a unit's return) and mark the offending cells.
Public Sub CCHC_KiemTra(control As Object)
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
    RunPython ENTRY & "xuat_phu_luc()"
End Sub

' Tao bieu mau: one locked template per reporting unit, into a chosen folder.
Public Sub CCHC_TaoBieuMau(control As Object)
    Dim folder As String, period As Variant
    folder = ChonThuMuc(VN("Ch\u1ECDn th\u01B0 m\u1EE5c \u0111\u1EC3 l\u01B0u bi\u1EC3u m\u1EABu"))
    If folder = "" Then Exit Sub
    period = Application.InputBox(VN("K\u1EF3 b\u00E1o c\u00E1o (v\u00ED d\u1EE5: N\u0103m 2024, Qu\u00FD I/2025, 6 th\u00E1ng 2025):"), "CCHC", Type:=2)
    If VarType(period) = vbBoolean Then Exit Sub
    If Trim$(CStr(period)) = "" Then Exit Sub
    RunPython ENTRY & "tao_bieu_mau(" & PyStr(folder) & ", " & PyStr(CStr(period)) & ")"
End Sub

' Huong dan: open the user guide.
Public Sub CCHC_HuongDan(control As Object)
    RunPython ENTRY & "huong_dan()"
End Sub

' Excel's folder picker (msoFileDialogFolderPicker = 4); "" when the user cancels.
Private Function ChonThuMuc(ByVal title As String) As String
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

' Text with \uXXXX escapes to Unicode text.
Private Function VN(ByVal s As String) As String
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
