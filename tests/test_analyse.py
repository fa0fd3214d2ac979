"""networkx projections, measures and explained paths on the corpus graph."""

from __future__ import annotations

import pytest

from gbakg import analyse
from gbakg.errors import QueryError
from gbakg.namespaces import ID


def J(name: str) -> str:
    return str(ID[f"jurisdiction/{name}"])


def test_jurisdiction_network(graph):
    nxg = analyse.jurisdiction_network(graph)
    assert nxg.has_edge(J("shenzhen"), J("hong-kong"))
    edge = nxg.get_edge_data(J("shenzhen"), J("hong-kong"))
    assert edge["weight"] >= 2 and edge.get("MutualRecognition", 0) >= 1
    top = analyse.measures(nxg)[0]
    assert top.node == J("hong-kong") and top.label == "香港特别行政区"


def test_agency_network_joins_co_submitters(graph):
    nxg = analyse.agency_network(graph)
    assert nxg.has_edge(str(ID["agency/gongbei-customs"]), str(ID["agency/zhuhai-border-inspection"]))
    assert nxg.nodes[str(ID["agency/hengqin-executive-committee"])]["cases"] == 4


@pytest.mark.parametrize("name", analyse.PROJECTIONS)
def test_every_projection_has_measures(graph, name):
    nxg = analyse.projection(graph, name, "en")
    rows = analyse.measures(nxg)
    assert rows and all(r.community >= 0 and 0 <= r.betweenness <= 1 for r in rows)
    assert analyse.measures(nxg) == rows  # deterministic (fixed Louvain seed)


def test_explained_path_by_labels(graph):
    steps = analyse.explained_path(graph, "惠州", "香港")
    assert steps[0].source == J("huizhou") and steps[-1].target == J("hong-kong")
    assert all(s.relation for s in steps)
    assert any("«" in s.evidence for s in steps)


def test_path_errors(graph):
    with pytest.raises(QueryError) as e:
        analyse.explained_path(graph, "不存在的地方", "香港")
    assert str(e.value) == (
        "no entity is called '不存在的地方' (give an IRI, a prefixed name (jur:hong-kong) or a label)"
    )
    with pytest.raises(QueryError):
        analyse.projection(graph, "nothing")
