"""The report page is inert to hostile articles: payloads show as text, nothing runs.

Two builds are attacked. One is built by the pipeline from a raw folder whose text,
parenthesized English, speaker labels and file names carry payloads (the extractor
refuses most of those parentheses, but keeps quotes and ``&`` in pairs). The other is
written by hand, so that every field of every config carries a payload, including
the ``links`` config, document metadata and the gold lists of ``report.json``.
Each page is opened in headless Chromium: no alert, no console error, no element
or attribute the page did not make itself, and the payloads readable as text.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from align.dataset.load import read_config
from align.dataset.schema import parquet_name
from align.review import render_report, write_report
from tests.browser import severe_entries

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
QUOTE = 'Yann "onmouseover=alert(1) x=" LeCun'
PAYLOADS = (SCRIPT, IMG, "</textarea>", "</script>", "javascript:alert(1)", QUOTE)

ARTICLE = f"""标题{SCRIPT}测试
Meta的首席人工智能科学家杨立昆({IMG} LeCun)今天发表了讲话,内容很多。
他的名字({QUOTE})在文章里出现过,名字({QUOTE})。
文章里有一个链接 javascript:alert(1) 和一个 </textarea> 还有 </script> 以及引号"和'。
杨立昆(Yann "LeCun")是图灵奖得主,他在纽约大学任教多年。
“好点子”(great&lt;script&gt;)变成追求。
Yann O'Reilly:我们认为开源是前进的方向,这一点非常重要。
Yann O'Reilly:开源模型(open model)让更多人参与进来,我们很高兴。
"""
SHORT_ARTICLE = "杨立昆(Yann LeCun)是图灵奖得主,他在纽约大学任教多年。\n"
# A "/" cannot be in a file name, so "<b>x</b>.txt" is the file "b>.txt" in the folder
# "<b>x<": read.py walks folders, and the doc id becomes "<b>x</b>" all the same.
FILE_NAMES = ("<b>x</b>.txt", '"><img src=x onerror=alert(1)>.txt', "a'onmouseover='alert(1).txt")

# Counted in the page itself: the JSON data and the one inline script.
PAGE_SCRIPTS = 2


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory) -> Path:
    from align.pipeline import build

    raw = tmp_path_factory.mktemp("hostile") / "raw"
    for k, name in enumerate(FILE_NAMES):
        path = raw / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(ARTICLE if k == 0 else SHORT_ARTICLE, encoding="utf-8")
    out = raw.parent / "build"
    build(raw, out, min_confidence=0.0)  # every reading reaches the page, payloads included
    return out


@pytest.fixture(scope="module")
def forged_build(tmp_path_factory) -> Path:
    """A build written by hand: a payload in every string field the page shows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = tmp_path_factory.mktemp("forged") / "build"
    doc = f'doc{IMG}"\'&'
    text = f"前言{SCRIPT}杨立昆({QUOTE})和</script>结尾"
    start = text.index("杨立昆")
    tables = {
        "documents": [{"doc_id": doc, "path": f"{doc}.txt", "sha256": "0" * 64, "encoding": IMG,
                       "variant": "s", "opencc_config": "none", "title": SCRIPT, "url": "javascript:alert(1)"}],
        "passages": [{"passage_id": f"{doc}/0000", "doc_id": doc, "kind": "</textarea>", "speaker": QUOTE,
                      "text": text, "text_original": text, "start": 0, "end": len(text)}],
        "pairs": [{"translation": {"en": en, "zh": "杨立昆"}, "zh_original": "杨立昆", "doc_id": doc,
                   "passage_id": f"{doc}/0000", "kind": kind, "shape": SCRIPT, "start": start, "end": start + 3,
                   "en_start": 0, "en_end": 0, "context": SCRIPT, "confidence": 0.5, "chrf": 50.0,
                   "flags": [IMG, "javascript:alert(1)"]}
                  for en, kind in ((QUOTE, IMG), (SCRIPT, "name"), ("</script><!--", "</textarea>"))],
        "links": [{"en": QUOTE, "gloss": SCRIPT, "source_doc_id": IMG, "passage_id": f"{doc}/0000",
                   "doc_id": doc, "zh": IMG, "zh_original": "杨立昆", "start": start, "end": start + 3,
                   "score": 0.9, "margin": 0.1}],
    }
    for config, rows in tables.items():
        (out / config).mkdir(parents=True)
        pq.write_table(pa.Table.from_pylist(rows), out / parquet_name(config))
    report = {
        "align_version": IMG,
        "documents": [{"path": f"{IMG}.bin", "doc_id": None, "status": "skipped", "reason": SCRIPT}],
        "gold": {"precision": 1.0, "recall": 0.5, IMG: SCRIPT},
        "gold_misses": [{"doc_id": doc, "en": QUOTE, "zh": SCRIPT}],
        "gold_extras": [{"doc_id": IMG, "en": "javascript:alert(1)", "zh": "</textarea>"}],
        "rejected_candidates": {SCRIPT: 1},
    }
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    return out


def test_hostile_build_keeps_its_payloads(hostile_build):
    """The attack reaches the page: doc ids, passages and pairs carry the payloads."""
    docs = {r["doc_id"] for r in read_config(hostile_build, "documents")}
    assert {"<b>x</b>", '"><img src=x onerror=alert(1)>', "a'onmouseover='alert(1)"} <= docs
    passages = read_config(hostile_build, "passages")
    assert any(SCRIPT in p["text_original"] for p in passages)
    assert any(p["speaker"] == "Yann O'Reilly" for p in passages)
    english = {p["translation"]["en"] for p in read_config(hostile_build, "pairs")}
    assert any('"' in en for en in english) and any("&" in en for en in english), english


class TagCollector(HTMLParser):
    """Every start tag of a page with its attributes, as a browser's tokenizer sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


# The elements the report itself writes; anything else came from an article.
PAGE_TAGS = {
    "html", "head", "meta", "link", "title", "style", "body", "header", "h1", "nav", "a", "main", "section",
    "h2", "h3", "ul", "li", "b", "p", "div", "figure", "figcaption", "svg", "text", "rect", "line",
    "circle", "g", "table", "thead", "tbody", "tr", "th", "td", "button", "label", "input", "select", "option",
    "output", "span", "mark", "dl", "dt", "dd", "code", "br", "aside", "script",
}


@pytest.mark.parametrize("which", ["hostile_build", "forged_build"])
def test_page_source_has_only_its_own_markup(which, request):
    text = render_report(request.getfixturevalue(which))
    parser = TagCollector()
    parser.feed(text)
    tags = parser.tags
    assert {t for t, _ in tags} <= PAGE_TAGS, {t for t, _ in tags} - PAGE_TAGS
    assert [a.get("type") for t, a in tags if t == "script"] == ["application/json", None]
    assert len(re.findall(r"</script", text, re.IGNORECASE)) == PAGE_SCRIPTS
    for tag, attrs in tags:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("href", "src", "action", "formaction", "xlink:href"):
            assert attrs.get(name) is None or attrs[name].startswith(("#", "data:")), (tag, attrs)
        if tag == "b":
            assert not attrs  # the summary's figures, not an article's <b>
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', text).group(1)
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp and "style-src 'sha256-" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


@pytest.mark.parametrize("which", ["hostile_build", "forged_build"])
def test_payloads_stay_text_in_the_browser(which, request, browser, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.action_chains import ActionChains

    build = request.getfixturevalue(which)
    page = write_report(build, None, tmp_path / "index.html")
    browser.get(page.as_uri())
    # Hover and click the marks and labels, so that any injected handler would fire.
    for node in browser.find_elements("css selector", "mark.pair, mark.echo, .speaker"):
        browser.execute_script("document.getElementById('detail').hidden = true;"
                               "arguments[0].scrollIntoView({block: 'center'});", node)
        ActionChains(browser).move_to_element(node).click().perform()
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert  # noqa: B018 (the property raises when no dialog is open)
    assert severe_entries(browser) == []

    found = browser.execute_script(
        """return {
        scripts: document.querySelectorAll('script').length,
        foreign: document.querySelectorAll('img, textarea, iframe, object, embed, form').length,
        bold: Array.from(document.querySelectorAll('b')).filter(b => !b.closest('ul.stats')).length,
        handlers: Array.from(document.querySelectorAll('*')).flatMap(
            e => Array.from(e.attributes).filter(a => a.name.startsWith('on')).map(a => a.name)),
        jsLinks: Array.from(document.querySelectorAll('[href], [src]')).filter(
            e => !/^(#|data:)/.test(e.getAttribute('href') || e.getAttribute('src'))).length,
        csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]').content,
        text: document.body.innerText,
        marks: document.querySelectorAll('mark.pair').length,
        };"""
    )
    assert found["scripts"] == PAGE_SCRIPTS
    assert found["foreign"] == 0 and found["bold"] == 0
    assert found["handlers"] == [] and found["jsLinks"] == 0
    assert "unsafe-inline" not in found["csp"] and "script-src 'sha256-" in found["csp"]
    assert found["marks"] == len(read_config(build, "pairs"))
    for payload in PAYLOADS:
        assert payload in found["text"], payload
    if which == "hostile_build":
        assert "<b>x</b>" in found["text"] and "Yann O'Reilly" in found["text"]
        assert "great&lt" in found["text"]  # the article's own entity, shown, not decoded
    else:
        # The detail panel of the last clicked mark shows the English as text.
        assert "</script><!--" in browser.find_element("id", "detail").text
