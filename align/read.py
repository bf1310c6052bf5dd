"""Stage 1: find the files of a raw folder and decode them.

Every file ends up either as a :class:`RawDocument` or as a skip with a reason;
nothing is dropped silently. Decoding tries, in order: a byte-order mark, strict
UTF-8, then charset-normalizer limited to the encodings Chinese text comes in,
confirmed by a check that the result reads as Chinese (short texts fool detectors).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .config import DEFAULT_MAX_BYTES
from .errors import EmptyDocumentError, EncodingError, InputError
from .manifest import CONTROL_FILES
from .records import RawDocument
from .text import is_han

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({"", ".txt", ".text", ".md", ".markdown", ".html", ".htm"})
# Files of the raw folder that are configuration, not articles.

# Magic numbers of the binaries scrapers leave behind.
_MAGIC = (
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document"),
    (b"PK\x03\x04", "zip archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\x7fELF", "ELF executable"),
    (b"RIFF", "RIFF media file"),
)
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# Encodings Chinese articles come in, most specific first: gb18030 is a superset of
# GBK and GB2312, big5hkscs of Big5.
CHINESE_ENCODINGS = ("gb18030", "big5hkscs", "utf-16-le", "utf-16-be")


@dataclass(frozen=True, slots=True)
class SkippedFile:
    path: str
    reason: str


def _cjk_share(text: str) -> float:
    letters = [ch for ch in text if not ch.isspace()]
    if not letters:
        return 0.0
    cjk = sum(1 for ch in letters if is_han(ch))
    return cjk / len(letters)


def _plausible_share(text: str) -> float:
    """Share of characters a Chinese article is made of: ASCII, CJK ideographs and
    punctuation, full-width forms. Text decoded with the wrong codec scatters into other
    scripts (Hangul, Yi, combining marks), which this catches."""
    letters = [ch for ch in text if not ch.isspace()]
    if not letters:
        return 0.0
    ok = 0
    for ch in letters:
        o = ord(ch)
        if (32 < o < 127 or 0x4E00 <= o <= 0x9FFF or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF
                or 0x2000 <= o <= 0x206F or o in (0xB7, 0xA0) or 0x3400 <= o <= 0x4DBF):
            ok += 1
    return ok / len(letters)


_BAD = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd]")


def _bad_share(text: str) -> float:
    """Share of characters no real article contains (controls, private use, replacement)."""
    if not text:
        return 0.0
    return sum(1 for _ in _BAD.finditer(text)) / len(text)


def decode_bytes(data: bytes, name: str, encoding: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding)``; raise :class:`EncodingError` naming ``name``."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise EncodingError(path=name, reason=f"not valid {encoding} ({exc})") from None
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise EncodingError(path=name, reason=f"has a {enc} byte-order mark but {exc}") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates: list[tuple[float, str, str]] = []
    for enc in CHINESE_ENCODINGS:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _bad_share(text) > 0.001 or _plausible_share(text) < 0.97:
            continue
        candidates.append((_cjk_share(text), enc, text))
    if not candidates:
        raise EncodingError(path=name, reason="not valid UTF-8, UTF-16, GB18030 or Big5-HKSCS")
    best_detected = _detect(data)
    # Prefer the detector's answer when it decodes to Chinese as well as the best one.
    top = max(c[0] for c in candidates)
    for share, enc, text in candidates:
        if best_detected and _same_codec(enc, best_detected) and share >= top - 0.02:
            return text, enc
    share, enc, text = max(candidates, key=lambda c: c[0])
    if share < 0.05:
        raise EncodingError(path=name, reason=f"decodes as {enc} but does not read as Chinese text")
    return text, enc


def _same_codec(a: str, b: str) -> bool:
    import codecs

    try:
        na, nb = codecs.lookup(a).name, codecs.lookup(b).name
    except LookupError:
        return False
    families = ({"gb18030", "gbk", "gb2312"}, {"big5hkscs", "big5", "cp950"})
    return na == nb or any(na in f and nb in f for f in families)


def _detect(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    match = from_bytes(data[:200_000], cp_isolation=["gb18030", "big5hkscs", "big5", "utf_16"]).best()
    return match.encoding if match else None


def read_file(path: Path, raw_dir: Path, encoding: str | None = None,
              max_bytes: int = DEFAULT_MAX_BYTES) -> RawDocument:
    """Read and decode one file; raise an :class:`InputError` saying why not."""
    rel = path.relative_to(raw_dir).as_posix()
    shown = f"{raw_dir.name}/{rel}"
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(path=shown, reason=f"{size} bytes is over the limit of {max_bytes} bytes")
    try:
        data = path.read_bytes()
    except PermissionError:
        raise InputError(path=shown, reason="permission denied") from None
    except OSError as exc:
        raise InputError(path=shown, reason=f"cannot be read ({exc.strerror})") from None
    if not data.strip():
        raise EmptyDocumentError(path=shown, reason="the file is empty")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(path=shown, reason=f"a binary file ({what}), not text")
    text, enc = decode_bytes(data, shown, encoding)
    if not text.strip("\ufeff \t\r\n\x00"):
        raise EmptyDocumentError(path=shown, reason="the file holds only whitespace")
    if _bad_share(text) > 0.10:
        raise InputError(path=shown, reason=f"looks binary ({_bad_share(text):.0%} control characters)")
    return RawDocument(
        doc_id=_doc_id(rel),
        path=rel,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=enc,
        size_bytes=size,
    )


def _doc_id(rel: str) -> str:
    return rel.rsplit(".", 1)[0] if "." in rel.rsplit("/", 1)[-1] else rel


def list_files(raw_dir: Path) -> list[Path]:
    """All candidate files under ``raw_dir``, sorted, hidden ones left out."""
    found = []
    for root, dirs, files in os.walk(raw_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        # os.walk does not descend into linked folders; list them so they get a reason.
        found.extend(Path(root) / d for d in dirs if (Path(root) / d).is_symlink())
        for name in sorted(files):
            if name.startswith("."):
                continue
            found.append(Path(root) / name)
    # Sorted by document id, the order every output is written in.
    return sorted(found, key=lambda p: (_doc_id(p.relative_to(raw_dir).as_posix()), p.name))


def document_paths(raw_dir: Path) -> list[Path]:
    """The files of ``raw_dir`` the build reports on, in the order it writes them: every
    candidate of :func:`list_files` but the control files (the manifest)."""
    if not raw_dir.is_dir():
        raise InputError(f"{raw_dir}: no such folder")
    return [p for p in list_files(raw_dir) if p.relative_to(raw_dir).as_posix() not in CONTROL_FILES]


def read_path(path: Path, raw_dir: Path, encoding: str | None = None,
              max_bytes: int = DEFAULT_MAX_BYTES) -> RawDocument | SkippedFile:
    """One file of :func:`document_paths` as a document, or as a skip with its reason."""
    rel = path.relative_to(raw_dir).as_posix()
    if path.is_symlink():
        target = path.resolve()
        if not target.exists():
            return SkippedFile(rel, "dangling symbolic link")
        what = "folder" if target.is_dir() else "file"
        if not target.is_relative_to(raw_dir.resolve()):
            return SkippedFile(rel, f"symbolic link to a {what} outside the raw folder")
        if target.is_dir():
            return SkippedFile(rel, "symbolic link to a folder (not followed)")
    if not path.is_file():
        return SkippedFile(rel, "not a regular file")
    if path.suffix.lower() not in TEXT_SUFFIXES:
        return SkippedFile(rel, f"not a text file extension ({path.suffix})")
    try:
        return read_file(path, raw_dir, encoding, max_bytes)
    except InputError as exc:
        logger.warning("%s", exc)
        return SkippedFile(rel, exc.reason or str(exc))


def read_folder(raw_dir: Path, encodings: dict[str, str] | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[RawDocument | SkippedFile]:
    """Yield each file of ``raw_dir`` as a document or as a skip with its reason."""
    encodings = encodings or {}
    for path in document_paths(raw_dir):
        yield read_path(path, raw_dir, encodings.get(path.relative_to(raw_dir).as_posix()), max_bytes)
