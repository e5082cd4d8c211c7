"""The Apprise channel (``TRACKER_APPRISE_URLS``): the digest to Teams Workflows, Discord, ntfy, JSON… (issue 21).

Optional: ``pip install 'payer-policy-tracker[apprise]'``. Each URL is a channel of its own in the
delivery ledger (``apprise#1``, ``apprise#2``… in the order of the variable; a route's
``apprise:VARIABLE#1``…), so a URL that failed is retried without repeating the others. The URLs
are secrets: they are never logged, stored or shown (errors name the URL's scheme only).
apprise is imported here only, when a message is sent.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from tracker.config.notify import NotifySettings
from tracker.errors import NotifyError
from tracker.notify.webhook import _redacted_logs

INSTALL = "pip install 'payer-policy-tracker[apprise]'"


def scheme(url: str) -> str:
    """The URL's scheme (``json``, ``workflows``, ``discord``…): the only part of it ever shown."""
    return urlsplit(url).scheme or "?"


def send_apprise(title: str, body: str, url: str, settings: NotifySettings) -> None:
    """Send one message to one Apprise URL; NotifyError (secrets redacted) unless Apprise reports success."""
    try:
        with warnings.catch_warnings():  # apprise imports imghdr (deprecated since Python 3.11): not ours to fix
            warnings.simplefilter("ignore", DeprecationWarning)
            import apprise
    except ImportError:
        raise NotifyError(f"TRACKER_APPRISE_URLS is set but Apprise is not installed: {INSTALL}") from None
    asset = apprise.AppriseAsset(secure_logging=True)
    notifier = apprise.Apprise(asset=asset)
    with _captured(settings) as said, warnings.catch_warnings():
        # Apprise's and urllib3's warnings (imghdr's deprecation; an unverified https:// when the URL says
        # verify=no, the user's choice) are not the reader's business: failures come back as the result.
        warnings.simplefilter("ignore")
        if not notifier.add(url):
            raise NotifyError(f"Apprise cannot use the {scheme(url)}:// URL (value hidden): check its form")
        ok = notifier.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
    if not ok:
        why = said[-1] if said else "no reason given"
        raise NotifyError(settings.redact(f"Apprise could not deliver to the {scheme(url)}:// URL: {why}"[:300]))


class _Keep(logging.Handler):
    """Keeps Apprise's warnings (redacted) for the error message."""

    def __init__(self, settings: NotifySettings, kept: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.settings = settings
        self.kept = kept

    def emit(self, record: logging.LogRecord) -> None:
        self.kept.append(self.settings.redact(record.getMessage()))


@contextmanager
def _captured(settings: NotifySettings) -> Iterator[list[str]]:
    """While sending: Apprise's, urllib3's and requests' log records redacted, and Apprise's warnings kept."""
    kept: list[str] = []
    keep = _Keep(settings, kept)
    logger = logging.getLogger("apprise")
    logger.addHandler(keep)
    with _redacted_logs(settings, extra=("apprise",)):
        try:
            yield kept
        finally:
            logger.removeHandler(keep)
