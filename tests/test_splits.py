"""Splits without leakage: ``--splits`` sends every row of a document to one split."""

import shutil

import pytest
import yaml

from align.config import BuildConfig
from align.dataset.load import read_config, split_files
from align.dataset.splits import SplitPlan, parse_fractions
from align.errors import BuildError
from align.pipeline import build

from .conftest import RAW, ROOT

PER_DOCUMENT = ("pairs", "passages", "documents", "links")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The seeds and the d2l chapters (five documents), built with and without splits."""
    raw = tmp_path_factory.mktemp("raw")
    for path in [*RAW.glob("*.txt"), *(ROOT / "tests" / "dev" / "d2l" / "raw").glob("*.txt")]:
        shutil.copyfile(path, raw / path.name)
    whole = tmp_path_factory.mktemp("whole") / "build"
    split = tmp_path_factory.mktemp("split") / "build"
    build(raw, whole, review=False)
    build(raw, split, review=False, splits=(0.5, 0.5))
    return whole, split


def test_no_document_feeds_two_splits_and_no_row_is_lost(corpus):
    whole, split = corpus
    assert set(split_files(split, "pairs")) == {"train", "test"}
    docs_by_split = {}
    for name, path in split_files(split, "documents").items():
        import pyarrow.parquet as pq

        docs_by_split[name] = set(pq.read_table(path).column("doc_id").to_pylist())
    assert docs_by_split["train"] and docs_by_split["test"]  # five documents: both splits drawn
    assert not docs_by_split["train"] & docs_by_split["test"]
    for config in PER_DOCUMENT:
        import pyarrow.parquet as pq

        for name, path in split_files(split, config).items():
            ids = set(pq.read_table(path).column("doc_id").to_pylist())
            assert ids <= docs_by_split[name], (config, name)
        key = lambda r: sorted(r.items(), key=lambda kv: kv[0]).__repr__()  # noqa: E731
        assert sorted(map(key, read_config(split, config))) == sorted(map(key, read_config(whole, config)))
    # Corpus-wide configs keep one split.
    assert set(split_files(split, "glossary")) == {"train"}


def test_the_card_lists_each_split_with_its_rows(corpus):
    _, split = corpus
    meta = yaml.safe_load((split / "README.md").read_text(encoding="utf-8").split("---\n")[1])
    import pyarrow.parquet as pq

    for info in meta["dataset_info"]:
        for s in info["splits"]:
            rows = pq.read_table(split / info["config_name"] / f"{s['name']}-00000-of-00001.parquet").num_rows
            assert s["num_examples"] == rows
    pairs = next(c for c in meta["configs"] if c["config_name"] == "pairs")
    assert [f["split"] for f in pairs["data_files"]] == ["train", "test"]
    assert "splits:0.5,0.5" in (split / "README.md").read_text(encoding="utf-8")


def test_a_document_keeps_its_split_and_a_collection_stays_together():
    plan = SplitPlan((0.8, 0.1, 0.1))
    ids = [f"doc_{i:03d}" for i in range(300)]
    drawn = [plan.split_of(d) for d in ids]
    assert drawn == [SplitPlan((0.8, 0.1, 0.1)).split_of(d) for d in ids]
    assert 0.7 < drawn.count("train") / len(ids) < 0.9 and drawn.count("validation") and drawn.count("test")
    assert len({plan.split_of(d, "interview-2024") for d in ids}) == 1
    assert SplitPlan().split_of("anything") == "train"


@pytest.mark.parametrize("text", ["0.8,0.3", "1", "0.5,0.5,0,0", "a,b"])
def test_bad_fractions_are_refused(text):
    with pytest.raises(ValueError):
        parse_fractions(text)


def test_bad_fractions_name_the_option():
    with pytest.raises(BuildError, match="--splits 0.7,0.7"):
        BuildConfig(splits=(0.7, 0.7))


def test_the_cli_refuses_bad_fractions_in_one_line(tmp_path):
    from typer.testing import CliRunner

    from align.cli import app

    result = CliRunner().invoke(app, ["build", "--raw", str(RAW), "--out", str(tmp_path / "o"), "--splits", "0.9,0.2"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "--splits 0.9,0.2" in lines[0] and "add up to 1" in lines[0]
    assert not (tmp_path / "o").exists()
