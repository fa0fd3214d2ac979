"""Case batches: cases with number, title, submitting units, body, paragraphs, sub-measures and results."""

from __future__ import annotations

import re
from array import array
from itertools import accumulate

from ..layout import Line, Located, join_lines, paragraphs, split_lines, width, wrap_width
from ..models import (
    Case,
    Document,
    DocumentRecords,
    Field,
    Finding,
    Severity,
    SubMeasure,
)
from .common import (
    CASE_HEADING,
    SUB_MARKER,
    TITLE_LINE,
    TOC_ENTRY,
    UNIT_SEPARATORS,
    UNITS_LINE,
    _finding,
    _numeral,
    _skip_to,
)

# --- case batches --------------------------------------------------------------------------------


def _read_case_batch(doc: Document, findings: list[Finding]) -> DocumentRecords:
    lines = split_lines(doc.text)
    wrap, wrapped = wrap_width(lines)
    batch = doc.meta.batch or 0
    if not doc.meta.batch:
        findings.append(_finding(doc, "no-batch", "batch number unknown; cases numbered as batch 0", Severity.WARNING))
    toc: dict[int, tuple[str, int]] = {}
    headings: list[tuple[int, Line]] = []
    for idx, line in enumerate(lines):
        t = TOC_ENTRY.match(line.text)
        if t:
            n = _numeral(t.group(1))
            if n is not None:
                toc[n] = (re.sub(r"\s+", "", t.group(2)), line.start)
            continue
        h = CASE_HEADING.match(line.text)
        if h:
            n = _numeral(h.group(1))
            if n is None:
                findings.append(
                    _finding(
                        doc,
                        "bad-number",
                        f"case heading with an unreadable number '{h.group(1)}'",
                        Severity.VIOLATION,
                        line.start,
                    )
                )
                continue
            headings.append((idx, line))
    if not headings:
        findings.append(
            _finding(
                doc,
                "no-cases",
                "no case headings (案例一, 案例二 …) found; is this really a case batch?",
                Severity.VIOLATION,
                0,
            )
        )
    cases: list[Case] = []
    seen: dict[int, int] = {}
    for k, (idx, line) in enumerate(headings):
        end_idx = headings[k + 1][0] if k + 1 < len(headings) else len(lines)
        h = CASE_HEADING.match(line.text)
        assert h is not None
        number = _numeral(h.group(1)) or 0
        heading = join_lines(doc.text, [line]).field()
        if number in seen:
            findings.append(
                _finding(
                    doc,
                    "duplicate-case",
                    f"case number {number} appears again (first at line {seen[number]}); both kept",
                    Severity.VIOLATION,
                    line.start,
                    f"b{batch}-{number:02d}",
                )
            )
        seen.setdefault(number, line.number)
        case = _read_case(doc, lines[idx + 1 : end_idx], batch, number, heading, wrap, wrapped, findings)
        cases.append(case)
    _check_numbering(doc, cases, toc, findings)
    return DocumentRecords(doc, cases=tuple(cases), findings=tuple(findings))


def _read_case(
    doc: Document,
    lines: list[Line],
    batch: int,
    number: int,
    heading: Field,
    wrap: int,
    wrapped: bool,
    findings: list[Finding],
) -> Case:
    key = f"b{batch}-{number:02d}"
    content = [ln for ln in lines if not ln.blank and not ln.footer]
    i = 0
    title: Field | None = None
    units: tuple[Field, ...] = ()
    title_idx = next((j for j, ln in enumerate(content[:4]) if TITLE_LINE.match(ln.text)), None)
    units_idx = next((j for j, ln in enumerate(content[:8]) if UNITS_LINE.match(ln.text)), None)
    if title_idx is None:
        findings.append(
            _finding(doc, "no-title", f"case {key} has no 案例名称 line", Severity.VIOLATION, heading.end, key)
        )
    else:
        stop = units_idx if units_idx is not None and units_idx > title_idx else title_idx + 1
        title_lines = content[title_idx:stop]
        loc = join_lines(doc.text, title_lines)
        prefix = TITLE_LINE.match(title_lines[0].text)
        assert prefix is not None
        skip = _skip_to(loc, title_lines[0].start + prefix.end())
        title = loc.field(skip)
        i = stop
    if units_idx is None:
        findings.append(
            _finding(doc, "no-units", f"case {key} has no 报送单位 line", Severity.VIOLATION, heading.end, key)
        )
    else:
        unit_lines = [content[units_idx]]
        first_w = width(content[units_idx].text.strip())
        nxt = content[units_idx + 1] if units_idx + 1 < len(content) else None
        if (
            wrapped
            and nxt is not None
            and first_w >= wrap - 4
            and width(nxt.text.strip()) < 0.6 * wrap
            and not nxt.text.strip().endswith(tuple("。；！？"))
        ):
            unit_lines.append(nxt)
        loc = join_lines(doc.text, unit_lines)
        prefix = UNITS_LINE.match(unit_lines[0].text)
        assert prefix is not None
        loc = loc.sub(_skip_to(loc, unit_lines[0].start + prefix.end()), len(loc))
        units = _split_units(loc)
        if not units:
            findings.append(
                _finding(
                    doc,
                    "no-units",
                    f"case {key} has an empty 报送单位 line",
                    Severity.VIOLATION,
                    unit_lines[0].start,
                    key,
                )
            )
        i = units_idx + len(unit_lines)
    body_lines = content[i:]
    paras = split_closing_results(doc.text, paragraphs(doc.text, body_lines, wrap, wrapped))
    body = join_lines(doc.text, body_lines)
    if not body.text:
        findings.append(
            _finding(
                doc,
                "empty-case",
                f"case {key} has no body text; the document may be truncated",
                Severity.VIOLATION,
                heading.end,
                key,
            )
        )
    elif not body.text.rstrip().endswith(tuple("。！？”）)")):
        findings.append(
            _finding(
                doc,
                "truncated",
                f"case {key} ends mid-sentence; the document may be truncated",
                Severity.WARNING,
                body.field().end,
                key,
            )
        )
    subs = sub_measures(paras)
    results = paras[-1].field() if len(paras) >= 2 and not _holds_marker(paras[-1]) else None
    return Case(
        doc.key, batch, number, heading, title, units, body.field(), tuple(p.field() for p in paras), subs, results
    )


def _split_units(loc: Located) -> tuple[Field, ...]:
    units = []
    pos = 0
    for m in UNIT_SEPARATORS.finditer(loc.text):
        if m.start() > pos:
            units.append(loc.sub(pos, m.start()).strip().field())
        pos = m.end()
    if pos < len(loc):
        units.append(loc.sub(pos, len(loc)).strip().field())
    return tuple(u for u in units if u.text)


def sub_measures(paras: list[Located]) -> tuple[SubMeasure, ...]:
    """The enumerated sub-measures (一是…二是…, （一）…) in order; each ends where the next begins,
    the last at the end of its paragraph."""
    if not paras:
        return ()
    body = Located("".join(p.text for p in paras), array("l", [o for p in paras for o in p.offsets]))
    ends = list(accumulate(len(p) for p in paras))
    marks: list[tuple[int, str, int]] = []  # position in body, marker, ordinal
    for style in (1, 2):
        expected = 1
        found: list[tuple[int, str, int]] = []
        for start, para in zip([0, *ends[:-1]], paras, strict=True):
            for m in SUB_MARKER.finditer(para.text):
                num = m.group(style)
                if num is not None and _numeral(num) == expected:
                    found.append((start + m.start(), m.group(0), expected))
                    expected += 1
        if len(found) >= 2 and len(found) > len(marks):
            marks = found
    result = []
    for k, (pos, marker, ordinal) in enumerate(marks):
        end = marks[k + 1][0] if k + 1 < len(marks) else next(e for e in ends if e > pos)
        result.append(SubMeasure(ordinal, marker, body.sub(pos, end).strip().field()))
    return tuple(result)


FIGURE = re.compile(r"\d")


def split_closing_results(text: str, paras: list[Located]) -> list[Located]:
    """When a body came out as one paragraph holding an enumeration, find where its closing results
    paragraph begins: after the last 一是…/（一）… marker, the first sentence that starts a source line
    (the line before ends a sentence) and goes on to report a figure."""
    if len(paras) != 1:
        return paras
    para = paras[0]
    marks = [m.start() for m in SUB_MARKER.finditer(para.text)]
    if len(marks) < 2:
        return paras
    for m in re.finditer(r"。", para.text[marks[-1] :]):
        s = marks[-1] + m.end()
        if s >= len(para) or not FIGURE.search(para.text[s:]):
            continue
        gap = text[para.offsets[s - 1] + 1 : para.offsets[s]]
        if "\n" in gap or "\r" in gap:
            return [para.sub(0, s), para.sub(s, len(para))]
    return paras


def _holds_marker(para: Located) -> bool:
    return any(m.group(1) in ("一", "二") or m.group(2) in ("一", "二") for m in SUB_MARKER.finditer(para.text))


def _check_numbering(
    doc: Document, cases: list[Case], toc: dict[int, tuple[str, int]], findings: list[Finding]
) -> None:
    numbers = sorted({c.number for c in cases})
    if numbers:
        missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
        for n in missing:
            findings.append(
                _finding(doc, "numbering-gap", f"case {n} is missing from the numbering", Severity.VIOLATION)
            )
    announced = doc.meta.cases
    if announced is not None and announced != len(cases):
        findings.append(
            _finding(
                doc,
                "case-count",
                f"{len(cases)} cases read, but the manifest announces {announced}",
                Severity.VIOLATION,
            )
        )
    if toc:
        by_number = {c.number: c for c in cases}
        for n, (entry, offset) in sorted(toc.items()):
            case = by_number.get(n)
            if case is None:
                findings.append(
                    _finding(
                        doc,
                        "toc-mismatch",
                        f"the table of contents lists case {n}, which is not in the text",
                        Severity.WARNING,
                        offset,
                    )
                )
            elif case.title is not None and re.sub(r"\s+", "", case.title.text) != entry:
                findings.append(
                    _finding(
                        doc,
                        "toc-mismatch",
                        f"table of contents and heading differ for case "
                        f"{n}: contents '{entry}', heading '{case.title.text}'",
                        Severity.WARNING,
                        offset,
                        case.key,
                    )
                )
        for n in sorted(set(by_number) - set(toc)):
            findings.append(
                _finding(
                    doc,
                    "toc-mismatch",
                    f"case {n} is not in the table of contents",
                    Severity.WARNING,
                    by_number[n].heading.start,
                    by_number[n].key,
                )
            )
