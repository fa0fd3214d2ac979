"""Named SPARQL queries, run on a local graph file or a remote SPARQL 1.1 endpoint.

Input: a query (a name from ``queries/``, a ``.rq`` file or text), parameters, and a graph file or an
endpoint URL. Output: a :class:`QueryResult`, rendered as a table or in the SPARQL 1.1 CSV, TSV or JSON
results formats. Parameters are bound as RDF terms (rdflib initial bindings locally, a ``VALUES`` block
of escaped terms remotely): user input is never pasted into query text.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import XSD, BNode, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from .errors import EndpointError, Location, QueryError, ReadError, require_graph_file
from .namespaces import PREFIXES, SERIAL_PREFIXES
from .parallel import gc_paused
from .vocab import QUERIES_DIR

# Example parameters for the queries that need one (used by benchmarks and tests).
PARAMS_EXAMPLE: dict[str, dict[str, str]] = {"initiative-timeline": {"initiative": "港车北上"}}
HEADER = re.compile(r"^#\s*(title|description|param|columns)\s*:\s*(.*)$")
PARAM = re.compile(r"^\?(\w+)\s+(\S+)(?:\s+(optional))?(?:\s*[—-]+\s*(.*))?$")
# The prefixes a parameter may use: those of the queries and those the results are shown with.
PARAM_PREFIXES = PREFIXES | SERIAL_PREFIXES
OPAQUE_SCHEMES = frozenset({"urn", "mailto", "tag", "did", "info", "doi", "isbn"})  # IRIs without "//"
IRI_OK = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|^`\\]*$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    optional: bool
    description: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    title: str
    description: str
    params: tuple[Param, ...]
    columns: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class QueryResult:
    vars: tuple[str, ...]
    rows: tuple[tuple[Node | None, ...], ...]


# --- the library ----------------------------------------------------------------------------------


def parse_query_file(path: Path) -> NamedQuery:
    """Read a ``.rq`` file and its header block (title, description, param, columns)."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, list[str]] = {"title": [], "description": [], "param": [], "columns": []}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = HEADER.match(line)
        if m:
            fields[m.group(1)].append(m.group(2).strip())
    params = []
    for raw in fields["param"]:
        pm = PARAM.match(raw)
        if not pm:
            raise QueryError(
                f"malformed param line '{raw}'",
                location=Location(str(path)),
                hint="write '# param: ?name type [optional] — description'",
            )
        params.append(Param(pm.group(1), pm.group(2), bool(pm.group(3)), pm.group(4) or ""))
    columns = tuple(c.strip() for c in ",".join(fields["columns"]).split(",") if c.strip())
    return NamedQuery(
        path.stem, path, " ".join(fields["title"]), " ".join(fields["description"]), tuple(params), columns, text
    )


def library(directory: Path | None = None) -> dict[str, NamedQuery]:
    """Every named query of the library folder, by name."""
    root = directory or QUERIES_DIR
    return {p.stem: parse_query_file(p) for p in sorted(root.glob("*.rq"))}


def resolve(spec: str, directory: Path | None = None) -> NamedQuery:
    """A query by library name or ``.rq`` path.

    Raises:
        QueryError: unknown name (with the closest names suggested) or missing file.
    """
    path = Path(spec)
    if spec.endswith(".rq"):
        if not path.exists():
            raise QueryError("query file not found", location=Location(spec))
        return parse_query_file(path)
    lib = library(directory)
    if spec in lib:
        return lib[spec]
    close = difflib.get_close_matches(spec, list(lib), n=3, cutoff=0.4)
    hint = f"did you mean {', '.join(close)}?" if close else "run `gbakg query --list` to see the library"
    raise QueryError(f"unknown query '{spec}'", hint=hint)


# --- binding --------------------------------------------------------------------------------------


def bind_params(query: NamedQuery | None, params: dict[str, str]) -> dict[str, Node]:
    """Turn ``key=value`` strings into RDF terms, typed by the query's declared parameters.

    Raises:
        QueryError: an unknown parameter, a value that is not of its type, or a missing one.
    """
    declared = {p.name: p for p in query.params} if query else {}
    out: dict[str, Node] = {}
    for key, value in params.items():
        name = key.lstrip("?")
        if declared and name not in declared:
            raise QueryError(
                f"the query '{query.name if query else ''}' has no parameter '{name}'",
                hint=f"its parameters: {', '.join(declared) or 'none'}",
            )
        kind = (
            declared[name].type if name in declared else ("iri" if IRI_OK.match(value) and "://" in value else "string")
        )
        out[name] = to_term(value, kind, name)
    for p in declared.values():
        if not p.optional and p.name not in out:
            raise QueryError(
                f"the query '{query.name if query else ''}' needs --param {p.name}=…", hint=p.description or None
            )
    return out


def to_term(value: str, kind: str, name: str = "") -> Node:
    """A parameter value as a safe RDF term.

    Raises:
        QueryError: the value does not fit the declared type.
    """
    if kind == "iri":
        if ":" in value and not value.split(":", 1)[1].startswith("//"):
            prefix, local = value.split(":", 1)
            if prefix in PARAM_PREFIXES:
                value = PARAM_PREFIXES[prefix] + local
            elif prefix.lower() not in OPAQUE_SCHEMES:  # a prefix this tool never writes: no silent empty result
                raise QueryError(
                    f"parameter '{name}': unknown prefix '{prefix}:' in {value!r}",
                    hint="give an absolute IRI (https://…) or a prefixed name as the results show it, such as "
                    f"case:b3-07 or jur:hong-kong (known prefixes: {', '.join(sorted(PARAM_PREFIXES))})",
                )
        if not IRI_OK.match(value):
            raise QueryError(
                f"parameter '{name}' is not a valid IRI: {value!r}",
                hint="give an absolute IRI (https://…) or a prefixed name such as case:b3-07",
            )
        return URIRef(value)
    if kind in ("xsd:integer", "integer"):
        if not re.fullmatch(r"[+-]?\d+", value.strip()):
            raise QueryError(f"parameter '{name}' must be an integer, not {value!r}")
        return Literal(int(value), datatype=XSD.integer)
    if kind in ("xsd:decimal", "decimal"):
        try:
            return Literal(value.strip(), datatype=XSD.decimal, normalize=True)
        except Exception as e:  # rdflib raises on bad lexical forms only with normalize
            raise QueryError(f"parameter '{name}' must be a decimal, not {value!r}") from e
    if kind.startswith("@"):
        return Literal(value, lang=kind[1:])
    return Literal(value)


def values_block(bindings: dict[str, Node]) -> str:
    """A SPARQL VALUES block of escaped terms (for endpoints, which take no initial bindings)."""
    if not bindings:
        return ""
    names = " ".join(f"?{k}" for k in bindings)
    terms = " ".join(t.n3() for t in bindings.values())
    return f"VALUES ({names}) {{ ({terms}) }}\n"


def with_values(text: str, bindings: dict[str, Node]) -> str:
    """The query with a VALUES block at the start of its outermost WHERE group."""
    if not bindings:
        return text
    m = re.search(r"\bWHERE\s*\{", text, flags=re.IGNORECASE)
    if not m:
        raise QueryError("cannot bind parameters: the query has no WHERE clause")
    return text[: m.end()] + "\n  " + values_block(bindings) + text[m.end() :]


# --- running --------------------------------------------------------------------------------------


def check_syntax(text: str, where: str) -> None:
    """Parse a query, turning a syntax error into a located QueryError.

    Raises:
        QueryError: the query does not parse; the message gives line and column.
    """
    try:
        prepareQuery(text)
    except Exception as e:  # pyparsing raises ParseException; rdflib wraps others
        line = getattr(e, "lineno", None)
        col = getattr(e, "col", None)
        msg = getattr(e, "msg", None) or str(e).splitlines()[0]
        raise QueryError(
            f"SPARQL syntax error: {msg}", location=Location(where, line, col), hint="fix the query text"
        ) from e


def run_local(graph: Graph, text: str, bindings: dict[str, Node], where: str = "query") -> QueryResult:
    """Run a SELECT query on an in-memory graph."""
    check_syntax(text, where)
    try:
        result = graph.query(text, initBindings={Variable(k): v for k, v in bindings.items()})  # type: ignore[misc]
    except Exception as e:  # evaluation errors from rdflib's SPARQL engine
        raise QueryError(f"the query failed: {e}", location=Location(where)) from e
    if result.type != "SELECT":
        raise QueryError("only SELECT queries are supported", location=Location(where))
    names = tuple(str(v) for v in (result.vars or ()))
    with gc_paused():  # the solutions are evaluated as they are read: many new objects, few freed
        rows = tuple(tuple(row[i] for i in range(len(names))) for row in result)  # type: ignore[index]
    return QueryResult(names, rows)


_STORES: weakref.WeakKeyDictionary[Graph, ox.Store] = weakref.WeakKeyDictionary()
OX_ERROR = re.compile(r"error at (\d+):(\d+): (.*)", re.S)


def store_from_graph(graph: Graph) -> ox.Store:
    """An in-memory Oxigraph store holding an rdflib graph's triples (cached per graph object)."""
    store = _STORES.get(graph)
    if store is None:
        from .rdfio import to_ox
        from .serialize import sorted_triples

        store = ox.Store()
        store.bulk_extend(
            ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph())  # type: ignore[arg-type]
            for s, p, o in sorted_triples(graph)
        )
        _STORES[graph] = store
    return store


# The merge of the named graphs, each statement once, into the default graph.
MERGE_INTO_DEFAULT = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def open_store(path: Path) -> ox.Store:
    """Load an RDF file into an in-memory Oxigraph store. The named graphs of TriG/N-Quads are kept
    (for ``GRAPH`` queries) and merged into the default graph, which queries read: Oxigraph 0.5's union
    default graph counts a statement once for each graph holding it (oxigraph/oxigraph#1919).

    Raises:
        ReadError: the file is missing or does not parse.
    """
    require_graph_file(path)
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".") or "ttl") or ox.RdfFormat.TURTLE
    store = ox.Store()
    try:  # load, not bulk_load: in memory it is as fast or faster and needs a tenth less memory
        store.load(path=str(path), format=fmt)
    except (SyntaxError, ValueError, OSError) as e:
        raise ReadError(
            f"cannot parse the graph: {e}", location=Location(str(path)), hint="check the file's syntax and extension"
        ) from e
    if fmt.supports_datasets:
        store.update(MERGE_INTO_DEFAULT)
    return store


def run_store(store: ox.Store, text: str, bindings: dict[str, Node], where: str = "query") -> QueryResult:
    """Run a SELECT query on an Oxigraph store; parameters go in as a VALUES block of escaped terms.
    The query reads the store's default graph (:func:`open_store` merges a dataset's graphs into it),
    or the union of its named graphs where the default graph is empty.

    Raises:
        QueryError: a syntax error (with line and column in the text given) or a query that is not a SELECT.
    """
    query = with_values(text, bindings)
    union = next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None
    try:
        result = store.query(query, use_default_graph_as_union=union)
    except SyntaxError as e:
        m = OX_ERROR.match(str(e))
        if m:
            line, col = int(m.group(1)), int(m.group(2))
            if bindings and line > _values_line(text):
                line -= 1
            raise QueryError(
                f"SPARQL syntax error: {m.group(3).strip()}",
                location=Location(where, line, col),
                hint="fix the query text",
            ) from e
        raise QueryError(f"SPARQL syntax error: {e}", location=Location(where), hint="fix the query text") from e
    except OSError as e:
        raise QueryError(f"the query failed: {e}", location=Location(where)) from e
    if not isinstance(result, ox.QuerySolutions):
        raise QueryError("only SELECT queries are supported", location=Location(where))
    names = tuple(v.value for v in result.variables)
    made: dict[object, Node | None] = {}  # terms recur across rows (items, cases, agencies): convert each once

    def cell(v: object) -> Node | None:
        try:
            return made[v]
        except KeyError:
            made[v] = term = _from_ox(v)
            return term

    with gc_paused():  # tens of thousands of new terms, none in a cycle
        rows = tuple(tuple(cell(v) for v in solution) for solution in result)
    return QueryResult(names, rows)


def _values_line(text: str) -> int:
    m = re.search(r"\bWHERE\s*\{", text, flags=re.IGNORECASE)
    return text.count("\n", 0, m.end()) + 1 if m else 0


def _from_ox(term: object) -> Node | None:
    """A result cell as an rdflib term (None when unbound; a triple term as its text)."""
    from .rdfio import from_ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal):
        return from_ox(term)
    return Literal(str(term))


def run_endpoint(
    url: str, text: str, bindings: dict[str, Node], where: str = "query", timeout: float = 10.0, retries: int = 2
) -> QueryResult:
    """Run a SELECT query on a SPARQL 1.1 Protocol endpoint through SPARQLWrapper.

    Raises:
        EndpointError: the endpoint is unreachable, times out or answers with an error, after
            ``retries`` further attempts with backoff.
    """
    from urllib.error import HTTPError, URLError

    from SPARQLWrapper import JSON, POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    check_syntax(text, where)
    query = with_values(text, bindings)
    last: Exception | None = None
    for attempt in range(retries + 1):
        client = SPARQLWrapper(url)
        client.setQuery(query)
        client.setMethod(POST)
        client.setReturnFormat(JSON)
        client.setTimeout(int(max(1, timeout)))
        try:
            data = client.queryAndConvert()
            return _from_json(data)  # type: ignore[arg-type]
        except HTTPError as e:
            last = e
            if e.code < 500:
                raise EndpointError(
                    f"the endpoint refused the query: HTTP {e.code} {e.reason}",
                    location=Location(url),
                    hint="check the query and the endpoint URL",
                ) from e
        except SPARQLWrapperException as e:
            last = e
            raise EndpointError(
                f"the endpoint answered with an error: {str(e).splitlines()[0]}", location=Location(url)
            ) from e
        except (URLError, TimeoutError, OSError, ValueError) as e:
            last = e
        if attempt < retries:
            time.sleep(0.3 * (2**attempt))
    reason = getattr(last, "reason", None) or last
    raise EndpointError(
        f"cannot reach the endpoint after {retries + 1} attempts: {reason}",
        location=Location(url),
        hint="check that the server is running and the URL is right",
    )


def _from_json(data: dict) -> QueryResult:
    names = tuple(data.get("head", {}).get("vars", []))
    with gc_paused():
        rows = tuple(tuple(_term(b.get(n)) for n in names) for b in data.get("results", {}).get("bindings", []))
    return QueryResult(names, rows)


def _term(v: dict | None) -> Node | None:
    if v is None:
        return None
    t = v.get("type")
    if t == "uri":
        return URIRef(v["value"])
    if t == "bnode":
        return BNode(v["value"])
    if "xml:lang" in v:
        from .rdfio import canonical_lang

        return Literal(v["value"], lang=canonical_lang(v["xml:lang"]))
    if "datatype" in v:
        return Literal(v["value"], datatype=URIRef(v["datatype"]))
    return Literal(v["value"])


def page(text: str, limit: int | None = None, offset: int = 0) -> str:
    """The query with ``LIMIT``/``OFFSET`` appended: the rows from ``offset`` on, at most ``limit`` of
    them, in the order of the query's ``ORDER BY`` (a page of a listing).

    Raises:
        QueryError: a negative limit or offset, a query with a LIMIT or OFFSET of its own, or one with
            no ORDER BY (its pages could overlap or miss rows).
    """
    if limit is None and not offset:
        return text
    if (limit is not None and limit < 0) or offset < 0:
        raise QueryError("a limit or offset cannot be negative")
    tail = re.sub(r"#[^\n]*", "", text[text.rfind("}") + 1 :])  # the solution modifiers, comments dropped
    if re.search(r"\b(LIMIT|OFFSET)\b", tail, flags=re.IGNORECASE):
        raise QueryError("the query has a LIMIT or OFFSET of its own", hint="drop --limit and --offset, or edit it")
    if not re.search(r"\bORDER\s+BY\b", tail, flags=re.IGNORECASE):
        raise QueryError("a page needs a query with an ORDER BY", hint="add one, or drop --limit and --offset")
    modifiers = ([f"LIMIT {limit}"] if limit is not None else []) + ([f"OFFSET {offset}"] if offset else [])
    return text.rstrip() + "\n" + " ".join(modifiers) + "\n"


def run(
    spec: str | None = None,
    *,
    sparql: str | None = None,
    graph: Graph | ox.Store | None = None,
    endpoint: str | None = None,
    params: dict[str, str] | None = None,
    engine: str = "oxigraph",
    limit: int | None = None,
    offset: int = 0,
) -> QueryResult:
    """Run a named query, a ``.rq`` file or query text on a graph, a store or an endpoint; with
    ``limit`` or ``offset``, one page of its rows (:func:`page`).

    Local queries run on an in-memory Oxigraph store by default: 0.4-3 ms per library query on the
    corpus graph, against 10-80 ms for rdflib's engine (benchmarks/bench_queries.py). Pass
    ``engine="rdflib"`` to run on rdflib's engine instead.

    Raises:
        QueryError: unknown query, bad parameters, paging or syntax.
        EndpointError: the endpoint fails.
    """
    nq = resolve(spec) if spec else None
    text = page(nq.text if nq else (sparql or ""), limit, offset)
    where = str(nq.path) if nq else "--sparql"
    bindings = bind_params(nq, params or {})
    if endpoint:
        return run_endpoint(endpoint, text, bindings, where)
    if graph is None:
        raise QueryError("no graph to query", hint="pass --graph FILE or --endpoint URL")
    if isinstance(graph, ox.Store):
        return run_store(graph, text, bindings, where)
    if engine == "rdflib":
        return run_local(graph, text, bindings, where)
    return run_store(store_from_graph(graph), text, bindings, where)


# --- rendering ------------------------------------------------------------------------------------


def _plain(term: Node | None) -> str:
    return "" if term is None else str(term)


def _short(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        s = str(term)
        for prefix, ns in sorted(SERIAL_PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if s.startswith(ns):
                return f"{prefix}:{s[len(ns) :]}"
        return s
    return str(term)


def to_csv(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results CSV: lexical values, CRLF line ends."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(result.vars)
    for row in result.rows:
        w.writerow([_plain(t) for t in row])
    return buf.getvalue()


def to_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results TSV: ?-prefixed header, terms in Turtle syntax."""
    lines = ["\t".join(f"?{v}" for v in result.vars)]
    for row in result.rows:
        lines.append("\t".join("" if t is None else t.n3() for t in row))
    return "\n".join(lines) + "\n"


def to_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON."""
    bindings = []
    for row in result.rows:
        b: dict[str, dict[str, str]] = {}
        for name, t in zip(result.vars, row, strict=True):
            if t is None:
                continue
            if isinstance(t, URIRef):
                b[name] = {"type": "uri", "value": str(t)}
            elif isinstance(t, BNode):
                b[name] = {"type": "bnode", "value": str(t)}
            else:
                lit: dict[str, str] = {"type": "literal", "value": str(t)}
                if isinstance(t, Literal) and t.language:
                    lit["xml:lang"] = t.language
                elif isinstance(t, Literal) and t.datatype:
                    lit["datatype"] = str(t.datatype)
                b[name] = lit
        bindings.append(b)
    return (
        json.dumps(
            {"head": {"vars": list(result.vars)}, "results": {"bindings": bindings}}, ensure_ascii=False, indent=1
        )
        + "\n"
    )


def to_table(result: QueryResult, max_width: int = 60) -> str:
    """An aligned text table, IRIs shortened with the project's prefixes."""
    from .layout import width

    cells = [[c[:max_width] for c in (_short(t) for t in row)] for row in result.rows]
    widths = [max([width(v)] + [width(r[i]) for r in cells]) for i, v in enumerate(result.vars)]

    def fmt(values: list[str] | tuple[str, ...]) -> str:
        return "  ".join(v + " " * (w - width(v)) for v, w in zip(values, widths, strict=True)).rstrip()

    lines = [fmt(result.vars), fmt(["-" * w for w in widths])] + [fmt(r) for r in cells]
    lines.append(f"({len(result.rows)} rows)")
    return "\n".join(lines) + "\n"


RENDERERS = {"table": to_table, "csv": to_csv, "tsv": to_tsv, "json": to_json}
