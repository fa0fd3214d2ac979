"""Canonical, sorted serialisation of rdflib graphs and datasets through Oxigraph's fast writers.

Input: an rdflib ``Graph`` or ``Dataset``. Output: Turtle, TriG, N-Triples or JSON-LD text whose
statements are sorted (graph, subject, predicate, object), so the same graph always gives the same
bytes and diffs between builds are readable. rdflib's own serialisers take seconds on the corpus
graph; Oxigraph takes milliseconds.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import IO, AnyStr, TextIO, cast

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.term import Node

from .errors import ExportError
from .mapping import NamedGraphs
from .namespaces import SERIAL_PREFIXES
from .rdfio import Run, canonical_lang, nt, statement_lines

FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
}
Triple = tuple[Node, Node, Node]
RDF_TYPE = str(RDF.type)


def graph_statements(ds: NamedGraphs) -> dict[Node, Run]:
    """Each named graph's sorted statements (:class:`~gbakg.rdfio.Run`), by graph IRI: N-Quads,
    N-Triples, TriG, Turtle, JSON-LD and the validation store are all made from them, and each term is
    written once."""
    return {g: ds.run(g) for g in ds.names()}


def union_statements(data: Graph | NamedGraphs | Iterable[Triple]) -> Iterable[str]:
    """The distinct statements (of the union, for named graphs), sorted, as N-Triples lines: a list,
    or for a dataset with spilled graphs a merge of their runs."""
    if not isinstance(data, NamedGraphs):
        return statement_lines(data)
    return data.union_lines()


def _pieces(lines: Iterable[str]) -> Iterator[str]:
    """Lines joined :data:`CHUNK` at a time."""
    it = iter(lines)
    while piece := "".join(itertools.islice(it, CHUNK)):
        yield piece


def _ntriples_pieces(data: Graph | NamedGraphs | Iterable[Triple]) -> Iterator[str]:
    """The union's sorted statements as N-Triples text, :data:`CHUNK` statements at a time."""
    return _pieces(union_statements(data))


def _nquads_pieces(ds: NamedGraphs, graphs: Collection[Node] | None = None) -> Iterator[str]:
    """Each graph's (of ``graphs``, if given) sorted statements as N-Quads text, :data:`CHUNK`
    statements at a time, by graph IRI. (No line holds " ." and a newline but at its end: a literal's
    newlines are escaped.)"""
    for g, run in graph_statements(ds).items():
        if graphs is not None and g not in graphs:
            continue
        end = f" {nt(g)} .\n"
        for piece in run.pieces(CHUNK):
            yield piece.replace(" .\n", end)


def canonical_ntriples(data: Graph | NamedGraphs | Iterable[Triple]) -> str:
    """The distinct triples (of the union, for named graphs) as sorted N-Triples."""
    return "".join(_ntriples_pieces(data))


def canonical_nquads(ds: NamedGraphs) -> str:
    """The quads as N-Quads, ordered by graph IRI and then by statement."""
    return "".join(_nquads_pieces(ds))


def load_store(ds: NamedGraphs) -> ox.Store:
    """The named graphs loaded into a new in-memory pyoxigraph store, a graph and a piece at a time
    (never the text of the whole dataset at once; spilled graphs straight from their files).

    Oxigraph's store keeps literals of derived XSD types as their primitive type ("5"^^xsd:int is
    read back as "5"^^xsd:integer); the files are written from the dataset, never from the store.
    The statements are the build's own, loaded leniently (see :func:`_parse`).
    """
    store = ox.Store()
    for g, run in graph_statements(ds).items():
        graph = ox.NamedNode(str(g))
        if run.lines is None:
            for path in run.files():
                store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=graph, lenient=True)
        else:
            for piece in run.pieces(CHUNK):
                store.load(piece.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES, to_graph=graph, lenient=True)
    return store


def sorted_triples(data: Graph | NamedGraphs | Iterable[Triple]) -> list[Triple]:
    """The distinct triples (of the union, for named graphs) in canonical order, as rdflib terms."""
    if isinstance(data, NamedGraphs):
        data = data.union()
    return sorted(set(data), key=lambda t: (nt(t[0]), nt(t[1]), nt(t[2])))


def _parse(text: str | bytes, fmt: ox.RdfFormat) -> Iterator[ox.Quad]:
    """Statements written here (by :func:`~gbakg.rdfio.nt`, from terms rdflib and the mapper have
    checked), read leniently: Oxigraph skips validating IRIs and tags again, which halves its parsing
    (0.5 s instead of 1.0 s for 1.5 M statements). Never for text from outside the build."""
    return ox.parse(text.encode("utf-8") if isinstance(text, str) else text, format=fmt, lenient=True)


CHUNK = 20_000  # statements handed to Oxigraph, or written, at a time


def serialize(data: Graph | NamedGraphs, fmt: str = "turtle", prefixes: dict[str, str] | None = None) -> str:
    """The text :func:`write` writes."""
    buf = io.StringIO()
    write(data, fmt, buf, prefixes)
    return buf.getvalue()


def write(
    data: Graph | NamedGraphs,
    fmt: str,
    out: TextIO,
    prefixes: dict[str, str] | None = None,
    graphs: Collection[Node] | None = None,
    header: bool = True,
) -> None:
    """Serialise sorted to a text stream. ``fmt`` is one of turtle, trig, nt, nquads, jsonld; named
    graphs give their union in the triple formats.

    Statements are written in the code-point order of their N-Triples (N-Quads) form, so the same graph
    always gives the same bytes, and diffs between builds are readable. The statements are made once
    as canonical N-Triples and rewritten with prefixes by Oxigraph's Turtle and TriG writers. The text
    goes out piece by piece (:data:`CHUNK` statements, or a node, at a time): a graph of millions of
    statements is never held whole as text.

    A dataset format can be written in parts: ``graphs`` names the graphs written, and
    ``header=False`` leaves out the @prefix lines, so that parts of consecutive graphs, the first with
    its header, the others without, join into the text of them all (tested).

    Raises:
        ExportError: an unknown format, or a dataset format asked of a plain graph.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown RDF format '{fmt}'", hint=f"use one of {', '.join(FORMATS)}")
    if fmt in UNION_FORMATS:
        write_union(data, {fmt: out}, prefixes)
        return
    if not isinstance(data, NamedGraphs):
        raise ExportError(f"{fmt} needs named graphs", hint="serialise the build's dataset, or use turtle")
    if fmt == "nquads":
        out.writelines(_restore_lang_case(piece) for piece in _nquads_pieces(data, graphs))
        return
    names = [g for g in data.names() if graphs is None or g in graphs]
    write_trig(data, out, names, prefixes, header)


def write_trig(
    ds: NamedGraphs, out: TextIO, names: Iterable[Node], prefixes: dict[str, str] | None = None, header: bool = True
) -> bool:
    """Oxigraph's TriG of the graphs named, in the order given (``names`` may be an iterator handing
    them out as it goes), written a graph at a time as Oxigraph's Turtle of its statements, indented
    by a tab, between the graph's name and a closing brace: what its TriG writer gives for them all
    (tested). Each graph's text stands alone, but the @prefix lines (if ``header``) open the first
    that has statements. A graph's statements go to Oxigraph as N-Triples, from the run's file where
    it has one (read by Oxigraph, not line by line here: a third of the time of passing N-Quads
    text). Whether any graph had statements."""
    prefixes = prefixes if prefixes is not None else SERIAL_PREFIXES
    owed, wrote = header, False  # the @prefix lines open the first graph that has statements
    for g in names:
        sink = _LangCaseSink(out, owed, opening=_graph_opening(g, prefixes), indent=True)
        ox.serialize(
            _run_statements(ds.run(cast(URIRef, g))),
            output=cast(IO[bytes], sink),
            format=ox.RdfFormat.TURTLE,
            prefixes=prefixes,
        )  # write() is all it uses
        sink.close()
        if sink.opened:
            out.write("}\n")
            owed, wrote = False, True
    return wrote


def prefix_header(prefixes: dict[str, str] | None = None) -> str:
    """The @prefix lines Oxigraph's Turtle and TriG writers open a text with."""
    x = ox.NamedNode("urn:x")
    text = ox.serialize([ox.Triple(x, x, x)], format=ox.RdfFormat.TURTLE, prefixes=prefixes or SERIAL_PREFIXES)
    return "".join(line for line in (text or b"").decode("utf-8").splitlines(True) if line.startswith("@prefix "))


def _graph_opening(g: Node, prefixes: dict[str, str]) -> str:
    """The line that opens a graph's block in Oxigraph's TriG (its name, compact where a prefix fits)."""
    name = ox.BlankNode(str(g)) if isinstance(g, BNode) else ox.NamedNode(str(g))
    x = ox.NamedNode("urn:x")
    text = ox.serialize([ox.Quad(x, x, x, name)], format=ox.RdfFormat.TRIG, prefixes=prefixes) or b""
    return next(line for line in text.decode("utf-8").splitlines(True) if not line.startswith("@prefix "))


def _run_statements(run: Run) -> Iterator[ox.Quad]:
    """A run's statements parsed by Oxigraph: from its file where it is one file, else from its UTF-8
    lines (for a run of parts, their merge as bytes) :data:`CHUNK` at a time."""
    if run.path is not None and not run.parts:  # written by the build (leniently, see _parse)
        return ox.parse(path=str(run.path), format=ox.RdfFormat.N_TRIPLES, lenient=True)
    lines = run.raw()
    pieces = iter(lambda: b"".join(itertools.islice(lines, CHUNK)), b"")
    return itertools.chain.from_iterable(_parse(piece, ox.RdfFormat.N_TRIPLES) for piece in pieces)


UNION_FORMATS = ("turtle", "nt", "jsonld")  # the formats of the union's triples, which write_union writes


def write_union(data: Graph | NamedGraphs, outs: Mapping[str, TextIO], prefixes: dict[str, str] | None = None) -> None:
    """Write the union's triples in several formats (:data:`UNION_FORMATS`: a text stream for each) in
    one pass over its sorted statements: for spilled graphs that pass is a merge of their runs (about
    5 s at 100 times the corpus), which graph.ttl and graph.jsonld then share.

    The statements go to the triple formats a chunk at a time, each chunk ending with a subject's last
    statement: Oxigraph's Turtle of consecutive chunks, the @prefix lines written once, is its Turtle of
    the whole (tested); JSON-LD assembles its nodes from the same lines as they pass.

    Raises:
        ExportError: a format that is not one of the union's.
    """
    unknown = sorted(set(outs) - set(UNION_FORMATS))
    if unknown:
        raise ExportError(f"'{unknown[0]}' is not a format of the union's triples", hint=f"use {UNION_FORMATS}")
    use_prefixes = prefixes if prefixes is not None else SERIAL_PREFIXES
    turtle, ntriples, jsonld = (outs.get(fmt) for fmt in UNION_FORMATS)

    def passing() -> Iterator[str]:
        """The statements' text, a chunk at a time, once it is written as Turtle and N-Triples."""
        header = True
        for chunk in _subject_chunks(_union_raw(data)):
            raw = b"".join(chunk)
            if turtle is not None:
                _turtle(raw, turtle, use_prefixes, header)
            text = raw.decode("utf-8")
            if ntriples is not None:
                ntriples.write(_restore_lang_case(text))
            header = False
            yield text

    if jsonld is not None:
        jsonld.writelines(_jsonld_pieces(passing(), use_prefixes))
    else:
        for _ in passing():
            pass


def _union_raw(data: Graph | NamedGraphs) -> Iterable[bytes]:
    """The union's distinct statements, sorted, as UTF-8 N-Triples lines (for spilled graphs a merge of
    their runs as bytes, which compare in the same order as their text, faster)."""
    if isinstance(data, NamedGraphs):
        return data.union_raw()
    return (line.encode("utf-8") for line in statement_lines(data))


def _turtle(raw: bytes, out: TextIO, prefixes: dict[str, str], header: bool) -> None:
    """N-Triples as Oxigraph's Turtle (language tags in BCP 47 case; the @prefix lines if ``header``)."""
    sink = _LangCaseSink(out, header)
    ox.serialize(
        _parse(raw, ox.RdfFormat.N_TRIPLES),
        output=cast(IO[bytes], sink),
        format=ox.RdfFormat.TURTLE,
        prefixes=prefixes,
    )  # write() is all it uses
    sink.close()


def _subject_chunks(lines: Iterable[AnyStr]) -> Iterator[list[AnyStr]]:
    """Sorted statement lines in lists of about :data:`CHUNK`, each ending with the last statement of a
    subject (a subject's statements are never split between two lists)."""
    it = iter(lines)
    held: list[AnyStr] = []
    while chunk := list(itertools.islice(it, CHUNK)):
        chunk = held + chunk
        last = chunk[-1]
        subject = last[: last.index(b" " if isinstance(last, bytes) else " ") + 1]
        cut = len(chunk)
        while cut > 0 and chunk[cut - 1].startswith(subject):
            cut -= 1
        if cut == 0:  # one subject throughout: hold it all until its end is seen
            held = chunk
            continue
        held = chunk[cut:]
        yield chunk[:cut]
    if held:
        yield held


class _LangCaseSink:
    """Where Oxigraph's writer writes its bytes: whole lines are passed on to a text stream with their
    language tags in BCP 47 case (a literal and its tag are always on one line, and a newline in a
    literal is written escaped). The @prefix lines that open the text are kept if ``header``; the
    statements after them are preceded by ``opening`` and, with ``indent``, indented by a tab (a graph
    of TriG); ``opened`` tells whether any came."""

    def __init__(self, out: TextIO, header: bool = True, opening: str = "", indent: bool = False):
        self.out = out
        self.tail = b""
        self.header = header
        self.opening = opening
        self.indent = indent
        self.opened = False

    def write(self, data: bytes) -> int:
        buf = self.tail + data
        cut = buf.rfind(b"\n") + 1  # a newline byte is never inside a UTF-8 sequence
        self.tail = buf[cut:]
        if cut:
            self._lines(buf[:cut].decode("utf-8"))
        return len(data)

    def _lines(self, text: str) -> None:
        if not self.opened:
            lines = text.splitlines(True)
            prefixes = list(itertools.takewhile(lambda line: line.startswith("@prefix "), lines))
            if self.header:
                self.out.write("".join(prefixes))
            text = "".join(lines[len(prefixes) :])
            if not text:
                return
            self.opened = True
            self.out.write(self.opening)
        if self.indent:
            text = "\t" + text[:-1].replace("\n", "\n\t") + text[-1]
        self.out.write(_restore_lang_case(text))

    def flush(self) -> None:
        return None

    def close(self) -> None:
        if self.tail:
            self._lines(self.tail.decode("utf-8"))
            self.tail = b""


def to_jsonld(data: Graph | NamedGraphs, prefixes: dict[str, str]) -> str:
    """Compact JSON-LD: one node object per subject (sorted), one per line; IRIs as prefix:local compact
    IRIs under an @context of the prefixes, literals with @language or @type. Any JSON-LD processor
    expands it back to the same graph (tested by re-parsing with rdflib)."""
    return "".join(_jsonld_pieces(_pieces(union_statements(data)), prefixes))


def _jsonld_pieces(texts: Iterable[str], prefixes: dict[str, str]) -> Iterator[str]:
    """The text of :func:`to_jsonld` of sorted, distinct statements (N-Triples text of whole lines, a
    piece at a time), a node at a time."""
    iri = _compactor(prefixes)
    refs: dict[str, str] = {}  # an IRI object as written (with the " ." that ends it) → its node reference
    types: dict[str, str] = {}  # a class as written (the same) → its value of @type
    tails: dict[str, str] = {}  # what follows a literal's closing quote → the rest of its value object

    def tail_of(suffix: str) -> str:
        if not suffix:
            return "}"
        if suffix[0] == "@":
            return f', "@language": "{canonical_lang(suffix[1:])}"}}'
        return f', "@type": "{iri(suffix[3:-1])}"}}'

    # The statements are sorted, so each subject's are together, and each predicate's within them: a
    # node is written out as soon as its subject changes, a key as soon as its predicate does. IRIs
    # hold no character JSON escapes, and literals are re-encoded only where they hold an escape, so
    # each node is assembled as text, in the layout json.dumps gives a dictionary (tested).
    context = json.dumps(dict(sorted(prefixes.items())), ensure_ascii=False)
    yield f'{{"@context": {context},\n"@graph": [\n'
    members: list[str] = []
    values: list[str] = []
    subject = key = None
    separator = ""  # between nodes: none before the first
    keys: dict[str, str] = {f"<{RDF_TYPE}>": "@type"}  # a predicate as written → its key
    for text in texts:
        lines = text.split("\n")  # in C; a literal's line breaks are escaped, so a newline ends a statement
        del lines[-1]  # after the last newline
        for line in lines:
            s, p, o = line.split(" ", 2)  # subjects and predicates hold no space; o ends with " ."
            k = keys.get(p)
            if k is None:
                k = keys[p] = iri(p[1:-1])
            first = o[0]
            if first == "<":
                if k == "@type":
                    v = types.get(o)
                    if v is None:
                        v = types[o] = f'"{iri(o[1:-3])}"'
                else:
                    v = refs.get(o)
                    if v is None:
                        if len(refs) >= IDS_HELD:  # IRIs recur near each other in the sorted statements
                            refs.clear()
                        v = refs[o] = f'{{"@id": "{iri(o[1:-3])}"}}'
            else:
                if k == "@type":  # a literal as a type: under the predicate's own key
                    k = iri(p[1:-1])
                if first == "_":
                    v = f'{{"@id": "{o[:-2]}"}}'
                else:
                    close = o.rfind('"')  # tags and datatype IRIs hold no quote
                    tail = tails.get(o[close + 1 : -2])
                    if tail is None:
                        tail = tails[o[close + 1 : -2]] = tail_of(o[close + 1 : -2])
                    # nt() escapes exactly what JSON must (quote, backslash, controls), the same way
                    # but for the case of \uXXXX and DEL: a literal with no escape is already a JSON
                    # string; any other is re-encoded.
                    quoted = o[: close + 1]
                    if "\\" in quoted:
                        quoted = json.dumps(json.loads(quoted), ensure_ascii=False)
                    v = '{"@value": ' + quoted + tail
            if s != subject or k != key:
                if values:
                    members.append(f'"{key}": [{", ".join(values)}]')
                    values = []
                if s != subject:
                    if members:
                        yield separator + "{" + ", ".join(members) + "}"
                        separator = ",\n"
                    subject = s
                    members = [f'"@id": "{iri(s[1:-1]) if s[0] == "<" else s}"']
                key = k
            values.append(v)
    if values:
        members.append(f'"{key}": [{", ".join(values)}]')
    if members:
        yield separator + "{" + ", ".join(members) + "}"
    yield "\n]}\n"


IDS_HELD = 1 << 16  # IRI objects held as JSON-LD node references at a time


def _compactor(prefixes: dict[str, str]) -> Callable[[str], str]:
    """A function writing an IRI as a compact IRI (prefix:local) of the longest namespace that starts
    it and leaves a local part (not empty, not starting with //), or whole where none does. The
    namespaces are matched by one regular expression, longest first."""
    by_namespace: dict[str, str] = {}
    for prefix, ns in sorted(prefixes.items(), key=lambda kv: -len(kv[1])):
        by_namespace.setdefault(ns, prefix)
    ordered = list(by_namespace.items())
    longest = re.compile("|".join(re.escape(ns) for ns, _ in ordered)).match if ordered else None

    def compact(value: str) -> str:
        m = longest(value) if longest is not None else None
        if m is not None:
            local = value[m.end() :]
            if local and not local.startswith("//"):
                return f"{by_namespace[m.group()]}:{local}"
        for ns, prefix in ordered:  # a shorter namespace, where the longest leaves no local part
            local = value[len(ns) :]
            if value.startswith(ns) and local and not local.startswith("//"):
                return f"{prefix}:{local}"
        return value

    return compact


# A string literal (quote, then anything but a quote or backslash, or an escape, up to the closing quote)
# and its language tag if it has one. Every literal is matched whole, so the search never starts inside
# one (outside literals, Turtle and N-Triples as written here hold no quote), and text that only looks
# like a tag ("@en " inside a literal) is never touched.
_LITERAL = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"(?:@([a-z]{2,3}(?:-[a-z0-9]{1,8})*))?')


def _restore_lang_case(text: str) -> str:
    """Language tags written by Oxigraph (lower case) in their BCP 47 case: "…"@zh-hans → "…"@zh-Hans."""

    def fix(m: re.Match[str]) -> str:
        tag = m.group(1)
        if tag is None:
            return m.group(0)
        fixed = canonical_lang(tag)
        return m.group(0) if fixed == tag else m.group(0)[: -len(tag)] + fixed

    return _LITERAL.sub(fix, text)
