"""The settings of a build, in one frozen object validated once (like datatrove's
``MinhashConfig``); ``str(config)`` names every setting, for the card (like sacrebleu's
signature)."""

from __future__ import annotations

import logging
import os
import shlex
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import BinaryIO

from .errors import BuildError

logger = logging.getLogger(__name__)

# The scripts a document can be in: Hong Kong, Taiwan, other Traditional, Simplified.
SCRIPT_VARIANTS = ("hk", "tw", "t", "s")
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
# A config's split is written as shards of about this much parquet each (align.dataset.writer).
DEFAULT_SHARD_BYTES = 256 * 1024 * 1024
# The settings that do not change what one document's processing makes: they act before it
# (max_bytes skips a file unread), after it (the corpus-wide steps, the checks, the
# corrections, applied to what the cache gives back) or on how the build runs (cache,
# workers). Every other field keys the cache of per-document results, so a new field
# invalidates it unless it is listed here.
CORPUS_SETTINGS = frozenset({"max_bytes", "strict", "link", "link_scorer", "link_threshold",
                             "review", "gold_path", "links_gold_path", "cache", "splits", "corrections_path",
                             "workers", "shard_bytes"})


def cache_root() -> Path:
    """The user's cache folder for align (the dictionary's and the per-document results'):
    ``$ALIGN_CACHE_DIR``, else ``$XDG_CACHE_HOME/align`` or ``~/.cache/align``."""
    root = os.environ.get("ALIGN_CACHE_DIR")
    if root:
        return Path(root)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "align"


def write_cache_file(path: Path, write: Callable[[BinaryIO], None]) -> bool:
    """Write a file of the cache folder atomically (``write`` fills a temporary file beside
    it, which then replaces it): a build reading it at once sees all of it or nothing. A
    cache file that cannot be written is only slower, never an error: False then."""
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False) as fh:
            tmp = Path(fh.name)
            write(fh)
        os.replace(tmp, path)
        return True
    except OSError as exc:
        logger.info("%s not written (%s)", path.name, exc)
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        return False


def shown_path(path: Path) -> str:
    """A path as the card gives it: as typed when relative; only its name when absolute,
    since the rest names the machine it was built on (and the card would differ per machine)."""
    path = Path(path)
    return path.name if path.is_absolute() else path.as_posix()


def megabytes(n: int) -> str:
    """``n`` bytes in megabytes, short, and exact enough that the option gives ``n`` back."""
    short = f"{n / 1024 / 1024:g}"
    return short if int(float(short) * 1024 * 1024) == n else repr(n / 1024 / 1024)


def check_fractions(fractions: tuple[float, ...]) -> None:
    """Split fractions: two (train, test) or three (train, validation, test), adding up to 1."""
    if len(fractions) not in (2, 3):
        raise ValueError("expected two (train, test) or three (train, validation, test) fractions")
    if any(f <= 0 for f in fractions) or abs(sum(fractions) - 1.0) > 1e-6:
        raise ValueError("expected positive fractions that add up to 1")


@dataclass(frozen=True, slots=True)
class BuildConfig:
    """What a build does. Each error names the command-line option it comes from."""

    variant: str = "auto"  # script of the sources: auto or one of SCRIPT_VARIANTS
    max_bytes: int = DEFAULT_MAX_BYTES  # files larger than this are skipped
    strict: bool = False  # any skipped file fails the build
    min_confidence: float | None = None  # None: the pair model's own threshold
    link: bool = True
    link_scorer: str = "default"
    link_threshold: float | None = None  # None: the scorer's, chosen on the tuning collections
    review: bool = True  # write the HTML review page
    gold_path: Path | None = None
    links_gold_path: Path | None = None
    splits: tuple[float, ...] = ()  # train[, validation], test fractions; () keeps one train split
    cache: bool = True  # reuse per-document results kept in the user's cache folder (align.cache)
    corrections_path: Path | None = None  # a review's verdicts (align.corrections)
    workers: int = 1  # processes for the per-document stages; more than 1 runs them on datatrove (align.workers)
    shard_bytes: int = DEFAULT_SHARD_BYTES  # parquet per shard (hidden --shard-mb: a test forces several shards)

    def __post_init__(self) -> None:
        if self.variant != "auto" and self.variant not in SCRIPT_VARIANTS:
            raise BuildError(f"--from {self.variant}: expected one of auto, {', '.join(SCRIPT_VARIANTS)}")
        if self.min_confidence is not None and not 0.0 <= self.min_confidence <= 1.0:
            raise BuildError(f"--min-confidence {self.min_confidence}: expected a probability between 0 and 1")
        if self.link_threshold is not None and not 0.0 <= self.link_threshold <= 1.0:
            raise BuildError(f"--link-threshold {self.link_threshold}: expected a score between 0 and 1")
        if type(self.workers) is not int or self.workers < 1:
            raise BuildError(f"--workers {self.workers}: expected a whole number of processes, 1 or more")
        if self.max_bytes <= 0:
            raise BuildError(f"--max-mb {self.max_bytes / 1024 / 1024:g}: expected a positive size")
        if type(self.shard_bytes) is not int or self.shard_bytes <= 0:
            raise BuildError(f"--shard-mb {self.shard_bytes / 1024 / 1024:g}: expected a positive size")
        if self.splits:
            try:
                check_fractions(tuple(self.splits))
            except ValueError as exc:
                raise BuildError(f"--splits {','.join(f'{f:g}' for f in self.splits)}: {exc}") from None
            object.__setattr__(self, "splits", tuple(float(f) for f in self.splits))
        for name in ("gold_path", "links_gold_path", "corrections_path"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Path):
                object.__setattr__(self, name, Path(value))

    def document_settings(self) -> str:
        """The settings that shape each document's own results, as one line: what the
        cache of per-document results is keyed by besides the document and the code."""
        return "|".join(f"{f.name}:{getattr(self, f.name)!r}" for f in fields(self) if f.name not in CORPUS_SETTINGS)

    def __str__(self) -> str:
        """Every setting that shapes the output, as one line (gold files only score it;
        whether the cache was used and how many workers ran change nothing in the output, so
        they are not named; a corrections file is named as :func:`shown_path` gives it)."""
        confidence = "model" if self.min_confidence is None else f"{self.min_confidence:g}"
        threshold = "" if self.link_threshold is None else f",threshold:{self.link_threshold:g}"
        link = f"{self.link_scorer}{threshold}" if self.link else "off"
        splits = f"|splits:{','.join(f'{f:g}' for f in self.splits)}" if self.splits else ""
        corrections = f"|corrections:{shown_path(self.corrections_path)}" if self.corrections_path else ""
        # The shard size changes the files, not the rows: named only when not the default.
        shards = f"|shard-mb:{megabytes(self.shard_bytes)}" if self.shard_bytes != DEFAULT_SHARD_BYTES else ""
        return (f"from:{self.variant}|max-mb:{self.max_bytes / 1024 / 1024:g}|strict:{'yes' if self.strict else 'no'}|"
                f"min-confidence:{confidence}|link:{link}|review:{'yes' if self.review else 'no'}{splits}{corrections}"
                f"{shards}")

    def command_line(self, raw_dir: Path) -> str:
        """The ``align build`` command that makes this build from ``raw_dir``: only the
        options that differ from their defaults, paths as :func:`shown_path` gives them
        (never ``--no-cache`` or ``--workers``: the output is the same without them)."""
        default = BuildConfig()
        options = ["--raw", shown_path(raw_dir)]
        if self.variant != default.variant:
            options += ["--from", self.variant]
        if self.max_bytes != default.max_bytes:
            options += ["--max-mb", f"{self.max_bytes / 1024 / 1024:g}"]
        if self.strict:
            options.append("--strict")
        if self.min_confidence is not None:
            options += ["--min-confidence", f"{self.min_confidence:g}"]
        if not self.link:
            options.append("--no-link")
        if self.link_scorer != default.link_scorer:
            options += ["--link-scorer", self.link_scorer]
        if self.link_threshold is not None:
            options += ["--link-threshold", f"{self.link_threshold:g}"]
        if not self.review:
            options.append("--no-report")
        if self.splits:
            options += ["--splits", ",".join(f"{f:g}" for f in self.splits)]
        if self.shard_bytes != default.shard_bytes:
            options += ["--shard-mb", megabytes(self.shard_bytes)]
        for flag, path in (("--gold", self.gold_path), ("--links-gold", self.links_gold_path),
                           ("--corrections", self.corrections_path)):
            if path is not None:
                options += [flag, shown_path(path)]
        return shlex.join(["align", "build", *options])
