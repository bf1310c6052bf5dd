"""The ``glossary`` config: one row per distinct (English, Chinese) of the inline pairs,
what a terminology or MT user wants first."""

from __future__ import annotations

from collections import Counter, defaultdict

from ..records import VariantCluster


def glossary_rows(pair_rows: list[dict], clusters: list[VariantCluster]) -> list[dict]:
    """Distinct ``(en, zh)`` of the inline pairs (links are not inline) with how often and
    where each occurs, its kinds, the mean confidence and the English name of its variant
    cluster; the counts add up to the inline pairs. Sorted by English, then Chinese."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in pair_rows:
        if r["kind"] != "linked":
            groups[(r["translation"]["en"], r["translation"]["zh"])].append(r)
    return _rows(((en, zh, [r["confidence"] for r in members], [r.get("zh_mainland") for r in members],
                   {r["doc_id"] for r in members}, {r["kind"] for r in members})
                  for (en, zh), members in groups.items()), clusters)


def glossary_from_table(table, clusters: list[VariantCluster]) -> list[dict]:
    """:func:`glossary_rows` of the inline pairs as a pyarrow table of ``en``, ``zh``,
    ``zh_mainland``, ``doc_id``, ``kind`` and ``confidence`` (the build's spool), grouped
    by pyarrow. One thread keeps each group's confidences in row order, so their mean is
    the same float as the rows' own sum gives."""
    grouped = table.group_by(["en", "zh"], use_threads=False).aggregate(
        [("confidence", "list"), ("zh_mainland", "list"), ("doc_id", "distinct"), ("kind", "distinct")])
    return _rows(zip(*(grouped[c].to_pylist() for c in ("en", "zh", "confidence_list", "zh_mainland_list",
                                                        "doc_id_distinct", "kind_distinct")), strict=True),
                 clusters)


def _rows(groups, clusters: list[VariantCluster]) -> list[dict]:
    """The rows of ``(en, zh, confidences, mainland forms, doc_ids, kinds)`` groups."""
    cluster_of = {spelling: c.en for c in clusters for spelling in c.en_variants}
    rows = []
    for en, zh, confidences, mainlands, doc_ids, kinds in groups:
        confidences = [c for c in confidences if c is not None]
        # One Simplified form can come from sources of different regions: the most common
        # mainland phrasing among its pairs (ties: the first in code-point order).
        mainland = Counter(m or zh for m in mainlands)
        rows.append({
            "en": en,
            "zh": zh,
            "zh_mainland": min(mainland, key=lambda z: (-mainland[z], z)),
            "count": len(mainlands),
            "doc_ids": sorted(set(doc_ids)),
            "kinds": sorted(set(kinds)),
            "mean_confidence": round(sum(confidences) / len(confidences), 4) if confidences else None,
            "variant_of": cluster_of.get(en.strip()),
        })
    rows.sort(key=lambda r: (r["en"].casefold(), (r["en"], r["zh"])))
    return rows
