"""The library entry point: ``build(raw_dir, out_dir) -> BuildReport``.

read -> normalize -> segment -> extract, one document at a time (:mod:`align.process`, or
in datatrove tasks with :mod:`align.workers`; passages go straight to disk); then, over the
whole build, link -> score -> publish -> review page.
"""

from __future__ import annotations

import logging
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import score
from .cache import cache_folder, code_fingerprint, open_cache, tokenizer_store
from .config import BuildConfig
from .corrections import Corrections
from .dataset.card import LICENSE_FILE, PRETTY_NAME, card_template, card_values_for, license_fields, licensing_section
from .dataset.glossary import glossary_from_table
from .dataset.schema import document_row, link_row, linked_pair_row, pair_row, passage_row, variant_row
from .dataset.splits import SplitPlan
from .dataset.writer import BuildWriter
from .errors import BuildError, InputError
from .evaluate import evaluate_pairs, score_links
from .gold import load_gold, load_link_gold
from .manifest import CONTROL_FILES, load_manifest
from .memo import MemoStore
from .normalize import mainland_span
from .pair_model import PairModel, shipped_model
from .process import prepare_document, process_document, process_folder, threshold
from .read import SkippedFile, list_files, read_folder
from .records import (
    BuildReport,
    DocumentMeta,
    DocumentStatus,
    NormalizedDocument,
    Passage,
    PhrasePair,
    ProcessedDocument,
)
from .review import write_report
from .review.build_files import UNCHANGED
from .spool import PairSpool
from .variants import CLUSTER_KINDS, clusters_from_counts

if TYPE_CHECKING:
    from .link import CollectionLinker

logger = logging.getLogger(__name__)

HOLD_CHARS = 2_000_000  # a build whose documents hold at most this much text is small (see build)

__all__ = ["build", "documents", "load_folder", "prepare_document", "process_document", "process_folder"]


def documents(raw_dir: Path | str, variant: str = "auto") -> Iterator[tuple[NormalizedDocument, list[Passage]]]:
    """``(normalized document, passages)`` of every document of ``raw_dir`` the build would
    extract from (manifest encodings and variants honoured): for tools that run their own
    extraction."""
    raw_dir = Path(raw_dir)
    manifest = load_manifest(raw_dir)
    encodings = {rel: m.encoding for rel, m in manifest.items() if m.encoding}
    for item in read_folder(raw_dir, encodings=encodings):
        if not isinstance(item, SkippedFile):
            prepared = prepare_document(item, manifest.get(item.path, DocumentMeta()), variant)
            if not isinstance(prepared, str):
                yield prepared


def pairs_for_linking(pairs: list[PhrasePair], rejections: list) -> list[PhrasePair]:
    """The pairs, and the quotes below the confidence threshold: a quote's own gloss guides
    linking even where the pair is not published."""
    glossed = [r.pair for r in rejections if r.pair is not None and r.pair.kind == "quote"]
    return sorted(pairs + glossed, key=lambda pr: (pr.start, pr.en_start))


def load_folder(raw_dir: Path | str, variant: str = "auto", min_confidence: float | None = None):
    """Every document of ``raw_dir`` through :func:`process_document`, in memory:
    ``(docs, passages, pairs)`` keyed by doc_id (the pairs as linking sees them). For tools
    and tests on small folders; :func:`build` streams instead."""
    config = BuildConfig(variant=variant, min_confidence=min_confidence)
    docs, passages, pairs = {}, {}, []
    for result in process_folder(Path(raw_dir), config, shipped_model()):
        if isinstance(result, ProcessedDocument):
            docs[result.doc.doc_id] = result.doc
            passages[result.doc.doc_id] = result.passages
            pairs += pairs_for_linking(result.pairs, result.rejections)
    return docs, passages, pairs


@dataclass
class BuildRows:
    """What the per-document stages leave for the corpus-wide ones: the pair rows in the
    spool (on disk), a row per document, the tokenizer's bounded sample."""

    spool: PairSpool
    documents: list[dict] = field(default_factory=list)
    collections: dict[str, str] = field(default_factory=dict)  # doc_id -> collection: the split of its pairs
    tokenizer_sample: score.TokenizerSample = field(default_factory=score.TokenizerSample)

    def add(self, result: ProcessedDocument, report: BuildReport) -> None:
        passages, pairs = result.passages, result.pairs
        # report.json lists what it names of a dropped reading; its text and pair would
        # otherwise stay in memory to the end of the build.
        report.dropped.extend(replace(r, text="", pair=None) for r in result.rejections if r.confidence is not None)
        for r in result.rejections:
            report.rejections[r.reason] += 1
        self.tokenizer_sample.add(passages)
        variant = result.doc.variant
        self.spool.add([pair_row(pr, mainland_span(pr.zh_original, pr.zh, variant)) for pr in pairs],
                       result.doc.doc_id)
        for pr in pairs:
            report.pair_kinds[pr.kind] += 1
        report.passages += len(passages)
        report.pairs += len(pairs)
        report.documents.append(_built_status(result))
        self.documents.append(document_row(result.raw, result.meta, result.doc, len(passages), len(pairs)))
        self.collections[result.doc.doc_id] = result.meta.collection


def corpus_figures(spool: PairSpool) -> tuple[list, list[dict]]:
    """The variant clusters and the glossary rows, from group-bys over the spooled inline
    pairs (links are not inline)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    inline = spool.columns(["en", "zh", "zh_mainland", "doc_id", "kind", "confidence"],
                           where=lambda batch: pc.not_equal(batch.column("kind"), "linked"))
    named = inline.filter(pc.is_in(inline["kind"], value_set=pa.array(sorted(CLUSTER_KINDS))))
    counts = named.group_by(["en", "zh", "zh_mainland", "doc_id"], use_threads=False).aggregate([([], "count_all")])
    clusters = clusters_from_counts(zip(*(counts[c].to_pylist() for c in
                                          ("en", "zh", "zh_mainland", "doc_id", "count_all")), strict=True))
    return clusters, glossary_from_table(inline, clusters)


def _pair_order(row: dict) -> tuple:
    """The order of a document's pairs in the files."""
    return row["start"], row["en_start"] if row["en_start"] is not None else -1, row["translation"]["en"]


def _built_status(result: ProcessedDocument) -> DocumentStatus:
    raw, passages = result.raw, result.passages
    return DocumentStatus(
        path=raw.path,
        doc_id=raw.doc_id,
        status="built",
        reason=None if any(p.kind == "content" for p in passages) else "no content passage",
        sha256=raw.sha256,
        encoding=raw.encoding,
        variant=result.doc.variant,
        opencc_config=result.doc.opencc_config,
        passages=len(passages),
        pairs=len(result.pairs),
        redistribute=result.meta.redistribute,
    )


def build(raw_dir: Path | str, out_dir: Path | str, config: BuildConfig | None = None, *,
          progress: Callable[[str], None] | None = None, shards: Path | str | None = None,
          **settings) -> BuildReport:
    """Build the dataset of ``raw_dir`` into ``out_dir``; return what was done.

    ``config`` (or its fields as keywords) says how. Documents stream through
    :func:`process_document` one at a time (made by ``config.workers`` datatrove tasks when
    more than one, or read from the ``shards`` folder of an earlier datatrove run); their
    passages go straight to the files and their pairs to a spool on disk
    (:class:`align.spool.PairSpool`), so memory holds a row per document and a bounded
    sample of text for the tokenizer, not the corpus. Then, over the whole build: link,
    variant clusters and glossary (group-bys over the spool), scores, the pairs written
    document by document, evaluation against gold, the files, the review page.
    ``progress`` is called once per file.
    """
    config = config or BuildConfig(**settings)
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    if not raw_dir.is_dir():
        raise InputError(f"{raw_dir}: no such folder")
    manifest = load_manifest(raw_dir)
    # Gold and corrections files are read first: a bad one fails before any work.
    gold = load_gold(config.gold_path) if config.gold_path else None
    links_gold = load_link_gold(config.links_gold_path) if config.links_gold_path else None
    corrections = Corrections.load(config.corrections_path) if config.corrections_path else None
    model = shipped_model()
    linker = _linker(config, raw_dir, out_dir, manifest)
    report = BuildReport(min_confidence=threshold(config, model))
    with closing(linker) if linker else nullcontext(), \
            BuildWriter(out_dir, SplitPlan(config.splits), config.shard_bytes) as writer, \
            tempfile.TemporaryDirectory(prefix=f".{out_dir.name}.tmp-spool-", dir=out_dir.resolve().parent) as spooled, \
            _results(raw_dir, out_dir, config, model, manifest, progress, shards) as (results, cache):
        # Beside the build's temporary folder, named so that the next build removes it if
        # this one is killed; after the writer, which removes such leftovers when it starts.
        rows = BuildRows(PairSpool(Path(spooled), writer.features["pairs"].arrow_schema))
        if linker:
            linker.load_soon()  # after the workers forked, if any: no loading thread runs while they fork
        # A small build's documents are held, in order, until the first linked collection is
        # begun (linker.start): the encoder then embeds its sentences while they are written.
        held: list | None = [] if linker else None
        held_chars = 0
        for result in results:
            if corrections and isinstance(result, ProcessedDocument):
                # After the cache and the tasks: a changed corrections file never meets a stale result.
                result = corrections.apply(result)
            if linker and isinstance(result, ProcessedDocument) and linker.wants(result.meta.collection):
                linker.keep(result.meta.collection, result.doc, result.passages,
                            pairs_for_linking(result.pairs, result.rejections))
            if held is None:
                _write_result(result, writer, rows, report)
            else:
                held.append(result)
                held_chars += len(result.raw.text) if isinstance(result, ProcessedDocument) else 0
                if held_chars > HOLD_CHARS:  # not a small build: written as they come
                    for r in held:
                        _write_result(r, writer, rows, report)
                    held = None
            del result  # the document is the largest object of the loop: free it before the next
        if held:
            linker.start()
            for r in held:
                _write_result(r, writer, rows, report)
            del held
        report.cache_hits, report.cache_misses = cache.hits, cache.misses
        report.corrections = corrections
        _check_built(report, raw_dir, config.strict)
        link_rows = _link(linker, rows, report, links_gold)
        clusters, glossary = corpus_figures(rows.spool)
        variant_rows = [variant_row(c) for c in clusters]
        report.links = len(link_rows)
        report.variants = len(variant_rows)
        report.glossary = len(glossary)
        spm_model, counter = score.train_tokenizer(rows.tokenizer_sample, tokenizer_store(config, out_dir))
        report.tokenizer_vocab = counter.vocab_size
        scorer = score.SpoolScorer(rows.spool, counter)
        judged = []  # what the gold evaluation reads of each pair, in file order
        for doc_id, doc_pairs in rows.spool.documents():
            doc_pairs.sort(key=_pair_order)
            scorer.score(doc_pairs)
            writer.add_rows("pairs", doc_pairs, doc_id, rows.collections.get(doc_id, "default"))
            if gold is not None:
                judged += [{k: r[k] for k in ("doc_id", "kind", "translation", "confidence")} for r in doc_pairs]
        rows.spool.remove()
        if gold is not None:
            report.gold, report.calibration = evaluate_pairs(judged, gold, {d.doc_id for d in report.built})
        writer.commit(
            {"documents": rows.documents, "links": link_rows, "variants": variant_rows, "glossary": glossary},
            card_template(),
            card_values_for(report, config, raw_dir, rows.documents),
            report.as_dict(),
            PRETTY_NAME,
            extra_files={"tokenizer/spm.model": spm_model,
                         LICENSE_FILE: ("# Licences of the sources\n\n" + licensing_section(report, rows.documents)
                                        + "\n").encode("utf-8")},
            licence=license_fields(rows.documents),
            finish=(lambda tmp: write_report(tmp, raw_dir, tmp / "report" / "index.html",
                                             sources={d.doc_id: UNCHANGED for d in report.built}))
            if config.review else None,
        )
    return report


def _write_result(result: ProcessedDocument | DocumentStatus, writer: BuildWriter, rows: BuildRows,
                  report: BuildReport) -> None:
    """One document's passages to the files, its pairs to the spool, its row and status to the report."""
    if isinstance(result, DocumentStatus):
        report.documents.append(result)
        return
    writer.add_passages([passage_row(p) for p in result.passages], result.raw.doc_id, result.meta.collection)
    rows.add(result, report)


@contextmanager
def _results(raw_dir: Path, out_dir: Path, config: BuildConfig, model: PairModel, manifest: dict[str, DocumentMeta],
             progress: Callable[[str], None] | None, shards: Path | str | None):
    """``(results, counts)``: every file's result in path order, and what holds the cache's
    hits and misses once they are read."""
    if shards is None and config.workers == 1:
        with open_cache(config, out_dir) as cache:
            yield process_folder(raw_dir, config, model, manifest, progress, cache), cache
        return
    workers = _workers_module(config)
    if shards is not None:
        results = workers.ShardResults(shards, raw_dir, config, manifest, progress)
        yield results, results
        return
    # Beside the build's temporary folder, named so that the next build removes it if this
    # one is killed.
    with tempfile.TemporaryDirectory(prefix=f".{out_dir.name}.tmp-workers-", dir=out_dir.resolve().parent) as work:
        found = workers.run_local(raw_dir, Path(work), config, cache_folder(config, out_dir))
        results = workers.ShardResults(found, raw_dir, config, manifest, progress)
        yield results, results


def _workers_module(config: BuildConfig):
    """:mod:`align.workers`, or the command that installs what it needs."""
    try:
        from . import workers
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in ("datatrove", "loguru"):
            raise
        raise BuildError(f"--workers {config.workers}: needs datatrove (pip install 'align[workers]')") from None
    return workers


def _linker(config: BuildConfig, raw_dir: Path, out_dir: Path,
            manifest: dict[str, DocumentMeta]) -> CollectionLinker | None:
    """The linker, its scorer loaded (a bad name or a missing package fails before any work),
    the collection sizes known (a single-document collection is never kept) and its memo in
    the cache folder (none with ``--no-cache``)."""
    if not config.link:
        return None
    from .link import CollectionLinker  # here: its retrieval imports bm25s and scipy, which --no-link never needs

    folder = cache_folder(config, out_dir, warn=False)
    linker = CollectionLinker(config.link_scorer, threshold=config.link_threshold,
                              memo=None if folder is None else MemoStore(folder, code_fingerprint()))
    try:
        linker.cutoff()
    except (ValueError, ImportError) as exc:
        raise BuildError(f"--link-scorer {config.link_scorer!r}: {exc}") from exc
    sizes: Counter = Counter()
    for path in list_files(raw_dir):
        rel = path.relative_to(raw_dir).as_posix()
        if rel not in CONTROL_FILES:
            sizes[manifest.get(rel, DocumentMeta()).collection] += 1
    linker.expect(dict(sizes))
    return linker


def _check_built(report: BuildReport, raw_dir: Path, strict: bool) -> None:
    if not report.built:
        raise InputError(f"{raw_dir}: no readable text document (looked at {len(report.documents)} files)")
    if strict and report.skipped:
        first = report.skipped[0]
        raise InputError(f"{raw_dir.name}/{first.path}: skipped ({first.reason}); --strict allows no skip")


def _link(linker: CollectionLinker | None, rows: BuildRows, report: BuildReport, links_gold) -> list[dict]:
    """Link within each collection; links join ``pairs`` as kind ``linked``."""
    if linker is None:
        return []
    links = linker.run()
    report.link_notes = linker.notes
    variant = {d["doc_id"]: d["variant"] for d in rows.documents}
    # Each target document's links join its pairs in the spool, after its inline ones.
    per_doc: dict[str, list[dict]] = {}
    for lk in links:
        per_doc.setdefault(lk.doc_id, []).append(
            linked_pair_row(lk, mainland_span(lk.zh_original, lk.zh, variant.get(lk.doc_id, "s"))))
    for doc_id, linked in per_doc.items():
        rows.spool.add(linked, doc_id)
    if links:
        report.pair_kinds["linked"] += len(links)
    report.pairs += len(links)
    if links_gold is not None:
        report.links_gold = {**score_links(links, links_gold, linker.linked_documents, linker.linked_passages),
                             "scorer": linker.scorer_name, "threshold": linker.cutoff()}
    return [link_row(lk) for lk in links]
