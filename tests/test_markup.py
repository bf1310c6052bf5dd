"""Markdown and HTML read with real parsers: markup drops out, offsets still point into the file."""

from align.extract import extract_pairs
from align.markup import CODE_MARK, strip_markup
from align.normalize import normalize_document
from align.records import RawDocument
from align.segment import segment_document

MARKDOWN = """# 第四章 所有权

Rust 的核心功能是**所有权**（*ownership*）。我们用 [借用](ch04-02.md)（borrowing）访问值，
<b>栈</b>（stack）上的数据大小固定，`Vec<T>`（vector）是代码。

```rust
let 互斥锁（mutex） = 1;
```

| 中文 | English |
|---|---|
| 堆 | heap |
"""


def _pairs(text: str, name: str):
    doc = RawDocument("doc", name, text, "0" * 64, "utf-8", len(text.encode()))
    norm = normalize_document(doc, "s")
    return norm, extract_pairs(norm, segment_document(norm), min_confidence=0.0)[0]


def test_markdown_markup_drops_out_and_offsets_point_into_the_file():
    norm, pairs = _pairs(MARKDOWN, "ch04.md")
    assert "**" not in norm.text and "](" not in norm.text and "<b>" not in norm.text
    found = {(p.en, p.zh) for p in pairs}
    assert {("ownership", "所有权"), ("borrowing", "借用"), ("stack", "栈")} <= found, found
    for p in pairs:
        assert MARKDOWN[p.en_start:p.en_end] == p.en
        assert MARKDOWN[p.start:p.end] == p.zh_original


def test_emphasis_beside_chinese_punctuation_is_markup():
    # CommonMark keeps `了**“…”**` literal (the stars are next to punctuation, not a space), and
    # the stars after it then pair up wrongly; Chinese writes emphasis without spaces.
    text = "她过早领悟了**“及时行乐”**（Carpe Diem: 抓住当下）的道理，后来选修了**埃德温·萨尔彼得**（Edwin Salpeter）的课。\n"
    norm, pairs = _pairs(text, "a.md")
    assert "*" not in norm.text
    assert ("Edwin Salpeter", "埃德温·萨尔彼得") in {(p.en, p.zh) for p in pairs}
    for p in pairs:
        assert text[p.start:p.end] == p.zh_original and text[p.en_start:p.en_end] == p.en


def test_code_never_yields_pairs():
    _, pairs = _pairs(MARKDOWN, "ch04.md")
    english = {p.en for p in pairs}
    assert "vector" not in english and "mutex" not in english


def test_the_same_text_as_plain_text_keeps_its_markup():
    norm, _ = _pairs(MARKDOWN, "ch04.txt")
    assert "**所有权**" in norm.text


def test_html_text_entities_and_code():
    html = "<html><body><p>我们把它叫做<em>浏览器引擎</em>（browser engine）&amp;<code>x（y）</code></p></body></html>"
    plain, starts, ends = strip_markup(html, "html")
    assert "浏览器引擎(browser engine)" not in plain  # width is normalize's job, not markup's
    assert "浏览器引擎（browser engine）&" + CODE_MARK in plain
    i = plain.index("浏览器")
    assert html[starts[i]:ends[i + 4]] == "浏览器引擎"
    amp = plain.index("&")
    assert html[starts[amp]:ends[amp]] == "&amp;"


def test_every_character_of_html_text_keeps_its_source_range():
    # A reference without its semicolon (as in a URL's query) and an unknown one stay as
    # written; a known one becomes its character, mapped to the whole reference.
    html = '<p>见<a href="x">路透</a>（Reuters）?srcType=RSS&feedName=Top&#8217;s &unknown; &copy;</p>'
    plain, starts, ends = strip_markup(html, "html")
    assert len(plain) == len(starts) == len(ends)
    assert "srcType=RSS&feedName=Top’s" in plain and "&unknown;" in plain
    for i, ch in enumerate(plain):
        if ch != "\n":
            assert html[starts[i]:ends[i]] in (ch, "&#8217;", "&copy;"), (i, ch)


def test_a_table_row_is_one_line_read_as_a_pair():
    table = "# 词表\n\n| 英文 | 中文 | 备注 |\n|---|---|---|\n| access | **存取** | 陆译: 访问 |\n| abstract | 抽象的 | |\n"
    norm, pairs = _pairs(table, "glossary.md")
    assert "access | 存取 | 陆译: 访问" in norm.text.split("\n")
    found = {(p.en, p.zh) for p in pairs}
    assert ("abstract", "抽象的") in found, found
    # One reading per English: either rendering the row gives, never the note's label with it.
    assert {zh for en, zh in found if en == "access"} in ({"存取"}, {"访问"}), found
    for p in pairs:
        assert table[p.en_start:p.en_end] == p.en
        assert table[p.start:p.end] == p.zh_original


def test_front_matter_lines_stay_lines_and_point_into_the_file():
    # A YAML front matter block is not a setext heading: its key-value lines are read one by one.
    text = ("---\ntitle: 非共轭先验\nheadings:\n  Overview: 概述\n  Variational inference::The evidence lower bound: 证据下界\n"
            "---\n\n# 非共轭先验\n\n正文。\n")
    out, starts, _ = strip_markup(text, "markdown")
    assert "Overview: 概述\n" in out and "title: 非共轭先验\n" in out and "---" not in out
    for i, ch in enumerate(out):
        if ch != "\n":
            assert text[starts[i]] == ch
    _, pairs = _pairs(text, "bayes.md")
    found = {(p.en, p.zh) for p in pairs}
    assert {("The evidence lower bound", "证据下界"), ("Overview", "概述")} <= found, found
    for p in pairs:
        assert text[p.start:p.end] == p.zh_original and text[p.en_start:p.en_end] == p.en
