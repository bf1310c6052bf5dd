"""The documents of each collection kept during a build, then linked within each.
"""

from __future__ import annotations

from contextlib import ExitStack

from ..memo import MemoStore, kept_in
from ..records import Link, NormalizedDocument, Passage, PhrasePair
from .phrases import find_english_phrases
from .rank import LinkPlan, plan_links
from .scorers import PhraseScorer, make_scorer


class CollectionLinker:
    """Keeps the documents of each collection during a build, then links within each.

    A collection of any size is linked: each phrase is scored only on its short list of
    passages (:mod:`.retrieve`), so the work grows with the collection's text (1,000
    documents: ``benchmarks/link_dev.py --scale 1000``). Memory holds the documents of
    a collection until it is linked. With a ``memo``, the word segmentations and glosses
    of the texts are kept between builds (:mod:`align.memo`). A build may begin linking
    the first collection (:meth:`start`) before it writes its documents.
    """

    def __init__(self, scorer: str = "default", threshold: float | None = None, memo: MemoStore | None = None):
        self.scorer = scorer
        self.threshold = threshold
        self.memo = memo
        self._impl: PhraseScorer | None = None
        self.collections: dict[str, dict[str, tuple[NormalizedDocument, list[Passage], list[PhrasePair]]]] = {}
        self.single: set[str] = set()
        self.notes: list[str] = []
        self._docs: dict[str, NormalizedDocument] = {}
        self._passages: dict[str, list[Passage]] = {}
        self._planned: tuple[str, LinkPlan] | None = None  # the first collection, begun by start()
        self._memo_in_use = ExitStack()
        self._memo_open = False

    def expect(self, sizes: dict[str, int]) -> None:
        """Collection sizes known before the build: a collection of one document is
        never kept (nothing to link it to)."""
        self.single |= {name for name, size in sizes.items() if size < 2}

    def _scorer(self) -> PhraseScorer:
        """One scorer for every collection: a model loads once."""
        if self._impl is None:
            self._impl = make_scorer(self.scorer)
        return self._impl

    def load_soon(self) -> None:
        """Load the scorer's model (the encoder's weights) as the build starts, or begin to
        in the background (:meth:`align.encoder.SentenceEncoder.load_soon`)."""
        self._scorer().load_soon(self.memo.folder if self.memo is not None else None)

    def cutoff(self) -> float:
        """The threshold in force: the one given, else the scorer's calibrated one."""
        return self.threshold if self.threshold is not None else self._scorer().threshold

    def wants(self, collection: str) -> bool:
        return collection not in self.single

    def keep(self, collection: str, doc: NormalizedDocument, passages: list[Passage], pairs: list[PhrasePair]) -> None:
        self.collections.setdefault(collection, {})[doc.doc_id] = (doc, passages, pairs)

    def start(self) -> None:
        """Begin linking the first collection (:func:`.rank.plan_links`): its sentences embed
        in a thread of their own while the build goes on writing its documents."""
        first = next(((name, m) for name, m in sorted(self.collections.items()) if len(m) >= 2), None)
        if first is not None and self._planned is None:
            self._use_memo()
            self._planned = (first[0], self._plan(first[1]))

    def run(self) -> list[Link]:
        links: list[Link] = []
        try:
            self._use_memo()
            for name, members in sorted(self.collections.items()):
                if len(members) < 2:
                    continue
                planned, self._planned = self._planned, None
                plan = planned[1] if planned is not None and planned[0] == name else self._plan(members)
                links += plan.links()
                self._docs.update(plan.docs)
                self._passages.update(plan.passages)
        finally:
            self.close()
        return sorted(links, key=lambda lk: (lk.source_doc_id, lk.source_start, lk.doc_id, lk.start))

    def close(self) -> None:
        """Stop using the memo (:meth:`run` does, and a build that fails before it)."""
        self._planned = None
        self._memo_in_use.close()
        self._memo_open = False

    def _use_memo(self) -> None:
        if not self._memo_open:
            self._memo_in_use.enter_context(kept_in(self.memo))
            self._memo_open = True

    def _plan(self, members: dict[str, tuple[NormalizedDocument, list[Passage], list[PhrasePair]]]) -> LinkPlan:
        docs = {d: m[0] for d, m in members.items()}
        passages = {d: m[1] for d, m in members.items()}
        phrases = [ph for d in sorted(members) for ph in find_english_phrases(*members[d])]
        plan = plan_links(phrases, docs, passages, scorer=self._scorer(), threshold=self.cutoff())
        plan.docs, plan.passages = docs, passages  # what gold links are judged on, even without a phrase
        return plan

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
