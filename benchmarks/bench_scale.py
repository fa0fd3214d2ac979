"""Benchmark the pipeline at 1x, 10x and 100x the corpus: time and peak memory of every stage, and p50 of
every library query on rdflib's in-memory store and on Oxigraph's, side by side.

Each scale runs in its own process so that its peak memory is its own. Synthetic corpora are written by
benchmarks/synth.py (seeded) into --work. Reproduce the README's table with:

    .venv/bin/python benchmarks/bench_scale.py --scales 1 10 100

Each scale runs the library's ``build()`` (validation and the written files included, ``--jobs``
processes), then loads the written graph.ttl into Oxigraph (and, up to ``--rdflib-queries-up-to``,
into rdflib) and times every library query. Peak memory is the largest of the build's processes, for
the whole build and for each stage (this process's peak during the stage, or that of a forked process
the stage waited for, whichever is larger).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


INITIATIVES = """PREFIX gba: <https://w3id.org/gbakg/ontology#>
SELECT ?name (COUNT(?o) AS ?figures) WHERE { ?m gba:initiative ?name ; gba:outcome ?o }
GROUP BY ?name ORDER BY DESC(?figures) STR(?name) LIMIT 1"""


def example_params(store, examples: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """The library's example parameters, but for initiative-timeline the initiative the graph reports the
    most figures for where the example's (港车北上, a real initiative) gives no rows, as in a synthetic
    corpus: a query timed on no rows would tell nothing."""
    from gbakg.query import bind_params, library, run_store

    out = {k: dict(v) for k, v in examples.items()}
    nq = library()["initiative-timeline"]
    if not run_store(store, nq.text, bind_params(nq, out.get(nq.name, {})), nq.name).rows:
        top = next(iter(store.query(INITIATIVES)), None)
        if top is not None:
            out[nq.name] = {"initiative": top["name"].value}
    return out


def run_one(corpus: Path, repeat: int, jobs: int, rdflib_queries: bool, engine: str) -> dict:
    from gbakg.pipeline import build
    from gbakg.query import PARAMS_EXAMPLE, bind_params, library, open_store, run_local, run_store
    from gbakg.validate import load_graph_file

    with tempfile.TemporaryDirectory() as out:
        result = build(corpus, Path(out), jobs=jobs, engine=engine)
        timings: dict[str, float] = dict(result.timings)
        t = time.perf_counter()
        store = open_store(Path(out, "graph.ttl"))
        timings["oxigraph load"] = time.perf_counter() - t
        graph = None
        if rdflib_queries:
            t = time.perf_counter()
            graph = load_graph_file(Path(out, "graph.ttl"))
            timings["rdflib load"] = time.perf_counter() - t
    queries: dict[str, dict[str, float]] = {}
    examples = example_params(store, PARAMS_EXAMPLE)
    for name, nq in library().items():
        bindings = bind_params(nq, examples.get(name, {}))
        ox_times, rdf_times = [], []
        rows = 0
        for _ in range(repeat):
            s = time.perf_counter()
            rows = len(run_store(store, nq.text, bindings, name).rows)
            ox_times.append((time.perf_counter() - s) * 1000)
        if graph is not None:
            for _ in range(max(1, repeat // 4)):
                s = time.perf_counter()
                run_local(graph, nq.text, bindings, name)
                rdf_times.append((time.perf_counter() - s) * 1000)
        queries[name] = {
            "params": examples.get(name, {}),
            "oxigraph_p50_ms": round(statistics.median(ox_times), 2),
            "rdflib_p50_ms": round(statistics.median(rdf_times), 1) if rdf_times else float("nan"),
            "rows": rows,
        }
    return {
        "corpus": str(corpus),
        "cases": result.counts["cases"],
        "triples": result.counts["triples"],
        "jobs": jobs,
        "validator": result.engine,
        "timings_s": {k: round(v, 2) for k, v in timings.items()},
        "build_s": round(result.wall_s, 2),
        "peak_memory_mb": round(result.peak_memory_mb, 1),
        "peak_memory_by_stage_mb": {k: round(v) for k, v in result.memory_mb.items()},
        "queries": queries,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "gbakg-bench"))
    ap.add_argument("--repeat", type=int, default=8)
    ap.add_argument("--results", default=str(HERE / "results" / "scale.json"), help="where to write the details")
    ap.add_argument("--jobs", type=int, default=2, choices=(1, 2), help="processes for the build (default 2)")
    ap.add_argument(
        "--engine", default="auto", choices=("auto", "pyshacl", "oxigraph"), help="validator (default auto)"
    )
    ap.add_argument("--rdflib-queries-up-to", type=int, default=10, help="largest scale to time rdflib's engine at")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--rdflib", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(Path(args.one), args.repeat, args.jobs, args.rdflib, args.engine)))
        return 0
    from synth import is_current, write_corpus

    results = []
    for scale in args.scales:
        corpus = Path(args.work) / f"x{scale}"
        if not is_current(corpus, scale):  # missing, or written by another version of synth.py
            write_corpus(corpus, scale)
        cmd = [
            sys.executable,
            __file__,
            "--one",
            str(corpus),
            "--repeat",
            str(args.repeat),
            "--jobs",
            str(args.jobs),
            "--engine",
            args.engine,
        ]
        if scale <= args.rdflib_queries_up_to:
            cmd.append("--rdflib")
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        result = json.loads(done.stdout.splitlines()[-1])
        result["scale"] = scale
        results.append(result)
        print(
            f"{scale:>4}x  cases {result['cases']:>6}  triples {result['triples']:>9}  build {result['build_s']:>8}s  "
            f"peak {result['peak_memory_mb']:>7} MB  {result['validator']}  {result['timings_s']}\n"
            f"      peak memory by stage (MB): {result['peak_memory_by_stage_mb']}",
            flush=True,
        )
    slowest = {r["scale"]: max(q["oxigraph_p50_ms"] for q in r["queries"].values()) for r in results}
    print("slowest library query p50 on Oxigraph (ms):", slowest)
    for r in results:
        over = {n: (q["oxigraph_p50_ms"], q["rows"]) for n, q in r["queries"].items() if q["oxigraph_p50_ms"] > 200}
        print(f"{r['scale']:>4}x  queries over 200 ms (p50 ms, rows): {over or 'none'}")
    target = Path(args.results)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"details in {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
