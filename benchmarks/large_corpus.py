"""Time and peak memory of `align build` on a large generated corpus.

The corpus is the seed articles replicated under varied file names (many small files),
or concatenated into one big file. The build runs in a child process, so its peak RSS is
measured alone.

    python benchmarks/large_corpus.py --mb 100                 # many small files
    python benchmarks/large_corpus.py --mb 200 --one-file      # one big file
    python benchmarks/large_corpus.py --files 10000            # 10,000 small files
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_corpus(raw: Path, mb: float, files: int | None, one_file: bool) -> tuple[int, int]:
    seeds = [p.read_bytes() for p in sorted((ROOT / "raw").glob("*.txt"))]
    raw.mkdir(parents=True)
    target = int(mb * 1024 * 1024)
    written = count = 0
    if one_file:
        with open(raw / "big.txt", "wb") as fh:
            while written < target:
                for s in seeds:
                    fh.write(s + b"\n")
                    written += len(s) + 1
        return written, 1
    i = 0
    while (files is not None and count < files) or (files is None and written < target):
        data = seeds[i % len(seeds)]
        (raw / f"{i:06d}_{i % 97:02d}_{'abc'[i % 3]}.txt").write_bytes(data)
        written += len(data)
        count += 1
        i += 1
    return written, count


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=50)
    ap.add_argument("--files", type=int)
    ap.add_argument("--one-file", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        size, count = make_corpus(raw, args.mb, args.files, args.one_file)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "align", "build", "--raw", str(raw), "--out", str(Path(tmp) / "build")],
                              capture_output=True, text=True, cwd=ROOT)
        secs = time.perf_counter() - t0
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if proc.returncode:
            print(proc.stdout[-2000:], proc.stderr[-2000:])
            raise SystemExit(proc.returncode)
        summary = [line for line in proc.stdout.splitlines() if "documents built" in line]
        print(f"corpus: {size / 1e6:.1f} MB in {count} file(s)")
        print(f"build:  {secs:.1f} s, {size / 1e6 / secs:.2f} MB/s, peak RSS {peak_mb:.0f} MB")
        print(summary[0] if summary else proc.stdout[-500:])


if __name__ == "__main__":
    main()
