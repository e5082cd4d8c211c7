"""Hygiene: every string a server supplies is made printable before it is stored or shown.

A reason phrase, a Content-Type, an ETag, a Last-Modified, a redirect's location, a JSON error
message, the text of a library's exception about what the server sent: any of them may carry
a terminal escape sequence (an OSC that sets the terminal's title, a CSI that clears the
screen) or control characters. ``fetch`` cleans what it returns and every FetchError it raises
with ``tracker.hygiene.one_line``, the cleaning policy text already gets; the store cleans them
again on the way in (``tracker.store.fetchlog``), so that no path can skip it.
May import: tracker.hygiene, tracker.errors, tracker.models.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tracker.errors import FetchError
from tracker.hygiene import one_line
from tracker.models import Fetched

__all__ = ["REASON_LIMIT", "clean_error", "clean_fetched", "header", "reason"]

REASON_LIMIT = 200
"""A reason phrase longer than this (a server may send 64 kB of one) is cut in messages."""
VALIDATOR_LIMIT = 1024
"""An ETag or Last-Modified longer than this is dropped: it is sent back as it is, so it is never cut."""


def reason(response: Any) -> str:
    """The response's reason phrase, printable and short."""
    return one_line(str(getattr(response, "reason", "") or ""), REASON_LIMIT)


def header(value: str | None, limit: int = 0) -> str | None:
    """A header's value, printable on one line (None when nothing printable is left)."""
    if value is None:
        return None
    return one_line(value, limit) or None


def _validator(value: str | None) -> str | None:
    cleaned = header(value)
    return cleaned if cleaned is None or len(cleaned) <= VALIDATOR_LIMIT else None


def clean_fetched(fetched: Fetched) -> Fetched:
    """The Fetched with its server-supplied strings printable (the body is data, read elsewhere)."""
    return replace(
        fetched,
        content_type=header(fetched.content_type, VALIDATOR_LIMIT),
        etag=_validator(fetched.etag),
        last_modified=_validator(fetched.last_modified),
        final_url=header(fetched.final_url),
    )


def clean_error(exc: FetchError) -> FetchError:
    """The same FetchError, its message made one printable line (a server's words may be in it)."""
    exc.message = one_line(exc.message)
    exc.args = (exc.message,)
    return exc
