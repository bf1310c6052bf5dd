"""``align build --workers N``: the per-document stages as datatrove tasks.

On a folder of real articles with more files than workers (the seeds, three CMRC 2018
articles, one of them again in GB18030, and five files the build skips for five reasons):
the output is byte for byte the one-process build's, every file is reported, the tasks
fill and reuse the cache, a failing task ends in one line and leaves the previous build
intact, and the README's Slurm/Ray snippet, run here with the local executor, makes the
same build.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("datatrove")

from datatrove.executor import LocalPipelineExecutor  # noqa: E402

import align.workers  # noqa: E402
from align.cli import app  # noqa: E402
from align.config import BuildConfig  # noqa: E402
from align.errors import BuildError  # noqa: E402
from align.pipeline import build  # noqa: E402
from align.read import document_paths  # noqa: E402
from align.workers import DocumentShards  # noqa: E402

from .conftest import RAW, ROOT, SEED_FORTUNE, same_tree  # noqa: E402

CMRC = ROOT / "tests/dev/extract/tune/f_cmrc2018/raw"
ARTICLES = ["bertalanffy.txt", "john_darley.txt", "phillips_exeter.txt"]
SKIPPED = {
    "empty.txt": "the file is empty",
    "english.txt": "no Chinese text",
    "photo.png": "not a text file extension (.png)",
    "pipe.txt": "not a regular file",
    "scan.txt": "a binary file (PNG image), not text",
}
runner = CliRunner()


@pytest.fixture(scope="module")
def mixed_raw(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("mixed") / "raw"
    shutil.copytree(RAW, raw)
    for name in ARTICLES:
        shutil.copy(CMRC / name, raw)
    (raw / "gb_bertalanffy.txt").write_bytes((CMRC / "bertalanffy.txt").read_text(encoding="utf-8").encode("gb18030"))
    (raw / "manifest.toml").write_text(
        '[documents."bertalanffy.txt"]\ntitle = "卡尔·路德维希·冯·贝塔郎非"\nlicense = "CC-BY-SA-4.0"\nvariant = "s"\n\n'
        '[documents."gb_bertalanffy.txt"]\nencoding = "gb18030"\ncollection = "encodings"\n', encoding="utf-8")
    (raw / "empty.txt").write_bytes(b"")
    (raw / "english.txt").write_text("Only English here, (like this).\n", encoding="utf-8")
    (raw / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    os.mkfifo(raw / "pipe.txt")
    (raw / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    return raw


@pytest.fixture(scope="module")
def one_process(mixed_raw, tmp_path_factory) -> Path:
    """The build of ``mixed_raw`` in one process, the reference."""
    out = tmp_path_factory.mktemp("one") / "build"
    result = runner.invoke(app, ["build", "--raw", str(mixed_raw), "--out", str(out), "--workers", "1", "--no-cache"])
    assert result.exit_code == 0, result.output
    return out


def test_two_workers_build_the_same_bytes_and_report_every_file(mixed_raw, one_process, tmp_path):
    assert len(document_paths(mixed_raw)) > 2 * align.workers.TASKS_PER_WORKER  # more files than tasks too
    out = tmp_path / "build"
    result = runner.invoke(app, ["build", "--raw", str(mixed_raw), "--out", str(out), "--workers", "2"])
    assert result.exit_code == 0, result.output
    same_tree(one_process, out)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    listed = {d["path"]: (d["status"], d["reason"]) for d in report["documents"]}
    assert sorted(listed) == sorted(p.name for p in mixed_raw.iterdir() if p.name != "manifest.toml")
    assert {p: r for p, (s, r) in listed.items() if s == "skipped"} == SKIPPED
    assert "7 documents built, 5 skipped" in result.output
    # Eight files were read (english.txt too, then skipped), each processed by a task.
    assert "cache: 0 documents reused, 8 processed" in result.output

    again = runner.invoke(app, ["build", "--raw", str(mixed_raw), "--out", str(out), "--workers", "2"])
    assert again.exit_code == 0, again.output
    assert "cache: 8 documents reused, 0 processed" in again.output
    same_tree(one_process, out)


@pytest.mark.parametrize("where", ["document", "task"])
def test_a_failing_task_is_one_line_and_the_previous_build_stays(mixed_raw, one_process, tmp_path, monkeypatch,
                                                                 where):
    """An exception inside the step: in the per-document stages for the fortune seed, or
    before a task starts on its files. The workers are forked from the build, so they run
    the patched code."""
    out = tmp_path / "build"
    shutil.copytree(one_process, out)
    if where == "document":
        real = align.workers.process_file

        def failing(item, *args):
            if item.path == f"{SEED_FORTUNE}.txt":
                raise RuntimeError("a bug in a stage")
            return real(item, *args)

        monkeypatch.setattr(align.workers, "process_file", failing)
    else:
        def failing_run(self, data=None, rank=0, world_size=1):
            raise RuntimeError("no space left for the shard")
            yield  # a generator, as the step is

        monkeypatch.setattr(DocumentShards, "run", failing_run)
    result = runner.invoke(app, ["build", "--raw", str(mixed_raw), "--out", str(out), "--workers", "2"])
    assert result.exit_code == 1
    index = [p.name for p in document_paths(mixed_raw)].index(f"{SEED_FORTUNE}.txt")
    tasks = 2 * align.workers.TASKS_PER_WORKER
    assert result.output.splitlines() == [
        f"BuildError: raw/{SEED_FORTUNE}.txt: RuntimeError: a bug in a stage (in task {index % tasks} of {tasks}; "
        "--workers 1 shows the traceback)"
        if where == "document" else
        "BuildError: --workers 2: a task failed (RuntimeError: no space left for the shard)"]
    same_tree(one_process, out)
    assert [p.name for p in tmp_path.iterdir()] == ["build"]  # no temporary folder left


def test_the_readme_snippet_with_the_local_executor_makes_the_same_build(mixed_raw, one_process, tmp_path):
    config = BuildConfig()
    shards = tmp_path / "shards"
    LocalPipelineExecutor([DocumentShards(mixed_raw, shards, config)], tasks=3, workers=1,
                          logging_dir=str(tmp_path / "logs")).run()
    assert sorted(p.name for p in shards.iterdir()) == ["00000.jsonl", "00001.jsonl", "00002.jsonl"]
    assert sorted(p.name for p in (tmp_path / "logs" / "stats").iterdir()) == ["00000.json", "00001.json",
                                                                               "00002.json"]
    build(mixed_raw, tmp_path / "build", config, shards=shards)
    same_tree(one_process, tmp_path / "build")

    with pytest.raises(BuildError, match="made from other files or settings than raw/"):
        build(mixed_raw, tmp_path / "other", BuildConfig(min_confidence=0.5), shards=shards)
    (shards / "00001.jsonl").unlink()
    with pytest.raises(BuildError, match=r"tasks \[\(0, 3\), \(2, 3\)\]: expected one shard per task"):
        build(mixed_raw, tmp_path / "other", config, shards=shards)
    assert not (tmp_path / "other").exists()


def test_one_worker_and_the_cli_import_no_datatrove():
    code = "import sys, align.cli, align.pipeline; print('datatrove' in sys.modules, 'loguru' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]


def test_corrections_apply_the_same_with_two_workers(mixed_raw, one_process, tmp_path):
    """A review's verdicts are applied in the build's loop whichever path made the results:
    a wrong pair is gone, and the build is the one process's build with the same file."""
    import pyarrow.parquet as pq

    pairs = pq.read_table(next((one_process / "pairs").glob("*.parquet"))).to_pylist()
    target = next(p for p in pairs if p["doc_id"] == SEED_FORTUNE and p["kind"] == "name")
    corrections = tmp_path / "corrections.jsonl"
    corrections.write_text(json.dumps({"doc_id": target["doc_id"], "en": target["translation"]["en"],
                                       "zh": target["translation"]["zh"], "verdict": "wrong", "zh_fixed": None},
                                      ensure_ascii=False) + "\n", encoding="utf-8")
    outs = {}
    for workers in ("1", "2"):
        outs[workers] = tmp_path / f"w{workers}"
        result = runner.invoke(app, ["build", "--raw", str(mixed_raw), "--out", str(outs[workers]), "--workers",
                                     workers, "--no-cache", "--corrections", str(corrections)])
        assert result.exit_code == 0, result.output
    same_tree(outs["1"], outs["2"])
    after = pq.read_table(next((outs["2"] / "pairs").glob("*.parquet"))).to_pylist()
    key = (target["doc_id"], target["translation"]["en"], target["translation"]["zh"])
    assert key not in {(p["doc_id"], p["translation"]["en"], p["translation"]["zh"]) for p in after}
    assert len([p for p in after if p["kind"] != "linked"]) == len([p for p in pairs if p["kind"] != "linked"]) - \
        sum(1 for p in pairs if (p["doc_id"], p["translation"]["en"], p["translation"]["zh"]) == key)
