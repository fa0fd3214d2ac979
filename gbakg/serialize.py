"""Canonical, sorted serialisation of rdflib graphs and datasets through Oxigraph's fast writers.

Input: an rdflib ``Graph`` or ``Dataset``. Output: Turtle, TriG, N-Triples or JSON-LD text whose
statements are sorted (graph, subject, predicate, object), so the same graph always gives the same
bytes and diffs between builds are readable. rdflib's own serialisers take seconds on the corpus
graph; Oxigraph takes milliseconds.
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Iterable
from functools import lru_cache

import pyoxigraph as ox
from rdflib import RDF, BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import ExportError
from .mapping import NamedGraphs
from .namespaces import SERIAL_PREFIXES

FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
}


@lru_cache(maxsize=1 << 18)
def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term (cached: the same IRIs and literals recur throughout a graph)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise ExportError(f"cannot serialise the term {term!r}")


def _key(term: Node) -> tuple[int, str, str, str]:
    if isinstance(term, URIRef):
        return 0, str(term), "", ""
    if isinstance(term, BNode):
        return 1, str(term), "", ""
    if isinstance(term, Literal):
        return 2, str(term), term.language or "", str(term.datatype or "")
    return 3, str(term), "", ""


def sorted_quads(ds: Dataset | NamedGraphs) -> list[ox.Quad]:
    quads = []
    source = ds.quads() if isinstance(ds, NamedGraphs) else ds.quads((None, None, None, None))
    for s, p, o, g in source:
        gname = getattr(g, "identifier", g)
        quads.append(
            ((_key(gname) if gname is not None else (-1, "", "", "")), _key(s), _key(p), _key(o), s, p, o, gname)
        )
    quads.sort(key=lambda q: q[:4])
    return [
        ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.NamedNode(str(g)) if isinstance(g, URIRef) else ox.DefaultGraph())  # type: ignore[arg-type]
        for *_, s, p, o, g in quads
    ]


def _sorted(graph: Graph | Iterable[tuple[Node, Node, Node]]) -> list[tuple[Node, Node, Node]]:
    """The triples in canonical order, sorted once per graph object and remembered."""
    cached = _SORTED.get(graph) if isinstance(graph, Graph) else None
    if cached is not None and cached[0] == len(graph):  # type: ignore[arg-type]
        return cached[1]
    triples = sorted(graph, key=lambda t: (_key(t[0]), _key(t[1]), _key(t[2])))
    if isinstance(graph, Graph):
        _SORTED[graph] = (len(graph), triples)
    return triples


_SORTED: weakref.WeakKeyDictionary[Graph, tuple[int, list[tuple[Node, Node, Node]]]] = weakref.WeakKeyDictionary()


def sorted_triples(graph: Graph | Iterable[tuple[Node, Node, Node]]) -> list[ox.Triple]:
    return [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in _sorted(graph)]  # type: ignore[arg-type]


def serialize(data: Graph | Dataset | NamedGraphs, fmt: str = "turtle", prefixes: dict[str, str] | None = None) -> str:
    """Serialise sorted. ``fmt`` is one of turtle, trig, nt, nquads, jsonld.

    Raises:
        ExportError: an unknown format, or a dataset format asked of a plain graph.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown RDF format '{fmt}'", hint=f"use one of {', '.join(FORMATS)}")
    use_prefixes = prefixes if prefixes is not None else SERIAL_PREFIXES
    rdf_format = FORMATS[fmt]
    if isinstance(data, (Dataset, NamedGraphs)) and rdf_format.supports_datasets and fmt != "jsonld":
        items: list = sorted_quads(data)
    elif isinstance(data, (Dataset, NamedGraphs)):
        raise ExportError(f"{fmt} is written from a graph, not from named graphs", hint="serialise the union graph")
    elif rdf_format.supports_datasets and fmt != "jsonld":
        raise ExportError(f"{fmt} needs a dataset with named graphs")
    elif fmt == "jsonld":
        return to_jsonld(data, use_prefixes)
    else:
        items = sorted_triples(data)
    out = ox.serialize(items, format=rdf_format, prefixes=None if fmt in ("nt", "nquads") else use_prefixes)
    assert out is not None
    return _restore_lang_case(out.decode("utf-8"))


def to_jsonld(graph: Graph, prefixes: dict[str, str]) -> str:
    """Compact JSON-LD: one node object per subject (sorted), IRIs as prefix:local compact IRIs under an
    @context of the prefixes, literals with @language or @type. Any JSON-LD processor expands it back
    to the same graph (tested by re-parsing with rdflib)."""
    ordered = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))

    def iri(value: str) -> str:
        for prefix, ns in ordered:
            if value.startswith(ns) and len(value) > len(ns) and not value[len(ns) :].startswith("//"):
                return f"{prefix}:{value[len(ns) :]}"
        return value

    def value(o: Node) -> object:
        if isinstance(o, URIRef):
            return {"@id": iri(str(o))}
        if isinstance(o, BNode):
            return {"@id": f"_:{o}"}
        assert isinstance(o, Literal)
        if o.language:
            return {"@value": str(o), "@language": o.language}
        if o.datatype and str(o.datatype) != "http://www.w3.org/2001/XMLSchema#string":
            return {"@value": str(o), "@type": iri(str(o.datatype))}
        return {"@value": str(o)}

    props: dict[Node, dict[str, list[object]]] = {}
    for s, p, o in _sorted(graph):
        node = props.setdefault(s, {})
        if p == RDF.type and isinstance(o, URIRef):
            node.setdefault("@type", []).append(iri(str(o)))
        else:
            node.setdefault(iri(str(p)), []).append(value(o))
    nodes = [{"@id": iri(str(s)) if isinstance(s, URIRef) else f"_:{s}", **ps} for s, ps in props.items()]
    doc = {"@context": dict(sorted(prefixes.items())), "@graph": nodes}
    # Keys are already in order (sorted prefixes, nodes and predicates), so no sort_keys pass is needed.
    return json.dumps(doc, ensure_ascii=False, indent=0) + "\n"


_LANG_IN_TEXT = re.compile(r'(?<=[^\\]")@([a-z]{2,3}(?:-[a-z0-9]{2,8})+)(?=[\s,;.\])])')


def canonical_lang(tag: str) -> str:
    """BCP 47 canonical case: zh-hans → zh-Hans, en-gb → en-GB (Oxigraph writes tags in lower case)."""
    parts = tag.split("-")
    out = [parts[0].lower()]
    for p in parts[1:]:
        out.append(p.title() if len(p) == 4 else p.upper() if len(p) == 2 else p.lower())
    return "-".join(out)


def _restore_lang_case(text: str) -> str:
    return _LANG_IN_TEXT.sub(lambda m: "@" + canonical_lang(m.group(1)), text)
