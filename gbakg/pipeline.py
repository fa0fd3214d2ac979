"""The build pipeline: read → extract → map → validate → serialise. The only module that knows the order.

Input: a corpus folder. Output: ``graph.trig`` (one named graph per document plus the reference graph),
``graph.ttl`` (their union), ``graph.jsonld``, ``report.ttl``, ``report.md``, ``report.html`` and
``summary.json`` in the output folder, each written atomically.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import resource
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TextIO

import pyoxigraph as ox
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import ORG, PROV

from . import report as report_mod
from .columns import Columns
from .errors import Location, OutputError
from .extract import extract_document
from .link import (
    CURATION_FILE,
    PlanLinker,
    PlanLinkFact,
    apply_curation,
    load_curation,
    plan_inputs,
    plan_partners,
)
from .mapping import PLAN_LINKS_GRAPH, SPILL_PREFIX, Mapper, NamedGraphs, graph_iri, new_dataset, union_graph
from .models import Corpus, DocumentKind, DocumentRecords, Finding, MeasureFacts, Severity
from .namespaces import GBA
from .parallel import (
    Background,
    Claims,
    default_jobs,
    gc_paused,
    owned_folder,
    peak_mb,
    remove_abandoned,
    reset_peak,
    stage_peak,
    take_child_peaks,
)
from .rdfio import Footprint, Run, StoreView
from .read import read_corpus
from .serialize import (
    UNION_FORMATS,
    graph_statements,
    load_store,
    prefix_header,
    union_statements,
    write,
    write_trig,
    write_union,
)
from .validate import ENGINES, STORE_BUDGET, Reader, ValidationReport, load_shapes, validate, validate_columns
from .vocab import Vocabulary, load_vocabulary

log = logging.getLogger(__name__)
COLUMNS_PREFIX = ".gbakg-columns-"  # the validator's columns, where the build did not spill
COLUMNS_FOLDER = "columns"  # the validator's columns, in the spill folder of a build that spills

Progress = Callable[[str, int, int], None]
STAGES = ("read", "extract", "link", "map", "validate", "serialise")
GRAPH_FILES = {"graph.trig": "trig", "graph.ttl": "turtle", "graph.jsonld": "jsonld"}
OUTPUTS = (
    "graph.trig",
    "graph.ttl",
    "graph.jsonld",
    "report.ttl",
    "report.md",
    "report.html",
    "plan-gaps.md",
    "plan-gaps.html",
    "summary.json",
)


@dataclass
class BuildResult:
    out_dir: Path
    counts: dict[str, int]
    timings: dict[str, float]
    peak_memory_mb: float
    report: ValidationReport
    files: dict[str, Path] = field(default_factory=dict)
    wall_s: float = 0.0
    engine: str = "pyshacl"
    memory_mb: dict[str, float] = field(default_factory=dict)  # peak memory by stage (see Built.memory_mb)

    @property
    def exit_code(self) -> int:
        return 1 if self.report.violations else 0


@dataclass
class Built:
    """An in-memory build: the dataset and what went into it (for tests and benchmarks)."""

    corpus: Corpus
    facts: list[MeasureFacts]
    dataset: NamedGraphs
    findings: tuple[Finding, ...]
    timings: dict[str, float]
    plan_links: list[PlanLinkFact] = field(default_factory=list)
    plan_candidates: list[PlanLinkFact] = field(default_factory=list)
    union: Graph | None = field(default=None, repr=False)
    engine: str = "pyshacl"
    store: ox.Store | None = field(default=None, repr=False)
    # Each stage's peak resident memory in MB: the largest of this process's during the stage and of
    # the forked processes the stage waited for.
    memory_mb: dict[str, float] = field(default_factory=dict)
    # The graphs already routed to the validator's columns (see early_columns), and those columns.
    columns: Columns | None = field(default=None, repr=False)
    routed: frozenset[URIRef] = frozenset()

    @property
    def validation_input(self) -> Graph | ox.Store:
        """What the chosen validator reads: the rdflib union for pySHACL, a store for Oxigraph."""
        if self.engine == "oxigraph":
            if self.store is None:
                self.store = load_store(self.dataset)
            return self.store
        return self.graph

    @property
    def graph(self) -> Graph:
        """The union of the named graphs as a read-only rdflib graph (what pySHACL reads; built on first
        use; adding to it raises ``TypeError``: copy it into a ``Graph()`` to change it)."""
        if self.union is None:
            with gc_paused():
                self.union = union_graph(self.dataset)
        return self.union


def _noop(stage: str, step: int, total: int) -> None:
    return None


def build_graph(
    corpus_dir: str | Path,
    vocab: Vocabulary | None = None,
    progress: Progress = _noop,
    curation_file: Path | None = None,
    jobs: int = 1,
    engine: str = "pyshacl",
    spill_dir: Path | None = None,
) -> Built:
    """Read, extract, link and map a corpus into a dataset (no validation, nothing written).

    With ``jobs`` ≥ 2 the documents are extracted in two processes, and the work plan is linked in a
    forked process while the documents are mapped and their graphs' statements written (what the graph
    files and the compiled shapes' stores are made from). ``engine`` is the validator
    (:func:`choose_engine`); for pySHACL the union is built as an rdflib graph.

    Where the validator is Oxigraph (a large corpus), each document's graph is sealed as soon as it is
    mapped: its statements go to a file in a new folder under ``spill_dir`` (the system's temporary
    folder by default) and its terms are dropped, so memory holds one document's terms at a time.

    Raises:
        ReadError: the corpus, its manifest or the curation file cannot be read.
        ValueError: an unknown engine.
    """
    if engine not in ENGINE_CHOICES:
        raise ValueError(f"unknown validation engine {engine!r} (one of {', '.join(ENGINE_CHOICES)})")
    with gc_paused():
        return _build_graph(corpus_dir, vocab, progress, curation_file, jobs, engine, spill_dir)


Extracted = tuple[list[MeasureFacts], list[Finding]]


def share_by_length(texts: list[str]) -> tuple[list[int], list[int]]:
    """The indexes of texts shared out between two processes by length, longest first, so that both
    get about the same work; each part in ascending order."""
    loads = [0, 0]
    parts: tuple[list[int], list[int]] = ([], [])
    for i in sorted(range(len(texts)), key=lambda i: (-len(texts[i]), i)):
        k = loads.index(min(loads))
        loads[k] += len(texts[i])
        parts[k].append(i)
    return sorted(parts[0]), sorted(parts[1])


def extract_corpus(corpus: Corpus, vocab: Vocabulary, jobs: int = 1) -> list[Extracted]:
    """The facts and findings of every document, in the corpus's order.

    Extraction reads one document at a time and nothing else, so with ``jobs`` ≥ 2 a forked process
    extracts part of the documents (shared out by length of text, longest first, so both processes get
    about the same work) and sends back their facts; the result is the same as in one process.
    """
    docs = corpus.documents
    if jobs < 2 or len(docs) < 2:
        return [extract_document(d, vocab) for d in docs]
    parts = share_by_length([d.document.text for d in docs])

    def extract(indexes: list[int]) -> dict[int, Extracted]:
        return {i: extract_document(docs[i], vocab) for i in indexes}

    with Background(partial(extract, parts[1]), parallel=True) as other:
        done = extract(parts[0])
        done.update(other.result())
    return [done[i] for i in range(len(docs))]


ENGINE_CHOICES = ("auto", *ENGINES)
PYSHACL_MAX_TRIPLES = 200_000  # pySHACL about 2 s here, 5.8 s at 575,000 (benchmarks/bench_scale.py); Oxigraph a tenth


def choose_engine(engine: str, triples: int) -> str:
    """The validation engine for a graph: as asked, or for ``"auto"`` pySHACL, the reference, up to
    :data:`PYSHACL_MAX_TRIPLES` triples (four times the corpus) and the shapes compiled into Oxigraph
    above, where pySHACL's time grows past seconds. Both give the same results."""
    if engine != "auto":
        return engine
    return "pyshacl" if triples <= PYSHACL_MAX_TRIPLES else "oxigraph"


@dataclass(frozen=True)
class Linked:
    """What the link stage gives: the links kept, every candidate, curation findings and its time."""

    links: list[PlanLinkFact]
    candidates: list[PlanLinkFact]
    findings: list[Finding]
    seconds: float


def link_plan(
    corpus: Corpus, facts: list[MeasureFacts], vocab: Vocabulary, curation_file: Path | None = None
) -> Linked:
    """Link work-plan items to the measures that carry them out, curated decisions applied.

    Raises:
        ReadError: the curation file cannot be read.
    """
    t = time.perf_counter()
    measures, items = plan_inputs(corpus, facts, vocab)
    if not (items and measures):
        return Linked([], [], [], time.perf_counter() - t)
    candidates = PlanLinker(measures, vocab, items, plan_partners(corpus, vocab)).candidates(items)
    curation, ambiguous = load_curation(curation_file).for_plans(i.document for i in items)
    known = {m.key for m in measures}
    numbers = {(i.document, i.number) for i in items}
    where = str(curation_file or CURATION_FILE)
    findings = [
        Finding(
            "curation-unknown",
            f"curated {decision} of item {item} of {plan} → {measure} names an item or measure"
            " that is not in the corpus",
            Severity.WARNING,
            where,
        )
        for (plan, item, measure), (decision, _) in sorted(curation.decisions.items())
        if measure not in known or (plan, item) not in numbers
    ] + [
        Finding(
            "curation-ambiguous",
            f"the curated row for item {item} → {measure} names no plan, and the corpus has several work plans:"
            " add a plan column with the plan's document key",
            Severity.WARNING,
            where,
        )
        for item, measure in ambiguous
    ]
    links = [lk for lk in apply_curation(candidates, curation) if lk.measure in known]
    return Linked(links, candidates, findings, time.perf_counter() - t)


def _build_graph(
    corpus_dir: str | Path,
    vocab: Vocabulary | None,
    progress: Progress,
    curation_file: Path | None,
    jobs: int,
    engine: str,
    spill_dir: Path | None,
) -> Built:
    timings: dict[str, float] = {}
    memory: dict[str, float] = {}
    vocab = vocab or load_vocabulary()
    progress("read", 1, len(STAGES))
    t = time.perf_counter()
    reset_peak()
    corpus = read_corpus(corpus_dir, vocab)
    timings["read"] = time.perf_counter() - t
    memory["read"] = stage_peak()

    progress("extract", 2, len(STAGES))
    t = time.perf_counter()
    facts_by_doc: list[list[MeasureFacts]] = []
    findings: list[Finding] = list(corpus.all_findings())
    for facts, extra in extract_corpus(corpus, vocab, jobs):
        facts_by_doc.append(facts)
        findings.extend(extra)
    timings["extract"] = time.perf_counter() - t
    memory["extract"] = stage_peak()
    all_facts = [f for fs in facts_by_doc for f in fs]

    progress("link", 3, len(STAGES))
    with Background(partial(link_plan, corpus, all_facts, vocab, curation_file), parallel=jobs > 1) as linking:
        if jobs > 1:
            progress("map", 4, len(STAGES))
        t = time.perf_counter()
        ds = new_dataset(vocab)
        mapper = Mapper(ds, vocab)
        documents = [
            (d, facts)
            for d, facts in zip(corpus.documents, facts_by_doc, strict=True)
            if d.document.meta.kind is not None
        ]
        map_documents(ds, mapper, documents, engine, spill_dir or Path(tempfile.gettempdir()), jobs)
        # While the linker works in its own process, write each graph's statements (what the graph
        # files and the validator's stores are made from).
        engine = choose_engine(engine, len(ds))
        if jobs > 1:
            graph_statements(ds)
        columns, routed = early_columns(ds, engine)
        mapped = time.perf_counter() - t
        memory["map"] = stage_peak()
        waited = time.perf_counter()
        linked = linking.result()  # in this process (jobs 1), linking runs here, after the documents
        log.debug("documents mapped in %.1f s; waited %.1f s for the linker", mapped, time.perf_counter() - waited)
        memory["link"] = take_child_peaks() if jobs > 1 else peak_mb()  # the linker's own peak
        reset_peak()
    if jobs <= 1:
        progress("map", 4, len(STAGES))
    timings["link"] = linked.seconds
    findings.extend(linked.findings)
    t = time.perf_counter()
    if any(d.plan_items for d in corpus.documents):
        if map_plan_links(ds, mapper, linked.links, jobs, columns):
            routed |= {PLAN_LINKS_GRAPH}
        log.debug("%d plan links mapped in %.1f s", len(linked.links), time.perf_counter() - t)
    if ds.spill is not None:
        ds.seal_all()
    union = union_graph(ds) if engine == "pyshacl" else None
    timings["map"] = mapped + time.perf_counter() - t
    memory["map"] = max(memory["map"], stage_peak())
    links, candidates = linked.links, linked.candidates
    built = Built(corpus, all_facts, ds, tuple(findings), timings, links, candidates, union, engine, memory_mb=memory)
    built.columns, built.routed = columns, routed
    return built


def early_columns(ds: NamedGraphs, engine: str) -> tuple[Columns | None, frozenset[URIRef]]:
    """The validator's columns of the graphs sealed so far, and their names, where the documents alone
    are more statements than one validation store holds (validation will then read columns: see
    :func:`_validate_columns`); else none. A build routes them as soon as its documents are mapped,
    while the linker still works in its own process: at 100 times the corpus that left a core idle
    for about 5 s, and routing the documents' 5 M statements takes about as long."""
    if ds.spill is None or engine != "oxigraph" or len(ds) <= STORE_BUDGET:
        return None, frozenset()
    sealed = [g for g in ds.names() if g in ds.sealed]
    if ds.columns is None:
        return Columns.write([ds.run(g) for g in sealed], ds.spill / COLUMNS_FOLDER), frozenset(sealed)
    ds.columns.add([ds.run(g) for g in sealed if g not in ds.routed])  # routed as they were sealed, or now
    return ds.columns, frozenset(sealed)


def map_documents(
    ds: NamedGraphs,
    mapper: Mapper,
    documents: list[tuple[DocumentRecords, list[MeasureFacts]]],
    engine: str,
    spill_dir: Path,
    jobs: int,
) -> None:
    """Map documents into their named graphs, in order.

    Once the graph is large enough for Oxigraph to validate (:func:`choose_engine`) it spills: the
    graphs so far are sealed into run files under ``spill_dir``, and each later one as soon as it is
    mapped. From then on, with ``jobs`` ≥ 2, a forked process maps part of the remaining documents
    (shared out by length of text) into run files of its own, which this process takes over; the
    runs are the same either way.
    """
    for i, (d, facts) in enumerate(documents):
        mapper.add_document(d, facts)
        if choose_engine(engine, len(ds)) == "oxigraph":  # large: seal this graph and those before
            spill = ds.spill_to(spill_dir)
            if engine != "pyshacl" and len(ds) * len(documents) > STORE_BUDGET * (i + 1):  # as much again
                # in each document to come: validation will read columns, so each graph is routed to
                # them as it is sealed, its lines while in memory, not read again once all are mapped
                ds.columns = Columns.write([], spill / COLUMNS_FOLDER)
            ds.seal_all()
            rest = documents[i + 1 :]
            break
    else:
        return
    if jobs < 2 or len(rest) < 2:
        _map_and_seal(ds, mapper, rest)
        return
    mine, theirs = ([rest[i] for i in part] for part in share_by_length([d.document.text for d, _ in rest]))

    def map_part() -> tuple[dict[str, tuple[str, int]], Columns | None]:
        part = ds.sibling(ds.columns.beside("-docs") if ds.columns is not None else None)
        _map_and_seal(part, Mapper(part, mapper.vocab), theirs)
        return {str(g): (str(r.path), len(r)) for g, r in part.sealed.items()}, part.columns

    with Background(map_part, parallel=True) as other:
        _map_and_seal(ds, mapper, mine)
        runs, routed = other.result()
        for g, (path, size) in runs.items():
            ds.adopt(URIRef(g), Run.spilled(Path(path), size))
    if ds.columns is not None and routed is not None:
        ds.columns.adopt(routed)
        ds.routed |= {URIRef(g) for g in runs}


def map_plan_links(
    ds: NamedGraphs, mapper: Mapper, links: list[PlanLinkFact], jobs: int, columns: Columns | None = None
) -> bool:
    """Map the plan links into their graph. Where the build spills, with ``jobs`` ≥ 2, a forked
    process maps and seals half of them while this process does the other half, and the graph's run
    is the merge of the two (at 100 times the corpus the links are 2.3 M statements, which one process
    took 14 s to map and seal while the other core waited). Given the validator's ``columns``, each
    process routes its half to them there (2 s at 100 times, which validation would otherwise begin
    with); True if the graph was routed."""
    if ds.spill is None or jobs < 2 or len(links) < 2:
        mapper.add_plan_links(links)
        return False
    half = len(links) // 2

    def map_and_route(mapper: Mapper, links: list[PlanLinkFact], part: int, into: Columns | None) -> None:
        keyed: dict[tuple[str, str], list[str]] | None = {} if into is not None else None
        mapper.add_plan_links(links, part=part, columns=keyed)
        if into is not None and keyed is not None:
            into.add_keyed(keyed)

    def map_half() -> tuple[str, int, Columns | None]:
        part = ds.sibling()
        theirs = columns.beside("-links") if columns is not None else None
        map_and_route(Mapper(part, mapper.vocab), links[half:], 2, theirs)
        run = part.sealed[PLAN_LINKS_GRAPH]
        return str(run.path), len(run), theirs

    with Background(map_half, parallel=True) as other:
        map_and_route(mapper, links[:half], 1, columns)
        path, size, routed = other.result()
    ds.join(PLAN_LINKS_GRAPH, Run.spilled(Path(path), size))
    if columns is None or routed is None:
        return False
    columns.adopt(routed)
    return True


def _map_and_seal(ds: NamedGraphs, mapper: Mapper, documents: list[tuple[DocumentRecords, list[MeasureFacts]]]) -> None:
    for d, facts in documents:
        mapper.add_document(d, facts)
        ds.seal(graph_iri(d.document))


LINK_CLASSES = (
    GBA.MutualRecognition,
    GBA.JointStandardSetting,
    GBA.RuleApplication,
    GBA.Convergence,
    GBA.SystemInterconnection,
    GBA.JointInspection,
)


AGENCY_PROPERTIES = (GBA.submittedBy, GBA.agency, PROV.wasAssociatedWith)


def count(data: Graph | NamedGraphs | ox.Store, triples: int | None = None) -> dict[str, int]:
    """The headline counts of a built graph: one pass over its triples, or for a store (the union of its
    graphs) three queries; the third, the distinct triples of the union, is the slowest (about 15 s at
    100 times the corpus) and is skipped where ``triples`` is known."""
    if isinstance(data, ox.Store):
        return _count_store(data, triples)
    statements = data.union() if isinstance(data, NamedGraphs) else data
    typed: dict[object, set[object]] = defaultdict(set)
    agencies: set[object] = set()
    agency_props = set(AGENCY_PROPERTIES)
    for s, p, o in statements:
        if p == RDF.type:
            typed[o].add(s)
        elif p in agency_props:
            agencies.add(o)
    return _counts({str(c): len(members) for c, members in typed.items()}, len(agencies), len(statements))


def _count_store(store: ox.Store, triples: int | None = None) -> dict[str, int]:
    def ask(query: str) -> list[ox.QuerySolution]:
        return list(store.query(query, use_default_graph_as_union=True))  # type: ignore[arg-type]

    typed = {
        row["class"].value: int(row["n"].value)
        for row in ask("SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class")
    }
    props = " ".join(f"<{p}>" for p in AGENCY_PROPERTIES)
    agencies = ask(f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ VALUES ?p {{ {props} }} ?s ?p ?o }}")
    if triples is None:
        distinct = ask("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")
        triples = int(distinct[0]["n"].value)
    return _counts(typed, int(agencies[0]["n"].value), triples)


# The headline counts, in order: the instances of these classes (as typed, no subclass reasoning),
# and (None) the distinct agencies named by AGENCY_PROPERTIES.
COUNTED: dict[str, tuple[URIRef, ...] | None] = {
    "documents": (GBA.SourceDocument,),
    "cases": (GBA.TypicalCase,),
    "measures": (GBA.Measure, GBA.ReportedMeasure),
    "reported measures": (GBA.ReportedMeasure,),
    "agencies": None,
    "instruments": (GBA.Instrument,),
    "alignment links": LINK_CLASSES,
    "mutual recognitions": (GBA.MutualRecognition,),
    "outcomes": (GBA.Outcome,),
    "dated events": (GBA.DatedEvent,),
    "plan items": (GBA.WorkPlanItem,),
    "plan links": (GBA.PlanLink,),
    "change events": (ORG.ChangeEvent,),
}
COUNTED_CLASSES = frozenset(c for classes in COUNTED.values() for c in classes or ())
# What counting reads from a store (:func:`count_view`).
COUNT_READS = Footprint.of(AGENCY_PROPERTIES, COUNTED_CLASSES)


def count_view(view: StoreView) -> dict[str, int]:
    """:func:`count` over a store that may hold only :data:`COUNT_READS` (``triples`` left at 0: the
    writer counts the union's distinct statements)."""
    typed = {str(c): sum(1 for _ in view.subjects(RDF.type, c)) for c in COUNTED_CLASSES}
    agencies = {o for p in AGENCY_PROPERTIES for o in view.objects(None, p)}
    return _counts(typed, len(agencies), 0)


def _counts(typed: dict[str, int], agencies: int, triples: int) -> dict[str, int]:
    counts = {
        name: agencies if classes is None else sum(typed.get(str(c), 0) for c in classes)
        for name, classes in COUNTED.items()
    }
    return counts | {"triples": triples}


def build(
    corpus_dir: str | Path,
    out_dir: str | Path,
    progress: Progress = _noop,
    shapes_dir: Path | None = None,
    jobs: int | None = None,
    engine: str = "auto",
) -> BuildResult:
    """Build, validate and write the graph of a corpus.

    With ``jobs`` ≥ 2 (the default where there are two cores) the graph files are written by a forked
    process while this one validates, and TriG is shared out between them graph by graph as they come
    free (:func:`_trig_from_front`, :func:`_trig_from_back`); the outputs are the same either way.
    ``engine`` chooses the validator (:func:`choose_engine`). Each stage's time and peak memory are in
    the result and summary.json.

    Raises:
        ReadError: the corpus folder or manifest cannot be read.
        ShapesError: the shapes are broken.
        OutputError: the outputs cannot be written.
    """
    with gc_paused():
        jobs = default_jobs() if jobs is None else jobs
        return _build(corpus_dir, Path(out_dir), progress, shapes_dir, jobs, engine)


# With two processes the forked writer writes Turtle and JSON-LD, then TriG a graph at a time from the
# last graph back, while this process validates and then writes TriG from the first graph on, until
# the two meet (parallel.Claims): whichever is free writes the next graph, so both end together
# however long validation takes against the writer's files (at 100 times the corpus it took 27-35 s
# against 29-39 s in the same hours; a fixed share of TriG for this process had to be 0 there and
# 0.35 at 10 times). The writer, free first, starts from the back, where the plan links' graph is
# (31 % of the statements at 100 times, and their graph sorts late): the graphs left when this
# process comes free are small. The parts join into graph.trig (_append_pieces).


def _stage_graph_files(
    dataset: NamedGraphs, out: Path, names: Iterable[str], claims: Claims | None = None
) -> tuple[list[tuple[str, Path]], float, int, tuple[Path, list[tuple[int, int]]] | None]:
    """Serialise graph files into staged temporary files: their names, the time taken, the number of
    distinct statements of the union (counted as graph.ttl is written, for spilled graphs, which
    ``names`` must then include), and given ``claims``, instead of graph.trig, the TriG of the graphs
    claimed from the back (:func:`_trig_from_back`)."""
    t = time.perf_counter()
    names = list(names)
    union = {name: GRAPH_FILES[name] for name in names if GRAPH_FILES[name] in UNION_FORMATS}
    staged: list[tuple[str, Path]] = []
    back = None
    try:
        # the union's formats in one pass over its statements (one merge of the runs, not one each)
        staged += stage_together(
            out, list(union), lambda fhs: write_union(dataset, dict(zip(union.values(), fhs, strict=True)))
        )
        for name in names:
            if name in union:
                continue
            if GRAPH_FILES[name] == "trig" and claims is not None:
                back = _trig_from_back(dataset, out, claims)
            else:
                staged += stage(out, {name: partial(write, dataset, GRAPH_FILES[name])})
    except BaseException:
        discard(staged)
        raise
    return staged, time.perf_counter() - t, dataset.union_size(), back


def _trig_from_front(dataset: NamedGraphs, claims: Claims, fh: TextIO) -> None:
    """TriG of the graphs claimed from the front, as they are claimed (the @prefix lines open the
    first that has statements)."""
    graphs = dataset.names()
    write_trig(dataset, fh, (graphs[i] for i in claims.front()))


def _trig_from_back(dataset: NamedGraphs, out: Path, claims: Claims) -> tuple[Path, list[tuple[int, int]]]:
    """TriG of the graphs claimed from the back, each written without @prefix lines to a staged file
    as it is claimed (the last graph first): the file and each graph's byte range in it, in the order
    written."""
    graphs = dataset.names()
    fd, tmp = tempfile.mkstemp(prefix=".graph.trig.", dir=out)
    pieces: list[tuple[int, int]] = []
    try:
        raw = os.fdopen(fd, "wb")
        with io.TextIOWrapper(raw, encoding="utf-8") as fh:
            for i in claims.back():
                fh.flush()
                start = raw.tell()
                write_trig(dataset, fh, [graphs[i]], header=False)
                fh.flush()
                if raw.tell() > start:
                    pieces.append((start, raw.tell()))
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise _output_error(out, e) from e
        raise
    return Path(tmp), pieces


def _append_pieces(staged: list[tuple[str, Path]], part: Path, pieces: list[tuple[int, int]]) -> None:
    """Append the graphs written from the back (``pieces`` of ``part``, last graph first) to the staged
    graph.trig (written from the front) in the graphs' order, opened with the @prefix lines where the
    front wrote nothing; the part's file goes."""
    tmp = Path(next(tmp for tmp, name in staged if name.name == "graph.trig"))
    try:
        with open(tmp, "ab") as fh, part.open("rb") as src:
            if pieces and fh.tell() == 0:
                fh.write(prefix_header().encode("utf-8"))
            for start, end in reversed(pieces):
                src.seek(start)
                left = end - start
                while left:
                    block = src.read(min(left, 1 << 20))
                    fh.write(block)
                    left -= len(block)
    except OSError as e:
        raise _output_error(tmp.parent, e) from e
    finally:
        part.unlink(missing_ok=True)


def _validate_columns(
    built: Built, shapes: Graph, out: Path, progress: Progress
) -> tuple[ValidationReport, dict[str, Any]] | None:
    """The compiled shapes, the gap report and the counts over stores of the columns each reads
    (:func:`~gbakg.validate.validate_columns`), written to a folder beside the runs and removed after;
    None where the shapes read named graphs."""
    folder = built.dataset.spill / COLUMNS_FOLDER if built.dataset.spill else owned_folder(out, COLUMNS_PREFIX)
    try:
        routed = built.routed | built.dataset.routed
        rest = [run for g, run in graph_statements(built.dataset).items() if g not in routed]
        if built.columns is not None:
            columns = built.columns
            columns.add(rest)
        else:
            columns = Columns.write(rest, folder)
        readers = (
            Reader("gaps", report_mod.PLAN_GAPS_READS, report_mod.plan_gaps),
            Reader("counts", COUNT_READS, count_view),
        )
        step = STAGES.index("validate") + 1

        def each_store(n: int, total: int) -> None:
            progress(f"validate (store {n} of {total})", step, len(STAGES))

        return validate_columns(columns, shapes, built.findings, readers, STORE_BUDGET, each_store)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _view(data: Graph | ox.Store) -> Graph | StoreView:
    """What the reports read: an rdflib graph, or a store through :class:`~gbakg.rdfio.StoreView`."""
    return StoreView(data) if isinstance(data, ox.Store) else data


def _build(
    corpus_dir: str | Path, out: Path, progress: Progress, shapes_dir: Path | None, jobs: int, engine: str
) -> BuildResult:
    wall = time.perf_counter()
    wall_clock = time.time()
    shapes = load_shapes(shapes_dir)
    prepare_output(out)
    built = build_graph(corpus_dir, progress=progress, jobs=jobs, engine=engine, spill_dir=out)
    timings, memory = dict(built.timings), dict(built.memory_mb)

    progress("validate", 5, len(STAGES))
    staged: list[tuple[str, Path]] = []
    try:
        if jobs > 1 and built.dataset.spill is None:  # the statements, made here before the fork, serve
            t = time.perf_counter()  # the writer and this process alike
            union_statements(built.dataset)
            timings["map"] += time.perf_counter() - t
        # the compiled shapes, the gap report and the counts: over stores of what each reads where one
        # store of everything would be larger than a store's budget
        big = sum(len(run) for run in graph_statements(built.dataset).values()) > STORE_BUDGET
        columns = built.engine == "oxigraph" and big
        claims = Claims(len(built.dataset.names())) if jobs > 1 else None
        writer = partial(_stage_graph_files, built.dataset, out, GRAPH_FILES, claims)
        with Background(writer, parallel=jobs > 1) as graph_files:
            t = time.perf_counter()  # beside the writer
            checked = _validate_columns(built, shapes, out, progress) if columns else None
            if checked is not None:
                rep, read = checked
            else:
                rep = validate(built.validation_input, shapes, built.findings, jobs=jobs, engine=built.engine)
            timings["validate"] = time.perf_counter() - t
            memory["validate"] = stage_peak()

            progress("serialise", 6, len(STAGES))
            t = time.perf_counter()
            if checked is not None:
                gaps, counts = read["gaps"], read["counts"]
            else:
                gaps = report_mod.plan_gaps(_view(built.validation_input))
                # the store's last use: the union's distinct statements are counted by the writer
                counts = count(built.store, triples=0) if built.store is not None else count(built.dataset)
                built.store = None  # freed (seconds at scale) while the writer still works
            reports = time.perf_counter() - t
            t = time.perf_counter()
            if claims is not None:
                staged += stage(out, {"graph.trig": partial(_trig_from_front, built.dataset, claims)})
            here_time = time.perf_counter() - t
            waited = time.perf_counter()  # (a failure leaves the writer's part to discard_strays below)
            graph_staged, graph_time, union_size, back = graph_files.result()
            staged += graph_staged
            log.debug(
                "waited %.1f s for the graph files' writer (its files: %.1f s, %d graphs of TriG from the "
                "back; here: validation %.1f s, reports %.1f s, TriG from the front %.1f s)",
                time.perf_counter() - waited,
                graph_time,
                len(back[1]) if back else 0,
                timings["validate"],
                reports,
                here_time,
            )
            if back is not None:
                _append_pieces(staged, *back)
        t = time.perf_counter()
        counts["triples"] = union_size
        for sev in (Severity.VIOLATION, Severity.WARNING, Severity.INFO):
            counts[sev.value.lower() + "s"] = rep.count(sev)
        payloads = _report_files(rep, built, counts, corpus_dir, gaps)
        reports += time.perf_counter() - t
        timings["serialise"] = graph_time + here_time + reports
        memory["serialise"] = stage_peak()
        peak = max(_peak_memory_mb(), *memory.values())  # resetting a stage's peak resets the process's
        payloads["summary.json"] = _summary(built, counts, timings, time.perf_counter() - wall, jobs, peak, memory)
        staged.extend(stage(out, payloads))
    except BaseException as e:
        discard(staged)
        discard_strays(out, GRAPH_FILES, since=wall_clock)
        if isinstance(e, ChildProcessError):
            raise OutputError(
                f"a background process of the build stopped: {e}", hint="run again, or with --jobs 1"
            ) from e
        raise
    finally:
        built.store = None
        built.dataset.close()
    commit(staged)
    files = {final.name: final for _, final in staged}
    files = {name: files[name] for name in OUTPUTS}
    memory = {k: memory[k] for k in STAGES if k in memory}
    return BuildResult(out, counts, timings, peak, rep, files, time.perf_counter() - wall, built.engine, memory)


def _report_files(
    rep: ValidationReport, built: Built, counts: dict[str, int], corpus_dir: str | Path, gaps: report_mod.PlanGaps
) -> dict[str, str]:
    """The quality report (Turtle, Markdown, HTML) and the work-plan gap report (Markdown, HTML)."""
    extra = [("corpus", str(Path(corpus_dir)))] + [
        (k, str(v)) for k, v in counts.items() if k not in ("violations", "warnings", "infos")
    ]  # the counts start with the documents
    return {
        "report.ttl": report_mod.to_turtle(rep),
        "report.md": report_mod.to_markdown(rep, extra=extra),
        "report.html": report_mod.to_html(rep, extra=extra),
        "plan-gaps.md": report_mod.plan_gaps_markdown(gaps),
        "plan-gaps.html": report_mod.plan_gaps_html(gaps),
    }


def _peak_memory_mb() -> float:
    """The largest resident size of this process (since :func:`~gbakg.parallel.reset_peak`, on Linux)
    and of the children it waited for."""
    usage = (resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return max(usage) / 1024


def _summary(
    built: Built,
    counts: dict[str, int],
    timings: dict[str, float],
    wall: float,
    jobs: int,
    peak: float,
    memory: dict[str, float],
) -> str:
    """summary.json: counts, stage times, wall time, processes, peak memory (of the build and of each
    stage) and the documents read."""
    summary = {
        "counts": counts,
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
        "wall_s": round(wall, 3),
        "jobs": jobs,
        "validator": built.engine,
        "peak_memory_mb": round(peak, 1),
        "peak_memory_by_stage_mb": {k: round(memory[k], 1) for k in STAGES if k in memory},
        "documents": [
            d.document.path.name
            for d in built.corpus.documents
            if d.document.meta.kind is not None and d.document.meta.kind in DocumentKind
        ],
    }
    return json.dumps(summary, ensure_ascii=False, indent=2) + "\n"


def prepare_output(out_dir: Path) -> None:
    """Create the output folder, and remove the work folders an earlier build left when it was killed.

    Raises:
        OutputError: it cannot be created.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _output_error(out_dir, e) from e
    for folder in remove_abandoned(out_dir, (SPILL_PREFIX, COLUMNS_PREFIX)):
        log.warning("removed %s, the work files of a build that was stopped before it could remove them", folder)


Payload = str | Callable[[TextIO], None]


def stage(out_dir: Path, payloads: Mapping[str, Payload]) -> list[tuple[str, Path]]:
    """Write each payload (a text, or a function that writes to a text stream) to a temporary file
    beside its final name; the pairs (temporary, final).

    Raises:
        OutputError: a file cannot be written (what was staged is removed).
    """
    staged: list[tuple[str, Path]] = []
    try:
        for name, payload in payloads.items():
            staged += stage_together(out_dir, [name], partial(_write_first, payload=payload))
    except BaseException:  # a file that could not be written, or interrupted: leave nothing behind
        discard(staged)
        raise
    return staged


def _write_first(streams: Sequence[TextIO], payload: Payload) -> None:
    """A payload (text, or a function that writes to a text stream) written to the first stream."""
    if isinstance(payload, str):
        streams[0].write(payload)
    else:
        payload(streams[0])


def stage_together(out_dir: Path, names: list[str], fn: Callable[[Sequence[TextIO]], None]) -> list[tuple[str, Path]]:
    """Like :func:`stage`, for files written together: ``fn`` is given a text stream for each name, in
    order.

    Raises:
        OutputError: a file cannot be written (what was staged is removed).
    """
    staged: list[tuple[str, Path]] = []
    mode = _file_mode()
    try:
        with contextlib.ExitStack() as files:
            streams = []
            for name in names:
                fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=out_dir)
                staged.append((tmp, out_dir / name))
                os.fchmod(fd, mode)  # mkstemp makes owner-only files; outputs are ordinary files
                streams.append(files.enter_context(os.fdopen(fd, "w", encoding="utf-8")))
            if streams:
                fn(streams)
    except OSError as e:
        discard(staged)
        raise _output_error(out_dir, e) from e
    except BaseException:  # interrupted: leave nothing behind
        discard(staged)
        raise
    return staged


def commit(staged: list[tuple[str, Path]]) -> None:
    """Rename staged files into place, so a failed or interrupted build never leaves a half-written
    file over a good one.

    Raises:
        OutputError: a rename fails (the files not yet renamed are removed).
    """
    for i, (tmp, final) in enumerate(staged):
        try:
            os.replace(tmp, final)
        except OSError as e:
            discard(staged[i:])
            raise _output_error(final.parent, e) from e


def _file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def discard(staged: list[tuple[str, Path]]) -> None:
    for tmp, _ in staged:
        Path(tmp).unlink(missing_ok=True)


def discard_strays(out_dir: Path, names: Iterable[str], since: float) -> None:
    """Remove temporary files of ours (``.NAME.*``) staged since a time by a process that was stopped
    before it could say which they were (a background writer killed mid-build)."""
    for name in names:
        for tmp in out_dir.glob(f".{name}.*"):
            with contextlib.suppress(OSError):
                if tmp.stat().st_mtime >= since - 1:
                    tmp.unlink()


def write_atomically(out_dir: Path, payloads: dict[str, str]) -> dict[str, Path]:
    """Write files atomically (staged, then renamed into place).

    Raises:
        OutputError: the folder cannot be created or written.
    """
    prepare_output(out_dir)
    commit(stage(out_dir, payloads))
    return {name: out_dir / name for name in payloads}


def _output_error(out_dir: Path, e: OSError) -> OutputError:
    return OutputError(
        f"cannot write the outputs: {e.strerror}",
        location=Location(str(out_dir)),
        hint="choose a writable --out folder",
    )
