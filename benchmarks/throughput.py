"""The build at corpus scale: MB/s against a bare OpenCC pass, time per stage, peak memory.

    python benchmarks/throughput.py [--sizes 50,500] [--workdir DIR] [--no-link] [--no-report]

For each size (MB) it generates a corpus of varied real articles: paragraphs of the dev
corpora's documents (tests/dev/extract, tests/dev/link_collections, raw/) drawn with a fixed
seed into new documents of 5-40 KB, so no two files are copies. Each size then runs in a
fresh process (so peak RSS is its own) that times, over the same files:

- a bare pass of the official OpenCC binding (read each file, convert it): the one step
  that must touch every character, the baseline of the ratio;
- ``align.pipeline.build`` with the default settings, its time split by stage (read,
  normalize, segment, extract, link, glossary and variants, score, write, review page;
  what is left is the orchestration).

It prints MB/s of both and their ratio, the stage times, the peak RSS of each size and the
ratio of the peak RSS of the largest size to the smallest.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The extraction test part stays out: the tool runs on it once, for its figures.
SOURCES = [*sorted((ROOT / "tests" / "dev" / "extract").glob("tune/*/raw/*.*")),
           *sorted((ROOT / "tests" / "dev" / "link_collections").glob("*/*/raw/*.txt")),
           *sorted((ROOT / "raw").glob("*.txt"))]


def paragraphs() -> list[str]:
    """Every paragraph (a non-empty line with Chinese) of the dev corpora, in file order."""
    out = []
    for path in SOURCES:
        if path.suffix not in (".txt", ".md"):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and any("\u4e00" <= ch <= "\u9fff" for ch in line):
                out.append(line)
    return out


def generate(folder: Path, megabytes: float, seed: int = 0) -> int:
    """Write documents of 5-40 KB drawn from the paragraphs until ``megabytes``; return bytes."""
    rng = random.Random(seed)
    pool = paragraphs()
    folder.mkdir(parents=True, exist_ok=True)
    total, n = 0, 0
    while total < megabytes * 1e6:
        target, doc, size = rng.randint(5_000, 40_000), [], 0
        start = rng.randrange(len(pool))
        # Runs of consecutive paragraphs from a few places: articles, not shuffled lines.
        while size < target:
            run = rng.randint(3, 12)
            for p in pool[start : start + run]:
                doc.append(p)
                size += len(p.encode("utf-8")) + 2
            start = rng.randrange(len(pool))
        text = "\n\n".join(doc) + "\n"
        (folder / f"doc_{n:06d}.txt").write_text(text, encoding="utf-8")
        total += len(text.encode("utf-8"))
        n += 1
    return total


def measure(corpus: Path, out: Path, link: bool = True, review: bool = True) -> dict:
    """Run in a fresh process: the OpenCC pass and the timed build of ``corpus``."""
    import opencc

    files = sorted(corpus.glob("*.txt"))
    size = sum(f.stat().st_size for f in files)
    converter = opencc.OpenCC("t2s")
    t0 = time.perf_counter()
    for f in files:
        converter.convert(f.read_text(encoding="utf-8"))
    opencc_s = time.perf_counter() - t0

    from align import pipeline, process
    from align.dataset import writer
    from align.link import collection

    stages: dict[str, float] = {}

    def timed(name, fn):
        def run(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                stages[name] = stages.get(name, 0.0) + time.perf_counter() - t
        return run

    # The names the pipeline and the per-document chain call, wrapped where they look them up.
    from align import read

    read.read_file = timed("read", read.read_file)
    process.normalize_document = timed("normalize", process.normalize_document)
    process.segment_document = timed("segment", process.segment_document)
    process.extract_pairs = timed("extract", process.extract_pairs)
    collection.CollectionLinker.run = timed("link", collection.CollectionLinker.run)
    pipeline.score.train_tokenizer = timed("score", pipeline.score.train_tokenizer)
    pipeline.score.SpoolScorer.__init__ = timed("score", pipeline.score.SpoolScorer.__init__)
    pipeline.score.SpoolScorer.score = timed("score", pipeline.score.SpoolScorer.score)
    pipeline.corpus_figures = timed("glossary and variants", pipeline.corpus_figures)
    pipeline.write_report = timed("review page", pipeline.write_report)
    # Every parquet row: the passages and pairs streamed a document at a time, the rest at the end.
    writer.write_parquet = timed("write", writer.write_parquet)
    writer.BuildWriter.add_rows = timed("write", writer.BuildWriter.add_rows)
    t0 = time.perf_counter()
    pipeline.build(corpus, out, link=link, review=review)
    build_s = time.perf_counter() - t0
    stages["other"] = build_s - sum(stages.values())
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"files": len(files), "mb": size / 1e6, "opencc_s": opencc_s, "build_s": build_s,
            "stages": stages, "peak_rss_mb": peak_kb / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="50,500", help="corpus sizes in MB, comma-separated")
    ap.add_argument("--workdir", type=Path, default=None, help="where to generate (default: a temporary folder)")
    ap.add_argument("--measure", nargs=2, type=Path, help=argparse.SUPPRESS)  # the child process
    # A corpus without a manifest is one collection, linked whole: at a few hundred files
    # linking alone takes most of the time and memory, so the other stages' figures need it off.
    ap.add_argument("--no-link", action="store_true", help="build without linking (also incremental.py's child)")
    ap.add_argument("--no-report", action="store_true", help="build without the review page (it holds every document)")
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure, link=not args.no_link, review=not args.no_report)))
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="align-throughput-"))
    results = []
    for mb in (float(s) for s in args.sizes.split(",")):
        corpus = work / f"corpus-{mb:g}mb"
        if not corpus.is_dir():
            generate(corpus, mb)
        options = [*(["--no-link"] if args.no_link else []), *(["--no-report"] if args.no_report else [])]
        run = subprocess.run([sys.executable, __file__, "--measure", str(corpus), str(work / f"build-{mb:g}mb"),
                              *options], capture_output=True, text=True, check=True)
        r = json.loads(run.stdout.strip().splitlines()[-1])
        results.append(r)
        print(f"== {r['mb']:.1f} MB, {r['files']} files")
        print(f"   bare OpenCC pass {r['mb'] / r['opencc_s']:8.2f} MB/s   ({r['opencc_s']:.1f} s)")
        print(f"   align build      {r['mb'] / r['build_s']:8.2f} MB/s   ({r['build_s']:.1f} s)   "
              f"ratio build/OpenCC throughput {r['opencc_s'] / r['build_s']:.4f}")
        print("   stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(r["stages"].items(), key=lambda kv: -kv[1])))
        print(f"   peak RSS         {r['peak_rss_mb']:.0f} MB")
    if len(results) > 1:
        print(f"peak RSS {results[-1]['mb']:.0f} MB / {results[0]['mb']:.0f} MB: "
              f"{results[-1]['peak_rss_mb'] / results[0]['peak_rss_mb']:.2f}")


if __name__ == "__main__":
    main()
