"""Upload the publish view of a build (:mod:`align.publish`) to the Hugging Face Hub.

A build of at most :data:`LARGE_PUSH_BYTES` and :data:`LARGE_PUSH_FILES` goes in one
commit (``create_commit``): what an earlier push left and this one lacks is deleted in the
same commit. A larger one is uploaded the resumable way, in several commits, and a push
that breaks off is finished by running it again (what is committed is not sent again):
with ``upload_folder``, which is that upload in recent huggingface_hub (1.33 and 2.4 were
tried; with ``hf_xet``; the deletions ride its first commit), or on an older client with
``upload_large_folder`` (0.25 on; it cannot delete, so the files an earlier push left go
first, in a commit of their own).

The remote repository ends up holding exactly the published files. Only files of the
build folder are sent, never anything matching a secret pattern; the token is read by
``huggingface_hub`` (``HF_TOKEN`` or the saved login) and never printed. Every failure
of the Hub or the network is one :class:`PublishError` line saying what to do.
"""

from __future__ import annotations

import fnmatch
import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from .errors import PublishError
from .publish import PublishPlan, stage

# Never upload these, even if they end up in the build folder.
SECRET_PATTERNS = (".env", ".env.*", "*.pem", "*.key", "id_rsa", "id_rsa*", "id_ed25519*", ".netrc", "*.p12", ".git/*")
_TOKEN = re.compile(r"hf_[A-Za-z0-9]{20,}")
# Above either, a push is large: resumable, in several commits. A single commit should stay
# well below the Hub's limits (a few GB, about a hundred files; huggingface_hub's own
# upload_folder splits at 256 files).
LARGE_PUSH_BYTES = 1024**3
LARGE_PUSH_FILES = 100
COMMIT_MESSAGE = "Update dataset built by align"


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


def publish_plan(build_dir: Path) -> PublishPlan:
    """What a push of ``build_dir`` would upload and hold back (``align push --dry-run``)."""
    files = files_to_upload(build_dir)
    with tempfile.TemporaryDirectory(prefix="align-push-") as tmp:
        return stage(build_dir, files, Path(tmp))


def push(build_dir: Path, repo_id: str, private: bool = False, token: str | None = None) -> str:
    """Create the dataset repo if needed and upload the publish view of ``build_dir``: one
    commit, or for a large build (:func:`is_large`) the resumable upload; return the URL of
    the (last) commit."""
    files = files_to_upload(build_dir)
    from huggingface_hub import HfApi, get_token

    token = token or get_token()
    if not token:
        raise PublishError("no Hugging Face token: set HF_TOKEN or run `hf auth login`")
    api = HfApi(token=token)
    with tempfile.TemporaryDirectory(prefix="align-push-") as tmp:
        plan = stage(build_dir, files, Path(tmp), repo_id)
        large = is_large(Path(tmp), plan.files)
        try:
            api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
            if large:
                url = _upload_large(api, Path(tmp), repo_id, plan.files)
            else:
                url = _one_commit(api, Path(tmp), repo_id, plan.files)
        except (OSError, ValueError, RuntimeError, *_network_errors()) as exc:
            # HfHubHTTPError and hf_xet's errors are OSErrors; the HTTP client's are not.
            raise PublishError(f"{repo_id}: {_what_to_do(exc, api.endpoint, token, large)}") from None
    return url or f"https://huggingface.co/datasets/{repo_id}"


def is_large(folder: Path, files: list[str]) -> bool:
    """Whether ``files`` of ``folder`` are more than one commit should carry: more than
    :data:`LARGE_PUSH_FILES` files or :data:`LARGE_PUSH_BYTES` bytes (read when called)."""
    return len(files) > LARGE_PUSH_FILES or sum((folder / rel).stat().st_size for rel in files) > LARGE_PUSH_BYTES


def _one_commit(api, folder: Path, repo_id: str, files: list[str]) -> str:
    """``files`` of ``folder`` and the deletion of what an earlier push left and this one
    lacks, in one commit (``create_commit``: the streamed ``upload_folder`` of recent clients
    commits in batches of its own choosing); return its URL. Files the Hub holds unchanged
    are not sent."""
    from huggingface_hub import CommitOperationAdd

    operations = _deletions(api, repo_id, files) + [CommitOperationAdd(rel, str(folder / rel)) for rel in files]
    info = api.create_commit(repo_id, repo_type="dataset", operations=operations, commit_message=COMMIT_MESSAGE)
    return str(getattr(info, "commit_url", "") or "")


def _deletions(api, repo_id: str, files: list[str]) -> list:
    """A delete operation for each remote file not among ``files`` (the Hub's own
    ``.gitattributes`` stays)."""
    from huggingface_hub import CommitOperationDelete

    kept = set(files) | {".gitattributes"}
    return [CommitOperationDelete(p) for p in sorted(api.list_repo_files(repo_id, repo_type="dataset"))
            if p not in kept]


def _upload_large(api, folder: Path, repo_id: str, files: list[str]) -> str:
    """Upload ``files`` of ``folder`` resumably, in several commits, and delete the remote
    files that are not among them; return the URL of the last commit."""
    upload_large_folder = getattr(api, "upload_large_folder", None)
    if _streamed_upload_folder() or upload_large_folder is None:
        # The streamed upload_folder replaced upload_large_folder (deprecated in 1.33, absent
        # from 2.4): committed in batches, resumed by running it again; the deletions go in
        # its first commit. (A client older than both has one commit only.)
        info = api.upload_folder(folder_path=str(folder), repo_id=repo_id, repo_type="dataset",
                                 allow_patterns=files, delete_patterns="*", commit_message=COMMIT_MESSAGE)
        return str(getattr(info, "commit_url", "") or "")
    # upload_large_folder cannot delete: what an earlier push left and this one lacks goes
    # first, in a commit of its own (first, so the card's globs never see two builds' shards).
    deletions = _deletions(api, repo_id, files)
    if deletions:
        api.create_commit(repo_id, repo_type="dataset", operations=deletions,
                          commit_message=f"{COMMIT_MESSAGE}: remove the files it no longer has")
    upload_large_folder(repo_id=repo_id, folder_path=str(folder), repo_type="dataset", allow_patterns=files,
                        print_report=False)
    sha = api.repo_info(repo_id, repo_type="dataset").sha
    return f"{api.endpoint}/datasets/{repo_id}/commit/{sha}"


def _streamed_upload_folder() -> bool:
    """Whether this client's ``upload_folder`` is the streamed, resumable upload in several
    commits: the module that makes it is there (not in huggingface_hub 1.3, in 1.33), and
    ``hf_xet``, without which ``upload_folder`` makes one commit."""
    from importlib.util import find_spec

    return find_spec("huggingface_hub._upload_pipeline") is not None and find_spec("hf_xet") is not None


_RETRY = "a retry is safe: the upload is one commit"
_RESUME = "run the same push again to resume it: what is committed is not sent again"
_LOGIN = "set HF_TOKEN to a write token or run `hf auth login`"


def _what_to_do(exc: Exception, endpoint: str, token: str | None, large: bool = False) -> str:
    """One line: what went wrong and what to do, the token redacted."""
    retry = _RESUME if large else _RETRY
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled, RepositoryNotFoundError

    host = urlsplit(endpoint).netloc or endpoint
    detail = _redact(" ".join(f"{type(exc).__name__}: {exc}".split()), token)[:200]
    if isinstance(exc, OfflineModeIsEnabled):
        return "HF_HUB_OFFLINE is set, so nothing can be pushed; unset it and retry"
    if isinstance(exc, HfHubHTTPError):
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if status == 401:
            return f"the Hub did not accept the token (HTTP 401: invalid or expired); {_LOGIN}"
        if status == 403:
            return f"the token may not write to this repository (HTTP 403); use a token with write access: {_LOGIN}"
        if status == 404 or isinstance(exc, RepositoryNotFoundError):
            return (f"repository not found (HTTP {status}); check the name (owner/name) and that the token's "
                    "account may write to it")
        if status == 429:
            return f"rate limited by the Hub (HTTP 429); wait a few minutes and retry ({retry})"
        if status is not None and status >= 500:
            return f"the Hub failed (HTTP {status}); retry later ({retry})"
        return f"the Hub refused the upload (HTTP {status}: {detail}); fix what it names and retry"
    names = {cls.__name__ for cls in type(exc).__mro__}
    text = str(exc).lower()
    if names & {"TimeoutException", "Timeout", "TimeoutError"}:
        return f"{host} did not answer in time ({detail}); check the network or proxy and retry ({retry})"
    if "ssl" in text or "certificate" in text or "tls" in text:
        return (f"no secure connection to {host} ({detail}); check the system clock, a proxy that intercepts "
                "HTTPS, or SSL_CERT_FILE")
    if any(s in text for s in ("name or service not known", "nodename nor servname", "getaddrinfo",
                                "name resolution", "no address associated")):
        return f"cannot resolve {host} ({detail}); check the network, or HF_ENDPOINT if set"
    if "refused" in text:
        return f"{host} refused the connection ({detail}); check HF_ENDPOINT, the proxy and the network, then retry"
    return f"upload failed ({detail}); check the network and retry ({retry})"


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
