"""Ribbon callbacks: each callback attribute of the ribbon XML (customUI) names a public
Sub of a standard module with the signature Office calls it with (``onAction`` of a
button: ``Sub X(control As IRibbonControl)``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .lexer import Report
from .names import ModuleInfo
from .project import MODULE

#: ribbon callback attribute -> (parameter types, index of a ByRef out parameter or None);
#: the signatures of "Customizing the Office Fluent Ribbon for Developers", part 3
CALLBACKS: dict[str, tuple[tuple[str, ...], int | None]] = {
    "onLoad": (("iribbonui",), None),
    "onAction": (("iribboncontrol",), None),
    "getLabel": (("iribboncontrol", ""), 1),
    "getScreentip": (("iribboncontrol", ""), 1),
    "getSupertip": (("iribboncontrol", ""), 1),
    "getEnabled": (("iribboncontrol", ""), 1),
    "getVisible": (("iribboncontrol", ""), 1),
    "getImage": (("iribboncontrol", ""), 1),
    "getKeytip": (("iribboncontrol", ""), 1),
    "getShowLabel": (("iribboncontrol", ""), 1),
    "getShowImage": (("iribboncontrol", ""), 1),
    "getSize": (("iribboncontrol", ""), 1),
    "getDescription": (("iribboncontrol", ""), 1),
}
#: onAction of a toggle button or check box passes the new state too
PRESSED_CONTROLS = {"toggleButton", "checkBox"}


def check_callbacks(xml: str | bytes, project: dict[str, ModuleInfo], report: Report) -> None:
    """Every callback attribute of ``xml`` against the procedures of ``project``."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        report.add("customUI.xml", 1, f"not well-formed XML: {exc}")
        return
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        for attr, value in el.attrib.items():
            if attr not in CALLBACKS:
                continue
            types, out_param = CALLBACKS[attr]
            if attr == "onAction" and tag in PRESSED_CONTROLS:
                types, out_param = ("iribboncontrol", "boolean"), None
            where = f"customUI.xml <{tag} id={el.get('id')!r}> {attr}"
            module_name, _, proc_name = value.rpartition(".")
            candidates = [project[module_name.lower()]] if module_name.lower() in project else \
                ([] if module_name else [i for i in project.values() if i.kind == MODULE])
            procs = [p for info in candidates for p in info.procs.get(proc_name.lower(), [])]
            if not procs:
                report.add(module_name or "customUI.xml", 1, f"{where}={value!r}: no such procedure")
                continue
            proc = procs[0]
            problems = []
            if proc.kind != "sub":
                problems.append("must be a Sub")
            if not proc.public:
                problems.append("must be Public")
            if project[proc.module.lower()].kind != MODULE:
                problems.append("must be in a standard module")
            if len(proc.params) != len(types):
                problems.append(f"takes {len(types)} parameter(s), not {len(proc.params)}")
            else:
                for n, (param, expected) in enumerate(zip(proc.params, types)):
                    if expected and param.type != expected:
                        problems.append(f"parameter {n + 1} must be As {expected}, not {param.type or 'Variant'}")
                    if out_param == n and param.byval:
                        problems.append(f"parameter {n + 1} must be ByRef (Office reads the value back)")
            if problems:
                report.add(proc.module, proc.line, f"{where}={value!r}: " + "; ".join(problems))

