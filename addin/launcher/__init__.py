"""台账工具: the product for desktops without Excel (WPS on Windows, UOS / Kylin with WPS,
LibreOffice), where staff do not type commands.

- :mod:`addin.launcher.server` (with :mod:`addin.launcher.jobs`, what each button runs) —
  a small page served on 127.0.0.1 only
  (``zhicheng launcher [台账]``): pick the register, press 刷新计算 / 校验 / 生成材料 /
  评审会名单 / 公示名单 / 导出财务表 / 导入缴费, watch the progress, read the result in
  Chinese, open the output folder. Each action runs the same command as the command
  line, in a child process, so the page and the command line always agree;
- :mod:`addin.launcher.shortcuts` — the icons that start it (``台账工具.bat``, a Linux
  ``.desktop`` entry that takes a dropped register as ``%f``) and the Windows install
  scripts of the software folder (``安装.bat``, ``准备离线安装包.bat``).
"""
