"""Specific true facts extracted from the corpus, and the extraction rules on small texts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gbakg.extract import Extractor, mint_agency
from gbakg.layout import join_lines, split_lines
from gbakg.namespaces import GBA, ID


def J(name: str) -> str:
    return str(ID[f"jurisdiction/{name}"])


def A(name: str) -> str:
    return str(ID[f"agency/{name}"])


@pytest.fixture(scope="module")
def facts(built):
    return {f.key: f for f in built.facts}


def loc(text: str):
    return join_lines(text, split_lines(text))


def test_submitting_agencies_resolved_in_order(facts):
    subs = [a for a in facts["b2-01"].agencies if a.position is not None]
    assert [(a.position, a.key) for a in subs] == [(1, A("guangdong-public-security")), (2, A("nfra-guangdong"))]
    assert [a.key for a in facts["b1-07"].agencies if a.position] == [
        A("guangdong-hkmao"),
        A("gongbei-customs"),
        A("zhuhai-border-inspection"),
    ]


def test_short_and_full_titles_are_one_agency(facts):
    short = next(a for a in facts["b1-18"].agencies if a.position == 1)
    full = next(a for a in facts["b3-12"].agencies if a.position == 1)
    assert short.evidence.text == "横琴粤澳深度合作区执委会"
    assert full.evidence.text == "横琴粤澳深度合作区执行委员会"
    assert short.key == full.key == A("hengqin-executive-committee")


def test_renamed_agencies_stay_distinct(facts):
    assert next(a.key for a in facts["b1-11"].agencies if a.position == 1) == A("pboc-guangzhou")
    assert next(a.key for a in facts["b3-07"].agencies if a.position == 1) == A("pboc-guangdong")
    assert next(a.key for a in facts["b1-12"].agencies if a.position == 1) == A("cbirc-guangdong")


def test_jurisdictions_with_compact_forms_and_zones(facts):
    assert {m.key for m in facts["b3-10"].jurisdictions} == {J("shenzhen"), J("hong-kong")}
    b1_18 = {m.key for m in facts["b1-18"].jurisdictions}
    assert {J("hengqin"), J("macao")} <= b1_18
    assert J("hong-kong") in {m.key for m in facts["b2-01"].jurisdictions}


def test_false_friends_do_not_count(vocab):
    ex = Extractor(vocab)
    found = {
        j
        for j, _ in ex.jurisdiction_hits(
            loc("南沙港和东莞港的港口与澳大利亚开展合作，省港澳办牵头，粤港澳大湾区建设。")
        )
    }
    assert J("hong-kong") not in found and J("macao") not in found
    assert {j for j, _ in ex.jurisdiction_hits(loc("推动琴澳、深港、穗港澳合作"))} == {
        J("hengqin"),
        J("macao"),
        J("shenzhen"),
        J("hong-kong"),
        J("guangzhou"),
    }


def test_mutual_recognition_link_with_parties_and_subject(facts):
    links = [lk for lk in facts["b3-03"].links if lk.link_class.endswith("MutualRecognition")]
    assert len(links) == 1
    assert set(links[0].parties) == {J("guangdong"), J("hong-kong")}
    assert links[0].subject == "产品碳标签"
    assert links[0].evidence.text == "粤港产品碳标签实现互认"


def test_the_thing_recognised_is_the_object_of_the_recognition(facts):
    def recognised(case: str) -> str | None:
        return next(lk.subject for lk in facts[case].links if lk.link_class.endswith("MutualRecognition"))

    assert recognised("b3-09") == "境外职业资格证书"  # 认可146项境外职业资格证书: the pattern's thing group
    assert recognised("b2-12") == "医疗人员资格"  # …提供与其澳门医疗人员资格认可证书相符: after the last verb


def test_a_clause_is_not_a_thing(vocab):
    from gbakg.extract import _subject

    # Made-up sentences: the words before the cue name the thing, or form a clause (…即可, …就可以).
    text = "推动两地检测报告互认。居民不出城即可办理互认。"
    assert _subject(text, 0, text.index("互认"), vocab) == "检测报告"
    second = text.index("居民")
    assert _subject(text, second, text.index("互认", second), vocab) == ""


def test_a_one_way_recognition_with_both_sides_known_has_them_as_parties(facts):
    # …港澳医疗专业技术人员… context, then 澳门医疗人员 practise in 合作区: Hengqin recognises Macao.
    link = next(lk for lk in facts["b2-12"].links if lk.link_class.endswith("MutualRecognition"))
    assert (link.recognizer, link.recognized) == (J("hengqin"), J("macao"))
    assert set(link.parties) == {J("hengqin"), J("macao")}


def test_one_way_recognition_has_a_recognizer(facts):
    link = next(lk for lk in facts["b2-01"].links if lk.link_class.endswith("MutualRecognition"))
    assert link.recognizer == J("guangdong")
    # 港澳车辆跨境车险“等效先认”: both SARs' insurance is recognised, so no one recognised side is named.
    assert set(link.parties) == {J("guangdong"), J("hong-kong"), J("macao")} and link.recognized is None
    assert "等效先认" in link.evidence.text


def test_a_waived_check_or_exam_or_an_accepted_sar_approval_is_a_one_way_recognition(facts, vocab):
    # 无需在香港国际机场进行二次安检: Hong Kong accepts the screening done in Dongguan.
    link = next(lk for lk in facts["b1-13"].links if lk.link_class.endswith("MutualRecognition"))
    assert (link.recognizer, link.recognized, link.subject) == (J("hong-kong"), J("dongguan"), "安检")
    # …港澳专业人士无需参加内地职业资格考试，经备案或登记即可在前海直接执业: Qianhai recognises.
    link = next(lk for lk in facts["b3-14"].links if lk.link_class.endswith("MutualRecognition"))
    assert link.recognizer == J("qianhai") and {J("hong-kong"), J("macao")} <= set(link.parties)
    # 允许…已在港澳上市的药品…经广东省人民政府批准后…使用: the approving body's province recognises.
    link = next(lk for lk in facts["b1-08"].links if lk.link_class.endswith("MutualRecognition"))
    assert (link.recognizer, link.subject) == (J("guangdong"), "药品")
    # Made-up sentences: a waiver without 即可… or a second check is no recognition.
    one_way = [c for c in vocab.mechanisms if c.iri.endswith(("/unilateral-recognition", "-by-sar"))]

    def cued(text: str) -> bool:
        return any(next(c.finditer(text), None) for c in one_way)

    assert cued("澳门律师无需参加内地考试，经登记即可在横琴执业。")
    assert cued("旅客行李无需在澳门机场再次进行二次安检。")
    assert cued("允许已在澳门注册的医疗器械在横琴使用。")
    assert not cued("居民无需前往银行办理手续，也无需开立账户。")


def test_a_place_and_the_province_around_it_are_one_side(facts):
    # 在全省率先发布《广州市南沙区境外职业资格认可清单》，认可146项境外职业资格证书: the sentence names only
    # Nansha (and its city), so the other side comes from the case, whose people and qualifications are
    # Hong Kong's and Macao's.
    link = next(lk for lk in facts["b3-09"].links if lk.link_class.endswith("MutualRecognition"))
    assert set(link.parties) == {J("nansha"), J("hong-kong"), J("macao")}
    assert link.recognizer == J("nansha") and link.recognized is None


def test_recognition_with_an_outside_party_is_not_a_link(facts):
    assert not [lk for lk in facts["b2-08"].links if lk.link_class.endswith("MutualRecognition")]


def test_figure_with_unit_qualifier_and_as_of(facts):
    o = next(o for o in facts["b1-04"].outcomes if o.value == Decimal("30.37"))
    assert (o.unit, o.as_of, o.as_of_type.rsplit("#")[1]) == ("万人次", "2022", "gYear")
    growth = next(o for o in facts["b1-04"].outcomes if o.unit == "%")
    assert growth.kind.endswith("growth") and growth.value == Decimal("99.79")
    more = next(o for o in facts["b2-01"].outcomes if o.value == Decimal("11.1"))
    assert (more.unit, set(more.qualifiers), more.as_of) == ("万个", {"多", "累计"}, "2023")


def test_instrument_abbreviation_resolved_to_one_node(facts):
    inst = [i for i in facts["b2-08"].instruments]
    assert [(i.title, i.abbreviation) for i in inst] == [("可持续金融共同分类目录", "共同分类目录")]
    assert inst[0].type_key.endswith("/list")
    b2_07 = facts["b2-07"].instruments
    assert [(i.title, i.abbreviation) for i in b2_07] == [("粤港澳大湾区商事纠纷司法规则衔接指引（一）", "指引（一）")]


def test_same_instrument_across_cases_is_one_node(built):
    keys = {}
    for f in built.facts:
        for i in f.instruments:
            keys.setdefault(i.title, set()).add(i.key)
    assert all(len(v) == 1 for v in keys.values())


def test_unknown_unit_is_minted_and_stable():
    assert mint_agency("某某 协会") == mint_agency("某某协会")
    assert mint_agency("某某协会").startswith(str(ID["agency/x-"]))


def test_news_measures_have_facts(built):
    news = [f for f in built.facts if f.key.startswith("news-")]
    assert news
    ef = next(f for f in news if "EF" in f.label.text or any(o.unit == "亿元" for o in f.outcomes))
    assert J("hengqin") in {m.key for m in ef.jurisdictions}


def test_bodies_named_in_the_text_by_pattern(vocab):
    found = {
        name: (kind.rsplit("#")[1], place)
        for _, _, name, kind, place in vocab.organisation_matches(
            "探索与香港建造学院共建学院，澳门银行通过评级，广东省内海关加强监管，由澳门治安警察局协助。"
        )
    }
    assert found == {
        "香港建造学院": ("NonGovernmentOrganisation", J("hong-kong")),
        "澳门治安警察局": ("Agency", J("macao")),
    }


def test_a_body_named_after_one_place_that_stands_in_another_involves_only_that_other(vocab, facts):
    # Made-up names: the bracket says where the body stands.
    text = "由香港创新工程学院（深圳）与澳门大湾研究院合作。"
    found = {name: place.rsplit("/", 1)[1] for _, _, name, _, place in vocab.organisation_matches(text)}
    assert found == {"香港创新工程学院（深圳）": "shenzhen", "澳门大湾研究院": "macao"}
    masked = vocab.mask_names(text)
    assert "香港" not in masked and "（深圳）" in masked and "澳门" in masked and len(masked) == len(text)
    # 香港科技大学（广州） is a registry body of Guangzhou: b2-10 names no other Hong Kong party.
    assert {m.key.rsplit("/", 1)[1] for m in facts["b2-10"].jurisdictions} == {"guangzhou"}
    assert A("hkust-gz") in {a.key for a in facts["b2-10"].agencies}


def test_unregistered_bodies_are_minted_and_flagged(built):
    g = built.graph
    from rdflib import Literal as L
    from rdflib.namespace import SKOS

    flagged = {str(g.value(s, SKOS.prefLabel)) for s in g.subjects(GBA.needsReview, L(True))}
    assert {"香港建造学院", "香港中旅集团", "澳门治安警察局"} <= flagged
    assert "澳门银行" not in flagged


def test_an_unregistered_body_is_reported_where_the_text_names_it_and_as_what(built):
    found = {f.message.split("'")[1]: f for f in built.findings if f.code == "unknown-agency"}
    named = found["香港建造学院"]
    assert named.message.startswith("body named in the text ") and named.subject == "b3-11"
    text = next(d.document.text for d in built.corpus.documents if str(d.document.path) == named.path)
    line = text.split("\n")[named.line - 1]
    assert line[named.column - 1 :].startswith("香港建造学院")
    assert all(f.message.startswith(("body named in the text ", "submitting unit ")) for f in found.values())


def test_instrument_issuer_and_date_where_the_text_gives_them(facts):
    decision = next(i for i in facts["b3-02"].instruments if i.title.endswith("的决定"))
    assert decision.issuer == A("guangdong-npc-sc") and decision.type_key.endswith("/decision")
    rules = next(i for i in facts["b1-03"].instruments if i.title.startswith("广东省省级财政科研项目资金"))
    assert (rules.issued, rules.issuer) == ("2021-08", None)


def test_recognition_by_the_sar_side(built):
    news = {f.key: f for f in built.facts if f.key.startswith("news-")}
    tcm = next(
        f for f in news.values() if "中医药医师" in f.label.text or any("中医药" in lk.evidence.text for lk in f.links)
    )
    link = next(lk for lk in tcm.links if lk.link_class.endswith("MutualRecognition"))
    assert (link.recognizer, link.recognized) == (J("macao"), J("guangdong"))  # 内地医师免试赴澳执业


def test_recognizer_refined_to_the_zone_and_the_sar_in_the_title(facts):
    link = next(lk for lk in facts["b2-12"].links if lk.link_class.endswith("MutualRecognition"))
    assert (link.recognizer, link.recognized) == (J("hengqin"), J("macao"))
    assert J("hengqin") in link.parties


def test_a_sar_body_taking_part_makes_its_jurisdiction_a_party(facts):
    link = next(lk for lk in facts["b3-06"].links if lk.link_class.endswith("MutualRecognition"))
    assert J("hong-kong") in link.parties  # 香港特区政府中药检测中心 in the sentence


def test_standards_the_three_sides_complete_together_are_joint_standard_setting(facts, vocab):
    # …标准由粤港澳三地信用服务机构本着市场化原则共同完成: the thing is the standard, not 标准由.
    link = next(lk for lk in facts["b1-01"].links if lk.link_class.endswith("JointStandardSetting"))
    assert link.subject == "标准" and {J("hong-kong"), J("macao")} <= set(link.parties)
    joint = next(c for c in vocab.mechanisms if c.iri.endswith("/joint-standard-setting"))
    assert next(joint.finditer("规范由三地行业协会按统一程序共同制定。"), None)
    assert next(joint.finditer("三地居民，共同参与。"), None) is None


def test_a_sars_school_system_or_rules_adopted_at_home_is_rule_application(facts, vocab):
    # 学校采用香港学制: the thing applied is Hong Kong's school system
    link = next(lk for lk in facts["b2-15"].links if lk.link_class.endswith("RuleApplication"))
    assert link.subject == "香港学制" and J("hong-kong") in link.parties
    applied = next(c for c in vocab.mechanisms if c.iri.endswith("/rule-application"))
    m = next(applied.finditer("新区借鉴澳门社区养老服务制度，建设长者中心。"), None)
    assert m is not None and m.group("thing") == "澳门社区养老服务制度"
    # 可实现澳门仲裁机构在横琴运用澳门法律办理仲裁案件: Macao law applied in Hengqin
    link = next(lk for lk in facts["b1-18"].links if lk.link_class.endswith("RuleApplication"))
    assert link.subject == "澳门法律" and set(link.parties) == {J("hengqin"), J("macao")}


def test_accepting_the_legal_effect_of_a_sars_findings_is_a_one_way_recognition(facts, vocab):
    # 确认港澳法院和仲裁机构对案件事实认定的法律效力: the sentence names only the SARs, so the
    # recognising side is the case's own (广东高院: Guangdong).
    link = next(lk for lk in facts["b2-07"].links if lk.link_class.endswith("MutualRecognition"))
    assert (link.recognizer, link.recognized, link.subject) == (J("guangdong"), None, "案件事实认定")
    assert set(link.parties) == {J("guangdong"), J("hong-kong"), J("macao")}
    applied = next(lk for lk in facts["b2-07"].links if lk.link_class.endswith("RuleApplication"))
    assert applied.subject == "港澳做法"  # 融合贯通港澳做法
    one_way = next(c for c in vocab.mechanisms if c.iri.endswith("/unilateral-recognition"))
    m = next(one_way.finditer("承认澳门仲裁机构对商事争议所作裁决的效力。"), None)
    assert m is not None and m.group("thing") == "商事争议所作裁决"


def extract_batch(make_corpus, vocab, text: str):
    """Facts and findings of a made-up batch 9 whose text is ``text``."""
    from gbakg.extract import extract_document
    from gbakg.read import read_corpus

    root = make_corpus({"c.txt": text}, manifest='[[document]]\nfile = "c.txt"\nkind = "case-batch"\nbatch = 9\n')
    (doc,) = read_corpus(root, vocab).documents
    return extract_document(doc, vocab)


def test_a_recognition_that_names_one_side_only_is_reported_not_recorded(make_corpus, vocab):
    text = (
        " 案例一\n\n案例名称：香港车辆通行互认\n\n报送单位：省公安厅\n\n"
        "香港推动车辆通行互认机制，简化手续。\n\n"
        " 案例二\n\n案例名称：粤港车辆通行互认\n\n报送单位：省公安厅\n\n"
        "粤港推动车辆通行互认机制，简化手续。\n"
    )
    facts, findings = extract_batch(make_corpus, vocab, text)
    recognitions = {f.key: [lk for lk in f.links if lk.link_class.endswith("MutualRecognition")] for f in facts}
    assert not recognitions["b9-01"] and len(recognitions["b9-02"]) == 1
    (one,) = [f for f in findings if f.code == "one-sided-recognition"]
    assert one.subject == "b9-01" and "香港特别行政区" in one.message
    at = text.split("\n")[one.line - 1][one.column - 1 :]  # where its cue's sentence is (here the title)
    assert at.startswith("香港") and "互认" in at


def test_a_joint_act_with_the_sars_only_named_is_the_measures_own_side_with_them(make_corpus, vocab):
    # Made-up cases. 联合港澳两地制定…: the sentence names only the SARs; the case's own side (广东) joins.
    # A title cue with no thing before it (粤港澳共同制定“…”) aligns the initiative the title names.
    text = (
        " 案例一\n\n案例名称：粤港澳共同制定“湾区茶点规范”\n\n报送单位：省商务厅\n\n"
        "各方按统一程序推进，方便居民。\n\n"
        " 案例二\n\n案例名称：茶点服务协同\n\n报送单位：省商务厅\n\n"
        "该项服务在广东推行。联合港澳两地制定茶点服务协同规则，方便居民。一是首创跨区域通关联验。\n"
    )
    facts, _ = extract_batch(make_corpus, vocab, text)
    links = {f.key: {lk.link_class.rsplit("#")[-1]: lk for lk in f.links} for f in facts}
    assert links["b9-01"]["JointStandardSetting"].subject == "湾区茶点规范"
    joint = links["b9-02"]["JointStandardSetting"]
    assert joint.subject == "茶点服务协同规则"
    assert set(joint.parties) == {J("guangdong"), J("hong-kong"), J("macao")}
    assert links["b9-02"]["JointInspection"].subject == "通关"


def test_the_thing_is_not_a_verb_a_fragment_or_an_aside(vocab):
    from gbakg.extract import _subject

    def subject(text: str, cue: str) -> str:
        return _subject(text, 0, text.index(cue), vocab)

    # Made-up sentences.
    assert subject("科技赋能破解域外法查明难题。", "域外法") == ""  # a verb governs the cue itself
    assert subject("成立大湾区标准化研究中心。", "湾区标准") == ""  # the cue inside a longer word
    assert subject("实现粤港（甲卡与香港乙卡）的车票支付互联互通。", "互联互通") == "车票支付"
    assert subject("粤港茶点标签实现互认。", "互认") == "茶点标签"  # the thing before 实现 stays
