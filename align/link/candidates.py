"""The spans of a target passage a phrase may link to: windows of sentences and runs of
clauses (brackets and quotes never split).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..records import Passage
from ..text import HAN

# A candidate is a window of up to MAX_SENTENCES consecutive sentences or of up to
# MAX_CLAUSES consecutive clauses of one sentence, as Bertalign and Vecalign embed
# overlapping windows. On the tuning collections (benchmarks/link_dev.py) windows of two
# or three sentences, or of three clauses, ranked no more links first than single
# sentences and two clauses, and separated right from wrong links less well (the linker
# abstains on a long window around a short rendering less readily); they stay at 1 and 2.
MAX_SENTENCES = 1
MAX_CLAUSES = 2
# A translated quote is a few sentences at most; a longer run without a sentence end (a
# scraped page that lost its punctuation) is no candidate, and would cost its whole length
# in every scorer.
MAX_SPAN_CHARS = 600

_SENTENCE_END = frozenset("。!?;…")
# Clause ends. Not the enumeration comma 、: it separates the items of a list, and a
# quote of several words renders the list (相对临时性的、用后即抛的一次性实体), not one item.
_CLAUSE_END = frozenset(",:,:;—")
_CLOSERS = frozenset("”’)》」")
_TRIM = " \t,、::,;;—。!?…“”‘’\"'()《》-·"


@dataclass(frozen=True, slots=True, eq=False)
class CandidateSpan:
    """A sentence or clause run of a content passage: normalized offsets into its document.

    Compared and hashed by identity: scorers key their per-candidate caches on it.
    """

    doc_id: str
    passage_id: str
    norm_start: int
    norm_end: int
    text: str  # normalized
    passage_text: str = field(default="", repr=False)  # the whole passage, for word segmentation
    local_start: int = 0  # where ``text`` starts in ``passage_text``
    sentence: bool = False  # a whole sentence (what the retrieval index embeds), not a clause run
    # The text and its passage in mainland vocabulary, when a regional document's differ
    # (mainland.py): what the scorers compare with a gloss. "" when it is ``text`` itself.
    mainland: str = field(default="", repr=False)
    passage_mainland: str = field(default="", repr=False)

    @property
    def compared(self) -> str:
        """The text a gloss and the encoder are compared with: the mainland form."""
        return self.mainland or self.text

    @property
    def compared_passage(self) -> str:
        return self.passage_mainland or self.passage_text or self.text


def candidate_spans(passage: Passage) -> list[CandidateSpan]:
    """Runs of up to :data:`MAX_SENTENCES` sentences and of up to :data:`MAX_CLAUSES`
    clauses of one sentence of one passage (at most :data:`MAX_SPAN_CHARS` long), deduplicated.

    Clause punctuation inside brackets and quotes does not split; a parenthesis right
    after a sentence (``“…。”(“Garbage in, garbage out.”)``) belongs to that sentence.
    """
    text = passage.text
    spans: set[tuple[int, int]] = set()
    sentences: set[tuple[int, int]] = set()
    bounds = _sentences(text, passage.body_offset)
    for k, (sa, sb) in enumerate(bounds):
        clauses = _clauses(text, sa, sb)
        for _, end in bounds[k:k + MAX_SENTENCES]:
            spans.add((sa, end))
        sentences.add(_trim(text, sa, sb))
        for i in range(len(clauses)):
            for j in range(i, min(len(clauses), i + MAX_CLAUSES)):
                spans.add((clauses[i][0], clauses[j][1]))
    trimmed = {_trim(text, a, b) for a, b in spans}
    return [CandidateSpan(passage.doc_id, passage.passage_id, passage.norm_start + a, passage.norm_start + b,
                          text[a:b], text, a, (a, b) in sentences)
            for a, b in sorted(trimmed) if 2 <= b - a <= MAX_SPAN_CHARS and HAN.search(text[a:b])]


_PAIRS = {"(": ")", "“": "”", "‘": "’", "《": "》", "「": "」"}
_OPENERS = frozenset(_PAIRS)
_CLOSERS_OF = {v: k for k, v in _PAIRS.items()}


def _sentences(text: str, start: int) -> list[tuple[int, int]]:
    out, a, i, n = [], start, start, len(text)
    while i < n:
        if text[i] in _SENTENCE_END:
            j = i + 1
            while j < n and (text[j] in _SENTENCE_END or text[j] in _CLOSERS):
                j += 1
            if j < n and text[j] == "(":
                close = text.find(")", j, j + 120)
                j = close + 1 if close > 0 else j
            out.append((a, j))
            a = i = j
            continue
        i += 1
    if a < n:
        out.append((a, n))
    return out


def _clauses(text: str, a: int, b: int) -> list[tuple[int, int]]:
    out, s, depth = [], a, 0
    for k in range(a, b):
        ch = text[k]
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS_OF:
            depth = max(0, depth - 1)
        elif ch in _CLAUSE_END and depth == 0:
            out.append((s, k + 1))
            s = k + 1
    if s < b:
        out.append((s, b))
    return out


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    """Strip punctuation at both ends, then take back the brackets and quotes that
    pair with one left inside (“见过” stays quoted, 学分分配(credit assignment) closed)."""
    while a < b and text[a] in _TRIM:
        a += 1
    while b > a and text[b - 1] in _TRIM:
        b -= 1
    unclosed, unopened = _unpaired(text[a:b])
    while unclosed and b < len(text) and text[b] == _PAIRS[unclosed[-1]]:
        unclosed.pop()
        b += 1
    while unopened and a > 0 and text[a - 1] == _CLOSERS_OF[unopened[0]]:
        unopened.pop(0)
        a -= 1
    return a, b


def _unpaired(span: str) -> tuple[list[str], list[str]]:
    """Openers left open (innermost last) and closers never opened (outermost first)."""
    stack: list[str] = []
    stray: list[str] = []
    for ch in span:
        if ch in _OPENERS and not (ch == "“" and stack and stack[-1] == "“"):
            stack.append(ch)
        elif ch in _CLOSERS_OF:
            if stack and stack[-1] == _CLOSERS_OF[ch]:
                stack.pop()
            else:
                stray.append(ch)
    return stack, stray
