"""Rebuild raw/rust_by_example_zh.txt and source_en/original.txt from the two git dirs.

    python make_raw.py /path/to/rust-by-example-cn.git /path/to/rust-by-example.git

Standalone (no project imports). Fenced code blocks and link reference definitions
are dropped; headings become lines of their own; list markers, bold markers and
backticks are dropped (the text of inline code is kept); links keep their text; the
lines of a paragraph (or list item) are joined, without a space where either side is
CJK, with one space otherwise.
"""
import re
import subprocess
import sys
from pathlib import Path

ZH_COMMIT = "94ef6ea187d7de79e569ce59e8250090e8be2289"
EN_COMMIT = "898f0ac1479223d332309e0fce88d44b39927d28"
FILES = ["cargo.md", "cargo/deps.md", "cargo/conventions.md", "cargo/test.md",
         "cargo/build_scripts.md", "testing.md", "testing/unit_testing.md",
         "testing/doc_testing.md", "testing/integration_testing.md",
         "testing/dev_dependencies.md"]
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def show(gitdir, commit, path):
    return subprocess.run(["git", "--git-dir", gitdir, "show", f"{commit}:{path}"],
                          check=True, capture_output=True, text=True).stdout


def join(lines):
    out = ""
    for ln in lines:
        ln = ln.strip()
        if not out:
            out = ln
        elif CJK.match(ln[:1]) or CJK.match(out[-1:]):
            out += ln
        else:
            out += " " + ln
    return out


def inline(text):
    spans = []
    def keep(m):
        spans.append(m.group(1))
        return f"\x00{len(spans) - 1}\x00"
    text = re.sub(r"`([^`]*)`", keep, text)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\[[^\]]*\]", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]", r"\1", text)
    text = re.sub("\x00(\\d+)\x00", lambda m: spans[int(m.group(1))], text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"\1", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def to_text(md):
    paras, cur, code = [], [], False
    def flush():
        if cur:
            paras.append(inline(join(cur)))
            cur.clear()
    for line in md.splitlines():
        s = line.strip()
        if s.startswith("```"):
            flush()
            code = not code
            continue
        if code:
            continue
        if not s or re.match(r"^\[[^\]]+\]:\s*\S+", s):
            flush()
            continue
        if s.startswith("#"):
            flush()
            paras.append(inline(s.lstrip("#").strip()))
            continue
        m = re.match(r"^[-*+]\s+(.*)", s)
        if m:
            flush()
            cur.append(m.group(1))
            continue
        cur.append(s)
    flush()
    return [p for p in paras if p]


def main():
    zh_git, en_git = sys.argv[1], sys.argv[2]
    here = Path(__file__).resolve().parent
    zh = [p for f in FILES for p in to_text(show(zh_git, ZH_COMMIT, "src/" + f))]
    en = [p for f in FILES for p in to_text(show(en_git, EN_COMMIT, "src/" + f))]
    (here / "raw").mkdir(exist_ok=True)
    (here / "source_en").mkdir(exist_ok=True)
    (here / "raw" / "rust_by_example_zh.txt").write_text("\n".join(zh) + "\n", encoding="utf-8")
    (here / "source_en" / "original.txt").write_text("\n".join(en) + "\n", encoding="utf-8")
    print(len(zh), "zh lines,", len(en), "en lines")


if __name__ == "__main__":
    main()
