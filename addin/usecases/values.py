"""The one place where what a user typed or picked becomes a parameter value.

Every shell hands over text (the command line's arguments, the page's form fields) or
what Excel's dialogs return; :func:`convert` turns each into the value the use case reads
(a date, a path, a list of numbers) or refuses, naming the parameter the way the shell
names it (``--start`` on the command line, “公示开始日期” on the page and the ribbon).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

from ..errors import Refused
from .spec import Door, Param, UseCase, parse_list

TRUE_WORDS = {"1", "true", "yes", "on", "是", "y"}
FALSE_WORDS = {"", "0", "false", "no", "off", "否", "n"}


def name_of(param: Param, door: Door) -> str:
    """How ``door`` names ``param`` in a message."""
    if door.name == "cli":
        return param.flag or param.metavar or param.key
    return f"“{param.label}”"


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def workbook_path(text: object, *, csv: bool = False) -> Path:
    """An existing .xlsx/.xlsm workbook (or .csv when allowed), or a refusal saying what the
    path is instead."""
    path = Path(str(text).strip().strip('"')).expanduser()
    if not path.exists():
        raise Refused(f"找不到文件：{path}")
    if path.is_dir():
        raise Refused(f"“{path}”是一个文件夹，不是工作簿：请指定其中的台账文件（.xlsx/.xlsm）")
    suffixes = (".xlsx", ".xlsm") + ((".csv",) if csv else ())
    if path.suffix.lower() not in suffixes:
        raise Refused(f"“{path.name}”不是 .xlsx/.xlsm 工作簿" + ("或 .csv 文件" if csv else ""))
    if path.suffix.lower() != ".csv" and not zipfile.is_zipfile(path):
        from ..xlsx.limits import describe_non_zip
        raise Refused(describe_non_zip(path))     # password-protected, old .xls, or damaged
    return path


def _year(text: str) -> int:
    if not re.fullmatch(r"\d{4}", text):
        raise ValueError(f"“{text}”不是年份（应为四位数字，如 2025）")
    return int(text)


def _kinds(text: str) -> list[int]:
    from ..outputs.templates import ATTACHMENTS

    kinds = []
    for part in parse_list(text):
        part = part.removeprefix("附件")
        if not part.isdigit() or int(part) not in ATTACHMENTS:
            raise ValueError(f"应为1—4中的数字，用逗号分隔（如 1,3），实为“{text}”")
        kinds.append(int(part))
    if not kinds:
        raise ValueError("至少要有一个附件编号（1—4）")
    return sorted(set(kinds))


def convert(param: Param, raw: object, door: Door) -> object:
    """``raw`` (text, or a value a dialog returned) as the value of ``param``."""
    if param.kind == "flag":
        if isinstance(raw, bool):
            return raw
        word = "" if raw is None else str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise Refused(f"{name_of(param, door)}：应为“是”或“否”，实为“{raw}”")
    if _blank(raw):
        return None
    if isinstance(raw, (list, tuple)) and param.kind in ("kinds", "ids", "words"):
        raw = ",".join(str(r) for r in raw)
    if isinstance(raw, (dt.date, Path, int)) and not isinstance(raw, bool):
        if param.kind in ("date", "datetime") and isinstance(raw, dt.date):
            return raw
        if param.kind == "year" and isinstance(raw, int):
            return raw
        raw = str(raw)
    text = str(raw).strip()
    try:
        if param.kind in ("register", "workbook"):
            return workbook_path(text, csv=param.kind == "workbook" and param.key == "export")
        if param.kind == "path":
            path = Path(text.strip('"')).expanduser()
            if not path.exists():
                raise ValueError(f"找不到“{path}”")
            return path
        if param.kind == "newfile":
            path = Path(text.strip('"')).expanduser()
            if path.is_dir():
                raise ValueError(f"“{path}”是一个文件夹，请写文件名")
            return path
        if param.kind == "out":
            path = Path(text.strip('"')).expanduser()
            if path.exists() and not path.is_dir():
                raise ValueError(f"“{path}”是一个文件，请指定文件夹")
            return path
        if param.kind in ("date", "datetime"):
            from ..rules.dates import parse_date, parse_datetime

            parsed = (parse_date if param.kind == "date" else parse_datetime)(text)
            if parsed.value is None:
                raise ValueError(parsed.finding.message if parsed.finding else "日期为空")
            return parsed.value
        if param.kind == "year":
            return _year(text)
        if param.kind == "kinds":
            return _kinds(text)
        if param.kind in ("ids", "words"):
            return parse_list(text) or None
        return text
    except ValueError as exc:
        raise Refused(f"{name_of(param, door)}：{exc}") from None


def convert_all(usecase: UseCase, raw: dict[str, object], door: Door, *, register_given: bool = False
                ) -> dict[str, object]:
    """Every parameter's value; a missing required one is refused, named as ``door`` names it
    (the register, when the shell already holds it, is not asked for)."""
    values = {}
    for p in usecase.params:
        value = convert(p, raw.get(p.key), door)
        if p.kind == "register" and register_given:
            continue
        if p.required and value is None:
            raise Refused(f"请填写{name_of(p, door)}。" if door.name != "cli" else f"缺少参数：{name_of(p, door)}")
        values[p.key] = value
    return values
