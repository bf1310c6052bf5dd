"""A built dataset read back: the rows of one config, as plain dicts in file order."""

from __future__ import annotations

from pathlib import Path

from .schema import parquet_name


def read_config(build_dir: Path, config: str) -> list[dict] | None:
    """The rows of ``config`` in ``build_dir``, or None when the build has no such file."""
    path = Path(build_dir) / parquet_name(config)
    if not path.is_file():
        return None
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()
