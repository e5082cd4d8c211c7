"""Upcoming: announced changes and stored versions whose effective date is still ahead, soonest first.

Reads the store (announcements, each source's latest version); ``ics`` writes them as an
iCalendar file with the ``icalendar`` library (imported only then).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from tracker.feeds import CHANGE_WORDS
from tracker.store import Store
from tracker.store import feeds as rows
from tracker.vocab import payer_name

if TYPE_CHECKING:
    from tracker.notify.digest import Digest

Row = dict[str, Any]


def upcoming(store: Store, *, today: date, code: str | None = None, days: int | None = None) -> list[Row]:
    """Announcements and versions taking effect today or later (within ``days``), soonest first."""
    found = [
        _announced(a, today) for a in rows.announcements(store) if (a["effective_date"] or "") >= today.isoformat()
    ]
    found += [_version(v, today) for v in rows.future_versions(store, today.isoformat())]
    if code:
        found = [r for r in found if code in r["codes"]]
    if days is not None:
        found = [r for r in found if r["days"] <= days]
    return sorted(found, key=lambda r: (r["effective_date"], r["payer"], r["title"]))


def _days(effective: str, today: date) -> int:
    return (date.fromisoformat(effective[:10]) - today).days


def _announced(a: Row, today: date) -> Row:
    words = CHANGE_WORDS.get(a["change_type"] or "", a["change_type"] or "announced")
    codes = list(dict.fromkeys([*(a["named_codes"] or []), *(a["source_codes"] or [])]))
    row = {
        "kind": "announcement",
        "id": a["id"],
        "payer": a["payer"],
        "plan": a.get("plan"),
        "policy_number": a["policy_number"],
        "title": a["title"],
        "source": a["source_id"],
        "change_type": a["change_type"],
        "effective_date": a["effective_date"],
        "days": _days(a["effective_date"], today),
        "codes": codes,
        "detail": a["detail"] or "",
        "section": a["section"] or "",
        "feed": a["feed_id"],
        "posted": a["posted"],
        "url": a["url"],
        "change_id": a["change_id"],
        "first_seen_at": a["first_seen_at"],
    }
    row["text"] = _text(row, words)
    return row


def _version(v: Row, today: date) -> Row:
    row = {
        "kind": "version",
        "id": None,
        "payer": v["payer"],
        "plan": v["plan"],
        "policy_number": v["policy_number"],
        "title": v["title"] or v["source_title"],
        "source": v["source_id"],
        "change_type": "revised",
        "effective_date": v["effective_date"],
        "days": _days(v["effective_date"], today),
        "codes": json.loads(v["codes"] or "[]"),
        "detail": "a stored version takes effect",
        "section": "",
        "feed": None,
        "posted": None,
        "url": v["url"],
        "change_id": None,
        "first_seen_at": None,
    }
    row["text"] = _text(row, "new version")
    return row


def _text(row: Row, words: str) -> str:
    """ "Cigna 0525 — revised, effective 2027-02-15, in 71 days: Policies With a Reduction in Coverage"."""
    name = payer_name(row["payer"], row.get("plan"))
    label = row["policy_number"] or row["title"]
    when = "today" if row["days"] == 0 else f"in {row['days']} day{'s' if row['days'] != 1 else ''}"
    tail = f": {row['section']}" if row["section"] else (f": {row['title']}" if row["policy_number"] else "")
    return f"{name} {label} — {words}, effective {row['effective_date']}, {when}{tail}"


def ics(items: list[Row], *, stamp: str) -> bytes:
    """The items as an iCalendar file: one all-day event per effective date."""
    from datetime import datetime

    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//payer-policy-tracker//upcoming//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Payer policy changes taking effect")
    for item in items:
        event = Event()
        key = f"{item['kind']}:{item['id'] or item['source']}:{item['effective_date']}"
        event.add("uid", hashlib.sha256(key.encode()).hexdigest()[:32] + "@payer-policy-tracker")
        event.add("dtstamp", datetime.fromisoformat(stamp))
        event.add("dtstart", date.fromisoformat(item["effective_date"][:10]))
        event.add(
            "summary",
            item["text"].split(", effective")[0] + (f" ({', '.join(item['codes'])})" if item["codes"] else ""),
        )
        event.add("description", "\n".join(x for x in (item["text"], item["detail"]) if x))
        if item["url"]:
            event.add("url", item["url"])
        event.add("categories", [item["payer"], item["change_type"] or "change"])
        cal.add_component(event)
    return bytes(cal.to_ical())


def with_upcoming(
    digest: Digest,
    store: Store,
    *,
    today: date,
    since: str | None = None,
    wants: Callable[[str], bool] | None = None,
) -> Digest:
    """The digest with its Upcoming section: the announcements first seen in the latest run (or since
    ``since``), and what takes effect within ``SOON_DAYS`` days. ``wants`` (a team's digest) keeps what
    concerns its sources, and the suggestions of new policies (which concern no source yet)."""
    from dataclasses import replace

    from tracker.notify.digest import SOON_DAYS, Ahead

    if since is None:
        run_id = rows.latest_run_id(store)
        fresh = [a for a in rows.announcements(store) if run_id is not None and a["run_id"] == run_id]
    else:
        fresh = rows.announcements(store, since=since)
    ahead = upcoming(store, today=today, days=SOON_DAYS)
    if wants is not None:
        fresh = [a for a in fresh if a["source_id"] is None or wants(a["source_id"])]
        ahead = [i for i in ahead if i["source"] is None or wants(i["source"])]
    announced = tuple(Ahead(_announced_line(a, today), a["url"] or "") for a in fresh)
    soon = tuple(Ahead(i["text"], i["url"] or "") for i in ahead)
    return replace(digest, announced=announced, soon=soon)


def _announced_line(a: Row, today: date) -> str:
    """A new announcement: its countdown line, or for a suggested policy the line that says how to add it."""
    from tracker.feeds.match import announcement_line

    ahead = bool(a["effective_date"]) and a["effective_date"] >= today.isoformat()
    if ahead and (a["source_id"] or a["change_type"] != "new"):
        return str(_announced(a, today)["text"])
    return announcement_line({**a, "named_codes": json.dumps(a["named_codes"])})
