from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "raw"
GOLD = ROOT / "tests" / "gold" / "seeds.jsonl"
LINKS_GOLD = ROOT / "tests" / "gold" / "links.jsonl"
SEED_HK = "000_8297485a0459a644"
SEED_SUMMARY = "001_88066083f094b5d5"
SEED_FORTUNE = "004_591f396a4df44537"


def seed_text(doc_id: str) -> str:
    return (RAW / f"{doc_id}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session", autouse=True)
def _session_cache_dir(tmp_path_factory):
    """Builds made by session fixtures never read or write the user's cache folder."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ALIGN_CACHE_DIR", str(tmp_path_factory.mktemp("align-cache-session")))
        yield


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path_factory, monkeypatch):
    """Each test starts with an empty cache folder of its own (not the user's): every build
    of a test is a clean one unless the test builds twice."""
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(tmp_path_factory.mktemp("align-cache")))


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The seeds built once for the whole session: (out_dir, report)."""
    from align.pipeline import build

    out = tmp_path_factory.mktemp("build") / "build"
    report = build(RAW, out, gold_path=GOLD, links_gold_path=LINKS_GOLD)
    return out, report


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Debian Chromium (skips with the reason when it is not installed)."""
    from tests.browser import browser_missing, open_browser

    if browser_missing():
        pytest.skip(browser_missing())
    driver = open_browser(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def files_of(root: Path) -> list[str]:
    """Every file below ``root``, as sorted relative paths."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def same_tree(a: Path, b: Path) -> None:
    """Two build folders hold the same files, byte for byte."""
    assert files_of(a) == files_of(b)
    _, mismatch, errors = filecmp.cmpfiles(a, b, files_of(a), shallow=False)
    assert mismatch == [] and errors == [], mismatch
