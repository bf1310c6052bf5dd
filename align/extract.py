"""Stage 4: inline English/Chinese pairs and the exact span each side covers.

:func:`extract_pairs` is the stage: for every parenthesis it scores every reading
(:mod:`align.candidates`, :mod:`align.features`) with the pair model
(:mod:`align.pair_model`), keeps the most probable one and emits it when its calibrated
confidence reaches the threshold. The hand-written rules below (:class:`PairExtractor`)
still run: their reading is one feature of the model, and their refusals stay in the
build report.

Shapes the rules know (on normalized text, so brackets and quotes are ASCII/curly already):

- ``zh(en)``      杨立昆(Yann LeCun), “开源倡议”组织(Open-Source Initiative)
- ``"zh"(en)``    “好点子”(awesome ones); ``《zh》(en)`` titles
- ``en(zh)``      MMA(综合格斗), “painful to be rational(理性其实是痛苦的)”
- ``en(exp,zh)``  AMI(advanced machine intelligence,高级机器智能): two pairs
- ``zh(en,desc)`` / ``zh(desc en)``  a name with a description in the parentheses
- ``zh en``       麦斯玛 Maxima: a transliterated name followed by the original

The Chinese counterpart of ``zh(en)`` ends at the parenthesis; its left boundary is
found by walking the words (jieba) leftwards and keeping each word only while the
English explains it: a dictionary gloss (CC-CEDICT) shares a word with the English,
the word sounds like the English (pinyin against letters) or is made of
transliteration characters, or it glosses a letter of an acronym. Function words,
punctuation and unexplained words (job titles, verbs, descriptors) stop the walk.
Candidates that are not translations are returned as :class:`Rejection` with a reason.

Scanning is linear: brackets are matched with a stack and a length cap, never with
backtracking regexes, so unbalanced or deeply nested brackets cost nothing extra.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from . import lexicon as lx
from .candidates import (
    Candidate,
    bilingual_line_candidates,
    juxtaposed_candidates,
    passage_candidates,
    quoted_candidates,
)
from .features import (
    add_document_features,
    add_encoder_features,
    add_relative_features,
    candidate_features,
    is_acronym,
    is_name_like,
    support_signals,
)
from .pair_model import PairModel, shipped_model
from .records import NormalizedDocument, Passage, PhrasePair, Rejection
from .text import HAN, HAN_RANGE, SENTENCE_END, is_han

MAX_PAREN_CHARS = 120  # a gloss longer than this is prose, not a translation
MAX_ZH_RUN = 40
MAX_DEPTH = 32

# Words that never belong to the counterpart: the walk stops at them.
STOP_WORDS = frozenset(
    "的 地 得 了 着 过 和 与 及 以及 或 或者 在 是 为 把 被 将 对 给 从 向 以 由 于 而 跟 同 等 之 也 都 就 又 还 "
    "并 且 但 即 如 若 比如 例如 包括 其中 称 称为 叫 叫做 称之为 名为 这 那 该 此 其 个 种 位 名 只 "
    "说 认为 表示 称 道 我 你 他 她 它 我们 你们 他们 她们 当时 当 让 使 用 以 再 一个 一种 一位 这个 那个 "
    "所谓 即是 就是 也是 还是 都是 有 没有 像 由于 因为 所以 如果 虽然 通过 关于 对于 至于 以后 之后 之前 "
    "这些 那些 这种 那种 要 会 能 可以 得到 成为 作为 担任 负责 和其 与其 "
    "类似 类似于 相当于 如同 好像 诸如 似乎 仿佛 以及其 "
    "进行 实现 使用 采用 利用 提供 获得 引入 提出 定义 称作 叫作 记为 记作 表示为 也称 又称 或称 简称 即为".split()
)
_LATIN = re.compile(r"[A-Za-z]")
_EN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -'’&./+")
_ZH_RUN_CHARS_EXTRA = frozenset("·•・‧-“”‘’《》0123456789")
_CLAUSE_PUNCT = frozenset(",。;:!?,、;:!?")
_SENTENCE_END = SENTENCE_END
_EN_FUNCTION = frozenset("of for at the and in on to a an de von van der".split())
_DESC_START = frozenset("的是即也指为系曾现前原")


_BRACKETS = re.compile(r"[()]")


def paren_groups(text: str) -> tuple[list[tuple[int, int]], list[int]]:
    """Matched ``(``…``)`` pairs (innermost-first order by close) and unclosed opens."""
    stack: list[int] = []
    groups: list[tuple[int, int]] = []
    for m in _BRACKETS.finditer(text):
        i, ch = m.start(), m.group()
        if ch == "(":
            if len(stack) >= MAX_DEPTH:
                stack.pop(0)
            stack.append(i)
        elif ch == ")" and stack:
            o = stack.pop()
            if i - o - 1 <= MAX_PAREN_CHARS:
                groups.append((o, i))
    return groups, stack


class PairExtractor:
    """Extract pairs from the passages of one normalized document."""

    def __init__(self, doc: NormalizedDocument):
        self.doc = doc
        self.pairs: list[PhrasePair] = []
        self.rejections: list[Rejection] = []

    # -- entry point -----------------------------------------------------------------
    def run(self, passages: Iterable[Passage]) -> tuple[list[PhrasePair], list[Rejection]]:
        for p in passages:
            if p.kind == "boilerplate":
                continue
            self._passage(p)
        return self.pairs, self.rejections

    def _passage(self, p: Passage) -> None:
        text = p.text
        body = p.body_offset
        groups, unclosed = paren_groups(text)
        for o in unclosed:
            if o >= body:
                self._reject(p, text[o : o + 30], "unclosed parenthesis")
        taken: list[tuple[int, int]] = []
        for o, c in groups:
            if o < body or any(a < o and c < b for a, b in taken):
                continue
            content = text[o + 1 : c]
            if "(" in content or ")" in content:
                self._reject(p, content, "nested parentheses")
                continue
            if self._paren(p, o, c):
                taken.append((o, c))
        self._juxtaposed(p, body)

    # -- helpers ---------------------------------------------------------------------
    def _reject(self, p: Passage, text: str, reason: str) -> None:
        self.rejections.append(Rejection(p.doc_id, p.passage_id, text[:80], reason))

    def _emit(self, p: Passage, en: str, en_a: int, en_b: int, zh_a: int, zh_b: int,
              shape: str, kind: str, signals: dict[str, float]) -> None:
        text = p.text
        zh = text[zh_a:zh_b]
        base = p.norm_start
        start, end = self.doc.original_span(base + zh_a, base + zh_b)
        en_start, en_end = self.doc.original_span(base + en_a, base + en_b)
        self.pairs.append(
            PhrasePair(
                doc_id=p.doc_id,
                passage_id=p.passage_id,
                en=en,
                zh=zh,
                zh_original=self.doc.raw.text[start:end],
                kind=kind,
                start=start,
                end=end,
                en_start=en_start,
                en_end=en_end,
                context=_sentence(text, zh_a, zh_b, en_a, en_b),
                confidence=_confidence(shape, signals),
                shape=shape,
                signals=tuple(sorted(signals.items())),
            )
        )

    # -- parentheses -----------------------------------------------------------------
    def _paren(self, p: Passage, o: int, c: int) -> bool:
        text = p.text
        raw = text[o + 1 : c]
        lead = len(raw) - len(raw.lstrip())
        content = raw.strip()
        ca, cb = o + 1 + lead, o + 1 + lead + len(content)
        if not content:
            return False
        k = o
        while k > p.body_offset and text[k - 1] == " ":
            k -= 1
        left = text[k - 1] if k > p.body_offset else ""
        has_cjk = bool(HAN.search(content))
        has_latin = bool(_LATIN.search(content))
        left_is_en = bool(left) and (left in _EN_CHARS and left not in " -") and left.isascii()
        left_is_zh = bool(left) and (is_han(left) or left in "”’》")

        if left_is_en and has_cjk:
            return self._en_zh(p, k, ca, cb, content)
        if left_is_zh and has_latin and not has_cjk:
            reason = _not_a_phrase(content)
            if reason:
                self._reject(p, f"({content})", reason)
                return False
            first = re.split(r"\s*[,,;;]\s*", content, maxsplit=1)[0]
            if first != content:
                return self._zh_en(p, k, ca, ca + len(first), first, "zh(en,desc)", 0.9)
            return self._zh_en(p, k, ca, cb, content, "zh(en)")
        if left_is_zh and has_latin and has_cjk:
            return self._zh_mixed(p, k, ca, cb, content)
        if left_is_en and not has_cjk:
            self._reject(p, text[max(0, k - 30) : c + 1], "english expansion, no Chinese")
        return False

    def _zh_en(self, p: Passage, k: int, ea: int, eb: int, en: str, shape: str,
               conf_scale: float = 1.0) -> bool:
        """``zh(en)``: the Chinese ends at ``k``; find where it starts."""
        text = p.text
        en = _unwrap_quotes(en)
        if not en or not _LATIN.search(en) or any(is_han(ch) for ch in en):
            return False
        if len(en.split()) > 12:
            self._reject(p, en, "english too long for an inline gloss")
            return False
        span = zh_span_before(text, k, en, p.body_offset)
        if span is None:
            self._reject(p, text[max(p.body_offset, k - 12) : eb + 1], "no Chinese counterpart before the parenthesis")
            return False
        a, b, how = span
        zh = text[a:b]
        signals = _support(zh, en)
        signals["scale"] = conf_scale
        if how in ("quote", "title"):
            signals["delimited"] = 1.0
        kind = _kind(en, how)
        if kind == "name" and signals["support"] < 0.2 and how == "words":
            self._reject(p, f"{zh}({en})", "no dictionary or transliteration support")
            return False
        if signals["support"] < 0.2 and how == "words":
            # `中文(english term)` is the dominant convention for a gloss, so an unknown
            # technical term is kept, with a confidence that says the evidence is thin.
            signals["scale"] = conf_scale * 0.7
        # Offsets of the English as reported (quotes that wrapped it are left out).
        en_a = text.find(en, ea, eb)
        en_a, en_b = (en_a, en_a + len(en)) if en_a >= 0 else (ea, eb)
        self._emit(p, en, en_a, en_b, a, b, shape if how == "words" else f"{how}(en)", kind, signals)
        return True

    def _en_zh(self, p: Passage, k: int, ca: int, cb: int, content: str) -> bool:
        """``en(zh)`` or ``en(expansion,zh)``."""
        text = p.text
        parts = re.split(r"\s*[,,;;]\s*", content, maxsplit=1)
        if len(parts) == 2 and not HAN.search(parts[0]) and HAN.search(parts[1]):
            return self._expansion(p, k, ca, cb, parts[0], parts[1])
        zh = content
        reason = _description_reason(zh)
        en_a, en_b, quoted = en_span_before(text, k, p.body_offset)
        if en_a is None:
            return False
        en_run = text[en_a:en_b]
        if reason is None and _LATIN.search(zh):
            # Latin inside the gloss is fine only where it spells out an acronym letter
            # (FAIR -> Facebook…); otherwise the gloss describes rather than translates.
            latin = re.findall(r"[A-Za-z][A-Za-z0-9\-]*", zh)
            last = en_run.split()[-1]
            if not (is_acronym(last) and all(w[0].upper() in last.upper() for w in latin)):
                reason = "description (mentions other English)"
        if reason:
            self._reject(p, f"{en_run}({zh})", reason)
            return False
        if not quoted:
            en_a = _trim_english(text, en_a, en_b, zh)
        en = text[en_a:en_b]
        signals = _support(zh, en)
        if quoted:
            signals["delimited"] = 1.0
        kind = "quote" if quoted else _kind(en, "words")
        if kind in ("name", "term") and signals["support"] < 0.2 and not quoted:
            self._reject(p, f"{en}({zh})", "no dictionary or transliteration support")
            return False
        self._emit(p, en, en_a, en_b, ca, cb, "en(zh)", kind, signals)
        return True

    def _expansion(self, p: Passage, k: int, ca: int, cb: int, exp: str, zh: str) -> bool:
        text = p.text
        if _description_reason(zh):
            self._reject(p, f"({exp},{zh})", _description_reason(zh))
            return False
        en_a, en_b, _ = en_span_before(text, k, p.body_offset)
        zh_a = text.index(zh, ca)
        zh_b = zh_a + len(zh)
        exp_a = ca
        signals = _support(zh, exp)
        if en_a is not None:
            acro = text[en_a:en_b].split()[-1]
            if is_acronym(acro):
                letters = re.sub(r"[^A-Z]", "", acro.upper())
                fits = dict(signals, acronym=1.0 if _initials_match(letters, exp) else 0.0)
                self._emit(p, acro, en_b - len(acro), en_b, zh_a, zh_b, "en(exp,zh)", "acronym", fits)
        kind = _kind(exp, "words")
        self._emit(p, exp, exp_a, exp_a + len(exp), zh_a, zh_b, "en(exp,zh)", kind, dict(signals, expansion=1.0))
        return True

    def _zh_mixed(self, p: Passage, k: int, ca: int, cb: int, content: str) -> bool:
        """``zh(en,description)`` or ``zh(description en)``."""
        first = re.split(r"\s*[,,;;]\s*", content, maxsplit=1)[0]
        if first != content and not HAN.search(first) and _LATIN.search(first) and not _not_a_phrase(first):
            return self._zh_en(p, k, ca, ca + len(first), first, "zh(en,desc)", 0.9)
        names = list(re.finditer(r"[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+", content))
        if names:
            m = names[-1]
            if m.end() == len(content):
                en = m.group(0)
                zh_left = zh_span_before(p.text, k, en, p.body_offset)
                if zh_left and lx.phonetic_coverage(p.text[zh_left[0]:zh_left[1]], en) >= 0.6:
                    return self._zh_en(p, k, ca + m.start(), ca + m.end(), en, "zh(desc en)", 0.8)
        self._reject(p, f"({content})", "description")
        return False

    # -- juxtaposed names ------------------------------------------------------------
    def _juxtaposed(self, p: Passage, body: int) -> None:
        text = p.text
        for m in _NAME_AFTER_HAN.finditer(text):
            if m.start() < body or text[m.start() - 1] not in lx.TRANSLIT_CHARS:
                continue  # cheap test first: a transliterated name ends in one of these
            en = m.group(1)
            span = zh_span_before(text, m.start(), en, body, names_only=True)
            if span is None:
                continue
            a, b, _ = span
            zh = text[a:b]
            sim = lx.phonetic_similarity(zh, en)
            if len(zh) >= 2 and lx.translit_share(zh) >= 0.6 and sim >= 0.55:
                signals = _support(zh, en)
                signals["scale"] = 0.85
                self._emit(p, en, m.start(1), m.end(1), a, b, "zh en", "name", signals)


# -- boundaries ------------------------------------------------------------------------
def en_span_before(text: str, k: int, floor: int) -> tuple[int | None, int, bool]:
    """The English run ending at ``k``: ``(start, end, quoted)``."""
    b = k
    a = k
    while a > floor and text[a - 1] in _EN_CHARS:
        a -= 1
    while a < b and text[a] in " -'’./&":
        a += 1
    if a >= b or not _LATIN.search(text[a:b]):
        return None, b, False
    quoted = a > floor and text[a - 1] in "“\"‘"
    return a, b, quoted


def _trim_english(text: str, a: int, b: int, zh: str) -> int:
    """Drop leading English words the Chinese does not translate (Facebook News Feed)."""
    words = list(re.finditer(r"\S+", text[a:b]))
    if len(words) <= 1:
        return a
    last = words[-1].group(0)
    if is_acronym(last):
        return a + words[-1].start()
    zh_glosses = set()
    for w in lx.segment_words(zh):
        zh_glosses |= lx.gloss_words(w)
    keep = len(words) - 1
    for i in range(len(words) - 2, -1, -1):
        w = words[i].group(0)
        stemmed = lx.stem(re.sub(r"[^A-Za-z]", "", w))
        if w.lower() in _EN_FUNCTION and i > 0:
            continue
        if any(lx.words_match(g, stemmed) for g in zh_glosses):
            keep = i
            continue
        if lx.phonetic_coverage(zh, w) >= 0.7:
            keep = i
            continue
        break
    return a + words[keep].start()


# 麦斯玛 Maxima: a capitalized name of up to three words right after Chinese.
_NAME_AFTER_HAN = re.compile(rf"(?<=[{HAN_RANGE}]) ([A-Z][a-z]+(?: [A-Z][a-z]+){{0,2}})(?![A-Za-z(]| ?\()")


def zh_span_before(text: str, k: int, en: str, floor: int, names_only: bool = False):
    """The Chinese counterpart of ``en`` ending at ``k``: ``(start, end, how)`` or None.

    A quoted or titled run is taken whole; otherwise the Chinese run before ``k`` is
    segmented and walked back word by word while the English explains each word."""
    if k <= floor:
        return None
    quoted = _quoted_span_before(text, k, floor)
    if quoted is not None:
        return quoted
    a, run = _zh_run_before(text, k, floor)
    if not run or not HAN.search(run):
        return None
    en_words = lx.english_words(en)
    acronym = is_acronym(en)
    name_like = is_name_like(en) and not acronym
    # A name chained with joiners (安德鲁·“博兹”·博斯沃思) is one unit: only its first
    # segment can carry a descriptor (首席技术官安德鲁) and needs the word walk.
    chain_at = _chain_start(run)
    head, tail = run[:chain_at], run[chain_at:]
    words = lx.segment_words(head) if head else []
    term_words = len(en_words) if not (name_like or acronym or names_only) else 0
    if len(words) >= 2 and words[-1] in ("的", "地") and (term_words or acronym):
        # 条件独立的(conditionally independent): the adjectival particle is not the term.
        k -= 1
        words = words[:-1]
    floor_len = _headword_floor(head, en_words) if not tail else 0
    keep = _walk_back(words, en, en_words, floor_len, term_words, acronym, name_like, names_only)
    if keep >= len(words) and not tail:
        return None
    start = _span_start(text, a, k, words, keep, en_words, name_like or names_only)
    if start is None:
        return None
    span = text[start:k]
    if not span or not HAN.search(span) or span in STOP_WORDS:
        return None
    if names_only and lx.translit_share(span) < 0.5:
        # A name followed by a descriptor word is not a juxtaposed name.
        return None
    return start, k, "words"


def _quoted_span_before(text: str, k: int, floor: int) -> tuple[int, int, str] | None:
    """The inside of a quote or title that ends at ``k`` and holds no clause punctuation."""
    if text[k - 1] not in "”》’":
        return None
    opener = {"”": "“", "》": "《", "’": "‘"}[text[k - 1]]
    o = text.rfind(opener, max(floor, k - MAX_ZH_RUN - 2), k - 1)
    closer_inside = text.find(text[k - 1], o + 1, k - 1) if o >= 0 else -1
    if o >= 0 and closer_inside == -1 and k - 1 - (o + 1) >= 1:
        inner = text[o + 1 : k - 1]
        if not any(ch in _CLAUSE_PUNCT for ch in inner):
            # “开源倡议”组织-style names end with a quote only when the whole run
            # is quoted; a quote in the middle is handled by the word walk.
            return o + 1, k - 1, "title" if opener == "《" else "quote"
    return None


def _zh_run_before(text: str, k: int, floor: int) -> tuple[int, str]:
    """``(start, run)``: the Chinese characters (and joiners) right before ``k``."""
    a = k
    while a > floor and k - a < MAX_ZH_RUN and (is_han(text[a - 1]) or text[a - 1] in _ZH_RUN_CHARS_EXTRA):
        a -= 1
    run = text[a:k]
    # Leading digits/quotes that belong to the previous phrase are not part of the run.
    while run and (run[0].isdigit() or run[0] in "”’》-·"):
        run = run[1:]
        a += 1
    return a, run


def _walk_back(words: list[str], en: str, en_words: list[str], floor_len: int, term_words: int,
               acronym: bool, name_like: bool, names_only: bool) -> int:
    """The index of the first word of the span: words are kept from the end while the
    English explains them (or a rule says they belong to the term)."""
    keep = len(words)
    i = len(words) - 1
    first = True
    keep_end = len(words)
    while i >= 0:
        w = words[i]
        inside_floor = sum(len(x) for x in words[i:]) <= floor_len
        if not inside_floor and (w in STOP_WORDS or (not first and any(ch in _CLAUSE_PUNCT for ch in w))):
            break
        if w.strip() == "":
            break
        if all(ch in lx.NAME_JOINERS or ch in "“”‘’" for ch in w):
            keep = i
            i -= 1
            continue
        if first or inside_floor or _explained(w, en, en_words, acronym, name_like, names_only):
            keep = i
            i -= 1
            if first and len(w) == 1 and i >= 0 and words[i] not in STOP_WORDS and HAN.search(words[i]):
                # A one-character suffix (智能/体, 连接/层) binds to the word before it.
                keep = i
                i -= 1
            first = False
            continue
        if term_words and sum(len(x) for x in words[i + 1 : keep_end]) < 2 * term_words:
            # Fewer Chinese words than English content words so far: a compound term
            # (联合概率 for joint probability) needs its modifiers even where the
            # dictionary has no gloss for them.
            keep = i
            i -= 1
            continue
        if len(w) == 1 and lx.prefix_matches(w, en_words):
            keep = i
            i -= 1
            continue
        if acronym and not lx.gloss_words(w) and _uncovered_letters(en, words[i + 1 :]):
            # A word the dictionary does not know (卷积 in 卷积神经网络(CNN)) while some
            # acronym letters are still unexplained: most likely part of the term.
            keep = i
            i -= 1
            continue
        if (name_like or names_only) and len(w) == 1 and w in lx.TRANSLIT_CHARS and i + 1 < len(words) \
                and lx.translit_share(words[i + 1]) == 1.0:
            # A single transliteration character jieba split off a name (奥/雷利亚).
            keep = i
            i -= 1
            continue
        break
    return keep


def _span_start(text: str, a: int, k: int, words: list[str], keep: int, en_words: list[str],
                names: bool) -> int | None:
    """Where the span kept by :func:`_walk_back` starts, its edges cleaned."""
    start = a + sum(len(w) for w in words[:keep])
    if 0 < keep <= len(words) and len(words[keep - 1]) > 1 and lx.prefix_matches(words[keep - 1][-1], en_words):
        start -= 1  # 或协/变量: jieba glued a prefix morpheme to the word before it
    if start >= k:
        return None
    if names and start < k - 2 and text[start] in _STOP_CHARS and lx.translit_share(text[start + 1 : k]) >= 0.5:
        start += 1  # 而埃隆·马斯克: a function character jieba glued to the name
    # Strip joiners and unbalanced quotes at the left edge.
    span = text[start:k]
    while span and (span[0] in lx.NAME_JOINERS or (span[0] in "”’") or
                    (span[0] in "“‘" and span.count("“") + span.count("‘") > span.count("”") + span.count("’"))):
        span = span[1:]
        start += 1
    return start


_STOP_CHARS = frozenset(w for w in STOP_WORDS if len(w) == 1)


def _chain_start(run: str) -> int:
    """Index of the first joiner of the name chain ending ``run`` (len(run) if none)."""
    joints = [i for i, ch in enumerate(run) if ch in lx.NAME_JOINERS]
    if not joints:
        return len(run)
    chain = joints[-1]
    for prev in reversed(joints[:-1]):
        segment = run[prev + 1 : chain]
        if segment and not any(ch in _STOP_CHARS for ch in segment):
            chain = prev
        else:
            break
    return chain


def _uncovered_letters(en: str, words: list[str]) -> set[str]:
    letters = {ch.lower() for ch in en if ch.isupper()}
    for w in words:
        letters -= lx.gloss_initials(w)
    return letters


def _headword_floor(head: str, en_words: list[str]) -> int:
    """Length of the longest suffix of ``head`` that the dictionary glosses as ``en``."""
    best = 0
    table = lx.cedict()
    for n in range(2, min(len(head), 12) + 1):
        if head[-n:] in table and lx.gloss_covers(head[-n:], en_words):
            best = n
    return best


def _explained(w: str, en: str, en_words: list[str], acronym: bool, name_like: bool,
               names_only: bool) -> bool:
    if not names_only and lx.gloss_covers(w, en_words):
        return True
    if acronym and not names_only:
        letters = set(re.sub(r"[^A-Z]", "", en.upper()))
        initials = lx.gloss_initials(w)
        if initials and any(ch.lower() in initials for ch in letters) and len(w) >= 2:
            # Only content words with a gloss starting with an acronym letter.
            return True
    if name_like or names_only:
        if len(w) >= 2 and lx.translit_share(w) == 1.0 and lx.phonetic_coverage(w, en) >= 0.4:
            return True
        if lx.phonetic_coverage(w, en) >= 0.75 and len(w) <= 4:
            return True
    return False


# -- evidence ----------------------------------------------------------------------------
_support = support_signals


_SHAPE_PRIOR = {
    "zh(en)": 0.72, "quote(en)": 0.85, "title(en)": 0.9, "en(zh)": 0.75, "en(exp,zh)": 0.85,
    "zh(en,desc)": 0.7, "zh(desc en)": 0.55, "zh en": 0.5,
}


def _confidence(shape: str, s: dict[str, float]) -> float:
    prior = _SHAPE_PRIOR.get(shape, 0.6)
    value = prior * (0.55 + 0.45 * min(1.0, s.get("support", 0.0) + 0.3 * s.get("delimited", 0.0)))
    value *= s.get("scale", 1.0)
    return round(max(0.01, min(0.99, value)), 4)


_CITATION = re.compile(r"\bet al\.|(?:^|[ ,])(?:19|20)\d\d[a-z]?$|\bpp?\. ?\d")
_FORMULA = re.compile(r"[_^=*\\{}<>]|^[A-Za-z](?:\s*,\s*[A-Za-z0-9])+$|^\W*[A-Za-z]\W*$")


def _not_a_phrase(content: str) -> str | None:
    """Why Latin text in parentheses is not a phrase to pair, or None."""
    if _CITATION.search(content):
        return "citation"
    if _FORMULA.search(content):
        return "formula or variable"
    return None


_QUOTE_PAIRS = {"“": "”", '"': '"', "'": "'", "‘": "’"}


def _unwrap_quotes(text: str) -> str:
    """Strip quotes that wrap the whole phrase, never one half of an inner pair."""
    text = text.strip()
    while len(text) >= 2 and _QUOTE_PAIRS.get(text[0]) == text[-1]:
        text = text[1:-1].strip()
    return text


def _description_reason(zh: str) -> str | None:
    if zh[:1] in _DESC_START:
        return "description (starts with a function word)"
    if any(ch in _CLAUSE_PUNCT for ch in zh):
        return "description (a clause, not a phrase)"
    if len(zh) > 30:
        return "description (too long for a gloss)"
    if zh.endswith(("的缩写", "的简称", "的简写")):
        return "description (an abbreviation note)"
    return None


def _initials_match(letters: str, exp: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z]+", exp)]
    spelled = "".join(w if w.isupper() else w[0] for w in words).upper()
    spelled_no_func = "".join(w if w.isupper() else w[0] for w in words if w.lower() not in _EN_FUNCTION).upper()
    return letters in (spelled, spelled_no_func) or letters.endswith(spelled_no_func)


def _kind(en: str, how: str) -> str:
    # The English side decides first: 《健康保险流通与责任法案》(HIPAA) is an acronym pair.
    if is_acronym(en):
        return "acronym"
    if how == "title":
        return "title"
    if how == "quote":
        return "quote"
    if is_name_like(en):
        return "name"
    return "term"


MAX_CONTEXT = 400  # characters either side: a line without sentence ends stays bounded


def _sentence(text: str, *positions: int) -> str:
    """The sentence around the pair (bounded, so a huge unpunctuated line stays cheap)."""
    lo, hi = min(positions), max(positions)
    a = lo
    floor = max(0, lo - MAX_CONTEXT)
    while a > floor and text[a - 1] not in _SENTENCE_END:
        a -= 1
    b = hi
    ceiling = min(len(text), hi + MAX_CONTEXT)
    while b < ceiling:
        b += 1
        if text[b - 1] in _SENTENCE_END:
            break
    return text[a:b].strip()


@dataclass(frozen=True, slots=True)
class ScoredCandidate:
    candidate: Candidate
    features: list[float]
    start: int  # original offsets of the Chinese and of the English
    end: int
    en_start: int
    en_end: int


def candidate_rows(doc: NormalizedDocument, passages: list[Passage],
                   rule_pairs: list[PhrasePair]) -> list[ScoredCandidate]:
    """Every candidate reading of every parenthesis (and every juxtaposed name the rules
    found), with its features, in document order."""
    by_span = {(p.start, p.end, p.en_start, p.en_end) for p in rule_pairs}
    by_en: dict[tuple[int, int], set[tuple[int, int]]] = {}
    for p in rule_pairs:
        by_en.setdefault((p.en_start, p.en_end), set()).add((p.start, p.end))
    rows: list[ScoredCandidate] = []
    for passage in passages:
        if passage.kind == "boilerplate":
            continue
        groups = [(o, c) for o, c in paren_groups(passage.text)[0] if o >= passage.body_offset]
        cands = passage_candidates(passage, groups) + quoted_candidates(passage) + juxtaposed_candidates(passage)
        # A reading another shape already offers (区块链 Blockchain as zh en and as a line
        # pair) is offered once: two rows of one span would become two pairs.
        proposed = {(c.zh_a, c.zh_b, c.en_a, c.en_b) for c in cands}
        for cand in bilingual_line_candidates(passage) + _rule_readings(passage, rule_pairs):
            if (span := (cand.zh_a, cand.zh_b, cand.en_a, cand.en_b)) not in proposed:
                proposed.add(span)
                cands.append(cand)
        base = passage.norm_start
        group_spans: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for cand in cands:
            start, end = doc.original_span(base + cand.zh_a, base + cand.zh_b)
            en_start, en_end = doc.original_span(base + cand.en_a, base + cand.en_b)
            group_spans.setdefault(cand.group, []).append((en_start, en_end))
            rows.append(ScoredCandidate(cand, [], start, end, en_start, en_end))
        for i in range(len(rows) - len(cands), len(rows)):
            row = rows[i]
            en_key = (row.en_start, row.en_end)
            rule = (
                (row.start, row.end, *en_key) in by_span,
                en_key in by_en and (row.start, row.end) not in by_en[en_key],
                any(e in by_en for e in group_spans[row.candidate.group]),
            )
            row.features.extend(candidate_features(row.candidate, doc.text, doc.raw.text[row.start : row.end], rule))
        rivals: dict[tuple, list[list[float]]] = {}
        for row in rows[len(rows) - len(cands) :]:
            rivals.setdefault((row.candidate.group, row.en_start, row.en_end), []).append(row.features)
        for feature_rows in rivals.values():
            add_relative_features(feature_rows)
    add_document_features([((r.candidate.passage.passage_id, *r.candidate.group), r.candidate.en,
                            r.candidate.zh, r.features) for r in rows])
    add_encoder_features([((r.candidate.passage.passage_id, r.candidate.group, r.en_start, r.en_end), r.candidate.en,
                           r.candidate.zh, r.features) for r in rows])
    return rows


def _rule_readings(passage: Passage, rule_pairs: list[PhrasePair]) -> list[Candidate]:
    """The ``zh en`` names the hand-written rules found in ``passage``, as readings."""
    out = []
    for pr in rule_pairs:
        if pr.passage_id == passage.passage_id and pr.shape == "zh en":
            zh_a = passage.text.find(pr.zh)
            en_a = passage.text.find(pr.en, zh_a)
            if zh_a >= 0 and en_a >= 0:
                out.append(Candidate(passage, (en_a, en_a), en_a, en_a + len(pr.en), zh_a, zh_a + len(pr.zh), "zh en"))
    return out


def extract_pairs(doc: NormalizedDocument, passages: Iterable[Passage], model: PairModel | None = None,
                  min_confidence: float | None = None) -> tuple[list[PhrasePair], list[Rejection]]:
    """All pairs of ``doc`` in document order, and the candidates refused with reasons.

    The rules propose a reading per parenthesis; the pair model weighs it against every
    other reading and keeps, per parenthesis, the most probable one (and any other whose
    English does not overlap it), when its calibrated confidence reaches ``min_confidence``
    (the model's default when None). Readings below it are returned as rejections that
    carry their confidence.
    """
    passages = list(passages)
    model = model or shipped_model()
    threshold = model.min_confidence if min_confidence is None else min_confidence
    rule_pairs, rejections = PairExtractor(doc).run(passages)
    rows = candidate_rows(doc, passages, rule_pairs)
    raw = model.raw_scores([row.features for row in rows])
    pairs: list[PhrasePair] = []
    for group in choose_readings(rows, raw):
        for rank, (row, score, rival) in enumerate(group):
            p = round(model.confidence(score, rival, row.features), 4)
            if p >= threshold:
                pairs.append(_pair(doc, row, p))
            elif rank == 0:
                c = row.candidate
                rejections.append(Rejection(c.passage.doc_id, c.passage.passage_id, f"{c.zh}({c.en})"[:80],
                                            "below min confidence", en=c.en, zh=c.zh, confidence=p,
                                            pair=_pair(doc, row, p)))
    pairs.sort(key=lambda pr: (pr.start, pr.en_start, pr.en))
    return pairs, rejections


def choose_readings(rows: list[ScoredCandidate], scores: list[float]
                    ) -> list[list[tuple[ScoredCandidate, float, float]]]:
    """Per parenthesis, its readings by score, best first, keeping only those whose English
    does not overlap a better one (an acronym and its expansion are two readings); each with
    the score of its best rival (the next reading whose English overlaps it, 0 if none)."""
    by_group: dict[tuple[str, tuple[int, int]], list[tuple[ScoredCandidate, float]]] = {}
    for row, score in zip(rows, scores, strict=True):
        by_group.setdefault((row.candidate.passage.passage_id, row.candidate.group), []).append((row, score))
    out = []
    for scored in by_group.values():
        scored.sort(key=lambda t: (-t[1], t[0].start, t[0].en_start, t[0].end))
        kept: list[tuple[ScoredCandidate, float, float]] = []
        for row, score in scored:
            if not any(r.en_start < row.en_end and row.en_start < r.en_end for r, _, _ in kept):
                rival = next((s for r, s in scored if r is not row and r.en_start < row.en_end
                              and row.en_start < r.en_end and s <= score), 0.0)
                kept.append((row, score, rival))
        out.append(kept)
    return out


def _pair(doc: NormalizedDocument, row: ScoredCandidate, confidence: float) -> PhrasePair:
    c = row.candidate
    how = {"title(en)": "title", "quote(en)": "quote"}.get(c.shape, "words")
    # “开源倡议”组织(Open-Source Initiative): a quotation a word before the parenthesis marks
    # a name or a term inside the Chinese, not quoted speech.
    if c.shape == "quote(en)" and c.passage.text[c.zh_b + 1 : c.group[0]].strip():
        how = "words"
    kind = "name" if c.shape == "zh en" and is_name_like(c.en) and not is_acronym(c.en) else _kind(c.en, how)
    if c.shape == "en(zh)" and c.passage.text[c.en_a - 1 : c.en_a] in "“\"‘" and c.en_a > 0:
        kind = "quote"
    signals = dict(support_signals(c.zh, c.en), p=confidence)
    return PhrasePair(
        doc_id=c.passage.doc_id,
        passage_id=c.passage.passage_id,
        en=c.en,
        zh=c.zh,
        zh_original=doc.raw.text[row.start : row.end],
        kind=kind,
        start=row.start,
        end=row.end,
        en_start=row.en_start,
        en_end=row.en_end,
        context=_sentence(c.passage.text, c.zh_a, c.zh_b, c.en_a, c.en_b),
        confidence=confidence,
        shape=c.shape,
        signals=tuple(sorted(signals.items())),
    )
