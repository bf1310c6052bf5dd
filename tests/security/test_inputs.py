"""Hostile raw folders: file names, manifests, sizes and shapes that try to break out."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
import yaml

from align.errors import ManifestError
from align.pipeline import build
from tests.conftest import RAW, SEED_SUMMARY

HOSTILE_NAMES = [
    "---\ntitle: pwned\n---.txt",
    "a: b | c <script>alert(1)<.script> <b onmouseover=alert(1)>.txt",
    "[link](javascript:alert(1)) `code` *em*.txt",
]


def test_file_names_cannot_break_the_card(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in HOSTILE_NAMES:
        shutil.copy(RAW / f"{SEED_SUMMARY}.txt", raw / name)
    out = tmp_path / "build"
    build(raw, out)
    card = (out / "README.md").read_text(encoding="utf-8")
    _, front, body = card.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert "title" not in meta and meta["pretty_name"] == "Inline Chinese–English phrase pairs"
    assert not re.search(r"(?<!\\)<(?:script|b )", body)  # no live HTML
    assert not re.search(r"(?<!\\)\]\(javascript:", body)  # no live Markdown link
    assert "\\<script\\>" in body
    # Table rows stay rows: an escaped "|" does not add a column.
    for line in body.splitlines():
        if "alert" in line and line.startswith("|"):
            assert line.replace("\\|", "").count("|") == line.count("|") - line.count("\\|")


def test_build_outputs_carry_no_paths_or_environment(tmp_path, monkeypatch):
    secret = "hf_" + "S" * 34
    monkeypatch.setenv("HF_TOKEN", secret)
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW / f"{SEED_SUMMARY}.txt", raw)
    out = tmp_path / "build"
    build(raw, out)
    needles = {str(tmp_path), str(Path.home()), secret, os.environ.get("USER", "\0"), os.getcwd()}
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in needles:
                if needle and len(needle) > 3:
                    assert needle.encode() not in data, (path, needle)


@pytest.mark.parametrize("key", ["../outside.txt", "/etc/passwd", "sub/../../x.txt", "..\\\\x.txt"])
def test_manifest_cannot_name_files_outside_the_raw_folder(tmp_path, key):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW / f"{SEED_SUMMARY}.txt", raw)
    (raw / "manifest.toml").write_text(f'[documents."{key}"]\ntitle = "x"\n', encoding="utf-8")
    with pytest.raises(ManifestError, match="outside the raw folder"):
        build(raw, tmp_path / "build")


def test_symlinks_out_of_the_raw_folder_are_not_followed(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW / f"{SEED_SUMMARY}.txt", raw)
    secret_dir = tmp_path / "private"
    secret_dir.mkdir()
    (secret_dir / "notes.txt").write_text("私人笔记(private notes)", encoding="utf-8")
    os.symlink(secret_dir / "notes.txt", raw / "notes.txt")
    os.symlink(secret_dir, raw / "linked_dir")
    report = build(raw, tmp_path / "build")
    assert sorted((d.path, d.reason) for d in report.skipped) == [
        ("linked_dir", "symbolic link to a folder outside the raw folder"),
        ("notes.txt", "symbolic link to a file outside the raw folder"),
    ]
    assert "私人笔记" not in (tmp_path / "build/README.md").read_text(encoding="utf-8")


def test_pathological_shapes_finish_in_bounded_time(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "nested.txt").write_text("标题\n" + "(" * 1_000_000 + "中" + ")" * 1_000_000 + "\n", encoding="utf-8")
    (raw / "longline.txt").write_text("标题\n" + "很长的一行没有标点" * 500_000 + "\n", encoding="utf-8")
    (raw / "quotes.txt").write_text("标题\n" + "“引号(" * 200_000 + "\n", encoding="utf-8")
    t0 = time.perf_counter()
    report = build(raw, tmp_path / "build")
    assert time.perf_counter() - t0 < 60  # bounded: the benchmarks print the real figures
    assert len(report.built) == 3 and report.pairs == 0


def test_size_limit_skips_with_a_reason(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW / f"{SEED_SUMMARY}.txt", raw)
    (raw / "big.txt").write_bytes(("中文" * 100_000).encode())
    report = build(raw, tmp_path / "build", max_bytes=100_000)
    assert [d.path for d in report.skipped] == ["big.txt"]
    assert "over the limit" in report.skipped[0].reason
