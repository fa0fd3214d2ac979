"""The synthetic corpus the scale benchmark builds: the reader takes it as it takes the real one, and a
corpus written by another version of the generator is written again, not measured."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from gbakg.link import PlanLinker
from gbakg.models import Severity
from gbakg.read import read_corpus

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
synth = importlib.import_module("synth")  # benchmarks/synth.py


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth.write_corpus(tmp_path_factory.mktemp("x1"), 1)


def test_the_reader_reads_every_document_of_a_synthetic_corpus(written, vocab):
    corpus = read_corpus(written, vocab)
    kinds = sorted(d.document.meta.kind or "" for d in corpus.documents)
    assert kinds == ["case-batch"] * 3 + ["news", "work-plan"]
    for d in corpus.documents:
        assert not [f for f in d.findings if f.severity is Severity.VIOLATION], d.document.path
        if d.document.meta.kind == "case-batch":
            assert len(d.cases) == d.document.meta.cases  # as many as the manifest announces
    assert not corpus.findings


def test_a_synthetic_plan_has_whole_zone_items_and_items_placed_in_zones(written, vocab):
    items = [i for d in read_corpus(written, vocab).documents for i in d.plan_items]
    linker = PlanLinker([], vocab)
    whole = [i.number for i in items if linker.whole_zone(i.normalised)]
    assert 1 <= len(whole) <= 3 and len(items) > 40


def test_the_same_scale_and_seed_write_the_same_corpus(written, tmp_path):
    again = synth.write_corpus(tmp_path / "again", 1)
    for path in sorted(written.iterdir()):
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


def test_a_corpus_from_another_generator_is_not_current_and_is_rewritten(tmp_path):
    out = synth.write_corpus(tmp_path / "x1", 1)
    assert synth.is_current(out, 1) and not synth.is_current(out, 2) and not synth.is_current(out, 1, seed=2)
    (out / synth.STAMP).write_text("scale=1 seed=1 generator=older\n", encoding="utf-8")
    (out / "batch_0099.txt").write_text("left by an older generator", encoding="utf-8")
    assert not synth.is_current(out, 1)
    synth.write_corpus(out, 1)
    assert synth.is_current(out, 1) and not (out / "batch_0099.txt").exists()


def test_synthetic_cases_share_named_initiatives_with_figures(written, vocab):
    from collections import Counter

    from gbakg.pipeline import extract_corpus

    facts = [f for fs, _ in extract_corpus(read_corpus(written, vocab), vocab) for f in fs]
    named = Counter(i.text for f in facts if f.outcomes for i in f.initiatives)
    assert named and named.most_common(1)[0][1] >= 2  # a timeline has more than one measure


def test_the_scale_benchmark_times_initiative_timeline_on_an_initiative_the_graph_has(written, tmp_path):
    from gbakg.pipeline import build
    from gbakg.query import PARAMS_EXAMPLE, bind_params, library, open_store, run_store

    bench = importlib.import_module("bench_scale")
    build(written, tmp_path / "out")
    store = open_store(tmp_path / "out" / "graph.ttl")
    params = bench.example_params(store, PARAMS_EXAMPLE)
    assert params["initiative-timeline"] != PARAMS_EXAMPLE["initiative-timeline"]  # 港车北上 is not synthetic
    nq = library()["initiative-timeline"]
    assert run_store(store, nq.text, bind_params(nq, params["initiative-timeline"])).rows
