"""Fit the Platt scaling that turns the extractor's score into ``confidence``.

Builds the seed gold set and the d2l-zh dev set, labels every built pair correct or not
against the gold (English and Chinese span right, alternatives accepted), fits
``sigmoid(a*logit(score)+b)`` on both, writes ``align/data/calibration.json`` and prints
Brier scores before/after, per set.

    python benchmarks/calibrate.py          # fit and write
    python benchmarks/calibrate.py --check  # print only
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from align import score  # noqa: E402
from align.evaluate import correct_flags, load_gold  # noqa: E402

SETS = {
    "seeds": (ROOT / "raw", ROOT / "tests/gold/seeds.jsonl"),
    "dev": (ROOT / "tests/dev/d2l/raw", ROOT / "tests/dev/d2l/gold.jsonl"),
}
OUT = ROOT / "align/data/calibration.json"


def raw_scores(raw: Path, gold: Path) -> tuple[list[float], list[bool]]:
    from align.extract import extract_pairs
    from align.normalize import normalize_document
    from align.read import read_folder
    from align.segment import segment_document

    preds, scores = [], []
    for doc in read_folder(raw):
        if not hasattr(doc, "text"):
            continue
        norm = normalize_document(doc)
        pairs, _ = extract_pairs(norm, segment_document(norm))
        for p in pairs:
            preds.append((p.doc_id, p.en, p.zh, p.kind))
            scores.append(p.confidence)
    labels = correct_flags(preds, load_gold(gold))
    kept = [(s, ok) for s, ok in zip(scores, labels, strict=True) if ok is not None]
    return [s for s, _ in kept], [ok for _, ok in kept]


def main() -> None:
    data = {name: raw_scores(raw, gold) for name, (raw, gold) in SETS.items()}
    all_s = [s for v in data.values() for s in v[0]]
    all_y = [y for v in data.values() for y in v[1]]
    fit = score.PlattScaling.fit(all_s, all_y)
    seeds_only = score.PlattScaling.fit(*data["seeds"])
    print(f"pairs: {len(all_s)} ({sum(all_y)} correct); fitted a={fit.a} b={fit.b}")
    for name, (s, y) in data.items():
        print(f"{name:6} n={len(s):3d} correct={sum(y):3d}  Brier raw={score.brier(s, y):.4f}  "
              f"calibrated={score.brier([fit(x) for x in s], y):.4f}  "
              f"(fit on seeds only: {score.brier([seeds_only(x) for x in s], y):.4f})")
    if "--check" not in sys.argv:
        OUT.write_text(json.dumps({"a": fit.a, "b": fit.b, "fitted_on": "seeds gold + d2l-zh dev gold",
                                   "pairs": len(all_s), "correct": sum(all_y)}, indent=2) + "\n")
        print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
