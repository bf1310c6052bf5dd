"""Precision, recall and boundary accuracy of built pairs against a gold file.

Gold lines (JSON): ``{"doc_id", "label": "positive"|"negative", "en", "zh", "alt_zh",
"kind"}``. Pairs are compared as types per document (a pair found twice in a
document counts once). A built pair is correct when its English matches a gold
positive of the same document (case- and space-insensitive) and its Chinese is the
gold ``zh`` or one of ``alt_zh``; boundary accuracy is the share of built pairs
whose English matches a gold positive that also got the Chinese exactly right.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .gold import GoldPair, LinkGold
from .records import Link, NormalizedDocument, Passage
from .score import brier, reliability
from .text import gold_key as key
from .text import quote_key

__all__ = ["EvalResult", "LinkedSpan", "accepted_chinese", "correct_flags", "evaluate", "evaluate_pairs", "key",
           "link_figures",
           "matches_gold", "score_link_rows", "score_links", "span_matches_gold"]


@dataclass(frozen=True)
class EvalResult:
    gold: int
    predicted: int
    correct: int
    boundary_checked: int
    boundary_exact: int
    kind_correct: int
    negatives_violated: int
    misses: list[GoldPair] = field(default_factory=list)
    extras: list[tuple[str, str, str]] = field(default_factory=list)
    boundary_errors: list[tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return (self.gold - len(self.misses)) / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def boundary_accuracy(self) -> float:
        return self.boundary_exact / self.boundary_checked if self.boundary_checked else 0.0

    @property
    def kind_accuracy(self) -> float:
        return self.kind_correct / self.correct if self.correct else 0.0

    def as_dict(self) -> dict:
        return {
            "gold_pairs": self.gold,
            "predicted_pairs": self.predicted,
            "correct": self.correct,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "boundary_accuracy": round(self.boundary_accuracy, 4),
            "kind_accuracy": round(self.kind_accuracy, 4),
            "negatives_violated": self.negatives_violated,
        }


def evaluate(predicted: list[tuple[str, str, str, str]], gold: list[GoldPair],
             doc_ids: set[str] | None = None) -> EvalResult:
    """Score ``(doc_id, en, zh, kind)`` predictions against gold pairs.

    With ``doc_ids`` given, only gold pairs of those documents count.
    """
    if doc_ids is not None:
        gold = [g for g in gold if g.doc_id in doc_ids]
    positives = [g for g in gold if g.label == "positive"]
    negatives = [g for g in gold if g.label == "negative"]
    pred_types = sorted({(d, key(e), key(z), k) for d, e, z, k in predicted})
    shown = {}
    for d, e, z, _k in predicted:
        shown.setdefault((d, key(e), key(z)), (d, e, z))
    by_en: dict[tuple[str, str], list[GoldPair]] = {}
    for g in positives:
        by_en.setdefault((g.doc_id, key(g.en)), []).append(g)

    correct = 0
    kind_ok = 0
    found: set[GoldPair] = set()
    extras = []
    boundary_checked = boundary_exact = 0
    boundary_errors = []
    seen_types = set()
    for d, e, z, k in pred_types:
        if (d, e, z) in seen_types:
            continue
        seen_types.add((d, e, z))
        candidates = by_en.get((d, e), [])
        match = next((g for g in candidates if z == key(g.zh or "") or z in {key(a) for a in g.alt_zh}), None)
        if candidates:
            boundary_checked += 1
            if any(z == key(g.zh or "") for g in candidates):
                boundary_exact += 1
            else:
                boundary_errors.append((d, shown[(d, e, z)][1], shown[(d, e, z)][2], candidates[0].zh or ""))
        if match:
            correct += 1
            found.add(match)
            if match.kind is None or match.kind == k:
                kind_ok += 1
        else:
            extras.append(shown[(d, e, z)])
    violated = 0
    for n in negatives:
        for d, e, z, _k in pred_types:
            if d == n.doc_id and e == key(n.en) and (n.zh is None or z == key(n.zh)):
                violated += 1
    return EvalResult(
        gold=len(positives),
        predicted=len(seen_types),
        correct=correct,
        boundary_checked=boundary_checked,
        boundary_exact=boundary_exact,
        kind_correct=kind_ok,
        negatives_violated=violated,
        misses=[g for g in positives if g not in found],
        extras=extras,
        boundary_errors=boundary_errors,
    )


def evaluate_pairs(pair_rows: list[dict], gold: list[GoldPair], built_ids: set[str]) -> tuple[EvalResult, dict]:
    """A build's inline pairs against the gold of the documents built, and the calibration
    of their ``confidence`` (Brier score, reliability table) on the pairs gold covers."""
    gold = [g for g in gold if g.doc_id in built_ids]
    # Linked pairs are scored against the links gold, not the inline pairs gold.
    inline = [r for r in pair_rows if r["kind"] != "linked"]
    predictions = [(r["doc_id"], r["translation"]["en"], r["translation"]["zh"], r["kind"]) for r in inline]
    labels = correct_flags(predictions, gold)
    scored = [(r["confidence"], ok) for r, ok in zip(inline, labels, strict=True) if ok is not None]
    calibration = {
        "pairs": len(scored),
        "brier": brier([c for c, _ in scored], [ok for _, ok in scored]),
        "reliability": reliability([c for c, _ in scored], [ok for _, ok in scored]),
    }
    return evaluate(predictions, gold), calibration


def accepted_chinese(gold: list[GoldPair]) -> dict[tuple[str, str], set[str]]:
    """``(doc_id, key(en))`` -> the keys of every Chinese a gold positive accepts for it."""
    accepted: dict[tuple[str, str], set[str]] = {}
    for g in gold:
        if g.label == "positive":
            accepted.setdefault((g.doc_id, key(g.en)), set()).update(key(z) for z in (g.zh or "", *g.alt_zh))
    return accepted


def correct_flags(predicted: list[tuple[str, str, str, str]], gold: list[GoldPair]) -> list[bool | None]:
    """Per prediction: True/False when its document has gold pairs, else None."""
    docs = {g.doc_id for g in gold}
    accepted = accepted_chinese(gold)
    out: list[bool | None] = []
    for d, e, z, _ in predicted:
        if d not in docs:
            out.append(None)
        else:
            out.append(key(z) in accepted.get((d, key(e)), set()))
    return out


MIN_DICE = 0.5


def matches_gold(link: Link, gold: LinkGold, docs: Mapping[str, NormalizedDocument],
                 passages: Mapping[str, list[Passage]]) -> bool:
    """Is the linked span the gold one? (:func:`span_matches_gold` on a built link.)"""
    passage = next((p for p in passages.get(link.doc_id, []) if p.passage_id == link.passage_id), None)
    if passage is None:
        return False
    local = normalized_offset(docs[link.doc_id], link.start) - passage.norm_start
    return span_matches_gold(link.doc_id, link.passage_id, passage.text, local, link.zh, gold)


def span_matches_gold(doc_id: str, passage_id: str, passage_text: str, start: int, zh: str,
                      gold: LinkGold) -> bool:
    """Is ``zh``, at ``start`` in the text of its passage, the gold span?

    Right when it is in the gold document and its text is ``zh`` or one of ``zh_alt``,
    or it overlaps one of them substantially: Dice coefficient of the two character
    ranges ``2|A∩B| / (|A|+|B|) >= MIN_DICE`` (a clause inside a short sentence
    passes, a whole paragraph around a four-character idiom does not). ``zh`` counts
    in the gold passage only, ``zh_alt`` in any passage. The build's report and
    ``align eval`` both judge with this.
    """
    if gold.label != "link" or doc_id != gold.doc_id:
        return False
    if zh == gold.zh or zh in gold.zh_alt:
        return True
    wanted = [*gold.zh_alt, *([gold.zh] if gold.zh and passage_id == gold.passage_id else [])]
    spans = [(m.start(), m.end()) for w in wanted for m in re.finditer(re.escape(w), passage_text)]
    a, b = start, start + len(zh)
    return any(2 * max(0, min(b, y) - max(a, x)) / ((b - a) + (y - x)) >= MIN_DICE for x, y in spans)


def normalized_offset(doc: NormalizedDocument, original: int) -> int:
    """The normalized index of the character at original offset ``original``."""
    lo, hi = 0, len(doc.text)
    while lo < hi:
        mid = (lo + hi) // 2
        if doc.src_start[mid] < original:
            lo = mid + 1
        else:
            hi = mid
    return lo


@dataclass(frozen=True, slots=True)
class LinkedSpan:
    """A built link as evaluation sees it: the span's passage text and its place in it."""

    source_doc_id: str
    en: str
    doc_id: str
    passage_id: str
    passage_text: str
    start: int  # in passage_text
    zh: str
    score: float


def link_figures(spans: list[LinkedSpan], gold: Mapping[tuple[str, str], LinkGold], doc_ids: set[str]) -> dict:
    """Top-1 accuracy and abstention precision of built links against the gold phrases of
    the documents ``doc_ids`` (judged by :func:`span_matches_gold`), and the links' score
    spread."""
    gold = {k: g for k, g in gold.items() if g.source_doc_id in doc_ids}
    by_key = {(s.source_doc_id, quote_key(s.en)): s for s in spans}
    want_link = [g for g in gold.values() if g.label == "link"]
    right = sum(1 for g in want_link if g.key in by_key and span_matches_gold(
        by_key[g.key].doc_id, by_key[g.key].passage_id, by_key[g.key].passage_text, by_key[g.key].start,
        by_key[g.key].zh, g))
    abstained = [g for g in gold.values() if g.key not in by_key]
    none_ok = sum(1 for g in abstained if g.label == "none")
    wrongly_linked = sum(1 for g in gold.values() if g.label == "none" and g.key in by_key)
    scores = sorted(s.score for s in spans)
    return {
        "gold_phrases": len(gold),
        "gold_links": len(want_link),
        "top1_right": right,
        "top1_accuracy": round(right / len(want_link), 4) if want_link else None,
        "abstained": len(abstained),
        "abstention_precision": round(none_ok / len(abstained), 4) if abstained else None,
        "none_linked": wrongly_linked,
        "score_min": scores[0] if scores else None,
        "score_median": scores[len(scores) // 2] if scores else None,
        "score_max": scores[-1] if scores else None,
    }


def score_links(links: list[Link], gold: Mapping[tuple[str, str], LinkGold], docs: Mapping[str, NormalizedDocument],
                passages: Mapping[str, list[Passage]]) -> dict:
    """:func:`link_figures` of a build's links, from the records."""
    spans = []
    for lk in links:
        passage = next((p for p in passages.get(lk.doc_id, []) if p.passage_id == lk.passage_id), None)
        if passage is None:  # cannot be judged: linked, but never right
            spans.append(LinkedSpan(lk.source_doc_id, lk.en, "", "", "", -1, lk.zh, lk.score))
            continue
        start = normalized_offset(docs[lk.doc_id], lk.start) - passage.norm_start
        spans.append(LinkedSpan(lk.source_doc_id, lk.en, lk.doc_id, lk.passage_id, passage.text, start, lk.zh,
                                lk.score))
    return link_figures(spans, gold, set(docs))


def score_link_rows(rows: list[dict], passage_texts: Mapping[str, str], doc_ids: set[str],
                    gold: Mapping[tuple[str, str], LinkGold]) -> dict:
    """:func:`link_figures` of a built ``links`` config, from its rows."""
    spans = []
    for r in rows:
        text = passage_texts.get(r["passage_id"], "")
        spans.append(LinkedSpan(r["source_doc_id"], r["en"], r["doc_id"], r["passage_id"], text, text.find(r["zh"]),
                                r["zh"], r["score"]))
    return link_figures(spans, gold, doc_ids)
