"""The registry of exporters (one module per format) and :func:`export`, which writes one view in one
format; its keys are :data:`gbakg.export.FORMAT_NAMES`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import networkx as nx
from rdflib import Graph

from ..errors import ExportError, OutputError
from . import cyjs, dot, gexf, graphml, html, jsonld
from .views import build_view

Writer = Callable[[nx.Graph, Path, Graph, str, str], None]

FORMATS: dict[str, Writer] = {
    "graphml": lambda nxg, path, g, view, lang: graphml.write(nxg, path),
    "gexf": lambda nxg, path, g, view, lang: gexf.write(nxg, path),
    "cyjs": lambda nxg, path, g, view, lang: cyjs.write(nxg, path),
    "jsonld": lambda nxg, path, g, view, lang: jsonld.write(nxg, path, g, view),
    "dot": lambda nxg, path, g, view, lang: dot.write(nxg, path),
    "svg": lambda nxg, path, g, view, lang: dot.render(nxg, path, "svg"),
    "png": lambda nxg, path, g, view, lang: dot.render(nxg, path, "png"),
    "html": lambda nxg, path, g, view, lang: html.write(nxg, path, g, f"gbakg · {view}", lang),
}


def export(graph: Graph, fmt: str, out: Path, view: str = "full", lang: str = "zh-Hans") -> nx.Graph:
    """Write one view of the graph in one format; the file is written to a temporary name and renamed.

    Returns:
        The exported view, for counts.

    Raises:
        ExportError: unknown format, view or language, or a renderer that fails.
        OutputError: the file cannot be written.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format '{fmt}'", hint=f"use one of {', '.join(FORMATS)}")
    nxg = build_view(graph, view, lang)
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        FORMATS[fmt](nxg, tmp, graph, view, lang)
        tmp.replace(out)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {out}: {e.strerror}", hint="choose a writable --out path") from e
    finally:
        tmp.unlink(missing_ok=True)
    return nxg
