"""The 职称评审 ribbon tab (customUI.xml), made from the table of use cases.

One group per :data:`addin.usecases.GROUPS` entry that has ribbon use cases, one button
per variant, in the table's order; every button calls the one VBA callback
``ZhichengRibbon.OnAction`` with its tag (``<use case>[.<variant>]``), which
:mod:`addin.excel.ribbon` looks up in the allow-list made from the same table.
``vba_stubs/customUI.xml`` is this function's output (``make ribbon``; a test fails when
it is stale), so the build and the ribbon cannot drift apart.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from ..usecases import GROUPS, for_door

CALLBACK = "ZhichengRibbon.OnAction"
GROUP_IDS = {"台账": "zhichengRegister", "单位材料与缴费": "zhichengOutputs", "评审会": "zhichengMeeting",
             "结果公示与归档": "zhichengResults", "帮助": "zhichengHelp"}
SUPERTIP_MAX = 1024           # the ribbon's limit for a supertip


def customui_xml() -> str:
    """The ribbon XML (2006/01 namespace)."""
    lines = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
             "<!-- Generated from the table of use cases (addin/usecases/table.py) by addin.excel.ribbonui:",
             "     do not edit; run `make ribbon`. Every button calls ZhichengRibbon.OnAction with its tag;",
             "     \"selfcheck\" runs in VBA (ZhichengCheck), every other tag in Python (addin.excel.ribbon). -->",
             '<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">',
             '  <ribbon startFromScratch="false">', "    <tabs>", '      <tab id="zhichengTab" label="职称评审">']
    usecases = for_door("ribbon")
    for group in GROUPS:
        members = [uc for uc in usecases if uc.group == group]
        if not members:
            continue
        lines.append(f'        <group id="{GROUP_IDS[group]}" label={quoteattr(group)}>')
        for uc in members:
            for button in uc.buttons_for("ribbon"):
                tag = button.tag(uc)
                ident = "zc" + "".join(part.capitalize() for part in tag.replace("-", ".").split("."))
                tip = (button.description or uc.description)[:SUPERTIP_MAX]
                size = ' size="large"' if uc.large else ""
                lines.append(f'          <button id="{ident}" tag="{tag}" label={quoteattr(button.label)}{size} '
                             f'imageMso="{button.icon or uc.icon}"')
                lines.append(f'                  onAction="{CALLBACK}" screentip={quoteattr(button.label)}')
                lines.append(f"                  supertip={quoteattr(tip)}/>")
        lines.append("        </group>")
    lines += ["      </tab>", "    </tabs>", "  </ribbon>", "</customUI>", ""]
    return "\n".join(lines)


def write(path) -> None:
    from pathlib import Path

    Path(path).write_text(customui_xml(), encoding="utf-8")


if __name__ == "__main__":      # make ribbon
    from importlib import resources

    write(resources.files("vba_stubs").joinpath("customUI.xml"))
