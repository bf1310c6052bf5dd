"""Small builds start fast: the warm build of the three seed articles against a baseline.

    python benchmarks/startup.py [--baseline REV] [--runs 5] [--no-link]

Times ``align build --gold tests/gold/seeds.jsonl --links-gold tests/gold/links.jsonl`` in
a fresh process, as a user runs it, for the working tree and for the package as it is at
git revision ``REV`` (default ``HEAD``; its ``align/`` is exported to a temporary folder
and put first on ``PYTHONPATH``), in turns, so that both meet the same load on the machine.
Both use one cache folder of their own (``ALIGN_CACHE_DIR``), filled by an untimed first
build of each: the timed builds are warm. It checks that both outputs are byte-identical
(``diff -r``) and prints each one's wall times (median and best) and median CPU time (user and
system: what a busy machine makes the wall time follow), and the ratios working tree / baseline. It prints figures only; nothing is asserted about time (the target, under 3 s
warm on a quiet two-core machine, is issue 14's).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ["--gold", "tests/gold/seeds.jsonl", "--links-gold", "tests/gold/links.jsonl"]


def run_build(out: Path, env: dict, extra: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user and system) of ``align build`` in a fresh process."""
    t0, before = time.perf_counter(), _children_cpu()
    # -P: the working folder is not put first on sys.path, so PYTHONPATH picks the package.
    proc = subprocess.run([sys.executable, "-P", "-m", "align", "build", *BUILD, *extra, "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    secs, cpu = time.perf_counter() - t0, _children_cpu() - before
    if proc.returncode:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
        raise SystemExit(proc.returncode)
    return secs, cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", default="HEAD", help="git revision to compare with (default HEAD)")
    ap.add_argument("--runs", type=int, default=5, help="timed builds of each (default 5)")
    ap.add_argument("--no-link", action="store_true", help="build without linking")
    args = ap.parse_args()
    extra = ["--no-link"] if args.no_link else []
    with tempfile.TemporaryDirectory(prefix="align-startup-") as tmp:
        work = Path(tmp)
        base = work / "code"  # the baseline's package, beside the outputs (a build replaces its output folder)
        base.mkdir()
        archive = subprocess.run(["git", "archive", args.baseline, "align"], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        cache = {"ALIGN_CACHE_DIR": str(work / "cache")}
        envs = {"baseline": {**os.environ, **cache, "PYTHONPATH": str(base)},
                "working tree": {**os.environ, **cache, "PYTHONPATH": str(ROOT)}}
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in envs}
        out = {name: work / "out" / name for name in envs}
        for name, env in envs.items():  # fills the caches: every timed build is warm
            run_build(out[name], env, extra)
        for _ in range(args.runs):
            for name, env in envs.items():
                times[name].append(run_build(out[name], env, extra))
        same = subprocess.run(["diff", "-r", *map(str, out.values())], capture_output=True).returncode == 0
    print(f"warm seeds build{' --no-link' if args.no_link else ''}, {args.runs} runs each, in turns")
    medians = {}
    for name, runs in times.items():
        wall, cpu = [w for w, _ in runs], [c for _, c in runs]
        medians[name] = statistics.median(wall), statistics.median(cpu)
        print(f"  {name:12} wall median {medians[name][0]:5.2f} s, best {min(wall):5.2f} s "
              f"({', '.join(f'{w:.2f}' for w in wall)}); CPU median {medians[name][1]:5.2f} s")
    wall_ratio = medians["working tree"][0] / medians["baseline"][0]
    cpu_ratio = medians["working tree"][1] / medians["baseline"][1]
    print(f"  working tree / baseline {args.baseline}: wall {wall_ratio:.2f}, CPU {cpu_ratio:.2f} (medians)")
    print(f"  outputs byte-identical: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
