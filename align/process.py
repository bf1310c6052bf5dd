"""The per-document stages chained for one file: read -> normalize -> segment -> extract.

Each file of a raw folder comes out as a :class:`ProcessedDocument` or as the
:class:`DocumentStatus` of a skip with its reason, through the cache of per-document
results (:mod:`align.cache`) when there is one. :func:`process_folder` runs them in one
process, in path order; :mod:`align.workers` runs the same :func:`process_file` in
datatrove tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from .cache import DocumentCache, NoCache
from .config import BuildConfig
from .extract import extract_pairs
from .manifest import load_manifest
from .normalize import normalize_document
from .pair_model import PairModel
from .read import SkippedFile, read_folder
from .records import DocumentMeta, DocumentStatus, NormalizedDocument, Passage, ProcessedDocument, RawDocument
from .segment import segment_document
from .text import has_han

Result = ProcessedDocument | DocumentStatus


def prepare_document(raw: RawDocument, meta: DocumentMeta, variant: str = "auto"
                     ) -> tuple[NormalizedDocument, list[Passage]] | str:
    """Normalize and segment ``raw``; a string is the reason it is skipped."""
    norm = normalize_document(raw, meta.variant or variant)
    if not has_han(norm.text):
        return "no Chinese text"
    return norm, segment_document(norm)


def process_document(raw: RawDocument, meta: DocumentMeta, config: BuildConfig,
                     model: PairModel) -> Result:
    """The per-document stages; a skipped document comes back as its status."""
    prepared = prepare_document(raw, meta, config.variant)
    if isinstance(prepared, str):
        return DocumentStatus(raw.path, raw.doc_id, "skipped", prepared, sha256=raw.sha256, encoding=raw.encoding)
    norm, passages = prepared
    pairs, rejections = extract_pairs(norm, passages, model, threshold(config, model))
    return ProcessedDocument(raw, meta, norm, passages, pairs, rejections)


def process_file(item: RawDocument | SkippedFile, manifest: dict[str, DocumentMeta], config: BuildConfig,
                 model: PairModel, cache: DocumentCache | NoCache) -> Result:
    """What the build makes of one file the reader returned (a skip stays a skip)."""
    if isinstance(item, SkippedFile):
        return DocumentStatus(item.path, None, "skipped", item.reason)
    meta = manifest.get(item.path, DocumentMeta())
    return cache.result(item, meta, partial(process_document, item, meta, config, model))


def process_folder(raw_dir: Path, config: BuildConfig, model: PairModel,
                   manifest: dict[str, DocumentMeta] | None = None,
                   progress: Callable[[str], None] | None = None, cache: DocumentCache | NoCache | None = None,
                   ) -> Iterator[Result]:
    """Every file of ``raw_dir`` through :func:`process_document`, one at a time, in path
    order; with a ``cache``, through it (a document it holds is not processed again)."""
    manifest = load_manifest(raw_dir) if manifest is None else manifest
    encodings = {rel: m.encoding for rel, m in manifest.items() if m.encoding}
    cache = cache or NoCache()
    for item in read_folder(raw_dir, encodings=encodings, max_bytes=config.max_bytes):
        if progress:
            progress(item.path)
        yield process_file(item, manifest, config, model, cache)


def threshold(config: BuildConfig, model: PairModel) -> float:
    """The confidence below which pairs are dropped: the setting's, else the model's."""
    return model.min_confidence if config.min_confidence is None else config.min_confidence
