"""Every SHACL shape has a conforming and a violating example in tests/data/shapes/<Shape>/."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Namespace
from rdflib.namespace import SH

from gbakg.errors import ShapesError
from gbakg.models import Severity
from gbakg.validate import ENGINES, load_shapes, validate

GBS = Namespace("https://w3id.org/gbakg/shapes#")
EXAMPLES = Path(__file__).parent / "data" / "shapes"


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


def node_shapes(shapes: Graph) -> list[str]:
    return sorted(str(s)[len(str(GBS)) :] for s in shapes.subjects(RDF.type, SH.NodeShape))


def test_every_shape_has_examples(shapes):
    assert node_shapes(shapes) == sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())


def _results(shapes: Graph, path: Path, name: str, engine: str):
    data = Graph().parse(path)
    report = validate(data, shapes, engine=engine)
    return [r for r in report.results if r.shape == str(GBS[name])]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
def test_shape_examples(shapes, name, engine):
    folder = EXAMPLES / name
    assert _results(shapes, folder / "ok.ttl", name, engine) == []
    expected = (folder / "expected.txt").read_text(encoding="utf-8").rstrip("\n").split("\t")
    bad = _results(shapes, folder / "bad.ttl", name, engine)
    assert bad, f"{name}: the violating example produced no result"
    assert {r.severity for r in bad} >= {Severity(expected[0])}
    if len(expected) > 1:
        assert expected[1] in {r.message for r in bad}


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
def test_both_engines_give_the_same_results_on_the_examples(shapes, name):
    """The same results, messages included where the shape states one (each engine words its own)."""
    stated = {str(m) for m in shapes.objects(None, SH.message)}

    def same(r):
        return replace(r, message=r.message if r.message in stated else "")

    for example in ("ok.ttl", "bad.ttl"):
        data = Graph().parse(EXAMPLES / name / example)
        compiled = validate(data, shapes, engine="oxigraph").results
        reference = validate(data, shapes, engine="pyshacl").results
        assert [same(r) for r in compiled] == [same(r) for r in reference]


def test_broken_shapes_raise(tmp_path):
    (tmp_path / "x.ttl").write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(ShapesError) as e:
        load_shapes(tmp_path)
    assert str(e.value) == (
        f"{tmp_path / 'x.ttl'}:1:1: cannot parse shapes: this is not a valid subject or graph name (fix the Turtle syntax)"
    )


def test_no_shapes(tmp_path):
    with pytest.raises(ShapesError):
        load_shapes(tmp_path)


def test_an_unparsable_graph_file_names_its_line(tmp_path):
    from gbakg.errors import ReadError
    from gbakg.validate import load_graph_file

    bad = tmp_path / "g.ttl"
    bad.write_text('@prefix a: <http://x/> .\na:b a:c a:d .\na:b a:c "open\n', encoding="utf-8")
    with pytest.raises(ReadError) as e:
        load_graph_file(bad)
    assert str(e.value).startswith(f"{bad}:3:9: cannot parse the graph as Turtle:")
