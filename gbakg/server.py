"""Talk to SPARQL servers: push the built graph through the SPARQL 1.1 Graph Store HTTP Protocol, and
serve it locally with Oxigraph.

Push replaces the named graph of each source document without ever exposing a half-written one: each
graph is first uploaded (``PUT``) to a staging graph, and only when every upload has succeeded does one
SPARQL Update request ``MOVE`` them all onto their targets - one transaction on the server. A push that
fails or is interrupted before that leaves the previous graphs as they were (a Graph Store ``PUT`` onto
the target itself clears it first, in a transaction of its own). Staging graphs left behind by an
interrupted push are dropped by the next one.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .errors import EndpointError, Location, ReadError, require_graph_file

log = logging.getLogger(__name__)

STAGING_PREFIX = "urn:gbakg:staging:"
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class PushResult:
    graphs: dict[str, int]
    seconds: float


def _noop(stage: str, step: int, total: int) -> None:
    return None


def sibling(url: str, name: str) -> str:
    """The URL of a sibling service: http://h/store → http://h/update (Oxigraph's and Fuseki's layout)."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path.rstrip("/")
    base = path.rsplit("/", 1)[0] if "/" in path else ""
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"{base}/{name}", "", ""))


def _request(
    method: str, url: str, data: bytes | None, content_type: str | None, timeout: float, accept: str | None = None
) -> bytes:
    req = urllib.request.Request(url, data=data, method=method)
    if content_type:
        req.add_header("Content-Type", content_type)
    if accept:
        req.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.read()
    except urllib.error.HTTPError as e:
        body = e.read().decode("utf-8", "replace").strip().replace("\n", " ")[:200]
        raise EndpointError(
            f"the server answered HTTP {e.code} {e.reason} to {method}: {body}",
            location=Location(url),
            hint="check the endpoint URL and that the server is writable",
        ) from e
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, ConnectionRefusedError):
            raise EndpointError(
                "connection refused", location=Location(url), hint="is the server running on that host and port?"
            ) from e
        if isinstance(reason, TimeoutError | socket.timeout):
            raise EndpointError(
                f"no answer within {timeout:g} s",
                location=Location(url),
                hint="the server is overloaded or unreachable; try --timeout",
            ) from e
        raise EndpointError(f"cannot reach the server: {reason}", location=Location(url)) from e
    except TimeoutError as e:
        raise EndpointError(
            f"no answer within {timeout:g} s",
            location=Location(url),
            hint="the server is overloaded or unreachable; try --timeout",
        ) from e
    except (ConnectionError, OSError) as e:
        raise EndpointError(
            f"the connection failed: {e}", location=Location(url), hint="the server may have stopped during the push"
        ) from e


def read_named_graphs(path: Path, graph_iri: str | None = None) -> dict[str, list[ox.Triple]]:
    """The triples of each named graph of a TriG/N-Quads file (or of any RDF file into ``graph_iri``).

    Raises:
        ReadError: the file is missing or does not parse.
    """
    require_graph_file(path)
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) or ox.RdfFormat.TRIG
    out: dict[str, list[ox.Triple]] = {}
    try:
        for q in ox.parse(path=str(path), format=fmt):
            name = graph_iri or (q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else None)
            if name is None:
                raise ReadError(
                    "the file has triples in the default graph",
                    location=Location(str(path)),
                    hint="push a TriG file with named graphs, or give --graph IRI",
                )
            out.setdefault(name, []).append(ox.Triple(q.subject, q.predicate, q.object))
    except SyntaxError as e:
        raise ReadError(f"cannot parse the graph: {e}", location=Location(str(path))) from e
    return out


def push(
    path: Path,
    store_url: str,
    update_url: str | None = None,
    query_url: str | None = None,
    graph_iri: str | None = None,
    timeout: float = 60.0,
    progress: Progress = _noop,
    on_staged: Callable[[str], None] | None = None,
) -> PushResult:
    """Replace, on a Graph Store, the named graph of each source document (or one graph ``graph_iri``).

    Raises:
        ReadError: the graph file cannot be read.
        EndpointError: the server refuses, fails, or cannot be reached; the previous graphs stay as they were.
    """
    start = time.perf_counter()
    update_url = update_url or sibling(store_url, "update")
    query_url = query_url or sibling(store_url, "query")
    graphs = read_named_graphs(path, graph_iri)
    drop_stale_staging(query_url, update_url, timeout)
    token = secrets.token_hex(8)
    staged: dict[str, str] = {}
    total = len(graphs) + 1
    try:
        for k, (name, triples) in enumerate(sorted(graphs.items()), start=1):
            staging = f"{STAGING_PREFIX}{token}:{k}"
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
            target = f"{store_url}?{urllib.parse.urlencode({'graph': staging})}"
            progress(f"upload {name.rsplit('/', 1)[-1]}", k, total)
            _request("PUT", target, body, "application/n-triples", timeout)
            staged[name] = staging
            if on_staged is not None:
                on_staged(name)
        progress("swap", total, total)
        swap = " ;\n".join(f"MOVE <{s}> TO <{name}>" for name, s in sorted(staged.items()))
        _request("POST", update_url, swap.encode("utf-8"), "application/sparql-update", timeout)
    except EndpointError:
        for s in staged.values():
            try:
                _request("POST", update_url, f"DROP SILENT GRAPH <{s}>".encode(), "application/sparql-update", 5)
            except EndpointError:
                log.warning("could not drop the staging graph %s; the next push drops it", s)
        raise
    return PushResult({k: len(v) for k, v in sorted(graphs.items())}, time.perf_counter() - start)


def drop_stale_staging(query_url: str, update_url: str, timeout: float) -> list[str]:
    """Drop the staging graphs an interrupted push left behind."""
    query = f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{}} FILTER(STRSTARTS(STR(?g), "{STAGING_PREFIX}")) }}'
    body = urllib.parse.urlencode({"query": query}).encode("utf-8")
    raw = _request(
        "POST", query_url, body, "application/x-www-form-urlencoded", timeout, accept="application/sparql-results+json"
    )
    import json

    stale = [b["g"]["value"] for b in json.loads(raw or b"{}").get("results", {}).get("bindings", [])]
    if stale:
        update = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in stale)
        _request("POST", update_url, update.encode("utf-8"), "application/sparql-update", timeout)
    return stale


# --- serve ------------------------------------------------------------------------------------------


def oxigraph_executable() -> str:
    """The Oxigraph server executable (PyPI package oxigraph).

    Raises:
        EndpointError: it is not installed.
    """
    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(exe).exists():
        raise EndpointError("the Oxigraph server is not installed", hint="pip install oxigraph (make installs it)")
    return exe


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running Oxigraph server on 127.0.0.1."""

    process: subprocess.Popen
    port: int
    location: Path
    owns_location: bool = False
    log: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.owns_location:
            shutil.rmtree(self.location, ignore_errors=True)


def start_server(
    location: Path | None = None,
    port: int | None = None,
    read_only: bool = False,
    graph_file: Path | None = None,
    wait: float = 30.0,
) -> Server:
    """Start ``oxigraph serve`` on 127.0.0.1, loading ``graph_file`` first if given, and wait until it
    answers.

    A query's default graph is the merge of the named graphs, each statement once. Read-write, where
    pushes replace named graphs, it is the server's union default graph. Read-only with a dataset
    file, the named graphs' statements are also loaded into the default graph, and the server queries
    that: Oxigraph 0.5's union default graph matches a statement once for each graph holding it
    (oxigraph/oxigraph#1919), so a statement two documents share would give an ad hoc query's rows
    twice. The named graphs are kept for ``GRAPH`` queries (which document says what).

    Raises:
        EndpointError: the server cannot be started or does not answer in time.
        ReadError: the graph file is missing or does not parse.
    """
    exe = oxigraph_executable()
    owns = location is None
    loc = Path(tempfile.mkdtemp(prefix="gbakg-oxigraph-")) if location is None else location
    try:
        merged = graph_file is not None and _load(exe, loc, graph_file, read_only)
    except BaseException:
        if owns:
            shutil.rmtree(loc, ignore_errors=True)
        raise
    port = port or free_port()
    cmd = [exe, "serve-read-only" if read_only else "serve", "--location", str(loc), "--bind", f"127.0.0.1:{port}"]
    if not merged:
        cmd.append("--union-default-graph")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    server = Server(proc, port, loc, owns)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = (proc.stderr.read() if proc.stderr else "").strip()
            server.stop()
            raise EndpointError(
                f"the Oxigraph server stopped at start: {err[:300]}", hint=f"is port {port} already in use?"
            )
        try:
            with urllib.request.urlopen(server.url + "/", timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise EndpointError(f"the Oxigraph server did not answer within {wait:g} s", location=Location(server.url))


def _load(exe: str, location: Path, graph_file: Path, read_only: bool) -> bool:
    """Load a graph file into the store at ``location``; read-only, a dataset's statements go into
    the default graph too (:func:`start_server`). Returns whether they did.

    Raises:
        ReadError: the file is missing or does not parse.
        EndpointError: Oxigraph cannot load it.
    """
    require_graph_file(graph_file)
    files = [graph_file]
    merged = read_only and _is_dataset(graph_file)
    with tempfile.TemporaryDirectory(prefix="gbakg-union-") as scratch:
        if merged:
            files.append(_write_union(graph_file, Path(scratch) / "union.nt"))
        done = subprocess.run(
            [exe, "load", "--location", str(location), *(a for f in files for a in ("--file", str(f)))],
            capture_output=True,
            text=True,
            timeout=1800,
        )
    if done.returncode != 0:
        raise EndpointError(
            f"Oxigraph could not load the graph: {done.stderr.strip()[:300]}", location=Location(str(graph_file))
        )
    return merged


def _is_dataset(path: Path) -> bool:
    """Whether a graph file's format holds named graphs (TriG, N-Quads), by its extension."""
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
    return fmt is None or fmt.supports_datasets


def _write_union(path: Path, target: Path) -> Path:
    """Every statement of a dataset file as N-Triples in ``target`` (a statement in several graphs is
    written once for each; the store keeps one).

    Raises:
        ReadError: the file does not parse.
    """
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) or ox.RdfFormat.TRIG
    try:
        with target.open("wb") as fh:
            quads = ox.parse(path=str(path), format=fmt)
            ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in quads), fh, ox.RdfFormat.N_TRIPLES)
    except SyntaxError as e:
        raise ReadError(f"cannot parse the graph: {e}", location=Location(str(path))) from e
    return target
