"""Upload a built dataset folder to the Hugging Face Hub in one commit.

The remote repository ends up holding exactly the build's files (what an earlier push
left and this build lacks is deleted in the same commit). Only the files of the build
folder are sent, never anything matching a secret
pattern; the token is read by ``huggingface_hub`` (``HF_TOKEN`` or the saved login)
and never printed: errors are reworded without it.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

from .errors import PublishError

# Never upload these, even if they end up in the build folder.
SECRET_PATTERNS = (".env", ".env.*", "*.pem", "*.key", "id_rsa", "id_rsa*", "id_ed25519*", ".netrc", "*.p12", ".git/*")
_TOKEN = re.compile(r"hf_[A-Za-z0-9]{20,}")


def files_to_upload(build_dir: Path) -> list[str]:
    """Relative paths that a push would upload, sorted; raise on a secret."""
    build_dir = Path(build_dir)
    if not (build_dir / "README.md").is_file():
        raise PublishError(f"{build_dir}: not a built dataset (no README.md); run `align build` first")
    root = build_dir.resolve()
    files = []
    for path in sorted(build_dir.rglob("*")):
        rel = path.relative_to(build_dir).as_posix()
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            raise PublishError(f"{build_dir.name}/{rel}: points outside the build folder; refusing to upload")
        if not path.is_file():
            continue
        name = path.name
        if any(fnmatch.fnmatch(name, pat) or fnmatch.fnmatch(rel, pat) for pat in SECRET_PATTERNS):
            raise PublishError(f"{build_dir.name}/{rel}: looks like a secret; refusing to upload")
        if "/." in "/" + rel:
            continue  # hidden files are not part of the dataset
        if path.suffix in {".md", ".json", ".html", ".txt", ".yaml", ".yml"}:
            if _TOKEN.search(path.read_text(encoding="utf-8", errors="replace")):
                raise PublishError(f"{build_dir.name}/{rel}: contains a Hugging Face token; refusing to upload")
        files.append(rel)
    return sorted(files)


def _redact(text: str, token: str | None) -> str:
    if token:
        text = text.replace(token, "***")
    return _TOKEN.sub("hf_***", text)


def _network_errors() -> tuple[type[Exception], ...]:
    """The transport errors of the HTTP client huggingface_hub uses (httpx2 from 2.0,
    httpx from 1.0, requests before): none is an OSError."""
    import importlib

    found: list[type[Exception]] = []
    for name in ("httpx2", "httpx"):
        try:
            found.append(importlib.import_module(name).HTTPError)
        except (ImportError, AttributeError):
            pass
    try:
        import requests

        found.append(requests.exceptions.RequestException)
    except ImportError:
        pass
    return tuple(found)


def push(build_dir: Path, repo_id: str, private: bool = False, token: str | None = None) -> str:
    """Create the dataset repo if needed and upload ``build_dir`` as one commit; return its URL."""
    files = files_to_upload(build_dir)
    from huggingface_hub import HfApi, get_token
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

    token = token or get_token()
    if not token:
        raise PublishError("no Hugging Face token: set HF_TOKEN or run `hf auth login`")
    api = HfApi(token=token)
    try:
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        info = api.upload_folder(
            folder_path=str(build_dir),
            repo_id=repo_id,
            repo_type="dataset",
            allow_patterns=files,
            # Files of an earlier push that this build no longer has go in the same commit
            # (the Hub keeps .gitattributes whatever the pattern).
            delete_patterns="*",
            commit_message="Update dataset built by align",
        )
    except RepositoryNotFoundError:
        raise PublishError(f"{repo_id}: repository not found, or the token may not write to it") from None
    except HfHubHTTPError as exc:
        status = getattr(getattr(exc, "response", None), "status_code", None)
        hint = {
            401: "the token is invalid or expired; log in again",
            403: "the token may not write to this repository; use a write token",
            404: "repository not found; check the name",
            429: "rate limited by the Hub; retry later (a retry is safe: one commit or nothing)",
        }.get(status, "retry later (a retry is safe: the upload is one commit)")
        raise PublishError(f"{repo_id}: the Hub refused the upload (HTTP {status}): {hint}") from None
    except (OSError, ValueError, *_network_errors()) as exc:
        raise PublishError(
            f"{repo_id}: upload failed ({_redact(type(exc).__name__ + ': ' + str(exc), token)[:200]}); "
            "check the network and retry (a retry is safe: the upload is one commit)"
        ) from None
    return str(getattr(info, "commit_url", "") or f"https://huggingface.co/datasets/{repo_id}")
