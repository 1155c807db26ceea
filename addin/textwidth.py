"""The one measure of how wide a text is drawn, in half-width units: what the command
line's help wraps by (a terminal), what the 统计 sheet sizes its columns by, and what the
print layout (:mod:`addin.outputs.layout`) breaks lines by.

Wide and full-width characters (汉字, ，（）) take two units, others one. Characters of
East Asian width "ambiguous" (the middle dot of 艾力·买买提, “quotes”, —) take
``ambiguous`` units: 2 where a Chinese font draws them (print, the default), 1 on a
terminal and in the 统计 sheet's estimate.
"""

from __future__ import annotations

import unicodedata


def char_width(ch: str, *, ambiguous: int = 2) -> int:
    """Half-width units of one character (see the module's docstring)."""
    kind = unicodedata.east_asian_width(ch)
    if kind in ("W", "F"):
        return 2
    return ambiguous if kind == "A" else 1


def display_width(text: str, *, ambiguous: int = 2) -> int:
    """Half-width units of a one-line text."""
    return sum(char_width(ch, ambiguous=ambiguous) for ch in text)
