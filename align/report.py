"""The build report: one static HTML page that shows a build to a person (issues 5 and 7).

``render_report(build_dir)`` reads the parquet files and ``report.json`` of a build and
returns a page that opens offline: every document with its pairs marked in place (the
original script beside the normalized text), the pairs as a sortable, filterable table,
the cross-document links when the build has them, the gold-set figures and plots drawn
as inline SVG at build time. ``write_report`` writes it.

Safety: everything that comes from an article (text, English, speaker labels, doc ids,
file names, metadata) reaches the page through :func:`html.escape` with ``quote=True``,
never in an event handler, a URL or an ``id``; the data the script reads sits in a
``<script type="application/json">`` with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped,
so ``</script>`` in an article cannot close it. The Content-Security-Policy allows
nothing but the page's one inline script and one inline style, by their SHA-256
(CSP Level 3, "hash-source"), and ``data:`` images; no ``'unsafe-inline'``.

Deterministic: the same build gives the same bytes (no time, no absolute path, fixed
number formats, rows in file order).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import logging
import math
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from . import __version__
from .errors import BuildError, InputError

logger = logging.getLogger(__name__)

SHARD = "train-00000-of-00001.parquet"
KINDS = ("name", "term", "acronym", "title", "quote")
# The lang of the original column, so browsers pick the regional glyphs.
ORIGINAL_LANG = {"hk": "zh-HK", "tw": "zh-TW", "t": "zh-Hant", "s": "zh-Hans"}
GOLD_FIELDS = (
    ("precision", "precision"),
    ("recall", "recall"),
    ("f1", "F1"),
    ("boundary_accuracy", "boundary accuracy"),
    ("kind_accuracy", "kind accuracy"),
    ("gold_pairs", "gold pairs"),
    ("predicted_pairs", "predicted pairs"),
    ("correct", "correct"),
    ("negatives_violated", "negatives violated"),
)
LINK_CONTEXT_CHARS = 30


def esc(value: Any) -> str:
    """Article-derived text made inert in HTML text and in quoted attributes."""
    return "" if value is None else html.escape(str(value), quote=True)


def json_for_script(obj: Any) -> str:
    """JSON that cannot end the ``<script>`` element it sits in (nor a line in old JS)."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    for ch, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                        ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, escaped)
    return text


def csp_hash(source: str) -> str:
    """The CSP hash-source of an inline element's exact text."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _kind_class(kind: Any) -> str:
    # A class name is chosen from a fixed set, never built from the data.
    return f"k-{kind}" if kind in KINDS else "k-other"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _fmt(value: Any, digits: int = 3) -> str:
    x = _number(value)
    return "—" if x is None else f"{x:.{digits}f}"


# ---------------------------------------------------------------------------------
# Loading a build
# ---------------------------------------------------------------------------------


@dataclass
class BuildData:
    """The rows of a build folder, as plain dicts, in file order."""

    pairs: list[dict]
    passages: list[dict]
    documents: list[dict]
    links: list[dict] | None  # None when the build has no links config
    report: dict
    sources: dict[str, str]  # doc_id -> whether raw_dir still holds the built bytes


def _read_rows(path: Path) -> list[dict] | None:
    if not path.is_file():
        return None
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def load_build(build_dir: Path, raw_dir: Path | None = None) -> BuildData:
    """Read the configs of ``build_dir``; check the sources in ``raw_dir`` if given."""
    build_dir = Path(build_dir)
    pairs = _read_rows(build_dir / "pairs" / SHARD)
    if pairs is None:
        raise InputError(f"{build_dir}: not a build folder (expected pairs/{SHARD})")
    report_file = build_dir / "report.json"
    report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.is_file() else {}
    documents = _read_rows(build_dir / "documents" / SHARD) or []
    data = BuildData(
        pairs=pairs,
        passages=_read_rows(build_dir / "passages" / SHARD) or [],
        documents=documents,
        links=_read_rows(build_dir / "links" / SHARD),
        report=report if isinstance(report, dict) else {},
        sources=check_sources(documents, Path(raw_dir)) if raw_dir is not None else {},
    )
    return data


def check_sources(documents: list[dict], raw_dir: Path) -> dict[str, str]:
    """For each document: whether ``raw_dir`` still holds the bytes it was built from."""
    root = raw_dir.resolve()
    found = {}
    for d in documents:
        rel = d.get("path")
        if not rel or d.get("doc_id") is None:
            continue
        path = raw_dir / rel
        if not path.resolve().is_relative_to(root):
            found[d["doc_id"]] = "outside the raw folder"
        elif not path.is_file():
            found[d["doc_id"]] = "missing from the raw folder"
        elif hashlib.sha256(path.read_bytes()).hexdigest() == d.get("sha256"):
            found[d["doc_id"]] = "unchanged since the build"
        else:
            found[d["doc_id"]] = "changed since the build"
    return found


# ---------------------------------------------------------------------------------
# Plots: hand-written SVG, so the page needs no library and stays byte-stable
# ---------------------------------------------------------------------------------

PLOT_WIDTH = 560


def _nice_step(top: float, ticks: int = 5) -> float:
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def _short(label: str, limit: int = 26) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _svg_open(width: int, height: int, title: str) -> str:
    return (f'<svg class="plot" viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}">'
            f'<text class="plot-title" x="0" y="15">{esc(title)}</text>')


def svg_bars(title: str, items: list[tuple[str, int, str]]) -> str:
    """Horizontal bars: ``(label, count, css class)`` each."""
    row, top, label_w = 22, 28, 200
    height = top + row * max(len(items), 1) + 8
    out = [_svg_open(PLOT_WIDTH, height, title)]
    if not items:
        out.append(f'<text x="0" y="{top + 14}">no data</text></svg>')
        return "".join(out)
    span = PLOT_WIDTH - label_w - 50
    most = max(n for _, n, _ in items) or 1
    for k, (label, n, cls) in enumerate(items):
        y = top + k * row
        w = span * n / most
        out.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end"><title>{esc(label)}</title>'
            f'{esc(_short(label))}</text>'
            f'<rect class="{cls}" x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 8}">'
            f'<title>{esc(label)}: {n}</title></rect>'
            f'<text x="{label_w + w + 5:.1f}" y="{y + 15}">{n}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def svg_histogram(title: str, values: list[float], low: float, high: float, bins: int, x_label: str,
                  digits: int = 1) -> str:
    """Counts of ``values`` in ``bins`` equal bins over ``[low, high]`` (the last one closed)."""
    counts = [0] * bins
    for v in values:
        k = int((v - low) / (high - low) * bins) if high > low else 0
        counts[min(max(k, 0), bins - 1)] += 1
    left, right, top, bottom, height = 44, 12, 30, 40, 230
    plot_w, plot_h = PLOT_WIDTH - left - right, height - top - bottom
    step = max(1, math.ceil(_nice_step(max(counts or [0]))))
    y_top = max(step, math.ceil(max(counts or [0]) / step) * step)
    out = [_svg_open(PLOT_WIDTH, height, title)]
    for t in range(0, y_top + 1, step):
        y = top + plot_h - plot_h * t / y_top
        out.append(f'<line class="gridline" x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}"/>'
                   f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end">{t}</text>')
    bar_w = plot_w / bins
    for k, n in enumerate(counts):
        a, b = low + (high - low) * k / bins, low + (high - low) * (k + 1) / bins
        h = plot_h * n / y_top
        x = left + k * bar_w
        out.append(f'<rect class="bar" x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" '
                   f'height="{h:.1f}"><title>{a:.{digits}f}–{b:.{digits}f}: {n}</title></rect>')
    for k in range(bins + 1):
        if bins > 10 and k % 2:
            continue
        x = left + k * bar_w
        out.append(f'<text x="{x:.1f}" y="{top + plot_h + 15}" text-anchor="middle">'
                   f'{low + (high - low) * k / bins:.{digits}f}</text>')
    out.append(f'<line class="axis" x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}"/>'
               f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle">{esc(x_label)}</text>'
               "</svg>")
    return "".join(out)


RATIO_TICKS = (1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8)
RATIO_LABELS = ("1/8", "1/4", "1/2", "1", "2", "4", "8")


def svg_ratio_scatter(title: str, points: list[tuple[int, float, str, bool, str]]) -> str:
    """``(len(en), len(zh)/len(en), css class, outlier, tooltip)`` each; y on a log2 scale."""
    left, right, top, bottom, height = 44, 96, 30, 40, 260
    plot_w, plot_h = PLOT_WIDTH - left - right, height - top - bottom
    lo, hi = math.log2(RATIO_TICKS[0]), math.log2(RATIO_TICKS[-1])
    x_max = max([p[0] for p in points] + [10])
    x_step = _nice_step(x_max)
    x_top = math.ceil(x_max / x_step) * x_step

    def ypos(ratio: float) -> float:
        r = min(max(math.log2(ratio), lo), hi)
        return top + plot_h - plot_h * (r - lo) / (hi - lo)

    out = [_svg_open(PLOT_WIDTH, height, title)]
    for tick, label in zip(RATIO_TICKS, RATIO_LABELS, strict=True):
        y = ypos(tick)
        cls = "guide" if tick == 1 else "gridline"
        out.append(f'<line class="{cls}" x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}"/>'
                   f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    t = 0.0
    while t <= x_top + 1e-9:
        x = left + plot_w * t / x_top
        out.append(f'<text x="{x:.1f}" y="{top + plot_h + 15}" text-anchor="middle">{t:g}</text>')
        t += x_step
    out.append(f'<line class="axis" x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}"/>'
               f'<line class="axis" x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}"/>'
               f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle">'
               "English length (characters)</text>")
    for n_en, ratio, cls, outlier, tip in points:
        x = left + plot_w * n_en / x_top
        extra = " outlier" if outlier else ""
        out.append(f'<circle class="{cls}{extra}" cx="{x:.1f}" cy="{ypos(ratio):.1f}" r="3.5">'
                   f"<title>{esc(tip)}</title></circle>")
    legend_x = left + plot_w + 14
    out.append('<g class="legend">')
    for k, kind in enumerate((*KINDS, "other")):
        y = top + 6 + k * 16
        out.append(f'<circle class="k-{kind}" cx="{legend_x}" cy="{y}" r="4"/>'
                   f'<text x="{legend_x + 8}" y="{y + 4}">{kind}</text>')
    y = top + 6 + (len(KINDS) + 1) * 16
    out.append(f'<circle class="k-other outlier" cx="{legend_x}" cy="{y}" r="4"/>'
               f'<text x="{legend_x + 8}" y="{y + 4}">flagged</text></g></svg>')
    return "".join(out)


def render_plots(data: BuildData) -> str:
    pairs = data.pairs
    kinds = Counter(p.get("kind") for p in pairs)
    kind_items = [(k, kinds[k], _kind_class(k)) for k in KINDS if kinds[k]]
    kind_items += [(str(k), n, "k-other") for k, n in sorted(kinds.items(), key=lambda kv: str(kv[0]))
                   if k not in KINDS]
    per_doc = Counter(p.get("doc_id") for p in pairs)
    doc_ids = _doc_ids(data)
    doc_items = [(str(d), per_doc.get(d, 0), "bar") for d in doc_ids]
    confidences = [c for c in (_number(p.get("confidence")) for p in pairs) if c is not None]
    points, no_english = [], 0
    for p in pairs:
        t = p.get("translation") or {}
        en, zh = t.get("en") or "", t.get("zh") or ""
        if not en:
            no_english += 1
            continue
        ratio = len(zh) / len(en)
        tip = f"{en} → {zh}: {len(zh)}/{len(en)} = {ratio:.2f}"
        points.append((len(en), max(ratio, 1e-6), _kind_class(p.get("kind")),
                       "length_ratio_outlier" in (p.get("flags") or []), tip))
    figures = [
        ("Pairs per kind", svg_bars("Pairs per kind", kind_items), ""),
        ("Pairs per document", svg_bars("Pairs per document", doc_items), ""),
        ("Confidence", svg_histogram("Confidence of the pairs", confidences, 0.0, 1.0, 10, "confidence"),
         f"{len(confidences)} pairs with a confidence."),
        ("Length ratio", svg_ratio_scatter("Length ratio len(zh) / len(en)", points),
         "One dot per pair; ratios beyond 1/8 and 8 sit on the edge; red rings are flagged "
         "length_ratio_outlier." + (f" {no_english} pairs without English are left out." if no_english else "")),
    ]
    chrf = [c for c in (_number(p.get("chrf")) for p in pairs) if c is not None]
    if chrf:
        # sacrebleu reports chrF on 0-100; a column on 0-1 is drawn on its own scale.
        high = 100.0 if max(chrf) > 1.0 else 1.0
        figures.append(("chrF", svg_histogram("chrF of the pairs", chrf, 0.0, high, 10, "chrF",
                                              digits=0 if high > 1 else 1), f"{len(chrf)} pairs with a chrF score."))
    chrf_note = ""
    if not chrf:
        why = "no pair has one" if any("chrf" in p for p in pairs) else "no <code>chrf</code> column"
        chrf_note = f'<p class="note" id="no-chrf">This build has no chrF scores ({why}).</p>'
    body = "".join(f'<figure class="plot">{svg}<figcaption>{esc(caption)}</figcaption></figure>'
                   for _, svg, caption in figures)
    return f'<div class="plots">{body}</div>{chrf_note}'


# ---------------------------------------------------------------------------------
# Documents with their pairs marked in place
# ---------------------------------------------------------------------------------


def _doc_ids(data: BuildData) -> list:
    ids = {d.get("doc_id") for d in data.documents}
    ids |= {p.get("doc_id") for p in data.pairs} | {p.get("doc_id") for p in data.passages}
    ids.discard(None)
    return sorted(ids, key=str)


def _pair_title(p: dict) -> str:
    t = p.get("translation") or {}
    flags = ", ".join(p.get("flags") or []) or "none"
    return f"{t.get('en')} — {p.get('kind')}, confidence {_fmt(p.get('confidence'))}, flags: {flags}"


def _mark_open(i: int, p: dict, clipped: bool) -> str:
    t = p.get("translation") or {}
    conf = _number(p.get("confidence"))
    classes = ["pair", _kind_class(p.get("kind"))]
    if "low_confidence" in (p.get("flags") or []) or (conf is not None and conf < 0.5):
        classes.append("low")
    attrs = (f'class="{" ".join(classes)}" id="pair-{i}" data-pair="{i}" tabindex="0" '
             f'data-en="{esc(t.get("en"))}" data-kind="{esc(p.get("kind"))}" '
             f'data-confidence="{_fmt(conf, 4)}" data-flags="{esc(" ".join(p.get("flags") or []))}" '
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
    return f'<mark class="echo {_kind_class(kind)}" data-pairs="{" ".join(map(str, key))}">'


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
            f'<div class="text" lang="{lang}">{marked}</div>'
            f'<div class="text{same}" lang="zh-Hans">{normalized}</div></div>')


def render_documents(data: BuildData, doc_index: dict) -> str:
    placed, unplaced = _place_pairs(data)
    docs_by_id = {d.get("doc_id"): d for d in data.documents}
    passages_by_doc: dict[Any, list[dict]] = {}
    for p in data.passages:
        passages_by_doc.setdefault(p.get("doc_id"), []).append(p)
    pairs_per_doc = Counter(p.get("doc_id") for p in data.pairs)
    out = []
    for doc_id in _doc_ids(data):
        doc = docs_by_id.get(doc_id, {})
        lang = ORIGINAL_LANG.get(doc.get("variant"), "zh")
        meta = [("path", doc.get("path"))]
        # Every other column is shown as text: a future manifest may add title, url, ...
        meta += [(k, v) for k, v in sorted(doc.items()) if k not in ("doc_id", "path")]
        if doc_id in data.sources:
            meta.append(("source", data.sources[doc_id]))
        meta_html = "".join(f"<dt>{esc(k)}</dt><dd>{esc(_meta_value(v))}</dd>" for k, v in meta)
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


def _meta_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


# ---------------------------------------------------------------------------------
# Tables: pairs, links, gold, files
# ---------------------------------------------------------------------------------


def _flags_html(flags: list) -> str:
    return "".join(f'<span class="flag">{esc(f)}</span>' for f in flags)


def _options(values: list, prefix: str, label_all: str, extra: str = "") -> str:
    # Values carry a prefix so that no data value can collide with "" (all) or "none".
    opts = [f'<option value="">{esc(label_all)}</option>{extra}']
    opts += [f'<option value="{esc(prefix + str(v))}">{esc(v)}</option>' for v in values]
    return "".join(opts)


def render_pairs_table(data: BuildData, doc_index: dict) -> str:
    pairs = data.pairs
    kinds = sorted({str(p.get("kind")) for p in pairs})
    docs = sorted({str(p.get("doc_id")) for p in pairs})
    flags = sorted({str(f) for p in pairs for f in (p.get("flags") or [])})
    flag_opts = _options(flags, "f:", "any flags", '<option value="none">no flags</option>')
    controls = (
        '<div class="controls">'
        '<label>Filter <input type="search" id="pair-filter" placeholder="text, document, kind or flag" '
        'autocomplete="off"></label>'
        f'<label>kind <select id="filter-kind">{_options(kinds, "k:", "all kinds")}</select></label>'
        f'<label>document <select id="filter-doc">{_options(docs, "d:", "all documents")}</select></label>'
        f'<label>flags <select id="filter-flag">{flag_opts}</select></label>'
        f'<output id="pair-count">{len(pairs)} of {len(pairs)} pairs shown</output></div>'
    )
    head = "".join(
        f'<th{" class=num" if num else ""}><button type="button" data-sort="{key}">{label}</button></th>'
        for key, label, num in (
            ("index", "#", True), ("en", "English", False), ("zh", "Chinese", False),
            ("zh_original", "original", False), ("kind", "kind", False), ("doc", "document", False),
            ("confidence", "confidence", True), ("flags", "flags", False),
        )
    )
    rows = []
    for i, p in enumerate(pairs):
        t = p.get("translation") or {}
        doc_link = (f'<a href="#doc-{doc_index[p.get("doc_id")]}">{esc(p.get("doc_id"))}</a>'
                    if p.get("doc_id") in doc_index else esc(p.get("doc_id")))
        rows.append(
            f'<tr id="row-{i}" data-pair="{i}"><td class="num"><a href="#pair-{i}" title="show in the document">'
            f'{i}</a></td><td lang="en">{esc(t.get("en"))}</td><td lang="zh-Hans">{esc(t.get("zh"))}</td>'
            f'<td lang="zh">{esc(p.get("zh_original"))}</td>'
            f'<td><span class="kind {_kind_class(p.get("kind"))}">{esc(p.get("kind"))}</span></td>'
            f'<td class="doc">{doc_link}</td><td class="num">{_fmt(p.get("confidence"))}</td>'
            f'<td>{_flags_html(p.get("flags") or [])}</td></tr>'
        )
    note = ('<p class="note">The filter matches English, Chinese, original, document, kind and flags, '
            "ignoring case. Click a column head to sort; # jumps to the pair in its document.</p>")
    return (f"{controls}{note}<table class=\"grid\" id=\"pairs-table\"><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _excerpt(text: str, start: int, end: int, width: int = LINK_CONTEXT_CHARS) -> str:
    a, b = max(0, start - width), min(len(text), end + width)
    return ("…" if a > 0 else "") + esc(text[a:start]) + '<mark class="link">' + esc(text[start:end]) + \
        "</mark>" + esc(text[end:b]) + ("…" if b < len(text) else "")


def render_links(data: BuildData, doc_index: dict) -> str:
    if data.links is None:
        return '<p class="note" id="no-links">This build has no <code>links</code> config.</p>'
    if not data.links:
        return '<p class="note">The <code>links</code> config of this build is empty.</p>'
    passages_by_id = {p.get("passage_id"): p for p in data.passages}
    rows = []
    for link in data.links:
        passage = passages_by_id.get(link.get("passage_id"))
        doc_id = link.get("doc_id") or (passage or {}).get("doc_id")
        target = f'<mark class="link">{esc(link.get("zh_original"))}</mark>'
        s, e = link.get("start"), link.get("end")
        if passage and isinstance(s, int) and isinstance(e, int) and isinstance(passage.get("start"), int):
            original = passage.get("text_original") or ""
            rs, re_ = s - passage["start"], e - passage["start"]
            if 0 <= rs <= re_ <= len(original) and original[rs:re_] == link.get("zh_original"):
                target = _excerpt(original, rs, re_)
        if link.get("zh") and link.get("zh") != link.get("zh_original"):
            target += f'<br><span class="muted" lang="zh-Hans">{esc(link.get("zh"))}</span>'
        where = esc(doc_id) if doc_id not in doc_index else f'<a href="#doc-{doc_index[doc_id]}">{esc(doc_id)}</a>'
        rows.append(
            f'<tr><td lang="en">{esc(link.get("en"))}</td><td lang="zh-Hans">{esc(link.get("gloss"))}</td>'
            f'<td>{esc(link.get("source_doc_id"))}</td><td>{where}<br><span class="muted">'
            f'{esc(link.get("passage_id"))}</span></td><td lang="zh">{target}</td>'
            f'<td class="num">{_fmt(link.get("score"))}</td><td class="num">{_fmt(link.get("margin"))}</td></tr>'
        )
    return ('<table class="grid" id="links-table"><thead><tr><th>English</th><th>gloss</th><th>from document</th>'
            '<th>target document</th><th>target span</th><th class="num">score</th><th class="num">margin</th>'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _gold_list(rows: Any, caption: str, table_id: str) -> str:
    if not isinstance(rows, list):
        return ""
    if not rows:
        return f'<p class="note">{esc(caption)}: none.</p>'
    body = "".join(
        f'<tr><td>{esc(r.get("doc_id"))}</td><td lang="en">{esc(r.get("en"))}</td>'
        f'<td lang="zh-Hans">{esc(r.get("zh"))}</td></tr>' if isinstance(r, dict) else
        f'<tr><td colspan="3">{esc(r)}</td></tr>'
        for r in rows
    )
    return (f'<h3>{esc(caption)} ({len(rows)})</h3><table class="grid" id="{table_id}"><thead><tr><th>document</th>'
            f"<th>English</th><th>Chinese</th></tr></thead><tbody>{body}</tbody></table>")


def render_gold(report: dict) -> str:
    gold = report.get("gold")
    if not isinstance(gold, dict):
        return '<p class="note" id="no-gold">This build was not scored against a gold set.</p>'
    known = dict(GOLD_FIELDS)
    cells = [(label, gold.get(key)) for key, label in GOLD_FIELDS if key in gold]
    cells += [(k, v) for k, v in sorted(gold.items()) if k not in known and not isinstance(v, (list, dict))]
    rows = "".join(
        f'<tr><th>{esc(label)}</th><td class="num">{_fmt(v) if isinstance(v, float) else esc(v)}</td></tr>'
        for label, v in cells
    )
    misses = report.get("gold_misses", gold.get("misses"))
    extras = report.get("gold_extras", gold.get("extras"))
    return (f'<table class="grid compact" id="gold-table"><tbody>{rows}</tbody></table>'
            + _gold_list(misses, "Misses: gold pairs the build did not find", "gold-misses")
            + _gold_list(extras, "Extras: pairs the build found that the gold set lacks", "gold-extras"))


def render_files(report: dict) -> str:
    docs = report.get("documents") or []
    rows = "".join(
        f'<tr><td>{esc(d.get("path"))}</td><td>{esc(d.get("doc_id"))}</td><td>{esc(d.get("status"))}</td>'
        f'<td>{esc(d.get("reason") or "")}</td><td>{esc(d.get("encoding") or "")}</td>'
        f'<td>{esc(d.get("variant") or "")}</td><td class="num">{esc(d.get("passages"))}</td>'
        f'<td class="num">{esc(d.get("pairs"))}</td></tr>'
        for d in docs if isinstance(d, dict)
    )
    files = ('<table class="grid" id="files-table"><thead><tr><th>file</th><th>document</th><th>status</th>'
             '<th>reason</th><th>encoding</th><th>script</th><th class="num">passages</th>'
             f'<th class="num">pairs</th></tr></thead><tbody>{rows}</tbody></table>') if rows else \
        '<p class="note">report.json lists no files.</p>'
    rejected = report.get("rejected_candidates") or {}
    if isinstance(rejected, dict) and rejected:
        body = "".join(f'<tr><td>{esc(k)}</td><td class="num">{esc(v)}</td></tr>'
                       for k, v in sorted(rejected.items(), key=lambda kv: str(kv[0])))
        files += ('<h3>Candidates the extractor refused</h3><table class="grid compact" id="rejected-table">'
                  f'<thead><tr><th>reason</th><th class="num">count</th></tr></thead><tbody>{body}</tbody></table>')
    return files + render_dropped(report)


def render_dropped(report: dict) -> str:
    """The best readings the model scored below ``--min-confidence``, with their confidence."""
    dropped = report.get("dropped_below_min_confidence")
    if not isinstance(dropped, list) or not dropped:
        return ""
    rows = "".join(
        f'<tr><td>{esc(d.get("doc_id"))}</td><td lang="en">{esc(d.get("en"))}</td>'
        f'<td lang="zh-Hans">{esc(d.get("zh"))}</td><td class="num">{_fmt(d.get("confidence"))}</td></tr>'
        for d in dropped if isinstance(d, dict)
    )
    threshold = report.get("min_confidence")
    return (f'<h3>Readings below the confidence threshold ({esc(threshold)}), not published ({len(dropped)})</h3>'
            '<table class="grid" id="dropped-table"><thead><tr><th>document</th><th>English</th><th>Chinese</th>'
            f'<th class="num">confidence</th></tr></thead><tbody>{rows}</tbody></table>')


def render_summary(data: BuildData) -> str:
    totals = data.report.get("totals") or {}
    built = totals.get("documents_built", len(data.documents))
    skipped = totals.get("documents_skipped", 0)
    items = [
        (len(data.pairs), "pairs"),
        (len(data.passages), "passages"),
        (built, "documents built"),
        (skipped, "files skipped"),
    ]
    if data.links is not None:
        items.append((len(data.links), "links"))
    stats = "".join(f"<li><b>{esc(n)}</b>{esc(label)}</li>" for n, label in items)
    version = data.report.get("align_version")
    made = f"Built by align {esc(version)}; " if version else ""
    return (f'<ul class="stats">{stats}</ul><p class="muted">{made}report drawn by align {esc(__version__)}. '
            "Click a marked span to see its pair; hovering shows a summary.</p>")


# ---------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------


def _asset(name: str) -> str:
    return resources.files("align").joinpath("report_assets", name).read_text(encoding="utf-8")


def _script_data(data: BuildData) -> dict:
    rows = []
    for i, p in enumerate(data.pairs):
        t = p.get("translation") or {}
        rows.append({
            "i": i,
            "en": str(t.get("en") or ""),
            "zh": str(t.get("zh") or ""),
            "zh_original": str(p.get("zh_original") or ""),
            "doc": str(p.get("doc_id") or ""),
            "passage_id": str(p.get("passage_id") or ""),
            "kind": str(p.get("kind") or ""),
            "shape": str(p.get("shape") or ""),
            "confidence": _number(p.get("confidence")),
            "flags": [str(f) for f in (p.get("flags") or [])],
        })
    return {"pairs": rows}


SECTIONS = (
    ("summary", "Summary"),
    ("plots", "Plots"),
    ("gold", "Gold set"),
    ("pairs", "Pairs"),
    ("documents", "Documents"),
    ("links", "Links"),
    ("files", "Files"),
)


def render_report(build_dir: Path, raw_dir: Path | None = None) -> str:
    """The report page of ``build_dir`` as one HTML string (same build, same bytes)."""
    data = load_build(Path(build_dir), raw_dir)
    doc_index = {doc_id: k for k, doc_id in enumerate(_doc_ids(data))}
    style = _asset("report.css")
    script = _asset("report.js")
    csp = (f"default-src 'none'; script-src {csp_hash(script)}; style-src {csp_hash(style)}; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    bodies = {
        "summary": render_summary(data),
        "plots": render_plots(data),
        "gold": render_gold(data.report),
        "pairs": render_pairs_table(data, doc_index),
        "documents": render_documents(data, doc_index),
        "links": render_links(data, doc_index),
        "files": render_files(data.report),
    }
    nav = "".join(f'<a href="#{key}">{label}</a>' for key, label in SECTIONS)
    sections = "".join(f'<section class="block" id="{key}"><h2>{label}</h2>{bodies[key]}</section>'
                       for key, label in SECTIONS)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        '<link rel="icon" href="data:,">'
        "<title>align build report</title>"
        f"<style>{style}</style></head>\n"
        '<body><header class="top"><h1>align build report</h1>'
        f"<nav>{nav}</nav></header>\n<main>{sections}</main>\n"
        '<aside id="detail" hidden aria-live="polite"><button type="button" id="detail-close" '
        'aria-label="close">×</button><div id="detail-body"></div></aside>\n'
        f'<script type="application/json" id="data">{json_for_script(_script_data(data))}</script>\n'
        f"<script>{script}</script>\n</body></html>\n"
    )


def write_report(build_dir: Path, raw_dir: Path | None, out_file: Path) -> Path:
    """Write the report page of ``build_dir`` to ``out_file``; return ``out_file``."""
    page = render_report(Path(build_dir), raw_dir)
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_bytes(page.encode("utf-8"))
    logger.info("report written to %s", out_file)
    return out_file


CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def screenshot(html_file: Path, png_file: Path, width: int = 1280, height: int = 2400,
               browser: str | None = None) -> Path:
    """A PNG of the page as headless Chromium shows it (for the README's dev notes)."""
    exe = browser or next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)
    if exe is None:
        raise BuildError("no Chromium to take the screenshot: apt-get install chromium")
    png_file = Path(png_file).resolve()
    png_file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="align-chromium-") as profile:
        cmd = [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}",
               f"--window-size={width},{height}", f"--screenshot={png_file}", Path(html_file).resolve().as_uri()]
        result = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120)
    if result.returncode != 0 or not png_file.is_file():
        raise BuildError(f"{exe} could not take the screenshot (exit {result.returncode}): "
                         f"{result.stderr.strip()[-300:]}")
    return png_file


def main(argv: list[str] | None = None) -> int:
    """``python -m align.report``: write the report, optionally a screenshot of it."""
    parser = argparse.ArgumentParser(prog="python -m align.report", description=main.__doc__)
    parser.add_argument("--build", type=Path, default=Path("build"), help="build folder (default: build)")
    parser.add_argument("--raw", type=Path, default=None, help="raw folder, to check the sources are unchanged")
    parser.add_argument("--out", type=Path, default=None, help="HTML file (default: BUILD/report/index.html)")
    parser.add_argument("--screenshot", type=Path, default=None, help="also write a PNG of the page here")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2400)
    args = parser.parse_args(argv)
    from .errors import AlignError

    try:
        out = write_report(args.build, args.raw, args.out or args.build / "report" / "index.html")
        print(out)
        if args.screenshot:
            print(screenshot(out, args.screenshot, args.width, args.height))
    except AlignError as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
