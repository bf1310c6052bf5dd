"""The readings a parenthesis offers the pair model (align/candidates.py).

The sentences are from documents of the tuning part (tests/dev/extract/tune/), each with
the reading its gold file gives: the model can only choose a reading that is offered.
"""

import pytest

from align.candidates import (
    bilingual_line_candidates,
    joiners_for,
    juxtaposed_candidates,
    passage_candidates,
    quoted_candidates,
)
from align.extract import paren_groups
from align.normalize import normalize_text
from align.records import Passage


def _passage(sentence: str) -> Passage:
    text = normalize_text(sentence, "s")[0]
    return Passage("d/0000", "d", 0, "content", None, text, text, 0, len(text), 0, len(text))


def readings(sentence: str) -> set[tuple[str, str]]:
    passage = _passage(sentence)
    return {(c.en, c.zh) for c in passage_candidates(passage, paren_groups(passage.text)[0])}


def outside_readings(sentence: str) -> set[tuple[str, str, str]]:
    passage = _passage(sentence)
    cands = quoted_candidates(passage) + juxtaposed_candidates(passage) + bilingual_line_candidates(passage)
    return {(c.shape, c.en, c.zh) for c in cands}


# (sentence, English, Chinese)
OFFERED = [
    # An acronym in a parenthesis nested at the end of the English.
    ("这种模式有时被称作 资源获取即初始化(Resource Acquisition Is Initialization (RAII))。",
     "Resource Acquisition Is Initialization", "资源获取即初始化"),
    # One Latin run and one Chinese run in one parenthesis, no comma between.
    ("Galvanic skin response (GSR肤电反应) Heart Rate", "GSR", "肤电反应"),
    ("Galvanic skin response (GSR肤电反应) Heart Rate", "Galvanic skin response", "肤电反应"),
    # English alternatives joined by a Chinese conjunction.
    ("通常可以找回顾型论文(review paper或survey paper)或专书", "survey paper", "回顾型论文"),
    # A term's leading article is not translated.
    ("原先占据该空缺议席的政党,其县中央委员会(the county central committee)或州中央委员会", "county central committee",
     "县中央委员会"),
    # A code after the name.
    ("美国非营利组织保护区管理解决方案基金会(PAMS Foundation USA)在当地分部", "PAMS Foundation", "保护区管理解决方案基金会"),
    # A reference mark after the English; a sentence's full stop after it.
    ("我们将在第五节中讨论 Linux 核心 (kernel[^译注3]) 为这些程式提供的技术。", "kernel", "核心"),
    ('可被视为 "浪漫最大化者(Romantic Maximizer.)"型。', "Romantic Maximizer", "浪漫最大化者"),
    # English in title marks or quotation marks before the Chinese parenthesis.
    ("年底我得到了《Hackers and Painters》(《黑客和画家》),这是", "Hackers and Painters", "黑客和画家"),
    ("由美国 2008 年的《FISA Amendments Act》(外国情报监控法修正案)设立", "FISA Amendments Act", "外国情报监控法修正案"),
    ("S. Haber, W.S. Stornetta, “Secure names for bit-strings,”(比特字串的安全命名) In Pro", "Secure names for bit-strings",
     "比特字串的安全命名"),
    # A quotation a word before the parenthesis.
    ("我们就会有那个4.5万亿美元的“重建美好未来”法案(Build Back Better)。", "Build Back Better", "重建美好未来"),
    # The Chinese before the acronym's parenthesis, the expansion in the next one.
    ("在进行量化宽松(QE)(Quantitative Easing:中央银行从公开市场购买证券的货币政策),向系统", "Quantitative Easing", "量化宽松"),
    # Marks inside the Chinese that the English has too.
    ("其灵感来自行为经济学中的委托—代理问题(principal-agent problem)。", "principal-agent problem", "委托—代理问题"),
    ("map 存储了键/值(key/value)的集合", "key/value", "键/值"),
    ("香港总商会推出由人工智能驱动的环境、社会及管治(ESG)自我审核", "ESG", "环境、社会及管治"),
    # An acronym before a dash and the Chinese of its expansion.
    ("没有人想搬出去,因为 FOMO——害怕错过(fear of missing out)。", "FOMO", "害怕错过"),
    ("撒切尔最喜欢的口号 TINA——别无选择(There is no alternative)。", "TINA", "别无选择"),
    # English and Chinese in one parenthesis split by a slash; Chinese alternatives split by one.
    ("语言组成的三大要素: 内容 (Semantics/语义):词汇", "Semantics", "语义"),
    ("全方位的 KYC(认识你的客户/实名认证)及相关", "KYC", "实名认证"),
    # What the Chinese leaves out after the English: a legal form, a count.
    ("购入日本服务器组件制造商太阳诱电(Taiyo Yuden Co.)的股份", "Taiyo Yuden", "太阳诱电"),
    ("多数投票(majority voting @64)是通过多个生成版本得出", "majority voting", "多数投票"),
    # A title's own question mark.
    ("《资本主义将如何终结?有关一个失败体系的论文集》(How Will Capitalism End? Essays on a Failing System),沃尔夫冈",
     "How Will Capitalism End? Essays on a Failing System", "资本主义将如何终结?有关一个失败体系的论文集"),
    # Chinese in brackets or straight single quotes before the parenthesis.
    ("[多种特质多项相关验证性因素分析] (MTMM CFA) 用于分析", "MTMM CFA", "多种特质多项相关验证性因素分析"),
    ("报表会输出'相关系数矩阵'(Correlation Matrix)。", "Correlation Matrix", "相关系数矩阵"),
]


def test_an_acronym_before_a_dash_needs_the_initials_of_the_expansion():
    assert ("FOMO", "害怕错过") not in readings("因为 FOMO——害怕错过(the fear of losing)。")


@pytest.mark.parametrize("sentence,en,zh", OFFERED)
def test_the_gold_reading_is_offered(sentence, en, zh):
    found = readings(sentence)
    assert (en, zh) in found, sorted(found)


def test_a_joiner_is_crossed_only_when_the_english_has_one():
    assert ("key/value", "键/值") in readings("map 存储了键/值(key/value)的集合")
    # The same Chinese before an English without a slash: the span stops at the slash.
    assert all("/" not in zh for _, zh in readings("map 存储了键/值(value)的集合"))
    assert joiners_for("principal-agent problem") == "—–"
    assert joiners_for("Growth, Pricing Power, and Regulation") == "、,"
    assert joiners_for("Paris, France") == "、"
    assert joiners_for("loss function") == ""


def test_a_clause_long_english_reads_a_chinese_clause_across_its_commas():
    text = "1967 年:高强度工作,身体出现危机 (High-intensity work, health crisis)"
    assert ("High-intensity work, health crisis", "高强度工作,身体出现危机") in readings(text)
    # A short English does not reach across the comma.
    assert all("," not in zh for _, zh in readings("他说,身体出现危机 (crisis)"))


def test_no_reading_starts_or_ends_with_a_joiner():
    for sentence in ("map 存储了键/值(key/value)的集合", "香港总商会推出由人工智能驱动的环境、社会及管治(ESG)自我审核"):
        for _, zh in readings(sentence):
            assert zh[0] not in "/、—" and zh[-1] not in "/、—", zh


def test_parentheses_nested_elsewhere_offer_nothing():
    # Only a nested parenthesis that closes the content is read past.
    assert readings("威廉·冯·洪堡(Wilhelm (Friedrich Wilhelm) von Humboldt)是一位") == set()


# Shapes without a parenthesis, from documents of the tuning part: (sentence, shape, English, Chinese).
OUTSIDE = [
    ("1953年,为抗议参议院约瑟夫·麦卡锡“Joseph McCarthy”的猎巫行动,科德离开美国", "zh“en”", "Joseph McCarthy", "约瑟夫·麦卡锡"),
    ("1963年,巴赫曼发明了集成数据存储“IDS”,IDS 在磁盘上维护了一组共享文件", "zh“en”", "IDS", "集成数据存储"),
    ("麦卡锡撰写了一篇题为“Programs with Common Sense,具有常识的程序”的论文", "“en,zh”", "Programs with Common Sense",
     "具有常识的程序"),
    ("饰演“北境之王”Jon Snow的英国演员基特哈灵顿Kit Harington,与交往五年订婚的同剧演员", "zh en", "Kit Harington", "基特哈灵顿"),
    ("1928年她从瓦萨学院 Vassar College 获得数学与物理本科学位", "zh en", "Vassar College", "瓦萨学院"),
    ("Introduction & Banter / 引言与闲聊", "line pair", "Introduction & Banter", "引言与闲聊"),
    ("议题概要\nTopics Covered\n本期节目讨论了三个话题。", "line pair", "Topics Covered", "议题概要"),
    ("3. 可信度\n\nReliability", "line pair", "Reliability", "可信度"),
    ("余弦定理 Law of cosines", "line pair", "Law of cosines", "余弦定理"),
    ("disk | 磁盘 | 磁碟 |", "line pair", "disk", "磁盘"),
    ("ASIC, Application Specific Integrated Circuit, 特殊应用的集成芯片", "line pair",
     "Application Specific Integrated Circuit", "特殊应用的集成芯片"),
    ("✅ 技术准确性 / Technical accuracy", "line pair", "Technical accuracy", "技术准确性"),
    # A cell's label or value on either side of its colon; a task box; a name both sides keep.
    ("| access       | 存取         | 陆译: 访问   |", "line pair", "access", "访问"),
    ("2. 同步翻译 / Sync Translation: 立即更新对应的繁体中文版本", "line pair", "Sync Translation", "同步翻译"),
    ("- [x] 英文 README 完整 / English README complete", "line pair", "English README complete", "英文 README 完整"),
    ("- Gemini CLI 支持 / Gemini CLI support", "line pair", "Gemini CLI support", "Gemini CLI 支持"),
    # A glossary line: the English, a colon, a pronunciation or a part of speech, each gloss.
    ("stagnation: 美 [stæɡˈneɪʃ(ə)n]  停滞", "en: zh", "stagnation", "停滞"),
    ("miserable：美 [ˈmɪzrəbl] 痛苦的；悲惨的", "en: zh", "miserable", "悲惨的"),
    ("thaw: v. 融化 (dissolve)", "en: zh", "thaw", "融化"),
    ("intensify the threat to：加剧威胁", "en: zh", "intensify the threat to", "加剧威胁"),
    # A key path's last key (a front matter's headings), and the English it shares.
    ("    The coin-flipping model::Generating data: 生成数据", "en: zh", "Generating data", "生成数据"),
    ("Connection with Linear Programming (LP): 与线性规划(LP)的联系", "en: zh",
     "Connection with Linear Programming (LP)", "与线性规划(LP)的联系"),
    ("导演: 陈凯歌 Kaige Chen/主演: 张国荣 Leslie Cheung / 张丰毅", "zh en", "Kaige Chen", "陈凯歌"),
    ("本学习路线主要参考美国四大CS名校(卡耐基梅隆CMU、斯坦福Stanford、加州伯克利UC Berkeley", "zh en", "UC Berkeley", "加州伯克利"),
    ("本学习路线主要参考美国四大CS名校(卡耐基梅隆CMU、斯坦福Stanford、加州伯克利UC Berkeley", "zh en", "Stanford", "斯坦福"),
]


@pytest.mark.parametrize("sentence,shape,en,zh", OUTSIDE)
def test_a_reading_outside_parentheses_is_offered(sentence, shape, en, zh):
    found = outside_readings(sentence)
    assert (shape, en, zh) in found, sorted(found)


def test_a_juxtaposed_span_stops_at_latin_and_a_quotation_before_a_parenthesis_is_left_to_it():
    found = outside_readings("美国四大CS名校(卡耐基梅隆CMU、麻省理工MIT)以及哈佛Harvard、普林斯顿Princeton等")
    assert ("zh en", "Harvard", "哈佛") in found
    assert all(en != "Harvard" or "MIT" not in zh for _, en, zh in found)
    # “Foo”(中文): the parenthesis reads the quotation; the quotation offers nothing itself.
    assert outside_readings("他提出了“Fast Weights”(快速权重)的想法") == set()
    # Latin inside a word, a path or an identifier is not a name; nor, alone, one word or an
    # acronym after a Chinese word that is not a transliteration.
    assert outside_readings("运行命令 foo/Bar 和 x.Baz 之后") == set()
    assert outside_readings("我们使用Python编写,通过API调用") == set()
    # A sentence that ends in an English word is not a bilingual heading.
    assert outside_readings("你好,我们用 Python") == set()
    assert outside_readings("他说, OK") == set()
    # A role or a key in markup before the colon, or code after it, is not a glossary line.
    assert outside_readings("{cite}`Blackwell1951`: 把任何凹函数称为不确定性函数") == set()
    assert outside_readings("- {cite:t}`x` 提出了加速原理的经验证据") == set()
