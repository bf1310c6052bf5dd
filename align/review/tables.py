"""The page's tables: pairs, links, gold figures, files, dropped readings, the summary.
"""

from __future__ import annotations

import logging
from typing import Any

from .. import __version__
from .build_files import BuildData
from .html import esc, fmt, kind_class

logger = logging.getLogger(__name__)

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
REVIEW_NOTE = ("Mark a pair right or wrong here or in its popup; to fix its Chinese, select the right span in "
               "the normalized text of its passage and press fix in the popup. Download corrections writes "
               "corrections.jsonl for <code>align build --corrections</code>; verdicts stay in this browser "
               "until then.")



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
    ) + "<th>review</th>"
    rows = []
    for i, p in enumerate(pairs):
        t = p.get("translation") or {}
        doc_link = (f'<a href="#doc-{doc_index[p.get("doc_id")]}">{esc(p.get("doc_id"))}</a>'
                    if p.get("doc_id") in doc_index else esc(p.get("doc_id")))
        rows.append(
            f'<tr id="row-{i}" data-pair="{i}"><td class="num"><a href="#pair-{i}" title="show in the document">'
            f'{i}</a></td><td lang="en">{esc(t.get("en"))}</td><td lang="zh-Hans">{esc(t.get("zh"))}</td>'
            f'<td lang="zh">{esc(p.get("zh_original"))}</td>'
            f'<td><span class="kind {kind_class(p.get("kind"))}">{esc(p.get("kind"))}</span></td>'
            f'<td class="doc">{doc_link}</td><td class="num">{fmt(p.get("confidence"))}</td>'
            f'<td>{_flags_html(p.get("flags") or [])}</td><td class="verdict"></td></tr>'
        )
    note = ('<p class="note">The filter matches English, Chinese, original, document, kind and flags, '
            "ignoring case. Click a column head to sort; # jumps to the pair in its document. "
            f"{REVIEW_NOTE}</p>")
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
            f'<td class="num">{fmt(link.get("score"))}</td><td class="num">{fmt(link.get("margin"))}</td></tr>'
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
        f'<tr><th>{esc(label)}</th><td class="num">{fmt(v) if isinstance(v, float) else esc(v)}</td></tr>'
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


def dropped_readings(report: dict) -> list[dict]:
    """The readings report.json lists as below ``--min-confidence`` (well-formed ones)."""
    dropped = report.get("dropped_below_min_confidence")
    return [d for d in dropped if isinstance(d, dict)] if isinstance(dropped, list) else []


def render_dropped(report: dict) -> str:
    """The best readings the model scored below ``--min-confidence``, with their confidence
    (and, filled in by the script, the review buttons: ``right`` brings one back)."""
    dropped = dropped_readings(report)
    if not dropped:
        return ""
    rows = "".join(
        f'<tr data-dropped="{k}"><td>{esc(d.get("doc_id"))}</td><td lang="en">{esc(d.get("en"))}</td>'
        f'<td lang="zh-Hans">{esc(d.get("zh"))}</td><td class="num">{fmt(d.get("confidence"))}</td>'
        '<td class="verdict"></td></tr>'
        for k, d in enumerate(dropped)
    )
    threshold = report.get("min_confidence")
    return (f'<h3>Readings below the confidence threshold ({esc(threshold)}), not published ({len(dropped)})</h3>'
            '<table class="grid" id="dropped-table"><thead><tr><th>document</th><th>English</th><th>Chinese</th>'
            f'<th class="num">confidence</th><th>review</th></tr></thead><tbody>{rows}</tbody></table>')


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
