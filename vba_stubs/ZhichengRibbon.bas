Attribute VB_Name = "ZhichengRibbon"
Option Explicit
' The ribbon's only callback. Every button is declared in the ribbon XML; its tag names a
' Python action that addin.excel.ribbon checks against an allow-list and runs, except
' "selfcheck", which runs in VBA (ZhichengCheck) because it must work when Python cannot
' start. No logic here: everything else happens in Python (same functions as the zhicheng
' tool), reached through addin.excel.entry, which turns any failure of the Python side into
' a Chinese message. Chinese text is moved to the hidden sheet by the build (Txt).

Sub OnAction(control As IRibbonControl)
    ' The handler comes first: every failure below ends in a Chinese message (ReportFailure).
    On Error GoTo failed
    If Not ZhichengCheck.InExcel() Then Exit Sub
    If control.Tag = "selfcheck" Then
        ZhichengCheck.SelfCheck
        Exit Sub
    End If
    ' No workbook (only the add-in is loaded, or the workbook is in Protected View):
    ' xlwings would stop on error 91 in a VBA error box.
    If ActiveWorkbook Is Nothing Then
        MsgBox "请先打开台账（如果台账在“受保护的视图”中打开，请先点“启用编辑”），再点按钮。", vbExclamation, "职称评审台账"
        Exit Sub
    End If
    If Not ZhichengCheck.PythonReady() Then Exit Sub
    RunPython "import addin.excel.entry as e; e.button('" & control.Tag & "')"
    Exit Sub
failed:
    ZhichengCheck.ReportFailure Err.Number, Err.Description
End Sub
