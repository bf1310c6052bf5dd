"""Stage 6: write the built dataset as a Hugging Face dataset repository.

Layout of the output folder (the root of a Hub dataset repo)::

    README.md                        dataset card: YAML front matter + body
    pairs/train-00000-of-00001.parquet
    passages/train-00000-of-00001.parquet
    documents/train-00000-of-00001.parquet
    report.json                      what happened to every raw file, and why

Everything is written into a temporary sibling folder and swapped in only when
complete, so a failed or interrupted build leaves the previous output intact.
Output is deterministic: rows sorted, no timestamps, no absolute paths.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from string import Template
from typing import Any

from .errors import BuildError

CONFIGS = ("pairs", "passages", "documents")


def features_spec() -> dict[str, Any]:
    """``datasets.Features`` per config (built lazily: ``datasets`` is heavy)."""
    from datasets import Features, Sequence, Translation, Value

    return {
        "pairs": Features(
            {
                "translation": Translation(languages=["en", "zh"]),
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
                "flags": Sequence(Value("string")),
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
            }
        ),
    }


def parquet_name(config: str) -> str:
    return f"{config}/train-00000-of-00001.parquet"


def write_parquet(rows: list[dict], features, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = features.arrow_schema
    table = pa.Table.from_pylist(rows, schema=schema)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Fixed writer settings keep the bytes identical from one build to the next.
    pq.write_table(
        table,
        path,
        compression="zstd",
        compression_level=9,
        row_group_size=100_000,
        write_statistics=True,
        use_dictionary=True,
        store_schema=True,
    )


def yaml_front_matter(meta: dict[str, Any]) -> str:
    import yaml

    # safe_dump quotes anything article-derived that would break the YAML.
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000) + "---\n"


def dataset_card_meta(features: dict, counts: dict[str, int], pretty_name: str,
                      size_bytes: dict[str, int]) -> dict[str, Any]:
    total = counts.get("pairs", 0)
    size = "n<1K" if total < 1000 else "1K<n<10K" if total < 10_000 else "10K<n<100K" if total < 100_000 else "100K<n<1M"
    return {
        "pretty_name": pretty_name,
        "language": ["zh", "en"],
        "license": "other",
        "multilinguality": ["translation"],
        "task_categories": ["translation"],
        "size_categories": [size],
        "tags": ["alignment", "parallel-phrases", "chinese", "opencc"],
        "configs": [
            {
                "config_name": config,
                "data_files": [{"split": "train", "path": parquet_name(config)}],
                **({"default": True} if config == "pairs" else {}),
            }
            for config in CONFIGS
        ],
        "dataset_info": [
            {
                "config_name": config,
                "features": features[config]._to_yaml_list(),
                "splits": [{"name": "train", "num_bytes": size_bytes[config], "num_examples": counts[config]}],
            }
            for config in CONFIGS
        ],
    }


def render_card(template_text: str, meta: dict[str, Any], values: dict[str, str]) -> str:
    return yaml_front_matter(meta) + Template(template_text).substitute(values)


def write_build(out_dir: Path, tables: dict[str, list[dict]], card_body: str,
                card_values: dict[str, str], report: dict, pretty_name: str,
                extra_files: dict[str, bytes] | None = None) -> None:
    """Write every output into a temporary folder, then swap it in for ``out_dir``."""
    out_dir = Path(out_dir)
    parent = out_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=parent))
    try:
        features = features_spec()
        for config in CONFIGS:
            write_parquet(tables[config], features[config], tmp / parquet_name(config))
        for rel, data in sorted((extra_files or {}).items()):
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (tmp / "report.json").write_text(
            json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        counts = {c: len(tables[c]) for c in CONFIGS}
        sizes = {c: (tmp / parquet_name(c)).stat().st_size for c in CONFIGS}
        meta = dataset_card_meta(features, counts, pretty_name, sizes)
        (tmp / "README.md").write_text(render_card(card_body, meta, card_values), encoding="utf-8")
        _fsync_tree(tmp)
        _swap(tmp, out_dir.resolve())
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())


def _swap(new: Path, out: Path) -> None:
    """Replace ``out`` by ``new``: two renames, the old tree kept until the second."""
    old = None
    if out.exists():
        if not out.is_dir():
            raise BuildError(f"{out.name}: exists and is not a folder")
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        old.rmdir()
        os.replace(out, old)
    try:
        os.replace(new, out)
    except OSError as exc:
        if old is not None:
            os.replace(old, out)
        raise BuildError(f"{out.name}: could not be replaced ({exc.strerror})") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
