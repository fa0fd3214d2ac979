"""Benchmark the build: wall time of the whole build and of each stage, and peak memory, on a corpus.

Each configuration (one process or two; the validator chosen by ``auto``, which is pySHACL on the corpus,
or the shapes compiled into Oxigraph) is timed ``--repeat`` times, the configurations taking turns so
that the machine's drifts in speed fall on all of them alike, and the median kept: the
``build()`` call (what the library and the CLI run, from loading the shapes to the last file renamed)
and the whole ``gbakg build`` command (interpreter start, imports and exit included). Stage times are
measured in the process that runs the stage; with two processes, validation and the graph files run
side by side, so stages overlap and the wall time is less than their sum.

Run with ``make bench`` (or ``python benchmarks/bench_build.py --corpus DIR [--repeat N]``). Figures go
in the README; tests never assert timings.
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

from gbakg.pipeline import build


def _command(corpus: str, jobs: int, engine: str) -> float:
    exe = Path(sys.executable).with_name("gbakg")
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        subprocess.run(
            [str(exe), "build", "--corpus", corpus, "--out", out, "-q", "--jobs", str(jobs), "--engine", engine],
            check=False,
            stdout=subprocess.DEVNULL,
        )
        return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default="../shared/corpus")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--engines", nargs="+", default=["auto", "oxigraph"], help="validators to time")
    args = ap.parse_args()
    report: dict[str, object] = {"runs": args.repeat}
    configs = [(jobs, engine) for engine in args.engines for jobs in (1, 2)]
    runs: dict[tuple[int, str], dict[str, list[float]]] = {c: {} for c in configs}
    peaks: dict[tuple[int, str], list[float]] = {c: [] for c in configs}
    for _ in range(args.repeat):
        for jobs, engine in configs:
            with tempfile.TemporaryDirectory() as out:
                result = build(args.corpus, Path(out), jobs=jobs, engine=engine)
            times = runs[(jobs, engine)]
            times.setdefault("build() wall", []).append(result.wall_s)
            times.setdefault("gbakg build command", []).append(_command(args.corpus, jobs, engine))
            for stage, seconds in result.timings.items():
                times.setdefault(stage, []).append(seconds)
            peaks[(jobs, engine)].append(result.peak_memory_mb)
    for (jobs, engine), times in runs.items():
        report[f"jobs={jobs} engine={engine}"] = {
            "median_s": {k: round(statistics.median(v), 3) for k, v in times.items()},
            "min_s": {k: round(min(v), 3) for k, v in times.items()},
            "peak_memory_mb": round(max(peaks[(jobs, engine)]), 1),
        }
    report["peak_memory_mb_this_process"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
