"""The cache of per-document results: the JSON round trip on real documents, warm rebuilds
byte for byte a clean build's, one changed file recomputed alone, --no-cache, damaged
entries, and what the key follows. ALIGN_CACHE_DIR is a tmp folder in every test (conftest)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from align import cache as cache_mod
from align.cache import CACHE_FILE, DocumentCache, document_key, package_fingerprint
from align.cli import app
from align.config import BuildConfig
from align.pair_model import shipped_model
from align.pipeline import build, process_document
from align.read import read_file
from align.records import DocumentMeta, DocumentStatus, ProcessedDocument
from align.records_json import result_from_json, result_to_json

from .conftest import GOLD, LINKS_GOLD, RAW, ROOT, SEED_FORTUNE, SEED_SUMMARY, same_tree

FAST = {"link": False, "review": False}  # per-document results do not depend on these
MARKUP = [ROOT / "tests/dev/extract/tune/a_gopl_zh/raw/ch1_01.md",
          *sorted(f for part in ("tune", "test") for f in (ROOT / "tests/dev/extract" / part).glob("*/raw/*.html"))[:1]]


def _read(path: Path, root: Path):
    return read_file(path, root)


def _cache_dir() -> Path:
    return Path(os.environ["ALIGN_CACHE_DIR"])


@pytest.fixture()
def small_raw(tmp_path):
    """Two seeds, a file the reader skips and one the normalizer skips."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for doc_id in (SEED_FORTUNE, SEED_SUMMARY):
        shutil.copy(RAW / f"{doc_id}.txt", raw)
    (raw / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (raw / "english.txt").write_text("Only English here, (like this).\n", encoding="utf-8")
    return raw


# -- the JSON form ----------------------------------------------------------------------------
@pytest.mark.parametrize("path", [*sorted(RAW.glob("*.txt")), *MARKUP], ids=lambda p: p.name)
def test_round_trip_of_a_real_document_gives_equal_records(path):
    raw = _read(path, path.parent)
    meta = DocumentMeta(title="t", collection="c")
    result = process_document(raw, meta, BuildConfig(), shipped_model())
    assert isinstance(result, ProcessedDocument) and result.pairs and result.rejections
    text = json.dumps(result_to_json(result), ensure_ascii=False)
    back = result_from_json(json.loads(text), raw, meta)
    assert back == result
    # Same types too (a numpy float would compare equal and still print differently).
    assert repr(back) == repr(result)
    assert any(r.pair is not None for r in back.rejections) == any(r.pair is not None for r in result.rejections)


def test_a_passage_text_that_is_not_its_slice_is_written_out():
    from dataclasses import replace

    raw = _read(RAW / f"{SEED_SUMMARY}.txt", RAW)
    result = process_document(raw, DocumentMeta(), BuildConfig(), shipped_model())
    first = result.passages[0]
    result.passages[0] = replace(first, text="说话人：" + first.text, text_original=first.text_original + " ")
    data = json.loads(json.dumps(result_to_json(result), ensure_ascii=False))
    assert data["passages"][0][5:7] == [result.passages[0].text, result.passages[0].text_original]
    assert data["passages"][1][5:7] == [None, None]  # the slices themselves are not stored twice
    assert result_from_json(data, raw, DocumentMeta()) == result


def test_round_trip_of_a_skipped_document(tmp_path):
    (tmp_path / "english.txt").write_text("Only English here.\n", encoding="utf-8")
    raw = _read(tmp_path / "english.txt", tmp_path)
    result = process_document(raw, DocumentMeta(), BuildConfig(), shipped_model())
    assert isinstance(result, DocumentStatus) and result.reason == "no Chinese text"
    assert result_from_json(json.loads(json.dumps(result_to_json(result))), raw, DocumentMeta()) == result


def _far_offsets(n: int) -> str:
    """Offsets of the right length pointing past the end of any text."""
    import base64
    from array import array

    return base64.b64encode(array("i", [1 << 20] * n).tobytes()).decode()


@pytest.mark.parametrize("damage", [
    lambda d: d.update(format=0),
    lambda d: d["layout"]["Passage"].append("new_field"),
    lambda d: d["passages"][0].__setitem__(9, "7"),
    lambda d: d["passages"][0].pop(),
    lambda d: d["pairs"][0].__setitem__(13, [["x"]]),
    lambda d: d["document"].__setitem__(3, "AAAA"),
    lambda d: d["document"].__setitem__(4, _far_offsets(len(d["document"][2]))),
    lambda d: d["pairs"][0].__setitem__(6, True),
    lambda d: d.pop("rejections"),
], ids=["format", "layout", "type", "short row", "signals", "offsets", "far offsets", "bool", "missing"])
def test_a_damaged_payload_is_refused_not_misread(damage):
    raw = _read(RAW / f"{SEED_SUMMARY}.txt", RAW)
    data = result_to_json(process_document(raw, DocumentMeta(), BuildConfig(), shipped_model()))
    damage(data)
    with pytest.raises(ValueError):
        result_from_json(data, raw, DocumentMeta())


# -- builds -----------------------------------------------------------------------------------
def test_a_changed_corrections_file_never_meets_a_stale_entry(small_raw, tmp_path):
    from align.dataset.load import read_config

    verdicts = tmp_path / "corrections.jsonl"
    verdicts.write_text(json.dumps({"doc_id": SEED_FORTUNE, "en": "Nvidia", "zh": "英伟达", "verdict": "wrong",
                                    "zh_fixed": None}, ensure_ascii=False) + "\n", encoding="utf-8")
    first = build(small_raw, tmp_path / "first", corrections_path=verdicts, **FAST)
    report = json.loads((tmp_path / "first" / "report.json").read_text(encoding="utf-8"))
    # The file by name only: an absolute path would name the machine.
    assert report["corrections"] == {"file": "corrections.jsonl", "verdicts": 1, "restored": 0, "unmatched": [],
                                     "applied": {"right": 0, "wrong": 1, "fix": 0}}
    assert report["rejected_candidates"]["marked wrong in review"] == 1
    assert not any(r["translation"]["en"] == "Nvidia" for r in read_config(tmp_path / "first", "pairs"))
    # The next review round says otherwise: the cache serves every document, the new verdicts apply.
    verdicts.write_text(json.dumps({"doc_id": SEED_FORTUNE, "en": "AGI", "zh": "人工通用智能", "verdict": "right",
                                    "zh_fixed": None}, ensure_ascii=False) + "\n", encoding="utf-8")
    second = build(small_raw, tmp_path / "second", corrections_path=verdicts, **FAST)
    assert (second.cache_hits, second.cache_misses) == (first.cache_misses, 0)
    pairs = read_config(tmp_path / "second", "pairs")
    reviewed = {r["translation"]["en"]: r["reviewed"] for r in pairs if r["translation"]["en"] in ("Nvidia", "AGI")}
    assert reviewed == {"Nvidia": None, "AGI": "right"}


def test_warm_rebuild_of_the_seeds_is_byte_identical_to_a_clean_build(built, tmp_path):
    clean, _ = built
    # The cache is warmed by a build without linking or review page: those do not key it.
    first = build(RAW, tmp_path / "warm-up", **FAST)
    assert (first.cache_hits, first.cache_misses) == (0, 3)
    report = build(RAW, tmp_path / "warm", gold_path=GOLD, links_gold_path=LINKS_GOLD)
    assert (report.cache_hits, report.cache_misses) == (3, 0)
    same_tree(clean, tmp_path / "warm")


def test_changing_one_raw_file_recomputes_only_that_document(small_raw, tmp_path):
    cold = build(small_raw, tmp_path / "cold", **FAST)
    # The reader's skip is not cached (the file is never processed); the normalizer's is.
    assert (cold.cache_hits, cold.cache_misses) == (0, 3)
    path = small_raw / f"{SEED_SUMMARY}.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n杨立昆(Yann LeCun)说过这句话。\n", encoding="utf-8")
    warm = build(small_raw, tmp_path / "warm", **FAST)
    assert (warm.cache_hits, warm.cache_misses) == (2, 1)
    clean = build(small_raw, tmp_path / "clean", cache=False, **FAST)
    same_tree(tmp_path / "clean", tmp_path / "warm")
    # Skipped files are in the report as before, with their reasons.
    skipped = {d.path: d.reason for d in warm.skipped}
    assert skipped == {d.path: d.reason for d in clean.skipped}
    assert skipped["english.txt"] == "no Chinese text" and "PNG image" in skipped["broken.txt"]


def test_no_cache_neither_reads_nor_writes_the_cache_folder(small_raw, tmp_path, monkeypatch):
    from align import lexicon

    lexicon.cedict()  # the dictionary's own cache is another file: loaded before the folder is watched
    folder = tmp_path / "cache"
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(folder))
    result = CliRunner().invoke(app, ["build", "--raw", str(small_raw), "--out", str(tmp_path / "a"), "--no-cache",
                                      "--no-link", "--no-report"])
    assert result.exit_code == 0, result.output
    assert not folder.exists()
    assert "cache:" not in result.output
    result = CliRunner().invoke(app, ["build", "--raw", str(small_raw), "--out", str(tmp_path / "b"),
                                      "--no-link", "--no-report"])
    assert "cache: 0 documents reused, 3 processed" in result.output
    assert list(folder.glob("tokenizers/*.model"))  # the trained tokenizer is kept too
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.rglob("*") if p.is_file()}
    # A cache the build may not read: --no-cache must not even open it.
    monkeypatch.setattr(cache_mod.DocumentCache, "result", lambda *a: pytest.fail("the cache was used"))
    monkeypatch.setattr(cache_mod.TokenizerStore, "get", lambda *a: pytest.fail("the tokenizer store was read"))
    monkeypatch.setattr(cache_mod.TokenizerStore, "put", lambda *a: pytest.fail("the tokenizer store was written"))
    result = CliRunner().invoke(app, ["build", "--raw", str(small_raw), "--out", str(tmp_path / "c"), "--no-cache",
                                      "--no-link", "--no-report"])
    assert result.exit_code == 0, result.output
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.rglob("*") if p.is_file()} == before
    same_tree(tmp_path / "a", tmp_path / "c")


def _damage_entries(change) -> int:
    db = sqlite3.connect(_cache_dir() / CACHE_FILE)
    with db:
        rows = db.execute("SELECT key, payload FROM entries").fetchall()
        for key, payload in rows:
            db.execute("UPDATE entries SET payload = ? WHERE key = ?", (change(payload), key))
    db.close()
    return len(rows)


def _rewrite_json(payload: bytes) -> bytes:
    data = json.loads(zlib.decompress(payload))
    if "passages" in data:
        data["passages"][0][9] = None  # start: an int
    else:
        data["status"] = data["status"][:3]
    return zlib.compress(json.dumps(data).encode())


@pytest.mark.parametrize("change", [
    lambda payload: payload[: len(payload) // 2],
    lambda payload: b"not zlib",
    lambda payload: zlib.compress(b"{not json"),
    _rewrite_json,
], ids=["truncated", "not zlib", "not json", "wrong field"])
def test_a_damaged_entry_is_recomputed(small_raw, tmp_path, change):
    build(small_raw, tmp_path / "first", **FAST)
    assert _damage_entries(change) == 3
    again = build(small_raw, tmp_path / "again", **FAST)
    assert (again.cache_hits, again.cache_misses) == (0, 3)
    same_tree(tmp_path / "first", tmp_path / "again")
    # ... and replaced: the next build reads it.
    third = build(small_raw, tmp_path / "third", **FAST)
    assert (third.cache_hits, third.cache_misses) == (3, 0)


def test_a_cache_file_that_is_not_a_database_is_no_crash(small_raw, tmp_path):
    folder = _cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CACHE_FILE).write_bytes(b"garbage, not SQLite" * 100)
    report = build(small_raw, tmp_path / "out", **FAST)
    assert (report.cache_hits, report.cache_misses) == (0, 3)
    clean = build(small_raw, tmp_path / "clean", cache=False, **FAST)
    assert clean.pairs == report.pairs
    same_tree(tmp_path / "clean", tmp_path / "out")


def test_the_cache_folder_inside_the_build_is_not_used(small_raw, tmp_path, monkeypatch):
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(tmp_path / "out" / "cache"))
    report = build(small_raw, tmp_path / "out", **FAST)
    assert (report.cache_hits, report.cache_misses) == (0, 0)
    assert not (tmp_path / "out" / "cache").exists()


# -- the key ----------------------------------------------------------------------------------
def test_the_settings_of_the_key_are_those_that_change_per_document_results():
    base = BuildConfig().document_settings()
    for changed in (BuildConfig(variant="hk"), BuildConfig(min_confidence=0.5), BuildConfig(min_confidence=0.0)):
        assert changed.document_settings() != base
    for same in (BuildConfig(strict=True), BuildConfig(link=False), BuildConfig(review=False), BuildConfig(cache=False),
                 BuildConfig(gold_path=GOLD), BuildConfig(link_scorer="lexical"), BuildConfig(max_bytes=1000)):
        assert same.document_settings() == base


def test_the_card_does_not_say_whether_the_cache_was_used():
    assert str(BuildConfig(cache=False)) == str(BuildConfig())


def test_the_key_follows_the_document_its_manifest_entry_and_the_generation():
    raw = _read(RAW / f"{SEED_SUMMARY}.txt", RAW)
    other = _read(RAW / f"{SEED_FORTUNE}.txt", RAW)
    key = document_key(raw, DocumentMeta(), "g")
    assert document_key(raw, DocumentMeta(), "g") == key
    assert document_key(other, DocumentMeta(), "g") != key
    assert document_key(raw, DocumentMeta(variant="hk"), "g") != key
    assert document_key(raw, DocumentMeta(), "h") != key
    folder = _cache_dir()
    with DocumentCache(folder, BuildConfig().document_settings()) as a, \
            DocumentCache(folder, BuildConfig(variant="tw").document_settings()) as b, \
            DocumentCache(folder, BuildConfig(strict=True).document_settings()) as c:
        assert a.generation != b.generation and a.generation == c.generation


def test_the_code_fingerprint_follows_every_file_of_the_package(tmp_path):
    package = tmp_path / "align"
    (package / "data").mkdir(parents=True)
    (package / "rules.py").write_text("X = 1\n")
    (package / "data" / "pair_model.json").write_text('{"w": [1.0]}')
    first = package_fingerprint(package)
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "rules.cpython-311.pyc").write_bytes(b"\0")
    assert package_fingerprint(package) == first  # compiled files are not the code
    (package / "data" / "pair_model.json").write_text('{"w": [2.0]}')
    assert package_fingerprint(package) != first
    (package / "data" / "pair_model.json").write_text('{"w": [1.0]}')
    assert package_fingerprint(package) == first


def test_a_changed_setting_recomputes_every_document(small_raw, tmp_path):
    build(small_raw, tmp_path / "default", **FAST)
    report = build(small_raw, tmp_path / "low", min_confidence=0.2, **FAST)
    assert (report.cache_hits, report.cache_misses) == (0, 3)
    build(small_raw, tmp_path / "low-clean", min_confidence=0.2, cache=False, **FAST)
    same_tree(tmp_path / "low-clean", tmp_path / "low")
    assert report.pairs > build(small_raw, tmp_path / "default-again", **FAST).pairs


def test_a_changed_code_fingerprint_recomputes_every_document(small_raw, tmp_path, monkeypatch):
    build(small_raw, tmp_path / "first", **FAST)
    monkeypatch.setattr(cache_mod, "code_fingerprint", lambda: "another model")
    report = build(small_raw, tmp_path / "second", **FAST)
    assert (report.cache_hits, report.cache_misses) == (0, 3)


# -- two builds at once -----------------------------------------------------------------------
WRITER = """
import sys
from pathlib import Path
from align.cache import DocumentCache
from align.records import DocumentMeta, DocumentStatus, RawDocument

folder, which = Path(sys.argv[1]), sys.argv[2]
for rnd in range(3):
    with DocumentCache(folder, "settings") as cache:
        for i in range(200):
            raw = RawDocument(f"d{i}", f"d{i}.txt", "text", f"{i:064x}", "utf-8", 4)
            got = cache.result(raw, DocumentMeta(), lambda: DocumentStatus(raw.path, raw.doc_id, "skipped", which))
            assert got.path == raw.path, got
print("ok")
"""


def test_two_processes_share_the_cache(tmp_path):
    folder = tmp_path / "shared"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(folder), name], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert all(out.strip() == "ok" and "cache" not in err for out, err in outs), outs
    db = sqlite3.connect(folder / CACHE_FILE)
    assert db.execute("SELECT count(*) FROM entries").fetchone() == (200,)
