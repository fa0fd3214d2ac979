"""News pages: articles, which of them is about rule alignment, and the measures it reports."""

from __future__ import annotations

import re

from ..layout import Located, join_lines, paragraphs, split_lines, width, wrap_width
from ..models import (
    Article,
    Document,
    DocumentRecords,
    Finding,
    NewsMeasure,
    Severity,
)
from ..vocab import Vocabulary
from .common import BYLINE, _finding

# --- news pages ----------------------------------------------------------------------------------


def _read_news(doc: Document, findings: list[Finding], vocab: Vocabulary) -> DocumentRecords:
    lines = split_lines(doc.text)
    wrap, wrapped = wrap_width(lines)
    content = [ln for ln in lines if not ln.blank and not ln.footer]
    starts = [0]
    for k in range(1, len(content)):
        ln = content[k]
        block_start = ln.text.startswith(" ") and not ln.text.startswith("  ")
        titled = (
            k + 1 < len(content)
            and BYLINE.match(content[k + 1].text)
            and width(ln.text.strip()) < 0.9 * max(wrap, 24)
            and not ln.text.strip().endswith(tuple("。，；：、"))
        )
        prev = content[k - 1].text.strip()
        if (block_start or titled) and prev.endswith(tuple("。！？”）")) and k - starts[-1] > 2:
            starts.append(k)
    articles: list[Article] = []
    measures: list[NewsMeasure] = []
    for a, s in enumerate(starts, start=1):
        e = starts[a] if a < len(starts) else len(content)
        block = content[s:e]
        title = join_lines(doc.text, block[:1]).field()
        body_lines = block[1:]
        if body_lines and BYLINE.match(body_lines[0].text):
            body_lines = body_lines[1:]
        body = join_lines(doc.text, body_lines)
        relevant = vocab.is_rule_alignment_article(title.text + body.text)
        articles.append(Article(a, title, body.field(), relevant))
        if not relevant:
            continue
        for para in paragraphs(doc.text, body_lines, wrap, wrapped):
            if is_reported_measure(para.text, vocab):
                for segment in measure_segments(para, vocab):
                    measures.append(NewsMeasure(doc.key, doc.meta.batch, a, len(measures) + 1, segment.field()))
    if not any(a.relevant for a in articles):
        findings.append(
            _finding(doc, "no-relevant-article", "no article on this page is about rule alignment", Severity.WARNING)
        )
    return DocumentRecords(doc, articles=tuple(articles), news_measures=tuple(measures), findings=tuple(findings))


REPORTED_FACT = re.compile(r"\d|《|[一二三四五六七八九十]+[家个项名]")


NAMED_THING = re.compile(r"“[^“”]{2,16}”|《[^《》]{2,60}》")
SENTENCE = re.compile(r"[^。！？]*[。！？]”?|[^。！？]+$")


def measure_segments(para: Located, vocab: Vocabulary) -> list[Located]:
    """Split a news paragraph into the measures it reports: a sentence that names something new (a quoted
    initiative or a 《》 instrument) starts a new measure once the current one has reported a figure."""
    segments: list[tuple[int, int]] = []
    start, has_figure = 0, False
    for m in SENTENCE.finditer(para.text):
        sentence = m.group(0)
        if not sentence.strip():
            continue
        if m.start() > start and has_figure and NAMED_THING.search(sentence):
            segments.append((start, m.start()))
            start, has_figure = m.start(), False
        has_figure = has_figure or bool(vocab.figure_pattern.search(sentence))
    segments.append((start, len(para)))
    merged: list[tuple[int, int]] = []
    for s, e in segments:
        if merged and _continues(para.text[merged[-1][0] : merged[-1][1]], para.text[s:e]):
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return [para.sub(s, e).strip() for s, e in merged if para.text[s:e].strip()]


def _continues(previous: str, segment: str, length: int = 6) -> bool:
    """A segment continues the previous one when its opening clause repeats a name from it (six or more
    characters): the same centre, programme or body is still the subject."""
    head = re.split(r"[，。；：]", segment, maxsplit=1)[0]
    return any(head[i : i + length] in previous for i in range(len(head) - length + 1))


def is_reported_measure(text: str, vocab: Vocabulary) -> bool:
    """A news paragraph reports a measure when it is concrete (a figure, a date or a named instrument) and
    cross-border (it names Hong Kong or Macao, or carries a cross-border cue such as 跨境); a paragraph
    announcing the batch itself (a batch cue such as 典型案例) is about the batch, not one measure."""
    if not REPORTED_FACT.search(text):
        return False
    if not vocab.cross_border(text) and not any(c in text for c in vocab.cross_border_cues):
        return False
    return not any(cue in text for cue in vocab.batch_cues)
