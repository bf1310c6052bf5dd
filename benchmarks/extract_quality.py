"""Extraction quality on the seeds, the tuning part and the held-out test part, side by side.

    python benchmarks/extract_quality.py [--min-confidence P] [--misses] [--json FILE] [--parts seeds,tuning]

Per source and per part: gold positives, pairs built, precision, recall, boundary accuracy,
negatives emitted as pairs, the AUC of ``confidence`` (right pairs above wrong ones) among
the pairs built and among every reading the model scored (``AUCall``: the dropped ones too),
and the mean confidence beside the precision. The test part (``tests/dev/extract/test/``) was
labelled blind and the model never saw it: its figures are the ones to quote.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from devsets import sources  # noqa: E402

from align import score  # noqa: E402
from align.evaluate import correct_flags, evaluate  # noqa: E402
from align.extract import extract_pairs  # noqa: E402
from align.pair_model import shipped_model  # noqa: E402
from align.pipeline import documents  # noqa: E402


def auc(scored: list[tuple[float, bool]]) -> float | None:
    """Probability that a right pair has a higher confidence than a wrong one (ties half)."""
    right = [c for c, ok in scored if ok]
    wrong = [c for c, ok in scored if not ok]
    if not right or not wrong:
        return None
    wins = sum((r > w) + 0.5 * (r == w) for r in right for w in wrong)
    return wins / (len(right) * len(wrong))


def measure(src, min_confidence):
    """One pass at confidence 0 (every reading the model keeps per parenthesis), then the
    pairs the threshold lets through: ``(result, scored emitted, negatives, scored all)``,
    where scored lists ``(confidence, right)`` of the pairs a gold positive can judge."""
    threshold = shipped_model().min_confidence if min_confidence is None else min_confidence
    readings = []
    for norm, passages in documents(src.raw):
        for p in extract_pairs(norm, passages, min_confidence=0.0)[0]:
            readings.append(((p.doc_id, p.en, p.zh, p.kind), p.confidence))
    gold = src.gold()
    emitted = [(pred, c) for pred, c in readings if c >= threshold]
    result = evaluate([pred for pred, _ in emitted], gold)

    def scored(pairs):
        flags = correct_flags([pred for pred, _ in pairs], gold)
        return [(c, ok) for (_, c), ok in zip(pairs, flags, strict=True) if ok is not None]

    return result, scored(emitted), sum(1 for g in gold if g.label == "negative"), scored(readings)


def row(name, results, scored, negatives, scored_all=None):
    gold = sum(r.gold for r in results)
    pred = sum(r.predicted for r in results)
    correct = sum(r.correct for r in results)
    found = sum(r.gold - len(r.misses) for r in results)
    checked = sum(r.boundary_checked for r in results)
    exact = sum(r.boundary_exact for r in results)
    violated = sum(r.negatives_violated for r in results)
    a = auc(scored)
    a_all = auc(scored_all) if scored_all else None
    mean = sum(c for c, _ in scored) / len(scored) if scored else None
    return {
        "set": name, "gold": gold, "built": pred,
        "precision": round(correct / pred, 3) if pred else None,
        "recall": round(found / gold, 3) if gold else None,
        "boundary": round(exact / checked, 3) if checked else None,
        "negatives_emitted": f"{violated}/{negatives}",
        "auc": round(a, 3) if a is not None else None,
        # Right above wrong among every reading the model scored, the dropped ones included
        # (report.json and the review page show them with their confidence): the ranking a
        # user filtering by confidence gets, where "auc" sees only what one threshold kept.
        "auc_all": round(a_all, 3) if a_all is not None else None,
        "mean_confidence": round(mean, 3) if mean is not None else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--min-confidence", type=float, default=None)
    ap.add_argument("--misses", action="store_true", help="print every miss and extra (not for the test part)")
    ap.add_argument("--json", type=Path, default=None, help="also write the table as JSON")
    ap.add_argument("--parts", default="seeds,tuning,test",
                    help="comma-separated parts to measure (leave the test part out while developing)")
    args = ap.parse_args()
    parts = tuple(args.parts.split(","))
    table = []
    head = (f"{'set':34} {'gold':>5} {'built':>5} {'P':>6} {'R':>6} {'bound':>6} {'neg':>7} {'AUC':>6} "
            f"{'AUCall':>6} {'conf':>6}")
    print(head)
    calibration = []
    for part in parts:
        results, scored, negatives, scored_all = [], [], 0, []
        for src in sources((part,)):
            res, sc, neg, sc_all = measure(src, args.min_confidence)
            results.append(res)
            scored += sc
            negatives += neg
            scored_all += sc_all
            if part != "seeds":
                table.append(row(f"  {part}/{src.name}", [res], sc, neg, sc_all))
                _print(table[-1])
            if args.misses and part != "test":
                for m in res.misses:
                    print(f"      miss  {m.doc_id}: {m.en} -> {m.zh}")
                for d, e, z in res.extras:
                    print(f"      extra {d}: {e} -> {z}")
        table.append(row(part, results, scored, negatives, scored_all))
        _print(table[-1])
        if part == "test":
            calibration = scored_all
    if args.json and "test" in parts:
        # Calibration on the test part: every reading the model kept per parenthesis, at any
        # confidence (a threshold would hide exactly the pairs calibration is about).
        confidences, right = [c for c, _ in calibration], [ok for _, ok in calibration]
        out = {"parts": table, "test_calibration": {
            "readings": len(calibration), "brier": score.brier(confidences, right),
            "reliability": [[round(v, 4) if isinstance(v, float) else v for v in r]
                            for r in score.reliability(confidences, right, (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0))],
        }}
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"test part calibration (all readings): Brier {out['test_calibration']['brier']}")


def _print(r: dict) -> None:
    def f(v):
        return "  n/a" if v is None else f"{v:.3f}"

    print(f"{r['set']:34} {r['gold']:5d} {r['built']:5d} {f(r['precision']):>6} {f(r['recall']):>6} "
          f"{f(r['boundary']):>6} {r['negatives_emitted']:>7} {f(r['auc']):>6} {f(r.get('auc_all')):>6} "
          f"{f(r['mean_confidence']):>6}")


if __name__ == "__main__":
    main()
