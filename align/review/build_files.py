"""A finished build read back: its parquet files and ``report.json``, and which raw files
changed since.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from ..dataset.load import read_config
from ..dataset.schema import parquet_name
from ..errors import InputError

logger = logging.getLogger(__name__)

@dataclass
class BuildData:
    """The rows of a build folder, as plain dicts, in file order."""

    pairs: list[dict]
    passages: list[dict]
    documents: list[dict]
    links: list[dict] | None  # None when the build has no links config
    report: dict
    sources: dict[str, str]  # doc_id -> whether raw_dir still holds the built bytes


UNCHANGED = "unchanged since the build"


def load_build(build_dir: Path, raw_dir: Path | None = None, sources: dict[str, str] | None = None) -> BuildData:
    """Read the configs of ``build_dir``; check the sources in ``raw_dir`` if given (the
    build itself passes ``sources``: it has just read every file)."""
    build_dir = Path(build_dir)
    pairs = read_config(build_dir, "pairs")
    if pairs is None:
        raise InputError(f"{build_dir}: not a build folder (expected {parquet_name('pairs')})")
    report_file = build_dir / "report.json"
    report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.is_file() else {}
    documents = read_config(build_dir, "documents") or []
    data = BuildData(
        pairs=pairs,
        passages=read_config(build_dir, "passages") or [],
        documents=documents,
        links=read_config(build_dir, "links"),
        report=report if isinstance(report, dict) else {},
        sources=sources if sources is not None else check_sources(documents, Path(raw_dir)) if raw_dir is not None else {},
    )
    return data


def check_sources(documents: list[dict], raw_dir: Path) -> dict[str, str]:
    """For each document: whether ``raw_dir`` still holds the bytes it was built from."""
    root = raw_dir.resolve()
    found = {}
    for d in documents:
        rel = d.get("path")
        if not rel or d.get("doc_id") is None:
            continue
        path = raw_dir / rel
        if not path.resolve().is_relative_to(root):
            found[d["doc_id"]] = "outside the raw folder"
        elif not path.is_file():
            found[d["doc_id"]] = "missing from the raw folder"
        elif hashlib.sha256(path.read_bytes()).hexdigest() == d.get("sha256"):
            found[d["doc_id"]] = UNCHANGED
        else:
            found[d["doc_id"]] = "changed since the build"
    return found
