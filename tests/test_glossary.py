"""The glossary config: one row per distinct inline pair, its counts adding up to the pairs."""

from collections import Counter

from align.dataset.load import read_config


def test_the_glossary_counts_add_up_to_the_inline_pairs(built):
    out, report = built
    glossary, pairs = read_config(out, "glossary"), read_config(out, "pairs")
    inline = [p for p in pairs if p["kind"] != "linked"]
    counted = Counter((p["translation"]["en"], p["translation"]["zh"]) for p in inline)
    assert {(g["en"], g["zh"]): g["count"] for g in glossary} == dict(counted)
    assert sum(g["count"] for g in glossary) == len(inline) and len(glossary) == report.glossary
    for g in glossary:
        members = [p for p in inline if (p["translation"]["en"], p["translation"]["zh"]) == (g["en"], g["zh"])]
        assert g["doc_ids"] == sorted({p["doc_id"] for p in members})
        assert g["kinds"] == sorted({p["kind"] for p in members})
        assert abs(g["mean_confidence"] - sum(p["confidence"] for p in members) / len(members)) < 1e-3


def test_a_glossary_row_names_its_variant_cluster(built):
    out, _ = built
    variants = {v["en"]: set(v["en_variants"]) for v in read_config(out, "variants")}
    glossary = read_config(out, "glossary")
    assert any(g["variant_of"] for g in glossary)
    for g in glossary:
        if g["variant_of"] is not None:
            assert g["en"] in variants[g["variant_of"]]
        else:
            assert not any(g["en"] in spellings for spellings in variants.values())


def test_the_card_declares_the_glossary(built):
    out, report = built
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "config_name: glossary" in card and f"**glossary** ({report.glossary} rows)" in card


def test_zh_mainland_in_pairs_and_glossary(built):
    from align.dataset.load import read_config
    from align.normalize import mainland_text

    out, _ = built
    variant = {d["doc_id"]: d["variant"] for d in read_config(out, "documents")}
    pairs = read_config(out, "pairs")
    traditional = [p for p in pairs if variant[p["doc_id"]] != "s" and p["kind"] != "linked"]
    assert traditional  # the seeds hold Hong Kong and Taiwan articles
    for p in pairs:
        if variant[p["doc_id"]] == "s":
            assert p["zh_mainland"] == p["translation"]["zh"]
    for p in traditional:
        assert p["zh_mainland"] == mainland_text(p["zh_original"], variant[p["doc_id"]]) or "*" in p["zh_original"]
    by_pair = {}
    for p in pairs:
        by_pair.setdefault((p["translation"]["en"], p["translation"]["zh"]), set()).add(p["zh_mainland"])
    for g in read_config(out, "glossary"):
        assert g["zh_mainland"] in by_pair[(g["en"], g["zh"])]
