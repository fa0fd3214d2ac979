"""The mapped graph: stable IRIs, evidence back to exact offsets, determinism, reference labels."""

from __future__ import annotations

import pytest
from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, SKOS

from gbakg.link import PlanLinkFact
from gbakg.mapping import NamedGraphs, plan_link_iri, plan_link_lines, section_iri, typed_date
from gbakg.namespaces import GBA, ID, OA
from gbakg.pipeline import build_graph
from gbakg.rdfio import statement_lines
from gbakg.serialize import serialize


def test_case_iri_and_title(built):
    g = built.graph
    case = ID["case/b3-07"]
    assert (case, RDF.type, GBA.TypicalCase) in g
    assert (case, GBA.caseNumber, Literal(7)) in g
    assert str(g.value(case, DCTERMS.title)) == "破解港澳居民在大湾区内地城市购房结算支付难题"


def test_every_evidence_selects_its_quote(built):
    g = built.graph
    texts = {f"https://w3id.org/gbakg/id/document/{d.document.key}": d.document.text for d in built.corpus.documents}
    spans = list(g.subjects(RDF.type, GBA.SourceSpan))
    assert len(spans) > 1000
    for span in spans:
        doc = texts[str(g.value(span, OA.hasSource))]
        start = end = exact = None
        for sel in g.objects(span, OA.hasSelector):
            if (sel, RDF.type, OA.TextPositionSelector) in g:
                start, end = int(g.value(sel, OA.start)), int(g.value(sel, OA.end))
            else:
                exact = str(g.value(sel, OA.exact))
        assert doc[start:end] == exact


def test_fact_to_evidence_path(built):
    g = built.graph
    m = ID["measure/b3-10"]
    hk = ID["jurisdiction/hong-kong"]
    anns = [
        a for a in g.objects(m, GBA.evidence) if (a, OA.hasBody, hk) in g and (a, GBA.forProperty, GBA.involves) in g
    ]
    assert anns
    span = g.value(anns[0], OA.hasTarget)
    assert "港" in str(g.value(span, GBA.text))


def test_reference_labels_in_three_scripts(built):
    g = built.graph
    langs = {o.language for o in g.objects(ID["agency/guangdong-justice"], SKOS.prefLabel)}
    assert langs == {"zh-Hans", "zh-Hant", "en"}


def test_plan_items_and_sections(built):
    g = built.graph
    items = list(g.subjects(RDF.type, GBA.WorkPlanItem))
    assert len(items) == 57
    doc = next(d.document for d in built.corpus.documents if d.plan_items)
    item12 = ID[f"workplan/{doc.key}/item/12"]
    assert g.value(item12, GBA.inSection) == section_iri(doc, "三（一）")
    assert str(section_iri(doc, "三（一）")).endswith("/section/3-1")
    assert g.value(section_iri(doc, "三（一）"), GBA.inSection) == section_iri(doc, "三")


def test_no_blank_nodes(built):
    from rdflib import BNode

    assert not any(isinstance(t, BNode) for triple in built.graph for t in triple)


def test_same_corpus_same_bytes(built, corpus_dir):
    again = build_graph(corpus_dir)
    assert serialize(again.dataset, "trig") == serialize(built.dataset, "trig")
    assert serialize(again.graph, "turtle") == serialize(built.graph, "turtle")


def test_a_new_document_renames_nothing(built, corpus_dir, tmp_path):
    for p in corpus_dir.iterdir():
        (tmp_path / p.name).write_bytes(p.read_bytes())
    (tmp_path / "zz_extra.txt").write_text(
        " 案例一\n\n案例名称：新增测试案例\n\n报送单位：省司法厅\n\n推进粤港合作。\n", encoding="utf-8"
    )
    bigger = build_graph(tmp_path).graph
    old = {s for s in built.graph.subjects() if isinstance(s, URIRef)}
    new = {s for s in bigger.subjects() if isinstance(s, URIRef)}
    assert old <= new


def test_jsonld_round_trips(built):
    g = Graph().parse(data=serialize(built.graph, "jsonld"), format="json-ld")
    assert isomorphic(g, built.graph)


def test_typed_date():
    assert typed_date("2025-01-23").datatype == XSD.date
    assert typed_date("2025-01").datatype == XSD.gYearMonth
    assert typed_date("2025").datatype == XSD.gYear


def test_plan_link_lines_are_the_statements_of_the_links():
    """The plan links are written as N-Triples text without rdflib terms: the same lines as their
    statements made as terms, shared items, measures and literals included."""

    links = [
        PlanLinkFact("wp-a", 3, "b1-02", 0.5, "auto", ("跨境", "通关")),
        PlanLinkFact("wp-a", 3, "b1-03", 0.1234, "curated"),
        PlanLinkFact("wp-b", 3, "b1-02", 1.0, 'a "quoted"\\ origin', ("跨境",)),
    ]
    triples = set()
    for lk in links:
        node, item, measure = (
            plan_link_iri(lk.plan, lk.item, lk.measure),
            ID[f"workplan/{lk.plan}/item/{lk.item}"],
            ID[f"measure/{lk.measure}"],
        )
        triples |= {
            (node, RDF.type, GBA.PlanLink),
            (node, GBA.planItem, item),
            (node, GBA.measure, measure),
            (node, GBA.score, Literal(f"{lk.score:.3f}", datatype=XSD.decimal)),
            (node, GBA.origin, Literal(lk.origin)),
            (node, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal(f"item {lk.item} → {lk.measure}")),
            (measure, GBA.carriesOut, item),
            *((node, GBA.sharedTerm, Literal(t)) for t in lk.shared),
        }
    assert plan_link_lines(links) == statement_lines(triples)
    assert plan_link_lines([]) == []


def test_seal_lines_refuses_a_graph_already_there():

    ds = NamedGraphs()
    ds.seal_lines(ID["graph/x"], ["<a:b> <a:c> <a:d> .\n"])
    assert list(ds.run(ID["graph/x"])) == ["<a:b> <a:c> <a:d> .\n"]
    with pytest.raises(ValueError, match="already here"):
        ds.seal_lines(ID["graph/x"], [])
