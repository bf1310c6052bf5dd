"""The extraction dev corpus (tests/dev/extract): well formed, big enough, split by source, and
the shipped model holding on its blind test part.

The floors sit under the figures benchmarks/extract_quality.py prints (README, Quality):
a change that only fits the tuning part shows up here as a drop.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

CORPUS = ROOT / "tests" / "dev" / "extract"
FOLDERS = sorted(p for part in ("tune", "test") for p in (CORPUS / part).iterdir() if p.is_dir())
sys.path.insert(0, str(ROOT / "benchmarks"))


def _gold(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_source_is_well_formed_and_documented(folder):
    run = subprocess.run([sys.executable, str(CORPUS / "validate.py"), str(folder)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-2000:]
    readme = (folder / "README.md").read_text(encoding="utf-8").lower()
    assert "licen" in readme and "commit" in readme


def test_corpus_size_and_split_by_source():
    labels = {f: _gold(f) for f in FOLDERS}
    positives = [g for rows in labels.values() for g in rows if g["label"] == "positive"]
    test_positives = [g for f, rows in labels.items() if f.parent.name == "test" for g in rows if g["label"] == "positive"]
    assert len(FOLDERS) >= 10
    assert len(positives) >= 800 and sum(g["person"] for g in positives) >= 250
    assert sum(g["label"] == "negative" for rows in labels.values() for g in rows) >= 150
    assert len(test_positives) >= len(positives) / 3
    # Split by source: no repository feeds both parts.
    claims = [line.split()[:2] for line in (CORPUS / "CLAIMS.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    repos = {}
    for repo, folder in claims:
        repos.setdefault(repo.lower(), set()).add(folder.split("/")[0].replace("test2", "test"))
    assert all(len(parts) == 1 for parts in repos.values()), repos


def test_shipped_model_holds_on_the_blind_test_part():
    from devsets import sources
    from extract_quality import measure, row

    results, scored, negatives, scored_all = [], [], 0, []
    for src in sources(("test",)):
        res, sc, neg, sc_all = measure(src, None)
        results.append(res)
        scored += sc
        negatives += neg
        scored_all += sc_all
    r = row("test", results, scored, negatives, scored_all)
    violated = int(r["negatives_emitted"].split("/")[0])
    # Floors under the measurement of the test part (the eleventh part, the tenth, the ninth and
    # the held-out half of the eighth, test11_first_measurement.txt: P 0.934, R 0.629, boundary
    # 0.949, negatives 169/4873); the targets are higher for precision and recall and
    # are reported as missed.
    assert r["precision"] >= 0.925 and r["recall"] >= 0.62 and r["boundary"] >= 0.94, r
    assert violated <= 0.05 * negatives, r
    assert abs(r["mean_confidence"] - r["precision"]) <= 0.05, r


def test_the_model_is_data_not_code():
    data = json.loads((ROOT / "align" / "data" / "pair_model.json").read_text(encoding="utf-8"))
    from align.features import FEATURES

    assert data["features"] == list(FEATURES)
    assert data["kind"] == "trees" and data["body"]["trees"]
    assert set(data["trained_on"]).isdisjoint({p.name for p in (CORPUS / "test").iterdir()})


def test_the_calibration_sources_are_tuning_sources():
    # train_pair_model.py calibrates confidence on them: a renamed or moved folder would
    # silently shrink the calibration set, and a test source must never be among them.
    lines = (CORPUS / "calibration_sources.txt").read_text(encoding="utf-8").splitlines()
    names = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert len(names) >= 10
    assert all((CORPUS / "tune" / name / "gold.jsonl").is_file() for name in names), names
    assert not {p.name for p in (CORPUS / "test").iterdir()} & set(names)
