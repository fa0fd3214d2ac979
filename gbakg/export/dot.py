"""Graphviz DOT, and SVG or PNG pictures rendered from it by Graphviz (Debian package graphviz)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import networkx as nx

from ..errors import ExportError

COLOURS = {
    "Jurisdiction": "#f4a259",
    "Agency": "#5b8e7d",
    "NonGovernmentOrganisation": "#8cb369",
    "TypicalCase": "#4d6cfa",
    "Measure": "#7fa7d9",
    "ReportedMeasure": "#a3c4f3",
    "Instrument": "#bc4b51",
    "MutualRecognition": "#f4e285",
    "JointStandardSetting": "#f4e285",
    "RuleApplication": "#f4e285",
    "Convergence": "#f4e285",
    "SystemInterconnection": "#f4e285",
    "JointInspection": "#f4e285",
    "WorkPlanItem": "#c9a0dc",
    "Outcome": "#e0e0e0",
    "DatedEvent": "#e0e0e0",
}


def quote(text: object) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, newlines as \\n."""
    s = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "")
    return f'"{s}"'


def to_dot(nxg: nx.Graph, max_label: int = 34) -> str:
    lines = [
        "graph gbakg {",
        '  graph [overlap=false, splines=true, outputorder=edgesfirst, fontname="Noto Sans CJK SC"];',
        '  node [shape=box, style="rounded,filled", fontname="Noto Sans CJK SC", fontsize=10];',
        '  edge [fontname="Noto Sans CJK SC", fontsize=8, color="#888888"];',
    ]
    for n, d in sorted(nxg.nodes(data=True)):
        label = str(d.get("label", n))
        short = label if len(label) <= max_label else label[: max_label - 1] + "…"
        colour = COLOURS.get(str(d.get("kind", "")), "#ffffff")
        lines.append(f"  {quote(n)} [label={quote(short)}, tooltip={quote(label)}, fillcolor={quote(colour)}];")
    for u, v, d in sorted(nxg.edges(data=True), key=lambda e: (e[0], e[1])):
        weight = d.get("weight", 1)
        width = 1 + min(float(weight), 10) / 3 if isinstance(weight, int | float) else 1
        lines.append(f"  {quote(u)} -- {quote(v)} [label={quote(d.get('label', ''))}, penwidth={width:.1f}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write(nxg: nx.Graph, path: Path) -> None:
    path.write_text(to_dot(nxg), encoding="utf-8")


def render(nxg: nx.Graph, path: Path, fmt: str) -> None:
    """Render with Graphviz: ``dot`` for small graphs, ``sfdp`` for large ones.

    Raises:
        ExportError: Graphviz is not installed or fails.
    """
    engine = "dot" if nxg.number_of_nodes() <= 60 else "sfdp"
    exe = shutil.which(engine)
    if exe is None:
        raise ExportError(f"Graphviz `{engine}` is not installed", hint="install the Debian package graphviz")
    args = [exe, f"-T{fmt}", "-Gdpi=96"] if fmt == "png" else [exe, f"-T{fmt}"]
    if engine == "dot":
        args.append("-Grankdir=LR")
    done = subprocess.run(args, input=to_dot(nxg).encode("utf-8"), capture_output=True, timeout=300)
    if done.returncode != 0:
        raise ExportError(f"Graphviz failed: {done.stderr.decode('utf-8', 'replace').strip()[:300]}")
    path.write_bytes(done.stdout)
