"""The review loop in Debian's Chromium: mark a pair wrong, fix another's span from a
selection, download corrections.jsonl, rebuild with it, and see the change."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from align.cli import app
from align.dataset.load import read_config

from .browser import needs_browser, open_browser, severe_entries
from .conftest import RAW, SEED_FORTUNE, SEED_HK, seed_text

# Selects the first occurrence of ``arguments[1]`` in the normalized text of the passage
# that holds mark ``arguments[0]`` (or, with ``arguments[2]``, of that passage instead), as a
# person's drag would: one Range over the text nodes.
SELECT = """
const passage = arguments[2] ? document.getElementById(arguments[2]).closest('.passage')
                             : document.getElementById(arguments[0]).closest('.passage');
const box = passage.querySelector('.text.normalized');
const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
const nodes = []; let text = '';
for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, text.length]); text += n.data; }
const at = text.indexOf(arguments[1]);
if (at < 0) return null;
const place = (k) => { const [n, s] = nodes.filter(([, s]) => s <= k).pop(); return [n, k - s]; };
const range = document.createRange();
range.setStart(...place(at)); range.setEnd(...place(at + arguments[1].length));
const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
return sel.toString();
"""


@pytest.fixture()
def review(built, tmp_path):
    """A fresh Chromium that downloads into ``tmp_path/downloads``, and the seeds' build."""
    from .browser import browser_missing

    if browser_missing():
        pytest.skip(browser_missing())
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = open_browser(tmp_path / "profile", downloads)
    yield driver, built[0], downloads
    driver.quit()


def _index(pairs: list[dict], doc_id: str, en: str) -> int:
    (i,) = [k for k, p in enumerate(pairs) if p["doc_id"] == doc_id and p["translation"]["en"] == en]
    return i


def _click(driver, css: str) -> None:
    button = driver.find_element("css selector", css)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()


def _open_popup(driver, i: int) -> None:
    mark = driver.find_element("id", f"pair-{i}")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", mark)
    mark.click()
    assert driver.find_element("id", "detail").is_displayed()


def _downloaded(folder: Path, name: str = "corrections.jsonl", timeout: float = 20.0) -> Path:
    path = folder / name
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_file() and not list(folder.glob("*.crdownload")):
            return path
        time.sleep(0.2)
    raise AssertionError(f"no {name} in {folder}: {sorted(p.name for p in folder.iterdir())}")


def _count(driver) -> str:
    return driver.find_element("id", "verdict-count").text


@needs_browser
def test_click_select_download_rebuild_and_see_the_change(review, tmp_path):
    driver, out, downloads = review
    pairs = read_config(out, "pairs")
    wrong = _index(pairs, SEED_FORTUNE, "Nvidia")
    fixed = _index(pairs, SEED_HK, "Chris Cox")
    assert pairs[fixed]["translation"]["zh"] == "基斯·西蒙确斯"
    driver.get((out / "report" / "index.html").as_uri())
    assert _count(driver) == "0 verdicts pending"

    _click(driver, f'#row-{wrong} button[data-verdict="wrong"]')
    _open_popup(driver, fixed)
    assert driver.execute_script(SELECT, f"pair-{fixed}", "西蒙确斯", None) == "西蒙确斯"
    _click(driver, '#detail button[data-verdict="fix"]')
    assert "→ 西蒙确斯" in driver.find_element("id", "detail").text
    assert _count(driver) == "2 verdicts pending"

    # Verdicts are kept in the browser: a reload shows them again.
    driver.refresh()
    assert _count(driver) == "2 verdicts pending"
    pressed = driver.find_element("css selector", f'#row-{wrong} button[data-verdict="wrong"]')
    assert pressed.get_attribute("aria-pressed") == "true"

    _click(driver, "#download-corrections")
    lines = _downloaded(downloads).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"doc_id": SEED_FORTUNE, "en": "Nvidia", "zh": "英伟达", "verdict": "wrong", "zh_fixed": None},
        {"doc_id": SEED_HK, "en": "Chris Cox", "zh": "基斯·西蒙确斯", "verdict": "fix", "zh_fixed": "西蒙确斯"},
    ]
    assert severe_entries(driver) == []

    again = tmp_path / "rebuilt"
    result = CliRunner().invoke(app, ["build", "--raw", str(RAW), "--out", str(again),
                                      "--corrections", str(downloads / "corrections.jsonl")])
    assert result.exit_code == 0, result.output
    assert ("corrections: 2 of 2 verdicts applied (right 0, wrong 1, fix 1; 0 restored from below the threshold), "
            "0 matched nothing") in result.output.splitlines()
    rebuilt = read_config(again, "pairs")
    assert not any(p["translation"]["en"] == "Nvidia" for p in rebuilt)
    new = rebuilt[_index(rebuilt, SEED_HK, "Chris Cox")]
    assert (new["translation"]["zh"], new["zh_original"], new["reviewed"]) == ("西蒙确斯", "西蒙確斯", "fix")
    assert seed_text(SEED_HK)[new["start"]:new["end"]] == "西蒙確斯"
    assert new["end"] == pairs[fixed]["end"] and len(rebuilt) == len(pairs) - 1

    # The rebuilt page marks the new span; its verdicts start afresh (another build).
    driver.get((again / "report" / "index.html").as_uri())
    i = _index(rebuilt, SEED_HK, "Chris Cox")
    assert driver.find_element("id", f"pair-{i}").text == "西蒙確斯"
    assert _count(driver) == "0 verdicts pending"
    row = driver.find_element("id", f"row-{i}").text
    assert "reviewed in this build: fix" in row
    assert severe_entries(driver) == []


@needs_browser
def test_a_selection_outside_the_pairs_passage_fixes_nothing(review):
    driver, out, _ = review
    pairs = read_config(out, "pairs")
    fixed = _index(pairs, SEED_HK, "Chris Cox")
    other = _index(pairs, SEED_FORTUNE, "Nvidia")
    driver.get((out / "report" / "index.html").as_uri())
    _open_popup(driver, fixed)
    assert driver.execute_script(SELECT, f"pair-{fixed}", "英伟达", f"pair-{other}") == "英伟达"
    _click(driver, '#detail button[data-verdict="fix"]')
    assert "The selection is not in this pair's passage." in driver.find_element("id", "detail").text
    assert _count(driver) == "0 verdicts pending"
    assert driver.find_element("id", "download-corrections").get_attribute("disabled") == "true"


@needs_browser
def test_right_on_a_refused_reading_is_a_verdict_too(review):
    driver, out, downloads = review
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    # The first refused reading, whichever the model refuses: a person may judge it right.
    k, refused = 0, report["dropped_below_min_confidence"][0]
    driver.get((out / "report" / "index.html").as_uri())
    _click(driver, f'#dropped-table tr[data-dropped="{k}"] button[data-verdict="right"]')
    assert _count(driver) == "1 verdict pending"
    _click(driver, "#download-corrections")
    (line,) = _downloaded(downloads).read_text(encoding="utf-8").splitlines()
    assert json.loads(line) == {"doc_id": refused["doc_id"], "en": refused["en"], "zh": refused["zh"], "verdict": "right",
                                "zh_fixed": None}
    # Pressed again, the verdict is taken back.
    _click(driver, f'#dropped-table tr[data-dropped="{k}"] button[data-verdict="right"]')
    assert _count(driver) == "0 verdicts pending"
