"""The change log as an Atom feed (`changes.atom` in `tracker report`, `tracker changes --atom`), with feedgen.

One entry per change (first captures, the baseline, are left out as in the digest): the
transition in the title ("Cigna 0525 · CPT 64600: covered → experimental, effective …"),
the word diff in the content (HTML: <del>/<ins>), the policy as the link. Each entry's id is a
tag URI made of the source, the code, the detection time and the change's number, so it stays
the same in every feed written from the same history. feedgen is imported here only.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from tracker.judge.diff import DELETE, GAP, INSERT
from tracker.notify.digest import Item, make_item

FEED_ID = "tag:payer-policy-tracker,2026:changes"
"""The feed's id: one tracker's change log."""
TITLE = "Payer policy changes"


def entry_id(row: Mapping[str, Any]) -> str:
    """A change's stable id: source, code, detection time and change number."""
    day = str(row["detected_at"])[:10]
    return f"tag:payer-policy-tracker,{day}:change/{row['source_id']}/{row['code']}/{row['detected_at']}/{row['id']}"


def content_html(item: Item) -> str:
    """The word diff as HTML (deleted words in <del>, inserted in <ins>), with the policy's title and link."""
    marks = {DELETE: "<del>{}</del>", INSERT: "<ins>{}</ins>", GAP: "…"}
    words = " ".join(marks.get(s.op, "{}").format(html.escape(s.text)) for s in item.words)
    head = f'<p>{html.escape(item.title)} — <a href="{html.escape(item.url)}">{html.escape(item.url)}</a></p>'
    return head + (f"<p>{words}</p>" if words else f"<p>{html.escape(item.summary)}</p>")


def changes_feed(rows: Sequence[Mapping[str, Any]], *, generated_at: datetime, link: str | None = None) -> bytes:
    """The Atom document (UTF-8 bytes) of change rows as the digest reads them (``ledger.change_rows``)."""
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.id(FEED_ID)
    fg.title(TITLE)
    fg.author({"name": "payer-policy-tracker"})
    if link:
        fg.link(href=link, rel="self")
    fg.language("en")
    fg.subtitle("What changed in the watched coverage policies, code by code")
    shown = [r for r in rows if r["kind"] != "new"]
    fg.updated(max((_moment(r["detected_at"]) for r in shown), default=generated_at))
    for row in shown:  # feedgen lists entries newest first when each is added at the front
        item = make_item(row)
        entry = fg.add_entry()
        entry.id(entry_id(row))
        entry.title(_printable(item.headline))
        entry.updated(_moment(row["detected_at"]))
        entry.published(_moment(row["detected_at"]))
        if item.url:
            entry.link(href=item.url, rel="alternate")
        entry.category(term=row["kind"])
        entry.content(_printable(content_html(item)), type="html")
    return bytes(fg.atom_str(pretty=True))


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _printable(text: str) -> str:
    """Text an XML document may hold (no control characters but tab and newline)."""
    return "".join(c for c in text if c in "\t\n" or ord(c) >= 32)
