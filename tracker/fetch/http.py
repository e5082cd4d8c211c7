"""HTTP: one GET per source, polite and patient; the body read within its cap.

Retries with exponential backoff (connection errors, 429, 5xx, honouring
Retry-After) are urllib3's ``Retry``; this module adds conditional GET and the size
cap, then asks ``verdict`` whether the body is a usable document. A failure raises
FetchError with an ``error_class`` for the fetch log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from tracker.config.sources import FetchSettings, Source
from tracker.errors import FetchError
from tracker.fetch.verdict import check_body
from tracker.models import ErrorClass, Fetched, Kind

__all__ = [
    "Fetched",
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


def make_session(settings: FetchSettings) -> requests.Session:
    """A Session with the tracker's User-Agent and retry policy.

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
    except FetchError as exc:  # PoliteRetry: the server asked to wait too long
        raise FetchError(
            f"{source.url}: {exc.message}", error_class=exc.error_class, http_status=exc.http_status
        ) from exc
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
