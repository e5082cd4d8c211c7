"""Captures as the report serves them: readable and inert (issue 22 item 7).

A stored capture is a payer's page or PDF, gzip'd. The report serves each one decompressed,
so that a browser shows it instead of downloading it; an HTML page goes through ``inert_html``
first: its scripts, event handlers, embedded frames and objects, ``javascript:`` links, refreshes
and external resources are removed, a Content-Security-Policy that allows no script and no
network is put first in its head, and a banner on top says what the page is. Opened from
``file://`` (where a browser grants a page more than on the web), it runs nothing and loads
nothing. PDFs and the Coverage API's JSON are served as they were fetched, decompressed.
Pure: bytes in, bytes out (BeautifulSoup imported on first use).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "form-action 'none'; base-uri 'none'; frame-src 'none'; object-src 'none'"
)
"""What the served copy may do: show itself, with its inline styles and inline images; nothing else."""

ACTIVE_TAGS = (
    "script",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "link",
    "portal",
    "template",
)
"""Elements that run code or fetch something; removed with their content."""

URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset")
_UNSAFE_URL = re.compile(r"^(?:javascript|vbscript|data:text/html|data:image/svg)", re.IGNORECASE)
_SPACE = re.compile(r"[\s\x00-\x1f]+")

BANNER_STYLE = (
    "all:initial;display:block;box-sizing:border-box;margin:0 0 1em;padding:.6em 1em;"
    "font:14px/1.4 system-ui,sans-serif;background:#fff8d6;color:#222;border-bottom:2px solid #c9a800"
)


@dataclass(frozen=True)
class Provenance:
    """What the banner says of a capture: whose page, which version, when, from where."""

    source: str
    version: int
    captured_at: str
    url: str
    sha256: str


def served(body: bytes, ext: str, provenance: Provenance) -> bytes:
    """A capture as the report serves it: an HTML page inert and bannered; anything else as it is."""
    return inert_html(body, provenance) if ext == "html" else body


def inert_html(body: bytes, provenance: Provenance) -> bytes:
    """The page without anything that runs or fetches, a CSP that forbids both first in its head, a banner on top."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(body, "lxml")
    for tag in soup.find_all(ACTIVE_TAGS):
        tag.decompose()
    for meta in soup.find_all("meta"):
        if meta.get("http-equiv") or meta.get("charset"):  # refresh, an old CSP, a charset this copy no longer has
            meta.decompose()
    for tag in soup.find_all(True):
        _disarm(tag)
    if soup.html is None:
        soup.append(soup.new_tag("html"))
    assert soup.html is not None
    if soup.head is None:
        soup.html.insert(0, soup.new_tag("head"))
    if soup.body is None:
        soup.html.append(soup.new_tag("body"))
    head, body_tag = soup.head, soup.body
    assert head is not None and body_tag is not None
    head.insert(0, soup.new_tag("meta", attrs={"http-equiv": "Content-Security-Policy", "content": CSP}))
    head.insert(0, soup.new_tag("meta", attrs={"charset": "utf-8"}))
    head.append(soup.new_tag("meta", attrs={"name": "tracker-capture-sha256", "content": provenance.sha256}))
    body_tag.insert(0, BeautifulSoup(banner(provenance), "html.parser"))
    return ("<!DOCTYPE html>\n" + str(soup.html)).encode("utf-8")


def _disarm(tag: Any) -> None:
    """No event handler, no script URL, no target that opens a window with this page's rights."""
    for name in list(tag.attrs):
        lowered = name.lower()
        value = tag.attrs[name]
        text = " ".join(value) if isinstance(value, list) else str(value)
        if lowered.startswith("on") or lowered in ("target", "srcdoc", "ping", "formtarget"):
            del tag.attrs[name]
        elif lowered in URL_ATTRIBUTES and _UNSAFE_URL.match(_SPACE.sub("", text)):
            del tag.attrs[name]
        elif lowered == "style" and re.search(r"expression\s*\(|url\s*\(\s*['\"]?\s*javascript", text, re.I):
            del tag.attrs[name]


def banner(p: Provenance) -> str:
    """What the page is, said on top of it."""
    url = html.escape(p.url, quote=True)
    link = f'<a href="{url}" rel="noreferrer noopener">{url}</a>' if p.url.startswith(("http://", "https://")) else url
    return (
        f'<div role="note" class="tracker-capture" style="{BANNER_STYLE}"><strong>A capture kept by tracker</strong>: '
        f"{html.escape(p.source)} v{p.version}, captured {html.escape(p.captured_at)} from {link} "
        f"(sha256 {html.escape(p.sha256[:12])}…). A copy for reading: its scripts, event handlers and embedded "
        "content were removed, and it loads nothing from the network, so it may look plainer than the "
        "payer's page.</div>"
    )
