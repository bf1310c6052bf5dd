"""Splits without leakage: all rows of a document go to the one split its document draws.

The draw is the SHA-256 of the document's id (or of its collection's name, when the
manifest groups documents into a collection, so a summary and the translation it quotes
stay together) read as a number in [0, 1) against the cumulative fractions: a document
keeps its split when other documents are added or removed, and no document feeds two
splits. ``variants`` and ``glossary`` count over the whole corpus and keep one ``train``
split.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..config import check_fractions

SPLIT_NAMES = {1: ("train",), 2: ("train", "test"), 3: ("train", "validation", "test")}
PER_DOCUMENT = ("pairs", "passages", "documents", "links")


def parse_fractions(text: str) -> tuple[float, ...]:
    """``"0.8,0.1,0.1"`` -> ``(0.8, 0.1, 0.1)``; raises ValueError saying what is wrong."""
    try:
        fractions = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise ValueError("expected two or three fractions separated by commas, e.g. 0.8,0.1,0.1") from None
    check_fractions(fractions)
    return fractions


@dataclass(frozen=True)
class SplitPlan:
    """Which split each document's rows go to; no fractions: everything in ``train``."""

    fractions: tuple[float, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return SPLIT_NAMES[max(len(self.fractions), 1)]

    def split_of(self, doc_id: str, collection: str = "default") -> str:
        if not self.fractions:
            return "train"
        unit = f"collection:{collection}" if collection != "default" else f"document:{doc_id}"
        draw = int.from_bytes(hashlib.sha256(unit.encode("utf-8")).digest()[:8], "big") / 2**64
        total = 0.0
        for name, fraction in zip(self.names, self.fractions, strict=True):
            total += fraction
            if draw < total:
                return name
        return self.names[-1]

    def splits_of(self, config: str) -> tuple[str, ...]:
        return self.names if config in PER_DOCUMENT else ("train",)
