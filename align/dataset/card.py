"""The dataset card, written with ``huggingface_hub``'s :class:`DatasetCard`: its metadata
(:class:`DatasetCardData`: configs, ``dataset_info``) and the body, the template
``card_template.md`` filled from the build's report and from the parquet files it wrote."""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

from .. import __version__, score
from ..config import BuildConfig, shown_path
from ..licenses import open_license, redistribution
from ..records import BuildReport
from ..text import MISSING
from .figures import SplitFigures, folder_figures
from .load import first_rows, read_columns, read_config
from .schema import CONFIGS, parquet_glob

if TYPE_CHECKING:
    from huggingface_hub import DatasetCardData

PRETTY_NAME = "Inline Chinese–English phrase pairs"
# The card's name for the dataset's Hub repository: unknown at build time, filled in by
# `align push` (align.publish.stage).
HUB_ID = "OWNER/NAME"
# The metadata's keys in the order a reader looks for them (DatasetCardData's own order
# puts the keys it does not name, license_name among them, after all the others).
KEY_ORDER = ["pretty_name", "language", "license", "license_name", "license_link", "annotations_creators",
             "language_creators", "multilinguality", "source_datasets", "task_categories", "size_categories",
             "tags", "configs", "dataset_info"]


def card_template() -> str:
    return resources.files("align.dataset").joinpath("card_template.md").read_text(encoding="utf-8")


def size_category(n: int) -> str:
    return "n<1K" if n < 1000 else "1K<n<10K" if n < 10_000 else "10K<n<100K" if n < 100_000 else "100K<n<1M"


def card_data(features: dict, figures: dict[tuple[str, str], SplitFigures], pretty_name: str,
              licence: dict[str, str] | None = None) -> DatasetCardData:
    """The card's metadata; the figures are per ``(config, split)`` (:func:`folder_figures`).
    As ``datasets`` writes them: ``num_bytes`` and ``dataset_size`` are the rows' size in
    memory (Arrow), ``download_size`` the files'. ``licence`` is :func:`license_fields`
    (default: ``other``, unnamed)."""
    from huggingface_hub import DatasetCardData

    splits = {config: [s for c, s in figures if c == config] for config in CONFIGS}
    return DatasetCardData(
        pretty_name=pretty_name,
        language=["zh", "en"],
        **(licence or {"license": "other"}),
        annotations_creators=["machine-generated"],  # the pairs, kinds and scores are the extractor's
        language_creators=["found"],  # the text is the articles', as published
        multilinguality=["translation"],
        source_datasets=["original"],
        task_categories=["translation"],
        size_categories=[size_category(sum(figures[c, s].num_examples for c, s in figures if c == "pairs"))],
        tags=["alignment", "parallel-phrases", "chinese", "opencc"],
        configs=[
            {
                "config_name": config,
                # A glob: a rebuild with more or fewer shards keeps the same card.
                "data_files": [{"split": s, "path": parquet_glob(config, s)} for s in splits[config]],
                **({"default": True} if config == "pairs" else {}),
            }
            for config in CONFIGS if splits[config]
        ],
        dataset_info=[
            {
                "config_name": config,
                "features": features[config].yaml_list(),
                "splits": [{"name": s, "num_bytes": figures[config, s].num_bytes,
                            "num_examples": figures[config, s].num_examples} for s in splits[config]],
                "download_size": sum(figures[config, s].download_size for s in splits[config]),
                "dataset_size": sum(figures[config, s].num_bytes for s in splits[config]),
            }
            for config in CONFIGS if splits[config]
        ],
    )


def render_card(template_text: str, data: DatasetCardData, values: dict[str, str]) -> str:
    """The card's text: ``data`` (a :class:`DatasetCardData`) as its YAML block, then the
    template filled with ``values``; read back by :class:`DatasetCard`, so what is written
    is what the Hub parses."""
    from huggingface_hub import DatasetCard

    body = Template(template_text).substitute(values)
    return str(DatasetCard("---\n" + data.to_yaml(original_order=KEY_ORDER) + "\n---\n" + body))


def write_card(folder: Path, template_text: str, values: dict[str, str], features: dict, pretty_name: str,
               licence: dict[str, str] | None = None) -> None:
    """Write ``folder/README.md`` once the parquet files are written: every count of the
    card is read from them (``values`` holds the rest, :func:`card_values_for`)."""
    figures = folder_figures(folder)
    text = render_card(template_text, card_data(features, figures, pretty_name, licence),
                       {**values, **counted_values(folder, figures)})
    (folder / "README.md").write_text(text, encoding="utf-8")


def counted_values(folder: Path, figures: dict[tuple[str, str], SplitFigures]) -> dict[str, str]:
    """The template's counts, tables and sample row, from the parquet files of ``folder``."""
    documents = read_config(folder, "documents") or []
    rows = {config: sum(f.num_examples for (c, _), f in figures.items() if c == config) for config in CONFIGS}
    # The pairs grow with the corpus: only the columns the tables count are read, and
    # counted by pyarrow, not as rows.
    pairs = read_columns(folder, "pairs", ["doc_id", "kind", *METRICS])
    counts = pairs.group_by(["doc_id", "kind"], use_threads=False).aggregate([([], "count_all")])
    per_doc = Counter({(d, k): n for d, k, n in zip(*(counts[c].to_pylist() for c in ("doc_id", "kind", "count_all")),
                                                    strict=True)})
    kinds: Counter = Counter()
    for (_, k), n in per_doc.items():
        kinds[k] += n
    return {
        **{f"n_{config}": str(n) for config, n in rows.items()},
        "kind_table": "\n".join(f"| {k} | {n} |" for k, n in sorted(kinds.items())) or "| (none) | 0 |",
        "doc_table": "\n".join(f"| {_md(d['doc_id'])} | {d['passages']} | {d['pairs']} |" for d in documents),
        "per_doc_kind_table": kind_counts_table(per_doc),
        "metrics_table": metrics_table_of(pairs),
        "sample_record": sample_record(first_rows(folder, "pairs", 1)),
    }


METRICS = ("confidence", "chrf", "length_ratio", "sp_tokens_en", "sp_tokens_zh")


def sample_record(pair_rows: list[dict]) -> str:
    """The first row of ``pairs`` as a JSON code block, fenced longer than any run of
    backticks in it (an article's text cannot close the block)."""
    if not pair_rows:
        return "This build has no pairs."
    text = json.dumps(pair_rows[0], ensure_ascii=False, indent=2)
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return f"{fence}json\n{text}\n{fence}"


def citation(pretty_name: str, version: str) -> str:
    """A BibTeX entry for the dataset: its name and the align version that built it (no
    date: the same build cites the same)."""
    key = re.sub(r"[^a-z0-9]+", "_", pretty_name.lower()).strip("_")
    title = pretty_name.replace("–", "--")  # BibTeX's en dash
    return (f"@misc{{{key},\n"
            f"  title        = {{{{{title}}}}},\n"
            f"  howpublished = {{\\url{{https://huggingface.co/datasets/{HUB_ID}}}}},\n"
            f"  note         = {{Built with align {version} from Chinese articles that quote English}}\n"
            "}")


def reproduce_line(raw_dir: Path, config: BuildConfig) -> str:
    """How to rebuild the dataset: the command, the align version, the raw folder as given
    to the build and the settings."""
    return (f"Reproducible: `{config.command_line(raw_dir)}` with align {__version__}, on the same files in the "
            f"raw folder `{shown_path(raw_dir)}` (settings `{config}`), rebuilds it byte for byte.")


LICENSE_FILE = "LICENSE.md"


def license_fields(document_rows: list[dict]) -> dict[str, str]:
    """The card's licence metadata: the Hub's id when every document has the same open
    licence; otherwise ``other``, named, with a link to the per-document table the Hub
    shows (``license_name``/``license_link``, as the Hub's dataset card spec asks)."""
    ids = {open_license(d.get("license")) for d in document_rows}
    if len(ids) == 1 and None not in ids:
        return {"license": ids.pop()}
    return {"license": "other", "license_name": "per-source-licenses", "license_link": LICENSE_FILE}


def licensing_section(report: BuildReport, document_rows: list[dict]) -> str:
    """Per document: its file, title, source URL and licence (from the manifest), and what
    ``align push`` publishes of it. The card's section and ``LICENSE.md`` both hold it."""
    explicit = {d.doc_id: d.redistribute for d in report.built}
    lines = ["| document | title | source URL | licence | published |", "|---|---|---|---|---|"]
    for d in sorted(document_rows, key=lambda r: r["doc_id"]):
        full, why = redistribution(d.get("license"), explicit.get(d["doc_id"]))
        shown = "in full" if full else "only the sentences of its pairs and links"
        lines.append(f"| {_md(d['path'])} | {_md(d.get('title'))} | {_md(d.get('source_url'))} | "
                     f"{_md(d.get('license')) or '(none given)'} | {shown} ({_md(why)}) |")
    return (
        "The source articles belong to their publishers; each document's terms are its own "
        "(from the raw folder's manifest, `raw/manifest.toml`):\n\n" + "\n".join(lines) + "\n\n"
        "A document is published in full only when its licence is a known open licence (an SPDX id such as "
        "CC-BY-4.0, CC-BY-SA-4.0, CC0-1.0, MIT or Apache-2.0) or the manifest says `redistribute = true`. "
        "Of any other document, `align push` uploads only the sentences its pairs and links come from: "
        "`passages` holds one row per run of such sentences (`text`, `text_original` and `start`/`end` "
        "of that run, still offsets into the original file), the other passages are left out, and the "
        "review page (`report/index.html`, which shows whole articles) and `tokenizer/spm.model` (its "
        "vocabulary holds fragments of every passage) are not uploaded unless every document may be."
    )


def _md(text: str | None) -> str:
    """Article-derived text made inert inside a Markdown table cell."""
    if text is None:
        return ""
    out = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    for ch in "<>`*_[]#":
        out = out.replace(ch, "\\" + ch)
    return out


def fmt_number(v) -> str:
    return MISSING if v is None else f"{v:g}"


def metrics_table(pair_rows: list[dict]) -> str:
    """The quantiles of each metric of ``pair_rows``."""
    import pyarrow as pa

    return metrics_table_of(pa.table({name: [r.get(name) for r in pair_rows] for name in METRICS}))


def metrics_table_of(table) -> str:
    """:func:`metrics_table` of a pyarrow table holding the :data:`METRICS` columns."""
    import pyarrow.compute as pc

    lines = ["| metric | n | min | 25% | median | 75% | max |", "|---|---|---|---|---|---|---|"]
    for name in METRICS:
        values = pc.array_sort_indices(table[name], null_placement="at_end")
        n = len(values) - table[name].null_count
        vals = _Sorted(table[name], values, n)
        q = score.sorted_quantiles(vals) or [None] * 5
        lines.append(f"| {name} | {n} | " + " | ".join(fmt_number(v) for v in q) + " |")
    return "\n".join(lines)


class _Sorted:
    """The non-null values of a column in ascending order, read one at a time as Python
    values (what :func:`align.score.sorted_quantiles` indexes)."""

    def __init__(self, column, order, n: int) -> None:
        self.column, self.order, self.n = column, order, n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        return self.column[self.order[i].as_py()].as_py()


def heldout_section() -> str:
    """The extractor's figures on the dev corpus's test part (labelled blind, never tuned on),
    as ``benchmarks/extract_quality.py --json align/data/extract_quality.json`` measured them."""
    data = json.loads(resources.files("align").joinpath("data", "extract_quality.json").read_text(encoding="utf-8"))
    lines = ["| set | gold pairs | built | precision | recall | boundary | negatives emitted | AUC (built) "
             "| AUC (all readings) | mean confidence |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in data["parts"]:
        if r["set"] in ("seeds", "tuning", "test"):
            lines.append(f"| {r['set']} | {r['gold']} | {r['built']} | {fmt_number(r['precision'])} | {fmt_number(r['recall'])} | "
                         f"{fmt_number(r['boundary'])} | {r['negatives_emitted']} | {fmt_number(r['auc'])} | "
                         f"{fmt_number(r.get('auc_all'))} | {fmt_number(r['mean_confidence'])} |")
    cal = data["test_calibration"]
    rel = ["| confidence bin | readings | mean confidence | share correct |", "|---|---|---|---|"]
    for lo, hi, n, mean, share in cal["reliability"]:
        rel.append(f"| {lo:.1f}–{hi:.1f} | {n} | {fmt_number(None if mean is None else round(mean, 3))} | "
                   f"{fmt_number(None if share is None else round(share, 3))} |")
    sources = sum(1 for r in data["parts"] if r["set"].strip().startswith("test/"))
    return (f"The test part of `tests/dev/extract/test/` ({sources} public sources of different kinds and "
            "scripts, listed in that folder's README; labelled blind before the extractor ran on it, "
            "never studied or tuned on) is the figure to trust; seeds and tuning are what the model was trained on. "
            "At the default "
            "`--min-confidence` (AUC: right pairs ranked above wrong ones, among the pairs built and among "
            "every reading the model scored, the ones the threshold dropped included):\n\n" + "\n".join(lines)
            + f"\n\nCalibration on the test part, every reading the model chose ({cal['readings']}, at any "
            f"confidence): Brier score **{cal['brier']:.4f}**.\n\n" + "\n".join(rel))


def calibration_section(report: BuildReport) -> str:
    cal = report.calibration
    if not cal:
        return "No gold file was given to this build, so calibration was not measured."
    rows = ["| confidence bin | pairs | mean confidence | share correct |", "|---|---|---|---|"]
    for lo, hi, n, mean, share in cal["reliability"]:
        rows.append(f"| {lo:.1f}–{hi:.1f} | {n} | {fmt_number(None if mean is None else round(mean, 3))} | "
                    f"{fmt_number(None if share is None else round(share, 3))} |")
    return (
        f"Brier score of `confidence` on the {cal['pairs']} built pairs that the gold set covers: "
        f"**{cal['brier']:.4f}**. `confidence` is the pair model's probability, calibrated (Platt scaling) on "
        "out-of-fold predictions over the tuning sources (`benchmarks/train_pair_model.py`); pairs below "
        f"{report.min_confidence:g} were dropped (`--min-confidence`; listed in `report.json`). These "
        "figures are on the seeds, which the model was trained on; the held-out figures are in the "
        "quality section.\n\n" + "\n".join(rows)
    )


def card_values_for(report: BuildReport, config: BuildConfig, raw_dir: Path,
                    document_rows: list[dict] | None = None) -> dict[str, str]:
    """The template's values that are not counts of the written files (those are
    :func:`counted_values`'): the report's figures, the settings, the sections."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        backend = f"`opencc` {version('opencc')}"
    except PackageNotFoundError:
        backend = "`opencc`"
    built = report.built
    script_table = "\n".join(
        f"| {_md(d.doc_id)} | {d.variant} | {d.opencc_config or 'none (already Simplified)'} |" for d in built
    )
    source_table = "\n".join(
        f"| {_md(d.doc_id or d.path)} | `{d.sha256 or ''}` | {d.encoding or ''} | {d.status} |" for d in report.documents
    )
    skipped = report.skipped
    skipped_section = ""
    if skipped:
        skipped_section = "Skipped files:\n\n" + "\n".join(f"- `{_md(d.path)}`: {_md(d.reason)}" for d in skipped)
    if report.gold is not None:
        g = report.gold
        name = config.gold_path.as_posix() if config.gold_path else ""
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
        "build_config": str(config),
        "reproduce_line": reproduce_line(raw_dir, config),
        "hub_id": HUB_ID,
        "citation": citation(PRETTY_NAME, __version__),
        "opencc_backend": backend,
        "script_table": script_table,
        "source_table": source_table,
        "skipped_section": skipped_section,
        "gold_section": gold_section,
        "calibration_section": calibration_section(report),
        "heldout_section": heldout_section(),
        "chrf_signature": score.chrf_signature(),
        "spm_vocab": str(report.tokenizer_vocab),
        "links_section": links_section(report),
        "licensing_section": licensing_section(report, document_rows or []),
    }


def links_section(report: BuildReport) -> str:
    """The linker's notes and figures; the count of links is the template's (from the file)."""
    lines = [f"- {_md(note)}" for note in report.link_notes]
    g = report.links_gold
    if g:
        lines.append(
            f"\nAgainst `links.jsonl` ({g['gold_phrases']} hand-checked phrases, {g['gold_links']} with a counterpart), "
            f"scorer `{g['scorer']}`, threshold {g['threshold']}:\n\n"
            "| top-1 accuracy | abstention precision | phrases without counterpart that got linked | "
            "linked score min / median / max |\n|---|---|---|---|\n"
            f"| {fmt_number(g['top1_accuracy'])} ({g['top1_right']}/{g['gold_links']}) | {fmt_number(g['abstention_precision'])} | "
            f"{g['none_linked']} | {fmt_number(g['score_min'])} / {fmt_number(g['score_median'])} / {fmt_number(g['score_max'])} |"
        )
    lines.append("\n" + heldout_links_table())
    return "\n".join(lines)


def heldout_links_table() -> str:
    """The default linker on the link collections (tests/dev/link_collections), as
    ``benchmarks/link_dev.py --json align/data/link_quality.json`` measured it: the test
    collections were labelled blind and never tuned on."""
    data = json.loads(resources.files("align").joinpath("data", "link_quality.json").read_text(encoding="utf-8"))
    lines = [f"The default scorer (`{data['scorer']}`, threshold {data['threshold']:g}) on the link collections "
             "(a public translation and a summary quoting its English original each; the test ones labelled blind):",
             "", "| collections | top-1 accuracy (ranking alone) | precision of emitted links | "
             "phrases without counterpart that got linked |", "|---|---|---|---|"]
    for part, t in data["parts"].items():
        lines.append(f"| {part} ({t['collections']}) | {t['top1_right'] / t['gold_links']:.3f} "
                     f"({t['ranked_right'] / t['gold_links']:.3f}) | {t['top1_right'] / max(t['emitted'], 1):.3f} | "
                     f"{t['none_linked']}/{t['none']} |")
    return "\n".join(lines)


def per_doc_kind_table(pair_rows: list[dict]) -> str:
    return kind_counts_table(Counter((r["doc_id"], r["kind"]) for r in pair_rows))


def kind_counts_table(counts: Counter) -> str:
    """The pairs of each document by kind, from ``(doc_id, kind) -> count``."""
    kinds = sorted({k for _, k in counts})
    docs = sorted({d for d, _ in counts})
    lines = ["| document | " + " | ".join(kinds) + " |", "|---|" + "---|" * len(kinds)]
    for d in docs:
        lines.append(f"| {_md(d)} | " + " | ".join(str(counts.get((d, k), 0)) for k in kinds) + " |")
    return "\n".join(lines)
