"""Fetch: one HTTP GET per source, polite and patient, and a verdict on the body.

Retries with exponential backoff (connection errors, 429, 5xx, honouring
Retry-After) are urllib3's ``Retry``; this module adds conditional GET, the size
cap, per-host pacing and the checks that turn a 200 that is not a policy (a bot
challenge, an empty body, HTML where a PDF was promised, a truncated PDF) into a
failure. A failure raises FetchError with an ``error_class`` for the fetch log.
"""

from __future__ import annotations

import html
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from tracker.config.sources import FetchSettings, Source
from tracker.errors import FetchError

ERROR_CLASSES = (
    "network",
    "timeout",
    "http-status",
    "challenge",
    "empty",
    "wrong-type",
    "unreadable",
    "too-large",
    "internal",
)
"""Why a fetch failed, as recorded in the fetch log."""

RETRY_STATUSES = (429, 500, 502, 503, 504)
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Validators:
    """What the last good capture of a source said about itself, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Fetched:
    """A successful fetch: a usable body, or ``not_modified`` after a 304."""

    url: str
    http_status: int
    body: bytes
    content_type: str | None
    kind: str | None
    etag: str | None
    last_modified: str | None
    not_modified: bool = False
    final_url: str | None = None
    """Where redirects led, when that is not ``url``."""


class RetryAfterTooLong(Exception):
    """A 429/503 asked to come back later than a run waits (not an OSError, which requests would wrap)."""

    def __init__(self, status: int, seconds: float, limit: float) -> None:
        super().__init__(
            f"HTTP {status} asking to retry after {seconds:.0f} s, longer than the {limit:.0f} s "
            "a run waits ([fetch] max_retry_after); the next run tries again"
        )
        self.status = status


class PoliteRetry(Retry):
    """urllib3's Retry, except that a Retry-After beyond ``max_retry_after`` ends the attempt.

    Honouring "Retry-After: 3600" three times would hold the run (and its lock) for hours.
    """

    max_retry_after = 120.0

    def sleep_for_retry(self, response: BaseHTTPResponse) -> bool:
        seconds = self.get_retry_after(response)
        if seconds is not None and seconds > self.max_retry_after:
            raise RetryAfterTooLong(response.status, seconds, self.max_retry_after)
        return super().sleep_for_retry(response)


def make_session(settings: FetchSettings) -> requests.Session:
    """A Session with the tracker's User-Agent and retry policy."""
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
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = settings.user_agent
    return session


def fetch(
    source: Source, session: requests.Session, settings: FetchSettings, validators: Validators | None = None
) -> Fetched:
    """GET a source's URL and check the body; raise FetchError on any failure."""
    headers = {}
    if validators and validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators and validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    try:
        response = session.get(
            source.url, headers=headers, timeout=(settings.timeout, settings.read_timeout), stream=True
        )
    except RetryAfterTooLong as exc:
        raise FetchError(f"{source.url}: {exc}", error_class="http-status", http_status=exc.status) from exc
    except requests.RequestException as exc:
        raise FetchError(f"{source.url}: {reason_of(exc)}", error_class=error_class_of(exc)) from exc
    with response:
        if response.status_code == 304:
            return _fetched(source, response, b"", None, not_modified=True)
        if response.status_code >= 400:
            raise FetchError(
                f"{source.url}: HTTP {response.status_code} {response.reason}",
                error_class="http-status",
                http_status=response.status_code,
            )
        body = read_capped(source, response, settings.max_bytes)
    try:
        kind = check_body(source, body, response.headers.get("Content-Type"))
    except FetchError as exc:
        exc.body = body
        raise
    return _fetched(source, response, body, kind)


def _fetched(
    source: Source, response: requests.Response, body: bytes, kind: str | None, *, not_modified: bool = False
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


def error_class_of(exc: requests.RequestException) -> str:
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
    """The innermost, readable cause of a requests error."""
    reason = exc.args[0] if exc.args else exc
    inner = getattr(reason, "reason", None)
    return str(inner or reason)


def read_capped(source: Source, response: requests.Response, max_bytes: int) -> bytes:
    """The streamed body, or FetchError("too-large") past ``max_bytes``."""
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(
            f"{source.url}: {int(declared):,} bytes announced, over the {max_bytes:,}-byte cap "
            "(raise [fetch] max_bytes if this document is genuinely that large)",
            error_class="too-large",
        )
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(
                    f"{source.url}: body exceeds the {max_bytes:,}-byte cap "
                    "(raise [fetch] max_bytes if this document is genuinely that large)",
                    error_class="too-large",
                )
            chunks.append(chunk)
    except requests.RequestException as exc:
        message = f"{source.url}: connection broke while reading: {reason_of(exc)}"
        raise FetchError(message, error_class=error_class_of(exc)) from exc
    return b"".join(chunks)


# Markers of pages that anti-bot services serve instead of the document, with status 200.
_CHALLENGES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an Akamai access-denied page", re.compile(r"access denied.{0,2000}reference\s*#", re.S)),
    ("a Cloudflare challenge", re.compile(r"just a moment\.\.\.|cf-browser-verification|challenge-platform|cf_chl_")),
    ("an Imperva/Incapsula block page", re.compile(r"incapsula incident id|_incapsula_resource")),
    ("a bot-protection interstitial", re.compile(r"pardon our interruption|captcha-delivery|px-captcha")),
    ("a captcha", re.compile(r"g-recaptcha|h-captcha|hcaptcha\.com|verify you are (a )?human|are you a robot")),
)
_CHALLENGE_MAX = 256 * 1024  # challenge pages are small; a long policy that cites "captcha" is not one


def check_body(source: Source, body: bytes, content_type: str | None) -> str:
    """Decide what the body is (html | pdf | json) or raise FetchError if it is no usable document."""
    if not body.strip():
        raise FetchError(f"{source.url}: empty body (HTTP 200 with nothing in it)", error_class="empty")
    kind = sniff_kind(body, content_type)
    if kind == "html" and len(body) <= _CHALLENGE_MAX:
        head = html.unescape(body.decode("utf-8", "replace")).lower()  # Akamai writes "Reference&#32;&#35;18..."
        for name, pattern in _CHALLENGES:
            if pattern.search(head):
                raise FetchError(
                    f"{source.url}: the site served {name} instead of the policy; the last good version is kept",
                    error_class="challenge",
                )
    expected = source.expected_kind
    if expected == "mcd-article":
        expected = "json"
    if expected and expected != kind:
        raise FetchError(
            f"{source.url}: expected {expected.upper()} but got {kind.upper()} ({content_type or 'no Content-Type'})",
            error_class="wrong-type",
        )
    if kind == "pdf" and b"%%EOF" not in body[-2048:]:
        raise FetchError(
            f"{source.url}: truncated PDF ({len(body):,} bytes, no %%EOF trailer)", error_class="unreadable"
        )
    return kind


def sniff_kind(body: bytes, content_type: str | None) -> str:
    """html, pdf or json, from the bytes first and the Content-Type second."""
    head = body[:1024].lstrip()
    if head.startswith(b"%PDF-") or b"%PDF-" in body[:1024]:
        return "pdf"
    if head[:1] in (b"{", b"["):
        return "json"
    ctype = (content_type or "").lower()
    if "pdf" in ctype and not head.startswith(b"<"):
        return "pdf"
    if "json" in ctype:
        return "json"
    return "html"


FetchOne = Callable[[Source, requests.Session], Fetched]


@dataclass(frozen=True)
class Attempt:
    """The outcome of fetching one source: a Fetched or the FetchError, and when and how long."""

    source: Source
    result: Fetched | FetchError
    started_at: datetime
    duration_ms: int


def fetch_all(
    sources: Sequence[Source],
    fetch_one: FetchOne,
    *,
    session_factory: Callable[[], requests.Session],
    parallel: int,
    delay: float,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None] = time.sleep,
    stop: threading.Event | None = None,
) -> Iterator[Attempt]:
    """Fetch every source: hosts in parallel, one request at a time per host, ``delay`` between them.

    Yields each Attempt as it ends, in the caller's thread, so the caller may
    write to the database without sharing it across threads. Once ``stop`` is
    set, sources not yet started are skipped (not yielded).
    """
    by_host: dict[str, list[Source]] = {}
    for source in sources:
        by_host.setdefault(source.host, []).append(source)
    results: queue.Queue[Attempt | None] = queue.Queue()

    def work(host_sources: list[Source]) -> None:
        done = 0
        try:
            with session_factory() as session:
                for i, source in enumerate(host_sources):
                    if stop is not None and stop.is_set():
                        results.put(None)
                    else:
                        if i and delay:
                            sleep(delay)
                        results.put(_attempt(fetch_one, source, session, clock))
                    done += 1
        finally:
            for _ in host_sources[done:]:  # a worker that dies must not leave the caller waiting
                results.put(None)

    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(by_host)))) as pool:
        futures = [pool.submit(work, group) for group in by_host.values()]
        for _ in sources:
            attempt = results.get()
            if attempt is not None:
                yield attempt
        for future in futures:
            future.result()  # re-raises what killed a worker, if anything did


def _attempt(fetch_one: FetchOne, source: Source, session: requests.Session, clock: Callable[[], datetime]) -> Attempt:
    started = clock()
    tick = time.monotonic()
    result: Fetched | FetchError
    try:
        result = fetch_one(source, session)
    except FetchError as exc:
        result = exc
    except Exception as exc:  # noqa: BLE001 - one source's surprise must not stop the run
        result = FetchError(f"{source.url}: unexpected {exc.__class__.__name__}: {exc}", error_class="internal")
    return Attempt(source, result, started, int((time.monotonic() - tick) * 1000))
