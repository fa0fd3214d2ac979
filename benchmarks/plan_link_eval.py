"""Evaluate the work-plan linker against hand judgements and report precision, recall and F1 per threshold.

Run: ``.venv/bin/python benchmarks/plan_link_eval.py [--corpus DIR]``. The judgements are in
plan-link-judgements.csv beside this file; the chosen threshold is gbakg.link.THRESHOLD.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from gbakg.link import THRESHOLD, PlanLinker, plan_inputs, plan_partners
from gbakg.pipeline import build_graph
from gbakg.vocab import load_vocabulary

HERE = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default="../shared/corpus")
    args = ap.parse_args()
    vocab = load_vocabulary()
    built = build_graph(args.corpus, vocab)
    measures, items = plan_inputs(built.corpus, built.facts, vocab)
    linker = PlanLinker(measures, vocab, items, plan_partners(built.corpus, vocab))
    scores = {(c.item, c.measure): c.score for c in linker.candidates(items, lower=0.0)}
    with (HERE / "plan-link-judgements.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(line for line in fh if not line.startswith("#"))]
    judged = [((int(r["item"]), r["measure"]), r["judgement"] == "1") for r in rows]
    print(f"{len(judged)} judged pairs, {sum(j for _, j in judged)} true links; chosen threshold {THRESHOLD}")
    print("threshold  precision  recall  f1")
    for t in [x / 100 for x in range(20, 56, 2)]:
        tp = sum(1 for k, j in judged if j and scores.get(k, 0) >= t)
        fp = sum(1 for k, j in judged if not j and scores.get(k, 0) >= t)
        fn = sum(1 for k, j in judged if j and scores.get(k, 0) < t)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        print(f"{t:9.2f}  {p:9.2f}  {r:6.2f}  {f:4.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
