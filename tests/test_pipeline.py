"""The build: outputs, counts, report, exit codes and atomic writes."""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from pathlib import Path

import pytest

from gbakg.errors import OutputError
from gbakg.pipeline import OUTPUTS, write_atomically


def test_build_writes_every_output(build_result):
    assert sorted(build_result.files) == sorted(OUTPUTS)
    for path in build_result.files.values():
        assert path.stat().st_size > 0
    summary = json.loads(build_result.files["summary.json"].read_text(encoding="utf-8"))
    assert summary["counts"]["cases"] == 52
    assert summary["counts"]["plan items"] == 57
    # every stage's peak memory, in the stages' order; a stage's forked processes count in it
    from gbakg.pipeline import STAGES

    assert list(summary["peak_memory_by_stage_mb"]) == list(STAGES) == list(build_result.memory_mb)
    assert all(0 < mb <= build_result.peak_memory_mb + 1 for mb in build_result.memory_mb.values())


def test_counts(build_result, graph):
    from rdflib import RDF

    from gbakg.namespaces import GBA

    c = build_result.counts
    assert c["cases"] == 52 and c["documents"] == 5
    assert c["plan links"] == len(set(graph.subjects(RDF.type, GBA.PlanLink))) > 0
    assert c["alignment links"] >= c["mutual recognitions"]
    assert c["mutual recognitions"] >= 10 and c["outcomes"] > 200 and c["change events"] == 3


def test_report_findings_are_real(build_result):
    md = build_result.files["report.md"].read_text(encoding="utf-8")
    assert "table of contents and heading differ for case 9" in md
    header = [line for line in md.split("## Summary")[0].splitlines() if line.startswith("- ")]
    assert "- documents: 5" in header and len(header) == len(set(header))  # each count once
    html = build_result.files["report.html"].read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    # no report result comes from a broken reference: agencies, batches and evidence all conform
    shapes = {r.shape_label for r in build_result.report.results}
    assert not shapes & {"Agency", "Case batch", "Evidence", "Source span", "Typical case"} - {"Typical case"}


def test_exit_code_reflects_violations(build_result):
    assert build_result.exit_code == (1 if build_result.report.violations else 0)


def test_the_corpus_has_no_violation(build_result):
    # Every finding is a true gap of the sources (warnings); a violation would be an extraction error.
    assert build_result.report.violations == 0 and build_result.exit_code == 0


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    write_atomically(tmp_path, {"graph.ttl": "good\n"})

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OutputError) as e:
        write_atomically(tmp_path, {"graph.ttl": "half"})
    assert (
        str(e.value)
        == f"{tmp_path}: cannot write the outputs: No space left on device (choose a writable --out folder)"
    )
    assert (tmp_path / "graph.ttl").read_text() == "good\n"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]


def test_one_process_and_two_give_the_same_files(build_result, corpus_dir, tmp_path):
    from gbakg.pipeline import build

    single = build(corpus_dir, tmp_path, jobs=1)
    assert single.counts == build_result.counts
    for name in OUTPUTS:
        if name != "summary.json":
            assert (tmp_path / name).read_bytes() == build_result.files[name].read_bytes(), name
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["jobs"] == 1 and summary["wall_s"] > 0
    assert list(single.memory_mb) == list(build_result.memory_mb)


@pytest.mark.parametrize("budget", [10**9, 5_000])
def test_both_validators_give_the_same_files(build_result, corpus_dir, tmp_path, monkeypatch, budget):
    """pySHACL, and the compiled shapes over one store of everything or (with a store's budget under
    the graph's size) over stores of the columns each check reads, give the same files."""
    from gbakg import pipeline
    from gbakg.pipeline import build

    monkeypatch.setattr(pipeline, "STORE_BUDGET", budget)
    columns = pipeline.Columns.write
    written = []
    monkeypatch.setattr(pipeline.Columns, "write", lambda *a: written.append(1) or columns(*a))
    early = pipeline.early_columns
    routed: list[int] = []  # the documents' graphs routed to columns while the linker works
    monkeypatch.setattr(pipeline, "early_columns", lambda *a: routed.append(len((made := early(*a))[1])) or made)
    assert build_result.engine == "pyshacl"  # auto: the corpus is small enough for the reference
    stages: list[str] = []
    compiled = build(corpus_dir, tmp_path, engine="oxigraph", progress=lambda stage, *_: stages.append(stage))
    assert compiled.engine == "oxigraph"
    for name in OUTPUTS:
        if name != "summary.json":
            assert (tmp_path / name).read_bytes() == build_result.files[name].read_bytes(), name
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["validator"] == "oxigraph"
    assert not list(tmp_path.glob(".gbakg-runs-*"))  # the spilled statements are removed
    assert not list(tmp_path.glob(".gbakg-columns-*"))  # and the validator's columns
    assert bool(written) is (budget < 38_000)
    assert len(written) <= 1 and bool(routed[0]) is bool(written)  # the rest of the graphs are added after
    # over columns, each store is shown as it is made
    assert any(stage.startswith("validate (store 2 of ") for stage in stages) is bool(written)


def test_a_build_removes_what_a_killed_build_left_in_its_output_folder(corpus_dir, tmp_path, caplog):
    """A build killed mid-way (no clean-up runs) leaves its sealed graphs in a hidden folder; the next
    build into the same folder removes them and says so, and its own work files are gone at the end."""
    import subprocess
    import sys

    from gbakg.parallel import OWNER
    from gbakg.pipeline import build

    out = tmp_path / "out"
    left = out / ".gbakg-runs-killed"
    left.mkdir(parents=True)
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (left / OWNER).write_text(ended.stdout.strip(), encoding="ascii")
    (left / "batch_1.nt").write_text("<http://x/a> <http://x/b> <http://x/c> .\n", encoding="utf-8")
    with caplog.at_level("WARNING", logger="gbakg.pipeline"):
        build(corpus_dir, out, engine="oxigraph")
    assert not left.exists() and "a build that was stopped" in caplog.text
    assert not [p for p in out.iterdir() if p.name.startswith(".gbakg-")]


def test_shapes_that_read_named_graphs_are_checked_over_the_whole_dataset(corpus_dir, tmp_path, monkeypatch):
    """A SPARQL target over named graphs cannot be answered by stores of the union's columns: the
    build validates over one store of the whole dataset instead, and the target finds its nodes."""
    from gbakg import pipeline
    from gbakg.pipeline import build

    monkeypatch.setattr(pipeline, "STORE_BUDGET", 5_000)  # the corpus would be validated over columns

    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "s.ttl").write_text(
        """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix gba: <https://w3id.org/gbakg/ontology#> .
        @prefix ex: <http://example.org/> .
        ex:InGraph a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ;
            sh:select "SELECT ?this WHERE { GRAPH ?g { ?this a <https://w3id.org/gbakg/ontology#CaseBatch> } }" ] ;
            sh:property [ sh:path gba:batchNumber ; sh:maxCount 0 ] .
        ex:ByClass a sh:NodeShape ; sh:targetClass gba:CaseBatch ;
            sh:property [ sh:path gba:batchNumber ; sh:maxCount 0 ] .
        """,
        encoding="utf-8",
    )
    result = build(corpus_dir, tmp_path / "out", shapes_dir=shapes, engine="oxigraph")
    focus = {
        shape: {r.focus for r in result.report.results if r.shape == f"http://example.org/{shape}"}
        for shape in ("InGraph", "ByClass")
    }
    assert focus["InGraph"] == focus["ByClass"] and len(focus["ByClass"]) == 4  # the four batches


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_large_build_seals_each_document_graph_into_a_file(corpus_dir, tmp_path, built, jobs):
    """With Oxigraph as the validator, each document's graph is written to a run file once mapped and
    its terms dropped (in two processes, each mapping part of the documents); the dataset is the same."""
    from gbakg.pipeline import build_graph
    from gbakg.serialize import canonical_nquads

    spilled = build_graph(corpus_dir, engine="oxigraph", spill_dir=tmp_path, jobs=jobs)
    ds = spilled.dataset
    assert ds.spill is not None and ds.spill.parent == tmp_path
    assert not ds.graphs and set(ds.sealed) == set(built.dataset.names())
    assert all(r.lines is None and r.files() and all(f.is_file() for f in r.files()) for r in ds.sealed.values())
    # with two processes, each maps and seals half of the plan links: the graph's run joins two files
    from gbakg.mapping import PLAN_LINKS_GRAPH

    assert len(ds.sealed[PLAN_LINKS_GRAPH].files()) == jobs
    assert canonical_nquads(ds) == canonical_nquads(built.dataset)
    assert ds.union_size() == len(built.dataset.union())
    ds.close()
    assert not ds.spill.exists()


def test_auto_spills_once_the_graph_outgrows_pyshacl(corpus_dir, tmp_path, monkeypatch):
    from gbakg import pipeline

    monkeypatch.setattr(pipeline, "PYSHACL_MAX_TRIPLES", 20_000)  # the corpus is about twice that
    auto = pipeline.build_graph(corpus_dir, engine="auto", spill_dir=tmp_path)
    assert auto.engine == "oxigraph" and not auto.dataset.graphs and auto.dataset.spill is not None


def test_auto_chooses_the_validator_by_size():
    from gbakg.pipeline import PYSHACL_MAX_TRIPLES, choose_engine

    assert choose_engine("auto", PYSHACL_MAX_TRIPLES) == "pyshacl"
    assert choose_engine("auto", PYSHACL_MAX_TRIPLES + 1) == "oxigraph"
    assert choose_engine("pyshacl", 10**9) == "pyshacl"


def test_outputs_are_ordinary_readable_files(build_result):
    umask = os.umask(0)
    os.umask(umask)
    for path in build_result.files.values():
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_failure_while_writing_the_graph_files_keeps_the_old_outputs(corpus_dir, tmp_path, monkeypatch):
    import gbakg.pipeline as pipeline

    write_atomically(tmp_path, {"graph.ttl": "good\n"})

    def broken(data, out, *args, **kwargs):
        out.write("half a graph")  # the disk fills up in the middle of a file
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipeline, "write_trig", broken)  # TriG, written a graph at a time by two processes
    with pytest.raises(OutputError, match="No space left"):
        pipeline.build(corpus_dir, tmp_path, jobs=2)
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]
    assert (tmp_path / "graph.ttl").read_text() == "good\n"


def test_counts_of_named_graphs_and_of_their_union_agree(built):
    from gbakg.pipeline import count

    assert count(built.dataset) == count(built.graph)


def test_a_graph_writer_killed_mid_write_leaves_no_temporary_files(corpus_dir, tmp_path, monkeypatch):
    import gbakg.pipeline as pipeline

    write_atomically(tmp_path, {"graph.ttl": "good\n"})
    parent = os.getpid()
    real_stage = pipeline.stage_together

    def dying_stage(out_dir, names, fn):
        if os.getpid() != parent:  # the forked writer: start a file, then die without an answer
            (out_dir / ".graph.ttl.partial").write_text("half", encoding="utf-8")
            os._exit(9)
        return real_stage(out_dir, names, fn)

    monkeypatch.setattr(pipeline, "stage_together", dying_stage)
    with pytest.raises(OutputError) as e:
        pipeline.build(corpus_dir, tmp_path, jobs=2)
    assert str(e.value) == (
        "a background process of the build stopped: the background process ended without an answer "
        "(run again, or with --jobs 1)"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]
    assert (tmp_path / "graph.ttl").read_text() == "good\n"


def test_counts_are_the_same_from_the_named_graphs_or_a_store(built):
    from gbakg.pipeline import count
    from gbakg.serialize import load_store

    assert count(load_store(built.dataset)) == count(built.dataset)
    # over a store of only what counting reads (the writer counts the statements)
    from gbakg.columns import Columns
    from gbakg.pipeline import COUNT_READS, count_view
    from gbakg.rdfio import StoreView
    from gbakg.serialize import graph_statements

    with tempfile.TemporaryDirectory() as folder:
        columns = Columns.write(graph_statements(built.dataset).values(), Path(folder))
        view = StoreView(columns.store(columns.keys(COUNT_READS)), COUNT_READS)
        assert count_view(view) == count(built.dataset) | {"triples": 0}
    assert count(built.dataset)["triples"] == len(built.dataset.union())
    from gbakg.serialize import union_statements  # what a build passes instead of counting in the store

    assert len(union_statements(built.dataset)) == len(built.dataset.union())


def test_extraction_shared_between_two_processes_gives_the_same_facts(built, vocab):
    from gbakg.pipeline import extract_corpus

    one = extract_corpus(built.corpus, vocab, jobs=1)
    assert extract_corpus(built.corpus, vocab, jobs=2) == one
    assert [f for facts, _ in one for f in facts] == built.facts


def test_the_plan_links_are_routed_to_the_validators_columns_where_they_are_mapped(corpus_dir, tmp_path, monkeypatch):
    """Where validation will read columns, each document's graph goes to them as it is sealed (in
    the process that mapped it), and each of the two processes mapping half the plan links routes its
    half; the columns are those of every graph routed at once."""
    from gbakg import pipeline
    from gbakg.mapping import PLAN_LINKS_GRAPH
    from gbakg.serialize import graph_statements

    monkeypatch.setattr(pipeline, "STORE_BUDGET", 5_000)
    built = pipeline.build_graph(corpus_dir, engine="oxigraph", spill_dir=tmp_path, jobs=2)
    columns = built.columns
    assert columns is not None and PLAN_LINKS_GRAPH in built.routed
    assert set(built.routed) == set(built.dataset.names())
    # the documents' graphs opened once the columns were made went to them as they were sealed
    assert len(built.dataset.routed) >= len(built.dataset.names()) - 3 > 0
    at_once = pipeline.Columns.write(list(graph_statements(built.dataset).values()), tmp_path / "at-once")
    assert columns.sizes == at_once.sizes
    for key, path in at_once.files.items():
        assert sorted(columns.files[key].read_bytes().splitlines()) == sorted(path.read_bytes().splitlines())
    beside = [p.name for p in columns.directory.parent.iterdir() if p.name.startswith(columns.directory.name)]
    assert beside == [columns.directory.name]  # the other processes' folders are gone


@pytest.mark.parametrize("front", [0, 1, 2, 10**6])
def test_trig_written_from_both_ends_joins_into_the_trig_of_the_whole(built, tmp_path, front):
    """The writer takes graphs from the front and this process from the back until they meet; the
    parts join into the TriG of the whole, however the graphs were shared (the @prefix lines open
    it where the front took none)."""
    from gbakg.parallel import Claims
    from gbakg.pipeline import _append_pieces, _trig_from_back, stage
    from gbakg.serialize import serialize, write_trig

    ds = built.dataset
    names = ds.names()
    claims = Claims(len(names))
    taken = claims.front()
    firsts = [names[i] for i in itertools.islice(taken, front)]
    staged = stage(tmp_path, {"graph.trig": lambda fh: write_trig(ds, fh, firsts)})
    part, pieces = _trig_from_back(ds, tmp_path, claims)
    assert len(firsts) + len(pieces) <= len(names) and not list(taken)  # every graph claimed once
    _append_pieces(staged, part, pieces)
    assert not part.exists()
    assert Path(staged[0][0]).read_text(encoding="utf-8") == serialize(ds, "trig")


def test_claims_hand_out_each_index_once_from_either_end():
    from gbakg.parallel import Claims

    claims = Claims(5)
    front, back = claims.front(), claims.back()
    assert [next(front), next(back), next(back), next(front), next(back)] == [0, 4, 3, 1, 2]
    assert list(front) == [] and list(back) == []
    assert list(Claims(0).front()) == []
