"""Per-pair metrics and calibration."""

import math

from align import score
from align.dataset.load import read_config


def _pairs(out):
    return read_config(out, "pairs")


def test_chrf_compares_renderings_of_the_same_english(built):
    out, _ = built
    rows = _pairs(out)
    by_en: dict[str, set[str]] = {}
    for r in rows:
        by_en.setdefault(r["translation"]["en"], set()).add(r["translation"]["zh"])
    twice = [en for en, zhs in by_en.items() if len(zhs) == 2]
    assert twice  # the seeds render some English two ways (painful to be rational, ...)
    for en in twice:
        same = [r for r in rows if r["translation"]["en"] == en]
        for r in same:
            others = [o["translation"]["zh"] for o in same if o["translation"]["zh"] != r["translation"]["zh"]]
            assert r["chrf"] == score.chrf(r["translation"]["zh"], others)
            assert 0 < r["chrf"] < 100
    once = [r for r in rows if sum(o["translation"]["en"] == r["translation"]["en"] for o in rows) == 1]
    assert once and all(r["chrf"] is None for r in once)


def test_token_counts_come_from_the_published_model(built):
    out, report = built
    counter = score.TokenCounter((out / "tokenizer/spm.model").read_bytes())
    assert counter.vocab_size == report.tokenizer_vocab
    for r in _pairs(out):
        assert r["sp_tokens_en"] == counter.count(r["translation"]["en"])
        assert r["sp_tokens_zh"] == counter.count(r["translation"]["zh"])
        assert math.isclose(r["length_ratio"], r["sp_tokens_zh"] / max(r["sp_tokens_en"], 1), rel_tol=1e-3)


def test_sentencepiece_training_is_deterministic():
    texts = ["杨立昆(Yann LeCun)说开源很重要。", "扎克伯格谈Llama开源、理性决策与长期主义"] * 20
    vocab = score.spm_vocab_size(texts)
    assert score.train_sentencepiece(texts, vocab) == score.train_sentencepiece(texts, vocab)


def test_flags_mark_doubtful_pairs(built):
    out, _ = built
    for r in _pairs(out):
        zh = r["translation"]["zh"]
        assert ("latin_in_zh" in r["flags"]) == any("a" <= c.lower() <= "z" for c in zh)
        assert ("low_confidence" in r["flags"]) == (r["confidence"] < 0.5)


def test_latin_and_low_confidence_flags_on_rows():
    texts = ["杨立昆(Yann LeCun)说开源很重要。", "Facebook 的人工智能研究实验室"] * 20
    counter = score.TokenCounter(score.train_sentencepiece(texts, score.spm_vocab_size(texts)))
    rows = [{"translation": {"en": "FAIR", "zh": "Facebook 的人工智能研究实验室"}, "confidence": 0.9, "flags": []},
            {"translation": {"en": "Yann LeCun", "zh": "杨立昆"}, "confidence": 0.3, "flags": []}]
    score.add_pair_metrics(rows, counter)
    assert "latin_in_zh" in rows[0]["flags"] and "low_confidence" not in rows[0]["flags"]
    assert rows[1]["flags"] == ["low_confidence"]


def test_reliability_bins_cover_every_pair():
    conf = [0.1, 0.55, 0.75, 0.85, 0.95, 1.0]
    rows = score.reliability(conf, [True] * 6)
    assert sum(n for _, _, n, _, _ in rows) == len(conf)
