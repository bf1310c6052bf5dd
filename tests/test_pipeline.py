"""End to end on raw/: the build, its determinism, its offsets, and loading it back."""

import filecmp
import json
import shutil

import pytest

from align.dataset import writer as publish
from align.dataset.load import read_config
from align.errors import AlignError, BuildError
from align.gold import load_gold
from align.pipeline import build

from .conftest import GOLD, LINKS_GOLD, RAW


def _tree(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_gold_precision_and_recall(built):
    _, report = built
    g = report.gold
    assert g is not None
    assert g.precision >= 0.95, g.extras
    # At the default threshold (expected precision 0.95 on the tuning part) the seeds keep
    # 0.903 of their pairs: under the 0.95, reported as missed in the README.
    assert g.recall >= 0.90, g.misses
    assert g.negatives_violated == 0


def test_rebuild_is_byte_identical(built, tmp_path):
    out, _ = built
    again = tmp_path / "again"
    build(RAW, again, gold_path=GOLD, links_gold_path=LINKS_GOLD)
    assert _tree(out) == _tree(again)
    match, mismatch, errors = filecmp.cmpfiles(out, again, _tree(out), shallow=False)
    assert mismatch == [] and errors == []


def test_offsets_are_exact(built):

    out, _ = built
    texts = {p.stem: p.read_text(encoding="utf-8") for p in RAW.glob("*.txt")}
    pairs = read_config(out, "pairs")
    passages = read_config(out, "passages")
    assert pairs and passages
    for r in pairs:
        assert texts[r["doc_id"]][r["start"]:r["end"]] == r["zh_original"]
    for r in passages:
        assert texts[r["doc_id"]][r["start"]:r["end"]] == r["text_original"]


def test_report_lists_every_raw_file(built):
    out, _ = built
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert sorted(d["path"] for d in report["documents"]) == sorted(p.name for p in RAW.iterdir())
    assert all(d["status"] == "built" for d in report["documents"])


def test_no_absolute_paths_in_outputs(built):
    out, _ = built
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert str(RAW.parent).encode() not in data
            assert b"/tmp/" not in data and b"/home/" not in data and b"/root/" not in data


def test_load_dataset_reads_both_configs(built, tmp_path):
    import datasets

    out, report = built
    cache = tmp_path / "hf-cache"
    pairs = datasets.load_dataset(str(out), "pairs", split="train", cache_dir=str(cache))
    assert isinstance(pairs.features["translation"], datasets.Translation)
    assert pairs.features["translation"].languages == ["en", "zh"]
    assert len(pairs) == report.pairs
    assert set(pairs.column_names) >= {"zh_original", "doc_id", "kind", "start", "end", "context", "confidence"}
    passages = datasets.load_dataset(str(out), "passages", split="train", cache_dir=str(cache))
    assert passages.column_names[:3] == ["passage_id", "doc_id", "kind"]
    assert len(passages) == report.passages


def test_rebuilt_folder_loads_fresh_rows_as_the_readme_says(tmp_path):
    """The README's snippet (force_redownload) must see a rebuild, not datasets' cache."""
    import datasets

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW / "004_591f396a4df44537.txt", raw)
    out = tmp_path / "build"
    cache = str(tmp_path / "hf-cache")
    build(raw, out)
    first = datasets.load_dataset(str(out), "pairs", split="train", cache_dir=cache, download_mode="force_redownload")
    shutil.copy(RAW / "001_88066083f094b5d5.txt", raw)
    build(raw, out)
    second = datasets.load_dataset(str(out), "pairs", split="train", cache_dir=cache, download_mode="force_redownload")
    assert len(second) > len(first)
    assert "001_88066083f094b5d5" in set(second["doc_id"])


def test_failed_build_leaves_previous_build_intact(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW / "004_591f396a4df44537.txt", raw)
    out = tmp_path / "build"
    build(raw, out)
    before = {p: (out / p).read_bytes() for p in _tree(out)}

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish, "write_parquet", boom)
    shutil.copy(RAW / "001_88066083f094b5d5.txt", raw)
    with pytest.raises(OSError):
        build(raw, out)
    assert {p: (out / p).read_bytes() for p in _tree(out)} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_empty_raw_folder_is_a_clear_error(tmp_path):
    (tmp_path / "raw").mkdir()
    with pytest.raises(AlignError, match="no readable text document"):
        build(tmp_path / "raw", tmp_path / "build")


def test_gold_file_is_well_formed():
    gold = load_gold(GOLD)
    texts = {p.stem: p.read_text(encoding="utf-8") for p in RAW.glob("*.txt")}
    lines = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(gold) == len(lines) > 50
    for obj in lines:
        assert obj["doc_id"] in texts
        if obj.get("zh_original"):
            assert obj["zh_original"] in texts[obj["doc_id"]]


def test_manifest_collections_decide_what_is_linked(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    (raw / "manifest.toml").write_text(
        '[documents."001_88066083f094b5d5.txt"]\ncollection = "summary-alone"\n', encoding="utf-8"
    )
    report = build(raw, tmp_path / "build")
    assert report.links == 0 and report.link_notes == []  # 001 quotes, but 000 is in another collection


def test_min_confidence_drops_pairs_and_reports_them(built, tmp_path):
    out, report = built
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    threshold = data["min_confidence"]
    dropped = data["dropped_below_min_confidence"]
    assert 0 < threshold < 1 and dropped
    assert all(d["confidence"] < threshold and d["en"] and d["zh"] for d in dropped)
    pairs = read_config(out, "pairs")
    assert all(r["confidence"] >= threshold for r in pairs if r["kind"] != "linked")
    # Everything the model read: more pairs, none of the dropped ones lost.
    everything = build(RAW, tmp_path / "all", min_confidence=0.0, link=False, review=False)
    assert everything.pairs >= len(dropped) + report.pairs - report.pair_kinds["linked"]
    with pytest.raises(BuildError):
        build(RAW, tmp_path / "bad", min_confidence=1.5)
