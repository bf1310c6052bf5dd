"""Rebuild raw/react_zh.txt and source_en/original.txt from the two repositories.

    python make_raw.py /path/to/zh-hans.react.dev.git /path/to/react.dev.git

Both are bare git dirs; the files are read at the commits below. The MDX pages are turned
into plain text, one paragraph per line: front matter -> the title line; fenced code,
<Sandpack>, <ConsoleBlock> and <IllustrationBlock> blocks, images and HTML/MDX comments
dropped; other MDX tags (<Intro>, <Pitfall>, <DeepDive>, <Recap>, <Solution>, ...) dropped
with their content kept; heading anchors {/*...*/}, heading/list markers, emphasis and
backticks dropped; links keep their text; the lines of a paragraph are joined. The
<Challenges> section at the end of a page (exercises and solutions) is left out.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ZH_COMMIT = "f6cda05526ceff44b24588e9e0c2e2106d4588d4"
EN_COMMIT = "12d692da47e77cdc558b928fcfbaf4e71c6d0cec"
PAGES = ["src/content/learn/thinking-in-react.md", "src/content/learn/state-as-a-snapshot.md"]

DROP_BLOCKS = ("Sandpack", "ConsoleBlock", "IllustrationBlock")


def show(git_dir: str, commit: str, path: str) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{path}"],
                          check=True, capture_output=True, text=True).stdout


def inline(text: str) -> str:
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    parts = re.split(r"(`[^`]*`)", text)
    text = "".join(x[1:-1] if x.startswith("`") and x.endswith("`") and len(x) > 1
                   else markup(x) for x in parts)
    return re.sub(r"[ \t]+", " ", text).strip()


def markup(text: str) -> str:
    text = re.sub(r"\{/\*.*?\*/\}", "", text)
    text = re.sub(r"<!--.*?-->", "", text)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = text.replace("**", "").replace("`", "")
    text = re.sub(r"(?<![\w*])\*(?!\s)([^*]+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<![\w])_(?!\s)([^_]+?)(?<!\s)_(?![\w])", r"\1", text)
    return text


def to_text(md: str) -> list[str]:
    lines = md.split("\n")
    out: list[str] = []
    para: list[str] = []

    def flush():
        if para:
            t = inline(" ".join(para))
            if t:
                out.append(t)
            para.clear()

    i = 0
    if lines and lines[0].strip() == "---":
        j = lines.index("---", 1)
        for ln in lines[1:j]:
            m = re.match(r"title:\s*['\"]?(.*?)['\"]?\s*$", ln)
            if m:
                out.append(m.group(1))
        i = j + 1
    in_code = False
    drop = None
    in_comment = False
    while i < len(lines):
        ln = lines[i]
        s = ln.strip()
        i += 1
        if in_comment:
            if "-->" in s:
                in_comment = False
            continue
        if s.startswith("<!--") and "-->" not in s:
            flush()
            in_comment = True
            continue
        if s.startswith("```"):
            flush()
            in_code = not in_code
            continue
        if in_code:
            continue
        if drop:
            if s.startswith(f"</{drop}"):
                drop = None
            continue
        m = re.match(r"<(\w+)", s)
        if m and m.group(1) in DROP_BLOCKS:
            flush()
            if not re.search(rf"</{m.group(1)}>|/>\s*$", s):
                drop = m.group(1)
            continue
        if s.startswith("<Challenges"):  # the page's exercises are left out
            break
        if not s:
            flush()
            continue
        if re.fullmatch(r"</?\w+[^>]*/?>", s):  # a tag line alone: drop it, keep content
            flush()
            continue
        if s.startswith("#"):
            flush()
            para.append(re.sub(r"^#+\s*", "", s))
            flush()
            continue
        lm = re.match(r"^(?:[*+-]|\d+\.)\s+(.*)", s)
        if lm:
            flush()
            para.append(lm.group(1))
            continue
        para.append(s)
    flush()
    return out


def main() -> int:
    zh_git, en_git = sys.argv[1], sys.argv[2]
    zh = [ln for p in PAGES for ln in to_text(show(zh_git, ZH_COMMIT, p))]
    en = [ln for p in PAGES for ln in to_text(show(en_git, EN_COMMIT, p))]
    (HERE / "raw").mkdir(exist_ok=True)
    (HERE / "source_en").mkdir(exist_ok=True)
    (HERE / "raw" / "react_zh.txt").write_text("\n".join(zh) + "\n", encoding="utf-8")
    (HERE / "source_en" / "original.txt").write_text("\n".join(en) + "\n", encoding="utf-8")
    print(len(zh), "zh lines,", len(en), "en lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
