#!/usr/bin/env python3
"""Check one source folder of the extraction dev corpus (see LABELLING.md); prints counts.

    python tests/dev/extract/validate.py tests/dev/extract/tune/<source>

It checks the labels' form only (keys, substrings of the raw file, ``zh`` is the normalized
``zh_original``); it never produces a label and never runs the extractor.
"""

from __future__ import annotations

import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from align.normalize import normalize_text  # noqa: E402

POS_KEYS = ["doc_id", "label", "en", "zh", "zh_original", "alt_zh", "kind", "person", "note"]
NEG_KEYS = ["doc_id", "label", "en", "zh", "zh_original", "reason"]
KINDS = {"name", "term", "acronym", "title", "quote"}
REASONS = {"description", "citation", "code", "no_counterpart", "wrong_partner", "other"}


def check(folder: Path) -> list[str]:
    """Return the problems found in ``folder`` (empty when it is well formed)."""
    problems: list[str] = []
    manifest = tomllib.loads((folder / "raw" / "manifest.toml").read_text(encoding="utf-8"))
    docs = manifest.get("documents", {})
    raws = {p.stem: p for p in sorted((folder / "raw").iterdir()) if p.suffix in {".txt", ".md"}}
    for _stem, path in raws.items():
        meta = docs.get(path.name)
        if meta is None:
            problems.append(f"{path.name}: not in manifest.toml")
        elif meta.get("variant") not in {"s", "tw", "hk", "t"} or not meta.get("source_url") or not meta.get("license"):
            problems.append(f"{path.name}: manifest needs variant, source_url and license")
    seen: set[tuple] = set()
    counts: Counter = Counter()
    for n, line in enumerate((folder / "gold.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"gold.jsonl:{n}"
        obj = json.loads(line)
        label = obj.get("label")
        if list(obj) != (POS_KEYS if label == "positive" else NEG_KEYS):
            problems.append(f"{where}: keys {list(obj)}")
            continue
        path = raws.get(obj["doc_id"])
        if path is None:
            problems.append(f"{where}: no raw file for doc_id {obj['doc_id']!r}")
            continue
        raw = path.read_text(encoding="utf-8")
        variant = docs.get(path.name, {}).get("variant", "auto")
        if obj["en"] not in raw:
            problems.append(f"{where}: en not in raw: {obj['en']!r}")
        if not any(ch.isalpha() and not ("\u3400" <= ch <= "\u9fff") for ch in obj["en"]):
            problems.append(f"{where}: en has no Latin letter (is it the Chinese?): {obj['en']!r}")
        zo = obj["zh_original"]
        if zo is not None:
            if zo not in raw:
                problems.append(f"{where}: zh_original not in raw: {zo!r}")
            want = normalize_text(zo, variant)[0]
            if obj["zh"] != want:
                problems.append(f"{where}: zh should be {want!r} (normalized zh_original), is {obj['zh']!r}")
        elif obj["zh"] is not None:
            problems.append(f"{where}: zh without zh_original")
        if label == "positive":
            if obj["kind"] not in KINDS:
                problems.append(f"{where}: kind {obj['kind']!r} not in {sorted(KINDS)}")
            if not isinstance(obj["person"], bool) or (obj["person"] and obj["kind"] != "name"):
                problems.append(f"{where}: person must be true/false, true only for kind name")
            if zo is None:
                problems.append(f"{where}: a positive needs zh_original")
            for a in obj["alt_zh"]:
                if a not in raw:
                    problems.append(f"{where}: alt_zh not in raw: {a!r}")
            key = (obj["doc_id"], obj["en"], obj["zh"])
            if key in seen:
                problems.append(f"{where}: duplicate {key}")
            seen.add(key)
            counts["positive"] += 1
            counts[f"  kind {obj['kind']}"] += 1
            counts["  person names"] += obj["person"]
        elif label == "negative":
            if obj["reason"].split(":")[0] not in REASONS:
                problems.append(f"{where}: reason {obj['reason']!r} not in {sorted(REASONS)}")
            counts["negative"] += 1
        else:
            problems.append(f"{where}: label must be positive or negative")
    for k in sorted(counts):
        print(f"{k:20} {counts[k]}")
    print(f"{'documents':20} {len(raws)}")
    return problems


def table(corpus: Path) -> str:
    """The README's table of sources: part, folder, repository (CLAIMS.txt), scripts, counts."""
    repos = {}
    for line in (corpus / "CLAIMS.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            repo, folder = line.split()[:2]
            repos.setdefault(folder, repo)
    head = "| part | folder | repository | script | documents | positives | person names | negatives |"
    lines = [head, "|---|---|---|---|---|---|---|---|"]
    totals = {}
    for part in ("tune", "test"):
        for folder in sorted(p for p in (corpus / part).iterdir() if p.is_dir()):
            rows = [json.loads(x) for x in (folder / "gold.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
            manifest = tomllib.loads((folder / "raw" / "manifest.toml").read_text(encoding="utf-8"))
            variants = sorted({d.get("variant", "?") for d in manifest.get("documents", manifest).values() if isinstance(d, dict)})
            docs = sum(1 for p in (folder / "raw").iterdir() if p.name != "manifest.toml")
            pos = [r for r in rows if r["label"] == "positive"]
            counts = (docs, len(pos), sum(bool(r["person"]) for r in pos), len(rows) - len(pos))
            t = totals.setdefault(part, [0, 0, 0, 0])
            for i, c in enumerate(counts):
                t[i] += c
            lines.append(f"| {part} | `{folder.name}` | {repos.get(f'{part}/{folder.name}', '?')} | {', '.join(variants)} | "
                         + " | ".join(str(c) for c in counts) + " |")
    for part, t in totals.items():
        lines.append(f"| {part} | **total** | | | " + " | ".join(str(c) for c in t) + " |")
    return "\n".join(lines)


def main() -> int:
    if sys.argv[1:] == ["--table"]:
        print(table(Path(__file__).resolve().parent))
        return 0
    problems = check(Path(sys.argv[1]).resolve())
    for p in problems:
        print(p)
    print("problems:", len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
