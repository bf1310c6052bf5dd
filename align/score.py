"""Stage 5: quality metrics per pair and for the dataset.

- ``chrf``: sacrebleu chrF (defaults: character 6-grams, beta 2) of a pair's Chinese span
  against the other renderings of the same English elsewhere in the build; null when
  the English occurs only once. For links, the document's own gloss against the linked
  span.
- ``sp_tokens_en``/``sp_tokens_zh``/``length_ratio``: token counts from a SentencePiece
  unigram model trained on a bounded sample of the build's own passages
  (:class:`TokenizerSample`; one thread, fixed input order, so the model bytes are the
  same on every build). A trained model can be kept by a :class:`ModelStore` under the
  key of its exact training input, so a rebuild whose sample did not change reuses it.
- ``confidence``: the pair model's calibrated probability (:mod:`align.pair_model`).
- ``flags``: reasons a pair is doubtful, for one-line filtering.
"""

from __future__ import annotations

import hashlib
import heapq
import io
import json
import math
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Protocol

from .text import english_key as key

# Enough text to learn a vocabulary of every common character and word, small enough that
# training takes about a second and a corpus of 200 KB of passages or more is sampled.
SPM_SAMPLE_CHARS = 200_000
SPM_MAX_SENTENCE_BYTES = 1 << 16  # the trainer skips longer sentences: the sample leaves them out


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
    for t in texts:
        chars.update(t)
        n += len(t)
    extra = 1000 if n < 50_000 else 4000 if n < 1_000_000 else 16000
    return min(64000, len(chars) + extra)


def _text_hash(text: str) -> int:
    return _bytes_hash(text.encode("utf-8"))


def _bytes_hash(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=16).digest(), "big")


class TokenizerSample:
    """The distinct passage texts with the smallest hashes, about ``max_chars`` characters
    of them (bottom-k sampling), for SentencePiece to learn from.

    The sample depends on the set of texts, not on the documents' order or count, and
    memory stays flat however large the corpus is. A changed document changes it only if
    one of its new passages hashes below the largest hash kept: about ``max_chars`` / the
    corpus's characters per new passage, so a rebuild of a large corpus mostly finds the
    same sample and reuses the trained model (:class:`ModelStore`).
    """

    def __init__(self, max_chars: int | None = None) -> None:
        self.max_chars = SPM_SAMPLE_CHARS if max_chars is None else max_chars
        self.chars = 0
        self._heap: list[tuple[int, str]] = []  # (-hash, text): the largest hash on top
        self._kept: set[tuple[int, str]] = set()

    def add(self, passages) -> None:
        for p in passages:
            if p.kind != "boilerplate":
                self.add_text(p.text)

    def add_text(self, text: str) -> None:
        data = text.encode("utf-8")
        # A text SentencePiece would not load would only take the place of others.
        if len(data) > SPM_MAX_SENTENCE_BYTES or not text.strip():
            return
        h = _bytes_hash(data)
        if (h, text) in self._kept:
            return
        if self.chars >= self.max_chars and (-h, text) < self._heap[0]:  # above every hash kept: it would go at once
            return
        heapq.heappush(self._heap, (-h, text))
        self._kept.add((h, text))
        self.chars += len(text)
        # Drop the largest hashes while what is left still holds max_chars.
        while self.chars - len(self._heap[0][1]) >= self.max_chars:
            neg, dropped = heapq.heappop(self._heap)
            self._kept.discard((-neg, dropped))
            self.chars -= len(dropped)

    @property
    def texts(self) -> list[str]:
        """The sample in hash order: the training input, whatever order the texts came in."""
        return [text for _, text in sorted(self._kept)]


class ModelStore(Protocol):
    """Where trained models are kept between builds (:class:`align.cache.TokenizerStore`)."""

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, model: bytes) -> None: ...


def _spm_options(vocab_size: int) -> dict:
    return {
        "vocab_size": vocab_size,
        "model_type": "unigram",
        "character_coverage": 1.0,
        "num_threads": 1,
        "shuffle_input_sentence": False,
        "input_sentence_size": 0,
        "hard_vocab_limit": False,
        "max_sentence_length": SPM_MAX_SENTENCE_BYTES,
    }


def spm_key(sentences: Sequence[str], vocab_size: int) -> str:
    """The key of a model: a hash of the sentencepiece version, the options and the exact
    training input."""
    import sentencepiece as spm

    h = hashlib.sha256(json.dumps(["sentencepiece", spm.__version__, _spm_options(vocab_size)],
                                  sort_keys=True).encode())
    for t in sentences:
        data = t.encode("utf-8")
        h.update(b"%d\0" % len(data))
        h.update(data)
    return h.hexdigest()


def train_sentencepiece(texts: Iterable[str], vocab_size: int, store: ModelStore | None = None) -> bytes:
    """Train a unigram SentencePiece model; deterministic for the same texts. With a
    ``store``, a model trained before on the same input and options is reused."""
    import sentencepiece as spm

    sentences = [t for t in texts if t.strip()] or ["align"]
    model_key = spm_key(sentences, vocab_size) if store is not None else None
    if store is not None:
        found = store.get(model_key)
        if found is not None:
            return found
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences), model_writer=model, minloglevel=2, **_spm_options(vocab_size))
    if store is not None:
        store.put(model_key, model.getvalue())
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
    return sorted_quantiles(sorted(v for v in values if v is not None), qs)


def sorted_quantiles(vals: Sequence[float], qs=(0.0, 0.25, 0.5, 0.75, 1.0)) -> list[float] | None:
    """:func:`quantiles` of values already sorted, without nulls: any sequence that can be
    indexed (a pyarrow array read back from a file reads only the values it needs)."""
    if not len(vals):
        return None
    out = []
    for q in qs:
        pos = q * (len(vals) - 1)
        lo, hi = math.floor(pos), math.ceil(pos)
        out.append(round(vals[lo] + (vals[hi] - vals[lo]) * (pos - lo), 4))
    return out


# -- per-pair metrics ----------------------------------------------------------------------
def chrf_by_rendering(counts: Iterable[tuple[str, str, int]]) -> dict[tuple[str, str], float | None]:
    """``(group, zh) -> chrF`` from how often each ``zh`` occurs in each group: a rendering
    against the other renderings of its group (its own text counts only if it recurs)."""
    by_group: dict[str, Counter] = defaultdict(Counter)
    for group, zh, n in counts:
        by_group[group][zh] += n
    cache: dict[tuple[str, tuple[str, ...]], float | None] = {}
    out = {}
    for group, zh_counts in by_group.items():
        for zh in zh_counts:
            refs = tuple(sorted(z for z, n in zh_counts.items() if z != zh or n > 1))
            if (zh, refs) not in cache:
                cache[(zh, refs)] = chrf(zh, refs)
            out[(group, zh)] = cache[(zh, refs)]
    return out


def add_tokens(row: dict, counter: TokenCounter) -> None:
    en, zh = row["translation"]["en"], row["translation"]["zh"]
    row["sp_tokens_en"] = counter.count(en)
    row["sp_tokens_zh"] = counter.count(zh)
    row["length_ratio"] = round(row["sp_tokens_zh"] / max(row["sp_tokens_en"], 1), 4)


def length_bounds(logs: Sequence[float]) -> tuple[float | None, float | None]:
    """The log length ratios outside which a pair is an outlier (1.5 IQR beyond the
    quartiles), or ``(None, None)`` below 8 pairs."""
    q = quantiles(logs, (0.25, 0.75))
    if q and len(logs) >= 8:
        iqr = q[1] - q[0]
        return q[0] - 1.5 * iqr, q[1] + 1.5 * iqr
    return None, None


def add_flags(row: dict, lo: float | None, hi: float | None) -> None:
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


def add_pair_metrics(rows: list[dict], counter: TokenCounter, clusters: dict[str, str] | None = None) -> None:
    """Fill ``chrf``, token counts, ``length_ratio`` and ``flags`` of pair rows in place:
    the rows in memory (the build scores its spooled rows with :class:`SpoolScorer`).

    ``clusters`` maps an English key to its cluster key, so spelling variants of one name
    (Moskovitz/Moskowitz) are each other's references.
    """
    clusters = clusters or {}
    groups = []
    for row in rows:
        k = key(row["translation"]["en"])
        groups.append(clusters.get(k, k))
    counts = Counter((g, row["translation"]["zh"]) for g, row in zip(groups, rows, strict=True))
    chrf_of = chrf_by_rendering((g, zh, n) for (g, zh), n in counts.items())
    for g, row in zip(groups, rows, strict=True):
        row["chrf"] = chrf_of[(g, row["translation"]["zh"])]
        add_tokens(row, counter)
    lo, hi = length_bounds([math.log(r["length_ratio"]) for r in rows if r["length_ratio"] > 0])
    for row in rows:
        add_flags(row, lo, hi)


class SpoolScorer:
    """The per-pair metrics of :func:`add_pair_metrics` for rows read back one document at
    a time from a :class:`align.spool.PairSpool`: the corpus-wide parts (the chrF of each
    rendering, the length-ratio bounds) come from passes over the spool's columns."""

    def __init__(self, spool, counter: TokenCounter) -> None:
        import pyarrow as pa

        from .spool import english_keys

        self.counter = counter
        table = spool.columns(["en", "zh"])
        groups = pa.table({"key": english_keys(table["en"]), "zh": table["zh"]}).group_by(
            ["key", "zh"], use_threads=False).aggregate([([], "count_all")])
        self.chrf_of = chrf_by_rendering(zip(groups["key"].to_pylist(), groups["zh"].to_pylist(),
                                             groups["count_all"].to_pylist(), strict=True))
        del groups
        # One float per pair (the log length ratio), not the rows: what the quartiles need.
        logs = array("d")
        for batch in table.to_batches(max_chunksize=10_000):
            for en, zh in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist(), strict=True):
                ratio = round(counter.count(zh) / max(counter.count(en), 1), 4)
                if ratio > 0:
                    logs.append(math.log(ratio))
        del table
        self.lo, self.hi = length_bounds(logs)
        self._keys: dict[str, str] = {}

    def score(self, rows: list[dict]) -> None:
        """Fill the metrics of ``rows`` in place."""
        for row in rows:
            en = row["translation"]["en"]
            k = self._keys.get(en)
            if k is None:
                k = self._keys[en] = key(en)
            row["chrf"] = self.chrf_of[(k, row["translation"]["zh"])]
            add_tokens(row, self.counter)
            add_flags(row, self.lo, self.hi)


def train_tokenizer(sample: TokenizerSample, store: ModelStore | None = None) -> tuple[bytes, TokenCounter]:
    """The SentencePiece model trained on the sample (or taken from ``store``), and its counter."""
    corpus = sample.texts
    model = train_sentencepiece(corpus, spm_vocab_size(corpus), store)
    return model, TokenCounter(model)
