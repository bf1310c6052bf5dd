"""Evaluation against gold, on records: the seeds' gold pairs and links."""

from __future__ import annotations

from align.evaluate import correct_flags, evaluate, span_matches_gold
from align.gold import LinkGold, load_gold

from .conftest import GOLD

SEED_GOLD = load_gold(GOLD)
POSITIVES = [g for g in SEED_GOLD if g.label == "positive"]
NEGATIVES = [g for g in SEED_GOLD if g.label == "negative" and g.zh]


def _as_predicted(golds, zh=None):
    return [(g.doc_id, g.en, zh or g.zh, g.kind or "term") for g in golds]


def test_the_gold_itself_scores_perfectly():
    result = evaluate(_as_predicted(POSITIVES), SEED_GOLD)
    assert (result.precision, result.recall, result.boundary_accuracy, result.negatives_violated) == (1.0, 1.0, 1.0, 0)


def test_a_pair_found_twice_counts_once_and_case_and_width_do_not_matter():
    first = POSITIVES[0]
    twice = _as_predicted([first]) + [(first.doc_id, first.en.upper(), first.zh, "term")]
    result = evaluate(twice, SEED_GOLD)
    assert result.predicted == 1 and result.correct == 1
    assert result.recall == 1 / len(POSITIVES)


def test_a_wrong_boundary_is_an_extra_and_a_boundary_error():
    g = next(p for p in POSITIVES if len(p.zh) >= 3)
    result = evaluate([(g.doc_id, g.en, g.zh[1:], "term")], SEED_GOLD)
    assert result.correct == 0 and result.extras and result.boundary_errors
    assert result.boundary_accuracy == 0.0 and g in result.misses


def test_a_negative_emitted_is_counted_and_other_documents_are_not_judged():
    n = NEGATIVES[0]
    assert evaluate([(n.doc_id, n.en, n.zh, "term")], SEED_GOLD).negatives_violated == 1
    flags = correct_flags([("not-a-seed", "x", "y", "term"), *_as_predicted(POSITIVES[:1])], SEED_GOLD)
    assert flags == [None, True]


def test_a_link_is_right_on_its_text_or_by_enough_overlap():
    gold = LinkGold("summary", "never give up", "永不放弃", "link", "full", "full/0003", "永不言弃", ("决不放弃",))
    passage = "他说,我们永不言弃,然后继续前进。"
    start = passage.index("永不言弃")
    assert span_matches_gold("full", "full/0003", passage, start, "永不言弃", gold)
    assert span_matches_gold("full", "full/0009", "决不放弃", 0, "决不放弃", gold)  # zh_alt counts anywhere
    assert span_matches_gold("full", "full/0003", passage, start - 2, "我们永不言弃", gold)  # Dice 0.8
    assert not span_matches_gold("full", "full/0003", passage, 0, passage, gold)  # the whole sentence
    assert not span_matches_gold("other", "other/0003", passage, start, "永不言弃", gold)
