@echo off
rem 职称评审台账：在联网的电脑上准备离线安装包（wheelhouse 文件夹），供不能上网的办公电脑使用。
rem 需要本机已安装 Python 3.10 或更高版本（py 启动器或 python 命令）。生成的包适用于 64 位 Windows 上的 Python 3.11；
rem 办公电脑上请安装同一版本的 Python（可把 python-3.11.x-amd64.exe 一并放进软件文件夹）。
rem The steps are in addin\launcher\wheelhouse.py (the same script `make wheelhouse` runs): our wheel,
rem wheels built here for the dependencies PyPI has only as sources (jieba), the win_amd64 binaries
rem of the rest, then a check that the product resolves from the folder alone.
setlocal EnableExtensions
cd /d "%~dp0"
set "PY=python"
where py >nul 2>nul && set "PY=py -3"
%PY% -c "import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)" >nul 2>nul
if errorlevel 1 goto no_python
echo 准备离线安装包（64 位 Windows，Python 3.11）
%PY% addin\launcher\wheelhouse.py wheelhouse
if errorlevel 1 goto failed
echo.
echo 完成：把整个软件文件夹（含 wheelhouse）复制到办公电脑，双击 安装.bat。
pause
exit /b 0
:no_python
echo 没有找到 Python 3.10 或更高版本：请先在这台电脑上安装 Python（python.org，Windows 64 位安装程序），再运行本文件。
pause
exit /b 2
:failed
echo 准备失败（见上面的信息），wheelhouse 文件夹没有生成。
pause
exit /b 2
