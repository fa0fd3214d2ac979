"""Validate a graph against the SHACL shapes: graph → :class:`ValidationReport`.

pyshacl is hidden behind a typed report. Bad data is a report, not an exception: only broken shapes
or an unreadable graph file raise.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SH, SKOS

from .errors import Location, ReadError, ShapesError, require_graph_file
from .models import Finding, Severity
from .namespaces import GBA, OA
from .rdfio import parse_graph, syntax_location, syntax_message
from .vocab import SHAPES_DIR

log = logging.getLogger(__name__)

GRAPH_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}
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


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    results: tuple[ValidationResult, ...]
    findings: tuple[Finding, ...] = ()
    report_graph: Graph = field(default_factory=Graph, compare=False, repr=False)

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
    try:
        return parse_graph(files)
    except SyntaxError as e:
        raise ShapesError(
            f"cannot parse shapes: {syntax_message(e)}", location=syntax_location(e, root), hint="fix the Turtle syntax"
        ) from e


def load_graph_file(path: Path) -> Graph:
    """Read an RDF file (format from its extension).

    Raises:
        ReadError: the file is missing or does not parse.
    """
    require_graph_file(path)
    fmt = GRAPH_FORMATS.get(path.suffix.lower(), ox.RdfFormat.TURTLE)
    try:
        return parse_graph([path], fmt)
    except SyntaxError as e:
        raise ReadError(
            f"cannot parse the graph as {fmt.name}: {syntax_message(e)}",
            location=syntax_location(e, path),
            hint="check the file's syntax and extension",
        ) from e


def validate(data: Graph, shapes: Graph | None = None, findings: tuple[Finding, ...] = ()) -> ValidationReport:
    """Validate a data graph; reader findings are carried into the same report.

    The data graph is validated in place (no inference runs, so it is not modified).

    Raises:
        ShapesError: the shapes graph is not valid SHACL.
    """
    shapes = shapes if shapes is not None else load_shapes()
    try:
        conforms, report_graph, _ = pyshacl.validate(
            data,
            shacl_graph=shapes,
            inference="none",
            advanced=True,
            allow_warnings=True,
            meta_shacl=False,
            abort_on_first=False,
            inplace=True,
        )
    except pyshacl.errors.ReportableRuntimeError as e:
        raise ShapesError(f"the shapes could not be applied: {e}", hint="check the SHACL in shapes/") from e
    results = tuple(
        sorted(
            _results(report_graph, data, shapes),
            key=lambda r: (
                list(SEVERITY.values()).index(r.severity),
                r.shape_label,
                r.focus,
                r.path or "",
                r.value or "",
            ),
        )
    )
    return ValidationReport(
        bool(conforms) and not any(f.severity is Severity.VIOLATION for f in findings), results, findings, report_graph
    )


def _label(g: Graph, node: object) -> str:
    if not isinstance(node, URIRef):
        return str(node)
    for p in (RDFS.label, DCTERMS.title, SKOS.prefLabel):
        vals = sorted(g.objects(node, p), key=lambda v: (getattr(v, "language", "") != "zh-Hans", str(v)))
        if vals:
            return str(vals[0])
    return str(node).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _case_of(data: Graph, focus: URIRef) -> URIRef | None:
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


def _quote(data: Graph, focus: URIRef) -> str | None:
    """The source text of the focus node's own evidence, or of the evidence that points to it."""
    annotations = sorted(data.objects(focus, GBA.evidence), key=str) or sorted(
        data.subjects(OA.hasBody, focus), key=str
    )
    for ev in annotations:
        for target in data.objects(ev, OA.hasTarget):
            for text in data.objects(target, GBA.text):
                return str(text)
    return None


def _results(report: Graph, data: Graph, shapes: Graph):
    for r in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(r, SH.focusNode)
        source_shape = report.value(r, SH.sourceShape)
        node_shape = source_shape
        for s in shapes.subjects(SH.property, source_shape):
            node_shape = s
        for s in shapes.subjects(SH.sparql, source_shape):
            node_shape = s
        severity = SEVERITY.get(report.value(r, SH.resultSeverity), Severity.VIOLATION)  # type: ignore[call-overload]
        msg = report.value(r, SH.resultMessage)
        path = report.value(r, SH.resultPath)
        value = report.value(r, SH.value)
        case = _case_of(data, focus) if isinstance(focus, URIRef) else None
        batch = None
        if case is not None:
            b = data.value(case, GBA.inBatch)
            batch = _label(data, b) if b is not None else None
        elif isinstance(focus, URIRef) and (focus, RDF.type, GBA.CaseBatch) in data:
            batch = _label(data, focus)
        yield ValidationResult(
            severity=severity,
            shape=str(node_shape),
            shape_label=_label(shapes, node_shape),
            focus=str(focus),
            focus_label=_label(data, focus),
            path=_path_text(report, path),
            value=str(value) if isinstance(value, URIRef | Literal) else None,
            message=str(msg) if msg is not None else "",
            case=str(case).rsplit("/", 1)[-1] if case is not None else None,
            quote=_quote(data, focus) if isinstance(focus, URIRef) else None,
            batch=batch,
        )


def _path_text(report: Graph, path: object) -> str | None:
    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    items = list(report.items(path)) if (path, RDF.first, None) in report else []  # type: ignore[operator,arg-type]
    return " / ".join(str(i) for i in items) if items else str(path)
