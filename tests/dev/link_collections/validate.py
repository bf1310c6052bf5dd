"""Check one link collection's ``gold.jsonl`` against its ``raw/``; exit 1 on any error.

    python tests/dev/link_collections/validate.py tests/dev/link_collections/<part>/<name>

Checks, for every gold row: the keys and their order (as in ``tests/gold/links.jsonl``),
the label and the fields it requires, that the English occurs in the source document
(with its gloss as ``en(gloss)`` when it has one, as a bare ``“en”`` otherwise), that
the passage exists and that ``zh`` and every ``zh_alt`` are substrings of its
normalized text. The documents go through ``align.pipeline.load_folder`` (read,
normalize, segment, extract; no linking). It also checks that the rows are exactly
the quoted English phrases of the collection, found independently of ``align.link``:
the ``quote`` pairs of the extractor plus bare “…” quotes of two or more English
words, in document order. When the folder holds ``source_en/`` (the English original as
text files), it checks that every quoted English phrase of a row whose ``note`` does not
start with ``invented`` occurs verbatim there. It never links anything.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from align.pipeline import load_folder  # noqa: E402

KEYS = ["source_doc_id", "en", "gloss", "label", "doc_id", "passage_id", "zh", "zh_alt", "note"]

_CJK = re.compile(r"[\u3400-\u9fff]")
_BARE = re.compile(r"“([^“”\n]{3,200})”|\"([^\"\n]{3,200})\"")
_ENGLISH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 '’\-,.!?&:;/]*$")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*")
_PID = re.compile(r"^(?P<doc>.+)/(?P<n>\d{4})$")


def is_english(text: str) -> bool:
    text = text.strip()
    return bool(text) and not _CJK.search(text) and bool(_ENGLISH.match(text)) \
        and any(ch.isalpha() for ch in text)


def quoted_phrases(passages, pairs) -> list[tuple[str, str, str | None, int]]:
    """(doc_id, en, gloss, normalized offset) of every quoted English phrase, in order."""
    found = []
    taken = []
    content = {p.passage_id: p for ps in passages.values() for p in ps if p.kind == "content"}
    for pair in pairs:
        if pair.kind == "quote" and pair.passage_id in content and is_english(pair.en):
            p = content[pair.passage_id]
            at = p.text.find(pair.en + "(")
            found.append((pair.doc_id, pair.en, pair.zh, p.norm_start + max(at, 0)))
            taken.append((pair.doc_id, p.norm_start + max(at, 0), p.norm_start + max(at, 0) + len(pair.en)))
    for p in content.values():
        for m in _BARE.finditer(p.text, p.body_offset):
            group = 1 if m.group(1) is not None else 2
            a, _ = m.span(group)
            raw = m.group(group)
            en = raw.strip().rstrip(".,!?;:").strip()
            if not is_english(en) or len(_WORD.findall(en)) < 2:
                continue
            start = p.norm_start + a + raw.index(en)
            if any(d == p.doc_id and s < start + len(en) and start < e for d, s, e in taken):
                continue
            found.append((p.doc_id, en, None, start))
    return sorted(found, key=lambda t: (t[0], t[3]))


def english_original(folder: Path) -> str | None:
    """The English original, whitespace collapsed, or None without ``source_en/``."""
    files = sorted((folder / "source_en").glob("*")) if (folder / "source_en").is_dir() else []
    if not files:
        return None
    return re.sub(r"\s+", " ", " ".join(f.read_text(encoding="utf-8") for f in files if f.is_file()))


def main() -> int:
    folder = Path(sys.argv[1]).resolve()
    gold_file = folder / "gold.jsonl"
    errors: list[str] = []
    docs, passages, pairs = load_folder(folder / "raw")
    by_id = {p.passage_id: p for ps in passages.values() for p in ps}
    rows = [json.loads(line) for line in gold_file.read_text(encoding="utf-8").splitlines() if line.strip()]

    for i, r in enumerate(rows, 1):
        where = f"line {i} ({r.get('en')!r})"
        if list(r) != KEYS:
            errors.append(f"{where}: keys {list(r)} != {KEYS}")
            continue
        src = r["source_doc_id"]
        if src not in docs:
            errors.append(f"{where}: unknown source_doc_id {src}")
            continue
        text = docs[src].text
        if r["en"] not in docs[src].raw.text or r["en"] not in text:
            errors.append(f"{where}: en not in {src}")
        if r["gloss"] is not None:
            if f"{r['en']}({r['gloss']})" not in text:
                errors.append(f"{where}: '{r['en']}({r['gloss']})' not in {src}")
        elif f"“{r['en']}" not in text:
            errors.append(f"{where}: bare “{r['en']}” not in {src}")
        if not isinstance(r["zh_alt"], list):
            errors.append(f"{where}: zh_alt is not a list")
            continue
        if not isinstance(r["note"], str) or not r["note"].strip():
            errors.append(f"{where}: empty note")
        if r["label"] == "none":
            if r["doc_id"] is not None or r["passage_id"] is not None or r["zh"] is not None or r["zh_alt"]:
                errors.append(f"{where}: a none row must have doc_id/passage_id/zh null and zh_alt []")
        elif r["label"] == "link":
            m = _PID.match(r["passage_id"] or "")
            if not m or m.group("doc") != r["doc_id"]:
                errors.append(f"{where}: bad passage_id {r['passage_id']!r} for doc_id {r['doc_id']!r}")
                continue
            if r["doc_id"] == src:
                errors.append(f"{where}: links to its own document")
            p = by_id.get(r["passage_id"])
            if p is None:
                errors.append(f"{where}: no passage {r['passage_id']}")
                continue
            if p.kind != "content":
                errors.append(f"{where}: {r['passage_id']} is a {p.kind} passage")
            spans = [r["zh"], *r["zh_alt"]]
            if len(set(spans)) != len(spans):
                errors.append(f"{where}: duplicate spans")
            for span in spans:
                if not isinstance(span, str) or not span or span not in p.text:
                    errors.append(f"{where}: span {span!r} not in {r['passage_id']}")
        else:
            errors.append(f"{where}: label {r['label']!r}")

    found = quoted_phrases(passages, pairs)
    want = [(d, en) for d, en, _, _ in found]
    have = [(r["source_doc_id"], r["en"]) for r in rows]
    for key in sorted(set(want) - set(have)):
        errors.append(f"phrase without a gold row: {key}")
    # The summary quotes a labelled phrase whatever today's extractor makes of it: a phrase
    # the extractor no longer reads stays gold, and counts as a miss of the linker.
    unread = sorted(set(have) - set(want))
    if len(set(have)) != len(have):
        errors.append("duplicate (source_doc_id, en) rows")
    order = [k for k in want if k in set(have)]
    if order != [k for k in have if k in set(want)]:
        errors.append("gold rows are not in document order")
    glosses = {(d, en): g for d, en, g, _ in found}
    for r in rows:
        key = (r["source_doc_id"], r["en"])
        if key in glosses and glosses[key] != r["gloss"]:
            errors.append(f"{key}: gloss {r['gloss']!r} but the extractor reads {glosses[key]!r}")

    english = english_original(folder)
    if english is not None:
        for r in rows:
            if not r["note"].lower().startswith("invented") and re.sub(r"\s+", " ", r["en"]) not in english:
                errors.append(f"{r['en']!r} is not verbatim in source_en/ (start its note with 'invented' if it is)")

    counts = Counter()
    for r in rows:
        counts[(r["source_doc_id"], r["label"])] += 1
        counts[(r["source_doc_id"], "glossed" if r["gloss"] is not None else "bare")] += 1
    for doc in sorted({r["source_doc_id"] for r in rows}):
        n = sum(1 for r in rows if r["source_doc_id"] == doc)
        print(f"{doc}: {n} phrases, {counts[(doc, 'link')]} link, {counts[(doc, 'none')]} none, "
              f"{counts[(doc, 'glossed')]} glossed, {counts[(doc, 'bare')]} bare")
    print("passages: " + ", ".join(f"{d} {len(ps)}" for d, ps in sorted(passages.items())))
    print(f"English check against source_en/: {'yes' if english is not None else 'skipped (no source_en/)'}")
    for key in unread:
        print("NOTE gold phrase the extractor does not read (a linker miss, not a label error):", key)
    for e in errors:
        print("ERROR", e)
    print(f"{len(rows)} rows, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
