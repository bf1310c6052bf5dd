"""The library entry point: ``build(raw_dir, out_dir) -> BuildReport``.

read -> normalize -> segment -> extract, one document at a time (passages go straight to
disk); then, over the whole build, link -> score -> publish -> review page.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from . import __version__, score
from .config import BuildConfig
from .dataset.schema import document_row, link_row, linked_pair_row, pair_row, passage_row, variant_row
from .errors import BuildError, InputError
from .evaluate import EvalResult, correct_flags, evaluate, score_links
from .extract import extract_pairs
from .gold import load_gold, load_link_gold
from .link import CollectionLinker
from .normalize import normalize_document
from .pair_model import PairModel, shipped_model
from .publish import BuildWriter
from .read import CONTROL_FILES, DocumentMeta, SkippedFile, list_files, load_manifest, read_folder
from .records import DocumentStatus, NormalizedDocument, Passage, PhrasePair, RawDocument, Rejection
from .report import write_report
from .segment import segment_document
from .variants import CLUSTER_KINDS, variant_clusters

logger = logging.getLogger(__name__)

PRETTY_NAME = "Inline Chinese–English phrase pairs"


@dataclass
class BuildReport:
    documents: list[DocumentStatus] = field(default_factory=list)
    pair_kinds: Counter = field(default_factory=Counter)
    rejections: Counter = field(default_factory=Counter)
    passages: int = 0
    pairs: int = 0
    gold: EvalResult | None = None
    tokenizer_vocab: int = 0
    calibration: dict | None = None
    links: int = 0
    variants: int = 0
    links_gold: dict | None = None
    link_notes: list[str] = field(default_factory=list)
    min_confidence: float = 0.0
    dropped: list = field(default_factory=list)  # readings below min_confidence (Rejection)

    @property
    def built(self) -> list[DocumentStatus]:
        return [d for d in self.documents if d.status == "built"]

    @property
    def skipped(self) -> list[DocumentStatus]:
        return [d for d in self.documents if d.status == "skipped"]

    def as_dict(self) -> dict:
        return {
            "align_version": __version__,
            "documents": [_status_dict(d) for d in self.documents],
            "totals": {
                "documents_built": len(self.built),
                "documents_skipped": len(self.skipped),
                "passages": self.passages,
                "pairs": self.pairs,
                "pairs_by_kind": dict(sorted(self.pair_kinds.items())),
            },
            "rejected_candidates": dict(sorted(self.rejections.items())),
            "min_confidence": self.min_confidence,
            "dropped_below_min_confidence": [
                {"doc_id": r.doc_id, "passage_id": r.passage_id, "en": r.en, "zh": r.zh, "confidence": r.confidence}
                for r in self.dropped
            ],
            "gold": self.gold.as_dict() if self.gold else None,
            "gold_misses": [
                {"doc_id": g.doc_id, "en": g.en, "zh": g.zh} for g in (self.gold.misses if self.gold else [])
            ],
            "gold_extras": [
                {"doc_id": d, "en": e, "zh": z} for d, e, z in (self.gold.extras if self.gold else [])
            ],
            "calibration": self.calibration,
            "links": {"count": self.links, "gold": self.links_gold, "notes": self.link_notes},
            "variants": self.variants,
            "tokenizer_vocab_size": self.tokenizer_vocab,
        }


def _status_dict(d: DocumentStatus) -> dict:
    return {
        "path": d.path,
        "doc_id": d.doc_id,
        "status": d.status,
        "reason": d.reason,
        "sha256": d.sha256,
        "encoding": d.encoding,
        "variant": d.variant,
        "opencc_config": d.opencc_config,
        "passages": d.passages,
        "pairs": d.pairs,
    }


@dataclass(slots=True)
class ProcessedDocument:
    """One document after read -> normalize -> segment -> extract."""

    raw: RawDocument
    meta: DocumentMeta
    doc: NormalizedDocument
    passages: list[Passage]
    pairs: list[PhrasePair]
    rejections: list[Rejection]


def prepare_document(raw: RawDocument, meta: DocumentMeta, variant: str = "auto"
                     ) -> tuple[NormalizedDocument, list[Passage]] | str:
    """Normalize and segment ``raw``; a string is the reason it is skipped."""
    norm = normalize_document(raw, meta.variant or variant)
    if not any("\u4e00" <= ch <= "\u9fff" for ch in norm.text):
        return "no Chinese text"
    return norm, segment_document(norm)


def process_document(raw: RawDocument, meta: DocumentMeta, config: BuildConfig,
                     model: PairModel) -> ProcessedDocument | DocumentStatus:
    """The per-document stages; a skipped document comes back as its status."""
    prepared = prepare_document(raw, meta, config.variant)
    if isinstance(prepared, str):
        return DocumentStatus(raw.path, raw.doc_id, "skipped", prepared, sha256=raw.sha256, encoding=raw.encoding)
    norm, passages = prepared
    pairs, rejections = extract_pairs(norm, passages, model, _threshold(config, model))
    return ProcessedDocument(raw, meta, norm, passages, pairs, rejections)


def process_folder(raw_dir: Path, config: BuildConfig, model: PairModel,
                   manifest: dict[str, DocumentMeta] | None = None,
                   progress: Callable[[str], None] | None = None) -> Iterator[ProcessedDocument | DocumentStatus]:
    """Every file of ``raw_dir`` through :func:`process_document`, one at a time, in path order."""
    manifest = load_manifest(raw_dir) if manifest is None else manifest
    encodings = {rel: m.encoding for rel, m in manifest.items() if m.encoding}
    for item in read_folder(raw_dir, encodings=encodings, max_bytes=config.max_bytes):
        if progress:
            progress(item.path)
        if isinstance(item, SkippedFile):
            yield DocumentStatus(item.path, None, "skipped", item.reason)
        else:
            yield process_document(item, manifest.get(item.path, DocumentMeta()), config, model)


def _threshold(config: BuildConfig, model: PairModel) -> float:
    return model.min_confidence if config.min_confidence is None else config.min_confidence


def documents(raw_dir: Path | str, variant: str = "auto") -> Iterator[tuple[NormalizedDocument, list[Passage]]]:
    """``(normalized document, passages)`` of every document of ``raw_dir`` the build would
    extract from (manifest encodings and variants honoured): for tools that run their own
    extraction."""
    raw_dir = Path(raw_dir)
    manifest = load_manifest(raw_dir)
    encodings = {rel: m.encoding for rel, m in manifest.items() if m.encoding}
    for item in read_folder(raw_dir, encodings=encodings):
        if not isinstance(item, SkippedFile):
            prepared = prepare_document(item, manifest.get(item.path, DocumentMeta()), variant)
            if not isinstance(prepared, str):
                yield prepared


def pairs_for_linking(pairs: list[PhrasePair], rejections: list) -> list[PhrasePair]:
    """The pairs, and the quotes below the confidence threshold: a quote's own gloss guides
    linking even where the pair is not published."""
    glossed = [r.pair for r in rejections if r.pair is not None and r.pair.kind == "quote"]
    return sorted(pairs + glossed, key=lambda pr: (pr.start, pr.en_start))


def load_folder(raw_dir: Path | str, variant: str = "auto", min_confidence: float | None = None):
    """Every document of ``raw_dir`` through :func:`process_document`, in memory:
    ``(docs, passages, pairs)`` keyed by doc_id (the pairs as linking sees them). For tools
    and tests on small folders; :func:`build` streams instead."""
    config = BuildConfig(variant=variant, min_confidence=min_confidence)
    docs, passages, pairs = {}, {}, []
    for result in process_folder(Path(raw_dir), config, shipped_model()):
        if isinstance(result, ProcessedDocument):
            docs[result.doc.doc_id] = result.doc
            passages[result.doc.doc_id] = result.passages
            pairs += pairs_for_linking(result.pairs, result.rejections)
    return docs, passages, pairs


@dataclass
class BuildRows:
    """What the per-document stages leave for the corpus-wide ones."""

    pairs: list[dict] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)
    cluster_pairs: list[PhrasePair] = field(default_factory=list)
    tokenizer_sample: score.TokenizerSample = field(default_factory=score.TokenizerSample)

    def add(self, result: ProcessedDocument, report: BuildReport) -> None:
        passages, pairs = result.passages, result.pairs
        report.dropped.extend(r for r in result.rejections if r.confidence is not None)
        for r in result.rejections:
            report.rejections[r.reason] += 1
        self.cluster_pairs.extend(pr for pr in pairs if pr.kind in CLUSTER_KINDS)
        self.tokenizer_sample.add(passages)
        for pr in pairs:
            self.pairs.append(pair_row(pr))
            report.pair_kinds[pr.kind] += 1
        report.passages += len(passages)
        report.pairs += len(pairs)
        report.documents.append(_built_status(result))
        self.documents.append(document_row(result.raw, result.meta, result.doc, len(passages), len(pairs)))


def _built_status(result: ProcessedDocument) -> DocumentStatus:
    raw, passages = result.raw, result.passages
    return DocumentStatus(
        path=raw.path,
        doc_id=raw.doc_id,
        status="built",
        reason=None if any(p.kind == "content" for p in passages) else "no content passage",
        sha256=raw.sha256,
        encoding=raw.encoding,
        variant=result.doc.variant,
        opencc_config=result.doc.opencc_config,
        passages=len(passages),
        pairs=len(result.pairs),
    )


def build(raw_dir: Path | str, out_dir: Path | str, config: BuildConfig | None = None, *,
          progress: Callable[[str], None] | None = None, **settings) -> BuildReport:
    """Build the dataset of ``raw_dir`` into ``out_dir``; return what was done.

    ``config`` (or its fields as keywords) says how. Documents stream through
    :func:`process_document` one at a time; their passages go straight to disk, so memory
    holds the pairs and a bounded sample of text for the tokenizer, not the corpus. Then,
    over the whole build: link, variant clusters, scores, evaluation against gold, the
    files, the review page. ``progress`` is called once per file.
    """
    config = config or BuildConfig(**settings)
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    if not raw_dir.is_dir():
        raise InputError(f"{raw_dir}: no such folder")
    manifest = load_manifest(raw_dir)
    # Gold files are read first: a bad one fails before any work.
    gold = load_gold(config.gold_path) if config.gold_path else None
    links_gold = load_link_gold(config.links_gold_path) if config.links_gold_path else None
    model = shipped_model()
    linker = _linker(config, raw_dir, manifest)
    report = BuildReport(min_confidence=_threshold(config, model))
    rows = BuildRows()
    with BuildWriter(out_dir) as writer:
        for result in process_folder(raw_dir, config, model, manifest, progress):
            if isinstance(result, DocumentStatus):
                report.documents.append(result)
                continue
            if linker and linker.wants(result.meta.collection):
                linker.keep(result.meta.collection, result.doc, result.passages,
                            pairs_for_linking(result.pairs, result.rejections))
            writer.passages.add([passage_row(p) for p in result.passages])
            rows.add(result, report)
            del result  # the document is the largest object of the loop: free it before the next
        _check_built(report, raw_dir, config.strict)
        link_rows = _link(linker, rows, report, links_gold)
        variant_rows = [variant_row(c) for c in variant_clusters(rows.cluster_pairs)]
        report.links = len(link_rows)
        report.variants = len(variant_rows)
        rows.pairs.sort(key=lambda r: (r["doc_id"], r["start"], r["en_start"] if r["en_start"] is not None else -1,
                                       r["translation"]["en"]))
        spm_model = _score(rows, report)
        if gold is not None:
            _evaluate(rows.pairs, gold, report)
        template = resources.files("align").joinpath("card_template.md").read_text(encoding="utf-8")
        writer.commit(
            {"pairs": rows.pairs, "documents": rows.documents, "links": link_rows, "variants": variant_rows},
            template,
            card_values_for(report, config.gold_path, rows.pairs),
            report.as_dict(),
            PRETTY_NAME,
            extra_files={"tokenizer/spm.model": spm_model},
            finish=(lambda tmp: write_report(tmp, raw_dir, tmp / "report" / "index.html")) if config.review else None,
        )
    return report


def _linker(config: BuildConfig, raw_dir: Path, manifest: dict[str, DocumentMeta]) -> CollectionLinker | None:
    """The linker, its scorer loaded (a bad name or a missing package fails before any work)
    and the collection sizes known (one over the limit is refused up front)."""
    if not config.link:
        return None
    linker = CollectionLinker(config.link_scorer)
    try:
        linker.cutoff()
    except (ValueError, ImportError) as exc:
        raise BuildError(f"--link-scorer {config.link_scorer!r}: {exc}") from exc
    sizes: Counter = Counter()
    for path in list_files(raw_dir):
        rel = path.relative_to(raw_dir).as_posix()
        if rel not in CONTROL_FILES:
            sizes[manifest.get(rel, DocumentMeta()).collection] += 1
    linker.expect(dict(sizes))
    return linker


def _check_built(report: BuildReport, raw_dir: Path, strict: bool) -> None:
    if not report.built:
        raise InputError(f"{raw_dir}: no readable text document (looked at {len(report.documents)} files)")
    if strict and report.skipped:
        first = report.skipped[0]
        raise InputError(f"{raw_dir.name}/{first.path}: skipped ({first.reason}); --strict allows no skip")


def _link(linker: CollectionLinker | None, rows: BuildRows, report: BuildReport, links_gold) -> list[dict]:
    """Link within each collection; links join ``pairs`` as kind ``linked``."""
    if linker is None:
        return []
    links = linker.run()
    report.link_notes = linker.notes
    rows.pairs.extend(linked_pair_row(lk) for lk in links)
    if links:
        report.pair_kinds["linked"] += len(links)
    report.pairs += len(links)
    if links_gold is not None:
        report.links_gold = {**score_links(links, links_gold, linker.linked_documents, linker.linked_passages),
                             "scorer": linker.scorer_name, "threshold": linker.cutoff()}
    return [link_row(lk) for lk in links]


def _score(rows: BuildRows, report: BuildReport) -> bytes:
    """Train the tokenizer on the sample and the pairs, then add each pair's metrics."""
    corpus = rows.tokenizer_sample.texts[: score.SPM_MAX_SENTENCES]
    corpus += [t for r in rows.pairs for t in (r["translation"]["en"], r["translation"]["zh"])]
    spm_model = score.train_sentencepiece(corpus, score.spm_vocab_size(corpus))
    counter = score.TokenCounter(spm_model)
    score.add_pair_metrics(rows.pairs, counter)
    report.tokenizer_vocab = counter.vocab_size
    return spm_model


def _evaluate(pair_rows: list[dict], gold, report: BuildReport) -> None:
    """Figures against the pairs gold of the documents built, and calibration."""
    built_ids = {d.doc_id for d in report.built}
    gold = [g for g in gold if g.doc_id in built_ids]
    # Linked pairs are scored against the links gold, not the inline pairs gold.
    inline = [r for r in pair_rows if r["kind"] != "linked"]
    predictions = [(r["doc_id"], r["translation"]["en"], r["translation"]["zh"], r["kind"]) for r in inline]
    report.gold = evaluate(predictions, gold)
    labels = correct_flags(predictions, gold)
    scored = [(r["confidence"], ok) for r, ok in zip(inline, labels, strict=True) if ok is not None]
    report.calibration = {
        "pairs": len(scored),
        "brier": score.brier([c for c, _ in scored], [ok for _, ok in scored]),
        "reliability": score.reliability([c for c, _ in scored], [ok for _, ok in scored]),
    }


def _md(text: str | None) -> str:
    """Article-derived text made inert inside a Markdown table cell."""
    if text is None:
        return ""
    out = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    for ch in "<>`*_[]#":
        out = out.replace(ch, "\\" + ch)
    return out


def _fmt(v) -> str:
    return "–" if v is None else f"{v:g}"


def metrics_table(pair_rows: list[dict]) -> str:
    lines = ["| metric | n | min | 25% | median | 75% | max |", "|---|---|---|---|---|---|---|"]
    for name in ("confidence", "chrf", "length_ratio", "sp_tokens_en", "sp_tokens_zh"):
        values = [r[name] for r in pair_rows if r.get(name) is not None]
        q = score.quantiles(values) or [None] * 5
        lines.append(f"| {name} | {len(values)} | " + " | ".join(_fmt(v) for v in q) + " |")
    return "\n".join(lines)


def heldout_section() -> str:
    """The extractor's figures on the dev corpus's test part (labelled blind, never tuned on),
    as ``benchmarks/extract_quality.py --json align/data/extract_quality.json`` measured them."""
    data = json.loads(resources.files("align").joinpath("data", "extract_quality.json").read_text(encoding="utf-8"))
    lines = ["| set | gold pairs | built | precision | recall | boundary | negatives emitted | AUC | mean confidence |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in data["parts"]:
        if r["set"] in ("seeds", "tuning", "test"):
            lines.append(f"| {r['set']} | {r['gold']} | {r['built']} | {_fmt(r['precision'])} | {_fmt(r['recall'])} | "
                         f"{_fmt(r['boundary'])} | {r['negatives_emitted']} | {_fmt(r['auc'])} | "
                         f"{_fmt(r['mean_confidence'])} |")
    cal = data["test_calibration"]
    rel = ["| confidence bin | readings | mean confidence | share correct |", "|---|---|---|---|"]
    for lo, hi, n, mean, share in cal["reliability"]:
        rel.append(f"| {lo:.1f}–{hi:.1f} | {n} | {_fmt(None if mean is None else round(mean, 3))} | "
                   f"{_fmt(None if share is None else round(share, 3))} |")
    return ("The test part of `tests/dev/extract/test/` (8 sources: Hong Kong fact-checking news, Taiwan "
            "internet-freedom features, the Missing Semester translation, mainland-script news from VOA, Reuters "
            "and Epoch Times, a Taiwan Java textbook, a physics notebook's history of science, Paul Graham essay "
            "translations, mainland tech news; labelled blind before the extractor ran on it) is the figure to "
            "trust; seeds and tuning are what the model was trained on. "
            "At the default "
            "`--min-confidence`:\n\n" + "\n".join(lines)
            + f"\n\nCalibration on the test part, every reading the model chose ({cal['readings']}, at any "
            f"confidence): Brier score **{cal['brier']:.4f}**.\n\n" + "\n".join(rel))


def calibration_section(report: BuildReport) -> str:
    cal = report.calibration
    if not cal:
        return "No gold file was given to this build, so calibration was not measured."
    rows = ["| confidence bin | pairs | mean confidence | share correct |", "|---|---|---|---|"]
    for lo, hi, n, mean, share in cal["reliability"]:
        rows.append(f"| {lo:.1f}–{hi:.1f} | {n} | {_fmt(None if mean is None else round(mean, 3))} | "
                    f"{_fmt(None if share is None else round(share, 3))} |")
    return (
        f"Brier score of `confidence` on the {cal['pairs']} built pairs that the gold set covers: "
        f"**{cal['brier']:.4f}**. `confidence` is the pair model's probability, calibrated (Platt scaling) on "
        "out-of-fold predictions over the tuning sources (`benchmarks/train_pair_model.py`); pairs below "
        f"{report.min_confidence:g} were dropped (`--min-confidence`; listed in `report.json`). These "
        "figures are on the seeds, which the model was trained on; the held-out figures are in the "
        "quality section.\n\n" + "\n".join(rows)
    )


def card_values_for(report: BuildReport, gold_path: Path | str | None, pair_rows: list[dict]) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        backend = f"`opencc` {version('opencc')}"
    except PackageNotFoundError:
        backend = "`opencc`"
    built = report.built
    script_table = "\n".join(
        f"| {_md(d.doc_id)} | {d.variant} | {d.opencc_config or 'none (already Simplified)'} |" for d in built
    )
    kind_table = "\n".join(f"| {k} | {n} |" for k, n in sorted(report.pair_kinds.items())) or "| (none) | 0 |"
    doc_table = "\n".join(f"| {_md(d.doc_id)} | {d.passages} | {d.pairs} |" for d in built)
    source_table = "\n".join(
        f"| {_md(d.doc_id or d.path)} | `{d.sha256 or ''}` | {d.encoding or ''} | {d.status} |" for d in report.documents
    )
    skipped = report.skipped
    skipped_section = ""
    if skipped:
        skipped_section = "Skipped files:\n\n" + "\n".join(f"- `{_md(d.path)}`: {_md(d.reason)}" for d in skipped)
    if report.gold is not None:
        g = report.gold
        name = Path(gold_path).as_posix() if gold_path else ""
        gold_section = (
            f"Against `{_md(Path(name).name)}` ({g.gold} hand-checked pairs of these documents, "
            f"compared as distinct pairs per document):\n\n"
            "| precision | recall | F1 | boundary accuracy | kind accuracy | negatives violated |\n"
            "|---|---|---|---|---|---|\n"
            f"| {g.precision:.3f} | {g.recall:.3f} | {g.f1:.3f} | {g.boundary_accuracy:.3f} | "
            f"{g.kind_accuracy:.3f} | {g.negatives_violated} |\n\n"
            f"Reproduce: `align eval --gold tests/gold/{_md(Path(name).name)} --build build`"
        )
    else:
        gold_section = "No gold file was given to this build."
    return {
        "pretty_name": PRETTY_NAME,
        "align_version": __version__,
        "n_documents": str(len(built)),
        "n_pairs": str(report.pairs),
        "n_passages": str(report.passages),
        "opencc_backend": backend,
        "script_table": script_table,
        "kind_table": kind_table,
        "doc_table": doc_table,
        "source_table": source_table,
        "skipped_section": skipped_section,
        "gold_section": gold_section,
        "metrics_table": metrics_table(pair_rows),
        "calibration_section": calibration_section(report),
        "heldout_section": heldout_section(),
        "chrf_signature": score.chrf_signature(),
        "spm_vocab": str(report.tokenizer_vocab),
        "per_doc_kind_table": per_doc_kind_table(pair_rows),
        "n_links": str(report.links),
        "n_variants": str(report.variants),
        "links_section": links_section(report),
    }


def links_section(report: BuildReport) -> str:
    lines = [f"{report.links} English phrases of one document are linked to the span of another "
             "document that translates them (`links` config; also in `pairs` with kind `linked`)."]
    lines += [f"- {_md(note)}" for note in report.link_notes]
    g = report.links_gold
    if g:
        lines.append(
            f"\nAgainst `links.jsonl` ({g['gold_phrases']} hand-checked phrases, {g['gold_links']} with a counterpart), "
            f"scorer `{g['scorer']}`, threshold {g['threshold']}:\n\n"
            "| top-1 accuracy | abstention precision | phrases without counterpart that got linked | "
            "linked score min / median / max |\n|---|---|---|---|\n"
            f"| {_fmt(g['top1_accuracy'])} ({g['top1_right']}/{g['gold_links']}) | {_fmt(g['abstention_precision'])} | "
            f"{g['none_linked']} | {_fmt(g['score_min'])} / {_fmt(g['score_median'])} / {_fmt(g['score_max'])} |"
        )
    return "\n".join(lines)


def per_doc_kind_table(pair_rows: list[dict]) -> str:
    kinds = sorted({r["kind"] for r in pair_rows})
    docs = sorted({r["doc_id"] for r in pair_rows})
    lines = ["| document | " + " | ".join(kinds) + " |", "|---|" + "---|" * len(kinds)]
    for d in docs:
        counts = Counter(r["kind"] for r in pair_rows if r["doc_id"] == d)
        lines.append(f"| {_md(d)} | " + " | ".join(str(counts.get(k, 0)) for k in kinds) + " |")
    return "\n".join(lines)
