"""The quality report and the work-plan gap report: what a document's text can put in them (labels,
quotes, findings) is escaped for Markdown tables and HTML; the Turtle report keeps every result."""

from __future__ import annotations

import html
import re

from rdflib import Graph
from rdflib.namespace import RDF, SH

from gbakg.models import Finding, Severity
from gbakg.report import ItemGap, PlanGaps, plan_gaps_html, plan_gaps_markdown, to_html, to_markdown, to_turtle
from gbakg.validate import ValidationReport, ValidationResult

HOSTILE = '<script>alert(1)</script> | 一栏\n两行 <img src=x onerror="x()">'


def result(**changes: object) -> ValidationResult:
    fields: dict = {
        "severity": Severity.WARNING,
        "shape": "https://w3id.org/gbakg/shapes#OutcomeShape",
        "shape_label": "Outcome",
        "focus": "https://w3id.org/gbakg/id/outcome/b1-01-01",
        "focus_label": "累计服务 30万人次",
        "path": "https://w3id.org/gbakg/ontology#asOf",
        "value": None,
        "message": "The figure has no as-of date.",
        "case": "b1-01",
        "quote": "30万人次",
        "batch": "第1批",
    }
    return ValidationResult(**(fields | changes))


def report(*results: ValidationResult, findings: tuple[Finding, ...] = ()) -> ValidationReport:
    return ValidationReport(conforms=True, results=results, findings=findings)


def table_rows(md: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith("| b1-01 ")]


def test_text_from_documents_stays_inside_its_markdown_table_cell():
    md = to_markdown(report(result(focus_label=HOSTILE, quote=HOSTILE)))
    (row,) = table_rows(md)
    cells = re.split(r"(?<!\\)\|", row)[1:-1]  # split at the pipes that are not escaped
    assert [c.strip() for c in cells][0::2] == ["b1-01", "The figure has no as-of date."]
    assert len(cells) == 4 and "\n" not in row
    assert "<script" not in md and "<img" not in md


def test_text_from_documents_is_escaped_in_html():
    finding = Finding("unknown-agency", HOSTILE, Severity.WARNING, "corpus/a.txt", 3)
    page = to_html(report(result(focus_label=HOSTILE, quote=HOSTILE), findings=(finding,)), extra=[("corpus", HOSTILE)])
    assert "<script" not in page and "<img" not in page
    assert html.escape(HOSTILE.split("\n")[0]) in page


def test_a_results_value_is_labelled_as_such():
    md = to_markdown(report(result(value="true")))
    assert "The figure has no as-of date. (value: true)" in md
    assert "(value:" not in to_markdown(report(result()))


def test_the_header_lists_what_it_is_given_once_and_counts_by_severity():
    md = to_markdown(report(result(), result(case="b1-02")), extra=[("corpus", "c"), ("documents", "5")])
    header = md.split("## Summary")[0]
    assert header.count("- documents: 5") == 1 and "- corpus: c" in header
    assert "| Warning | 2 |" in md and "| Violation | 0 |" in md


def test_the_turtle_report_holds_every_result():
    rep = report(result(), result(case="b1-02", focus="https://w3id.org/gbakg/id/outcome/b1-02-01"))
    g = Graph().parse(data=to_turtle(rep), format="turtle")
    assert len(set(g.subjects(RDF.type, SH.ValidationResult))) == 2
    assert set(g.objects(None, SH.resultSeverity)) == {SH.Warning}


def test_the_gap_report_escapes_item_and_measure_text():
    gaps = PlanGaps(
        items=[
            ItemGap("p", 1, "民生合作", HOSTILE, (("b1-01", HOSTILE, 0.5, "inferred"),)),
            ItemGap("p", 2, "科技", "无人落实", ()),
        ],
        unlinked_measures=[("b2-03", HOSTILE)],
        plans={"p": HOSTILE},
    )
    page = plan_gaps_html(gaps)
    assert "<script" not in page and "<img" not in page
    md = plan_gaps_markdown(gaps)
    assert "<script" not in md
    assert "2 plan items; 1 carried out by at least one measure; 1 with no implementing measure" in md
    assert "| 2 | 科技 | 无人落实 |" in md


def test_the_gap_report_names_the_plan_of_each_item_when_there_are_several():
    gaps = PlanGaps(
        items=[
            ItemGap("a", 1, "一", "甲事项", ()),
            ItemGap("b", 1, "一", "乙事项", (("b1-01", "案例", 0.5, "inferred"),)),
        ],
        unlinked_measures=[],
        plans={"a": "计划甲 <b>", "b": "计划乙"},
    )
    md = plan_gaps_markdown(gaps)
    assert "2 plan items in 2 plans" in md and "| a | 计划甲 &lt;b> | 1 |" in md
    assert "| a | 1 | 一 | 甲事项 |" in md and "| b | 1 | 乙事项 | b1-01 案例 (0.50, inferred) |" in md
    page = plan_gaps_html(gaps)
    assert "<th>plan</th><th>item</th>" in page and "计划甲 &lt;b&gt;" in page
