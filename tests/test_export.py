"""Every export format from the built corpus, opened by its real consumer; the HTML page in headless
Chromium, safe against hostile labels."""

from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from rdflib import RDF, RDFS, Graph, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS

from gbakg.errors import ExportError
from gbakg.export import FORMATS, build_view, export
from gbakg.export.views import clean
from gbakg.namespaces import GBA, ID

SCREENSHOTS = Path(os.environ.get("GBAKG_SCREENSHOTS", Path(__file__).resolve().parent.parent / "out" / "screenshots"))


def plain(nxg: nx.Graph) -> bool:
    values = [v for _, d in nxg.nodes(data=True) for v in d.values()] + [
        v for *_, d in nxg.edges(data=True) for v in d.values()
    ]
    return all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in values)


@pytest.mark.parametrize("view", ["full", "jurisdictions", "agencies", "plan", "case:b3-10"])
def test_views_have_plain_attributes_and_kinds(graph, view):
    nxg = build_view(graph, view, "en")
    assert nxg.number_of_nodes() > 3
    assert plain(nxg)
    assert all(d["kind"] and d["label"] for _, d in nxg.nodes(data=True))


def test_label_language_with_fallback(graph):
    en = build_view(graph, "jurisdictions", "en")
    hant = build_view(graph, "jurisdictions", "zh-Hant")
    hk = str(ID["jurisdiction/hong-kong"])
    assert en.nodes[hk]["label"] == "Hong Kong SAR" and hant.nodes[hk]["label"] == "香港特別行政區"
    cases = build_view(graph, "agencies", "en")
    assert (
        cases.nodes[str(ID["case/b3-10"])]["label"] == "深圳推进深港非公约船舶安全检查规则协同结果互认"
    )  # no English: zh


def test_control_characters_are_stripped():
    assert clean("a\x07b\x00c\nd") == "abc d"
    assert clean(None) == "" and clean(["b", "a"]) == "a; b" and clean(3) == 3


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graphml_and_gexf_reread_by_networkx_and_igraph(graph, tmp_path, fmt):
    import igraph

    path = tmp_path / f"agencies.{fmt}"
    nxg = export(graph, fmt, path, "agencies", "zh-Hans")
    back = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
    assert (back.number_of_nodes(), back.number_of_edges()) == (nxg.number_of_nodes(), nxg.number_of_edges())
    hengqin = str(ID["agency/hengqin-executive-committee"])
    assert back.nodes[hengqin]["label"] == "横琴粤澳深度合作区执行委员会"
    if fmt == "graphml":
        ig = igraph.Graph.Read_GraphML(str(path))
        assert (ig.vcount(), ig.ecount()) == (nxg.number_of_nodes(), nxg.number_of_edges())
        assert "横琴粤澳深度合作区执行委员会" in ig.vs["label"]
    else:
        tree = ET.parse(path)
        labels = [n.get("label") for n in tree.iter() if n.tag.endswith("node")]
        assert len(labels) == nxg.number_of_nodes() and "横琴粤澳深度合作区执行委员会" in labels


def test_cytoscape_elements_format(graph, tmp_path):
    path = tmp_path / "j.cyjs"
    nxg = export(graph, "cyjs", path, "jurisdictions", "en")
    data = json.loads(path.read_text(encoding="utf-8"))
    nodes, edges = data["elements"]["nodes"], data["elements"]["edges"]
    assert len(nodes) == nxg.number_of_nodes() and len(edges) == nxg.number_of_edges()
    ids = {n["data"]["id"] for n in nodes}
    assert all(e["data"]["source"] in ids and e["data"]["target"] in ids and e["data"]["id"] for e in edges)


def test_jsonld_is_isomorphic_to_the_source(graph, tmp_path):
    path = tmp_path / "full.jsonld"
    export(graph, "jsonld", path, "full")
    assert isomorphic(Graph().parse(path, format="json-ld"), graph)


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_dot_rendered_by_graphviz(graph, tmp_path, fmt):
    if shutil.which("dot") is None:
        pytest.fail("Graphviz is not installed (.ci/run installs the Debian package graphviz)")
    dot_path = tmp_path / "j.dot"
    export(graph, "dot", dot_path, "jurisdictions", "en")
    assert dot_path.read_text(encoding="utf-8").startswith("graph gbakg {")
    path = tmp_path / f"j.{fmt}"
    export(graph, fmt, path, "jurisdictions", "en")
    data = path.read_bytes()
    if fmt == "png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        root = ET.fromstring(data)
        assert root.tag.endswith("svg") and "Hong Kong SAR" in data.decode("utf-8")


def test_errors(graph, tmp_path):
    with pytest.raises(ExportError) as e:
        export(graph, "pdf", tmp_path / "x.pdf")
    assert str(e.value) == f"unknown format 'pdf' (use one of {', '.join(FORMATS)})"
    with pytest.raises(ExportError) as e:
        build_view(graph, "case:b9-99")
    assert str(e.value) == "no case 'b9-99' in the graph (give a case key such as b3-07)"


# --- the HTML page in a real browser ------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        message = "headless Chromium is not installed (.ci/run installs chromium and chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    opts = Options()
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1400,900",
    ):
        opts.add_argument(arg)
    opts.binary_location = chromium
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(driver), options=opts)
    yield d
    d.quit()


def open_page(browser, path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(path.resolve().as_uri())
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.body.dataset.ready") == "1")


def test_html_page_renders_every_node_without_errors(graph, browser, tmp_path):
    path = tmp_path / "full.html"
    nxg = export(graph, "html", path, "full")
    html = path.read_text(encoding="utf-8")
    assert "<script src" not in html and "http://" not in html.split("<script", 1)[0]  # self-contained, offline
    open_page(browser, path)
    rendered = browser.execute_script("return document.querySelectorAll('#nodes g.node').length")
    assert rendered == nxg.number_of_nodes()
    assert browser.execute_script("return document.querySelectorAll('#edges line').length") == nxg.number_of_edges()
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOTS / "full.png"))


def test_html_filters_search_and_detail(graph, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    path = tmp_path / "full.html"
    export(graph, "html", path, "full")
    open_page(browser, path)
    total = browser.execute_script("return document.querySelectorAll('#nodes g.node').length")
    Select(browser.find_element(By.ID, "batch")).select_by_value("3")
    visible = browser.execute_script("return document.querySelectorAll('#nodes g.node:not(.hidden)').length")
    assert 0 < visible < total
    Select(browser.find_element(By.ID, "batch")).select_by_value("")
    browser.find_element(By.ID, "search").send_keys("港车北上")
    assert browser.execute_script("return document.querySelectorAll('#nodes g.match').length") >= 1
    browser.execute_script("document.querySelector('#nodes g.match').dispatchEvent(new MouseEvent('click'))")
    detail = browser.find_element(By.ID, "detail").text
    assert "港车北上" in detail and "kind" in detail


def test_hostile_labels_render_as_text_and_nothing_runs(browser, tmp_path):
    hostile = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    closing = "</script><script>window.__xss=3</script>"
    g = Graph()
    case, measure = ID["case/x-01"], ID["measure/x-01"]
    g.add((case, RDF.type, GBA.TypicalCase))
    g.add((case, DCTERMS.title, Literal(hostile, lang="zh-Hans")))
    g.add((case, RDFS.label, Literal(hostile, lang="zh-Hans")))
    g.add((case, GBA.describes, measure))
    g.add((measure, RDF.type, GBA.Measure))
    g.add((measure, RDFS.label, Literal(closing, lang="zh-Hans")))
    g.add((measure, GBA.involves, ID["jurisdiction/hong-kong"]))
    path = tmp_path / "hostile.html"
    export(g, "html", path, "full")
    assert hostile not in path.read_text(encoding="utf-8") and closing not in path.read_text(encoding="utf-8")
    open_page(browser, path)
    assert browser.execute_script("return typeof window.__xss") == "undefined"
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    assert browser.execute_script("return document.scripts.length") == 2
    titles = browser.execute_script(
        "return Array.from(document.querySelectorAll('#nodes title')).map(t => t.textContent)"
    )
    assert hostile in titles and closing in titles
    browser.execute_script("document.querySelector('#nodes g.node').dispatchEvent(new MouseEvent('click'))")
    assert browser.execute_script("return typeof window.__xss") == "undefined"


def test_the_command_lines_format_names_are_the_registrys():
    from gbakg.export import FORMAT_NAMES

    assert tuple(FORMATS) == FORMAT_NAMES
