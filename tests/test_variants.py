"""Variant clusters: one name's renderings across the seed articles."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from align.pipeline import load_folder
from align.records import PhrasePair
from align.variants import variant_clusters

from .conftest import RAW, SEED_FORTUNE, SEED_HK, SEED_SUMMARY


@pytest.fixture(scope="module")
def seed_pairs():
    return load_folder(RAW)[2]


@pytest.fixture(scope="module")
def seed_pairs_above_half():
    # At the default threshold the model keeps neither rendering of Chris Cox (0.77,
    # a recall miss the README reports); clustering is checked on the readings above 0.5.
    return load_folder(RAW, min_confidence=0.5)[2]


def test_chris_cox_has_both_renderings_and_documents(seed_pairs_above_half):
    pairs = seed_pairs_above_half
    cox = next(c for c in variant_clusters(pairs) if c.en == "Chris Cox")
    assert {(r.zh, r.doc_ids) for r in cox.renderings} == {
        ("基斯·西蒙确斯", (SEED_HK,)), ("克里斯·考克斯", (SEED_FORTUNE,))}


def test_priscilla_joins_priscilla_chan(seed_pairs):
    pairs = seed_pairs
    cluster = next(c for c in variant_clusters(pairs) if "Priscilla" in c.en_variants)
    assert set(cluster.en_variants) == {"Priscilla", "Priscilla Chan"}
    assert {r.zh for r in cluster.renderings} == {"普莉希拉", "普莉希拉·陈"}
    assert {d for r in cluster.renderings for d in r.doc_ids} == {SEED_HK, SEED_FORTUNE}


def test_dustin_moskovitz_as_extracted(seed_pairs):
    pairs = seed_pairs
    spellings = {p.en for p in pairs if p.en.startswith("Dustin")}
    clusters = variant_clusters(pairs)
    if spellings == {"Dustin Moskovitz", "Dustin Moskowitz"}:
        dustin = next(c for c in clusters if "Dustin Moskovitz" in c.en_variants)
        assert set(dustin.en_variants) == spellings
    else:
        # 000 writes “达史甸Facebook 联合创始人 Dustin Moskowitz)” without the opening
        # parenthesis, so only 004's pair exists: one spelling, one rendering, no cluster.
        assert spellings == {"Dustin Moskovitz"}
        assert not any("Dustin Moskovitz" in c.en_variants for c in clusters)


def _pair(pair: PhrasePair, en: str, zh: str, doc_id: str) -> PhrasePair:
    return replace(pair, en=en, zh=zh, zh_original=zh, doc_id=doc_id)


def test_spelling_and_case_variants_merge_but_other_people_do_not(seed_pairs):
    pairs = seed_pairs
    base = next(p for p in pairs if p.en == "Dustin Moskovitz")
    extra = [
        _pair(base, "Dustin Moskowitz", "达史甸", SEED_HK),
        _pair(base, "dustin moskovitz", "达斯汀·莫斯科维茨", SEED_SUMMARY),
        _pair(base, "Alex Himel", "亚历克斯·希梅尔", SEED_HK),
    ]
    clusters = variant_clusters(pairs + extra)
    dustin = next(c for c in clusters if "Dustin Moskovitz" in c.en_variants)
    assert set(dustin.en_variants) == {"Dustin Moskovitz", "Dustin Moskowitz", "dustin moskovitz"}
    assert dustin.en == "Dustin Moskovitz"
    assert {r.zh: r.doc_ids for r in dustin.renderings} == {
        "达斯汀·莫斯科维茨": (SEED_SUMMARY, SEED_FORTUNE), "达史甸": (SEED_HK,)}
    # Same first name, different surname: Alex Himel stays apart from Alex Pereira.
    assert not any({"Alex Himel", "Alex Pereira"} <= set(c.en_variants) for c in clusters)


def test_clusters_are_sorted_and_deterministic(seed_pairs):
    pairs = seed_pairs
    clusters = variant_clusters(pairs)
    assert clusters == variant_clusters(list(reversed(pairs)))
    assert [c.en.casefold() for c in clusters] == sorted(c.en.casefold() for c in clusters)
    assert all(len(c.renderings) >= 2 or len(c.en_variants) >= 2 for c in clusters)


def _join_spellings_every_pair(keys):
    """The clustering as first written, comparing every pair of keys: the reference."""
    from align.variants import _same_surname_variant

    parent = {k: k for k in keys}

    def find(k):
        while parent[k] != k:
            k = parent[k]
        return k

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for a_i, a in enumerate(keys):
        for b in keys[a_i + 1:]:
            if _same_surname_variant(a, b):
                union(a, b)
    for a in keys:
        longer = [b for b in keys if b != a and b.startswith(a + " ")]
        if len(longer) == 1 or (longer and len({find(b) for b in longer}) == 1):
            union(a, longer[0])
    return {k: find(k) for k in keys}


_WORDS = ["priscilla", "chan", "dustin", "moskovitz", "moskowitz", "moskovits", "chris", "cox", "cix", "mark",
          "zuckerberg", "zuckerburg", "yann", "lecun", "le", "cun", "ai", "open", "source"]


@settings(max_examples=300, deadline=None)
@given(st.sets(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=4).map(" ".join), max_size=40))
def test_joining_spellings_by_group_equals_comparing_every_pair(names):
    from align.variants import _join_spellings

    keys = sorted(names)
    assert _join_spellings(keys) == _join_spellings_every_pair(keys)


def test_joining_spellings_equals_comparing_every_pair_on_the_seeds(seed_pairs_above_half):
    from align.variants import _join_spellings, _name_key

    keys = sorted({_name_key(p.en.strip()) for p in seed_pairs_above_half})
    assert len(keys) > 20
    assert _join_spellings(keys) == _join_spellings_every_pair(keys)


def test_regional_renderings_share_their_mainland_form(seed_pairs):
    """A Taiwan 記憶體 and a mainland 内存 for "memory" are one rendering in mainland
    vocabulary: each carries it, and they are listed together."""
    from align.normalize import mainland_span, normalize_text

    template = next(p for p in seed_pairs if p.kind in ("name", "term"))
    tw, tw_zh = "記憶體", normalize_text("記憶體", "tw")[0]
    pairs = [replace(template, doc_id="tw_doc", en="memory", zh=tw_zh, zh_original=tw, kind="term"),
             replace(template, doc_id="cn_doc", en="memory", zh="内存", zh_original="内存", kind="term"),
             replace(template, doc_id="cn_doc2", en="memory", zh="存储器", zh_original="存储器", kind="term"),
             replace(template, doc_id="cn_doc3", en="memory", zh="存储器", zh_original="存储器", kind="term")]
    mainland = [mainland_span(p.zh_original, p.zh, "tw" if p.doc_id == "tw_doc" else "s") for p in pairs]
    assert tw_zh != "内存" and mainland[0] == "内存"
    cluster = next(c for c in variant_clusters(pairs, mainland) if c.en == "memory")
    # 内存 (two pairs in two regions) ties with 存储器 (two pairs): code-point order breaks it.
    assert [(r.zh, r.zh_mainland) for r in cluster.renderings] == [
        ("内存", "内存"), (tw_zh, "内存"), ("存储器", "存储器")]
