"""Plots as hand-written SVG, so the page needs no library and stays byte-stable.
"""

from __future__ import annotations

import logging
import math
from collections import Counter

from .build_files import BuildData
from .documents import document_ids
from .html import KINDS, esc, kind_class, number

logger = logging.getLogger(__name__)

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
    """``(English tokens, length ratio, css class, outlier, tooltip)`` each; y on a log2 scale."""
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
               "English length (SentencePiece tokens)</text>")
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
    kind_items = [(k, kinds[k], kind_class(k)) for k in KINDS if kinds[k]]
    kind_items += [(str(k), n, "k-other") for k, n in sorted(kinds.items(), key=lambda kv: str(kv[0]))
                   if k not in KINDS]
    per_doc = Counter(p.get("doc_id") for p in pairs)
    doc_ids = document_ids(data)
    doc_items = [(str(d), per_doc.get(d, 0), "bar") for d in doc_ids]
    confidences = [c for c in (number(p.get("confidence")) for p in pairs) if c is not None]
    points, no_english = [], 0
    for p in pairs:
        # The plot shows the column: SentencePiece tokens, sp_tokens_zh / sp_tokens_en.
        t = p.get("translation") or {}
        en, zh = t.get("en") or "", t.get("zh") or ""
        n_en, n_zh = number(p.get("sp_tokens_en")), number(p.get("sp_tokens_zh"))
        if not en or not n_en or n_zh is None:
            no_english += 1
            continue
        ratio = n_zh / n_en
        tip = f"{en} → {zh}: {n_zh:g}/{n_en:g} tokens = {ratio:.2f}"
        points.append((int(n_en), max(ratio, 1e-6), kind_class(p.get("kind")),
                       "length_ratio_outlier" in (p.get("flags") or []), tip))
    figures = [
        ("Pairs per kind", svg_bars("Pairs per kind", kind_items), ""),
        ("Pairs per document", svg_bars("Pairs per document", doc_items), ""),
        ("Confidence", svg_histogram("Confidence of the pairs", confidences, 0.0, 1.0, 10, "confidence"),
         f"{len(confidences)} pairs with a confidence."),
        ("Length ratio", svg_ratio_scatter("Length ratio sp_tokens_zh / sp_tokens_en", points),
         "One dot per pair; ratios beyond 1/8 and 8 sit on the edge; red rings are flagged "
         "length_ratio_outlier." + (f" {no_english} pairs without English tokens are left out." if no_english else "")),
    ]
    chrf = [c for c in (number(p.get("chrf")) for p in pairs) if c is not None]
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
