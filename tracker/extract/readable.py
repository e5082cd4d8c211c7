"""What cannot be read is a fault, never "no section mentions the code".

A Word document, a page rendered by JavaScript (its text is in a script, a JSON island or
fetched later) and an HTML page with no text at all are refused with a message that says which;
a PDF without a text layer is refused by ``pdfscan``. Pure functions over the bytes and the
blocks a reader made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tracker.errors import ExtractError
from tracker.extract.document import Block, text_lines

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SCRIPT = re.compile(rb"<script\b", re.IGNORECASE)
_APP_ROOT = re.compile(
    rb"<(?:div|main|section)[^>]+id\s*=\s*[\"']?(?:root|app|__next|__nuxt)\b|type\s*=\s*[\"']application/(?:ld\+)?json",
    re.IGNORECASE,
)
HIDDEN_WORDS = 60
"""Words of text between the tags of the raw markup (scripts and styles aside) from which a page that
shows none is one whose markup hides its text, not a JavaScript shell."""
_NOT_TEXT = re.compile(rb"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.IGNORECASE | re.DOTALL)
MIN_WORDS = 12
"""Fewer words than this in a whole page: nothing a person could read there."""


def _raw_words(body: bytes) -> int:
    """Words between the raw markup's tags, closed scripts, styles and comments left out."""
    return len(_NOT_TEXT.sub(b" ", body[:2_000_000]).split())


def refuse_format(body: bytes) -> None:
    """Raise ExtractError for a document format the tracker does not read (Word, .docx and .doc)."""
    head = body[:8]
    if head.startswith(b"PK\x03\x04") and b"word/" in body[:65536]:
        raise ExtractError("a Word document (.docx): not a format the tracker reads; ask for the PDF or web page")
    if head == _OLE:
        raise ExtractError("a Word document (.doc, Office binary): not a format the tracker reads")


def refuse_textless_html(body: bytes, blocks: Iterable[Block]) -> None:
    """Raise ExtractError when an HTML page shows no text, or almost none and scripts that would
    write it (a JavaScript shell). A short page of plain HTML is still read (a login or error page
    is judged by the fetch stage, which says what it is)."""
    words = 0
    for line in text_lines(blocks):
        words += len(line.split())
        if words >= MIN_WORDS:
            return
    if _raw_words(body) >= HIDDEN_WORDS:
        raise ExtractError(
            "no readable text: the page's markup hides its text (an unclosed <script>, <style>, <textarea> or "
            "comment swallows the rest of the page, as a browser would show it): a damaged or truncated page?"
        )
    if _SCRIPT.search(body) or _APP_ROOT.search(body):
        raise ExtractError(
            "no readable text: the page is rendered by JavaScript (its content is in scripts, not in the HTML)"
        )
    if words == 0:
        raise ExtractError("no readable text: the HTML page has no text content")
