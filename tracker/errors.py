"""One exception hierarchy; every message says what happened and what to do.

* TrackerError
  + ConfigError        bad sources.toml or environment (CLI exit status 2)
  + FetchError         a source could not be fetched or was not a usable document
  + ExtractError       a fetched document could not be read (truncated PDF, ...)
  + StoreError         the history database or the raw captures cannot be used
  + NotifyError        a digest could not be delivered
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base of every error the tracker raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(TrackerError):
    """sources.toml or the environment is invalid."""


class FetchError(TrackerError):
    """A source could not be fetched; ``error_class`` says why, for the fetch log."""

    def __init__(
        self, message: str, *, error_class: str, http_status: int | None = None, body: bytes | None = None
    ) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.http_status = http_status
        self.body = body
        """What the server sent, when it sent something unusable (kept for diagnosis, never a version)."""


class ExtractError(TrackerError):
    """A document could not be parsed (truncated or unreadable PDF, bad JSON, ...)."""


class StoreError(TrackerError):
    """The history database or raw captures cannot be read or written."""


class NotifyError(TrackerError):
    """A digest could not be delivered."""
