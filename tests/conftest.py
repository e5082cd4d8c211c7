"""Shared fixtures: a real HTTP server on loopback, a work dir with sources.toml, the CLI runner."""

from __future__ import annotations

import hashlib
import json
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result


@dataclass
class Route:
    """What the server answers on one path."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    etag: bool = False
    delay: float = 0.0
    fail_first: int = 0
    fail_status: int = 503
    retry_after: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hits: int = 0


class PolicyServer:
    """A loopback HTTP server whose routes tests set and change between runs."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[tuple[str, dict[str, str], int]] = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), {"policy": self}))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        """The full URL of a path on this server."""
        return self.base + path

    def set(self, path: str, body: bytes, **options: Any) -> Route:
        """Serve ``body`` on ``path`` from now on."""
        route = Route(body, **options)
        with self.lock:
            self.routes[path] = route
        return route

    def hits(self, path: str) -> list[tuple[dict[str, str], int]]:
        """The requests seen on a path: (headers, status answered)."""
        return [(h, s) for p, h, s in self.log if p == path]


class _Handler(BaseHTTPRequestHandler):
    """Answers from the PolicyServer's routes: ETag/304, delays, failures before success."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms delayed-ACK stall per answer
    policy: PolicyServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        with self.policy.lock:
            route = self.policy.routes.get(self.path)
            if route:
                route.hits += 1
        self._answer(route)

    def _answer(self, route: Route | None) -> int:
        if route is None:
            return self._send(404, b"not found", "text/plain")
        if route.delay:
            time.sleep(route.delay)
        if route.hits <= route.fail_first:
            extra = {"Retry-After": route.retry_after} if route.retry_after else {}
            return self._send(route.fail_status, b"busy", "text/plain", extra)
        etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"' if route.etag else None
        if etag and self.headers.get("If-None-Match") == etag:
            return self._send(304, b"", None, {"ETag": etag})
        headers = dict(route.headers)
        if etag:
            headers["ETag"] = etag
        return self._send(route.status, route.body, route.content_type, headers)

    def _send(self, status: int, body: bytes, ctype: str | None, headers: dict[str, str] | None = None) -> int:
        self.policy.log.append((self.path, dict(self.headers), status))  # before the client can see the answer
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)
        return status


@pytest.fixture
def server() -> Iterator[PolicyServer]:
    """A PolicyServer listening on 127.0.0.1 for the test's duration."""
    srv = PolicyServer()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No TRACKER_* variable of the developer's shell leaks into a test."""
    import os

    for key in list(os.environ):
        if key.startswith("TRACKER_"):
            monkeypatch.delenv(key)


FAST_FETCH = """
[fetch]
delay = 0
retries = 1
backoff = 0.01
timeout = 2
read_timeout = 1
"""


@dataclass
class Workdir:
    """A directory with a sources.toml and a data dir, and a way to run the CLI in it."""

    path: Path

    @property
    def sources(self) -> Path:
        return self.path / "sources.toml"

    @property
    def data(self) -> Path:
        return self.path / "data"

    def write_sources(self, body: str, fetch: str = FAST_FETCH) -> Path:
        self.sources.write_text(textwrap.dedent(body) + fetch, encoding="utf-8")
        return self.sources

    def cli(self, *args: str) -> Result:
        from tracker.cli import cli

        runner = CliRunner()
        return runner.invoke(cli, ["--sources", str(self.sources), "--data", str(self.data), *args])

    def json(self, *args: str) -> Any:
        result = self.cli(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


CIGNA_PDF_PATH = "/coveragePolicies/medical/mm_0525.pdf"


def cigna_only(server: PolicyServer, extra: str = "") -> str:
    """A sources.toml body watching only the Cigna 0525 PDF on the loopback server (plus ``extra`` TOML)."""
    return f"""
        codes = ["64600"]

        [[source]]
        id = "cigna-0525"
        payer = "cigna"
        title = "Peripheral Nerve Destruction for Pain Conditions"
        url = "{server.url(CIGNA_PDF_PATH)}"
        {extra}
    """


@pytest.fixture
def work(tmp_path: Path) -> Workdir:
    """A fresh work dir."""
    return Workdir(tmp_path)
