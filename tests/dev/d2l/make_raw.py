#!/usr/bin/env python3
"""Rebuild the plain-text "articles" in raw/ from a git directory of d2l-ai/d2l-zh.

Usage:
    python make_raw.py /path/to/d2l-zh/git-dir [commit]   (commit defaults to the one in COMMIT)

The conversion imitates what a scraper would get from the rendered page:
  * fenced code blocks (```...```) are dropped;
  * display math ($$...$$) is dropped; inline math ($...$) is kept as its bare
    content when it is a short, simple expression (e.g. `$y$`, `$\\mathbf{x}$` -> `x`),
    otherwise it is replaced by the placeholder `[公式]`;
  * image lines are dropped; markdown links keep their text;
  * heading '#' marks are dropped (heading text stays as its own paragraph);
  * emphasis markers (*x*, **x**, _x_, __x__) and inline-code backticks are dropped;
  * d2l directives (:label:, :eqlabel:, :numref:, :eqref:, :width:, ...) are dropped;
    only the pytorch variant of :begin_tab:/:end_tab: blocks is kept;
  * d2l slide markers [**...**] / (**...**) are removed (keeping the text);
  * table captions written as ":caption" lose the leading colon;
  * :cite:`Key` is rendered as an author-year citation, "(Surname et al., 2021)",
    from d2l.bib at the same commit (an approximation of the rendered site, kept
    because citations are realistic non-translation parentheses);
  * source lines of one paragraph are joined into one line (no separator between
    two CJK / full-width characters, one space otherwise); paragraphs are
    separated by one blank line. List items stay on their own lines, without
    their bullet / number markers.
Everything else (full-width punctuation included) is left untouched.
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
COMMIT = "e6b18ccea71451a55fcd861d7b96fddf2587b09a"

# short_name -> path in the repository
SOURCES = {
    "linear_regression": "chapter_linear-networks/linear-regression.md",
    "probability": "chapter_preliminaries/probability.md",
    "environment": "chapter_multilayer-perceptrons/environment.md",
}

PLACEHOLDER = "[公式]"


def git_show(git_dir, commit, path):
    return subprocess.run(
        ["git", "--git-dir", git_dir, "show", f"{commit}:{path}"],
        check=True, capture_output=True).stdout.decode("utf-8")


# ---------------------------------------------------------------- citations
def parse_bib(text):
    entries = {}
    for m in re.finditer(r"@\w+\{\s*([^,\s]+)\s*,(.*?)\n\}", text, re.S):
        key, body = m.group(1), m.group(2)
        fields = {}
        for fm in re.finditer(r"(\w+)\s*=\s*\{((?:[^{}]|\{[^{}]*\})*)\}", body, re.S):
            fields[fm.group(1).lower()] = re.sub(r"\s+", " ", fm.group(2)).strip()
        entries[key] = fields
    return entries


def surname(author):
    author = author.strip().replace("{", "").replace("}", "")
    if "," in author:
        return author.split(",")[0].strip()
    return author.split()[-1] if author.split() else author


def format_cite(keys, bib):
    parts = []
    for key in keys.split(","):
        key = key.strip()
        e = bib.get(key)
        if not e:
            parts.append(key)
            continue
        authors = [a for a in re.split(r"\s+and\s+", e.get("author", "")) if a.strip()]
        names = [surname(a) for a in authors]
        if len(names) >= 3:
            who = f"{names[0]} et al."
        elif len(names) == 2:
            who = f"{names[0]} and {names[1]}"
        elif names:
            who = names[0]
        else:
            who = key
        parts.append(f"{who}, {e.get('year', 'n.d.')}")
    return "(" + "; ".join(parts) + ")"


# ---------------------------------------------------------------- inline rules
WRAPPERS = r"\\(?:mathbf|mathrm|mathit|boldsymbol|text|textrm|mathsf|mathtt|operatorname)\{([^{}]*)\}"


def inline_math(m):
    s = m.group(1)
    s = re.sub(r"\\(?:,|;|!|quad|qquad)", " ", s)
    t = s
    for _ in range(3):
        t = re.sub(WRAPPERS, r"\1", t)
    t = t.strip()
    if "\\" in t or len(t) > 12 or not t:
        return PLACEHOLDER
    return t


def is_wide(ch):
    o = ord(ch)
    return (0x2E80 <= o <= 0x9FFF or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF
            or 0xF900 <= o <= 0xFAFF or ch in "“”‘’…—")


def join_lines(lines):
    out = ""
    for ln in lines:
        ln = ln.strip()
        if not ln:
            continue
        if not out:
            out = ln
        elif is_wide(out[-1]) or is_wide(ln[0]):
            out += ln
        else:
            out += " " + ln
    return out


def convert(md, bib):
    lines = md.split("\n")
    # 1. drop fenced code blocks, non-pytorch tabs, display math
    kept = []
    in_code = False
    tab = None
    for ln in lines:
        s = ln.strip()
        if s.startswith("```"):
            in_code = not in_code
            kept.append("")
            continue
        if in_code:
            kept.append("")
            continue
        m = re.match(r":begin_tab:`([^`]*)`", s)
        if m:
            tab = m.group(1)
            continue
        if s.startswith(":end_tab:"):
            tab = None
            continue
        if tab is not None and tab not in ("pytorch", "all"):
            continue
        kept.append(ln)

    # d2l slide markers [**...**] / (**...**) are invisible on the rendered page
    joined = "\n".join(kept)
    joined = re.sub(r"[\[(]\*\*", "", joined)
    joined = re.sub(r"\*\*[\])]", "", joined)

    # display math
    lines = []
    in_math = False
    for ln in joined.split("\n"):
        s = ln.strip()
        if in_math:
            if s.endswith("$$"):
                in_math = False
            lines.append("")
            continue
        if s.startswith("$$"):
            if not (len(s) >= 4 and s.endswith("$$")):
                in_math = True
            lines.append("")
            continue
        lines.append(ln)

    out_lines = []
    for ln in lines:
        s = ln.rstrip()
        # block-level directives on their own line
        if re.match(r"^\s*:(label|eqlabel|width|numref|eqref|bibliography):`[^`]*`\s*$", s):
            out_lines.append("")
            continue
        if re.match(r"^\s*!\[.*\]\(.*\)\s*$", s):  # image line
            out_lines.append("")
            continue
        # table caption (":caption text" on its own line) -> caption text
        s = re.sub(r"^:(?=[^\x00-\x7f])", "", s)
        protected = []

        def protect(text):
            protected.append(text)
            return f"\x00{len(protected) - 1}\x00"

        # citations, then other inline directives
        s = re.sub(r":cite:`([^`]*)`", lambda m: protect(format_cite(m.group(1), bib)), s)
        s = re.sub(r"\s?:(numref|eqref|label|eqlabel|ref|width|citet|citep):`[^`]*`", "", s)
        # inline math and inline code are shielded from the emphasis rules
        s = re.sub(r"(?<!\\)\$([^$]+?)(?<!\\)\$", lambda m: protect(inline_math(m)), s)
        s = re.sub(r"`([^`]*)`", lambda m: protect(m.group(1)), s)
        # links
        s = re.sub(r"!\[([^\]]*)\]\([^)]*\)", "", s)
        s = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", s)
        # headings
        s = re.sub(r"^\s*#+\s*", "", s) if re.match(r"^\s*#+\s", s) else s
        # emphasis
        s = re.sub(r"\*\*([^*\n]+?)\*\*", r"\1", s)
        s = re.sub(r"\*([^*\s][^*\n]*?)\*", r"\1", s)
        s = re.sub(r"(?<![A-Za-z0-9_])__([^_\n]+?)__(?![A-Za-z0-9_])", r"\1", s)
        s = re.sub(r"(?<![A-Za-z0-9_])_([^_\n]+?)_(?![A-Za-z0-9_])", r"\1", s)
        s = re.sub(r"\x00(\d+)\x00", lambda m: protected[int(m.group(1))], s)
        out_lines.append(s)

    # paragraphs: blank-line separated; list items and headings stay separate lines
    paras, cur = [], []
    for raw_ln, ln in zip(src_lines_headings(lines), out_lines, strict=False):
        if not ln.strip():
            if cur:
                paras.append(cur)
                cur = []
            continue
        if raw_ln == "heading":
            if cur:
                paras.append(cur)
            paras.append([ln])
            cur = []
            continue
        cur.append(ln)
    if cur:
        paras.append(cur)

    blocks = []
    for p in paras:
        items, cur = [], []
        for ln in p:
            m = re.match(r"^\s*(?:\*|-|\d+\.)\s+", ln)
            if m or ln.lstrip().startswith("|"):
                if cur:
                    items.append(join_lines(cur))
                cur = [ln[m.end():].strip() if m else ln.strip()]
            else:
                cur.append(ln)
        if cur:
            items.append(join_lines(cur))
        text = "\n".join(i for i in items if i)
        if text.strip():
            blocks.append(text)
    return "\n\n".join(blocks) + "\n"


def src_lines_headings(lines):
    for ln in lines:
        yield "heading" if re.match(r"^\s*#+\s", ln) else "text"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    git_dir = sys.argv[1]
    commit = sys.argv[2] if len(sys.argv) > 2 else COMMIT
    bib = parse_bib(git_show(git_dir, commit, "d2l.bib"))
    os.makedirs(os.path.join(HERE, "raw"), exist_ok=True)
    for name, path in SOURCES.items():
        text = convert(git_show(git_dir, commit, path), bib)
        with open(os.path.join(HERE, "raw", name + ".txt"), "w", encoding="utf-8") as f:
            f.write(text)
        print(f"{name}: {path} -> raw/{name}.txt ({len(text.encode('utf-8'))} bytes)")


if __name__ == "__main__":
    main()
