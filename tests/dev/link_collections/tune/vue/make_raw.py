"""Rebuild raw/vue_zh.txt and source_en/original.txt from the two git snapshots.

    python make_raw.py /path/to/vuejs+docs/repo /path/to/vuejs-translations+docs-zh-cn/repo
"""
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGES = ["src/guide/essentials/reactivity-fundamentals.md", "src/guide/essentials/computed.md"]
EN_COMMIT = "01e098a967951ea92d09b100b8e7d82c7a3369a2"
ZH_COMMIT = "c2715ff75bae5376bc5bf212280ae76e30089fbd"
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


def show(git_dir, commit, path):
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{path}"],
                          check=True, capture_output=True, text=True).stdout


def inline(s):
    codes = []

    def keep(m):
        codes.append(m.group(1))
        return f"\x00{len(codes) - 1}\x00"

    s = re.sub(r"`([^`]*)`", keep, s)
    s = re.sub(r"<code v-pre>(.*?)</code>", keep, s)
    s = re.sub(r"<sup[^>]*/>|<sup[^>]*>.*?</sup>", "", s)
    s = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", s)
    s = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", s)
    s = re.sub(r"</?[A-Za-z][^>]*>", "", s)  # remaining html tags, text kept
    s = s.replace("**", "")
    s = s.replace("\\*", "").replace("\\", "")
    s = re.sub(r"\x00(\d+)\x00", lambda m: codes[int(m.group(1))], s)
    return re.sub(r"\s+", " ", s).strip()


def join(parts):
    out = ""
    for p in parts:
        if out and not (CJK.search(out[-1]) or CJK.search(p[0])):
            out += " "
        out += p
    return out


def to_text(md):
    md = re.sub(r"\A---\n.*?\n---\n", "", md, flags=re.S)
    md = re.sub(r"<!--.*?-->", "", md, flags=re.S)
    paras, cur, fence = [], [], None

    def flush():
        if cur:
            text = join([c for c in cur if c])
            if text:
                paras.append(text)
            cur.clear()

    for line in md.split("\n"):
        s = line.strip()
        if fence:
            if s.startswith(fence):
                fence = None
            continue
        m = re.match(r"(```+|~~~+)", s)
        if m:
            flush()
            fence = m.group(1)
            continue
        if not s or s.startswith(":::"):
            flush()
            continue
        if re.fullmatch(r"</?(div|p|details|summary)[^>]*>|<[A-Z][^>]*/>", s):
            flush()
            continue
        if s.startswith("#"):
            flush()
            s = re.sub(r"\s*\{#[^}]*\}\s*$", "", s.lstrip("#").strip())
            s = inline(s)
            if s:
                paras.append(s)
            continue
        m = re.match(r"(?:[-*+]|\d+\.)\s+(.*)", s)
        if m:
            flush()
            s = m.group(1)
        s = re.sub(r"^>\s*", "", s)
        s = inline(s)
        if s:
            cur.append(s)
    flush()
    return paras


def build(git_dir, commit):
    out = []
    for page in PAGES:
        out += to_text(show(git_dir, commit, page))
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    en_git, zh_git = sys.argv[1:3]
    (HERE / "source_en" / "original.txt").write_text(build(en_git, EN_COMMIT), encoding="utf-8")
    (HERE / "raw" / "vue_zh.txt").write_text(build(zh_git, ZH_COMMIT), encoding="utf-8")
