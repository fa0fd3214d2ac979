"""Benchmark the build: wall time of the whole build and of each stage, and peak memory, on a corpus.

Each configuration (one process, two processes) is timed ``--repeat`` times and the median kept: the
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


def _command(corpus: str, jobs: int) -> float:
    exe = Path(sys.executable).with_name("gbakg")
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        subprocess.run(
            [str(exe), "build", "--corpus", corpus, "--out", out, "-q", "--jobs", str(jobs)],
            check=False,
            stdout=subprocess.DEVNULL,
        )
        return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default="../shared/corpus")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    report: dict[str, object] = {"runs": args.repeat}
    for jobs in (1, 2):
        runs: dict[str, list[float]] = {}
        peaks: list[float] = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as out:
                result = build(args.corpus, Path(out), jobs=jobs)
            runs.setdefault("build() wall", []).append(result.wall_s)
            runs.setdefault("gbakg build command", []).append(_command(args.corpus, jobs))
            for stage, seconds in result.timings.items():
                runs.setdefault(stage, []).append(seconds)
            peaks.append(result.peak_memory_mb)
        report[f"jobs={jobs}"] = {
            "median_s": {k: round(statistics.median(v), 3) for k, v in runs.items()},
            "min_s": {k: round(min(v), 3) for k, v in runs.items()},
            "peak_memory_mb": round(max(peaks), 1),
        }
    report["peak_memory_mb_this_process"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
