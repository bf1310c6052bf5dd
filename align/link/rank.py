"""One link per phrase: branch-and-bound over the candidates' score bounds, one
alignment of all the phrases of a source against each target (:mod:`.path`), and a
decision from the evidence that separates: the lead over the next passage (LASER's
margin), the agreement of the signals, the consistency with the alignment.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..records import EnglishPhrase, Link, NormalizedDocument, Passage
from ..text import HAN
from .candidates import CandidateSpan, candidate_spans
from .mainland import compared_phrase, with_mainland
from .path import QuotePath
from .phrases import LATIN_WORD
from .retrieve import PassageIndex
from .scorers import PhraseScorer, make_scorer, prefetch_lexicon

logger = logging.getLogger(__name__)

# The alignment of a source's phrases against a target (path.py): a phrase placed there
# earns its content less SKIP_GAIN (below it, leaving the phrase out is better), one
# taken out of order costs CROSSING, and a candidate keeps 1 - ORDER_WEIGHT of its
# content when it costs the whole CROSSING. Chosen on the tuning collections
# (benchmarks/link_dev.py); the figures move little around them.
SKIP_GAIN = 0.2
CROSSING = 0.4
ORDER_WEIGHT = 0.5
# Without other phrases placed in the target, the order value is ORDER_NEUTRAL; the
# alignment's verdict outweighs it as the gain of the phrases it places there grows past
# ORDER_PRIOR (small: the seeds' summary has four phrases with a counterpart, and two
# of them already vouch for the third's place).
ORDER_NEUTRAL = 0.5
ORDER_PRIOR = 0.1
ANCHOR_OPTIONS = 8  # passages per phrase and target document the alignment chooses from
# Passages between a phrase's neighbours on the alignment that are scored for it (when
# no more lie there), whether the short list holds them or not.
GAP_PASSAGES = 6
# A candidate shorter than LENGTH_PER_WORD Chinese characters (or Latin words) per
# English word keeps the square root of its share of that length: the gold spans of the
# tuning collections hold 2.3 per word (median; 1.4 at the 10th percentile), and a
# short clause inside the rendering (以免影响开发主线 for "diverge from the main line of
# development") otherwise outscores the whole rendering on the encoder's cosine.
LENGTH_PER_WORD = 2.0
RATIO_CAP = 3.0  # lead over the runner-up past which the decision score stops growing
# Each piece of evidence that does not put the chosen passage first (the encoder's
# cosine, the lexical evidence, the alignment: see _agreement) multiplies the decision by
# this. Agreement is what separates at high precision: on the tuning collections the
# links reached at precision 0.98 go from 16 to 99 of 150.
DISAGREEMENT = 0.7
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
    prior: list[float] | None = None  # the length prior of each candidate, once searched


def link_phrases(phrases: list[EnglishPhrase], docs: dict[str, NormalizedDocument],
                 passages: dict[str, list[Passage]], scorer: str | PhraseScorer = "default",
                 threshold: float | None = None, fine_passages: int | None = FINE_PASSAGES) -> list[Link]:
    """Links for the phrases whose best candidate scores at least the threshold.

    Candidates come from the content passages of every document but the phrase's
    own; see the module docstring for the score. ``threshold`` defaults to the
    scorer's (:data:`DEFAULT_THRESHOLD` for the lexical one). Output is sorted by
    source document and offset and does not depend on the order of ``phrases``.
    """
    return plan_links(phrases, docs, passages, scorer, threshold, fine_passages).links()


@dataclass
class LinkPlan:
    """:func:`link_phrases` begun: the candidates built, the short lists' index made (its
    sentences embedding in a thread of their own) and the scorer prepared; :meth:`links`
    does the rest. Nothing else may use the scorer in between."""

    impl: PhraseScorer
    cutoff: float
    fine_passages: int | None
    docs: dict[str, NormalizedDocument] = field(default_factory=dict)
    passages: dict[str, list[Passage]] = field(default_factory=dict)
    by_doc: dict[str, list[CandidateSpan]] = field(default_factory=dict)
    by_passage: dict[str, list[CandidateSpan]] = field(default_factory=dict)
    given: dict[EnglishPhrase, EnglishPhrase] = field(default_factory=dict)
    index: PassageIndex | None = None

    def links(self) -> list[Link]:
        if self.index is None:
            return []
        index, self.index = self.index, None
        return _link_planned(self, index)


def plan_links(phrases: list[EnglishPhrase], docs: dict[str, NormalizedDocument],
               passages: dict[str, list[Passage]], scorer: str | PhraseScorer = "default",
               threshold: float | None = None, fine_passages: int | None = FINE_PASSAGES) -> LinkPlan:
    """The first half of :func:`link_phrases` (a build begins it before it writes its
    documents, so that the encoder works meanwhile)."""
    impl = make_scorer(scorer) if isinstance(scorer, str) else scorer
    if not isinstance(impl, PhraseScorer):
        raise TypeError(f"scorer must be a name or a PhraseScorer, got {type(scorer).__name__}")
    cutoff = impl.threshold if threshold is None else threshold
    plan = LinkPlan(impl, cutoff, fine_passages)
    if not phrases:
        return plan  # nothing to link: the targets' candidates need not be built
    # Chinese is compared with Chinese in mainland vocabulary (mainland.py): a Taiwan
    # gloss's 资料 meets a mainland translation's 数据.
    by_doc = {d: with_mainland(docs[d], [c for p in passages.get(d, []) if p.kind == "content"
                                         for c in candidate_spans(p)])
              for d in sorted(docs)}
    by_passage: dict[str, list[CandidateSpan]] = defaultdict(list)
    for d in sorted(by_doc):
        for c in by_doc[d]:
            by_passage[c.passage_id].append(c)

    for ph in phrases:
        if ph.doc_id not in docs:
            raise ValueError(f"phrase {ph.en!r} comes from {ph.doc_id!r}, which is not in docs")
    # Scored with the gloss in mainland vocabulary; linked with the gloss as written.
    given = {compared_phrase(ph, docs, passages): ph for ph in sorted(set(phrases), key=_phrase_key)}
    ordered = sorted(given, key=_phrase_key)
    # Only the short list of each phrase is scored (retrieve.py): the work grows with
    # the phrases and the collection's text, not with their product. The index embeds
    # every sentence in a thread of its own, while the scorer's prepare runs here.
    prefetch_lexicon([c.passage_text or c.text for d in sorted(by_doc) for c in by_doc[d]]
                     + [ph.gloss for ph in ordered if ph.gloss])
    index = PassageIndex(by_doc, impl)
    impl.prepare([c for d in sorted(by_doc) for c in by_doc[d]])
    plan.docs, plan.passages, plan.by_doc, plan.by_passage, plan.given = docs, passages, by_doc, by_passage, given
    plan.index = index
    return plan


def _link_planned(plan: LinkPlan, index: PassageIndex) -> list[Link]:
    impl, cutoff, fine_passages = plan.impl, plan.cutoff, plan.fine_passages
    docs, passages, by_passage, given = plan.docs, plan.passages, plan.by_passage, plan.given
    ordered = sorted(given, key=_phrase_key)
    shortlists = index.shortlists(ordered)
    del index
    ranked: dict[EnglishPhrase, dict[str, _Ranked]] = {}
    fine: dict[EnglishPhrase, set[str]] = {}
    cheap: dict[EnglishPhrase, dict[str, list[float]]] = {}  # the cheap bounds _finest chose by
    for ph in ordered:
        cheap[ph] = _finest(ph, shortlists[ph], by_passage, impl, fine_passages)
        fine[ph] = set(cheap[ph])
    # Every candidate about to be bounded is embedded in one call: the encoder packs many
    # texts into full batches, where one phrase's few hundred leave the last one part-empty.
    impl.embed_candidates([c for pid in sorted(set().union(*fine.values())) for c in by_passage[pid]])
    for ph in ordered:
        per_doc: dict[str, list[CandidateSpan]] = defaultdict(list)
        per_doc_cheap: dict[str, list[float] | None] = {}
        for pid in sorted(fine[ph]):
            cands = by_passage[pid]
            d = cands[0].doc_id
            per_doc[d].extend(cands)
            known = per_doc_cheap.get(d, [])
            per_doc_cheap[d] = None if known is None or cheap[ph][pid] is None else known + cheap[ph][pid]
        ranked[ph] = {d: _Ranked(ph, cands, impl.bounds(ph, cands) if per_doc_cheap[d] is None
                                 else impl.bounds_from(ph, cands, per_doc_cheap[d]))
                      for d, cands in sorted(per_doc.items())}
        del cheap[ph]

    paths = _align(ranked, impl)
    # Bertalign's second step: each phrase is also scored on the passages between its
    # neighbours' places on the alignment, when they are few: what the short list missed
    # there, the order vouches for.
    order_of = {d: [(p.norm_start, p.norm_end, p.passage_id) for p in passages.get(d, [])
                    if p.passage_id in by_passage] for d in sorted(docs)}
    grown = set()
    for (_, target), (path, rows) in paths.items():
        for ph, q in rows.items():
            extra = [pid for pid in _between(order_of[target], *path.gap(q)) if pid not in fine[ph]]
            if extra:
                fine[ph] |= set(extra)
                # Appended, so the candidates scored so far keep their places and scores.
                r = ranked[ph][target]
                cands = [c for pid in extra for c in by_passage[pid]]
                r.candidates += cands
                r.bounds += impl.bounds(ph, cands)
                r.prior = None
                grown.add((ph.doc_id, target))
    if grown:
        paths.update(_align(ranked, impl, grown))

    # Pass 2: the content of each candidate, less what it costs the alignment.
    links = []
    for ph, per_doc in ranked.items():
        # (match, target, candidate, order value, taken in order beside other phrases)
        pool: list[tuple[float, str, int, float, bool]] = []
        for d, r in per_doc.items():
            path, rows = paths[(ph.doc_id, d)]

            def fit(i: int, r: _Ranked = r, path=path, q: int = rows[ph]) -> float:
                return 1.0 - path.cost(q, r.candidates[i].norm_start) / CROSSING

            def order(i: int, fit=fit, support: float = path.support(rows[ph])) -> float:
                # The alignment's verdict, weighed by how much of it there is: a target
                # where no other phrase of the source is placed says nothing either way.
                return (support * fit(i) + ORDER_PRIOR * ORDER_NEUTRAL) / (support + ORDER_PRIOR)

            def adjust(i: int, value: float, order=order) -> float:
                return value * (1 - ORDER_WEIGHT * (1 - order(i)))

            for i, final in _search(r, impl, adjust, 2):
                pool.append((final, d, i, order(i), fit(i) > 0.99 and path.support(rows[ph]) > 0))
        link = _best_link(given[ph], pool, per_doc, docs, cutoff, impl)
        if link is not None:
            links.append(link)
    links.sort(key=lambda lk: (lk.source_doc_id, lk.source_start, lk.source_end, lk.en))
    return links


def _align(ranked: Mapping[EnglishPhrase, Mapping[str, _Ranked]], impl: PhraseScorer,
           only: set[tuple[str, str]] | None = None
           ) -> dict[tuple[str, str], tuple[QuotePath, dict[EnglishPhrase, int]]]:
    """Per (source, target) document (those of ``only``, when given): the alignment of the
    source's phrases (path.py), each choosing among the best candidates of its
    :data:`ANCHOR_OPTIONS` best passages there by content alone, and each phrase's row in it."""
    options: dict[tuple[str, str], list[tuple[EnglishPhrase, list[tuple[int, float]]]]] = defaultdict(list)
    for ph, per_doc in ranked.items():
        for d, r in per_doc.items():
            if only is not None and (ph.doc_id, d) not in only:
                continue
            found = _search(r, impl, _as_is, ANCHOR_OPTIONS)
            options[(ph.doc_id, d)].append((ph, [(r.candidates[i].norm_start, f - SKIP_GAIN) for i, f in found]))
    return {key: (QuotePath([opts for _, opts in quotes], CROSSING), {ph: q for q, (ph, _) in enumerate(quotes)})
            for key, quotes in sorted(options.items())}


def _between(order: list[tuple[int, int, str]], lo: int | None, hi: int | None) -> list[str]:
    """The content passages from the one holding ``lo`` to the one holding ``hi``, when
    both are known and at most :data:`GAP_PASSAGES` lie there."""
    if lo is None or hi is None or hi < lo:
        return []
    inside = [pid for a, b, pid in order if b > lo and a <= hi]
    return inside if len(inside) <= GAP_PASSAGES else []


def _finest(ph: EnglishPhrase, shortlist: list[tuple[str, float | None]], by_passage: Mapping[str, list[CandidateSpan]],
            impl: PhraseScorer, keep: int | None) -> dict[str, list[float] | None]:
    """The ``keep`` passages of the short list whose content can go highest, judged
    cheaply: the best lexical bound of the passage's candidates, averaged with the
    cosine of its best sentence when the index has one (the scorer averages the two the
    same way). Only these are scored finely, so only their clauses are embedded.

    Each comes with its candidates' cheap bounds (``None`` when the whole short list is
    kept unjudged): :meth:`.PhraseScorer.bounds_from` adds the costly signal to them."""
    if keep is None or len(shortlist) <= keep:
        return {pid: None for pid, _ in shortlist}
    rough = []
    for k, (pid, dense) in enumerate(shortlist):
        bounds = impl.cheap_bounds(ph, by_passage[pid])
        lexical = max(bounds, default=0.0)
        rough.append((-(lexical if dense is None else (lexical + dense) / 2), k, pid, bounds))
    return {pid: bounds for _, _, pid, bounds in sorted(sorted(rough, key=lambda x: x[:2])[:keep], key=lambda x: x[1])}


def _length_prior(ph: EnglishPhrase, c: CandidateSpan) -> float:
    """``sqrt(min(1, units / (LENGTH_PER_WORD * words)))``: see :data:`LENGTH_PER_WORD`."""
    words = len(LATIN_WORD.findall(ph.en))
    if not words:
        return 1.0
    units = len(HAN.findall(c.text)) + len(LATIN_WORD.findall(c.text))
    return math.sqrt(min(1.0, units / (LENGTH_PER_WORD * words)))


def _as_is(i: int, value: float) -> float:
    return value


def _phrase_key(ph: EnglishPhrase) -> tuple:
    return (ph.doc_id, ph.start, ph.end, ph.en, ph.gloss or "")


def _search(r: _Ranked, impl: PhraseScorer, adjust, keep: int) -> list[tuple[int, float]]:
    """The best candidate of each of the ``keep`` best passages, best first, by
    ``adjust(i, content * length prior)`` (``adjust`` non-decreasing in its value).

    Branch and bound: candidates are visited by the same of their bounds; the visit stops
    when no remaining bound can reach the ``keep``-th best passage.
    """
    if r.prior is None:
        r.prior = [_length_prior(r.phrase, c) for c in r.candidates]
    prior = r.prior
    order = sorted(range(len(r.candidates)), key=lambda i: (-adjust(i, r.bounds[i] * prior[i]), i))
    best: dict[str, tuple[float, int]] = {}
    floor = 0.0
    for i in order:
        bound = adjust(i, r.bounds[i] * prior[i])
        if bound <= 0 or (len(best) >= keep and bound < floor):
            break
        if i not in r.exact:
            r.exact[i] = impl.score(r.phrase, r.candidates[i])
        final = adjust(i, r.exact[i][0] * prior[i])
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


def decision_score(match: float, runner_up: float, disagreeing: int = 0) -> float:
    """What the threshold is applied to: the match times its lead over the runner-up,
    less for each piece of evidence against it.

    ``match * min(match / runner_up, RATIO_CAP) / RATIO_CAP * DISAGREEMENT ** disagreeing``:
    LASER's ratio margin (Artetxe & Schwenk 2019) in the role they give it, deciding which
    pairs to keep. A match far ahead of every other passage is evidence that separates; a
    near tie is not, however high both score. Capped (past three times the runner-up,
    more lead says nothing new) and divided by the cap, so it stays in [0, 1].
    ``disagreeing`` counts the signals that would rank another passage first and the
    alignment that would take the phrase out of order there (:data:`DISAGREEMENT`).
    """
    ratio = RATIO_CAP if runner_up <= 0 else min(match / runner_up, RATIO_CAP)
    return match * ratio / RATIO_CAP * DISAGREEMENT ** disagreeing


def _agreement(per_doc: Mapping[str, _Ranked], doc_id: str, passage_id: str, impl: PhraseScorer) -> tuple[int, int]:
    """How many of the scorer's views (:meth:`.PhraseScorer.views`: the encoder's cosine,
    the lexical evidence) rank the chosen passage first on their own, of how many,
    among the candidates scored exactly (the best of the passages the content ranks
    highest)."""
    best: dict[str, float] = {}
    mine: dict[str, float] = {}
    for d, r in per_doc.items():
        for j, (content, signals) in r.exact.items():
            here = d == doc_id and r.candidates[j].passage_id == passage_id
            for name, value in impl.views(content, signals).items():
                table = mine if here else best
                table[name] = max(table.get(name, 0.0), value)
    return sum(mine.get(name, 0.0) >= best.get(name, 0.0) for name in mine), len(mine)


def _best_link(ph: EnglishPhrase, pool: list[tuple[float, str, int, float, bool]],
               per_doc: dict[str, _Ranked], docs: Mapping[str, NormalizedDocument],
               cutoff: float, impl: PhraseScorer) -> Link | None:
    if not pool:
        return None
    pool.sort(key=lambda x: (-x[0], x[1], _tie(per_doc[x[1]], x[2])))
    final, d, i, order, in_order = pool[0]
    cand = per_doc[d].candidates[i]
    runner = next((f for f, d2, j, *_ in pool[1:]
                   if (d2, per_doc[d2].candidates[j].passage_id) != (d, cand.passage_id)), 0.0)
    agreeing, views = _agreement(per_doc, d, cand.passage_id, impl)
    agreeing += in_order
    agree = agreeing / (views + 1)
    decision = decision_score(final, runner, views + 1 - agreeing)
    if decision < cutoff:
        logger.debug("abstain on %r: decision %.3f < %.3f", ph.en, decision, cutoff)
        return None
    content, signals = per_doc[d].exact[i]
    doc = docs[d]
    start, end = doc.original_span(cand.norm_start, cand.norm_end)
    sig = dict(signals, content=content, order=order, match=final, runner_up=runner, agree=agree,
               length=per_doc[d].prior[i])
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
