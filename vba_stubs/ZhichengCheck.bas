Attribute VB_Name = "ZhichengCheck"
Option Explicit
' The self-check (button "selfcheck") and the guards of the ribbon callback. Everything
' here runs in VBA, without Python: it must explain what is wrong when Python cannot be
' found or started. The Python half of the self-check is addin.excel.selfcheck, which
' prints ASCII "key=value" lines. String literals with Chinese text are stored as
' U("...") by the build (the VBA project's codepage is 1252).

#If VBA7 Then
    Private Declare PtrSafe Function LoadLibraryW Lib "kernel32" (ByVal lpLibFileName As LongPtr) As LongPtr
#Else
    Private Declare Function LoadLibraryW Lib "kernel32" (ByVal lpLibFileName As Long) As Long
#End If

Public Const CHECK_COMMAND As String = "import addin.excel.selfcheck as s; s.main()"

Public Function U(ByVal codes As String) As String
    ' Text from UTF-16 code units written as 4 hex digits each.
    Dim i As Long, s As String
    For i = 1 To Len(codes) Step 4
        s = s & ChrW(CLng("&H" & Mid$(codes, i, 4)))
    Next i
    U = s
End Function

Private Function ExpandVars(ByVal s As String) As String
    ' %NAME% -> Environ("NAME"), without WScript.Shell (which security software may block).
    Dim a As Long, b As Long, varName As String
    a = InStr(1, s, "%")
    Do While a > 0
        b = InStr(a + 1, s, "%")
        If b = 0 Then Exit Do
        varName = Mid$(s, a + 1, b - a - 1)
        If Len(Environ(varName)) > 0 Then
            s = Left$(s, a - 1) & Environ(varName) & Mid$(s, b + 1)
            a = InStr(a + Len(Environ(varName)), s, "%")
        Else
            a = InStr(b + 1, s, "%")
        End If
    Loop
    ExpandVars = s
End Function

Private Function DirectoryConfig() As String
    ' <workbook folder>\zhicheng.conf: xlwings reads it before the user config file.
    On Error Resume Next
    If Not ActiveWorkbook Is Nothing Then
        If InStr(ActiveWorkbook.FullName, "\") > 0 Then DirectoryConfig = ActiveWorkbook.Path & "\" & PROJECT_NAME & ".conf"
    End If
End Function

Public Function ConfiguredInterpreter(Optional ByRef source As String) As String
    ' INTERPRETER_WIN where xlwings looks for it: the workbook folder's config file, then
    ' the user config file (the add-in's own config sheet never sets it).
    Dim value As String, files(1) As String, i As Integer
    files(0) = DirectoryConfig()
    files(1) = GetConfigFilePath()
    For i = 0 To 1
        If Len(files(i)) > 0 Then
            If FileExists(files(i)) Then
                If GetConfigFromFile(files(i), "INTERPRETER_WIN", value) Then
                    source = files(i)
                    ConfiguredInterpreter = ExpandVars(value)
                    Exit Function
                End If
            End If
        End If
    Next i
    source = ""
End Function

Public Function PythonReady() As Boolean
    ' True when the configured Python exists; otherwise say what to do (in Chinese,
    ' instead of xlwings' "Could not find Interpreter!").
    Dim interp As String, source As String
    interp = ConfiguredInterpreter(source)
    If interp = "" Then
        MsgBox "没有找到 Python 的配置（" & GetConfigFilePath() & " 中没有 INTERPRETER_WIN）。" & vbCrLf & _
               "请关闭 Excel，运行软件文件夹中的 安装.bat。", vbExclamation, "职称评审台账"
    ElseIf Not FileExists(interp) Then
        MsgBox "找不到配置的 Python：" & interp & vbCrLf & "（配置文件：" & source & "）" & vbCrLf & _
               "软件文件夹可能被移动或删除：请关闭 Excel，重新运行 安装.bat。", vbExclamation, "职称评审台账"
    Else
        PythonReady = True
    End If
End Function

Private Function Blocked(ByVal number As Long, ByVal description As String) As Boolean
    ' The errors WScript.Shell gives when Excel may not start another program: access
    ' denied (&H80070005, 70) from an attack-surface-reduction rule or security software,
    ' or the object itself refused (429).
    Blocked = (number = -2147024891 Or number = 70 Or number = 429 Or InStr(1, description, "IWshShell", vbTextCompare) > 0)
End Function

Private Function BlockedText(ByVal number As Long, ByVal description As String) As String
    BlockedText = "Excel 不能启动其他程序（错误 " & number & "：" & description & "）。" & vbCrLf & _
        "电脑上的安全软件拦截了 Excel 启动 Python：Windows Defender 的“攻击面减少”规则" & _
        "（阻止所有 Office 应用程序创建子进程）、360 安全卫士、火绒等。" & vbCrLf & _
        "请信息科为 Excel 放行；在此之前，请用“台账工具”（双击软件文件夹中的 台账工具.bat，" & _
        "或把台账拖到它上面）刷新、校验和生成材料，结果与加载项相同。"
End Function

Public Sub ReportFailure(ByVal number As Long, ByVal description As String)
    ' A ribbon button failed in VBA (not in Python, which shows its own message).
    If Blocked(number, description) Then
        MsgBox BlockedText(number, description), vbCritical, "职称评审台账"
    Else
        MsgBox "按钮未能运行（错误 " & number & "：" & description & "）。" & vbCrLf & _
               "请点“自检”查看原因。", vbCritical, "职称评审台账"
    End If
End Sub

Private Function DllName() As String
    #If Win64 Then
        DllName = "xlwings64-" & XLWINGS_VERSION & ".dll"
    #Else
        DllName = "xlwings32-" & XLWINGS_VERSION & ".dll"
    #End If
End Function

Private Function LoadsFrom(ByVal folder As String) As Boolean
    LoadsFrom = (LoadLibraryW(StrPtr(folder & "\" & DllName())) <> 0)
End Function

Private Function ValueOf(ByVal answer As String, ByVal key As String) As String
    ' The value of a "key=value" line of the Python half's output.
    Dim lines() As String, i As Long
    lines = Split(Replace(answer, vbCr, ""), vbLf)
    For i = LBound(lines) To UBound(lines)
        If Left$(lines(i), Len(key) + 1) = key & "=" Then
            ValueOf = Mid$(lines(i), Len(key) + 2)
            Exit Function
        End If
    Next i
End Function

Private Function SameVersion(ByRef r As String, ByVal what As String, ByVal got As String, ByVal expected As String, _
                             ByVal fix As String) As Boolean
    ' One line of the report: the version Python has against the one the add-in was built with.
    SameVersion = (got = expected)
    If SameVersion Then
        r = r & "[OK] " & what & " 版本一致：" & got & vbCrLf
    Else
        r = r & "[X] " & what & " 版本 " & got & " 与加载项的 " & expected & " 不一致：" & fix & vbCrLf
    End If
End Function

Private Function ReadText(ByVal path As String) As String
    Dim f As Integer, buf As String, content As String
    On Error GoTo done
    f = FreeFile
    Open path For Input As #f
    Do While Not EOF(f)
        Line Input #f, buf
        content = content & buf & vbLf
    Loop
    Close #f
done:
    ReadText = content
End Function

Public Sub SelfCheck()
    ' The self-check button: every link between Excel and Python, in order, in Chinese.
    Dim r As String, ok As Boolean, interp As String, source As String, folder As String
    Dim wsh As Object, tmp As String, code As Long, answer As String
    Dim errNumber As Long, errText As String
    ok = True
    #If Win64 Then
        r = "Excel：64 位" & vbCrLf
    #Else
        r = "Excel：32 位" & vbCrLf
    #End If
    r = r & "加载项：职称评审台账 " & ZHICHENG_VERSION & "（xlwings " & XLWINGS_VERSION & "）" & vbCrLf
    r = r & "函数说明：已登记 " & ZhichengHelp.HelpRegistered & "/" & ZhichengHelp.HELP_FUNCTIONS & " 个函数" & vbCrLf
    If Len(DirectoryConfig()) > 0 Then
        If FileExists(DirectoryConfig()) Then r = r & "注意：台账旁的配置文件优先：" & DirectoryConfig() & vbCrLf
    End If
    interp = ConfiguredInterpreter(source)
    If interp = "" Then
        r = r & "[X] Python：未配置（" & GetConfigFilePath() & " 中没有 INTERPRETER_WIN）。请运行 安装.bat。" & vbCrLf
        GoTo report_failed
    End If
    r = r & "配置文件：" & source & vbCrLf
    If Not FileExists(interp) Then
        r = r & "[X] Python：找不到 " & interp & "。请重新运行 安装.bat。" & vbCrLf
        GoTo report_failed
    End If
    r = r & "[OK] Python 程序：" & interp & vbCrLf
    folder = ParentFolder(interp)
    If LoadsFrom(folder) Then
        r = r & "[OK] " & DllName() & " 可以加载（" & folder & "）" & vbCrLf
    ElseIf LoadsFrom(ParentFolder(folder)) Then
        r = r & "[OK] " & DllName() & " 可以加载（" & ParentFolder(folder) & "）" & vbCrLf
    Else
        ok = False
        r = r & "[X] 不能加载 " & DllName() & "（在 " & folder & " 及其上级文件夹中），工作表函数 ZC_ 不能使用。" & _
                "请重新运行 安装.bat。" & vbCrLf
    End If

    On Error Resume Next
    Set wsh = CreateObject("WScript.Shell")
    If Err.Number <> 0 Then GoTo child_refused
    tmp = Environ("TEMP") & "\zhicheng-selfcheck-" & CreateGUID() & ".txt"
    code = wsh.Run("cmd.exe /C """ & Chr(34) & interp & Chr(34) & " -B -c " & Chr(34) & CHECK_COMMAND & Chr(34) & _
                     " > " & Chr(34) & tmp & Chr(34) & " 2>&1" & Chr(34), 0, True)
    If Err.Number <> 0 Then GoTo child_refused
    On Error GoTo 0
    answer = ReadText(tmp)
    On Error Resume Next
    Kill tmp
    On Error GoTo 0
    If answer = "" Then
        r = r & "[X] " & BlockedText(code, "Python 没有运行") & vbCrLf
        GoTo report_failed
    End If
    If code <> 0 Or ValueOf(answer, "zhicheng") = "" Then
        r = r & "[X] Python 能启动，但找不到本软件（退出代码 " & code & "）：" & vbCrLf & Left$(answer, 400) & vbCrLf & _
                "请重新运行 安装.bat。" & vbCrLf
        GoTo report_failed
    End If
    r = r & "[OK] Excel 可以启动 Python " & ValueOf(answer, "python") & "（" & ValueOf(answer, "bits") & " 位）" & vbCrLf
    ok = SameVersion(r, "软件", ValueOf(answer, "zhicheng"), ZHICHENG_VERSION, "请关闭 Excel，运行 zhicheng install-addin。") And ok
    ok = SameVersion(r, "xlwings", ValueOf(answer, "xlwings"), XLWINGS_VERSION, "请重新运行 安装.bat。") And ok
    If ValueOf(answer, "pywin32") <> "ok" Then
        ok = False
        r = r & "[X] pywin32 不可用（" & ValueOf(answer, "pywin32") & "）：请重新运行 安装.bat。" & vbCrLf
    End If
    If ok Then
        MsgBox r & vbCrLf & "自检通过。", vbInformation, "职称评审台账 自检"
    Else
        MsgBox r & vbCrLf & "自检发现问题（见 [X] 行）。", vbExclamation, "职称评审台账 自检"
    End If
    Exit Sub
child_refused:
    ' WScript.Shell refused, or refused to start cmd.exe: keep the error before resetting it
    errNumber = Err.Number: errText = Err.Description
    On Error GoTo 0
    r = r & "[X] " & BlockedText(errNumber, errText) & vbCrLf
report_failed:
    MsgBox r & vbCrLf & "自检未通过（见 [X] 行）。", vbCritical, "职称评审台账 自检"
End Sub
