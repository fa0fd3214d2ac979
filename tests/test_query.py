"""The named query library: headers, contract columns, true answers, safe parameters, formats, and the
same rows from a real Oxigraph SPARQL server started on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from gbakg.errors import EndpointError, QueryError
from gbakg.namespaces import ID
from gbakg.query import (
    PARAMS_EXAMPLE,
    QueryResult,
    bind_params,
    library,
    open_store,
    resolve,
    run,
    run_endpoint,
    to_csv,
    to_json,
    to_table,
    to_tsv,
)

CONTRACT = {
    "cases": ["case", "batch", "number", "title"],
    "case-agencies": ["case", "agency", "agencyLabel"],
    "case-jurisdictions": ["case", "jurisdiction"],
    "mutual-recognition": ["case", "link", "party", "recognizer", "subject"],
    "outcomes": ["case", "value", "unit", "asOf", "label", "lowerValue"],
    "case-dates": ["case", "date", "label"],
    "instruments": ["case", "instrument", "title", "type"],
    "plan-links": ["plan", "item", "itemNumber", "case", "score"],
    "news-measures": ["measure", "label", "evidence"],
}


def rows(result: QueryResult) -> list[dict[str, str]]:
    return [{v: ("" if t is None else str(t)) for v, t in zip(result.vars, r, strict=True)} for r in result.rows]


def test_every_query_has_a_header():
    lib = library()
    assert len(lib) >= 17
    for q in lib.values():
        assert q.title and q.description and q.columns, q.name


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_contract_columns(graph, name):
    result = run(name, graph=graph, params=PARAMS_EXAMPLE.get(name))
    assert list(result.vars) == CONTRACT[name] == list(resolve(name).columns)


@pytest.mark.parametrize("name", sorted(library()))
def test_every_library_query_runs(graph, name):
    result = run(name, graph=graph, params=PARAMS_EXAMPLE.get(name))
    assert list(result.vars) == list(resolve(name).columns)


def test_cases_answer(graph):
    r = rows(run("cases", graph=graph))
    assert len(r) == 52
    assert r[0] == {"case": str(ID["case/b1-01"]), "batch": "1", "number": "1", "title": "粤港澳跨境信用报告标准互认"}


def test_case_agencies_answer(graph):
    r = rows(run("case-agencies", graph=graph, params={"case": "case:b2-09"}))
    assert [x["agencyLabel"] for x in r] == [
        "海关总署广东分署",
        "珠海出入境边防检查总站",
        "横琴粤澳深度合作区执行委员会",
    ]


def test_case_jurisdictions_answer(graph):
    r = rows(run("case-jurisdictions", graph=graph, params={"case": str(ID["case/b3-10"])}))
    assert {x["jurisdiction"] for x in r} == {str(ID["jurisdiction/shenzhen"]), str(ID["jurisdiction/hong-kong"])}


def test_mutual_recognition_answer(graph):
    r = [x for x in rows(run("mutual-recognition", graph=graph)) if x["case"].endswith("b3-10")]
    assert {x["party"].rsplit("/", 1)[1] for x in r} == {"shenzhen", "hong-kong"}
    assert {x["subject"] for x in r} == {"非公约船舶安全检查规则协同结果"}


def test_outcomes_answer(graph):
    r = rows(run("outcomes", graph=graph, params={"case": "case:b1-02"}))
    assert r == [
        {
            "case": str(ID["case/b1-02"]),
            "value": "224",
            "unit": "名",
            "asOf": "2023-02",
            "label": "已有 224名港澳律师申领了大湾区律师执业证",
            "lowerValue": "",
        }
    ]
    (ranged,) = [o for o in rows(run("outcomes", graph=graph, params={"case": "case:b1-12"})) if o["lowerValue"]]
    assert (ranged["lowerValue"], ranged["value"], ranged["unit"]) == ("5", "10", "%")  # 优惠 5-10%


def test_dates_and_instruments_answer(graph):
    dates = rows(run("case-dates", graph=graph, params={"case": "case:b3-01"}))
    assert dates[0]["date"] == "2024-07-10"
    inst = rows(run("instruments", graph=graph, params={"case": "case:b2-08"}))
    assert [(x["title"], x["type"].rsplit("/", 1)[1]) for x in inst] == [("可持续金融共同分类目录", "list")]


def test_zone_measures_answer(graph):
    r = rows(run("zone-measures", graph=graph, params={"zone": "jur:hetao"}))
    assert {x["case"].rsplit("/", 1)[1] for x in r} >= {"b2-16", "b3-16"}


def test_initiative_timeline_answer(graph):
    r = rows(run("initiative-timeline", graph=graph, params={"initiative": "港车北上"}))
    assert {x["unit"] for x in r} >= {"万个", "万辆次"}


@pytest.mark.parametrize("value", ['x" } ; DROP ALL ; #', "x\n} UNION { ?s ?p ?o }", "'; SELECT * WHERE {?s ?p ?o} #"])
def test_injection_strings_are_bound_as_literals(graph, value):
    r = run("initiative-timeline", graph=graph, params={"initiative": value})
    assert r.rows == ()


@pytest.mark.parametrize("value", ["https://x/> } ; DROP ALL ; <x", "not an iri", "case:b1-01> . ?s ?p ?o"])
def test_bad_iris_are_refused(graph, value):
    with pytest.raises(QueryError) as e:
        run("case-agencies", graph=graph, params={"case": value})
    assert e.value.message.startswith("parameter 'case' is not a valid IRI")


def test_every_iri_as_the_results_show_it_can_be_given_back_as_a_parameter(graph):
    from gbakg.query import _short, to_term

    shown = {
        t for name in ("plan-links", "outcomes", "mutual-recognition") for r in run(name, graph=graph).rows for t in r
    }
    iris = [t for t in shown if isinstance(t, URIRef)]
    assert any(_short(t).startswith("workplan:") for t in iris) and any(_short(t).startswith("link:") for t in iris)
    assert all(to_term(_short(t), "iri") == t for t in iris)


def test_an_unknown_prefix_is_refused_not_matched_as_an_iri(graph):
    with pytest.raises(QueryError) as e:
        run("plan-links", graph=graph, params={"plan": "wp:004"})
    assert e.value.message == "parameter 'plan': unknown prefix 'wp:' in 'wp:004'" and "workplan" in (
        e.value.hint or ""
    )
    assert run("case-agencies", graph=graph, params={"case": "urn:x:case"}).rows == ()  # an IRI with no //


def test_typed_parameters():
    nq = resolve("cases")
    assert bind_params(nq, {"batch": "3"}) == {"batch": Literal(3)}
    with pytest.raises(QueryError) as e:
        bind_params(nq, {"batch": "three"})
    assert str(e.value) == "parameter 'batch' must be an integer, not 'three'"
    with pytest.raises(QueryError) as e:
        bind_params(nq, {"nope": "1"})
    assert str(e.value) == "the query 'cases' has no parameter 'nope' (its parameters: batch)"
    assert bind_params(resolve("case-agencies"), {"case": "case:b3-07"}) == {"case": URIRef(str(ID["case/b3-07"]))}


def test_unknown_name_suggests_the_closest():
    with pytest.raises(QueryError) as e:
        resolve("outcome")
    assert str(e.value) == "unknown query 'outcome' (did you mean outcomes, measures-without-outcome?)"


def test_syntax_error_has_line_and_column(graph):
    with pytest.raises(QueryError) as e:
        run(sparql="SELECT ?x WHERE {\n  ?x ?y \n}", graph=graph)
    assert str(e.value) == "--sparql:3:2: SPARQL syntax error: expected OPTIONAL (fix the query text)"
    with pytest.raises(QueryError) as e:
        run(sparql="SELECT ?x WHERE {\n  ?x ?y \n}", graph=graph, engine="rdflib")
    assert str(e.value) == "--sparql:2:3: SPARQL syntax error: Expected SelectQuery (fix the query text)"


def test_both_engines_give_the_same_rows(graph):
    for name in library():
        a = run(name, graph=graph, params=PARAMS_EXAMPLE.get(name))
        b = run(name, graph=graph, params=PARAMS_EXAMPLE.get(name), engine="rdflib")
        assert canon(a) == canon(b), name


@pytest.mark.parametrize("name", sorted(library()))
def test_a_statement_in_two_graphs_is_counted_once(graph, overlapping_trig, name):
    # Oxigraph 0.5 matches the union default graph once per named graph holding a statement
    # (oxigraph/oxigraph#1919); the listings are SELECT DISTINCT and the counts COUNT(DISTINCT) so
    # that two sources of one statement give the rows of the merged graph.
    union = run(name, graph=open_store(overlapping_trig), params=PARAMS_EXAMPLE.get(name))
    assert canon(union) == canon(run(name, graph=graph, params=PARAMS_EXAMPLE.get(name)))


def test_a_local_dataset_is_queried_as_its_merged_graph(graph, overlapping_trig):
    store = open_store(overlapping_trig)
    everything = run(sparql="SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", graph=store)
    assert int(everything.rows[0][0]) == len(graph)  # each statement once
    copy = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://example.org/graph/a-second-source> { ?s ?p ?o } }"
    assert int(run(sparql=copy, graph=store).rows[0][0]) > 0  # the named graphs are kept
    only_named = ox.Store()  # a store of named graphs alone is queried through their union
    only_named.extend(q for q in store.quads_for_pattern(None, None, None) if q.graph_name != ox.DefaultGraph())
    assert run("cases", graph=only_named).rows == run("cases", graph=store).rows


def test_formats_follow_sparql_results_specs():
    r = QueryResult(("a", "b"), ((URIRef("https://x/1"), Literal('甲, "乙"', lang="zh-Hans")), (Literal(3), None)))
    assert list(csv.reader(io.StringIO(to_csv(r)))) == [["a", "b"], ["https://x/1", '甲, "乙"'], ["3", ""]]
    assert to_csv(r).endswith("\r\n")
    assert to_tsv(r).splitlines() == [
        "?a\t?b",
        '<https://x/1>\t"甲, \\"乙\\""@zh-Hans',
        '"3"^^<http://www.w3.org/2001/XMLSchema#integer>\t',
    ]
    data = json.loads(to_json(r))
    assert data["head"]["vars"] == ["a", "b"]
    assert data["results"]["bindings"][0]["b"] == {"type": "literal", "value": '甲, "乙"', "xml:lang": "zh-Hans"}
    assert data["results"]["bindings"][1] == {
        "a": {"type": "literal", "value": "3", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    }
    assert "(2 rows)" in to_table(r)


# --- a real SPARQL server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def endpoint(build_result):
    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(exe).exists():
        pytest.fail("the oxigraph server (PyPI package oxigraph) is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "serve", "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        data = build_result.files["graph.ttl"].read_bytes()
        req = urllib.request.Request(
            base + "/store?default", data=data, method="POST", headers={"Content-Type": "text/turtle"}
        )
        urllib.request.urlopen(req, timeout=60)
        yield base + "/query"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def canon(result: QueryResult) -> list[tuple[str, ...]]:
    def c(t):
        if t is None:
            return ""
        if isinstance(t, Literal):
            value = t.toPython()
            lexical = str(value.normalize()) if isinstance(value, Decimal) else str(t)  # 0.400 and 0.4 are one value
            return f"{lexical}|{(t.language or '').lower()}|{t.datatype or ''}"
        return str(t)

    return sorted(tuple(c(t) for t in row) for row in result.rows)


@pytest.mark.parametrize("name", sorted(library()))
def test_endpoint_gives_the_same_rows(graph, endpoint, name):
    local = run(name, graph=graph, params=PARAMS_EXAMPLE.get(name))
    remote = run(name, endpoint=endpoint, params=PARAMS_EXAMPLE.get(name))
    assert remote.vars == local.vars
    assert canon(remote) == canon(local)


def test_endpoint_binds_parameters_safely(endpoint):
    r = run("case-agencies", endpoint=endpoint, params={"case": "case:b2-09"})
    assert len(r.rows) == 3
    assert run("initiative-timeline", endpoint=endpoint, params={"initiative": 'x" } ; DROP ALL ; #'}).rows == ()


def test_unreachable_endpoint_is_a_clean_error():
    url = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(EndpointError) as e:
        run_endpoint(url, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", {}, timeout=1, retries=1)
    assert e.value.message.startswith("cannot reach the endpoint after 2 attempts")


def test_analytical_queries_answer_truly(graph):
    ranked = rows(run("agencies-ranked", graph=graph))
    assert ranked[0]["agency"] == str(ID["agency/hengqin-executive-committee"]) and ranked[0]["cases"] == "4"
    pairs = rows(run("jurisdiction-pairs", graph=graph))
    assert any(
        {p["a"], p["b"]} == {str(ID["jurisdiction/shenzhen"]), str(ID["jurisdiction/hong-kong"])}
        and p["linkType"].endswith("MutualRecognition")
        for p in pairs
    )
    assert str(ID["case/b1-01"]) in {r["case"] for r in rows(run("measures-without-outcome", graph=graph))}
    together = {
        (r["a"].rsplit("/", 1)[1], r["b"].rsplit("/", 1)[1]) for r in rows(run("co-submitting-agencies", graph=graph))
    }
    assert ("gongbei-customs", "zhuhai-border-inspection") in together
    assert "9" in {r["itemNumber"] for r in rows(run("plan-items-without-case", graph=graph))}
    by_type = rows(run("instruments-by-type", graph=graph))
    assert any(r["type"].endswith("/decision") and r["issuerLabel"] == "广东省人民代表大会常务委员会" for r in by_type)
    links = rows(run("plan-links", graph=graph, params={"itemNumber": "16"}))
    assert str(ID["case/b2-01"]) in {r["case"] for r in links} and all(0 < float(r["score"]) <= 1 for r in links)
    plan = str(ID["workplan/004_ac2d0214846fc862"])
    assert {r["plan"] for r in links} == {plan}
    assert rows(run("plan-links", graph=graph, params={"plan": plan, "itemNumber": "16"})) == links
    assert not rows(run("plan-links", graph=graph, params={"plan": str(ID["workplan/another"])}))
    news = rows(run("news-measures", graph=graph))
    assert len(news) == 13 and any("EF 账户" in r["evidence"] for r in news)


def test_plan_results_give_each_carried_out_items_figures(graph):
    r = rows(run("plan-results", graph=graph, params={"itemNumber": "7"}))
    # item 7 (财政科研资金跨境使用) is carried out by b1-03, whose figures come with it
    assert {x["measure"] for x in r} == {str(ID["measure/b1-03"])}
    assert ("3.7", "亿元", "2022") in {(x["value"], x["unit"], x["asOf"]) for x in r}
    linked = {(x["itemNumber"], x["case"].replace("/case/", "/measure/")) for x in rows(run("plan-links", graph=graph))}
    every = rows(run("plan-results", graph=graph))
    assert {(x["itemNumber"], x["measure"]) for x in every if "/measure/b" in x["measure"]} == linked
    # a measure that reports no figure is still listed, with empty figure columns
    bare = {x["case"].replace("/case/", "/measure/") for x in rows(run("measures-without-outcome", graph=graph))}
    assert all(x["value"] and x["label"] for x in every if x["measure"] not in bare and "/measure/b" in x["measure"])
    # a measure that reports no figure is still listed, with empty figure columns (a small graph of our own)
    from rdflib import Graph

    from gbakg.namespaces import GBA

    g = Graph()
    link, item, plan, measure = (URIRef(f"https://example.org/{n}") for n in ("link", "item", "plan", "measure"))
    for t in [
        (link, GBA.planItem, item),
        (link, GBA.measure, measure),
        (item, GBA.itemNumber, Literal(3)),
        (item, GBA.inPlan, plan),
    ]:
        g.add(t)
    assert rows(run("plan-results", graph=g)) == [
        {"plan": str(plan), "itemNumber": "3", "item": str(item), "measure": str(measure)}
        | dict.fromkeys(("value", "unit", "asOf", "label"), "")
    ]


def test_agency_mechanisms_count_the_cases_of_each_agency_and_kind(graph):
    r = rows(run("agency-mechanisms", graph=graph, params={"agency": "agency:hengqin-executive-committee"}))
    got = {x["mechanism"].rsplit("/", 1)[1]: int(x["cases"]) for x in r}
    assert got["joint-inspection"] == 2 and got["convergence"] == 2
    assert {x["agencyLabel"] for x in r} == {"横琴粤澳深度合作区执行委员会"}
    assert all(x["mechanismLabel"] for x in r)


@pytest.mark.parametrize("limit, offset", [(5, 0), (5, 10), (None, 40), (0, 3), (100, 45)])
def test_a_page_is_the_slice_of_the_listing(graph, limit, offset):
    full = run("cases", graph=graph).rows
    end = None if limit is None else offset + limit
    assert run("cases", graph=graph, limit=limit, offset=offset).rows == full[offset:end]


def test_pages_need_an_order_and_no_limit_of_their_own(graph):
    with pytest.raises(QueryError, match="ORDER BY"):
        run(sparql="SELECT ?s WHERE { ?s ?p ?o }", graph=graph, limit=3)
    with pytest.raises(QueryError, match="LIMIT or OFFSET of its own"):
        run(sparql="SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 2", graph=graph, limit=3)
    with pytest.raises(QueryError, match="negative"):
        run("cases", graph=graph, offset=-1)
    assert len(run(sparql="SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s # LIMIT 2", graph=graph, limit=3).rows) == 3
