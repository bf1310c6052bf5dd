"""The raw folder's manifest: per-file title, source URL, licence, whether it may be
redistributed, script, encoding and collection, from ``manifest.toml`` or ``manifest.yaml``."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

from .config import SCRIPT_VARIANTS
from .errors import ManifestError
from .records import DocumentMeta

CONTROL_FILES = frozenset({"manifest.toml", "manifest.yaml", "manifest.yml"})
MANIFEST_FIELDS = {"title", "source_url", "variant", "encoding", "license", "redistribute", "collection"}


def load_manifest(raw_dir: Path) -> dict[str, DocumentMeta]:
    """Per-file metadata from ``manifest.toml`` or ``manifest.yaml`` in the raw folder.

    Shape (TOML)::

        [documents."000_article.txt"]
        title = "…"
        source_url = "https://…"
        variant = "hk"          # overrides script detection: hk, tw, t or s
        encoding = "big5hkscs"  # overrides encoding detection
        license = "…"           # an SPDX id (CC-BY-4.0, MIT, …) or any text
        redistribute = true     # publish the full text whatever the licence says (or false: never)
        collection = "spc-2024" # documents of one collection are linked with each other

    A folder without a manifest is one collection, ``default``.
    """
    path = _find_manifest(raw_dir)
    if path is None:
        return {}
    shown = f"{raw_dir.name}/{path.name}"
    documents = _documents_table(_parse(path, shown), shown)
    return {Path(rel).as_posix(): _document_meta(raw_dir, rel, fields, f"{shown}: documents.{rel!r}")
            for rel, fields in sorted(documents.items())}


def _find_manifest(raw_dir: Path) -> Path | None:
    found = [raw_dir / name for name in sorted(CONTROL_FILES) if (raw_dir / name).is_file()]
    if len(found) > 1:
        raise ManifestError(f"{raw_dir.name}: more than one manifest ({', '.join(p.name for p in found)})")
    return found[0] if found else None


def _parse(path: Path, shown: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".toml":
            import tomllib

            return tomllib.loads(text)
        import yaml

        return yaml.safe_load(text) or {}
    except Exception as exc:  # noqa: BLE001 - any parse error is the user's file
        raise ManifestError(f"{shown}: cannot be parsed ({type(exc).__name__}: {exc})") from None


def _documents_table(data: Any, shown: str) -> dict:
    documents = data.get("documents", {}) if isinstance(data, dict) else None
    if not isinstance(documents, dict):
        raise ManifestError(f"{shown}: expected a 'documents' table keyed by file name")
    return documents


def _document_meta(raw_dir: Path, rel: str, fields: Any, where: str) -> DocumentMeta:
    """One file's entry, checked: inside the raw folder, known fields, strings, a known
    script and encoding."""
    if not isinstance(fields, dict):
        raise ManifestError(f"{where}: expected a table of fields")
    if Path(rel).is_absolute() or ".." in Path(rel).parts or "\\" in rel or \
            not (raw_dir / rel).resolve().is_relative_to(raw_dir.resolve()):
        raise ManifestError(f"{where}: names a file outside the raw folder")
    unknown = set(fields) - MANIFEST_FIELDS
    if unknown:
        raise ManifestError(f"{where}: unknown field(s) {sorted(unknown)}; expected {sorted(MANIFEST_FIELDS)}")
    if any(not isinstance(v, str) for k, v in fields.items() if k != "redistribute"):
        raise ManifestError(f"{where}: every field but redistribute must be a string")
    if not isinstance(fields.get("redistribute", False), bool):
        raise ManifestError(f"{where}: redistribute must be true or false")
    if fields.get("variant") and fields["variant"] not in SCRIPT_VARIANTS:
        raise ManifestError(f"{where}: variant must be one of {', '.join(SCRIPT_VARIANTS)}")
    if fields.get("encoding"):
        try:
            codecs.lookup(fields["encoding"])
        except LookupError:
            raise ManifestError(f"{where}: unknown encoding {fields['encoding']!r}") from None
    return DocumentMeta(**{"collection": "default", **fields})
