"""Chinese text of the VBA sources, kept out of the module streams.

The add-in's VBA project is written with codepage 1252 (see :mod:`addin.excel.vba.project`),
so its module streams hold ASCII only. Our VBA sources (``vba_stubs``, and the generated
``ZhichengHelp``) still carry their Chinese messages as ordinary string literals, readable
where they are used. The build moves every literal holding a non-ASCII character into the
add-in's hidden sheet ``zhicheng.text`` — one cell per distinct text, column A, Unicode,
independent of any code page — and writes ``Txt(<row>)`` in its place; ``ZhichengCheck.Txt``
reads the cell when the code runs. Nothing is encoded: a scanner (olevba, 360, 火绒) sees
plain calls and a sheet of plain text, not hex strings decoded with ``ChrW`` (issue 21, C.9).

Non-ASCII anywhere else (names, comments) is refused, and so is a ``Const`` holding
Chinese text (``Txt`` is a function, which a constant expression cannot call).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: VBA's limit for one physical line of source
MAX_LINE = 1023
#: the name of the function the build writes (ZhichengCheck.Txt) and of the sheet it reads
TEXT_FUNCTION = "Txt"
TEXT_SHEET = "zhicheng.text"
#: Excel's limit for the text of one cell
MAX_CELL = 32767


class VBATextError(ValueError):
    """Source the rewrite cannot store faithfully (message names module and line)."""


@dataclass
class Texts:
    """The texts of the hidden sheet, in row order (row 1 = ``texts[0]``), each once."""

    texts: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    def row(self, text: str) -> int:
        if text not in self.rows:
            if len(text) > MAX_CELL:
                raise VBATextError(f"a text longer than {MAX_CELL} characters cannot be kept in a cell")
            self.texts.append(text)
            self.rows[text] = len(self.texts)
        return self.rows[text]


def txt_call(row: int) -> str:
    return f"{TEXT_FUNCTION}({row})"


def _rewrite_line(line: str, texts: Texts) -> tuple[str, bool]:
    """(the line with non-ASCII literals replaced, whether any was)."""
    out, i, changed = [], 0, False
    while i < len(line):
        ch = line[i]
        if ch == '"':
            j, text = i + 1, []
            while True:
                if j >= len(line):
                    raise VBATextError("unterminated string literal")
                if line[j] == '"':
                    if j + 1 < len(line) and line[j + 1] == '"':
                        text.append('"')
                        j += 2
                        continue
                    break
                text.append(line[j])
                j += 1
            value = "".join(text)
            if value.isascii():
                out.append(line[i:j + 1])
            else:
                out.append(txt_call(texts.row(value)))
                changed = True
            i = j + 1
        elif ch == "'":                       # a comment: the rest of the line
            out.append(line[i:])
            break
        else:
            out.append(ch)
            i += 1
    return "".join(out), changed


def move_literals(source: str, module: str, texts: Texts) -> str:
    """``source`` with every non-ASCII string literal written as ``Txt(<row>)``, the text
    added to ``texts``."""
    lines = []
    for number, line in enumerate(source.split("\n"), start=1):
        try:
            new, changed = _rewrite_line(line, texts)
        except VBATextError as exc:
            raise VBATextError(f"{module} line {number}: {exc}") from exc
        if not new.isascii():
            raise VBATextError(f"{module} line {number}: non-ASCII text outside a string literal")
        if changed and new.lstrip().lower().startswith(("const ", "public const ", "private const ")):
            raise VBATextError(f"{module} line {number}: a Const cannot hold Chinese text ({TEXT_FUNCTION}() is a function)")
        if len(new.rstrip("\r")) > MAX_LINE:
            raise VBATextError(f"{module} line {number}: longer than {MAX_LINE} characters")
        lines.append(new)
    return "\n".join(lines)
