"""RDF terms between rdflib and Oxigraph, and fast parsing of RDF files into rdflib terms.

rdflib is the project's in-memory model (pySHACL and networkx code read it); Oxigraph's Rust parsers
and writers are one to two orders of magnitude faster than rdflib's own, so files are parsed and
written through Oxigraph and the terms converted here. Conversions are cached: the same IRIs and
literals recur throughout a graph.

Oxigraph writes language tags in lower case; :func:`canonical_lang` restores BCP 47 case (zh-Hans).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import GbakgError, Location

Triple = tuple[Node, Node, Node]


def canonical_lang(tag: str) -> str:
    """BCP 47 canonical case: zh-hans → zh-Hans, en-gb → en-GB (Oxigraph writes tags in lower case)."""
    parts = tag.split("-")
    out = [parts[0].lower()]
    for p in parts[1:]:
        out.append(p.title() if len(p) == 4 else p.upper() if len(p) == 2 else p.lower())
    return "-".join(out)


def convert_to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term (not cached: see :func:`to_ox`).

    Raises:
        TypeError: the term is not an IRI, blank node or literal.
    """
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
    raise TypeError(f"cannot convert the term {term!r} to Oxigraph")


to_ox = lru_cache(maxsize=1 << 16)(convert_to_ox)


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def from_ox(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """A pyoxigraph term as an rdflib term (language tags in canonical case, xsd:string left implicit
    as rdflib's Turtle parser does)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=canonical_lang(term.language))
        dt = term.datatype.value
        if dt in (_XSD_STRING, _RDF_LANG_STRING):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    raise TypeError(f"cannot convert the term {term!r} from Oxigraph")


def term_converter() -> Callable[[ox.NamedNode | ox.BlankNode | ox.Literal], Node]:
    """:func:`from_ox` with a cache of its own: terms recur throughout a graph or a result, so each
    distinct one is converted once (the cache lives as long as the function returned)."""
    made: dict[object, Node] = {}

    def term(t: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
        node = made.get(t)
        if node is None:
            node = made[t] = from_ox(t)
        return node

    return term


def parse_file(path: Path, fmt: ox.RdfFormat = ox.RdfFormat.TURTLE) -> Iterator[Triple]:
    """The triples of an RDF file as rdflib terms (of every graph, for a dataset format).

    Raises:
        SyntaxError: the file does not parse (the message gives the line and column).
        OSError: the file cannot be read.
    """
    term = term_converter()  # each distinct term converted once per file
    for q in ox.parse(path=str(path), format=fmt):
        yield term(q.subject), term(q.predicate), term(q.object)


def parse_graph(files: list[Path], fmt: ox.RdfFormat = ox.RdfFormat.TURTLE) -> Graph:
    """One rdflib graph of the triples of several RDF files (of every graph, for a dataset format).

    Raises:
        SyntaxError: a file does not parse; ``filename``, ``lineno`` and ``offset`` say where.
        OSError: a file cannot be read.
    """
    g = Graph()
    for f in files:
        try:
            triples = list(parse_file(f, fmt))
        except SyntaxError as e:
            e.filename = str(f)
            raise
        g.addN((s, p, o, g) for s, p, o in triples)
    return g


def load_graph(
    files: list[Path], fmt: ox.RdfFormat, error: type[GbakgError], what: str, where: Path, hint: str
) -> Graph:
    """:func:`parse_graph`, a syntax error raised as ``error`` ("cannot parse {what}: …") located at
    the file, line and column.

    Raises:
        GbakgError: of the class given, when a file does not parse.
    """
    try:
        return parse_graph(files, fmt)
    except SyntaxError as e:
        raise error(f"cannot parse {what}: {syntax_message(e)}", location=syntax_location(e, where), hint=hint) from e


def syntax_location(e: SyntaxError, path: Path | str) -> Location:
    """Where a parser's SyntaxError points."""
    return Location(str(e.filename or path), e.lineno, e.offset)


def syntax_message(e: SyntaxError) -> str:
    """The parser's complaint without the position clause the location already gives."""
    msg = e.msg or str(e)
    head, sep, rest = msg.partition(": ")
    return rest if sep and head.startswith("Parser error") else msg


class StoreView:
    """The read-only part of rdflib's ``Graph`` API that reports use (``objects``, ``subjects``,
    ``value``, ``in``), over the union of the graphs of a pyoxigraph store, in rdflib terms."""

    def __init__(self, store: ox.Store):
        self.store = store

    def _quads(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[ox.Quad]:
        return self.store.quads_for_pattern(
            to_ox(s) if s is not None else None,  # type: ignore[arg-type]
            to_ox(p) if p is not None else None,  # type: ignore[arg-type]
            to_ox(o) if o is not None else None,
            None,
        )

    def objects(self, subject: Node | None = None, predicate: Node | None = None) -> Iterator[Node]:
        seen = set()
        for q in self._quads(subject, predicate, None):
            if q.object not in seen:
                seen.add(q.object)
                yield from_ox(q.object)  # type: ignore[arg-type]

    def subjects(self, predicate: Node | None = None, object: Node | None = None) -> Iterator[Node]:  # noqa: A002
        seen = set()
        for q in self._quads(None, predicate, object):
            if q.subject not in seen:
                seen.add(q.subject)
                yield from_ox(q.subject)  # type: ignore[arg-type]

    def value(self, subject: Node, predicate: Node) -> Node | None:
        return next(self.objects(subject, predicate), None)

    def __contains__(self, triple: Triple) -> bool:
        return next(iter(self._quads(*triple)), None) is not None

    def graph(self) -> Graph:
        """The union of the store's graphs as an rdflib graph."""
        g = Graph()
        term = term_converter()
        g.addN((term(q.subject), term(q.predicate), term(q.object), g) for q in self.store)
        return g
