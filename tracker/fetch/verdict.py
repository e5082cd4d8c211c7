"""Verdict: is this body the policy? Pure checks on what a server sent.

A 200 that is not a policy (a bot challenge, an empty body, HTML where a PDF was
promised, a truncated PDF) is a FetchError; so is a page without the tracked codes
that is not recognisably the same policy (a login page, a redirect elsewhere, another
policy number). Never "removed" for those: the last good version stays.
May import: tracker.errors, tracker.models, tracker.config, tracker.extract.decode (pure: how a browser decodes a page).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from email.message import Message
from urllib.parse import urlsplit

from tracker.config.sources import Source
from tracker.errors import FetchError
from tracker.models import Fetched, Kind, Metadata, Version

# Markers of pages that anti-bot services serve instead of the document, with status 200.
_CHALLENGES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an Akamai access-denied page", re.compile(r"access denied.{0,2000}reference\s*#", re.S)),
    ("a Cloudflare challenge", re.compile(r"just a moment\.\.\.|cf-browser-verification|challenge-platform|cf_chl_")),
    ("an Imperva/Incapsula block page", re.compile(r"incapsula incident id|_incapsula_resource")),
    ("a bot-protection interstitial", re.compile(r"pardon our interruption|captcha-delivery|px-captcha")),
    ("a captcha", re.compile(r"g-recaptcha|h-captcha|hcaptcha\.com|verify you are (a )?human|are you a robot")),
)
_CHALLENGE_MAX = 256 * 1024  # challenge pages are small; a long policy that cites "captcha" is not one


def check_body(source: Source, body: bytes, content_type: str | None) -> Kind:
    """Decide what the body is (html | pdf | json) or raise FetchError if it is no usable document."""
    if not body.strip():
        raise FetchError(f"{source.url}: empty body (HTTP 200 with nothing in it)", error_class="empty")
    kind = sniff_kind(body, content_type)
    if kind == "html" and len(body) <= _CHALLENGE_MAX:
        from tracker.extract.decode import decode_html  # only here: the fetch stage stays light

        # Decoded as a browser decodes it (a UTF-16 challenge page holds no ASCII "captcha"), then its
        # character references: Akamai writes "Reference&#32;&#35;18...".
        head = html.unescape(decode_html(body, charset_of(content_type))).lower()
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


def sniff_kind(body: bytes, content_type: str | None) -> Kind:
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


_LOGIN = re.compile(
    rb"<input[^>]+type\s*=\s*[\"']?password|<title>[^<]*\b(sign|log)\s?in\b|<h1[^>]*>[^<]*\b(sign|log)\s?in\b", re.I
)


def charset_of(content_type: str | None) -> str | None:
    """The charset a Content-Type header declares, if any ("text/html; charset=windows-1252")."""
    if not content_type:
        return None
    header = Message()
    header["Content-Type"] = content_type
    return header.get_content_charset()


def refuse_blank(source: Source, fetched: Fetched, old: Version | None, new: Version) -> None:
    """A page without the tracked codes that is not recognisably the same policy is an error page, not a removal.

    A policy that drops a code keeps its number (or, where none is printed, its title) and its
    address; a login page, a redirect elsewhere, a "page moved" notice or an empty shell served
    with 200 does not.
    """
    if old is None or not old.views or new.views:
        return
    reason = _not_the_policy(fetched, old.metadata, new.metadata)
    if reason:
        raise FetchError(
            f"{source.url}: the page has none of the tracked codes and {reason}; it looks like an error, login "
            "or placeholder page, so the last good version is kept. If the policy really moved, update its url.",
            error_class="unreadable",
        )


_CLOSING = re.compile(rb"</\s*(?:body|html)\s*>", re.I)
_CLOSING_TEXT = re.compile(r"</\s*(?:body|html)\s*>", re.I)
SHORT = 0.5
"""A body under this fraction of the last good one's size that also lost tracked codes was cut short."""


def refuse_unclosed(source: Source, fetched: Fetched, old_body: Callable[[], bytes | None]) -> None:
    """An HTML page without the closing ``</body>``/``</html>`` the last good version had was cut short.

    "unreadable" (incomplete), never a removal or a change, even when what is left reads the same.
    ``old_body`` loads the last good body (None when there is none, or it is gone), only when needed.
    """
    if fetched.kind != "html" or _closes(fetched.body, charset_of(fetched.content_type)):
        return
    before = old_body()
    if before is not None and _closes(before):
        _incomplete(source, "the page ends without the closing </body> or </html> that the last version had")


def _closes(body: bytes, charset: str | None = None) -> bool:
    """The page closes its ``<body>`` or ``<html>``, read as a browser decodes it (a UTF-16 page's bytes hold no
    ASCII ``</body>``; a NUL inside the tag is dropped): the bytes first, the decoded text when they do not."""
    if _CLOSING.search(body):
        return True
    from tracker.extract.decode import decode_html  # only here: the fetch stage stays light

    return bool(_CLOSING_TEXT.search(decode_html(body, charset)))


def refuse_shrunk(
    source: Source, fetched: Fetched, old_body: Callable[[], bytes | None], old: Version | None, new: Version
) -> None:
    """A body far shorter than the last good one (under SHORT of its size) that lost tracked codes: cut short."""
    if old is None or fetched.kind not in ("html", "pdf"):
        return
    lost = sorted(code for code in old.views if code not in new.views)
    before = old_body() if lost else None
    if before is not None and len(fetched.body) < SHORT * len(before):
        _incomplete(
            source,
            f"the body is {len(fetched.body):,} bytes, far shorter than the last good version's {len(before):,}, "
            f"and {', '.join(lost)} {'is' if len(lost) == 1 else 'are'} gone",
        )


def _incomplete(source: Source, why: str) -> None:
    raise FetchError(
        f"{source.url}: incomplete: {why}; a page cut short is never a change, so the last good version is kept",
        error_class="unreadable",
    )


_REVISION = re.compile(r"(?:\.[a-z0-9]{1,2}|(?<=\d)[a-z]{1,2})$")


def same_number(a: str, b: str) -> bool:
    """True for one policy number, whatever its revision suffix ("CS154TX.A" and "CS154TX.B")."""
    fa, fb = ("".join(x.casefold().split()) for x in (a, b))
    return fa == fb or _REVISION.sub("", fa) == _REVISION.sub("", fb)


def _not_the_policy(fetched: Fetched, before: Metadata, after: Metadata) -> str | None:
    if fetched.final_url and _where(fetched.final_url) != _where(fetched.url):
        return f"the request was redirected to {fetched.final_url}"
    if fetched.kind == "html" and _LOGIN.search(fetched.body[:200_000]):
        return "it asks to sign in"
    if before.policy_number and after.policy_number != before.policy_number:
        return f"its policy number is {after.policy_number or 'missing'} (was {before.policy_number})"
    if not before.policy_number and before.title and fold_title(after.title) != fold_title(before.title):
        return f"its title is {after.title!r} (was {before.title!r})"
    if not (before.policy_number or before.title) and after.effective_date is None:
        return "it carries no policy title, number or date"
    return None


def _where(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.netloc.lower(), parts.path.rstrip("/")


def fold_title(text: str | None) -> str:
    """A title compared whatever its case and spacing."""
    return " ".join((text or "").casefold().split())
