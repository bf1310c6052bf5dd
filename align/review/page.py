"""The page: sections in order, the script's data, the Content-Security-Policy, writing it,
and a screenshot with Debian's Chromium.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

from ..errors import BuildError
from .build_files import BuildData, load_build
from .documents import document_ids, render_documents
from .html import csp_hash, json_for_script, number
from .svg import render_plots
from .tables import dropped_readings, render_files, render_gold, render_links, render_pairs_table, render_summary

logger = logging.getLogger(__name__)

def asset(name: str) -> str:
    return resources.files("align.review").joinpath("assets", name).read_text(encoding="utf-8")


def _script_data(data: BuildData) -> dict:
    """What the script reads: the pairs, the readings refused below the threshold (a
    reviewer may bring one back), and a key naming this build's content (the browser
    keeps a build's verdicts under it, so another build starts with none)."""
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
            "confidence": number(p.get("confidence")),
            "flags": [str(f) for f in (p.get("flags") or [])],
            "reviewed": str(p["reviewed"]) if p.get("reviewed") else None,
        })
    dropped = [{"doc": str(d.get("doc_id") or ""), "en": str(d.get("en") or ""), "zh": str(d.get("zh") or "")}
               for d in dropped_readings(data.report)]
    key = hashlib.sha256(json_for_script([rows, dropped]).encode("utf-8")).hexdigest()[:16]
    return {"build": key, "dropped": dropped, "pairs": rows}


# The review loop's controls; hidden until the script (which alone can act on them) runs.
REVIEW_BAR = ('<div class="review-bar" id="review-bar" hidden><output id="verdict-count" aria-live="polite">'
              '0 verdicts pending</output><button type="button" id="download-corrections">Download corrections'
              "</button></div>")

SECTIONS = (
    ("summary", "Summary"),
    ("plots", "Plots"),
    ("gold", "Gold set"),
    ("pairs", "Pairs"),
    ("documents", "Documents"),
    ("links", "Links"),
    ("files", "Files"),
)


def render_report(build_dir: Path, raw_dir: Path | None = None, sources: dict[str, str] | None = None) -> str:
    """The report page of ``build_dir`` as one HTML string (same build, same bytes)."""
    data = load_build(Path(build_dir), raw_dir, sources)
    doc_index = {doc_id: k for k, doc_id in enumerate(document_ids(data))}
    style = asset("report.css")
    script = asset("report.js")
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
        f"<nav>{nav}</nav>{REVIEW_BAR}</header>\n<main>{sections}</main>\n"
        '<aside id="detail" hidden aria-live="polite"><button type="button" id="detail-close" '
        'aria-label="close">×</button><div id="detail-body"></div></aside>\n'
        f'<script type="application/json" id="data">{json_for_script(_script_data(data))}</script>\n'
        f"<script>{script}</script>\n</body></html>\n"
    )


def write_report(build_dir: Path, raw_dir: Path | None, out_file: Path,
                 sources: dict[str, str] | None = None) -> Path:
    """Write the report page of ``build_dir`` to ``out_file``; return ``out_file``."""
    page = render_report(Path(build_dir), raw_dir, sources)
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
