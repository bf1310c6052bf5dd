"""BuildConfig: validated once, each error naming its option; printed whole into the card."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from align.config import BuildConfig
from align.errors import BuildError


@pytest.mark.parametrize("fields,message", [
    ({"variant": "cn"}, "--from cn: expected one of auto, hk, tw, t, s"),
    ({"min_confidence": 1.5}, "--min-confidence 1.5: expected a probability between 0 and 1"),
    ({"max_bytes": 0}, "--max-mb 0: expected a positive size"),
    ({"workers": 0}, "--workers 0: expected a whole number of processes, 1 or more"),
])
def test_a_bad_setting_names_its_option(fields, message):
    with pytest.raises(BuildError) as err:
        BuildConfig(**fields)
    assert str(err.value) == message


def test_the_config_is_frozen_and_paths_are_paths():
    config = BuildConfig(gold_path="tests/gold/seeds.jsonl")
    assert config.gold_path == Path("tests/gold/seeds.jsonl")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.variant = "hk"


def test_str_names_every_setting_that_shapes_the_output():
    assert str(BuildConfig()) == "from:auto|max-mb:256|strict:no|min-confidence:model|link:default|review:yes"
    assert str(BuildConfig(variant="hk", min_confidence=0.5, link=False)).startswith("from:hk|")
    assert "link:off" in str(BuildConfig(link=False)) and "min-confidence:0.5" in str(BuildConfig(min_confidence=0.5))
    # Corrections change the pairs, so the card's settings name the file (as given, never absolute).
    assert str(BuildConfig(corrections_path="/home/someone/corrections.jsonl")).endswith("|corrections:corrections.jsonl")


def test_the_corrections_file_does_not_key_the_cache():
    # They are applied to what the cache gives back: a changed file never meets a stale entry.
    assert BuildConfig(corrections_path="a.jsonl").document_settings() == BuildConfig().document_settings()


@pytest.mark.parametrize("config", [
    BuildConfig(),
    BuildConfig(variant="hk", max_bytes=8 * 1024 * 1024, strict=True, min_confidence=0.5, link_scorer="lexical",
                link_threshold=0.2, review=False, splits=(0.8, 0.1, 0.1), gold_path="tests/gold/seeds.jsonl",
                links_gold_path="gold dir/links.jsonl", corrections_path="review/corrections.jsonl"),
    BuildConfig(link=False, cache=False, workers=2),
])
def test_the_command_line_of_a_config_makes_that_config(config, monkeypatch):
    import shlex

    from typer.testing import CliRunner

    import align.pipeline
    from align.cli import app

    seen = {}

    def capture(raw, out, config, **_):
        seen.update(raw=raw, config=config)
        raise SystemExit(0)

    monkeypatch.setattr(align.pipeline, "build", capture)
    line = config.command_line(Path("data/raw"))
    CliRunner().invoke(app, shlex.split(line)[1:])
    # The cache and the workers change nothing in the output, so the command leaves them at
    # their defaults.
    assert seen == {"raw": Path("data/raw"), "config": dataclasses.replace(config, cache=True, workers=1)}


def test_the_command_line_names_no_absolute_path():
    line = BuildConfig(gold_path=Path("/home/someone/gold/seeds.jsonl")).command_line(Path("/home/someone/raw"))
    assert line == "align build --raw raw --gold seeds.jsonl"
