"""The whole exception tree; each class carries the exit status the CLI answers with.

* TrackerError            (1)  base of every error the tracker raises on purpose
  + UsageError            (2)  a bad command-line argument
    + ConfigError         (2)  bad sources.toml or environment
  + FetchError            (1)  a source or service could not be fetched, or was not a usable document
  + ExtractError          (5)  a document could not be read (truncated PDF, bad JSON, ...)
  + StoreError            (3)  the data directory, the history database or a raw capture is unusable
  + LockedError           (4)  another tracker process holds the lock
  + NotifyError           (1)  a digest or message could not be delivered

Every message says what happened and what to do; no exception means "no change".
"""

from __future__ import annotations

from typing import ClassVar

from tracker.models import ErrorClass

EXIT_OK = 0
EXIT_SOURCES_FAILED = 1
"""Some sources (or an outside service, or a delivery) could not be checked; the rest is stored."""
EXIT_USAGE = 2
EXIT_STORE = 3
EXIT_LOCKED = 4
EXIT_UNREADABLE = 5


class TrackerError(Exception):
    """Base of every error the tracker raises on purpose."""

    exit_status: ClassVar[int] = EXIT_SOURCES_FAILED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(TrackerError):
    """A command-line argument is malformed or names nothing that exists."""

    exit_status = EXIT_USAGE


class ConfigError(UsageError):
    """sources.toml or the environment is invalid."""


class FetchError(TrackerError):
    """A source could not be fetched; ``error_class`` says why, for the fetch log."""

    exit_status = EXIT_SOURCES_FAILED

    def __init__(
        self, message: str, *, error_class: ErrorClass, http_status: int | None = None, body: bytes | None = None
    ) -> None:
        super().__init__(message)
        self.error_class: ErrorClass = error_class
        self.http_status = http_status
        self.body = body
        """What the server sent, when it sent something unusable (kept for diagnosis, never a version)."""


class ExtractError(TrackerError):
    """A document could not be parsed (truncated or unreadable PDF, bad JSON, ...)."""

    exit_status = EXIT_UNREADABLE


class StoreError(TrackerError):
    """The history database or raw captures cannot be read or written."""

    exit_status = EXIT_STORE


class LockedError(TrackerError):
    """Another tracker process holds the lock."""

    exit_status = EXIT_LOCKED


class NotifyError(TrackerError):
    """A digest could not be delivered."""

    exit_status = EXIT_SOURCES_FAILED


EXIT_STATUSES: dict[type[TrackerError], int] = {
    cls: cls.exit_status
    for cls in (TrackerError, UsageError, ConfigError, FetchError, ExtractError, StoreError, LockedError, NotifyError)
}
"""The one table the CLI answers errors with: class → exit status (a test checks it covers the tree)."""


def exit_status_of(exc: TrackerError) -> int:
    """The exit status of an error: its class's entry in ``EXIT_STATUSES``, else its nearest listed ancestor's."""
    for cls in type(exc).__mro__:
        if cls in EXIT_STATUSES:
            return EXIT_STATUSES[cls]
    return EXIT_SOURCES_FAILED
