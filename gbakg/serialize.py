"""Canonical, sorted serialisation of rdflib graphs and datasets through Oxigraph's fast writers.

Input: an rdflib ``Graph`` or ``Dataset``. Output: Turtle, TriG, N-Triples or JSON-LD text whose
statements are sorted (graph, subject, predicate, object), so the same graph always gives the same
bytes and diffs between builds are readable. rdflib's own serialisers take seconds on the corpus
graph; Oxigraph takes milliseconds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import ExportError
from .mapping import NamedGraphs
from .namespaces import SERIAL_PREFIXES
from .rdfio import canonical_lang, to_ox

FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
}
Triple = tuple[Node, Node, Node]


@lru_cache(maxsize=1 << 18)
def _key(term: Node) -> tuple[int, str, str, str]:
    """The sort key of a term: IRIs, then blank nodes, then literals (by text, language, datatype)."""
    if isinstance(term, URIRef):
        return 0, str(term), "", ""
    if isinstance(term, BNode):
        return 1, str(term), "", ""
    if isinstance(term, Literal):
        return 2, str(term), term.language or "", str(term.datatype or "")
    return 3, str(term), "", ""


def _triple_key(t: Triple) -> tuple[tuple[int, str, str, str], ...]:
    return _key(t[0]), _key(t[1]), _key(t[2])


def sorted_triples(data: Graph | NamedGraphs | Iterable[Triple]) -> list[Triple]:
    """The distinct triples (of the union, for named graphs) in canonical order."""
    if isinstance(data, NamedGraphs):
        data = data.union()
    return sorted(set(data), key=_triple_key)


def sorted_quads(ds: NamedGraphs) -> list[ox.Quad]:
    """The quads of named graphs as Oxigraph quads, ordered by graph and then triple."""
    out: list[ox.Quad] = []
    for g in sorted(ds.graphs, key=_key):
        name = ox.NamedNode(str(g))
        out.extend(
            ox.Quad(to_ox(s), to_ox(p), to_ox(o), name)  # type: ignore[arg-type]
            for s, p, o in sorted(ds.graphs[g], key=_triple_key)
        )
    return out


def serialize(data: Graph | NamedGraphs, fmt: str = "turtle", prefixes: dict[str, str] | None = None) -> str:
    """Serialise sorted. ``fmt`` is one of turtle, trig, nt, nquads, jsonld; named graphs give their
    union in the triple formats.

    Raises:
        ExportError: an unknown format, or a dataset format asked of a plain graph.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown RDF format '{fmt}'", hint=f"use one of {', '.join(FORMATS)}")
    use_prefixes = prefixes if prefixes is not None else SERIAL_PREFIXES
    rdf_format = FORMATS[fmt]
    if fmt == "jsonld":
        return to_jsonld(data, use_prefixes)
    if rdf_format.supports_datasets:
        if not isinstance(data, NamedGraphs):
            raise ExportError(f"{fmt} needs named graphs", hint="serialise the build's dataset, or use turtle")
        items: list = sorted_quads(data)
    else:
        items = [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in sorted_triples(data)]  # type: ignore[arg-type]
    out = ox.serialize(items, format=rdf_format, prefixes=None if fmt in ("nt", "nquads") else use_prefixes)
    assert out is not None
    return _restore_lang_case(out.decode("utf-8"))


def to_jsonld(data: Graph | NamedGraphs, prefixes: dict[str, str]) -> str:
    """Compact JSON-LD: one node object per subject (sorted), one per line; IRIs as prefix:local compact
    IRIs under an @context of the prefixes, literals with @language or @type. Any JSON-LD processor
    expands it back to the same graph (tested by re-parsing with rdflib)."""
    ordered = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))

    @lru_cache(maxsize=1 << 16)
    def iri(value: str) -> str:
        for prefix, ns in ordered:
            if value.startswith(ns) and len(value) > len(ns) and not value[len(ns) :].startswith("//"):
                return f"{prefix}:{value[len(ns) :]}"
        return value

    def value(o: Node) -> dict[str, str]:
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
    for s, p, o in sorted_triples(data):
        node = props.setdefault(s, {})
        if p == RDF.type and isinstance(o, URIRef):
            node.setdefault("@type", []).append(iri(str(o)))
        else:
            node.setdefault(iri(str(p)), []).append(value(o))
    # Keys are already in order (sorted prefixes, nodes and predicates), so no sort_keys pass is needed;
    # each node is encoded on its own line by the C encoder (an indented dump is pure Python and slow).
    context = json.dumps(dict(sorted(prefixes.items())), ensure_ascii=False)
    nodes = ",\n".join(
        json.dumps({"@id": iri(str(s)) if isinstance(s, URIRef) else f"_:{s}", **ps}, ensure_ascii=False)
        for s, ps in props.items()
    )
    return f'{{"@context": {context},\n"@graph": [\n{nodes}\n]}}\n'


_LANG_IN_TEXT = re.compile(r'(?<=[^\\]")@([a-z]{2,3}(?:-[a-z0-9]{2,8})+)(?=[\s,;.\])])')


def _restore_lang_case(text: str) -> str:
    return _LANG_IN_TEXT.sub(lambda m: "@" + canonical_lang(m.group(1)), text)
