import hashlib
import os

import pytest

from align.errors import EncodingError
from align.read import SkippedFile, decode_bytes, read_folder

from .conftest import RAW, SEED_FORTUNE, SEED_HK, seed_text


def test_seeds_decode_with_provenance():
    docs = [d for d in read_folder(RAW)]
    assert [d.doc_id for d in docs] == sorted(p.stem for p in RAW.glob("*.txt"))
    for d in docs:
        data = (RAW / d.path).read_bytes()
        assert d.text == data.decode("utf-8")
        assert d.sha256 == hashlib.sha256(data).hexdigest()
        assert d.encoding == "utf-8"


# Big5-HKSCS cannot spell every character of a Simplified article and GB2312 not every
# Traditional one, so each encoding gets the seed it is used for in practice.
@pytest.mark.parametrize(
    "encoding,doc_id",
    [
        ("utf-8-sig", SEED_HK),
        ("utf-16", SEED_HK),
        ("utf-16", SEED_FORTUNE),
        ("gb18030", SEED_FORTUNE),
        ("gbk", SEED_FORTUNE),
        ("big5hkscs", SEED_HK),
    ],
)
def test_decodes_common_chinese_encodings(encoding, doc_id):
    text = seed_text(doc_id)
    if encoding in ("big5hkscs", "gbk"):
        text = text.encode(encoding, errors="ignore").decode(encoding)
    data = text.encode(encoding)
    decoded, used = decode_bytes(data, f"raw/{doc_id}.txt")
    assert decoded.lstrip("\ufeff") == text


def test_short_big5_text_is_not_mistaken_for_gbk():
    text = "朱克伯格:開源不是做慈善,是希望大家幫忙改進模型!"
    decoded, used = decode_bytes(text.encode("big5hkscs"), "raw/short.txt")
    assert decoded == text


def test_undecodable_bytes_name_the_file():
    with pytest.raises(EncodingError, match=r"raw/bad\.txt"):
        decode_bytes(bytes(range(128, 256)) * 4, "raw/bad.txt")


def test_bad_files_are_skipped_with_a_reason(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "good.txt").write_text(seed_text(SEED_FORTUNE)[:2000], encoding="utf-8")
    (raw / "empty.txt").write_bytes(b"")
    (raw / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (raw / "photo.jpg").write_bytes(b"\xff\xd8\xff" + bytes(10))
    os.symlink(raw / "missing.txt", raw / "dangling.txt")
    outside = tmp_path / "secret.txt"
    outside.write_text("秘密", encoding="utf-8")
    os.symlink(outside, raw / "escape.txt")
    results = {r.path: r for r in read_folder(raw)}
    assert not isinstance(results["good.txt"], SkippedFile)
    reasons = {p: r.reason for p, r in results.items() if isinstance(r, SkippedFile)}
    assert reasons == {
        "dangling.txt": "dangling symbolic link",
        "empty.txt": "the file is empty",
        "escape.txt": "symbolic link to a file outside the raw folder",
        "image.txt": "a binary file (PNG image), not text",
        "photo.jpg": "not a text file extension (.jpg)",
    }
