"""Graph analyses with networkx: projections of the RDF graph, centralities, communities and the
shortest explained path between two entities.

Input: the built RDF graph. Output: networkx graphs whose nodes are IRIs with ``label`` and ``kind``
attributes, and plain records (:class:`NodeMeasure`, :class:`PathStep`) for rendering.

Projections:
- ``jurisdictions``: jurisdictions joined by alignment links (weight = links; one count per link kind);
- ``agencies``: agencies joined when they submit a case together or take part in the same measure;
- ``measure-instrument`` and ``measure-jurisdiction``: bipartite graphs.
The fact graph used for paths joins cases, measures, agencies, jurisdictions, instruments, links and
plan items by the properties that relate them, each edge remembering its property and evidence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

import networkx as nx
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS
from rdflib.term import Node

from .errors import QueryError
from .namespaces import GBA, OA, PREFIXES

LINK_CLASSES = (
    "MutualRecognition",
    "JointStandardSetting",
    "RuleApplication",
    "Convergence",
    "SystemInterconnection",
    "JointInspection",
)
PROJECTIONS = ("jurisdictions", "agencies", "measure-instrument", "measure-jurisdiction")
PATH_PROPERTIES = {
    GBA.describes: "describes",
    GBA.submittedBy: "submitted by",
    GBA.involves: "involves",
    GBA.usesInstrument: "uses instrument",
    GBA.alignment: "establishes",
    GBA.party: "has party",
    PROV.wasAssociatedWith: "involves agency",
    GBA.jurisdiction: "belongs to",
    GBA.partOf: "lies within",
    GBA.carriesOut: "carries out",
    GBA.successor: "succeeded by",
    GBA.subMeasure: "has sub-measure",
}


@dataclass(frozen=True)
class NodeMeasure:
    node: str
    label: str
    kind: str
    degree: float
    weighted_degree: float
    betweenness: float
    community: int


@dataclass(frozen=True)
class PathStep:
    source: str
    source_label: str
    relation: str
    target: str
    target_label: str
    evidence: str


def label(g: Graph, node: object, lang: str = "zh-Hans") -> str:
    """A node's label in the language asked, falling back to any label, then the IRI's last segment."""
    if not isinstance(node, URIRef):
        return str(node)
    best = None
    for p in (SKOS.prefLabel, RDFS.label, DCTERMS.title):
        for o in g.objects(node, p):
            if isinstance(o, Literal):
                if (o.language or "").lower() == lang.lower():
                    return str(o)
                best = best or str(o)
    return best or str(node).rsplit("/", 1)[-1]


def kind(g: Graph, node: Node) -> str:
    types = sorted(str(t).rsplit("#", 1)[-1] for t in g.objects(node, RDF.type) if str(t).startswith(str(GBA)))
    if types:
        return types[0]
    others = sorted(str(t).rsplit("#", 1)[-1].rsplit("/", 1)[-1] for t in g.objects(node, RDF.type))
    return others[0] if others else "Resource"


def _add_node(nxg: nx.Graph, g: Graph, node: URIRef, lang: str) -> None:
    if node not in nxg:
        nxg.add_node(str(node), label=label(g, node, lang), kind=kind(g, node))


def jurisdiction_network(g: Graph, lang: str = "zh-Hans") -> nx.Graph:
    """Jurisdictions joined by alignment links, weighted, with one count attribute per link kind."""
    out = nx.Graph()
    for cls in LINK_CLASSES:
        for link in g.subjects(RDF.type, GBA[cls]):
            parties = sorted(p for p in g.objects(link, GBA.party) if isinstance(p, URIRef))
            for p in parties:
                _add_node(out, g, p, lang)
            for a, b in combinations(parties, 2):
                data = out.get_edge_data(str(a), str(b)) or {"weight": 0}
                data["weight"] += 1
                data[cls] = data.get(cls, 0) + 1
                out.add_edge(str(a), str(b), **data)
    return out


def agency_network(g: Graph, lang: str = "zh-Hans") -> nx.Graph:
    """Agencies joined when they submit a case together (weight 2) or take part in one measure (weight 1)."""
    out = nx.Graph()
    groups: list[tuple[list[URIRef], int]] = []
    for case in g.subjects(RDF.type, GBA.TypicalCase):
        submitted = sorted(a for a in g.objects(case, GBA.submittedBy) if isinstance(a, URIRef))
        measure = g.value(case, GBA.describes)
        involved = sorted(a for a in g.objects(measure, PROV.wasAssociatedWith) if isinstance(a, URIRef))
        groups.append((submitted, 2))
        groups.append((sorted(set(submitted) | set(involved)), 1))
        for a in submitted:
            _add_node(out, g, a, lang)
            out.nodes[str(a)]["cases"] = out.nodes[str(a)].get("cases", 0) + 1
    for members, w in groups:
        for a, b in combinations(members, 2):
            _add_node(out, g, a, lang)
            _add_node(out, g, b, lang)
            data = out.get_edge_data(str(a), str(b)) or {"weight": 0}
            data["weight"] += w
            out.add_edge(str(a), str(b), **data)
    return out


def bipartite(g: Graph, prop: URIRef, lang: str = "zh-Hans") -> nx.Graph:
    """Top-level measures and the objects of ``prop`` (instruments or jurisdictions)."""
    out = nx.Graph()
    measures = set(g.objects(None, GBA.describes)) | set(g.subjects(RDF.type, GBA.ReportedMeasure))
    for m in sorted(measures, key=str):
        for o in g.objects(m, prop):
            if isinstance(o, URIRef) and isinstance(m, URIRef):
                _add_node(out, g, m, lang)
                _add_node(out, g, o, lang)
                out.nodes[str(m)]["bipartite"] = 0
                out.nodes[str(o)]["bipartite"] = 1
                out.add_edge(str(m), str(o), weight=1)
    return out


def projection(g: Graph, name: str, lang: str = "zh-Hans") -> nx.Graph:
    """A named projection (see PROJECTIONS).

    Raises:
        QueryError: an unknown projection name.
    """
    if name == "jurisdictions":
        return jurisdiction_network(g, lang)
    if name == "agencies":
        return agency_network(g, lang)
    if name == "measure-instrument":
        return bipartite(g, GBA.usesInstrument, lang)
    if name == "measure-jurisdiction":
        return bipartite(g, GBA.involves, lang)
    raise QueryError(f"unknown projection '{name}'", hint=f"use one of {', '.join(PROJECTIONS)}")


def measures(nxg: nx.Graph) -> list[NodeMeasure]:
    """Degree, weighted degree, betweenness and Louvain community (fixed seed) of every node."""
    if nxg.number_of_nodes() == 0:
        return []
    degree = nx.degree_centrality(nxg)
    between = nx.betweenness_centrality(nxg, weight=None, normalized=True)
    communities = nx.community.louvain_communities(nxg, weight="weight", seed=42) if nxg.number_of_edges() else []
    ordered = sorted((sorted(c) for c in communities), key=lambda c: (-len(c), c[0]))
    community = {n: i for i, c in enumerate(ordered, start=1) for n in c}
    out = [
        NodeMeasure(
            n,
            nxg.nodes[n].get("label", n),
            nxg.nodes[n].get("kind", ""),
            round(degree[n], 4),
            float(nxg.degree(n, weight="weight")),
            round(between[n], 4),
            community.get(n, 0),
        )
        for n in nxg.nodes
    ]
    return sorted(out, key=lambda m: (-m.weighted_degree, -m.betweenness, m.node))


def fact_graph(g: Graph, lang: str = "zh-Hans") -> nx.Graph:
    """Entities joined by the properties that relate them; each edge keeps its property and evidence."""
    out = nx.Graph()
    for prop, name in PATH_PROPERTIES.items():
        for s, o in g.subject_objects(prop):
            if not (isinstance(s, URIRef) and isinstance(o, URIRef)):
                continue
            _add_node(out, g, s, lang)
            _add_node(out, g, o, lang)
            if not out.has_edge(str(s), str(o)):
                out.add_edge(str(s), str(o), relation=name, source=str(s), evidence=_evidence(g, s, prop, o))
    return out


def _evidence(g: Graph, s: URIRef, prop: URIRef, o: URIRef) -> str:
    for ann in sorted(g.objects(s, GBA.evidence), key=str):
        if (ann, GBA.forProperty, prop) in g and (ann, OA.hasBody, o) in g:
            span = g.value(ann, OA.hasTarget)
            for sel in g.objects(span, OA.hasSelector) if span is not None else ():
                exact = g.value(sel, OA.exact)
                if exact is not None:
                    pre, post = g.value(sel, OA.prefix) or "", g.value(sel, OA.suffix) or ""
                    return "".join(f"{pre}«{exact}»{post}".split())
    return ""


def resolve_entity(g: Graph, nxg: nx.Graph, name: str) -> str:
    """An entity of the fact graph by IRI, prefixed name or label (exact, then unique partial match).

    Raises:
        QueryError: nothing or several entities match.
    """
    if ":" in name and not name.startswith("http"):
        prefix, local = name.split(":", 1)
        if prefix in PREFIXES:
            name = PREFIXES[prefix] + local
    if name in nxg:
        return name
    exact = sorted(n for n, d in nxg.nodes(data=True) if name in (d.get("label"), *_all_labels(g, n)))
    if len(exact) >= 1:
        return sorted(exact, key=lambda n: (nxg.nodes[n].get("kind") != "Jurisdiction", n))[0]
    partial = sorted(n for n, d in nxg.nodes(data=True) if name in str(d.get("label", "")))
    if len(partial) == 1:
        return partial[0]
    if not partial:
        raise QueryError(
            f"no entity is called '{name}'", hint="give an IRI, a prefixed name (jur:hong-kong) or a label"
        )
    shown = ", ".join(nxg.nodes[n].get("label", n) for n in partial[:5])
    raise QueryError(f"'{name}' matches {len(partial)} entities: {shown}", hint="be more specific or give an IRI")


def _all_labels(g: Graph, node: str) -> list[str]:
    u = URIRef(node)
    return [str(o) for p in (SKOS.prefLabel, SKOS.altLabel, RDFS.label, GBA.cue) for o in g.objects(u, p)]


def explained_path(g: Graph, a: str, b: str, lang: str = "zh-Hans") -> list[PathStep]:
    """The shortest path between two entities, each step with its relation and evidence quote.

    Raises:
        QueryError: an entity is unknown, or the two are not connected.
    """
    nxg = fact_graph(g, lang)
    source, target = resolve_entity(g, nxg, a), resolve_entity(g, nxg, b)
    try:
        nodes = nx.shortest_path(nxg, source, target)
    except nx.NetworkXNoPath as e:
        raise QueryError(f"'{a}' and '{b}' are not connected in the graph") from e
    steps = []
    for x, y in zip(nodes, nodes[1:], strict=False):
        data = nxg.get_edge_data(x, y)
        forward = data["source"] == x
        relation = data["relation"] if forward else f"← {data['relation']}"
        steps.append(PathStep(x, nxg.nodes[x]["label"], relation, y, nxg.nodes[y]["label"], data.get("evidence", "")))
    return steps


def summary(nxg: nx.Graph) -> dict[str, float]:
    return {
        "nodes": nxg.number_of_nodes(),
        "edges": nxg.number_of_edges(),
        "components": nx.number_connected_components(nxg) if nxg.number_of_nodes() else 0,
        "density": round(nx.density(nxg), 4) if nxg.number_of_nodes() > 1 else 0.0,
    }


def by_kind(nxg: nx.Graph) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for _, d in nxg.nodes(data=True):
        counts[d.get("kind", "")] += 1
    return dict(sorted(counts.items()))
