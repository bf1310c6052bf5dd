"""The ``align`` command: argument parsing and printing over the library API."""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from .errors import AlignError, InputError


class _App(typer.Typer):
    """A Typer app whose commands share one error handler: a user's mistake (any
    :class:`AlignError`) is one line, ``ErrorType: message``, and exit status 1."""

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)

        def decorator(func):
            @functools.wraps(func)
            def run(*a, **kw):
                try:
                    return func(*a, **kw)
                except AlignError as exc:
                    typer.echo(f"{type(exc).__name__}: {exc}", err=True)
                    raise typer.Exit(1) from None

            return register(run)

        return decorator


app = _App(
    add_completion=False,
    no_args_is_help=True,
    help="Build a Chinese–English phrase alignment dataset from articles that quote English.",
)



def _fractions(text: str | None) -> tuple[float, ...]:
    from .dataset.splits import parse_fractions
    from .errors import BuildError

    if not text:
        return ()
    try:
        return parse_fractions(text)
    except ValueError as exc:
        raise BuildError(f"--splits {text}: {exc}") from None


@app.command()
def build(
    raw: Annotated[Path, typer.Option(help="Folder of raw articles.")] = Path("raw"),
    out: Annotated[Path, typer.Option(help="Output dataset folder (replaced atomically).")] = Path("build"),
    gold: Annotated[Path | None, typer.Option(help="Gold pairs to score the build against.")] = None,
    variant: Annotated[str, typer.Option("--from", help="Script of the sources: auto, hk, tw, t or s.")] = "auto",
    strict: Annotated[bool, typer.Option(help="Fail if any file is skipped.")] = False,
    max_mb: Annotated[float, typer.Option(help="Skip files larger than this many megabytes.")] = 256,
    review: Annotated[bool, typer.Option("--report/--no-report", help="Write the HTML review page to OUT/report/index.html.")] = True,
    link: Annotated[bool, typer.Option("--link/--no-link", help="Link English quotes across the documents of a collection.")] = True,
    link_scorer: Annotated[str, typer.Option(help="Link scorer: default (= use: an offline multilingual sentence encoder with chrF and the dictionary), lexical (chrF and the dictionary only), or sentence-transformers:MODEL (e.g. sentence-transformers/LaBSE).")] = "default",
    link_threshold: Annotated[float | None, typer.Option(help="Link only above this score (default: the scorer's, chosen on the tuning collections for precision 0.95).")] = None,
    links_gold: Annotated[Path | None, typer.Option(help="Gold links to score the linking against.")] = None,
    min_confidence: Annotated[float | None, typer.Option(help="Drop pairs whose confidence is below this probability (default: the model's, chosen for an expected precision of 0.95); dropped ones are listed in OUT/report.json.")] = None,
    splits: Annotated[str | None, typer.Option(help="Fractions for train,test or train,validation,test (e.g. 0.8,0.1,0.1), drawn per document (per collection when the manifest gives one), so no document feeds two splits. Default: one train split.")] = None,
    cache: Annotated[bool, typer.Option("--cache/--no-cache", help="Reuse the per-document results of earlier builds kept in $ALIGN_CACHE_DIR (default ~/.cache/align); --no-cache neither reads nor writes it.")] = True,
    corrections: Annotated[Path | None, typer.Option(help="Verdicts from the review page (corrections.jsonl): drop the pairs marked wrong, set the Chinese of those fixed, keep (or bring back) those marked right.")] = None,
    workers: Annotated[int, typer.Option(help="Processes for the per-document stages (read, normalize, segment, extract); more than 1 runs them as datatrove tasks (pip install 'align[workers]'). The output is the same.")] = 1,
    shard_mb: Annotated[float, typer.Option(hidden=True, help="Parquet per shard file, in megabytes.")] = 256,
) -> None:
    """Read RAW, extract the pairs and write the dataset to OUT."""
    from rich.console import Console
    from rich.table import Table

    from .config import BuildConfig
    from .pipeline import build as run_build

    config = BuildConfig(variant=variant, max_bytes=int(max_mb * 1024 * 1024), strict=strict,
                         min_confidence=min_confidence, link=link, link_scorer=link_scorer, link_threshold=link_threshold,
                         review=review, splits=_fractions(splits), cache=cache, workers=workers,
                         shard_bytes=int(shard_mb * 1024 * 1024),
                         gold_path=gold, links_gold_path=links_gold, corrections_path=corrections)
    errors = Console(stderr=True)
    if errors.is_terminal:
        # Progress only for a person watching; logs and pipes stay clean.
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        from .read import list_files

        total = len(list_files(raw)) if raw.is_dir() else None
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      console=errors, transient=True) as bar:
            task = bar.add_task("reading", total=total)
            report = run_build(raw, out, config,
                               progress=lambda path: bar.update(task, advance=1, description=path[:40]))
    else:
        report = run_build(raw, out, config)
    console = Console(highlight=False)
    table = Table(title=f"align build: {raw} -> {out}")
    table.add_column("document")
    table.add_column("status")
    table.add_column("script")
    table.add_column("passages", justify="right")
    table.add_column("pairs", justify="right")
    for d in report.documents:
        table.add_row(d.doc_id or d.path, d.status if not d.reason else f"{d.status}: {d.reason}",
                      d.variant or "", str(d.passages), str(d.pairs))
    console.print(table)
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(report.pair_kinds.items()))
    console.print(f"{len(report.built)} documents built, {len(report.skipped)} skipped; "
                  f"{report.passages} passages; {report.pairs} pairs ({kinds})")
    if cache:
        console.print(f"cache: {report.cache_hits} documents reused, {report.cache_misses} processed")
    if report.corrections:
        console.print(report.corrections.summary(), soft_wrap=True)
    if report.gold:
        g = report.gold
        console.print(f"gold: precision {g.precision:.3f}, recall {g.recall:.3f}, "
                      f"boundary accuracy {g.boundary_accuracy:.3f}")
    if report.links_gold:
        lg = report.links_gold
        console.print(f"links: {report.links} linked; gold top-1 {lg['top1_right']}/{lg['gold_links']}, "
                      f"abstention precision {lg['abstention_precision']}")
    for note in report.link_notes:
        console.print(f"note: {note}")


@app.command()
def report(
    build_dir: Annotated[Path, typer.Option("--build", help="Built dataset folder.")] = Path("build"),
    raw: Annotated[Path, typer.Option(help="Raw folder, to mark documents whose source changed since the build.")] = Path("raw"),
    out: Annotated[Path | None, typer.Option(help="HTML file to write (default BUILD/report/index.html).")] = None,
    screenshot: Annotated[Path | None, typer.Option(help="Also write a PNG of the page (needs Chromium).")] = None,
    width: Annotated[int, typer.Option(help="Screenshot width in pixels.")] = 1280,
    height: Annotated[int, typer.Option(help="Screenshot height in pixels.")] = 2400,
) -> None:
    """Write the static HTML review page of a build (opens offline in a browser)."""
    from .review import screenshot as take_screenshot
    from .review import write_report

    path = write_report(build_dir, raw if raw.is_dir() else None, out or build_dir / "report" / "index.html")
    typer.echo(f"wrote {path}")
    if screenshot is not None:
        typer.echo(f"wrote {take_screenshot(path, screenshot, width, height)}")


@app.command()
def normalize(
    variant: Annotated[str, typer.Option("--from", help="Source script: auto, hk, tw, t or s.")] = "auto",
    phrases: Annotated[bool, typer.Option(help="Mainland vocabulary too (OpenCC's hk2sp/tw2sp: 滑鼠 -> 鼠标), as the zh_mainland column.")] = False,
) -> None:
    """Normalize standard input to Simplified Chinese on standard output."""
    from .config import BuildConfig
    from .normalize import mainland_text, normalize_text

    BuildConfig(variant=variant)  # the one check of --from
    text = sys.stdin.read()
    out = mainland_text(text, variant) if phrases else normalize_text(text, variant)[0]
    sys.stdout.write(out)


@app.command("eval")
def eval_(
    gold: Annotated[Path, typer.Option(help="Gold pairs (JSON lines), or a corrections.jsonl from the review page.")],
    build_dir: Annotated[Path, typer.Option("--build", help="Built dataset folder.")] = Path("build"),
    show: Annotated[int, typer.Option(help="List up to this many misses and extras.")] = 20,
    link_threshold: Annotated[float | None, typer.Option(help="Link only above this score (default: the scorer's, chosen on the tuning collections for precision 0.95).")] = None,
    links_gold: Annotated[Path | None, typer.Option(help="Gold links (JSON lines) to score the links config against.")] = None,
) -> None:
    """Precision, recall and boundary accuracy of a build against gold pairs (and links)."""
    from .dataset.load import read_config
    from .dataset.schema import parquet_name
    from .evaluate import evaluate
    from .gold import load_gold

    gold_pairs = load_gold(gold)
    rows = read_config(build_dir, "pairs")
    if rows is None:
        raise InputError(f"{build_dir / parquet_name('pairs')}: no pairs; run `align build` first")
    docs = {r["doc_id"] for r in read_config(build_dir, "documents") or []}
    preds = [(r["doc_id"], r["translation"]["en"], r["translation"]["zh"], r["kind"]) for r in rows
             if r["kind"] != "linked"]
    result = evaluate(preds, gold_pairs, docs)
    typer.echo(f"gold pairs          {result.gold}")
    typer.echo(f"predicted pairs     {result.predicted}")
    typer.echo(f"precision           {result.precision:.4f}")
    typer.echo(f"recall              {result.recall:.4f}")
    typer.echo(f"f1                  {result.f1:.4f}")
    typer.echo(f"boundary accuracy   {result.boundary_accuracy:.4f}")
    typer.echo(f"kind accuracy       {result.kind_accuracy:.4f}")
    typer.echo(f"negatives violated  {result.negatives_violated}")
    for g in result.misses[:show]:
        typer.echo(f"miss   {g.doc_id}  {g.en} -> {g.zh}")
    for d, e, z in result.extras[:show]:
        typer.echo(f"extra  {d}  {e} -> {z}")
    for d, e, z, want in result.boundary_errors[:show]:
        typer.echo(f"bound  {d}  {e} -> {z} (gold {want})")
    if links_gold is not None:
        from .evaluate import score_link_rows
        from .gold import load_link_gold

        links = read_config(build_dir, "links") or []
        passages = {r["passage_id"]: r["text"] for r in read_config(build_dir, "passages") or []}
        f = score_link_rows(links, passages, docs, load_link_gold(links_gold))
        typer.echo(f"gold links          {f['gold_links']} (of {f['gold_phrases']} phrases)")
        typer.echo(f"top-1 accuracy      {_share(f['top1_accuracy'])}")
        typer.echo(f"abstention prec.    {_share(f['abstention_precision'])}")
        typer.echo(f"none linked         {f['none_linked']}")
        typer.echo(f"linked scores       {_spread([r['score'] for r in links])}")
        typer.echo(f"margins             {_spread([r['margin'] for r in links])}")


@app.command()
def push(
    repo_id: Annotated[str, typer.Argument(help="Hub dataset repository, e.g. someone/zh-en-quotes.")],
    build_dir: Annotated[Path, typer.Option("--build", help="Built dataset folder.")] = Path("build"),
    private: Annotated[bool, typer.Option(help="Create the repository as private.")] = False,
    dry_run: Annotated[bool, typer.Option(help="List the files that would be uploaded and what is held back, upload nothing.")] = False,
) -> None:
    """Upload the built dataset to the Hugging Face Hub as one commit, or above 1 GB or 100
    files in several, resumably: run it again to finish a push that broke off (of documents
    that may not be redistributed, only the sentences of their pairs and links)."""
    from .push import publish_plan
    from .push import push as run_push

    if dry_run:
        plan = publish_plan(build_dir)
        for rel in plan.files:
            typer.echo(rel)
        for line in plan.held_back:
            typer.echo(f"held back: {line}")
        return
    url = run_push(build_dir, repo_id, private=private)
    typer.echo(f"pushed {build_dir} to {url}")


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _spread(values: list[float]) -> str:
    """``min / median / max (n=N)`` of a list of scores."""
    if not values:
        return "none"
    xs = sorted(values)
    return f"{xs[0]:.4f} / {xs[len(xs) // 2]:.4f} / {xs[-1]:.4f} (min / median / max, n={len(xs)})"


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
