"""Extract entities and links from records: cases and news measures → :class:`MeasureFacts`.

Input: records from :mod:`gbakg.read` and the :class:`~gbakg.vocab.Vocabulary`. Output: one
``MeasureFacts`` per measure (sub-measures as parts), each fact with the evidence span it came from.
Implements the Measure, AlignmentLink, Outcome and DatedEvent sections of the ontology.

Every cue comes from the vocabulary data. The only literals here are the grammar of Chinese
figures and dates (digits, 年/月/日, 截至) and of titles (《…》, 以下简称).
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import replace

from rdflib import URIRef

from .figures import (
    CLAUSE_END,
    INSTRUMENT,
    QUOTED,
    FigureReader,
    clause_bounds,
    dates_in,
    sentence,
    sentence_bounds,
)
from .layout import Located, relocate
from .models import (
    AgencyMention,
    Case,
    Document,
    DocumentRecords,
    Field,
    Finding,
    InstrumentMention,
    LinkFact,
    MeasureFacts,
    Mention,
    NewsMeasure,
    Severity,
)
from .namespaces import GBA, ID
from .vocab import Concept, Vocabulary

ABBREVIATION = re.compile(r"[（(]\s*以下简称\s*[《“\"]([^》”\"]{1,30})[》”\"]\s*[)）]")

STATE = str(ID["jurisdiction/china"])
RECOGNITION = str(GBA.MutualRecognition)
MAINLAND = str(ID["jurisdiction/mainland"])
SARS = (str(ID["jurisdiction/hong-kong"]), str(ID["jurisdiction/macao"]))


class Extractor:
    """Extraction rules compiled from a vocabulary."""

    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab
        self.figures = FigureReader(vocab)
        self.parents = _parents(vocab)

    # --- measures ---------------------------------------------------------------------------------

    def case_facts(self, doc: Document, case: Case, abbreviations: dict[str, str]) -> MeasureFacts:
        """Facts about the measure a case describes."""
        title = relocate(doc.text, case.title) if case.title else Located("", array("l"))
        body = relocate(doc.text, case.body)
        submitted = tuple(self.resolve_unit(u, k) for k, u in enumerate(case.units, start=1))
        paragraphs = [relocate(doc.text, p) for p in case.paragraphs]
        facts = self.measure_facts(
            case.key, case.title or case.heading, [title, body], abbreviations, submitted, paragraphs
        )
        parts = []
        for sub in case.sub_measures:
            loc = relocate(doc.text, sub.text)
            parts.append(
                MeasureFacts(
                    key=f"{case.key}-s{sub.ordinal}",
                    label=sub.text,
                    jurisdictions=self.jurisdictions([loc], ()),
                    mechanisms=self.concepts(self.vocab.mechanisms, [loc], min_count=1),
                    instruments=tuple(self.instruments([loc], abbreviations)),
                )
            )
        return replace(facts, parts=tuple(parts))

    def news_facts(self, doc: Document, measure: NewsMeasure, abbreviations: dict[str, str]) -> MeasureFacts:
        loc = relocate(doc.text, measure.text)
        first = _first_sentence(loc)
        return self.measure_facts(measure.key, first, [loc], abbreviations, ())

    def measure_facts(
        self,
        key: str,
        label: Field,
        texts: list[Located],
        abbreviations: dict[str, str],
        submitted: tuple[AgencyMention, ...],
        paragraphs: list[Located] | None = None,
    ) -> MeasureFacts:
        """Facts about one measure from its texts (title first, when it has one); figures and dates are
        read paragraph by paragraph, so an as-of phrase governs the rest of its paragraph."""
        paras = paragraphs if paragraphs is not None else (texts[1:] or texts)
        agencies = list(submitted)
        seen = {a.key for a in submitted}
        for loc in texts:
            for s, e, iri in self.vocab.agency_matches(loc.text):
                if iri not in seen:
                    seen.add(iri)
                    agencies.append(AgencyMention(iri, self.vocab.agencies[iri].name, loc.field(s, e), True))
            for s, e, name, kind, place in self.vocab.organisation_matches(loc.text):
                minted = mint_agency(name)
                if minted not in seen:
                    seen.add(minted)
                    agencies.append(AgencyMention(minted, name, loc.field(s, e), False, None, kind, place))
        instruments = tuple(self.instruments(texts, abbreviations))
        initiatives = self.initiatives(texts)
        links = self.links(texts, agencies, instruments, initiatives)
        return MeasureFacts(
            key=key,
            label=label,
            jurisdictions=self.jurisdictions(texts, agencies),
            agencies=tuple(agencies),
            instruments=instruments,
            mechanisms=self.concepts(self.vocab.mechanisms, texts, min_count=1),
            flows=self.concepts(self.vocab.flows, texts),
            domains=self.concepts(self.vocab.domains, texts),
            initiatives=initiatives,
            links=links,
            outcomes=tuple(o for loc in paras for o in self.figures.outcomes(loc)),
            dates=tuple(d for loc in paras for d in self.figures.dates(loc)),
        )

    # --- agencies ---------------------------------------------------------------------------------

    def resolve_unit(self, unit: Field, position: int) -> AgencyMention:
        """A submitting unit resolved to the registry, or minted (and flagged) when unknown."""
        iri = self.vocab.resolve_agency(unit.text)
        if iri:
            return AgencyMention(iri, self.vocab.agencies[iri].name, unit, True, position)
        return AgencyMention(mint_agency(unit.text), unit.text, unit, False, position)

    # --- jurisdictions ----------------------------------------------------------------------------

    def jurisdiction_hits(self, loc: Located) -> Iterator[tuple[str, Field]]:
        masked = self.vocab.mask_names(loc.text)
        for m in self.vocab.jurisdiction_matches(masked):
            for target in m.targets:
                if target != STATE:
                    yield target, loc.field(m.start, m.end)

    def jurisdictions(self, texts: Iterable[Located], agencies: Iterable[AgencyMention]) -> tuple[Mention, ...]:
        """Every jurisdiction the texts involve: named directly or compactly, or as the home of a party."""
        found: dict[str, Field] = {}
        for loc in texts:
            for target, ev in self.jurisdiction_hits(loc):
                found.setdefault(target, ev)
        for a in agencies:
            info = self.vocab.agencies.get(a.key)
            home = info.jurisdiction if info else a.jurisdiction
            if home and home != STATE:
                found.setdefault(home, a.evidence)
        return tuple(Mention(k, v) for k, v in sorted(found.items()))

    # --- instruments ------------------------------------------------------------------------------

    def instruments(self, texts: Iterable[Located], abbreviations: dict[str, str]) -> Iterator[InstrumentMention]:
        seen: set[str] = set()
        for loc in texts:
            for m in INSTRUMENT.finditer(loc.text):
                raw = re.sub(r"\s+", "", m.group(1))
                title = abbreviations.get(raw, raw)
                key = instrument_key(title)
                if key in seen:
                    continue
                seen.add(key)
                abbr = next((a for a, t in abbreviations.items() if t == title), None)
                issuer, issued, issued_type = self._issue(loc.text, m.start())
                yield InstrumentMention(
                    key,
                    title,
                    self.vocab.instrument_type(title),
                    abbr,
                    loc.field(m.start(), m.end()),
                    issuer,
                    issued,
                    issued_type,
                )

    def _issue(self, text: str, start: int) -> tuple[str | None, str | None, str | None]:
        """Who issued an instrument and when, where the text says: a registry agency named before it in its
        clause (广东省人大常委会出台《…》), and a date before it in its sentence (2019年1月，印发《…》)."""
        s0, _ = sentence_bounds(text, start, start)
        c0, _ = clause_bounds(text, start, start)
        before_clause = text[c0:start]
        verbs = any(v in text[max(s0, start - 8) : start] for v in self.vocab.instrument_verbs)
        agencies = [iri for _, _, iri in self.vocab.agency_matches(before_clause)]
        issuer = agencies[-1] if agencies and verbs else None
        dates = dates_in(text[s0:start])
        if dates and verbs:
            value, datatype = dates[-1].value
            return issuer, value, datatype
        return issuer, None, None

    # --- concepts and links -----------------------------------------------------------------------

    def concepts(self, concepts: Iterable[Concept], texts: list[Located], min_count: int = 2) -> tuple[Mention, ...]:
        """Concepts whose cues occur in the title, or at least ``min_count`` times in the body."""
        out = []
        for c in concepts:
            hits: list[tuple[Located, re.Match[str]]] = [(loc, m) for loc in texts for m in c.finditer(loc.text)]
            in_title = any(loc is texts[0] for loc, _ in hits) and len(texts) > 1
            if hits and (in_title or len(hits) >= min_count):
                loc, m = min(hits, key=lambda h: (texts.index(h[0]), h[1].start()))
                out.append(Mention(c.iri, sentence(loc, m.start(), m.end())))
        return tuple(sorted(out, key=lambda x: x.key))

    def links(
        self,
        texts: list[Located],
        agencies: list[AgencyMention],
        instruments: tuple[InstrumentMention, ...],
        initiatives: tuple[Field, ...] = (),
    ) -> tuple[LinkFact, ...]:
        """Alignment links: one per mechanism class and direction, parties from the cue's sentence, falling
        back to the title and the whole measure. For a one-way recognition the longest cue decides which
        side recognises (免试赴澳执业: Macao; 等效先认: the mainland side)."""
        title_parties = self._parties(texts[0]) if len(texts) > 1 else set()
        measure_parties = set().union(*(self._parties(t) for t in texts))
        found: dict[tuple[str, str | None], list[tuple[set[str], bool, LinkFact, int, str | None, bool]]] = {}
        for c in self.vocab.mechanisms:
            if not c.link_class:
                continue
            for loc in texts:
                for m in c.finditer(loc.text):
                    s0, s1 = sentence_bounds(loc.text, m.start(), m.end())
                    sentence = loc.sub(s0, s1)
                    if any(x in sentence.text for x in self.vocab.external_cues):
                        continue
                    parties = self._parties(sentence)
                    own = len(self._most_specific(parties)) >= 2
                    for fallback in (title_parties, measure_parties):
                        # Two sides, not a place and the province around it (南沙 with 广州 is one side).
                        if len(self._most_specific(parties)) < 2:
                            parties = parties | fallback
                    if not parties:
                        continue
                    if not parties - set(SARS) and (home := self._own_side(measure_parties)):
                        parties = parties | {home}  # 联合港澳两地制定…: the measure's own side joins them
                    ev = loc.field(s0, s1)
                    fact = LinkFact(
                        link_class=c.link_class,
                        mechanism=c.iri,
                        direction=c.direction,
                        parties=(),
                        recognizer=None,
                        recognized=None,
                        subject=_thing(m) or _subject(loc.text, s0, m.start(), self.vocab) or None,
                        agencies=tuple(sorted({a.key for a in agencies if ev.start <= a.evidence.start < ev.end})),
                        instruments=tuple(
                            sorted({i.key for i in instruments if ev.start <= i.evidence.start < ev.end})
                        ),
                        evidence=ev,
                    )
                    titled = loc is texts[0] and len(texts) > 1
                    hit = (parties, own, fact, m.end() - m.start(), c.recognizer_side, titled)
                    found.setdefault((c.link_class, c.direction), []).append(hit)
        links = []
        fallback_subject = initiatives[0].text if initiatives else None
        for (_link_class, direction), hits in found.items():
            parties = self._most_specific(set().union(*(h[0] for h in hits)))
            decisive = max(hits, key=lambda h: (h[1], h[3]))
            best = decisive[2]
            others = next((h[2].subject for h in hits if h[2].subject), None)
            # Where the title's cue has no thing before it, the initiative the title names is the thing
            # (粤港澳共推“湾区标准”); elsewhere another cue's thing comes first.
            if decisive[5]:
                subject = best.subject or fallback_subject or others
            else:
                subject = best.subject or others or fallback_subject
            recognizer = recognized = None
            if direction and direction.endswith("unilateral") and best.link_class.endswith("Recognition"):
                approver = self._approving_side(best.evidence.text) if decisive[4] != "sar" else None
                home = approver or self._recognizing_side(parties, measure_parties)
                away = sorted(p for p in parties if p in SARS)
                if home and away:
                    # The SAR concerned: the one the title names alone, else one the cue's sentence names.
                    in_title = sorted(p for p in title_parties if p in SARS)
                    named = [p for p in away if self._names(best.evidence.text, p)]
                    # None when the text singles out neither (境外 qualifications from both SARs).
                    singled = [in_title[0]] if len(in_title) == 1 and in_title[0] in away else (named or away)
                    sar = singled[0] if len(singled) == 1 else None
                    if decisive[4] == "sar":
                        recognizer, recognized = sar, home
                    else:
                        recognizer, recognized = home, sar
                    # With both sides known, they are the parties (港澳… context aside, 澳门医疗人员: Macao).
                    parties = {home, sar} if sar else self._most_specific(parties | {home})
            links.append(
                replace(
                    best,
                    parties=tuple(sorted(parties)),
                    recognizer=recognizer,
                    recognized=recognized,
                    subject=subject,
                    agencies=tuple(sorted({a for h in hits for a in h[2].agencies})),
                    instruments=tuple(sorted({i for h in hits for i in h[2].instruments})),
                )
            )
        return tuple(sorted(links, key=lambda x: (x.evidence.start, x.link_class)))

    def _names(self, text: str, jurisdiction: str) -> bool:
        """Whether the text names the jurisdiction, by name or abbreviation (赴澳 names Macao)."""
        abbreviations = {str(o) for o in self.vocab.graph.objects(URIRef(jurisdiction), GBA.abbreviationCue)}
        return any(t == jurisdiction for m in self.vocab.jurisdiction_matches(text) for t in m.targets) or any(
            a in text for a in abbreviations
        )

    def _approving_side(self, sentence: str) -> str | None:
        """The home of the mainland body the recognition's sentence names, the one that accepts (经广东省
        人民政府批准后…使用: Guangdong); the most specific where it names several."""
        homes = {
            h
            for _, _, iri in self.vocab.agency_matches(sentence)
            if (h := self.vocab.agencies[iri].jurisdiction) and h != STATE and h not in SARS
        }
        return self._deepest(homes)

    def _deepest(self, places: set[str]) -> str | None:
        """The most specific of some places (the one inside the most others), by IRI where they tie."""
        return min(places, key=lambda p: (-len(self.parents.get(p, ())), p)) if places else None

    def _recognizing_side(self, parties: set[str], measure_parties: set[str]) -> str | None:
        """The mainland-side party that recognises: the most specific one the link names, refined to a
        city or zone inside it that the measure names (内地 with 横琴 in the case → 横琴). Where the link's
        sentence names only the SARs (确认港澳法院…的法律效力), the measure's own mainland side, if it
        names one most specific place (广东高院's case: Guangdong)."""
        home = {p for p in parties if p not in SARS}
        if not home:
            return self._own_side(measure_parties)
        inside = {q for q in measure_parties - set(SARS) for p in home if p in self.parents.get(q, ())}
        return self._deepest(home | inside)

    def _own_side(self, measure_parties: set[str]) -> str | None:
        """The measure's own mainland side: the one most specific non-SAR place it names, if one."""
        own = self._most_specific({p for p in measure_parties if p not in SARS})
        return next(iter(own)) if len(own) == 1 else None

    def _parties(self, loc: Located) -> set[str]:
        """The jurisdictions a sentence names, and the home of any Hong Kong or Macao body taking part in it."""
        parties = {t for t, _ in self.jurisdiction_hits(loc)}
        for _, _, iri in self.vocab.agency_matches(loc.text):
            home = self.vocab.agencies[iri].jurisdiction
            if home in SARS:
                parties.add(home)
        for *_, place in self.vocab.organisation_matches(loc.text):
            if place in SARS:
                parties.add(place)
        return parties

    def _most_specific(self, parties: set[str]) -> set[str]:
        """Drop a jurisdiction when one inside it is also a party (深圳 with 广东 → 深圳)."""
        return {p for p in parties if not any(p in self.parents.get(q, ()) for q in parties if q != p)}

    # --- initiatives, outcomes, dates -------------------------------------------------------------

    def initiatives(self, texts: list[Located]) -> tuple[Field, ...]:
        """Quoted names in the title, and quoted names the body repeats, in order of first appearance."""
        out: dict[str, Field] = {}
        for idx, loc in enumerate(texts):
            counts: dict[str, int] = {}
            for m in QUOTED.finditer(loc.text):
                counts[m.group(1)] = counts.get(m.group(1), 0) + 1
            for m in QUOTED.finditer(loc.text):
                name = m.group(1)
                if (idx == 0 and len(texts) > 1) or counts[name] >= 2:
                    out.setdefault(name, loc.field(m.start(1), m.end(1)))
        return tuple(out.values())


def _first_sentence(loc: Located) -> Field:
    """A measure's label: its first sentence, or the next one when the first is a short lead-in."""
    s, e = sentence_bounds(loc.text, 0, 0)
    if e - s < 16 and e < len(loc.text):
        s, e = sentence_bounds(loc.text, e, e)
    return loc.field(s, min(e, s + 80))


_DATE_TEXT = re.compile(r"\d{4}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?")


def _thing(match: re.Match[str]) -> str:
    """The thing recognised where the cue pattern marks it with a named group ``thing`` (认可146项境外职业
    资格证书: 境外职业资格证书; 无需在香港…二次安检: 安检). A pattern leaves the group out where the words
    name nothing (认可证书)."""
    if "thing" not in match.re.groupindex:
        return ""
    thing = re.sub(r"[“”\"'《》\s]", "", match.group("thing") or "")
    return thing if len(thing) >= 2 else ""


def _subject(text: str, sentence_start: int, cue_start: int, vocab: Vocabulary) -> str:
    """The thing aligned: the words before the cue in its clause, without place names."""
    c0 = max((text.rfind(c, sentence_start, cue_start) for c in CLAUSE_END), default=-1) + 1
    c0 = max(c0, sentence_start)
    phrase = vocab.mask_agencies(text[c0:cue_start]).replace("\u3000", "")
    for m in sorted(vocab.jurisdiction_matches(phrase), key=lambda x: -x.start):
        phrase = phrase[: m.start] + phrase[m.end :]
    phrase = _DATE_TEXT.sub("", phrase)
    phrase = re.sub(r"（[^（）]*）|\([^()]*\)", "", phrase)  # an aside: 粤澳（岭南通与澳门通）的…
    phrase = re.sub(r"[“”\"'《》\s]", "", phrase)
    phrase = re.sub(r"(?:三地|两地|双方|各方)", "", phrase)
    # The thing is the object of the clause's last verb or preposition (提供与其医疗人员资格 → 医疗人员资格).
    ends = [m.end() for m in vocab.subject_verbs.finditer(phrase)]
    if ends and len(phrase) - ends[-1] == 1:  # 成立大|湾区标准化研究中心: the cue is inside a longer word
        return ""
    if ends and len(phrase) - ends[-1] >= 2:
        phrase = phrase[ends[-1] :]
    if vocab.subject_clause.search(phrase):  # 车主不出…即可: a clause, not a thing
        return ""
    prev = None
    while prev != phrase:
        prev = phrase
        phrase = vocab.subject_tail.sub("", vocab.subject_lead.sub("", phrase))
    # A verb still ending the phrase governs the cue itself (科技赋能破解域外法…): no thing before it.
    if any(m.end() == len(phrase) for m in vocab.subject_verbs.finditer(phrase)):
        return ""
    return phrase if 2 <= len(phrase) <= 30 else ""


def _parents(vocab: Vocabulary) -> dict[str, set[str]]:
    from .namespaces import GBA  # local: avoid a cycle at import time

    direct: dict[str, set[str]] = {}
    for s, o in vocab.graph.subject_objects(GBA.partOf):
        direct.setdefault(str(s), set()).add(str(o))
    closure: dict[str, set[str]] = {}
    for j in vocab.jurisdictions:
        seen: set[str] = set()
        stack = list(direct.get(j, ()))
        while stack:
            p = stack.pop()
            if p not in seen:
                seen.add(p)
                stack.extend(direct.get(p, ()))
        closure[j] = seen
    return closure


def mint_agency(name: str) -> str:
    """A stable IRI for a body not in the registry, from its name."""
    digest = hashlib.sha1(re.sub(r"\s+", "", name).encode("utf-8")).hexdigest()[:10]
    return str(ID[f"agency/x-{digest}"])


def instrument_key(title: str) -> str:
    """A stable IRI for an instrument, from its normalised title."""
    norm = re.sub(r"\s+", "", title)
    return str(ID[f"instrument/{hashlib.sha1(norm.encode('utf-8')).hexdigest()[:12]}"])


def document_abbreviations(doc: Document, vocab: Vocabulary) -> dict[str, str]:
    """Abbreviations a document defines for instruments, mapping the short title to the full one:
    《X》（以下简称《Y》）, or a name without 《》 (出台X（以下简称《Y》）) whose ending gives an instrument type."""
    out: dict[str, str] = {}
    text = re.sub(r"\s+", "", doc.text)
    for m in ABBREVIATION.finditer(text):
        head = text[: m.start()]
        titles = list(INSTRUMENT.finditer(head[-120:]))
        if titles and titles[-1].end() == len(head[-120:]):
            out[m.group(1)] = re.sub(r"\s+", "", titles[-1].group(1))
            continue
        clause_start = max(head.rfind(c) for c in CLAUSE_END) + 1
        phrase = head[clause_start:]
        for verb in sorted(vocab.instrument_verbs, key=len, reverse=True):
            k = phrase.rfind(verb)
            if k >= 0:
                phrase = phrase[k + len(verb) :]
                break
        if 2 <= len(phrase) <= 60 and vocab.instrument_type(phrase):
            out[m.group(1)] = phrase
    return out


def extract_document(records: DocumentRecords, vocab: Vocabulary) -> tuple[list[MeasureFacts], list[Finding]]:
    """Facts for every case and news measure of a document, and findings about what was not understood."""
    ex = Extractor(vocab)
    doc = records.document
    abbreviations = document_abbreviations(doc, vocab)
    facts: list[MeasureFacts] = []
    findings: list[Finding] = []
    for case in records.cases:
        f = ex.case_facts(doc, case, abbreviations)
        facts.append(f)
        for a in f.agencies:
            if not a.known:
                role = "submitting unit" if a.position is not None else "body named in the text"
                findings.append(
                    Finding.located(
                        doc,
                        "unknown-agency",
                        f"{role} '{a.name}' of case {case.key} is not in the agency registry; minted as a "
                        "new agency for review (add it to ontology/reference/agencies.ttl)",
                        Severity.WARNING,
                        a.evidence.start,
                        case.key,
                    )
                )
    for nm in records.news_measures:
        facts.append(ex.news_facts(doc, nm, abbreviations))
    return [_two_sided(f, doc, vocab, findings) for f in facts], findings


def _two_sided(facts: MeasureFacts, doc: Document, vocab: Vocabulary, findings: list[Finding]) -> MeasureFacts:
    """The measure's facts without the recognitions whose text names one side only (港车与香港合作推进
    车辆通行互认: Hong Kong, and no other): one jurisdiction recognises another's, and the other is not
    guessed. Each recognition left out is reported where its cue's sentence is. (Another kind of link
    may have one side: 域外法 applied in Guangzhou's courts.)"""
    one_sided = [lk for lk in facts.links if lk.link_class == RECOGNITION and len(lk.parties) < 2]
    if not one_sided:
        return facts
    labels = {c.iri: c.label for c in vocab.mechanisms}
    for lk in one_sided:
        named = ", ".join(vocab.jurisdictions.get(p, p) for p in lk.parties) or "none"
        findings.append(
            Finding.located(
                doc,
                "one-sided-recognition",
                f"a {labels.get(lk.mechanism, lk.mechanism)} cue in {facts.key} names one jurisdiction only "
                f"({named}); no recognition recorded, as it needs two sides and the other is not in the text",
                Severity.WARNING,
                lk.evidence.start,
                facts.key,
            )
        )
    return replace(facts, links=tuple(lk for lk in facts.links if lk not in one_sided))
