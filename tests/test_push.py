"""``align push`` against a stand-in Hub on 127.0.0.1 (tests/hub_server.py): the real
``huggingface_hub`` client uploads the publish view, and every failure is one line."""

import io
import json
import os
import shutil
import socket
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from align.cli import app
from align.dataset.load import read_config
from align.publish import restricted_documents

from .conftest import RAW, ROOT, SEED_FORTUNE, SEED_SUMMARY, seed_text
from .hub_server import GITATTRIBUTES, HubServer

runner = CliRunner()
TOKEN = "hf_" + "T" * 34
REPO = "someone/zh-en-quotes"
# A passage of the Hong Kong seed that holds no pair or link: a push must not carry it.
HELD_BACK = "000_8297485a0459a644/0018"


@pytest.fixture()
def hub(monkeypatch, tmp_path):
    """The stand-in Hub, and the client pointed at it. huggingface_hub reads HF_ENDPOINT
    into ``constants.ENDPOINT`` at import and ``HfApi()`` copies that value, so both are set."""
    import huggingface_hub.constants as constants

    server = HubServer(TOKEN).start()
    monkeypatch.setenv("HF_ENDPOINT", server.hub.url)
    monkeypatch.setattr(constants, "ENDPOINT", server.hub.url)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    yield server
    server.stop()


@pytest.fixture()
def build_copy(built, tmp_path):
    out, _ = built
    copy = tmp_path / "build"
    shutil.copytree(out, copy)
    return copy


def _set_redistribute(build_dir, value):
    """What the build writes into report.json for `redistribute = <value>` on every document."""
    path = build_dir / "report.json"
    report = json.loads(path.read_text(encoding="utf-8"))
    for d in report["documents"]:
        d["redistribute"] = value
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _push(build_dir):
    return runner.invoke(app, ["push", REPO, "--build", str(build_dir)])


def _dry_run(build_dir):
    result = runner.invoke(app, ["push", REPO, "--build", str(build_dir), "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    return [x for x in lines if not x.startswith("held back: ")], [x for x in lines if x.startswith("held back: ")]


def _rows(data: bytes) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(data)).to_pylist()


def _uploaded_text(files: dict[str, bytes]) -> str:
    """Everything a commit carried, as text (parquet read back into rows)."""
    parts = []
    for path, data in files.items():
        if path.endswith(".parquet"):
            parts.append(json.dumps(_rows(data), ensure_ascii=False))
        else:
            parts.append(data.decode("utf-8", errors="replace"))
    return "\n".join(parts)


def _held_back(build_dir) -> tuple[str, str]:
    """(text, text_original) of HELD_BACK, checked to be in the build and to hold no pair."""
    row = next(p for p in read_config(build_dir, "passages") if p["passage_id"] == HELD_BACK)
    assert not any(r["passage_id"] == HELD_BACK for r in read_config(build_dir, "pairs"))
    assert row["text_original"] in seed_text("000_8297485a0459a644") and len(row["text"]) > 40
    return row["text"][:30], row["text_original"][:30]


def _carries(files: dict[str, bytes], build_dir) -> bool:
    uploaded = _uploaded_text(files)
    return any(piece in uploaded for piece in _held_back(build_dir))


def test_push_uploads_only_the_sentences_of_pairs_and_links(hub, build_copy):
    files, held = _dry_run(build_copy)
    result = _push(build_copy)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"pushed {build_copy} to {hub.hub.url}/datasets/{REPO}/commit/")
    assert len(hub.hub.commits) == 1
    commit = hub.hub.commits[0]
    assert sorted(commit.added) == files and commit.deleted == []
    assert "report/index.html" not in commit.added and "tokenizer/spm.model" not in commit.added
    assert any(line.startswith("held back: report/index.html: ") for line in held)
    assert not _carries(commit.added, build_copy)

    published = _rows(commit.added["passages/train-00000-of-00001.parquet"])
    raws = {d: seed_text(d) for d in {p["doc_id"] for p in published}}
    for p in published:  # text_original is still exactly the original file's [start:end]
        assert raws[p["doc_id"]][p["start"]:p["end"]] == p["text_original"]
    for pair in _rows(commit.added["pairs/train-00000-of-00001.parquet"]):
        holders = [p for p in published if p["doc_id"] == pair["doc_id"] and p["start"] <= pair["start"]
                   and pair["end"] <= p["end"] and p["passage_id"] == pair["passage_id"]]
        assert holders, pair
        assert any(pair["context"] in p["text"] for p in holders)
    assert len(published) < len(read_config(build_copy, "passages"))
    # The card counts the rows published, in its metadata and its body.
    card = commit.added["README.md"].decode()
    assert f"num_examples: {len(published)}\n" in card and f"**passages** ({len(published)} rows:" in card
    # and names the repository it went to, where the build could not.
    assert f'load_dataset("{REPO}", "pairs"' in card and "OWNER/NAME" not in card


def test_second_push_deletes_what_the_new_build_no_longer_has(hub, build_copy):
    _set_redistribute(build_copy, True)
    assert restricted_documents(build_copy) == {}
    files, held = _dry_run(build_copy)
    assert "report/index.html" in files and "tokenizer/spm.model" in files and held == []
    assert _push(build_copy).exit_code == 0
    first = hub.hub.commits[0]
    assert first.added["passages/train-00000-of-00001.parquet"] == \
        (build_copy / "passages/train-00000-of-00001.parquet").read_bytes()
    assert _carries(first.added, build_copy)

    restricted = build_copy.parent / "restricted"
    shutil.copytree(build_copy, restricted)
    _set_redistribute(restricted, None)  # the default: no licence, so only the sentences of pairs and links
    result = _push(restricted)
    assert result.exit_code == 0, result.output
    second = hub.hub.commits[1]
    assert sorted(second.deleted) == ["report/index.html", "tokenizer/spm.model"]
    # Unchanged files are not sent again; the repository holds exactly the second push's files.
    assert "LICENSE.md" not in second.added and "passages/train-00000-of-00001.parquet" in second.added
    repo = hub.hub.repos[REPO]
    assert sorted(repo) == sorted(_dry_run(restricted)[0] + [".gitattributes"])
    assert repo[".gitattributes"] == GITATTRIBUTES
    assert not _carries({k: v for k, v in repo.items() if k != ".gitattributes"}, build_copy)


def _one_line(result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output and TOKEN not in result.output
    assert lines[0].startswith(f"PublishError: {REPO}: ")
    return lines[0]


def test_a_token_the_hub_refuses_is_one_line_about_the_token(hub, build_copy, monkeypatch):
    wrong = "hf_" + "W" * 34
    monkeypatch.setenv("HF_TOKEN", wrong)
    line = _one_line(_push(build_copy))
    assert "HTTP 401" in line and "HF_TOKEN" in line and wrong not in line
    assert hub.hub.commits == []


@pytest.mark.parametrize("route,status,needle", [
    ("create", 403, "write access"),
    ("tree", 404, "repository not found"),
    ("create", 429, "rate limited"),
    ("create", 500, "the Hub failed (HTTP 500); retry later"),
    ("create", 503, "HTTP 503"),
])
def test_hub_errors_are_one_line(hub, build_copy, route, status, needle):
    hub.hub.fail[route] = status
    line = _one_line(_push(build_copy))
    assert needle in line
    assert hub.hub.commits == []


def test_a_stopped_hub_is_one_line(hub, build_copy):
    hub.stop()
    line = _one_line(_push(build_copy))
    assert "refused the connection" in line and "127.0.0.1" in line


def test_push_in_a_fresh_process_reads_hf_endpoint(hub, build_copy):
    env = {**os.environ, "HF_ENDPOINT": hub.hub.url, "HF_TOKEN": TOKEN, "HF_HUB_DISABLE_TELEMETRY": "1"}
    out = subprocess.run([sys.executable, "-m", "align", "push", REPO, "--build", str(build_copy)],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"pushed {build_copy} to {hub.hub.url}/datasets/{REPO}/commit/")
    assert [c.repo_id for c in hub.hub.commits] == [REPO]


@pytest.mark.parametrize("error,message,needle", [
    ("ConnectError", "[Errno -2] Name or service not known", "cannot resolve"),
    ("ConnectError", "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", "no secure connection"),
    ("ReadTimeout", "The read operation timed out", "did not answer in time"),
    ("ConnectTimeout", "timed out", "did not answer in time"),
])
def test_transport_errors_name_what_to_do(error, message, needle):
    import httpx2  # the client huggingface_hub 2.x uses

    from align.push import _what_to_do

    line = _what_to_do(getattr(httpx2, error)(message), "https://huggingface.co", TOKEN)
    assert needle in line and "\n" not in line and "huggingface.co" in line


def test_nothing_listens_on_a_free_port():
    # The stopped-hub test relies on the port refusing, not timing out.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_a_manifest_licence_decides_what_is_published(tmp_path):
    from align.pipeline import build

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW / f"{SEED_FORTUNE}.txt", raw)
    shutil.copy(RAW / "001_88066083f094b5d5.txt", raw)
    (raw / "manifest.toml").write_text(
        f'[documents."{SEED_FORTUNE}.txt"]\ntitle = "Fortune"\nsource_url = "https://example.org/f"\n'
        'license = "cc-by-sa-4.0"\n\n'
        '[documents."001_88066083f094b5d5.txt"]\nlicense = "© the publisher"\n', encoding="utf-8")
    out = tmp_path / "build"
    build(raw, out, link=False, review=False)
    assert restricted_documents(out) == {
        "001_88066083f094b5d5": "licence '© the publisher' is not a known open licence"}
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "license: other\nlicense_name: per-source-licenses\nlicense_link: LICENSE.md\n" in card
    assert (f"| {SEED_FORTUNE.replace('_', chr(92) + '_')}.txt | Fortune | https://example.org/f | cc-by-sa-4.0 | in full "
            "(open licence cc-by-sa-4.0) |") in card
    assert "| 001\\_88066083f094b5d5.txt |  |  | © the publisher | only the sentences" in card
    assert "| 001\\_88066083f094b5d5.txt |" in (out / "LICENSE.md").read_text(encoding="utf-8")

    from align.push import publish_plan

    plan = publish_plan(out)
    held = [x for x in plan.held_back if x.startswith("001_")]
    assert len(held) == 1 and "left out" in held[0]
    assert not any(x.startswith(SEED_FORTUNE) for x in plan.held_back)


def test_one_open_licence_for_every_document_is_the_cards_licence(tmp_path):
    from align.dataset.card import license_fields

    assert license_fields([{"license": "CC-BY-4.0"}, {"license": "cc-by-4.0 "}]) == {"license": "cc-by-4.0"}
    assert license_fields([{"license": "MIT"}, {"license": None}])["license"] == "other"
    assert license_fields([])["license"] == "other"


def test_unmatched_verdicts_outside_the_published_sentences_stay_home(tmp_path):
    from align.pipeline import build
    from align.publish import stage
    from align.push import files_to_upload

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW / f"{SEED_SUMMARY}.txt", raw)  # no manifest: only the sentences of its pairs go
    verdicts = tmp_path / "corrections.jsonl"
    verdicts.write_text("".join(json.dumps({"doc_id": SEED_SUMMARY, "en": en, "zh": zh, "verdict": "wrong"},
                                           ensure_ascii=False) + "\n"
                                for en, zh in (("don’t give up", "不要"), ("looked back", "系统性地回顾"))),
                        encoding="utf-8")
    out = tmp_path / "build"
    build(raw, out, link=False, review=False, corrections_path=verdicts)
    unmatched = json.loads((out / "report.json").read_text(encoding="utf-8"))["corrections"]["unmatched"]
    assert [u["zh"] for u in unmatched] == ["不要", "系统性地回顾"]
    plan = stage(out, files_to_upload(out), tmp_path / "view")
    published = json.loads((tmp_path / "view" / "report.json").read_text(encoding="utf-8"))
    # 不要 sits in the published sentence of 不要放弃(don’t give up); 系统性地回顾 is in the article
    # but in no sentence of a pair.
    assert [u["zh"] for u in published["corrections"]["unmatched"]] == ["不要"]
    assert any("unmatched verdict(s) left out" in line for line in plan.held_back)


@pytest.fixture(scope="module")
def sharded_build(tmp_path_factory):
    """The seeds written in small shards (several files per config), so that a push of a
    handful of files can be made a large one."""
    from align.config import BuildConfig
    from align.pipeline import build

    out = tmp_path_factory.mktemp("sharded") / "build"
    build(RAW, out, BuildConfig(shard_bytes=10 * 1024, review=False))
    return out


def _several_commits_per_push(monkeypatch):
    """huggingface_hub 2's upload_folder commits a large folder in batches of 256 files or
    more: a batch of 4 makes these few files several commits."""
    from huggingface_hub import _upload_pipeline

    monkeypatch.setattr(_upload_pipeline, "COMMIT_SIZE_SCALE", [4] * len(_upload_pipeline.COMMIT_SIZE_SCALE))


def _globbed(card: bytes, files) -> dict[str, list[str]]:
    """``data_files`` glob of the card -> the files of ``files`` it matches."""
    import fnmatch

    import yaml

    meta = yaml.safe_load(card.decode().split("---\n")[1])
    return {d["path"]: sorted(f for f in files if fnmatch.fnmatch(f, d["path"]))
            for c in meta["configs"] for d in c["data_files"]}


def test_a_small_build_stays_one_commit_and_a_large_one_is_several(hub, sharded_build, monkeypatch):
    import align.push

    _several_commits_per_push(monkeypatch)  # upload_folder would split this one; a small push does not
    files, _ = _dry_run(sharded_build)
    assert len(files) > 8 and not align.push.is_large(sharded_build, files)
    assert _push(sharded_build).exit_code == 0
    assert len(hub.hub.commits) == 1 and sorted(hub.hub.commits[0].added) == files

    monkeypatch.setattr(align.push, "LARGE_PUSH_FILES", 4)
    assert align.push.is_large(sharded_build, files)
    hub.hub.repos[REPO] = {".gitattributes": GITATTRIBUTES}  # an empty repository again
    result = _push(sharded_build)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"pushed {sharded_build} to {hub.hub.url}/datasets/{REPO}/commit/")
    large = hub.hub.commits[1:]
    assert len(large) > 1
    assert sorted(f for c in large for f in c.added) == files  # each file in one commit
    assert sorted(hub.hub.repos[REPO]) == sorted(files + [".gitattributes"])


def test_a_large_push_cut_off_is_finished_by_running_it_again(hub, build_copy, sharded_build, monkeypatch):
    import align.push

    _set_redistribute(build_copy, True)
    assert _push(build_copy).exit_code == 0  # an earlier, one-file-per-split build
    before = set(hub.hub.repos[REPO])
    assert {"report/index.html", "passages/train-00000-of-00001.parquet"} <= before

    _several_commits_per_push(monkeypatch)
    monkeypatch.setattr(align.push, "LARGE_PUSH_BYTES", 0)
    files, _ = _dry_run(sharded_build)
    hub.hub.fail_after["commit"] = (3, 400)  # the earlier push's commit, then two more
    line = _one_line(_push(sharded_build))
    assert "HTTP 400" in line
    cut_off = hub.hub.commits[1:]
    assert len(cut_off) == 2
    sent = {f for c in cut_off for f in c.added}
    assert sent < set(files)
    # What the new build no longer has is gone already: the card's globs never match two builds' shards.
    assert set(hub.hub.repos[REPO]) == sent | (before & set(files)) | {".gitattributes"}

    hub.hub.fail_after.clear()
    result = _push(sharded_build)
    assert result.exit_code == 0, result.output
    again = hub.hub.commits[3:]
    resent = [f for c in again for f in c.added]
    assert sorted(resent) == sorted(set(resent)) and not set(resent) & sent  # the rest, nothing twice
    repo = hub.hub.repos[REPO]
    assert sorted(repo) == sorted(files + [".gitattributes"])
    staged = _staged(sharded_build)
    assert {path: repo[path] for path in files} == staged
    for glob, matched in _globbed(repo["README.md"], repo).items():
        config = glob.split("/")[0]
        assert matched == [p for p in files if p.startswith(f"{config}/train-")], glob


def _staged(build_dir) -> dict[str, bytes]:
    """What a push of ``build_dir`` sends: path -> bytes."""
    import tempfile
    from pathlib import Path

    from align.publish import stage
    from align.push import files_to_upload

    with tempfile.TemporaryDirectory() as tmp:
        plan = stage(build_dir, files_to_upload(build_dir), Path(tmp), REPO)
        return {rel: (Path(tmp) / rel).read_bytes() for rel in plan.files}


def test_a_large_push_that_fails_says_a_rerun_resumes_it(hub, sharded_build, monkeypatch):
    import align.push

    monkeypatch.setattr(align.push, "LARGE_PUSH_BYTES", 0)
    hub.hub.fail["create"] = 500
    line = _one_line(_push(sharded_build))
    assert "the Hub failed (HTTP 500); retry later (run the same push again to resume it" in line
