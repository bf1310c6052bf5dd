"""A person's verdicts on a build's pairs (``corrections.jsonl``, written by the review
page) applied to each document's pairs before linking and scoring.

One JSON object a line: ``{"doc_id", "en", "zh", "verdict", "zh_fixed"}``; ``verdict`` is

- ``right``: the pair is kept (marked ``reviewed``); a reading the model refused below the
  confidence threshold with that English and Chinese is brought back;
- ``wrong``: the pair is dropped (a refused reading keeps being refused, and its gloss no
  longer guides linking);
- ``fix``: the Chinese becomes ``zh_fixed``, as written in the normalized passage: its
  occurrence in the same passage nearest the old span, offsets into the original taken
  through the document's offset map as the extractor takes them.

A verdict matches every pair (and refused reading) of its document with that English and
Chinese, exactly. A later line for the same ``(doc_id, en, zh)`` replaces an earlier one;
verdicts apply in file order, so a verdict on a span an earlier ``fix`` wrote applies to
the fixed pair (files of successive review rounds can simply be concatenated). A verdict
that matches nothing is reported, with the reason.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from .config import shown_path
from .errors import InputError
from .extract import _sentence as sentence_around  # the extractor's own context rule
from .records import NormalizedDocument, Passage, PhrasePair, ProcessedDocument, Rejection

VERDICTS = ("right", "wrong", "fix")
FIELDS = ("doc_id", "en", "zh", "verdict", "zh_fixed")
WRONG_REASON = "marked wrong in review"


@dataclass(frozen=True, slots=True)
class Verdict:
    """One line of a corrections file."""

    doc_id: str
    en: str
    zh: str
    verdict: str  # right, wrong or fix
    zh_fixed: str | None  # the corrected Chinese (fix only), normalized
    line: int

    def as_dict(self) -> dict:
        return {"doc_id": self.doc_id, "en": self.en, "zh": self.zh, "verdict": self.verdict,
                "zh_fixed": self.zh_fixed}


def load_corrections(path: Path | str) -> list[Verdict]:
    """The verdicts of a ``corrections.jsonl`` file, one per ``(doc_id, en, zh)`` (the
    later line wins), in file order; a bad line is an :class:`InputError` naming it."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as UTF-8 JSON lines ({getattr(exc, 'strerror', None) or exc})",
                         path=str(path), reason="unreadable") from None
    verdicts: dict[tuple[str, str, str], Verdict] = {}
    for lineno, line in enumerate(lines, 1):
        if line.strip():
            v = _verdict(path, lineno, line)
            verdicts.pop((v.doc_id, v.en, v.zh), None)  # re-inserted: the later line's place in the order
            verdicts[(v.doc_id, v.en, v.zh)] = v
    return list(verdicts.values())


def _verdict(path: Path, lineno: int, line: str) -> Verdict:
    def bad(reason: str) -> InputError:
        return InputError(f"{path}:{lineno}: {reason}", path=str(path), reason=reason)

    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise bad(f"expected a JSON object ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise bad(f"expected a JSON object with {', '.join(FIELDS)}, got {type(obj).__name__}")
    unknown = sorted(set(obj) - set(FIELDS))
    if unknown:
        raise bad(f"unknown field {', '.join(map(repr, unknown))} (expected {', '.join(FIELDS)})")
    for name in ("doc_id", "en", "zh"):
        if not isinstance(obj.get(name), str) or not obj[name].strip():
            raise bad(f"expected {name} as a non-empty string, got {obj.get(name)!r}")
    verdict, fixed = obj.get("verdict"), obj.get("zh_fixed")
    if verdict not in VERDICTS:
        raise bad(f"expected verdict right, wrong or fix, got {verdict!r}")
    if verdict == "fix" and (not isinstance(fixed, str) or not fixed.strip()):
        raise bad(f"verdict fix needs zh_fixed as a non-empty string, got {fixed!r}")
    if verdict == "fix" and fixed == obj["zh"]:
        raise bad("zh_fixed is the same as zh (use verdict right)")
    if verdict != "fix" and fixed is not None:
        raise bad(f"zh_fixed is only for verdict fix (this one is {verdict})")
    return Verdict(obj["doc_id"], obj["en"], obj["zh"], verdict, fixed, lineno)


@dataclass
class Corrections:
    """The verdicts of one file, applied document by document (:meth:`apply`), with the
    tally of what they did (:meth:`as_dict`, report.json's ``corrections``)."""

    source: str  # the file as the report names it
    verdicts: list[Verdict]
    applied: Counter = field(default_factory=Counter, init=False)  # verdicts that matched, per verdict
    restored: int = field(default=0, init=False)  # refused readings brought back by right or fix
    _unmatched: dict[int, str] = field(default_factory=dict, init=False, repr=False)  # line -> why
    _seen: set[str] = field(default_factory=set, init=False, repr=False)  # documents applied to

    @classmethod
    def load(cls, path: Path | str) -> Corrections:
        return cls(shown_path(Path(path)), load_corrections(path))

    def apply(self, result: ProcessedDocument) -> ProcessedDocument:
        """``result`` with the verdicts on its document applied, in file order."""
        doc_id = result.doc.doc_id
        verdicts = [v for v in self.verdicts if v.doc_id == doc_id]
        self._seen.add(doc_id)
        if not verdicts:
            return result
        pairs, rejections = list(result.pairs), list(result.rejections)
        passages = {p.passage_id: p for p in result.passages}
        for v in verdicts:
            why = _apply_one(v, result.doc, passages, pairs, rejections)
            if isinstance(why, str):
                self._unmatched[v.line] = why
            else:
                self.applied[v.verdict] += 1
                self.restored += why
        pairs = list({(p.start, p.end, p.en_start, p.en_end, p.en): p for p in pairs}.values())
        pairs.sort(key=lambda pr: (pr.start, pr.en_start, pr.en))  # the extractor's order
        return ProcessedDocument(result.raw, result.meta, result.doc, result.passages, pairs, rejections)

    def unmatched(self) -> list[tuple[Verdict, str]]:
        """The verdicts that changed nothing, with why (a document the build did not
        extract from matches nothing either)."""
        out = []
        for v in self.verdicts:
            if v.doc_id not in self._seen:
                out.append((v, "no such document in the build"))
            elif v.line in self._unmatched:
                out.append((v, self._unmatched[v.line]))
        return out

    def as_dict(self) -> dict:
        return {
            "file": self.source,
            "verdicts": len(self.verdicts),
            "applied": {name: self.applied[name] for name in VERDICTS},
            "restored": self.restored,
            "unmatched": [{**v.as_dict(), "line": v.line, "reason": why} for v, why in self.unmatched()],
        }

    def summary(self) -> str:
        """One line on what was applied, for the command line."""
        counts = ", ".join(f"{name} {self.applied[name]}" for name in VERDICTS)
        return (f"corrections: {sum(self.applied.values())} of {len(self.verdicts)} verdicts applied ({counts}; "
                f"{self.restored} restored from below the threshold), {len(self.unmatched())} matched nothing")


def _apply_one(v: Verdict, doc: NormalizedDocument, passages: dict[str, Passage], pairs: list[PhrasePair],
               rejections: list[Rejection]) -> int | str:
    """Apply ``v`` to the lists in place: the number of refused readings it restored, or
    why it matched nothing."""
    hits = [k for k, p in enumerate(pairs) if p.en == v.en and p.zh == v.zh]
    refused = [k for k, r in enumerate(rejections) if r.pair is not None and r.pair.en == v.en and r.pair.zh == v.zh]
    if not hits and not refused:
        return "no pair or refused reading of the document has this English and Chinese"
    if v.verdict == "wrong":
        for k in refused:
            rejections[k] = replace(rejections[k], pair=None)
        for k in reversed(hits):
            p = pairs.pop(k)
            rejections.append(Rejection(p.doc_id, p.passage_id, f"{p.zh}({p.en})"[:80], WRONG_REASON, en=p.en,
                                        zh=p.zh))
        return 0
    if v.verdict == "right":
        new = {k: replace(pairs[k], reviewed="right") for k in hits}
        back = {k: replace(rejections[k].pair, reviewed="right") for k in refused}
    else:
        new = {k: fixed for k in hits if (fixed := fix_span(pairs[k], v.zh_fixed, doc, passages)) is not None}
        back = {k: fixed for k in refused
                if (fixed := fix_span(rejections[k].pair, v.zh_fixed, doc, passages)) is not None}
        if not new and not back:
            return "zh_fixed is not in the passage of the pair"
    for k, p in new.items():
        pairs[k] = p
    pairs.extend(back.values())
    for k in sorted(back, reverse=True):
        rejections.pop(k)
    return len(back)


def fix_span(pair: PhrasePair, zh_fixed: str, doc: NormalizedDocument, passages: dict[str, Passage]
             ) -> PhrasePair | None:
    """``pair`` with its Chinese set to the occurrence of ``zh_fixed`` in its passage nearest
    its old span (None when the passage lacks it): offsets, original text and context as
    the extractor computes them."""
    passage = passages.get(pair.passage_id)
    if passage is None:
        return None
    hits = _occurrences(passage.text, zh_fixed)
    if not hits:
        return None
    old = normalized_span(pair.zh, pair.start, pair.end, doc, passage)
    en = normalized_span(pair.en, pair.en_start, pair.en_end, doc, passage)
    ref = old or en or (0, 0)
    a = min(hits, key=lambda h: (abs(h - ref[0]) + abs(h + len(zh_fixed) - ref[1]), h))
    b = a + len(zh_fixed)
    start, end = doc.original_span(passage.norm_start + a, passage.norm_start + b)
    return replace(pair, zh=zh_fixed, zh_original=doc.raw.text[start:end], start=start, end=end,
                   context=sentence_around(passage.text, a, b, *(en or ())), reviewed="fix")


def normalized_span(text: str, start: int, end: int, doc: NormalizedDocument, passage: Passage
                    ) -> tuple[int, int] | None:
    """Where ``text``, at original offsets ``start``/``end``, sits in ``passage.text``: the
    occurrence the offset map takes to exactly those offsets."""
    for a in _occurrences(passage.text, text):
        if doc.original_span(passage.norm_start + a, passage.norm_start + a + len(text)) == (start, end):
            return a, a + len(text)
    return None


def _occurrences(text: str, needle: str) -> list[int]:
    out, k = [], text.find(needle)
    while k >= 0:
        out.append(k)
        k = text.find(needle, k + 1)
    return out
