"""Rebuild ``raw/intro_zh.txt`` from a git directory of d2l-ai/d2l-zh.

    python tests/dev/links/make_raw.py /path/to/d2l-zh.git [commit]

The introduction chapter of 动手学深度学习 (``chapter_introduction/index.md``) becomes
plain UTF-8 text, one paragraph per line: code blocks, tables, display and inline
math, images, d2l directives (``:label:``, ``:numref:``, ``:cite:``, ``:eqref:``) and the
discussion link are removed; links keep their text; emphasis, heading and list
markers are dropped. The output is deterministic. ``raw/intro_summary.txt`` is
hand-written (see README.md) and not touched here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

COMMIT = "e6b18ccea71451a55fcd861d7b96fddf2587b09a"
SOURCE = "chapter_introduction/index.md"
OUT = Path(__file__).resolve().parent / "raw" / "intro_zh.txt"

_DIRECTIVE = re.compile(r"\s*:(?:numref|cite|eqref|label|width|ref)+:`[^`]*`")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_INLINE_MATH = re.compile(r"\$[^$]+\$")
_EMPHASIS = re.compile(r"\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*")
_LIST = re.compile(r"^\s*(?:[*+-]|\d+\.)\s+")


def to_text(markdown: str) -> str:
    paragraphs: list[str] = []
    current: list[str] = []
    in_code = in_math = False

    def flush() -> None:
        if current:
            paragraphs.append(_join(current))
            current.clear()

    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            in_code = not in_code
            flush()
            continue
        if stripped.startswith("$$"):
            if not (len(stripped) > 2 and stripped.endswith("$$") and len(stripped) > 4):
                in_math = not in_math
            flush()
            continue
        if in_code or in_math:
            continue
        if not stripped or stripped.startswith((":", "![", "|")):
            flush()
            continue
        if stripped.startswith("[Discussions]"):
            continue
        if stripped.startswith("#"):
            flush()
            paragraphs.append(_clean(stripped.lstrip("#").strip()))
            continue
        if _LIST.match(line):
            flush()
            current.append(_clean(_LIST.sub("", line)))
            continue
        current.append(_clean(stripped))
    flush()
    return "\n".join(p for p in paragraphs if p) + "\n"


def _clean(text: str) -> str:
    text = _DIRECTIVE.sub("", text)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _INLINE_MATH.sub("", text)
    text = _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)
    return text.replace("**", "").strip()


def _join(lines: list[str]) -> str:
    out = lines[0]
    for line in lines[1:]:
        if out and line and out[-1].isascii() and out[-1].isalnum() and line[0].isascii() and line[0].isalnum():
            out += " "
        out += line
    return out


def main() -> None:
    git_dir = sys.argv[1]
    commit = sys.argv[2] if len(sys.argv) > 2 else COMMIT
    markdown = subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{SOURCE}"],
                              check=True, capture_output=True, text=True).stdout
    OUT.write_text(to_text(markdown), encoding="utf-8")
    print(f"wrote {OUT} from {SOURCE}@{commit[:12]}")


if __name__ == "__main__":
    main()
