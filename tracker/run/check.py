"""Check: one run over the sources — fetch, capture, extract, diff, store.

Per-source isolation: whatever happens to one source is caught once here and
recorded as that source's outcome (new | changed | unchanged | error); the run
goes on, the last good version stays, and a failure never yields "removed".
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from urllib.parse import urlsplit

import requests

from tracker.config.sources import Config, Source
from tracker.errors import ExtractError, FetchError
from tracker.extract import extract
from tracker.fetch.cms import TokenCache, fetch_article
from tracker.fetch.http import Attempt, Fetched, Validators, fetch, fetch_all, make_session
from tracker.judge.classify import summarize
from tracker.judge.diff import Change, Version, diff_versions, version_of
from tracker.models import Extraction, Metadata
from tracker.store.database import FetchRecord, Store, StoredDocument

OUTCOMES = ("new", "changed", "unchanged", "error")
log = logging.getLogger("tracker")


@dataclass(frozen=True)
class SourceResult:
    """What one run found for one source."""

    source: Source
    outcome: str
    changes: tuple[Change, ...] = ()
    error_class: str | None = None
    error: str | None = None


@dataclass
class RunResult:
    """What one run found, source by source."""

    run_id: int
    results: list[SourceResult] = field(default_factory=list)
    interrupted: bool = False

    @property
    def failed(self) -> list[SourceResult]:
        """The sources that could not be checked."""
        return [r for r in self.results if r.outcome == "error"]

    @property
    def changes(self) -> list[Change]:
        """Every change found, first captures included."""
        return [c for r in self.results for c in r.changes]


Clock = Callable[[], datetime]


def iso(moment: datetime) -> str:
    """A timestamp as stored: ISO 8601, seconds, with offset."""
    return moment.isoformat(timespec="seconds")


def run_check(
    config: Config,
    store: Store,
    *,
    clock: Clock,
    only: Sequence[str] = (),
    session_factory: Callable[[], requests.Session] | None = None,
    on_result: Callable[[SourceResult], None] | None = None,
    stop: threading.Event | None = None,
) -> RunResult:
    """Check every selected source once and record everything in the store.

    When ``stop`` is set the run ends after the sources in progress; the rest
    are left for the next run (not recorded as failures).
    """
    sources = config.select(tuple(only))
    store.sync_sources(config.sources, iso(clock()))
    run = RunResult(store.start_run(iso(clock()), only, len(sources)))
    last = {s.id: store.last_document(s.id) for s in sources}
    validators = {s.id: _validators(store, s, last[s.id]) for s in sources}

    # One token cache per run: Medicare sources share the API host, so one worker fetches them in turn.
    tokens = TokenCache(clock)

    def fetch_one(source: Source, session: requests.Session) -> Fetched:
        if source.kind == "mcd-article":
            return fetch_article(source, session, config.fetch, tokens)
        return fetch(source, session, config.fetch, validators[source.id])

    attempts = fetch_all(
        sources,
        fetch_one,
        clock=clock,
        parallel=config.fetch.parallel,
        delay=config.fetch.delay,
        session_factory=session_factory or (lambda: make_session(config.fetch)),
        stop=stop,
    )
    for attempt in attempts:
        result = _check_one(attempt, last[attempt.source.id], store, run.run_id, clock)
        _log(result)
        run.results.append(result)
        if on_result:
            on_result(result)
    run.interrupted = len(run.results) < len(sources)
    store.finish_run(
        run.run_id,
        iso(clock()),
        len(run.results) - len(run.failed),
        len(run.failed),
        len(run.changes),
        interrupted=run.interrupted,
    )
    return run


def _log(result: SourceResult) -> None:
    """One log line per source outcome; no secrets are ever in these fields."""
    # INFO for every outcome: a failure is expected and reported in the summary and the digest;
    # a source failing `max_failures` runs in a row is logged at WARNING by the job.
    if result.outcome == "error":
        log.info("source=%s outcome=error class=%s error=%s", result.source.id, result.error_class, result.error)
    else:
        log.info("source=%s outcome=%s changes=%d", result.source.id, result.outcome, len(result.changes))


def _validators(store: Store, source: Source, doc: StoredDocument | None) -> Validators | None:
    """Conditional-GET validators of the last body fetched from this URL, when a 304 can be trusted.

    Not when the URL changed (the validators belong to another document), not when the tracked
    codes changed (the stored body must be read again for them), not when the body is gone.
    """
    if doc is None or doc.url != source.url or doc.version.codes != frozenset(source.codes):
        return None
    etag, last_modified, sha = store.last_validators(source.id, source.url)
    if sha is None or not store.raw_path(sha).exists():
        return None
    return Validators(etag, last_modified)


def _check_one(attempt: Attempt, last: StoredDocument | None, store: Store, run_id: int, clock: Clock) -> SourceResult:
    source = attempt.source
    record = FetchRecord(
        run_id=run_id,
        source_id=source.id,
        started_at=iso(attempt.started_at),
        duration_ms=attempt.duration_ms,
        url=source.url,
        outcome="error",
    )
    result = attempt.result
    try:
        if isinstance(result, FetchError):
            raise result
        return _check_body(source, result, last, store, run_id, clock, record)
    except FetchError as exc:
        body = result.body if isinstance(result, Fetched) else (exc.body or b"")
        sha = _keep_failed_body(store, body)
        store.record_fetch(
            FetchRecord(
                **{
                    **record.__dict__,
                    "error_class": exc.error_class,
                    "error": exc.message,
                    "http_status": exc.http_status,
                    "sha256": sha,
                    "size": len(body) if body else None,
                }
            )
        )
        return SourceResult(source, "error", error_class=exc.error_class, error=exc.message)


def _keep_failed_body(store: Store, body: bytes) -> str | None:
    """Keep what a failing server sent (a challenge page, a truncated PDF), for diagnosis; never a version."""
    if not body:
        return None
    sha = hashlib.sha256(body).hexdigest()
    store.save_raw(sha, body)
    return sha


def _check_body(
    source: Source,
    fetched: Fetched,
    last: StoredDocument | None,
    store: Store,
    run_id: int,
    clock: Clock,
    record: FetchRecord,
) -> SourceResult:
    base = {
        **record.__dict__,
        "http_status": fetched.http_status,
        "content_type": fetched.content_type,
        "etag": fetched.etag,
        "last_modified": fetched.last_modified,
    }
    if fetched.not_modified:
        if last is None:
            raise FetchError(f"{source.url}: HTTP 304 but no earlier version is stored", error_class="http-status")
        *_, sha = store.last_validators(source.id, source.url)
        store.record_fetch(
            FetchRecord(**{**base, "outcome": "unchanged", "not_modified": True, "sha256": sha, "document_id": last.id})
        )
        return SourceResult(source, "unchanged")
    sha = hashlib.sha256(fetched.body).hexdigest()
    base.update(sha256=sha, size=len(fetched.body))
    same_codes = last is not None and last.version.codes == frozenset(source.codes)
    if last is not None and same_codes and last.sha256 == sha:
        store.record_fetch(FetchRecord(**{**base, "outcome": "unchanged", "document_id": last.id}))
        return SourceResult(source, "unchanged")
    extraction = _extract(source, fetched)
    version = version_of(extraction, source.codes, summarize)
    old = last.version if last else None
    if last is not None and version == old:
        # Other bytes, same policy (a per-request nonce, a re-rendered PDF): the body is kept, no new version.
        store.save_raw(sha, fetched.body)
        store.record_fetch(FetchRecord(**{**base, "outcome": "unchanged", "document_id": last.id}))
        return SourceResult(source, "unchanged")
    _refuse_blank(source, fetched, old, version)
    changes = diff_versions(old, version)
    outcome = "new" if last is None else ("changed" if changes else "unchanged")
    moved = old is None or version.metadata.effective_date != old.metadata.effective_date
    store.record_version(
        source=source,
        fetched=fetched,
        sha256=sha,
        now=iso(clock()),
        extraction=extraction,
        version=version,
        changes=changes,
        run_id=run_id,
        fetch=FetchRecord(**{**base, "outcome": outcome}),
        previous_id=last.id if last else None,
        effective_date=version.metadata.effective_date if moved else None,
    )
    return SourceResult(source, outcome, tuple(changes))


def _extract(source: Source, fetched: Fetched) -> Extraction:
    try:
        return extract(
            fetched.body,
            fetched.kind or "html",
            source.codes,
            selector=source.selector,
            encoding=charset_of(fetched.content_type),
        )
    except ExtractError as exc:
        raise FetchError(f"{source.url}: {exc.message}", error_class="unreadable") from exc


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


def _refuse_blank(source: Source, fetched: Fetched, old: Version | None, new: Version) -> None:
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


def _not_the_policy(fetched: Fetched, before: Metadata, after: Metadata) -> str | None:
    if fetched.final_url and _where(fetched.final_url) != _where(fetched.url):
        return f"the request was redirected to {fetched.final_url}"
    if fetched.kind == "html" and _LOGIN.search(fetched.body[:200_000]):
        return "it asks to sign in"
    if before.policy_number and after.policy_number != before.policy_number:
        return f"its policy number is {after.policy_number or 'missing'} (was {before.policy_number})"
    if not before.policy_number and before.title and _fold(after.title) != _fold(before.title):
        return f"its title is {after.title!r} (was {before.title!r})"
    if not (before.policy_number or before.title) and after.effective_date is None:
        return "it carries no policy title, number or date"
    return None


def _where(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.netloc.lower(), parts.path.rstrip("/")


def _fold(text: str | None) -> str:
    return " ".join((text or "").casefold().split())
