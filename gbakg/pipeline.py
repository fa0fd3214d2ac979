"""The build pipeline: read → extract → map → validate → serialise. The only module that knows the order.

Input: a corpus folder. Output: ``graph.trig`` (one named graph per document plus the reference graph),
``graph.ttl`` (their union), ``graph.jsonld``, ``report.ttl``, ``report.md``, ``report.html`` and
``summary.json`` in the output folder, each written atomically.
"""

from __future__ import annotations

import json
import os
import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, Graph
from rdflib.namespace import ORG, PROV

from . import report as report_mod
from .errors import OutputError
from .extract import extract_document
from .link import CURATION_FILE, PlanLinker, PlanLinkFact, apply_curation, load_curation, plan_inputs
from .mapping import Mapper, NamedGraphs, new_dataset, union_graph
from .models import Corpus, DocumentKind, Finding, MeasureFacts, Severity
from .namespaces import GBA
from .read import read_corpus
from .serialize import serialize
from .validate import ValidationReport, load_shapes, validate
from .vocab import Vocabulary, load_vocabulary

Progress = Callable[[str, int, int], None]
STAGES = ("read", "extract", "link", "map", "validate", "serialise")
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

    @property
    def exit_code(self) -> int:
        return 1 if self.report.violations else 0


@dataclass
class Built:
    """An in-memory build: the dataset and what went into it (for tests and benchmarks)."""

    corpus: Corpus
    facts: list[MeasureFacts]
    dataset: NamedGraphs
    graph: Graph
    findings: tuple[Finding, ...]
    timings: dict[str, float]
    plan_links: list[PlanLinkFact] = field(default_factory=list)
    plan_candidates: list[PlanLinkFact] = field(default_factory=list)


def _noop(stage: str, step: int, total: int) -> None:
    return None


def build_graph(
    corpus_dir: str | Path,
    vocab: Vocabulary | None = None,
    progress: Progress = _noop,
    curation_file: Path | None = None,
) -> Built:
    """Read, extract, link and map a corpus into a dataset (no validation, nothing written).

    Raises:
        ReadError: the corpus, its manifest or the curation file cannot be read.
    """
    timings: dict[str, float] = {}
    vocab = vocab or load_vocabulary()
    progress("read", 1, len(STAGES))
    t = time.perf_counter()
    corpus = read_corpus(corpus_dir, vocab)
    timings["read"] = time.perf_counter() - t

    progress("extract", 2, len(STAGES))
    t = time.perf_counter()
    facts_by_doc: list[list[MeasureFacts]] = []
    findings: list[Finding] = list(corpus.all_findings())
    for d in corpus.documents:
        facts, extra = extract_document(d, vocab)
        facts_by_doc.append(facts)
        findings.extend(extra)
    timings["extract"] = time.perf_counter() - t

    all_facts = [f for fs in facts_by_doc for f in fs]

    progress("link", 3, len(STAGES))
    t = time.perf_counter()
    measures, items = plan_inputs(corpus, all_facts, vocab)
    candidates: list[PlanLinkFact] = []
    links: list[PlanLinkFact] = []
    if items and measures:
        candidates = PlanLinker(measures, vocab, items).candidates(items)
        curation = load_curation(curation_file)
        known = {m.key for m in measures}
        numbers = {i.number for i in items}
        for (item, measure), (decision, _) in sorted(curation.decisions.items()):
            if measure not in known or item not in numbers:
                findings.append(
                    Finding(
                        "curation-unknown",
                        f"curated {decision} of item {item} → {measure} names "
                        "an item or measure that is not in the corpus",
                        Severity.WARNING,
                        str(curation_file or CURATION_FILE),
                    )
                )
        links = [lk for lk in apply_curation(candidates, curation) if lk.measure in known]
    timings["link"] = time.perf_counter() - t

    progress("map", 4, len(STAGES))
    t = time.perf_counter()
    ds = new_dataset(vocab)
    mapper = Mapper(ds, vocab)
    for d, facts in zip(corpus.documents, facts_by_doc, strict=True):
        if d.document.meta.kind is not None:
            mapper.add_document(d, facts)
    plan_doc = next((d.document for d in corpus.documents if d.plan_items), None)
    if plan_doc is not None:
        mapper.add_plan_links(plan_doc, links)
    graph = union_graph(ds)
    timings["map"] = time.perf_counter() - t
    return Built(corpus, all_facts, ds, graph, tuple(findings), timings, links, candidates)


def count(graph: Graph) -> dict[str, int]:
    """The headline counts of a built graph."""

    def n(cls) -> int:
        return len(set(graph.subjects(RDF.type, cls)))

    agencies = (
        set(graph.objects(None, GBA.submittedBy))
        | set(graph.objects(None, GBA.agency))
        | set(graph.objects(None, PROV.wasAssociatedWith))
    )
    return {
        "documents": n(GBA.SourceDocument),
        "cases": n(GBA.TypicalCase),
        "measures": n(GBA.Measure) + n(GBA.ReportedMeasure),
        "reported measures": n(GBA.ReportedMeasure),
        "agencies": len(agencies),
        "instruments": n(GBA.Instrument),
        "links": sum(
            n(c)
            for c in (
                GBA.MutualRecognition,
                GBA.JointStandardSetting,
                GBA.RuleApplication,
                GBA.Convergence,
                GBA.SystemInterconnection,
                GBA.JointInspection,
            )
        ),
        "mutual recognitions": n(GBA.MutualRecognition),
        "outcomes": n(GBA.Outcome),
        "dated events": n(GBA.DatedEvent),
        "plan items": n(GBA.WorkPlanItem),
        "change events": n(ORG.ChangeEvent),
        "triples": len(graph),
    }


def build(
    corpus_dir: str | Path, out_dir: str | Path, progress: Progress = _noop, shapes_dir: Path | None = None
) -> BuildResult:
    """Build, validate and write the graph of a corpus.

    Raises:
        ReadError: the corpus folder or manifest cannot be read.
        ShapesError: the shapes are broken.
        OutputError: the outputs cannot be written.
    """
    out = Path(out_dir)
    shapes = load_shapes(shapes_dir)
    built = build_graph(corpus_dir, progress=progress)
    timings = dict(built.timings)

    progress("validate", 5, len(STAGES))
    t = time.perf_counter()
    rep = validate(built.graph, shapes, built.findings)
    timings["validate"] = time.perf_counter() - t

    progress("serialise", 6, len(STAGES))
    t = time.perf_counter()
    counts = count(built.graph)
    for sev in (Severity.VIOLATION, Severity.WARNING, Severity.INFO):
        counts[sev.value.lower() + "s"] = rep.count(sev)
    extra = [("corpus", str(Path(corpus_dir))), ("documents", str(len(built.corpus.documents)))] + [
        (k, str(v)) for k, v in counts.items() if k not in ("violations", "warnings", "infos")
    ]
    payloads: dict[str, str] = {
        "graph.trig": serialize(built.dataset, "trig"),
        "graph.ttl": serialize(built.graph, "turtle"),
        "graph.jsonld": serialize(built.graph, "jsonld"),
        "report.ttl": report_mod.to_graph(rep).serialize(format="turtle"),
        "report.md": report_mod.to_markdown(rep, extra=extra),
        "report.html": report_mod.to_html(rep, extra=extra),
        "plan-gaps.md": report_mod.plan_gaps_markdown(built.graph),
        "plan-gaps.html": report_mod.plan_gaps_html(built.graph),
    }
    timings["serialise"] = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    payloads["summary.json"] = (
        json.dumps(
            {
                "counts": counts,
                "timings_s": {k: round(v, 3) for k, v in timings.items()},
                "peak_memory_mb": round(peak, 1),
                "documents": [
                    d.document.path.name
                    for d in built.corpus.documents
                    if d.document.meta.kind is not None and d.document.meta.kind in DocumentKind
                ],
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )
    files = write_atomically(out, payloads)
    return BuildResult(out, counts, timings, peak, rep, files)


def write_atomically(out_dir: Path, payloads: dict[str, str]) -> dict[str, Path]:
    """Write each file to a temporary name and rename it into place, so a failed or interrupted
    build never leaves a half-written file over a good one.

    Raises:
        OutputError: the folder cannot be created or written.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staged: list[tuple[str, Path]] = []
        for name, text in payloads.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=out_dir)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            staged.append((tmp, out_dir / name))
        for tmp, final in staged:
            os.replace(tmp, final)
    except OSError as e:
        for tmp, _ in locals().get("staged", []):
            Path(tmp).unlink(missing_ok=True)
        from .errors import Location

        raise OutputError(
            f"cannot write the outputs: {e.strerror}",
            location=Location(str(out_dir)),
            hint="choose a writable --out folder",
        ) from e
    return {name: out_dir / name for name in payloads}
