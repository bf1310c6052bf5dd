"""Extraction cost per MB: the pair model against the hand-written rules alone, same run.

    python benchmarks/extract_speed.py [--repeat 2]

Both run over the same normalized, segmented documents of the dev corpus (reading and
normalization are not timed); the rules alone are what extraction cost before the model
(they still run inside it, as one of its features). Prints MB/s of each and their ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from devsets import sources  # noqa: E402

from align.extract import PairExtractor, extract_pairs  # noqa: E402
from align.pipeline import documents  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1, help="best of N passes (later passes reuse the string caches)")
    args = ap.parse_args()
    docs = [d for src in sources() for d in documents(src.raw)]
    mb = sum(len(norm.raw.text.encode("utf-8")) for norm, _ in docs) / 1e6
    extract_pairs(*docs[0])  # load the dictionary, jieba and the model outside the clock
    timings = {}
    for name, run in (("rules alone", lambda n, p: PairExtractor(n).run(p)),
                      ("pair model", lambda n, p: extract_pairs(n, p))):
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            for norm, passages in docs:
                run(norm, passages)
            best = min(best, time.perf_counter() - t0)
        timings[name] = best
        print(f"{name:12} {best:7.2f} s  {mb / best:6.3f} MB/s  ({len(docs)} documents, {mb:.2f} MB)")
    print(f"ratio (pair model / rules alone, time per MB): {timings['pair model'] / timings['rules alone']:.2f}")


if __name__ == "__main__":
    main()
