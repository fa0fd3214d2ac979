"""Benchmark the build: time of each stage and peak memory, on a corpus folder.

Run with ``make bench`` (or ``python benchmarks/bench_build.py --corpus DIR [--repeat N]``). Figures go
in the README; tests never assert timings.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

from gbakg.pipeline import build


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default="../shared/corpus")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    runs: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as out:
            t = time.perf_counter()
            result = build(args.corpus, Path(out))
            runs.setdefault("total", []).append(time.perf_counter() - t)
            for stage, seconds in result.timings.items():
                runs.setdefault(stage, []).append(seconds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary = {k: round(statistics.median(v), 3) for k, v in runs.items()}
    print(json.dumps({"median_s": summary, "peak_memory_mb": round(peak, 1), "runs": args.repeat}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
