"""The library entry point: ``build(raw_dir, out_dir) -> BuildReport``.

read -> normalize -> segment -> extract, one document at a time (passages go straight to
disk); then, over the whole build, link -> score -> publish -> review page.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from . import __version__, score
from .config import SCRIPT_VARIANTS
from .dataset.schema import link_row, linked_pair_row, pair_row, passage_row, variant_row
from .errors import BuildError, InputError
from .evaluate import EvalResult, correct_flags, evaluate, score_links
from .extract import extract_pairs
from .gold import load_gold, load_link_gold
from .link import CollectionLinker
from .normalize import normalize_document
from .pair_model import shipped_model
from .publish import BuildWriter
from .read import CONTROL_FILES, DEFAULT_MAX_BYTES, DocumentMeta, SkippedFile, list_files, load_manifest, read_folder
from .records import DocumentStatus, PhrasePair
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


def documents(raw_dir: Path | str, variant: str = "auto"):
    """``(normalized document, passages)`` of every readable document of ``raw_dir`` with
    Chinese text, read as the build reads it (manifest encodings and variants honoured)."""
    raw_dir = Path(raw_dir)
    manifest = load_manifest(raw_dir)
    encodings = {rel: m.encoding for rel, m in manifest.items() if m.encoding}
    for item in read_folder(raw_dir, encodings=encodings):
        if isinstance(item, SkippedFile):
            continue
        norm = normalize_document(item, manifest.get(item.path, DocumentMeta()).variant or variant)
        if any("\u4e00" <= ch <= "\u9fff" for ch in norm.text):
            yield norm, segment_document(norm)


def pairs_for_linking(pairs: list[PhrasePair], rejections: list) -> list[PhrasePair]:
    """The pairs, and the quotes below the confidence threshold: a quote's own gloss guides
    linking even where the pair is not published."""
    glossed = [r.pair for r in rejections if r.pair is not None and r.pair.kind == "quote"]
    return sorted(pairs + glossed, key=lambda pr: (pr.start, pr.en_start))


def load_folder(raw_dir: Path | str, variant: str = "auto", min_confidence: float | None = None):
    """Every readable document of ``raw_dir`` through read, normalize, segment and extract,
    in memory: ``(docs, passages, pairs)`` keyed by doc_id. For tools and tests on small
    folders; :func:`build` streams instead."""
    docs, passages, pairs = {}, {}, []
    for norm, doc_passages in documents(raw_dir, variant):
        docs[norm.doc_id] = norm
        passages[norm.doc_id] = doc_passages
        pairs += pairs_for_linking(*extract_pairs(norm, doc_passages, min_confidence=min_confidence))
    return docs, passages, pairs


def build(raw_dir: Path | str, out_dir: Path | str, gold_path: Path | str | None = None,
          variant: str = "auto", max_bytes: int = DEFAULT_MAX_BYTES, strict: bool = False,
          progress: Callable[[str], None] | None = None, review: bool = True, link: bool = True,
          link_scorer: str = "default", links_gold_path: Path | str | None = None,
          min_confidence: float | None = None) -> BuildReport:
    """Build the dataset of ``raw_dir`` into ``out_dir``; return what was done.

    Documents stream through read -> normalize -> segment -> extract one at a time;
    passages go straight to disk, so memory holds the pairs and a bounded sample of
    text for the tokenizer, not the corpus. ``progress`` is called once per file.
    """
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    if not raw_dir.is_dir():
        raise InputError(f"{raw_dir}: no such folder")
    manifest = load_manifest(raw_dir)
    model = shipped_model()
    if variant != "auto" and variant not in SCRIPT_VARIANTS:
        raise BuildError(f"--from {variant}: expected one of auto, {', '.join(SCRIPT_VARIANTS)}")
    if min_confidence is not None and not 0.0 <= min_confidence <= 1.0:
        raise BuildError(f"--min-confidence {min_confidence}: expected a probability between 0 and 1")
    report = BuildReport(min_confidence=model.min_confidence if min_confidence is None else min_confidence)
    pair_rows, document_rows = [], []
    spm_sample: list[str] = []
    spm_chars = 0
    all_pairs: list[PhrasePair] = []
    linker = CollectionLinker(link_scorer)
    if link:
        try:
            linker.cutoff()  # loads the scorer now: a bad name or a missing package fails before any work
        except (ValueError, ImportError) as exc:
            raise BuildError(f"--link-scorer {link_scorer!r}: {exc}") from exc
        sizes: Counter = Counter()
        for path in list_files(raw_dir):
            rel = path.relative_to(raw_dir).as_posix()
            if rel not in CONTROL_FILES:
                sizes[manifest.get(rel, DocumentMeta()).collection] += 1
        linker.expect(dict(sizes))
    with BuildWriter(out_dir) as writer:
        encodings = {rel: m.encoding for rel, m in manifest.items() if m.encoding}
        for item in read_folder(raw_dir, encodings=encodings, max_bytes=max_bytes):
            if progress:
                progress(item.path)
            if isinstance(item, SkippedFile):
                report.documents.append(DocumentStatus(item.path, None, "skipped", item.reason))
                continue
            meta = manifest.get(item.path, DocumentMeta())
            norm = normalize_document(item, meta.variant or variant)
            if not any("\u4e00" <= ch <= "\u9fff" for ch in norm.text):
                report.documents.append(DocumentStatus(item.path, item.doc_id, "skipped", "no Chinese text",
                                                       sha256=item.sha256, encoding=item.encoding))
                continue
            passages = segment_document(norm)
            pairs, rejections = extract_pairs(norm, passages, model, report.min_confidence)
            report.dropped.extend(r for r in rejections if r.confidence is not None)
            script, config = norm.variant, norm.opencc_config
            all_pairs.extend(pr for pr in pairs if pr.kind in CLUSTER_KINDS)
            if link and linker.wants(meta.collection):
                linker.keep(meta.collection, norm, passages, pairs_for_linking(pairs, rejections))
            del norm  # the largest object of the loop: free it before the next file
            for r in rejections:
                report.rejections[r.reason] += 1
            writer.passages.add([passage_row(p) for p in passages])
            # The tokenizer learns from the first passages in document order, up to a cap,
            # so memory stays flat however large the corpus is.
            for p in passages:
                if spm_chars >= score.SPM_MAX_CHARS or len(spm_sample) >= score.SPM_MAX_SENTENCES:
                    break
                if p.kind != "boilerplate":
                    spm_sample.append(p.text)
                    spm_chars += len(p.text)
            for pr in pairs:
                pair_rows.append(pair_row(pr))
                report.pair_kinds[pr.kind] += 1
            report.passages += len(passages)
            report.pairs += len(pairs)
            status = DocumentStatus(
                path=item.path,
                doc_id=item.doc_id,
                status="built",
                reason=None if any(p.kind == "content" for p in passages) else "no content passage",
                sha256=item.sha256,
                encoding=item.encoding,
                variant=script,
                opencc_config=config,
                passages=len(passages),
                pairs=len(pairs),
            )
            report.documents.append(status)
            document_rows.append(
                {
                    "doc_id": item.doc_id,
                    "path": item.path,
                    "sha256": item.sha256,
                    "encoding": item.encoding,
                    "variant": script,
                    "opencc_config": config or "none",
                    "chars": len(item.text),
                    "passages": len(passages),
                    "pairs": len(pairs),
                    "title": meta.title,
                    "source_url": meta.source_url,
                    "license": meta.license,
                    "collection": meta.collection,
                }
            )
        if not report.built:
            raise InputError(f"{raw_dir}: no readable text document (looked at {len(report.documents)} files)")
        if strict and report.skipped:
            first = report.skipped[0]
            raise InputError(f"{raw_dir.name}/{first.path}: skipped ({first.reason}); --strict allows no skip")
        link_rows: list[dict] = []
        if link:
            links = linker.run()
            report.link_notes = linker.notes
            link_rows = [link_row(lk) for lk in links]
            pair_rows.extend(linked_pair_row(lk) for lk in links)
            if links:
                report.pair_kinds["linked"] += len(links)
            report.pairs += len(links)
            if links_gold_path is not None:
                report.links_gold = {**score_links(links, load_link_gold(Path(links_gold_path)), linker.linked_documents,
                                                       linker.linked_passages),
                                     "scorer": linker.scorer_name, "threshold": linker.cutoff()}
        variant_rows = [variant_row(c) for c in variant_clusters(all_pairs)]
        report.links = len(link_rows)
        report.variants = len(variant_rows)
        pair_rows.sort(key=lambda r: (r["doc_id"], r["start"], r["en_start"] if r["en_start"] is not None else -1,
                                      r["translation"]["en"]))
        corpus = spm_sample[: score.SPM_MAX_SENTENCES]
        corpus += [t for r in pair_rows for t in (r["translation"]["en"], r["translation"]["zh"])]
        spm_model = score.train_sentencepiece(corpus, score.spm_vocab_size(corpus))
        counter = score.TokenCounter(spm_model)
        score.add_pair_metrics(pair_rows, counter)
        report.tokenizer_vocab = counter.vocab_size
        if gold_path is not None:
            built_ids = {d.doc_id for d in report.built}
            gold = [g for g in load_gold(Path(gold_path)) if g.doc_id in built_ids]
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
        template = resources.files("align").joinpath("card_template.md").read_text(encoding="utf-8")
        writer.commit(
            {"pairs": pair_rows, "documents": document_rows, "links": link_rows, "variants": variant_rows},
            template,
            card_values_for(report, gold_path, pair_rows),
            report.as_dict(),
            PRETTY_NAME,
            extra_files={"tokenizer/spm.model": spm_model},
            finish=(lambda tmp: write_report(tmp, raw_dir, tmp / "report" / "index.html")) if review else None,
        )
    return report


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
