"""Sameness: is what a server sent now the policy the source tracks? Pure functions.

A policy is known by its number and its title. Two readings are the same policy when they
agree on either, compared wherever both have it: the number whatever its revision suffix
(CS154TX.A → CS154TX.B, ``verdict.same_number``), the title whatever its case and spacing.
When the one they both have differs (or both differ) it is another policy; when they share
neither, sameness is unknown. A Medicare article's number is its article id ("A57452"), so
articles are compared by id.

A redirect to a new address (another host, path or query) is a reason to check: another
policy there, or a page that does not show what the last good version was known by, is the
source's failure ("redirected to another policy: 0999; if it moved, update url"), never a
change. At the address itself, without a redirect, a policy may be renumbered or retitled
(and no url edit could silence a wrong refusal there), so only a page whose number and title
both differ is refused.
May import: tracker.errors, tracker.models, tracker.config, tracker.fetch.verdict.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from tracker.config.sources import Source
from tracker.errors import FetchError
from tracker.fetch.verdict import fold_title, same_number
from tracker.models import Fetched, Metadata, Version

Sameness = Literal["same", "other", "unknown"]
"""same: they agree on the number or the title; other: they disagree on what both have; unknown: nothing to compare."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


def sameness(before: Metadata, after: Metadata) -> Sameness:
    """Whether ``after`` is the policy ``before`` was, by number or title, whichever both readings have."""
    compared = False
    if before.policy_number and after.policy_number:
        if same_number(before.policy_number, after.policy_number):
            return "same"
        compared = True
    if before.title and after.title:
        if fold_title(before.title) == fold_title(after.title):
            return "same"
        compared = True
    return "other" if compared else "unknown"


def redirected_to(fetched: Fetched) -> str | None:
    """Where redirects led, when that is a new address: another host, port, path or query than the URL asked for.

    Not a change of scheme (http → https), a default port written out, a trailing slash or a fragment.
    """
    if not fetched.final_url or _address(fetched.final_url) == _address(fetched.url):
        return None
    return fetched.final_url


def described(metadata: Metadata) -> str:
    """What a reading is known by: "0999 'Title'", "0999", "'Title'", or that it shows neither."""
    parts = [p for p in (metadata.policy_number, repr(metadata.title) if metadata.title else None) if p]
    return " ".join(parts) or "no policy number or title"


def refuse_another_policy(source: Source, fetched: Fetched, old: Version | None, new: Version) -> None:
    """Raise FetchError ("unreadable") when ``new`` is not the policy of ``old``, the last good version at this url.

    Behind a redirect to a new address: by number or title, whichever both have; and a page that shows
    neither of what the last good version was known by. At the address itself: both number and title differ.
    """
    if old is None:
        return
    before, after = old.metadata, new.metadata
    found = sameness(before, after)
    where = redirected_to(fetched)
    if where is None:
        if found == "other" and before.policy_number and after.policy_number and before.title and after.title:
            raise FetchError(
                f"{source.url}: not the same policy; if it moved, update url (this is {described(after)}, "
                f"the last good version was {described(before)}); the last good version is kept",
                error_class="unreadable",
            )
        return
    if found == "same" or (found == "unknown" and not (before.policy_number or before.title)):
        return
    if found == "other":
        why = f"redirected to another policy: {described(after)}; if it moved, update url (to {where})"
    else:
        why = (
            f"redirected to {where}, which shows {described(after)}: neither the number nor the title the last "
            "good version is known by, so it may be another policy; if it moved, update url"
        )
    raise FetchError(
        f"{source.url}: {why}; the last good version ({described(before)}) is kept", error_class="unreadable"
    )


def _address(url: str) -> tuple[str, int | None, str, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    host = (parts.hostname or "").lower()
    return host, port if port != _DEFAULT_PORTS.get(scheme) else None, parts.path.rstrip("/") or "", parts.query
