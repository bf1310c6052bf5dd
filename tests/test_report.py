"""The report page, rendered from a build of the seeds and checked in headless Chromium.

The browser tests drive Debian's chromium and chromedriver through Selenium, with both
paths given explicitly so that Selenium Manager never downloads a driver; they are
skipped when either is missing (``apt-get install chromium chromium-driver``).
"""

from __future__ import annotations

import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from align.cli import app
from align.dataset.load import read_config
from align.dataset.schema import parquet_name
from align.review import render_report, write_report
from align.review.documents import mark_spans
from align.review.html import json_for_script

from .browser import CHROMIUM, needs_browser, severe_entries
from .conftest import RAW

# ---- fixtures: the seeds' build, its report, one browser for the module ----------


@pytest.fixture(scope="module")
def seed_report(built, tmp_path_factory) -> tuple[Path, Path]:
    """(build dir, report file) of the seeds; ``built`` is conftest's session build of raw/."""
    out, _ = built
    page = write_report(out, RAW, tmp_path_factory.mktemp("report") / "index.html")
    return out, page


@pytest.fixture()
def page(browser, seed_report):
    """The seeds' report, freshly loaded, with the console log emptied of earlier pages."""
    browser.get(seed_report[1].as_uri())
    return browser


# ---- without a browser -------------------------------------------------------------


@pytest.mark.parametrize(
    "obj, forbidden",
    [
        ({"en": "</script><script>alert(1)</script>"}, ["</script", "<script"]),
        ({"en": "<!-- x -->"}, ["<!--", "-->"]),
        ({"en": "a & b"}, ["&"]),
        ({"en": "line\u2028separator\u2029paragraph"}, ["\u2028", "\u2029"]),
    ],
)
def test_json_for_script_cannot_close_the_script(obj, forbidden):
    text = json_for_script(obj)
    for s in forbidden:
        assert s not in text
    assert json.loads(text) == obj


@pytest.mark.parametrize(
    "text, spans, expected",
    [
        ("杨立昆(Yann LeCun)", [(0, 3, 0)], "[0:杨立昆](Yann LeCun)"),
        # An acronym and its expansion share one Chinese span: the marks nest.
        ("基础人工智能研究", [(0, 8, 1), (0, 8, 0)], "[0:[1:基础人工智能研究]]"),
        ("ab<c>d", [(2, 5, 0)], "ab[0:&lt;c&gt;]d"),
        # A span crossing the end of another is clipped, still one element each.
        ("abcdef", [(0, 3, 0), (2, 5, 1)], "[0:ab[1:c]]def"),
        ("abc", [(1, 1, 0)], "a[0:]bc"),
    ],
)
def test_mark_spans_gives_one_element_per_span(text, spans, expected):
    got = mark_spans(text, spans, lambda key, clipped: f"[{key}:", "]")
    assert got == expected


def test_render_is_byte_identical(seed_report, tmp_path):
    out, page = seed_report
    again = tmp_path / "elsewhere" / "build"
    shutil.copytree(out, again)
    first = page.read_bytes()
    assert render_report(out, RAW).encode("utf-8") == first
    # Nothing of the build's own path reaches the page.
    assert render_report(again, RAW).encode("utf-8") == first


def test_page_loads_nothing_from_the_network(seed_report):
    text = seed_report[1].read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text

    class Refs(HTMLParser):
        def __init__(self):
            super().__init__()
            self.urls: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.urls += [v or "" for k, v in attrs if k in ("src", "href", "action", "xlink:href", "srcset")]

    refs = Refs()
    refs.feed(text)
    assert refs.urls and all(u.startswith(("#", "data:")) for u in refs.urls), refs.urls
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', text).group(1)
    assert csp.startswith("default-src 'none'; script-src 'sha256-") and "unsafe-inline" not in csp


def test_page_degrades_without_links_and_chrf(seed_report, tmp_path):
    import pyarrow.parquet as pq

    build = tmp_path / "build"
    shutil.copytree(seed_report[0], build)
    table = pq.read_table(build / parquet_name("pairs"))
    if "chrf" in table.column_names:
        pq.write_table(table.drop(["chrf"]), build / parquet_name("pairs"))
    (build / "report.json").write_text(json.dumps({"documents": []}), encoding="utf-8")
    shutil.rmtree(build / "links", ignore_errors=True)  # a build made with --no-link
    text = render_report(build)
    assert 'id="no-links"' in text and 'id="no-chrf"' in text and 'id="no-gold"' in text
    assert text.count('<mark class="pair') == table.num_rows


def test_links_and_gold_lists_are_shown(seed_report, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    build = tmp_path / "build"
    shutil.copytree(seed_report[0], build)
    pairs = read_config(build, "pairs")
    # A link per pair of another document: the English of one, the span of the other.
    links = [
        {"en": a["translation"]["en"], "gloss": a["translation"]["zh"], "source_doc_id": a["doc_id"],
         "passage_id": b["passage_id"], "doc_id": b["doc_id"], "zh": b["translation"]["zh"],
         "zh_original": b["zh_original"], "start": b["start"], "end": b["end"], "score": 0.5, "margin": 0.25}
        for a, b in zip(pairs[:3], pairs[-3:], strict=True)
    ]
    (build / "links").mkdir(exist_ok=True)
    pq.write_table(pa.Table.from_pylist(links), build / parquet_name("links"))
    info = json.loads((build / "report.json").read_text(encoding="utf-8"))
    info["gold_misses"] = [{"doc_id": pairs[0]["doc_id"], "en": "Missed Name", "zh": "漏掉的名字"}]
    info["gold_extras"] = [{"doc_id": pairs[1]["doc_id"], "en": "Extra Name", "zh": "多出的名字"}]
    (build / "report.json").write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    text = render_report(build)
    table = text[text.index('id="links-table"'):]
    table = table[: table.index("</table>")]
    assert table.count("<tr>") == 1 + len(links)
    for link in links:
        assert f'<mark class="link">{link["zh_original"]}</mark>' in table
    assert "Missed Name" in text and "漏掉的名字" in text and "Extra Name" in text


def test_the_report_command_writes_the_page_and_a_screenshot(seed_report, tmp_path):
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    out, png = tmp_path / "report.html", tmp_path / "report.png"
    result = CliRunner().invoke(app, ["report", "--build", str(seed_report[0]), "--out", str(out),
                                      "--screenshot", str(png), "--height", "900"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == render_report(seed_report[0], Path("raw")).encode("utf-8")  # the command checks ./raw
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---- in the browser ----------------------------------------------------------------


@needs_browser
def test_page_has_no_console_errors(page):
    assert severe_entries(page) == []
    # The script ran (its CSP hash matched): the count line is its output.
    assert page.find_element("id", "pair-count").text.endswith("pairs shown")


@needs_browser
def test_one_mark_per_pair_on_its_span(page, seed_report):
    pairs = read_config(seed_report[0], "pairs")
    marks = page.execute_script(
        "return Array.from(document.querySelectorAll('mark.pair'), m => [Number(m.dataset.pair), m.textContent]);"
    )
    assert len(marks) == len(pairs)
    assert sorted(i for i, _ in marks) == list(range(len(pairs)))
    for i, text in marks:
        assert text == pairs[i]["zh_original"]


@needs_browser
def test_click_on_a_mark_shows_its_pair(page, seed_report):
    pairs = read_config(seed_report[0], "pairs")
    i = next(k for k, p in enumerate(pairs) if p["flags"])
    mark = page.find_element("id", f"pair-{i}")
    page.execute_script("arguments[0].scrollIntoView({block: 'center'});", mark)
    assert pairs[i]["translation"]["en"] in mark.get_attribute("title")
    mark.click()
    panel = page.find_element("id", "detail")
    assert panel.is_displayed()
    text = panel.text
    assert pairs[i]["translation"]["en"] in text and pairs[i]["kind"] in text
    assert all(flag in text for flag in pairs[i]["flags"])
    assert f"{pairs[i]['confidence']:.3f}" in text
    assert severe_entries(page) == []


@needs_browser
def test_scrolling_the_marks_away_closes_their_panel(page, seed_report):
    mark = page.find_element("id", "pair-0")
    page.execute_script("arguments[0].scrollIntoView({block: 'center'});", mark)
    mark.click()
    panel = page.find_element("id", "detail")
    assert panel.is_displayed()
    page.execute_script("window.scrollTo(0, document.body.scrollHeight);")
    page.execute_script("return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));")
    assert not panel.is_displayed()


@needs_browser
def test_a_jump_to_a_pair_lands_below_the_sticky_header(page, seed_report):
    # The review links (#pair-N from the pairs table) must not put the pair under the sticky
    # header or the document's sticky column heads: the mark is what is seen at its place.
    pairs = read_config(seed_report[0], "pairs")
    for i in (len(pairs) // 3, len(pairs) // 2):
        page.execute_script(f"location.hash = '#pair-{i}';")
        seen = page.execute_script(f"""
            const m = document.getElementById('pair-{i}'); const r = m.getClientRects()[0];
            const hit = document.elementFromPoint(r.left + 2, r.top + 2);
            return hit === m || m.contains(hit);""")
        assert seen, i


@needs_browser
def test_a_narrow_screen_gets_a_page_as_wide_as_itself(page, seed_report):
    size = page.get_window_size()
    try:
        page.set_window_size(420, 900)
        page.get(seed_report[1].as_uri())
        width, inner = page.execute_script("return [document.documentElement.scrollWidth, window.innerWidth];")
        assert width <= inner, (width, inner)
        # A flag is one unbroken label, never split across lines.
        broken = page.execute_script(
            "return Array.from(document.querySelectorAll('.flag')).filter(f => f.getClientRects().length > 1).length;")
        assert broken == 0
    finally:
        page.set_window_size(size["width"], size["height"])


def _visible_rows(driver) -> list[int]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#pairs-table tbody tr'))"
        ".filter(r => !r.hidden).map(r => Number(r.dataset.pair));"
    )


def _matches(p: dict, needle: str) -> bool:
    """The filter as the page documents it: a case-insensitive substring of these fields."""
    t = p["translation"]
    hay = "\n".join([t["en"], t["zh"], p["zh_original"], p["doc_id"], p["kind"], " ".join(p["flags"])])
    return needle.strip().lower() in hay.lower()


@needs_browser
@pytest.mark.parametrize("needle", ["meta", "扎克伯格", "QUOTE", "acronym"])
def test_filter_box_shows_exactly_the_matching_rows(page, seed_report, needle):
    pairs = read_config(seed_report[0], "pairs")
    expected = [i for i, p in enumerate(pairs) if _matches(p, needle)]
    assert 0 < len(expected) < len(pairs), needle
    box = page.find_element("id", "pair-filter")
    box.send_keys(needle)
    assert _visible_rows(page) == expected
    assert page.find_element("id", "pair-count").text == f"{len(expected)} of {len(pairs)} pairs shown"


@needs_browser
def test_kind_select_filters_rows(page, seed_report):
    from selenium.webdriver.support.ui import Select

    pairs = read_config(seed_report[0], "pairs")
    Select(page.find_element("id", "filter-kind")).select_by_value("k:name")
    assert _visible_rows(page) == [i for i, p in enumerate(pairs) if p["kind"] == "name"]
    Select(page.find_element("id", "filter-flag")).select_by_value("none")
    assert _visible_rows(page) == [i for i, p in enumerate(pairs) if p["kind"] == "name" and not p["flags"]]


@needs_browser
def test_sorting_by_confidence_orders_rows(page, seed_report):
    pairs = read_config(seed_report[0], "pairs")
    button = page.find_element("css selector", '#pairs-table button[data-sort="confidence"]')
    page.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()
    order = _visible_rows(page)
    assert sorted(order) == list(range(len(pairs)))
    values = [pairs[i]["confidence"] for i in order]
    assert values == sorted(values)
    assert button.find_element("xpath", "..").get_attribute("aria-sort") == "ascending"
    button.click()
    values = [pairs[i]["confidence"] for i in _visible_rows(page)]
    assert values == sorted(values, reverse=True)
    shown = page.execute_script(
        "return Array.from(document.querySelectorAll('#pairs-table tbody tr td:nth-child(7)'), td => td.textContent);"
    )
    assert shown == [f"{v:.3f}" for v in values]
    assert severe_entries(page) == []


def test_page_lists_readings_below_the_threshold_with_their_confidence(built):
    out, _ = built
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    page = (out / "report" / "index.html").read_text(encoding="utf-8")
    dropped = report["dropped_below_min_confidence"]
    assert dropped and 'id="dropped-table"' in page
    for d in dropped:
        assert html.escape(d["en"], quote=True) in page
        assert f'{d["confidence"]:.3f}' in page


@needs_browser
@pytest.mark.parametrize("width", [1280, 420])
def test_screenshots_at_both_widths_show_the_page_without_overflow(page, seed_report, tmp_path, width):
    """The page as a reader sees it at a desktop and a phone width: a screenshot as wide as
    the window, nothing wider than the screen, the header above the first pair's mark."""
    import struct

    size = page.get_window_size()
    try:
        page.set_window_size(width, 900)
        page.get(seed_report[1].as_uri())
        png = tmp_path / f"review-{width}.png"
        assert page.save_screenshot(str(png))
        data = png.read_bytes()
        shot_w, _shot_h = struct.unpack(">II", data[16:24])
        inner, scroll, ratio = page.execute_script(
            "return [window.innerWidth, document.documentElement.scrollWidth, window.devicePixelRatio];")
        assert shot_w == round(inner * ratio)
        assert scroll <= inner, (scroll, inner)
        header_bottom, mark_top = page.execute_script("""
            const h = document.querySelector('header.top'); const m = document.getElementById('pair-0');
            m.scrollIntoView({block: 'center'});
            return [h.getBoundingClientRect().bottom, m.getClientRects()[0].top];""")
        assert mark_top >= header_bottom
    finally:
        page.set_window_size(size["width"], size["height"])
