"""The short list of passages a phrase is scored on, so that linking grows with the
collection's text, not with phrases × candidates.

Two retrievers, their union kept:

- ``dense``: the scorer's own sentence encoder (when it has one, :class:`.EmbeddingScorer`)
  embeds every sentence of every content passage once; a phrase's English and gloss are
  compared with all of them in one matrix product over L2-normalized vectors (cosine), a
  passage scores by its best sentence, and the :data:`DENSE_K` best passages are kept;
- ``bm25``: Okapi BM25 (Robertson & Zaragoza 2009; the ``bm25s`` package, Lù 2024) over
  each passage read in English, the CC-CEDICT glosses of its words
  (:func:`.scorers.word_glosses`) and the English it quotes, plus the characters and character
  bigrams of its Chinese; the query is the phrase's English content words, each expanded to the gloss
  words that render it (:func:`align.lexicon.words_match`), and its gloss's characters and bigrams. The
  :data:`LEXICAL_K` best passages with a positive score are kept.

A phrase's own document is never retrieved; passages of one text (copies across
documents) take one place and come onto the list together. Scores are rounded and ties
broken by passage order, so the short list is the same on every run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .. import lexicon as lx
from ..records import EnglishPhrase
from .candidates import CandidateSpan
from .phrases import LATIN_WORD, english_content_words
from .scorers import EmbeddingScorer, PhraseScorer, _han_only, _segment, word_glosses

logger = logging.getLogger(__name__)

# Passages kept per retriever; chosen on the tuning collections (benchmarks/link_dev.py
# --retrieval prints how often the gold passage is on the short list).
DENSE_K = 24
LEXICAL_K = 24
_QUERY_BATCH = 256  # phrases per matrix product at most
_BLOCK_FLOATS = 1 << 25  # and at most this many similarities in one block (128 MB of float32)


class PassageIndex:
    """Every content passage of a collection, for :meth:`shortlists`."""

    def __init__(self, by_doc: Mapping[str, Sequence[CandidateSpan]], scorer: PhraseScorer,
                 dense_k: int = DENSE_K, lexical_k: int = LEXICAL_K) -> None:
        self.dense_k, self.lexical_k = dense_k, lexical_k
        self.scorer = scorer
        self.passage_ids: list[str] = []
        texts: list[str] = []
        compared: list[str] = []  # the same in mainland vocabulary (mainland.py)
        self._doc_range: dict[str, tuple[int, int]] = {}
        sentences: list[list[str]] = []  # per passage, its sentences as the encoder reads them
        for d in sorted(by_doc):
            lo = len(self.passage_ids)
            for c in by_doc[d]:
                if len(self.passage_ids) == lo or self.passage_ids[-1] != c.passage_id:
                    self.passage_ids.append(c.passage_id)
                    texts.append(c.passage_text or c.text)
                    compared.append(c.compared_passage)
                    sentences.append([])
                if c.sentence:
                    sentences[-1].append(c.compared)
            self._doc_range[d] = (lo, len(self.passage_ids))
        self._dense = isinstance(scorer, EmbeddingScorer) and any(sentences)
        if self._dense:
            # Each distinct run of sentences (copies of a passage across documents) is
            # embedded and compared once; a passage's best sentence is one reduceat.
            distinct: dict[tuple[str, ...], int] = {}
            self._distinct_of = np.asarray([distinct.setdefault(tuple(ss), len(distinct)) if ss else -1
                                            for ss in sentences], dtype=np.int64)
            runs = [run for run, _ in sorted(distinct.items(), key=lambda kv: kv[1])]
            self._starts = np.cumsum([0] + [len(run) for run in runs[:-1]])
            self._with_sentences = np.flatnonzero(self._distinct_of >= 0)
            # The encoder runs in a thread of its own while the BM25 index below (and the
            # scorer's prepare, in link_phrases) are made: its matrix products release the
            # GIL, so a second core embeds while this one segments. The vectors are the
            # same bits: the same one call, on the one thread the encoder allows itself.
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="align-encoder")
            self._pending = self._pool.submit(scorer.passage_matrix, [t for run in runs for t in run])
        del sentences
        # Passages of the same text (a syndicated article, boilerplate, a copy) are one
        # piece of evidence: they take one place on a short list, and all come onto it.
        group_of: dict[str, int] = {}
        self._group = np.asarray([group_of.setdefault(t, len(group_of)) for t in texts], dtype=np.int64)
        self._members: list[list[int]] = [[] for _ in group_of]
        for i, g in enumerate(self._group.tolist()):
            self._members[g].append(i)
        # One list per distinct passage, one string per distinct token: the corpus is
        # held whole while bm25s indexes it (tens of millions of tokens at 1,000 documents).
        tokens_of: dict[tuple[str, str], list[str]] = {}
        token: dict[str, str] = {}
        corpus = []
        for t, m in zip(texts, compared, strict=True):
            if (t, m) not in tokens_of:
                tokens_of[(t, m)] = [token.setdefault(x, x) for x in _passage_tokens(t, m)]
            corpus.append(tokens_of[(t, m)])
        self._bm25 = _bm25(corpus) if texts else None
        del corpus, tokens_of, token
        self._expansions: dict[str, list[str]] = {}
        self._vocab_by_initial: dict[str, list[str]] = {}
        if self._bm25 is not None:
            for token in sorted(self._bm25.vocab_dict):
                if token.startswith("e:"):
                    self._vocab_by_initial.setdefault(token[2:3], []).append(token[2:])

    def shortlists(self, phrases: Sequence[EnglishPhrase]) -> dict[EnglishPhrase, list[tuple[str, float | None]]]:
        """Per phrase, the passages to score, in index order, each with its dense score
        (the cosine of its best sentence; ``None`` without an encoder)."""
        out: dict[EnglishPhrase, set[int]] = {ph: set() for ph in phrases}
        if not self.passage_ids:
            return {ph: [] for ph in phrases}
        self._wait_for_vectors()
        if self._bm25 is not None:
            for ph in phrases:
                tokens = [t for t in self._query_tokens(ph) if t in self._bm25.vocab_dict]
                if tokens:
                    scores = np.round(self._bm25.get_scores(tokens).astype(np.float64), 4)
                    out[ph].update(self._top(ph, scores, self.lexical_k, 0.0))
        # Only the short list's dense scores are kept: a row over every passage for every
        # phrase grew as phrases x passages (5 GB at 8 MB in one collection).
        dense: dict[EnglishPhrase, dict[int, float]] = {}
        if self._dense:
            self.scorer.embed_phrases(phrases)
            # Two query rows a phrase, one column a sentence: the block stays bounded
            # however large the collection.
            step = max(1, min(_QUERY_BATCH, _BLOCK_FLOATS // (2 * len(self._vectors))))
            for a in range(0, len(phrases), step):
                batch = phrases[a:a + step]
                for ph, scores in zip(batch, self._dense_scores(batch), strict=True):
                    out[ph].update(self._top(ph, scores, self.dense_k, -1.0))
                    dense[ph] = {i: float(scores[i]) for i in out[ph]}
        return {ph: [(self.passage_ids[i], dense[ph][i] if ph in dense else None) for i in sorted(found)]
                for ph, found in out.items()}

    def _wait_for_vectors(self) -> None:
        """The sentence vectors, once the encoder's thread has made them."""
        if self._dense and self._pending is not None:
            self._vectors = np.asarray(self._pending.result(), dtype=np.float32)
            self._pending = None
            self._pool.shutdown()

    def _dense_scores(self, batch: Sequence[EnglishPhrase]) -> list[np.ndarray]:
        queries = [self.scorer.query_vectors(ph) for ph in batch]
        q = np.concatenate(queries).astype(np.float32)
        by_sentence = q @ self._vectors.T
        by_run = np.maximum.reduceat(by_sentence, self._starts, axis=1)
        del by_sentence  # the largest block: gone before the passages' is made
        by_passage = np.full((len(q), len(self.passage_ids)), -1.0, dtype=np.float32)
        by_passage[:, self._with_sentences] = by_run[:, self._distinct_of[self._with_sentences]]
        out, row = [], 0
        for v in queries:
            out.append(np.round(by_passage[row:row + len(v)].max(axis=0).astype(np.float64), 4))
            row += len(v)
        return out

    def _top(self, phrase: EnglishPhrase, scores: np.ndarray, k: int, floor: float) -> list[int]:
        """The passages of the ``k`` best texts above ``floor`` (ties by passage order),
        the phrase's own document excluded."""
        scores = scores.copy()
        lo, hi = self._doc_range.get(phrase.doc_id, (0, 0))
        scores[lo:hi] = floor
        best = np.full(len(self._members), floor, dtype=np.float64)
        np.maximum.at(best, self._group, scores)
        if k < len(best):
            kth = np.partition(best, len(best) - k)[len(best) - k]
            idx = np.flatnonzero(best >= kth)
        else:
            idx = np.arange(len(best))
        idx = idx[np.lexsort((idx, -best[idx]))][:k]
        return [i for g in idx if best[g] > floor for i in self._members[g] if not lo <= i < hi]

    def _query_tokens(self, phrase: EnglishPhrase) -> list[str]:
        tokens = []
        for e in english_content_words(phrase.en):
            if e not in self._expansions:
                self._expansions[e] = ["e:" + g for g in self._vocab_by_initial.get(e[:1], ()) if lx.words_match(g, e)]
            tokens += self._expansions[e]
        if phrase.gloss:
            tokens += _bigrams(_han_only(phrase.gloss))
        return list(dict.fromkeys(tokens))


def _bm25(corpus: list[list[str]]):
    import bm25s

    # bm25s sets its own logger to DEBUG on import, which would print under the CLI's
    # WARNING handler: the library logs, it does not talk to the user.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    index = bm25s.BM25()
    index.index([tokens or [""] for tokens in corpus], show_progress=False)
    return index


def _passage_tokens(text: str, mainland: str) -> list[str]:
    """A passage as BM25 sees it: the English its words gloss to, the English it quotes,
    the characters and character bigrams of its mainland form (what a gloss is compared with)."""
    tokens = [f"e:{g}" for w in _segment(text) for g in sorted(word_glosses(w))]
    tokens += [f"e:{lx.stem(w)}" for w in LATIN_WORD.findall(text)]
    return tokens + _bigrams(_han_only(mainland))


def _bigrams(han: str) -> list[str]:
    """Characters and character bigrams: a gloss shares a character with a free rendering
    more often than a bigram (放弃 and 永不言弃 share only 弃)."""
    return [f"z:{ch}" for ch in han] + [f"z:{han[i:i + 2]}" for i in range(len(han) - 1)]
