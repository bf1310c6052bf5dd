"""The independent d2l-zh dev set: the extractor must generalize beyond the seeds.

Floors sit below the measured figures (benchmarks/extract_quality.py prints them); a
change that only fits the seeds shows up here as a drop.
"""

from pathlib import Path

from align.pipeline import build

from .conftest import ROOT

DEV = ROOT / "tests" / "dev" / "d2l"


def test_dev_set_precision_and_recall(tmp_path):
    report = build(DEV / "raw", tmp_path / "build", gold_path=DEV / "gold.jsonl")
    g = report.gold
    assert g.gold >= 80
    assert g.precision >= 0.93, g.extras
    assert g.recall >= 0.90, [m.en for m in g.misses]
    assert g.negatives_violated == 0
    assert Path(tmp_path / "build" / "README.md").is_file()
