"""A built dataset read back: the rows of one config, as plain dicts in file order."""

from __future__ import annotations

from pathlib import Path

from .schema import parquet_name
from .splits import SPLIT_NAMES


def read_config(build_dir: Path, config: str) -> list[dict] | None:
    """The rows of ``config`` in ``build_dir``, every split in order (train, validation,
    test), or None when the build has no file of that config."""
    paths = list(split_files(build_dir, config).values())
    if not paths:
        return None
    import pyarrow.parquet as pq

    return [row for path in paths for row in pq.read_table(path).to_pylist()]


def split_files(build_dir: Path, config: str) -> dict[str, Path]:
    """``split -> file`` of ``config`` in ``build_dir`` (only the files that exist)."""
    names = SPLIT_NAMES[3]
    found = {s: Path(build_dir) / parquet_name(config, s) for s in names}
    return {s: path for s, path in found.items() if path.is_file()}
