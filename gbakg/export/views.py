"""Views of the graph for visualisation: networkx graphs whose node and edge attributes are plain
strings and numbers (no None, lists or dicts), labelled in the chosen language with a fallback, with
a ``kind`` attribute for colouring and control characters stripped.

Views: ``full``; ``jurisdictions`` (jurisdictions and the alignment links between them); ``recognition``
(only mutual-recognition links); ``agencies`` (agencies, the cases they submitted and their partners);
``collaboration`` (agencies joined by co-submission or a shared measure); ``case:ID`` (one case with everything one hop
around it and its measure); ``plan`` (work-plan items and the measures that carry them out).
"""

from __future__ import annotations

import re
import unicodedata

import networkx as nx
from rdflib import RDF, Graph, URIRef

from .. import analyse
from ..errors import ExportError
from ..namespaces import GBA, ID
from . import LANGS

VIEWS = ("full", "jurisdictions", "recognition", "agencies", "collaboration", "plan", "case:ID")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value: object) -> str | int | float:
    """A plain attribute value: numbers kept, everything else a string without control characters."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return value
    if value is None:
        return ""
    if isinstance(value, list | tuple | set | frozenset):
        return "; ".join(sorted(str(clean(v)) for v in value))
    text = str(value)
    text = "".join(c for c in text if unicodedata.category(c) != "Cc" or c in "\n\t")
    return _CONTROL.sub("", text).replace("\n", " ").replace("\t", " ")


def _finish(nxg: nx.Graph, g: Graph, lang: str) -> nx.Graph:
    """Add the attributes every view shares and make every attribute plain."""
    for n, data in nxg.nodes(data=True):
        node = URIRef(n)
        data.setdefault("label", analyse.label(g, node, lang))
        data.setdefault("kind", analyse.kind(g, node))
        batch = g.value(node, GBA.inBatch)
        if batch is None:
            case = next(iter(g.subjects(GBA.describes, node)), None)
            batch = g.value(case, GBA.inBatch) if case is not None else None
        data["batch"] = str(g.value(batch, GBA.batchNumber) or "") if batch is not None else ""
        data["mechanisms"] = sorted(analyse.label(g, m, lang) for m in g.objects(node, GBA.mechanism))
        data["jurisdictions"] = sorted(analyse.label(g, j, lang) for j in g.objects(node, GBA.involves))
        data["iri"] = n
        for key in list(data):
            data[key] = clean(data[key])
    for _, _, data in nxg.edges(data=True):
        for key in list(data):
            data[key] = clean(data[key])
        data.setdefault("label", "")
    return nxg


def full(g: Graph, lang: str) -> nx.Graph:
    out = analyse.fact_graph(g, lang)
    for _, _, d in out.edges(data=True):
        d["label"] = d.pop("relation", "")
        d.pop("source", None)
    return out


def jurisdictions(g: Graph, lang: str) -> nx.Graph:
    out = analyse.jurisdiction_network(g, lang)
    for _, _, d in out.edges(data=True):
        kinds = [k for k in analyse.LINK_CLASSES if d.get(k)]
        d["label"] = ", ".join(f"{k} {d[k]}" for k in kinds)
        for k in analyse.LINK_CLASSES:
            d.setdefault(k, 0)
    return out


def recognition(g: Graph, lang: str) -> nx.Graph:
    """Jurisdictions joined by mutual-recognition links only."""
    out = jurisdictions(g, lang)
    out.remove_edges_from([(u, v) for u, v, d in out.edges(data=True) if not d.get("MutualRecognition")])
    for _, _, d in out.edges(data=True):
        d["weight"] = d["MutualRecognition"]
        d["label"] = f"{d['MutualRecognition']} recognition" + ("s" if d["MutualRecognition"] > 1 else "")
    return _without_isolated(out)


def _without_isolated(out: nx.Graph) -> nx.Graph:
    out.remove_nodes_from([n for n in list(out) if out.degree(n) == 0])
    return out


def collaboration(g: Graph, lang: str) -> nx.Graph:
    """Agencies joined when they submit a case together or take part in one measure."""
    out = analyse.agency_network(g, lang)
    for _, _, d in out.edges(data=True):
        d["label"] = ""
    return _without_isolated(out)


def agencies(g: Graph, lang: str) -> nx.Graph:
    out = analyse.agency_network(g, lang)
    for _, _, d in out.edges(data=True):
        d["label"] = "partner"
    for case in g.subjects(RDF.type, GBA.TypicalCase):
        for agency in g.objects(case, GBA.submittedBy):
            out.add_node(str(case), label=analyse.label(g, case, lang), kind="TypicalCase")
            out.add_edge(str(agency), str(case), label="submitted", weight=1)
    return out


def case_view(g: Graph, key: str, lang: str) -> nx.Graph:
    case = ID[f"case/{key}"]
    if (case, RDF.type, GBA.TypicalCase) not in g:
        raise ExportError(f"no case '{key}' in the graph", hint="give a case key such as b3-07")
    fact = analyse.fact_graph(g, lang)
    measure = g.value(case, GBA.describes)
    keep = {str(case)} | set(fact.neighbors(str(case)))
    if measure is not None and str(measure) in fact:
        keep |= {str(measure)} | set(fact.neighbors(str(measure)))
    extra = nx.Graph(fact.subgraph(keep))
    if measure is not None:
        for prop, name in ((GBA.outcome, "reports"), (GBA.event, "dated")):
            for o in g.objects(measure, prop):
                extra.add_node(str(o), label=analyse.label(g, o, lang), kind=analyse.kind(g, o))
                extra.add_edge(str(measure), str(o), relation=name)
    for _, _, d in extra.edges(data=True):
        d["label"] = d.pop("relation", "")
        d.pop("source", None)
    return extra


def plan(g: Graph, lang: str) -> nx.Graph:
    out = nx.Graph()
    for item in g.subjects(RDF.type, GBA.WorkPlanItem):
        out.add_node(
            str(item),
            label=analyse.label(g, item, lang),
            kind="WorkPlanItem",
            number=int(str(g.value(item, GBA.itemNumber) or 0)),
        )
    for link in g.subjects(RDF.type, GBA.PlanLink):
        plan_item, measure = g.value(link, GBA.planItem), g.value(link, GBA.measure)
        if plan_item is None or measure is None:
            continue
        out.add_node(str(measure), label=analyse.label(g, measure, lang), kind=analyse.kind(g, measure))
        out.add_edge(
            str(measure),
            str(plan_item),
            label="carries out",
            weight=float(str(g.value(link, GBA.score) or 0)),
            origin=str(g.value(link, GBA.origin) or ""),
        )
    return out


BUILDERS = {
    "full": full,
    "jurisdictions": jurisdictions,
    "recognition": recognition,
    "agencies": agencies,
    "collaboration": collaboration,
    "plan": plan,
}


def build_view(g: Graph, view: str = "full", lang: str = "zh-Hans") -> nx.Graph:
    """A named view of the graph with plain attributes.

    Raises:
        ExportError: an unknown view or language, or a case that is not in the graph.
    """
    if lang not in LANGS:
        raise ExportError(f"unknown language '{lang}'", hint=f"use one of {', '.join(LANGS)}")
    if view.startswith("case:"):
        nxg = case_view(g, view.split(":", 1)[1], lang)
    elif view in BUILDERS:
        nxg = BUILDERS[view](g, lang)
    else:
        raise ExportError(f"unknown view '{view}'", hint=f"use one of {', '.join(VIEWS)}")
    return _finish(nxg, g, lang)


def subgraph_triples(g: Graph, nxg: nx.Graph) -> Graph:
    """The RDF statements about the nodes of a view (for JSON-LD of a view)."""
    out = Graph()
    for n in nxg.nodes:
        for p, o in g.predicate_objects(URIRef(n)):
            out.add((URIRef(n), p, o))
    for prefix, ns in g.namespaces():
        out.bind(prefix, ns)
    return out


__all__ = ["VIEWS", "LANGS", "build_view", "clean", "subgraph_triples"]
