"""The English a document quotes: glossed parentheses and bare quotes, as :class:`EnglishPhrase`.
"""

from __future__ import annotations

import re

from .. import lexicon as lx
from ..records import EnglishPhrase, NormalizedDocument, Passage, PhrasePair
from ..text import HAN

LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*")
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
_EN_WEAK = frozenset({
    "s", "re", "m", "ll", "ve", "d", "do", "does", "did", "am", "will", "would", "shall", "should", "can",
    "could", "may", "might", "have", "has", "had", "i", "me", "my", "you", "your", "he", "him", "his", "she",
    "her", "we", "us", "our", "they", "them", "their", "it", "its", "that", "this", "these", "those", "what",
    "which", "who", "whom", "there", "here", "so", "very", "just", "one",
})


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
            if not _is_english(en) or len(LATIN_WORD.findall(en)) < 2:
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
    return bool(text) and not HAN.search(text) and bool(_ENGLISH_QUOTE.match(text)) \
        and any(ch.isalpha() for ch in text)


def english_content_words(en: str) -> list[str]:
    """Stemmed content words of an English phrase, contractions expanded (don't -> not)."""
    for pattern, repl in _CONTRACTIONS:
        en = pattern.sub(repl, en)
    words = [w for w in lx.english_words(en) if w not in _EN_WEAK]
    return list(dict.fromkeys(words))
