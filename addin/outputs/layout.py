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
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from ..textwidth import char_width, display_width

#: characters a line must not start with / end with (Chinese line-breaking rules, 避头尾)
NO_LINE_START = "，。、；：？！）》」』”’】〕…—·%,.;:?!)]}"
NO_LINE_END = "（《「『“‘【〔([{"


def ambiguous(ch: str) -> bool:
    """A mark such as · × — “ ” that Chinese fonts draw a full em wide and Latin fonts
    narrow (East Asian width "ambiguous", not ASCII)."""
    return not ch.isascii() and unicodedata.east_asian_width(ch) == "A"


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


def break_points(text: str, keep: Iterable[str] = (), *, single: bool = False) -> list[int]:
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
        if len(word) == 1 and unicodedata.category(word) == "Lo" and not single:
            continue
        if word[0] in NO_LINE_START or prev[-1] in NO_LINE_END:
            continue
        if prev[-1].isdigit():
            continue
        points.append(offset)
    return points


def balanced_lines(text: str, capacity: float, keep: Iterable[str] = (), *, single: bool = False) -> list[str]:
    """``text`` in as few lines of at most ``capacity`` units as the break points allow,
    the lines as equal in width as possible (a title in trapezoid or diamond shape).
    A phrase of ``keep`` wider than a line may break at its own word boundaries; a text
    without any usable break point is cut by width, as a last resort."""
    text = text.strip()
    capacity += 1e-6          # widths computed back from capacities land a hair below
    if display_width(text) <= capacity:
        return [text]
    for phrases in (tuple(keep), ()):
        lines = _balanced(text, capacity, [0] + break_points(text, phrases, single=single) + [len(text)])
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


#: a phone number as typed (0997-2514195, also with —, － or spaces around the dash)
PHONE = re.compile(r"(?<!\d)(\d{3,4})\s*[-—–－‐‑]\s*(\d{7,8})(?!\d)")
#: a date as printed (2024年8月16日)
DATE = re.compile(r"\d{4}年\d{1,2}月(?:\d{1,2}日)?")
#: a clause of the notice (四(六), 一(一)3) and an amount with its unit (550元)
CLAUSE = re.compile(r"[一二三四五六七八九十]+[（(][一二三四五六七八九十]+[)）]\d*|\d[\d,.]*元")


def normalise_phones(text: str) -> str:
    """Phone numbers written the one way they are dialled and searched for: 0997-2514195
    (typed with —, － or spaces around the dash). No invisible character is added:
    where a number would be split by a line end, the layout moves it whole
    (:func:`break_lines`, :func:`keep_spans`)."""
    return PHONE.sub(lambda m: f"{m.group(1)}-{m.group(2)}", text)


# --- measured widths ---------------------------------------------------------------------------

#: how a run's Latin characters are drawn: Times New Roman (the documents' Latin font;
#: Liberation Serif has its metrics), 仿宋_GB2312 / 黑体 as the sheets' cell fonts (their
#: own half-width Latin or the wider glyphs of FandolFang / Noto Sans CJK that stand in
#: for them), Calibri (Carlito has its metrics)
SERIF, FANGSONG, HEI, CALIBRI = "serif", "fangsong", "hei", "calibri"
FONT_CLASSES = (SERIF, FANGSONG, HEI, CALIBRI)


@lru_cache(maxsize=1)
def _latin_widths() -> dict[str, dict[str, float]]:
    """{font class: {character: advance in em}} for printable ASCII, from the packaged
    table (``addin/data/glyph-widths.csv``: the wider of the font a document names and
    the free font that stands in for it; :func:`measure_fonts` rebuilds it)."""
    from .. import data

    table: dict[str, dict[str, float]] = {c: {} for c in FONT_CLASSES}
    for row in data.rows("glyph-widths"):
        ch = chr(int(row["code"], 16))
        for c in FONT_CLASSES:
            table[c][ch] = int(row[c]) / 1000
    return table


def advance(ch: str, latin: str = SERIF) -> float:
    """Advance width of one character in em: 1 for CJK, full-width and East Asian
    ambiguous characters (drawn by the East Asian font), the measured width of the
    ``latin`` class for ASCII."""
    if ch in _latin_widths()[latin]:
        return _latin_widths()[latin][ch]
    return 1.0 if char_width(ch) == 2 else 0.6


def text_points(text: str, size: float, latin: str = SERIF, spacing: float = 0.0, *, autospace: bool = False) -> float:
    """Width in points of one line of ``text`` at ``size`` points, each character
    followed by ``spacing`` points (Word's character spacing, negative when condensed);
    ``autospace``: with the space documents put between Chinese and Latin text."""
    width = sum(advance(ch, latin) * size + spacing for ch in text)
    if autospace:
        width += sum(_gap(a, b) for a, b in zip(text, text[1:])) * size
    return width


def widest_line(text: str, size: float, latin: str = SERIF, spacing: float = 0.0) -> float:
    return max((text_points(line, size, latin, spacing) for line in str(text).split("\n")), default=0.0)


# --- line breaking -------------------------------------------------------------------------------

def keep_spans(text: str, phrases: Iterable[str] = (), words: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Spans of ``text`` a line end must not split: phone numbers and dates (with the
    closing mark that follows, which may not start a line), every occurrence of each
    of ``phrases`` (a person's name) and of the words of each of ``words`` (a unit's
    name may break between its words — 阿瓦提县/公路管理站/办公室 — never inside one)."""
    spans = []
    for pattern in (PHONE, DATE, CLAUSE):
        for m in pattern.finditer(text):
            end = m.end()
            while end < len(text) and text[end] in NO_LINE_START:
                end += 1
            spans.append((m.start(), end))
    for phrase in phrases:
        if len(phrase) > 1:
            spans += [(m.start(), m.end()) for m in re.finditer(re.escape(phrase), text)]
    for name in words:
        if len(name) < 2:
            continue
        for m in re.finditer(re.escape(name), text):
            at = m.start()
            for word in _words(name):
                if len(word) > 1:
                    spans.append((at, at + len(word)))
                at += len(word)
    return spans


def _breakable(text: str, i: int) -> bool:
    """Whether a line may end between ``text[i - 1]`` and ``text[i]`` (Chinese rules:
    避头尾; never inside a run of Latin letters and digits)."""
    prev, ch = text[i - 1], text[i]
    if ch in NO_LINE_START or prev in NO_LINE_END or ch == " ":
        return False
    if prev == " " or prev == "-":
        return True
    narrow = lambda c: c.isascii() and not c.isspace()   # noqa: E731
    return not (narrow(prev) and narrow(ch))


#: the space LibreOffice (always) and Word (by default) put between a Chinese character and a
#: Latin letter or digit next to it, in em
AUTOSPACE = 0.2


def _ideograph(ch: str) -> bool:
    return unicodedata.category(ch) == "Lo" and char_width(ch) == 2


def _gap(prev: str, ch: str) -> float:
    narrow = lambda c: c.isascii() and c.isalnum()     # noqa: E731
    return AUTOSPACE if (_ideograph(prev) and narrow(ch)) or (narrow(prev) and _ideograph(ch)) else 0.0


def _word_start(text: str, at: int, line_start: int) -> int:
    """The start of the word that holds ``text[at]`` (jieba's words), not before
    ``line_start + 1``: where a line may end without splitting that word."""
    offset = 0
    for word in _words(text):
        if offset <= at < offset + len(word):
            return offset if offset > line_start else at
        offset += len(word)
    return at


@dataclass
class Lines:
    """Where a paragraph's lines end: ``lines`` as (start, end) offsets, and ``forced``:
    the offsets before which a renderer must be given a line break for the lines to be
    these (a kept span it would split, a mark it would hang into the margin)."""

    lines: list[tuple[int, int]]
    forced: list[int]


def layout_lines(text: str, width: float, size: float, latin: str = SERIF, *, first_indent: float = 0.0,
                 spacing: float = 0.0, spans: Sequence[tuple[int, int]] = (), autospace: bool = False) -> Lines:
    """The lines of ``text`` laid out ``width`` points wide (the first line ``first_indent``
    in), as Word and LibreOffice lay out Chinese text: a line ends only where
    :func:`_breakable` allows; an explicit line break starts a new line; a piece wider
    than a whole line is cut by width. Unlike a renderer, never inside one of ``spans``
    (the span moves to the next line whole) and never with a closing mark hanging past
    the margin (the character before it goes down with it): where a renderer would do
    either, the offset is in ``forced``. ``autospace``: the extra space renderers put
    between Chinese characters and Latin letters or digits (documents)."""
    blocked: set[int] = set()
    for a, b in spans:
        blocked.update(range(a + 1, b))
    step = lambda j: advance(text[j], latin) * size + spacing + (            # noqa: E731
        _gap(text[j - 1], text[j]) * size if autospace and j and text[j - 1] != "\n" else 0.0)
    lines: list[tuple[int, int]] = []
    forced: list[int] = []
    room = width - first_indent
    offset = 0
    for segment in text.split("\n"):
        end = offset + len(segment)
        natural = [j for j in range(offset + 1, end) if _breakable(text, j)]
        cuts = [offset] + [j for j in natural if j not in blocked] + [end]
        start, used = offset, 0.0
        for a, b in zip(cuts, cuts[1:]):
            piece = sum(step(j) for j in range(a, b))
            if used and used + piece > room + 1e-6:
                # a renderer would split the piece (at a break a span hides) or hang its closing mark
                fits = lambda k: used + sum(step(j) for j in range(a, k)) <= room + 1e-6   # noqa: E731
                hang = b - a > 1 and text[b - 1] in NO_LINE_START and fits(b - 1)
                split = any(a < j < b and fits(j) for j in natural)
                back = a
                if hang and not split:
                    back = _word_start(text, a, start)      # the mark's whole word goes down, not one character
                    while back > start and (back in blocked or not _breakable(text, back)):
                        back -= 1                           # ... from where a line may end before it
                    if back <= start:
                        back = a
                if hang or split:
                    forced.append(back)
                lines.append((start, back))
                start, used, room = back, sum(step(j) for j in range(back, a)), width
            while used + piece > room + 1e-6:                   # wider than a line: cut by width
                cut, w = a, 0.0
                while cut < b and w + step(cut) <= room + 1e-6:
                    w += step(cut)
                    cut += 1
                cut = max(cut, a + 1)
                lines.append((start, cut))
                start, a, used, room = cut, cut, 0.0, width
                piece = sum(step(j) for j in range(a, b))
            used += piece
        lines.append((start, end))
        offset = end + 1
        room = width
    return Lines(lines, forced)


def break_lines(text: str, width: float, size: float, latin: str = SERIF, **kwargs) -> list[tuple[int, int]]:
    """The (start, end) offsets of the lines of :func:`layout_lines`."""
    return layout_lines(text, width, size, latin, **kwargs).lines


def wrap_text(text: str, width: float, size: float, latin: str = SERIF, **kwargs) -> list[str]:
    """``text`` as the lines :func:`break_lines` finds (trailing spaces dropped)."""
    return [text[a:b].rstrip(" ") for a, b in break_lines(text, width, size, latin, **kwargs)]


# --- the packaged width table (developers: ``python -m addin.outputs.layout --widths``) --------

#: where each class's widths come from: the fonts the outputs name and what stands in for them
#: here (fontconfig family names); the named Chinese fonts draw ASCII at half an em
WIDTH_SOURCES: dict[str, tuple[tuple[str, ...], float]] = {
    SERIF: (("Liberation Serif",), 0.0),          # Times New Roman's metrics
    FANGSONG: (("FandolFang",), 0.5),             # 仿宋_GB2312: half-width ASCII
    HEI: (("Noto Sans CJK SC",), 0.5),            # 黑体: half-width ASCII
    CALIBRI: (("Carlito",), 0.0),                 # Calibri's metrics
}
WIDTHS_FILE = "glyph-widths.csv"


def measure_fonts() -> list[dict[str, str]]:
    """The width table from the fonts installed here (needs fontTools and fontconfig's
    fc-match; a development tool, not used at run time): per printable ASCII character,
    per class, the widest of the stand-in fonts and the named font's half em, in
    thousandths of an em, rounded up."""
    import shutil
    import subprocess

    from fontTools.ttLib import TTFont

    measured: dict[str, dict[str, int]] = {c: {} for c in FONT_CLASSES}
    for cls, (families, floor) in WIDTH_SOURCES.items():
        for family in families:
            found = subprocess.run([shutil.which("fc-match") or "fc-match", "-f", "%{file}|%{index}", family],
                                   capture_output=True, text=True, check=True).stdout
            path, _, index = found.partition("|")
            font = TTFont(path, fontNumber=int(index or 0), lazy=True)
            upm, cmap, metrics = font["head"].unitsPerEm, font.getBestCmap(), font["hmtx"]
            for code in range(0x20, 0x7F):
                width = metrics[cmap[code]][0] / upm if code in cmap else floor
                measured[cls][chr(code)] = max(measured[cls].get(chr(code), 0),
                                               math.ceil(max(width, floor) * 1000))
    return [{"code": f"{code:04X}", "char": chr(code) if chr(code) not in ' ",' else "",
             **{c: str(measured[c][chr(code)]) for c in FONT_CLASSES}} for code in range(0x20, 0x7F)]


def write_width_table() -> str:
    import csv
    import io
    from importlib import resources

    out = io.StringIO()
    writer = csv.DictWriter(out, ["code", "char", *FONT_CLASSES], lineterminator="\n")
    writer.writeheader()
    writer.writerows(measure_fonts())
    path = resources.files("addin.data").joinpath(WIDTHS_FILE)
    with open(str(path), "w", encoding="utf-8", newline="") as fh:
        fh.write(out.getvalue())
    return str(path)


if __name__ == "__main__":   # pragma: no cover
    import sys

    if sys.argv[1:] == ["--widths"]:
        print(f"已生成 {write_width_table()}")
    else:
        print("用法：python -m addin.outputs.layout --widths   （按本机字体重新生成 addin/data/glyph-widths.csv）")
