"""Segmentation: passages with exact offsets, their kind and the speaker of a turn."""

from __future__ import annotations

import pytest

from align.normalize import normalize_document
from align.records import RawDocument
from align.segment import classify_line, segment_document

from .conftest import RAW

INTERVIEW = """马克·扎克伯格访谈实录

主持人：你当时为什么要创办Facebook？
朱克伯格：因为我想把人们连接起来。
主持人：后来呢？
朱克伯格：后来我们上线了。
朱克伯格 我们一直在做这件事。
迭代：一种重复执行的控制结构。
迭代(iteration)是一种重复执行某个任务的控制结构。
迭代：另一种写法。
责任编辑：张三
"""


def _passages(text: str, name: str = "a.txt"):
    doc = normalize_document(RawDocument("a", name, text, "0" * 64, "utf-8", len(text.encode())), "s")
    return doc, segment_document(doc)


def test_speaker_seen_twice_with_a_colon_also_counts_without_it():
    _, passages = _passages(INTERVIEW)
    speakers = [(p.speaker, p.text[p.body_offset:].strip()[:6]) for p in passages if p.kind == "content"]
    assert ("朱克伯格", "我们一直在做") in speakers
    assert speakers[0] == ("主持人", "你当时为什么")


def test_a_term_glossed_in_parentheses_is_not_a_turn():
    # 迭代 is seen twice with a colon (a glossary), but "迭代(iteration)是…" glosses the term.
    _, passages = _passages(INTERVIEW)
    gloss = next(p for p in passages if "(iteration)" in p.text)
    assert gloss.speaker is None and gloss.body_offset == 0


@pytest.mark.parametrize("line,first,kind", [
    ("责任编辑:张三", False, "boilerplate"),
    ("图片来源:Getty Images", False, "boilerplate"),
    ("短标题", False, "heading"),
    ("马克·扎克伯格访谈实录", True, "heading"),
    ("他说,开源才是前进的方向。", False, "content"),
    ("图注:发布会现场图注:发布会现场", False, "boilerplate"),  # a caption doubled by the scraper
    # A long paragraph pasted twice, or one that ends with a credit, is still content.
    ("她在伯克利读研时学会了操作当时最先进的计算机,后来用它处理望远镜的数据。" * 6, False, "content"),
    ("这位研究员毕业于阿德莱德大学,主要研究性别、流动与社会变迁,其著作获得了年度最佳专著奖,"
     "并被翻译成多种语言出版,在学界与大众读者中都产生了相当大的影响,也让更多人开始关注这一领域的"
     "田野调查与口述史料,以及城市化进程中女性劳动者的处境。"
     "她的下一本书回到家乡,写那些留在村里照看老人和孩子的妇女,以及她们与外出打工的家人之间的联系。[图源:某大学]", False, "content"),
    # A byline glued to the article's first paragraph (as in a tuning source's scrape).
    ("作者 | 某某 编辑 | 某某 硬氪获悉,人形机器人基础模型公司德塔智能(Delta Intelligence)近日完成近5亿元天使轮融资,"
     "本轮投资方包括多家上市公司产业方和头部财务投资机构,老股东继续追加投资。本轮融资将主要用于基础模型的研发、"
     "数据采集平台的建设以及人才团队的扩充,公司表示将在明年推出面向工业场景的通用操作模型。", False, "content"),
])
def test_lines_are_classed(line, first, kind):
    assert classify_line(line, first) == kind


def test_every_seed_passage_points_into_both_texts():
    for path in sorted(RAW.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        doc, passages = _passages(text, path.name)
        assert passages and [p.index for p in passages] == list(range(len(passages)))
        for p in passages:
            assert doc.text[p.norm_start:p.norm_end] == p.text
            assert text[p.start:p.end] == p.text_original


def test_a_bilingual_title_block_is_one_passage_and_the_other_indices_stay():
    text = ("停滞的敌基督\nThe Antichrist of Stagnation\n罗斯·多塔特 说清楚,我也不认为那是你正在做的。\n\n"
            "3. 可信度\n\nReliability\n\n评估资讯来源的准确性。\nKeep Focused on What Will Work\n专注于有用的事\n")
    _, passages = _passages(text)
    by_id = {p.passage_id.split("/")[1]: p.text for p in passages}
    assert by_id["0000"] == "停滞的敌基督\nThe Antichrist of Stagnation"
    assert by_id["0002"].startswith("罗斯·多塔特")  # the second line's index is not reused
    assert by_id["0003"] == "3. 可信度\n\nReliability"
    # A title pairs with the title below it, not with the sentence above it.
    assert by_id["0005"] == "评估资讯来源的准确性。"
    assert by_id["0006"] == "Keep Focused on What Will Work\n专注于有用的事"
    for p in passages:
        assert text[p.start : p.end] == p.text_original


def test_lines_with_a_link_or_a_parenthesis_and_a_heading_over_its_paragraph_are_not_joined():
    _, passages = _passages("标题\n原文地址:https://example.com/a\nThe Log\n日志(log)\nThe Log\n")
    assert all("\n" not in p.text for p in passages)
    # A heading over its paragraph (from a translated book's chapter) is no title pair.
    _, passages = _passages("cargo\ncargo 是官方的 Rust 包管理工具。 它有很多非常有用的功能来提高代码质量！ 这些功能包括:\n")
    assert [p.text for p in passages][0] == "cargo"
