"""Stage 5: quality metrics per pair and for the dataset.

- ``chrf``: sacrebleu chrF (defaults: character 6-grams, beta 2) of a pair's Chinese span
  against the other renderings of the same English elsewhere in the build; null when
  the English occurs only once. For links, the document's own gloss against the linked
  span.
- ``sp_tokens_en``/``sp_tokens_zh``/``length_ratio``: token counts from a SentencePiece
  unigram model trained on the build's own passages (one thread, fixed input order, so
  the model bytes are the same on every build).
- ``confidence``: the pair model's calibrated probability (:mod:`align.pair_model`).
- ``flags``: reasons a pair is doubtful, for one-line filtering.
"""

from __future__ import annotations

import io
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache

from .text import english_key as key

SPM_MAX_SENTENCES = 200_000  # enough to learn a vocabulary; keeps huge builds bounded
SPM_MAX_CHARS = 8_000_000  # and so does a cap on the characters the trainer holds


@lru_cache(maxsize=1)
def chrf_metric():
    from sacrebleu.metrics import CHRF

    return CHRF()


def chrf_signature() -> str:
    """The metric's sacrebleu signature; the number of references varies per pair."""
    metric = chrf_metric()
    try:
        sig = str(metric.get_signature())
    except ValueError:  # no score computed yet in this build
        metric.sentence_score("x", ["x"])
        sig = str(metric.get_signature())
    return "|".join("nrefs:var" if part.startswith("nrefs:") else part for part in sig.split("|"))


def chrf(hypothesis: str, references: Sequence[str]) -> float | None:
    if not references:
        return None
    return round(chrf_metric().sentence_score(hypothesis, list(references)).score, 2)


def spm_vocab_size(texts: Sequence[str]) -> int:
    """Every character gets a piece (coverage 1.0), plus room for multi-character pieces."""
    chars = set()
    n = 0
    for t in texts[:SPM_MAX_SENTENCES]:
        chars.update(t)
        n += len(t)
    extra = 1000 if n < 50_000 else 4000 if n < 1_000_000 else 16000
    return min(64000, len(chars) + extra)


class TokenizerSample:
    """The first passages in document order, up to a cap, for SentencePiece to learn from:
    memory stays flat however large the corpus is."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.chars = 0

    def add(self, passages) -> None:
        for p in passages:
            if self.chars >= SPM_MAX_CHARS or len(self.texts) >= SPM_MAX_SENTENCES:
                break
            if p.kind != "boilerplate":
                self.texts.append(p.text)
                self.chars += len(p.text)


def train_sentencepiece(texts: Iterable[str], vocab_size: int) -> bytes:
    """Train a unigram SentencePiece model; deterministic for the same texts."""
    import sentencepiece as spm

    model = io.BytesIO()
    sentences = [t for t in texts if t.strip()][:SPM_MAX_SENTENCES] or ["align"]
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        num_threads=1,
        shuffle_input_sentence=False,
        input_sentence_size=0,
        hard_vocab_limit=False,
        max_sentence_length=1 << 16,
        minloglevel=2,
    )
    return model.getvalue()


class TokenCounter:
    def __init__(self, model_proto: bytes):
        import sentencepiece as spm

        self.sp = spm.SentencePieceProcessor(model_proto=model_proto)

    @property
    def vocab_size(self) -> int:
        return self.sp.get_piece_size()

    def count(self, text: str) -> int:
        return len(self.sp.encode(text))


def brier(confidence: Sequence[float], correct: Sequence[bool]) -> float:
    if not confidence:
        return 0.0
    return round(sum((c - (1.0 if y else 0.0)) ** 2 for c, y in zip(confidence, correct, strict=True)) / len(confidence), 4)


def reliability(confidence: Sequence[float], correct: Sequence[bool], edges=(0.0, 0.5, 0.7, 0.8, 0.9, 1.0)):
    """Rows ``(low, high, n, mean confidence, share correct)`` per confidence bin."""
    rows = []
    for lo, hi in zip(edges, edges[1:], strict=False):
        idx = [i for i, c in enumerate(confidence) if lo <= c < hi or (hi == 1.0 and c == 1.0)]
        if idx:
            rows.append((lo, hi, len(idx), sum(confidence[i] for i in idx) / len(idx),
                         sum(1 for i in idx if correct[i]) / len(idx)))
        else:
            rows.append((lo, hi, 0, None, None))
    return rows


def quantiles(values: Sequence[float], qs=(0.0, 0.25, 0.5, 0.75, 1.0)) -> list[float] | None:
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return None
    out = []
    for q in qs:
        pos = q * (len(vals) - 1)
        lo, hi = math.floor(pos), math.ceil(pos)
        out.append(round(vals[lo] + (vals[hi] - vals[lo]) * (pos - lo), 4))
    return out


# -- per-pair metrics ----------------------------------------------------------------------
def add_pair_metrics(rows: list[dict], counter: TokenCounter, clusters: dict[str, str] | None = None) -> None:
    """Fill ``chrf``, token counts, ``length_ratio`` and ``flags`` of pair rows in place.

    ``clusters`` maps an English key to its cluster key, so spelling variants of one name
    (Moskovitz/Moskowitz) are each other's references.
    """
    clusters = clusters or {}
    by_en: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        k = key(row["translation"]["en"])
        by_en[clusters.get(k, k)].append(i)
    cache: dict[tuple[str, tuple[str, ...]], float | None] = {}
    for indices in by_en.values():
        counts = Counter(rows[i]["translation"]["zh"] for i in indices)
        for i in indices:
            zh = rows[i]["translation"]["zh"]
            # The other occurrences' renderings: this one's own text counts only if it recurs.
            refs = tuple(sorted(z for z, n in counts.items() if z != zh or n > 1))
            if (zh, refs) not in cache:
                cache[(zh, refs)] = chrf(zh, refs)
            rows[i]["chrf"] = cache[(zh, refs)]
    for row in rows:
        en, zh = row["translation"]["en"], row["translation"]["zh"]
        row["sp_tokens_en"] = counter.count(en)
        row["sp_tokens_zh"] = counter.count(zh)
        row["length_ratio"] = round(row["sp_tokens_zh"] / max(row["sp_tokens_en"], 1), 4)
    logs = [math.log(r["length_ratio"]) for r in rows if r["length_ratio"] > 0]
    q = quantiles(logs, (0.25, 0.75))
    lo = hi = None
    if q and len(logs) >= 8:
        iqr = q[1] - q[0]
        lo, hi = q[0] - 1.5 * iqr, q[1] + 1.5 * iqr
    for row in rows:
        flags = set(row.get("flags") or ())
        zh = row["translation"]["zh"]
        if row["confidence"] < 0.5:
            flags.add("low_confidence")
        if any("a" <= ch.lower() <= "z" for ch in zh):
            flags.add("latin_in_zh")
        if zh.count("“") != zh.count("”") or zh.count("‘") != zh.count("’"):
            flags.add("unbalanced_quotes")
        if lo is not None and row["length_ratio"] > 0:
            lr = math.log(row["length_ratio"])
            if lr < lo or lr > hi:
                flags.add("length_ratio_outlier")
        row["flags"] = sorted(flags)


def score_pairs(pair_rows: list[dict], sample: TokenizerSample) -> tuple[bytes, int]:
    """Train the tokenizer on the sample and the pairs, then add each row's metrics
    (:func:`add_pair_metrics`); return the SentencePiece model and its vocabulary size."""
    corpus = sample.texts[:SPM_MAX_SENTENCES]
    corpus += [t for r in pair_rows for t in (r["translation"]["en"], r["translation"]["zh"])]
    model = train_sentencepiece(corpus, spm_vocab_size(corpus))
    counter = TokenCounter(model)
    add_pair_metrics(pair_rows, counter)
    return model, counter.vocab_size
