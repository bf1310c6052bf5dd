"""Documents with their pairs marked in place, the original script beside the normalized text.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

from .build_files import BuildData
from .html import ORIGINAL_LANG, esc, fmt, kind_class, meta_value, number

logger = logging.getLogger(__name__)

def document_ids(data: BuildData) -> list:
    ids = {d.get("doc_id") for d in data.documents}
    ids |= {p.get("doc_id") for p in data.pairs} | {p.get("doc_id") for p in data.passages}
    ids.discard(None)
    return sorted(ids, key=str)


def _pair_title(p: dict) -> str:
    t = p.get("translation") or {}
    flags = ", ".join(p.get("flags") or []) or "none"
    return f"{t.get('en')} — {p.get('kind')}, confidence {fmt(p.get('confidence'))}, flags: {flags}"


def _mark_open(i: int, p: dict, clipped: bool) -> str:
    t = p.get("translation") or {}
    conf = number(p.get("confidence"))
    classes = ["pair", kind_class(p.get("kind"))]
    if "low_confidence" in (p.get("flags") or []) or (conf is not None and conf < 0.5):
        classes.append("low")
    attrs = (f'class="{" ".join(classes)}" id="pair-{i}" data-pair="{i}" tabindex="0" '
             f'data-en="{esc(t.get("en"))}" data-kind="{esc(p.get("kind"))}" '
             f'data-confidence="{fmt(conf, 4)}" data-flags="{esc(" ".join(p.get("flags") or []))}" '
             f'title="{esc(_pair_title(p))}"')
    if clipped:
        attrs += ' data-clipped="1"'
    return f"<mark {attrs}>"


def mark_spans(text: str, spans: list[tuple[int, int, Any]], open_tag: Callable[[Any, bool], str],
               close_tag: str) -> str:
    """``text`` escaped, with one element per ``(start, end, key)`` span.

    Spans are nested as they come (identical spans nest); one that crosses the end of
    an enclosing span is clipped to it, so every span still gets exactly one element.
    ``open_tag(key, clipped)`` returns the opening tag.
    """
    out, stack, pos = [], [], 0
    for start, end, key in sorted(spans, key=lambda s: (s[0], -s[1], s[2])):
        start = min(max(start, pos), len(text))
        while stack and stack[-1] <= start:
            out.append(esc(text[pos:stack[-1]]) + close_tag)
            pos = stack.pop()
        out.append(esc(text[pos:start]))
        pos = start
        clipped = False
        end = max(end, start)
        if stack and end > stack[-1]:
            end, clipped = stack[-1], True
        out.append(open_tag(key, clipped))
        stack.append(min(end, len(text)))
    while stack:
        out.append(esc(text[pos:stack[-1]]) + close_tag)
        pos = stack.pop()
    out.append(esc(text[pos:]))
    return "".join(out)


def _echo_spans(text: str, original_len: int, placed: list[tuple[int, int, int]],
                pairs: list[dict]) -> list[tuple[int, int, tuple[int, ...]]]:
    """Where each pair's normalized Chinese sits in the passage's normalized text.

    The pairs carry offsets into the original only; OpenCC keeps most lengths, so the
    occurrence nearest the original's relative position is taken. Overlapping finds
    are dropped; identical spans become one echo for several pairs.
    """
    spans: dict[tuple[int, int], list[int]] = {}
    taken: list[tuple[int, int]] = []
    for start, _, i in sorted(placed):
        zh = (pairs[i].get("translation") or {}).get("zh") or ""
        if not zh:
            continue
        guess = start * len(text) / max(original_len, 1)
        hits, k = [], text.find(zh)
        while k >= 0:
            hits.append(k)
            k = text.find(zh, k + 1)
        if not hits:
            continue
        k = min(hits, key=lambda h: (abs(h - guess), h))
        key = (k, k + len(zh))
        if key in spans:
            spans[key].append(i)
        elif not any(a < key[1] and key[0] < b for a, b in taken):
            spans[key] = [i]
            taken.append(key)
    return [(a, b, tuple(ids)) for (a, b), ids in sorted(spans.items())]


def _echo_open(key: tuple[int, ...], clipped: bool, pairs: list[dict]) -> str:
    kind = pairs[key[0]].get("kind")
    return f'<mark class="echo {kind_class(kind)}" data-pairs="{" ".join(map(str, key))}">'


def _place_pairs(data: BuildData) -> tuple[dict[str, list[tuple[int, int, int]]], dict[Any, list[int]]]:
    """Pair indexes by the passage that holds them (relative offsets), and those that fit none."""
    passages_by_id = {p.get("passage_id"): p for p in data.passages}
    by_doc: dict[Any, list[dict]] = {}
    for p in data.passages:
        by_doc.setdefault(p.get("doc_id"), []).append(p)
    placed: dict[str, list[tuple[int, int, int]]] = {}
    unplaced: dict[Any, list[int]] = {}

    def fits(passage: dict, pair: dict) -> bool:
        s, e = pair.get("start"), pair.get("end")
        if passage.get("doc_id") != pair.get("doc_id") or not isinstance(s, int) or not isinstance(e, int):
            return False
        ps = passage.get("start")
        if not isinstance(ps, int) or not (ps <= s <= e <= passage.get("end", -1)):
            return False
        original = passage.get("text_original") or ""
        return original[s - ps:e - ps] == (pair.get("zh_original") or original[s - ps:e - ps])

    for i, pair in enumerate(data.pairs):
        home = passages_by_id.get(pair.get("passage_id"))
        if home is None or not fits(home, pair):
            home = next((q for q in by_doc.get(pair.get("doc_id"), []) if fits(q, pair)), None)
        if home is None:
            unplaced.setdefault(pair.get("doc_id"), []).append(i)
            continue
        ps = home["start"]
        placed.setdefault(home.get("passage_id"), []).append((pair["start"] - ps, pair["end"] - ps, i))
    return placed, unplaced


def _passage_html(passage: dict, spans: list[tuple[int, int, int]], pairs: list[dict], lang: str) -> str:
    original = passage.get("text_original") or ""
    text = passage.get("text") or ""
    kind = passage.get("kind")
    kind_class = kind if kind in ("content", "heading", "boilerplate") else "other"
    head = [f'<span class="gutter">{esc(str(passage.get("passage_id", "")).rsplit("/", 1)[-1])} · {esc(kind)}</span>']
    if passage.get("speaker"):
        head.append(f'<span class="speaker" title="speaker">{esc(passage["speaker"])}</span>')
    marked = mark_spans(original, spans, lambda i, clipped: _mark_open(i, pairs[i], clipped), "</mark>")
    echoes = _echo_spans(text, len(original), spans, pairs)
    normalized = mark_spans(text, echoes, lambda key, clipped: _echo_open(key, clipped, pairs), "</mark>")
    same = " same" if text == original else ""
    return (f'<div class="passage {kind_class}"><div class="passage-head">{"".join(head)}</div>'
            f'<div class="text original" lang="{lang}">{marked}</div>'
            f'<div class="text normalized{same}" lang="zh-Hans">{normalized}</div></div>')


def render_documents(data: BuildData, doc_index: dict) -> str:
    placed, unplaced = _place_pairs(data)
    docs_by_id = {d.get("doc_id"): d for d in data.documents}
    passages_by_doc: dict[Any, list[dict]] = {}
    for p in data.passages:
        passages_by_doc.setdefault(p.get("doc_id"), []).append(p)
    pairs_per_doc = Counter(p.get("doc_id") for p in data.pairs)
    out = []
    for doc_id in document_ids(data):
        doc = docs_by_id.get(doc_id, {})
        lang = ORIGINAL_LANG.get(doc.get("variant"), "zh")
        meta = [("path", doc.get("path"))]
        # Every other column is shown as text: a future manifest may add title, url, ...
        meta += [(k, v) for k, v in sorted(doc.items()) if k not in ("doc_id", "path")]
        if doc_id in data.sources:
            meta.append(("source", data.sources[doc_id]))
        meta_html = "".join(f"<dt>{esc(k)}</dt><dd>{esc(meta_value(v))}</dd>" for k, v in meta)
        passages = sorted(passages_by_doc.get(doc_id, []),
                          key=lambda p: (p.get("start") if isinstance(p.get("start"), int) else -1,
                                         str(p.get("passage_id"))))
        rows = "".join(_passage_html(p, placed.get(p.get("passage_id"), []), data.pairs, lang) for p in passages)
        lost = ""
        if unplaced.get(doc_id):
            items = "".join(
                f"<li>{_mark_open(i, data.pairs[i], False)}{esc(data.pairs[i].get('zh_original'))}</mark> "
                f"({esc((data.pairs[i].get('translation') or {}).get('en'))}), offsets "
                f"{esc(data.pairs[i].get('start'))}–{esc(data.pairs[i].get('end'))}</li>"
                for i in unplaced[doc_id])
            lost = (f'<div class="unplaced"><p class="note">Pairs whose offsets fall in no passage of this '
                    f"document:</p><ul>{items}</ul></div>")
        out.append(
            f'<section class="document" id="doc-{doc_index[doc_id]}"><h3>{esc(doc_id)}</h3>'
            f'<p class="muted">{len(passages)} passages, {pairs_per_doc[doc_id]} pairs</p>'
            f'<dl class="doc-meta">{meta_html}</dl>'
            f'<div class="passages"><div class="passage passage-heads"><div>passage</div>'
            f"<div>original text</div><div>normalized (Simplified)</div></div>{rows}</div>{lost}</section>"
        )
    if not out:
        return '<p class="note">This build has no documents.</p>'
    return "".join(out)
