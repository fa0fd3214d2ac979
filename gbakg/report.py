"""Render a :class:`~gbakg.validate.ValidationReport` as Markdown, standalone HTML and RDF.

Every string that comes from a document or a graph is escaped (``html.escape`` for HTML, pipe and
newline escaping for Markdown tables): labels from documents never reach the page as markup.
"""

from __future__ import annotations

import hashlib
import html
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import SH
from rdflib.util import from_n3

from .models import Finding, Severity
from .namespaces import GBA
from .rdfio import Footprint, StoreView, lexical_pairs
from .validate import ValidationReport, ValidationResult

GBS = Namespace("https://w3id.org/gbakg/shapes#")
ORDER = (Severity.VIOLATION, Severity.WARNING, Severity.INFO)


def _md(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


def summary_rows(report: ValidationReport) -> list[tuple[str, int]]:
    return [(s.value, report.count(s)) for s in ORDER]


def _grouped(results: Iterable[ValidationResult]) -> dict[Severity, dict[str, list[ValidationResult]]]:
    out: dict[Severity, dict[str, list[ValidationResult]]] = defaultdict(lambda: defaultdict(list))
    for r in results:
        out[r.severity][r.shape_label].append(r)
    return out


def to_markdown(
    report: ValidationReport, title: str = "gbakg data-quality report", extra: Iterable[tuple[str, str]] = ()
) -> str:
    """The report as Markdown: summary tables, then results grouped by severity, shape and focus."""
    lines = [f"# {_md(title)}", ""]
    lines.append(f"Conforms: **{'yes' if report.conforms else 'no'}**")
    lines.append("")
    for k, v in extra:
        lines.append(f"- {_md(k)}: {_md(v)}")
    if extra:
        lines.append("")
    lines += ["## Summary", "", "| severity | results |", "|---|---:|"]
    lines += [f"| {s} | {n} |" for s, n in summary_rows(report)]
    lines += ["", "### Per shape", "", "| severity | shape | results |", "|---|---|---:|"]
    for (sev, shape), n in sorted(report.by_shape().items(), key=lambda x: (ORDER.index(x[0][0]), x[0][1])):
        lines.append(f"| {sev.value} | {_md(shape)} | {n} |")
    lines += ["", "### Per batch", "", "| batch | severity | results |", "|---|---|---:|"]
    for (batch, sev), n in sorted(report.by_batch().items(), key=lambda x: (x[0][0], ORDER.index(x[0][1]))):
        lines.append(f"| {_md(batch)} | {sev.value} | {n} |")
    if report.findings:
        lines += ["", "## Reader and extractor findings", "", "| severity | where | finding |", "|---|---|---|"]
        for f in _sorted_findings(report.findings):
            lines.append(f"| {f.severity.value} | {_md(_where(f))} | {_md(f.message)} ({f.code}) |")
    grouped = _grouped(report.results)
    for sev in ORDER:
        if sev not in grouped:
            continue
        lines += ["", f"## {sev.value}s"]
        for shape, results in sorted(grouped[sev].items()):
            lines += [
                "",
                f"### {_md(shape)} ({len(results)})",
                "",
                "| case | focus | message | source quote |",
                "|---|---|---|---|",
            ]
            for r in results:
                quote = (r.quote or "")[:120]
                lines.append(
                    f"| {_md(r.case or '')} | {_md(r.focus_label)} | {_md(r.message)}"
                    f"{' (value: ' + _md(r.value) + ')' if r.value else ''} | {_md(quote)} |"
                )
    return "\n".join(lines) + "\n"


def _where(f: Finding) -> str:
    where = f.path.rsplit("/", 1)[-1]
    if f.line is not None:
        where += f":{f.line}" + (f":{f.column}" if f.column is not None else "")
    return where + (f" ({f.subject})" if f.subject else "")


def _sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (ORDER.index(f.severity), f.path, f.line or 0, f.code))


CSS = """
body{font-family:system-ui,-apple-system,"Noto Sans CJK SC",sans-serif;margin:2rem;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:.3rem .6rem;
vertical-align:top;text-align:left}th{background:#f3f3f3}td.n{text-align:right}
.Violation{color:#a40000}.Warning{color:#8a5a00}.Info{color:#245}.quote{color:#555;font-size:.9em}
details{margin:.4rem 0}summary{cursor:pointer;font-weight:600}
"""


def to_html(
    report: ValidationReport, title: str = "gbakg data-quality report", extra: Iterable[tuple[str, str]] = ()
) -> str:
    """The report as one standalone HTML page (no external resources); every value is escaped."""
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f"<p>Conforms: <strong>{'yes' if report.conforms else 'no'}</strong></p>",
    ]
    if extra:
        out.append("<ul>" + "".join(f"<li>{e(k)}: {e(v)}</li>" for k, v in extra) + "</ul>")
    out.append("<h2>Summary</h2><table><tr><th>severity</th><th>results</th></tr>")
    out += [f'<tr><td class="{s}">{s}</td><td class="n">{n}</td></tr>' for s, n in summary_rows(report)]
    out.append("</table><h3>Per shape</h3><table><tr><th>severity</th><th>shape</th><th>results</th></tr>")
    for (sev, shape), n in sorted(report.by_shape().items(), key=lambda x: (ORDER.index(x[0][0]), x[0][1])):
        out.append(f'<tr><td class="{sev.value}">{sev.value}</td><td>{e(shape)}</td><td class="n">{n}</td></tr>')
    out.append("</table><h3>Per batch</h3><table><tr><th>batch</th><th>severity</th><th>results</th></tr>")
    for (batch, sev), n in sorted(report.by_batch().items(), key=lambda x: (x[0][0], ORDER.index(x[0][1]))):
        out.append(f'<tr><td>{e(batch)}</td><td class="{sev.value}">{sev.value}</td><td class="n">{n}</td></tr>')
    out.append("</table>")
    if report.findings:
        out.append(
            "<h2>Reader and extractor findings</h2><table><tr><th>severity</th><th>where</th><th>finding</th></tr>"
        )
        for f in _sorted_findings(report.findings):
            out.append(
                f'<tr><td class="{f.severity.value}">{f.severity.value}</td><td>{e(_where(f))}</td>'
                f"<td>{e(f.message)} <code>{e(f.code)}</code></td></tr>"
            )
        out.append("</table>")
    grouped = _grouped(report.results)
    for sev in ORDER:
        if sev not in grouped:
            continue
        out.append(f'<h2 class="{sev.value}">{sev.value}s</h2>')
        for shape, results in sorted(grouped[sev].items()):
            out.append(
                f"<details open><summary>{e(shape)} ({len(results)})</summary><table>"
                "<tr><th>case</th><th>focus</th><th>message</th><th>source quote</th></tr>"
            )
            for r in results:
                value = f" (value: {e(r.value)})" if r.value else ""
                out.append(
                    f"<tr><td>{e(r.case or '')}</td><td>{e(r.focus_label)}</td><td>{e(r.message)}{value}"
                    f'</td><td class="quote">{e((r.quote or "")[:160])}</td></tr>'
                )
            out.append("</table></details>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


RESULT_NS = "https://w3id.org/gbakg/id/result/"


def _result_iri(r: ValidationResult) -> URIRef:
    key = "|".join((r.severity.value, r.shape, r.focus, r.path or "", r.value_n3 or "", r.message, r.component))
    return URIRef(RESULT_NS + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16])


def to_graph(report: ValidationReport) -> Graph:
    """The report as a SHACL validation report graph, with reader findings added as results of a
    ``gbs:ReaderFinding`` shape. Results are named by a hash of their content (no blank nodes), so the
    same report always gives the same graph."""
    g = Graph()
    g.bind("sh", SH)
    g.bind("gbs", GBS)
    report_node = URIRef("https://w3id.org/gbakg/id/report")
    g.add((report_node, RDF.type, SH.ValidationReport))
    g.add((report_node, SH.conforms, Literal(report.conforms)))
    for r in report.results:
        node = _result_iri(r)
        g.add((report_node, SH.result, node))
        g.add((node, RDF.type, SH.ValidationResult))
        g.add((node, SH.resultSeverity, SH[r.severity.value]))
        g.add((node, SH.sourceShape, URIRef(r.shape)))
        g.add((node, SH.focusNode, URIRef(r.focus)))
        if r.message:
            g.add((node, SH.resultMessage, Literal(r.message)))
        if r.component:
            g.add((node, SH.sourceConstraintComponent, URIRef(r.component)))
        if r.value_n3:
            g.add((node, SH.value, from_n3(r.value_n3)))  # type: ignore[arg-type]
        if len(r.path_iris) == 1:
            g.add((node, SH.resultPath, URIRef(r.path_iris[0])))
        elif r.path_iris:  # a sequence path: an RDF list, its cells named after the result
            cells = [URIRef(f"{node}-path-{i}") for i in range(len(r.path_iris))]
            g.add((node, SH.resultPath, cells[0]))
            for i, (cell, step) in enumerate(zip(cells, r.path_iris, strict=True)):
                g.add((cell, RDF.first, URIRef(step)))
                g.add((cell, RDF.rest, cells[i + 1] if i + 1 < len(cells) else RDF.nil))
    for f in report.findings:
        key = f"{f.path}|{f.line}|{f.column}|{f.code}|{f.message}"
        node = URIRef(f"https://w3id.org/gbakg/id/finding/{hashlib.sha1(key.encode('utf-8')).hexdigest()[:16]}")
        g.add((node, RDF.type, SH.ValidationResult))
        g.add((node, SH.sourceShape, GBS.ReaderFinding))
        g.add((node, SH.resultSeverity, SH[f.severity.value]))
        g.add((node, SH.resultMessage, Literal(str(f))))
        g.add((node, SH.focusNode, Literal(_where(f))))
        g.add((report_node, SH.result, node))
    return g


def to_turtle(report: ValidationReport) -> str:
    """The report graph as sorted Turtle: the same bytes for the same report."""
    from .namespaces import SERIAL_PREFIXES
    from .serialize import serialize

    return serialize(to_graph(report), "turtle", SERIAL_PREFIXES | {"sh": str(SH), "gbs": str(GBS)})


# --- work-plan gap report -------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemGap:
    """A work-plan item and the measures that carry it out: (measure key, label, score, origin), the
    highest score first; none for a gap."""

    plan: str  # the plan's key (its document's: item numbers restart in every plan)
    number: int
    section: str
    text: str
    measures: tuple[tuple[str, str, float, str], ...]


@dataclass(frozen=True)
class PlanGaps:
    """What became of the work plans: their items (by plan, then number) with their implementing
    measures, the measures that carry out no item, and each plan's title by its key."""

    items: list[ItemGap]
    unlinked_measures: list[tuple[str, str]]
    plans: dict[str, str] = field(default_factory=dict)

    @property
    def several(self) -> bool:
        """Whether the items come from more than one plan (the tables then name each item's plan)."""
        return len({i.plan for i in self.items}) > 1


# What the gap report reads (:func:`plan_gaps`).
PLAN_GAPS_READS = Footprint.of(
    (
        GBA.planItem,
        GBA.measure,
        GBA.score,
        GBA.origin,
        RDFS.label,
        GBA.itemNumber,
        GBA.inPlan,
        GBA.inSection,
        GBA.sectionNumber,
        GBA.text,
        GBA.describes,
        GBA.carriesOut,
    ),
    (GBA.WorkPlanItem, GBA.ReportedMeasure),
)


def plan_gaps(graph: Graph | StoreView) -> PlanGaps:
    """Every plan's items with the measures that carry them out, and the measures carrying out none.

    The links are the subjects of ``gba:planItem`` (its domain is ``gba:PlanLink``), read a property at
    a time: at 100 times the corpus there are a quarter of a million of them.
    """

    def key(node: object) -> str:
        return str(node).rsplit("/", 1)[-1]

    def values(prop: URIRef) -> dict[str, str]:
        """Each subject's value of ``prop`` (the least, should a subject have several)."""
        out: dict[str, str] = {}
        for s, o in lexical_pairs(graph, prop):
            if s not in out or o < out[s]:
                out[s] = o
        return out

    labels: dict[str, str] = {}

    def label(measure: str) -> str:
        if measure not in labels:
            labels[measure] = str(graph.value(URIRef(measure), RDFS.label) or "")
        return labels[measure]

    item_of, measure_of, score, origin = (values(p) for p in (GBA.planItem, GBA.measure, GBA.score, GBA.origin))
    links: dict[str, list[tuple[str, str, float, str]]] = defaultdict(list)
    for link, item_iri in item_of.items():
        measure = measure_of.get(link)
        links[item_iri].append(
            (
                key(measure),
                label(measure) if measure is not None else "",
                float(score.get(link, 0)),
                origin.get(link, ""),
            )
        )
    items = []
    plans: dict[str, str] = {}
    for item in graph.subjects(RDF.type, GBA.WorkPlanItem):
        number = int(str(graph.value(item, GBA.itemNumber) or 0))
        section = graph.value(item, GBA.inSection)
        section_no = str(graph.value(section, GBA.sectionNumber) or "") if section is not None else ""
        text = str(graph.value(item, GBA.text) or "")
        plan = graph.value(item, GBA.inPlan)
        plan_key = key(plan) if plan is not None else ""
        if plan is not None and plan_key not in plans:
            plans[plan_key] = str(graph.value(plan, RDFS.label) or plan_key)
        measures = tuple(sorted(links.get(str(item), []), key=lambda x: (-x[2], x[0])))
        items.append(ItemGap(plan_key, number, section_no, text, measures))
    items.sort(key=lambda i: (i.plan, i.number, i.section, i.text))
    top_level = {str(m) for m in graph.objects(None, GBA.describes)}
    top_level |= {str(m) for m in graph.subjects(RDF.type, GBA.ReportedMeasure)}
    carrying = {s for s, _ in lexical_pairs(graph, GBA.carriesOut)}
    unlinked = sorted((key(m), label(m)) for m in top_level - carrying)
    return PlanGaps(items, unlinked, dict(sorted(plans.items())))


def _gap_summary(gaps: PlanGaps) -> str:
    none = sum(1 for i in gaps.items if not i.measures)
    across = f" in {len(gaps.plans)} plans" if gaps.several else ""
    return (
        f"{len(gaps.items)} plan items{across}; {len(gaps.items) - none} carried out by at least one measure; "
        f"{none} with no implementing measure; {len(gaps.unlinked_measures)} measures carry out no item."
    )


def plan_gaps_markdown(graph: Graph | StoreView | PlanGaps) -> str:
    """The gap report as Markdown. Where the items come from several plans, each table names each
    item's plan (its key), and a table gives the plans' titles."""
    gaps = graph if isinstance(graph, PlanGaps) else plan_gaps(graph)
    if not gaps.items:
        return "# Work-plan gap report\n\nThe corpus has no work plan.\n"

    def row(i: ItemGap, *cells: str) -> str:
        return "| " + " | ".join(([_md(i.plan)] if gaps.several else []) + [str(i.number), *cells]) + " |"

    def head(*names: str) -> list[str]:
        cols = (["plan"] if gaps.several else []) + ["item", *names]
        return [
            "| " + " | ".join(cols) + " |",
            "|" + "|".join("---:" if c in ("item", "measures") else "---" for c in cols) + "|",
        ]

    lines = ["# Work-plan gap report", "", _gap_summary(gaps), ""]
    if gaps.several:
        lines += ["## Plans", "", "| plan | title | items |", "|---|---|---:|"]
        count = Counter(i.plan for i in gaps.items)
        lines += [f"| {_md(k)} | {_md(title)} | {count[k]} |" for k, title in gaps.plans.items()]
        lines.append("")
    lines += ["## Items carried out by the most measures", "", *head("section", "measures")]
    for i in sorted(gaps.items, key=lambda i: (-len(i.measures), i.plan, i.number))[:10]:
        if i.measures:
            lines.append(row(i, _md(i.section), str(len(i.measures))))
    lines += ["", "## Items and the measures that carry them out", "", *head("text", "measures (score, origin)")]
    for i in gaps.items:
        if i.measures:
            cell = "; ".join(f"{_md(k)} {_md(lab[:24])} ({s:.2f}, {_md(o)})" for k, lab, s, o in i.measures)
            lines.append(row(i, _md(i.text[:60]), cell))
    lines += ["", "## Items with no implementing measure", "", *head("section", "text")]
    lines += [row(i, _md(i.section), _md(i.text[:80])) for i in gaps.items if not i.measures]
    lines += ["", "## Measures that carry out no item", "", "| measure | label |", "|---|---|"]
    lines += [f"| {_md(k)} | {_md(lab[:60])} |" for k, lab in gaps.unlinked_measures]
    return "\n".join(lines) + "\n"


def plan_gaps_html(graph: Graph | StoreView | PlanGaps) -> str:
    e = html.escape
    gaps = graph if isinstance(graph, PlanGaps) else plan_gaps(graph)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Work-plan gap report</title>',
        f"<style>{CSS}</style></head><body><h1>Work-plan gap report</h1>",
    ]
    if not gaps.items:
        out.append("<p>The corpus has no work plan.</p></body></html>")
        return "\n".join(out) + "\n"
    out.append(f"<p>{e(_gap_summary(gaps))}</p>")
    plan_th = "<th>plan</th>" if gaps.several else ""
    if gaps.several:
        out.append("<h2>Plans</h2><table><tr><th>plan</th><th>title</th></tr>")
        out += [f"<tr><td>{e(k)}</td><td>{e(title)}</td></tr>" for k, title in gaps.plans.items()]
        out.append("</table>")
    out.append(
        f"<h2>Items and the measures that carry them out</h2><table><tr>{plan_th}<th>item</th><th>section</th>"
        "<th>text</th><th>measures (score, origin)</th></tr>"
    )
    for i in gaps.items:
        cell = "<br>".join(f"{e(k)} {e(lab[:30])} ({s:.2f}, {e(o)})" for k, lab, s, o in i.measures) or "—"
        plan_td = f"<td>{e(i.plan)}</td>" if gaps.several else ""
        out.append(
            f"<tr>{plan_td}<td class='n'>{i.number}</td><td>{e(i.section)}</td><td>{e(i.text)}</td><td>{cell}</td></tr>"
        )
    out.append("</table><h2>Measures that carry out no item</h2><table><tr><th>measure</th><th>label</th></tr>")
    out += [f"<tr><td>{e(k)}</td><td>{e(lab)}</td></tr>" for k, lab in gaps.unlinked_measures]
    out.append("</table></body></html>")
    return "\n".join(out) + "\n"
