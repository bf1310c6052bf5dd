"""Stage 5: link the English a document quotes to the span of another document that renders it.

A summary quotes the interview in English, sometimes with its own short gloss
(``“painful to be rational(理性其实是痛苦的)”``), sometimes bare (``“people around
you”``); the full translation renders the same words in Chinese only. For every such
:class:`~align.records.EnglishPhrase`, :func:`link_phrases` ranks the passages of the
*other* documents of the collection and picks the sentence or clause inside the best
one, or abstains.

Candidates are the sentences of content passages and every run of one or two clauses
inside a sentence. No signal decides alone; the default scorer (``lexical``) combines

- ``chrf``: sacrebleu chrF (Popović, W15-3049) of the candidate against the gloss,
  with character bigrams (``char_order=2``) because one Chinese character is already
  a morpheme and paraphrases rarely share runs longer than a word;
- ``dict``: the share of the English content words that the candidate renders,
  through CC-CEDICT glosses (:mod:`align.lexicon`) or by quoting them;

into a ``content`` score, and the linker multiplies it by the ``order`` signal: a
summary quotes in roughly the order of the full text, so a candidate is trusted more
when it sits, relative to the best candidates of the document's other phrases, where
the phrase sits relative to those phrases in its own document.

Scorers are pluggable (:data:`SCORERS`, :func:`make_scorer`), like sacrebleu's
``METRICS``; ``sentence-transformers:<model>`` adds a multilingual embedding signal
(LaBSE, e5) and needs the optional package ``sentence-transformers``.

:func:`variant_clusters` groups the pairs of all documents by English name or term
(case-, spelling- and prefix-variants joined) with every Chinese rendering.
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from . import lexicon as lx
from .records import (
    EnglishPhrase,
    Link,
    NormalizedDocument,
    Passage,
    PhrasePair,
    Rendering,
    VariantCluster,
)

logger = logging.getLogger(__name__)

# Calibrated on the seed gold (tests/gold/links.jsonl) by benchmarks/link_dev.py
# --calibrate: the midpoint between the lowest-scoring correct gold link and the
# highest score the linker gives a gold "none" phrase, rounded to two decimals; then
# checked unchanged on the independent dev collection (tests/dev/links/).
DEFAULT_THRESHOLD = 0.30

# How much document order can take off a candidate's content score: a candidate
# against every anchor keeps 1 - ORDER_WEIGHT of it, one agreeing with all keeps it all.
ORDER_WEIGHT = 0.5
# Order agreement when the target document holds no anchor for the phrase.
ORDER_NEUTRAL = 0.5
MAX_CLAUSES = 2  # a candidate is a sentence or a run of at most this many clauses

_SENTENCE_END = frozenset("。!?;…")
_CLAUSE_END = frozenset(",、:,:;—")
_CLOSERS = frozenset("”’)》」")
_TRIM = " \t,、::,;;—。!?…“”‘’\"'()《》-·"
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’\-]*")
_BARE_QUOTE = re.compile(r"“([^“”\n]{3,200})”|\"([^\"\n]{3,200})\"")
_ENGLISH_QUOTE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 '’\-,.!?&:;/]*$")
_CONTRACTIONS = (
    (re.compile(r"(?i)\b(can)['’]t\b"), r"\1 not"),
    (re.compile(r"(?i)\bwon['’]t\b"), "will not"),
    (re.compile(r"(?i)n['’]t\b"), " not"),
    (re.compile(r"(?i)['’](s|re|m|ll|ve|d)\b"), r" \1"),
)
# Auxiliaries and pronouns: glossed by characters (是, 你, 会) found in nearly every
# clause, so they would reward any candidate; lexicon._EN_STOP has the articles.
_EN_WEAK = frozenset(
    "s re m ll ve d do does did am will would shall should can could may might have has had "
    "i me my you your he him his she her we us our they them their it its that this these those "
    "what which who whom there here so very just".split()
)


# -- phrases -------------------------------------------------------------------------------
def find_english_phrases(doc: NormalizedDocument, passages: list[Passage],
                         pairs: list[PhrasePair]) -> list[EnglishPhrase]:
    """English phrases quoted in the content passages of ``doc``, in document order.

    Every ``quote`` pair of the document whose English side is English, with its
    Chinese as the gloss, and every bare quotation of two or more English words in
    “…” or "…" (gloss ``None``). Offsets are into the original text.
    """
    content = {p.passage_id: p for p in passages if p.kind == "content" and p.doc_id == doc.doc_id}
    phrases: list[EnglishPhrase] = []
    taken: list[tuple[int, int]] = []
    for pair in pairs:
        if pair.doc_id != doc.doc_id or pair.kind != "quote" or pair.passage_id not in content:
            continue
        if not _is_english(pair.en):
            continue
        phrases.append(EnglishPhrase(doc.doc_id, pair.passage_id, pair.en, pair.zh, pair.en_start, pair.en_end))
        taken.append((pair.en_start, pair.en_end))
    for p in content.values():
        for m in _BARE_QUOTE.finditer(p.text, p.body_offset):
            group = 1 if m.group(1) is not None else 2
            a, b = m.span(group)
            raw = p.text[a:b]
            en = raw.strip().rstrip(".,!?;:").strip()
            if not _is_english(en) or len(_LATIN_RUN.findall(en)) < 2:
                continue
            a += raw.index(en)
            b = a + len(en)
            start, end = doc.original_span(p.norm_start + a, p.norm_start + b)
            if any(s < end and start < e for s, e in taken):
                continue
            phrases.append(EnglishPhrase(doc.doc_id, p.passage_id, en, None, start, end))
            taken.append((start, end))
    phrases.sort(key=lambda ph: (ph.start, ph.end, ph.en))
    return phrases


def _is_english(text: str) -> bool:
    text = text.strip()
    return bool(text) and not _CJK.search(text) and bool(_ENGLISH_QUOTE.match(text)) \
        and any(ch.isalpha() for ch in text)


def english_content_words(en: str) -> list[str]:
    """Stemmed content words of an English phrase, contractions expanded (don't -> not)."""
    for pattern, repl in _CONTRACTIONS:
        en = pattern.sub(repl, en)
    words = [w for w in lx.english_words(en) if w not in _EN_WEAK]
    return list(dict.fromkeys(words))


# -- candidates ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CandidateSpan:
    """A sentence or clause run of a content passage: normalized offsets into its document."""

    doc_id: str
    passage_id: str
    norm_start: int
    norm_end: int
    text: str  # normalized


def candidate_spans(passage: Passage) -> list[CandidateSpan]:
    """Sentences and runs of up to :data:`MAX_CLAUSES` clauses of one passage, deduplicated."""
    text = passage.text
    spans: set[tuple[int, int]] = set()
    for sa, sb in _sentences(text, passage.body_offset):
        clauses = _clauses(text, sa, sb)
        spans.add((sa, sb))
        for i in range(len(clauses)):
            for j in range(i, min(len(clauses), i + MAX_CLAUSES)):
                spans.add((clauses[i][0], clauses[j][1]))
    out = []
    for a, b in sorted(spans):
        a, b = _trim(text, a, b)
        if b - a >= 2 and _CJK.search(text[a:b]):
            out.append(CandidateSpan(passage.doc_id, passage.passage_id,
                                     passage.norm_start + a, passage.norm_start + b, text[a:b]))
    return sorted(set(out), key=lambda c: (c.norm_start, c.norm_end))


def _sentences(text: str, start: int) -> list[tuple[int, int]]:
    out, a, i, n = [], start, start, len(text)
    while i < n:
        if text[i] in _SENTENCE_END:
            j = i + 1
            while j < n and (text[j] in _SENTENCE_END or text[j] in _CLOSERS):
                j += 1
            out.append((a, j))
            a = i = j
            continue
        i += 1
    if a < n:
        out.append((a, n))
    return out


def _clauses(text: str, a: int, b: int) -> list[tuple[int, int]]:
    out, s = [], a
    for k in range(a, b):
        if text[k] in _CLAUSE_END:
            out.append((s, k + 1))
            s = k + 1
    if s < b:
        out.append((s, b))
    return out


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in _TRIM:
        a += 1
    while b > a and text[b - 1] in _TRIM:
        b -= 1
    # Keep a quote or bracket that is closed inside the span.
    if a > 0 and text[a - 1] in "“‘(《" and _closes(text[a - 1], text[a:b]):
        a -= 1
    if b < len(text) and text[b] in "”’)》" and _opens(text[b], text[a:b]):
        b += 1
    return a, b


def _closes(opener: str, s: str) -> bool:
    closer = {"“": "”", "‘": "’", "(": ")", "《": "》"}[opener]
    return s.count(closer) > s.count(opener)


def _opens(closer: str, s: str) -> bool:
    opener = {"”": "“", "’": "‘", ")": "(", "》": "《"}[closer]
    return s.count(opener) > s.count(closer)


# -- scorers -------------------------------------------------------------------------------
class PhraseScorer(ABC):
    """How well a candidate span renders an English phrase: ``content`` in [0, 1] plus signals.

    The linker calls :meth:`prepare` once with every candidate of the collection, then
    :meth:`bounds` per phrase and :meth:`score` only for candidates whose bound can
    still win, so a scorer with a cheap bound needs not score every candidate.
    """

    name: ClassVar[str] = ""
    threshold: ClassVar[float] = DEFAULT_THRESHOLD

    def prepare(self, candidates: Sequence[CandidateSpan]) -> None:  # noqa: B027 - optional hook
        """Precompute per-candidate data."""

    def bounds(self, phrase: EnglishPhrase, candidates: Sequence[CandidateSpan]) -> list[float]:
        """Upper bounds of ``score(phrase, c)[0]``; the default scores everything."""
        return [self.score(phrase, c)[0] for c in candidates]

    @abstractmethod
    def score(self, phrase: EnglishPhrase, candidate: CandidateSpan) -> tuple[float, dict[str, float]]:
        """``(content, signals)`` of one candidate."""


class LexicalScorer(PhraseScorer):
    """Offline and CPU-only: chrF against the gloss and CC-CEDICT coverage of the English.

    ``content = CHRF_WEIGHT * chrf + (1 - CHRF_WEIGHT) * dict`` when the phrase has a
    gloss, ``dict`` alone when it has none.
    """

    name = "lexical"
    CHRF_WEIGHT: ClassVar[float] = 0.5

    def __init__(self) -> None:
        from sacrebleu.metrics import CHRF

        # Character bigrams: see the module docstring. Built once (sacrebleu reuses it).
        self.metric = CHRF(char_order=2, word_order=0, beta=2)
        self._chars: dict[CandidateSpan, tuple[Counter, int]] = {}
        self._glosses: dict[CandidateSpan, frozenset[str]] = {}
        self._literal: dict[CandidateSpan, frozenset[str]] = {}
        self._covers: dict[str, frozenset[str]] = {}
        self._vocab: frozenset[str] = frozenset()

    def signature(self) -> str:
        """The chrF signature, for reports (sacrebleu needs one scoring first)."""
        self.metric.sentence_score("a", ["a"])
        return str(self.metric.get_signature())

    def prepare(self, candidates: Sequence[CandidateSpan]) -> None:
        words_of: dict[str, list[tuple[int, int, str]]] = {}
        vocab: set[str] = set()
        for c in candidates:
            if c in self._glosses:
                continue
            flat = "".join(c.text.split())
            self._chars[c] = (Counter(flat), len(flat))
            glosses: set[str] = set()
            for w in _segment_cached(c.text, words_of):
                glosses |= _word_glosses(w)
            self._glosses[c] = frozenset(glosses)
            vocab |= glosses
            self._literal[c] = frozenset(lx.stem(w) for w in _LATIN_RUN.findall(c.text))
        self._vocab = self._vocab | vocab

    def _covering(self, en_word: str) -> frozenset[str]:
        """Gloss words of the vocabulary that render ``en_word`` (lexicon.words_match)."""
        hit = self._covers.get(en_word)
        if hit is None:
            hit = frozenset(g for g in self._vocab if lx.words_match(g, en_word))
            self._covers[en_word] = hit
        return hit

    def _dict(self, words: list[str], c: CandidateSpan) -> float:
        if not words:
            return 0.0
        glosses, literal = self._glosses[c], self._literal[c]
        hit = sum(1 for w in words if w in literal or not self._covering(w).isdisjoint(glosses))
        return hit / len(words)

    def bounds(self, phrase: EnglishPhrase, candidates: Sequence[CandidateSpan]) -> list[float]:
        self.prepare(candidates)
        words = english_content_words(phrase.en)
        if not phrase.gloss:
            return [self._dict(words, c) for c in candidates]
        gloss = "".join(phrase.gloss.split())
        g_chars, g_len = Counter(gloss), len(gloss)
        w = self.CHRF_WEIGHT
        out = []
        for c in candidates:
            chars, n = self._chars[c]
            m1 = sum(min(k, chars.get(ch, 0)) for ch, k in g_chars.items())
            ub = chrf_upper_bound(m1, n, g_len, self.metric.char_order, self.metric.beta)
            out.append(w * ub + (1 - w) * self._dict(words, c))
        return out

    def score(self, phrase: EnglishPhrase, candidate: CandidateSpan) -> tuple[float, dict[str, float]]:
        self.prepare([candidate])
        d = self._dict(english_content_words(phrase.en), candidate)
        if not phrase.gloss:
            return d, {"dict": d}
        chrf = self.metric.sentence_score(candidate.text, [phrase.gloss]).score / 100
        w = self.CHRF_WEIGHT
        return w * chrf + (1 - w) * d, {"chrf": chrf, "dict": d}


class SentenceTransformerScorer(LexicalScorer):
    """The lexical signals plus the cosine of multilingual sentence embeddings.

    ``content = (lexical content + cosine) / 2`` where ``cosine`` compares the English
    phrase (and the gloss, when there is one: the better of the two) with the
    candidate. Any sentence-transformers model name works; e5 models get their
    ``query: ``/``passage: `` prefixes. The threshold is the lexical one until it is
    calibrated for the chosen model.
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
        e5 = "e5" in self.model_name.lower()
        self._query, self._passage = ("query: ", "passage: ") if e5 else ("", "")
        self._vectors: dict[str, object] = {}

    def _embed(self, texts: Iterable[str], prefix: str) -> None:
        todo = sorted({t for t in texts if prefix + t not in self._vectors})
        if todo:
            vecs = self.model.encode([prefix + t for t in todo], normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
            self._vectors.update({prefix + t: v for t, v in zip(todo, vecs, strict=True)})

    def prepare(self, candidates: Sequence[CandidateSpan]) -> None:
        super().prepare(candidates)
        self._embed((c.text for c in candidates), self._passage)

    def _cosine(self, phrase: EnglishPhrase, candidate: CandidateSpan) -> float:
        queries = [phrase.en] + ([phrase.gloss] if phrase.gloss else [])
        self._embed(queries, self._query)
        self._embed([candidate.text], self._passage)
        c = self._vectors[self._passage + candidate.text]
        return max(0.0, max(float((self._vectors[self._query + q] * c).sum()) for q in queries))

    def bounds(self, phrase: EnglishPhrase, candidates: Sequence[CandidateSpan]) -> list[float]:
        lexical = super().bounds(phrase, candidates)
        return [(lex + self._cosine(phrase, c)) / 2 for lex, c in zip(lexical, candidates, strict=True)]

    def score(self, phrase: EnglishPhrase, candidate: CandidateSpan) -> tuple[float, dict[str, float]]:
        lexical, signals = super().score(phrase, candidate)
        cos = self._cosine(phrase, candidate)
        return (lexical + cos) / 2, dict(signals, embedding=cos)


SCORERS: dict[str, type[PhraseScorer]] = {
    "default": LexicalScorer,
    "lexical": LexicalScorer,
    "sentence-transformers": SentenceTransformerScorer,
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


def _segment_cached(text: str, cache: dict[str, list]) -> list[str]:
    words = cache.get(text)
    if words is None:
        words = lx.segment_words(text)
        cache[text] = words
    return words


def _word_glosses(word: str) -> frozenset[str]:
    """CC-CEDICT gloss words of a Chinese word; a word the dictionary lacks (永不言弃) also
    gets those of its characters, since jieba joins idioms the dictionary does not list."""
    if not _CJK.search(word):
        return frozenset()
    glosses = lx.gloss_words(word)
    if len(word) > 1 and word not in lx.cedict():
        table = lx.cedict()
        glosses = glosses.union(*(table.get(ch, frozenset()) for ch in word))
    return glosses


# -- linking -------------------------------------------------------------------------------
@dataclass(slots=True)
class _Ranked:
    """Exact scores of one phrase's candidates, computed lazily in bound order."""

    phrase: EnglishPhrase
    candidates: list[CandidateSpan]
    bounds: list[float]
    exact: dict[int, tuple[float, dict[str, float]]] = field(default_factory=dict)


def link_phrases(phrases: list[EnglishPhrase], docs: dict[str, NormalizedDocument],
                 passages: dict[str, list[Passage]], scorer: str | PhraseScorer = "default",
                 threshold: float | None = None) -> list[Link]:
    """Links for the phrases whose best candidate scores at least the threshold.

    Candidates come from the content passages of every document but the phrase's
    own. ``score = content * (1 - ORDER_WEIGHT + ORDER_WEIGHT * order)``; ``margin``
    is the score minus the best candidate of any other passage.
    """
    impl = make_scorer(scorer) if isinstance(scorer, str) else scorer
    if not isinstance(impl, PhraseScorer):
        raise TypeError(f"scorer must be a name or a PhraseScorer, got {type(scorer).__name__}")
    cutoff = impl.threshold if threshold is None else threshold
    by_doc = {d: [c for p in passages.get(d, []) if p.kind == "content" for c in candidate_spans(p)]
              for d in sorted(docs)}
    impl.prepare([c for d in sorted(by_doc) for c in by_doc[d]])

    ranked: dict[EnglishPhrase, dict[str, _Ranked]] = {}
    for ph in sorted(set(phrases), key=_phrase_key):
        if ph.doc_id not in docs:
            raise ValueError(f"phrase {ph.en!r} comes from {ph.doc_id!r}, which is not in docs")
        ranked[ph] = {}
        for d, cands in by_doc.items():
            if d != ph.doc_id and cands:
                ranked[ph][d] = _Ranked(ph, cands, impl.bounds(ph, cands))

    # Pass 1: each phrase's best candidate by content alone, per target document.
    anchors: dict[tuple[str, str], list[tuple[int, int, float]]] = defaultdict(list)
    for ph, per_doc in ranked.items():
        for d, r in per_doc.items():
            best = _search(r, impl, lambda i: 1.0)
            if best:
                i, content = best[0]
                anchors[(ph.doc_id, d)].append((ph.start, r.candidates[i].norm_start, content))

    links = []
    for ph, per_doc in ranked.items():
        pool: list[tuple[float, str, int, float]] = []
        for d, r in per_doc.items():
            others = [(s, t, w) for s, t, w in anchors[(ph.doc_id, d)] if s != ph.start]

            def factor(i: int, r: _Ranked = r, others=others) -> float:
                return 1 - ORDER_WEIGHT + ORDER_WEIGHT * _order(ph.start, r.candidates[i].norm_start, others)

            for i, final in _search(r, impl, factor):
                pool.append((final, d, i, factor(i)))
        link = _best_link(ph, pool, ranked[ph], docs, cutoff)
        if link is not None:
            links.append(link)
    links.sort(key=lambda lk: (lk.source_doc_id, lk.source_start, lk.source_end, lk.en))
    return links


def _phrase_key(ph: EnglishPhrase) -> tuple:
    return (ph.doc_id, ph.start, ph.end, ph.en, ph.gloss or "")


def _order(src: int, target: int, anchors: list[tuple[int, int, float]]) -> float:
    """Weighted share of anchors on the same side of ``target`` as of ``src``."""
    total = agree = 0.0
    for s, t, w in anchors:
        if t == target or w <= 0:
            continue
        total += w
        if (s < src) == (t < target):
            agree += w
    return agree / total if total else ORDER_NEUTRAL


def _search(r: _Ranked, impl: PhraseScorer, factor) -> list[tuple[int, float]]:
    """Best candidate and best of every other passage that could beat the runner-up.

    Branch and bound: candidates are visited by ``bound * factor``; the visit stops
    when no remaining bound can change the best or the runner-up passage.
    """
    order = sorted(range(len(r.candidates)), key=lambda i: (-r.bounds[i] * factor(i), i))
    best: dict[str, tuple[float, int]] = {}
    top: list[float] = [0.0, 0.0]  # best and runner-up (other passage) finals
    for i in order:
        if r.bounds[i] * factor(i) < top[1] or (r.bounds[i] * factor(i) <= 0):
            break
        if i not in r.exact:
            r.exact[i] = impl.score(r.phrase, r.candidates[i])
        final = r.exact[i][0] * factor(i)
        pid = r.candidates[i].passage_id
        if pid not in best or _better(final, i, *best[pid], r):
            best[pid] = (final, i)
        finals = sorted((f for f, _ in best.values()), reverse=True)
        top = [finals[0], finals[1] if len(finals) > 1 else 0.0]
    ranked = sorted(best.values(), key=lambda fi: (-fi[0], _tie(r, fi[1])))
    return [(i, f) for f, i in ranked]


def _tie(r: _Ranked, i: int) -> tuple:
    c = r.candidates[i]
    return (c.norm_end - c.norm_start, c.norm_start)


def _better(f: float, i: int, g: float, j: int, r: _Ranked) -> bool:
    return (-f, _tie(r, i)) < (-g, _tie(r, j))


def _best_link(ph: EnglishPhrase, pool: list[tuple[float, str, int, float]],
               per_doc: dict[str, _Ranked], docs: Mapping[str, NormalizedDocument],
               cutoff: float) -> Link | None:
    if not pool:
        return None
    pool.sort(key=lambda x: (-x[0], x[1], _tie(per_doc[x[1]], x[2])))
    final, d, i, fac = pool[0]
    if final < cutoff:
        logger.debug("abstain on %r: best %.3f < %.3f", ph.en, final, cutoff)
        return None
    cand = per_doc[d].candidates[i]
    runner = next((f for f, d2, j, _ in pool[1:]
                   if (d2, per_doc[d2].candidates[j].passage_id) != (d, cand.passage_id)), 0.0)
    content, signals = per_doc[d].exact[i]
    doc = docs[d]
    start, end = doc.original_span(cand.norm_start, cand.norm_end)
    order = (fac - 1 + ORDER_WEIGHT) / ORDER_WEIGHT
    sig = dict(signals, content=content, order=order)
    return Link(
        en=ph.en,
        gloss=ph.gloss,
        source_doc_id=ph.doc_id,
        source_start=ph.start,
        source_end=ph.end,
        doc_id=d,
        passage_id=cand.passage_id,
        zh=cand.text,
        zh_original=doc.raw.text[start:end],
        start=start,
        end=end,
        score=round(final, 4),
        margin=round(final - runner, 4),
        signals=tuple(sorted((k, round(v, 4)) for k, v in sig.items())),
    )


# -- variant clusters ----------------------------------------------------------------------
CLUSTER_KINDS = frozenset({"name", "term", "acronym", "title"})
MAX_SURNAME_EDITS = 2


def variant_clusters(pairs: list[PhrasePair]) -> list[VariantCluster]:
    """English names and terms with every Chinese rendering and the documents using each.

    Spellings join one cluster when they are equal ignoring case, space and
    apostrophes; when they share the first name and the last names are within
    :data:`MAX_SURNAME_EDITS` edits (Moskovitz/Moskowitz); or when one is the other's
    word prefix (Priscilla / Priscilla Chan) and the prefix fits only one longer name.
    Only clusters with two renderings or two spellings are returned, sorted by name.
    """
    usable = [p for p in pairs if p.kind in CLUSTER_KINDS and p.en.strip() and p.zh.strip()]
    spellings = sorted({p.en.strip() for p in usable})
    keys = sorted({_name_key(s) for s in spellings})
    parent = {k: k for k in keys}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for a_i, a in enumerate(keys):
        for b in keys[a_i + 1:]:
            if _same_surname_variant(a, b):
                union(a, b)
    for a in keys:
        longer = [b for b in keys if b != a and b.startswith(a + " ")]
        if len(longer) == 1 or (longer and len({find(b) for b in longer}) == 1):
            union(a, longer[0])

    groups: dict[str, list[PhrasePair]] = defaultdict(list)
    for p in usable:
        groups[find(_name_key(p.en.strip()))].append(p)
    clusters = []
    for members in groups.values():
        spelled = Counter(p.en.strip() for p in members)
        by_zh: dict[str, set[str]] = defaultdict(set)
        counts: Counter = Counter()
        for p in members:
            by_zh[p.zh].add(p.doc_id)
            counts[p.zh] += 1
        if len(by_zh) < 2 and len(spelled) < 2:
            continue
        canonical = sorted(spelled.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))[0][0]
        renderings = tuple(
            Rendering(zh=zh, doc_ids=tuple(sorted(by_zh[zh])), count=counts[zh])
            for zh in sorted(by_zh, key=lambda z: (-counts[z], z))
        )
        clusters.append(VariantCluster(en=canonical, en_variants=tuple(sorted(spelled)), renderings=renderings))
    clusters.sort(key=lambda c: (c.en.casefold(), c.en))
    return clusters


def _name_key(en: str) -> str:
    return " ".join(re.sub(r"['’`]", "", en).casefold().split())


def _same_surname_variant(a: str, b: str) -> bool:
    """Same first name, same number of words, last names within MAX_SURNAME_EDITS edits."""
    wa, wb = a.split(), b.split()
    if len(wa) < 2 or len(wa) != len(wb) or wa[:-1] != wb[:-1]:
        return False
    sa, sb = wa[-1], wb[-1]
    # Short surnames (Cox, Ek) would join unrelated people at two edits.
    limit = min(MAX_SURNAME_EDITS, max(0, min(len(sa), len(sb)) // 3))
    return _edit_distance(sa, sb, limit) <= limit


def _edit_distance(a: str, b: str, cap: int) -> int:
    """Levenshtein distance, stopping early once it exceeds ``cap``."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > cap:
            return cap + 1
        prev = cur
    return prev[-1]


__all__ = [
    "DEFAULT_THRESHOLD",
    "SCORERS",
    "CandidateSpan",
    "LexicalScorer",
    "PhraseScorer",
    "SentenceTransformerScorer",
    "candidate_spans",
    "chrf_upper_bound",
    "english_content_words",
    "find_english_phrases",
    "link_phrases",
    "make_scorer",
    "variant_clusters",
]

