"""The ``glossary`` config: one row per distinct (English, Chinese) of the inline pairs,
what a terminology or MT user wants first."""

from __future__ import annotations

from collections import Counter, defaultdict

from ..records import VariantCluster


def glossary_rows(pair_rows: list[dict], clusters: list[VariantCluster]) -> list[dict]:
    """Distinct ``(en, zh)`` of the inline pairs (links are not inline) with how often and
    where each occurs, its kinds, the mean confidence and the English name of its variant
    cluster; the counts add up to the inline pairs. Sorted by English, then Chinese."""
    cluster_of = {spelling: c.en for c in clusters for spelling in c.en_variants}
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in pair_rows:
        if r["kind"] != "linked":
            groups[(r["translation"]["en"], r["translation"]["zh"])].append(r)
    rows = []
    for (en, zh), members in sorted(groups.items(), key=lambda kv: (kv[0][0].casefold(), kv[0])):
        confidences = [r["confidence"] for r in members if r["confidence"] is not None]
        # One Simplified form can come from sources of different regions: the most common
        # mainland phrasing among its pairs (ties: the first in code-point order).
        mainland = Counter(r.get("zh_mainland") or zh for r in members)
        rows.append({
            "en": en,
            "zh": zh,
            "zh_mainland": min(mainland, key=lambda z: (-mainland[z], z)),
            "count": len(members),
            "doc_ids": sorted({r["doc_id"] for r in members}),
            "kinds": sorted({r["kind"] for r in members}),
            "mean_confidence": round(sum(confidences) / len(confidences), 4) if confidences else None,
            "variant_of": cluster_of.get(en.strip()),
        })
    return rows
