"""The documents of each collection kept during a build, then linked within each.
"""

from __future__ import annotations

from ..records import Link, NormalizedDocument, Passage, PhrasePair
from .phrases import find_english_phrases
from .rank import link_phrases
from .scorers import PhraseScorer, make_scorer

LINK_MAX_DOCS = 64  # documents of one collection kept in memory for linking


class CollectionLinker:
    """Keeps the documents of each collection during a build, then links within each.

    A collection over :data:`LINK_MAX_DOCS` documents is not linked (linking compares
    every document with every other): the build says so in ``notes``; a manifest can
    split the folder into smaller collections.
    """

    def __init__(self, scorer: str = "default", threshold: float | None = None, max_docs: int = LINK_MAX_DOCS):
        self.scorer = scorer
        self.threshold = threshold
        self.max_docs = max_docs
        self._impl: PhraseScorer | None = None
        self.collections: dict[str, dict[str, tuple[NormalizedDocument, list[Passage], list[PhrasePair]]]] = {}
        self.too_large: dict[str, int] = {}
        self.notes: list[str] = []
        self._docs: dict[str, NormalizedDocument] = {}
        self._passages: dict[str, list[Passage]] = {}

    def expect(self, sizes: dict[str, int]) -> None:
        """Collection sizes known before the build: a collection of one document is
        never kept, one over the limit is refused up front (no memory spent on it)."""
        for name, size in sizes.items():
            if size > self.max_docs:
                self.too_large[name] = size
            elif size < 2:
                self.too_large.setdefault(name, 0)

    def _scorer(self) -> PhraseScorer:
        """One scorer for every collection: a model loads once."""
        if self._impl is None:
            self._impl = make_scorer(self.scorer)
        return self._impl

    def cutoff(self) -> float:
        """The threshold in force: the one given, else the scorer's calibrated one."""
        return self.threshold if self.threshold is not None else self._scorer().threshold

    def wants(self, collection: str) -> bool:
        return collection not in self.too_large

    def keep(self, collection: str, doc: NormalizedDocument, passages: list[Passage], pairs: list[PhrasePair]) -> None:
        members = self.collections.setdefault(collection, {})
        members[doc.doc_id] = (doc, passages, pairs)
        if len(members) > self.max_docs:
            self.too_large[collection] = len(members)
            del self.collections[collection]

    def run(self) -> list[Link]:
        links: list[Link] = []
        for name, size in sorted(self.too_large.items()):
            if size == 0:
                continue  # a single document: nothing to link
            self.notes.append(f"collection {name!r} not linked: more than {self.max_docs} documents; "
                              "split it into collections with raw/manifest.toml")
        for _name, members in sorted(self.collections.items()):
            if len(members) < 2:
                continue
            docs = {d: m[0] for d, m in members.items()}
            passages = {d: m[1] for d, m in members.items()}
            phrases = [ph for d in sorted(members) for ph in find_english_phrases(*members[d])]
            links += link_phrases(phrases, docs, passages, scorer=self._scorer(), threshold=self.cutoff())
            self._docs.update(docs)
            self._passages.update(passages)
        return sorted(links, key=lambda lk: (lk.source_doc_id, lk.source_start, lk.doc_id, lk.start))

    @property
    def linked_documents(self) -> dict[str, NormalizedDocument]:
        """The documents of the collections :meth:`run` linked (what gold links are judged on)."""
        return self._docs

    @property
    def linked_passages(self) -> dict[str, list[Passage]]:
        return self._passages

    @property
    def scorer_name(self) -> str:
        return self._scorer().name
