"""Medicare early warning: the CMS Coverage API's reports read as a feed (``kind = "mcd-reports"``).

Proposed LCDs in their comment or notice period (``status`` C, E, F) whose related articles list
a tracked code, with their comment and notice dates (``lcd/tracking-sheet``); published
future-effective article versions (``status=F``) that add, drop or regroup a tracked code;
planned retirements of tracked articles (``article/future-retire``) and retired ones
(``status=R``). Local data is refreshed weekly (Thursdays): the feed is read at most once a week.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import requests

from tracker.config.feeds import Feed
from tracker.config.sources import Config
from tracker.extract.mcd import lists_code
from tracker.feeds import Entry
from tracker.feeds.match import Matcher
from tracker.feeds.parse import first_date
from tracker.fetch.cms import CODES_PATH, CoverageClient, TokenCache
from tracker.models import Clock, iso
from tracker.store import Store
from tracker.store import feeds as rows

PROPOSED_PATH = "/v1/reports/local-coverage-proposed-lcds/"
ARTICLES_PATH = "/v1/reports/local-coverage-articles/"
TRACKING_PATH = "/v1/data/lcd/tracking-sheet"
FUTURE_RETIRE_PATH = "/v1/data/article/future-retire"
WHATS_NEW_PATH = "/v1/reports/whats-new/local/"
FINAL_LCDS_PATH = "/v1/reports/local-coverage-final-lcds/"
LCD_RELATED_PATH = "/v1/data/lcd/related-documents"
PROPOSED_STATUSES = {"C": "In Comment", "E": "Comments Ended", "F": "In Notice"}
WEEK = timedelta(days=7)
Row = dict[str, Any]


def poll_reports(
    feed: Feed,
    config: Config,
    store: Store,
    matcher: Matcher,
    clock: Clock,
    session_factory: Callable[[], requests.Session],
    base: dict[str, Any],
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """Read the reports once a week; record announcements and retirements like any feed."""
    from tracker.feeds.poll import FeedResult

    last = rows.last_good_poll(store, feed.id)
    if last and datetime.fromisoformat(last["started_at"]) > clock() - WEEK + timedelta(hours=1):
        return FeedResult(feed, "skipped", entries=int(last["entries"] or 0))
    tick = time.monotonic()
    with session_factory() as session:
        client = CoverageClient(
            (feed.api or feed.url.split("/v1/")[0]).rstrip("/"),
            session,
            config.fetch,
            TokenCache(clock),
            delay=config.fetch.delay,
            sleep=sleep,
        )
        since = datetime.fromisoformat(last["started_at"]).date() if last else None
        changed = _whats_new(client, since, clock().date())
        entries = _proposed(client, matcher.codes) + _future(client, matcher.codes, changed)
        entries += _future_lcds(client, matcher.codes, changed) + _retiring(client, config)
    now = iso(clock())
    found = FeedResult(feed, "new" if last is None else "changed", entries=len(entries))
    before = rows.current_entries(store, feed.id)
    keys = {e.key for e in entries}
    rows.save_entries(store, feed.id, [e.to_dict() for e in entries], [k for k in before if k not in keys], now)
    for entry in entries:
        found.announcements += matcher.consider(
            store, feed, entry, before.get(entry.key), int(base["run_id"]), now, first=last is None
        )
    found.retired += matcher.retired_now.pop(feed.id, [])
    duration = int((time.monotonic() - tick) * 1000)
    rows.record_poll(
        store, {**base, "duration_ms": duration, "outcome": found.outcome, "entries": len(entries), "http_status": 200}
    )
    return found


def _date(value: Any) -> str | None:
    return first_date(str(value or ""))


def _proposed(client: CoverageClient, codes: tuple[str, ...]) -> list[Entry]:
    entries = []
    for status, label in PROPOSED_STATUSES.items():
        for row in client.data(PROPOSED_PATH, {"status": status}, f"proposed LCDs ({label})"):
            lcd = int(str(row["document_id"]).lstrip("DL") or 0)
            sheet = client.data(
                TRACKING_PATH, {"lcdid": lcd, "ver": row.get("document_version")}, f"DL{lcd} tracking sheet"
            )
            named = _related_codes(client, sheet, codes)
            if not named:
                continue
            first = sheet[0] if sheet else {}
            detail = (
                f"{label}: comment period {first.get('comment_start_dt') or '?'}–{first.get('comment_end_dt') or '?'}; "
                f"notice period {first.get('notice_start_dt') or '?'}–{first.get('notice_end_dt') or '?'}; "
                f"related article(s) list {', '.join(named)}"
            )
            # The date that matters next: the revision's effective date, else the notice's end (the final LCD
            # takes effect then), else the end of the comment period.
            effective = next(
                (d for k in ("rev_eff_date", "notice_end_dt", "comment_end_dt") if (d := _date(first.get(k)))), None
            )
            entries.append(
                Entry(
                    "medicare",
                    str(row.get("title") or "").strip(),
                    str(row.get("document_display_id") or f"DL{lcd}"),
                    row.get("url"),
                    "proposed",
                    posted=_date(first.get("mcd_publish_date")) or _date(row.get("updated_on")),
                    effective=effective,
                    codes=tuple(named),
                    detail=detail,
                    section=label,
                )
            )
    return entries


def _related_codes(client: CoverageClient, sheet: list[Row], codes: tuple[str, ...]) -> list[str]:
    named: list[str] = []
    for article in {(r.get("r_article_id"), r.get("r_article_version")) for r in sheet if r.get("r_article_id")}:
        listed = client.data(CODES_PATH, {"articleid": article[0], "ver": article[1]}, f"A{article[0]} codes")
        named += [c for c in codes if any(lists_code(r, c) for r in listed) and c not in named]
    return named


def _whats_new(client: CoverageClient, since: date | None, today: date) -> set[int] | None:
    """The local documents published since the last poll (the weekly what's-new report, one week per
    call as the API allows); None on a first poll, when everything is read."""
    if since is None:
        return None
    ids: set[int] = set()
    start = since
    while start <= today:
        end = min(start + timedelta(days=6), today)
        params = {"start_date": start.strftime("%Y%m%d"), "end_date": end.strftime("%Y%m%d")}
        for row in client.data(WHATS_NEW_PATH, params, "what's new (local)"):
            digits = "".join(c for c in str(row.get("document_id") or "") if c.isdigit())
            if digits:
                ids.add(int(digits))
        start = end + timedelta(days=1)
    return ids


def _future(client: CoverageClient, codes: tuple[str, ...], changed: set[int] | None) -> list[Entry]:
    """Future-effective article versions that add, drop or regroup a tracked code; only those the
    what's-new report lists when there is one (an article unchanged since the last poll is not re-read)."""
    entries = []
    for row in client.data(ARTICLES_PATH, {"status": "F"}, "future-effective articles"):
        aid, ver = int(row["document_id"]), int(row.get("document_version") or 0)
        if changed is not None and aid not in changed:
            continue
        new = client.data(CODES_PATH, {"articleid": aid, "ver": ver}, f"A{aid} v{ver} codes")
        old = client.data(CODES_PATH, {"articleid": aid, "ver": ver - 1}, f"A{aid} v{ver - 1} codes") if ver > 1 else []
        moves = [m for c in codes if (m := _move(c, old, new))]
        if moves:
            entries.append(
                Entry(
                    "medicare",
                    str(row.get("title") or "").strip(),
                    str(row.get("document_display_id") or f"A{aid}"),
                    row.get("url"),
                    "future",
                    posted=_date(row.get("updated_on")),
                    effective=_date(row.get("effective_date")),
                    codes=tuple(c for c in codes if any(c in m for m in moves)),
                    detail="; ".join(moves),
                    section=f"version {ver}",
                )
            )
    return entries


def _future_lcds(client: CoverageClient, codes: tuple[str, ...], changed: set[int] | None) -> list[Entry]:
    """Published future-effective LCD versions whose related articles list a tracked code."""
    entries = []
    for row in client.data(FINAL_LCDS_PATH, {"status": "F"}, "future-effective LCDs"):
        lcd = int("".join(c for c in str(row["document_id"]) if c.isdigit()) or 0)
        if changed is not None and lcd not in changed:
            continue
        ver = row.get("document_version")
        related = client.data(LCD_RELATED_PATH, {"lcdid": lcd, "ver": ver}, f"L{lcd} related documents")
        named = _related_codes(client, related, codes)
        if named:
            entries.append(
                Entry(
                    "medicare",
                    str(row.get("title") or "").strip(),
                    str(row.get("document_display_id") or f"L{lcd}"),
                    row.get("url"),
                    "future",
                    posted=_date(row.get("updated_on")),
                    effective=_date(row.get("effective_date")),
                    codes=tuple(named),
                    detail=f"new LCD version {ver}; its related article(s) list {', '.join(named)}",
                    section=f"version {ver}",
                )
            )
    return entries


def _move(code: str, old: list[Row], new: list[Row]) -> str | None:
    before = sorted({str(r.get("hcpc_code_group")) for r in old if lists_code(r, code)})
    after = sorted({str(r.get("hcpc_code_group")) for r in new if lists_code(r, code)})
    if before == after:
        return None
    if not before:
        return f"adds {code} (group {', '.join(after)})"
    if not after:
        return f"drops {code} (was in group {', '.join(before)})"
    return f"moves {code} from group {', '.join(before)} to group {', '.join(after)}"


def _retiring(client: CoverageClient, config: Config) -> list[Entry]:
    tracked = {s.article_id: s for s in config.sources if s.kind == "mcd-article" and s.article_id}
    entries = []
    for row in client.data(ARTICLES_PATH, {"status": "R"}, "retired articles"):
        source = tracked.get(int(row["document_id"]))
        if source:
            entries.append(
                Entry(
                    "medicare",
                    source.title,
                    f"A{source.article_id}",
                    row.get("url"),
                    "retired",
                    effective=_date(row.get("retirement_date")),
                    section="retired",
                )
            )
    for aid, source in tracked.items():
        if any(e.policy_number == f"A{aid}" for e in entries):
            continue
        for row in client.data(FUTURE_RETIRE_PATH, {"articleid": aid}, f"A{aid} future retirement"):
            when = _date(row.get("retire_dt"))
            if when:
                entries.append(
                    Entry(
                        "medicare",
                        source.title,
                        f"A{aid}",
                        source.url,
                        "retired",
                        effective=when,
                        section="future-retire",
                    )
                )
    return entries
