"""The tokenizer's bounded sample and the store of trained models: the sample depends on
the set of passage texts only, a rebuild whose sample did not change reuses the model
(byte for byte the one training gives), and the key follows the input, the options and
sentencepiece's version. ALIGN_CACHE_DIR is a tmp folder in every test (conftest)."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from align import score
from align.cache import TOKENIZER_FOLDER, TokenizerStore
from align.dataset.load import read_config
from align.pipeline import build

from .conftest import RAW, same_tree

FAST = {"link": False, "review": False}


def _passages() -> list[str]:
    """Real passage texts: the committed build's."""
    return [r["text"] for r in read_config(Path(__file__).resolve().parent.parent / "build", "passages")]


def _models() -> list[Path]:
    return sorted((Path(os.environ["ALIGN_CACHE_DIR"]) / TOKENIZER_FOLDER).glob("*.model"))


def _sample(texts, max_chars):
    sample = score.TokenizerSample(max_chars)
    for t in texts:
        sample.add_text(t)
    return sample


def test_the_sample_is_the_smallest_hashes_whatever_the_order():
    texts = _passages()
    cap = sum(map(len, texts)) // 4
    first = _sample(texts, cap)
    shuffled = texts[:] + texts[:10]  # repeated texts count once
    random.Random(1).shuffle(shuffled)
    assert _sample(shuffled, cap).texts == first.texts
    # Bounded: at least the cap, short of it by less than one passage.
    assert cap <= first.chars < cap + max(map(len, texts))
    assert first.chars == sum(map(len, first.texts)) and len(first.texts) < len(set(texts))
    # It is a prefix of every distinct text sorted by hash.
    ranked = sorted(set(t for t in texts if t.strip()), key=score._text_hash)
    assert first.texts == ranked[: len(first.texts)]


def test_a_new_text_changes_the_sample_only_when_it_hashes_below_the_largest_kept():
    texts = _passages()
    cap = sum(map(len, texts)) // 4
    base = _sample(texts, cap)
    largest = score._text_hash(base.texts[-1])
    new = [f"{t}新增" for t in texts[:40]]
    above = [t for t in new if score._text_hash(t) > largest]
    below = [t for t in new if score._text_hash(t) < largest]
    assert above and below  # both kinds among 40 new passages
    assert _sample(texts + above, cap).texts == base.texts
    assert below[0] in _sample(texts + below[:1], cap).texts


def test_a_small_corpus_is_sampled_whole():
    texts = _passages()
    sample = _sample(texts, 10 * sum(map(len, texts)))
    assert sorted(sample.texts) == sorted(set(t for t in texts if t.strip()))


def test_texts_the_trainer_would_skip_are_left_out():
    long = "很长的一行没有标点" * 10_000  # 270 KB: over SentencePiece's sentence limit
    sample = _sample(["标题", long, "标题"], 1_000)
    assert sample.texts == ["标题"]
    model = score.train_sentencepiece(sample.texts, score.spm_vocab_size(sample.texts))
    assert score.TokenCounter(model).count("标题") >= 1


def test_a_rebuild_reuses_the_trained_model_and_gives_the_clean_build(tmp_path, monkeypatch):
    import sentencepiece as spm

    first = build(RAW, tmp_path / "first", **FAST)
    assert len(_models()) == 1
    calls = []
    original = spm.SentencePieceTrainer.train
    monkeypatch.setattr(spm.SentencePieceTrainer, "train", lambda *a, **k: calls.append(1) or original(*a, **k))
    again = build(RAW, tmp_path / "again", **FAST)
    assert calls == []  # taken from the store, not trained
    clean = build(RAW, tmp_path / "clean", cache=False, **FAST)
    assert calls == [1]  # --no-cache trains
    assert len(_models()) == 1
    assert first.tokenizer_vocab == again.tokenizer_vocab == clean.tokenizer_vocab
    same_tree(tmp_path / "clean", tmp_path / "again")
    assert (tmp_path / "again" / "tokenizer" / "spm.model").read_bytes() == _models()[0].read_bytes()


def test_a_changed_sample_trains_a_new_model(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    build(raw, tmp_path / "first", **FAST)
    path = sorted(raw.glob("*.txt"))[0]
    path.write_text(path.read_text(encoding="utf-8") + "\n新的一段：杨立昆说开源很重要。\n", encoding="utf-8")
    build(raw, tmp_path / "second", **FAST)
    assert len(_models()) == 2  # the seeds are sampled whole: the new passage is in the sample
    build(raw, tmp_path / "clean", cache=False, **FAST)
    same_tree(tmp_path / "clean", tmp_path / "second")


def test_a_changed_document_keeps_the_model_unless_its_new_passage_enters_the_sample(tmp_path, monkeypatch):
    monkeypatch.setattr(score, "SPM_SAMPLE_CHARS", 5_000)  # the seeds hold about 27,000 characters: sampled
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    first = build(raw, tmp_path / "first", **FAST)
    sample = score.TokenizerSample()
    for t in read_config(tmp_path / "first", "passages"):
        if t["kind"] != "boilerplate":
            sample.add_text(t["text"])
    largest = score._text_hash(sample.texts[-1])
    candidates = [f"杨立昆(Yann LeCun)在第{i}次采访中说开源很重要。" for i in range(40)]
    above = next(t for t in candidates if score._text_hash(t) > largest)
    below = next(t for t in candidates if score._text_hash(t) < largest)
    path = sorted(raw.glob("*.txt"))[1]
    text = path.read_text(encoding="utf-8")
    for added, models in ((above, 1), (below, 2)):
        path.write_text(text + "\n\n" + added + "\n", encoding="utf-8")
        warm = build(raw, tmp_path / "warm", **FAST)
        assert len(_models()) == models  # above the sample's largest hash: the same model
        assert (warm.cache_hits, warm.cache_misses) == (first.cache_misses - 1, 1)
        assert any(p["text"] == added for p in read_config(tmp_path / "warm", "passages"))
        build(raw, tmp_path / "clean", cache=False, **FAST)
        same_tree(tmp_path / "clean", tmp_path / "warm")


@pytest.mark.parametrize("damage", [lambda b: b[: len(b) // 2], lambda b: b[:100] + b"x" + b[101:], lambda b: b""],
                         ids=["truncated", "one byte", "empty"])
def test_a_damaged_model_file_is_trained_again(tmp_path, damage):
    build(RAW, tmp_path / "first", **FAST)
    (path,) = _models()
    path.write_bytes(damage(path.read_bytes()))
    build(RAW, tmp_path / "second", **FAST)
    same_tree(tmp_path / "first", tmp_path / "second")
    assert [p.name for p in _models()] == [path.name]  # replaced by the trained one
    assert score.TokenCounter(path.read_bytes()).vocab_size > 0


def test_the_key_follows_the_input_the_options_and_the_version(monkeypatch):
    import sentencepiece as spm

    texts = _passages()[:50]
    key = score.spm_key(texts, 5000)
    assert score.spm_key(list(texts), 5000) == key
    assert score.spm_key(texts, 5001) != key
    assert score.spm_key(texts[1:], 5000) != key
    assert score.spm_key(texts[:-1] + [texts[-1] + " "], 5000) != key
    assert score.spm_key(["ab", "c"], 5000) != score.spm_key(["a", "bc"], 5000)
    monkeypatch.setattr(spm, "__version__", "0.0.0")
    assert score.spm_key(texts, 5000) != key


def test_the_store_keeps_the_most_recent_models(tmp_path):
    store = TokenizerStore(tmp_path)
    for i in range(12):
        store.put(f"{i:064x}", b"model %d" % i)
        (path,) = store.folder.glob(f"{i:064x}-*.model")
        os.utime(path, ns=(i * 10**9, i * 10**9))  # older first, whatever the clock's resolution
    store.put("f" * 64, b"last")
    kept = sorted(p.name.split("-")[0] for p in store.folder.glob("*.model"))
    assert len(kept) == 8 and "f" * 64 in kept and f"{0:064x}" not in kept
    assert store.get("f" * 64) == b"last" and store.get(f"{0:064x}") is None
    assert not list(store.folder.glob(".*"))  # no temporary file left
