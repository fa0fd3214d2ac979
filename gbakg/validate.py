"""Validate a graph against the SHACL shapes: graph → :class:`ValidationReport`.

Two engines give the same results: pySHACL (the reference, over an rdflib graph) and the shapes
compiled to SPARQL and run inside Oxigraph (:mod:`gbakg.shacl`, over a pyoxigraph store), which is
an order of magnitude faster and is what a large graph needs. Both are hidden behind a typed report.
Bad data is a report, not an exception: only broken shapes or an unreadable graph file raise.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox
import pyshacl
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SH, SKOS
from rdflib.term import Node

from . import shacl
from .columns import Columns, Key, pack
from .errors import Location, ReadError, ShapesError, require_graph_file
from .models import Finding, Severity
from .namespaces import GBA, OA, PREFIXES
from .parallel import Background
from .rdfio import Footprint, StoreView, syntax_location, syntax_message
from .rdfio import load_graph as load_rdf
from .shacl import RawResult
from .vocab import SHAPES_DIR

log = logging.getLogger(__name__)
T = TypeVar("T")

GRAPH_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}
ENGINES = ("pyshacl", "oxigraph")
STORE_BUDGET = 2_200_000  # statements in one of the validator's stores over columns (about 1 GB)
SPARQL_TARGET_WORK = 500  # a SPARQL target costs about as much as 500 focus-node constraints (measured)
SEVERITY = {SH.Violation: Severity.VIOLATION, SH.Warning: Severity.WARNING, SH.Info: Severity.INFO}


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, with what a reviewer needs to find it in the sources."""

    severity: Severity
    shape: str
    shape_label: str
    focus: str
    focus_label: str
    path: str | None
    value: str | None
    message: str
    case: str | None
    quote: str | None
    batch: str | None
    value_n3: str | None = None
    component: str = ""
    path_iris: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    results: tuple[ValidationResult, ...]
    findings: tuple[Finding, ...] = ()

    def count(self, severity: Severity) -> int:
        return sum(1 for r in self.results if r.severity is severity) + sum(
            1 for f in self.findings if f.severity is severity
        )

    @property
    def violations(self) -> int:
        return self.count(Severity.VIOLATION)

    def by_shape(self) -> Counter[tuple[Severity, str]]:
        return Counter((r.severity, r.shape_label) for r in self.results)

    def by_batch(self) -> Counter[tuple[str, Severity]]:
        return Counter((r.batch or "—", r.severity) for r in self.results)


def load_shapes(directory: Path | None = None) -> Graph:
    """Parse every shapes file of a folder.

    Raises:
        ShapesError: the folder has no shapes or a file does not parse.
    """
    root = directory or SHAPES_DIR
    files = sorted(Path(root).glob("*.ttl"))
    if not files:
        raise ShapesError(
            "no shapes files found", location=Location(str(root)), hint="pass --shapes DIR with Turtle SHACL files"
        )
    shapes = load_rdf(files, ox.RdfFormat.TURTLE, ShapesError, "shapes", Path(root), "fix the Turtle syntax")
    for prefix, ns in PREFIXES.items():  # for the names in messages (the parser drops the files' prefixes)
        shapes.bind(prefix, ns, replace=True)
    return shapes


def load_graph_file(path: Path) -> Graph:
    """Read an RDF file (format from its extension).

    Raises:
        ReadError: the file is missing or does not parse.
    """
    require_graph_file(path)
    fmt = GRAPH_FORMATS.get(path.suffix.lower(), ox.RdfFormat.TURTLE)
    return load_rdf([path], fmt, ReadError, f"the graph as {fmt.name}", path, "check the file's syntax and extension")


def load_graph_store(path: Path) -> ox.Store:
    """Read an RDF file (format from its extension) into a pyoxigraph store, for the oxigraph engine.

    Raises:
        ReadError: the file is missing or does not parse.
    """

    def read(fmt: ox.RdfFormat) -> ox.Store:
        store = ox.Store()
        store.load(path=str(path), format=fmt)  # in memory: as fast as bulk_load or faster, with less memory
        return store

    return _read_with_oxigraph(path, read)


def load_graph_columns(path: Path, directory: Path) -> Columns:
    """Read an RDF file (format from its extension) into columns in ``directory``, for
    :func:`validate_columns`: a large file validated without a store of all of it.

    Raises:
        ReadError: the file is missing or does not parse.
    """
    return _read_with_oxigraph(path, lambda fmt: Columns.of_file(path, fmt, directory))


def _read_with_oxigraph(path: Path, read: Callable[[ox.RdfFormat], T]) -> T:
    """``read`` with the file's format (from its extension); Oxigraph's syntax errors located."""
    require_graph_file(path)
    fmt = GRAPH_FORMATS.get(path.suffix.lower(), ox.RdfFormat.TURTLE)
    try:
        return read(fmt)
    except SyntaxError as e:
        raise ReadError(
            f"cannot parse the graph as {fmt.name}: {syntax_message(e)}",
            location=syntax_location(e, path),
            hint="check the file's syntax and extension",
        ) from e


def validate(
    data: Graph | ox.Store,
    shapes: Graph | None = None,
    findings: tuple[Finding, ...] = (),
    jobs: int = 1,
    engine: str = "pyshacl",
) -> ValidationReport:
    """Validate a data graph; reader findings are carried into the same report.

    ``engine`` is ``"pyshacl"`` (an rdflib graph is read; a store is copied into one) or
    ``"oxigraph"`` (a store is queried; an rdflib graph is copied into one). For pySHACL with ``jobs``
    ≥ 2 the node shapes are shared between this process and a forked one, in two halves of about the
    same estimated work (focus nodes × constraints); every result comes from one node shape, so the
    merged report is the one a single run gives. The data is never modified (no inference runs).

    Raises:
        ShapesError: the shapes graph is not valid SHACL, or uses what the engine does not implement.
        ValueError: an unknown engine.
    """
    shapes = shapes if shapes is not None else load_shapes()
    view: Graph | StoreView
    if engine == "oxigraph":
        store = data if isinstance(data, ox.Store) else graph_store(data)
        raws = list(shacl.run(shacl.compile_shapes(shapes), store))
        view = StoreView(store)
    elif engine == "pyshacl":
        view = data if isinstance(data, Graph) else StoreView(data).graph()
        if jobs > 1:
            mine, theirs = partition_shapes(view, shapes, 2)
            with Background(partial(_validate, view, theirs), parallel=True) as other:
                raws = _validate(view, mine)
                raws += other.result()
        else:
            raws = _validate(view, shapes)
    else:
        raise ValueError(f"unknown validation engine {engine!r} (one of {', '.join(ENGINES)})")
    return _report([_result(r, view, shapes) for r in raws], findings)


def _report(results: list[ValidationResult], findings: tuple[Finding, ...]) -> ValidationReport:
    """The report of these results (sorted: severity, shape, focus node …) and reader findings."""
    order = list(SEVERITY.values())
    results.sort(
        key=lambda r: (
            order.index(r.severity),
            r.shape_label,
            r.focus,
            r.path or "",
            r.value or "",
            r.component,
            r.message,
        )
    )
    conforms = not any(r.severity is Severity.VIOLATION for r in results)
    return ValidationReport(
        conforms and not any(f.severity is Severity.VIOLATION for f in findings), tuple(results), findings
    )


@dataclass(frozen=True)
class Reader:
    """A report made from the validated graph beside validation: what it reads (its footprint, which
    its store is made of) and how it reads it."""

    name: str
    sees: Footprint
    read: Callable[[StoreView], object]


def validate_columns(
    columns: Columns,
    shapes: Graph | None = None,
    findings: tuple[Finding, ...] = (),
    readers: Sequence[Reader] = (),
    budget: int = STORE_BUDGET,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[ValidationReport, dict[str, object]] | None:
    """The compiled shapes checked, and the readers run, over stores of the columns each reads, made
    and freed in turn: the report :func:`validate` gives over a store of the whole union, with a
    fraction of the memory. Each check's footprint comes from its query
    (:func:`gbakg.shacl.query_footprint`); the checks of each shape (or, where they need more than
    ``budget`` statements together, each check) and each reader are packed into stores of at most
    ``budget`` statements (:func:`gbakg.columns.pack`). The results are described (labels, case, quote:
    :data:`RESULT_READS`) over the last store; ``progress`` is told of each store (its number, the
    number of stores) as it is made. Returns the report and each reader's result, or None where a
    check reads named graphs (GRAPH, FROM, SERVICE), which only a store of the whole dataset answers,
    or is a query rdflib's parser does not read (:func:`gbakg.shacl.query_footprint`).

    Raises:
        ShapesError: the shapes use what the compiled engine does not implement.
    """
    shapes = shapes if shapes is not None else load_shapes()
    checks = shacl.compile_shapes(shapes)
    prints = shacl.footprints(checks)
    if prints is None:
        return None
    # consumers: each check, each reader, and last the description of the results (their labels …)
    sees = [*prints, *(r.sees for r in readers), RESULT_READS]
    describe = len(sees) - 1
    needs = [columns.keys(fp) for fp in sees]
    groups = _groups(columns, checks, needs, budget)
    groups.sort(key=lambda members: describe in members)  # the results are described once all are found
    raws: list[RawResult] = []
    read: dict[str, object] = {}
    results: list[ValidationResult] = []
    for n, members in enumerate(groups):
        if progress is not None:
            progress(n + 1, len(groups))
        started = time.perf_counter()
        keys = set().union(*(needs[i] for i in members))
        store = columns.store(keys)
        loaded = time.perf_counter()
        view = StoreView(store, Footprint.union_of(sees[i] for i in members))
        raws.extend(shacl.run([checks[i] for i in members if i < len(checks)], store))
        for i in members:
            if len(checks) <= i < describe:
                reader = readers[i - len(checks)]
                read[reader.name] = reader.read(view)
        if describe in members:
            results = [_result(r, view, shapes) for r in raws]
        log.debug(
            "validation store %d of %d: %d statements in %d columns, loaded in %.1f s, read in %.1f s",
            n + 1,
            len(groups),
            columns.size(keys),
            len(keys),
            loaded - started,
            time.perf_counter() - loaded,
        )
        del store, view
    return _report(results, findings), read


def _groups(
    columns: Columns, checks: Sequence[shacl.Check], needs: list[frozenset[Key]], budget: int
) -> list[list[int]]:
    """The readers (the checks, then the others: ``needs`` gives each one's columns) in groups of at
    most ``budget`` statements, packed two ways: a shape's checks kept together (they share its
    targets' columns) unless together they pass the budget, and each check alone. The groups that
    load fewer statements in all are kept (on the earlier 100× synthetic corpus, with a budget of 2.2 M, each
    check alone: 7.2 M statements in 4 stores, where the shapes' checks together took 8.1 M)."""
    by_shape: dict[Node, list[int]] = {}
    for i, check in enumerate(checks):
        by_shape.setdefault(check.node_shape, []).append(i)
    together: list[list[int]] = []
    for members in by_shape.values():
        fits = columns.size(set().union(*(needs[i] for i in members))) <= budget
        together.extend([members] if fits else [[i] for i in members])
    others = [[i] for i in range(len(checks), len(needs))]
    plans = []
    for units in (together + others, [[i] for i in range(len(checks))] + others):
        packed = pack(columns, [frozenset().union(*(needs[i] for i in unit)) for unit in units], budget)
        groups = [sorted(i for u in group for i in units[u]) for group in packed]
        plans.append((sum(columns.size(set().union(*(needs[i] for i in g))) for g in groups), groups))
    return min(plans, key=lambda plan: plan[0])[1]  # the first, where both load as many


def graph_store(data: Graph) -> ox.Store:
    """An rdflib graph copied into a pyoxigraph store's default graph."""
    from .serialize import canonical_ntriples

    store = ox.Store()
    store.bulk_load(canonical_ntriples(data).encode(), format=ox.RdfFormat.N_TRIPLES)
    return store


SIMPLE_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
SHAPE_REFERENCES = (SH.node, SH["not"], SH.qualifiedValueShape)
SHAPE_LISTS = (SH["or"], SH["and"], SH.xone)


def hoist_property_shapes(shapes: Graph) -> Graph:
    """The shapes with each property shape of a targeted node shape given the node shape's targets
    instead of hanging from it: the same results, found several times faster by pySHACL.

    pySHACL checks a node shape's property shapes one focus node at a time, building every constraint
    anew for each; a property shape with targets of its own is checked once over all its focus nodes.
    SHACL gives both the same results (the same focus nodes, values, source shapes and messages), so
    a property shape moves when that is all that changes: its node shape has only class, node,
    subjects-of or objects-of targets (a SPARQL target would be run once per property shape), is not
    deactivated or closed, and is used by no other shape (``sh:node``, ``sh:or`` …), and the property shape
    belongs to no other shape and has no targets of its own. Results still name the node shape:
    :func:`_raw_results` reads ownership from the original shapes graph.
    """
    referenced = {o for p in SHAPE_REFERENCES for o in shapes.objects(None, p)}
    for p in SHAPE_LISTS:
        for head in shapes.objects(None, p):
            referenced.update(shapes.items(head))
    moves: list[tuple[Node, Node, list[tuple[URIRef, Node]]]] = []
    for ns in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        targets = [(p, o) for p in SIMPLE_TARGETS for o in shapes.objects(ns, p)]
        if (ns, RDF.type, RDFS.Class) in shapes:  # an implicit class target
            targets.append((SH.targetClass, ns))
        if (
            not targets
            or ns in referenced
            or (ns, SH.target, None) in shapes
            or (ns, SH.deactivated, Literal(True)) in shapes
            or (ns, SH.closed, None) in shapes  # sh:closed reads the paths of the shape's own properties
        ):
            continue
        for ps in shapes.objects(ns, SH.property):
            owners = set(shapes.subjects(SH.property, ps))
            has_targets = any((ps, p, None) in shapes for p in (*SIMPLE_TARGETS, SH.target))
            if owners == {ns} and ps not in referenced and not has_targets:
                moves.append((ns, ps, targets))
    if not moves:
        return shapes
    out = Graph()
    for prefix, ns in shapes.namespaces():
        out.bind(prefix, ns)
    moved = {(ns, SH.property, ps) for ns, ps, _ in moves}
    out.addN((s, p, o, out) for s, p, o in shapes if (s, p, o) not in moved)
    out.addN((ps, p, o, out) for _, ps, targets in moves for p, o in targets)
    return out


def _validate(data: Graph, shapes: Graph) -> list[RawResult]:
    """pySHACL over the data with these shapes (their property shapes hoisted, see
    :func:`hoist_property_shapes`): its results.

    Raises:
        ShapesError: the shapes could not be applied.
    """
    try:
        _, report_graph, _ = pyshacl.validate(
            data,
            shacl_graph=hoist_property_shapes(shapes),
            inference="none",
            advanced=True,
            allow_warnings=True,
            meta_shacl=False,
            abort_on_first=False,
            inplace=True,
        )
    except pyshacl.errors.ReportableRuntimeError as e:
        raise ShapesError(f"the shapes could not be applied: {e}", hint="check the SHACL in shapes/") from e
    return list(_raw_results(report_graph, shapes))


def _raw_results(report: Graph, shapes: Graph) -> Iterator[RawResult]:
    """The results of a pySHACL report graph (not the nested sh:detail results of sh:node), each
    attributed to its node shape."""
    for r in report.objects(None, SH.result):
        source_shape = report.value(r, SH.sourceShape)
        node_shape = source_shape
        for s in shapes.subjects(SH.property, source_shape):
            node_shape = s
        for s in shapes.subjects(SH.sparql, source_shape):
            node_shape = s
        msg = report.value(r, SH.resultMessage)
        path = report.value(r, SH.resultPath)
        value = report.value(r, SH.value)
        yield RawResult(
            node_shape=node_shape,  # type: ignore[arg-type]
            focus=report.value(r, SH.focusNode),  # type: ignore[arg-type]
            path_text=shacl.path_text(report, path),
            path_iris=shacl.path_iris(report, path),
            value=value,
            component=report.value(r, SH.sourceConstraintComponent),  # type: ignore[arg-type]
            severity=report.value(r, SH.resultSeverity),  # type: ignore[arg-type]
            message=str(msg) if msg is not None else None,
        )


def _owned(shapes: Graph, node: Node) -> set[Node]:
    """A shape node and the blank nodes reachable from it (its property shapes, lists, SPARQL targets)."""
    owned = {node}
    frontier = [node]
    while frontier:
        for o in shapes.objects(frontier.pop(), None):
            if isinstance(o, BNode) and o not in owned:
                owned.add(o)
                frontier.append(o)
    return owned


def _estimated_work(data: Graph, shapes: Graph, shape: Node) -> int:
    """Focus nodes × constraints, what pySHACL's time grows with, plus a fixed cost for a SPARQL
    target (parsing and running its query); instances of subclasses are targets of a class."""
    focus: set[Node] = set()
    for c in shapes.objects(shape, SH.targetClass):
        for cls in data.transitive_subjects(RDFS.subClassOf, c):
            focus.update(data.subjects(RDF.type, cls))
    for p in shapes.objects(shape, SH.targetSubjectsOf):
        focus.update(data.subjects(p, None))
    for p in shapes.objects(shape, SH.targetObjectsOf):
        focus.update(data.objects(None, p))
    constraints = sum(_constraint_work(shapes, p) for p in shapes.objects(shape, SH.property)) + sum(
        1 for _ in shapes.objects(shape, SH.sparql)
    )
    return (len(focus) + 1) * (constraints + 1) + (SPARQL_TARGET_WORK if (shape, SH.target, None) in shapes else 0)


def _constraint_work(shapes: Graph, prop: Node) -> int:
    """A property shape's constraints, plus one per step of a sequence path after the first."""
    path = shapes.value(prop, SH.path)
    steps = len(list(shapes.items(path))) if path is not None and (path, RDF.first, None) in shapes else 1
    params = sum(1 for _ in shacl.Compiler(shapes).parameters(prop))
    return params + steps - 1


def partition_shapes(data: Graph, shapes: Graph, parts: int) -> list[Graph]:
    """The shapes graph split into ``parts`` graphs of about equal estimated work, each with whole node
    shapes (their property shapes and lists) and everything that is not a node shape (prefix
    declarations)."""
    node_shapes = sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str)
    owned = {s: _owned(shapes, s) for s in node_shapes}
    loads = [0] * parts
    groups: list[set[Node]] = [set() for _ in range(parts)]
    work = {s: _estimated_work(data, shapes, s) for s in node_shapes}
    for s in sorted(node_shapes, key=lambda s: (-work[s], str(s))):
        i = loads.index(min(loads))
        loads[i] += work[s]
        groups[i].update(owned[s])
    everyone = set().union(*owned.values())
    out = []
    for group in groups:
        g = Graph()
        for prefix, ns in shapes.namespaces():
            g.bind(prefix, ns)
        g.addN((s, p, o, g) for s, p, o in shapes if s not in everyone or s in group)
        out.append(g)
    return out


# What describing a result reads (:func:`_result`): labels, the way up to its case, its quote.
RESULT_READS = Footprint.of(
    (
        RDFS.label,
        DCTERMS.title,
        SKOS.prefLabel,
        GBA.describes,
        GBA.subMeasure,
        GBA.alignment,
        GBA.outcome,
        GBA.event,
        GBA.submission,
        PROV.wasAssociatedWith,
        GBA.inBatch,
        GBA.evidence,
        OA.hasBody,
        OA.hasTarget,
        GBA.text,
    ),
    (GBA.TypicalCase, GBA.ReportedMeasure, GBA.CaseBatch),
)


def _label(g: Graph | StoreView, node: object) -> str:
    if not isinstance(node, URIRef):
        return str(node)
    for p in (RDFS.label, DCTERMS.title, SKOS.prefLabel):
        vals = sorted(g.objects(node, p), key=lambda v: (getattr(v, "language", "") != "zh-Hans", str(v)))
        if vals:
            return str(vals[0])
    return str(node).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _case_of(data: Graph | StoreView, focus: URIRef) -> URIRef | None:
    """The typical case (or news-reported measure) a focus node belongs to, following measure and link
    edges upward."""
    seen = set()
    frontier = [focus]
    while frontier:
        node = frontier.pop()
        if node in seen:
            continue
        seen.add(node)
        if (node, RDF.type, GBA.TypicalCase) in data or (node, RDF.type, GBA.ReportedMeasure) in data:
            return node
        for s in data.subjects(GBA.describes, node):
            return s  # type: ignore[return-value]
        for p in (GBA.subMeasure, GBA.alignment, GBA.outcome, GBA.event, GBA.submission, PROV.wasAssociatedWith):
            frontier.extend(s for s in sorted(data.subjects(p, node), key=str) if isinstance(s, URIRef))
    return None


def _quote(data: Graph | StoreView, focus: URIRef) -> str | None:
    """The source text of the focus node's own evidence, or of the evidence that points to it."""
    annotations = sorted(data.objects(focus, GBA.evidence), key=str) or sorted(
        data.subjects(OA.hasBody, focus), key=str
    )
    for ev in annotations:
        for target in data.objects(ev, OA.hasTarget):
            for text in data.objects(target, GBA.text):
                return str(text)
    return None


def _result(r: RawResult, data: Graph | StoreView, shapes: Graph) -> ValidationResult:
    """A result with what a reviewer needs: labels, the case and batch, and the source quote."""
    focus, value = r.focus, r.value
    case = _case_of(data, focus) if isinstance(focus, URIRef) else None
    batch = None
    if case is not None:
        b = data.value(case, GBA.inBatch)
        batch = _label(data, b) if b is not None else None
    elif isinstance(focus, URIRef) and (focus, RDF.type, GBA.CaseBatch) in data:
        batch = _label(data, focus)
    return ValidationResult(
        severity=SEVERITY.get(r.severity, Severity.VIOLATION),
        shape=str(r.node_shape),
        shape_label=_label(shapes, r.node_shape),
        focus=str(focus),
        focus_label=_label(data, focus),
        path=r.path_text,
        value=str(value) if isinstance(value, URIRef | Literal) else None,
        value_n3=value.n3() if isinstance(value, URIRef | Literal) else None,
        component=str(r.component or ""),
        path_iris=r.path_iris,
        message=r.message or "",
        case=str(case).rsplit("/", 1)[-1] if case is not None else None,
        quote=_quote(data, focus) if isinstance(focus, URIRef) else None,
        batch=batch,
    )
