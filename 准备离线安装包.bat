@echo off
rem 职称评审台账：在联网的电脑上准备离线安装包（wheelhouse 文件夹），供不能上网的办公电脑使用。
rem 需要本机已安装 Python 3.10 或更高版本（py 启动器或 python 命令）。生成的包适用于 64 位 Windows 上的 Python 3.11；
rem 办公电脑上请安装同一版本的 Python（可把 python-3.11.x-amd64.exe 一并放进软件文件夹）。
setlocal EnableExtensions
cd /d "%~dp0"
set "PY=python"
where py >nul 2>nul && set "PY=py -3"
if exist wheelhouse rmdir /s /q wheelhouse
echo [1/2] 打包本软件
%PY% -m pip wheel --disable-pip-version-check --no-deps -w wheelhouse .
if errorlevel 1 goto failed
echo [2/2] 下载依赖（64 位 Windows，Python 3.11）
for %%W in (wheelhouse\zhicheng-*.whl) do set "WHEEL=%%W"
rem pywin32 and tzdata are named as well: pip download evaluates dependency markers
rem (platform_system == "Windows") for the PC it runs on, not for --platform
%PY% -m pip download --disable-pip-version-check --platform win_amd64 --only-binary=:all: --python-version 3.11 -d wheelhouse "%WHEEL%" pywin32 tzdata
if errorlevel 1 goto failed
echo.
echo 完成：把整个软件文件夹（含 wheelhouse）复制到办公电脑，双击 安装.bat。
pause
exit /b 0
:failed
echo 准备失败（见上面的信息）。
pause
exit /b 2
