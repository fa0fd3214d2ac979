"""Cytoscape.js JSON in the elements format ({"elements": {"nodes": [...], "edges": [...]}})."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx


def elements(nxg: nx.Graph) -> dict:
    nodes = [{"data": {"id": n, **d}} for n, d in sorted(nxg.nodes(data=True))]
    edges = [
        {"data": {"id": f"e{i}", "source": u, "target": v, **d}}
        for i, (u, v, d) in enumerate(sorted(nxg.edges(data=True), key=lambda e: (e[0], e[1])))
    ]
    return {"data": {"name": nxg.graph.get("name", "gbakg")}, "elements": {"nodes": nodes, "edges": edges}}


def write(nxg: nx.Graph, path: Path) -> None:
    path.write_text(json.dumps(elements(nxg), ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
