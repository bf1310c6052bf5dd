"""Write the built dataset as a Hugging Face dataset repository.

Layout of the output folder (the root of a Hub dataset repo)::

    README.md                        dataset card: YAML front matter + body
    pairs/train-00000-of-00001.parquet
    passages/train-00000-of-00001.parquet
    documents/train-00000-of-00001.parquet
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


def write_parquet(rows: list[dict], features, path: Path) -> None:
    """Write ``rows`` at once; fixed writer settings keep the bytes identical per build."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows, schema=features.arrow_schema)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=ROW_GROUP_ROWS, **_WRITER_OPTIONS)


class StreamingParquet:
    """Append rows in fixed-size row groups, so a large config never sits in memory."""

    def __init__(self, features, path: Path):
        import pyarrow.parquet as pq

        self.schema = features.arrow_schema
        path.parent.mkdir(parents=True, exist_ok=True)
        self.writer = pq.ParquetWriter(path, self.schema, **_WRITER_OPTIONS)
        self.buffer: list[dict] = []
        self.rows = 0

    def add(self, rows: list[dict]) -> None:
        self.buffer.extend(rows)
        self.rows += len(rows)
        while len(self.buffer) >= ROW_GROUP_ROWS:
            self._flush(self.buffer[:ROW_GROUP_ROWS])
            del self.buffer[:ROW_GROUP_ROWS]

    def _flush(self, rows: list[dict]) -> None:
        import pyarrow as pa

        table = pa.Table.from_pylist(rows, schema=self.schema)
        self.writer.write_table(table)

    def close(self) -> None:
        if self.buffer or self.rows == 0:
            self._flush(self.buffer)
            self.buffer = []
        self.writer.close()


class BuildWriter:
    """Writes a build into a temporary sibling folder and swaps it in on :meth:`commit`.

    Until then the previous output stays untouched; :meth:`abort` (or any exception in
    a ``with`` block) removes the temporary folder.
    """

    def __init__(self, out_dir: Path, splits: SplitPlan | None = None):
        self.out_dir = Path(out_dir)
        self.splits = splits or SplitPlan()
        parent = self.out_dir.resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(parent, self.out_dir.name)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.tmp-", dir=parent))
        self.features = features_spec()
        self.passages = {split: StreamingParquet(self.features["passages"], self.tmp / parquet_name("passages", split))
                         for split in self.splits.splits_of("passages")}

    def add_passages(self, rows: list[dict], doc_id: str, collection: str = "default") -> None:
        """One document's passage rows, streamed to its split's file."""
        self.passages[self.splits.split_of(doc_id, collection)].add(rows)

    def __enter__(self) -> BuildWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()

    def abort(self) -> None:
        for passages in self.passages.values():
            try:
                passages.writer.close()
            except Exception:  # noqa: BLE001 - already failing; the folder goes anyway
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)

    def commit(self, tables: dict[str, list[dict]], card_body: str, card_values: dict[str, str],
               report: dict, pretty_name: str, extra_files: dict[str, bytes] | None = None,
               finish: Callable[[Path], None] | None = None, licence: dict[str, str] | None = None) -> None:
        """Write the remaining files, then swap the folder in.

        ``finish`` is called with the finished temporary folder before the swap (the
        build writes its review page there), so what it writes is part of the same atomic
        build.
        """
        tmp = self.tmp
        for passages in self.passages.values():
            passages.close()
        collection = {d["doc_id"]: d.get("collection") or "default" for d in tables.get("documents", [])}
        for config in CONFIGS:
            if config == "passages":
                continue
            parts: dict[str, list[dict]] = {split: [] for split in self.splits.splits_of(config)}
            for row in tables[config]:
                doc_id = row.get("doc_id") or ""  # a link goes with the passage its Chinese is in
                split = self.splits.split_of(doc_id, collection.get(doc_id, "default")) if len(parts) > 1 else "train"
                parts[split].append(row)
            for split, rows in parts.items():
                write_parquet(rows, self.features[config], tmp / parquet_name(config, split))
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
