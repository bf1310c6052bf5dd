"""The JSON form of one document's processed records (a :class:`ProcessedDocument`, or the
:class:`DocumentStatus` of a document skipped after reading), for the cache of
per-document results (:mod:`align.cache`) and the shards of :mod:`align.workers`.

Explicit and versioned, never pickle: each record type is written as a list of its fields
in the order of ``*_FIELDS`` below, and the payload names ``FORMAT`` and those field lists,
so a payload written by another version of the records is refused (``ValueError``), not
misread. Every value is type-checked on the way back, so a damaged payload fails here
rather than deep inside a later stage. A cache entry holds neither the raw document nor
its manifest entry: the build has just read them, and the cache key holds their hashes. A
shard line adds the raw document (:func:`raw_to_json`): the task read it, not the build.

Two things keep an entry small (the cache holds one per document): ``src_start``/``src_end``
of the :class:`NormalizedDocument` (one int per character) go as base64 of the
little-endian 32-bit bytes of their first differences, mostly ones, which compress to
almost nothing; a passage's ``text`` and ``text_original`` are written as ``null`` when
they are exactly their slice of the normalized and of the original text (they always are
today; anything else is written out).
"""

from __future__ import annotations

import base64
from array import array
from dataclasses import fields
from itertools import product

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
    ("confidence", _FLOAT), ("shape", _STR), ("signals", "signals"), ("reviewed", _OPT_STR),
)
REJECTION_FIELDS = (
    ("doc_id", _STR), ("passage_id", _STR), ("text", _STR), ("reason", _STR), ("en", _OPT_STR), ("zh", _OPT_STR),
    ("confidence", _OPT_FLOAT), ("pair", "pair?"),
)
STATUS_FIELDS = (
    ("path", _STR), ("doc_id", _OPT_STR), ("status", _STR), ("reason", _OPT_STR), ("sha256", _OPT_STR),
    ("encoding", _OPT_STR), ("variant", _OPT_STR), ("opencc_config", _OPT_STR), ("passages", _INT),
    ("pairs", _INT), ("redistribute", "bool?"),
)
RAW_FIELDS = (("doc_id", _STR), ("path", _STR), ("text", _STR), ("sha256", _STR), ("encoding", _STR),
              ("size_bytes", _INT))
DOCUMENT_FIELDS = (("variant", _STR), ("opencc_config", _OPT_STR), ("text", _STR), ("src_start", "offsets"),
                   ("src_end", "offsets"))
_LAYOUT = {
    "Passage": PASSAGE_FIELDS, "PhrasePair": PAIR_FIELDS, "Rejection": REJECTION_FIELDS,
    "DocumentStatus": STATUS_FIELDS, "NormalizedDocument": DOCUMENT_FIELDS, "RawDocument": RAW_FIELDS,
}


def _check_layout() -> None:
    """The field lists name every field of their records (raw excepted): a new field must
    be written here, not silently lost."""
    records = {"Passage": Passage, "PhrasePair": PhrasePair, "Rejection": Rejection,
               "DocumentStatus": DocumentStatus, "NormalizedDocument": NormalizedDocument, "RawDocument": RawDocument}
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
    import numpy as np

    deltas = np.diff(np.asarray(values, dtype=np.int64), prepend=0).astype("<i4")
    return base64.b64encode(deltas.tobytes()).decode("ascii")


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


def raw_to_json(raw: RawDocument) -> list:
    """The JSON-ready form of a raw document: for the shards of :mod:`align.workers`, whose
    tasks read the files the build then does not read again."""
    return _row(raw, RAW_FIELDS)


# -- from JSON ------------------------------------------------------------------------------
def _offsets_from_json(value, length: int, limit: int) -> array:
    """The offsets back from their differences; each must point into the original text
    (``0..limit``), so a damaged entry fails here."""
    import numpy as np

    if type(value) is not str:
        raise ValueError("offsets: expected a base64 string")
    deltas = np.frombuffer(base64.b64decode(value, validate=True), dtype="<i4")
    if len(deltas) != length:
        raise ValueError(f"offsets: {len(deltas)} values for {length} characters")
    values = np.cumsum(deltas, dtype=np.int64)
    if length and (values.min() < 0 or values.max() > limit):
        raise ValueError(f"offsets: outside the original text (0..{limit})")
    out = array("i")
    out.frombytes(values.astype(f"={out.typecode}").tobytes())
    return out


def _passage(row, doc: NormalizedDocument) -> Passage:
    """A passage row, its elided texts taken from their slices again."""
    if type(row) is not list or len(row) != len(PASSAGE_FIELDS):
        raise ValueError(f"Passage: expected a list of {len(PASSAGE_FIELDS)} fields")
    row = list(row)
    norm_start, norm_end, start, end = row[7:11]
    if row[_TEXT] is None and type(norm_start) is int and type(norm_end) is int:
        row[_TEXT] = doc.text[norm_start:norm_end]
    if row[_TEXT_ORIGINAL] is None and type(start) is int and type(end) is int:
        row[_TEXT_ORIGINAL] = doc.raw.text[start:end]
    return _record("Passage", row)


# The JSON types each kind of field comes back as (floats were written with float(), so
# JSON gives them back as floats; a bool is not an int here).
_TYPES = {_STR: (str,), _INT: (int,), _FLOAT: (float,), "bool": (bool,), "signals": (list,), "pair": (list,)}


def _signatures(spec) -> frozenset[tuple[type, ...]]:
    """Every tuple of value types a row of ``spec`` may hold: a row is checked in one
    lookup rather than field by field (reading the cache is most of a warm rebuild's
    per-document time)."""
    return frozenset(product(*(_TYPES[kind.rstrip("?")] + ((type(None),) if kind.endswith("?") else ())
                               for _, kind in spec)))


_READERS = {
    "Passage": (Passage, _signatures(PASSAGE_FIELDS)),
    "PhrasePair": (PhrasePair, _signatures(PAIR_FIELDS)),
    "Rejection": (Rejection, _signatures(REJECTION_FIELDS)),
    "DocumentStatus": (DocumentStatus, _signatures(STATUS_FIELDS)),
    "NormalizedDocument": (None, _signatures(DOCUMENT_FIELDS[:3])),
    "RawDocument": (RawDocument, _signatures(RAW_FIELDS)),
}
_SIGNALS = PAIR_FIELDS.index(("signals", "signals"))
_PAIR = REJECTION_FIELDS.index(("pair", "pair?"))


def _signals(value) -> tuple[tuple[str, float], ...]:
    if not all(type(s) is list and len(s) == 2 and type(s[0]) is str and type(s[1]) is float for s in value):
        raise ValueError("PhrasePair: signals are not [name, value] pairs")
    return tuple((name, v) for name, v in value)


def _checked(name: str, row) -> list:
    if type(row) is not list or tuple(map(type, row)) not in _READERS[name][1]:
        raise ValueError(f"{name}: expected the fields {LAYOUT[name]}, found {row!r:.200}")
    return row


def _record(name: str, row):
    row = list(_checked(name, row))
    if name == "PhrasePair":
        row[_SIGNALS] = _signals(row[_SIGNALS])
    elif name == "Rejection" and row[_PAIR] is not None:
        row[_PAIR] = _record("PhrasePair", row[_PAIR])
    return _READERS[name][0](*row)


def result_from_json(data: dict, raw: RawDocument, meta: DocumentMeta) -> ProcessedDocument | DocumentStatus:
    """The records :func:`result_to_json` wrote, around the ``raw`` document and ``meta``
    they came from. Raises ``ValueError`` on any payload it did not write."""
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("layout") != _layout():
        raise ValueError("not a result of this format")
    try:
        if "status" in data:
            return _record("DocumentStatus", data["status"])
        document = data["document"]
        if type(document) is not list or len(document) != len(DOCUMENT_FIELDS):
            raise ValueError(f"NormalizedDocument: expected {len(DOCUMENT_FIELDS)} fields")
        variant, opencc_config, text = _checked("NormalizedDocument", document[:3])
        src_start, src_end = (_offsets_from_json(v, len(text), len(raw.text)) for v in document[3:])
        doc = NormalizedDocument(raw, variant, opencc_config, text, src_start, src_end)
        return ProcessedDocument(
            raw, meta, doc,
            [_passage(row, doc) for row in data["passages"]],
            [_record("PhrasePair", row) for row in data["pairs"]],
            [_record("Rejection", row) for row in data["rejections"]],
        )
    except (KeyError, TypeError, IndexError, UnicodeError) as exc:
        raise ValueError(f"damaged result: {exc!r}") from exc


def raw_from_json(row) -> RawDocument:
    """The raw document :func:`raw_to_json` wrote. Raises ``ValueError`` on anything else."""
    return _record("RawDocument", row)
