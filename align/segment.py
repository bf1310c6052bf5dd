"""Stage 3: split a normalized document into passages.

A passage is one non-empty line (scraped articles put one paragraph per line). Each
is classed as ``content``, ``heading`` or ``boilerplate`` and, for interview
transcripts, given its ``speaker``: a label at the start of the line followed by a
colon (``朱克伯格:``, ``Ruchi Sanghvi:``). Transcripts often lose the colon when the
label was bold in the page, so a label seen with a colon at least twice in the same
document also counts where the colon is missing.

A bilingual heading or title block — a short Chinese title right above its English title, or
the other way round, a blank line between at most — is one passage: its two lines say one
thing, and the extractor reads them as a pair. The passage keeps the index of its first line,
so the indices of the other passages do not move.
"""

from __future__ import annotations

import re
from collections import Counter

from .records import NormalizedDocument, Passage
from .text import HAN_RANGE, LATIN_LETTER, LINE_NUMBER, is_han, is_mostly_chinese

_LABEL = re.compile(
    rf"^(?P<label>[A-Z][A-Za-z.'\-]+(?: [A-Z][A-Za-z.'\-]+){{0,3}}|[{HAN_RANGE}·]{{2,8}}) ?:(?!//)"
)
# Lines that scraped Chinese pages carry around the article: loaders, bylines,
# credits, captions and metadata. These are generic page furniture, not content.
_BOILERPLATE = re.compile(
    r"""^(?:
        正在加载|加载中|视频章节$|点击(?:查看|播放|阅读)|展开全文|返回搜狐|责任编辑
      | (?:文|作者|编辑|责编|译者|翻译|编译|撰文|出品|校对|审校|来源|记者|摄影|图|图注|图片|图源|图片来源|
          关键词|关键字|标签|事实核查备注|备注|原文链接|原标题|本文来源)\s*[|:]
    )""",
    re.VERBOSE,
)
_BYLINE = re.compile(r"^(?:文|作者|编辑|责编|译者|翻译|编译|撰文|出品|校对|审校|记者|摄影)\s*[|:]")
_CREDIT = re.compile(r"(?:图片来源|图源|图片提供|摄影)\s*[:|]|/\s*GETTY IMAGES|©")
_DATELINE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日.*(?:阅读|浏览)|(?:阅读|浏览).*\d{4}年\d{1,2}月\d{1,2}日")
MAX_FURNITURE_CHARS = 160
MAX_PAIRED_LINE_CHARS = 80
_NOT_A_PAIRED_LINE = re.compile(r"[()\[\]{}<>]|://|@")
_SENTENCE_MARK = re.compile(r"[。!?;；！？…]|\.\s")
_END_PUNCT = tuple("。!?;…”’\")】")


def _is_doubled(line: str) -> bool:
    """A caption that scrapers repeat (alt text + caption): the line is ``x + x``."""
    n = len(line)
    return n >= 8 and n % 2 == 0 and line[: n // 2] == line[n // 2 :]


def classify_line(line: str, is_first: bool) -> str:
    # A byline a scraper glued to the article's first paragraph ("作者 | 某 编辑 | 某 硬氪获悉,…")
    # does not make the paragraph furniture; a long note or caption still is.
    long = len(line) > MAX_FURNITURE_CHARS
    if _BOILERPLATE.match(line) and not (long and _BYLINE.match(line)) or _DATELINE.search(line) and not long:
        return "boilerplate"
    # Captions and credits are short: a long paragraph that closes with a credit
    # ("…获得年度大奖。[图源:某社]") or was pasted twice is still content.
    if len(line) <= MAX_FURNITURE_CHARS and (_CREDIT.search(line) or _is_doubled(line)):
        return "boilerplate"
    if is_first:
        return "heading"
    if len(line) <= 40 and not line.endswith(_END_PUNCT) and not _LABEL.match(line):
        return "heading"
    return "content"


def _is_english_line(line: str) -> bool:
    return len(LATIN_LETTER.findall(line)) >= 2 and not any(is_han(ch) for ch in line)


def is_line_pair(first: str, second: str) -> bool:
    """Are two short lines one Chinese title and one English title, neither bracketed nor a
    link (a parenthesis is read as one; a URL or an address is not a translation)?"""
    if len(first) > MAX_PAIRED_LINE_CHARS or len(second) > MAX_PAIRED_LINE_CHARS:
        return False
    if _NOT_A_PAIRED_LINE.search(first) or _NOT_A_PAIRED_LINE.search(second):
        return False
    if not (_is_title(first) and _is_title(second)):
        return False
    return _is_english_line(first) and is_mostly_chinese(second) or \
        is_mostly_chinese(first) and _is_english_line(second)


def _is_title(line: str) -> bool:
    """A heading, not a sentence: no sentence mark inside, and none at the end but a title's
    own ? or ! (a heading over its paragraph, ``cargo`` above ``cargo 是…工具。…``, is no pair)."""
    number = LINE_NUMBER.match(line)
    body = line[number.end() if number else 0 :].rstrip("?!？！”’\"'")
    return not _SENTENCE_MARK.search(body) and not body.endswith((",", "，", ":", "：", "、", "."))


def segment_document(doc: NormalizedDocument) -> list[Passage]:
    """Passages of ``doc`` in document order."""
    text = doc.text
    spans = []  # (start, end, line number) of each non-empty line
    pos = 0
    for number, line in enumerate(text.split("\n")):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            spans.append((pos + lead, pos + lead + len(stripped), number))
        pos += len(line) + 1

    labels = Counter()
    for a, b, _ in spans:
        m = _LABEL.match(text[a:b])
        if m:
            labels[m.group("label")] += 1
    known = sorted((label for label, n in labels.items() if n >= 2), key=len, reverse=True)

    passages = []
    joined = set()  # indices of second lines already read with the line above
    for index, (a, b, _) in enumerate(spans):
        if index in joined:
            continue
        line = text[a:b]
        kind = classify_line(line, index == 0)
        speaker, body = None, 0
        if kind == "content":
            speaker, body = _speaker(line, known)
        if kind != "boilerplate" and speaker is None and _title_pair_below(text, spans, index, known):
            joined.add(index + 1)
            second_kind = classify_line(text[spans[index + 1][0] : spans[index + 1][1]], False)
            kind = "heading" if kind == second_kind == "heading" else "content"
            b = spans[index + 1][1]
            line = text[a:b]
        start, end = doc.original_span(a, b)
        passages.append(
            Passage(
                passage_id=f"{doc.doc_id}/{index:04d}",
                doc_id=doc.doc_id,
                index=index,
                kind=kind,
                speaker=speaker,
                text=line,
                text_original=doc.raw.text[start:end],
                norm_start=a,
                norm_end=b,
                start=start,
                end=end,
                body_offset=body,
            )
        )
    return passages


def _title_pair_below(text: str, spans: list[tuple[int, int, int]], index: int, known: list[str]) -> bool:
    """Is the next non-empty line (a blank line between at most) the other side of this
    line's title, and neither furniture nor a speaker's turn?"""
    if index + 1 >= len(spans):
        return False
    (a, b, number), (a2, b2, number2) = spans[index], spans[index + 1]
    second = text[a2:b2]
    return number2 - number <= 2 and is_line_pair(text[a:b], second) and \
        classify_line(second, False) != "boilerplate" and _speaker(second, known)[0] is None


def _speaker(line: str, known: list[str]) -> tuple[str | None, int]:
    m = _LABEL.match(line)
    if m and m.group("label") in known:
        return m.group("label"), m.end()
    for label in known:
        if line.startswith(label) and len(line) > len(label):
            nxt = line[len(label)]
            # "Ruchi Sanghvi,Facebook 的第一位…" introduces the person, "迭代(iteration)是…" glosses
            # a term: neither is a turn.
            if nxt not in ",、的和与及(" and not (label[-1].isascii() and nxt.isascii() and nxt.islower()):
                return label, len(label)
    return None, 0
