"""Write the built dataset as a Hugging Face dataset repository.

Layout of the output folder (the root of a Hub dataset repo)::

    README.md                        dataset card: YAML front matter + body
    pairs/train-00000-of-00001.parquet     one config, one split: its shards (a few hundred
    passages/train-00000-of-00003.parquet  MB each, BuildConfig.shard_bytes), named when the
    passages/train-00001-of-00003.parquet  last is written
    ...
    report.json                      what happened to every raw file, and why

Everything is written into a temporary sibling folder and swapped in only when
complete, so a failed or interrupted build leaves the previous output intact.
Output is deterministic: rows sorted, no timestamps, no absolute paths.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..config import DEFAULT_SHARD_BYTES
from ..errors import BuildError
from .card import write_card
from .schema import CONFIGS, features_spec, parquet_name
from .splits import SplitPlan

_WRITER_OPTIONS = dict(
    compression="zstd",
    compression_level=9,
    write_statistics=True,
    use_dictionary=True,
    store_schema=True,
)
ROW_GROUP_ROWS = 50_000
# A row group is also cut at this much Arrow memory (or at the shard size, if smaller), so
# that a shard can be closed between two of them and no more than this sits in memory.
ROW_GROUP_BYTES = 64 * 1024 * 1024
# The configs that grow with the corpus: written a document at a time, never held whole.
STREAMED = ("passages", "pairs")


def write_file(rows: list[dict], features, path: Path) -> None:
    """Write ``rows`` at once into one file; fixed writer settings keep the bytes identical per build."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows, schema=features.arrow_schema)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=ROW_GROUP_ROWS, **_WRITER_OPTIONS)


def write_parquet(rows: list[dict], features, folder: Path, config: str, split: str = "train",
                  shard_bytes: int = DEFAULT_SHARD_BYTES) -> list[Path]:
    """Write ``rows`` as the shards of ``(config, split)`` in ``folder``; return their paths."""
    shards = ShardedParquet(features, folder, config, split, shard_bytes)
    shards.add(rows)
    return shards.close()


class ShardedParquet:
    """The rows of one ``(config, split)``, appended in row groups and rolled over to a new
    shard once a shard's file reaches ``shard_bytes``: a large config never sits in memory,
    and no file outgrows what the Hub serves well.

    Shards are written under temporary names and renamed ``{split}-{k:05d}-of-{n:05d}.parquet``
    by :meth:`close`, when ``n`` is known. A shard is closed only between row groups, so it
    can pass the limit by up to one row group. Rows keep the order they were added in: the
    shards read in order give the one file a single shard would hold.
    """

    def __init__(self, features, folder: Path, config: str, split: str, shard_bytes: int = DEFAULT_SHARD_BYTES):
        self.schema = features.arrow_schema
        self.folder, self.config, self.split = Path(folder), config, split
        self.shard_bytes = shard_bytes
        self.group_bytes = min(ROW_GROUP_BYTES, shard_bytes)
        self.pending: list = []  # Arrow tables not yet written
        self.pending_rows = self.pending_bytes = 0
        self.rows = 0
        self.parts: list[Path] = []
        self.writer = self.sink = None

    def add(self, rows: list[dict]) -> None:
        import pyarrow as pa

        if not rows:
            return
        table = pa.Table.from_pylist(rows, schema=self.schema)
        self.pending.append(table)
        self.pending_rows += table.num_rows
        self.pending_bytes += table.nbytes
        self.rows += table.num_rows
        while self.pending_rows >= ROW_GROUP_ROWS or self.pending_bytes >= self.group_bytes:
            self._write_group()

    def _write_group(self) -> None:
        """Write the first row group of the pending rows: up to ROW_GROUP_ROWS rows, and as
        many as fit in ``group_bytes`` (at least one)."""
        import pyarrow as pa

        table = pa.concat_tables(self.pending).combine_chunks()
        n = min(ROW_GROUP_ROWS, table.num_rows)
        if table.slice(0, n).nbytes > self.group_bytes:
            low, high = 1, n  # the most rows that fit: slices cost nothing to measure
            while low < high:
                mid = (low + high + 1) // 2
                low, high = (mid, high) if table.slice(0, mid).nbytes <= self.group_bytes else (low, mid - 1)
            n = low
        self._write(table.slice(0, n))
        rest = table.slice(n)
        self.pending = [rest] if rest.num_rows else []
        self.pending_rows, self.pending_bytes = rest.num_rows, rest.nbytes

    def _write(self, table) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self.writer is None:
            path = self.folder / self.config / f".{self.split}-{len(self.parts):05d}.partial"
            path.parent.mkdir(parents=True, exist_ok=True)
            self.parts.append(path)
            self.sink = pa.OSFile(str(path), "wb")
            self.writer = pq.ParquetWriter(self.sink, self.schema, **_WRITER_OPTIONS)
        self.writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
        if self.sink.tell() >= self.shard_bytes:  # the row groups written so far, footer aside
            self._close_shard()

    def _close_shard(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.sink.close()
            self.writer = self.sink = None

    def close(self) -> list[Path]:
        """Write what is pending, close the last shard and give the shards their names."""
        import pyarrow as pa

        while self.pending_rows:
            self._write_group()
        if not self.parts:  # no rows: one empty file, so the config and split still exist
            self._write(pa.Table.from_pylist([], schema=self.schema))
        self._close_shard()
        n = len(self.parts)
        named = [self.folder / parquet_name(self.config, self.split, k, n) for k in range(n)]
        for part, path in zip(self.parts, named, strict=True):
            os.replace(part, path)
        return named

    def abort(self) -> None:
        try:
            self._close_shard()
        except Exception:  # noqa: BLE001 - already failing; the folder goes anyway
            pass


class BuildWriter:
    """Writes a build into a temporary sibling folder and swaps it in on :meth:`commit`.

    Until then the previous output stays untouched; :meth:`abort` (or any exception in
    a ``with`` block) removes the temporary folder.
    """

    def __init__(self, out_dir: Path, splits: SplitPlan | None = None, shard_bytes: int = DEFAULT_SHARD_BYTES):
        self.out_dir = Path(out_dir)
        self.splits = splits or SplitPlan()
        self.shard_bytes = shard_bytes
        parent = self.out_dir.resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(parent, self.out_dir.name)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.tmp-", dir=parent))
        self.features = features_spec()
        # The configs whose rows come a document at a time, each split its own shards.
        self.streams = {config: {split: ShardedParquet(self.features[config], self.tmp, config, split, shard_bytes)
                                 for split in self.splits.splits_of(config)} for config in STREAMED}

    def add_passages(self, rows: list[dict], doc_id: str, collection: str = "default") -> None:
        """One document's passage rows, streamed to its split's file."""
        self.add_rows("passages", rows, doc_id, collection)

    def add_rows(self, config: str, rows: list[dict], doc_id: str, collection: str = "default") -> None:
        """Rows of one document for a config of :data:`STREAMED`, streamed to its split's
        file; rows keep the order they are added in."""
        self.streams[config][self.splits.split_of(doc_id, collection)].add(rows)

    def __enter__(self) -> BuildWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()

    def abort(self) -> None:
        for streams in self.streams.values():
            for stream in streams.values():
                stream.abort()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def commit(self, tables: dict[str, list[dict]], card_body: str, card_values: dict[str, str],
               report: dict, pretty_name: str, extra_files: dict[str, bytes] | None = None,
               finish: Callable[[Path], None] | None = None, licence: dict[str, str] | None = None) -> None:
        """Write the remaining files, then swap the folder in.

        ``tables`` holds the rows of every config but those of :data:`STREAMED`, which
        were added before (:meth:`add_rows`). ``finish`` is called with the finished
        temporary folder before the swap (the
        build writes its review page there), so what it writes is part of the same atomic
        build.
        """
        tmp = self.tmp
        for streams in self.streams.values():
            for stream in streams.values():
                stream.close()
        collection = {d["doc_id"]: d.get("collection") or "default" for d in tables.get("documents", [])}
        for config in CONFIGS:
            if config in STREAMED:
                continue
            parts: dict[str, list[dict]] = {split: [] for split in self.splits.splits_of(config)}
            for row in tables[config]:
                doc_id = row.get("doc_id") or ""  # a link goes with the passage its Chinese is in
                split = self.splits.split_of(doc_id, collection.get(doc_id, "default")) if len(parts) > 1 else "train"
                parts[split].append(row)
            for split, rows in parts.items():
                write_parquet(rows, self.features[config], tmp, config, split, self.shard_bytes)
        for rel, data in sorted((extra_files or {}).items()):
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (tmp / "report.json").write_text(
            json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        write_card(tmp, card_body, card_values, self.features, pretty_name, licence)
        if finish is not None:
            finish(tmp)
        _fsync_tree(tmp)
        _swap(tmp, self.out_dir.resolve())


def _remove_stale_temporaries(parent: Path, name: str) -> None:
    """Leftovers of a build that was killed (SIGKILL leaves no chance to clean up)."""
    for stale in parent.glob(f".{name}.tmp-*"):
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
    for stale in parent.glob(f".{name}.old-*"):
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())


def _swap(new: Path, out: Path) -> None:
    """Replace ``out`` by ``new``: two renames, the old tree kept until the second."""
    old = None
    if out.exists():
        if not out.is_dir():
            raise BuildError(f"{out.name}: exists and is not a folder")
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        old.rmdir()
        os.replace(out, old)
    try:
        os.replace(new, out)
    except OSError as exc:
        if old is not None:
            os.replace(old, out)
        raise BuildError(f"{out.name}: could not be replaced ({exc.strerror})") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
