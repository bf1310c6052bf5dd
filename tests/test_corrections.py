"""Verdicts of a review (corrections.jsonl) applied to the seeds' pairs; bad files."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from align.config import BuildConfig
from align.corrections import WRONG_REASON, Corrections, load_corrections
from align.errors import InputError
from align.pair_model import shipped_model
from align.pipeline import process_folder
from align.records import ProcessedDocument

from .conftest import GOLD, RAW, SEED_FORTUNE, SEED_HK, SEED_SUMMARY, seed_text


@pytest.fixture(scope="module")
def seeds() -> dict[str, ProcessedDocument]:
    """The seeds through the per-document stages, uncorrected, by doc_id."""
    return {r.doc.doc_id: r for r in process_folder(RAW, BuildConfig(), shipped_model())
            if isinstance(r, ProcessedDocument)}


def _corrections(tmp_path: Path, *verdicts: dict) -> Corrections:
    path = tmp_path / "corrections.jsonl"
    path.write_text("".join(json.dumps({"zh_fixed": None, **v}, ensure_ascii=False) + "\n" for v in verdicts),
                    encoding="utf-8")
    return Corrections.load(path)


def _one(pairs, en):
    found = [p for p in pairs if p.en == en]
    assert len(found) == 1, (en, found)
    return found[0]


def _normalized_start(doc, pair) -> int:
    """Where the pair's Chinese sits in the normalized text: the one place the offset map
    takes to its original offsets (computed here from the map, not by the code under test)."""
    places = [k for k in range(len(doc.text) - len(pair.zh) + 1)
              if doc.text.startswith(pair.zh, k) and doc.original_span(k, k + len(pair.zh)) == (pair.start, pair.end)]
    assert len(places) == 1, places
    return places[0]


def test_wrong_removes_exactly_that_pair(seeds, tmp_path):
    before = seeds[SEED_FORTUNE]
    corrections = _corrections(tmp_path, {"doc_id": SEED_FORTUNE, "en": "Nvidia", "zh": "英伟达", "verdict": "wrong"})
    after = corrections.apply(before)
    gone = _one(before.pairs, "Nvidia")
    assert after.pairs == [p for p in before.pairs if p is not gone]
    # Nothing dropped silently: the pair is a refused candidate with the reason.
    assert [r.reason for r in after.rejections[len(before.rejections):]] == [WRONG_REASON]
    assert corrections.as_dict()["applied"] == {"right": 0, "wrong": 1, "fix": 0}
    assert corrections.unmatched() == []


def test_fix_recomputes_the_offsets_through_the_offset_map(seeds, tmp_path):
    # 000 is Hong Kong Traditional: the normalized 西蒙确斯 is 西蒙確斯 in the file.
    before = seeds[SEED_HK]
    old = _one(before.pairs, "Chris Cox")
    assert old.zh == "基斯·西蒙确斯"
    corrections = _corrections(tmp_path, {"doc_id": SEED_HK, "en": "Chris Cox", "zh": "基斯·西蒙确斯", "verdict": "fix",
                                          "zh_fixed": "西蒙确斯"})
    fixed = _one(corrections.apply(before).pairs, "Chris Cox")
    k = _normalized_start(before.doc, fixed)
    assert before.doc.text[k:k + len(fixed.zh)] == fixed.zh == "西蒙确斯"
    assert seed_text(SEED_HK)[fixed.start:fixed.end] == fixed.zh_original == "西蒙確斯"
    assert (fixed.start, fixed.end) == (old.end - 4, old.end)
    assert (fixed.en_start, fixed.en_end, fixed.kind, fixed.reviewed) == (old.en_start, old.en_end, old.kind, "fix")
    assert "西蒙确斯(Chris Cox)" in fixed.context


@pytest.mark.parametrize("doc_id, en, zh, zh_fixed, offset", [
    # Each fixed span is also earlier in the passage (甚至是“痛苦的”, 奥古斯塔) and
    # 奥古斯 later too: the occurrence inside the old span is taken, ``offset`` into it.
    (SEED_SUMMARY, "painful to be rational", "理性其实是痛苦的", "痛苦的", 5),
    (SEED_HK, "August", "奥古斯特", "奥古斯", 0),
])
def test_fix_takes_the_occurrence_nearest_the_old_span(seeds, tmp_path, doc_id, en, zh, zh_fixed, offset):
    before = seeds[doc_id]
    old = _one(before.pairs, en)
    passage = next(p for p in before.passages if p.passage_id == old.passage_id)
    assert passage.text.find(zh_fixed) < passage.text.find(zh)
    fixed = _one(_corrections(tmp_path, {"doc_id": doc_id, "en": en, "zh": zh, "verdict": "fix",
                                         "zh_fixed": zh_fixed}).apply(before).pairs, en)
    assert (fixed.start, fixed.end) == (old.start + offset, old.start + offset + len(zh_fixed))
    assert seed_text(doc_id)[fixed.start:fixed.end] == fixed.zh_original


def _gold_readings():
    """Every ``(doc_id, en, zh)`` the seeds' gold calls right, in gold order."""
    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(g["doc_id"], g["en"], z) for g in gold if g["label"] == "positive" for z in (g["zh"], *g.get("alt_zh", []))]


def test_right_restores_a_reading_refused_below_the_threshold(seeds, tmp_path):
    refused_by_key = {(r.doc_id, r.en, r.zh): r for doc in seeds.values() for r in doc.rejections
                      if r.confidence is not None}
    # Which right reading the model refuses depends on the model: the first in gold order.
    doc_id, en, zh = next(k for k in _gold_readings() if k in refused_by_key)
    before, refused = seeds[doc_id], refused_by_key[(doc_id, en, zh)]
    assert refused.confidence < shipped_model().min_confidence and not any(p.en == en for p in before.pairs)
    corrections = _corrections(tmp_path, {"doc_id": doc_id, "en": en, "zh": zh, "verdict": "right"})
    after = corrections.apply(before)
    restored = _one(after.pairs, en)
    assert restored == dataclasses.replace(refused.pair, reviewed="right")
    assert refused not in after.rejections and len(after.rejections) == len(before.rejections) - 1
    assert len(after.pairs) == len(before.pairs) + 1
    assert after.pairs == sorted(after.pairs, key=lambda p: (p.start, p.en_start, p.en))
    assert corrections.restored == 1


def test_right_keeps_the_pair_and_marks_it_reviewed(seeds, tmp_path):
    before = seeds[SEED_FORTUNE]
    after = _corrections(tmp_path, {"doc_id": SEED_FORTUNE, "en": "Yann LeCun", "zh": "杨立昆",
                                    "verdict": "right"}).apply(before)
    assert [p.reviewed for p in after.pairs if p.en == "Yann LeCun"] == ["right"]
    assert [(p.en, p.zh, p.start) for p in after.pairs] == [(p.en, p.zh, p.start) for p in before.pairs]


def test_a_verdict_that_matches_nothing_is_reported(seeds, tmp_path):
    corrections = _corrections(
        tmp_path,
        {"doc_id": SEED_FORTUNE, "en": "Nvidia", "zh": "英伟", "verdict": "wrong"},
        {"doc_id": SEED_FORTUNE, "en": "Google", "zh": "谷歌", "verdict": "fix", "zh_fixed": "微软以外"},
        {"doc_id": "999_not_built", "en": "Google", "zh": "谷歌", "verdict": "right"},
    )
    after = corrections.apply(seeds[SEED_FORTUNE])
    assert after.pairs == seeds[SEED_FORTUNE].pairs
    assert [(u["line"], u["reason"]) for u in corrections.as_dict()["unmatched"]] == [
        (1, "no pair or refused reading of the document has this English and Chinese"),
        (2, "zh_fixed is not in the passage of the pair"),
        (3, "no such document in the build"),
    ]
    assert corrections.summary() == ("corrections: 0 of 3 verdicts applied (right 0, wrong 0, fix 0; "
                                      "0 restored from below the threshold), 3 matched nothing")


def test_later_lines_win_and_apply_in_file_order(seeds, tmp_path):
    # A second review round, concatenated: the fixed span is then judged wrong; and a
    # verdict given twice counts once, as the later line says.
    corrections = _corrections(
        tmp_path,
        {"doc_id": SEED_FORTUNE, "en": "Nvidia", "zh": "英伟达", "verdict": "wrong"},
        {"doc_id": SEED_FORTUNE, "en": "Donald Trump", "zh": "唐纳德·特朗普", "verdict": "fix", "zh_fixed": "特朗普"},
        {"doc_id": SEED_FORTUNE, "en": "Donald Trump", "zh": "特朗普", "verdict": "wrong"},
        {"doc_id": SEED_FORTUNE, "en": "Nvidia", "zh": "英伟达", "verdict": "right"},
    )
    assert [v.line for v in corrections.verdicts] == [2, 3, 4]
    after = corrections.apply(seeds[SEED_FORTUNE])
    assert not any(p.en == "Donald Trump" for p in after.pairs)
    assert _one(after.pairs, "Nvidia").reviewed == "right"


@pytest.mark.parametrize("line, problem", [
    ("{not json", "expected a JSON object (Expecting property name enclosed in double quotes at column 2)"),
    ('["a"]', "expected a JSON object with doc_id, en, zh, verdict, zh_fixed, got list"),
    ('{"doc_id": "d", "en": "e", "zh": "z", "verdict": "maybe"}', "expected verdict right, wrong or fix, got 'maybe'"),
    ('{"doc_id": "d", "en": "e", "verdict": "right"}', "expected zh as a non-empty string, got None"),
    ('{"doc_id": "d", "en": "e", "zh": "z", "verdict": "fix"}', "verdict fix needs zh_fixed as a non-empty string, got None"),
    ('{"doc_id": "d", "en": "e", "zh": "z", "verdict": "fix", "zh_fixed": "z"}', "zh_fixed is the same as zh (use verdict right)"),
    ('{"doc_id": "d", "en": "e", "zh": "z", "verdict": "wrong", "zh_fixed": "y"}', "zh_fixed is only for verdict fix (this one is wrong)"),
    ('{"doc_id": "d", "en": "e", "zh": "z", "verdict": "right", "verdit": "x"}', "unknown field 'verdit' (expected doc_id, en, zh, verdict, zh_fixed)"),
])
def test_a_bad_line_is_one_error_naming_the_file_and_line(tmp_path, line, problem):
    path = tmp_path / "corrections.jsonl"
    good = '{"doc_id": "d", "en": "e", "zh": "z", "verdict": "right", "zh_fixed": null}'
    path.write_text(f"{good}\n\n{line}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_corrections(path)
    assert str(err.value) == f"{path}:3: {problem}"
    assert "\n" not in str(err.value)


def test_an_unreadable_file_is_one_error(tmp_path):
    with pytest.raises(InputError, match=r"missing\.jsonl: cannot be read as UTF-8 JSON lines \(No such file"):
        load_corrections(tmp_path / "missing.jsonl")
    (tmp_path / "latin1.jsonl").write_bytes('{"en": "caf\xe9"}'.encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1\.jsonl: cannot be read as UTF-8 JSON lines"):
        load_corrections(tmp_path / "latin1.jsonl")
