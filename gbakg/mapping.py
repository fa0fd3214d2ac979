"""Map records and extracted facts to RDF, every fact reachable to its evidence.

Input: :class:`~gbakg.models.DocumentRecords` and their :class:`~gbakg.models.MeasureFacts`.
Output: an rdflib ``Dataset`` with one named graph per source document plus the reference graph.
IRIs are minted from stable keys (case ``b3-07``, agency slug, hash of an instrument's title), so a
rebuild gives the same IRIs and a new document never renames old entities. No blank nodes are used,
so canonical serialisation is byte-stable.

Evidence follows the Web Annotation model: ``fact gba:evidence annotation``; the annotation's
``oa:hasBody`` is the object the fact points to, ``gba:forProperty`` the property, and its target a
``gba:SourceSpan`` on the source document with an ``oa:TextQuoteSelector`` (exact, prefix, suffix)
and an ``oa:TextPositionSelector`` (start, end).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import shutil
import weakref
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import rdflib.namespace as std
from rdflib import Graph, Literal, URIRef

from .columns import BLANK, Columns, Key, triple_key
from .extract import instrument_key
from .link import PlanLinkFact
from .models import (
    AgencyMention,
    Document,
    DocumentKind,
    DocumentRecords,
    Field,
    MeasureFacts,
)
from .namespaces import GBA, ID, OA, PREFIXES, Terms
from .numerals import chinese_to_int
from .parallel import owned_folder
from .rdfio import RDF_TYPE, FrozenTriples, Run, merge_runs, nt, nt_text, statement_lines
from .vocab import Vocabulary

# Standard namespaces whose terms are looked up once (mapping writes millions of triples at scale).
RDF, RDFS, XSD, DCAT, DCTERMS, ORG, PROV, SKOS, TIME = (
    Terms(ns) for ns in (std.RDF, std.RDFS, std.XSD, std.DCAT, std.DCTERMS, std.ORG, std.PROV, std.SKOS, std.TIME)
)

# The terms of evidence and source spans in N-Triples (written as text by Mapper.span and .evidence).
_A, _SOURCE_SPAN, _SPECIFIC_RESOURCE = nt(RDF.type), nt(GBA.SourceSpan), nt(OA.SpecificResource)
_HAS_SOURCE, _HAS_SELECTOR, _TEXT = nt(OA.hasSource), nt(OA.hasSelector), nt(GBA.text)
_QUOTE_SELECTOR, _EXACT, _PREFIX, _SUFFIX = nt(OA.TextQuoteSelector), nt(OA.exact), nt(OA.prefix), nt(OA.suffix)
_POSITION_SELECTOR, _START, _END = nt(OA.TextPositionSelector), nt(OA.start), nt(OA.end)
_EVIDENCE, _ANNOTATION, _MOTIVATED_BY = nt(GBA.evidence), nt(OA.Annotation), nt(OA.motivatedBy)
_IDENTIFYING, _DESCRIBING, _FOR_PROPERTY = nt(OA.identifying), nt(OA.describing), nt(GBA.forProperty)
_HAS_BODY, _HAS_TARGET = nt(OA.hasBody), nt(OA.hasTarget)


# The validator's columns (gbakg.columns.Key) of the lines Mapper.span and .evidence write: rdf:type
# statements by class, the others by predicate.
_K_SOURCE_SPAN, _K_SPECIFIC_RESOURCE, _K_QUOTE_SELECTOR, _K_POSITION_SELECTOR, _K_ANNOTATION = (
    (RDF_TYPE, str(c))
    for c in (GBA.SourceSpan, OA.SpecificResource, OA.TextQuoteSelector, OA.TextPositionSelector, OA.Annotation)
)
_K_HAS_SOURCE, _K_HAS_SELECTOR, _K_TEXT, _K_EXACT, _K_PREFIX, _K_SUFFIX, _K_START, _K_END = (
    (str(p), "") for p in (OA.hasSource, OA.hasSelector, GBA.text, OA.exact, OA.prefix, OA.suffix, OA.start, OA.end)
)
_K_EVIDENCE, _K_MOTIVATED_BY, _K_FOR_PROPERTY, _K_HAS_BODY, _K_HAS_TARGET = (
    (str(p), "") for p in (GBA.evidence, OA.motivatedBy, GBA.forProperty, OA.hasBody, OA.hasTarget)
)

REFERENCE_GRAPH = ID["graph/reference"]
PLAN_LINKS_GRAPH = ID["graph/plan-links"]
CONTEXT_CHARS = 16
SPILL_PREFIX = ".gbakg-runs-"  # the hidden folder of a large build's sealed graphs, in the output folder
TIME_PROPERTY = {"date": TIME.inXSDDate, "gYearMonth": TIME.inXSDgYearMonth, "gYear": TIME.inXSDgYear}


def graph_iri(doc: Document) -> URIRef:
    return ID[f"graph/{doc.key}"]


def document_iri(doc: Document) -> URIRef:
    return ID[f"document/{doc.key}"]


Triple = tuple[URIRef, URIRef, URIRef | Literal]


class GraphView:
    """The statements of one named graph: what the mapper adds to and tests membership in, as rdflib
    triples or, for the regular and numerous ones (evidence, source spans), as N-Triples lines made
    as text (:func:`~gbakg.rdfio.nt` and :func:`~gbakg.rdfio.nt_text` write their terms)."""

    __slots__ = ("keyed", "lines", "triples")

    def __init__(self, triples: set[Triple], lines: set[str], keyed: dict[Key, list[str]] | None = None):
        self.triples = triples
        self.lines = lines
        self.keyed = keyed

    def add(self, triple: Triple) -> None:
        self.triples.add(triple)

    def add_line(self, line: str, key: Key) -> None:
        """A statement as an N-Triples line (``s p o .`` and a newline, as statement_lines writes it),
        and its column (:data:`gbakg.columns.Key`), kept where the graph's columns are made as it is
        mapped (:attr:`NamedGraphs.columns`)."""
        if line not in self.lines:
            self.lines.add(line)
            if self.keyed is not None:
                self.keyed.setdefault(key, []).append(line)

    def __contains__(self, triple: object) -> bool:
        return triple in self.triples

    def __len__(self) -> int:
        return len(self.triples) + len(self.lines)


class NamedGraphs:
    """Triples by named graph. Mapping writes into plain sets (rdflib's store costs ~36 µs a triple);
    the union is built once as an rdflib Graph by :func:`union_graph`.

    A graph that is complete can be *sealed* (:meth:`seal`): its triples become a :class:`Run` of
    sorted N-Triples lines and its terms are dropped; after :meth:`spill_to` the lines go to a file. A
    build of a large corpus seals each document's graph as soon as it is mapped, so memory holds one
    document's terms at a time; every file and store is made from the runs.
    """

    def __init__(self) -> None:
        self.graphs: dict[URIRef, set[Triple]] = {}
        self.texts: dict[URIRef, set[str]] = {}  # an open graph's statements given as N-Triples lines
        # Where set, each graph opened from then on is routed to these columns as it is sealed, its
        # text lines by the columns given with them (``keyed``), without reading its run again.
        self.columns: Columns | None = None
        self.keyed: dict[URIRef, dict[Key, list[str]]] = {}
        self.routed: set[URIRef] = set()
        self.sealed: dict[URIRef, Run] = {}
        self.spill: Path | None = None
        self._runs: dict[URIRef, tuple[int, Run]] = {}
        self._union: tuple[int, frozenset[Triple]] | None = None
        self._union_lines: tuple[int, list[str]] | None = None
        self._union_size: tuple[int, int] | None = None
        self._cleanup: weakref.finalize | None = None

    def spill_to(self, parent: Path) -> Path:
        """Write the graphs sealed from now on to files in a new folder under ``parent`` (removed with
        this object, or by :meth:`close`); the folder."""
        if self.spill is None:
            self.spill = owned_folder(parent, SPILL_PREFIX)
            self._cleanup = weakref.finalize(self, shutil.rmtree, self.spill, ignore_errors=True)
        return self.spill

    def sibling(self, columns: Columns | None = None) -> NamedGraphs:
        """An empty dataset that seals its graphs into this one's spill folder: another process maps
        into it, and this one takes its runs in (:meth:`adopt`, :meth:`join`) and removes the files;
        given ``columns`` (a folder of the other process's own), it routes its graphs there."""
        other = NamedGraphs()
        other.spill = self.spill
        other.columns = columns
        return other

    def close(self) -> None:
        """Remove the spilled files (the sealed graphs they hold can no longer be read)."""
        if self._cleanup is not None:
            self._cleanup()

    def graph(self, iri: URIRef) -> GraphView:
        if iri in self.sealed:
            raise ValueError(f"the graph {iri} is sealed")
        if self.columns is not None and iri not in self.texts:
            self.keyed[iri] = {}  # a graph opened once its columns are kept
        return GraphView(self.graphs.setdefault(iri, set()), self.texts.setdefault(iri, set()), self.keyed.get(iri))

    def seal(self, iri: URIRef, part: int = 0) -> None:
        """Turn a graph's triples into its sorted statements (in a file of the spill folder, if any)
        and drop the terms. A sealed graph cannot be added to. ``part`` numbers the file of a part
        of a graph whose statements are sealed by several processes (see :meth:`join`)."""
        triples = self.graphs.pop(iri, None)
        if triples is None:
            return
        self._runs.pop(iri, None)
        lines = self.texts.pop(iri, set())
        keyed = self.keyed.pop(iri, None)
        if self.columns is None:
            self.sealed[iri] = Run(statement_lines(triples, lines), self._spill_path(iri, part))
            return
        made: dict[str, Key] = {}  # each statement given as terms written once, for its run and its column
        for s, p, o in triples:
            made.setdefault(f"{nt(s)} {nt(p)} {nt(o)} .\n", triple_key(s, p, o))
        self.sealed[iri] = Run(statement_lines((), [*made, *lines]), self._spill_path(iri, part))
        if keyed is None:  # opened before the columns were kept: its lines are read again
            self.columns.add([self.sealed[iri]])
        else:
            for line, key in made.items():
                if line not in lines:
                    keyed.setdefault(key, []).append(line)
            self.columns.add_keyed(keyed)
        self.routed.add(iri)

    def _spill_path(self, iri: URIRef, part: int) -> Path | None:
        """The file a sealed graph (or part of one) is written to, if this dataset spills."""
        if self.spill is None:
            return None
        # named by graph, so that processes sealing graphs side by side never collide
        name = hashlib.sha1(str(iri).encode("utf-8")).hexdigest()[:20]
        return self.spill / (f"{name}.nt" if not part else f"{name}-{part}.nt")

    def seal_lines(self, iri: URIRef, lines: list[str], part: int = 0) -> None:
        """Seal a graph given as its statements' sorted, distinct N-Triples lines (as
        :func:`~gbakg.rdfio.statement_lines` writes them), made without rdflib terms."""
        if iri in self.graphs or iri in self.sealed:
            raise ValueError(f"the graph {iri} is already here")
        self.sealed[iri] = Run(lines, self._spill_path(iri, part))

    def adopt(self, iri: URIRef, run: Run) -> None:
        """Take in a graph sealed elsewhere (by another process, into this spill folder)."""
        if iri in self.graphs or iri in self.sealed:
            raise ValueError(f"the graph {iri} is already here")
        self.sealed[iri] = run

    def join(self, iri: URIRef, run: Run) -> None:
        """Add to a sealed graph the run of more of its statements, sealed elsewhere: the graph's run
        becomes their merge (its size counts a statement in both twice: join disjoint parts)."""
        if iri not in self.sealed:
            raise ValueError(f"the graph {iri} is not sealed")
        self.sealed[iri] = Run.joined((self.sealed[iri], run))

    def seal_all(self) -> None:
        for iri in list(self.graphs):
            self.seal(iri)

    def graph_size(self, iri: URIRef) -> int:
        """How many statements a graph has, sealed or not."""
        return len(self.sealed[iri]) if iri in self.sealed else len(self.graphs[iri]) + len(self.texts.get(iri, ()))

    def names(self) -> list[URIRef]:
        """Every graph's IRI, sealed or not, in code-point order."""
        return sorted([*self.graphs, *self.sealed], key=str)

    def run(self, iri: URIRef) -> Run:
        """A graph's sorted statements (made once for an open graph, again only after it grows)."""
        sealed = self.sealed.get(iri)
        if sealed is not None:
            return sealed
        triples, lines = self.graphs[iri], self.texts.get(iri, ())
        size = len(triples) + len(lines)
        cached = self._runs.get(iri)
        if cached is None or cached[0] != size:
            cached = self._runs[iri] = (size, Run(statement_lines(triples, lines)))
        return cached[1]

    def union_lines(self) -> Iterable[str]:
        """The distinct statements of all graphs, sorted, as N-Triples lines. Where no graph is
        spilled, a list (remembered until the graphs grow); otherwise a merge of the runs read from
        their files, made anew each time (writing the merge to a file as it passes, for the next pass
        to read, costs more than merging again: 11.4 s against 5.3 s at 100 times the corpus)."""
        runs = [self.run(g) for g in self.names()]
        if any(r.lines is None for r in runs):
            return (line.decode("utf-8") for line in self.union_raw())
        size = len(self)
        if self._union_lines is None or self._union_lines[0] != size:
            # Each run is sorted already: sorting their concatenation merges runs (Timsort), and a
            # statement in two graphs is then dropped next to its twin, faster than a set of them all.
            merged = sorted(itertools.chain.from_iterable(runs))
            lines = [line for line, after in itertools.pairwise(merged) if line != after] + merged[-1:]
            self._union_lines = (size, lines)
        return self._union_lines[1]

    def union_raw(self) -> Iterable[bytes]:
        """:meth:`union_lines` as UTF-8 lines; for spilled graphs, a merge of their runs as bytes
        (:meth:`~gbakg.rdfio.Run.raw`)."""
        runs = [self.run(g) for g in self.names()]
        if any(r.lines is None for r in runs):
            size = len(self)

            def counted(n: int) -> None:
                self._union_size = (size, n)

            return merge_runs([r.raw() for r in runs], done=counted)
        return (line.encode("utf-8") for line in self.union_lines())

    def union_size(self) -> int:
        """How many distinct statements the union has (for spilled graphs, known once their merge has
        been read through, as writing graph.ttl or graph.jsonld does; otherwise merged here)."""
        size = len(self)
        if self._union_size is None or self._union_size[0] != size:
            lines = self.union_lines()
            if isinstance(lines, list):
                return len(lines)
            for _ in lines:
                pass
        assert self._union_size is not None
        return self._union_size[1]

    def quads(self):
        for g in self.names():
            for s, p, o in self._triples(g):
                yield s, p, o, g

    def _triples(self, iri: URIRef) -> Iterable[Triple]:
        if iri in self.sealed:
            return self.sealed[iri].triples()  # type: ignore[return-value]
        lines = self.texts.get(iri)
        if not lines:
            return self.graphs[iri]
        return itertools.chain(self.graphs[iri], Run(sorted(lines)).triples())  # type: ignore[arg-type]

    def __len__(self) -> int:
        open_size = sum(len(t) for t in self.graphs.values()) + sum(len(t) for t in self.texts.values())
        return open_size + sum(len(r) for r in self.sealed.values())

    def union(self) -> frozenset[Triple]:
        """The distinct triples of all graphs as rdflib terms (remembered until the graphs grow; sealed
        graphs are read back from their statements)."""
        size = len(self)
        if self._union is None or self._union[0] != size:
            self._union = (size, frozenset(itertools.chain.from_iterable(self._triples(g) for g in self.names())))
        return self._union[1]


class Mapper:
    """Writes one document's records and facts into its named graph."""

    def __init__(self, dataset: NamedGraphs, vocab: Vocabulary):
        self.ds = dataset
        self.vocab = vocab
        self.g: GraphView = dataset.graph(REFERENCE_GRAPH)
        self.doc: Document | None = None
        self.lang = "zh-Hans"

    # --- evidence ---------------------------------------------------------------------------------

    def span(self, f: Field) -> str:
        """The SourceSpan node for a field of the current document (shared by facts on the same span),
        in N-Triples: its statements are written as text (at 100 times the corpus spans and evidence
        are 4.0 M statements)."""
        assert self.doc is not None
        node = nt(ID[f"span/{self.doc.key}/{f.start}-{f.end}"])
        typed = f"{node} {_A} {_SOURCE_SPAN} .\n"
        if typed in self.g.lines:
            return node
        text = self.doc.text
        add = self.g.add_line
        quote, pos = f"{node[:-1]}#quote>", f"{node[:-1]}#position>"
        add(typed, _K_SOURCE_SPAN)
        add(f"{node} {_A} {_SPECIFIC_RESOURCE} .\n", _K_SPECIFIC_RESOURCE)
        add(f"{node} {_HAS_SOURCE} {nt(document_iri(self.doc))} .\n", _K_HAS_SOURCE)
        add(f"{node} {_HAS_SELECTOR} {quote} .\n", _K_HAS_SELECTOR)
        add(f"{node} {_HAS_SELECTOR} {pos} .\n", _K_HAS_SELECTOR)
        add(f"{node} {_TEXT} {nt_text(f.text, self.lang)} .\n", _K_TEXT)
        add(f"{quote} {_A} {_QUOTE_SELECTOR} .\n", _K_QUOTE_SELECTOR)
        add(f"{quote} {_EXACT} {nt_text(text[f.start : f.end])} .\n", _K_EXACT)
        add(f"{quote} {_PREFIX} {nt_text(text[max(0, f.start - CONTEXT_CHARS) : f.start])} .\n", _K_PREFIX)
        add(f"{quote} {_SUFFIX} {nt_text(text[f.end : f.end + CONTEXT_CHARS])} .\n", _K_SUFFIX)
        add(f"{pos} {_A} {_POSITION_SELECTOR} .\n", _K_POSITION_SELECTOR)
        add(f"{pos} {_START} {nt(offset(f.start))} .\n", _K_START)
        add(f"{pos} {_END} {nt(offset(f.end))} .\n", _K_END)
        return node

    def evidence(self, subject: URIRef, prop: URIRef, body: URIRef | Literal | None, f: Field) -> None:
        """Record that ``subject prop body`` rests on the text of field ``f`` (written as text, as
        :meth:`span` is)."""
        key = f"{subject}|{prop}|{body}|{f.start}|{f.end}"
        node = nt(ID[f"evidence/{hashlib.sha1(key.encode('utf-8')).hexdigest()[:16]}"])
        add = self.g.add_line
        add(f"{nt(subject)} {_EVIDENCE} {node} .\n", _K_EVIDENCE if isinstance(subject, URIRef) else BLANK)
        add(f"{node} {_A} {_ANNOTATION} .\n", _K_ANNOTATION)
        add(f"{node} {_MOTIVATED_BY} {_IDENTIFYING if isinstance(body, URIRef) else _DESCRIBING} .\n", _K_MOTIVATED_BY)
        add(f"{node} {_FOR_PROPERTY} {nt(prop)} .\n", _K_FOR_PROPERTY)
        if body is not None:
            target = body if isinstance(body, URIRef) else subject
            add(f"{node} {_HAS_BODY} {nt(target)} .\n", _K_HAS_BODY if isinstance(target, URIRef) else BLANK)
        add(f"{node} {_HAS_TARGET} {self.span(f)} .\n", _K_HAS_TARGET)

    def fact(self, subject: URIRef, prop: URIRef, obj: URIRef | Literal, f: Field | None) -> None:
        self.g.add((subject, prop, obj))
        if f is not None:
            self.evidence(subject, prop, obj if isinstance(obj, URIRef) else None, f)

    def text(self, value: str) -> Literal:
        return Literal(value, lang=self.lang)

    # --- documents --------------------------------------------------------------------------------

    def add_document(self, records: DocumentRecords, facts: Iterable[MeasureFacts]) -> None:
        doc = records.document
        self.doc = doc
        self.lang = doc.meta.language or "zh-Hans"
        self.g = self.ds.graph(graph_iri(doc))
        g = self.g
        d = document_iri(doc)
        meta = doc.meta
        g.add((d, RDF.type, GBA.SourceDocument))
        g.add((d, RDF.type, DCAT.Dataset))
        if meta.title:
            g.add((d, DCTERMS.title, self.text(meta.title)))
        elif records.plan_title:
            g.add((d, DCTERMS.title, self.text(records.plan_title.text)))
        if meta.kind:
            g.add((d, GBA.documentKind, ID[f"document-kind/{meta.kind.value}"]))
        if meta.language:
            g.add((d, DCTERMS.language, Literal(meta.language)))
        for name in meta.publisher:
            iri = self.vocab.resolve_agency(name)
            g.add((d, DCTERMS.publisher, URIRef(iri) if iri else Literal(name, lang="zh-Hans")))
        if meta.announced:
            g.add((d, GBA.announced, Literal(meta.announced.isoformat(), datatype=XSD.date)))
        if meta.issued:
            g.add((d, DCTERMS.issued, typed_date(meta.issued)))
        dist = ID[f"document/{doc.key}/distribution"]
        g.add((d, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.identifier, Literal(doc.path.name)))
        g.add((dist, DCAT.mediaType, Literal("text/plain")))
        g.add((dist, DCAT.byteSize, Literal(doc.byte_size, datatype=XSD.nonNegativeInteger)))
        g.add((dist, GBA.encoding, Literal(doc.encoding)))
        g.add((dist, DCTERMS.identifier, Literal(f"sha256:{doc.sha256}")))
        if meta.kind is DocumentKind.CASE_BATCH or (meta.kind is DocumentKind.NEWS and meta.batch):
            self.add_batch(records)
        by_key = {f.key: f for f in facts}
        for case in records.cases:
            self.add_case(records, case, by_key.get(case.key))
        for nm in records.news_measures:
            m = ID[f"measure/{nm.key}"]
            g.add((m, RDF.type, GBA.ReportedMeasure))
            g.add((m, GBA.reportedIn, d))
            g.add((m, GBA.text, self.text(nm.text.text)))
            g.add((m, GBA.ordinal, Literal(nm.ordinal)))
            if nm.batch:
                g.add((m, GBA.inBatch, ID[f"batch/{nm.batch}"]))
            self.evidence(m, GBA.text, None, nm.text)
            if nm.key in by_key:
                self.add_measure(m, by_key[nm.key])
        if records.plan_items:
            self.add_plan(records)

    def add_batch(self, records: DocumentRecords) -> None:
        meta = records.document.meta
        if not meta.batch:
            return
        b = ID[f"batch/{meta.batch}"]
        g = self.g
        g.add((b, RDF.type, GBA.CaseBatch))
        g.add((b, GBA.batchNumber, Literal(meta.batch)))
        g.add((b, RDFS.label, Literal(f"第{meta.batch}批", lang="zh-Hans")))
        g.add((b, RDFS.label, Literal(f"Batch {meta.batch}", lang="en")))
        if meta.cases is not None:
            g.add((b, GBA.announcedCaseCount, Literal(meta.cases)))
        if meta.announced:
            g.add((b, GBA.announced, Literal(meta.announced.isoformat(), datatype=XSD.date)))
        g.add((b, DCTERMS.source, document_iri(records.document)))

    def add_case(self, records: DocumentRecords, case, facts: MeasureFacts | None) -> None:
        g = self.g
        c = ID[f"case/{case.key}"]
        m = ID[f"measure/{case.key}"]
        g.add((c, RDF.type, GBA.TypicalCase))
        g.add((c, GBA.inBatch, ID[f"batch/{case.batch}"]))
        g.add((c, GBA.caseNumber, Literal(case.number)))
        g.add((c, DCTERMS.source, document_iri(records.document)))
        g.add((c, GBA.describes, m))
        if case.title:
            self.fact(c, DCTERMS.title, self.text(case.title.text), case.title)
            g.add((c, RDFS.label, self.text(case.title.text)))
        g.add((c, GBA.text, self.text(case.body.text)))
        if case.results:
            self.fact(c, GBA.resultsText, self.text(case.results.text), case.results)
        agencies = facts.agencies if facts else ()
        for a in agencies:
            if a.position is None:
                continue
            s = ID[f"submission/{case.key}-{a.position}"]
            agency = URIRef(a.key)
            g.add((c, GBA.submission, s))
            g.add((s, RDF.type, GBA.Submission))
            g.add((s, GBA.position, Literal(a.position)))
            g.add((s, GBA.asWritten, Literal(a.evidence.text, lang="zh-Hans")))
            self.fact(s, GBA.agency, agency, a.evidence)
            g.add((c, GBA.submittedBy, agency))
            self.add_minted_agency(a)
        g.add((m, RDF.type, GBA.Measure))
        if facts:
            self.add_measure(m, facts)

    def add_minted_agency(self, a: AgencyMention) -> None:
        """A body not in the registry: typed org:Organization, with what the name pattern suggests (its
        place, and the non-government level for a university, hospital, association or firm), flagged."""
        if a.known:
            return
        node = URIRef(a.key)
        self.g.add((node, RDF.type, ORG.Organization))
        self.g.add((node, SKOS.prefLabel, Literal(a.name, lang="zh-Hans")))
        self.g.add((node, GBA.needsReview, Literal(True)))
        if a.jurisdiction:
            self.g.add((node, GBA.jurisdiction, URIRef(a.jurisdiction)))
        if a.kind == str(GBA.NonGovernmentOrganisation):
            self.g.add((node, GBA.level, ID["level/non-government"]))

    def add_measure(self, m: URIRef, f: MeasureFacts) -> None:
        g = self.g
        g.add((m, RDFS.label, self.text(f.label.text)))
        for j in f.jurisdictions:
            self.fact(m, GBA.involves, URIRef(j.key), j.evidence)
        for a in f.agencies:
            if a.position is None:
                self.fact(m, PROV.wasAssociatedWith, URIRef(a.key), a.evidence)
                self.add_minted_agency(a)
        for i in f.instruments:
            node = URIRef(i.key)
            self.fact(m, GBA.usesInstrument, node, i.evidence)
            g.add((node, RDF.type, GBA.Instrument))
            g.add((node, DCTERMS.title, self.text(i.title)))
            g.add((node, RDFS.label, self.text(i.title)))
            if i.type_key:
                g.add((node, GBA.instrumentType, URIRef(i.type_key)))
            if i.abbreviation:
                g.add((node, GBA.abbreviation, self.text(i.abbreviation)))
            if i.issuer:
                self.fact(node, DCTERMS.creator, URIRef(i.issuer), i.evidence)
            if i.issued and i.issued_type:
                g.add((node, DCTERMS.issued, Literal(i.issued, datatype=URIRef(i.issued_type))))
        for prop, mentions in ((GBA.mechanism, f.mechanisms), (GBA.factorFlow, f.flows), (GBA.policyDomain, f.domains)):
            for c in mentions:
                self.fact(m, prop, URIRef(c.key), c.evidence)
        for name in f.initiatives:
            self.fact(m, GBA.initiative, self.text(name.text), name)
        local = str(m).rsplit("/", 1)[-1]
        for k, link in enumerate(f.links, start=1):
            node = ID[f"link/{local}-{k}"]
            self.fact(m, GBA.alignment, node, link.evidence)
            g.add((node, RDF.type, URIRef(link.link_class)))
            self.fact(node, GBA.mechanism, URIRef(link.mechanism), link.evidence)
            if link.direction:
                g.add((node, GBA.direction, URIRef(link.direction)))
            for p in link.parties:
                g.add((node, GBA.party, URIRef(p)))
            if link.recognizer:
                g.add((node, GBA.recognizer, URIRef(link.recognizer)))
            if link.recognized:
                g.add((node, GBA.recognized, URIRef(link.recognized)))
            if link.subject:
                g.add((node, GBA.subject, self.text(link.subject)))
            for agency_key in link.agencies:
                g.add((node, GBA.agency, URIRef(agency_key)))
            for instrument_key_ in link.instruments:
                g.add((node, GBA.basedOn, URIRef(instrument_key_)))
            g.add((node, RDFS.label, self.text(link.subject or link.evidence.text[:40])))
        for k, o in enumerate(f.outcomes, start=1):
            node = ID[f"outcome/{local}-{k:02d}"]
            self.fact(m, GBA.outcome, node, o.evidence)
            g.add((node, RDF.type, GBA.Outcome))
            g.add((node, GBA.value, Literal(o.value_text, datatype=XSD.decimal)))
            if o.lower_text is not None:
                g.add((node, GBA.lowerValue, Literal(o.lower_text, datatype=XSD.decimal)))
            g.add((node, GBA.unit, Literal(o.unit)))
            if o.unit_concept:
                g.add((node, GBA.unitConcept, URIRef(o.unit_concept)))
            if o.multiplier is not None:
                g.add((node, GBA.multiplier, Literal(str(o.multiplier), datatype=XSD.decimal)))
            for q in o.qualifiers:
                g.add((node, GBA.qualifier, Literal(q)))
            g.add((node, GBA.figureKind, URIRef(o.kind)))
            g.add((node, GBA.counts, self.text(o.counts)))
            g.add((node, RDFS.label, self.text(o.counts)))
            if o.as_of and o.as_of_type:
                g.add((node, GBA.asOf, Literal(o.as_of, datatype=URIRef(o.as_of_type))))
        for k, d in enumerate(f.dates, start=1):
            node = ID[f"event/{local}-{k:02d}"]
            self.fact(m, GBA.event, node, d.evidence)
            g.add((node, RDF.type, GBA.DatedEvent))
            lit = Literal(d.value, datatype=URIRef(d.datatype))
            g.add((node, GBA.date, lit))
            g.add((node, TIME_PROPERTY[d.datatype.rsplit("#", 1)[1]], lit))
            if d.qualifier:
                g.add((node, GBA.dateQualifier, Literal(d.qualifier)))
            g.add((node, RDFS.label, self.text(d.label)))
        for part in f.parts:
            node = ID[f"measure/{part.key}"]
            self.fact(m, GBA.subMeasure, node, part.label)
            g.add((node, RDF.type, GBA.Measure))
            g.add((node, GBA.ordinal, Literal(int(part.key.rsplit("-s", 1)[1]))))
            self.fact(node, GBA.text, self.text(part.label.text), part.label)
            short = part.label.text.split("。", 1)[0][:60]
            g.add((node, RDFS.label, self.text(short)))
            for j in part.jurisdictions:
                self.fact(node, GBA.involves, URIRef(j.key), j.evidence)
            for c in part.mechanisms:
                self.fact(node, GBA.mechanism, URIRef(c.key), c.evidence)
            for i in part.instruments:
                self.fact(node, GBA.usesInstrument, URIRef(i.key), i.evidence)

    # --- work plans -------------------------------------------------------------------------------

    def add_plan_links(
        self, links: Iterable[PlanLinkFact], part: int = 0, columns: dict[tuple[str, str], list[str]] | None = None
    ) -> None:
        """PlanLink nodes (score, origin, shared terms) and the gba:carriesOut shortcut, in their own
        graph, which is sealed (:meth:`NamedGraphs.seal_lines`; ``part`` as there); each line also to
        its list in ``columns``, if given (:func:`plan_link_lines`)."""
        self.ds.seal_lines(PLAN_LINKS_GRAPH, plan_link_lines(links, columns), part)

    def add_plan(self, records: DocumentRecords) -> None:
        g = self.g
        doc = records.document
        plan = ID[f"workplan/{doc.key}"]
        g.add((plan, RDF.type, GBA.WorkPlan))
        g.add((plan, DCTERMS.source, document_iri(doc)))
        title = records.plan_title
        if title:
            self.fact(plan, DCTERMS.title, self.text(title.text), title)
            g.add((plan, RDFS.label, self.text(title.text)))
            g.add((plan, GBA.instrumentType, ID["instrument-type/plan"]))
            g.add((URIRef(instrument_key(title.text)), RDFS.seeAlso, plan))
        for name in doc.meta.publisher:
            iri = self.vocab.resolve_agency(name)
            if iri:
                g.add((plan, DCTERMS.creator, URIRef(iri)))
        if doc.meta.issued:
            g.add((plan, DCTERMS.issued, typed_date(doc.meta.issued)))
        for s in records.plan_sections:
            node = section_iri(doc, s.number)
            g.add((node, RDF.type, GBA.WorkPlanSection))
            g.add((node, GBA.inPlan, plan))
            g.add((node, GBA.sectionNumber, Literal(s.number)))
            self.fact(node, DCTERMS.title, self.text(s.title.text), s.title)
            g.add((node, RDFS.label, self.text(f"{s.number}、{s.title.text}")))
            if s.parent:
                g.add((node, GBA.inSection, section_iri(doc, s.parent)))
        for it in records.plan_items:
            node = ID[f"workplan/{doc.key}/item/{it.number}"]
            g.add((node, RDF.type, GBA.WorkPlanItem))
            g.add((node, GBA.inPlan, plan))
            g.add((node, GBA.itemNumber, Literal(it.number)))
            if it.section:
                g.add((node, GBA.inSection, section_iri(doc, it.section)))
            self.fact(node, GBA.text, self.text(it.text.text), it.text)
            g.add((node, GBA.normalisedText, Literal(it.normalised, lang="zh-Hans")))
            g.add((node, RDFS.label, self.text(f"{it.number}. {it.text.text[:40]}")))


def plan_link_lines(
    links: Iterable[PlanLinkFact], columns: dict[tuple[str, str], list[str]] | None = None
) -> list[str]:
    """The statements of the plan links as N-Triples lines, the lines :func:`~gbakg.rdfio.nt` writes for
    them, made as text: each link's node and the predicates written once, and each item, measure and
    literal once, as they recur (at 100 times the corpus the links are 2.3 M statements, and making
    rdflib terms for each took three times as long).

    For each link: its type, item, measure, score (xsd:decimal, three places), origin, shared terms
    and label, and the ``measure gba:carriesOut item`` shortcut. Given ``columns``, each line is also
    added to the list of its column (:data:`gbakg.columns.Key`: its predicate, or ``rdf:type`` and
    the class), as the validator's columns are routed, without reading the lines again.
    """
    a, link_class = nt(RDF.type), nt(GBA.PlanLink)
    plan_item, measure_p, score, origin = nt(GBA.planItem), nt(GBA.measure), nt(GBA.score), nt(GBA.origin)
    shared, label, carries_out = nt(GBA.sharedTerm), nt(RDFS.label), nt(GBA.carriesOut)
    items: dict[tuple[str, int], str] = {}
    measures: dict[str, str] = {}
    literals: dict[tuple[str, URIRef | None], str] = {}

    def literal(value: str, datatype: URIRef | None = None) -> str:
        text = literals.get((value, datatype))
        if text is None:
            text = literals[value, datatype] = nt(Literal(value, datatype=datatype))
        return text

    lines: list[str] = []
    keys = [
        (str(RDF.type), str(GBA.PlanLink)),
        *((str(p), "") for p in (GBA.planItem, GBA.measure, GBA.score, GBA.origin, RDFS.label, GBA.carriesOut)),
    ]
    routed = [columns.setdefault(key, []) for key in keys] if columns is not None else None
    routed_shared = columns.setdefault((str(GBA.sharedTerm), ""), []) if columns is not None else None
    for link in links:
        node = nt(plan_link_iri(link.plan, link.item, link.measure))
        item = items.get((link.plan, link.item))
        if item is None:
            item = items[link.plan, link.item] = nt(ID[f"workplan/{link.plan}/item/{link.item}"])
        measure = measures.get(link.measure)
        if measure is None:
            measure = measures[link.measure] = nt(ID[f"measure/{link.measure}"])
        made = (
            f"{node} {a} {link_class} .\n",
            f"{node} {plan_item} {item} .\n",
            f"{node} {measure_p} {measure} .\n",
            f"{node} {score} {literal(f'{link.score:.3f}', XSD.decimal)} .\n",
            f"{node} {origin} {literal(link.origin)} .\n",
            f"{node} {label} {nt_text(f'item {link.item} → {link.measure}')} .\n",
            f"{measure} {carries_out} {item} .\n",
        )
        terms = [f"{node} {shared} {literal(term)} .\n" for term in link.shared]
        lines += made
        lines += terms
        if routed is not None and routed_shared is not None:
            for column, line in zip(routed, made, strict=True):
                column.append(line)
            routed_shared += terms
    return sorted(set(lines), key=str.encode)


def plan_link_iri(plan: str, item: int, measure: str) -> URIRef:
    """A link from an item of a work plan (its document key) to a measure."""
    return ID[f"planlink/{plan}-{item}-{measure}"]


@lru_cache(maxsize=1 << 17)
def offset(n: int) -> Literal:
    """A character offset as an xsd:nonNegativeInteger (made once: offsets recur across documents, and
    rdflib takes several microseconds to make a typed literal)."""
    return Literal(n, datatype=XSD.nonNegativeInteger)


def section_iri(doc: Document, number: str) -> URIRef:
    """Section IRIs in Arabic numerals: 三 → 3, 三（一） → 3-1."""
    parts = [str(chinese_to_int(p)) for p in re.findall(r"[一二三四五六七八九十百]+", number)]
    return ID[f"workplan/{doc.key}/section/{'-'.join(parts)}"]


def typed_date(value: str) -> Literal:
    """A date literal typed by its precision: 2025-01-23, 2025-01 or 2025."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return Literal(value, datatype=XSD.date)
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return Literal(value, datatype=XSD.gYearMonth)
    if re.fullmatch(r"\d{4}", value):
        return Literal(value, datatype=XSD.gYear)
    return Literal(value)


def new_dataset(vocab: Vocabulary) -> NamedGraphs:
    """Named graphs holding the ontology, vocabularies and reference data in the reference graph."""
    ds = NamedGraphs()
    ds.graphs[REFERENCE_GRAPH] = set(vocab.graph)  # type: ignore[arg-type]
    return ds


def union_graph(ds: NamedGraphs) -> Graph:
    """All named graphs merged into one read-only rdflib graph (the content of graph.ttl; what pySHACL
    validates), over a :class:`~gbakg.rdfio.FrozenTriples` store."""
    return FrozenTriples(ds.union()).graph(PREFIXES)
