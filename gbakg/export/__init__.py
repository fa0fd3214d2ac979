"""Exporters for visualisation: one module per format, and a registry whose keys feed ``--format``.

Input: the built RDF graph, a view name and a label language. Output: a file that opens cleanly in the
tool it is for (Gephi, Cytoscape, yEd, Graphviz, a JSON-LD processor, a browser).

The names (formats, label languages) are plain data here; the exporters, which need networkx, are
imported on first use of :data:`FORMATS`, :func:`export`, :data:`VIEWS` or :func:`build_view`, so the
command line lists its choices (and ``gbakg build`` starts) without importing them.
"""

from __future__ import annotations

import importlib
from typing import Any

FORMAT_NAMES = ("graphml", "gexf", "cyjs", "jsonld", "dot", "svg", "png", "html")
LANGS = ("zh-Hans", "zh-Hant", "en")

_LAZY = {"FORMATS": ".registry", "export": ".registry", "VIEWS": ".views", "build_view": ".views"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["FORMATS", "FORMAT_NAMES", "VIEWS", "LANGS", "export", "build_view"]
