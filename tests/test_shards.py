"""Shards: a split written as several parquet files once it passes the shard size; the rows,
the card and ``datasets`` see one split all the same."""

import shutil

import pytest
import yaml

from align.config import BuildConfig
from align.dataset.load import read_config, split_files
from align.dataset.schema import CONFIGS, features_spec
from align.dataset.writer import write_file, write_parquet
from align.errors import AlignError

from .conftest import RAW, SEED_HK, files_of

SMALL_SHARD = 10 * 1024  # bytes of parquet: the seeds' passages and pairs take several


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    from align.pipeline import build

    out = tmp_path_factory.mktemp("sharded") / "build"
    build(RAW, out, BuildConfig(shard_bytes=SMALL_SHARD))
    return out


def _meta(out):
    return yaml.safe_load((out / "README.md").read_text(encoding="utf-8").split("---\n")[1])


def test_a_small_shard_size_gives_several_shards_with_the_rows_of_one(sharded, built):
    one, _ = built
    for config in ("passages", "pairs"):
        shards = split_files(sharded, config)["train"]
        n = len(shards)
        assert n > 1, config
        assert [p.name for p in shards] == [f"train-{k:05d}-of-{n:05d}.parquet" for k in range(n)]
    for config in CONFIGS:
        assert len(split_files(one, config)["train"]) == 1
        assert read_config(sharded, config) == read_config(one, config), config
    # Nothing is left of the writer's temporary names.
    assert all(name.endswith(".parquet") for name in files_of(sharded) if "/" in name and "report/" not in name
               and "tokenizer/" not in name)


def test_the_card_adds_up_the_shards(sharded):
    import pyarrow.parquet as pq

    meta = _meta(sharded)
    globs = {c["config_name"]: c["data_files"] for c in meta["configs"]}
    for info in meta["dataset_info"]:
        config = info["config_name"]
        shards = split_files(sharded, config)["train"]
        assert globs[config] == [{"split": "train", "path": f"{config}/train-*.parquet"}]
        assert sorted(sharded.glob(globs[config][0]["path"])) == shards
        tables = [pq.read_table(p) for p in shards]
        assert info["splits"] == [{"name": "train", "num_bytes": sum(t.nbytes for t in tables),
                                   "num_examples": sum(t.num_rows for t in tables)}]
        assert info["download_size"] == sum(p.stat().st_size for p in shards)
        assert info["dataset_size"] == info["splits"][0]["num_bytes"]
    body = (sharded / "README.md").read_text(encoding="utf-8")
    assert f"**passages** ({len(read_config(sharded, 'passages'))} rows)" in body
    # The settings name the shard size, so the command on the card rebuilds these files.
    assert f"--shard-mb {SMALL_SHARD / 1024 / 1024:g}" in body


def test_datasets_loads_every_shard_through_the_cards_globs(sharded, tmp_path):
    import datasets

    for config in ("passages", "pairs"):
        loaded = datasets.load_dataset(str(sharded), config, split="train", cache_dir=str(tmp_path / "cache"),
                                       download_mode="force_redownload")
        assert loaded.to_list() == read_config(sharded, config)


def test_the_publish_view_cuts_every_shard(sharded, tmp_path):
    from align.publish import restricted_documents, stage
    from align.push import files_to_upload

    assert SEED_HK in restricted_documents(sharded)  # no manifest: only the sentences of its pairs
    view = tmp_path / "view"
    stage(sharded, files_to_upload(sharded), view)
    shards = split_files(view, "passages")["train"]
    assert [p.name for p in shards] == [p.name for p in split_files(sharded, "passages")["train"]]
    published = read_config(view, "passages")
    built = read_config(sharded, "passages")
    assert 0 < len(published) < len(built)
    assert {p["passage_id"] for p in published} < {p["passage_id"] for p in built}
    info = next(i for i in _meta(view)["dataset_info"] if i["config_name"] == "passages")
    assert info["splits"][0]["num_examples"] == len(published)
    assert info["download_size"] == sum(p.stat().st_size for p in shards)


def test_one_shard_is_the_file_a_single_write_makes(built, tmp_path):
    """Below the shard size, the sharded writer writes the bytes of one plain write."""
    out, _ = built
    rows = read_config(out, "pairs")
    features = features_spec()["pairs"]
    write_file(rows, features, tmp_path / "plain.parquet")
    [shard] = write_parquet(rows, features, tmp_path / "sharded", "pairs")
    assert shard.name == "train-00000-of-00001.parquet"
    assert shard.read_bytes() == (tmp_path / "plain.parquet").read_bytes()
    assert shard.read_bytes() == (split_files(out, "pairs")["train"][0]).read_bytes()


def test_a_missing_shard_is_an_error_not_fewer_rows(sharded, tmp_path):
    copy = tmp_path / "build"
    shutil.copytree(sharded, copy)
    split_files(copy, "pairs")["train"][1].unlink()
    with pytest.raises(AlignError, match=r"pairs: the shards of train are not one complete set"):
        read_config(copy, "pairs")


def test_the_shard_size_is_checked():
    with pytest.raises(AlignError, match=r"--shard-mb 0: expected a positive size"):
        BuildConfig(shard_bytes=0)
