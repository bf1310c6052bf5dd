"""Print the extractor's precision, recall and boundary accuracy on the seed gold set
and on the independent d2l-zh dev set, so a change can be seen to generalize or not.

    python benchmarks/extract_quality.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from align.pipeline import build  # noqa: E402

SETS = {
    "seeds (tests/gold/seeds.jsonl)": (ROOT / "raw", ROOT / "tests/gold/seeds.jsonl"),
    "dev d2l-zh (tests/dev/d2l/gold.jsonl)": (ROOT / "tests/dev/d2l/raw", ROOT / "tests/dev/d2l/gold.jsonl"),
}


def main() -> None:
    print(f"{'set':40} {'gold':>5} {'pred':>5} {'P':>6} {'R':>6} {'F1':>6} {'bound':>6} {'neg':>4} {'secs':>5}")
    for name, (raw, gold) in SETS.items():
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            report = build(raw, Path(tmp) / "build", gold_path=gold)
            secs = time.perf_counter() - t0
        g = report.gold
        print(f"{name:40} {g.gold:5d} {g.predicted:5d} {g.precision:6.3f} {g.recall:6.3f} {g.f1:6.3f} "
              f"{g.boundary_accuracy:6.3f} {g.negatives_violated:4d} {secs:5.1f}")
        for miss in g.misses:
            print(f"    miss  {miss.doc_id}: {miss.en} -> {miss.zh}")
        for doc_id, en, zh in g.extras:
            print(f"    extra {doc_id}: {en} -> {zh}")


if __name__ == "__main__":
    main()
