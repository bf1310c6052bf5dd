"""Renderings of one name or term across documents: the pairs grouped by English
(case-, spelling- and prefix-variants joined) with every Chinese rendering.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from .records import PhrasePair, Rendering, VariantCluster

CLUSTER_KINDS = frozenset({"name", "term", "acronym", "title"})
MAX_SURNAME_EDITS = 2


def variant_clusters(pairs: list[PhrasePair], mainland: list[str] | None = None) -> list[VariantCluster]:
    """English names and terms with every Chinese rendering and the documents using each.

    ``mainland`` gives each pair's Chinese in mainland vocabulary (``zh_mainland``, default
    ``zh``): a rendering carries it, and the renderings that share it (记忆体 from Taiwan,
    内存 from the mainland) are listed together, the most used first.

    Spellings join one cluster when they are equal ignoring case, space and
    apostrophes; when they share the first name and the last names are within
    :data:`MAX_SURNAME_EDITS` edits (Moskovitz/Moskowitz); or when one is the other's
    word prefix (Priscilla / Priscilla Chan) and the prefix fits only one longer name.
    Only clusters with two renderings or two spellings are returned, sorted by name.
    """
    mainland = [p.zh for p in pairs] if mainland is None else mainland
    counts: Counter = Counter((p.en, p.zh, m, p.doc_id) for p, m in zip(pairs, mainland, strict=True)
                              if p.kind in CLUSTER_KINDS)
    return clusters_from_counts((*k, n) for k, n in counts.items())


def clusters_from_counts(counts: Iterable[tuple[str, str, str | None, str, int]]) -> list[VariantCluster]:
    """:func:`variant_clusters` of the pairs counted by ``(en, zh, zh_mainland, doc_id)``
    (the pairs of :data:`CLUSTER_KINDS` only): what a group-by over the build's spooled
    pairs gives (:mod:`align.spool`), so the pairs themselves never sit in memory. A cluster
    depends only on these counts, not on the order of the pairs."""
    usable = [(en.strip(), zh, m or zh, doc_id, n) for en, zh, m, doc_id, n in counts if en.strip() and zh.strip()]
    spelling_of = _join_spellings(sorted({_name_key(en) for en, *_ in usable}))
    groups: dict[str, list[tuple[str, str, str, str, int]]] = defaultdict(list)
    for member in usable:
        groups[spelling_of[_name_key(member[0])]].append(member)
    clusters = [c for c in map(_cluster, groups.values()) if c is not None]
    clusters.sort(key=lambda c: (c.en.casefold(), c.en))
    return clusters


def _join_spellings(keys: list[str]) -> dict[str, str]:
    """Each spelling key -> the key of its cluster (union-find over the two rules)."""
    parent = {k: k for k in keys}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    # Every pair of keys was compared once, which grew with the square of the distinct names
    # (a minute at 20 MB of articles). Surname variants share all words but the last, so only
    # keys of one such group are compared; a key's longer names are one range of the sorted
    # keys. The root of a cluster is its smallest key whatever the order of the unions, so
    # the result is the same.
    keys = sorted(keys)
    by_head: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for k in keys:
        words = k.split()
        if len(words) >= 2:
            by_head[tuple(words[:-1])].append(k)
    for group in by_head.values():
        for a_i, a in enumerate(group):
            for b in group[a_i + 1:]:
                if _same_surname_variant(a, b):
                    union(a, b)
    for a in keys:
        prefix = a + " "
        longer = []
        for b in keys[bisect.bisect_left(keys, prefix):]:
            if not b.startswith(prefix):
                break
            longer.append(b)
        if len(longer) == 1 or (longer and len({find(b) for b in longer}) == 1):
            union(a, longer[0])
    return {k: find(k) for k in keys}


def _cluster(members: list[tuple[str, str, str, str, int]]) -> VariantCluster | None:
    """The cluster of one group of ``(en, zh, mainland Chinese, doc_id, count)``, or None
    when it has one spelling and one rendering."""
    spelled: Counter = Counter()
    by_zh: dict[str, set[str]] = defaultdict(set)
    counts: Counter = Counter()
    mainland_votes: dict[str, Counter] = defaultdict(Counter)
    for en, zh, m, doc_id, n in members:
        spelled[en] += n
        by_zh[zh].add(doc_id)
        counts[zh] += n
        mainland_votes[zh][m] += n
    if len(by_zh) < 2 and len(spelled) < 2:
        return None
    canonical = min(spelled.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))[0]
    mainland_of = {zh: min(v, key=lambda m: (-v[m], m)) for zh, v in mainland_votes.items()}
    per_mainland: Counter = Counter()
    for zh, n in counts.items():
        per_mainland[mainland_of[zh]] += n
    renderings = tuple(
        Rendering(zh=zh, doc_ids=tuple(sorted(by_zh[zh])), count=counts[zh], zh_mainland=mainland_of[zh])
        for zh in sorted(by_zh, key=lambda z: (-per_mainland[mainland_of[z]], mainland_of[z], -counts[z], z))
    )
    return VariantCluster(en=canonical, en_variants=tuple(sorted(spelled)), renderings=renderings)


def _name_key(en: str) -> str:
    return " ".join(re.sub(r"['’`]", "", en).casefold().split())


def _same_surname_variant(a: str, b: str) -> bool:
    """Same first name, same number of words, last names within MAX_SURNAME_EDITS edits."""
    wa, wb = a.split(), b.split()
    if len(wa) < 2 or len(wa) != len(wb) or wa[:-1] != wb[:-1]:
        return False
    sa, sb = wa[-1], wb[-1]
    # Short surnames (Cox, Ek) would join unrelated people at two edits.
    limit = min(MAX_SURNAME_EDITS, max(0, min(len(sa), len(sb)) // 3))
    return _edit_distance(sa, sb, limit) <= limit


def _edit_distance(a: str, b: str, cap: int) -> int:
    """Levenshtein distance, stopping early once it exceeds ``cap``."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > cap:
            return cap + 1
        prev = cur
    return prev[-1]
