"""JSON-LD of the RDF behind a view (the whole graph for the full view), with the project's context."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
from rdflib import Graph

from .. import serialize
from .views import subgraph_triples


def write(nxg: nx.Graph, path: Path, graph: Graph, view: str) -> None:
    data = graph if view == "full" else subgraph_triples(graph, nxg)
    with path.open("w", encoding="utf-8") as fh:
        serialize.write(data, "jsonld", fh)
