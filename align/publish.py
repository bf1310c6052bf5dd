"""The publish view of a build: the folder ``align push`` uploads, made from ``build/``.

``build/`` keeps every article's full text for its user. What leaves the machine carries
no more of a document than the sentences its pairs and links come from, unless the
manifest lets it go in full (:func:`align.licenses.redistribution`). For each other
document:

- ``passages`` keeps, of each passage that holds a pair's or a link's span, one row per
  run of consecutive sentences holding one (same ``passage_id``, ``kind`` and
  ``speaker``; ``text``, ``text_original`` and ``start``/``end`` are the run's, so
  ``text_original`` is still exactly the original file's ``[start:end]``, the promise the
  schema makes); other passages are left out. Offsets everywhere stay offsets into the
  original file, as the card says. Each shard of ``passages`` is cut on its own and keeps its
  name (a shard can end up smaller, or empty: the card's glob still finds every one).
- ``report.json`` leaves out the dropped readings, gold misses and unmatched review
  verdicts whose text is not in those sentences.
- ``report/`` (the review page shows whole articles) and ``tokenizer/spm.model`` (its
  vocabulary holds fragments of every passage) are held back.

Sentences are cut where a pair's ``context`` is (:data:`align.text.SENTENCE_END`, and
line ends), in the normalized text; the offset map of :func:`align.normalize.normalize_source`
carries each cut into ``text_original``.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .dataset.card import HUB_ID
from .dataset.figures import SplitFigures, shards_figures
from .dataset.load import read_config, split_files
from .dataset.schema import features_spec
from .dataset.writer import write_file
from .errors import PublishError
from .licenses import redistribution
from .normalize import normalize_source
from .text import SENTENCE_END

# Files that hold whole articles (or pieces of every passage): only when every document may go.
FULL_TEXT_FILES = {
    "report/": "the review page shows whole articles",
    "tokenizer/spm.model": "its vocabulary holds fragments of every passage",
}


@dataclass
class PublishPlan:
    """What a push uploads (``files``, relative to the staged folder) and what it holds
    back, one line each (``held_back``)."""

    files: list[str]
    held_back: list[str] = field(default_factory=list)


def stage(build_dir: Path, files: list[str], out_dir: Path, repo_id: str | None = None) -> PublishPlan:
    """Write the publish view of ``files`` of ``build_dir`` into ``out_dir``; return the plan.
    With ``repo_id``, the card names that repository where the build could only say
    :data:`HUB_ID`."""
    build_dir, out_dir = Path(build_dir), Path(out_dir)
    restricted = restricted_documents(build_dir)
    plan = PublishPlan(files=[])
    if restricted:
        held = f"{len(restricted)} of the documents may not be redistributed"
        for rel in files:
            for prefix, why in FULL_TEXT_FILES.items():
                if rel == prefix or (prefix.endswith("/") and rel.startswith(prefix)):
                    plan.held_back.append(f"{rel}: {why}, and {held}")
                    break
            else:
                plan.files.append(rel)
    else:
        plan.files = list(files)
    for rel in plan.files:
        (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(build_dir / rel, out_dir / rel)
    if restricted and any(rel.startswith("passages/") for rel in plan.files):
        _reduce(build_dir, out_dir, restricted, plan)
    if repo_id and "README.md" in plan.files:
        card = out_dir / "README.md"
        card.write_text(card.read_text(encoding="utf-8").replace(HUB_ID, repo_id), encoding="utf-8")
    return plan


def restricted_documents(build_dir: Path) -> dict[str, str]:
    """``doc_id -> why`` of every built document that may not be published in full."""
    documents = read_config(build_dir, "documents") or []
    report = _read_json(build_dir / "report.json")
    explicit = {d.get("doc_id"): d.get("redistribute") for d in report.get("documents", [])}
    out = {}
    for d in documents:
        full, why = redistribution(d.get("license"), explicit.get(d["doc_id"]))
        if not full:
            out[d["doc_id"]] = why
    return out


def _reduce(build_dir: Path, out_dir: Path, restricted: dict[str, str], plan: PublishPlan) -> None:
    documents = {d["doc_id"]: d for d in read_config(build_dir, "documents") or []}
    spans = _spans(build_dir, restricted)
    import pyarrow.parquet as pq

    kept_text = defaultdict(list)
    counts = defaultdict(lambda: [0, 0, 0])  # doc_id -> passages, passages kept, sentence runs
    figures: dict[str, tuple[int, SplitFigures]] = {}  # split -> rows before, the published files' figures
    for split, paths in split_files(build_dir, "passages").items():
        before, published = 0, []
        for path in paths:  # shard by shard: each is cut into the published shard of its name
            rel = path.relative_to(build_dir).as_posix()
            if rel not in plan.files:
                continue
            passages, rows = pq.read_table(path).to_pylist(), []
            for p in passages:
                doc_id = p["doc_id"]
                if doc_id not in restricted:
                    rows.append(p)
                    continue
                counts[doc_id][0] += 1
                runs = sentence_runs(p, spans[doc_id], documents[doc_id])
                if runs:
                    counts[doc_id][1] += 1
                    counts[doc_id][2] += len(runs)
                rows.extend(runs)
                kept_text[doc_id].extend(r["text"] for r in runs)
            write_file(rows, features_spec()["passages"], out_dir / rel)
            before += len(passages)
            published.append(out_dir / rel)
        if published:
            figures[split] = (before, shards_figures(published))
    for doc_id, why in sorted(restricted.items()):
        total, kept, runs = counts[doc_id]
        plan.held_back.append(
            f"{doc_id}: {total - kept} of {total} passages left out, {kept} cut to the {runs} sentence run(s) "
            f"holding its pairs and links ({why})")
    _rewrite_card(out_dir / "README.md", figures)
    _rewrite_report(out_dir / "report.json", restricted, kept_text, plan)


def _spans(build_dir: Path, restricted: dict[str, str]) -> dict[str, list[tuple[int, int]]]:
    """Original-file offsets of every pair's and link's Chinese and English, per document."""
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for r in read_config(build_dir, "pairs") or []:
        spans[r["doc_id"]].append((r["start"], r["end"]))
        if r["en_start"] is not None:
            spans[r["doc_id"]].append((r["en_start"], r["en_end"]))
    for r in read_config(build_dir, "links") or []:
        spans[r["doc_id"]].append((r["start"], r["end"]))
        spans[r["source_doc_id"]].append((r["source_start"], r["source_end"]))
    return {d: spans.get(d, []) for d in restricted}


def sentence_runs(passage: dict, spans: list[tuple[int, int]], document: dict) -> list[dict]:
    """The rows ``passage`` becomes: one per run of consecutive sentences that overlap one
    of ``spans`` (original-file offsets); none when no span falls in it, or when its
    normalized text cannot be rebuilt from ``text_original`` to find the sentences."""
    base, original = passage["start"], passage["text_original"]
    inside = [(a - base, b - base) for a, b in spans if a < passage["end"] and b > base]
    if not inside:
        return []
    text, _, src_start, src_end = normalize_source(original, document["path"], document["variant"])
    if text != passage["text"]:
        return []  # no offset map to cut by: leaving the passage out is the safe side
    runs: list[list[int]] = []  # [norm_a, norm_b, orig_a, orig_b]
    previous_kept = False
    for a, b in _sentences(text):
        oa, ob = src_start[a], src_end[b - 1]
        kept = any(sa < ob and sb > oa for sa, sb in inside)
        if kept and previous_kept:
            runs[-1][1], runs[-1][3] = b, ob
        elif kept:
            runs.append([a, b, oa, ob])
        previous_kept = kept
    return [{**passage, "text": text[a:b], "text_original": original[oa:ob], "start": base + oa, "end": base + ob}
            for a, b, oa, ob in runs]


def _sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text``, surrounding whitespace left out."""
    out, a = [], 0
    for i, ch in enumerate(text):
        if ch in SENTENCE_END or ch == "\n" or i == len(text) - 1:
            b = i + 1 if ch != "\n" else i
            while a < b and text[a].isspace():
                a += 1
            end = b
            while end > a and text[end - 1].isspace():
                end -= 1
            if end > a:
                out.append((a, end))
            a = i + 1
    return out


def _rewrite_card(path: Path, figures: dict[str, tuple[int, SplitFigures]]) -> None:
    """The card's passages figures, for the rows published (metadata and body), read from
    the published files; ``figures`` is ``split -> (rows before, the published shards' figures)``."""
    from huggingface_hub import DatasetCard

    if not path.read_text(encoding="utf-8").startswith("---\n"):
        raise PublishError(f"{path.name}: no YAML front matter; rebuild with `align build`")
    card = DatasetCard.load(path)
    for info in card.data.get("dataset_info", []):
        if info.get("config_name") == "passages":
            for split in info["splits"]:
                if split["name"] in figures:
                    published = figures[split["name"]][1]
                    split.update(num_bytes=published.num_bytes, num_examples=published.num_examples)
            info.update(download_size=sum(f.download_size for _, f in figures.values()),
                        dataset_size=sum(f.num_bytes for _, f in figures.values()))
    before = sum(n for n, _ in figures.values())
    after = sum(f.num_examples for _, f in figures.values())
    card.text = card.text.replace(f"**passages** ({before} rows)",
                                  f"**passages** ({after} rows: of documents that may not be redistributed, "
                                  "only the sentences of their pairs and links)", 1)
    card.save(path)


def _rewrite_report(path: Path, restricted: dict[str, str], kept_text: dict[str, list[str]],
                    plan: PublishPlan) -> None:
    """Leave out the dropped readings, gold misses and unmatched review verdicts whose
    English or Chinese is not in the published sentences of their (restricted) document."""
    if not path.is_file():
        return
    report = _read_json(path)
    left_out = 0
    corrections = report.get("corrections") if isinstance(report.get("corrections"), dict) else {}
    for holder, key in ((report, "dropped_below_min_confidence"), (report, "gold_misses"),
                        (corrections, "unmatched")):
        entries = holder.get(key) or []
        keep = [e for e in entries if e.get("doc_id") not in restricted
                or all(any(s and s in t for t in kept_text[e["doc_id"]])
                       for s in (e.get("en"), e.get("zh"), e.get("zh_fixed")) if s)]
        left_out += len(entries) - len(keep)
        if key in holder:
            holder[key] = keep
    if left_out:
        plan.held_back.append(f"report.json: {left_out} dropped reading(s), gold miss(es) and unmatched "
                              "verdict(s) left out (their text is outside the published sentences)")
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError) as exc:
        raise PublishError(f"{path.parent.name}/{path.name}: cannot be read ({exc}); rebuild with `align build`") from None
    return data if isinstance(data, dict) else {}
