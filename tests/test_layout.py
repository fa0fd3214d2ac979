from gbakg.layout import join_lines, normalise_for_check, paragraphs, split_lines, wrap_width


def test_split_lines_handles_crlf_and_cr():
    lines = split_lines("甲\r\n乙\r丙\n丁")
    assert [ln.text for ln in lines] == ["甲", "乙", "丙", "丁"]
    assert lines[1].start == 3


def test_join_removes_wraps_footers_and_markup_without_inventing_spaces():
    text = "## **标题**\n\n第一行文字，继续\n\n— 5 —\n\n第二行 2023年 2月。\n"
    loc = join_lines(text, split_lines(text))
    assert loc.text == "标题第一行文字，继续第二行 2023年 2月。"
    f = loc.field(0, 2)
    assert text[f.start : f.end] == "标题"


def test_justification_spaces_removed_but_number_spaces_kept():
    text = "粤 港 澳 规 则 衔 接\n截至 2023 年底"
    assert join_lines(text, split_lines(text)).text == "粤港澳规则衔接截至 2023 年底"


def test_paragraphs_of_a_hard_wrapped_text():
    body = "\n\n".join(["这是一段很长的文字需要被折行处理这是第一行内容啊"] * 3 + ["这是结尾。", "第二段的内容。"])
    lines = split_lines(body)
    wrap, wrapped = wrap_width(lines)
    assert wrapped is False or wrap > 0
    paras = paragraphs(body, lines, wrap, True)
    assert paras[-1].text == "第二段的内容。"


def test_normalise_for_check_drops_layout():
    assert normalise_for_check("甲 乙\n\n— 3 —\n**丙**") == "甲乙丙"


def test_a_line_with_nothing_to_clean_keeps_every_character_at_its_offset():
    text = "前言\n# 一、粤港澳规则衔接\n规则衔接机制对接。\n"
    loc = join_lines(text, split_lines(text))
    assert loc.text == "前言一、粤港澳规则衔接规则衔接机制对接。"
    assert all(text[loc.offsets[i]] == ch for i, ch in enumerate(loc.text))
