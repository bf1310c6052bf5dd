"""The pair spool (issue 14, flat memory): the corpus-wide figures the build computes from
the rows on disk equal those of the rows in memory, and the spool leaves nothing behind."""

import copy

import pyarrow as pa
import pytest

from align import pipeline, score
from align.config import BuildConfig
from align.dataset.glossary import glossary_from_table, glossary_rows
from align.dataset.schema import features_spec, pair_row
from align.normalize import mainland_span
from align.pair_model import shipped_model
from align.process import process_folder
from align.records import ProcessedDocument
from align.spool import PairSpool
from align.variants import CLUSTER_KINDS, variant_clusters

from .conftest import RAW, SEED_FORTUNE, SEED_HK, SEED_SUMMARY


@pytest.fixture(scope="module")
def seeds():
    """The seeds' processed documents, in path order."""
    return [r for r in process_folder(RAW, BuildConfig(), shipped_model()) if isinstance(r, ProcessedDocument)]


def _spooled(tmp_path, seeds):
    """The seeds' pair rows in memory (as the build held them before the spool) and in a spool."""
    spool = PairSpool(tmp_path, features_spec()["pairs"].arrow_schema)
    rows, cluster_pairs, mainland = [], [], []
    for result in seeds:
        doc_rows = []
        for pr in result.pairs:
            m = mainland_span(pr.zh_original, pr.zh, result.doc.variant)
            doc_rows.append(pair_row(pr, m))
            if pr.kind in CLUSTER_KINDS:
                cluster_pairs.append(pr)
                mainland.append(m)
        spool.add(doc_rows, result.doc.doc_id)
        rows += copy.deepcopy(doc_rows)
    return spool, rows, cluster_pairs, mainland


def test_clusters_and_glossary_from_the_spool_equal_those_in_memory(tmp_path, seeds):
    spool, rows, cluster_pairs, mainland = _spooled(tmp_path, seeds)
    clusters, glossary = pipeline.corpus_figures(spool)
    expected = variant_clusters(cluster_pairs, mainland)
    assert clusters == expected
    assert glossary == glossary_rows(rows, expected)
    assert sum(g["count"] for g in glossary) == len(rows) == spool.rows
    assert clusters and len(glossary) > 1  # the seeds hold both, or the comparison says nothing


def test_scores_from_the_spool_equal_those_in_memory(tmp_path, seeds):
    spool, rows, _, _ = _spooled(tmp_path, seeds)
    sample = score.TokenizerSample()
    for result in seeds:
        sample.add(result.passages)
    _, counter = score.train_tokenizer(sample)
    score.add_pair_metrics(rows, counter)
    scorer = score.SpoolScorer(spool, counter)
    streamed = []
    for doc_id, doc_rows in spool.documents():
        assert {r["doc_id"] for r in doc_rows} == {doc_id}
        scorer.score(doc_rows)
        streamed += doc_rows
    assert streamed == rows  # the seeds' files come in doc_id order, as spool.documents() gives them
    assert any(r["chrf"] is not None for r in rows)
    assert scorer.lo is not None  # enough pairs for the outlier bounds, computed from the spool


def test_documents_come_in_doc_id_order_with_later_rows_after(tmp_path):
    spool = PairSpool(tmp_path, features_spec()["pairs"].arrow_schema)
    base = {"translation": {"en": "x", "zh": "甲"}, "zh_mainland": "甲", "zh_original": "甲", "passage_id": "p",
            "kind": "name", "shape": "zh(en)", "start": 0, "end": 1, "en_start": 2, "en_end": 3, "context": "甲",
            "confidence": 0.9, "flags": [], "reviewed": None}
    spool.add([{**base, "doc_id": SEED_SUMMARY, "start": 5}], SEED_SUMMARY)
    spool.add([{**base, "doc_id": SEED_HK, "start": 7}], SEED_HK)
    spool.add([], SEED_FORTUNE)  # a document without pairs has no batch
    spool.add([{**base, "doc_id": SEED_SUMMARY, "start": 1, "kind": "linked"}], SEED_SUMMARY)
    got = [(d, [(r["start"], r["kind"]) for r in rows]) for d, rows in spool.documents()]
    assert got == [(SEED_HK, [(7, "name")]), (SEED_SUMMARY, [(5, "name"), (1, "linked")])]
    with pytest.raises(ValueError, match="closed"):
        spool.add([{**base, "doc_id": SEED_HK}], SEED_HK)
    spool.remove()
    assert list(tmp_path.iterdir()) == []


def test_glossary_mean_confidence_sums_in_row_order():
    # Floats added in another order give another mean: the group-by keeps row order.
    confidences = [1e17, 1.0, -1e17, 1.0, 0.5]
    rows = [{"translation": {"en": "Meta", "zh": "元"}, "zh_mainland": "元", "doc_id": f"d{i % 2}", "kind": "name",
             "confidence": c} for i, c in enumerate(confidences)]
    table = pa.table({"en": ["Meta"] * 5, "zh": ["元"] * 5, "zh_mainland": ["元"] * 5,
                      "doc_id": [r["doc_id"] for r in rows], "kind": ["name"] * 5, "confidence": confidences})
    [got] = glossary_from_table(table, [])
    assert got == glossary_rows(rows, [])[0]
    assert got["mean_confidence"] == round(sum(confidences) / 5, 4) != round(sum(sorted(confidences)) / 5, 4)


def test_the_build_leaves_no_spool_behind(tmp_path):
    out = tmp_path / "build"
    pipeline.build(RAW, out, link=False, review=False)
    assert [p.name for p in tmp_path.iterdir()] == ["build"]
    assert not list(out.rglob("*.arrow"))
