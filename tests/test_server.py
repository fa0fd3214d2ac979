"""Push to and query a real Oxigraph server started on 127.0.0.1 by the tests; every test stops the
servers it started."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from gbakg.cli import main
from gbakg.errors import EndpointError, ReadError
from gbakg.query import PARAMS_EXAMPLE, library, run
from gbakg.server import STAGING_PREFIX, free_port, push, start_server

COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def graph_counts(base: str) -> dict[str, int]:
    result = run(sparql=COUNTS, endpoint=base + "/query")
    return {str(g): int(n) for g, n in result.rows}


def assert_library_matches(endpoint: str, graph) -> None:
    """Every library query gives the same rows (in any order) on the endpoint as on the graph."""
    for name in library():
        local = run(name, graph=graph, params=PARAMS_EXAMPLE.get(name))
        remote = run(name, endpoint=endpoint, params=PARAMS_EXAMPLE.get(name))
        assert sorted(map(str, remote.rows)) == sorted(map(str, local.rows)), name


def file_counts(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for q in ox.parse(path=str(path), format=ox.RdfFormat.TRIG):
        counts[q.graph_name.value] = counts.get(q.graph_name.value, 0) + 1
    return counts


@pytest.fixture
def server(tmp_path):
    s = start_server(location=tmp_path / "db")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def smaller_trig(build_result, tmp_path_factory) -> Path:
    """A second version of the graph: the news document's graph cut to 100 triples."""
    quads = list(ox.parse(path=str(build_result.files["graph.trig"]), format=ox.RdfFormat.TRIG))
    news = next(q.graph_name.value for q in quads if q.graph_name.value.endswith("003_847e0af14b0b9d84"))
    kept, n = [], 0
    for q in quads:
        if q.graph_name.value == news:
            n += 1
            if n > 100:
                continue
        kept.append(q)
    path = tmp_path_factory.mktemp("v2") / "graph.trig"
    path.write_bytes(ox.serialize(kept, format=ox.RdfFormat.TRIG) or b"")
    return path


def test_push_then_the_library_gives_the_same_rows(server, build_result, graph):
    result = push(build_result.files["graph.trig"], server.url + "/store")
    assert result.graphs == file_counts(build_result.files["graph.trig"])
    assert graph_counts(server.url) == result.graphs
    assert_library_matches(server.url + "/query", graph)


def test_a_statement_pushed_in_two_graphs_is_counted_once(server, overlapping_trig, graph):
    push(overlapping_trig, server.url + "/store")
    assert_library_matches(server.url + "/query", graph)


def test_push_replaces_each_documents_graph(server, build_result, smaller_trig):
    push(build_result.files["graph.trig"], server.url + "/store")
    push(smaller_trig, server.url + "/store")
    assert graph_counts(server.url) == file_counts(smaller_trig)


def test_server_killed_during_a_push_keeps_the_previous_graphs(tmp_path, build_result, smaller_trig):
    location = tmp_path / "db"
    first = start_server(location=location)
    try:
        push(build_result.files["graph.trig"], first.url + "/store")
        before = graph_counts(first.url)

        def kill(_name: str) -> None:
            first.process.kill()
            first.process.wait(timeout=10)

        with pytest.raises(EndpointError):
            push(smaller_trig, first.url + "/store", on_staged=kill, timeout=5)
    finally:
        first.stop()
    second = start_server(location=location)
    try:
        after = {g: n for g, n in graph_counts(second.url).items() if not g.startswith(STAGING_PREFIX)}
        assert after == before
        push(smaller_trig, second.url + "/store")
        counts = graph_counts(second.url)
        assert counts == file_counts(smaller_trig)  # the next push also dropped the stale staging graph
    finally:
        second.stop()


def test_unreachable_server_is_a_clean_exit_2(tmp_path, build_result, capsys):
    url = f"http://127.0.0.1:{free_port()}/store"
    code = main(["push", "--endpoint", url, "--file", str(build_result.files["graph.trig"]), "-q"])
    assert code == 2
    query_url = url.rsplit("/", 1)[0] + "/query"
    assert capsys.readouterr().err == (
        f"gbakg: error: {query_url}: connection refused (is the server running on that host and port?)\n"
    )


def test_http_errors_are_reported(server, build_result):
    with pytest.raises(EndpointError) as e:
        push(build_result.files["graph.trig"], server.url + "/nowhere/store")
    assert "HTTP 404" in str(e.value)


def test_serve_loads_the_graph_read_only(build_result):
    s = start_server(read_only=True, graph_file=build_result.files["graph.trig"])
    try:
        assert len(run("cases", endpoint=s.url + "/query").rows) == 52
        with pytest.raises(EndpointError):
            push(build_result.files["graph.trig"], s.url + "/store")
    finally:
        s.stop()
    assert s.process.poll() is not None


def test_served_dataset_counts_a_statement_in_two_graphs_once(overlapping_trig, graph):
    s = start_server(read_only=True, graph_file=overlapping_trig)
    try:
        endpoint = s.url + "/query"
        everything = run(sparql="SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", endpoint=endpoint)
        assert int(everything.rows[0][0]) == len(graph)  # the merged graph, each statement once
        counts = graph_counts(s.url)  # and the named graphs, for provenance
        assert counts == file_counts(overlapping_trig)
        assert_library_matches(endpoint, graph)
    finally:
        s.stop()


def test_serving_a_broken_dataset_names_the_file(tmp_path):
    broken = tmp_path / "graph.trig"
    broken.write_text("<https://x/g> { <https://x/s> <https://x/p> . }\n", encoding="utf-8")
    before = set(Path(tempfile.gettempdir()).glob("gbakg-*"))
    with pytest.raises(ReadError) as e:
        start_server(read_only=True, graph_file=broken)
    assert str(broken) in str(e.value)
    assert set(Path(tempfile.gettempdir()).glob("gbakg-*")) == before  # its store and scratch are removed


def test_serve_stopped_by_a_service_manager_leaves_nothing_behind(build_result):
    port = free_port()
    before = set(Path(tempfile.gettempdir()).glob("gbakg-oxigraph-*"))
    cmd = [
        sys.executable,
        "-m",
        "gbakg.cli",
        "serve",
        "--port",
        str(port),
        "--file",
        str(build_result.files["graph.trig"]),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
        assert lines[0].startswith("Oxigraph is serving")
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).close()
        assert set(Path(tempfile.gettempdir()).glob("gbakg-oxigraph-*")) != before  # its store
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    time.sleep(0.2)
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
    assert set(Path(tempfile.gettempdir()).glob("gbakg-oxigraph-*")) == before
