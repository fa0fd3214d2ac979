"""Work plans: sections, sub-sections and numbered items, with a Simplified normalisation."""

from __future__ import annotations

from collections import Counter

from ..layout import Line, join_lines, split_lines
from ..models import (
    Document,
    DocumentRecords,
    Field,
    Finding,
    PlanItem,
    PlanSection,
    Severity,
)
from ..script import to_simplified
from .common import PLAN_ITEM, PLAN_SECTION, PLAN_SUBSECTION, PLAN_TITLE, _after, _finding, _skip_to

# --- work plans ----------------------------------------------------------------------------------


def _read_work_plan(doc: Document, findings: list[Finding]) -> DocumentRecords:
    lines = split_lines(doc.text)
    sections: list[PlanSection] = []
    items: list[PlanItem] = []
    plan_title: Field | None = None
    top: str | None = None
    current_section: str | None = None
    item_lines: list[Line] = []
    item_number = 0

    def flush() -> None:
        nonlocal item_lines
        if not item_lines:
            return
        loc = join_lines(doc.text, item_lines)
        m = PLAN_ITEM.match(item_lines[0].text)
        assert m is not None
        loc = loc.sub(_skip_to(loc, item_lines[0].start + m.end()), len(loc))
        if current_section is None:
            findings.append(
                _finding(
                    doc,
                    "item-outside-section",
                    f"item {item_number} comes before any section heading",
                    Severity.WARNING,
                    item_lines[0].start,
                )
            )
        items.append(PlanItem(doc.key, item_number, current_section or "", loc.field(), to_simplified(loc.text)))
        item_lines = []

    for line in lines:
        if line.blank or line.footer:
            continue
        text = line.text
        item = PLAN_ITEM.match(text)
        sec = PLAN_SECTION.match(text)
        sub = PLAN_SUBSECTION.match(text)
        open_item = item_lines and not join_lines(doc.text, item_lines).text.endswith(tuple("。！？；"))
        if item:
            flush()
            item_number = int(item.group(1))
            item_lines = [line]
        elif sec and not open_item:
            flush()
            top = sec.group(1)
            current_section = top
            sections.append(PlanSection(sec.group(1), _after(doc, line, sec.start(2)), None))
        elif sub and not open_item:
            flush()
            number = f"{top or ''}（{sub.group(1)}）"
            current_section = number
            sections.append(PlanSection(number, _after(doc, line, sub.start(2)), top))
        elif item_lines and open_item:
            item_lines.append(line)
        else:
            flush()
            title = PLAN_TITLE.match(text)
            if title and plan_title is None and not sections:
                plan_title = _after(doc, line, title.start(1))
    flush()
    numbers = [it.number for it in items]
    for n in sorted(set(range(1, max(numbers, default=0) + 1)) - set(numbers)):
        findings.append(_finding(doc, "numbering-gap", f"work-plan item {n} is missing", Severity.VIOLATION))
    for n, count in Counter(numbers).items():
        if count > 1:
            findings.append(
                _finding(doc, "duplicate-item", f"work-plan item {n} appears {count} times", Severity.VIOLATION)
            )
    if not items:
        findings.append(_finding(doc, "no-items", "no numbered work-plan items found", Severity.VIOLATION, 0))
    return DocumentRecords(
        doc, plan_title=plan_title, plan_sections=tuple(sections), plan_items=tuple(items), findings=tuple(findings)
    )
