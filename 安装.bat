@echo off
rem 职称评审台账：不需要管理员权限的安装。双击运行；可以重复运行（升级时也一样）。
rem 0. 先看 Windows 的版本：Python 3.11 需要 64 位的 Windows 8.1 或更高版本（Windows 7 上最后能用的是 3.8）；
rem    更旧的 Windows 上说明怎么办，什么也不安装；
rem 1. 找到 Python（当前用户安装的即可，优先 3.11）：py 启动器，或 %LOCALAPPDATA%\Programs\Python；
rem    都没有而本文件夹中有 python-3.*-amd64.exe 时，先为当前用户安装它；
rem 2. 在本文件夹中建立独立环境 .venv（python -m venv）；
rem 3. 把本软件装进去：有 wheelhouse 文件夹时离线安装（pip --no-index --find-links），否则从本文件夹安装；
rem    本软件每次都重新安装（--force-reinstall --no-deps）：版本号相同的新版本也会替换旧的代码；
rem 4. 运行 zhicheng install-addin：显示本软件的版本和构建标识，安装 Excel 加载项并逐项检查
rem    （没有 Microsoft Excel 的电脑不安装加载项，说明用“台账工具”）。
setlocal EnableExtensions
cd /d "%~dp0"
set "HERE=%~dp0"
set "VENV=%HERE%.venv"
set "VPY=%HERE%.venv\Scripts\python.exe"
set "BASE="
set "TRIED_INSTALLER="
echo 职称评审台账 安装（不需要管理员权限）
echo 软件文件夹：%HERE%
echo.

rem the Windows version from "ver": "Microsoft Windows [Version 10.0.19045.4170]" (or [版本 6.1.7601])
set "WINVER="
set "WINMAJOR="
set "WINMINOR="
for /f "tokens=2 delims=[]" %%A in ('ver') do set "WINVER=%%A"
if defined WINVER for /f "tokens=2" %%A in ("%WINVER%") do set "WINVER=%%A"
if defined WINVER for /f "tokens=1,2 delims=." %%A in ("%WINVER%") do (
    set "WINMAJOR=%%A"
    set "WINMINOR=%%B"
)
if not defined WINMINOR goto windows_bits
if %WINMAJOR% LSS 6 goto old_windows
if %WINMAJOR% EQU 6 if %WINMINOR% LSS 3 goto old_windows
:windows_bits
if /i "%PROCESSOR_ARCHITECTURE%"=="x86" if not defined PROCESSOR_ARCHITEW6432 goto windows_32bit

if exist "%VPY%" goto have_venv

:find_python
where py >nul 2>nul
if errorlevel 1 goto no_launcher
for %%V in (3.11 3.12 3.13 3.10) do (
    if not defined BASE py -%%V -c "import venv" >nul 2>nul && set "BASE=py -%%V"
)
:no_launcher
for %%V in (311 312 313 310) do (
    if not defined BASE if exist "%LOCALAPPDATA%\Programs\Python\Python%%V\python.exe" set BASE="%LOCALAPPDATA%\Programs\Python\Python%%V\python.exe"
)
for %%V in (311 312 313 310) do (
    if not defined BASE if exist "%ProgramFiles%\Python%%V\python.exe" set BASE="%ProgramFiles%\Python%%V\python.exe"
)
if defined BASE goto make_venv
if defined TRIED_INSTALLER goto no_python
set "TRIED_INSTALLER=1"
set "INSTALLER="
for %%F in ("%HERE%python-3.*-amd64.exe") do set "INSTALLER=%%~fF"
if not defined INSTALLER goto no_python
echo 正在为当前用户安装 Python：%INSTALLER%
start "" /wait "%INSTALLER%" /passive InstallAllUsers=0 Include_launcher=0 Include_test=0 PrependPath=0 Shortcuts=0
goto find_python

:make_venv
echo [1/3] 使用 Python：%BASE%
%BASE% -m venv "%VENV%"
if errorlevel 1 goto venv_failed

:have_venv
echo [2/3] 安装本软件到 %VENV%
if exist "%HERE%wheelhouse\" goto install_offline
"%VPY%" -m pip install --disable-pip-version-check --upgrade "%HERE%."
if errorlevel 1 goto pip_failed
rem the same version number does not stop a new release: its code replaces the old one
"%VPY%" -m pip install --disable-pip-version-check --force-reinstall --no-deps "%HERE%."
if errorlevel 1 goto pip_failed
goto installed
:install_offline
"%VPY%" -m pip install --disable-pip-version-check --no-index --find-links "%HERE%wheelhouse" --upgrade zhicheng
if errorlevel 1 goto pip_failed
"%VPY%" -m pip install --disable-pip-version-check --no-index --find-links "%HERE%wheelhouse" --force-reinstall --no-deps zhicheng
if errorlevel 1 goto pip_failed
:installed

echo [3/3] 安装 Excel 加载项并检查
"%VPY%" -m addin install-addin
set "RESULT=%errorlevel%"
echo.
echo 不用 Excel 时：双击本文件夹中的“台账工具.bat”（或把台账拖到它上面）。
pause
exit /b %RESULT%

:old_windows
echo 这台电脑的 Windows 版本是 %WINVER%（Windows 7、Windows 8 或更早），本软件不能在这里安装，本次没有安装任何内容。
echo 本软件使用的 Python 3.11 需要 64 位的 Windows 8.1、Windows 10 或 Windows 11（Windows 7 上最后能用的 Python 是 3.8，本软件不支持）。
echo 在这台电脑上仍然可以用 Excel 或 WPS 打开、查看和打印台账（灰底计算列保存的是数值）。
echo 刷新计算、生成材料等请在另一台 Windows 8.1 / 10 / 11 电脑上进行：在那台电脑上双击 安装.bat，
echo 用 Excel 的“职称评审”选项卡或“台账工具”（台账工具.bat）处理台账，再把台账复制回来。
pause
exit /b 2

:windows_32bit
echo 这台电脑是 32 位的 Windows，本软件不能在这里安装，本次没有安装任何内容。
echo 本软件使用的 Python 3.11 和离线安装包是 64 位的，需要 64 位的 Windows 8.1、Windows 10 或 Windows 11。
echo 在这台电脑上仍然可以用 Excel 或 WPS 打开、查看和打印台账（灰底计算列保存的是数值）；
echo 刷新计算、生成材料等请在另一台 64 位 Windows 电脑上进行（双击 安装.bat 后用 Excel 或“台账工具”），再把台账复制回来。
pause
exit /b 2

:no_python
echo 没有找到 Python 3.10 或更高版本。
echo 请从 python.org 下载 Windows 64 位安装程序（如 python-3.11.9-amd64.exe），运行后点“Install Now”
echo （为当前用户安装，不需要管理员权限），然后重新双击 安装.bat。
echo 不能上网的电脑：把该安装程序复制到本文件夹，安装.bat 会自动为当前用户安装它。
pause
exit /b 2

:venv_failed
echo 建立独立环境失败：%VENV%
echo 请确认本文件夹可以写入（不要放在 C:\Program Files 中），然后重新运行。
pause
exit /b 2

:pip_failed
echo 安装本软件失败（见上面的信息）。
echo 如果电脑上原来的 Python 已经卸载或升级，请删除本文件夹中的 .venv 文件夹后重新运行 安装.bat。
echo 不能上网的电脑需要离线安装包：请信息科在联网电脑上运行“准备离线安装包.bat”，把生成的 wheelhouse 文件夹复制到本文件夹。
pause
exit /b 2
