"""The build's pair rows on disk while the corpus-wide steps run (issue 14, flat memory).

Each document's pair rows are appended, as the document completes, as one record batch of
an Arrow IPC file in a temporary folder beside the build (so a killed build's spool goes
with its other leftovers). The corpus-wide figures then read back only the columns they
need and group them with pyarrow (the glossary, the variant clusters, the chrF
references), and the rows are read back one document at a time, in ``doc_id`` order, to
be scored and written. Memory holds the per-group figures and one document's rows, not
every pair of the corpus.

Arrow IPC rather than parquet: batches are written and read back as they are, with no
encoding pass, and any one of them can be read alone. pyarrow rather than DuckDB: it is
already a dependency, and these group-bys are a few columns of one file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from .text import english_key


class PairSpool:
    """Pair rows appended per document, read back by column or by document."""

    FILE = "pairs.arrow"

    def __init__(self, folder: Path, schema) -> None:
        import pyarrow as pa

        self.path = Path(folder) / self.FILE
        self.schema = schema
        self._sink = pa.OSFile(str(self.path), "wb")
        self._writer = pa.ipc.new_file(self._sink, schema)
        self._reader = None
        self._of_doc: dict[str, list[int]] = defaultdict(list)  # doc_id -> its batches, in the order added
        self.batches = 0
        self.rows = 0

    def add(self, rows: list[dict], doc_id: str) -> None:
        """One document's rows (links join their target document's after the inline ones)."""
        import pyarrow as pa

        if not rows:
            return
        if self._writer is None:
            raise ValueError(f"{self.path.name}: closed, no more rows can be added")
        self._writer.write_batch(pa.RecordBatch.from_pylist(rows, schema=self.schema))
        self._of_doc[doc_id].append(self.batches)
        self.batches += 1
        self.rows += len(rows)

    def close(self) -> None:
        """Finish the file; from here on it is read, not written."""
        import pyarrow as pa

        if self._writer is not None:
            self._writer.close()
            self._sink.close()
            self._writer = self._sink = None
            # Read, not memory-mapped: mapped pages a group-by touches would count in the
            # build's resident memory as the whole file.
            self._reader = pa.ipc.open_file(pa.OSFile(str(self.path), "rb"))

    def columns(self, names: list[str], where=None):
        """A table of the columns ``names`` (``translation`` is split into ``en`` and ``zh``)
        of every row, in the order added; ``where(batch)`` filters each batch first."""
        import pyarrow as pa

        self.close()
        parts = []
        for i in range(self.batches):
            batch = self._reader.get_batch(i)
            if where is not None:
                batch = batch.filter(where(batch))
            parts.append(_flat(batch, names))
        return pa.Table.from_batches(parts, schema=_flat(self.schema.empty_table(), names).schema) \
            if parts else _flat(self.schema.empty_table(), names)

    def documents(self) -> Iterator[tuple[str, list[dict]]]:
        """``(doc_id, rows)`` per document in ``doc_id`` order, rows in the order added."""
        self.close()
        for doc_id in sorted(self._of_doc):
            yield doc_id, [row for i in self._of_doc[doc_id] for row in self._reader.get_batch(i).to_pylist()]

    def remove(self) -> None:
        self.close()
        self._reader = None
        self.path.unlink(missing_ok=True)


def _flat(batch, names: list[str]):
    """The columns ``names`` of a batch or table, ``en``/``zh`` taken from ``translation``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays = []
    for name in names:
        if name in ("en", "zh"):
            arrays.append(pc.struct_field(batch.column("translation"), name))
        else:
            arrays.append(batch.column(name))
    if isinstance(batch, pa.RecordBatch):
        return pa.RecordBatch.from_arrays(arrays, names=names)
    return pa.Table.from_arrays(arrays, names=names)


def english_keys(en):
    """:func:`align.text.english_key` of each value of the string array ``en``, computed
    once per distinct value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    distinct = pc.unique(en)
    keys = pa.array([english_key(e) for e in distinct.to_pylist()], type=pa.string())
    return keys.take(pc.index_in(en, value_set=distinct))
