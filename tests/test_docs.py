"""Docs as contract: the README names every command and gives the two set-up commands; every query
of the library appears in the README."""

from __future__ import annotations

from pathlib import Path

from gbakg.query import library

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_gives_the_two_commands():
    assert "make build" in README and "make test" in README


def test_readme_names_every_command():
    for command in (
        "gbakg read",
        "gbakg build",
        "gbakg validate",
        "gbakg query",
        "gbakg curate",
        "gbakg analyze",
        "gbakg export",
        "gbakg push",
        "gbakg serve",
    ):
        assert command in README, command


def test_readme_lists_every_query():
    for name in library():
        assert f"`{name}`" in README, name


def test_the_committed_ontology_page_is_current(tmp_path):
    from gbakg.docs import main

    assert main(["--out", str(tmp_path)]) == 0
    committed = Path(__file__).resolve().parent.parent / "docs" / "ontology.html"
    assert (tmp_path / "ontology.html").read_text(encoding="utf-8") == committed.read_text(encoding="utf-8"), (
        "docs/ontology.html is stale: run make docs"
    )
    assert "oa:SpecificResource" in committed.read_text(encoding="utf-8")  # prefixed names, not bare IRIs
