"""The JSON form of one document's processed records (a :class:`ProcessedDocument`, or the
:class:`DocumentStatus` of a document skipped after reading), for the cache of
per-document results (:mod:`align.cache`).

Explicit and versioned, never pickle: each record type is written as a list of its fields
in the order of ``*_FIELDS`` below, and the payload names ``FORMAT`` and those field lists,
so a payload written by another version of the records is refused (``ValueError``), not
misread. Every value is type-checked on the way back, so a damaged payload fails here
rather than deep inside a later stage. The raw document and its manifest entry are not
stored: the build has just read them, and the cache key holds their hashes.

Two things keep an entry small (the cache holds one per document): ``src_start``/``src_end``
of the :class:`NormalizedDocument` (one int per character) go as base64 of the
little-endian 32-bit bytes of their first differences, mostly ones, which compress to
almost nothing; a passage's ``text`` and ``text_original`` are written as ``null`` when
they are exactly their slice of the normalized and of the original text (they always are
today; anything else is written out).
"""

from __future__ import annotations

import base64
import sys
from array import array
from dataclasses import fields
from itertools import accumulate

from .records import (
    DocumentMeta,
    DocumentStatus,
    NormalizedDocument,
    Passage,
    PhrasePair,
    ProcessedDocument,
    RawDocument,
    Rejection,
)

FORMAT = 1

_STR, _INT, _FLOAT, _OPT_STR, _OPT_FLOAT = "str", "int", "float", "str?", "float?"
PASSAGE_FIELDS = (
    ("passage_id", _STR), ("doc_id", _STR), ("index", _INT), ("kind", _STR), ("speaker", _OPT_STR),
    ("text", _STR), ("text_original", _STR), ("norm_start", _INT), ("norm_end", _INT), ("start", _INT),
    ("end", _INT), ("body_offset", _INT),
)
PAIR_FIELDS = (
    ("doc_id", _STR), ("passage_id", _STR), ("en", _STR), ("zh", _STR), ("zh_original", _STR), ("kind", _STR),
    ("start", _INT), ("end", _INT), ("en_start", _INT), ("en_end", _INT), ("context", _STR),
    ("confidence", _FLOAT), ("shape", _STR), ("signals", "signals"),
)
REJECTION_FIELDS = (
    ("doc_id", _STR), ("passage_id", _STR), ("text", _STR), ("reason", _STR), ("en", _OPT_STR), ("zh", _OPT_STR),
    ("confidence", _OPT_FLOAT), ("pair", "pair?"),
)
STATUS_FIELDS = (
    ("path", _STR), ("doc_id", _OPT_STR), ("status", _STR), ("reason", _OPT_STR), ("sha256", _OPT_STR),
    ("encoding", _OPT_STR), ("variant", _OPT_STR), ("opencc_config", _OPT_STR), ("passages", _INT),
    ("pairs", _INT),
)
DOCUMENT_FIELDS = (("variant", _STR), ("opencc_config", _OPT_STR), ("text", _STR), ("src_start", "offsets"),
                   ("src_end", "offsets"))
_LAYOUT = {
    "Passage": PASSAGE_FIELDS, "PhrasePair": PAIR_FIELDS, "Rejection": REJECTION_FIELDS,
    "DocumentStatus": STATUS_FIELDS, "NormalizedDocument": DOCUMENT_FIELDS,
}


def _check_layout() -> None:
    """The field lists name every field of their records (raw excepted): a new field must
    be written here, not silently lost."""
    records = {"Passage": Passage, "PhrasePair": PhrasePair, "Rejection": Rejection,
               "DocumentStatus": DocumentStatus, "NormalizedDocument": NormalizedDocument}
    for name, cls in records.items():
        have = [f.name for f in fields(cls) if f.name != "raw"]
        if have != [n for n, _ in _LAYOUT[name]]:
            raise TypeError(f"align.records_json: {name} has the fields {have}; update {name.upper()}_FIELDS")


_check_layout()
LAYOUT = {name: tuple(n for n, _ in spec) for name, spec in _LAYOUT.items()}


def _layout() -> dict[str, list[str]]:
    """``LAYOUT`` as JSON reads it back (lists), a fresh copy each time."""
    return {name: list(names) for name, names in LAYOUT.items()}


# -- to JSON --------------------------------------------------------------------------------
def _offsets_to_json(values: array) -> str:
    out = array("i", (b - a for a, b in zip((0, *values), values, strict=False)))
    if sys.byteorder == "big":
        out.byteswap()
    return base64.b64encode(out.tobytes()).decode("ascii")


def _value_to_json(kind: str, value):
    if value is None:
        return None
    if kind == "signals":
        return [[name, float(v)] for name, v in value]
    if kind == "pair?":
        return _row(value, PAIR_FIELDS)
    if kind == "offsets":
        return _offsets_to_json(value)
    if kind in (_FLOAT, _OPT_FLOAT):
        return float(value)
    if kind == _INT:
        return int(value)
    return value


def _row(record, spec) -> list:
    return [_value_to_json(kind, getattr(record, name)) for name, kind in spec]


_TEXT, _TEXT_ORIGINAL = 5, 6  # where PASSAGE_FIELDS has text and text_original


def _passage_row(p: Passage, doc: NormalizedDocument) -> list:
    row = _row(p, PASSAGE_FIELDS)
    if p.text == doc.text[p.norm_start:p.norm_end]:
        row[_TEXT] = None
    if p.text_original == doc.raw.text[p.start:p.end]:
        row[_TEXT_ORIGINAL] = None
    return row


def result_to_json(result: ProcessedDocument | DocumentStatus) -> dict:
    """The JSON-ready form of what :func:`align.pipeline.process_document` returned."""
    head = {"format": FORMAT, "layout": _layout()}
    if isinstance(result, DocumentStatus):
        return {**head, "status": _row(result, STATUS_FIELDS)}
    return {
        **head,
        "document": _row(result.doc, DOCUMENT_FIELDS),
        "passages": [_passage_row(p, result.doc) for p in result.passages],
        "pairs": [_row(p, PAIR_FIELDS) for p in result.pairs],
        "rejections": [_row(r, REJECTION_FIELDS) for r in result.rejections],
    }


# -- from JSON ------------------------------------------------------------------------------
def _offsets_from_json(value, length: int) -> array:
    if not isinstance(value, str):
        raise ValueError("offsets: expected a base64 string")
    out = array("i")
    if out.itemsize != 4:  # pragma: no cover - no such platform in use
        raise ValueError("offsets: this platform's C int is not 32 bits")
    out.frombytes(base64.b64decode(value.encode("ascii"), validate=True))
    if sys.byteorder == "big":
        out.byteswap()
    if len(out) != length:
        raise ValueError(f"offsets: {len(out)} values for {length} characters")
    try:
        return array("i", accumulate(out))
    except OverflowError as exc:
        raise ValueError(f"offsets: {exc}") from exc


def _passage(row, doc: NormalizedDocument) -> Passage:
    """A passage row, its elided texts taken from their slices again."""
    if not isinstance(row, list) or len(row) != len(PASSAGE_FIELDS):
        raise ValueError(f"passage: expected a list of {len(PASSAGE_FIELDS)} fields")
    row = list(row)
    norm_start, norm_end, start, end = row[7:11]
    if row[_TEXT] is None and isinstance(norm_start, int) and isinstance(norm_end, int):
        row[_TEXT] = doc.text[norm_start:norm_end]
    if row[_TEXT_ORIGINAL] is None and isinstance(start, int) and isinstance(end, int):
        row[_TEXT_ORIGINAL] = doc.raw.text[start:end]
    return _record(Passage, PASSAGE_FIELDS, row)


_PLAIN = {_STR: (str,), _INT: (int,), _FLOAT: (float, int)}


def _value_from_json(name: str, kind: str, value):
    if value is None and kind.endswith("?"):
        return None
    base = kind.rstrip("?")
    if base in _PLAIN:
        if not isinstance(value, _PLAIN[base]) or isinstance(value, bool):
            raise ValueError(f"{name}: expected {base}, found {type(value).__name__}")
        return float(value) if base == _FLOAT else value
    if base == "signals":
        if not isinstance(value, list) or not all(
                isinstance(s, list) and len(s) == 2 and isinstance(s[0], str) and isinstance(s[1], (float, int))
                for s in value):
            raise ValueError(f"{name}: expected [name, value] pairs")
        return tuple((s[0], float(s[1])) for s in value)
    if base == "pair":
        return _record(PhrasePair, PAIR_FIELDS, value)
    raise ValueError(f"{name}: unexpected value")


def _values(spec, row) -> list:
    if not isinstance(row, list) or len(row) != len(spec):
        raise ValueError(f"expected a list of {len(spec)} fields")
    return [_value_from_json(name, kind, v) for (name, kind), v in zip(spec, row, strict=True)]


def _record(cls, spec, row):
    return cls(*_values(spec, row))


def result_from_json(data: dict, raw: RawDocument, meta: DocumentMeta) -> ProcessedDocument | DocumentStatus:
    """The records :func:`result_to_json` wrote, around the ``raw`` document and ``meta``
    they came from. Raises ``ValueError`` on any payload it did not write."""
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("layout") != _layout():
        raise ValueError("not a result of this format")
    try:
        if "status" in data:
            return _record(DocumentStatus, STATUS_FIELDS, data["status"])
        spec = DOCUMENT_FIELDS[:3]
        variant, opencc_config, text = _values(spec, data["document"][:3])
        src_start, src_end = (_offsets_from_json(v, len(text)) for v in data["document"][3:])
        doc = NormalizedDocument(raw, variant, opencc_config, text, src_start, src_end)
        return ProcessedDocument(
            raw, meta, doc,
            [_passage(row, doc) for row in data["passages"]],
            [_record(PhrasePair, PAIR_FIELDS, row) for row in data["pairs"]],
            [_record(Rejection, REJECTION_FIELDS, row) for row in data["rejections"]],
        )
    except (KeyError, TypeError, IndexError, UnicodeError) as exc:
        raise ValueError(f"damaged result: {exc!r}") from exc
