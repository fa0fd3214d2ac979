"""Terms between rdflib and Oxigraph, and parsing files through Oxigraph."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import XSD, Graph, Literal, URIRef

from gbakg.rdfio import (
    canonical_lang,
    from_ox,
    merge_runs,
    nt,
    parse_graph,
    statement_lines,
    syntax_location,
    syntax_message,
    to_ox,
)


@given(
    st.text(),
    st.one_of(st.none(), st.sampled_from(["zh-Hans", "zh-Hant", "en", "en-GB"])),
    st.sampled_from([None, XSD.integer, XSD.date, XSD.nonNegativeInteger]),
)
def test_terms_make_the_round_trip(text, lang, datatype):
    term = Literal(text, lang=lang) if lang else Literal(text, datatype=datatype)
    back = from_ox(to_ox(term))
    assert back == term and getattr(back, "language", None) == (lang or None)


def test_language_tags_get_their_canonical_case():
    assert canonical_lang("zh-hans") == "zh-Hans" and canonical_lang("en-gb") == "en-GB"


def test_a_file_parses_into_the_graph_rdflib_would_read(tmp_path):
    path = tmp_path / "a.ttl"
    path.write_text(
        '@prefix ex: <https://example.org/> .\nex:a ex:p "甲"@zh-hans , 3 ; ex:q ex:b .\n', encoding="utf-8"
    )
    assert parse_graph([path]).isomorphic(Graph().parse(path))
    assert (URIRef("https://example.org/a"), URIRef("https://example.org/p"), Literal("甲", lang="zh-Hans")) in (
        parse_graph([path])
    )


def test_a_syntax_error_names_the_file_and_line(tmp_path):
    path = tmp_path / "bad.ttl"
    path.write_text("@prefix ex: <https://example.org/> .\nex:a ex:p .\n", encoding="utf-8")
    with pytest.raises(SyntaxError) as e:
        parse_graph([path])
    loc = syntax_location(e.value, path)
    assert (loc.path, loc.line) == (str(path), 2)
    assert not syntax_message(e.value).startswith("Parser error")


def test_a_store_view_reads_the_union_of_the_graphs_as_rdflib_terms():
    import pyoxigraph as ox

    from gbakg.rdfio import StoreView

    ex = "http://example.org/"
    store = ox.Store()
    a, p, q = ox.NamedNode(ex + "a"), ox.NamedNode(ex + "p"), ox.NamedNode(ex + "q")
    for graph in ("g1", "g2"):  # the same statement in two graphs is one statement of the union
        store.add(ox.Quad(a, p, ox.Literal("甲", language="zh-Hans"), ox.NamedNode(ex + graph)))
    store.add(ox.Quad(a, q, ox.NamedNode(ex + "b"), ox.NamedNode(ex + "g2")))
    view = StoreView(store)
    A, P, Q = URIRef(ex + "a"), URIRef(ex + "p"), URIRef(ex + "q")
    assert list(view.objects(A, P)) == [Literal("甲", lang="zh-Hans")]
    assert list(view.subjects(Q, URIRef(ex + "b"))) == [A]
    assert view.value(A, Q) == URIRef(ex + "b") and view.value(URIRef(ex + "b"), Q) is None
    assert (A, P, Literal("甲", lang="zh-Hans")) in view and (A, P, Literal("乙")) not in view
    assert len(view.graph()) == 2


def test_lexical_pairs_are_the_same_strings_from_a_graph_and_from_a_store():
    import pyoxigraph as ox
    from rdflib import Graph

    from gbakg.rdfio import StoreView, lexical_pairs

    g = Graph()
    ex = "http://example.org/"
    g.add(
        (
            URIRef(ex + "a"),
            URIRef(ex + "p"),
            Literal("0.5", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")),
        )
    )
    g.add((URIRef(ex + "a"), URIRef(ex + "p"), Literal("甲", lang="zh-Hans")))
    g.add((URIRef(ex + "b"), URIRef(ex + "p"), URIRef(ex + "c")))
    g.add((URIRef(ex + "b"), URIRef(ex + "q"), URIRef(ex + "c")))
    store = ox.Store()
    store.load(g.serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES)
    expected = {(ex + "a", "0.5"), (ex + "a", "甲"), (ex + "b", ex + "c")}
    assert set(lexical_pairs(g, URIRef(ex + "p"))) == expected
    assert set(lexical_pairs(StoreView(store), URIRef(ex + "p"))) == expected


@given(
    st.lists(
        st.tuples(st.sampled_from("abc"), st.sampled_from("pq"), st.sampled_from(["a", "b", "1", "甲"])),
        max_size=12,
    ),
    st.tuples(
        st.sampled_from([None, "a", "b", "z"]),
        st.sampled_from([None, "p", "q"]),
        st.sampled_from([None, "a", "1", "z"]),
    ),
)
def test_a_frozen_store_answers_every_pattern_as_rdflib_does(rows, pattern):
    from gbakg.rdfio import FrozenTriples

    ex = "http://example.org/"

    def obj(v: str):
        return Literal(v, lang="zh-Hans") if v == "甲" else Literal(int(v)) if v.isdigit() else URIRef(ex + v)

    triples = [(URIRef(ex + s), URIRef(ex + p), obj(o)) for s, p, o in rows]
    reference = Graph()
    for t in triples:
        reference.add(t)
    frozen = FrozenTriples(triples).graph({"ex": ex})
    s, p, o = pattern
    query = (URIRef(ex + s) if s else None, URIRef(ex + p) if p else None, obj(o) if o else None)
    assert sorted(frozen.triples(query)) == sorted(reference.triples(query))
    assert len(frozen) == len(reference)


def test_a_frozen_store_is_read_only_and_keeps_its_prefixes():
    from gbakg.rdfio import FrozenTriples

    ex = URIRef("http://example.org/a")
    g = FrozenTriples([(ex, ex, ex)]).graph({"ex": "http://example.org/"})
    assert g.namespace_manager.compute_qname(str(ex))[0] == "ex"
    assert "ex:a" in g.serialize(format="turtle")
    with pytest.raises(TypeError, match="read-only"):
        g.add((ex, ex, Literal(1)))
    with pytest.raises(TypeError, match="read-only"):
        g.remove((ex, None, None))


_objects = st.one_of(
    st.builds(Literal, st.text(alphabet='ab"\\\n @^', max_size=4)),
    st.builds(
        lambda t, lang: Literal(t, lang=lang), st.text(alphabet="ab ", max_size=3), st.sampled_from(["en", "zh-Hans"])
    ),
    st.builds(lambda t: Literal(t, datatype=XSD.token), st.text(alphabet="ab", max_size=3)),
    st.builds(lambda t: URIRef("https://example.org/" + t), st.text(alphabet="ab", max_size=3)),
)


@given(st.lists(_objects, max_size=12))
def test_statement_lines_are_in_the_order_of_their_statements(objects):
    """Sorting whole lines (with " ." and a newline) orders them as their statements would be: where a
    statement is the start of another ("a" and "a"@en), the shorter comes first either way."""
    s, p = URIRef("https://example.org/s"), URIRef("https://example.org/p")
    lines = statement_lines((s, p, o) for o in objects)
    assert all(line.endswith(" .\n") and line.count("\n") == 1 for line in lines)
    bare = [line[:-3] for line in lines]
    assert bare == sorted({f"{nt(s)} {nt(p)} {nt(o)}" for o in objects})


def test_a_joined_run_reads_as_the_merge_of_its_parts(tmp_path):
    from gbakg.rdfio import Run

    a = Run(["a .\n", "c .\n"], tmp_path / "a.nt")
    b = Run.spilled(tmp_path / "b.nt", 2)
    (tmp_path / "b.nt").write_text("b .\nd .\n", encoding="utf-8")
    joined = Run.joined([a, Run.joined([b])])
    assert list(joined) == ["a .\n", "b .\n", "c .\n", "d .\n"] and len(joined) == 4
    assert joined.files() == [tmp_path / "a.nt", tmp_path / "b.nt"]
    assert "".join(joined.pieces(3)) == "a .\nb .\nc .\nd .\n"


@given(st.lists(st.lists(st.text(alphabet="abc", max_size=3)), max_size=5))
def test_merging_runs_gives_their_distinct_lines_in_order(runs):
    assert list(merge_runs(sorted(r) for r in runs)) == sorted({x for r in runs for x in r})


def test_a_footprint_covers_its_predicates_and_the_types_of_its_classes():
    from rdflib import RDF

    from gbakg.rdfio import Footprint

    fp = Footprint.of(["http://x/p"], ["http://x/C"])
    assert fp.covers(URIRef("http://x/p")) and not fp.covers(URIRef("http://x/q"))
    assert fp.covers(RDF.type, URIRef("http://x/C")) and not fp.covers(RDF.type, URIRef("http://x/D"))
    assert not fp.covers(RDF.type) and not fp.covers(None)
    both = Footprint.union_of([fp, Footprint.of(["http://x/q"], None)])
    assert both.covers(URIRef("http://x/q")) and both.covers(RDF.type, URIRef("http://x/D")) and both.covers(RDF.type)
    assert Footprint(everything=True).covers(None)


def test_a_view_of_part_of_a_graph_refuses_to_read_outside_it():
    """A report reading what its store was not made with would silently find nothing: it fails."""
    import pyoxigraph as ox
    from rdflib import RDF

    from gbakg.rdfio import Footprint, OutsideFootprint, StoreView, lexical_pairs

    store = ox.Store()
    store.load(b"<http://x/a> <http://x/p> <http://x/b> .\n", format=ox.RdfFormat.N_TRIPLES)
    view = StoreView(store, Footprint.of(["http://x/p"], ["http://x/C"]))
    assert view.value(URIRef("http://x/a"), URIRef("http://x/p")) == URIRef("http://x/b")
    assert list(lexical_pairs(view, URIRef("http://x/p"))) == [("http://x/a", "http://x/b")]
    assert (URIRef("http://x/a"), RDF.type, URIRef("http://x/C")) not in view
    for read in (
        lambda: view.value(URIRef("http://x/a"), URIRef("http://x/q")),
        lambda: list(lexical_pairs(view, URIRef("http://x/q"))),
        lambda: list(view.objects(URIRef("http://x/a"), RDF.type)),
        lambda: list(view.subjects(RDF.type, URIRef("http://x/D"))),
        lambda: view.graph(),
    ):
        with pytest.raises(OutsideFootprint, match="footprint"):
            read()
    assert len(StoreView(store).graph()) == 1  # a view of a whole store reads anything
