@echo off
rem 职称评审台账：台账工具（本机网页）。双击打开，或把台账（.xlsx）拖到本文件上。
rem 需要先运行过 安装.bat。
setlocal EnableExtensions
set "VPY=%~dp0.venv\Scripts\python.exe"
if not exist "%VPY%" (
    echo 请先双击运行 安装.bat。
    pause
    exit /b 2
)
"%VPY%" -m addin launcher %*
if errorlevel 1 pause
