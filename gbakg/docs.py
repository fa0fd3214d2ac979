"""Generate the ontology's documentation: a standalone HTML page of classes, properties and SKOS schemes
(with their cues), and a Graphviz diagram of the main classes (``model.dot``, ``model.svg``, ``model.png``).

Run with ``python -m gbakg.docs --out docs`` (``make docs``). pyLODE was tried first; its 3.4.1 release
fails on a clean install (it opens its own pyproject.toml), so this module does the same job in ~150 lines.
"""

from __future__ import annotations

import argparse
import html
import shutil
import subprocess
import sys
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef

from .namespaces import GBA, GBA_URI, PREFIXES
from .vocab import load_graph

MAIN_CLASSES = [
    "Jurisdiction",
    "Agency",
    "NonGovernmentOrganisation",
    "Instrument",
    "SourceDocument",
    "CaseBatch",
    "TypicalCase",
    "Submission",
    "Measure",
    "ReportedMeasure",
    "AlignmentLink",
    "MutualRecognition",
    "Outcome",
    "DatedEvent",
    "WorkPlan",
    "WorkPlanSection",
    "WorkPlanItem",
    "PlanLink",
    "SourceSpan",
]
EDGES = [
    ("TypicalCase", "describes", "Measure"),
    ("TypicalCase", "inBatch", "CaseBatch"),
    ("TypicalCase", "submission", "Submission"),
    ("Submission", "agency", "Agency"),
    ("Measure", "involves", "Jurisdiction"),
    ("Measure", "usesInstrument", "Instrument"),
    ("Measure", "alignment", "AlignmentLink"),
    ("Measure", "outcome", "Outcome"),
    ("Measure", "event", "DatedEvent"),
    ("Measure", "subMeasure", "Measure"),
    ("AlignmentLink", "party", "Jurisdiction"),
    ("AlignmentLink", "basedOn", "Instrument"),
    ("Agency", "jurisdiction", "Jurisdiction"),
    ("Jurisdiction", "partOf", "Jurisdiction"),
    ("ReportedMeasure", "reportedIn", "SourceDocument"),
    ("WorkPlanItem", "inSection", "WorkPlanSection"),
    ("PlanLink", "planItem", "WorkPlanItem"),
    ("PlanLink", "measure", "Measure"),
    ("SourceSpan", "oa:hasSource", "SourceDocument"),
    ("Measure", "evidence (oa:Annotation → target)", "SourceSpan"),
    ("NonGovernmentOrganisation", "jurisdiction", "Jurisdiction"),
]
SUBCLASSES = [("ReportedMeasure", "Measure"), ("MutualRecognition", "AlignmentLink"), ("WorkPlan", "Instrument")]


def _labels(g: Graph, s: URIRef, p: URIRef = RDFS.label) -> dict[str, str]:
    return {o.language or "": str(o) for o in g.objects(s, p) if isinstance(o, Literal)}


def _short(g: Graph, node: object) -> str:
    if not isinstance(node, URIRef):
        return str(node)
    try:
        return g.namespace_manager.normalizeUri(node)
    except Exception:  # rdflib raises for IRIs it cannot abbreviate
        return str(node)


def to_html(g: Graph) -> str:
    e = html.escape
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>gbakg ontology</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2rem auto;color:#222}"
        "section{border-top:1px solid #ddd;padding:.5rem 0}code{background:#f4f4f4;padding:0 .2rem}"
        "td,th{border:1px solid #ddd;padding:.2rem .4rem;vertical-align:top}table{border-collapse:collapse}</style>",
        "</head><body><h1>gbakg ontology</h1>",
        f"<p>Namespace <code>{e(GBA_URI)}</code> (prefix <code>gba:</code>). Instances under "
        "<code>https://w3id.org/gbakg/id/</code>.</p><p><img src='model.svg' alt='main classes' "
        "style='max-width:100%'></p>",
    ]
    for title, kinds in (
        ("Classes", (OWL.Class,)),
        ("Properties", (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)),
    ):
        out.append(f"<h2>{title}</h2>")
        terms = sorted(
            {s for k in kinds for s in g.subjects(RDF.type, k) if isinstance(s, URIRef) and str(s).startswith(GBA_URI)}
        )
        for s in terms:
            labels = _labels(g, s)
            defs = _labels(g, s, SKOS.definition)
            out.append(
                f"<section id='{e(str(s)[len(GBA_URI) :])}'><h3><code>gba:{e(str(s)[len(GBA_URI) :])}</code> "
                f"{e(labels.get('en', ''))} · {e(labels.get('zh-Hans', ''))} · {e(labels.get('zh-Hant', ''))}</h3>"
                f"<p>{e(defs.get('en', ''))}</p><p>{e(defs.get('zh-Hans', ''))}</p>"
            )
            rel = []
            for p, name in (
                (RDFS.subClassOf, "subclass of"),
                (RDFS.subPropertyOf, "subproperty of"),
                (RDFS.domain, "domain"),
                (RDFS.range, "range"),
            ):
                vals = sorted(_short(g, o) for o in g.objects(s, p))
                if vals:
                    rel.append(f"{name}: {e(', '.join(vals))}")
            if rel:
                out.append("<p>" + "<br>".join(rel) + "</p>")
            out.append("</section>")
    out.append("<h2>Concept schemes</h2>")
    for scheme in sorted(s for s in g.subjects(RDF.type, SKOS.ConceptScheme) if isinstance(s, URIRef)):
        out.append(
            f"<h3>{e(_labels(g, scheme, SKOS.prefLabel).get('en', str(scheme)))} <code>{e(str(scheme))}</code></h3>"
            "<table><tr><th>concept</th><th>zh-Hans</th><th>zh-Hant</th><th>en</th><th>cues</th></tr>"
        )
        for c in sorted(g.subjects(SKOS.inScheme, scheme), key=str):
            lab = _labels(g, c, SKOS.prefLabel)  # type: ignore[arg-type]
            cues = sorted(
                str(o)
                for p in (GBA.cue, GBA.cuePattern, GBA.suffixCue, GBA.prefixCue, GBA.unitCue)
                for o in g.objects(c, p)
            )
            out.append(
                f"<tr><td><code>{e(str(c).rsplit('/', 1)[-1])}</code></td><td>{e(lab.get('zh-Hans', ''))}</td>"
                f"<td>{e(lab.get('zh-Hant', ''))}</td><td>{e(lab.get('en', ''))}</td>"
                f"<td>{e(' · '.join(cues))}</td></tr>"
            )
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def to_dot() -> str:
    lines = [
        "digraph gbakg {",
        '  rankdir=LR; node [shape=box, style="rounded,filled", fillcolor="#eef3fb", '
        'fontname="Helvetica", fontsize=11]; edge [fontname="Helvetica", fontsize=9, color="#555555"];',
    ]
    for c in MAIN_CLASSES:
        lines.append(f'  "{c}";')
    for a, label, b in EDGES:
        lines.append(f'  "{a}" -> "{b}" [label="{label}"];')
    for a, b in SUBCLASSES:
        lines.append(f'  "{a}" -> "{b}" [arrowhead=empty, style=dashed, label="subClassOf"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate the ontology documentation and class diagram.")
    ap.add_argument("--out", default="docs", help="output folder (default: docs)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    g = load_graph()
    for prefix, ns in PREFIXES.items():  # the files' own prefixes are not kept by the parser
        g.bind(prefix, ns, replace=True)
    (out / "ontology.html").write_text(to_html(g), encoding="utf-8")
    (out / "model.dot").write_text(to_dot(), encoding="utf-8")
    dot = shutil.which("dot")
    if dot is None:
        print("Graphviz `dot` is not installed: wrote model.dot only (apt-get install graphviz)", file=sys.stderr)
        return 2
    for fmt in ("svg", "png"):
        subprocess.run(
            [dot, f"-T{fmt}", "-Gdpi=110", str(out / "model.dot"), "-o", str(out / f"model.{fmt}")], check=True
        )
    print(f"wrote {out}/ontology.html, {out}/model.svg, {out}/model.png")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
