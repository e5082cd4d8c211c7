"""HTTP: one GET per source, polite and patient; the body read within its cap and its deadline.

Retries with exponential backoff (connection errors, 429, 5xx, honouring
Retry-After) are urllib3's ``Retry``; this module adds conditional GET, the size
cap, the per-document deadline (``[fetch] deadline``, retries included, from the
connect to the body's last byte: a server that drips one byte every few seconds,
headers included, is cut off by the watchdog, ``watched``), the check that a body arrived
whole (its Content-Length, its chunked end, its gzip trailer) and the redirect
guard (``guard``), then asks ``verdict`` whether the body is a usable document.
A failure raises FetchError with an ``error_class`` for the fetch log. What the
server said (reason, headers, location) is cleaned of escapes first (``hygiene``).
"""

from __future__ import annotations

import re
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Self

import requests
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from tracker.config.sources import FetchSettings, Source
from tracker.errors import FetchError
from tracker.fetch.guard import Resolver, check_redirect, system_resolver
from tracker.fetch.hygiene import VALIDATOR_LIMIT, clean_error, clean_fetched, header, reason
from tracker.fetch.verdict import check_body
from tracker.fetch.watched import WatchedAdapter
from tracker.models import ErrorClass, Fetched, Kind
from tracker.watchdog import watching

__all__ = [
    "Fetched",
    "GuardedSession",
    "PoliteRetry",
    "Validators",
    "check_body",
    "error_class_of",
    "fetch",
    "make_session",
    "read_capped",
    "reason_of",
]

RETRY_STATUSES = (429, 500, 502, 503, 504)
_CHUNK = 64 * 1024
_GZIP = ("gzip", "x-gzip")
_DEADLINE = threading.local()
"""The deadline of the document this thread is fetching: ``at`` (monotonic) and ``seconds``."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Within the block, this thread's fetch must end ``seconds`` from now, retries included.

    Checked between reads, and enforced by the watchdog (``watched``): when the seconds are up, the
    fetch's sockets are shut, so that a server dripping its status line or headers is cut off too.
    """
    previous = getattr(_DEADLINE, "state", None)
    _DEADLINE.state = (time.monotonic() + seconds, seconds)
    try:
        with watching(seconds):
            yield
    finally:
        _DEADLINE.state = previous


def remaining() -> float | None:
    """Seconds left before this thread's deadline (None: no deadline)."""
    state = getattr(_DEADLINE, "state", None)
    return None if state is None else state[0] - time.monotonic()


def past_deadline(url: str, after: float = 0.0) -> FetchError | None:
    """The deadline's FetchError when it has passed (or will within ``after`` seconds), else None."""
    left = remaining()
    if left is None or left > after:
        return None
    seconds = _DEADLINE.state[1]
    return FetchError(
        f"{url}{': ' if url else ''}not done within the {seconds:g}-second deadline for one document "
        "([fetch] deadline, retries included); the server is too slow or drips its answer; the next run tries again",
        error_class="timeout",
    )


@dataclass(frozen=True)
class Validators:
    """What the last good capture of a source said about itself, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


class PoliteRetry(Retry):
    """urllib3's Retry, except that a Retry-After beyond ``max_retry_after`` ends the attempt.

    Honouring "Retry-After: 3600" three times would hold the run (and its lock) for hours.
    """

    max_retry_after = 120.0

    def sleep_for_retry(self, response: BaseHTTPResponse) -> bool:
        seconds = self.get_retry_after(response)
        if seconds is not None and seconds > self.max_retry_after:
            # A FetchError is no OSError, so requests lets it through unwrapped; ``fetch`` adds the URL.
            raise FetchError(
                f"HTTP {response.status} asking to retry after {seconds:.0f} s, longer than the "
                f"{self.max_retry_after:.0f} s a run waits ([fetch] max_retry_after); the next run tries again",
                error_class="http-status",
                http_status=response.status,
            )
        return super().sleep_for_retry(response)

    def increment(self, *args: Any, **kwargs: Any) -> Self:
        """Count the attempt; a second refusal or DNS failure in a row ends it (fail fast, no backoff)."""
        error = kwargs.get("error", args[3] if len(args) > 3 else None)
        if isinstance(error, NewConnectionError) and any(isinstance(h.error, NewConnectionError) for h in self.history):
            return Retry.increment(self.new(connect=0), *args, **kwargs)
        return super().increment(*args, **kwargs)

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        """Wait before the next attempt, unless the wait would pass the document's deadline."""
        asked = self.get_retry_after(response) if response is not None else None
        if asked is None or asked <= self.max_retry_after:  # a longer wait is refused for its own reason
            late = past_deadline("", after=asked or self.get_backoff_time())
            if late:
                raise late
        super().sleep(response)


class GuardedSession(requests.Session):
    """A Session whose redirects pass the guard: http(s) only, and never into a private network (``guard``)."""

    def __init__(self, resolve: Resolver = system_resolver) -> None:
        super().__init__()
        self.resolve = resolve
        self.written_url: str | None = None
        """The URL as written in sources.toml, for the request in progress: its host is the operator's choice."""

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        try:
            location = super().get_redirect_target(resp)
        except UnicodeDecodeError:  # requests reads a Location header as UTF-8
            resp.close()
            raise FetchError(
                f"HTTP {resp.status_code} redirect to a location that is not UTF-8 text ({reason(resp)}), refused",
                error_class="http-status",
                http_status=resp.status_code,
            ) from None
        if location:
            try:
                check_redirect(self.written_url or resp.url, resp.url, location, self.resolve)
            except FetchError as exc:
                exc.http_status = resp.status_code
                resp.close()
                raise
        return location


def make_session(settings: FetchSettings, resolve: Resolver = system_resolver) -> requests.Session:
    """A Session with the tracker's User-Agent, retry policy and redirect guard.

    A refused connection or a DNS failure (urllib3's NewConnectionError) gets one immediate retry
    at most: an unreachable network fails in milliseconds, not after minutes of backoff.
    """
    retry_class = type("Retry", (PoliteRetry,), {"max_retry_after": settings.max_retry_after})
    retry = retry_class(
        total=settings.retries,
        connect=settings.retries,
        read=settings.retries,
        status=settings.retries,
        backoff_factor=settings.backoff,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = GuardedSession(resolve)
    adapter = WatchedAdapter(max_retries=retry)  # a ``deadline`` block shuts its connections when it ends
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = settings.user_agent
    session.headers["Accept-Encoding"] = "gzip"  # the one compression whose end ``read_capped`` checks itself
    return session


def fetch(
    source: Source, session: requests.Session, settings: FetchSettings, validators: Validators | None = None
) -> Fetched:
    """GET a source's URL and check the body, all within ``[fetch] deadline``; raise FetchError on any failure."""
    guarded = session if isinstance(session, GuardedSession) else None
    if guarded:
        guarded.written_url = source.url
    try:
        with deadline(settings.deadline):
            return clean_fetched(_fetch(source, session, settings, validators))
    except FetchError as exc:  # a server's words may be in it: a reason phrase, a header, a location
        clean_error(exc)
        raise
    finally:
        if guarded:
            guarded.written_url = None


def _timeouts(settings: FetchSettings) -> tuple[float, float]:
    """(connect, read) timeouts, neither beyond the deadline."""
    left = remaining()
    left = settings.deadline if left is None else max(0.01, left)
    return min(settings.timeout, left), min(settings.read_timeout, left)


def _fetch(
    source: Source, session: requests.Session, settings: FetchSettings, validators: Validators | None
) -> Fetched:
    headers = {}
    if validators and validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators and validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    try:
        response = session.get(source.url, headers=headers, timeout=_timeouts(settings), stream=True)
    except FetchError as exc:  # PoliteRetry (waits too long, the deadline) or the redirect guard
        raise FetchError(
            f"{source.url}: {exc.message}", error_class=exc.error_class, http_status=exc.http_status
        ) from exc
    except requests.RequestException as exc:
        late = past_deadline(source.url)
        if late:
            raise late from exc
        raise FetchError(f"{source.url}: {reason_of(exc)}", error_class=error_class_of(exc)) from exc
    with response:
        if response.status_code == 304:
            return _fetched(source, response, b"", None, not_modified=True)
        if response.status_code >= 400:
            raise FetchError(
                f"{source.url}: HTTP {response.status_code} {reason(response)}",
                error_class="http-status",
                http_status=response.status_code,
            )
        body = read_capped(source, response, settings.max_bytes)
    try:
        kind = check_body(source, body, header(response.headers.get("Content-Type"), VALIDATOR_LIMIT))
    except FetchError as exc:
        exc.body = body
        raise
    return _fetched(source, response, body, kind)


def _fetched(
    source: Source, response: requests.Response, body: bytes, kind: Kind | None, *, not_modified: bool = False
) -> Fetched:
    return Fetched(
        url=source.url,
        http_status=response.status_code,
        body=body,
        content_type=response.headers.get("Content-Type"),
        kind=kind,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        not_modified=not_modified,
        final_url=response.url if response.url != source.url else None,
    )


def error_class_of(exc: requests.RequestException) -> ErrorClass:
    """The error class of a requests failure: timeout or network.

    requests reports a read timeout after retries as a ConnectionError, so the cause decides.
    """
    if isinstance(exc, requests.Timeout):
        return "timeout"
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if isinstance(reason, NewConnectionError):  # a subclass of ConnectTimeoutError, but a refusal
        return "network"
    if isinstance(reason, (ReadTimeoutError, ConnectTimeoutError)):
        return "timeout"
    return "network"


def reason_of(exc: requests.RequestException) -> str:
    """The innermost, readable cause of a requests error, without the libraries' object reprs (issue 22)."""
    reason = exc.args[0] if exc.args else exc
    inner = getattr(reason, "reason", None)
    return plain_reason(str(inner or reason))


_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>:?\s*")
_POOL = re.compile(r"^\w+ConnectionPool\([^)]*\): Max retries exceeded with url: \S+ \(Caused by \w+\((.*)\)\)$")
_ERRNO = re.compile(r"\[Errno -?\d+\]\s*")
_CONNECTION = re.compile(r"\w*Connection\(host=[^)]*\):\s*")
_PLAIN = (("Failed to establish a new connection: ", "cannot connect: "), ("Connection refused", "connection refused"))


def plain_reason(text: str) -> str:
    """A library's error text as a person reads it: "Failed to establish a new connection: Connection refused".

    Drops ``<urllib3.connection.HTTPConnection object at 0x…>``, the connection pool's wrapper and
    errno numbers; what is left is the cause itself.
    """
    pooled = _POOL.match(text.strip())
    if pooled:
        text = pooled.group(1).strip("'\"")
    text = _CONNECTION.sub("", _ERRNO.sub("", _OBJECT_REPR.sub("", text))).strip()
    for wordy, plain in _PLAIN:
        text = text.replace(wordy, plain)
    return text.strip("'\"") or "no reason given"


def read_capped(source: Source, response: requests.Response, max_bytes: int) -> bytes:
    """The streamed body, whole: FetchError "too-large" past ``max_bytes``, "unreadable" when cut short.

    Read piece by piece, so that the deadline is checked between pieces (a drip of one byte
    every few seconds never times out a socket read) and each wait ends at the deadline.
    """
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(
            f"{source.url}: {int(declared):,} bytes announced, over the {max_bytes:,}-byte cap "
            "(raise [fetch] max_bytes if this document is genuinely that large)",
            error_class="too-large",
        )
    decoder = _Decoder(source.url, response.headers.get("Content-Encoding"))
    chunks: list[bytes] = []
    size = 0
    try:
        for piece in _pieces(source.url, response, decoder.raw):
            data = decoder.feed(piece, max_bytes - size + 1)
            size += len(data)
            if size > max_bytes:
                raise FetchError(
                    f"{source.url}: body exceeds the {max_bytes:,}-byte cap "
                    "(raise [fetch] max_bytes if this document is genuinely that large)",
                    error_class="too-large",
                )
            chunks.append(data)
    except (Urllib3Error, OSError) as exc:
        raise _read_error(source.url, exc, size) from exc
    decoder.finish(size)
    return b"".join(chunks)


def _pieces(url: str, response: requests.Response, raw: bool) -> Iterator[bytes]:
    """The body as it arrives (undecoded when ``raw``), the deadline checked before each wait."""
    stream: Any = response.raw
    while True:
        late = past_deadline(url)
        if late:
            raise late
        _bound_wait(stream)
        piece = stream.read1(_CHUNK, decode_content=not raw)
        if not piece:
            return
        yield piece


def _bound_wait(stream: Any) -> None:
    """Let no socket read wait past the deadline."""
    left = remaining()
    sock = getattr(getattr(stream, "connection", None), "sock", None)
    if left is None or sock is None:
        return
    current = sock.gettimeout()
    if current is None or current > left:
        sock.settimeout(max(0.01, left))


def _read_error(url: str, exc: BaseException, size: int) -> FetchError:
    late = past_deadline(url)
    if late:
        return late
    if isinstance(exc, ReadTimeoutError | TimeoutError):
        return FetchError(f"{url}: connection broke while reading: read timed out", error_class="timeout")
    if isinstance(exc, DecodeError):
        return FetchError(f"{url}: incomplete: the compressed body is corrupt ({exc})", error_class="unreadable")
    if isinstance(exc, ProtocolError):
        return FetchError(
            f"{url}: incomplete: the connection closed after {size:,} bytes, before the end the server announced "
            "(a page cut short is never a change); the last good version is kept",
            error_class="unreadable",
        )
    return FetchError(f"{url}: connection broke while reading: {exc}", error_class="network")


class _Decoder:
    """gzip decoded here, so that a stream without its end (no trailer) is caught; other encodings by urllib3."""

    def __init__(self, url: str, encoding: str | None) -> None:
        self.url = url
        self.raw = (encoding or "").strip().lower() in _GZIP
        self.gzip = zlib.decompressobj(16 + zlib.MAX_WBITS) if self.raw else None

    def feed(self, piece: bytes, limit: int) -> bytes:
        """Up to ``limit`` decoded bytes of ``piece`` (a gzip bomb stops at the cap)."""
        if self.gzip is None:
            return piece
        try:
            if self.gzip.eof:  # a second gzip member follows the first
                self.gzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
            return self.gzip.decompress(self.gzip.unconsumed_tail + piece, max(1, limit))
        except zlib.error as exc:
            raise FetchError(f"{self.url}: incomplete: corrupt gzip body ({exc})", error_class="unreadable") from None

    def finish(self, size: int) -> None:
        """FetchError "unreadable" when the gzip stream ended before its trailer."""
        if self.gzip is not None and size and not self.gzip.eof:
            raise FetchError(
                f"{self.url}: incomplete: the gzip stream ends before its trailer after {size:,} bytes "
                "(a page cut short is never a change); the last good version is kept",
                error_class="unreadable",
            )
