@echo off
rem 职称评审台账：不需要管理员权限的安装。双击运行；可以重复运行（升级时也一样）。
rem 1. 找到 Python（当前用户安装的即可，优先 3.11）：py 启动器，或 %LOCALAPPDATA%\Programs\Python；
rem    都没有而本文件夹中有 python-3.*-amd64.exe 时，先为当前用户安装它；
rem 2. 在本文件夹中建立独立环境 .venv（python -m venv）；
rem 3. 把本软件装进去：有 wheelhouse 文件夹时离线安装（pip --no-index --find-links），否则从本文件夹安装；
rem 4. 运行 zhicheng install-addin：安装 Excel 加载项并逐项检查。
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
if exist "%HERE%wheelhouse\" (
    "%VPY%" -m pip install --disable-pip-version-check --no-index --find-links "%HERE%wheelhouse" --upgrade zhicheng
) else (
    "%VPY%" -m pip install --disable-pip-version-check --upgrade "%HERE%."
)
if errorlevel 1 goto pip_failed

echo [3/3] 安装 Excel 加载项并检查
"%VPY%" -m addin install-addin
set "RESULT=%errorlevel%"
echo.
echo 不用 Excel 时：双击本文件夹中的“台账工具.bat”（或把台账拖到它上面）。
pause
exit /b %RESULT%

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
