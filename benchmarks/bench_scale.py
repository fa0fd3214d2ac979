"""Benchmark the pipeline at 1x, 10x and 100x the corpus: time and peak memory of every stage, and p50 of
every library query on rdflib's in-memory store and on Oxigraph's, side by side.

Each scale runs in its own process so that its peak memory is its own. Synthetic corpora are written by
benchmarks/synth.py (seeded) into --work. Reproduce the README's table with:

    .venv/bin/python benchmarks/bench_scale.py --scales 1 10 100

``--max-validate-triples`` skips pySHACL above a size (it is reported as skipped, never hidden).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def run_one(corpus: Path, repeat: int, max_validate: int, rdflib_queries: bool) -> dict:
    from gbakg.pipeline import build_graph, count
    from gbakg.query import PARAMS_EXAMPLE, bind_params, library, run_local, run_store, store_from_graph
    from gbakg.serialize import serialize
    from gbakg.validate import load_shapes, validate

    timings: dict[str, float] = {}
    built = build_graph(corpus)
    timings.update(built.timings)
    triples = len(built.graph)
    if triples <= max_validate:
        t = time.perf_counter()
        validate(built.graph, load_shapes(), built.findings)
        timings["validate"] = time.perf_counter() - t
    else:
        timings["validate"] = float("nan")
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        Path(out, "graph.trig").write_text(serialize(built.dataset, "trig"), encoding="utf-8")
        Path(out, "graph.ttl").write_text(serialize(built.graph, "turtle"), encoding="utf-8")
        Path(out, "graph.jsonld").write_text(serialize(built.graph, "jsonld"), encoding="utf-8")
    timings["serialise"] = time.perf_counter() - t
    t = time.perf_counter()
    store = store_from_graph(built.graph)
    timings["oxigraph load"] = time.perf_counter() - t
    queries: dict[str, dict[str, float]] = {}
    for name, nq in library().items():
        bindings = bind_params(nq, PARAMS_EXAMPLE.get(name, {}))
        ox_times, rdf_times = [], []
        for _ in range(repeat):
            s = time.perf_counter()
            run_store(store, nq.text, bindings, name)
            ox_times.append((time.perf_counter() - s) * 1000)
        if rdflib_queries:
            for _ in range(max(1, repeat // 4)):
                s = time.perf_counter()
                run_local(built.graph, nq.text, bindings, name)
                rdf_times.append((time.perf_counter() - s) * 1000)
        queries[name] = {
            "oxigraph_p50_ms": round(statistics.median(ox_times), 2),
            "rdflib_p50_ms": round(statistics.median(rdf_times), 1) if rdf_times else float("nan"),
        }
    counts = count(built.graph)
    return {
        "corpus": str(corpus),
        "cases": counts["cases"],
        "triples": triples,
        "timings_s": {k: round(v, 2) for k, v in timings.items()},
        "build_s": round(sum(v for k, v in timings.items() if k != "oxigraph load" and v == v), 2),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "queries": queries,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "gbakg-bench"))
    ap.add_argument("--repeat", type=int, default=8)
    ap.add_argument("--max-validate-triples", type=int, default=10_000_000)
    ap.add_argument("--rdflib-queries-up-to", type=int, default=10, help="largest scale to time rdflib's engine at")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--rdflib", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(Path(args.one), args.repeat, args.max_validate_triples, args.rdflib)))
        return 0
    from synth import write_corpus

    results = []
    for scale in args.scales:
        corpus = Path(args.work) / f"x{scale}"
        if not (corpus / "manifest.toml").exists():
            write_corpus(corpus, scale)
        cmd = [
            sys.executable,
            __file__,
            "--one",
            str(corpus),
            "--repeat",
            str(args.repeat),
            "--max-validate-triples",
            str(args.max_validate_triples),
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
            f"peak {result['peak_memory_mb']:>7} MB  {result['timings_s']}",
            flush=True,
        )
    slowest = {r["scale"]: max(q["oxigraph_p50_ms"] for q in r["queries"].values()) for r in results}
    print("slowest library query p50 on Oxigraph (ms):", slowest)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "scale.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"details in {out / 'scale.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
