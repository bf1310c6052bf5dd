"""The dictionary evidence: CC-CEDICT parsed once, then read from a JSON cache keyed by what made it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from align import lexicon as lx

from .conftest import ROOT

DIGEST = ("import hashlib, json; from align import lexicon as lx; t = lx.cedict(); "
          "print(hashlib.sha256(json.dumps({k: sorted(v) for k, v in sorted(t.items())}, ensure_ascii=False)"
          ".encode()).hexdigest(), len(t))")


def _digest(cache_dir) -> str:
    env = {**os.environ, "ALIGN_CACHE_DIR": str(cache_dir)}
    return subprocess.run([sys.executable, "-c", DIGEST], capture_output=True, text=True, cwd=ROOT, env=env,
                          check=True).stdout.strip()


def test_the_cache_is_json_and_gives_the_same_dictionary(tmp_path):
    first = _digest(tmp_path)  # parses the published file, writes the cache
    files = list(tmp_path.glob("cedict-*.json"))
    assert len(files) == 1
    data = json.loads(files[0].read_text(encoding="utf-8"))
    assert all(isinstance(v, list) for v in data.values()) and "人工智能" in data
    assert _digest(tmp_path) == first  # read back from the cache
    assert int(first.split()[1]) > 100_000


def test_the_cache_key_follows_the_version(monkeypatch, tmp_path):
    monkeypatch.setenv("ALIGN_CACHE_DIR", str(tmp_path))
    before = lx._cache_file("cedict")
    import align

    monkeypatch.setattr(align, "__version__", "0.0.0-other")
    assert lx._cache_file("cedict") != before and lx._cache_file("cedict").parent == tmp_path


def test_a_broken_cache_is_parsed_again_not_trusted(tmp_path):
    good = _digest(tmp_path)
    (cache,) = tmp_path.glob("cedict-*.json")
    cache.write_text("{not json", encoding="utf-8")
    assert _digest(tmp_path) == good
