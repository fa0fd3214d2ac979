"""GraphML (yEd, Gephi, Cytoscape desktop) through networkx, UTF-8."""

from __future__ import annotations

from pathlib import Path

import networkx as nx


def write(nxg: nx.Graph, path: Path) -> None:
    nx.write_graphml(nxg, path, encoding="utf-8", prettyprint=True)
