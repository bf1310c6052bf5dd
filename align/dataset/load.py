"""A built dataset read back: the rows of one config, as plain dicts in file order."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import BuildError
from .splits import SPLIT_NAMES


def read_config(build_dir: Path, config: str) -> list[dict] | None:
    """The rows of ``config`` in ``build_dir``, every split in order (train, validation,
    test) and each split's shards in order, or None when the build has no file of that config."""
    paths = [path for shards in split_files(build_dir, config).values() for path in shards]
    if not paths:
        return None
    import pyarrow.parquet as pq

    return [row for path in paths for row in pq.read_table(path).to_pylist()]


def read_columns(build_dir: Path, config: str, columns: list[str]):
    """The columns ``columns`` of ``config`` as one pyarrow table, rows in :func:`read_config`'s
    order (empty when the build has no file of that config)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .schema import features_spec

    paths = [path for shards in split_files(build_dir, config).values() for path in shards]
    if not paths:
        return features_spec()[config].arrow_schema.empty_table().select(columns)
    return pa.concat_tables([pq.read_table(path, columns=columns) for path in paths])


def first_rows(build_dir: Path, config: str, n: int) -> list[dict]:
    """The first ``n`` rows of ``config`` (fewer when it has fewer), reading no more of it."""
    import pyarrow.parquet as pq

    out: list[dict] = []
    for shards in split_files(build_dir, config).values():
        for path in shards:
            file = pq.ParquetFile(path)
            for i in range(file.num_row_groups):
                if len(out) >= n:
                    return out
                out += file.read_row_group(i).slice(0, n - len(out)).to_pylist()
    return out


def split_files(build_dir: Path, config: str) -> dict[str, list[Path]]:
    """``split -> its shards, in order`` of ``config`` in ``build_dir`` (only the splits
    that have files). Only a complete set of shards counts (``k`` of ``n``, every ``k``
    below the same ``n``): a missing shard is an error, not fewer rows."""
    found: dict[str, list[Path]] = {}
    for split in SPLIT_NAMES[3]:
        shards = {}
        for path in sorted((Path(build_dir) / config).glob(f"{split}-*-of-*.parquet")):
            match = re.fullmatch(rf"{split}-(\d{{5}})-of-(\d{{5}})\.parquet", path.name)
            if match and path.is_file():
                shards[int(match[1]), int(match[2])] = path
        if not shards:
            continue
        counts = {n for _, n in shards}
        if len(counts) != 1 or sorted(k for k, _ in shards) != list(range(counts.pop())):
            names = ", ".join(p.name for p in shards.values())
            raise BuildError(f"{Path(build_dir).name}/{config}: the shards of {split} are not one complete set "
                             f"({names}); rebuild with `align build`")
        found[split] = [shards[key] for key in sorted(shards)]
    return found
