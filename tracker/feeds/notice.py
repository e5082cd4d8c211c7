"""Retirement notices inside a policy document ("This policy has been archived"), and the links from
a run's changes back to the announcements that foretold them.

Run after a run's sources are checked: the sources whose body changed are read again (the last
body fetched, first page or first few thousand characters; a notice may come without any change
to the code's passage); a source already retired is not
retired again, so a notice yields one ``retired`` change per code, once.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence

from tracker.config.sources import Source
from tracker.errors import StoreError
from tracker.store import Store
from tracker.store import feeds as rows

log = logging.getLogger("tracker")
NOTICE = re.compile(
    r"\b(?:this|the)\s+(?:medical\s+|coverage\s+|clinical\s+)?(?:policy|cpb|bulletin|guideline|article)\s+"
    r"(?:has\s+been|was|is\s+now|is)\s+(?:retired|archived)\b"
    r"|\b(?:archived|retired)\s+(?:medical\s+|coverage\s+)?(?:policy|cpb|guideline)\b(?:\s*[-:\u2013]|\s+notice)"
    r"|^\s*(?:archived|retired)\s*$",
    re.I | re.M,
)
NOTICE_REASON = "the policy carries a retired/archived notice"
HEAD = 6000
"""Characters of the document's beginning searched for the notice (it sits at the top)."""
_DATE = re.compile(
    r"(?:retired|archived)\b[^.\n]{0,40}?\b(?:on|effective|as of)\s+"
    r"([A-Z][a-z]+\.? \d{1,2}, \d{4}|\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})",
    re.I,
)


def head_text(body: bytes, kind: str | None) -> str:
    """The first few thousand characters a reader sees of a stored body (HTML text, PDF first page)."""
    if kind == "pdf":
        import pdfplumber

        with pdfplumber.open(io.BytesIO(body)) as pdf:
            return (pdf.pages[0].extract_text() or "")[:HEAD] if pdf.pages else ""
    if kind in ("json", "mcd-article"):
        return ""
    import lxml.html

    try:
        root = lxml.html.fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return ""
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    return "\n".join(" ".join(t.split()) for t in root.itertext() if t.strip())[:HEAD]


def notice_in(text: str) -> tuple[bool, str | None]:
    """Whether the text carries a retired/archived notice, and the date it gives, if any."""
    from tracker.feeds.parse import first_date

    found = NOTICE.search(text)
    if not found:
        return False, None
    when = _DATE.search(text)
    return True, first_date(when[1]) if when else None


def check_notices(store: Store, sources: Sequence[Source], run_id: int, now: str) -> list[str]:
    """Retire the sources whose new body carries a retired/archived notice (and reinstate those retired for a
    notice that is gone); the ids of those retired now."""
    retired = []
    known = rows.source_rows(store)
    for source in sources:
        doc = rows.latest_body(store, source.id)
        if doc is None or source.id not in known:
            continue
        sha = store.last_validators(source.id, source.url)[2] or doc["sha256"]
        try:
            text = head_text(store.raw.load(sha), doc["kind"])
        except StoreError:
            continue
        except Exception:  # noqa: BLE001 - a body we cannot read for the notice is simply not retired
            log.debug("source=%s notice check failed", source.id, exc_info=True)
            continue
        found, when = notice_in(text)
        open_one = rows.open_retirement(store, source.id)
        if not found:
            if open_one and open_one["reason"] == NOTICE_REASON:  # the notice is gone: the policy applies again
                rows.reinstate(store, source.id, now)
            continue
        reason = NOTICE_REASON
        if rows.retire(
            store, source=known[source.id], run_id=run_id, now=now, retired_on=when or now[:10], reason=reason
        ):
            retired.append(source.id)
    return retired


def link_run(store: Store, run_id: int) -> int:
    """Link this run's changes to the announcements of their sources; how many announcements were linked."""
    by_source: dict[str, list[int]] = {}
    for change in rows.run_changes(store, run_id):
        if change["kind"] != "retired":
            by_source.setdefault(change["source_id"], []).append(int(change["id"]))
    return sum(rows.link_changes(store, source, ids) for source, ids in by_source.items())
