"""p50 and p95 time of every library query on a built graph (rdflib in memory, and Oxigraph's store).

Run: ``.venv/bin/python benchmarks/bench_queries.py [--graph out/graph.ttl] [--repeat 20]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pyoxigraph as ox

from gbakg.query import PARAMS_EXAMPLE, bind_params, library, run_local, with_values
from gbakg.validate import load_graph_file


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--graph", default="out/graph.ttl")
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    graph = load_graph_file(Path(args.graph))
    store = ox.Store()
    store.load(path=args.graph, format=ox.RdfFormat.TURTLE)
    print(f"{'query':<26} {'rdflib p50':>10} {'p95':>8} {'oxigraph p50':>13} {'p95':>8}  (ms, {args.repeat} runs)")
    for name, nq in library().items():
        bindings = bind_params(nq, PARAMS_EXAMPLE.get(name, {}))
        text = with_values(nq.text, bindings)
        run_local(graph, nq.text, bindings, name)  # warm the parser caches
        times, otimes = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            run_local(graph, nq.text, bindings, name)
            times.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            list(store.query(text))
            otimes.append((time.perf_counter() - t) * 1000)
        print(
            f"{name:<26} {statistics.median(times):10.1f} {pct(times, 0.95):8.1f} "
            f"{statistics.median(otimes):13.2f} {pct(otimes, 0.95):8.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
