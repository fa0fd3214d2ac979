"""Figures and dates in Chinese text: numbers with multipliers, units and qualifiers; full and partial
dates; the as-of date a 截至 phrase gives; sentence and clause bounds.

Input: a :class:`~gbakg.layout.Located` text and the vocabulary's units, multipliers, qualifiers and figure
kinds. Output: :class:`~gbakg.models.OutcomeFact` and :class:`~gbakg.models.DateFact` records with
evidence spans. Implements the Outcome and DatedEvent sections of the ontology. The literals here are the
grammar of numbers and dates (digits, 年/月/日, 截至), not semantic cues.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation

from .layout import Located
from .models import DateFact, Field, OutcomeFact
from .namespaces import ID
from .numerals import chinese_to_decimal
from .vocab import Vocabulary

XSD = "http://www.w3.org/2001/XMLSchema#"
SENTENCE_END = "。！？"
CLAUSE_END = "，。；：！？、"
LIST_CLAUSE_END = "，。；：！？"  # a clause with the items of a list (、) in it
INSTRUMENT = re.compile(r"《([^《》]{2,80})》")
QUOTED = re.compile(r"“([^“”]{2,16})”")
FULL_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
MONTH_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(底|初|末|中旬|上旬|下旬)?")
YEAR_DATE = re.compile(r"(?<![\d.])(\d{4})\s*年\s*(底|初|末|上半年|下半年)?(?![\d度])")
AS_OF = re.compile(r"截[至止]")
AS_OF_NOW = re.compile(r"截[至止]\s*(?:目前|当前|现在|今)")  # 截至目前: as of a date the text does not give
COMPARED = re.compile(r"\s*(?:同比|环比|较|比)")  # a clause that opens with a comparison: 同比增长 9.9%
SINCE = re.compile(r"\s*以来")  # after a date: the figure is counted from it (自 2020年以来)
NUMBER = r"\d+(?:\.\d+)?"
WORDS_NUMBER = "[零〇一二三四五六七八九十百千两]+(?:点[零〇一二三四五六七八九]+)?"  # 零点二九, 五十
RANGE_DASH = "[-–—~～]"  # between the ends of a range written as figures: 5-10%, 1-3 天


class FigureReader:
    """Reads the figures and dates of a text with the vocabulary's units, multipliers and qualifiers."""

    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab
        self.cumulative = {q: c for q, c in vocab.prefix_qualifiers.items() if c.endswith("cumulative")}
        units = sorted(vocab.units, key=lambda u: (-len(u), u))
        mults = sorted(vocab.multipliers, key=lambda u: (-len(u), u))
        # Qualifiers written right before the number (超, 近, 约); a cumulative one (累计) may stand
        # anywhere earlier in the clause, so it is looked for there instead.
        pre = sorted((q for q in vocab.prefix_qualifiers if q not in self.cumulative), key=lambda u: (-len(u), u))
        suf_after_number = sorted((q for q in vocab.suffix_qualifiers if len(q) == 1), key=lambda u: u)
        suf_after_unit = sorted((q for q in vocab.suffix_qualifiers if len(q) > 1), key=lambda u: (-len(u), u))
        self.figure_re = re.compile(
            rf"(?P<pre>{alternation(pre)})?\s*(?<![\d.A-Za-z])(?:(?P<low>{NUMBER})\s*{RANGE_DASH}\s*)?"
            rf"(?P<num>{NUMBER})\s*(?P<mult>{alternation(mults)})?"
            rf"(?P<suf>{alternation(suf_after_number)})?\s*"
            # the unit; or none after a multiplier that ends its clause (服务对象近 9000 万。)
            rf"(?:(?P<unit>{alternation(units)})(?P<post>{alternation(suf_after_unit)})?|(?=[{CLAUSE_END}]|$))"
        )
        # a fraction written before its number, in figures or words: 万分之零点二九, 百分之五十
        fractions = sorted(vocab.prefix_units, key=lambda u: (-len(u), u))
        self.fraction_re = re.compile(
            rf"(?P<pre>{alternation(pre)})?\s*(?P<unit>{alternation(fractions)})\s*(?P<num>{NUMBER}|{WORDS_NUMBER})"
        )

    def outcomes(self, loc: Located) -> Iterator[OutcomeFact]:
        """Every figure of the text, in the order of the text."""
        masked = mask(loc.text, [INSTRUMENT, FULL_DATE, MONTH_DATE, YEAR_DATE, QUOTED])
        found = [*self._unit_figures(loc, masked), *self._fraction_figures(loc, masked)]
        yield from sorted(found, key=lambda o: o.evidence.start)

    def _unit_figures(self, loc: Located, masked: str) -> Iterator[OutcomeFact]:
        """Numbers in figures with a unit (and multiplier) after them: 3.7 亿元, 超 2万人次, 5-10%."""
        for m in self.figure_re.finditer(masked):
            try:
                value = Decimal(m.group("num"))
                lower = Decimal(m.group("low")) if m.group("low") else None
            except InvalidOperation:
                continue
            if lower is not None and lower >= value:  # not a range: the figure is the second number alone
                lower = None
            if m.group("unit") is None and m.group("mult") is None:  # a bare number, no figure
                continue
            number = m.start("low") if lower is not None else m.start("num")
            if masked[max(0, number - 4) : number].rstrip().endswith("第"):  # an ordinal: 第 3 批
                continue
            start = m.start("pre") if m.group("pre") else number  # not the layout's space before it
            unit = m.group("unit") or ""
            yield self._outcome(
                loc,
                masked,
                (start, m.end()),
                (value, m.group("num")),
                (m.group("mult") or "") + unit,
                unit,
                self.vocab.multipliers.get(m.group("mult") or ""),
                [q for q in (m.group("pre"), m.group("suf"), m.group("post")) if q],
                m.group("low") if lower is not None else None,
            )

    def _fraction_figures(self, loc: Located, masked: str) -> Iterator[OutcomeFact]:
        """Fractions written before their number, in figures or words: 万分之零点二九 (value 0.29)."""
        for m in self.fraction_re.finditer(masked):
            text = m.group("num")
            try:
                value = Decimal(text) if text[0].isdigit() else chinese_to_decimal(text)
            except (InvalidOperation, ValueError):
                continue
            start = m.start("pre") if m.group("pre") else m.start("unit")
            unit = m.group("unit")
            pre = [m.group("pre")] if m.group("pre") else []
            # the value's lexical form in figures (0.29); the words stay in the evidence quoted
            lexical = text if text[0].isdigit() else format(value, "f")
            yield self._outcome(loc, masked, (start, m.end()), (value, lexical), unit, unit, None, pre)

    def _outcome(
        self,
        loc: Located,
        masked: str,
        span: tuple[int, int],
        number: tuple[Decimal, str],
        unit_text: str,
        unit: str,
        multiplier: Decimal | None,
        qualifiers: list[str],
        lower_text: str | None = None,
    ) -> OutcomeFact:
        """A figure at ``span`` with its kind, as-of date, what it counts and its clause's cumulative
        qualifier (累计 may stand anywhere earlier in the clause)."""
        start, end = span
        c0, _ = clause_bounds(loc.text, start, end)
        qualifiers = qualifiers + [q for q in self.cumulative if q in loc.text[c0:start]]
        # the kind's cue: in the 14 characters before, across a list (增长 27.2%、32.6%), outside
        # quotes and titles (“Tech100+赋能计划”已完成 20 家 is no target)
        # or the verb that opens its clause, whose objects it counts (节约货物仓储、理货时间和约 30%的成本)
        clause = clause_bounds(loc.text, start, start, LIST_CLAUSE_END)[0]
        k0 = max(clause, start - 14)
        kind = self._figure_kind(unit, masked[k0:start], masked[clause:start].lstrip())
        as_of, as_of_type = self._as_of(loc.text, start)
        qual_concepts = sorted({(self.vocab.prefix_qualifiers | self.vocab.suffix_qualifiers)[q] for q in qualifiers})
        return OutcomeFact(
            value=number[0],
            value_text=number[1],
            unit=unit_text,
            unit_concept=self.vocab.units.get(unit) or self.vocab.prefix_units.get(unit),
            multiplier=multiplier,
            qualifiers=tuple(qualifiers),
            qualifier_concepts=tuple(qual_concepts),
            kind=kind,
            counts=self._counts(loc.text, start, end),
            as_of=as_of,
            as_of_type=as_of_type,
            evidence=loc.field(start, end),
            lower_text=lower_text,
        )

    def _counts(self, text: str, start: int, end: int) -> str:
        """What a figure counts: its clause; the whole list where the clause is the figure alone
        (…增长27.2%、32.6%), and the clause before too where the clause opens with a comparison
        (新登记外资企业 188户，同比增长 9.9%: what grew is in the clause before)."""
        c0, c1 = clause_bounds(text, start, end)
        if not text[c0:c1].strip().replace(text[start:end], "").strip():
            c0, c1 = clause_bounds(text, start, end, LIST_CLAUSE_END)
        if COMPARED.match(text, c0) and c0 >= 2 and text[c0 - 1] not in SENTENCE_END:
            c0 = clause_bounds(text, c0 - 1, c0 - 1, LIST_CLAUSE_END)[0]
        return text[c0:c1].strip()

    def _figure_kind(self, unit: str, before: str, clause: str = "") -> str:
        for c in self.vocab.figure_kinds:
            if any(cue in before for cue in c.cues):
                return c.iri
        for c in self.vocab.figure_kinds:
            if clause.startswith(c.cues):
                return c.iri
        kind = self.vocab.figure_unit_kind.get(unit)
        if kind is None:
            kind = next((k for u, k in self.vocab.figure_unit_kind.items() if unit.endswith(u)), None)
        return kind or str(ID["figure-kind/count"])

    def _as_of(self, text: str, pos: int) -> tuple[str | None, str | None]:
        """The date of the governing 截至 phrase in the sentence before ``pos``, else the nearest date
        before it in the sentence, else a date the sentence names, else the last 截至 date earlier in
        the paragraph. A date the figure is counted from (自 2020年以来) is no as-of date while a 截至
        date governs the paragraph; it is the year named only where none does. A dateless 截至目前
        after the sentence's last date gives none: the figure is as of a date the text does not give."""
        s0, s1 = sentence_bounds(text, pos, pos)
        before = text[s0:pos]
        in_sentence = dates_in(text[s0:s1])
        now = [m.end() for m in AS_OF_NOW.finditer(before)]
        if now and now[-1] > max((a.end() for a in in_sentence if a.end() <= len(before)), default=-1):
            return None, None  # 2024年11月揭牌，…截至目前已服务 180 家: as of the writing, not of 2024-11
        since = [a.value for a in in_sentence if SINCE.match(text, s0 + a.end())]
        dates = [(a.value[0], a.value[1], a.start()) for a in in_sentence if a.end() <= len(before)]
        governing = [x for x in dates if AS_OF.search(before[max(0, x[2] - 4) : x[2]])]
        if governing:
            return governing[-1][0], governing[-1][1]
        dates = [x for x in dates if (x[0], x[1]) not in since]
        if dates:
            return dates[-1][0], dates[-1][1]
        rest = [a.value for a in in_sentence if a.value not in since]
        if rest:
            return rest[0]
        earlier = text[:s0]
        earlier_as_of = [a for a in dates_in(earlier) if AS_OF.search(earlier[max(0, a.start() - 4) : a.start()])]
        if earlier_as_of:
            return earlier_as_of[-1].value
        return since[0] if since else (None, None)

    def dates(self, loc: Located) -> Iterator[DateFact]:
        masked = mask(loc.text, [INSTRUMENT])
        for d in dates_in(masked):
            value, datatype = d.value
            s0, s1 = sentence_bounds(loc.text, d.start(), d.end())
            yield DateFact(value, datatype, d.qualifier, loc.text[s0:s1].strip(), loc.field(d.start(), d.end()))


# --- helpers --------------------------------------------------------------------------------------


class _DateMatch:
    def __init__(self, m: re.Match[str], value: tuple[str, str], qualifier: str | None):
        self.m = m
        self.value = value
        self.qualifier = qualifier

    def start(self) -> int:
        return self.m.start()

    def end(self) -> int:
        return self.m.end()


def dates_in(text: str) -> list[_DateMatch]:
    """Full, month and year dates, most precise first, non-overlapping, in text order."""
    taken: list[tuple[int, int]] = []
    out: list[_DateMatch] = []
    for rx, kind in ((FULL_DATE, "date"), (MONTH_DATE, "gYearMonth"), (YEAR_DATE, "gYear")):
        for m in rx.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            y = int(m.group(1))
            if not 1900 <= y <= 2100:
                continue
            if kind == "date":
                mo, da = int(m.group(2)), int(m.group(3))
                if not (1 <= mo <= 12 and 1 <= da <= 31):
                    continue
                value, qual = f"{y:04d}-{mo:02d}-{da:02d}", None
            elif kind == "gYearMonth":
                mo = int(m.group(2))
                if not 1 <= mo <= 12:
                    continue
                value, qual = f"{y:04d}-{mo:02d}", m.group(3)
            else:
                value, qual = f"{y:04d}", m.group(2)
            taken.append((m.start(), m.end()))
            out.append(_DateMatch(m, (value, XSD + kind), qual))
    return sorted(out, key=lambda d: d.start())


def alternation(options: Iterable[str]) -> str:
    opts = list(options)
    return "|".join(re.escape(o) for o in opts) if opts else "(?!x)x"


def mask(text: str, patterns: list[re.Pattern[str]]) -> str:
    chars = list(text)
    for p in patterns:
        for m in p.finditer(text):
            for k in range(m.start(), m.end()):
                chars[k] = "\u3000"
    return "".join(chars)


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    s = max((text.rfind(c, 0, start) for c in SENTENCE_END), default=-1) + 1
    ends = [i for i in (text.find(c, end) for c in SENTENCE_END) if i >= 0]
    e = min(ends) + 1 if ends else len(text)
    while s < e and text[s].isspace():
        s += 1
    return s, e


def clause_bounds(text: str, start: int, end: int, marks: str = CLAUSE_END) -> tuple[int, int]:
    """The clause around ``[start, end)``: between the ``marks`` that end clauses."""
    s = max((text.rfind(c, 0, start) for c in marks), default=-1) + 1
    ends = [i for i in (text.find(c, end) for c in marks) if i >= 0]
    return s, (min(ends) if ends else len(text))


def sentence(loc: Located, start: int, end: int) -> Field:
    s, e = sentence_bounds(loc.text, start, end)
    return loc.field(s, e)
