"""Whatever a scraper leaves in the raw folder, the build takes it and says what it did."""

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from align.dataset.load import read_config
from align.errors import ManifestError
from align.manifest import load_manifest
from align.pipeline import build

from .conftest import RAW, SEED_FORTUNE, SEED_HK, SEED_SUMMARY, seed_text


@pytest.fixture()
def messy_raw(tmp_path):
    """A raw folder of real-looking files in every supported encoding, plus bad ones."""
    raw = tmp_path / "raw"
    raw.mkdir()
    hk = seed_text(SEED_HK)
    fortune = seed_text(SEED_FORTUNE)
    summary = seed_text(SEED_SUMMARY)
    files = {
        "utf8.txt": summary.encode("utf-8"),
        "utf8_bom.txt": b"\xef\xbb\xbf" + summary.encode("utf-8"),
        "utf16le.txt": b"\xff\xfe" + fortune.encode("utf-16-le"),
        "utf16be.txt": b"\xfe\xff" + fortune.encode("utf-16-be"),
        "gb18030.txt": fortune.encode("gb18030"),
        "gbk.txt": fortune.encode("gbk", errors="ignore"),
        "gb2312.txt": fortune.encode("gb2312", errors="ignore"),
        "big5hkscs.txt": hk.encode("big5hkscs", errors="ignore"),
        "big5.txt": hk.encode("big5", errors="ignore"),
        "crlf.txt": summary.replace("\n", "\r\n").encode("utf-8"),
        "cr.txt": summary.replace("\n", "\r").encode("utf-8"),
        "controls.txt": ("\x00" + summary.replace("。", "。\u200b\x07\u00a0")).encode("utf-8"),
        "english_only.txt": b"Only English here, (nothing) to align at all.\n",
        "no_english.txt": "这是一篇没有任何英文的中文文章。\n第二段也没有。\n".encode(),
        "empty.txt": b"",
        "image.txt": b"\x89PNG\r\n\x1a\n" + os.urandom(64),
        "doc.pdf": b"%PDF-1.7\n" + os.urandom(64),
        "archive.zip": b"PK\x03\x04" + os.urandom(64),
        "garbage.txt": bytes(range(0x80, 0x100)) * 8,
        "unbalanced.txt": ("标题\n" + "开源(" * 5000 + "杨立昆(Yann LeCun)说" + ")" * 300 + "“引号(" * 100).encode("utf-8"),
    }
    for name, data in files.items():
        (raw / name).write_bytes(data)
    os.symlink(raw / "gone.txt", raw / "dangling.txt")
    return raw


def test_every_file_is_built_or_skipped_with_a_reason(messy_raw, tmp_path):
    report = build(messy_raw, tmp_path / "build")
    on_disk = json.loads((tmp_path / "build" / "report.json").read_text(encoding="utf-8"))
    listed = {d["path"]: d for d in on_disk["documents"]}
    assert set(listed) == {p.name for p in messy_raw.iterdir()}
    built = {p for p, d in listed.items() if d["status"] == "built"}
    assert built == {
        "utf8.txt", "utf8_bom.txt", "utf16le.txt", "utf16be.txt", "gb18030.txt", "gbk.txt", "gb2312.txt",
        "big5hkscs.txt", "big5.txt", "crlf.txt", "cr.txt", "controls.txt", "no_english.txt", "unbalanced.txt",
    }
    reasons = {p: d["reason"] for p, d in listed.items() if d["status"] == "skipped"}
    assert reasons == {
        "archive.zip": "not a text file extension (.zip)",
        "dangling.txt": "dangling symbolic link",
        "doc.pdf": "not a text file extension (.pdf)",
        "empty.txt": "the file is empty",
        "english_only.txt": "no Chinese text",
        "garbage.txt": "not valid UTF-8, UTF-16, GB18030 or Big5-HKSCS",
        "image.txt": "a binary file (PNG image), not text",
    }
    assert len(report.skipped) == len(reasons)


def test_encodings_and_line_ends_give_the_same_pairs(messy_raw, tmp_path):

    build(messy_raw, tmp_path / "build")
    rows = read_config(tmp_path / "build", "pairs")
    by_doc = {}
    for r in rows:
        if r["kind"] != "linked":  # identical copies link to each other; inline pairs are the point
            by_doc.setdefault(r["doc_id"], []).append((r["translation"]["en"], r["translation"]["zh"]))
    reference = by_doc["utf8"]
    for doc in ("utf8_bom", "crlf", "cr", "controls"):
        assert by_doc[doc] == reference, doc
    for doc in ("utf16be", "gb18030"):
        assert by_doc[doc] == by_doc["utf16le"], doc
    assert by_doc["big5hkscs"] and by_doc["unbalanced"] == [("Yann LeCun", "杨立昆")]
    # Offsets are exact in every encoding, into the decoded text.
    from align.read import read_folder

    texts = {d.doc_id: d.text for d in read_folder(messy_raw) if hasattr(d, "text")}
    for r in rows:
        assert texts[r["doc_id"]][r["start"]:r["end"]] == r["zh_original"]


def test_manifest_overrides_encoding_and_script(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_bytes("「好點子」(awesome ones)和 MMA(綜合格鬥)。\n".encode("big5"))
    (raw / "manifest.toml").write_text(
        '[documents."a.txt"]\nencoding = "big5"\nvariant = "t"\ntitle = "A --- \\"title\\": x"\ncollection = "c1"\n',
        encoding="utf-8",
    )
    report = build(raw, tmp_path / "build")
    doc = report.documents[0]
    assert (doc.encoding, doc.variant, doc.opencc_config) == ("big5", "t", "t2s")

    row = read_config(tmp_path / "build", "documents")[0]
    assert row["title"] == 'A --- "title": x' and row["collection"] == "c1"


@pytest.mark.parametrize(
    "manifest,message",
    [
        ('[documents."../secret.txt"]\ntitle = "x"\n', "outside the raw folder"),
        ('[documents."/etc/passwd"]\ntitle = "x"\n', "outside the raw folder"),
        ('[documents."a.txt"]\nvariant = "xx"\n', "variant must be one of"),
        ('[documents."a.txt"]\nencoding = "nope-8"\n', "unknown encoding"),
        ('[documents."a.txt"]\nowner = "x"\n', "unknown field"),
        ('[documents."a.txt"]\nredistribute = "yes"\n', "redistribute must be true or false"),
        ('[documents."a.txt"]\nlicense = 4\n', "every field but redistribute must be a string"),
        ("documents = [", "cannot be parsed"),
    ],
)
def test_bad_manifest_is_a_clear_error(tmp_path, manifest, message):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "manifest.toml").write_text(manifest, encoding="utf-8")
    with pytest.raises(ManifestError, match=message) as info:
        load_manifest(raw)
    assert "raw/manifest.toml" in str(info.value)


def test_unreadable_file_is_skipped(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW / f"{SEED_SUMMARY}.txt", raw)
    (raw / "locked.txt").write_text("锁住的文件", encoding="utf-8")
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    report = build(raw, tmp_path / "build")
    assert [(d.path, d.reason) for d in report.skipped] == [("locked.txt", "permission denied")]


def test_oversized_file_is_skipped(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW / f"{SEED_SUMMARY}.txt", raw)
    (raw / "huge.txt").write_bytes("大".encode() * 4000)
    report = build(raw, tmp_path / "build", max_bytes=10_000)
    assert [(d.path, d.reason) for d in report.skipped] == [
        ("huge.txt", "12000 bytes is over the limit of 10000 bytes")
    ]


def test_a_long_line_of_brackets_is_fast(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "brackets.txt").write_text("标题\n中文" + "(" * 1_000_000 + "\n杨立昆(Yann LeCun)\n", encoding="utf-8")
    t0 = time.perf_counter()
    report = build(raw, tmp_path / "build")
    assert time.perf_counter() - t0 < 30  # generous bound; benchmarks/ has the real figures
    assert report.pairs == 1


def test_interrupted_build_leaves_the_previous_one_loadable(tmp_path, monkeypatch):
    import datasets

    from align import process

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW / f"{SEED_SUMMARY}.txt", raw)
    out = tmp_path / "build"
    build(raw, out)
    shutil.copy(RAW / f"{SEED_FORTUNE}.txt", raw)

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(process, "extract_pairs", interrupt)
    with pytest.raises(KeyboardInterrupt):
        build(raw, out)
    pairs = datasets.load_dataset(str(out), "pairs", split="train", cache_dir=str(tmp_path / "c"))
    assert set(pairs["doc_id"]) == {SEED_SUMMARY}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".build")]
