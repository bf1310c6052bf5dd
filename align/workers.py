"""Many cores: the per-document stages as a datatrove pipeline step, one shard per task.

``align build --workers N`` runs :class:`DocumentShards` on datatrove's
``LocalPipelineExecutor`` (:func:`run_local`), in workers forked from the build's process.
Task ``r`` of ``T`` takes the files ``r, r + T, r + 2T, ...`` of the raw folder in path
order (:func:`align.read.document_paths`), runs
:func:`align.process.process_file` on each (through the cache of per-document results:
SQLite in WAL mode, so the tasks read and fill it at once) and writes one JSON line per file
to its own shard, ``shards/NNNNN.jsonl``: the file's index, the raw document and the result
in the versioned JSON of :mod:`align.records_json` (data, never pickle). datatrove writes
each task's stats and log under ``logs/``.

:class:`ShardResults` reads the shards back merged by index: the very stream
:func:`align.process.process_folder` yields, so the corpus-wide steps after it (linking,
scores, the files, the card, the review page) and the output are the same whatever the
number of workers or tasks. The same step runs under datatrove's Slurm and Ray executors
(README: the snippet); ``build(..., shards=FOLDER)`` then merges their shards.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from datatrove.pipeline.base import PipelineStep
from loguru import logger as datatrove_logger

from .cache import DocumentCache, NoCache
from .config import BuildConfig
from .errors import AlignError, BuildError
from .manifest import CONTROL_FILES, load_manifest
from .pair_model import shipped_model
from .process import Result, process_document, process_file
from .read import SkippedFile, document_paths, read_path
from .records import DocumentMeta, ProcessedDocument, RawDocument
from .records_json import raw_from_json, raw_to_json, result_from_json, result_to_json

SHARD_FORMAT = 1
TASKS_PER_WORKER = 4  # more tasks than workers: a worker done early takes the next task
# What the build's process runs through the per-document stages before it forks the
# workers: their first document loads the dictionaries, jieba and the sentence encoder
# (some 5 s of CPU), which the forked workers then share instead of loading once each.
WARM_UP = "深度学习先驱杨立昆（Yann LeCun）说，开源（open source）才是前进方向。\n"


def inputs_key(raw_dir: Path, paths: list[Path], config: BuildConfig) -> str:
    """A hash of what a shard's results come from besides the code (which the cache key
    holds): the files listed, the manifest's bytes and the settings that shape them."""
    control = [[name, hashlib.sha256((raw_dir / name).read_bytes()).hexdigest()]
               for name in sorted(CONTROL_FILES) if (raw_dir / name).is_file()]
    parts = [SHARD_FORMAT, config.document_settings(), config.max_bytes, control,
             [p.relative_to(raw_dir).as_posix() for p in paths]]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


class DocumentShards(PipelineStep):
    """One task's share of the raw folder through the per-document stages, into its shard.

    ``cache_folder`` is the cache's folder (None: no cache)."""

    name = "read, normalize, segment, extract"
    type = "align"

    def __init__(self, raw_dir: Path | str, shard_dir: Path | str, config: BuildConfig,
                 cache_folder: Path | None = None) -> None:
        super().__init__()
        # Absolute: a task's process may start in another folder.
        self.raw_dir = Path(raw_dir).resolve()
        self.shard_dir = Path(shard_dir).resolve()
        self.config = config
        self.cache_folder = cache_folder

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        raw_dir, config = self.raw_dir, self.config
        manifest = load_manifest(raw_dir)
        paths = document_paths(raw_dir)
        model = shipped_model()
        cache = NoCache() if self.cache_folder is None else DocumentCache(self.cache_folder, config.document_settings())
        self.shard_dir.mkdir(parents=True, exist_ok=True)
        part = self.shard_dir / f"{rank:05d}.jsonl.part"
        with cache, part.open("w", encoding="utf-8") as out:
            head = {"shard": SHARD_FORMAT, "task": rank, "tasks": world_size,
                    "inputs": inputs_key(raw_dir, paths, config)}
            out.write(json.dumps(head) + "\n")
            for index in range(rank, len(paths), world_size):
                rel = paths[index].relative_to(raw_dir).as_posix()
                before = (cache.hits, cache.misses)
                try:
                    item = read_path(paths[index], raw_dir, manifest.get(rel, DocumentMeta()).encoding,
                                     config.max_bytes)
                    result = process_file(item, manifest, config, model, cache)
                except Exception as exc:
                    # The traceback stays in the task; the build gets one line naming the file.
                    raise BuildError(path=f"{raw_dir.name}/{rel}",
                                     reason=f"{type(exc).__name__}: {exc} (in task {rank} of {world_size}; "
                                            "--workers 1 shows the traceback)") from exc
                # As the cache counted it: None when there is no cache or the file was skipped unread.
                cached = {(1, 0): "hit", (0, 1): "miss"}.get((cache.hits - before[0], cache.misses - before[1]))
                self.stat_update("built" if isinstance(result, ProcessedDocument) else "skipped")
                if cached:
                    self.stat_update(f"cache_{cached}")
                line = {"i": index, "cache": cached,
                        "raw": None if isinstance(item, SkippedFile) else raw_to_json(item),
                        "result": result_to_json(result)}
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        # A shard is whole or absent: a task that died leaves only its .part.
        part.replace(self.shard_dir / f"{rank:05d}.jsonl")
        yield from data or ()


def run_local(raw_dir: Path, work_dir: Path, config: BuildConfig, cache_folder: Path | None) -> Path:
    """Run :class:`DocumentShards` on datatrove's ``LocalPipelineExecutor`` with
    ``config.workers`` processes; return the folder of the shards."""
    from datatrove.executor import LocalPipelineExecutor

    files = len(document_paths(raw_dir))
    tasks = max(1, min(files, TASKS_PER_WORKER * config.workers))
    shard_dir = work_dir / "shards"
    executor = LocalPipelineExecutor(
        [DocumentShards(raw_dir, shard_dir, config, cache_folder)],
        tasks=tasks, workers=min(config.workers, tasks), logging_dir=str(work_dir / "logs"),
        skip_completed=False,
        # Forked from the build: the workers start with what it has loaded (WARM_UP), its
        # environment and working folder, and datatrove's log off. A fork
        # server (datatrove's default) outlives the build and would give every later pool the
        # environment of the first; spawning runs the main script again in each worker.
        start_method="fork",
    )
    warm_up = RawDocument("warm-up", "warm-up.txt", WARM_UP, "", "utf-8", len(WARM_UP.encode("utf-8")))
    process_document(warm_up, DocumentMeta(), config, shipped_model())
    # datatrove logs every task on the console; the build reports through its own report.
    datatrove_logger.disable("datatrove")
    try:
        executor.run()
    except AlignError:
        raise
    except Exception as exc:
        raise BuildError(f"--workers {config.workers}: a task failed ({type(exc).__name__}: {exc})") from exc
    finally:
        datatrove_logger.enable("datatrove")
    return shard_dir


class ShardResults:
    """The results in the shards of ``shard_dir``, merged in path order: what
    :func:`align.process.process_folder` yields for ``raw_dir``. ``hits`` and ``misses``
    count the documents the tasks took from the cache and processed."""

    def __init__(self, shard_dir: Path | str, raw_dir: Path, config: BuildConfig,
                 manifest: dict[str, DocumentMeta], progress: Callable[[str], None] | None = None) -> None:
        self.shard_dir = Path(shard_dir)
        self.raw_dir = raw_dir
        self.manifest = manifest
        self.progress = progress
        self.paths = document_paths(raw_dir)
        self.inputs = inputs_key(raw_dir, self.paths, config)
        self.hits = 0
        self.misses = 0

    def _lines(self, path: Path) -> Iterator[dict]:
        with path.open(encoding="utf-8") as fh:
            next(fh)  # the head, checked by __iter__
            for n, line in enumerate(fh, start=2):
                try:
                    yield json.loads(line)
                except ValueError as exc:
                    raise BuildError(path=f"{path.name}:{n}", reason=f"not a shard line ({exc})") from None

    def _heads(self) -> list[Path]:
        """The shard files, each checked to come from this raw folder and these settings."""
        shards = sorted(self.shard_dir.glob("*.jsonl"))
        if not shards:
            raise BuildError(path=str(self.shard_dir), reason="no shards (*.jsonl); did the tasks run?")
        tasks = set()
        for path in shards:
            with path.open(encoding="utf-8") as fh:
                try:
                    head = json.loads(fh.readline())
                except ValueError:
                    head = None
            if not isinstance(head, dict) or head.get("shard") != SHARD_FORMAT:
                raise BuildError(path=path.name, reason=f"not an align shard of format {SHARD_FORMAT}")
            if head["inputs"] != self.inputs:
                raise BuildError(path=path.name, reason=f"made from other files or settings than {self.raw_dir.name}/ "
                                                        "and this build's")
            tasks.add((head["task"], head["tasks"]))
        counts = {t for _, t in tasks}
        if len(counts) != 1 or {r for r, _ in tasks} != set(range(counts.pop())):
            raise BuildError(path=str(self.shard_dir), reason=f"tasks {sorted(tasks)}: expected one shard per task")
        return shards

    def __iter__(self) -> Iterator[Result]:
        lines = heapq.merge(*(self._lines(p) for p in self._heads()), key=lambda line: line["i"])
        expected = 0
        for line in lines:
            if line["i"] != expected:
                break
            path = self.paths[expected].relative_to(self.raw_dir).as_posix()
            if self.progress:
                self.progress(path)
            try:
                raw = None if line["raw"] is None else raw_from_json(line["raw"])
                meta = self.manifest.get(path, DocumentMeta())
                result = result_from_json(line["result"], raw, meta)
            except (KeyError, TypeError, ValueError) as exc:
                raise BuildError(path=f"{self.raw_dir.name}/{path}", reason=f"damaged shard entry ({exc})") from None
            self.hits += line["cache"] == "hit"
            self.misses += line["cache"] == "miss"
            expected += 1
            yield result
        if expected != len(self.paths):
            missing = self.paths[expected].relative_to(self.raw_dir).as_posix()
            raise BuildError(path=f"{self.raw_dir.name}/{missing}", reason=f"no result in the shards of {self.shard_dir}")
