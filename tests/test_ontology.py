"""The ontology and reference data: they parse with two parsers, are consistent under OWL RL, label
every term in three scripts, and keep the jurisdiction IRIs of the public contract."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef

from gbakg.namespaces import GBA, GBA_URI, ID
from gbakg.vocab import ONTOLOGY_DIR, load_graph

FILES = sorted(ONTOLOGY_DIR.rglob("*.ttl"))
JURISDICTIONS = [
    "mainland",
    "guangdong",
    "hong-kong",
    "macao",
    "guangzhou",
    "shenzhen",
    "zhuhai",
    "foshan",
    "huizhou",
    "dongguan",
    "zhongshan",
    "jiangmen",
    "zhaoqing",
    "hengqin",
    "qianhai",
    "nansha",
    "hetao",
]
WIKIDATA = {
    "china": "Q148",
    "guangdong": "Q15175",
    "hong-kong": "Q8646",
    "macao": "Q14773",
    "guangzhou": "Q16572",
    "shenzhen": "Q15174",
    "zhuhai": "Q59095",
    "foshan": "Q34412",
    "huizhou": "Q59173",
    "dongguan": "Q59218",
    "zhongshan": "Q59223",
    "jiangmen": "Q59132",
    "zhaoqing": "Q59164",
}


@pytest.fixture(scope="module")
def g() -> Graph:
    return load_graph()


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ONTOLOGY_DIR)))
def test_parses_with_rapper(path: Path):
    rapper = shutil.which("rapper")
    if rapper is None:
        pytest.skip("rapper (Debian raptor2-utils) is not installed; .ci/run installs it")
    out = subprocess.run([rapper, "-q", "-i", "turtle", "-c", str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_owl_rl_closure_is_consistent(g):
    import owlrl

    closure = Graph()
    for t in g:
        closure.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)
    assert len(closure) > len(g)
    assert (None, RDF.type, OWL.Nothing) not in closure
    errors = [o for o in closure.objects(None, RDFS.comment) if "inconsistency" in str(o).lower()]
    assert errors == []


def test_every_term_has_labels_and_definition_in_three_scripts(g):
    missing = []
    for s in set(g.subjects()):
        if not isinstance(s, URIRef) or not str(s).startswith(GBA_URI):
            continue
        langs = {o.language for o in g.objects(s, RDFS.label) if isinstance(o, Literal)}
        defs = {o.language for o in g.objects(s, SKOS.definition) if isinstance(o, Literal)}
        if not {"zh-Hans", "zh-Hant", "en"} <= langs or not {"zh-Hans", "en"} <= defs:
            missing.append(str(s))
    assert missing == []


def test_concepts_are_labelled_and_defined_in_three_scripts(g):
    scripts = {"zh-Hans", "zh-Hant", "en"}
    missing = [
        str(c)
        for c in g.subjects(RDF.type, SKOS.Concept)
        if not scripts <= {o.language for o in g.objects(c, SKOS.prefLabel)}
        or not scripts <= {o.language for o in g.objects(c, SKOS.definition)}
    ]
    assert missing == []


def test_public_jurisdiction_iris_and_wikidata_links(g):
    for name in JURISDICTIONS:
        node = ID[f"jurisdiction/{name}"]
        assert (node, RDF.type, GBA.Jurisdiction) in g, name
        assert {o.language for o in g.objects(node, SKOS.prefLabel)} >= {"zh-Hans", "zh-Hant", "en"}
    links = {
        str(s).rsplit("/", 1)[1]: str(o).rsplit("/", 1)[1]
        for s, o in g.subject_objects(SKOS.exactMatch)
        if "wikidata" in str(o)
    }
    assert links == WIKIDATA


def test_hierarchy(g):
    part = GBA.partOf
    assert (ID["jurisdiction/hengqin"], part, ID["jurisdiction/zhuhai"]) in g
    assert (ID["jurisdiction/zhuhai"], part, ID["jurisdiction/guangdong"]) in g
    assert (ID["jurisdiction/guangdong"], part, ID["jurisdiction/mainland"]) in g
    assert (ID["jurisdiction/hong-kong"], part, ID["jurisdiction/mainland"]) not in g


def test_renamed_agencies_are_separate_and_linked(g):
    from rdflib.namespace import ORG

    old, new = ID["agency/pboc-guangzhou"], ID["agency/pboc-guangdong"]
    assert (old, GBA.successor, new) in g
    events = list(g.subjects(ORG.originalOrganization, old))
    assert events and (events[0], ORG.resultingOrganization, new) in g


def test_namespace_is_checked_against_the_ontology(g):
    defined = {str(s)[len(GBA_URI) :] for s in g.subjects() if str(s).startswith(GBA_URI)}
    declared = set(dir(GBA))
    assert declared == defined
    with pytest.raises(AttributeError):
        GBA.misspeltTerm  # noqa: B018


def test_a_broken_ontology_file_names_its_line(tmp_path):
    from gbakg.errors import VocabularyError
    from gbakg.vocab import load_graph

    (tmp_path / "a.ttl").write_text("@prefix ex: <https://example.org/> .\nex:a ex:b .\n", encoding="utf-8")
    with pytest.raises(VocabularyError) as e:
        load_graph(tmp_path)
    assert str(e.value).startswith(f"{tmp_path / 'a.ttl'}:2:")
    assert "cannot parse the ontology:" in str(e.value) and str(e.value).endswith("(fix the Turtle syntax)")
