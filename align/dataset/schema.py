"""The dataset's configs: each column's type and the one function per config that turns a
record into a row. The card's ``dataset_info`` and the parquet writer both read the types
from here.

The types are written in the terms of the Hub's ``datasets.Features`` (``Value``,
``Translation``, lists, structs) but built with pyarrow alone: a build never imports
``datasets`` (a second of start-up for a small build). They give the same Arrow schema,
the same ``huggingface`` schema metadata and the same card ``features`` list as
``datasets`` 4–5 would (``tests/test_card.py`` compares them when ``datasets`` is installed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..records import DocumentMeta, Link, NormalizedDocument, Passage, PhrasePair, RawDocument, VariantCluster
from ..score import chrf

SIGNAL_FIELDS = ("chrf", "dict", "content", "order", "embedding", "match", "runner_up")

CONFIGS = ("pairs", "passages", "documents", "links", "variants", "glossary")


@dataclass(frozen=True)
class Value:
    """One scalar column: ``string``, ``int64`` or ``float64``."""

    dtype: str

    def arrow(self):
        import pyarrow as pa

        return {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64()}[self.dtype]

    def to_dict(self) -> dict:
        return {"dtype": self.dtype, "_type": "Value"}

    def yaml(self, name: str) -> dict:
        return {"name": name, "dtype": self.dtype}


@dataclass(frozen=True)
class Translation:
    """A translation pair: one string per language, the languages sorted."""

    languages: tuple[str, ...]

    def arrow(self):
        import pyarrow as pa

        return pa.struct([(lang, pa.string()) for lang in sorted(self.languages)])

    def to_dict(self) -> dict:
        return {"languages": list(self.languages), "_type": "Translation"}

    def yaml(self, name: str) -> dict:
        return {"name": name, "dtype": {"translation": {"languages": list(self.languages)}}}


@dataclass(frozen=True)
class List:
    """A list of values, or of structs (a dict of field types)."""

    feature: Any

    def arrow(self):
        import pyarrow as pa

        return pa.list_(_arrow(self.feature))

    def to_dict(self) -> dict:
        return {"feature": _to_dict(self.feature), "_type": "List"}

    def yaml(self, name: str) -> dict:
        inner = self.feature
        return {"name": name, "list": _yaml_fields(inner) if isinstance(inner, dict) else inner.dtype}


def _arrow(feature):
    import pyarrow as pa

    if isinstance(feature, dict):
        return pa.struct([(name, _arrow(f)) for name, f in feature.items()])
    return feature.arrow()


def _to_dict(feature) -> dict:
    return {name: _to_dict(f) for name, f in feature.items()} if isinstance(feature, dict) else feature.to_dict()


def _yaml_fields(fields: dict) -> list[dict]:
    return [{"name": name, "struct": _yaml_fields(f)} if isinstance(f, dict) else f.yaml(name)
            for name, f in fields.items()]


class Features(dict):
    """The column types of one config, in order."""

    @property
    def arrow_schema(self):
        import pyarrow as pa

        metadata = {"huggingface": json.dumps({"info": {"features": _to_dict(dict(self))}})}
        return pa.schema([(name, _arrow(f)) for name, f in self.items()], metadata=metadata)

    def yaml_list(self) -> list[dict]:
        """The card's ``dataset_info.features``."""
        return _yaml_fields(dict(self))


def features_spec() -> dict[str, Features]:
    """The column types per config."""
    return {
        "pairs": Features(
            {
                "translation": Translation(languages=("en", "zh")),
                "zh_mainland": Value("string"),
                "zh_original": Value("string"),
                "doc_id": Value("string"),
                "passage_id": Value("string"),
                "kind": Value("string"),
                "shape": Value("string"),
                "start": Value("int64"),
                "end": Value("int64"),
                "en_start": Value("int64"),
                "en_end": Value("int64"),
                "context": Value("string"),
                "confidence": Value("float64"),
                "chrf": Value("float64"),
                "sp_tokens_en": Value("int64"),
                "sp_tokens_zh": Value("int64"),
                "length_ratio": Value("float64"),
                "flags": List(Value("string")),
                "reviewed": Value("string"),
            }
        ),
        "links": Features(
            {
                "en": Value("string"),
                "gloss": Value("string"),
                "source_doc_id": Value("string"),
                "source_start": Value("int64"),
                "source_end": Value("int64"),
                "doc_id": Value("string"),
                "passage_id": Value("string"),
                "zh": Value("string"),
                "zh_original": Value("string"),
                "start": Value("int64"),
                "end": Value("int64"),
                "score": Value("float64"),
                "margin": Value("float64"),
                "chrf": Value("float64"),
                "signals": {name: Value("float64") for name in SIGNAL_FIELDS},
            }
        ),
        "glossary": Features(
            {
                "en": Value("string"),
                "zh": Value("string"),
                "zh_mainland": Value("string"),
                "count": Value("int64"),
                "doc_ids": List(Value("string")),
                "kinds": List(Value("string")),
                "mean_confidence": Value("float64"),
                "variant_of": Value("string"),
            }
        ),
        "variants": Features(
            {
                "en": Value("string"),
                "en_variants": List(Value("string")),
                "renderings": List(
                    {"zh": Value("string"), "zh_mainland": Value("string"), "doc_ids": List(Value("string")),
                     "count": Value("int64")}
                ),
            }
        ),
        "passages": Features(
            {
                "passage_id": Value("string"),
                "doc_id": Value("string"),
                "kind": Value("string"),
                "speaker": Value("string"),
                "text": Value("string"),
                "text_original": Value("string"),
                "start": Value("int64"),
                "end": Value("int64"),
            }
        ),
        "documents": Features(
            {
                "doc_id": Value("string"),
                "path": Value("string"),
                "sha256": Value("string"),
                "encoding": Value("string"),
                "variant": Value("string"),
                "opencc_config": Value("string"),
                "chars": Value("int64"),
                "passages": Value("int64"),
                "pairs": Value("int64"),
                "title": Value("string"),
                "source_url": Value("string"),
                "license": Value("string"),
                "collection": Value("string"),
            }
        ),
    }


def parquet_name(config: str, split: str = "train", shard: int = 0, shards: int = 1) -> str:
    """Shard ``shard`` of ``shards`` of ``(config, split)``, named as the Hub names them."""
    return f"{config}/{split}-{shard:05d}-of-{shards:05d}.parquet"


def parquet_glob(config: str, split: str = "train") -> str:
    """Every shard of ``(config, split)``: the card's ``data_files`` path."""
    return f"{config}/{split}-*.parquet"


def pair_row(p: PhrasePair, zh_mainland: str | None = None) -> dict:
    """``zh_mainland``: the Chinese with mainland vocabulary (default: ``zh``)."""
    return {
        "translation": {"en": p.en, "zh": p.zh},
        "zh_mainland": p.zh if zh_mainland is None else zh_mainland,
        "zh_original": p.zh_original,
        "doc_id": p.doc_id,
        "passage_id": p.passage_id,
        "kind": p.kind,
        "shape": p.shape,
        "start": p.start,
        "end": p.end,
        "en_start": p.en_start,
        "en_end": p.en_end,
        "context": p.context,
        "confidence": p.confidence,
        "flags": [],
        "reviewed": p.reviewed,
    }


def passage_row(p: Passage) -> dict:
    return {
        "passage_id": p.passage_id,
        "doc_id": p.doc_id,
        "kind": p.kind,
        "speaker": p.speaker,
        "text": p.text,
        "text_original": p.text_original,
        "start": p.start,
        "end": p.end,
    }


def link_row(lk: Link) -> dict:
    signals = dict(lk.signals)
    return {
        "en": lk.en,
        "gloss": lk.gloss,
        "source_doc_id": lk.source_doc_id,
        "source_start": lk.source_start,
        "source_end": lk.source_end,
        "doc_id": lk.doc_id,
        "passage_id": lk.passage_id,
        "zh": lk.zh,
        "zh_original": lk.zh_original,
        "start": lk.start,
        "end": lk.end,
        "score": lk.score,
        "margin": lk.margin,
        "chrf": chrf(lk.zh, [lk.gloss]) if lk.gloss else None,
        "signals": {k: signals.get(k) for k in SIGNAL_FIELDS},
    }


def linked_pair_row(lk: Link, zh_mainland: str | None = None) -> dict:
    """A link as a row of ``pairs`` (kind ``linked``), for users who load only pairs."""
    return {
        "translation": {"en": lk.en, "zh": lk.zh},
        "zh_mainland": lk.zh if zh_mainland is None else zh_mainland,
        "zh_original": lk.zh_original,
        "doc_id": lk.doc_id,
        "passage_id": lk.passage_id,
        "kind": "linked",
        "shape": "link",
        "start": lk.start,
        "end": lk.end,
        "en_start": None,  # the English is in another document: see the links config
        "en_end": None,
        "context": lk.zh,
        "confidence": round(min(max(lk.score, 0.0), 1.0), 4),
        "flags": [],
        "reviewed": None,
    }


def variant_row(c: VariantCluster) -> dict:
    return {
        "en": c.en,
        "en_variants": list(c.en_variants),
        "renderings": [{"zh": r.zh, "zh_mainland": r.zh_mainland or r.zh, "doc_ids": list(r.doc_ids), "count": r.count}
                       for r in c.renderings],
    }


def document_row(raw: RawDocument, meta: DocumentMeta, doc: NormalizedDocument, passages: int, pairs: int) -> dict:
    return {
        "doc_id": raw.doc_id,
        "path": raw.path,
        "sha256": raw.sha256,
        "encoding": raw.encoding,
        "variant": doc.variant,
        "opencc_config": doc.opencc_config or "none",
        "chars": len(raw.text),
        "passages": passages,
        "pairs": pairs,
        "title": meta.title,
        "source_url": meta.source_url,
        "license": meta.license,
        "collection": meta.collection,
    }
