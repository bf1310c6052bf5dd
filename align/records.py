"""Records that flow one way through the pipeline.

``RawDocument -> NormalizedDocument -> Passage -> PhrasePair``; every record keeps
its source (``doc_id``, content hash) and ``(start, end)`` character offsets into
the *original* decoded text, so ``original[start:end]`` is what the record reports.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from . import __version__


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One decoded input file."""

    doc_id: str  # the file stem
    path: str  # relative to the raw folder, with forward slashes
    text: str  # decoded text, exactly as in the file (no newline translation)
    sha256: str  # of the file's bytes
    encoding: str
    size_bytes: int


@dataclass(frozen=True, slots=True)
class NormalizedDocument:
    """A document in Simplified Chinese with a map back to the original text.

    ``src_start[k]``/``src_end[k]`` are the original offsets of normalized char ``k``.
    """

    raw: RawDocument
    variant: str  # hk, tw, t or s: the script the original was written in
    opencc_config: str | None  # None when the text was already Simplified
    text: str
    src_start: array = field(repr=False)
    src_end: array = field(repr=False)

    @property
    def doc_id(self) -> str:
        return self.raw.doc_id

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``(start, end)`` of the normalized span ``[start, end)``."""
        if end <= start:
            pos = self.src_start[start] if start < len(self.text) else len(self.raw.text)
            return pos, pos
        return self.src_start[start], self.src_end[end - 1]


@dataclass(frozen=True, slots=True)
class Passage:
    """A paragraph, a heading or a boilerplate line of one document."""

    passage_id: str  # f"{doc_id}/{index:04d}"
    doc_id: str
    index: int
    kind: str  # content, heading or boilerplate
    speaker: str | None
    text: str  # normalized (Simplified) text, speaker label included
    text_original: str
    norm_start: int  # offsets into the normalized document text
    norm_end: int
    start: int  # offsets into the original document text
    end: int
    body_offset: int = 0  # where the text after the speaker label starts, within ``text``


@dataclass(frozen=True, slots=True)
class PhrasePair:
    """An English phrase and its Chinese counterpart span in one passage."""

    doc_id: str
    passage_id: str
    en: str
    zh: str  # normalized, Simplified
    zh_original: str  # exactly ``original_text[start:end]``
    kind: str  # name, term, acronym, title or quote
    start: int  # original offsets of the Chinese span
    end: int
    en_start: int  # original offsets of the English phrase
    en_end: int
    context: str  # the normalized sentence the pair came from
    confidence: float
    shape: str  # zh(en), en(zh), "zh"(en), zh en ...
    signals: tuple[tuple[str, float], ...] = ()
    reviewed: str | None = None  # a person's verdict (right or fix, align.corrections); None: unreviewed


@dataclass(frozen=True, slots=True)
class Rejection:
    """A candidate the extractor looked at and refused, with the reason."""

    doc_id: str
    passage_id: str
    text: str
    reason: str
    en: str | None = None  # a reading the model scored below the confidence threshold
    zh: str | None = None
    confidence: float | None = None
    pair: PhrasePair | None = None  # that reading as a pair (the linker still reads its gloss)


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """What the raw folder's manifest says about one file."""

    title: str | None = None
    source_url: str | None = None
    variant: str | None = None
    encoding: str | None = None
    license: str | None = None
    redistribute: bool | None = None  # the manifest's explicit word, if any (align.licenses)
    collection: str = "default"



@dataclass(slots=True)
class ProcessedDocument:
    """One document after read -> normalize -> segment -> extract: what the corpus-wide
    steps start from (and what the cache of per-document results keeps)."""

    raw: RawDocument
    meta: DocumentMeta
    doc: NormalizedDocument
    passages: list[Passage]
    pairs: list[PhrasePair]
    rejections: list[Rejection]


@dataclass(frozen=True, slots=True)
class DocumentStatus:
    """What the build did with one file of the raw folder."""

    path: str
    doc_id: str | None
    status: str  # built or skipped
    reason: str | None = None
    sha256: str | None = None
    encoding: str | None = None
    variant: str | None = None
    opencc_config: str | None = None
    passages: int = 0
    pairs: int = 0
    redistribute: bool | None = None  # the manifest's explicit word, kept for `align push`


@dataclass(frozen=True, slots=True)
class EnglishPhrase:
    """An English phrase quoted in a document, with the gloss the document gives, if any."""

    doc_id: str
    passage_id: str
    en: str
    gloss: str | None  # the document's own Chinese gloss (normalized), if it has one
    start: int  # original offsets of the English in its document
    end: int


@dataclass(frozen=True, slots=True)
class Link:
    """An English phrase of one document linked to the span of another that translates it."""

    en: str
    gloss: str | None
    source_doc_id: str
    source_start: int
    source_end: int
    doc_id: str  # the target document
    passage_id: str
    zh: str  # normalized (Simplified) target span
    zh_original: str  # exactly ``original_text[start:end]`` of the target document
    start: int
    end: int
    score: float
    margin: float  # score minus the runner-up candidate's score
    signals: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Rendering:
    zh: str
    doc_ids: tuple[str, ...]
    count: int
    zh_mainland: str = ""  # the same words in mainland vocabulary: regional forms share it


@dataclass(frozen=True, slots=True)
class VariantCluster:
    """One English name or term and all its Chinese renderings across documents."""

    en: str  # the canonical English (most frequent spelling)
    en_variants: tuple[str, ...]
    renderings: tuple[Rendering, ...]


@dataclass
class BuildReport:
    documents: list[DocumentStatus] = field(default_factory=list)
    pair_kinds: Counter = field(default_factory=Counter)
    rejections: Counter = field(default_factory=Counter)
    passages: int = 0
    pairs: int = 0
    gold: Any = None  # align.evaluate.EvalResult, when a gold file was given
    tokenizer_vocab: int = 0
    calibration: dict | None = None
    links: int = 0
    variants: int = 0
    glossary: int = 0  # rows of the glossary config
    links_gold: dict | None = None
    link_notes: list[str] = field(default_factory=list)
    min_confidence: float = 0.0
    dropped: list = field(default_factory=list)  # readings below min_confidence (Rejection)
    corrections: Any = None  # align.corrections.Corrections, when a corrections file was given
    # Documents reused from and computed into the cache of per-document results: not in
    # as_dict(), since report.json is the same either way.
    cache_hits: int = 0
    cache_misses: int = 0

    @property
    def built(self) -> list[DocumentStatus]:
        return [d for d in self.documents if d.status == "built"]

    @property
    def skipped(self) -> list[DocumentStatus]:
        return [d for d in self.documents if d.status == "skipped"]

    def as_dict(self) -> dict:
        return {
            "align_version": __version__,
            "documents": [_status_dict(d) for d in self.documents],
            "totals": {
                "documents_built": len(self.built),
                "documents_skipped": len(self.skipped),
                "passages": self.passages,
                "pairs": self.pairs,
                "pairs_by_kind": dict(sorted(self.pair_kinds.items())),
            },
            "rejected_candidates": dict(sorted(self.rejections.items())),
            "min_confidence": self.min_confidence,
            "dropped_below_min_confidence": [
                {"doc_id": r.doc_id, "passage_id": r.passage_id, "en": r.en, "zh": r.zh, "confidence": r.confidence}
                for r in self.dropped
            ],
            "gold": self.gold.as_dict() if self.gold else None,
            "gold_misses": [
                {"doc_id": g.doc_id, "en": g.en, "zh": g.zh} for g in (self.gold.misses if self.gold else [])
            ],
            "gold_extras": [
                {"doc_id": d, "en": e, "zh": z} for d, e, z in (self.gold.extras if self.gold else [])
            ],
            "calibration": self.calibration,
            "corrections": self.corrections.as_dict() if self.corrections else None,
            "links": {"count": self.links, "gold": self.links_gold, "notes": self.link_notes},
            "variants": self.variants,
            "tokenizer_vocab_size": self.tokenizer_vocab,
        }


def _status_dict(d: DocumentStatus) -> dict:
    return {
        "path": d.path,
        "doc_id": d.doc_id,
        "status": d.status,
        "reason": d.reason,
        "sha256": d.sha256,
        "encoding": d.encoding,
        "variant": d.variant,
        "opencc_config": d.opencc_config,
        "passages": d.passages,
        "pairs": d.pairs,
        "redistribute": d.redistribute,
    }
