"""Chinese text in VBA source stored as ASCII.

The add-in's VBA project is written with codepage 1252 (see :mod:`addin.excel.vbaproject`),
so its module streams hold ASCII only. Our VBA sources (``vba_stubs``) may still carry
Chinese messages in string literals: the build rewrites every literal holding a
non-ASCII character as ``U("<hex>")``, the UTF-16 code units of the text, four hex
digits each, which ``ZhichengCheck.U`` turns back into the string when the code runs
(``ChrW`` takes -32768..65535, so ``CLng("&H8BF7")`` < 0 is fine). Non-ASCII anywhere
else (names, comments, ``Const`` values) is refused: VBA could not express it.
"""

from __future__ import annotations

#: VBA's limit for one physical line of source
MAX_LINE = 1023


class VBATextError(ValueError):
    """Source the rewrite cannot store faithfully (message names module and line)."""


def u_call(text: str) -> str:
    """``U("...")`` for ``text``."""
    units = text.encode("utf-16-be")
    return 'U("' + units.hex().upper() + '")'


def _rewrite_line(line: str) -> tuple[str, bool]:
    """(the line with non-ASCII literals rewritten, whether any was)."""
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
                out.append(u_call(value))
                changed = True
            i = j + 1
        elif ch == "'":                       # a comment: the rest of the line
            out.append(line[i:])
            break
        else:
            out.append(ch)
            i += 1
    return "".join(out), changed


def encode_literals(source: str, module: str) -> str:
    """``source`` with every non-ASCII string literal written as ``U("...")``."""
    lines = []
    for number, line in enumerate(source.split("\n"), start=1):
        try:
            new, changed = _rewrite_line(line)
        except VBATextError as exc:
            raise VBATextError(f"{module} line {number}: {exc}") from exc
        if not new.isascii():
            raise VBATextError(f"{module} line {number}: non-ASCII text outside a string literal")
        if changed and new.lstrip().lower().startswith(("const ", "public const ", "private const ")):
            raise VBATextError(f"{module} line {number}: a Const cannot hold Chinese text (U() is a function)")
        if len(new.rstrip("\r")) > MAX_LINE:
            raise VBATextError(f"{module} line {number}: longer than {MAX_LINE} characters once encoded")
        lines.append(new)
    return "\n".join(lines)
