Attribute VB_Name = "ZhichengRibbon"
Option Explicit
' The ribbon's only callback. Every button is declared in customUI.xml; its tag names
' a Python action that addin.excel.ribbon checks against an allow-list and runs.
' No logic here: everything happens in Python (same functions as the command line).

Sub OnAction(control As IRibbonControl)
    RunPython "import addin.excel.ribbon as r; r.dispatch('" & control.Tag & "')"
End Sub
