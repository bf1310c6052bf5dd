"""The evidence for one candidate pair, as numbers a model can weigh.

Dictionary coverage in both directions (CC-CEDICT), transliteration similarity in Mandarin
(pinyin) and Cantonese (Jyutping), the span's recurrence in its document without the
parenthesis and how often the character before it sticks to it (boundary statistics, after
Lin et al. 2008), the words at the boundary, length, shape and capitalization, and what the
extractor's rules proposed for the same parenthesis; and how close the two sides are in a
multilingual sentence encoder's space (:mod:`align.encoder`).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from . import lexicon as lx
from .candidates import ARTICLE, Candidate
from .encoder import cosines
from .text import HAN, english_key, is_han

SHAPES = ("zh(en)", "quote(en)", "title(en)", "enum(en)", "en(zh)", "en(exp,zh)", "(en,zh)", "zh en", "acr zh(en)",
          "zh“en”", "“en,zh”", "line pair", "en: zh")
_ACRONYM = re.compile(r"^(?:[A-Z][A-Za-z]*[A-Z][A-Za-z]*|[A-Z]&[A-Z]|[A-Z]{2,}\d*)$")
_EN_FUNCTION = frozenset("of for at the and in on to a an de von van der".split())
_CLAUSE_BEFORE = frozenset(",。;:!?、;:!?…“‘《(\n\"'")
_DESC_START = frozenset("的是即也指为系曾现前原")
def is_acronym(en: str) -> bool:
    return bool(_ACRONYM.match(en.strip()))


def is_name_like(en: str) -> bool:
    words = [w.strip("“”\"‘’'") for w in en.split()]
    words = [w for w in words if w]
    caps = [w for w in words if w[:1].isupper()]
    rest = [w for w in words if not w[:1].isupper()]
    return bool(caps) and all(w.lower() in _EN_FUNCTION for w in rest)


def support_signals(zh: str, en: str) -> dict[str, float]:
    """Dictionary coverage, phonetics, transliteration share and length ratio of a pair."""
    return dict(_support_signals(zh, en))


@lru_cache(maxsize=65536)
def _support_signals(zh: str, en: str) -> tuple[tuple[str, float], ...]:
    return tuple(_support(zh, en).items())


def _support(zh: str, en: str) -> dict[str, float]:
    en_words = lx.english_words(en)
    words = [w for w in lx.segment_words(zh) if HAN.search(w)]
    han = sum(len(w) for w in words) or 1
    covered = sum(len(w) for w in words if lx.gloss_covers(w, en_words))
    dict_cov = covered / han
    en_hit = 0.0
    if en_words:
        glosses: set[str] = set()
        for w in words:
            glosses |= lx.gloss_words(w)
        en_hit = sum(1 for e in en_words if any(lx.words_match(g, e) for g in glosses)) / len(en_words)
    phon = lx.phonetic_similarity(zh, en) if is_name_like(en) or len(en.split()) <= 3 else 0.0
    translit = lx.translit_share(zh)
    acronym_fit = 0.0
    if is_acronym(en):
        letters = set(re.sub(r"[^A-Z]", "", en.upper()).lower())
        inits: set[str] = set()
        for w in words:
            inits |= lx.gloss_initials(w)
        acronym_fit = len(letters & inits) / max(len(letters), 1)
    support = max(dict_cov, en_hit, acronym_fit, phon * (0.5 + 0.5 * translit))
    return {
        "dict": round(dict_cov, 4),
        "en_hit": round(en_hit, 4),
        "phonetic": round(phon, 4),
        "translit": round(translit, 4),
        "acronym": round(acronym_fit, 4),
        "support": round(support, 4),
        "len_ratio": round(len(zh) / max(len(en), 1), 4),
    }


def _explained(word: str, en: str, en_words: list[str]) -> float:
    """Does the English account for this Chinese word (gloss or sound)?"""
    if not HAN.search(word):
        return 1.0 if word.strip() and word.strip().lower() in en.lower() else 0.0
    if lx.gloss_covers(word, en_words):
        return 1.0
    return 1.0 if lx.phonetic_coverage(word, en) >= 0.7 and lx.translit_share(word) >= 0.5 else 0.0


BASE_FEATURES = (
    "rule_exact", "rule_same_en", "rule_group", *(f"shape={s}" for s in SHAPES),
    "dict", "en_hit", "phonetic", "cantonese", "translit", "acronym_fit", "support",
    "log_zh_chars", "zh_words", "en_words", "log_len_ratio",
    "boundary_rank", "is_longest", "boundary_count",
    "first_word_function", "first_word_explained", "left_word_function", "left_word_explained",
    "left_is_clause_start", "zh_latin", "zh_digit", "zh_desc_start", "zh_quote_inside",
    "en_acronym", "en_name_like", "en_lower", "en_digit", "en_is_part", "en_words_capital",
    "content_has_cjk", "log_recurrence", "left_stickiness", "end_gap", "is_word_boundary",
    "en_year", "en_code_like", "en_covered_mandarin", "en_covered_cantonese", "left_word_sound", "first_word_sound",
    *(f"first_pos={g}" for g in lx.POS_GROUPS), *(f"left_pos={g}" for g in lx.POS_GROUPS),
    "first_word_log_freq", "left_word_log_freq", "left_char_joiner", "zh_has_joiner",
    "zh_is_headword", "zh_in_jieba", "left_extended_is_headword",
    "left_char_translit", "first_char_translit", "left_sound_gain", "left_sound_gain_cantonese",
    "en_left_capital", "en_abbreviates_part", "char_dict", "en_article",
    "acronym_first_fit", "acronym_last_fit", "acronym_letter_gap", "left_char_starts_word",
)
# Features compared across the readings of one English phrase: how far a reading is from
# the best of its rivals says more about a boundary than the value alone.
RELATIVE = ("dict", "en_hit", "support", "translit", "en_covered_mandarin", "en_covered_cantonese",
            "log_zh_chars", "first_word_explained", "is_word_boundary", "rule_exact")
# Features over the whole document: the same English read in other parentheses.
DOCUMENT = ("doc_en_parens", "doc_zh_agreement")
# Features from the multilingual sentence encoder: how close the two sides are in meaning,
# and how far a reading is from the closest reading of the same English.
ENCODER = ("use_cosine", "use_cosine-best")
FEATURES = BASE_FEATURES + tuple(f"{name}-best" for name in RELATIVE) + ("readings",) + DOCUMENT + ENCODER
_RELATIVE_AT = tuple(BASE_FEATURES.index(name) for name in RELATIVE)


def add_relative_features(rows: list[list[float]]) -> None:
    """Extend each feature row (the readings of one English phrase) in place."""
    best = [max(r[i] for r in rows) for i in _RELATIVE_AT]
    for r in rows:
        r.extend(r[i] - b for i, b in zip(_RELATIVE_AT, best, strict=True))
        r.append(float(min(len(rows), 30)))


def add_document_features(readings: list[tuple[tuple, str, str, list[float]]]) -> None:
    """Extend each feature row in place with :data:`DOCUMENT`. ``readings`` holds
    ``(parenthesis, English key, Chinese key, row)`` for every reading of one document: a
    boundary that other parentheses of the same English also allow is likelier (Lin et al.
    2008 count such agreement over the corpus)."""
    zh_by_paren: dict[tuple, set[str]] = {}
    parens_by_en: dict[str, set[tuple]] = {}
    readings = [(paren, english_key(en), zh, row) for paren, en, zh, row in readings]
    for paren, en, zh, _ in readings:
        zh_by_paren.setdefault((paren, en), set()).add(zh)
        parens_by_en.setdefault(en, set()).add(paren)
    for paren, en, zh, row in readings:
        others = [p for p in parens_by_en[en] if p != paren]
        agree = sum(1 for p in others if zh in zh_by_paren[(p, en)])
        row.append(math.log1p(len(others)))
        row.append(agree / len(others) if others else 0.0)


def add_encoder_features(readings: list[tuple[tuple, str, str, list[float]]]) -> None:
    """Extend each feature row in place with :data:`ENCODER`. ``readings`` holds
    ``(rival key, English, Chinese, row)`` for every reading of one document; readings with
    the same rival key (one parenthesis, one English span) are compared."""
    sims = cosines([(en, zh) for _, en, zh, _ in readings])
    best: dict[tuple, float] = {}
    for (key, *_), sim in zip(readings, sims, strict=True):
        best[key] = max(best.get(key, -1.0), sim)
    for (key, _, _, row), sim in zip(readings, sims, strict=True):
        row.append(sim)
        row.append(round(sim - best[key], 4))


def candidate_features(cand: Candidate, doc_text: str, zh_original: str,
                       rule: tuple[bool, bool, bool]) -> list[float]:
    """The :data:`BASE_FEATURES` of ``cand``; ``rule`` = (rules chose exactly this, rules chose
    another Chinese for this English, rules chose something in this parenthesis)."""
    text = cand.passage.text
    en, zh = cand.en, cand.zh
    en_words = lx.english_words(en)
    s = support_signals(zh, en)
    words = lx.segment_words(zh) or [zh]
    left_text = text[max(cand.passage.body_offset, cand.zh_a - 12) : cand.zh_a].rstrip()
    left_words = lx.segment_words(left_text) if left_text else []
    left_word = left_words[-1] if left_words else ""
    letters = re.findall(r"[A-Za-z]", en)
    en_tokens = en.split()
    content = text[cand.group[0] + 1 : cand.group[1]].strip()
    occurrences = doc_text.count(zh) if zh else 0
    left_char = text[cand.zh_a - 1] if cand.zh_a > cand.passage.body_offset else "\n"
    sticky = doc_text.count(left_char + zh) / occurrences if occurrences and left_char != "\n" else 0.0
    shape = [1.0 if cand.shape == x else 0.0 for x in SHAPES]
    return [
        float(rule[0]), float(rule[1]), float(rule[2]), *shape,
        s["dict"], s["en_hit"], s["phonetic"],
        lx.cantonese_similarity(zh_original, en) if is_name_like(en) else 0.0,
        s["translit"], s["acronym"], s["support"],
        math.log1p(len(zh)), float(min(len(words), 12)), float(min(len(en_tokens), 12)),
        math.log((len(zh) + 1) / (len(letters) + 1)),
        float(min(cand.boundary_rank, 10)), float(cand.boundary_rank == cand.boundary_count - 1),
        float(min(cand.boundary_count, 10)),
        float(words[0] in lx.FUNCTION_WORDS), _explained(words[0], en, en_words),
        float(left_word in lx.FUNCTION_WORDS), _explained(left_word, en, en_words) if left_word.strip() else 0.0,
        float(left_char in _CLAUSE_BEFORE or not left_word.strip()),
        float(bool(re.search(r"[A-Za-z]", zh))), float(any(ch.isdigit() for ch in zh)),
        float(zh[:1] in _DESC_START), float(any(ch in "“”‘’\"《》" for ch in zh)),
        float(is_acronym(en)), float(is_name_like(en)), float(en == en.lower()),
        float(any(ch.isdigit() for ch in en)), float(en != content),
        sum(1 for t in en_tokens if t[:1].isupper()) / max(len(en_tokens), 1),
        float(any(is_han(ch) for ch in content)),
        math.log1p(max(occurrences - 1, 0)), sticky,
        float(min(_paren_gap(text, cand), 6)), float(_on_word_boundary(text, cand)),
        float(bool(_YEAR.search(en))), float(bool(_CODE_LIKE.search(en))),
        lx.letters_covered(zh, en), lx.letters_covered(zh_original, en, cantonese=True),
        lx.word_sound(left_word, en) if HAN.search(left_word) else 0.0,
        lx.word_sound(words[0], en) if HAN.search(words[0]) else 0.0,
        *_boundary_pos(cand),
        float(left_char in lx.NAME_JOINERS or
              left_char == "." and lx.has_name_joiner(text[max(cand.zh_a - 2, 0) : cand.zh_a + 1])),
        float(lx.has_name_joiner(zh)),
        # Is the span, or the span grown by the word before it, a word of the dictionaries?
        float(zh in lx.cedict()), float(lx.word_frequency(zh) > 0),
        float(bool(left_word.strip()) and (left_word + zh) in lx.cedict()),
        float(left_char in lx.TRANSLIT_CHARS), float(zh[:1] in lx.TRANSLIT_CHARS),
        # Would the word before the span account for more of the English's sound?
        *_left_sound_gain(left_word, zh, zh_original, en),
        # Florence Nightingale(南丁格尔): a capitalized word just before the English says the
        # name may start earlier than this reading.
        float(bool(_CAPITAL_BEFORE.search(text, max(0, cand.en_a - 40), cand.en_a))),
        # (Victory in Europe Day, VE Day): an abbreviation of another part of the parenthesis
        # renders the same Chinese.
        float(any(_abbreviates(en, part) for part in _PART_SPLIT.split(content) if part.strip() != en.strip())),
        lx.char_coverage(zh, en_words),
        # (the county central committee): a term's article is rarely translated, a title's is kept.
        float(bool(ARTICLE.match(en))),
        # 有时高带宽内存(HBM): an acronym's first and last capitals are the initials of the
        # glosses of the span's first and last words, and it has about one word per capital.
        *_acronym_ends(zh, en),
        # 那空帕侬(Nakhon Phanom), 卫斯特布鲁克(Russell Westbrook): the character before a
        # transliteration may be its first sound, which jieba glued to the word before it.
        float(is_han(left_char) and is_name_like(en) and lx.sounds_like_a_word_start(left_char, en)),
    ]


def _acronym_ends(zh: str, en: str) -> tuple[float, float, float]:
    if not is_acronym(en):
        return 0.0, 0.0, 0.0
    capitals = re.sub(r"[^A-Z]", "", en)
    words = [w for w in lx.segment_words(zh) if HAN.search(w)]
    if not capitals or not words:
        return 0.0, 0.0, 0.0
    # A word the dictionary lacks (高带宽) is read by its first or last character too.
    first = float(capitals[0].lower() in (lx.gloss_initials(words[0]) or lx.gloss_initials(words[0][0])))
    last = float(capitals[-1].lower() in (lx.gloss_initials(words[-1]) or lx.gloss_initials(words[-1][-1])))
    return first, last, float(max(-5, min(5, len(capitals) - len(words))))


_PART_SPLIT = re.compile(r"\s*[,;，；、]\s*|\s+[/=]\s*")


def _abbreviates(short: str, phrase: str) -> bool:
    """Is the first word of ``short`` (two or more capitals: VE, MTTF, EO) made of the
    initials of ``phrase``'s words, in order, starting with the first?"""
    head = short.split()[0] if short.split() else ""
    letters = [ch for ch in head if ch.isalpha()]
    if len(letters) < 2 or sum(ch.isupper() for ch in letters) < 2:
        return False
    initials = [w[0].upper() for w in re.findall(r"[A-Za-z\u00c0-\u024f]+", phrase)]
    if len(initials) < 2 or initials[0] != letters[0].upper():
        return False
    i = 0
    for ch in letters:
        while i < len(initials) and initials[i] != ch.upper():
            i += 1
        if i == len(initials):
            return False
        i += 1
    return True


def _left_sound_gain(left_word: str, zh: str, zh_original: str, en: str) -> tuple[float, float]:
    if not HAN.search(left_word):
        return 0.0, 0.0
    mandarin = lx.letters_covered(left_word + zh, en) - lx.letters_covered(zh, en)
    # The original script's left word is not at hand; its Simplified form reads the same in
    # Jyutping for all but a few characters.
    cantonese = lx.letters_covered(left_word + zh_original, en, cantonese=True) - \
        lx.letters_covered(zh_original, en, cantonese=True)
    return mandarin, cantonese


def _boundary_pos(cand: Candidate) -> list[float]:
    """Part of speech of the span's first word and of the word before it, read in the clause
    (one tagging per clause, shared by the readings that end at the same place), and how
    common each word is in general Chinese."""
    text, a = cand.passage.text, cand.zh_a
    lo = max(cand.passage.body_offset, cand.zh_b - 48)
    first = left = None
    for word, group, start in lx.tagged_words(text[lo : cand.zh_b]):
        if not word.strip():
            continue
        if lo + start < a:
            left = (word, group)
        elif first is None:
            first = (word, group)
    out = [1.0 if first and first[1] == g else 0.0 for g in lx.POS_GROUPS]
    out += [1.0 if left and left[1] == g else 0.0 for g in lx.POS_GROUPS]
    out.append(math.log1p(lx.word_frequency(first[0])) if first else 0.0)
    out.append(math.log1p(lx.word_frequency(left[0])) if left else 0.0)
    return out


_CAPITAL_BEFORE = re.compile(r"(?<![A-Za-z\u00c0-\u024f])[A-Z][A-Za-z\u00c0-\u024f'’.\-]*\s$")
_YEAR = re.compile(r"(?:^|[\s,])(?:1[5-9]|20)\d\d[a-z]?\b|\bet al\b|\bpp?\.\s?\d")
_CODE_LIKE = re.compile(r"[@/=_{}<>\\]|://|\w\.\w+\(|^\W|\.(?:rs|py|go|js|md|txt|html?)$")


def _paren_gap(text: str, cand: Candidate) -> int:
    """Characters between the Chinese span and the parenthesis it is read from."""
    if cand.shape not in ("zh(en)", "quote(en)", "title(en)", "zh“en”", "zh en"):
        return 0
    return len(text[cand.zh_b : cand.group[0]].rstrip(" ”’》\"〉"))


def _on_word_boundary(text: str, cand: Candidate) -> bool:
    """Does jieba, reading the clause, also start a word where the span starts?"""
    a = cand.zh_a
    lo = max(cand.passage.body_offset, a - 8)
    pos = lo
    for w in lx.segment_words(text[lo : cand.zh_b]):
        if pos == a:
            return True
        pos += len(w)
    return pos == a
