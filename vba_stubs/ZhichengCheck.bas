Attribute VB_Name = "ZhichengCheck"
Option Explicit
' The self-check (button "selfcheck"), the guards of the ribbon callback and the Chinese
' messages for every failure in Excel. Everything here runs in VBA, without Python: it must
' explain what is wrong when Python cannot be found or started. The Python half of the
' self-check is addin.excel.selfcheck, which prints ASCII "key=value" lines.
'
' Chinese text: the build moves every string literal holding Chinese into the add-in's
' hidden sheet zhicheng.text (one cell per text, Unicode) and writes Txt(<row>) in its place
' (addin/excel/vba/literals.py), so the module streams stay ASCII and hold no encoded strings.
'
' Paths and variables: only through the wide (Unicode) APIs of Scripting.FileSystemObject
' and WScript.Shell, never VBA's own file statements and functions, which use the ANSI code
' page and fail for a user name outside it (Uyghur script). Where xlwings itself uses those
' ANSI functions (its config file, its temporary log file, Python's path, the DLL), the checks
' below say so in Chinese instead of letting xlwings fail.

#If VBA7 Then
    Private Declare PtrSafe Function LoadLibraryA Lib "kernel32" (ByVal lpLibFileName As String) As LongPtr
#Else
    Private Declare Function LoadLibraryA Lib "kernel32" (ByVal lpLibFileName As String) As Long
#End If

Public Const CHECK_COMMAND As String = "import addin.excel.selfcheck as s; s.main()"
Private Const TEXT_SHEET As String = "zhicheng.text"
Private Const EXCEL_NAME As String = "Microsoft Excel"
Private Const QUOTE As String = """"
Private Const ACCESS_DENIED As Long = 5             ' Win32 ERROR_ACCESS_DENIED
Private Const WIN32_FAILURE As Long = &H8007&       ' upper word of a failed HRESULT of facility WIN32

Public Function Txt(ByVal row As Long) As String
    ' Text <row> of the hidden sheet zhicheng.text (written by the build).
    On Error GoTo missing
    Txt = ThisWorkbook.Worksheets(TEXT_SHEET).Cells(row, 1).Value
    Exit Function
missing:
    Txt = "[zhicheng.text " & row & "]"
End Function

Private Function Title() As String
    Title = "职称评审台账"
End Function

' --- where the add-in runs -----------------------------------------------------------------

Public Function InExcel() As Boolean
    ' WPS (or another program that loads .xlam files) shows the ribbon but cannot start xlwings.
    InExcel = (Application.Name = EXCEL_NAME)
    If Not InExcel Then
        MsgBox "本加载项只能在 Microsoft Excel 中使用（当前程序：" & Application.Name & "）。" & vbCrLf & _
               "在 WPS 中请用“台账工具”：双击软件文件夹中的 台账工具.bat（或把台账拖到它上面），" & _
               "在浏览器页面中刷新、校验和生成材料，结果与 Excel 加载项相同。", vbExclamation, Title()
    End If
End Function

' --- wide paths and variables -----------------------------------------------------------------

Private Function Fso() As Object
    Static cached As Object
    If cached Is Nothing Then Set cached = CreateObject("Scripting.FileSystemObject")
    Set Fso = cached
End Function

Public Function WideExists(ByVal path As String) As Boolean
    ' Whether the file exists, through the wide API; xlwings' FileExists (GetAttr) when the
    ' Scripting runtime is not available.
    On Error GoTo ansi
    WideExists = Fso().FileExists(path)
    Exit Function
ansi:
    WideExists = FileExists(path)
End Function

Public Function AnsiSafe(ByVal text As String) As Boolean
    ' Whether text survives the ANSI code page of this PC (what VBA's own file functions and
    ' xlwings' LoadLibraryA turn a path into).
    AnsiSafe = (StrConv(StrConv(text, vbFromUnicode), vbUnicode) = text)
End Function

Private Function WideEnv(ByVal reference As String) As String
    ' A variable such as %TEMP% through WScript.Shell (wide), as xlwings expands config values;
    ' "" when it is not set.
    WideEnv = ExpandEnvironmentStrings(reference)
    If WideEnv = reference Then WideEnv = ""
End Function

Private Function ReadText(ByVal path As String) As String
    ' The whole (ASCII) file, "" when it is missing or empty.
    On Error GoTo done
    If Fso().GetFile(path).Size > 0 Then ReadText = Fso().OpenTextFile(path, 1).ReadAll
done:
End Function

Private Sub DeleteFile(ByVal path As String)
    On Error Resume Next
    Fso().DeleteFile path, True
End Sub

' --- the interpreter as xlwings finds it ------------------------------------------------------

Private Function DirectoryConfig() As String
    ' <workbook folder>\zhicheng.conf: xlwings reads it before the user config file.
    On Error Resume Next
    If Not ActiveWorkbook Is Nothing Then
        If InStr(ActiveWorkbook.FullName, "\") > 0 Then DirectoryConfig = ActiveWorkbook.Path & "\" & PROJECT_NAME & ".conf"
    End If
End Function

Private Function SheetValue(ByVal wb As Workbook, ByVal key As String, ByRef value As String) As Boolean
    ' A key of a workbook's zhicheng.conf sheet (xlwings' first config layers).
    On Error GoTo done
    If wb Is Nothing Then Exit Function
    If Not SheetExists(wb, PROJECT_NAME & ".conf") Then Exit Function
    If GetConfigFromSheet(wb).Exists(key) Then
        value = GetConfigFromSheet(wb).Item(key)
        SheetValue = True
    End If
done:
End Function

Public Function ConfiguredInterpreter(Optional ByRef source As String) As String
    ' INTERPRETER_WIN in the order xlwings looks for it: the active workbook's and the add-in's
    ' zhicheng.conf sheets, the workbook folder's config file, the user config file. The files
    ' are read with xlwings' own functions, so what is found here is what RunPython will use.
    Dim value As String, files(1) As String, i As Integer
    source = ""
    If SheetValue(ActiveWorkbook, "INTERPRETER_WIN", value) Then
        source = ActiveWorkbook.Name
    ElseIf SheetValue(ThisWorkbook, "INTERPRETER_WIN", value) Then
        source = ThisWorkbook.Name
    Else
        files(0) = DirectoryConfig()
        files(1) = GetConfigFilePath()
        For i = 0 To 1
            If Len(files(i)) > 0 Then
                If FileExists(files(i)) Then
                    If GetConfigFromFile(files(i), "INTERPRETER_WIN", value) Then
                        source = files(i)
                        Exit For
                    End If
                End If
            End If
        Next i
    End If
    If Len(source) > 0 Then ConfiguredInterpreter = ExpandEnvironmentStrings(value)
End Function

Private Function UserConfigFile() As String
    ' The user config file's real (wide) path; xlwings' GetConfigFilePath reads USERPROFILE
    ' in the ANSI code page.
    UserConfigFile = WideEnv("%USERPROFILE%") & "\." & PROJECT_NAME & "\" & PROJECT_NAME & ".conf"
End Function

Private Function NotAnsiText(ByVal path As String, ByVal what As String) As String
    NotAnsiText = what & "“" & path & "”中有本机代码页（ANSI）不能表示的字符（例如维吾尔文的 Windows 用户名），" & _
        "Excel 中的 xlwings 只能用 ANSI 代码页读取文件路径，因此加载项在这个 Windows 账户下不能启动 Python。" & vbCrLf & _
        "请用“台账工具”（双击软件文件夹中的 台账工具.bat），结果与加载项相同；" & _
        "或者把软件文件夹放到路径只含中文、字母和数字的位置（例如 D:\职称评审台账），再运行其中的 安装.bat。"
End Function

Public Function InterpreterProblem(ByRef interp As String, ByRef source As String) As String
    ' "" when xlwings will find and can start the configured Python; otherwise why not.
    interp = ConfiguredInterpreter(source)
    If interp = "" Then
        If WideExists(UserConfigFile()) And Not AnsiSafe(UserConfigFile()) Then
            InterpreterProblem = NotAnsiText(UserConfigFile(), "配置文件的路径")
        Else
            InterpreterProblem = "没有找到 Python 的配置（" & GetConfigFilePath() & " 中没有 INTERPRETER_WIN）。" & vbCrLf & _
                                 "请关闭 Excel，运行软件文件夹中的 安装.bat。"
        End If
    ElseIf Not WideExists(interp) Then
        InterpreterProblem = "找不到配置的 Python：" & interp & vbCrLf & "（配置来自：" & source & "）" & vbCrLf & _
                             "软件文件夹可能被移动或删除：请关闭 Excel，重新运行 安装.bat。"
    ElseIf Not AnsiSafe(interp) Then
        InterpreterProblem = NotAnsiText(interp, "Python 的路径")
    End If
End Function

Private Function XlwingsTemp() As String
    ' The folder xlwings writes Python's error text to: "TEMP DIR" of the add-in's sheet
    ' (set by install-addin when the user's TEMP cannot be used), else %TEMP%.
    Dim value As String
    If SheetValue(ThisWorkbook, "TEMP DIR", value) Then
        XlwingsTemp = ExpandEnvironmentStrings(value)
    Else
        XlwingsTemp = WideEnv("%TEMP%")
    End If
End Function

Private Function TempProblem() As String
    If Not AnsiSafe(XlwingsTemp()) Then TempProblem = NotAnsiText(XlwingsTemp(), "临时文件夹")
End Function

Public Function PythonReady() As Boolean
    ' True when RunPython can start the configured Python; otherwise say what to do, in
    ' Chinese (instead of xlwings' "Could not find Interpreter!" or a failing redirect).
    Dim interp As String, source As String, problem As String
    problem = InterpreterProblem(interp, source)
    If problem = "" Then problem = TempProblem()
    If problem = "" Then
        PythonReady = True
    Else
        MsgBox problem, vbExclamation, Title()
    End If
End Function

' --- failures ---------------------------------------------------------------------------------

Private Function Blocked(ByVal number As Long, ByVal description As String) As Boolean
    ' The errors WScript.Shell gives when Excel may not start another program: access denied
    ' (the HRESULT of Win32 error 5, or VBA error 70) from an attack-surface-reduction rule or
    ' security software, or the object itself refused (429).
    Dim high As Long
    high = ((number - (number And &HFFFF&)) \ 65536) And &HFFFF&      ' the HRESULT's upper 16 bits
    Blocked = ((high = WIN32_FAILURE And (number And &HFFFF&) = ACCESS_DENIED) Or number = 70 Or number = 429 _
               Or InStr(1, description, "IWshShell", vbTextCompare) > 0)
End Function

Private Function BlockedText(ByVal number As Long, ByVal description As String) As String
    BlockedText = "Excel 不能启动其他程序（错误 " & number & "：" & description & "）。" & vbCrLf & _
        "电脑上的安全软件拦截了 Excel 启动 Python：Windows Defender 的“攻击面减少”规则" & _
        "（阻止所有 Office 应用程序创建子进程）、360 安全卫士、火绒等。" & vbCrLf & _
        "请信息科为 Excel 放行；在此之前，请用“台账工具”（双击软件文件夹中的 台账工具.bat，" & _
        "或把台账拖到它上面）刷新、校验和生成材料，结果与加载项相同。"
End Function

Public Sub ReportFailure(ByVal number As Long, ByVal description As String)
    ' A ribbon button failed in VBA: in this add-in's code, in xlwings' RunPython, or in
    ' WScript.Shell. Never itself ends in a VBA error box.
    On Error Resume Next
    If Blocked(number, description) Then
        MsgBox BlockedText(number, description), vbCritical, Title()
    Else
        MsgBox "按钮未能运行（错误 " & number & "：" & description & "）。" & vbCrLf & _
               "请点“自检”查看原因。", vbCritical, Title()
    End If
End Sub

Public Sub PythonFailed(ByVal pythonOutput As String)
    ' Python ended with an error before the add-in's own Python code could show one (it could
    ' not be imported, or xlwings itself failed): called by xlwings' ShowError, in place of its
    ' English pop-up.
    On Error Resume Next
    MsgBox "加载项的 Python 部分没有运行完，按钮的操作没有完成。" & vbCrLf & _
           "请点“自检”查看原因；自检通过仍出现此提示时，请关闭 Excel，重新运行软件文件夹中的 安装.bat。" & _
           "在此之前可以用“台账工具”（双击 台账工具.bat）完成同样的操作。" & vbCrLf & vbCrLf & _
           "Python 的输出：" & vbCrLf & Left$(pythonOutput, 600), vbCritical, Title()
End Sub

Public Sub InterpreterNotFound(ByVal interp As String)
    ' xlwings' "Could not find Interpreter!" (RunPython found no file at the configured path).
    On Error Resume Next
    MsgBox "找不到配置的 Python：" & interp & vbCrLf & _
           "软件文件夹可能被移动或删除：请关闭 Excel，重新运行 安装.bat。", vbExclamation, Title()
End Sub

Public Sub EmbeddedCodeSheet()
    ' xlwings' RunPython takes a sheet whose name ends in ".py" for embedded Python code.
    On Error Resume Next
    MsgBox "台账（或加载项）中有名称以 .py 结尾的工作表，Excel 加载项会把它当作嵌入的 Python 代码而不能运行。" & vbCrLf & _
           "请把这个工作表改名（例如去掉 .py），再点按钮。", vbExclamation, Title()
End Sub

Public Function UdfFailure(ByVal number As Long, ByVal description As String) As String
    ' What a ZC_ cell shows when Python could not compute it (instead of xlwings' English
    ' error text): short, in Chinese, with what to do.
    Dim lines() As String, i As Long, last As String
    On Error Resume Next
    If Application.Name <> EXCEL_NAME Then
        UdfFailure = "#ZC_ 函数只能在 Excel 中计算，请用“台账工具”"
    ElseIf Blocked(number, description) Then
        UdfFailure = "#安全软件阻止 Excel 启动 Python，请用“台账工具”"
    ElseIf number = 48 Or number = 53 Or InStr(1, description, ".dll", vbTextCompare) > 0 Then
        UdfFailure = "#不能加载 xlwings 组件，请点“自检”"
    ElseIf number = 1000 Then
        UdfFailure = "#Python 未能启动，请点“自检”"
    Else
        lines = Split(Replace(description, vbCr, ""), vbLf)
        For i = UBound(lines) To LBound(lines) Step -1
            If Len(Trim$(lines(i))) > 0 Then
                last = Trim$(lines(i))
                Exit For
            End If
        Next i
        UdfFailure = "#计算出错：" & Left$(last, 80) & "。请点“自检”"
    End If
End Function

' --- the self-check ---------------------------------------------------------------------------

Private Function DllName() As String
    #If Win64 Then
        DllName = "xlwings64-" & XLWINGS_VERSION & ".dll"
    #Else
        DllName = "xlwings32-" & XLWINGS_VERSION & ".dll"
    #End If
End Function

Private Function LoadsFrom(ByVal folder As String) As Boolean
    ' As xlwings' XLPyLoadDLL loads it: LoadLibraryA, the path in the ANSI code page.
    LoadsFrom = (LoadLibraryA(folder & "\" & DllName()) <> 0)
End Function

Private Function ValueOf(ByVal answer As String, ByVal key As String) As String
    ' The value of a "key=value" line the Python half printed.
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
                             ByVal remedy As String) As Boolean
    ' One line of the report: the version Python has against the one the add-in was built with.
    SameVersion = (got = expected)
    If SameVersion Then
        r = r & "[OK] " & what & " 版本一致：" & got & vbCrLf
    Else
        r = r & "[X] " & what & " 版本 " & got & " 与加载项的 " & expected & " 不一致：" & remedy & vbCrLf
    End If
End Function

Public Sub SelfCheck()
    ' The self-check button: every link between Excel and Python, in order, in Chinese.
    Dim r As String, ok As Boolean, interp As String, source As String, folder As String, problem As String
    Dim wsh As Object, tmp As String, code As Long, answer As String
    Dim errNumber As Long, errText As String
    ok = True
    #If Win64 Then
        r = "Excel：64 位" & vbCrLf
    #Else
        r = "Excel：32 位" & vbCrLf
    #End If
    r = r & "加载项：职称评审台账 " & ZHICHENG_VERSION & "（构建 " & ZHICHENG_BUILD & "，xlwings " & XLWINGS_VERSION & "）" & vbCrLf
    r = r & "函数说明：已登记 " & ZhichengHelp.HelpRegistered & "/" & ZhichengHelp.HELP_FUNCTIONS & " 个函数" & vbCrLf
    If Len(DirectoryConfig()) > 0 Then
        If WideExists(DirectoryConfig()) Then r = r & "注意：台账旁的配置文件优先：" & DirectoryConfig() & vbCrLf
    End If
    problem = InterpreterProblem(interp, source)
    If problem <> "" Then
        r = r & "[X] Python：" & problem & vbCrLf
        GoTo report_failed
    End If
    r = r & "配置来自：" & source & vbCrLf
    r = r & "[OK] Python 程序：" & interp & vbCrLf
    problem = TempProblem()
    If problem <> "" Then
        ok = False
        r = r & "[X] " & problem & vbCrLf
    End If
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

    ' Python started the way RunPython starts it: cmd.exe through WScript.Shell, hidden,
    ' what it prints redirected to a file in the user's temporary folder (wide path throughout).
    On Error GoTo child_refused
    Set wsh = CreateObject("WScript.Shell")
    tmp = Fso().GetSpecialFolder(2).Path & "\zhicheng-selfcheck-" & Fso().GetTempName()
    code = wsh.Run("cmd.exe /C " & QUOTE & QUOTE & interp & QUOTE & " -B -c " & QUOTE & CHECK_COMMAND & QUOTE & _
                   " > " & QUOTE & tmp & QUOTE & " 2>&1" & QUOTE, 0, True)
    On Error GoTo 0
    answer = ReadText(tmp)
    DeleteFile tmp
    If answer = "" Then
        r = r & "[X] " & BlockedText(code, "Python 没有运行") & vbCrLf
        GoTo report_failed
    End If
    If code <> 0 Or ValueOf(answer, "zhicheng_version") = "" Then
        r = r & "[X] Python 能启动，但找不到本软件（退出代码 " & code & "）：" & vbCrLf & Left$(answer, 400) & vbCrLf & _
                "请重新运行 安装.bat。" & vbCrLf
        GoTo report_failed
    End If
    r = r & "[OK] Excel 可以启动 Python " & ValueOf(answer, "python") & "（" & ValueOf(answer, "pointer_bits") & " 位）" & vbCrLf
    ok = SameVersion(r, "软件", ValueOf(answer, "zhicheng_version"), ZHICHENG_VERSION, _
                     "请关闭 Excel，运行 zhicheng install-addin。") And ok
    ok = SameVersion(r, "软件构建", ValueOf(answer, "zhicheng_build"), ZHICHENG_BUILD, _
                     "同一版本号的软件已更新，加载项还是旧的：请关闭 Excel，重新运行 安装.bat。") And ok
    ok = SameVersion(r, "xlwings", ValueOf(answer, "xlwings_version"), XLWINGS_VERSION, "请重新运行 安装.bat。") And ok
    If ValueOf(answer, "pywin32") <> "ok" Then
        ok = False
        r = r & "[X] pywin32 不可用（" & ValueOf(answer, "pywin32") & "）：请重新运行 安装.bat。" & vbCrLf
    End If
    If ok Then
        MsgBox r & vbCrLf & "自检通过。", vbInformation, Title() & " 自检"
    Else
        MsgBox r & vbCrLf & "自检发现问题（见 [X] 行）。", vbExclamation, Title() & " 自检"
    End If
    Exit Sub
child_refused:
    ' WScript.Shell or the Scripting runtime refused, or cmd.exe was not allowed to start:
    ' keep the error before resetting it
    errNumber = Err.Number: errText = Err.Description
    On Error GoTo 0
    r = r & "[X] " & BlockedText(errNumber, errText) & vbCrLf
report_failed:
    MsgBox r & vbCrLf & "自检未通过（见 [X] 行）。", vbCritical, Title() & " 自检"
End Sub
