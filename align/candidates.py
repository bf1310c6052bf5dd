"""Every reading of a parenthetical, and of the few shapes without one: the candidate
(English, Chinese) spans a model chooses from.

For ``zh(en)`` the Chinese ends at the parenthesis and may start at any word boundary back
to the clause start (Latin words and digits inside the run included: ``安全 Rust(safe
Rust)``), or be the inside of a quoted or titled span (``“浏览器引擎”(browser engine)``);
the English is the whole content or one comma-separated part of it. For ``en(zh)`` the
English ends at the parenthesis and may start at any word boundary of the English run; the
Chinese is the content or one of its parts. A parenthesis holding an expansion and its
Chinese (``AMI(advanced machine intelligence,高级机器智能)``) gives both English sides.

Candidates are generated on the normalized passage text; the extractor's rules
(:mod:`align.extract`) propose one reading per parenthesis, and :mod:`align.pair_model`
weighs that proposal with the others. Without a parenthesis: English quoted right after
its Chinese (:func:`quoted_candidates`), capitalized words right after it
(:func:`juxtaposed_candidates`), short bilingual lines and glossary lines
(``stagnation: 美 [stæɡˈneɪʃ(ə)n] 停滞``) (:func:`bilingual_line_candidates`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from . import lexicon as lx
from .markup import CODE_MARK
from .records import Passage
from .text import HAN_RANGE, LINE_NUMBER, has_han, is_han, is_mostly_chinese

MAX_ZH_CHARS = 40
MAX_ZH_WORDS = 10
MAX_EN_WORDS = 40  # a quoted sentence in a parenthesis
MAX_EN_SPAN_WORDS = 12  # English read back from a parenthesis, en(zh)
# A sentence-long English (a quotation) translates a sentence-long Chinese: its span may
# reach further back, to the start of its clause run.
SENTENCE_WORDS = 8
MAX_SENTENCE_CHARS = 100
# Parts: (X, Y), (X / Y), (Long Name = LN); a colon only between English and the Chinese
# gloss after it: (fixed mindset: 认为能力天生).
# A gloss and the description after it: (阿尔法围棋: 一款围棋程序), (A data company: 一家公司).
_GLOSS_COLON = re.compile(rf"(?<=[{HAN_RANGE}A-Za-z0-9)])\s*[:：]\s*(?=\S)")
_SPLIT = re.compile(rf"\s*[,;，；、|]\s*|\s+[/=]\s*|(?<=[{HAN_RANGE}])\s*/\s*(?=\S)|(?<=\S)\s*/\s*(?=[{HAN_RANGE}])|(?<=[A-Za-z0-9\u00c0-\u024f.)])\s*[:：]\s*(?=[{HAN_RANGE}“「《])"
                    # English alternatives joined by a Chinese conjunction: (review paper或survey paper).
                    rf"|(?<=[A-Za-z\u00c0-\u024f])\s*(?:或者|或|和|与|及)\s*(?=[A-Za-z\u00c0-\u024f])")
# A part that is one Latin run and one Chinese run, either way round: (EEG 脑电图), (又称撞击坑 Apollo crater).
_LATIN_THEN_HAN = re.compile(rf"([^{HAN_RANGE}]*[A-Za-z\u00c0-\u024f][^{HAN_RANGE}]*?)\s*([{HAN_RANGE}][^A-Za-z\u00c0-\u024f]*)")
_HAN_THEN_LATIN = re.compile(rf"([^A-Za-z\u00c0-\u024f]*[{HAN_RANGE}][^A-Za-z\u00c0-\u024f]*?)\s*([A-Za-z\u00c0-\u024f][^{HAN_RANGE}]*)")
# Reference marks after a part: tail latency amplification【24】, kernel[^1].
_CITATION = re.compile(r"(?:\s*(?:【[^】]{1,12}】|\[\^?[^\]]{1,12}\]))+$")
# A leading article, and a trailing code after a name: (the county central committee), (Gartner L2).
ARTICLE = re.compile(r"(?:the|a|an)\s+(?=\S)", re.IGNORECASE)
_TRAILING_CODE = re.compile(r"\s+(?=[A-Z0-9][A-Z0-9\-]{1,7}$)(?=\S*[A-Z0-9]$)")
# What a Chinese rendering leaves out after a name or term: a company's legal form, a count
# or a question mark (Taiyo Yuden Co., majority voting @64, size parameter?).
_UNTRANSLATED_TAIL = re.compile(r",?\s+(?:Co\.,?\s*Ltd\.?|Co\.|Inc\.?|Ltd\.?|Corp\.?|LLC|PLC|GmbH|S\.A\.)$"
                                r"|\s+@\s*\S+$|\s*\?$")
# An acronym before a dash and the Chinese of its expansion: FOMO——害怕错过(fear of missing out).
_ACRONYM_BEFORE = re.compile(r"(?<![A-Za-z0-9])([A-Z][A-Za-z0-9&]{1,9})\s*(?:——|—|:|：|,即|即)\s*$")
_WRAPS = {"“": "”", '"': '"', "‘": "’", "'": "'", "《": "》", "「": "」", "『": "』", "〈": "〉"}
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_LEADING_ELLIPSIS = re.compile(r"(?:…+|\.{3})\s*")
_DELIMITED_STOP = frozenset("。!?;;\n()[]【】" + CODE_MARK)
_TITLE_STOP = frozenset("。\n()" + CODE_MARK)
_CLAUSE = frozenset(",。;:!?、;:!?…()[]【】{}<>|/\n" + CODE_MARK)
_ZH_EXTRA = frozenset("·•・‧-0123456789 .“”‘’#+")
# Without a parenthesis the Chinese is a name's or a term's, rarely a long phrase: the
# shortest spans only.
MAX_JUXTAPOSED_SPANS = 8
MAX_CHAR_STARTS = 8  # near the parenthesis every character may start a span: jieba glues names to the word before
_EN_RUN = re.compile(r"[A-Za-z0-9\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f .\-'’&+/:]*$")
_OPENERS = {"”": "“", "》": "《", "’": "‘", '"': '"', "'": "'", "〉": "〈", "」": "「", "』": "『", "】": "【", "]": "["}
# A short Chinese label before the English of a part: 英语:Phillips Exeter Academy, 即 databases, 又称PEA.
_LABELLED = re.compile(rf"([{HAN_RANGE}]{{1,6}})\s*[:：]?\s*(?=[A-Za-z\u00c0-\u024f])")
# Alternatives and enumerations inside one English part: X or Y, X and Y, X & Y.
_EN_JOIN = re.compile(r"\s+(?:or|and|&)\s+")
_ZH_JOIN = frozenset(("和", "与", "及", "以及", "跟", "或", "、", ","))


@dataclass(frozen=True, slots=True)
class Candidate:
    """One reading of one parenthesis: offsets are into ``passage.text``."""

    passage: Passage
    group: tuple[int, int]  # the parentheses' offsets
    en_a: int
    en_b: int
    zh_a: int
    zh_b: int
    shape: str  # zh(en), quote(en), title(en), enum(en), en(zh), en(exp,zh), (en,zh), zh en, zh“en”, “en,zh”,
    # line pair, en: zh
    boundary_rank: int = 0  # 0 = the shortest span of its side, 1 the next, ...
    boundary_count: int = 1

    @property
    def en(self) -> str:
        return self.passage.text[self.en_a : self.en_b]

    @property
    def zh(self) -> str:
        return self.passage.text[self.zh_a : self.zh_b]


def _trimmed(text: str, a: int, b: int) -> tuple[int, int]:
    """``[a, b)`` without surrounding spaces and wrapping quotes."""
    while a < b and text[a] in " \u3000":
        a += 1
    while b > a and text[b - 1] in " \u3000":
        b -= 1
    m = _CITATION.search(text, a, b)
    if m and m.start() > a:
        b = m.start()
    while b - a >= 2 and text[b - 1] == "." and _ends_in_word(text, a, b - 1):
        b -= 1
    while b - a >= 2 and _WRAPS.get(text[a]) == text[b - 1] and text[b - 1] not in text[a + 1 : b - 1]:
        a, b = a + 1, b - 1
    return a, b


def _ends_in_word(text: str, a: int, b: int) -> bool:
    """Whether ``[a, b)`` is several words ending in a word of four letters or more (its
    final full stop ends a sentence, not an abbreviation such as ``Jr.`` or ``U.S.``)."""
    words = text[a:b].split()
    return len(words) >= 2 and len(words[-1]) >= 4 and words[-1].isalpha()


def _parts(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """The whole ``[a, b)``, its comma-separated parts, and what comes before a colon that
    opens a description (``环境、社会和治理: 一种投资理念``), each trimmed."""
    out = [_trimmed(text, a, b)]
    pos = a
    for m in _SPLIT.finditer(text, a, b):
        out.append(_trimmed(text, pos, m.start()))
        pos = m.end()
    if pos != a:
        out.append(_trimmed(text, pos, b))
    gloss = _GLOSS_COLON.search(text, a, b)
    if gloss and gloss.start() > a:
        out.append(_trimmed(text, a, gloss.start()))
        out.append(_trimmed(text, gloss.end(), b))
    for x, y in list(out):
        m = _LATIN_THEN_HAN.fullmatch(text, x, y) or _HAN_THEN_LATIN.fullmatch(text, x, y)
        if m:
            (la, lb), (ha, hb) = m.span(1), m.span(2)
            while lb > la and text[lb - 1] in ",;:，；：/":
                lb -= 1
            out.append(_trimmed(text, la, lb))
            out.append(_trimmed(text, ha, hb))
    return [(x, y) for x, y in dict.fromkeys(out) if y > x]


def _english_parts(text: str, parts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts that are English, a labelled part's English (``即 databases``), and the
    alternatives of an ``X or Y`` / ``X and Y`` part."""
    out = []
    for a, b in parts:
        if not _english(text, a, b):
            m = _LABELLED.match(text, a, b)
            if not m:
                continue
            a = m.end()
            if not _english(text, a, b):
                continue
        out.append((a, b))
        # “… can read your mind”: the ellipsis marks what the quotation leaves out.
        ellipsis = _LEADING_ELLIPSIS.match(text, a, b)
        if ellipsis and b - ellipsis.end() >= 2:
            out.append((ellipsis.end(), b))
        article = ARTICLE.match(text, a, b)
        if article and b - article.end() >= 2:
            out.append((article.end(), b))
        code = _TRAILING_CODE.search(text, a, b)
        if code and re.search(r"[a-z]", text[a : code.start()]):
            out.append((a, code.start()))
        tail = _UNTRANSLATED_TAIL.search(text, a, b)
        if tail and tail.start() - a >= 2:
            out.append((a, tail.start()))
        pos = a
        for m in _EN_JOIN.finditer(text, a, b):
            out.append((pos, m.start()))
            pos = m.end()
        if pos != a:
            out.append((pos, b))
    return [(x, y) for x, y in dict.fromkeys(out) if y > x]


def _listed_english(text: str, parts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The English items of an enumeration in order (``Anne Case and Angus Deaton, 2017``
    gives the two names), or [] when the parenthesis holds a single item."""
    items = []
    for a, b in parts[1:] or parts:
        if not _english(text, a, b):
            continue
        pos = a
        for m in _EN_JOIN.finditer(text, a, b):
            items.append((pos, m.start()))
            pos = m.end()
        items.append((pos, b))
    return items if len(items) >= 2 else []


def enumerated_zh_before(text: str, k: int, floor: int, n: int) -> list[list[tuple[int, int, str]]]:
    """For ``A、B和C(X, Y, Z)``: the Chinese spans of every item but the last (which ends at
    the parenthesis and is read by :func:`zh_spans_before`), first item first."""
    lo = k
    while lo > floor and k - lo < 3 * MAX_ZH_CHARS and text[lo - 1] not in "。;:!?;:!?\n()" + CODE_MARK:
        lo -= 1
    joins, pos = [], lo
    for w in lx.segment_words(text[lo:k]):
        if w in _ZH_JOIN:
            joins.append((pos, pos + len(w)))
        pos += len(w)
    joins = joins[-(n - 1):] if len(joins) >= n - 1 else []
    if not joins:
        return []
    out = []
    for i, (ja, _jb) in enumerate(joins):
        item_floor = joins[i - 1][1] if i else floor
        out.append([s for s in zh_spans_before(text, ja, item_floor) if s[2] == "zh(en)"])
    return out


def _unlabelled_zh(text: str, parts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The Chinese parts, and each without the naming words it starts with
    (``也称为 尾部延迟``, ``又称艾滋病毒``)."""
    out = []
    for a, b in parts:
        if not any(is_han(ch) for ch in text[a:b]):
            continue
        out.append((a, b))
        pos = a
        for w in lx.segment_words(text[a:b]):
            if w.strip() and w not in lx.FUNCTION_WORDS and w not in lx.NAMING_ADVERBS:
                break
            pos += len(w)
        x, y = _trimmed(text, pos, b)
        if a < x < y and any(is_han(ch) for ch in text[x:y]):
            out.append((x, y))
    return list(dict.fromkeys(out))


def _english(text: str, a: int, b: int) -> bool:
    s = text[a:b]
    return bool(_LATIN.search(s)) and not any(is_han(ch) for ch in s) and len(s.split()) <= MAX_EN_WORDS


def joiners_for(en: str) -> str:
    """The marks a Chinese span may contain because its English has their like:
    ``键/值(key/value)``, ``委托—代理问题(principal-agent problem)``, and the 、 of an
    enumeration or an acronym's words (``增长、定价权与监管(Growth, Pricing Power, and
    Regulation)``, ``环境、社会及管治(ESG)``)."""
    out = ""
    if "/" in en:
        out += "/"
    if re.search(r"[A-Za-z][-–—][A-Za-z]", en):
        out += "—–"
    if "," in en or re.fullmatch(r"[A-Z]{3,8}", en):
        out += "、"
    # A clause-long English translates a clause-long Chinese, commas and all (原计划为编译器
    # 教材,后扩展为七卷巨著 (Originally planned as a compiler textbook, later expanded …)).
    if ", " in en and len(en.split()) >= 4:
        out += ","
    return out


def zh_spans_before(text: str, k: int, floor: int, through_colon: bool = False,
                    joiners: str = "", sentence: bool = False) -> list[tuple[int, int, str]]:
    """Chinese spans ending at ``k``: quoted inside, then word-boundary starts, short to long.
    With ``through_colon`` (the English is a title with a subtitle, ``X: Y``) a span may
    also reach back across one colon, to the start of its run; the marks in ``joiners``
    (:func:`joiners_for`) do not end the run when Chinese is on both sides. With ``sentence``
    (the English is a sentence) the run may be longer and its start is a span's start too."""
    out: list[tuple[int, int, str]] = []
    if k > floor and text[k - 1] in _OPENERS:
        closer = text[k - 1]
        o = text.rfind(_OPENERS[closer], max(floor, k - 2 * MAX_ZH_CHARS - 2), k - 1)
        inside = text[o + 1 : k - 1] if o >= 0 else ""
        # A title or a quotation is delimited: its commas and colons are its own, and a
        # quoted sentence may end in its end mark.
        # Brackets and straight single quotes wrap many things: only their Chinese counts.
        chinese = closer not in "]】'" or any(is_han(ch) for ch in inside)
        # A title's own question or exclamation mark stays inside it (《资本主义将如何终结?…》).
        stops = _TITLE_STOP if closer in "》〉" else _DELIMITED_STOP
        if o >= 0 and len(inside) > 0 and chinese and not any(ch in stops for ch in inside.rstrip("。!?")):
            out.append((o + 1, k - 1, "title(en)" if closer in "》〉" else "quote(en)"))
        end = k - 1
    else:
        end = k
    a = end
    colons = 1 if through_colon else 0
    max_chars = MAX_SENTENCE_CHARS if sentence else MAX_ZH_CHARS
    while a > floor and end - a < max_chars:
        ch = text[a - 1]
        if ch in ":：" and colons and a - 1 > floor and is_han(text[a - 2]) and a < end:
            colons -= 1
        elif ch in joiners and a - 1 > floor and is_han(text[a - 2]) and a < end and is_han(text[a]):
            pass
        elif ch in _CLAUSE or not (is_han(ch) or ch in _ZH_EXTRA or ch.isascii() and ch.isalnum()):
            break
        a -= 1
    run = text[a:end]
    if not any(is_han(ch) for ch in run):
        return out
    out.extend(_quoted_in_run(text, a, end, floor))
    words = lx.segment_words(run)
    bounds, pos = [], 0
    for w in words:
        bounds.append(a + pos)
        pos += len(w)
    ends = [end]
    # A title after a name (雷德菲尔德博士(Robert Redfield)): the span may end one short word early.
    if len(words) >= 2 and len(words[-1]) <= 2 and is_han(words[-1][0]):
        ends.append(end - len(words[-1]))
    starts = sorted(set(bounds[-MAX_ZH_WORDS:]) | set(range(max(a, end - MAX_CHAR_STARTS), end)), reverse=True)
    if sentence and bounds:
        starts.append(bounds[0])
    if through_colon and colons == 0:
        # The title's start: its first word (a section number before it is left out below).
        starts += [x for x in bounds if x not in starts and text[x : x + 1].strip() and is_han(text[x])][:1]
    spans = []
    for y in ends:
        for s in starts:
            x = s
            while x < y and (text[x] in " -·•・‧.”’" or text[x] in joiners):
                x += 1
            if y > x and any(is_han(ch) for ch in text[x:y]) and (x, y) not in spans and text[y - 1] not in joiners and \
                    text[x:y].count("“") == text[x:y].count("”"):
                spans.append((x, y))
    out.extend((x, y, "zh(en)") for x, y in spans)
    return out


def _quoted_in_run(text: str, a: int, end: int, floor: int) -> list[tuple[int, int, str]]:
    """The inside of a quotation or title closing at most three Chinese characters before
    ``end`` (``“黑天鹅”事件(Black swan)``, ``《大西洋》杂志(The Atlantic)``)."""
    for q in range(end - 1, max(a - 2, end - 6, floor - 1), -1):
        closer = text[q]
        if closer in "”》」』" and all(is_han(ch) for ch in text[q + 1 : end]) and q + 1 < end:
            o = text.rfind(_OPENERS[closer], max(floor, q - MAX_ZH_CHARS), q)
            inside = text[o + 1 : q] if o >= 0 else ""
            if inside and any(is_han(ch) for ch in inside) and not any(ch in _DELIMITED_STOP for ch in inside):
                return [(o + 1, q, "title(en)" if closer == "》" else "quote(en)")]
            return []
    return []


def en_spans_before(text: str, k: int, floor: int) -> list[tuple[int, int]]:
    """English spans ending at ``k`` (spaces before the parenthesis skipped), short to long."""
    b = k
    while b > floor and text[b - 1] == " ":
        b -= 1
    quoted = b > floor and text[b - 1] in "”\"’》」』〉"
    if quoted:
        o = text.rfind(_OPENERS.get(text[b - 1], '"'), max(floor, b - 200), b - 1)
        if o >= 0 and _english(text, o + 1, b - 1):
            # “Secure names for bit-strings,”(…): the comma belongs to the sentence around.
            x, y = _trimmed(text, o + 1, b - 1)
            while y - x >= 2 and text[y - 1] in ",;:":
                y -= 1
            return [(x, y)] if _english(text, x, y) else []
        return []
    m = _EN_RUN.search(text, max(floor, b - 200), b)
    if not m:
        return []
    a = m.start()
    while a < b and not (text[a].isalnum()):
        a += 1
    spans = []
    for w in reversed(list(re.finditer(r"\S+", text[a:b]))[-MAX_EN_SPAN_WORDS:]):
        x = a + w.start()
        if _english(text, x, b):
            spans.append((x, b))
    return spans


def _before(text: str, o: int, floor: int) -> int:
    """Where the text before the parenthesis at ``o`` ends, spaces skipped."""
    while o > floor and text[o - 1] == " ":
        o -= 1
    return o


def _body_end(text: str, o: int, c: int) -> int:
    """Where the content of the parenthesis ``(o, c)`` ends: at ``c``, or before one nested
    parenthesis that closes it (``(Resource Acquisition Is Initialization (RAII))``); -1
    when parentheses nest otherwise."""
    content = text[o + 1 : c]
    if "(" not in content and ")" not in content:
        return c
    i = content.find("(")
    if content.count("(") == content.count(")") == 1 and 0 < i < content.find(")") and content.rstrip().endswith(")"):
        return o + 1 + i
    return -1


_END_MARKS = frozenset("!?。.")  # after normalization, full-width ！？ are half-width


def passage_candidates(passage: Passage, groups: list[tuple[int, int]]) -> list[Candidate]:
    """Every candidate reading of the given parentheses of ``passage``."""
    text, floor = passage.text, passage.body_offset
    out: list[Candidate] = []
    opened_at = {c: o for o, c in groups}
    for o, c in groups:
        body_end = _body_end(text, o, c)
        content = text[o + 1 : body_end]
        if body_end < 0 or not content.strip():
            continue
        k = _before(text, o, floor)
        # 量化宽松(QE)(Quantitative Easing: …): the Chinese is before the acronym's parenthesis.
        if k > floor and text[k - 1] == ")" and k - 1 in opened_at and _english(text, opened_at[k - 1] + 1, k - 1):
            k = _before(text, opened_at[k - 1], floor)
        if k <= floor:
            continue
        left = text[k - 1]
        has_cjk = any(is_han(ch) for ch in content)
        has_latin = bool(_LATIN.search(content))
        parts = _parts(text, o + 1, body_end)
        en_parts = _english_parts(text, parts)
        zh_parts = _unlabelled_zh(text, parts)
        # 德军总部3D(Wolfenstein 3D), 深入解析C#(C# in Depth): a Chinese span may end in Latin.
        latin_tail = not has_cjk and (left.isascii() and (left.isalnum() or left in "#+")) and \
            any(is_han(ch) for ch in text[max(floor, k - 12) : k])
        # （change directory，切换目录）: the parenthesis translates itself, whatever precedes it.
        for ea, eb in en_parts:
            for za, zb in zh_parts:
                if not (za < eb and ea < zb):
                    out.append(Candidate(passage, (o, c), ea, eb, za, zb, "(en,zh)"))
        # “必须立刻行动！（ACT NOW!）”: a quoted sentence keeps its end mark before the parenthesis.
        if has_latin and not has_cjk and left in _END_MARKS and content.rstrip().rstrip("”’\"")[-1:] in "!?." \
                and k - 1 > floor and is_han(text[k - 2]):
            k -= 1
            left = text[k - 1]
        if has_latin and (is_han(left) or left in _OPENERS or latin_tail):
            zh_spans = zh_spans_before(text, k, floor)
            by_reading = {(False, "", False): zh_spans}
            for ea, eb in en_parts:
                en = text[ea:eb]
                reading = (":" in en, joiners_for(en), len(en.split()) >= SENTENCE_WORDS)
                if reading not in by_reading:
                    by_reading[reading] = zh_spans_before(text, k, floor, *reading)
                spans = by_reading[reading]
                for rank, (za, zb, shape) in enumerate(spans):
                    out.append(Candidate(passage, (o, c), ea, eb, za, zb, shape, rank, len(spans)))
            out.extend(_acronym_readings(passage, (o, c), en_parts, zh_spans))
            listed = _listed_english(text, parts)
            if listed and not has_cjk:
                for (ea, eb), spans in zip(listed, enumerated_zh_before(text, k, floor, len(listed)), strict=False):
                    for rank, (za, zb, _shape) in enumerate(spans):
                        out.append(Candidate(passage, (o, c), ea, eb, za, zb, "enum(en)", rank, len(spans)))
        elif has_cjk and (left.isascii() and left.isalnum() or left in ".'’&+\"”》」』"):
            en_spans = en_spans_before(text, k, floor)
            n = len(en_spans)
            for za, zb in zh_parts:
                for rank, (ea, eb) in enumerate(en_spans):
                    out.append(Candidate(passage, (o, c), ea, eb, za, zb, "en(zh)", rank, n))
                for ea, eb in en_parts:
                    out.append(Candidate(passage, (o, c), ea, eb, za, zb, "en(exp,zh)"))
    return out


# English quoted right after its Chinese: 约瑟夫·麦卡锡“Joseph McCarthy”, 兼容分时系统“CTSS”,
# or a quotation holding both: “Programs with Common Sense,具有常识的程序”.
_QUOTED = re.compile(r"“[^“”\n]{1,160}”|\"[^\"\n]{1,160}\"")
# A name written right after its Chinese, without a parenthesis: 基特哈灵顿Kit Harington,
# 瓦萨学院 Vassar College, 哈佛Harvard. Words are capitalized; a few joining words between.
_NAME_WORD = r"[A-Z][A-Za-z\u00c0-\u024f'’\-]*\.?"
_JUXTAPOSED_NAME = re.compile(
    rf"(?<![A-Za-z0-9\u00c0-\u024f.\-@/_#])({_NAME_WORD}(?:\s(?:(?:of|for|the|and|de|von|van|der|du|la|le)\s)?{_NAME_WORD}){{0,5}})"
    rf"(?![A-Za-z0-9\u00c0-\u024f@_#(]|/[A-Za-z0-9])")  # a slash before Chinese ends a list item (Kaige Chen/主演)


def quoted_candidates(passage: Passage) -> list[Candidate]:
    """Readings of quotations that hold English: the Chinese before a quoted English span
    (``zh“en”``), and a quotation holding an English part and a Chinese one (``“en,zh”``)."""
    text, floor = passage.text, passage.body_offset
    out: list[Candidate] = []
    for m in _QUOTED.finditer(text, floor):
        o, c = m.start(), m.end() - 1
        content = text[o + 1 : c]
        if not _LATIN.search(content) or text[c + 1 : c + 2] in "((":
            continue  # a parenthesis after the quotation is read as one
        parts = _parts(text, o + 1, c)
        en_parts = _english_parts(text, parts)
        if any(is_han(ch) for ch in content):
            zh_parts = _unlabelled_zh(text, parts)
            for ea, eb in en_parts:
                for za, zb in zh_parts:
                    if not (za < eb and ea < zb):
                        out.append(Candidate(passage, (o, c), ea, eb, za, zb, "“en,zh”"))
        elif o > floor and is_han(text[o - 1]):
            spans = [s for s in zh_spans_before(text, o, floor) if s[2] == "zh(en)"]
            for ea, eb in en_parts:
                for rank, (za, zb, _shape) in enumerate(spans):
                    out.append(Candidate(passage, (o, c), ea, eb, za, zb, "zh“en”", rank, len(spans)))
    return out


def juxtaposed_candidates(passage: Passage) -> list[Candidate]:
    """Readings of capitalized words that follow Chinese directly (a space between at
    most): the Chinese spans ending before them (``zh en``)."""
    text, floor = passage.text, passage.body_offset
    out: list[Candidate] = []
    for m in _JUXTAPOSED_NAME.finditer(text, floor):
        ea, eb = m.span(1)
        while eb > ea and text[eb - 1] in ".-'’":
            eb -= 1
        k = ea - 1 if ea - 1 > floor and text[ea - 1] == " " else ea
        if k <= floor or not is_han(text[k - 1]) or eb - ea < 2:
            continue
        # One plain word (使用Python) or an acronym (通过API) is rarely a translation; a word
        # after a transliteration's last sound (哈佛Harvard) often is, and so are several
        # capitalized words. (Acronyms were four in five of these readings, for few pairs.)
        if " " not in text[ea:eb] and (not any(ch in lx.TRANSLIT_CHARS for ch in text[max(floor, k - 2) : k]) or
                                        sum(ch.isupper() for ch in text[ea:eb]) >= 2):
            continue
        # The span ends at the name and holds no Latin of its own (in 麻省理工MIT以及哈佛
        # Harvard, 哈佛's span stops at MIT).
        spans = [s for s in zh_spans_before(text, k, floor)
                 if s[2] == "zh(en)" and s[1] == k and not _LATIN.search(text[s[0] : s[1]])][:MAX_JUXTAPOSED_SPANS]
        for rank, (za, zb, _shape) in enumerate(spans):
            out.append(Candidate(passage, (ea, ea), ea, eb, za, zb, "zh en", rank, len(spans)))
    return out


# A bilingual heading, list item, table row or title block: ``Introduction & Banter / 引言与闲聊``
# or ``区块链 Blockchain`` on one line, ``access | 存取 | 陆译: 访问`` (a table row), or a short
# Chinese line right above its English line (or the other way round), which the segmenter
# keeps in one passage.
_LINE_SPLIT = re.compile(r"\s+[/|｜]\s+")
MAX_LINE_CHARS = 80
MAX_ROW_CHARS = 400
MAX_CELLS = 8
_CELL_EDGE = " \t|｜/"
_ITEM_COMMA = re.compile(r",\s*")
_TASK_BOX = re.compile(r"\[[ xX]\]\s+")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9.+#-]*")
# One line that is Chinese then English (or English then Chinese), a space between.
_ZH_SPACE_EN = re.compile(rf"([^A-Za-z\u00c0-\u024f\n]*[{HAN_RANGE}][^A-Za-z\u00c0-\u024f\n]*?)\s+"
                          rf"([A-Za-z\u00c0-\u024f][^{HAN_RANGE}\n]*)")
_CLAUSE_MARK = re.compile(r"[,，。、:：;；!?！？]")
_EN_SPACE_ZH = re.compile(rf"([A-Za-z\u00c0-\u024f][^{HAN_RANGE}\n]*?)\s+([{HAN_RANGE}][^A-Za-z\u00c0-\u024f\n]*)")


def bilingual_line_candidates(passage: Passage) -> list[Candidate]:
    """Readings of short lines that hold an English side and a Chinese side (``line pair``),
    or an English, a colon and its glosses (``en: zh``)."""
    text, floor = passage.text, passage.body_offset
    lines, pos = [], floor
    for line in text[floor:].split("\n"):
        lines.append(_trimmed(text, pos, pos + len(line)))
        pos += len(line) + 1
    short = [0 < b - a <= MAX_LINE_CHARS for a, b in lines]
    out: list[Candidate] = []
    for (a, b), fits in zip(lines, short, strict=True):
        cells = _cells(text, a, b) if b - a <= MAX_ROW_CHARS else []
        if cells:
            for i, x in enumerate(cells):
                for y in cells[i + 1 :]:
                    if x[0] < y[1] and y[0] < x[1]:  # a cell and its own label or value
                        continue
                    sides = _english_and_chinese(text, x, y)
                    if sides:
                        out.append(Candidate(passage, (a, b), *sides, "line pair"))
            continue
        body = _unnumbered(text, a, b)
        m = (_ZH_SPACE_EN.fullmatch(text, *body) or _EN_SPACE_ZH.fullmatch(text, *body)) if fits else None
        # A heading's words, not a sentence that ends in an English word (我们用 Python).
        if m and not any(_CLAUSE_MARK.search(text, *m.span(g)) for g in (1, 2)):
            sides = _english_and_chinese(text, _trimmed(text, *m.span(1)), _trimmed(text, *m.span(2)))
            if sides:
                out.append(Candidate(passage, (a, b), *sides, "line pair"))
        elif b - a <= MAX_ROW_CHARS:
            glosses = _glossary_readings(text, *body)
            out += [Candidate(passage, (a, b), *sides, "en: zh", rank, len(glosses))
                    for rank, sides in enumerate(glosses)]
    # Two lines of one passage: the segmenter joined a bilingual pair (a blank line between).
    filled = [(span, fits) for span, fits in zip(lines, short, strict=True) if span[1] > span[0]]
    for ((a1, b1), fits1), ((a2, b2), fits2) in pairwise(filled):
        if fits1 and fits2:
            sides = _english_and_chinese(text, _unnumbered(text, a1, b1), _unnumbered(text, a2, b2))
            if sides:
                out.append(Candidate(passage, (a1, b2), *sides, "line pair"))
    return out


# A glossary or key-value line: ``stagnation: 美 [stæɡˈneɪʃ(ə)n] 停滞``, ``thaw: v. 融化 (dissolve)``,
# ``miserable: 痛苦的;悲惨的``, a front matter's ``Model::Generating data: 生成数据``. What may
# stand between the colon and the first gloss: a pronunciation, a part of speech.
_GLOSS_LEAD = re.compile(r"\s*(?:(?:[美英]\s*)?(?:\[[^\]\n]{1,40}\]|/[^/\n]{1,40}/)|[a-z]{1,5}\.(?=\s|[^\x00-\x7f]))\s*")
_GLOSS_SPLIT = re.compile(r"\s*[;,、。/]\s*")
_MARKUP_KEY = re.compile(r"[{}<>=`\[\]]")
MAX_GLOSSES = 6


def _glossary_readings(text: str, a: int, b: int) -> list[tuple[int, int, int, int]]:
    """``(en_a, en_b, zh_a, zh_b)`` for each gloss of a line that is English, a colon, then
    Chinese; the English of a key path (``A::B``) is its last key."""
    han = next((i for i in range(a, b) if is_han(text[i])), b)
    colons = [i for i in range(a + 1, han) if text[i] == ":" and text[i - 1] != ":" and text[i + 1 : i + 2] != ":"]
    if not colons or han == b:
        return []
    path = text.rfind("::", a, colons[-1])
    ea, eb = _words_only(text, path + 2 if path >= 0 else a, colons[-1])
    # A role or a markup key ({cite}`x`: ...) is not a term, nor a value that holds code.
    if not (eb > ea and _english(text, ea, eb)) or _MARKUP_KEY.search(text, a, colons[-1]) or \
            b - ea > MAX_LINE_CHARS or CODE_MARK in text[colons[-1] : b]:
        return []
    en = text[ea:eb]
    x = colons[-1] + 1
    while (m := _GLOSS_LEAD.match(text, x, b)) and m.end() > x:
        x = m.end()
    out = []
    bounds = [x, *(y for m in _GLOSS_SPLIT.finditer(text, x, b) for y in m.span()), b]
    for ga, gb in zip(bounds[::2], bounds[1::2], strict=True):
        ga, gb = _trimmed(text, ga, gb)
        # 融化 (dissolve): a note at the end that the English does not share is not the gloss.
        note = text.rfind("(", ga, gb)
        if note > ga and text[gb - 1] == ")" and text[note + 1 : gb - 1] not in en:
            gb = note
        za, zb = _words_only(text, ga, gb)
        if zb > za and is_mostly_chinese(_without_shared_words(text[za:zb], en)):
            out.append((ea, eb, za, zb))
    return out[:MAX_GLOSSES]


def _cells(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """The short cells of a line split by `` / `` or `` | ``, or of a glossary item that
    starts with its English (``altcoin, 山寨币``); none when the line is not split."""
    splits = list(_LINE_SPLIT.finditer(text, a, b))
    if not splits and b - a <= MAX_LINE_CHARS:
        commas = list(_ITEM_COMMA.finditer(text, a, b))
        if commas and _english(text, *_unnumbered(text, a, commas[0].start())) and has_han(text[commas[0].end() : b]):
            splits = commas
    if not splits or len(splits) >= MAX_CELLS:
        return []
    bounds = [a, *(x for m in splits for x in m.span()), b]
    cells = []
    for x, y in zip(bounds[::2], bounds[1::2], strict=True):
        while x < y and text[x] in _CELL_EDGE:  # an empty end cell leaves its bar (抽象的 |)
            x += 1
        while y > x and text[y - 1] in _CELL_EDGE:
            y -= 1
        cells.append(_unnumbered(text, x, y))
    cells = [(x, y) for x, y in cells if 0 < y - x <= MAX_LINE_CHARS]
    # A cell may hold a label and its value (``陆译: 兼容``, ``Sync Translation: 立即更新…``):
    # each side of its first colon is a cell too.
    for x, y in list(cells):
        colon = text.find(":", x, y)
        if colon > x and text[colon + 1 : y].strip():
            cells += [_trimmed(text, x, colon), _trimmed(text, colon + 1, y)]
    return cells


def _unnumbered(text: str, a: int, b: int) -> tuple[int, int]:
    """``[a, b)`` without its list number or its task box (``- [x] 完成``)."""
    m = LINE_NUMBER.match(text, a, b)
    if m and m.end() < b:
        a = m.end()
    m = _TASK_BOX.match(text, a, b)
    return (m.end(), b) if m and m.end() < b else (a, b)


def _english_and_chinese(text: str, x: tuple[int, int], y: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """``(en_a, en_b, zh_a, zh_b)`` when one span is English and the other mostly Chinese,
    each without the marks around its words (``✅ 技术准确性``)."""
    for (ea, eb), (za, zb) in ((x, y), (y, x)):
        ea, eb = _words_only(text, ea, eb)
        za, zb = _words_only(text, za, zb)
        if eb > ea and _english(text, ea, eb) and is_mostly_chinese(_without_shared_words(text[za:zb], text[ea:eb])):
            return ea, eb, za, zb
    return None


def _without_shared_words(zh: str, en: str) -> str:
    """``zh`` without the Latin words it shares with ``en``: a name kept as is on both sides
    (``npm 发布 / npm Publish``) says nothing about which side is the Chinese."""
    shared = {w.lower() for w in _LATIN_WORD.findall(en)}
    return _LATIN_WORD.sub(lambda m: "" if m.group().lower() in shared else m.group(), zh)


def _words_only(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and not (text[a].isalnum() or text[a] in "“‘\"《「『"):
        a += 1
    while b > a and not (text[b - 1].isalnum() or text[b - 1] in "”’\"》」』.!?" or
                         text[b - 1] == ")" and "(" in text[a : b - 1]):  # Analysis (PCA)
        b -= 1
    return a, b


def _initials_fit(acronym: str, expansion: str) -> bool:
    """Are the capitals of ``acronym`` the initials of ``expansion``'s words, in order, from
    its first word on (``TINA``: There is no alternative)?"""
    letters = [ch.lower() for ch in acronym if ch.isupper()]
    initials = [w[0].lower() for w in re.split(r"[\s\-]+", expansion) if w and w[0].isalpha()]
    if len(letters) < 2 or not initials or letters[0] != initials[0]:
        return False
    i = 0
    for ch in initials:
        if i < len(letters) and ch == letters[i]:
            i += 1
    return i == len(letters)


def _acronym_readings(passage: Passage, group: tuple[int, int], en_parts: list[tuple[int, int]],
                      zh_spans: list[tuple[int, int, str]]) -> list[Candidate]:
    """``ACR——中文(Expansion)``: the acronym before the dash, read with the Chinese of its
    expansion, when its capitals are the expansion's initials."""
    text, floor = passage.text, passage.body_offset
    out = []
    for za, zb, shape in zh_spans:
        m = _ACRONYM_BEFORE.search(text, max(floor, za - 16), za) if shape == "zh(en)" else None
        if not m:
            continue
        if any(_initials_fit(m.group(1), text[ea:eb]) for ea, eb in en_parts):
            out.append(Candidate(passage, group, m.start(1), m.end(1), za, zb, "acr zh(en)"))
    return out
