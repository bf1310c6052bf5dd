"""One link per phrase: branch-and-bound over the candidates' score bounds, document
order as a placement of all the phrases of a source, the margin over the next passage.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from ..records import EnglishPhrase, Link, NormalizedDocument, Passage
from .candidates import CandidateSpan, candidate_spans
from .retrieve import PassageIndex
from .scorers import PhraseScorer, make_scorer

logger = logging.getLogger(__name__)

# How much document order can take off a candidate's content score: a candidate
# against every anchor keeps 1 - ORDER_WEIGHT of it, one agreeing with all keeps it all.
ORDER_WEIGHT = 0.5
# Order agreement when the target document holds no anchor for the phrase.
ORDER_NEUTRAL = 0.5
ORDER_PRIOR = 0.5  # weight of that neutral value against the anchors' content scores
ANCHOR_OPTIONS = 8  # passages per phrase and target document the order placement chooses from
RATIO_CAP = 3.0  # lead over the runner-up past which the decision score stops growing
# Passages of a phrase's short list scored finely (None: all). On the tuning collections
# (benchmarks/link_dev.py --fine-passages K) 12 ranks 98 of 119 tuning links first against
# 100 for all, but reaches recall 99/151 at precision 0.95 against 95/151 (the runner-up
# comes from passages that matter), and embeds a quarter of the clauses: 1,000 documents
# link in 142 s instead of 386 s.
FINE_PASSAGES = 12


@dataclass(slots=True)
class _Ranked:
    """Exact scores of one phrase's candidates, computed lazily in bound order."""

    phrase: EnglishPhrase
    candidates: list[CandidateSpan]
    bounds: list[float]
    exact: dict[int, tuple[float, dict[str, float]]] = field(default_factory=dict)


def link_phrases(phrases: list[EnglishPhrase], docs: dict[str, NormalizedDocument],
                 passages: dict[str, list[Passage]], scorer: str | PhraseScorer = "default",
                 threshold: float | None = None, fine_passages: int | None = FINE_PASSAGES) -> list[Link]:
    """Links for the phrases whose best candidate scores at least the threshold.

    Candidates come from the content passages of every document but the phrase's
    own; see the module docstring for the score. ``threshold`` defaults to the
    scorer's (:data:`DEFAULT_THRESHOLD` for the lexical one). Output is sorted by
    source document and offset and does not depend on the order of ``phrases``.
    """
    impl = make_scorer(scorer) if isinstance(scorer, str) else scorer
    if not isinstance(impl, PhraseScorer):
        raise TypeError(f"scorer must be a name or a PhraseScorer, got {type(scorer).__name__}")
    cutoff = impl.threshold if threshold is None else threshold
    if not phrases:
        return []  # nothing to link: the targets' candidates need not be built
    by_doc = {d: [c for p in passages.get(d, []) if p.kind == "content" for c in candidate_spans(p)]
              for d in sorted(docs)}
    impl.prepare([c for d in sorted(by_doc) for c in by_doc[d]])
    by_passage: dict[str, list[CandidateSpan]] = defaultdict(list)
    for d in sorted(by_doc):
        for c in by_doc[d]:
            by_passage[c.passage_id].append(c)

    ordered = sorted(set(phrases), key=_phrase_key)
    for ph in ordered:
        if ph.doc_id not in docs:
            raise ValueError(f"phrase {ph.en!r} comes from {ph.doc_id!r}, which is not in docs")
    # Only the short list of each phrase is scored (retrieve.py): the work grows with
    # the phrases and the collection's text, not with their product.
    shortlists = PassageIndex(by_doc, impl).shortlists(ordered)
    ranked: dict[EnglishPhrase, dict[str, _Ranked]] = {}
    for ph in ordered:
        per_doc: dict[str, list[CandidateSpan]] = defaultdict(list)
        for pid in _finest(ph, shortlists[ph], by_passage, impl, fine_passages):
            cands = by_passage[pid]
            per_doc[cands[0].doc_id].extend(cands)
        ranked[ph] = {d: _Ranked(ph, cands, impl.bounds(ph, cands)) for d, cands in sorted(per_doc.items())}

    # Pass 1: each phrase's best passages by content alone, per target document.
    options: dict[tuple[str, str], list[tuple[EnglishPhrase, list[tuple[int, float]]]]] = defaultdict(list)
    for ph, per_doc in ranked.items():
        for d, r in per_doc.items():
            found = _search(r, impl, _no_order, ANCHOR_OPTIONS)
            options[(ph.doc_id, d)].append((ph, [(r.candidates[i].norm_start, f) for i, f in found]))

    # Pass 2: content times order, the order judged against the other phrases' places.
    links = []
    for ph, per_doc in ranked.items():
        pool: list[tuple[float, str, int, float]] = []
        for d, r in per_doc.items():
            anchors = _anchors(ph, options[(ph.doc_id, d)])

            def order(i: int, r: _Ranked = r, anchors=anchors, src: int = ph.start) -> float:
                return _order(src, r.candidates[i].norm_start, anchors)

            def factor(i: int, order=order) -> float:
                return 1 - ORDER_WEIGHT + ORDER_WEIGHT * order(i)

            for i, final in _search(r, impl, factor, 2):
                pool.append((final, d, i, order(i)))
        link = _best_link(ph, pool, per_doc, docs, cutoff)
        if link is not None:
            links.append(link)
    links.sort(key=lambda lk: (lk.source_doc_id, lk.source_start, lk.source_end, lk.en))
    return links


def _finest(ph: EnglishPhrase, shortlist: list[tuple[str, float | None]], by_passage: Mapping[str, list[CandidateSpan]],
            impl: PhraseScorer, keep: int | None) -> list[str]:
    """The ``keep`` passages of the short list whose content can go highest, judged
    cheaply: the best lexical bound of the passage's candidates, averaged with the
    cosine of its best sentence when the index has one (the scorer averages the two the
    same way). Only these are scored finely, so only their clauses are embedded."""
    if keep is None or len(shortlist) <= keep:
        return [pid for pid, _ in shortlist]
    rough = []
    for k, (pid, dense) in enumerate(shortlist):
        lexical = max(impl.cheap_bounds(ph, by_passage[pid]), default=0.0)
        rough.append((-(lexical if dense is None else (lexical + dense) / 2), k, pid))
    return [pid for _, _, pid in sorted(sorted(rough)[:keep], key=lambda x: x[1])]


def _no_order(i: int) -> float:
    return 1.0


def _phrase_key(ph: EnglishPhrase) -> tuple:
    return (ph.doc_id, ph.start, ph.end, ph.en, ph.gloss or "")


def _anchors(phrase: EnglishPhrase, options: list[tuple[EnglishPhrase, list[tuple[int, float]]]]
             ) -> list[tuple[int, int, float]]:
    """Where the other phrases of the source document most likely sit in the target.

    One placement of all the source document's phrases, in source order, that
    maximizes their total content score (a weighted increasing subsequence over each
    phrase's best passages), as ``(source_start, target_start, content)``, less the
    phrase's own place: its candidates are then judged by the others' places only.
    """
    placed = _placement(tuple(sorted(((ph.start, tuple(opts)) for ph, opts in options))))
    return [a for a in placed if a[0] != phrase.start]


@lru_cache(maxsize=1024)
def _placement(options: tuple[tuple[int, tuple[tuple[int, float], ...]], ...]) -> tuple[tuple[int, int, float], ...]:
    items = [(src, pos, content) for src, opts in options for pos, content in opts if content > 0]
    # best[k]: best total of a placement ending with item k; prev[k]: the item before it.
    best: list[float] = []
    prev: list[int | None] = []
    for k, (src, pos, content) in enumerate(items):
        top, arg = 0.0, None
        for j in range(k):
            if items[j][0] < src and items[j][1] < pos and best[j] > top:
                top, arg = best[j], j
        best.append(top + content)
        prev.append(arg)
    if not items:
        return ()
    k: int | None = max(range(len(items)), key=lambda i: (best[i], -i))
    chosen = []
    while k is not None:
        chosen.append(items[k])
        k = prev[k]
    return tuple(sorted(chosen))


def _order(src: int, target: int, anchors: list[tuple[int, int, float]]) -> float:
    """Weighted share of anchors on the same side of ``target`` as of ``src``."""
    # A pseudo-anchor of weight ORDER_PRIOR at the neutral value: one weak anchor does
    # not make a candidate certain, strong agreeing anchors do.
    total, agree = ORDER_PRIOR, ORDER_PRIOR * ORDER_NEUTRAL
    for s, t, w in anchors:
        if t == target or s == src:
            continue
        total += w
        if (s < src) == (t < target):
            agree += w
    return agree / total


def _search(r: _Ranked, impl: PhraseScorer, factor, keep: int) -> list[tuple[int, float]]:
    """The best candidate of each of the ``keep`` best passages, best first.

    Branch and bound: candidates are visited by ``bound * factor``; the visit stops
    when no remaining bound can reach the ``keep``-th best passage.
    """
    order = sorted(range(len(r.candidates)), key=lambda i: (-r.bounds[i] * factor(i), i))
    best: dict[str, tuple[float, int]] = {}
    floor = 0.0
    for i in order:
        bound = r.bounds[i] * factor(i)
        if bound <= 0 or (len(best) >= keep and bound < floor):
            break
        if i not in r.exact:
            r.exact[i] = impl.score(r.phrase, r.candidates[i])
        final = r.exact[i][0] * factor(i)
        pid = r.candidates[i].passage_id
        if pid not in best or _better(final, i, *best[pid], r):
            best[pid] = (final, i)
        if len(best) >= keep:
            floor = sorted((f for f, _ in best.values()), reverse=True)[keep - 1]
    ranked = sorted(best.values(), key=lambda fi: (-fi[0], _tie(r, fi[1])))[:keep]
    return [(i, f) for f, i in ranked]


def _tie(r: _Ranked, i: int) -> tuple:
    c = r.candidates[i]
    return (c.norm_end - c.norm_start, c.norm_start)


def _better(f: float, i: int, g: float, j: int, r: _Ranked) -> bool:
    return (-f, _tie(r, i)) < (-g, _tie(r, j))


def decision_score(match: float, runner_up: float) -> float:
    """What the threshold is applied to: the match times its lead over the runner-up.

    ``match * min(match / runner_up, RATIO_CAP) / RATIO_CAP``: LASER's ratio margin
    (Artetxe & Schwenk 2019) in the role they give it, deciding which pairs to keep. A
    match far ahead of every other passage is evidence that separates; a near tie is
    not, however high both score. Capped (past three times the runner-up, more lead
    says nothing new) and divided by the cap, so it stays in [0, 1].
    """
    ratio = RATIO_CAP if runner_up <= 0 else min(match / runner_up, RATIO_CAP)
    return match * ratio / RATIO_CAP


def _best_link(ph: EnglishPhrase, pool: list[tuple[float, str, int, float]],
               per_doc: dict[str, _Ranked], docs: Mapping[str, NormalizedDocument],
               cutoff: float) -> Link | None:
    if not pool:
        return None
    pool.sort(key=lambda x: (-x[0], x[1], _tie(per_doc[x[1]], x[2])))
    final, d, i, order = pool[0]
    cand = per_doc[d].candidates[i]
    runner = next((f for f, d2, j, _ in pool[1:]
                   if (d2, per_doc[d2].candidates[j].passage_id) != (d, cand.passage_id)), 0.0)
    decision = decision_score(final, runner)
    if decision < cutoff:
        logger.debug("abstain on %r: decision %.3f < %.3f", ph.en, decision, cutoff)
        return None
    content, signals = per_doc[d].exact[i]
    doc = docs[d]
    start, end = doc.original_span(cand.norm_start, cand.norm_end)
    sig = dict(signals, content=content, order=order, match=final, runner_up=runner)
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
        score=round(decision, 4),
        margin=round(final - runner, 4),
        signals=tuple(sorted((k, round(v, 4)) for k, v in sig.items())),
    )
