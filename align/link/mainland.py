"""The Chinese the linker compares, in mainland vocabulary (issue 15 item 5).

Documents are normalized character by character (hk2s, tw2s), so a Taiwan gloss keeps
资料/变数/阵列 where a mainland translation writes 数据/变量/数组, and chrF, the gloss's
characters and BM25's bigrams find nothing shared. The linker compares Chinese with
Chinese on each side's mainland form instead: OpenCC's phrase configs (hk2sp, tw2sp)
over the original text, as ``zh_mainland`` is made (:func:`align.normalize.mainland_span`).
A Simplified document is its own mainland form, so only regional documents change.
CC-CEDICT coverage stays on the normalized words (the dictionary knows the regional
words too), and a link's offsets and ``zh`` stay those of the normalized text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import lru_cache

from ..normalize import MAINLAND_CONFIGS, OPENCC_CONFIGS, mainland_span
from ..records import EnglishPhrase, NormalizedDocument, Passage
from .candidates import CandidateSpan


def regional(doc: NormalizedDocument) -> bool:
    """Whether the document's mainland form can differ from its normalized text (a
    Hong Kong or Taiwan original: a phrase config beside the character one)."""
    config = MAINLAND_CONFIGS.get(doc.variant)
    return config is not None and config != OPENCC_CONFIGS.get(doc.variant)


@lru_cache(maxsize=1 << 16)
def _mainland(original: str, normalized: str, variant: str) -> str:
    """The mainland form of a normalized span, or ``""`` when it is the same (or the
    original's markup makes the conversion unsure: mainland_span gives ``zh`` back)."""
    form = mainland_span(original, normalized, variant)
    return "" if form == normalized else form


def _original(doc: NormalizedDocument, norm_start: int, norm_end: int) -> str:
    start, end = doc.original_span(norm_start, norm_end)
    return doc.raw.text[start:end]


def with_mainland(doc: NormalizedDocument, candidates: Sequence[CandidateSpan]) -> list[CandidateSpan]:
    """The candidates of one document, each with its mainland form (and its passage's)
    where it differs from the normalized text; a Simplified document's come back as they are."""
    if not regional(doc):
        return list(candidates)
    out: list[CandidateSpan] = []
    passage_form: dict[str, str] = {}
    for c in candidates:
        p_start = c.norm_start - c.local_start
        if c.passage_id not in passage_form:
            whole = c.passage_text or c.text
            passage_form[c.passage_id] = _mainland(_original(doc, p_start, p_start + len(whole)), whole, doc.variant)
        form = _mainland(_original(doc, c.norm_start, c.norm_end), c.text, doc.variant)
        out.append(replace(c, mainland=form) if form else c)
    # A passage whose conversion was unsure (markup in the original) is read through its
    # sentences' forms: what BM25 needs of it is its Chinese characters.
    sentences: dict[str, list[CandidateSpan]] = {}
    for c in out:
        if c.sentence:
            sentences.setdefault(c.passage_id, []).append(c)
    for pid, ss in sentences.items():
        if not passage_form[pid] and any(s.mainland for s in ss):
            passage_form[pid] = "".join(s.compared for s in ss)
    return [replace(c, passage_mainland=passage_form[c.passage_id]) if passage_form[c.passage_id] else c
            for c in out]


def compared_phrase(phrase: EnglishPhrase, docs: Mapping[str, NormalizedDocument],
                    passages: Mapping[str, Sequence[Passage]]) -> EnglishPhrase:
    """The phrase with its gloss in mainland vocabulary (itself when that is the same):
    the gloss is found in its passage, nearest the English, and read from the original."""
    doc = docs.get(phrase.doc_id)
    if not phrase.gloss or doc is None or not regional(doc):
        return phrase
    p = next((p for p in passages.get(phrase.doc_id, ()) if p.passage_id == phrase.passage_id), None)
    if p is None:
        return phrase
    best: tuple[int, str] | None = None
    at = p.text.find(phrase.gloss)
    while at >= 0:
        a = p.norm_start + at
        start, _ = doc.original_span(a, a + len(phrase.gloss))
        form = _mainland(_original(doc, a, a + len(phrase.gloss)), phrase.gloss, doc.variant)
        if best is None or abs(start - phrase.start) < best[0]:
            best = (abs(start - phrase.start), form)
        at = p.text.find(phrase.gloss, at + 1)
    return replace(phrase, gloss=best[1]) if best and best[1] else phrase
