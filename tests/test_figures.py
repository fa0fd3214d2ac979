"""Figures and dates: units as written, qualifiers, kinds, as-of dates; full and partial dates."""

from __future__ import annotations

from gbakg.figures import FigureReader, clause_bounds, sentence_bounds
from gbakg.layout import join_lines, split_lines


def loc(text: str):
    return join_lines(text, split_lines(text))


def test_figures_from_rule_text(vocab):
    ex = FigureReader(vocab)
    text = loc("截至 2024年 11月，累计服务超 2万人次港澳青年，近 100%准确；资金 3.7亿元。")
    got = [(str(o.value), o.unit, o.qualifiers, o.as_of) for o in ex.outcomes(text)]
    assert got == [
        ("2", "万人次", ("超", "累计"), "2024-11"),
        ("100", "%", ("近",), "2024-11"),
        ("3.7", "亿元", (), "2024-11"),
    ]


def test_a_figure_quotes_from_its_qualifier_or_number_not_the_space_before(vocab):
    ex = FigureReader(vocab)
    text = "提供广东 76项、澳门 近 7项服务。"
    got = [(o.evidence.text, text[o.evidence.start : o.evidence.end]) for o in ex.outcomes(loc(text))]
    assert got == [("76项", "76项"), ("近 7项", "近 7项")]


def test_a_range_keeps_both_ends_as_written(vocab):
    ex = FigureReader(vocab)
    text = "产品优惠 5-10%，审批时间由 1-2 周缩短至 1-3 天，2019-2022年累计 3 家，编号 20-3 个，第 1-2 批。"
    got = [(o.lower_text, o.value_text, o.unit, o.evidence.text) for o in ex.outcomes(loc(text))]
    assert got == [
        ("5", "10", "%", "5-10%"),
        ("1", "2", "周", "1-2 周"),
        ("1", "3", "天", "1-3 天"),
        (None, "3", "家", "3 家"),  # a span of years is a date, not a figure
        (None, "3", "个", "3 个"),  # 20-3 is no range: its lower end is not below its upper
    ]


def test_dates_full_and_partial(vocab):
    ex = FigureReader(vocab)
    dates = [
        (d.value, d.datatype.rsplit("#")[1], d.qualifier)
        for d in ex.dates(loc("2024年7月10日起施行，2023年5月上线，2022年底完成，《2025 年资产调查》不算。"))
    ]
    assert dates == [("2024-07-10", "date", None), ("2023-05", "gYearMonth", None), ("2022", "gYear", "底")]


def test_growth_and_reduction_kinds(vocab):
    ex = FigureReader(vocab)
    kinds = [o.kind.rsplit("/", 1)[1] for o in ex.outcomes(loc("同比增长 59.3%，时间从 14 天压缩到 3 天，共 20 家。"))]
    assert kinds == ["growth", "duration", "reduction", "count"]


def test_units_of_time_are_durations_each_with_its_own_unit(vocab):
    ex = FigureReader(vocab)
    got = [
        (o.kind.rsplit("/", 1)[1], (o.unit_concept or "").rsplit("/", 1)[1])
        for o in ex.outcomes(loc("通关仅需 30秒，办理 15 分钟，开放 24小时，有效期 6 个月，为期 3 年。"))
    ]
    assert got == [
        ("duration", "second"),
        ("duration", "minute"),
        ("duration", "hour"),
        ("duration", "month"),
        ("duration", "year"),
    ]


def test_upper_bounds_and_units_as_written(vocab):
    ex = FigureReader(vocab)
    text = loc("办理时间压缩至 9天以内，每次不超过 3 小时，举办活动 52 场次。")
    got = [(o.value_text, o.unit, o.qualifiers, o.evidence.text) for o in ex.outcomes(text)]
    assert got == [
        ("9", "天", ("以内",), "9天以内"),
        ("3", "小时", ("不超过",), "不超过 3 小时"),
        ("52", "场次", (), "52 场次"),
    ]


def test_a_multiplier_that_ends_its_clause_is_the_unit_and_a_bare_number_is_no_figure(vocab):
    ex = FigureReader(vocab)
    text = loc("用户近 800\n\n万，试点 2 个；销售 12.5 万片，涵盖 60余病种；编号 2021，共 3 批 7。")
    got = [(o.value_text, o.unit, o.multiplier, o.unit_concept is None, o.evidence.text) for o in ex.outcomes(text)]
    assert got == [
        ("800", "万", 10000, True, "近 800万"),
        ("2", "个", None, False, "2 个"),
        ("12.5", "万片", 10000, False, "12.5 万片"),
        ("60", "病种", None, False, "60余病种"),
        ("3", "批", None, False, "3 批"),
    ]


def test_a_kinds_cue_reaches_across_a_list_but_not_into_a_name(vocab):
    ex = FigureReader(vocab)
    text = loc(
        "同比分别增长 27.2%、32.6%；“赋能计划”已完成 20 家企业评估；可携带不超过 12000元人民币；节约成本约 28%。"
    )
    kinds = [o.kind.rsplit("/", 1)[1] for o in ex.outcomes(text)]
    assert kinds == ["growth", "growth", "count", "amount", "reduction"]


def test_bounds():
    text = "第一句，有逗号。第二句！"
    assert sentence_bounds(text, 2, 3) == (0, 8)
    assert clause_bounds(text, 5, 6) == (4, 7)


def test_a_date_counted_from_is_no_as_of_date_while_a_cutoff_governs(vocab):
    ex = FigureReader(vocab)
    text = loc("截至 2023年 6月，参保 5万人。自 2019年以来超 8万人次受惠，累计支付 2亿元。")
    assert [(o.value_text, o.as_of) for o in ex.outcomes(text)] == [
        ("5", "2023-06"),
        ("8", "2023-06"),
        ("2", "2023-06"),
    ]
    alone = loc("2021年以来，往来船舶同比增长 12.5%。")
    assert [(o.value_text, o.as_of) for o in ex.outcomes(alone)] == [("12.5", "2021")]


def test_the_verb_that_opens_a_clause_gives_the_kind_of_its_figures(vocab):
    ex = FigureReader(vocab)
    text = loc("助力企业，节省货物仓储、分拣、装卸、搬运时间和约 20%的成本；其中港澳企业占约 20%。")
    assert [o.kind.rsplit("/", 1)[1] for o in ex.outcomes(text)] == ["reduction", "rate"]


def test_what_a_comparison_or_a_lone_list_figure_counts_takes_in_the_clause_before(vocab):
    ex = FigureReader(vocab)
    text = loc("新设企业 52户，同比增长 8.5%；受理案件 30件、调解 12件，同比分别增长 5%、7%。同比下降 3%。")
    got = [(o.value_text, o.counts) for o in ex.outcomes(text)]
    assert got == [
        ("52", "新设企业 52户"),
        ("8.5", "新设企业 52户，同比增长 8.5%"),
        ("30", "受理案件 30件"),
        ("12", "调解 12件"),
        ("5", "受理案件 30件、调解 12件，同比分别增长 5%"),
        ("7", "受理案件 30件、调解 12件，同比分别增长 5%、7%"),
        ("3", "同比下降 3%"),  # a comparison that opens its sentence reaches no further back
    ]


def test_a_fraction_written_before_its_number_in_words_or_figures(vocab):
    ex = FigureReader(vocab)
    # Made-up text: the fraction is the unit as written, the value in figures, the words quoted.
    text = loc("截至 2023年底，事故率约万分之零点二九，同比下降百分之五十；达标率千分之 998。")
    got = [
        (str(o.value), o.value_text, o.unit, o.qualifiers, o.kind.rsplit("/")[-1], o.evidence.text)
        for o in ex.outcomes(text)
    ]
    assert got == [
        ("0.29", "0.29", "万分之", ("约",), "rate", "约万分之零点二九"),
        ("50", "50", "百分之", (), "reduction", "百分之五十"),
        ("998", "998", "千分之", (), "rate", "千分之 998"),
    ]
    assert [o.unit_concept.rsplit("/")[-1] for o in ex.outcomes(text)] == ["per-ten-thousand", "percent", "per-mille"]


def test_a_dateless_cutoff_after_the_sentences_date_gives_no_as_of_date(vocab):
    ex = FigureReader(vocab)
    # Made-up text: the date is when the centre opened; 截至目前 (as of now) governs the figure.
    text = loc("2024年11月，服务中心揭牌，截至目前已服务企业 180家。截至 2024年底，累计服务 90家。")
    assert [(str(o.value), o.as_of) for o in ex.outcomes(text)] == [("180", None), ("90", "2024")]
