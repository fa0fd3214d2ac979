"""Work-plan items linked to the measures that carry them out: scores, evidence, curation, gaps."""

from __future__ import annotations

import pytest

from gbakg.errors import ReadError
from gbakg.link import (
    THRESHOLD,
    Curation,
    MeasureText,
    PlanLinker,
    PlanLinkFact,
    _common_strings,
    apply_curation,
    load_curation,
)
from gbakg.models import Field, PlanItem
from gbakg.namespaces import ID
from gbakg.pipeline import build_graph
from gbakg.report import plan_gaps, plan_gaps_markdown


def pairs(links):
    return {(lk.item, lk.measure) for lk in links}


def test_specific_links_are_found_with_evidence(built):
    links = {(lk.item, lk.measure): lk for lk in built.plan_links}
    assert (16, "b2-01") in links and "“等效先认”" in links[(16, "b2-01")].shared  # once, as the initiative
    assert "等效先认" not in links[(16, "b2-01")].shared
    assert (7, "b1-03") in links and "财政科研资金跨境" in links[(7, "b1-03")].shared
    assert (20, "b1-06") in links
    assert (37, "news-003_847e0af1-88d606eb") in links
    assert all(lk.shared for lk in built.plan_links)
    assert all(0 <= lk.score <= 1 for lk in built.plan_links)


def test_zone_items_are_carried_out_by_the_zones_measures(built):
    got = pairs(built.plan_links)
    assert {(55, "b2-16"), (55, "b3-16")} <= got
    assert {(57, "b1-20"), (57, "b2-15"), (57, "b3-15")} <= got


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("打造南沙粤港澳全面合作示范区。规划建设合作园。", "nansha"),
        ("加快深港科技创新合作区建设，发挥河套联合专责小组的作用。", "hetao"),
        ("共同打造前海深港现代服务业合作区；推动金融合作。", "qianhai"),
        ("推进横琴跨境信用互认，落实相关规定。", None),  # one action placed in the zone
        ("推进来澳职业资格互认，落实《南沙职业资格目录》。", None),  # the zone only in a title
        ("推进横琴合作区建设", "hengqin"),
        ("推进合作区建设，加强交流。", None),  # no zone named
    ],
)
def test_an_item_is_about_a_whole_zone_only_when_its_first_clause_names_one(vocab, text, zone):
    linker = PlanLinker([], vocab)
    assert linker.whole_zone(text) == (None if zone is None else str(ID[f"jurisdiction/{zone}"]))


def test_an_action_placed_in_a_zone_is_not_carried_out_by_every_measure_of_the_zone(vocab):
    hengqin = str(ID["jurisdiction/hengqin"])
    measures = [
        MeasureText(
            "m1", "横琴跨境信用报告互认", "横琴与澳门推进跨境信用报告互认，制定互认规则。", zones=frozenset({hengqin})
        ),
        MeasureText("m2", "横琴跨境车险通保", "横琴推出跨境车险通保服务。", zones=frozenset({hengqin})),
    ]

    def scores(text: str) -> dict[str, float]:
        item = PlanItem("plan", 1, "平台", Field(text, 0, len(text)), text)
        return {lk.measure: lk.score for lk in PlanLinker(measures, vocab, [item]).candidates([item], lower=0)}

    specific = scores("推进横琴跨境信用报告互认，落实互认规则。")
    assert specific["m2"] < THRESHOLD and specific["m2"] < specific["m1"]  # the zone alone links nothing
    whole = scores("加快横琴粤澳深度合作区建设，推动规则衔接。")
    assert min(whole.values()) >= THRESHOLD and set(whole) == {"m1", "m2"}


def test_an_item_about_one_facility_is_not_carried_out_at_another_of_its_kind(vocab):
    measures = [
        MeasureText("m1", "皇岗口岸实施一地两检", "深港推进皇岗口岸改造，实施更加便利的一地两检通关模式。"),
        MeasureText("m2", "青茂口岸合作查验", "粤澳新通道（青茂口岸）实施更加便利的合作查验通关模式。"),
        MeasureText("m3", "口岸通关便利", "推动实施更加便利的通关模式，旅客自助通关。"),
    ]
    text = "加快皇岗口岸改造，推动实施更加便利的通关模式。"
    item = PlanItem("plan", 1, "通关", Field(text, 0, len(text)), text)
    linker = PlanLinker(measures, vocab, [item])
    assert [linker.other_facility(item.normalised, k) for k in range(3)] == [False, True, False]
    scores = {lk.measure: lk.score for lk in linker.candidates([item], lower=0)}
    assert scores["m2"] < scores["m1"] and scores["m2"] < THRESHOLD
    # 粤澳新通道 is 青茂口岸's other name; an item that names no facility is not affected.
    text = "推动实施更加便利的通关模式。"
    other = PlanItem("plan", 2, "通关", Field(text, 0, len(text)), text)
    assert not any(linker.other_facility(other.normalised, k) for k in range(3))


def test_an_item_of_a_plan_with_hong_kong_is_carried_out_only_where_hong_kong_takes_part(vocab, make_corpus):
    from gbakg.link import plan_partners
    from gbakg.read import read_corpus

    hk, macao, hengqin = (str(ID[f"jurisdiction/{k}"]) for k in ("hong-kong", "macao", "hengqin"))
    measures = [  # made-up measures, one with Hong Kong, one with Macao only, in the same words
        MeasureText("m1", "跨境绿色债券发行", "广东在香港发行跨境绿色债券。", places=frozenset({hk})),
        MeasureText("m2", "跨境绿色债券发行", "广东在澳门发行跨境绿色债券。", places=frozenset({macao})),
        MeasureText(
            "m3", "横琴跨境服务", "横琴推出跨境绿色服务。", places=frozenset({macao}), zones=frozenset({hengqin})
        ),
    ]
    texts = ["支持广东在港发行跨境绿色债券。", "加快横琴粤澳深度合作区建设，推动规则衔接。"]
    items = [PlanItem("plan", n, "金融", Field(t, 0, len(t)), t) for n, t in enumerate(texts, start=1)]

    def linked(partners) -> set[tuple[int, str]]:
        found = PlanLinker(measures, vocab, items, partners).candidates(items, lower=0)
        return {(lk.item, lk.measure) for lk in found}

    assert {(1, "m1"), (1, "m2")} <= linked({})
    with_hk = linked({"plan": frozenset({hk})})
    assert (1, "m1") in with_hk and (1, "m2") not in with_hk
    assert (2, "m3") in with_hk  # an item about a whole zone is carried out by the zone's measures
    # The SARs a plan is with: its publishers' homes, or failing them its title's (in either script).
    entries = (
        '[[document]]\nfile = "p.txt"\nkind = "work-plan"\npublisher = ["广东省人民政府", "澳门特别行政区政府"]\n'
        '[[document]]\nfile = "q.txt"\nkind = "work-plan"\ntitle = "實施粵港合作重點工作"\n'
    )
    plan = "# 重點工作\n\n## 一、金融\n\n1. 支持發行綠色債券。\n"
    root = make_corpus({"p.txt": plan, "q.txt": plan}, manifest=entries)
    assert plan_partners(read_corpus(root, vocab), vocab) == {"p": frozenset({macao}), "q": frozenset({hk})}


def test_unrelated_pairs_are_not_linked(built):
    got = pairs(built.plan_links)
    assert (10, "b1-20") not in got  # rejected in curation/plan-links.csv
    assert not any(item == 9 for item, _ in got)  # 国家实验室: no case builds one


def test_curated_decisions_override_inference(built):
    links = {(lk.item, lk.measure): lk for lk in built.plan_links}
    assert links[(45, "news-003_847e0af1-6dfdc42b")].origin == "curated"


def test_curation_survives_rebuilds_and_overrides(tmp_path, corpus_dir):
    f = tmp_path / "c.csv"
    f.write_text("item,measure,decision,note\n16,b2-01,reject,test\n9,b1-16,accept,test\n", encoding="utf-8")
    again = build_graph(corpus_dir, curation_file=f)
    got = pairs(again.plan_links)
    assert (16, "b2-01") not in got and (9, "b1-16") in got


def test_apply_curation_keeps_threshold():
    inferred = [
        PlanLinkFact("plan", 1, "a", THRESHOLD + 0.01, "inferred", ("x",)),
        PlanLinkFact("plan", 1, "b", THRESHOLD - 0.01, "inferred", ("y",)),
    ]
    assert pairs(apply_curation(inferred, Curation({}))) == {(1, "a")}
    curation, ambiguous = Curation({("", 1, "b"): ("accept", "ok")}).for_plans(["plan"])
    kept = apply_curation(inferred, curation)
    assert {(lk.item, lk.measure, lk.origin) for lk in kept} == {(1, "a", "inferred"), (1, "b", "curated")}
    assert ambiguous == []


def test_a_curated_row_without_a_plan_is_ambiguous_among_several_plans():
    rows = Curation({("", 1, "b"): ("accept", ""), ("p2", 2, "c"): ("reject", "")})
    named, ambiguous = rows.for_plans(["p1", "p2"])
    assert named.decisions == {("p2", 2, "c"): ("reject", "")} and ambiguous == [(1, "b")]


def test_several_work_plans_keep_their_own_items_and_links(corpus_dir, tmp_path, built):
    """Item numbers restart in every plan: a second plan's item 16 is not the first plan's, and each
    plan's links hang from its own items (the first plan's link IRIs are unchanged)."""
    manifest = (corpus_dir / "manifest.toml").read_text(encoding="utf-8")
    for p in corpus_dir.iterdir():
        (tmp_path / p.name).write_bytes(p.read_bytes())
    plan = next(d.document for d in built.corpus.documents if d.plan_items)
    (tmp_path / ("zz-" + plan.path.name)).write_bytes(plan.path.read_bytes())
    manifest += f'\n[[document]]\nfile = "zz-{plan.path.name}"\nkind = "work-plan"\ntitle = "另一份工作计划"\nlanguage = "zh-Hant"\n'
    (tmp_path / "manifest.toml").write_text(manifest, encoding="utf-8")
    again = build_graph(tmp_path)
    plans = {lk.plan for lk in again.plan_links}
    assert len(plans) == 2
    first = {(lk.item, lk.measure) for lk in again.plan_links if lk.plan == plan.key}
    second = {(lk.item, lk.measure) for lk in again.plan_links if lk.plan != plan.key}
    assert first and first == second  # the same text links alike, each in its own plan
    # The curation file names no plan: with two plans its rows are reported, not applied to either.
    assert any(f.code == "curation-ambiguous" for f in again.findings)
    from rdflib import URIRef

    from gbakg.mapping import plan_link_iri
    from gbakg.namespaces import GBA

    g = again.graph
    links = set(g.subjects(GBA.score, None))
    assert len(links) == 2 * len(first)
    assert all(len(set(g.objects(lk, GBA.score))) == 1 for lk in links)  # no two links share an IRI
    assert {plan_link_iri(plan.key, i, m) for i, m in first} <= links
    assert set(built.graph.subjects(GBA.score, None)) >= {plan_link_iri(plan.key, i, m) for i, m in first}
    for lk in links:
        item = g.value(lk, GBA.planItem)
        assert isinstance(item, URIRef) and (None, None, item) in g
    # the gap report names each item's plan, and lists the plans with their titles
    gaps = plan_gaps(g)
    assert gaps.several and set(gaps.plans) == {plan.key, "zz-" + plan.key}
    assert [(i.plan, i.number) for i in gaps.items] == sorted((i.plan, i.number) for i in gaps.items)
    md = plan_gaps_markdown(gaps)
    assert "114 plan items in 2 plans" in md and "| plan | item | section | measures |" in md
    assert any(line.startswith(f"| zz-{plan.key} | 16 | ") for line in md.splitlines())
    assert (
        sum(
            line.startswith(f"| {key} | ") and line.endswith(" | 57 |")
            for key in gaps.plans
            for line in md.splitlines()
        )
        == 2
    )


def test_malformed_curation_is_located(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("item,measure,decision,note\n3,b1-01,maybe,\n", encoding="utf-8")
    with pytest.raises(ReadError) as e:
        load_curation(f)
    assert str(e.value) == f"{f}:2: decision must be accept or reject, not 'maybe'"


def test_common_strings_are_maximal():
    assert _common_strings("推动实施等效先认政策", "实行保险等效先认。") == {"等效先认"}


def test_gap_report(built):
    gaps = plan_gaps(built.graph)
    assert len(gaps.items) == 57 and not gaps.several and len(gaps.plans) == 1
    assert any(not i.measures for i in gaps.items)
    md = plan_gaps_markdown(built.graph)
    assert "## Items with no implementing measure" in md and "## Measures that carry out no item" in md
    # read from a store, a property at a time, the report is the same
    from gbakg.rdfio import StoreView
    from gbakg.serialize import load_store

    assert plan_gaps(StoreView(load_store(built.dataset))) == gaps


def test_the_cosines_of_the_sparse_product_are_the_scores_own(built):
    """Candidates are scored with the cosines the sparse product gives (one product for all items);
    each is the cosine the score works out itself, to the last bits of a float."""
    from gbakg.link import PlanLinker, plan_inputs
    from gbakg.vocab import load_vocabulary

    vocab = load_vocabulary()
    measures, items = plan_inputs(built.corpus, built.facts, vocab)
    linker = PlanLinker(measures, vocab, items)
    texts = [i.normalised for i in items]
    for text, (near, cosines) in zip(texts, linker.nearest(texts), strict=True):
        ks = sorted({*near, 0, len(measures) - 1})
        for k, lexical in zip(ks, cosines.of(ks), strict=True):
            iv, mv = linker._vector(text), linker.vectors[k]
            assert lexical == pytest.approx(sum(v * mv.get(g, 0.0) for g, v in iv.items()), abs=1e-12)
            assert linker.score(text, set(), None, k, lexical) == linker.score(text, set(), None, k)


@pytest.mark.parametrize("k", [1, 2, 3, 25])
def test_the_nearest_measures_are_the_first_of_all_ordered_by_cosine_then_measure(k):
    """An item's k nearest measures are the first k of every measure ordered by rounded cosine,
    highest first, ties to the earlier measure, however many tie at the k-th place."""
    import numpy as np

    from gbakg.link import MeasureText, PlanLinker
    from gbakg.vocab import load_vocabulary

    bodies = [
        "港澳青年创业就业",
        "粤港澳跨境数据",
        "港澳青年创业就业",
        "港澳青年创业就业",
        "跨境数据流动试点",
        "青年创业",
    ]
    measures = [MeasureText(f"m{i}", body[:2], body) for i, body in enumerate(bodies)]
    linker = PlanLinker(measures, load_vocabulary())
    texts = ["支持港澳青年创业", "推进跨境数据流动", "无关"]
    for near, cosines in linker.nearest(texts, k):
        every = list(range(len(measures)))
        values = cosines.of(every)
        ordered = sorted((i for i in every if values[i]), key=lambda i: (-float(np.round(values[i], 12)), i))
        assert near == ordered[:k]
