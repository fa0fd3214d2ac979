"""Columns: the union's statements by predicate (types by class), and stores made of some of them."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, Graph

from gbakg.columns import BLANK, Columns, pack
from gbakg.rdfio import Footprint, Run, statement_lines
from gbakg.shacl import query_footprint

EX = "http://example.org/"
DATA = f"""@prefix ex: <{EX}> . @prefix rdfs: <{RDFS}> .
ex:a a ex:C ; ex:p "x" ; ex:q ex:b ; ex:r [ ex:s 1 ] .
ex:b a ex:D ; ex:p "y"@en .
ex:D rdfs:subClassOf ex:C .
ex:E rdfs:subClassOf [ rdfs:subClassOf ex:C ] .
ex:e a ex:E ; ex:q ex:a .
ex:f a ex:F .
"""


def runs(*texts: str) -> list[Run]:
    return [Run(statement_lines(Graph().parse(data=t, format="turtle"))) for t in texts]


@pytest.fixture
def columns(tmp_path: Path) -> Columns:
    return Columns.write(runs(DATA), tmp_path / "columns")


def test_statements_go_to_the_column_of_their_predicate_or_their_class(columns):
    assert columns.sizes[(EX + "p", "")] == 2
    assert columns.sizes[(str(RDF.type), EX + "C")] == 1
    assert columns.sizes[(str(RDF.type), EX + "D")] == 1
    assert columns.sizes[(str(RDFS.subClassOf), "")] == 1
    # every statement with a blank node is in one column, loaded whole into every store
    assert columns.sizes[BLANK] == 4
    assert sum(columns.sizes.values()) == len(Graph().parse(data=DATA, format="turtle"))
    assert all(path.parent == columns.directory for path in columns.files.values())


def test_a_statement_in_several_graphs_is_counted_each_time_and_loaded_once(tmp_path):
    columns = Columns.write(runs(DATA, DATA), tmp_path)
    assert columns.sizes[(EX + "p", "")] == 4
    # the two blank columns too: each parse of the data made blank nodes of its own
    assert len(columns.store(columns.keys(Footprint.of([EX + "p"])))) == 2 + 8


def test_a_footprint_needs_its_predicates_its_classes_and_their_subclasses(columns):
    keys = columns.keys(Footprint.of([EX + "p"], [EX + "C"]))
    types = {k[1] for k in keys if k[0] == str(RDF.type)}
    assert types == {EX + "C", EX + "D", EX + "E"}  # E through a blank class
    assert (EX + "p", "") in keys and (EX + "q", "") not in keys and BLANK in keys
    every_class = columns.keys(Footprint.of([], None))
    assert {k[1] for k in every_class if k[0] == str(RDF.type)} == {EX + c for c in "CDEF"}
    assert columns.keys(Footprint(everything=True)) == frozenset(columns.files)
    assert columns.keys(Footprint.of([EX + "absent"])) == {BLANK}


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?x ?v WHERE { ?x a ?c . ?c rdfs:subClassOf* ex:C . ?x ex:p ?v }",
        "SELECT ?x ?y WHERE { ?x ex:q/ex:p ?y }",
        "SELECT ?x WHERE { ?x ex:r/ex:s ?n }",
        "SELECT ?x ?y WHERE { ?x ^ex:q ?y FILTER NOT EXISTS { ?y a ex:D } }",
        "SELECT ?x ?p WHERE { ?x ?p ?y }",
        "SELECT ?x ?c WHERE { ?x a ?c }",
    ],
)
def test_a_store_of_a_querys_columns_gives_the_whole_graphs_rows(columns, query):
    text = f"PREFIX ex: <{EX}> PREFIX rdfs: <{RDFS}> {query}"
    whole = ox.Store()
    whole.load(Graph().parse(data=DATA, format="turtle").serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES)
    footprint = query_footprint(text)
    assert footprint is not None
    part = columns.store(columns.keys(footprint))

    def rows(store: ox.Store) -> set[tuple[str, ...]]:
        return {
            tuple("_:" if isinstance(t, ox.BlankNode) else str(t) for t in row)
            for row in store.query(text)  # type: ignore[union-attr]
        }

    assert rows(part) == rows(whole) and rows(whole)
    assert len(part) < len(whole) or footprint.everything or footprint.classes is None


def test_readers_are_packed_under_the_budget_the_largest_first(tmp_path):
    lines = [f"<{EX}s{i}> <{EX}p{n}> <{EX}o> .\n" for n, count in enumerate((50, 30, 30, 20, 90)) for i in range(count)]
    columns = Columns.write([Run(sorted(lines))], tmp_path)
    col = [frozenset({(f"{EX}p{n}", "")}) for n in range(5)]
    needs = [col[0], col[1], col[0] | col[1], col[2], col[3], col[4]]
    groups = pack(columns, needs, budget=100)
    # 90 alone would fit; p0 ∪ p1 (80) takes p0 and p1 for free, then p3 (20) fills it; p2 opens a group
    assert groups == [[5], [0, 1, 2, 4], [3]]
    for members in groups:
        assert columns.size(set().union(*(needs[i] for i in members))) <= 100
    # a reader that needs more than the budget has a store of its own
    assert pack(columns, [col[4], col[0]], budget=60) == [[0], [1]]


def test_columns_added_in_two_steps_are_the_columns_written_at_once(tmp_path: Path):
    """A build routes its documents' graphs first and the rest later: the same columns."""
    first, second = runs(
        DATA,
        f"@prefix ex: <{EX}> . @prefix rdfs: <{RDFS}> . ex:g a ex:G ; ex:p 'z' ; ex:t ex:a . ex:G rdfs:subClassOf ex:C .",
    )
    at_once = Columns.write([first, second], tmp_path / "once")
    stepwise = Columns.write([first], tmp_path / "steps")
    of_c = Footprint.of(classes=[EX + "C"])
    assert (str(RDF.type), EX + "G") not in stepwise.keys(of_c)  # the subclasses known so far
    stepwise.add([second])
    assert stepwise.sizes == at_once.sizes and (EX + "t", "") in stepwise.files
    assert stepwise.keys(of_c) == at_once.keys(of_c) and (str(RDF.type), EX + "G") in stepwise.keys(of_c)
    for key in at_once.files:
        assert sorted(stepwise.files[key].read_bytes().splitlines()) == sorted(
            at_once.files[key].read_bytes().splitlines()
        )


def test_columns_routed_by_another_process_are_adopted_as_if_routed_here(tmp_path: Path):
    """The plan links are routed in two processes, a half each: this one adopts the other's columns
    (its files appended, or moved where this one has none), and the other's folder goes."""
    first, second = runs(
        DATA,
        f"@prefix ex: <{EX}> . @prefix rdfs: <{RDFS}> . ex:g a ex:G ; ex:p 'z' ; ex:t ex:a . ex:G rdfs:subClassOf ex:C .",
    )
    at_once = Columns.write([first, second], tmp_path / "once")
    here, there = Columns.write([first], tmp_path / "here"), Columns.write([second], tmp_path / "there")
    here.adopt(there)
    assert not (tmp_path / "there").exists()
    assert here.sizes == at_once.sizes and set(here.files) == set(at_once.files)
    assert all(path.parent == tmp_path / "here" for path in here.files.values())
    for key in at_once.files:
        assert sorted(here.files[key].read_bytes().splitlines()) == sorted(at_once.files[key].read_bytes().splitlines())
    of_c = Footprint.of(classes=[EX + "C"])
    assert here.keys(of_c) == at_once.keys(of_c)


def test_plan_link_lines_made_with_their_columns_are_in_the_columns_routing_gives(tmp_path: Path):
    """The plan links' lines are put in their columns as they are made, not read again: the same
    columns as routing the lines."""
    from gbakg.link import PlanLinkFact
    from gbakg.mapping import plan_link_lines

    links = [
        PlanLinkFact("plan-a", 1, "b1-01", 0.5, "inferred", ("港澳青年", "zone:横琴")),
        PlanLinkFact("plan-a", 2, "b1-01", 0.412, "curated"),
    ]
    keyed: dict[tuple[str, str], list[str]] = {}
    lines = plan_link_lines(links, keyed)
    routed = Columns.write([Run(lines)], tmp_path / "routed")
    made = Columns.write([], tmp_path / "made")
    made.add_keyed(keyed)
    assert made.sizes == routed.sizes and sum(made.sizes.values()) == len(lines)
    for key, path in routed.files.items():
        assert sorted(made.files[key].read_bytes().splitlines()) == sorted(path.read_bytes().splitlines())


def test_a_statements_column_from_its_terms_is_the_column_routing_its_line_gives(tmp_path: Path):
    """A graph sealed where columns are kept routes its statements given as terms by
    ``triple_key``: the column routing each one's N-Triples line gives (blank nodes, classes, and a
    literal given as a type included)."""
    from rdflib import Literal, URIRef

    from gbakg.columns import triple_key
    from gbakg.rdfio import nt

    g = Graph().parse(data=DATA, format="turtle")
    g.add((URIRef(EX + "odd"), RDF.type, Literal("not a class")))
    for s, p, o in g:
        line = f"{nt(s)} {nt(p)} {nt(o)} .\n"
        routed = Columns.write([Run([line])], tmp_path / str(len(list(tmp_path.iterdir()))))
        assert list(routed.files) == [triple_key(s, p, o)], line
