#!/usr/bin/env python3
"""Sanity checks for gold.jsonl against raw/*.txt (does not produce labels)."""
import json
import os
import sys
import unicodedata
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
POS_KEYS = ["doc_id", "label", "en", "zh", "zh_original", "alt_zh", "kind", "note"]
NEG_KEYS = ["doc_id", "label", "en", "zh", "zh_original", "reason"]


def norm(s):
    out = []
    for ch in s:
        if 0xFF01 <= ord(ch) <= 0xFF5E:
            ch = unicodedata.normalize("NFKC", ch)
        elif ch == "\u3000":
            ch = " "
        out.append(ch)
    return "".join(out).replace("「", "“").replace("」", "”")


def main():
    raws = {}
    errors = 0
    seen = set()
    stats = Counter()
    with open(os.path.join(HERE, "gold.jsonl"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            obj = json.loads(line)
            keys = POS_KEYS if obj["label"] == "positive" else NEG_KEYS
            if list(obj) != keys:
                print(f"line {n}: keys {list(obj)}")
                errors += 1
            doc = obj["doc_id"]
            if doc not in raws:
                raws[doc] = open(os.path.join(HERE, "raw", doc + ".txt"), encoding="utf-8").read()
            raw = raws[doc]
            if obj["en"] not in raw:
                print(f"line {n}: en not in raw: {obj['en']!r}")
                errors += 1
            zo = obj["zh_original"]
            if zo is not None:
                if zo not in raw:
                    print(f"line {n}: zh_original not in raw: {zo!r}")
                    errors += 1
                if obj["zh"] != norm(zo):
                    print(f"line {n}: zh != norm(zh_original)")
                    errors += 1
            if obj["label"] == "positive":
                if obj["kind"] not in {"name", "term", "acronym", "title", "quote"}:
                    print(f"line {n}: bad kind")
                    errors += 1
                for a in obj["alt_zh"]:
                    if a not in raw:
                        print(f"line {n}: alt_zh not in raw: {a!r}")
                        errors += 1
                key = (doc, obj["en"], obj["zh"])
                if key in seen:
                    print(f"line {n}: duplicate {key}")
                    errors += 1
                seen.add(key)
                stats[(doc, "positive", obj["kind"])] += 1
            else:
                stats[(doc, "negative", "")] += 1
    for k in sorted(stats):
        print(*k, stats[k])
    print("errors:", errors)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
