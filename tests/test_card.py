"""The dataset card parses, has what the Hub expects, and every number comes from the build."""

import hashlib
import json
import re

import pytest
import yaml
from huggingface_hub import DatasetCard

from align.dataset.load import read_config, split_files

from .conftest import RAW


def _card(out):
    """The card as the Hub reads it: its metadata (a dict) and its body."""
    text = (out / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    card = DatasetCard.load(out / "README.md")
    assert card.data.to_dict() == yaml.safe_load(text.split("---\n", 2)[1])
    return card.data.to_dict(), card.text


def test_front_matter_has_the_hub_fields(built):
    out, _ = built
    meta, _ = _card(out)
    assert meta["language"] == ["zh", "en"]
    assert meta["task_categories"] == ["translation"]
    assert meta["annotations_creators"] == ["machine-generated"]
    assert meta["language_creators"] == ["found"] and meta["source_datasets"] == ["original"]
    assert meta["multilinguality"] == ["translation"]
    for field in ("license", "size_categories", "pretty_name", "configs", "dataset_info"):
        assert meta[field]
    configs = {c["config_name"]: c for c in meta["configs"]}
    assert set(configs) == {"pairs", "passages", "documents", "links", "variants", "glossary"}
    for name, config in configs.items():
        for data_file in config["data_files"]:  # a glob of the split's shards
            assert sorted(out.glob(data_file["path"])) == split_files(out, name)[data_file["split"]]


def test_counts_in_the_card_come_from_the_parquet_files(built):
    out, report = built
    meta, body = _card(out)
    for info in meta["dataset_info"]:
        rows = read_config(out, info["config_name"])
        assert info["splits"][0]["num_examples"] == len(rows)
        assert f"**{info['config_name']}** ({len(rows)} rows)" in body
    pairs = read_config(out, "pairs")
    for kind in {r["kind"] for r in pairs}:
        assert f"| {kind} | {sum(r['kind'] == kind for r in pairs)} |" in body
    for d in read_config(out, "documents"):
        assert f"| {d['doc_id'].replace('_', chr(92) + '_')} | {d['passages']} | {d['pairs']} |" in body
    assert f"from {len(read_config(out, 'documents'))} source documents" in body


def test_gold_figures_and_hashes_in_the_card_match_the_build(built):
    out, report = built
    _, body = _card(out)
    # The build's own figures (report.json keeps them to four places: rounding those again
    # to three can differ, 0.98246 -> 0.9825 -> 0.983).
    g = report.gold
    row = f"| {g.precision:.3f} | {g.recall:.3f} | {g.f1:.3f} | {g.boundary_accuracy:.3f} |"
    assert row in body
    for path in RAW.glob("*.txt"):
        assert hashlib.sha256(path.read_bytes()).hexdigest() in body
    assert f"vocabulary {report.tokenizer_vocab}" in body
    brier = json.loads((out / "report.json").read_text())["calibration"]["brier"]
    assert f"**{brier:.4f}**" in body


def test_card_shows_every_document_script(built):
    out, _ = built
    _, body = _card(out)
    assert re.search(r"\| 000\\_8297485a0459a644 \| hk \| hk2s \|", body)
    assert re.search(r"\| 004\\_591f396a4df44537 \| s \| none", body)


def test_metric_quantiles_in_the_card_come_from_the_pairs(built):
    from align import score
    from align.dataset.card import fmt_number

    out, _ = built
    _, body = _card(out)
    pairs = read_config(out, "pairs")
    for name in ("confidence", "chrf", "length_ratio", "sp_tokens_en", "sp_tokens_zh"):
        values = [r[name] for r in pairs if r[name] is not None]
        q = score.quantiles(values)
        assert f"| {name} | {len(values)} | " + " | ".join(fmt_number(v) for v in q) + " |" in body


def test_link_figures_in_the_card_come_from_the_report(built):
    out, report = built
    _, body = _card(out)
    links = len(read_config(out, "links"))
    assert f"**links** ({links} rows)" in body
    assert f"{links} English phrases of one document are linked" in body


def test_the_card_names_the_settings_of_the_build(built):
    from align.config import BuildConfig

    out, _ = built
    body = (out / "README.md").read_text(encoding="utf-8")
    from align import __version__

    assert f"`{BuildConfig()}`" in body  # conftest builds raw/ with the default settings
    # conftest gives the raw folder as an absolute path: the card names only the folder.
    assert (f"Reproducible: `align build --raw raw --gold seeds.jsonl --links-gold links.jsonl` with align "
            f"{__version__}, on the same files in the raw folder `raw`") in body


def test_every_figure_of_the_metadata_is_the_parquet_files(built):
    import pyarrow.parquet as pq

    out, _ = built
    meta, _ = _card(out)
    infos = {info["config_name"]: info for info in meta["dataset_info"]}
    assert set(infos) == {c["config_name"] for c in meta["configs"]}
    for config, info in infos.items():
        files = split_files(out, config)
        assert [s["name"] for s in info["splits"]] == list(files)
        for split in info["splits"]:
            tables = [pq.read_table(path) for path in files[split["name"]]]
            assert split["num_examples"] == sum(t.num_rows for t in tables)
            nbytes = sum(t.nbytes for t in tables)
            assert split["num_bytes"] == nbytes and (nbytes > 0) == (split["num_examples"] > 0)
        paths = [path for shards in files.values() for path in shards]
        assert info["download_size"] == sum(path.stat().st_size for path in paths)
        assert info["dataset_size"] == sum(pq.read_table(path).nbytes for path in paths)


def test_the_sample_record_is_the_first_pair(built):
    out, _ = built
    _, body = _card(out)
    section = body[body.index("## A sample record"):body.index("## Configs and fields")]
    block = re.search(r"```json\n(.*?)\n```", section, re.S).group(1)
    assert json.loads(block) == read_config(out, "pairs")[0]


def test_a_backtick_in_the_sample_cannot_close_its_block():
    from align.dataset.card import sample_record

    text = sample_record([{"context": "a ``` fence and ```` a longer one"}])
    assert text.startswith("`````json\n") and text.endswith("\n`````")


def test_the_card_cites_the_dataset_and_its_align_version(built):
    from align import __version__
    from align.dataset.card import PRETTY_NAME

    out, _ = built
    _, body = _card(out)
    entry = re.search(r"```bibtex\n(@misc\{.*?\n\})\n```", body[body.index("## Citation"):], re.S).group(1)
    assert PRETTY_NAME.replace("–", "--") in entry and f"align {__version__}" in entry
    assert not re.search(r"\b(19|20)\d\d\b", entry)  # no date: the same build cites the same


def test_the_card_says_what_to_do_about_personal_information(built):
    out, _ = built
    _, body = _card(out)
    section = body[body.index("## Personal information"):body.index("## Licensing and limitations")]
    assert "real people" in section and "removed" in section


def test_how_to_load_starts_from_the_hub(built):
    out, _ = built
    _, body = _card(out)
    section = body[body.index("## How to load"):body.index("## Configs and fields")]
    assert section.index('load_dataset("OWNER/NAME", "pairs"') < section.index('load_dataset("build"')


def test_the_card_quotes_the_linker_on_the_blind_test_collections(built):
    import json

    from .conftest import ROOT

    out, _ = built
    _, body = _card(out)
    parts = json.loads((ROOT / "align" / "data" / "link_quality.json").read_text(encoding="utf-8"))["parts"]
    if "test" not in parts:  # the current linker not yet measured on them (link_dev.py --parts ...,test --json)
        pytest.skip("align/data/link_quality.json holds no measurement of the test collections")
    test = parts["test"]
    assert f"| test ({test['collections']}) | {test['top1_right'] / test['gold_links']:.3f} " in body
    assert f"{test['none_linked']}/{test['none']} |" in body


def test_the_reproducibility_line_names_the_raw_folder_as_given():
    from pathlib import Path

    from align import __version__
    from align.config import BuildConfig
    from align.dataset.card import reproduce_line

    line = reproduce_line(Path("articles/2024"), BuildConfig(splits=(0.9, 0.1)))
    assert line.startswith(f"Reproducible: `align build --raw articles/2024 --splits 0.9,0.1` with align {__version__}, "
                           "on the same files in the raw folder `articles/2024` (settings `")


def test_the_column_types_are_what_datasets_reads_from_the_files(built):
    """The build writes its schema without ``datasets``: ``datasets`` reading the schema
    metadata back must find the same Arrow types and give the card's ``features`` list."""
    import datasets
    import pyarrow.parquet as pq

    from align.dataset.schema import features_spec

    for config, ours in features_spec().items():
        theirs = datasets.Features.from_arrow_schema(ours.arrow_schema)
        assert theirs.arrow_schema == ours.arrow_schema, config
        assert theirs._to_yaml_list() == ours.yaml_list(), config
        for path in split_files(built[0], config).get("train", []):
            assert pq.read_schema(path).metadata == ours.arrow_schema.metadata, path
