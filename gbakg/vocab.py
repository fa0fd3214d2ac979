"""The ontology, vocabularies and reference data, loaded once and compiled into cue matchers.

Input: ``ontology/`` (gbakg.ttl, vocab/*.ttl, reference/*.ttl). Output: a :class:`Vocabulary` with the
cue tables the reader and extractor use. Every cue is data on an RDF node (gba:cue, gba:cuePattern,
gba:suffixCue …), so adding a mechanism, an agency alias or a false friend is a data change.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property, lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, SKOS, Graph, Literal, URIRef
from rdflib.namespace import ORG
from rdflib.term import Node

from .errors import VocabularyError
from .namespaces import GBA, ID
from .rdfio import load_graph as load_rdf

DATA_ROOT = Path(os.environ.get("GBAKG_DATA", Path(__file__).resolve().parent.parent))
ONTOLOGY_DIR = DATA_ROOT / "ontology"
SHAPES_DIR = DATA_ROOT / "shapes"
QUERIES_DIR = DATA_ROOT / "queries"


@dataclass(frozen=True)
class Concept:
    iri: str
    label: str
    cues: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = ()
    link_class: str | None = None
    direction: str | None = None
    recognizer_side: str | None = None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """Every match of each cue (a cue's matches never overlap; two cues' may), then of each pattern."""
        for cue, compiled in zip(self.cues, self._cue_patterns, strict=True):
            if cue in text:  # most cues are in few texts: a substring test before the regular expression
                yield from compiled.finditer(text)
        for pattern in self.patterns:
            yield from pattern.finditer(text)

    @cached_property
    def _cue_patterns(self) -> tuple[re.Pattern[str], ...]:
        """Each cue as a regular expression, compiled once (extraction matches them against every text)."""
        return tuple(re.compile(re.escape(cue)) for cue in self.cues)


@dataclass(frozen=True)
class AgencyInfo:
    iri: str
    name: str
    jurisdiction: str | None
    level: str | None
    government: bool


@dataclass(frozen=True)
class CueMatch:
    """A match of a jurisdiction cue: ``targets`` empty for a false friend."""

    start: int
    end: int
    text: str
    targets: tuple[str, ...]


def load_graph(directory: Path | None = None) -> Graph:
    """Parse every Turtle file of the ontology folder into one graph.

    Raises:
        VocabularyError: the folder is missing or a file does not parse.
    """
    root = directory or ONTOLOGY_DIR
    files = sorted(root.rglob("*.ttl"))
    if not files:
        raise VocabularyError("no ontology files found", hint=f"expected Turtle files under {root}")
    return load_rdf(files, ox.RdfFormat.TURTLE, VocabularyError, "the ontology", root, "fix the Turtle syntax")


def _literals(g: Graph, s: Node, p: URIRef) -> tuple[str, ...]:
    return tuple(sorted(str(o) for o in g.objects(s, p) if isinstance(o, Literal)))


def _words(g: Graph, concept: URIRef) -> str:
    """A regular-expression alternation of a concept's cues (escaped, longest first) and cue patterns."""
    cues = sorted(set(_literals(g, concept, GBA.cue)), key=lambda c: (-len(c), c))
    return "|".join([*_literals(g, concept, GBA.cuePattern), *(re.escape(c) for c in cues)])


def _label(g: Graph, s: Node, lang: str = "zh-Hans") -> str:
    for p in (SKOS.prefLabel,):
        for o in g.objects(s, p):
            if isinstance(o, Literal) and o.language == lang:
                return str(o)
    return str(s).rsplit("/", 1)[-1]


class Vocabulary:
    """Cue tables compiled from the RDF data."""

    def __init__(self, graph: Graph):
        self.graph = graph
        g = graph
        self.jurisdictions: dict[str, str] = {
            str(s): _label(g, s) for s in g.subjects(RDF.type, GBA.Jurisdiction) if isinstance(s, URIRef)
        }
        cue_targets: dict[str, set[str]] = {}
        for s in self.jurisdictions:
            for cue in _literals(g, URIRef(s), GBA.cue):
                cue_targets.setdefault(cue, set()).add(s)
        for cf in g.subjects(RDF.type, GBA.CompactForm):
            targets = {str(o) for o in g.objects(cf, GBA.denotes)}
            for cue in _literals(g, cf, GBA.cue):
                cue_targets.setdefault(cue, set()).update(targets)
        self.false_friends = sorted(
            c for ff in g.subjects(RDF.type, GBA.FalseFriend) for c in _literals(g, ff, GBA.cue)
        )
        for cue in self.false_friends:
            cue_targets[cue] = set()
        self.external_cues = sorted(
            c for x in g.subjects(RDF.type, GBA.ExternalParty) for c in _literals(g, x, GBA.cue)
        )
        self.jurisdiction_cues = {k: tuple(sorted(v)) for k, v in cue_targets.items()}
        self._jurisdiction_re = _alternation(self.jurisdiction_cues)
        zone_type = ID["jurisdiction-type/cooperation-zone"]
        self.zones = frozenset(str(z) for z in g.subjects(GBA.jurisdictionType, zone_type) if isinstance(z, URIRef))
        # (cue, zone) for each zone's own cues, and how a clause naming a zone as a whole ends
        self.zone_cues = tuple(sorted((c, z) for z in self.zones for c in _literals(g, URIRef(z), GBA.cue)))
        self.whole_zone_endings = tuple(sorted(_literals(g, zone_type, GBA.suffixCue), key=lambda c: (-len(c), c)))
        # named cross-border facilities by kind: {kind: ((facility, its names), …)} (皇岗口岸 is a port)
        facilities: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for f in self._scheme_members(ID["facility"]):
            kind = g.value(f, SKOS.broader)
            if kind is not None and (cues := _literals(g, f, GBA.cue)):
                facilities.setdefault(str(kind), []).append((str(f), cues))
        self.facilities = {k: tuple(v) for k, v in sorted(facilities.items())}

        self.agencies: dict[str, AgencyInfo] = {}
        alias: dict[str, str] = {}
        for cls, government in ((GBA.Agency, True), (GBA.NonGovernmentOrganisation, False)):
            for node in g.subjects(RDF.type, cls):
                iri = str(node)
                j = g.value(node, GBA.jurisdiction)
                lvl = g.value(node, GBA.level)
                name = _label(g, node)
                self.agencies[iri] = AgencyInfo(iri, name, str(j) if j else None, str(lvl) if lvl else None, government)
                for a in (
                    name,
                    *(
                        str(o)
                        for o in g.objects(node, SKOS.altLabel)
                        if isinstance(o, Literal) and o.language == "zh-Hans"
                    ),
                ):
                    if a in alias and alias[a] != iri:
                        raise VocabularyError(
                            f"agency alias '{a}' names two agencies: {alias[a]} and {iri}",
                            hint="make the alias unique in ontology/reference/agencies.ttl",
                        )
                    alias[a] = iri
        self.agency_alias = alias
        self._agency_re = _alternation(alias)
        self.successor = {str(s): str(o) for s, o in g.subject_objects(GBA.successor)}
        self.change_events = sorted(str(e) for e in g.subjects(RDF.type, ORG.ChangeEvent))

        self.mechanisms = self._concepts(ID.mechanism)
        self.flows = self._concepts(ID.flow)
        self.domains = self._concepts(ID.domain)
        self.axes = self._concepts(ID.axis)
        self.instrument_types = {
            suffix: str(s)
            for s in self._scheme_members(ID["instrument-type"])
            for suffix in _literals(g, s, GBA.suffixCue)
        }
        self.instrument_verbs = _literals(g, ID["instrument-type/scheme"], GBA.prefixCue)
        self.figure_kinds = self._concepts(ID["figure-kind"])
        self.figure_unit_kind = {
            cue: str(s) for s in self._scheme_members(ID["figure-kind"]) for cue in _literals(g, s, GBA.unitCue)
        }
        self.units = {cue: str(s) for s in self._scheme_members(ID.unit) for cue in _literals(g, s, GBA.cue)}
        # fractions written before their number (百分之, 万分之)
        self.prefix_units = {
            cue: str(s) for s in self._scheme_members(ID.unit) for cue in _literals(g, s, GBA.prefixCue)
        }
        self.multipliers: dict[str, Decimal] = {}
        for member in g.objects(ID["unit/multipliers"], SKOS.member):
            factor = g.value(member, GBA.factor)
            for cue in _literals(g, member, GBA.cue):
                self.multipliers[cue] = Decimal(str(factor))
        self.prefix_qualifiers = {
            cue: str(s) for s in self._scheme_members(ID.qualifier) for cue in _literals(g, s, GBA.prefixCue)
        }
        self.suffix_qualifiers = {
            cue: str(s) for s in self._scheme_members(ID.qualifier) for cue in _literals(g, s, GBA.suffixCue)
        }
        self.org_suffixes = {
            cue: str(g.value(s, GBA.linkClass))
            for s in self._scheme_members(ID["org-form"])
            for cue in _literals(g, s, GBA.suffixCue)
        }
        self.org_stops = tuple(c for s in self._scheme_members(ID["org-form"]) for c in _literals(g, s, GBA.stopCue))
        words = {
            part: _words(g, ID[f"subject-word/{part}"]) for part in ("verb", "lead", "tail", "clause")
        }  # framing words of a link's subject
        self.subject_verbs = re.compile(words["verb"] or r"(?!x)x")
        self.subject_lead = re.compile(rf"^(?:{words['lead']})+" if words["lead"] else r"(?!x)x")
        self.subject_tail = re.compile(rf"(?:{words['tail']})+$" if words["tail"] else r"(?!x)x")
        self.subject_clause = re.compile(words["clause"] or r"(?!x)x")
        places: dict[str, str] = {}
        for jurisdiction in self.jurisdictions:
            place = URIRef(jurisdiction)
            names = [
                str(o)
                for prop in (SKOS.prefLabel, SKOS.altLabel)
                for o in g.objects(place, prop)
                if isinstance(o, Literal) and o.language == "zh-Hans"
            ]
            names += [c for c in _literals(g, place, GBA.cue) if any(n.startswith(c) for n in names)]
            for name in names:
                if len(name) >= 2:
                    places[name] = jurisdiction
        self.place_names = places
        suffixes = "|".join(re.escape(s) for s in sorted(self.org_suffixes, key=len, reverse=True))
        prefixes = "|".join(re.escape(p) for p in sorted(places, key=len, reverse=True))
        self._org_re = re.compile(
            rf"(?P<place>{prefixes})(?P<middle>[\u4e00-\u9fff]{{0,10}}?)(?P<suffix>{suffixes})" if places else r"(?!x)x"
        )
        # where a body named after one place stands in another: 香港科技大学（广州） is in Guangzhou
        self._located_re = re.compile(rf"\s*[（(](?P<at>{prefixes})[)）]" if places else r"(?!x)x")
        topic = ID["topic/rule-alignment"]
        self.topic_cues = _literals(g, topic, GBA.cue)
        self.region_cues = _literals(g, topic, GBA.regionCue)
        self.batch_cues = _literals(g, topic, GBA.batchCue)
        self.cross_border_cues = _literals(g, topic, GBA.crossBorderCue)
        self.figure_pattern = re.compile(
            r"\d+(?:\.\d+)?\s*(?:"
            + "|".join(re.escape(m) for m in sorted(self.multipliers, key=len, reverse=True))
            + r")?\s*(?:"
            + "|".join(re.escape(u) for u in sorted(self.units, key=len, reverse=True))
            + ")"
        )
        if not self.jurisdictions or not self.agencies or not self.mechanisms:
            raise VocabularyError(
                "the reference data is incomplete (no jurisdictions, agencies or mechanisms)",
                hint=f"check the files under {ONTOLOGY_DIR}",
            )

    def _scheme_members(self, scheme_ns: URIRef) -> list[URIRef]:
        scheme = URIRef(str(scheme_ns) + "/scheme")
        return sorted(s for s in self.graph.subjects(SKOS.inScheme, scheme) if isinstance(s, URIRef))

    def _concepts(self, scheme_ns: URIRef) -> tuple[Concept, ...]:
        g = self.graph
        out = []
        for s in self._scheme_members(scheme_ns):
            patterns = []
            for p in _literals(g, s, GBA.cuePattern):
                try:
                    patterns.append(re.compile(p))
                except re.error as e:
                    raise VocabularyError(
                        f"bad cue pattern {p!r} on {s}: {e}", hint="fix the regular expression"
                    ) from e
            link = g.value(s, GBA.linkClass)
            direction = g.value(s, GBA.direction)
            side = g.value(s, GBA.recognizerSide)
            out.append(
                Concept(
                    str(s),
                    _label(g, s),
                    _literals(g, s, GBA.cue),
                    tuple(patterns),
                    str(link) if link else None,
                    str(direction) if direction else None,
                    str(side) if side else None,
                )
            )
        return tuple(out)

    # --- matchers ---------------------------------------------------------------------------------

    def jurisdiction_matches(self, text: str) -> list[CueMatch]:
        """Jurisdiction cues in the text, longest first at each position; false friends match with no target."""
        return [
            CueMatch(m.start(), m.end(), m.group(0), self.jurisdiction_cues[m.group(0)])
            for m in self._jurisdiction_re.finditer(text)
        ]

    def agency_matches(self, text: str) -> list[tuple[int, int, str]]:
        """Registry names and aliases in the text: (start, end, agency IRI)."""
        return [(m.start(), m.end(), self.agency_alias[m.group(0)]) for m in self._agency_re.finditer(text)]

    def organisation_matches(self, text: str) -> list[tuple[int, int, str, str, str]]:
        """Names of bodies by pattern (a place name, a few characters, an organisation ending) that are not
        registry names: (start, end, name, class IRI, jurisdiction IRI). A body named after one place
        that stands in another, written after its name in brackets, is that other place's
        (香港科技大学（广州）: Guangzhou's)."""
        out = []
        for m, located in self._organisations(text):
            end = located.end() if located else m.end()
            out.append(
                (
                    m.start(),
                    end,
                    re.sub(r"\s+", "", text[m.start() : end]),
                    self.org_suffixes[m.group("suffix")],
                    self.place_names[located.group("at") if located else m.group("place")],
                )
            )
        return out

    def _organisations(
        self, text: str, masked: str | None = None
    ) -> Iterator[tuple[re.Match[str], re.Match[str] | None]]:
        """Each organisation name the pattern finds, with the bracketed place it stands in, if any
        (``masked``: the text with registry names blanked, where the caller has it)."""
        masked = self.mask_agencies(text) if masked is None else masked
        for m in self._org_re.finditer(masked):
            middle = m.group("middle")
            if any(stop in middle for stop in self.org_stops) or len(middle) < 2:
                continue  # a clause, not a name; or a generic noun such as 澳门银行 (Macao's banks)
            before = masked[max(0, m.start() - 2) : m.start()]
            if before and "\u4e00" <= before[-1] <= "\u9fff" and not any(before.endswith(s) for s in self.org_stops):
                continue  # the tail of a longer name (…总局广东省分局)
            yield m, self._located_re.match(masked, m.end())

    def mask_names(self, text: str) -> str:
        """The text with the names that involve no jurisdiction blanked (same length, so offsets hold):
        registry agencies' names (省港澳办), and a body's name that stands in another place than the one it
        is named after (香港科技大学（广州）: the place in brackets is kept)."""
        masked = self.mask_agencies(text)
        if "（" not in text and "(" not in text:  # no bracket, no body placed elsewhere (most texts)
            return masked
        chars = list(masked)
        for m, located in self._organisations(text, masked):
            if located and self.place_names[located.group("at")] != self.place_names[m.group("place")]:
                for k in range(m.start(), m.end()):
                    chars[k] = "\u3000"
        return "".join(chars)

    def resolve_agency(self, name: str) -> str | None:
        """The registry agency a name (full or short form) denotes, if any."""
        return self.agency_alias.get(re.sub(r"\s+", "", name))

    def instrument_type(self, title: str) -> str | None:
        """The instrument type a title's ending gives (longest matching ending), if any."""
        core = re.sub(r"[（(][^（）()]*[)）]\s*$", "", title).strip()
        best = None
        for suffix, iri in self.instrument_types.items():
            if core.endswith(suffix) and (best is None or len(suffix) > len(best[0])):
                best = (suffix, iri)
        return best[1] if best else None

    def is_rule_alignment_article(self, text: str) -> bool:
        """True when the text carries both a rule-alignment topic cue and a Bay Area region cue."""
        return any(c in text for c in self.topic_cues) and any(c in text for c in self.region_cues)

    def cross_border(self, text: str) -> set[str]:
        """Hong Kong and Macao jurisdictions the text involves (false friends and agency names excluded)."""
        masked = self.mask_agencies(text)
        found: set[str] = set()
        for m in self.jurisdiction_matches(masked):
            found.update(
                t for t in m.targets if t in (str(ID["jurisdiction/hong-kong"]), str(ID["jurisdiction/macao"]))
            )
        return found

    def mask_agencies(self, text: str) -> str:
        """The text with registry agency names blanked (same length, so offsets hold)."""
        chars = list(text)
        for s, e, _ in self.agency_matches(text):
            for k in range(s, e):
                chars[k] = "\u3000"
        return "".join(chars)


def _alternation(cues: Iterable[str]) -> re.Pattern[str]:
    ordered = sorted(set(cues), key=lambda c: (-len(c), c))
    if not ordered:
        return re.compile(r"(?!x)x")
    return re.compile("|".join(re.escape(c) for c in ordered))


@lru_cache(maxsize=4)
def _cached(directory: str) -> Vocabulary:
    return Vocabulary(load_graph(Path(directory)))


def load_vocabulary(directory: Path | None = None) -> Vocabulary:
    """The vocabulary of an ontology folder (default: the project's), parsed once per process."""
    return _cached(str((directory or ONTOLOGY_DIR).resolve()))
