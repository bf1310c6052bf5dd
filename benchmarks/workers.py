"""``align build --workers N``: the build's time with 1 and more workers on the same corpus.

    python benchmarks/workers.py [--mb 6] [--workers 1,2] [--settings no-link,default] [--workdir DIR]

It generates the corpus of benchmarks/throughput.py (runs of paragraphs of the dev corpora
drawn with a fixed seed into documents of 5-40 KB), then builds it once per number of
workers and per setting, each in a fresh process, without the cache of per-document
results (``--no-cache``: every document is processed). It times the whole build and, inside
it, the per-document part (read, normalize, segment, extract: in the process, or in the
datatrove tasks and the merge of their shards), the part the workers share; the rest
(linking, scores, the files, the card, the review page) runs in one process whatever the
number of workers.

It prints first how much faster as many copies of a pure-Python loop as the most workers
run side by side than one after another: the ceiling the machine offers at that moment.
Then, for each run: the times, their speed-ups against 1 worker of the same setting, the
CPU seconds of the per-document part summed over the processes (what the workers cost
beyond the one-process build, whatever the load), the peak memory of the build's process
and of a worker, and the load average before and after (other programs on the cores slow a
run down); and whether the output is byte-identical to 1 worker's. It prints figures only;
nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import generate  # noqa: E402  the same corpus as the throughput benchmark

SETTINGS = {"default": {}, "no-link": {"link": False}}


def _spin(n: int = 30_000_000) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def machine_ratio(processes: int) -> float:
    """How much faster ``processes`` copies of a pure-Python loop run side by side than one
    after another, now: the most any number of workers can gain on this machine at this
    load (other programs on the cores bring it down)."""
    from multiprocessing import get_context

    start = time.perf_counter()
    for _ in range(processes):
        _spin()
    alone = time.perf_counter() - start
    start = time.perf_counter()
    with get_context("fork").Pool(processes) as pool:
        pool.map(_spin, [30_000_000] * processes)
    return alone / (time.perf_counter() - start)


def _cpu_s() -> float:
    """CPU seconds of this process and of its finished children (the datatrove workers,
    once their pool is closed)."""
    import resource

    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))


def measure(corpus: Path, out: Path, workers: int, setting: str) -> dict:
    """In a fresh process: one timed build, and the time of its per-document part."""
    from contextlib import contextmanager

    from align import pipeline
    from align.config import BuildConfig

    timing: dict[str, float] = {}
    results = pipeline._results

    @contextmanager
    def timed(*args, **kwargs):
        start, cpu = time.perf_counter(), _cpu_s()
        with results(*args, **kwargs) as (stream, counts):
            def consumed():
                yield from stream
                timing["per_document_s"] = time.perf_counter() - start
                timing["per_document_cpu_s"] = _cpu_s() - cpu
            yield consumed(), counts

    pipeline._results = timed  # where build looks it up
    config = BuildConfig(cache=False, workers=workers, **SETTINGS[setting])
    start = time.perf_counter()
    report = pipeline.build(corpus, out, config)
    timing["build_s"] = time.perf_counter() - start
    import resource

    # ru_maxrss is in KB on Linux; of the children, the largest one's (a worker's).
    rss = {who: resource.getrusage(getattr(resource, f"RUSAGE_{who.upper()}")).ru_maxrss / 1024
           for who in ("self", "children")}
    return {**timing, "documents": len(report.built), "pairs": report.pairs, "rss_mb": rss}


def _same(a: Path, b: Path) -> bool:
    files = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    if files != sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()):
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    return not mismatch and not errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=6, help="corpus size in MB")
    ap.add_argument("--workers", default="1,2", help="numbers of workers, comma-separated; the first is the baseline")
    ap.add_argument("--settings", default="no-link,default", help=f"build settings: {', '.join(SETTINGS)}")
    ap.add_argument("--workdir", type=Path, default=None, help="where to generate (default: a temporary folder)")
    ap.add_argument("--measure", nargs=4, help=argparse.SUPPRESS)  # the child process
    args = ap.parse_args()
    if args.measure:
        corpus, out, workers, setting = args.measure
        print(json.dumps(measure(Path(corpus), Path(out), int(workers), setting)))
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="align-workers-"))
    corpus = work / f"corpus-{args.mb:g}mb"
    if not corpus.is_dir():
        generate(corpus, args.mb)
    files = sorted(corpus.glob("*.txt"))
    mb = sum(f.stat().st_size for f in files) / 1e6
    counts = [int(n) for n in args.workers.split(",")]
    print(f"== {mb:.1f} MB, {len(files)} files; {os.cpu_count()} cores; --no-cache")
    most = max(counts)
    print(f"   the machine now: {most} copies of a pure-Python loop side by side x{machine_ratio(most):.2f} "
          f"(load {os.getloadavg()[0]:.1f})")
    for setting in args.settings.split(","):
        base = None
        for n in counts:
            out = work / f"build-{setting}-{n}"
            load = os.getloadavg()[0]
            run = subprocess.run([sys.executable, __file__, "--measure", str(corpus), str(out), str(n), setting],
                                 capture_output=True, text=True)
            if run.returncode:
                sys.exit(run.stderr)
            r = json.loads(run.stdout.strip().splitlines()[-1])
            base = base or r
            same = "" if n == counts[0] else \
                f"   output {'byte-identical' if _same(work / f'build-{setting}-{counts[0]}', out) else 'DIFFERENT'}"
            worker_rss = f" (+ {r['rss_mb']['children']:.0f} MB per worker)" if n > 1 else ""
            print(f"   {setting:8} {n} worker{'s' if n > 1 else ' '}  build {r['build_s']:6.1f} s "
                  f"(x{base['build_s'] / r['build_s']:.2f})   per-document {r['per_document_s']:6.1f} s "
                  f"(x{base['per_document_s'] / r['per_document_s']:.2f}, CPU {r['per_document_cpu_s']:5.1f} s)   "
                  f"rest {r['build_s'] - r['per_document_s']:6.1f} s   peak RSS {r['rss_mb']['self']:.0f} MB"
                  f"{worker_rss}   load {load:.1f} -> {os.getloadavg()[0]:.1f}{same}")


if __name__ == "__main__":
    main()
