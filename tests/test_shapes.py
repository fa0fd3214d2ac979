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


HOIST_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:Plain a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property ex:plainName .
ex:plainName sh:path ex:name ; sh:minCount 1 .
ex:Used a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:size ; sh:minCount 1 ] .
ex:User a sh:NodeShape ; sh:targetClass ex:Other ; sh:property [ sh:path ex:part ; sh:node ex:Used ] .
ex:Sparql a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this WHERE { ?this ?p ?o }" ] ;
    sh:property [ sh:path ex:name ; sh:maxCount 3 ] .
ex:Off a sh:NodeShape ; sh:deactivated true ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:age ; sh:minCount 1 ] .
ex:Shared1 a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property ex:shared .
ex:Shared2 a sh:NodeShape ; sh:targetClass ex:Other ; sh:property ex:shared .
ex:shared sh:path ex:code ; sh:maxCount 1 .
ex:Closed a sh:NodeShape ; sh:targetClass ex:Thing ; sh:closed true ; sh:property [ sh:path ex:name ] .
"""


def test_only_property_shapes_of_plainly_targeted_node_shapes_are_hoisted():
    from gbakg.validate import hoist_property_shapes

    ex = Namespace("http://example.org/")
    shapes = Graph().parse(data=HOIST_SHAPES, format="turtle")
    hoisted = hoist_property_shapes(shapes)
    assert (ex.plainName, SH.targetClass, ex.Thing) in hoisted
    assert (ex.Plain, SH.property, ex.plainName) not in hoisted
    part = shapes.value(ex.User, SH.property)  # its node shape is used by nobody (it uses ex:Used)
    assert (part, SH.targetClass, ex.Other) in hoisted and (ex.User, SH.property, part) not in hoisted
    for kept in (ex.Used, ex.Sparql, ex.Off, ex.Shared1, ex.Shared2, ex.Closed):  # each keeps its property shapes
        assert set(hoisted.objects(kept, SH.property)) == set(shapes.objects(kept, SH.property)), kept
    assert len(hoisted) == len(shapes)  # each link replaced by one target


def test_hoisted_shapes_give_the_results_of_the_shapes_as_written():
    """pySHACL runs hoisted shapes; the same data validated by pySHACL with the shapes as written gives
    the same results, each named by its node shape (the component fixture and the project's shapes)."""
    import pyshacl

    from gbakg.validate import _raw_results, _validate

    fixture = Path(__file__).parent / "data" / "shacl"
    cases = [(load_shapes(fixture / "shapes"), Graph().parse(fixture / "data.ttl"))]
    cases += [
        (load_shapes(), Graph().parse(EXAMPLES / name / "bad.ttl")) for name in ("SourceSpanShape", "OutcomeShape")
    ]
    for shapes, data in cases:
        _, written, _ = pyshacl.validate(data, shacl_graph=shapes, advanced=True, allow_warnings=True)
        expected = sorted(_raw_results(written, shapes), key=repr)
        assert expected
        assert sorted(_validate(data, shapes), key=repr) == expected
