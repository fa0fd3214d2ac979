"""Patterns of the documents' structure and helpers the readers share."""

from __future__ import annotations

import logging
import re

from ..layout import Line, Located, join_lines
from ..models import (
    Document,
    Field,
    Finding,
    Severity,
)
from ..numerals import chinese_to_int

log = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = (".txt", ".md", ".text")
NUMERAL = "零〇一二三四五六七八九十百两"

CASE_HEADING = re.compile(rf"^\s*(?:#{{1,6}}\s*)?(?:\*\*)?\s*案例\s*([{NUMERAL}]+)\s*(?:\*\*)?\s*$")
TOC_ENTRY = re.compile(rf"^\s*案例([{NUMERAL}]+)\s*[：:]\s*(.+?)\s*(?:\.{{2,}}|…+)\s*(\d+)\s*$")
TITLE_LINE = re.compile(r"^\s*案例名称\s*[：:]\s*")
UNITS_LINE = re.compile(r"^\s*报送单位\s*[：:]\s*")
UNIT_SEPARATORS = re.compile(r"\s*[、，,；;/]\s*|\s{2,}")
SUB_MARKER = re.compile(rf"(?:(?<=^)|(?<=[。；：，、！？”\s]))(?:([{NUMERAL}]+)是|（([{NUMERAL}]+)）)")
BATCH_IN_TITLE = re.compile(rf"第([{NUMERAL}\d]+)批")

PLAN_SECTION = re.compile(rf"^\s*(?:#{{1,6}}\s*)?([{NUMERAL}]+)、\s*(.+?)\s*$")
PLAN_SUBSECTION = re.compile(rf"^\s*(?:#{{1,6}}\s*)?（([{NUMERAL}]+)）\s*(.+?)\s*$")
PLAN_ITEM = re.compile(r"^\s*(?:[-*+]\s+)?(\d{1,3})\s*[.．、]\s*(?=\S)")
PLAN_TITLE = re.compile(r"^\s*#\s+(.+?)\s*$")

BYLINE = re.compile(r"^\s*(?:本报记者|记者|通讯员|文/)\s*\S+|^\s*[\u4e00-\u9fff]{2,4}\s*$")


def _numeral(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    try:
        return chinese_to_int(s)
    except ValueError:
        return None


def _finding(
    doc: Document, code: str, message: str, severity: Severity, offset: int | None = None, subject: str | None = None
) -> Finding:
    return Finding.located(doc, code, message, severity, offset, subject)


def _skip_to(loc: Located, offset: int) -> int:
    """Index of the first cleaned character at or after a source offset."""
    for k, o in enumerate(loc.offsets):
        if o >= offset:
            return k
    return len(loc)


def _after(doc: Document, line: Line, column: int) -> Field:
    loc = join_lines(doc.text, [line])
    return loc.sub(_skip_to(loc, line.start + column), len(loc)).field()
