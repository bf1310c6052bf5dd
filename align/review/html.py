"""Escaping and formatting: everything from an article reaches the page through :func:`esc`;
the data the script reads through :func:`json_for_script`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import math
from typing import Any

from ..text import MISSING

logger = logging.getLogger(__name__)

KINDS = ("name", "term", "acronym", "title", "quote")
# The lang of the original column, so browsers pick the regional glyphs.
ORIGINAL_LANG = {"hk": "zh-HK", "tw": "zh-TW", "t": "zh-Hant", "s": "zh-Hans"}


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


def kind_class(kind: Any) -> str:
    # A class name is chosen from a fixed set, never built from the data.
    return f"k-{kind}" if kind in KINDS else "k-other"


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def fmt(value: Any, digits: int = 3) -> str:
    x = number(value)
    return MISSING if x is None else f"{x:.{digits}f}"


def meta_value(value: Any) -> str:
    if value is None:
        return MISSING
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)

