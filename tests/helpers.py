"""What the tests share: loopback servers (HTTP and SMTP), a work dir driving the CLI, the history of two runs.

Every server here listens on 127.0.0.1 only, on a port the system picks, and is a context manager
(``with PolicyServer() as server:``); conftest.py turns each into a fixture the same way.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import socket
import sqlite3
import textwrap
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Generic, Self, TypeVar

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner, Result

from tests import samples
from tracker.cli import cli
from tracker.demo import DemoResult
from tracker.run.check import Clock
from tracker.run.job import run_once

LOOPBACK = "127.0.0.1"
"""The only address a test server listens on, and the only one the tests contact."""

T = TypeVar("T")


# ----------------------------------------------------------------------------- the shared base


class Loopback(ABC, Generic[T]):
    """A server on 127.0.0.1 for the length of a ``with`` block; ``log`` is what it received, in order."""

    host = LOOPBACK

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.log: list[T] = []

    def record(self, entry: T) -> None:
        """Add one received request (or message) to the log."""
        with self.lock:
            self.log.append(entry)

    @abstractmethod
    def start(self) -> Self:
        """Start serving (in a daemon thread)."""

    @abstractmethod
    def stop(self) -> None:
        """Stop serving and close the listening socket."""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class Request:
    """One HTTP request a loopback server saw, and the status it answered."""

    method: str
    path: str
    """The path as requested, query string included."""
    headers: dict[str, str]
    body: bytes = b""
    status: int = 0

    def header(self, name: str) -> str | None:
        """A header's value, whatever the case it was sent in."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


@dataclass
class Answer:
    """What a loopback server sends back."""

    status: int
    body: bytes = b""
    content_type: str | None = "text/plain"
    headers: dict[str, str] = field(default_factory=dict)


class LoopbackHTTPServer(Loopback[Request]):
    """A ThreadingHTTPServer on 127.0.0.1, port 0, in a daemon thread; subclasses say what to ``respond``.

    Each request is logged (with the status answered) before the client can read the answer.
    """

    methods: tuple[str, ...] = ("GET",)
    protocol_version = "HTTP/1.1"
    """HTTP/1.1: connections are kept alive, as the payers' servers do."""
    poll_interval = 0.02
    """How often serve_forever looks for shutdown: stop() waits for it, at the end of every test."""

    def __init__(self) -> None:
        super().__init__()
        handler = type("Handler", (_Handler,), {"loopback": self, "protocol_version": self.protocol_version})
        self.httpd = ThreadingHTTPServer((self.host, 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": self.poll_interval},
            name=f"{type(self).__name__}-{self.port}",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://{self.host}:{self.port}"

    @abstractmethod
    def respond(self, request: Request) -> Answer:
        """The answer to one request (called from the request's thread)."""

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.thread.is_alive():
            self.httpd.shutdown()
            self.thread.join(timeout=5)
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    """Reads the request, asks the server for the answer, logs both, sends the answer."""

    disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms delayed-ACK stall per answer
    loopback: LoopbackHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve()

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(self.command, self.path, dict(self.headers), self.rfile.read(length) if length else b"")
        if self.command in self.loopback.methods:
            answer = self.loopback.respond(request)
        else:
            answer = Answer(501, b"unsupported method")
        request.status = answer.status
        self.loopback.record(request)  # before the client can see the answer
        self.send_response(answer.status)
        if answer.content_type:
            self.send_header("Content-Type", answer.content_type)
        for key, value in answer.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if answer.body:
            try:
                self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)


# ----------------------------------------------------------------------------- the payers' web sites


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


class PolicyServer(LoopbackHTTPServer):
    """The payers' sites: routes that tests set and change between runs; ETag/304, delays, failures first."""

    def __init__(self) -> None:
        super().__init__()
        self.routes: dict[str, Route] = {}

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
        return [(r.headers, r.status) for r in self.log if r.path == path]

    def respond(self, request: Request) -> Answer:
        with self.lock:
            route = self.routes.get(request.path)
            if route:
                route.hits += 1
        if route is None:
            return Answer(404, b"not found")
        if route.delay:
            time.sleep(route.delay)
        if route.hits <= route.fail_first:
            extra = {"Retry-After": route.retry_after} if route.retry_after else {}
            return Answer(route.fail_status, b"busy", headers=extra)
        etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"' if route.etag else None
        if etag and request.header("If-None-Match") == etag:
            return Answer(304, b"", None, {"ETag": etag})
        headers = dict(route.headers)
        if etag:
            headers["ETag"] = etag
        return Answer(route.status, route.body, route.content_type, headers)


# ----------------------------------------------------------------------------- Slack's incoming webhook

SLACK_TOKEN = "xoxSECRETwebhookTOKEN0123456789"
"""The secret part of the webhook URL: it must never show up in output, logs or the database."""


class SlackHook(LoopbackHTTPServer):
    """A stand-in for Slack's incoming webhook: records posts, answers from ``answers`` (then 200 "ok")."""

    methods = ("POST",)
    protocol_version = "HTTP/1.0"
    """One post per connection, closed after the answer."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[tuple[int, dict[str, str], bytes]] = []

    @property
    def url(self) -> str:
        """The webhook's URL, token included."""
        return f"{self.base}/services/T0000/B0000/{SLACK_TOKEN}"

    @property
    def posts(self) -> list[dict[str, Any]]:
        """Every post: its path, Content-Type and JSON body."""
        return [{"path": r.path, "type": r.header("Content-Type"), "json": json.loads(r.body)} for r in self.log]

    @property
    def payloads(self) -> list[dict[str, Any]]:
        return [p["json"] for p in self.posts]

    def respond(self, request: Request) -> Answer:
        json.loads(request.body)  # Slack takes JSON only
        with self.lock:
            status, headers, answer = self.answers.pop(0) if self.answers else (200, {}, b"ok")
        return Answer(status, answer, None, headers)


# ----------------------------------------------------------------------------- a real SMTP server

SMTP_USER = "tracker"
SMTP_PASSWORD = "pw-Secret-4711"


def free_port() -> int:
    """A port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


class Inbox:
    """aiosmtpd handler: passes what it receives to ``keep``, or refuses with a 5xx when told to."""

    def __init__(self, keep: Callable[[Any], None]) -> None:
        self.keep = keep
        self.refuse: str | None = None
        self.logins: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        if self.refuse:
            return self.refuse
        self.keep(envelope)
        return "250 OK queued"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        """Accepts SMTP_USER with SMTP_PASSWORD."""
        ok = (
            isinstance(data, LoginPassword)
            and data.login == SMTP_USER.encode()
            and data.password == SMTP_PASSWORD.encode()
        )
        if ok:
            self.logins.append(data.login)
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


class Mailbox(Loopback[Any]):
    """An SMTP server (aiosmtpd) on 127.0.0.1 and the messages it accepted.

    The port is picked once: ``stop()`` then ``start()`` is the same server going down and coming back.
    ``start()`` takes aiosmtpd's SMTP options (an authenticator, TLS contexts).
    """

    def __init__(self) -> None:
        super().__init__()
        self.port = free_port()
        self.inbox = Inbox(self.record)
        self.controller: Controller | None = None

    def start(self, **smtp_options: Any) -> Self:
        self.controller = Controller(self.inbox, hostname=self.host, port=self.port, **smtp_options)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(e.content, policy=email.policy.default) for e in self.log]


# ----------------------------------------------------------------------------- a work dir and the CLI

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


AETNA_PATH = "/cpb/medical/data/300_399/0374.html"


def aetna_only(url: str, extra: str = "") -> str:
    """A sources.toml body watching only Aetna's CPB 0374 at ``url`` (plus ``extra`` TOML)."""
    return f"""
        codes = ["64600"]

        [[source]]
        id = "aetna-0374"
        payer = "aetna"
        title = "Trigeminal Neuralgia: Treatments"
        url = "{url}"
        {extra}
    """


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


# ----------------------------------------------------------------------------- the history of two runs


def ticking(start: datetime) -> Clock:
    """A clock that moves one second per reading (thread-safe: fetch workers read it too)."""
    moments = iter(start + timedelta(seconds=i) for i in range(1_000_000))
    lock = threading.Lock()

    def read() -> datetime:
        with lock:
            return next(moments)

    return read


HISTORY_PATHS = {
    "aetna-0374": "/cpb/medical/data/300_399/0374.html",
    "cigna-0525": "/coveragePolicies/medical/mm_0525.pdf",
    "horizon-142": "/MedPol2.nsf/MedicalPolicies/HNBE-8TVP74",
    "anthem-cg-surg-89": "/medpolicies/CG-SURG-89.html",
}
"""The sources of ``build_history`` and where the loopback server serves them."""

RUN_1 = datetime(2026, 2, 1, 6, 0, tzinfo=UTC)
RUN_2 = datetime(2026, 4, 22, 6, 0, tzinfo=UTC)


def _serve_history(server: PolicyServer, version: int) -> None:
    server.set(HISTORY_PATHS["aetna-0374"], samples.aetna_cpb_html(version))
    server.set(HISTORY_PATHS["cigna-0525"], samples.cigna_policy_pdf(version), content_type="application/pdf")
    server.set(HISTORY_PATHS["horizon-142"], samples.horizon_range_html(version))
    anthem = samples.anthem_guideline_html(1) if version == 1 else samples.challenge_html()
    server.set(HISTORY_PATHS["anthem-cg-surg-89"], anthem)


def _history_sources(server: PolicyServer) -> str:
    entries = [
        ("aetna-0374", "aetna", None),
        ("cigna-0525", "cigna", None),
        ("horizon-142", "bcbs", "horizon-nj"),
        ("anthem-cg-surg-89", "bcbs", "anthem"),
    ]
    body = 'codes = ["64600"]\n'
    for sid, payer, plan in entries:
        plan_line = f'plan = "{plan}"\n' if plan else ""
        body += f'\n[[source]]\nid = "{sid}"\npayer = "{payer}"\n{plan_line}title = "{sid} policy"\n'
        body += f'url = "{server.url(HISTORY_PATHS[sid])}"\n'
    return body + textwrap.dedent(FAST_FETCH)


def build_history(root: Path) -> Path:
    """Run 1 on RUN_1 (version 1 of every policy), run 2 on RUN_2 (version 2; Anthem answers Access Denied).

    Returns the data dir.
    """
    with PolicyServer() as server:
        (root / "sources.toml").write_text(_history_sources(server), encoding="utf-8")
        for version, start in ((1, RUN_1), (2, RUN_2)):
            _serve_history(server, version)
            run_once(root / "sources.toml", root / "data", clock=ticking(start), env={}, notify=False)
    return root / "data"


# ----------------------------------------------------------------------------- a server that misbehaves on purpose

RawHandler = Callable[["RawHTTPServer", socket.socket], None]
"""Writes a whole answer, byte for byte, on a connection whose request has been read."""


class RawSocketServer(Loopback[str]):
    """A TCP server on 127.0.0.1 that hands each connection to ``_serve`` in a thread of its own.

    ``stopping`` is set when the server stops, so that a handler that drips its answer ends too.
    """

    def __init__(self) -> None:
        super().__init__()
        self.stopping = threading.Event()
        self.listener = socket.create_server((self.host, 0))
        self.listener.settimeout(0.05)
        self.thread = threading.Thread(target=self._accept, name=type(self).__name__, daemon=True)

    @property
    def port(self) -> int:
        return int(self.listener.getsockname()[1])

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.listener.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @abstractmethod
    def _serve(self, conn: socket.socket) -> None:
        """Talk on one accepted connection (and close it)."""


class RawHTTPServer(RawSocketServer):
    """An HTTP server on 127.0.0.1 that answers each path with a handler writing raw bytes to the socket.

    For answers no well-behaved server sends: a body dripped one byte at a time, a connection
    closed early, a gzip stream without its trailer. ``log`` holds the paths requested.
    """

    def __init__(self) -> None:
        super().__init__()
        self.routes: dict[str, RawHandler] = {}

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            request = b""
            try:
                while b"\r\n\r\n" not in request and len(request) < 65536:
                    data = conn.recv(4096)
                    if not data:
                        return
                    request += data
                path = request.split(b" ", 2)[1].decode("latin-1")
                self.record(path)
                handler = self.routes.get(path)
                if handler is None:
                    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                else:
                    handler(self, conn)
            except (OSError, IndexError):
                pass  # the client gave up, or sent no request line


def raw_answer(body: bytes, *, status: str = "200 OK", headers: dict[str, str] | None = None) -> bytes:
    """The bytes of an answer (Connection: close); Content-Length only when ``headers`` gives one."""
    lines = [f"HTTP/1.1 {status}", "Connection: close", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def demo_cli(demo: DemoResult, *args: str) -> Result:
    """The command line on a demo history (``tests/conftest.py``'s ``demo``)."""
    return CliRunner().invoke(cli, ["--sources", str(demo.sources), "--data", str(demo.data), *args])


def demo_rows(demo: DemoResult, sql: str) -> list[tuple[object, ...]]:
    """Rows of a query on a demo history's database."""
    with closing(sqlite3.connect(demo.data / "tracker.db")) as db:
        return db.execute(sql).fetchall()
