"""Incremental rebuilds: a rebuild after changing one file, against a clean build.

    python benchmarks/incremental.py [--mb 3] [--workdir DIR] [--no-link]

It generates a corpus of varied real articles the way benchmarks/throughput.py does
(paragraphs of the dev corpora drawn with a fixed seed into documents of 5-40 KB), then
times three runs of ``align build`` on it, each in a fresh process as a user runs it,
with ``ALIGN_CACHE_DIR`` pointing into the work folder (the dictionary's cache is filled
first, so no run pays for parsing CC-CEDICT):

1. a clean build, the cache of per-document results empty;
2. one file changed (a paragraph appended), a rebuild with the warm cache;
3. the same changed corpus with ``--no-cache``: a clean build of it, the reference.

It checks that the outputs of 2 and 3 are byte-identical (``diff -r``), and prints the
times, the cache's hits and misses and size, whether the rebuild trained the tokenizer or
found its model in the cache, where a warm rebuild's time goes (the stage
timer of throughput.py, in-process) and the ratio rebuild / clean build (the target is
under 0.15). It prints figures only; nothing is asserted about time. ``--no-link`` runs
every build without linking: the generated corpus has no manifest, so its documents form
one collection, linked as a whole on every build, and linking is most of the time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import generate, paragraphs  # noqa: E402  the same corpus as the throughput benchmark

TARGET = 0.15


def run_build(raw: Path, out: Path, env: dict, *extra: str) -> tuple[float, str]:
    """Wall time of ``align build`` in a fresh process, and its last summary lines."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "align", "build", "--raw", str(raw), "--out", str(out), *extra],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    secs = time.perf_counter() - t0
    if proc.returncode:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
        raise SystemExit(proc.returncode)
    return secs, proc.stdout


def cache_line(stdout: str) -> str:
    found = re.search(r"cache: (\d+) documents reused, (\d+) processed", stdout)
    return f"{found.group(1)} reused, {found.group(2)} processed" if found else "not used"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=3.0, help="corpus size in MB (default 3)")
    ap.add_argument("--workdir", type=Path, default=None, help="where to work (default: a temporary folder)")
    ap.add_argument("--no-link", action="store_true", help="build without linking (align build --no-link)")
    args = ap.parse_args()
    flags = ("--no-link",) if args.no_link else ()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="align-incremental-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus, cache = work / "corpus", work / "cache"
    for old in (corpus, cache, *(work / name for name in ("clean", "rebuild", "no-cache", "split"))):
        subprocess.run(["rm", "-rf", str(old)], check=True)
    size = generate(corpus, args.mb)
    files = sorted(corpus.glob("*.txt"))
    env = {**os.environ, "ALIGN_CACHE_DIR": str(cache)}
    subprocess.run([sys.executable, "-c", "from align import lexicon; lexicon.cedict()"], cwd=ROOT, env=env,
                   check=True)
    print(f"corpus: {size / 1e6:.1f} MB in {len(files)} files ({work})")

    clean_s, clean_out = run_build(corpus, work / "clean", env, *flags)
    print(f"clean build, empty cache        {clean_s:7.1f} s   cache: {cache_line(clean_out)}")

    changed = files[len(files) // 2]
    added = paragraphs()[len(files)]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n" + added + "\n", encoding="utf-8")
    models = set(cache.glob("tokenizers/*.model"))
    warm_s, warm_out = run_build(corpus, work / "rebuild", env, *flags)
    trained = "trained" if set(cache.glob("tokenizers/*.model")) - models else "reused from the cache"
    print(f"one file changed, warm cache    {warm_s:7.1f} s   cache: {cache_line(warm_out)}   ({changed.name}; "
          f"tokenizer {trained})")

    before = sorted((p.relative_to(cache).as_posix(), p.stat().st_mtime_ns) for p in cache.rglob("*"))
    cold_s, cold_out = run_build(corpus, work / "no-cache", env, "--no-cache", *flags)
    untouched = sorted((p.relative_to(cache).as_posix(), p.stat().st_mtime_ns) for p in cache.rglob("*")) == before
    print(f"same corpus, --no-cache         {cold_s:7.1f} s   cache: {cache_line(cold_out)}"
          f"{'' if untouched else '   (the cache folder changed!)'}")

    # Where a rebuild's time goes: throughput.py's stage timer, in-process, on the warm cache
    # (nothing changed since the rebuild, so every document is a hit).
    split = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "throughput.py"), "--measure", str(corpus),
                            str(work / "split"), *flags], capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    stages = json.loads(split.stdout.strip().splitlines()[-1])
    print(f"a warm rebuild in-process       {stages['build_s']:7.1f} s   (imports excluded): " + ", ".join(
        f"{k} {v:.1f} s" for k, v in sorted(stages["stages"].items(), key=lambda kv: -kv[1]) if v >= 0.05))

    diff = subprocess.run(["diff", "-r", str(work / "rebuild"), str(work / "no-cache")], capture_output=True, text=True)
    db = cache / "documents.sqlite"
    print(f"cache file                      {db.stat().st_size / 1e6:7.1f} MB")
    print(f"rebuild == clean build (diff -r rebuild no-cache): {'yes' if diff.returncode == 0 else 'NO'}")
    if diff.returncode:
        print(diff.stdout[:2000])
    ratio = warm_s / clean_s
    print(f"ratio rebuild / clean build: {ratio:.3f} (target < {TARGET}: {'met' if ratio < TARGET else 'missed'}); "
          f"--no-cache / clean build: {cold_s / clean_s:.3f}")
    if diff.returncode:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
