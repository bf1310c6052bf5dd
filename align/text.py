"""The one copy of small text predicates every stage shares."""

from __future__ import annotations

import html
import re
import unicodedata

# CJK Unified Ideographs with Extension A: what counts as a Han character, everywhere.
HAN_RANGE = "\u3400-\u9fff"
HAN = re.compile(f"[{HAN_RANGE}]")
# Where a sentence of normalized text ends: a pair's `context` and what `align push`
# publishes of a restricted document are cut at these.
SENTENCE_END = frozenset("。!?;…!?")


def is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff"


def has_han(text: str) -> bool:
    return HAN.search(text) is not None


LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
# A list or section number before a line's text: ``3. 可信度``, ``1.2 Scope``, ``一、总则``, ``- Talent``.
LINE_NUMBER = re.compile(r"(?:\d{1,3}(?:\.\d{1,3})*[.、)]|\d{1,3}\.\d{1,3}|[一二三四五六七八九十]{1,3}、|[-*•·▪])\s*")


def is_mostly_chinese(text: str) -> bool:
    """Some Han, and no fewer Han characters than Latin letters (``物理AI:工具使用的未来``)."""
    han = sum(1 for ch in text if is_han(ch))
    return han > 0 and han >= len(LATIN_LETTER.findall(text))


# What a table shows for a value that is not there (the card and the review page alike).
MISSING = "—"


def english_key(text: str) -> str:
    """English compared as a reader would: width, curly apostrophes, case and spacing ignored."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")
    return " ".join(text.lower().split())


def quote_key(text: str) -> str:
    """A quoted phrase as gold names it: :func:`english_key` without the end mark a quoted
    sentence may keep or drop ("Garbage in, garbage out." is the quote of gold's
    "Garbage in, garbage out")."""
    return english_key(text).rstrip(" .!?")


_TAG = re.compile(r"<[^<>]+>")


def drop_inline_markup(text: str) -> str:
    """A raw span without the inline HTML tags, entities and emphasis marks inside it
    (``谢尔盖<span>‧</span>斯克里帕尔``, ``L&#8217;Oreal``, ``*隐性*回馈``), as the reader
    drops them."""
    return html.unescape(_TAG.sub("", text)).replace("*", "").replace("`", "")


def gold_key(text: str) -> str:
    """A labelled span compared with a built one: gold is labelled as raw text, so its
    inline markup goes (:func:`drop_inline_markup`); then :func:`english_key`, without a
    sentence's end mark, which labellers keep or drop alike ("Or am I wrong?", "还是我是错的")."""
    return english_key(drop_inline_markup(text)).rstrip(" .!?。…")


def contains_words(text: str, words: str) -> bool:
    """``words`` inside ``text`` not as part of a longer Latin word ("art" is not in "start")."""
    start = text.find(words)
    while start >= 0:
        end = start + len(words)
        if (start == 0 or not text[start - 1].isascii() or not text[start - 1].isalnum()) and \
                (end == len(text) or not text[end].isascii() or not text[end].isalnum()):
            return True
        start = text.find(words, start + 1)
    return False
