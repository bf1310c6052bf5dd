"""The Hub token never leaves through output, errors or the build; push sends only build files."""

from __future__ import annotations

import logging
import os
import shutil

import pytest
from typer.testing import CliRunner

from align.cli import app
from align.errors import PublishError
from align.push import files_to_upload

TOKEN = "hf_" + "T0kenSecret" * 3
runner = CliRunner()


def test_network_failure_message_redacts_the_token(built, monkeypatch, caplog):
    from huggingface_hub import HfApi

    out, _ = built
    monkeypatch.setenv("HF_TOKEN", TOKEN)

    def fail(self, *args, **kwargs):
        raise OSError(f"connection reset while sending Authorization: Bearer {TOKEN}")

    monkeypatch.setattr(HfApi, "create_repo", fail)
    caplog.set_level(logging.DEBUG)
    result = runner.invoke(app, ["push", "someone/x", "--build", str(out)])
    assert result.exit_code == 1
    assert TOKEN not in result.output and TOKEN not in caplog.text
    assert "retry" in result.output and len(result.output.strip().splitlines()) == 1


def test_files_pointing_outside_the_build_are_refused(built, tmp_path):
    out, _ = built
    copy = tmp_path / "b"
    shutil.copytree(out, copy)
    (tmp_path / "outside.txt").write_text("not part of the dataset")
    os.symlink(tmp_path / "outside.txt", copy / "extra.txt")
    with pytest.raises(PublishError, match="points outside the build folder"):
        files_to_upload(copy)


@pytest.mark.parametrize("name", ["key.pem", "id_rsa", ".env", "server.key"])
def test_secret_files_are_refused(built, tmp_path, name):
    out, _ = built
    copy = tmp_path / "b"
    shutil.copytree(out, copy)
    (copy / name).write_text("secret")
    with pytest.raises(PublishError, match="looks like a secret"):
        files_to_upload(copy)


def test_a_token_inside_a_text_file_is_refused(built, tmp_path):
    out, _ = built
    copy = tmp_path / "b"
    shutil.copytree(out, copy)
    (copy / "notes.md").write_text(f"my token is {TOKEN}")
    with pytest.raises(PublishError, match="contains a Hugging Face token") as info:
        files_to_upload(copy)
    assert TOKEN not in str(info.value)
