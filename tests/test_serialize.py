"""Canonical serialisation: N-Triples terms, statement order, and the formats written from it."""

from __future__ import annotations

import io
import itertools
import json

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import XSD, BNode, Dataset, Graph, Literal, URIRef

import gbakg.serialize as serialize_mod
from gbakg.errors import ExportError
from gbakg.mapping import NamedGraphs
from gbakg.rdfio import to_ox
from gbakg.serialize import FORMATS, _compactor, canonical_nquads, canonical_ntriples, load_store, nt, serialize

EX = "https://example.org/"


@given(
    st.text(),
    st.one_of(st.none(), st.sampled_from(["zh-Hans", "zh-Hant", "en", "en-GB"])),
    st.sampled_from([None, XSD.string, XSD.integer, XSD.date, XSD.gYear]),
)
def test_a_literal_is_written_as_oxigraph_writes_it(text, lang, datatype):
    term = Literal(text, lang=lang) if lang else Literal(text, datatype=datatype)
    assert nt(term) == str(to_ox(term))


def test_an_iri_is_written_in_angle_brackets():
    assert nt(URIRef(EX + "a?b=c")) == "<https://example.org/a?b=c>"


def _dataset() -> NamedGraphs:
    ds = NamedGraphs()
    g2, g1 = ds.graph(URIRef(EX + "g2")), ds.graph(URIRef(EX + "g1"))
    g2.add((URIRef(EX + "b"), URIRef(EX + "p"), Literal("乙", lang="zh-Hans")))
    g2.add((URIRef(EX + "a"), URIRef(EX + "p"), Literal("2", datatype=XSD.integer)))
    g1.add((URIRef(EX + "a"), URIRef(EX + "p"), Literal("2", datatype=XSD.integer)))  # in both graphs
    g1.add((URIRef(EX + "a"), URIRef(EX + "q"), URIRef(EX + "b")))
    return ds


def test_statements_are_sorted_and_the_union_is_distinct():
    lines = canonical_ntriples(_dataset()).splitlines()
    assert lines == sorted(lines) and len(lines) == 3
    quads = canonical_nquads(_dataset()).splitlines()
    assert len(quads) == 4 and quads[0].endswith("<https://example.org/g1> .")


def test_every_format_reads_back_to_the_same_graph():
    ds = _dataset()
    union = Graph()
    for t in ds.union():
        union.add(t)
    for fmt, parse_as in (("turtle", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES)):
        text = serialize(ds, fmt)
        back = {(q.subject, q.predicate, q.object) for q in ox.parse(text.encode(), format=parse_as)}
        assert back == {(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in union}, fmt
    assert '"乙"@zh-Hans' in serialize(ds, "turtle")  # language tags in their canonical case
    trig = serialize(ds, "trig")
    assert len(list(ox.parse(trig.encode(), format=ox.RdfFormat.TRIG))) == 4
    assert Graph().parse(data=serialize(ds, "jsonld"), format="json-ld").isomorphic(union)


def test_the_same_data_gives_the_same_bytes():
    assert serialize(_dataset(), "trig") == serialize(_dataset(), "trig")
    assert serialize(_dataset(), "jsonld") == serialize(_dataset(), "jsonld")


@given(st.text(alphabet='ab"\\@-zhans\n ', max_size=12), st.sampled_from(["zh-Hans", "en-GB", "en"]))
def test_only_language_tags_change_case_never_a_literals_text(text, lang):
    """Tags come back in their BCP 47 case; text that looks like a tag after an escaped quote (or a
    run of backslashes) is left alone."""
    ds = NamedGraphs()
    g = ds.graph(URIRef(EX + "g"))
    g.add((URIRef(EX + "a"), URIRef(EX + "p"), Literal(text + '"@zh-hans', lang=lang)))
    g.add((URIRef(EX + "a"), URIRef(EX + "q"), Literal(text)))
    for fmt in ("turtle", "nt", "trig"):
        back = {(s, p, o) for s, p, o, _ in Dataset().parse(data=serialize(ds, fmt), format=fmt).quads()}
        assert back == set(ds.union()), fmt
        assert {o.language for _, _, o in back if isinstance(o, Literal) and o.language} == {lang}, fmt


@given(st.text(max_size=8), st.sampled_from([None, "zh-Hant", "en-GB"]), st.sampled_from([None, XSD.token, XSD.date]))
def test_json_ld_holds_any_literal_exactly(text, lang, datatype):
    """JSON-LD nodes are assembled as text: any literal (quotes, backslashes, controls, DEL, line
    separators) is valid JSON and reads back as itself."""

    g = Graph()
    a = URIRef(EX + "a")
    term = Literal(text, lang=lang) if lang else Literal(text, datatype=datatype)
    g.add((a, URIRef(EX + "p"), term))
    g.add((a, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), URIRef(EX + "C")))
    out = serialize(g, "jsonld")
    node = json.loads(out)["@graph"][0]
    assert node["@type"] == [EX + "C"] and node[EX + "p"][0]["@value"] == str(term)
    assert Graph().parse(data=out, format="json-ld").isomorphic(g)


def test_a_sealed_and_spilled_dataset_writes_the_same_bytes(tmp_path):
    """Sealed graphs (their statements in files) give every format, the union and a store unchanged."""
    ds = _dataset()
    ds.spill_to(tmp_path)
    ds.seal_all()
    assert not ds.graphs and len(ds) == len(_dataset()) == 4
    assert all(r.path is not None and r.path.parent.parent == tmp_path for r in ds.sealed.values())
    for fmt in FORMATS:
        assert serialize(ds, fmt) == serialize(_dataset(), fmt), fmt
    assert ds.union() == _dataset().union() and ds.union_size() == 3
    assert set(load_store(ds)) == set(load_store(_dataset()))
    with pytest.raises(ValueError, match="sealed"):
        ds.graph(URIRef(EX + "g1"))
    folder = ds.spill
    ds.close()
    assert folder is not None and not folder.exists()


def test_an_open_graph_sealed_in_memory_keeps_its_statements():
    ds = _dataset()
    ds.seal(URIRef(EX + "g2"))
    run = ds.sealed[URIRef(EX + "g2")]
    assert run.path is None and list(run) == sorted(run) and len(run) == 2
    assert canonical_nquads(ds) == canonical_nquads(_dataset())


@pytest.mark.parametrize("fmt", ["trig", "nquads"])
def test_a_dataset_written_in_parts_joins_into_the_whole(fmt):
    """Consecutive graphs written apart, the first part with the @prefix lines and the rest without,
    join into the text of the whole (the build writes TriG in two processes so)."""
    import io

    from gbakg.serialize import write

    ds = _dataset()
    names = ds.names()
    first, rest = io.StringIO(), io.StringIO()
    write(ds, fmt, first, graphs=set(names[:1]))
    write(ds, fmt, rest, graphs=set(names[1:]), header=False)
    assert first.getvalue() + rest.getvalue() == serialize(ds, fmt)
    assert "@prefix" not in rest.getvalue() and rest.getvalue()


def test_jsonld_compact_iris_take_the_longest_namespace_that_leaves_a_local_part():
    compact = _compactor({"ex": EX, "exa": EX + "a/", "other": "urn:x:", "same": EX + "a/"})
    assert compact(EX + "a/b") == "exa:b"  # the longest; of two prefixes for it, the first given
    assert compact(EX + "a/") == "ex:a/"  # the longest leaves nothing: the next
    assert compact(EX + "b") == "ex:b"
    assert compact(EX + "//x") == EX + "//x"  # a local part starting with // is not written compact
    assert compact("http://elsewhere.org/z") == "http://elsewhere.org/z"
    assert _compactor({})("urn:a") == "urn:a"


def test_jsonld_references_the_same_iri_objects_however_many_there_are(monkeypatch):
    """IRI objects are held as node references a number at a time: past that, they are made again."""
    g = Graph()
    for i in range(12):
        g.add((URIRef(EX + f"s{i:02d}"), URIRef(EX + "p"), URIRef(EX + f"o{i % 5}")))
    expected = serialize(g, "jsonld")
    monkeypatch.setattr(serialize_mod, "IDS_HELD", 2)
    assert serialize(g, "jsonld") == expected
    assert json.loads(expected)["@graph"][11] == {"@id": EX + "s11", EX + "p": [{"@id": EX + "o1"}]}


def _subjects_graph() -> Graph:
    g = Graph()
    for i in range(7):
        for j in range(i % 4 + 1):
            g.add((URIRef(EX + f"s{i}"), URIRef(EX + f"p{j}"), Literal(f"文{i}-{j}", lang="zh-Hant")))
    g.add((URIRef(EX + "s"), URIRef(EX + "p"), URIRef(EX + "s1")))  # <…/s> starts <…/s1>: another subject
    return g


@pytest.mark.parametrize("chunk", [1, 2, 3, 20_000])
def test_the_union_formats_written_in_one_pass_are_each_formats_text(monkeypatch, chunk):
    """Turtle, N-Triples and JSON-LD written together, a chunk of whole subjects at a time, are the
    texts each gives alone in one piece: Oxigraph's Turtle of consecutive subjects joins."""
    g = _subjects_graph()
    alone = {fmt: serialize(g, fmt) for fmt in ("turtle", "nt", "jsonld")}
    one_piece = io.StringIO()
    sink = serialize_mod._LangCaseSink(one_piece)
    ox.serialize(
        serialize_mod._parse(canonical_ntriples(g), ox.RdfFormat.N_TRIPLES),
        output=sink,
        format=ox.RdfFormat.TURTLE,
        prefixes=serialize_mod.SERIAL_PREFIXES,
    )
    sink.close()
    assert alone["turtle"] == one_piece.getvalue()  # Oxigraph's Turtle of all the statements at once
    monkeypatch.setattr(serialize_mod, "CHUNK", chunk)
    outs = {fmt: io.StringIO() for fmt in alone}
    serialize_mod.write_union(g, outs)
    assert {fmt: out.getvalue() for fmt, out in outs.items()} == alone
    assert alone["turtle"].count("@prefix") == len(serialize_mod.SERIAL_PREFIXES)
    chunks = list(serialize_mod._subject_chunks(canonical_ntriples(g).splitlines(keepends=True)))
    subjects = [{line.split(" ", 1)[0] for line in c} for c in chunks]
    assert all(not (a & b) for a, b in itertools.combinations(subjects, 2))  # no subject split
    assert sum(map(len, chunks)) == len(g)


def test_an_empty_union_is_written_as_oxigraph_writes_it_and_an_unknown_format_is_refused():
    outs = {"turtle": io.StringIO(), "jsonld": io.StringIO()}
    serialize_mod.write_union(Graph(), outs)
    assert outs["turtle"].getvalue() == serialize(Graph(), "turtle") == ""  # no statement, no @prefix lines
    assert json.loads(outs["jsonld"].getvalue())["@graph"] == []
    with pytest.raises(ExportError, match="trig"):
        serialize_mod.write_union(Graph(), {"trig": io.StringIO()})


def _rich_dataset() -> NamedGraphs:
    """Graphs with what TriG writes in several ways: blank nodes, escapes, language tags, datatypes,
    a subject with several predicates and values, an empty graph and a graph name no prefix fits."""
    ds = NamedGraphs()
    names = [EX + "g/1", EX + "g/2", "urn:graph:3", "https://w3id.org/gbakg/id/graph/004_x", EX + "g/empty"]
    for n, name in enumerate(names):
        g = ds.graph(URIRef(name))
        if name.endswith("empty"):
            continue
        for i in range(n + 3):
            s = URIRef(EX + f"s{i % 3}")
            g.add((s, URIRef(EX + "p"), Literal(f'第{i}\n行 "引" \\', lang="zh-Hant")))
            g.add((s, URIRef(EX + f"q{i % 2}"), Literal(i)))
            g.add((s, URIRef(EX + "r"), URIRef(EX + f"o{i}")))
    ds.graph(URIRef(names[1])).add((URIRef(EX + "s0"), URIRef(EX + "b"), BNode("x1")))
    return ds


@pytest.mark.parametrize("chunk", [1, 2, 3, 20_000])
@pytest.mark.parametrize("spilled", [False, True])
def test_trig_written_a_graph_at_a_time_is_oxigraphs_trig_of_the_whole(tmp_path, monkeypatch, chunk, spilled):
    """Each graph's block is Oxigraph's Turtle of its statements, indented, between its name and a
    brace: the whole is what Oxigraph's TriG writer gives for all the quads (language tags apart,
    which are written in BCP 47 case); an empty graph writes nothing."""
    monkeypatch.setattr(serialize_mod, "CHUNK", chunk)
    ds = _rich_dataset()
    quads = serialize_mod._parse(canonical_nquads(ds), ox.RdfFormat.N_QUADS)
    whole = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=serialize_mod.SERIAL_PREFIXES).decode()
    if spilled:  # each graph's run in a file, and one graph's in two files (sealed by two processes)
        ds.spill_to(tmp_path)
        joined = URIRef(EX + "g/2")
        lines = ds.run(joined).lines
        assert lines is not None
        ds.graphs.pop(joined), ds.texts.pop(joined, None)
        ds.seal_lines(joined, lines[::2], part=1)
        other = ds.sibling()
        other.seal_lines(joined, lines[1::2], part=2)
        ds.join(joined, other.sealed[joined])
        ds.seal_all()
        assert all(r.files() for r in ds.sealed.values()) and len(ds.sealed[joined].files()) == 2
    text = serialize(ds, "trig")
    assert text == serialize_mod._restore_lang_case(whole) and "@zh-Hant" in text
    assert "graph:004_x {\n" in text and "<urn:graph:3> {\n" in text and "empty" not in text
    assert text.count("@prefix") == len(serialize_mod.SERIAL_PREFIXES)


def test_trig_of_graphs_without_statements_is_empty_and_the_prefixes_open_the_first_with_some():
    ds = _rich_dataset()
    empty = EX + "g/empty"
    out = io.StringIO()
    serialize_mod.write(ds, "trig", out, graphs={URIRef(empty)})
    assert out.getvalue() == ""
    out = io.StringIO()
    serialize_mod.write(ds, "trig", out, graphs={URIRef(empty), URIRef("urn:graph:3")})
    assert out.getvalue().startswith("@prefix") and out.getvalue().endswith("}\n")
