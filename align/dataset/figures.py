"""The figures the card gives of each written split, read back from its parquet files
themselves (summed over the shards), so the card cannot say anything the files do not hold."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .load import split_files
from .schema import CONFIGS


@dataclass(frozen=True, slots=True)
class SplitFigures:
    """One ``(config, split)``, one file or the sum over its shards: its rows, their size in
    memory (Arrow, as read back; the card's ``num_bytes``) and the files' size (its
    ``download_size``)."""

    num_examples: int
    num_bytes: int
    download_size: int


def parquet_figures(path: Path) -> SplitFigures:
    import pyarrow.parquet as pq

    file = pq.ParquetFile(path)
    # One row group at a time: the passages of a large build never sit in memory at once.
    nbytes = sum(file.read_row_group(i).nbytes for i in range(file.num_row_groups))
    return SplitFigures(file.metadata.num_rows, nbytes, Path(path).stat().st_size)


def shards_figures(paths: list[Path]) -> SplitFigures:
    """The figures of one split: those of its shards, added up."""
    each = [parquet_figures(path) for path in paths]
    return SplitFigures(sum(f.num_examples for f in each), sum(f.num_bytes for f in each),
                        sum(f.download_size for f in each))


def folder_figures(folder: Path) -> dict[tuple[str, str], SplitFigures]:
    """``(config, split) -> figures`` of the parquet files in ``folder``, configs in
    :data:`CONFIGS` order and splits in train, validation, test order."""
    return {(config, split): shards_figures(paths)
            for config in CONFIGS for split, paths in split_files(folder, config).items()}
