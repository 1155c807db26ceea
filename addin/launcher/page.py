"""The 台账工具 page, made from the table of use cases.

One section per group of the year (台账, 单位材料与缴费, 评审会, 结果公示), one card per use
case with a control per parameter (a date picker for a date, check boxes for options and
attachments, a file field with 浏览… for a workbook to read), the rarely needed ones under
更多选项, and one button per variant. The page holds no secret: it is served only to the
browser that holds the session (see :mod:`addin.launcher.server`); its script and style
are files of their own (/app.js, /app.css), so the page's policy allows no inline code.
"""

from __future__ import annotations

import datetime as dt
import html

from .. import __version__
from ..usecases import GROUPS, ButtonDoor, Param, UseCase, for_door
from ..usecases.suggest import suggestion

PAGE = ButtonDoor("page")
#: parameters the page fills itself (the register picked above, the output folder)
AUTO_KINDS = ("register", "out")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def field_id(uc: UseCase, p: Param) -> str:
    return f"f-{uc.name}-{p.key}"


def button_id(tag: str) -> str:
    return "do-" + tag.replace(".", "-")


def shown_params(uc: UseCase) -> list[Param]:
    """The parameters the page asks for (the ones no variant fixes)."""
    buttons = uc.buttons_for("page")
    fixed = set.intersection(*(set(v.values) for v in buttons)) if buttons else set()
    return [p for p in uc.params if "page" in p.doors and p.kind not in AUTO_KINDS and p.key not in fixed
            and not (p.kind == "newfile" and p.filename)]


def _control(uc: UseCase, p: Param, today: dt.date) -> str:
    fid, hint = field_id(uc, p), _e(PAGE.render(p.help, uc))
    label = _e(p.label)
    if p.kind == "flag":
        return (f'<label class="check" title="{hint}"><input type="checkbox" id="{fid}" data-param="{p.key}">'
                f" {label}</label>")
    if p.kind == "kinds":
        from ..outputs.templates import ATTACHMENTS

        default = str(p.default or "")
        boxes = "".join(f'<label class="check" title="{_e(a.title)}"><input type="checkbox" data-param="kinds" '
                        f'value="{n}"{" checked" if str(n) in default else ""}> {_e(a.label)} {_e(a.title)}</label>'
                        for n, a in sorted(ATTACHMENTS.items()))
        return f'<fieldset class="kinds"><legend>{label}</legend>{boxes}</fieldset>'
    value = suggestion(p.suggest, today) or ("" if p.default is None else str(p.default))
    kinds = {"date": "date", "datetime": "datetime-local", "year": "number"}
    attrs = f'type="{kinds.get(p.kind, "text")}" id="{fid}" data-param="{p.key}" value="{_e(value)}"'
    if p.kind == "year":
        attrs += ' min="2000" max="2100" step="1"'
    if p.required or p.cli_required:
        attrs += " required"
    if p.kind == "newfile":
        attrs += ' placeholder="如 2025年职称评审台账.xlsx（放在台账所在文件夹）"'
    control = f"<input {attrs}>"
    if p.kind in ("workbook", "path") or p.key in ("aliases", "templates"):
        control = (f'<div class="pick">{control}<button type="button" class="browse" data-what="{p.key}" '
                   f'data-field="{fid}">浏览…</button></div>')
    return f'<label for="{fid}">{label}</label>{control}<div class="hint">{hint}</div>'


def card(uc: UseCase, today: dt.date) -> str:
    params = shown_params(uc)
    main = "".join(f'<div class="field">{_control(uc, p, today)}</div>' for p in params if not p.advanced)
    more = "".join(f'<div class="field">{_control(uc, p, today)}</div>' for p in params if p.advanced)
    if more:
        main += f"<details><summary>更多选项</summary>{more}</details>"
    buttons = "".join(f'<button type="button" class="run" data-action="{_e(b.tag(uc))}" id="{button_id(b.tag(uc))}" '
                      f'title="{_e(PAGE.render(b.description or uc.description, uc))}">{_e(b.label)}</button>'
                      for b in uc.buttons_for("page"))
    title = " / ".join(b.label for b in uc.buttons_for("page")) if uc.variants else uc.label
    return (f'<div class="card" data-usecase="{_e(uc.name)}"><h3>{_e(title)}</h3>'
            f'<p class="tip">{_e(PAGE.render(uc.summary, uc))}</p>{main}<div class="buttons">{buttons}</div></div>')


def render(launcher) -> str:
    """The page for ``launcher`` (its folder's workbooks listed, registers first)."""
    today = dt.date.today()
    registers, others = [], []
    for path, is_register in launcher.workbooks():
        option = (f'<option value="{_e(path)}"{" selected" if path == launcher.book else ""}>'
                  f"{_e(path.name)}</option>")
        (registers if is_register else others).append(option)
    options = ""
    if registers:
        options += f'<optgroup label="台账">{"".join(registers)}</optgroup>'
    if others:
        options += f'<optgroup label="其他工作簿（不是台账：平台导出、财务表等）">{"".join(others)}</optgroup>'
    sections = []
    usecases = for_door("page")
    number = 1
    for group in GROUPS:
        members = [uc for uc in usecases if uc.group == group]
        if not members:
            continue
        number += 1
        sections.append(f'<section class="group"><h2>{number}. {_e(group)}</h2><div class="cards">'
                        + "".join(card(uc, today) for uc in members) + "</div></section>")
    return TEMPLATE.format(folder=_e(launcher.folder), book=_e(launcher.book or ""), options=options,
                           sections="".join(sections), version=_e(__version__))


TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>台账工具 · 职称评审台账</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <h1>台账工具 · 职称评审台账</h1>
  <p>不需要 Excel，也不用输入命令：全年的各项操作都在这里点按钮完成。只在本机运行，只对启动它的用户开放，不连接网络。</p>
</header>
<main>
<section id="register">
  <h2>1. 选择台账</h2>
  <label for="pick">文件夹 {folder} 中的工作簿</label>
  <select id="pick"><option value="">（请选择）</option>{options}</select>
  <label for="book">或填写台账文件的完整路径</label>
  <div class="pick"><input type="text" id="book" value="{book}" placeholder="例如 D:\\职称评审\\2024年职称评审台账.xlsx">
    <button type="button" class="browse" data-what="book" data-field="book">浏览…</button></div>
  <div class="hint">写入台账的操作（刷新、导入、抽取、名单等）前请先在 WPS / Excel 中关闭台账；写入前会先备份到台账旁的“备份”文件夹，只改软件负责的计算列、统计表和日志。</div>
</section>
<section id="result" hidden>
  <h2>结果</h2>
  <p id="status"></p>
  <div id="progress"></div>
  <pre id="log"></pre>
  <div class="buttons"><button type="button" id="open" hidden>打开输出文件夹</button></div>
</section>
{sections}
<footer>
  职称评审台账 {version} · 结果与 Excel 加载项、命令行完全相同。用完后请点
  <button type="button" id="quit">关闭台账工具</button>
</footer>
</main>
</body>
</html>
"""


def entry_page() -> str:
    """What ``GET /`` shows without the session: how to open the tool, and nothing else."""
    return """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<title>台账工具 · 职称评审台账</title><link rel="stylesheet" href="/app.css">
<script src="/entry.js" defer></script></head>
<body><header><h1>台账工具 · 职称评审台账</h1></header>
<main><section><h2 id="entry-title">正在打开台账工具……</h2>
<p id="entry-text">台账工具只对启动它的用户开放。请双击软件文件夹中的“台账工具”图标（或把台账拖到图标上）打开它；
Linux 桌面上也可以运行 <code>zhicheng launcher</code>。</p></section></main></body></html>
"""
