"""Values computed from one key alone (a text's word segmentation, a word's dictionary
glosses, a text's encoder pieces), kept between builds in ``memo.sqlite`` in the user's
cache folder (:func:`align.cache.cache_folder`): what loading jieba, CC-CEDICT and the
encoder's tokenizer would otherwise cost every small build.

Values are JSON, read back with :func:`json.loads` (nothing is unpickled); each belongs to
a generation, the fingerprint of the code and libraries that computed it
(:func:`align.cache.code_fingerprint`), and only the most recent generations are kept.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

MEMO_FILE = "memo.sqlite"
KEEP_GENERATIONS = 8  # as many as the cache of per-document results keeps
_CHUNK = 500  # keys per query of prefetch
TOUCH_AFTER = 3600.0  # seconds: a generation's time of use is brought up to date this often at most


class MemoStore:
    """``get`` gives back what ``put`` stored under the same kind and key in the same
    generation. Opened on first use; long keys are stored as their hash. A store that cannot
    be opened, read or written is only slower, never an error. Safe to share between threads."""

    def __init__(self, folder: Path, generation: str) -> None:
        self.folder = Path(folder)
        self.path = self.folder / MEMO_FILE
        self.fingerprint = generation
        self._pending: list[tuple[str, str, str]] = []
        self._db: sqlite3.Connection | None = None
        self._generation: int | None = None
        self._failed = False
        self._lock = threading.Lock()
        self._read: dict[str, dict[str, str | None]] = {}  # per kind, what prefetch read (None: absent)

    def _connection(self) -> sqlite3.Connection | None:
        if self._db is None and not self._failed:
            try:
                self._db = self._connect()
            except (OSError, sqlite3.Error) as exc:
                self._failed = True
                logger.warning("%s: memo not usable (%s); linking without it", self.path, exc)
        return self._db

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            found = self._find(db)
            # A write only when the generation is new or its time of use is stale: a warm
            # build that computes nothing then writes nothing (a write, and the checkpoint
            # it costs when the file closes, was most of the memo's time).
            if found is None or found[1] < time.time() - TOUCH_AFTER:
                with db:
                    db.execute("BEGIN IMMEDIATE")
                    db.execute("CREATE TABLE IF NOT EXISTS generations (id INTEGER PRIMARY KEY, fingerprint TEXT "
                               "UNIQUE NOT NULL, used REAL NOT NULL)")
                    db.execute("CREATE TABLE IF NOT EXISTS memo (generation INTEGER NOT NULL, kind TEXT NOT NULL, "
                               "key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (generation, kind, key)) "
                               "WITHOUT ROWID")
                    db.execute("INSERT INTO generations (fingerprint, used) VALUES (?, ?) ON CONFLICT (fingerprint) "
                               "DO UPDATE SET used = excluded.used", (self.fingerprint, time.time()))
                    if found is None:
                        kept = "SELECT id FROM generations ORDER BY used DESC LIMIT ?"
                        db.execute(f"DELETE FROM memo WHERE generation NOT IN ({kept})", (KEEP_GENERATIONS,))
                        db.execute(f"DELETE FROM generations WHERE id NOT IN ({kept})", (KEEP_GENERATIONS,))
                found = self._find(db)
            self._generation = found[0]
            return db
        except BaseException:
            db.close()
            raise

    def _find(self, db: sqlite3.Connection) -> tuple[int, float] | None:
        """This generation's id and time of use, if it is there."""
        try:
            return db.execute("SELECT id, used FROM generations WHERE fingerprint = ?", (self.fingerprint,)).fetchone()
        except sqlite3.OperationalError:  # a new file: no table yet
            return None

    @staticmethod
    def _key(key: str) -> str:
        return key if len(key) <= 64 else hashlib.sha256(key.encode("utf-8")).hexdigest()

    def prefetch(self, kind: str, keys: Iterable[str]) -> None:
        """Read the values of ``keys`` in a few queries: :meth:`get` then answers them
        without one (a query each cost more than the lookups themselves)."""
        with self._lock:
            wanted = sorted({self._key(k) for k in keys} - self._read.get(kind, {}).keys())
            db = self._connection() if wanted else None
            if db is None:
                return
            read = self._read.setdefault(kind, {})
            try:
                for i in range(0, len(wanted), _CHUNK):
                    chunk = wanted[i:i + _CHUNK]
                    read.update(dict.fromkeys(chunk))  # absent unless found
                    read.update(db.execute(f"SELECT key, value FROM memo WHERE generation = ? AND kind = ? AND key IN "
                                           f"({','.join('?' * len(chunk))})", (self._generation, kind, *chunk)))
            except sqlite3.Error as exc:
                logger.warning("%s: memo not readable (%s)", self.path, exc)

    def get(self, kind: str, key: str):
        """The value stored, or ``None``."""
        key = self._key(key)
        with self._lock:
            read = self._read.get(kind, {})
            if key in read:
                value = read[key]
            else:
                db = self._connection()
                if db is None:
                    return None
                try:
                    row = db.execute("SELECT value FROM memo WHERE generation = ? AND kind = ? AND key = ?",
                                     (self._generation, kind, key)).fetchone()
                except sqlite3.Error as exc:
                    logger.warning("%s: memo not readable (%s)", self.path, exc)
                    return None
                value = None if row is None else row[0]
        try:
            return None if value is None else json.loads(value)
        except ValueError as exc:
            logger.warning("%s: memo entry not readable (%s)", self.path, exc)
            return None

    def put(self, kind: str, key: str, value) -> None:
        """Keep ``value`` (JSON-serializable), written by :meth:`flush`."""
        with self._lock:
            if not self._failed:
                self._pending.append((kind, self._key(key), json.dumps(value, ensure_ascii=False,
                                                                       separators=(",", ":"))))

    def flush(self) -> None:
        """Write what was put, in one transaction (a failure only loses it)."""
        with self._lock:
            pending, self._pending = self._pending, []
            db = self._connection() if pending else None
            if db is None:
                return
            try:
                with db:
                    db.execute("BEGIN IMMEDIATE")
                    db.executemany("INSERT OR REPLACE INTO memo VALUES (?, ?, ?, ?)",
                                   [(self._generation, *row) for row in pending])
            except sqlite3.Error as exc:
                logger.warning("%s: memo not written (%s)", self.path, exc)

    def close(self) -> None:
        self.flush()
        with self._lock:
            self._read.clear()
            if self._db is not None:
                self._db.close()
                self._db = None


# The store in use (:func:`kept_in`); None: every value is computed.
_store: MemoStore | None = None


@contextmanager
def kept_in(store: MemoStore | None):
    """While open, :func:`memo` reads from and adds to ``store`` (none: computes); closed at the end."""
    global _store
    if store is None or _store is not None:
        yield
        return
    _store = store
    try:
        yield
    finally:
        _store = None
        store.close()


def in_use() -> bool:
    """Whether a store is in use (:func:`kept_in`)."""
    return _store is not None


def prefetch(kind: str, keys: Iterable[str]) -> None:
    """:meth:`MemoStore.prefetch` on the store in use, if any."""
    if _store is not None:
        _store.prefetch(kind, keys)


def memo(kind: str, key: str, compute: Callable[[], Iterable]) -> list:
    """``list(compute())``, or what the store in use holds of it."""
    store = _store
    if store is None:
        return list(compute())
    found = store.get(kind, key)
    if isinstance(found, list):
        return found
    value = list(compute())
    store.put(kind, key, value)
    return value
