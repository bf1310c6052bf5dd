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
