"""A standalone, offline HTML page to explore a view: nodes coloured by kind, filters by batch, mechanism and
jurisdiction, a search box, and a detail panel with a node's facts and evidence quote.

No CDN and no library: the layout is computed here with networkx (seeded, so it is stable) and the page
draws SVG with a few lines of JavaScript. Labels come from documents, so the data travels as JSON inside a
``<script type="application/json">`` element with ``<``, ``>`` and ``&`` escaped, and the page only ever
sets ``textContent`` — never ``innerHTML`` — so markup in a label renders as text and nothing runs.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import networkx as nx
from rdflib import Graph, URIRef

from ..namespaces import GBA, OA
from .dot import COLOURS


def _quote(graph: Graph, node: str) -> str:
    for ann in sorted(graph.objects(URIRef(node), GBA.evidence), key=str):
        span = graph.value(ann, OA.hasTarget)
        text = graph.value(span, GBA.text) if span is not None else None
        if text is not None:
            return str(text)
    return ""


def payload(nxg: nx.Graph, graph: Graph | None, title: str) -> dict:
    pos = nx.spring_layout(nxg, seed=7, k=1.5 / max(1, nxg.number_of_nodes()) ** 0.5, iterations=80) if nxg else {}
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0
    nodes = []
    for n, d in sorted(nxg.nodes(data=True)):
        x, y = pos.get(n, (0.0, 0.0))
        nodes.append(
            {
                "id": n,
                "x": round(40 + 920 * (x - min(xs)) / span_x, 1),
                "y": round(40 + 620 * (y - min(ys)) / span_y, 1),
                "degree": nxg.degree(n),
                "quote": _quote(graph, n) if graph is not None else "",
                **{k: v for k, v in d.items()},
            }
        )
    edges = [{"source": u, "target": v, **d} for u, v, d in sorted(nxg.edges(data=True), key=lambda e: (e[0], e[1]))]
    return {"title": title, "nodes": nodes, "edges": edges, "colours": COLOURS}


def script_json(data: object) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' that could close it or open markup."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


PAGE = Path(__file__).with_name("assets") / "page.html"


def to_html(nxg: nx.Graph, graph: Graph | None = None, title: str = "gbakg", lang: str = "zh-Hans") -> str:
    """The page: the template of assets/page.html with the escaped title and the script-safe JSON data."""
    template = PAGE.read_text(encoding="utf-8")
    return (
        template.replace("{{LANG}}", html.escape(lang))
        .replace("{{TITLE}}", html.escape(title))
        .replace("{{DATA}}", script_json(payload(nxg, graph, title)))
    )


def write(nxg: nx.Graph, path: Path, graph: Graph | None = None, title: str = "gbakg", lang: str = "zh-Hans") -> None:
    path.write_text(to_html(nxg, graph, title, lang), encoding="utf-8")
