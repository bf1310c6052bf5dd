"""The review page: one static HTML page that shows a build to a person (issues 5 and 7).

``render_report(build_dir)`` reads the parquet files and ``report.json`` of a build and
returns a page that opens offline: every document with its pairs marked in place (the
original script beside the normalized text), the pairs as a sortable, filterable table,
the cross-document links when the build has them, the gold-set figures and plots drawn
as inline SVG at build time; and the review loop (issue 15): verdicts on pairs, kept in
the browser and downloaded as ``corrections.jsonl`` for ``align build --corrections``
(:mod:`align.corrections`). ``write_report`` writes it. One idea per module: :mod:`.build_files`, :mod:`.documents`,
:mod:`.tables`, :mod:`.svg`, :mod:`.html`, :mod:`.page`.

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

from .page import render_report, screenshot, write_report

__all__ = ["render_report", "screenshot", "write_report"]
