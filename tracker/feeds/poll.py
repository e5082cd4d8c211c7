"""Poll: fetch every feed once in a run, read its entries, and record what they announce.

Feeds go through the documents' fetch (``tracker.fetch``): the same politeness (per-host pacing,
hosts in parallel), conditional GET, retries, body checks. A feed that fails, or whose page
lost most of its entries, is that feed's fault: recorded, reported, its last good entries kept,
nothing retired. Entries then become announcements (a change to a tracked source, or a policy
naming a tracked code: a suggestion), and retirements (``tracker.feeds.match``).
May import: config, fetch, feeds, store, models, errors.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import requests

from tracker.config.feeds import Feed
from tracker.config.sources import Config, Source
from tracker.errors import FetchError, StoreError
from tracker.feeds import Entry
from tracker.feeds.match import Matcher, dropped, retire_due
from tracker.feeds.parse import parse_feed
from tracker.fetch.http import Validators, fetch, make_session
from tracker.fetch.pool import fetch_all
from tracker.models import Clock, Fetched, iso
from tracker.store import Store
from tracker.store import feeds as rows

if TYPE_CHECKING:
    from tracker.run.check import RunResult, SourceResult

log = logging.getLogger("tracker")
INDEX_KINDS = ("uhc-index", "cigna-index", "aetna-index")
"""Feeds that list every current policy: an entry that leaves one is a policy dropped."""
SHRINK_FLOOR = 5
"""An index of fewer entries than this is never judged shrunk (too few to tell)."""
SHRINK_RATIO = 0.5
"""An index edition listing fewer than this share of the last good edition's entries is a fault."""


@dataclass
class FeedResult:
    """What one run found for one feed."""

    feed: Feed
    outcome: str
    """new | changed | unchanged | skipped | error"""
    entries: int = 0
    error: str | None = None
    streak: int = 0
    """Polls in a row that failed, this one included."""
    last_read: str | None = None
    """When the feed was last read well."""
    announcements: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)


@dataclass
class FeedRun:
    """Every feed's result in one run."""

    results: list[FeedResult] = field(default_factory=list)
    noticed: list[str] = field(default_factory=list)
    """Sources retired this run because their new version carries a retired/archived notice."""

    @property
    def failed(self) -> list[FeedResult]:
        """The feeds that could not be read."""
        return [r for r in self.results if r.outcome == "error"]

    def lines(self) -> list[str]:
        """What `tracker run` prints about the feeds."""
        notices = [f"Retired (the policy carries a retired/archived notice): {s}" for s in self.noticed]
        if not self.results:
            return notices
        ok = [r for r in self.results if r.outcome not in ("error", "skipped")]
        lines = [
            f"Feeds: read {len(ok)} of {len(self.results)}; "
            f"{sum(len(r.announcements) for r in self.results)} new announcement(s)."
        ]
        for r in self.results:
            lines += [f"  {r.feed.id}: {a}" for a in r.announcements]
            lines += [f"  {r.feed.id}: retired {s}" for s in r.retired]
        lines += [f"  {r.feed.id}: feed failed{_streak(r)}: {r.error}" for r in self.failed]
        return notices + lines


def _streak(result: FeedResult) -> str:
    """ " (3 runs in a row; last read 2026-12-01; its last good entries are kept)", or ""."""
    if result.streak < 2:
        return ""
    since = f"last read {result.last_read[:10]}" if result.last_read else "never read"
    return f" ({result.streak} runs in a row; {since}; its last good entries are kept)"


def probe(feed: Feed, config: Config) -> Source:
    """A stand-in Source for the shared fetch: the feed's address, id and payer."""
    kind = "pdf" if feed.kind == "uhc-bulletin" else None
    return Source(id=feed.id, payer=feed.payer, title=feed.id, url=feed.url, codes=config.codes, kind=kind)  # type: ignore[arg-type]


def poll_feeds(
    config: Config,
    store: Store,
    *,
    run_id: int,
    clock: Clock,
    session_factory: Callable[[], requests.Session] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> FeedRun:
    """Poll every configured feed once; a failure is that feed's, never the run's."""
    run = FeedRun()
    if not config.feeds:
        return run
    factory = session_factory or (lambda: make_session(config.fetch))
    matcher = Matcher.load(config, store, today=clock().date().isoformat())
    fetched_kinds = [f for f in config.feeds if f.kind != "mcd-reports"]
    probes = {f.id: probe(f, config) for f in fetched_kinds}
    validators = {f.id: _validators(store, f) for f in fetched_kinds}
    by_id = {f.id: f for f in config.feeds}
    if config.fetch.delay and {f.host for f in fetched_kinds} & {s.host for s in config.sources}:
        sleep(config.fetch.delay)  # a host just fetched for the sources gets its pause before its index

    def fetch_one(source: Source, session: requests.Session) -> Fetched:
        return fetch(source, session, config.fetch, validators[source.id])

    attempts = fetch_all(
        list(probes.values()),
        fetch_one,
        session_factory=factory,
        parallel=config.fetch.parallel,
        delay=config.fetch.delay,
        clock=clock,
        sleep=sleep,
    )
    for attempt in attempts:
        feed = by_id[attempt.source.id]
        base = {
            "feed_id": feed.id,
            "run_id": run_id,
            "started_at": iso(attempt.started_at),
            "duration_ms": attempt.duration_ms,
            "url": feed.url,
        }
        read = functools.partial(_read, feed, attempt.result, base, store, matcher, clock)
        run.results.append(_guarded(read, feed, base, store))
    run.results += _reports(config, store, matcher, run_id, clock, factory, sleep)
    retire_due(matcher, store, run_id, iso(clock()))
    return run


def _reports(
    config: Config,
    store: Store,
    matcher: Matcher,
    run_id: int,
    clock: Clock,
    factory: Callable[[], requests.Session],
    sleep: Callable[[float], None],
) -> list[FeedResult]:
    """The Coverage API report feeds (weekly)."""
    from tracker.feeds.medicare import poll_reports

    found = []
    for feed in (f for f in config.feeds if f.kind == "mcd-reports"):
        base = {"feed_id": feed.id, "run_id": run_id, "started_at": iso(clock()), "duration_ms": 0, "url": feed.url}
        reports = functools.partial(poll_reports, feed, config, store, matcher, clock, factory, base, sleep)
        found.append(_guarded(reports, feed, base, store))
    return found


def _guarded(work: Callable[[], FeedResult], feed: Feed, base: dict[str, object], store: Store) -> FeedResult:
    try:
        return work()
    except StoreError:
        raise
    except FetchError as exc:
        rows.record_poll(
            store,
            {
                **base,
                "outcome": "error",
                "error_class": exc.error_class,
                "error": exc.message,
                "http_status": exc.http_status,
            },
        )
        log.info("feed=%s outcome=error error=%s", feed.id, exc.message)
        streak, last = rows.failing_streak(store, feed.id)
        return FeedResult(feed, "error", error=exc.message, streak=streak, last_read=last)
    except Exception as exc:  # noqa: BLE001 - a bug of ours on one feed must not stop the run
        log.debug("feed=%s internal error", feed.id, exc_info=True)
        message = f"{feed.url}: unexpected {type(exc).__name__}: {exc}"
        rows.record_poll(store, {**base, "outcome": "error", "error_class": "internal", "error": message})
        return FeedResult(feed, "error", error=message)


def _validators(store: Store, feed: Feed) -> Validators | None:
    last = rows.last_good_poll(store, feed.id)
    if last is None or last["url"] != feed.url or not last["sha256"] or not store.raw.path(last["sha256"]).exists():
        return None
    return Validators(last["etag"], last["last_modified"])


def _read(
    feed: Feed, result: Fetched | FetchError, base: dict[str, object], store: Store, matcher: Matcher, clock: Clock
) -> FeedResult:
    if isinstance(result, FetchError):
        raise result
    last = rows.last_good_poll(store, feed.id)
    head = {**base, "http_status": result.http_status, "etag": result.etag, "last_modified": result.last_modified}
    if result.not_modified or (last and last["sha256"] == hashlib.sha256(result.body).hexdigest()):
        if last is None:
            raise FetchError(f"{feed.url}: HTTP 304 but no earlier edition is stored", error_class="http-status")
        rows.record_poll(store, {**head, "outcome": "unchanged", "sha256": last["sha256"], "entries": last["entries"]})
        return FeedResult(feed, "unchanged", entries=int(last["entries"] or 0))
    sha = hashlib.sha256(result.body).hexdigest()
    entries = parse_feed(feed.kind, result.body, feed.url, feed.lob)
    before = rows.current_entries(store, feed.id)
    _refuse_shrunk(feed, entries, before)
    store.raw.save(sha, result.body)
    now = iso(clock())
    outcome = "new" if last is None else "changed"
    found = FeedResult(feed, outcome, entries=len(entries))
    keys = {e.key for e in entries}
    gone = [k for k in before if k not in keys]
    rows.save_entries(store, feed.id, [e.to_dict() for e in entries], gone, now)
    run_id = int(str(base["run_id"]))
    for entry in entries:
        found.announcements += matcher.consider(
            store, feed, entry, before.get(entry.key), run_id, now, first=last is None
        )
    if feed.kind in INDEX_KINDS and last is not None:
        dropped(matcher, store, feed, [before[k] for k in gone], entries, run_id, now)
    rows.record_poll(store, {**head, "outcome": outcome, "sha256": sha, "entries": len(entries)})
    log.info("feed=%s outcome=%s entries=%d", feed.id, outcome, len(entries))
    return replace(found, retired=found.retired + matcher.retired_now.pop(feed.id, []))


def _refuse_shrunk(feed: Feed, entries: list[Entry], before: Mapping[str, object]) -> None:
    """An index edition that lost most of its entries is a fault: the page broke, the payer did not retire them."""
    if feed.kind not in INDEX_KINDS or len(before) < SHRINK_FLOOR:
        return
    if len(entries) < len(before) * SHRINK_RATIO:
        raise FetchError(
            f"{feed.url}: the index lists {len(entries)} policies, down from {len(before)}: a page that lost most of "
            "its entries is treated as broken (nothing is retired); the last good edition is kept",
            error_class="unreadable",
        )


def _new_body(store: Store, result: SourceResult) -> bool:
    """This run fetched other bytes than the fetch before (a new version, or new bytes for the same policy)."""
    if result.outcome in ("new", "changed"):
        return True
    bodies = rows.last_two_bodies(store, result.source.id)
    return len(bodies) == 2 and bodies[0] != bodies[1]


def after_run(config: Config, store: Store, result: RunResult, clock: Clock) -> FeedRun:
    """What a run does after its sources: retirement notices in new bodies, the feeds, the links
    from this run's changes to the announcements that foretold them."""
    from tracker.feeds.notice import check_notices, link_run

    changed = [r.source for r in result.results if r.outcome != "error" and _new_body(store, r)]
    noticed = check_notices(store, changed, result.run_id, iso(clock()))
    feeds = poll_feeds(config, store, run_id=result.run_id, clock=clock)
    link_run(store, result.run_id)
    feeds.noticed = noticed
    return feeds
