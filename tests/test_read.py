"""The reader on the real corpus and on small hostile fixtures."""

from __future__ import annotations

import codecs
import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gbakg.errors import GbakgError, ManifestError, ReadError
from gbakg.layout import normalise_for_check
from gbakg.models import DocumentKind, Severity
from gbakg.read import decode, iter_records, read_corpus, read_document

CASE_DOC = """ 案例一

案例名称：粤港测试标准互认

报送单位：省司法厅、省财政厅

一是建立机制。二是推进互认。

截至 2024年 3月，已有 12家机构参与。
 案例二

案例名称：第二个测试案例

报送单位：省商务厅

内容完整。
"""


@pytest.fixture(scope="module")
def corpus(corpus_dir):
    return read_corpus(corpus_dir)


def cases_of(corpus):
    return [c for d in corpus.documents for c in d.cases]


def test_corpus_has_52_cases_with_their_numbers(corpus):
    by_batch = {}
    for c in cases_of(corpus):
        by_batch.setdefault(c.batch, []).append(c.number)
    assert {b: sorted(n) for b, n in by_batch.items()} == {
        1: list(range(1, 21)),
        2: list(range(1, 17)),
        3: list(range(1, 17)),
    }


def test_titles_and_units_spot_check(corpus):
    cases = {c.key: c for c in cases_of(corpus)}
    assert cases["b1-07"].title.text == "粤澳新通道（青茂口岸）实施“合作查验 一次放行”自助通关"
    assert [u.text for u in cases["b1-07"].units] == ["省港澳办", "拱北海关", "珠海边检总站"]
    assert cases["b2-08"].title.text == "广东省人民政府在澳门首发贴标中欧《可持续金融共同分类目录》绿色债券"
    assert [u.text for u in cases["b2-09"].units] == [
        "海关总署广东分署",
        "珠海边检总站",
        "横琴粤澳深度合作区执行委员会",
    ]
    assert [u.text for u in cases["b1-04"].units] == ["省人力资源社会保障厅", "省税务局"]
    assert cases["b3-05"].title.text == "2024 粤港澳公路自行车赛实现“一赛三地、一策三地、一规三地”"


def test_sub_measures_and_results(corpus):
    cases = {c.key: c for c in cases_of(corpus)}
    subs = cases["b1-03"].sub_measures
    assert [s.marker for s in subs] == ["一是", "二是", "三是"]
    assert subs[2].text.text.startswith("三是加强科研资金管理规则对接。2021年 8月")
    assert cases["b1-04"].results.text.startswith("截至 2022年底")
    # one paragraph in the layout: the results begin at a line that starts a sentence after the last marker
    assert cases["b1-14"].results.text.startswith("在实施成效方面")
    assert cases["b1-14"].sub_measures[-1].text.text.endswith("银行开户便利度。")
    assert all(c.results is not None for c in cases.values())
    assert "**" not in cases["b3-01"].sub_measures[0].text.text


def test_every_field_offset_selects_its_source_text(corpus):
    checked = 0
    for d in corpus.documents:
        text = d.document.text
        fields = []
        for c in d.cases:
            fields += [c.heading, c.body, *c.units, *c.paragraphs, *(s.text for s in c.sub_measures)]
            fields += [f for f in (c.title, c.results) if f]
        fields += [s.title for s in d.plan_sections] + [i.text for i in d.plan_items]
        fields += [a.title for a in d.articles] + [a.body for a in d.articles] + [m.text for m in d.news_measures]
        for f in fields:
            assert normalise_for_check(text[f.start : f.end]) == normalise_for_check(f.text), f
            checked += 1
    assert checked > 500


def test_work_plan_items_in_sections(corpus):
    plan = next(d for d in corpus.documents if d.document.meta.kind is DocumentKind.WORK_PLAN)
    assert [i.number for i in plan.plan_items] == list(range(1, 58))
    items = {i.number: i for i in plan.plan_items}
    assert items[11].section == "三"
    assert items[12].section == "三（一）"
    assert items[20].section == "三（二）"
    assert items[45].section == "六"
    assert items[10].text.text.endswith("繼續實施粵港聯合資助計劃，着力發展戰略性新興產業技術。")
    assert items[10].normalised.startswith("落实《粤港科技创新交流合作安排》")
    assert "廣東省人民政府" not in items[57].text.text


def test_news_relevant_article_and_measures(corpus):
    news = next(d for d in corpus.documents if d.document.meta.kind is DocumentKind.NEWS)
    assert [a.relevant for a in news.articles] == [True, False, False]
    assert news.news_measures
    assert all(m.article == 1 for m in news.news_measures)
    texts = " ".join(m.text.text for m in news.news_measures)
    assert "619" in texts and "EF 账户" in texts
    assert "证监会" not in texts and "闽台" not in texts
    starts = [m.text.text[:8] for m in news.news_measures]
    assert "在养老服务领域，" in starts and "香港中学文凭考" in [s[:7] for s in starts]  # one paragraph, three measures
    assert any(s.startswith("粤港澳三地 4") for s in starts)  # the carbon-market agreement apart from cold chain
    assert not any(s.startswith("深圳（前海）") for s in starts)  # the director's words continue the centre
    assert len(news.news_measures) == 13


def test_table_of_contents_difference_is_reported(corpus):
    msgs = [f.message for f in corpus.all_findings() if f.code == "toc-mismatch"]
    assert msgs == [
        "table of contents and heading differ for case 9: contents '广州构建境外人才“考、评、认”全链条"
        "政策体系', heading '广州市构建境外人才“考、评、认”全链条政策体系'"
    ]


def test_iter_records_is_lazy_and_complete(corpus_dir):
    records = iter_records(corpus_dir)
    first = next(records)
    assert first is not None
    assert sum(1 for _ in iter_records(corpus_dir)) > 52 + 57


# --- encodings and bad input --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (CASE_DOC.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + CASE_DOC.encode("utf-8"), "utf-8-sig"),
        (CASE_DOC.encode("gb18030"), "gb18030"),
        (codecs.BOM_UTF16_LE + CASE_DOC.encode("utf-16-le"), "utf-16"),
        (CASE_DOC.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
    ],
)
def test_encodings(make_corpus, data, encoding):
    root = make_corpus({"c.txt": data}, manifest='[[document]]\nfile = "c.txt"\nkind = "case-batch"\nbatch = 7\n')
    doc = read_corpus(root).documents[0]
    assert doc.document.encoding == encoding
    assert [c.title.text for c in doc.cases] == ["粤港测试标准互认", "第二个测试案例"]
    assert [u.text for u in doc.cases[0].units] == ["省司法厅", "省财政厅"]
    assert [s.marker for s in doc.cases[0].sub_measures] == ["一是", "二是"]


def test_empty_binary_and_undecodable_files_are_findings_not_crashes(make_corpus):
    root = make_corpus(
        {
            "empty.txt": "",
            "bin.txt": b"\x00\x01\x02\x03" * 50,
            "bad.txt": b"abc\n\xe6\xa1\n\xff\xfe\xfa",
            "good.txt": CASE_DOC,
        }
    )
    corpus = read_corpus(root)
    msgs = {f.path.rsplit("/", 1)[-1]: f for f in corpus.all_findings() if f.code == "unreadable"}
    assert msgs["empty.txt"].message == "the file is empty (remove it or add its text)"
    assert msgs["bin.txt"].message.startswith("the file is binary")
    assert msgs["bad.txt"].line == 2
    good = next(d for d in corpus.documents if d.document.path.name == "good.txt")
    assert len(good.cases) == 2


def test_undecodable_byte_is_located():
    with pytest.raises(ReadError) as e:
        decode(b"line one\nok \xff\xfe\xfd\xfc", __import__("pathlib").Path("x.txt"))
    assert str(e.value) == "x.txt:2:4: undecodable byte 0xff (not UTF-8, GB18030 or UTF-16) (re-save the file as UTF-8)"


def test_case_without_title_or_units_and_duplicates(make_corpus):
    doc = (
        " 案例一\n\n报送单位：省司法厅\n\n正文。\n 案例一\n\n案例名称：重复编号\n\n正文没有报送单位。\n"
        " 案例三\n\n案例名称：残缺\n\n报送单位：省商务厅\n\n被截断的正文"
    )
    root = make_corpus(
        {"c.txt": doc}, manifest='[[document]]\nfile = "c.txt"\nkind = "case-batch"\nbatch = 9\ncases = 4\n'
    )
    corpus = read_corpus(root)
    codes = sorted(f.code for f in corpus.all_findings())
    assert codes == ["case-count", "duplicate-case", "no-title", "no-units", "numbering-gap", "truncated"]
    no_title = next(f for f in corpus.all_findings() if f.code == "no-title")
    assert (no_title.line, no_title.subject) == (1, "b9-01")
    assert len(corpus.documents[0].cases) == 3


def test_document_without_manifest_entry_is_inferred(make_corpus):
    root = make_corpus({"x.txt": "典型案例（第五批）\n" + CASE_DOC})
    corpus = read_corpus(root)
    doc = corpus.documents[0]
    assert doc.document.meta.kind is DocumentKind.CASE_BATCH
    assert doc.document.meta.batch == 5
    warn = next(f for f in corpus.all_findings() if f.code == "not-in-manifest")
    assert warn.severity is Severity.WARNING
    assert warn.message == "not listed in manifest.toml; read as case-batch, batch 5, zh-Hans (inferred from the text)"


def test_broken_manifest_is_a_located_error(make_corpus):
    root = make_corpus({"a.txt": CASE_DOC}, manifest="[[document]]\nfile = \n")
    with pytest.raises(ManifestError) as e:
        read_corpus(root)
    assert str(e.value).startswith(f"{root}/manifest.toml:2:")


def test_missing_corpus_folder(tmp_path):
    with pytest.raises(ReadError) as e:
        read_corpus(tmp_path / "nowhere")
    assert str(e.value) == (
        f"{tmp_path / 'nowhere'}: the corpus folder does not exist "
        "(pass --corpus DIR pointing at a folder of documents)"
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(), st.binary()), st.sampled_from(["case-batch", "work-plan", "news"]))
def test_arbitrary_input_raises_only_gbakg_errors(tmp_path_factory, vocab, content, kind):
    from gbakg.models import DocumentMeta

    d = tmp_path_factory.mktemp("h")
    p = d / "x.txt"
    if isinstance(content, str):
        p.write_text(content, encoding="utf-8")
    else:
        p.write_bytes(content)
    with contextlib.suppress(GbakgError):
        read_document(p, DocumentMeta(file="x.txt", kind=DocumentKind(kind), batch=1), vocab)


def test_an_empty_corpus_folder_is_reported(tmp_path):
    corpus = read_corpus(tmp_path)
    assert [str(f) for f in corpus.all_findings()] == [
        f"{tmp_path}: warning: the corpus folder has no documents (.txt, .md, .text) [no-documents]"
    ]
