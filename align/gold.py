"""Reading gold files: pairs (``gold.jsonl``) and links (``links.jsonl``), as records.

A gold file a user passes that cannot be read or holds a bad row is a :class:`GoldError`
naming the file and the line. A review page's ``corrections.jsonl`` is gold too
(:func:`gold_from_corrections`): its first line having a ``verdict`` says which it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .corrections import Verdict, load_corrections
from .errors import GoldError
from .records import EnglishPhrase
from .text import english_key


@dataclass(frozen=True, slots=True)
class GoldPair:
    doc_id: str
    label: str
    en: str
    zh: str | None
    alt_zh: tuple[str, ...] = ()
    kind: str | None = None



def load_gold(path: Path) -> list[GoldPair]:
    """Gold pairs of a ``gold.jsonl`` file (or of a corrections file), in file order."""
    lines = _json_lines(path)
    if lines and _is_corrections(lines[0][1]):
        return gold_from_corrections(load_corrections(path))
    pairs = []
    for lineno, line in lines:
        try:
            obj = json.loads(line)
            pairs.append(
                GoldPair(
                    doc_id=obj["doc_id"],
                    label=obj.get("label", "positive"),
                    en=obj["en"],
                    zh=obj.get("zh"),
                    alt_zh=tuple(obj.get("alt_zh") or ()),
                    kind=obj.get("kind"),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise GoldError(f"{path}:{lineno}: expected a JSON object with doc_id and en ({exc})") from None
    return pairs


def gold_from_corrections(verdicts: list[Verdict]) -> list[GoldPair]:
    """A review's verdicts as gold: ``right`` a positive, ``fix`` a positive with the fixed
    Chinese, ``wrong`` a negative (that English with that Chinese must not be emitted).
    Kinds are not judged (a verdict gives none)."""
    return [GoldPair(v.doc_id, "negative" if v.verdict == "wrong" else "positive", v.en,
                     v.zh_fixed if v.verdict == "fix" else v.zh) for v in verdicts]


def _is_corrections(line: str) -> bool:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        return False
    return isinstance(obj, dict) and "verdict" in obj


@dataclass(frozen=True, slots=True)
class LinkGold:
    """One hand-labelled phrase: ``label`` link (with the span that renders it) or none."""

    source_doc_id: str
    en: str
    gloss: str | None
    label: str  # link or none
    doc_id: str | None = None
    passage_id: str | None = None
    zh: str | None = None
    zh_alt: tuple[str, ...] = ()
    note: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.source_doc_id, english_key(self.en))


def load_link_gold(path) -> dict[tuple[str, str], LinkGold]:
    """Gold rows of a ``links.jsonl`` file by ``(source_doc_id, English)``."""
    rows: dict[tuple[str, str], LinkGold] = {}
    for lineno, line in _json_lines(path):
        try:
            raw = json.loads(line)
            gold = LinkGold(raw["source_doc_id"], raw["en"], raw.get("gloss"), raw["label"], raw.get("doc_id"),
                            raw.get("passage_id"), raw.get("zh"), tuple(raw.get("zh_alt") or ()), raw.get("note", ""))
        except (ValueError, KeyError, TypeError) as exc:
            raise GoldError(f"{path}:{lineno}: expected a JSON gold row with source_doc_id, en, label (missing {exc})") from None
        if gold.label not in ("link", "none") or (gold.label == "link" and not (gold.doc_id and gold.zh)):
            raise GoldError(f"{path}:{lineno}: expected label link (with doc_id and zh) or none, got {gold.label!r}")
        rows[gold.key] = gold
    return rows


def gold_for(phrase: EnglishPhrase, gold: Mapping[tuple[str, str], LinkGold]) -> LinkGold | None:
    return gold.get((phrase.doc_id, english_key(phrase.en)))


def _json_lines(path: Path) -> list[tuple[int, str]]:
    """``(line number, line)`` of every non-blank line of a gold file."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise GoldError(f"{path}: cannot be read ({exc.strerror})") from None
    return [(n, line) for n, line in enumerate(lines, 1) if line.strip()]
