"""The extraction dev sets, by part: seeds, tuning sources, test sources.

Each source is a folder with ``raw/`` (and ``raw/manifest.toml``) and ``gold.jsonl``
(``tests/dev/extract/LABELLING.md``). ``alt_zh`` is labelled as raw text; here it is
normalized like ``zh`` so both compare with the build's (Simplified) spans.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from align.gold import GoldPair
from align.normalize import normalize_text

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "dev" / "extract"


@dataclass(frozen=True)
class DevSource:
    name: str
    part: str  # seeds, tuning or test
    raw: Path
    gold_file: Path

    def gold(self) -> list[GoldPair]:
        manifest_file = self.raw / "manifest.toml"
        docs = tomllib.loads(manifest_file.read_text(encoding="utf-8")).get("documents", {}) if manifest_file.is_file() else {}
        variants = {Path(name).stem: meta.get("variant", "auto") for name, meta in docs.items()}
        out = []
        for line in self.gold_file.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            obj = json.loads(line)
            variant = variants.get(obj["doc_id"], "auto")
            alt = tuple(normalize_text(a, variant)[0] for a in obj.get("alt_zh") or ())
            out.append(GoldPair(obj["doc_id"], obj.get("label", "positive"), obj["en"], obj.get("zh"), alt,
                                obj.get("kind")))
        return out


def sources(parts: tuple[str, ...] = ("seeds", "tuning", "test")) -> list[DevSource]:
    out = []
    if "seeds" in parts:
        out.append(DevSource("seeds", "seeds", ROOT / "raw", ROOT / "tests" / "gold" / "seeds.jsonl"))
    if "tuning" in parts:
        out.append(DevSource("d2l", "tuning", ROOT / "tests" / "dev" / "d2l" / "raw", ROOT / "tests" / "dev" / "d2l" / "gold.jsonl"))
    for part, folder in (("tuning", "tune"), ("test", "test")):
        if part in parts:
            for d in sorted((CORPUS / folder).glob("*/")):
                if (d / "gold.jsonl").is_file() and (d / "raw").is_dir():
                    out.append(DevSource(d.name, part, d / "raw", d / "gold.jsonl"))
    return out
