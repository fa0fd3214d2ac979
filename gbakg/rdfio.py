"""RDF terms between rdflib and Oxigraph, and fast parsing of RDF files into rdflib terms.

rdflib is the project's in-memory model (pySHACL and networkx code read it); Oxigraph's Rust parsers
and writers are one to two orders of magnitude faster than rdflib's own, so files are parsed and
written through Oxigraph and the terms converted here. Conversions are cached: the same IRIs and
literals recur throughout a graph.

Oxigraph writes language tags in lower case; :func:`canonical_lang` restores BCP 47 case (zh-Hans).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, AnyStr

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.store import Store
from rdflib.term import Node

from .errors import GbakgError, Location

Triple = tuple[Node, Node, Node]


@lru_cache(maxsize=256)  # a few tags recur over millions of literals
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


_datatype = lru_cache(maxsize=1024)(URIRef)  # a few datatypes recur: each IRI checked once


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
        return Literal(term.value, datatype=_datatype(dt))
    raise TypeError(f"cannot convert the term {term!r} from Oxigraph")


# Canonical N-Triples escapes: backslash, quote, the named control characters, other controls as \uXXXX.
_NT_ESCAPES = str.maketrans(
    {chr(c): f"\\u{c:04X}" for c in [*range(0x20), 0x7F]}
    | {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
)


_NT_ESCAPED = re.compile(r'[\x00-\x1f\x7f\\"]')  # what _NT_ESCAPES changes


def _escaped(text: str) -> str:
    """Text with N-Triples escapes, translated only where it holds a character to escape (a search
    for one takes a tenth of the time of translating Chinese text)."""
    return str.translate(text, _NT_ESCAPES) if _NT_ESCAPED.search(text) else text


def nt(term: Node) -> str:
    """A term in N-Triples syntax. IRIs and literals are written here (rdflib has already checked the
    IRIs; literals escape backslash, quote and line ends as N-Triples requires); anything else by
    Oxigraph."""
    if type(term) is URIRef:
        return f"<{term}>"
    if type(term) is Literal:
        text = f'"{_escaped(term)}"'
        if term.language:
            return f"{text}@{term.language.lower()}"
        if term.datatype is not None and str(term.datatype) != _XSD_STRING:
            return f"{text}^^<{term.datatype}>"
        return text
    return str(convert_to_ox(term))


def nt_text(text: str, lang: str | None = None) -> str:
    """A string literal, plain or with a language tag, in N-Triples: what :func:`nt` writes for
    ``Literal(text, lang=lang)``, without making the term (tested against it)."""
    quoted = f'"{_escaped(text)}"'
    return f"{quoted}@{lang.lower()}" if lang else quoted


def statement_lines(triples: Iterable[Triple], lines: Iterable[str] = ()) -> list[str]:
    """Distinct triples as N-Triples lines (``s p o .`` and a newline), in code-point order: the
    canonical order, and what every graph file and store is made from.

    Ordering whole lines is ordering their statements: where one statement is the start of another
    (``"a"`` and ``"a"@en``), the longer goes on with ``@`` or ``^``, which sort after the space of
    " ." (nothing in a statement sorts before a space: controls are escaped).

    The lines are compared as UTF-8, which orders them as their code points do: Python compares strings
    of different widths (an IRI and a Chinese literal) character by character, bytes with memcmp, and a
    graph of mixed lines sorts in half the time (every line is written as UTF-8, so each encodes).
    ``lines`` adds statements already written as N-Triples lines.
    """
    made = {f"{nt(s)} {nt(p)} {nt(o)} .\n" for s, p, o in triples}
    made.update(lines)  # statements written as text already (``lines``), the same way
    return sorted(made, key=str.encode)


class Run:
    """One graph's distinct statements as sorted N-Triples lines (:func:`statement_lines`), held in
    memory or, spilled, in a file of their text (read back line by line, never whole)."""

    __slots__ = ("lines", "parts", "path", "size")

    def __init__(self, lines: list[str], spill: Path | None = None):
        self.size = len(lines)
        self.path = spill
        self.parts: tuple[Run, ...] = ()
        self.lines: list[str] | None = lines
        if spill is not None:
            with spill.open("w", encoding="utf-8", newline="") as fh:
                fh.writelines(lines)
            self.lines = None

    @classmethod
    def spilled(cls, path: Path, size: int) -> Run:
        """A run already written to a file (by another process) of ``size`` statements."""
        run = cls([])
        run.path, run.size, run.lines = path, size, None
        return run

    @classmethod
    def joined(cls, parts: Iterable[Run]) -> Run:
        """One graph's run made of runs of disjoint parts of its statements (sealed side by side by
        two processes): read, their merge."""
        run = cls([])
        run.parts = tuple(p for r in parts for p in (r.parts or (r,)))
        run.size, run.lines = sum(len(p) for p in run.parts), None
        return run

    def files(self) -> list[Path]:
        """The files the run's statements are in (none for a run in memory)."""
        return [p.path for p in self.parts or (self,) if p.path is not None]

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[str]:
        if self.lines is not None:
            return iter(self.lines)
        if self.parts:
            return merge_runs(self.parts)
        return self._read()

    def _read(self) -> Iterator[str]:
        assert self.path is not None
        with self.path.open(encoding="utf-8", newline="") as fh:
            yield from fh

    def raw(self) -> Iterator[bytes]:
        """The statements as UTF-8 lines. Bytes compare in the code-point order of their text, with
        memcmp: a merge of runs as bytes takes two thirds of the time of one as text."""
        if self.lines is not None:
            return (line.encode("utf-8") for line in self.lines)
        if self.parts:
            return merge_runs([p.raw() for p in self.parts])
        assert self.path is not None
        return self.path.open("rb")  # an open file, which merge_runs closes once read

    def pieces(self, size: int) -> Iterator[str]:
        """The text, ``size`` statements at a time."""
        it = iter(self)
        while chunk := "".join(itertools.islice(it, size)):
            yield chunk

    def triples(self) -> Iterator[Triple]:
        """The statements as rdflib terms."""
        term = term_converter()
        for piece in self.pieces(20_000):
            for t in ox.parse(piece.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES, lenient=True):  # written here
                yield term(t.subject), term(t.predicate), term(t.object)


def merge_runs(runs: Iterable[Iterable[AnyStr]], done: Callable[[int], None] | None = None) -> Iterator[AnyStr]:
    """The distinct lines of sorted runs, in order: a k-way merge that holds one line of each run (heapq's
    merge, with the duplicates dropped in its loop, not by another generator). ``done`` is told how
    many lines were given once the runs are read through; each run that can be closed (an open file)
    is closed once read, or when the merge is."""
    sources = [iter(r) for r in runs]
    try:
        heap: list[list[Any]] = []  # [line, run's order, its next()]: ties go to the earlier run
        for order, it in enumerate(sources):
            step = it.__next__
            with contextlib.suppress(StopIteration):
                heap.append([step(), order, step])
        heapq.heapify(heap)
        previous: AnyStr | None = None
        n = 0
        while len(heap) > 1:
            while True:
                entry = heap[0]
                value = entry[0]
                if value != previous:
                    yield value
                    previous = value
                    n += 1
                try:
                    entry[0] = entry[2]()
                except StopIteration:
                    heapq.heappop(heap)
                    break
                heapq.heapreplace(heap, entry)
        if heap:  # the last run: the rest of it follows
            value, order, _ = heap[0]
            if value != previous:
                yield value
                previous = value
                n += 1
            for value in sources[order]:
                if value != previous:
                    yield value
                    previous = value
                    n += 1
        if done is not None:
            done(n)
    finally:
        for it in sources:
            close = getattr(it, "close", None)
            if close is not None:
                close()


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


def lexical_pairs(data: Graph | StoreView, predicate: URIRef) -> Iterator[tuple[str, str]]:
    """Each (subject, object) of ``predicate`` as strings: an IRI, a blank node's id or a literal's
    lexical form. Over a store no rdflib term is made, so a report can read hundreds of thousands of
    statements of one property quickly; a statement in several graphs comes once per graph."""
    if isinstance(data, StoreView):
        data.require(predicate)
        for q in data.store.quads_for_pattern(None, ox.NamedNode(str(predicate)), None, None):
            yield q.subject.value, q.object.value  # type: ignore[union-attr]
    else:
        for s, o in data.subject_objects(predicate):
            yield str(s), str(o)


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass(frozen=True)
class Footprint:
    """The statements a reader of a graph can see: those whose predicate is one of ``predicates``, and
    the ``rdf:type`` statements whose class is one of ``classes`` (of every class where it is None);
    or, with ``everything``, all of them.

    A store made of these statements alone answers such a reader as the whole graph would: the
    validator loads, for each group of its checks and reports, only what they read
    (:mod:`gbakg.columns`).
    """

    predicates: frozenset[str] = frozenset()
    classes: frozenset[str] | None = frozenset()
    everything: bool = False

    @classmethod
    def of(cls, predicates: Iterable[object] = (), classes: Iterable[object] | None = ()) -> Footprint:
        """A footprint of these predicates and classes (IRIs as strings or rdflib terms)."""
        return cls(frozenset(map(str, predicates)), None if classes is None else frozenset(map(str, classes)))

    @classmethod
    def union_of(cls, prints: Iterable[Footprint]) -> Footprint:
        """What any of these readers sees."""
        out = cls()
        for fp in prints:
            out |= fp
        return out

    def __or__(self, other: Footprint) -> Footprint:
        classes = None if self.classes is None or other.classes is None else self.classes | other.classes
        return Footprint(self.predicates | other.predicates, classes, self.everything or other.everything)

    def covers(self, predicate: object | None, obj: object | None = None) -> bool:
        """Whether the statements of ``predicate`` (and, for ``rdf:type``, of the class ``obj``) are in."""
        if self.everything:
            return True
        if predicate is None:
            return False
        if str(predicate) == RDF_TYPE:
            return self.classes is None or (obj is not None and str(obj) in self.classes)
        return str(predicate) in self.predicates


class OutsideFootprint(RuntimeError):
    """A reader asked a store for statements it was not made with: the reader's declared footprint
    misses what it reads (a bug in the code, never in the data)."""


class StoreView:
    """The read-only part of rdflib's ``Graph`` API that reports use (``objects``, ``subjects``,
    ``value``, ``in``), over the union of the graphs of a pyoxigraph store, in rdflib terms.

    A view of a store that holds only some statements (``sees``) refuses to read any other: an answer
    from missing statements would be wrong without a sign.
    """

    def __init__(self, store: ox.Store, sees: Footprint | None = None):
        self.store = store
        self.sees = sees

    def require(self, predicate: object | None, obj: object | None = None) -> None:
        """Raises :class:`OutsideFootprint` unless the store holds the statements of this pattern."""
        if self.sees is not None and not self.sees.covers(predicate, obj):
            what = f"<{predicate}>" if predicate is not None else "every predicate"
            if predicate is not None and str(predicate) == RDF_TYPE:
                what += f" of the class <{obj}>" if obj is not None else " of every class"
            raise OutsideFootprint(
                f"this store was made without the statements of {what}: add them to the reader's footprint"
            )

    def _quads(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[ox.Quad]:
        self.require(p, o)
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
        """The union of the store's graphs as a read-only rdflib graph (see :class:`FrozenTriples`)."""
        self.require(None)
        term = term_converter()
        return FrozenTriples((term(q.subject), term(q.predicate), term(q.object)) for q in self.store).graph()


_NO_CONTEXTS: tuple[()] = ()


class FrozenTriples(Store):
    """A read-only rdflib store of one fixed set of triples, indexed by subject, predicate and object.

    rdflib's ``Memory`` store keeps, for every triple, the contexts it belongs to, and works them out on
    every match; a graph that is only read once built (what pySHACL validates, what reports read) needs
    none of that. This store builds three plain hash indexes at once and answers a pattern with dictionary
    look-ups alone: loading the corpus's union takes a quarter of the time of ``Graph.addN`` into ``Memory``
    (0.1 s against 0.4 s), and pySHACL reads it a little faster. Adding or removing raises ``TypeError``.

    It declares itself context- and graph-aware only because pySHACL wraps its data graph in an rdflib
    ``Dataset``, which checks those flags; it holds one graph and no named ones.
    """

    context_aware = True
    graph_aware = True
    formula_aware = False
    transaction_aware = False

    def __init__(self, triples: Iterable[Triple]):
        super().__init__()
        spo: dict[Node, dict[Node, set[Node]]] = {}
        pos: dict[Node, dict[Node, set[Node]]] = {}
        osp: dict[Node, dict[Node, set[Node]]] = {}
        n = 0
        for s, p, o in triples:
            objects = spo.setdefault(s, {}).setdefault(p, set())
            if o in objects:
                continue
            objects.add(o)
            pos.setdefault(p, {}).setdefault(o, set()).add(s)
            osp.setdefault(o, {}).setdefault(s, set()).add(p)
            n += 1
        self._spo, self._pos, self._osp, self._len = spo, pos, osp, n
        self._prefix: dict[str, str] = {}  # namespace → prefix
        self._namespace: dict[str, str] = {}  # prefix → namespace

    def graph(self, prefixes: Mapping[str, str] | None = None) -> Graph:
        """An rdflib graph over this store, these prefixes bound (after rdflib's usual ones)."""
        g = Graph(store=self)
        for prefix, ns in (prefixes or {}).items():
            g.bind(prefix, ns)
        return g

    def triples(self, triple_pattern, context=None):
        s, p, o = triple_pattern
        if s is not None:
            by_p = self._spo.get(s)
            if by_p is None:
                return
            if p is not None:
                objects = by_p.get(p, ())
                if o is not None:
                    if o in objects:
                        yield (s, p, o), _NO_CONTEXTS
                else:
                    for o2 in objects:
                        yield (s, p, o2), _NO_CONTEXTS
            else:
                for p2, objects in list(by_p.items()):
                    if o is not None:
                        if o in objects:
                            yield (s, p2, o), _NO_CONTEXTS
                    else:
                        for o2 in objects:
                            yield (s, p2, o2), _NO_CONTEXTS
        elif p is not None:
            by_o = self._pos.get(p)
            if by_o is None:
                return
            if o is not None:
                for s2 in by_o.get(o, ()):
                    yield (s2, p, o), _NO_CONTEXTS
            else:
                for o2, subjects in by_o.items():
                    for s2 in subjects:
                        yield (s2, p, o2), _NO_CONTEXTS
        elif o is not None:
            for s2, predicates in self._osp.get(o, {}).items():
                for p2 in predicates:
                    yield (s2, p2, o), _NO_CONTEXTS
        else:
            for s2, by_p in self._spo.items():
                for p2, objects in by_p.items():
                    for o2 in objects:
                        yield (s2, p2, o2), _NO_CONTEXTS

    def __len__(self, context=None) -> int:
        return self._len

    def contexts(self, triple=None):
        return iter(())

    def add(self, triple, context, quoted=False):
        raise TypeError("a FrozenTriples store is read-only: copy it into a Graph() to change it")

    def addN(self, quads):  # noqa: N802
        raise TypeError("a FrozenTriples store is read-only: copy it into a Graph() to change it")

    def remove(self, triple, context=None):
        raise TypeError("a FrozenTriples store is read-only: copy it into a Graph() to change it")

    # Prefixes, as rdflib's own stores keep them (a prefix and a namespace are bound one to one).
    def bind(self, prefix: str, namespace: URIRef, override: bool = True) -> None:
        bound_ns = self._namespace.get(prefix)
        bound_prefix = self._prefix.get(namespace) or (self._prefix.get(bound_ns) if bound_ns else None)
        if override:
            if bound_prefix is not None:
                self._namespace.pop(bound_prefix, None)
            if bound_ns is not None:
                self._prefix.pop(bound_ns, None)
            self._prefix[namespace] = prefix
            self._namespace[prefix] = namespace
        else:
            self._prefix[bound_ns or namespace] = bound_prefix or prefix
            self._namespace[bound_prefix or prefix] = bound_ns or namespace

    def prefix(self, namespace: URIRef) -> str | None:
        return self._prefix.get(namespace)

    def namespace(self, prefix: str) -> URIRef | None:
        ns = self._namespace.get(prefix)
        return URIRef(ns) if ns is not None else None

    def namespaces(self) -> Iterator[tuple[str, URIRef]]:
        for prefix, ns in list(self._namespace.items()):
            yield prefix, URIRef(ns)
