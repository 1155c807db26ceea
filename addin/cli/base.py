"""What every ``zhicheng`` command shares: a parser that speaks Chinese, the exit codes,
and the small helpers that turn command-line text into the core's values.

argparse writes its own words in English (``usage:``, ``options:``, ``error: the following
arguments are required``). :class:`Parser` replaces each of them: the help option, the
section titles and the usage prefix are given in Chinese, and :meth:`Parser.error`
translates argparse's messages (the list :data:`ARGPARSE_MESSAGES`, one line per message
of argparse). :class:`Formatter` wraps text by display width (a Chinese character takes two
columns) and lists the commands without repeating the word 命令.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import zipfile
from pathlib import Path

from ..errors import Refused
from ..textwidth import display_width

#: the exit codes of every command (README, ``--help``)
EXIT_OK, EXIT_FINDINGS, EXIT_REFUSED, EXIT_INTERNAL = 0, 1, 2, 3

EXIT_CODES_HELP = ("退出码：0 完成；1 完成但发现问题（如校验出错误）；2 拒绝执行，未写入任何内容（如文件正被打开、"
                   "参数有误）；3 程序内部错误（详细信息写入日志文件，屏幕上给出其位置）。")

#: argparse's English messages (Python 3.10-3.13) and their Chinese; ``{}`` stands for the
#: value argparse puts there, kept as is
ARGPARSE_MESSAGES = (
    ("the following arguments are required: {}", "缺少参数：{}"),     # lists: ", " becomes "、"
    ("unrecognized arguments: {}", "无法识别的参数：{}"),
    ("argument {}: {}", "参数 {}：{}"),
    ("invalid choice: {} (choose from {})", "无效的选项 {}（可选：{}）"),
    ("invalid {} value: {}", "无效的值 {}"),
    ("expected one argument", "后面需要一个值"),
    ("expected at most one argument", "后面最多一个值"),
    ("expected at least one argument", "后面至少需要一个值"),
    ("expected {} argument", "后面需要{}个值"),
    ("expected {} arguments", "后面需要{}个值"),
    ("not allowed with argument {}", "不能与参数 {} 同时使用"),
    ("ignored explicit argument {}", "不接受值 {}"),
    ("one of the arguments {} is required", "以下参数必须给出一个：{}"),
    ("ambiguous option: {} could match {}", "选项 {} 不明确，可能是：{}"),
    ("unknown parser {} (choices: {})", "没有命令 {}（可用：{}）"),
    ("unexpected option string: {}", "意外的选项：{}"),
    ("can't open {}: {}", "无法打开 {}：{}"),
)


def _pattern(english: str) -> re.Pattern:
    return re.compile("^" + re.escape(english).replace(r"\{\}", "(.+?)") + "$", re.S)


_TRANSLATIONS = [(_pattern(en), zh) for en, zh in ARGPARSE_MESSAGES]


def translate(message: str) -> str:
    """argparse's English message in Chinese; nested messages are translated too."""
    for pattern, chinese in _TRANSLATIONS:
        m = pattern.match(message)
        if m:
            parts = [translate(p) for p in m.groups()]
            if chinese.startswith(("缺少参数", "以下参数")):
                parts = [p.replace(", ", "、") for p in parts]
            return chinese.format(*parts)
    return message


# --- layout by display width ----------------------------------------------------------

def width(text: str) -> int:
    """Columns a terminal gives ``text`` (wide East Asian characters take two, ambiguous ones one)."""
    return display_width(text, ambiguous=1)


_TOKEN = re.compile(r"[\x21-\x7e]+|\s+|.", re.S)      # an ASCII word, a space run, one character
_NO_LINE_START = set("，。、；：？！）》」』”’")
_NO_LINE_END = set("（《「『“‘")


def wrap(text: str, columns: int) -> list[str]:
    """Break ``text`` into lines of at most ``columns`` display columns, between Chinese
    characters or at spaces, never inside an ASCII word, never with a closing mark (，。）)
    at the start of a line nor an opening one (（“) at its end."""
    columns = max(columns, 10)
    lines: list[str] = []
    parts: list[str] = []

    def strip(items: list[str]) -> None:
        while items and items[-1] == " ":
            items.pop()

    for token in _TOKEN.findall(" ".join(text.split())):
        token = " " if token.isspace() else token
        if token == " " and not parts:
            continue
        if parts and token != " " and width("".join(parts)) + width(token) > columns:
            carry: list[str] = []
            strip(parts)
            if token[0] in _NO_LINE_START:           # the unit before the mark goes along with it
                kept = list(parts)
                while parts and parts[-1][0] in _NO_LINE_START:
                    carry.insert(0, parts.pop())
                    strip(parts)
                if parts:
                    carry.insert(0, parts.pop())
                    strip(parts)
                if width("".join(carry)) + width(token) > columns:   # a unit wider than a line:
                    parts, carry = kept, []                          # the width wins over the rule
            while parts and parts[-1] in _NO_LINE_END:
                carry.insert(0, parts.pop())
                strip(parts)
            if parts:
                lines.append("".join(parts))
            parts = carry                            # empty parts: nothing to break at, an overlong line
        parts.append(token)
    strip(parts)
    if parts:
        lines.append("".join(parts))
    return lines or [""]


class Formatter(argparse.HelpFormatter):
    """Chinese usage prefix, wrapping by display width, aligned columns for Chinese
    metavars, and the commands listed once (no line repeating the word 命令)."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)

    def _format_usage(self, usage, actions, groups, prefix):
        """argparse's usage on one line, then wrapped by display width (argparse counts
        characters, so a line of Chinese metavars would run past the terminal)."""
        columns, self._width = self._width, 1 << 20
        try:
            text = super()._format_usage(usage, actions, groups, prefix).strip("\n")
        finally:
            self._width = columns
        start = f"{prefix}{self._prog}"
        if not text.startswith(start):
            return text + "\n\n"
        indent = " " * (width(start) + 1 if width(start) <= columns // 2 else width(prefix))
        lines, line = [], start
        for part in re.findall(r"\[[^\[\]]*\]|\([^()]*\)|\S+", text[len(start):]):
            if width(line) + 1 + width(part) > columns and line.strip():
                lines.append(line)
                line = indent + part
            else:
                line += " " + part
        lines.append(line)
        return "\n".join(lines) + "\n\n"

    def _split_lines(self, text, columns):
        return wrap(text, columns)

    def _fill_text(self, text, columns, indent):
        return "\n".join(indent + line for line in wrap(text, columns - width(indent)))

    def add_argument(self, action):
        super().add_argument(action)
        if action.help is not argparse.SUPPRESS:   # argparse counted characters: count columns
            invocations = [self._format_action_invocation(action)]
            invocations += [self._format_action_invocation(s) for s in self._iter_indented_subactions(action)]
            self._action_max_length = max(self._action_max_length,
                                          max(map(width, invocations)) + self._current_indent)

    def _format_action(self, action):
        if isinstance(action, argparse._SubParsersAction):   # list the commands, not the word 命令
            self._dedent()
            parts = [self._format_action(sub) for sub in self._iter_indented_subactions(action)]
            self._indent()
            return "".join(parts)
        help_position = min(self._action_max_length + 2, self._max_help_position)
        help_columns = max(self._width - help_position, 11)
        header = self._format_action_invocation(action)
        indent = " " * self._current_indent
        if not action.help:
            return f"{indent}{header}\n"
        if width(header) <= help_position - self._current_indent - 2:
            first = indent + header + " " * (help_position - self._current_indent - width(header))
        else:
            first = f"{indent}{header}\n" + " " * help_position
        lines = wrap(self._expand_help(action), help_columns)
        return first + lines[0] + "\n" + "".join(" " * help_position + line + "\n" for line in lines[1:])


class Parser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose every word is Chinese; each command's
    help ends with the exit codes."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", Formatter)
        kwargs.setdefault("epilog", EXIT_CODES_HELP)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def add_subparsers(self, **kwargs):
        kwargs.setdefault("parser_class", Parser)
        return super().add_subparsers(**kwargs)

    def format_help(self):
        text = super().format_help()
        for group in self._action_groups:      # argparse ends a section title with an ASCII colon
            if group.title:
                text = text.replace(f"\n{group.title}:\n", f"\n{group.title}：\n")
        return text

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_REFUSED, f"{self.prog}：错误：{translate(message)}\n（用 {self.prog} -h 查看说明）\n")


# --- arguments every command shares, and their values ---------------------------------------

AS_OF_HELP = "按指定时间判断期限（默认现在），如 2024-09-05 10:00"


def register_argument(parser, help: str = "台账文件") -> None:   # noqa: A002 - argparse's word
    """The register the command works on (``args.path``)."""
    parser.add_argument("path", metavar="台账", help=help)


def as_of_option(parser) -> None:
    """``--as-of``: the moment deadlines are judged at (``args.as_of``)."""
    parser.add_argument("--as-of", metavar="时间", help=AS_OF_HELP)


def err(message: str) -> None:
    print(message, file=sys.stderr)


def progress(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


def _when(text: str | None, what: str, parse) -> object:
    """A date option parsed with the rules' reader; a bad one refuses the command."""
    if not text:
        return None
    parsed = parse(text)
    if parsed.value is None:
        raise Refused(f"{what}：{parsed.finding.message if parsed.finding else '日期为空'}")
    return parsed.value


def as_of(text: str | None) -> dt.datetime | None:
    from ..rules.dates import parse_datetime
    return _when(text, "--as-of", parse_datetime)


def date_arg(text: str | None, what: str) -> dt.date | None:
    from ..rules.dates import parse_date
    return _when(text, what, parse_date)


def year(text: str) -> int:
    """A campaign year typed on the command line (``type=`` of argparse)."""
    if not re.fullmatch(r"\d{4}", text.strip()):
        raise argparse.ArgumentTypeError(f"“{text}”不是年份（应为四位数字，如 2025）")
    return int(text)


def workbook(text: str) -> Path:
    """The register (or other workbook) named on the command line, or a refusal saying
    what the path is instead."""
    path = Path(text)
    if not path.exists():
        raise Refused(f"找不到文件：{path}")
    if path.is_dir():
        raise Refused(f"“{path}”是一个文件夹，不是工作簿：请指定其中的台账文件（.xlsx/.xlsm）")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise Refused(f"“{path.name}”不是 .xlsx/.xlsm 工作簿")
    if not zipfile.is_zipfile(path):
        from ..xlsx.limits import describe_non_zip
        raise Refused(describe_non_zip(path))     # password-protected, old .xls, or damaged
    return path


def print_findings(findings, *, as_json: bool) -> None:
    import json

    if as_json:
        print(json.dumps({"findings": [f.as_dict() for f in findings],
                          "errors": sum(f.severity.value == "error" for f in findings)}, ensure_ascii=False, indent=2))
        return
    for f in findings:
        print(f"[{f.severity.label}] {f}")


def warn_unread(book) -> None:
    """Say, before an output is made from the book, what of the workbook could not be read
    as it stands (formulas without a cached result read as blank, a table without its
    headers, stray rows far below the data): never a silent gap in the output."""
    for finding in getattr(book, "unread", ()):
        err(f"注意：{finding}（生成的内容可能因此不完整）")


def print_files(files) -> None:
    for f in files:
        print(f"  已生成 {f}")
