"""Layout cleaning with offset maps: the reader's text model.

Input: a decoded document text. Output: :class:`Located` strings whose every character remembers
its offset in the document, so any slice of cleaned text maps back to exact source offsets.

Layout noise removed here: line breaks of hard-wrapped lines (joined without inventing spaces),
page numbers and footers ("— 5 —", a lone "5"), markdown headings, bold markers and list bullets,
and the justification spaces a typesetter puts between Chinese characters.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections import Counter
from dataclasses import dataclass

from .models import Field

PAGE_FOOTER = re.compile(r"^\s*(?:[—–-]\s*\d{1,3}\s*[—–-]|\d{1,3})\s*$")
TERMINAL = "。！？；：”」』"
# A full-width line that ends a sentence ends its paragraph too when the next line opens with an
# as-of phrase, the way the closing results paragraph of a case does.
PARAGRAPH_OPENER = re.compile(r"^\s*(?:截至|截止|据统计)")
_CLEANED = ("**", " ", "\t", "\u3000", "\xa0")  # what _clean_line removes or collapses
_MARKDOWN_LEAD = re.compile(r"^\s*(?:#{1,6}\s+|[-*+]\s+(?=\d))?")


def is_cjk(ch: str) -> bool:
    """True for Chinese characters and full-width punctuation."""
    if not ch:
        return False
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0x3000 <= o <= 0x303F
        or 0xFF00 <= o <= 0xFFEF
        or 0x2014 <= o <= 0x201D
        or 0xF900 <= o <= 0xFAFF
    )


def width(text: str) -> int:
    """Display width: two columns for wide characters, one otherwise."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@dataclass(frozen=True)
class Line:
    """One line of a document: ``[start, end)`` excludes the line break."""

    number: int
    start: int
    end: int
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def footer(self) -> bool:
        return bool(PAGE_FOOTER.match(self.text))


def split_lines(text: str) -> list[Line]:
    """Split a document into lines, handling LF, CRLF and CR."""
    lines: list[Line] = []
    pos = 0
    number = 1
    for m in re.finditer(r"\r\n|\n|\r", text):
        lines.append(Line(number, pos, m.start(), text[pos : m.start()]))
        pos = m.end()
        number += 1
    if pos < len(text) or not lines:
        lines.append(Line(number, pos, len(text), text[pos:]))
    return lines


class Located:
    """A cleaned string whose characters each carry their offset in the source document."""

    __slots__ = ("text", "offsets")

    def __init__(self, text: str, offsets: array):
        if len(text) != len(offsets):
            raise ValueError("text and offsets differ in length")
        self.text = text
        self.offsets = offsets

    def __len__(self) -> int:
        return len(self.text)

    def field(self, i: int = 0, j: int | None = None) -> Field:
        """The cleaned slice ``[i, j)`` as a :class:`Field` with source offsets."""
        j = len(self.text) if j is None else j
        if i >= j:
            anchor = self.offsets[i] if i < len(self.offsets) else (self.offsets[-1] + 1 if self.offsets else 0)
            return Field("", anchor, anchor)
        return Field(self.text[i:j], self.offsets[i], self.offsets[j - 1] + 1)

    def sub(self, i: int, j: int) -> Located:
        return Located(self.text[i:j], self.offsets[i:j])

    def strip(self) -> Located:
        i, j = 0, len(self.text)
        while i < j and self.text[i].isspace():
            i += 1
        while j > i and self.text[j - 1].isspace():
            j -= 1
        return self.sub(i, j)


def _clean_line(doc: str, line: Line) -> tuple[list[str], list[int]]:
    """Clean one line's content: markdown markers, bold markers and justification spaces."""
    text = line.text
    lead = _MARKDOWN_LEAD.match(text)
    i0 = lead.end() if lead else 0
    if not any(mark in text for mark in _CLEANED):  # nothing to clean after the lead: every character kept
        return list(text[i0:]), list(range(line.start + i0, line.start + len(text)))
    chars: list[str] = []
    offs: list[int] = []
    # Justification spaces: a line set with spaces between most of its characters.
    cjk_gaps = len(re.findall(r"(?<=[^\s\x00-\x7f]) (?=[^\s\x00-\x7f])", text))
    justified = cjk_gaps >= 2
    k = i0
    n = len(text)
    while k < n:
        ch = text[k]
        if text.startswith("**", k):
            k += 2
            continue
        if ch in " \t\u3000\xa0":
            prev = chars[-1] if chars else ""
            nxt = text[k + 1] if k + 1 < n else ""
            if not chars or not nxt.strip():
                k += 1
                continue
            if justified and is_cjk(prev) and is_cjk(nxt):
                k += 1
                continue
            if chars[-1] == " ":
                k += 1
                continue
            chars.append(" ")
            offs.append(line.start + k)
            k += 1
            continue
        chars.append(ch)
        offs.append(line.start + k)
        k += 1
    while chars and chars[-1] == " ":
        chars.pop()
        offs.pop()
    return chars, offs


def join_lines(doc: str, lines: list[Line]) -> Located:
    """Join lines into one cleaned string (hard wraps removed, footers and blank lines dropped)."""
    chars: list[str] = []
    offs: list[int] = []
    for line in lines:
        if line.blank or line.footer:
            continue
        c, o = _clean_line(doc, line)
        if chars and c and chars[-1].isascii() and chars[-1].isalnum() and c[0].isascii() and c[0].isalnum():
            # A wrap inside a run of Latin letters or digits: keep the word whole (no invented space).
            pass
        chars.extend(c)
        offs.extend(o)
    return Located("".join(chars), array("l", offs))


def wrap_width(lines: list[Line]) -> tuple[int, bool]:
    """The width a document was hard-wrapped at, and whether it was hard-wrapped at all."""
    widths = [width(ln.text.strip()) for ln in lines if not ln.blank and not ln.footer]
    long = [w for w in widths if w >= 24]
    if not long:
        return 0, False
    mode, _ = Counter(w // 2 * 2 for w in long).most_common(1)[0]
    near = sum(1 for w in long if abs(w - mode) <= 4)
    return mode, near >= 0.35 * len(long) and near >= 5


def paragraphs(doc: str, lines: list[Line], wrap: int, wrapped: bool) -> list[Located]:
    """Group lines into paragraphs.

    In a hard-wrapped document a paragraph ends at a line that is clearly shorter than the wrap
    width and ends a sentence, or at a short line (a heading); elsewhere every line is a paragraph.
    """
    groups: list[list[Line]] = []
    current: list[Line] = []
    content = [ln for ln in lines if not ln.blank and not ln.footer]
    for k, line in enumerate(content):
        current.append(line)
        stripped = line.text.strip()
        w = width(stripped)
        ends_sentence = stripped.endswith(tuple(TERMINAL))
        opens_next = k + 1 < len(content) and bool(PARAGRAPH_OPENER.match(content[k + 1].text))
        if not wrapped or (ends_sentence and (w <= wrap - 4 or opens_next)) or w < 0.7 * wrap:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    result = [join_lines(doc, g) for g in groups]
    return [p for p in result if p.text]


def normalise_for_check(text: str) -> str:
    """Text with everything layout cleaning may remove taken out: used to prove offsets right."""
    kept = []
    for line in re.split(r"\r\n|\n|\r", text):
        if PAGE_FOOTER.match(line):
            continue
        kept.append(line)
    return re.sub(r"[\s*#]", "", "".join(kept))


def relocate(doc_text: str, f: Field) -> Located:
    """Rebuild the offset map of a field read earlier: the cleaned text of its source span."""
    shifted = [
        Line(ln.number, ln.start + f.start, ln.end + f.start, ln.text) for ln in split_lines(doc_text[f.start : f.end])
    ]
    return join_lines(doc_text, shifted)
