"""Slack delivery: POST the Block Kit payload to the incoming-webhook URL (I/O)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from tracker.config.notify import NotifySettings
from tracker.errors import NotifyError

if TYPE_CHECKING:
    import requests

SessionFactory = Callable[[], "requests.Session"]
Sleep = Callable[[float], None]
RATE_LIMIT_RETRIES = 2
MAX_RETRY_AFTER = 60.0
"""Longer waits are not worth holding a run for: the delivery fails and the next run retries."""


def post_slack(
    payload: dict[str, Any],
    settings: NotifySettings,
    *,
    session_factory: SessionFactory | None = None,
    sleep: Sleep = time.sleep,
) -> None:
    """Post one message; wait out a 429 (Retry-After) a couple of times; NotifyError unless Slack accepts it (2xx)."""
    import requests  # here: building a digest, or previewing one, needs no HTTP client

    with _redacted_logs(settings), (session_factory or requests.Session)() as session:
        response = _post(session, payload, settings)
        for _ in range(RATE_LIMIT_RETRIES):
            if response.status_code != 429:
                break
            wait = retry_after(response.headers.get("Retry-After"))
            if wait > MAX_RETRY_AFTER:
                break
            sleep(wait)
            response = _post(session, payload, settings)
    if response.status_code == 429:
        raise NotifyError(
            f"Slack is rate-limiting the webhook (HTTP 429, Retry-After {response.headers.get('Retry-After', '?')})"
        )
    if not 200 <= response.status_code < 300:
        # Redact the whole answer first, then cut it short: a cut secret would no longer be recognised.
        answer = settings.redact(" ".join(response.text.split()))[:200]
        raise NotifyError(f"Slack answered HTTP {response.status_code}: {answer or 'no body'}")


def _post(session: requests.Session, payload: dict[str, Any], settings: NotifySettings) -> requests.Response:
    import requests

    try:
        return session.post(settings.slack_webhook_url or "", json=payload, timeout=(10, settings.timeout))
    except requests.RequestException as exc:
        # requests quotes the URL (or its path) in its messages: the URL is the secret.
        raise NotifyError(settings.redact(f"cannot reach the Slack webhook: {type(exc).__name__}: {exc}")) from None


class _Redactor(logging.Filter):
    """Scrubs the webhook URL from a log record (urllib3 logs each request's path at DEBUG level)."""

    def __init__(self, settings: NotifySettings) -> None:
        super().__init__()
        self.settings = settings

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.settings.redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


@contextmanager
def _redacted_logs(settings: NotifySettings, extra: tuple[str, ...] = ()) -> Iterator[None]:
    """While posting, the loggers that see the URL (and those named in ``extra``) redact it."""
    redactor = _Redactor(settings)
    names = ("urllib3.connectionpool", "urllib3.util.retry", "requests", *extra)
    loggers = [logging.getLogger(name) for name in names]
    for logger in loggers:
        logger.addFilter(redactor)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(redactor)


def retry_after(value: str | None) -> float:
    """Seconds to wait from a Retry-After header (Slack sends seconds); 1 when absent or unreadable."""
    try:
        return max(0.0, float(value or "1"))
    except ValueError:
        return 1.0
