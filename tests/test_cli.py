"""The command line: help with examples for every command, exit codes, and clean error messages."""

from __future__ import annotations

import json

import pytest

from gbakg.cli import main, parser

COMMANDS = ["read", "build", "validate", "query", "curate", "analyze", "export", "push", "serve"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_an_example(command, capsys):
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "example" in out and f"gbakg {command}" in out


def test_every_command_is_registered():
    sub = next(a for a in parser()._actions if a.dest == "command")
    assert sorted(sub.choices) == sorted(COMMANDS)


def test_read_table_and_jsonl(corpus_dir, capsys):
    assert main(["read", "--corpus", str(corpus_dir)]) == 0
    out = capsys.readouterr().out
    assert "case b3-07" in out and "unit [" in out and "item 57" in out
    main(["read", "--corpus", str(corpus_dir), "--format", "jsonl"])
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert sum(1 for x in lines if x["type"] == "Case") == 52


def test_missing_corpus_exits_2(tmp_path, capsys):
    assert main(["build", "--corpus", str(tmp_path / "none"), "--out", str(tmp_path / "o"), "-q"]) == 2
    assert capsys.readouterr().err == (
        f"gbakg: error: {tmp_path / 'none'}: the corpus folder does not exist "
        "(pass --corpus DIR pointing at a folder of documents)\n"
    )


def test_validate_command(build_result, tmp_path, capsys):
    code = main(
        ["validate", str(build_result.files["graph.ttl"]), "--format", "html", "--out", str(tmp_path / "r.html")]
    )
    assert code == build_result.exit_code
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_validate_gives_the_same_report_in_one_process_or_two(build_result, tmp_path, capsys):
    graph = str(build_result.files["graph.ttl"])
    for jobs in ("1", "2"):
        main(["validate", graph, "--jobs", jobs, "--format", "ttl", "--out", str(tmp_path / f"r{jobs}.ttl")])
    assert (tmp_path / "r1.ttl").read_bytes() == (tmp_path / "r2.ttl").read_bytes()
    assert b"sh:ValidationReport" in (tmp_path / "r1.ttl").read_bytes()


def test_validate_gives_the_same_report_with_either_engine(build_result, tmp_path, capsys):
    graph = str(build_result.files["graph.ttl"])
    for engine in ("pyshacl", "oxigraph"):
        out = str(tmp_path / f"{engine}.ttl")
        assert main(["validate", graph, "--engine", engine, "--format", "ttl", "--out", out]) == build_result.exit_code
    assert (tmp_path / "pyshacl.ttl").read_bytes() == (tmp_path / "oxigraph.ttl").read_bytes()


@pytest.mark.parametrize("name", ["graph.ttl", "graph.trig"])
def test_validate_over_columns_gives_the_whole_stores_report(build_result, tmp_path, capsys, monkeypatch, name):
    """A graph file larger than one store's budget is validated over stores of what each check reads:
    the same report as one store of all of it (a dataset's graphs, in TriG, read as their union)."""
    from gbakg import pipeline

    graph = str(build_result.files[name])
    for budget in (10**9, 5_000):
        monkeypatch.setattr(pipeline, "STORE_BUDGET", budget)
        out = str(tmp_path / f"{budget}.ttl")
        assert (
            main(["validate", graph, "--engine", "oxigraph", "--format", "ttl", "--out", out]) == build_result.exit_code
        )
    assert (tmp_path / "5000.ttl").read_bytes() == (tmp_path / f"{10**9}.ttl").read_bytes()


def test_validate_a_broken_file_gives_its_line_over_columns(tmp_path, capsys):
    bad = tmp_path / "b.ttl"
    bad.write_text('@prefix a: <http://x/> .\na:b a:c "open\n', encoding="utf-8")
    assert main(["validate", str(bad), "--engine", "oxigraph"]) == 2
    assert f"{bad}:2:" in capsys.readouterr().err


def test_validate_missing_graph_exits_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "g.ttl")]) == 2
    assert "graph file not found" in capsys.readouterr().err


def test_query_command(build_result, capsys):
    g = str(build_result.files["graph.ttl"])
    assert main(["query", "cases", "--graph", g, "--param", "batch=2", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "case,batch,number,title" and len(lines) == 17
    assert main(["query", "--list"]) == 0
    assert "mutual-recognition" in capsys.readouterr().out
    assert main(["query", "cases", "--graph", g, "--param", "batch"]) == 2
    assert "--param needs key=value" in capsys.readouterr().err
    assert main(["query", "cases", "--graph", g, "--format", "csv"]) == 0
    every = capsys.readouterr().out.splitlines()
    assert main(["query", "cases", "--graph", g, "--format", "csv", "--limit", "3", "--offset", "10"]) == 0
    assert capsys.readouterr().out.splitlines() == every[:1] + every[11:14]
    with pytest.raises(SystemExit) as e:
        main(["query", "cases", "--graph", g, "--limit", "-1"])
    assert e.value.code == 2 and "expected 0 or more" in capsys.readouterr().err
