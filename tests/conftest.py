"""Shared fixtures: the real corpus is built once per session; small fixtures are written per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from gbakg.pipeline import BuildResult, Built, build, build_graph
from gbakg.vocab import Vocabulary, load_vocabulary

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"the shared corpus is missing at {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def vocab() -> Vocabulary:
    return load_vocabulary()


@pytest.fixture(scope="session")
def built(corpus_dir: Path) -> Built:
    """The corpus read, extracted and mapped (no validation)."""
    return build_graph(corpus_dir)


@pytest.fixture(scope="session")
def build_result(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The whole build of the corpus, outputs written to a temporary folder."""
    return build(corpus_dir, tmp_path_factory.mktemp("out"))


@pytest.fixture(scope="session")
def graph(build_result: BuildResult):
    from gbakg.validate import load_graph_file

    return load_graph_file(build_result.files["graph.ttl"])


@pytest.fixture
def make_corpus(tmp_path: Path):
    """Write a small corpus: ``make_corpus({"a.txt": "text" or b"bytes"}, manifest="...")``."""

    def make(files: dict[str, str | bytes], manifest: str | None = None) -> Path:
        for name, content in files.items():
            path = tmp_path / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        if manifest is not None:
            (tmp_path / "manifest.toml").write_text(manifest, encoding="utf-8")
        return tmp_path

    return make


@pytest.fixture(scope="session")
def overlapping_trig(build_result: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built dataset with every statement of the first batch document's graph also in a second
    named graph: the same statements from two sources, as when two documents name one instrument or
    one batch. The union of the graphs is the same set of triples as graph.ttl."""
    import pyoxigraph as ox

    quads = list(ox.parse(path=str(build_result.files["graph.trig"]), format=ox.RdfFormat.TRIG))
    first = min(q.graph_name.value for q in quads if "/graph/0" in q.graph_name.value)
    copy = ox.NamedNode("https://example.org/graph/a-second-source")
    quads += [ox.Quad(q.subject, q.predicate, q.object, copy) for q in quads if q.graph_name.value == first]
    path = tmp_path_factory.mktemp("overlap") / "graph.trig"
    path.write_bytes(ox.serialize(quads, format=ox.RdfFormat.TRIG) or b"")
    return path
