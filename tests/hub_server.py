"""A small stand-in for the Hub on 127.0.0.1: the endpoints the real ``huggingface_hub``
client calls for ``create_repo``, ``upload_folder`` (one commit or, for a large folder, its
streamed upload in several), ``list_repo_files``, ``create_commit`` and
``upload_large_folder`` (validate-yaml, preupload, the repo tree, commit, repo info), so a
push runs the real client code end to end.

Every file is answered ``uploadMode: regular`` (its bytes travel base64 in the commit), so
no LFS or Xet storage is needed. The hub records each commit (files added, files deleted)
and holds the repository's files; ``fail`` makes a route answer an HTTP error, and
``fail_after`` makes it do so after a number of calls (an upload cut off midway).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

GITATTRIBUTES = b"*.parquet filter=lfs diff=lfs merge=lfs -text\n"
_REPO_ROUTE = re.compile(r"^/api/datasets/(?P<repo>[^/]+/[^/]+)(?:/(?P<op>preupload|commit|tree|revision)/(?P<rev>[^/]+))?")


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Commit:
    repo_id: str
    summary: str
    added: dict[str, bytes]
    deleted: list[str]


@dataclass
class FakeHub:
    token: str
    url: str = ""
    repos: dict[str, dict[str, bytes]] = field(default_factory=dict)
    commits: list[Commit] = field(default_factory=list)
    fail: dict[str, int] = field(default_factory=dict)  # route name -> HTTP status to answer
    # route name -> (calls answered first, HTTP status for the calls after): a push cut off midway
    fail_after: dict[str, tuple[int, int]] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)  # route name -> calls so far
    requests: list[str] = field(default_factory=list)  # "METHOD route" in order


class _Handler(BaseHTTPRequestHandler):
    hub: FakeHub

    def log_message(self, *args) -> None:  # quiet: pytest shows failures, not access logs
        pass

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, method: str) -> None:
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        match = _REPO_ROUTE.match(path)
        if path == "/api/repos/create":
            name = "create"
        elif path == "/api/validate-yaml":
            name = "validate"
        elif match:
            name = match["op"] or "info"
        else:
            return self._send(404, {"error": f"no route {method} {path}"})
        self.hub.requests.append(f"{method} {name}")
        self.hub.calls[name] = self.hub.calls.get(name, 0) + 1
        answered, late = self.hub.fail_after.get(name, (None, None))
        if name in self.hub.fail or (answered is not None and self.hub.calls[name] > answered):
            status = self.hub.fail.get(name, late)
            headers = {"X-Error-Code": "RepoNotFound"} if status == 404 else {}
            return self._send(status, {"error": f"failing {name} on purpose"}, headers)
        if self.headers.get("Authorization") != f"Bearer {self.hub.token}":
            return self._send(401, {"error": "Invalid username or password."})
        if name == "create":
            return self._create(json.loads(body))
        if name == "validate":
            return self._send(200, {"errors": [], "warnings": []})
        repo_id = match["repo"]
        files = self.hub.repos.get(repo_id)
        if files is None:
            return self._send(404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
        if name == "info":
            return self._send(200, {"id": repo_id, "sha": self._sha(repo_id), "private": False,
                                    "siblings": [{"rfilename": p} for p in sorted(files)]})
        if name == "tree":
            return self._send(200, [{"type": "file", "path": p, "size": len(d), "oid": git_blob_sha1(d)}
                                    for p, d in sorted(files.items())])
        if name == "preupload":
            asked = json.loads(body)["files"]
            return self._send(200, {"files": [
                {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False,
                 "oid": git_blob_sha1(files[f["path"]]) if f["path"] in files else None} for f in asked]})
        return self._commit(repo_id, files, body)

    def _create(self, payload: dict) -> None:
        repo_id = f"{payload['organization']}/{payload['name']}"
        url = f"{self.hub.url}/datasets/{repo_id}"
        if repo_id in self.hub.repos:
            return self._send(409, {"error": "You already created this dataset repo", "url": url})
        self.hub.repos[repo_id] = {".gitattributes": GITATTRIBUTES}
        self._send(200, {"url": url, "name": repo_id})

    def _commit(self, repo_id: str, files: dict[str, bytes], body: bytes) -> None:
        summary, added, deleted = "", {}, []
        for line in body.splitlines():
            item = json.loads(line)
            value = item["value"]
            if item["key"] == "header":
                summary = value["summary"]
            elif item["key"] == "file":
                added[value["path"]] = base64.b64decode(value["content"])
            elif item["key"] == "deletedFile":
                deleted.append(value["path"])
            else:
                return self._send(400, {"error": f"this stand-in does not take {item['key']}"})
        for path in deleted:
            files.pop(path, None)
        files.update(added)
        self.hub.commits.append(Commit(repo_id, summary, added, deleted))
        oid = self._sha(repo_id)
        self._send(200, {"commitUrl": f"{self.hub.url}/datasets/{repo_id}/commit/{oid}", "commitOid": oid,
                         "success": True})

    def _sha(self, repo_id: str) -> str:
        return hashlib.sha1(f"{repo_id}:{len(self.hub.commits)}".encode()).hexdigest()

    def _send(self, status: int, payload, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


class HubServer:
    """The stand-in served on a free port of 127.0.0.1 from a thread."""

    def __init__(self, token: str):
        self.hub = FakeHub(token=token)
        handler = type("Handler", (_Handler,), {"hub": self.hub})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.hub.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> HubServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
