"""The shapes compiled to SPARQL inside Oxigraph give pySHACL's results."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace

from gbakg.errors import ShapesError
from gbakg.shacl import compile_shapes
from gbakg.validate import ValidationReport, graph_store, load_graph_file, load_graph_store, load_shapes, validate

DATA = Path(__file__).parent / "data"
EX = Namespace("http://example.org/")


def keys(report: ValidationReport, messages: bool = True) -> Counter[tuple]:
    """Each result as what identifies it: severity, shape, focus, path, value, component (and message)."""
    return Counter(
        (r.severity, r.shape, r.focus, r.path, r.value_n3, r.component) + ((r.message,) if messages else ())
        for r in report.results
    )


@pytest.fixture(scope="module")
def components() -> tuple[Graph, Graph]:
    return load_shapes(DATA / "shacl" / "shapes"), load_graph_file(DATA / "shacl" / "data.ttl")


def test_every_component_gives_pyshacls_results(components):
    shapes, data = components
    reference = validate(data, shapes, engine="pyshacl")
    compiled = validate(data, shapes, engine="oxigraph")
    assert keys(compiled, messages=False) == keys(reference, messages=False)
    assert compiled.conforms is reference.conforms is False


def test_the_component_examples_break_each_constraint(components):
    shapes, data = components
    report = validate(data, shapes, engine="oxigraph")
    broken = {(r.focus.rsplit("/", 1)[-1], r.component.rsplit("#", 1)[-1]) for r in report.results}
    for component in (
        "MinCount",
        "MaxCount",
        "Datatype",
        "MinLength",
        "MaxLength",
        "Pattern",
        "LanguageIn",
        "UniqueLang",
        "MinInclusive",
        "MaxExclusive",
        "MinExclusive",
        "MaxInclusive",
        "In",
        "NodeKind",
        "Class",
        "HasValue",
        "LessThan",
        "LessThanOrEquals",
        "Equals",
        "Disjoint",
        "Or",
        "Node",
        "Not",
        "And",
    ):
        assert ("bad", component + "ConstraintComponent") in broken, component
    assert not any(focus == "good" for focus, _ in broken)
    assert ("nowhere", "MinCountConstraintComponent") in broken  # sh:targetNode
    assert ("bad", "ClassConstraintComponent") in broken  # sh:targetSubjectsOf
    assert ("elsewhere", "InConstraintComponent") in broken  # sh:targetObjectsOf


def test_messages_stated_by_a_shape_are_kept_and_others_are_written(components):
    shapes, data = components
    results = validate(data, shapes, engine="oxigraph").results
    counts = {
        r.message
        for r in results
        if r.path == str(EX["count"]) and r.component.endswith("MinInclusiveConstraintComponent")
    }
    assert counts == {"A count is a whole number from 1 to 99."}
    assert "Fewer than 1 values of rdfs:label" in {r.message for r in results if r.focus == str(EX.nowhere)}


def test_a_sparql_target_selects_the_focus_nodes(components):
    shapes, data = components
    results = validate(data, shapes, engine="oxigraph").results
    listed = {r.focus for r in results if r.shape == str(EX.SparqlTargetShape)}
    assert listed == {str(EX.bad)}  # the one thing with a count above 50, each of its counts reported


def test_deactivated_shapes_are_skipped(components):
    shapes, data = components
    assert not [r for r in validate(data, shapes, engine="oxigraph").results if r.shape == str(EX.Off)]


def test_the_stores_canonical_literals_are_the_known_differences():
    """Oxigraph's store keeps numbers in canonical form and derived integer types as xsd:integer
    ("3"^^xsd:nonNegativeInteger reads back as "3"^^xsd:integer): a plain integer in range passes where
    the derived type is asked, and a value is reported in canonical form (0.0 as 0). pySHACL reads the
    file's own literals."""
    shapes = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:size ;
            sh:property [ sh:path ex:size ; sh:datatype xsd:nonNegativeInteger ] ;
            sh:property [ sh:path ex:ratio ; sh:minExclusive 0 ] .""",
        format="turtle",
    )
    data = Graph().parse(
        data="""@prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:a ex:size "3"^^xsd:nonNegativeInteger . ex:b ex:size -3 . ex:c ex:size 3 ; ex:ratio 0.0 .""",
        format="turtle",
    )
    compiled = {(r.focus, r.value) for r in validate(data, shapes, engine="oxigraph").results}
    assert compiled == {(str(EX.b), "-3"), (str(EX.c), "0")}
    reference = {(r.focus, r.value) for r in validate(data, shapes, engine="pyshacl").results}
    assert reference == {(str(EX.b), "-3"), (str(EX.c), "3"), (str(EX.c), "0.0")}


def test_the_project_shapes_compile_to_valid_sparql():
    store = ox.Store()
    for check in compile_shapes(load_shapes()):
        assert list(store.query(check.query)) == []


def test_the_corpus_gives_the_same_report_with_either_engine(built):
    shapes = load_shapes()
    reference = validate(built.graph, shapes, engine="pyshacl")
    compiled = validate(graph_store(built.graph), shapes, engine="oxigraph")
    assert compiled.results == reference.results
    assert compiled.results


@pytest.mark.parametrize(
    ("shape", "component"),
    [
        ("sh:closed true", "sh:closed"),
        (
            "sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:C ] ; sh:qualifiedMinCount 1 ]",
            "sh:qualified",
        ),
        ("sh:or ( [ sh:path ex:p ; sh:maxCount 1 ] )", "sh:maxCount"),
        ("sh:minCount 1", "sh:minCount"),
        ("sh:property [ sh:path ex:p ; sh:targetClass ex:D ; sh:minCount 1 ]", "targets of its own"),
    ],
)
def test_what_the_engine_does_not_implement_is_refused_by_name(shape, component):
    shapes = Graph().parse(
        data=f"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; {shape} .""",
        format="turtle",
    )
    with pytest.raises(ShapesError) as e:
        compile_shapes(shapes)
    assert component in str(e.value) and "http://example.org/S" in str(e.value)
    assert "--engine pyshacl" in str(e.value)


def test_a_broken_sparql_target_names_its_shape():
    shapes = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this WHERE { ?this" ] ;
            sh:property [ sh:path ex:p ; sh:minCount 1 ] .""",
        format="turtle",
    )
    with pytest.raises(ShapesError) as e:
        validate(Graph(), shapes, engine="oxigraph")
    assert "http://example.org/S" in str(e.value)


def test_a_graph_file_loads_into_a_store_with_located_errors(tmp_path):
    from gbakg.errors import ReadError

    good = tmp_path / "g.nt"
    good.write_text("<http://x/a> <http://x/b> <http://x/c> .\n", encoding="utf-8")
    assert len(load_graph_store(good)) == 1
    bad = tmp_path / "b.ttl"
    bad.write_text('@prefix a: <http://x/> .\na:b a:c "open\n', encoding="utf-8")
    with pytest.raises(ReadError) as e:
        load_graph_store(bad)
    assert str(e.value).startswith(f"{bad}:2:")


def test_an_unknown_engine_is_an_error():
    with pytest.raises(ValueError, match="unknown validation engine"):
        validate(Graph(), Graph(), engine="jena")


PREFIXES = f"PREFIX ex: <{EX}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "


@pytest.mark.parametrize(
    ("query", "predicates", "classes"),
    [
        ("SELECT * { ?x ex:p ?y ; ^ex:q/(ex:r|ex:s)* ?z }", {"p", "q", "r", "s"}, set()),
        ("SELECT * { ?x a ex:C }", set(), {"C"}),
        (
            "SELECT * { { ?x a ?c . ?c rdfs:subClassOf* ex:C } UNION { ?x a ?c . ?c rdfs:subClassOf* ex:D } }",
            {"subClassOf"},
            {"C", "D"},
        ),
        (
            "SELECT * { ?x ex:p ?v FILTER NOT EXISTS { ?v a ?k . ?k rdfs:subClassOf* ex:K } }",
            {"p", "subClassOf"},
            {"K"},
        ),
        ("SELECT * { ?x ex:p ?v MINUS { ?x ex:q ?w } }", {"p", "q"}, set()),
        ("SELECT ?x (COUNT(?y) AS ?n) { { SELECT ?x ?y { ?x ex:p ?y } } } GROUP BY ?x", {"p"}, set()),
        ("SELECT * { ?x a ?c }", set(), None),  # any class
        ("SELECT * { ?x a ?c . ?d rdfs:subClassOf* ex:C }", {"subClassOf"}, None),  # ?c is not the one bounded
        ("SELECT * { ?x ex:p/rdf:type ?c }", {"p"}, None),
    ],
)
def test_a_querys_footprint_is_the_predicates_and_classes_it_reads(query, predicates, classes):
    from gbakg.shacl import query_footprint

    text = PREFIXES + "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> " + query
    fp = query_footprint(text)
    assert fp is not None and not fp.everything
    assert {p.rsplit("/", 1)[-1].rsplit("#", 1)[-1] for p in fp.predicates} == predicates
    assert fp.classes is None if classes is None else {str(c).removeprefix(EX) for c in fp.classes} == classes


@pytest.mark.parametrize(
    ("query", "everything"),
    [
        ("SELECT * { ?x ?p ?y }", True),
        ("SELECT * { ?x !ex:p ?y }", True),
        ("SELECT * { GRAPH ?g { ?x ex:p ?y } }", None),
        ("SELECT * FROM NAMED ex:g { ?x ex:p ?y }", None),
        ("SELECT * WHERE { SERVICE <http://example.org/s> { ?x ex:p ?y } }", None),
        ("SELECT * WHERE { ?x", None),  # not SPARQL
    ],
)
def test_a_query_that_reads_any_predicate_or_named_graphs_is_not_narrowed(query, everything):
    from gbakg.shacl import query_footprint

    fp = query_footprint(PREFIXES + query)
    assert (fp is None) if everything is None else fp is not None and fp.everything


def test_checks_over_stores_of_their_columns_give_the_whole_stores_report(components, tmp_path):
    """Every component of the examples, each check over a store of only what it reads (budget 1: a
    store per check), gives the report of one store of everything."""
    from gbakg.columns import Columns
    from gbakg.rdfio import Run, statement_lines
    from gbakg.validate import validate_columns

    shapes, data = components
    whole = validate(data, shapes, engine="oxigraph")
    columns = Columns.write([Run(statement_lines(data))], tmp_path)
    for budget in (1, 100, 10**9):
        checked = validate_columns(columns, shapes, budget=budget)
        assert checked is not None
        assert checked[0] == whole


def test_the_corpus_over_its_columns_gives_the_same_report_and_reports(built, tmp_path):
    """The build's path: the corpus's checks, gap report and counts over stores of their columns,
    packed under several budgets, give what one store of the whole union gives."""
    from gbakg import report
    from gbakg.columns import Columns
    from gbakg.pipeline import COUNT_READS, count, count_view
    from gbakg.rdfio import StoreView
    from gbakg.serialize import graph_statements, load_store
    from gbakg.validate import Reader, validate_columns

    shapes = load_shapes()
    store = load_store(built.dataset)
    whole = validate(store, shapes, built.findings, engine="oxigraph")
    gaps, counts = report.plan_gaps(StoreView(store)), count(store, triples=0)
    columns = Columns.write(graph_statements(built.dataset).values(), tmp_path)
    readers = [Reader("gaps", report.PLAN_GAPS_READS, report.plan_gaps), Reader("counts", COUNT_READS, count_view)]
    for budget in (10**9, 5_000):
        checked = validate_columns(columns, shapes, built.findings, readers, budget=budget)
        assert checked is not None
        rep, read = checked
        assert rep == whole and rep.results
        assert read == {"gaps": gaps, "counts": counts}


def test_a_query_rdflib_cannot_read_is_left_to_the_whole_store(tmp_path):
    """A SPARQL target that does not parse is not narrowed: validation over the whole store names its
    shape (the test above)."""
    from gbakg.columns import Columns
    from gbakg.validate import validate_columns

    shapes = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this WHERE { ?this" ] ;
            sh:property [ sh:path ex:p ; sh:minCount 1 ] .""",
        format="turtle",
    )
    assert validate_columns(Columns.write([], tmp_path), shapes) is None


def test_parsing_the_footprints_keeps_no_callers_locals_alive():
    # rdflib's parser leaves exceptions and frames in reference cycles; parsed on the caller's thread
    # they would hold the caller's frame, and its locals, until the cyclic collector ran.
    import gc
    import weakref

    from gbakg.shacl import footprints

    checks = compile_shapes(load_shapes())

    class Records:
        pass

    def caller() -> weakref.ref:
        records = Records()
        assert footprints(checks) is not None
        return weakref.ref(records)

    was = gc.isenabled()
    gc.disable()
    try:
        assert caller()() is None
    finally:
        if was:
            gc.enable()


def test_a_footprint_failure_is_raised_on_the_callers_thread(monkeypatch):
    import gbakg.shacl as shacl

    def broken(query: str) -> None:
        raise RuntimeError("broken parser")

    monkeypatch.setattr(shacl, "query_footprint", broken)
    with pytest.raises(RuntimeError, match="broken parser"):
        shacl.footprints(compile_shapes(load_shapes())[:1])
