"""Text measuring and line breaking shared by every printed output (xlsx and docx).

Widths are counted in half-width units: a CJK character (East Asian width W or F) is 2,
a Latin letter or digit is 1. A spreadsheet column of width ``w`` holds about ``w``
units of 11 pt text; a Word line of ``p`` points holds ``2 * p / size`` units of
``size``-point text.

Titles of official documents are broken into balanced lines that keep words whole
(GB/T 9704 7.3.3: 标题回行时，要做到词意完整，排列对称，长短适宜); words come from jieba's
dictionary, and phrases the caller names (the committee's, the issuer's name) are never
broken.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from functools import lru_cache
from typing import Iterable, Sequence

#: characters a line must not start with / end with (Chinese line-breaking rules, 避头尾)
NO_LINE_START = "，。、；：？！）》」』”’】〕…—·%,.;:?!)]}"
NO_LINE_END = "（《「『“‘【〔([{"


def char_width(ch: str) -> int:
    """2 for CJK, full-width and ambiguous characters (GB2312 fonts draw the middle dot
    of 艾力·买买提, “quotes” and — full width), else 1."""
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 1


def display_width(text: str) -> int:
    """Half-width units of a one-line text."""
    return sum(char_width(ch) for ch in text)


def wrapped_lines(text: str, capacity: float) -> int:
    """Lines a text needs when wrapped at ``capacity`` half-width units per line (each
    explicit line break starts a new line; a character never straddles two lines)."""
    capacity = max(capacity, 2) + 1e-6
    total = 0
    for line in str(text).split("\n"):
        lines, used = 1, 0
        for ch in line:
            w = char_width(ch)
            if used + w > capacity:
                lines, used = lines + 1, 0
            used += w
        total += lines
    return total


@lru_cache(maxsize=1)
def _tokenizer():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


@lru_cache(maxsize=256)
def _words(text: str) -> tuple[str, ...]:
    return tuple(_tokenizer().cut(text, HMM=False))


def break_points(text: str, keep: Iterable[str] = ()) -> list[int]:
    """Offsets in ``text`` where a line may break: between two words, never inside a
    phrase of ``keep``, never before a one-character word (局, 表, 会…), before closing
    or after opening punctuation, nor between a number and what it counts."""
    words = _words(text)
    protected: set[int] = set()
    for phrase in keep:
        if not phrase:
            continue
        start = text.find(phrase)
        while start >= 0:
            protected.update(range(start + 1, start + len(phrase)))
            start = text.find(phrase, start + 1)
    points, offset = [], 0
    for prev, word in zip(words, words[1:]):
        offset += len(prev)
        if offset in protected:
            continue
        if len(word) == 1 and unicodedata.category(word) == "Lo":
            continue
        if word[0] in NO_LINE_START or prev[-1] in NO_LINE_END:
            continue
        if prev[-1].isdigit():
            continue
        points.append(offset)
    return points


def balanced_lines(text: str, capacity: float, keep: Iterable[str] = ()) -> list[str]:
    """``text`` in as few lines of at most ``capacity`` units as the break points allow,
    the lines as equal in width as possible (a title in trapezoid or diamond shape).
    A phrase of ``keep`` wider than a line may break at its own word boundaries; a text
    without any usable break point is cut by width, as a last resort."""
    text = text.strip()
    capacity += 1e-6          # widths computed back from capacities land a hair below
    if display_width(text) <= capacity:
        return [text]
    for phrases in (tuple(keep), ()):
        lines = _balanced(text, capacity, [0] + break_points(text, phrases) + [len(text)])
        if lines:
            return lines
    return _cut_by_width(text, capacity)


def _balanced(text: str, capacity: float, points: list[int]) -> list[str] | None:
    widths = [display_width(text[:p]) for p in points]
    n = len(points)
    minimum = math.ceil(widths[-1] / capacity)
    for count in range(minimum, n):   # as few lines as the break points allow
        target = widths[-1] / count
        # table[i][k]: the best (cost, breaks) laying text[points[i]:] in exactly k lines
        table: list[dict[int, tuple[float, list[int]]]] = [dict() for _ in range(n)]
        table[n - 1][0] = (0.0, [])
        for i in range(n - 2, -1, -1):
            for j in range(i + 1, n):
                w = widths[j] - widths[i]
                if w > capacity:
                    break
                for left, (cost, breaks) in table[j].items():
                    c = cost + (w - target) ** 2
                    if left < count and (left + 1 not in table[i] or c < table[i][left + 1][0]):
                        table[i][left + 1] = (c, [j] + breaks)
        found = table[0].get(count)
        if found:
            cuts = [0] + [points[b] for b in found[1]]
            return [text[a:b] for a, b in zip(cuts, cuts[1:])]
    return None


def _cut_by_width(text: str, capacity: float) -> list[str]:
    lines, current = [], ""
    for ch in text:
        if display_width(current + ch) > capacity and current:
            lines.append(current)
            current = ""
        current += ch
    return lines + [current] if current else lines


def allocate(needs: Sequence[float], minimums: Sequence[float], total: float) -> list[float]:
    """Column widths summing to ``total``: each column its need, the room left shared in
    proportion to the needs. When the needs do not fit, the columns that may wrap (need
    above minimum) give up width in proportion to what they can give, down to their
    minimum and then below it; a column that must not wrap keeps its need unless even
    those alone do not fit (then all shrink in proportion, and the caller scales)."""
    needs = [max(n, m) for n, m in zip(needs, minimums)]
    want = sum(needs)
    if want <= total:
        return [n + (total - want) * n / want for n in needs] if want else list(needs)
    give = [n - m for n, m in zip(needs, minimums)]
    room = sum(give)
    deficit = want - total
    if room >= deficit:
        return [n - g * deficit / room for n, g in zip(needs, give)]
    fixed = sum(m for n, m in zip(needs, minimums) if n == m)
    flexible = [m for n, m in zip(needs, minimums) if n > m]
    if flexible and fixed < total:
        scale = (total - fixed) / sum(flexible)
        if scale >= 0.5:
            return [m * scale if n > m else m for n, m in zip(needs, minimums)]
    return [m * total / sum(minimums) for m in minimums]


_PHONE = re.compile(r"(?<!\d)(\d{3,4})\s*[-—–－‐‑]\s*(\d{7,8})(?!\d)")
#: U+2060 WORD JOINER: no line break on either side, draws nothing
WORD_JOINER = "\u2060"


def unbreakable_phones(text: str) -> str:
    """Phone numbers (0997-2514195, also typed with —, － or spaces) written with a
    plain hyphen and a word joiner between every character, and one after the number
    when a closing mark or the end of the text follows, so that no line break splits
    them: LibreOffice breaks CJK text between any two digits when a “。” may not start
    the next line, and at a hyphen (also at Word's non-breaking one)."""
    def joined(m: re.Match) -> str:
        after = text[m.end():m.end() + 1]
        tie = WORD_JOINER if not after or after in NO_LINE_START else ""
        return WORD_JOINER.join(f"{m.group(1)}-{m.group(2)}") + tie
    return _PHONE.sub(joined, text)


def without_joiners(text: str) -> str:
    """Text as a reader sees it: the word joiners of :func:`unbreakable_phones` removed."""
    return text.replace(WORD_JOINER, "")
