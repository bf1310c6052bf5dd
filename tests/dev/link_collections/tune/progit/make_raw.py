"""Rebuild raw/progit_zh.txt and source_en/original.txt from the two Pro Git repositories.

    python make_raw.py /work/.mirror/progit+progit2-zh/repo /work/.mirror/progit+progit2/repo

Takes the introduction of chapter 3 (Git Branching, up to its first include) and the
sections nutshell, basic-branching-and-merging and branch-management at HEAD of each
git dir, and converts the AsciiDoc to plain text, one paragraph per line.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = [
    "ch03-git-branching.asc",
    "book/03-git-branching/sections/nutshell.asc",
    "book/03-git-branching/sections/basic-branching-and-merging.asc",
    "book/03-git-branching/sections/branch-management.asc",
]
XREF = {
    "zh": {
        "ch01-getting-started#what_is_git_section": "Git 是什么？",
        "ch01-getting-started#ch01-getting-started": "起步",
        "divergent_history": "项目分叉历史",
        "ch07-git-tools#_git_stashing": "贮藏与清理",
        "ch07-git-tools#_advanced_merging": "高级合并",
        "_changing_master": "更改主分支名称",
    },
    "en": {
        "ch01-getting-started#what_is_git_section": "What is Git?",
        "divergent_history": "Divergent history",
        "ch07-git-tools#_git_stashing": "Stashing and Cleaning",
        "ch07-git-tools#_advanced_merging": "Advanced Merging",
        "_changing_master": "Changing the master branch name",
    },
}


def show(git_dir: str, path: str) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"HEAD:{path}"],
                          check=True, capture_output=True, text=True).stdout


def inline(line: str, lang: str) -> str:
    line = re.sub(r"\(\(\(.*?\)\)\)", "", line)                       # index terms
    line = re.sub(r"<<([A-Za-z_][^<>,]*)(?:,([^>]+))?>>",
                  lambda m: m.group(2) or XREF[lang].get(m.group(1), ""), line)
    line = re.sub(r'"`(.*?)`"', r"“\1”" if lang == "zh" else r'"\1"', line)
    line = re.sub(r"`([^`]+)`", r"\1", line)                           # code
    line = re.sub(r"(?<![\w*])\*([^*\n]+?)\*(?![\w*])", r"\1", line)   # bold
    line = re.sub(r"(?<![\w_])_([^_\n]+?)_(?![\w_])", r"\1", line)     # emphasis
    return line.strip()


def join(parts: list[str], lang: str) -> str:
    out = ""
    for part in parts:
        if not out:
            out = part
        elif lang == "en" or (re.search(r"[A-Za-z0-9.,:;)!?]$", out) and re.match(r"[A-Za-z0-9(]", part)):
            out += " " + part
        else:
            out += part
    return re.sub(r"[ \t]+", " ", out).strip()


def to_text(src: str, lang: str, stop_at_include: bool = False) -> list[str]:
    paras: list[str] = []
    cur: list[str] = []
    in_listing = False

    def flush():
        if cur:
            text = join(cur, lang)
            if text:
                paras.append(text)
            cur.clear()

    lines = src.splitlines()
    for k, raw in enumerate(lines):
        line = raw.rstrip()
        if in_listing:
            if line == "----":
                in_listing = False
            continue
        if line == "----":
            flush()
            in_listing = True
            continue
        if line.startswith("include::"):
            flush()
            if stop_at_include:
                break
            continue
        if (not line.strip() or line == "====" or re.match(r"^\[.*\]$", line)
                or line.startswith("image::")):
            flush()
            continue
        if re.match(r"^\.[^.\s]", line):           # block title
            flush()
            nxt = lines[k + 1] if k + 1 < len(lines) else ""
            if not nxt.startswith("image::"):       # figure captions are dropped
                paras.append(inline(line[1:], lang))
            continue
        m = re.match(r"^(=+)\s+(.*)$", line)        # heading
        if m:
            flush()
            paras.append(inline(m.group(2), lang))
            continue
        m = re.match(r"^(?:\.|\*|-)\s+(.*)$", line)  # list item
        if m:
            flush()
            cur.append(inline(m.group(1), lang))
            flush()
            continue
        cur.append(inline(line, lang))
    flush()
    return paras


def convert(git_dir: str, lang: str) -> list[str]:
    out: list[str] = []
    for i, path in enumerate(FILES):
        paras = to_text(show(git_dir, path), lang, stop_at_include=(i == 0))
        out.extend(paras)
    return out


def main() -> None:
    zh_git, en_git = sys.argv[1], sys.argv[2]
    zh = convert(zh_git, "zh")
    en = convert(en_git, "en")
    (HERE / "raw").mkdir(exist_ok=True)
    (HERE / "source_en").mkdir(exist_ok=True)
    (HERE / "raw" / "progit_zh.txt").write_text("\n".join(zh) + "\n", encoding="utf-8")
    (HERE / "source_en" / "original.txt").write_text("\n".join(en) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
