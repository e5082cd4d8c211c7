"""Check: one run over the sources — fetch, capture, extract, diff, store.

Per-source isolation: whatever happens to one source — a fetch failure, an unreadable
document, a bug of ours — is caught once here (``check_source``) and recorded as that
source's outcome (new | changed | unchanged | error); the run goes on and always ends,
the last good version stays, and a failure never yields "removed".
May import: config, fetch, extract, judge, store, models, errors.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import requests

from tracker.config.sources import Config, Source
from tracker.errors import ExtractError, FetchError, StoreError
from tracker.extract.fingerprint import fingerprint
from tracker.extract.identity import Extractor, current_extractor
from tracker.fetch.cms import TokenCache, fetch_article
from tracker.fetch.http import Validators, deadline, fetch, make_session
from tracker.fetch.pool import Attempt, fetch_all
from tracker.fetch.sameness import redirected_to, refuse_another_policy
from tracker.fetch.verdict import charset_of, refuse_blank, refuse_shrunk, refuse_unclosed
from tracker.judge.classify import summarize
from tracker.judge.diff import diff_versions, version_of
from tracker.models import Change, Clock, ErrorClass, Extraction, Fetched, Outcome, iso
from tracker.store import FetchRecord, Store, StoredDocument, readings
from tracker.store.raw import RawStore
from tracker.store.text import clean_extraction

log = logging.getLogger("tracker")


@dataclass(frozen=True)
class _Run:
    """What every source's check in one run shares."""

    store: Store
    run_id: int
    clock: Clock
    extractor: Extractor


@dataclass(frozen=True)
class SourceResult:
    """What one run found for one source."""

    source: Source
    outcome: Outcome
    changes: tuple[Change, ...] = ()
    error_class: ErrorClass | None = None
    error: str | None = None
    reread: bool = False
    """The last version was re-read with the current extractor before comparing (an upgrade; never alerted)."""
    moved_to: str | None = None
    """The url redirected to this new address, where the same policy was found (``fetch.sameness``)."""


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


def run_check(
    config: Config,
    store: Store,
    *,
    clock: Clock,
    only: Sequence[str] = (),
    session_factory: Callable[[], requests.Session] | None = None,
    on_result: Callable[[SourceResult], None] | None = None,
    stop: threading.Event | None = None,
    extractor: Extractor | None = None,
    on_start: Callable[[Source], None] | None = None,
) -> RunResult:
    """Check every selected source once and record everything in the store.

    When ``stop`` is set the run ends after the sources in progress; the rest
    are left for the next run (not recorded as failures). ``on_start`` is told of each
    source as its fetch starts (from the fetching thread), ``on_result`` as it ends.
    """
    extractor = extractor or current_extractor()
    sources = config.select(tuple(only))
    store.sync_sources(config.sources, iso(clock()))
    run = RunResult(store.start_run(iso(clock()), only, len(sources), extractor.identity))
    last = {s.id: store.last_document(s.id) for s in sources}
    attempts = fetch_all(
        sources,
        _fetcher(config, store, last, clock, on_start),
        clock=clock,
        parallel=config.fetch.parallel,
        delay=config.fetch.delay,
        session_factory=session_factory or (lambda: make_session(config.fetch)),
        stop=stop,
    )
    context = _Run(store, run.run_id, clock, extractor)
    try:
        for attempt in attempts:
            result = check_source(attempt, last[attempt.source.id], context)
            _log(result)
            run.results.append(result)
            if on_result:
                on_result(result)
    finally:
        run.interrupted = len(run.results) < len(sources)
        _finish(store, run, clock)
    return run


def _fetcher(
    config: Config,
    store: Store,
    last: dict[str, StoredDocument | None],
    clock: Clock,
    on_start: Callable[[Source], None] | None = None,
) -> Callable[[Source, requests.Session], Fetched]:
    """The fetch of one source: the CMS Coverage API for Medicare articles, else a conditional GET."""
    validators = {s.id: _validators(store, s, last[s.id]) for s in config.sources if s.id in last}
    # One token cache per run: Medicare sources share the API host, so one worker fetches them in turn.
    tokens = TokenCache(clock)

    def fetch_one(source: Source, session: requests.Session) -> Fetched:
        if on_start:
            on_start(source)
        if source.kind == "mcd-article":
            with deadline(config.fetch.deadline):  # the article's four calls, as one document
                return fetch_article(source, session, config.fetch, tokens)
        return fetch(source, session, config.fetch, validators[source.id])

    return fetch_one


def _finish(store: Store, run: RunResult, clock: Clock) -> None:
    ok = len(run.results) - len(run.failed)
    store.finish_run(run.run_id, iso(clock()), ok, len(run.failed), len(run.changes), interrupted=run.interrupted)


def _log(result: SourceResult) -> None:
    """One log line per source outcome; no secrets are ever in these fields."""
    # INFO for every outcome: a failure is expected and reported in the summary and the digest;
    # a source failing `max_failures` runs in a row is logged at WARNING by the job.
    if result.outcome == "error":
        log.info("source=%s outcome=error class=%s error=%s", result.source.id, result.error_class, result.error)
    else:
        log.info("source=%s outcome=%s changes=%d", result.source.id, result.outcome, len(result.changes))
    if result.moved_to:
        log.info("source=%s moved: %s -> %s (the same policy)", result.source.id, result.source.url, result.moved_to)


def _validators(store: Store, source: Source, doc: StoredDocument | None) -> Validators | None:
    """Conditional-GET validators of the last body fetched from this URL, when a 304 can be trusted.

    Not when the URL changed (the validators belong to another document), not when the tracked
    codes changed (the stored body must be read again for them), not when the body is gone.
    """
    if doc is None or doc.url != source.url or doc.version.codes != frozenset(source.codes):
        return None
    etag, last_modified, sha = store.last_validators(source.id, source.url)
    if sha is None or not store.raw.path(sha).exists():
        return None
    return Validators(etag, last_modified)


def check_source(attempt: Attempt, last: StoredDocument | None, run: _Run) -> SourceResult:
    """Record one fetch attempt and what it found; every failure becomes this source's error, never the run's."""
    source, store = attempt.source, run.store
    record = FetchRecord(
        run_id=run.run_id,
        source_id=source.id,
        started_at=iso(attempt.started_at),
        duration_ms=attempt.duration_ms,
        url=source.url,
        outcome="error",
    )
    result = attempt.result
    try:
        current = reread(source, last, run)
        if isinstance(result, FetchError):
            raise result
        checked = _check_body(source, result, current, run, record)
        return replace(checked, reread=current is not last, moved_to=_moved_to(source, result, current))
    except StoreError:
        raise  # the database itself failed: nothing more can be recorded, the run cannot go on
    except FetchError as exc:
        return _failed(source, store, record, exc, result.body if isinstance(result, Fetched) else (exc.body or b""))
    except Exception as exc:  # noqa: BLE001 - a bug of ours on one document must not stop the run
        log.debug("source=%s internal error", source.id, exc_info=True)
        message = f"{source.url}: unexpected {type(exc).__name__}: {exc}"
        internal = FetchError(message, error_class="internal")
        return _failed(source, store, record, internal, result.body if isinstance(result, Fetched) else b"")


def _moved_to(source: Source, fetched: Fetched, last: StoredDocument | None) -> str | None:
    """The new address a redirect led to, once the policy there was found to be the last good version's."""
    return redirected_to(fetched) if _at_same_address(source, last) else None


def reread(source: Source, last: StoredDocument | None, run: _Run) -> StoredDocument | None:
    """The last version as the current extractor reads it: re-read from its raw body when another extractor read it.

    The re-read is stored (the old reading is kept, superseded) and logged, never alerted; a
    body that is gone or no longer readable keeps the old reading.
    """
    if last is None or last.extractor == run.extractor.identity:
        return last
    found = read_again(source, last, run.store.raw, run.extractor)
    if found is None:
        return last
    body, extraction = found
    version = version_of(extraction, last.version.codes, summarize)
    seen = _stored_fingerprint(source, last, body)
    current = readings.replace_reading(
        run.store,
        last,
        source.id,
        extraction,
        version,
        extractor=run.extractor.identity,
        now=iso(run.clock()),
        fingerprint=seen,
    )
    differ = [code for code in sorted(version.codes) if version.views.get(code) != last.version.views.get(code)]
    log.info(
        "source=%s re-read version %d with extractor %s (was %s): %s",
        source.id,
        last.id,
        run.extractor.identity,
        last.extractor or "unversioned",
        f"reads differently for {', '.join(differ)}" if differ else "reads the same",
    )
    return current


def read_again(
    source: Source, last: StoredDocument, raw: RawStore, extractor: Extractor
) -> tuple[bytes, Extraction] | None:
    """The last version's raw body and its reading by ``extractor``; None (logged) when it is gone or unreadable."""
    try:
        body = raw.load(last.sha256)
        extraction = extractor(
            body,
            last.kind or "html",
            sorted(last.version.codes),
            selector=source.selector,
            encoding=charset_of(last.content_type),
        )
    except (StoreError, ExtractError) as exc:
        log.warning(
            "source=%s cannot re-read version %d with extractor %s: %s",
            source.id,
            last.id,
            extractor.identity,
            exc.message,
        )
        return None
    return body, clean_extraction(extraction)


def _failed(source: Source, store: Store, record: FetchRecord, exc: FetchError, body: bytes) -> SourceResult:
    """Record a failed fetch, keeping what the server sent (a challenge page, a truncated PDF) for diagnosis."""
    sha = None
    if body:
        sha = hashlib.sha256(body).hexdigest()
        store.raw.save(sha, body)
    failure = replace(
        record,
        error_class=exc.error_class,
        error=exc.message,
        http_status=exc.http_status,
        sha256=sha,
        size=len(body) if body else None,
    )
    store.record_fetch(failure)
    return SourceResult(source, "error", error_class=exc.error_class, error=exc.message)


def _check_body(
    source: Source, fetched: Fetched, last: StoredDocument | None, run: _Run, record: FetchRecord
) -> SourceResult:
    base = replace(
        record,
        http_status=fetched.http_status,
        content_type=fetched.content_type,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
    )
    if fetched.not_modified:
        return _not_modified(source, last, run.store, base)
    sha = hashlib.sha256(fetched.body).hexdigest()
    base = replace(base, sha256=sha, size=len(fetched.body))
    same_codes = last is not None and last.version.codes == frozenset(source.codes)
    if last is not None and same_codes and last.sha256 == sha:
        run.store.record_fetch(replace(base, outcome="unchanged", document_id=last.id))
        return SourceResult(source, "unchanged")
    same = _at_same_address(source, last)
    refuse_unclosed(source, fetched, lambda: _body_of(run.store, same))  # a page cut short, even if it reads the same
    seen = _fingerprint(source, fetched)
    if last is not None and same_codes and seen is not None and seen == _last_fingerprint(source, last, run):
        # Other bytes, the same words and structure (a per-request token): no extraction needed, and
        # the body is not kept (the fetch log names its sha256; the version's body is the stored one).
        run.store.record_fetch(replace(base, outcome="unchanged", document_id=last.id))
        return SourceResult(source, "unchanged")
    return _read_body(source, fetched, last, run, base, seen)


def _fingerprint(source: Source, fetched: Fetched) -> str | None:
    kind = fetched.kind or "html"
    return fingerprint(fetched.body, kind, encoding=charset_of(fetched.content_type), selector=source.selector)


def _stored_fingerprint(source: Source, last: StoredDocument, body: bytes) -> str | None:
    """The fingerprint of a stored version's body, taken as a new fetch's is (``_fingerprint``)."""
    return fingerprint(body, last.kind or "html", encoding=charset_of(last.content_type), selector=source.selector)


def _at_same_address(source: Source, last: StoredDocument | None) -> StoredDocument | None:
    """The last version when it was fetched from the URL configured now (a url edited in sources.toml is the
    operator's: the checks against the last body do not apply), else None."""
    return last if last is not None and last.url == source.url else None


def _last_fingerprint(source: Source, last: StoredDocument, run: _Run) -> str | None:
    """The last version's fingerprint under the current extractor; taken (and kept) now if it never was."""
    if last.extractor != run.extractor.identity:
        return None  # a fingerprint is only as good as the extractor that read the version
    if last.fingerprint is None:
        try:
            body = run.store.raw.load(last.sha256)
        except StoreError:
            return None
        taken = _stored_fingerprint(source, last, body)
        if taken is None:
            return None
        last = readings.set_fingerprint(run.store, last, taken)
    return last.fingerprint


def _not_modified(source: Source, last: StoredDocument | None, store: Store, base: FetchRecord) -> SourceResult:
    """A 304: the body is the last one fetched from this URL."""
    if last is None:
        raise FetchError(f"{source.url}: HTTP 304 but no earlier version is stored", error_class="http-status")
    *_, sha = store.last_validators(source.id, source.url)
    store.record_fetch(replace(base, outcome="unchanged", not_modified=True, sha256=sha, document_id=last.id))
    return SourceResult(source, "unchanged")


def _read_body(
    source: Source, fetched: Fetched, last: StoredDocument | None, run: _Run, base: FetchRecord, seen: str | None
) -> SourceResult:
    """Extract a body whose bytes are new, and store a version when the policy it states differs."""
    assert base.sha256 is not None
    store = run.store
    extraction = _extract(run.extractor, source, fetched)
    version = version_of(extraction, source.codes, summarize)
    old = last.version if last else None
    same = _at_same_address(source, last)
    if last is not None and version == old:
        # Other bytes, same policy (a per-request nonce, a re-rendered PDF): the body is kept, no new version.
        store.raw.save(base.sha256, fetched.body)
        store.record_fetch(replace(base, outcome="unchanged", document_id=last.id))
        return SourceResult(source, "unchanged")
    refuse_blank(source, fetched, old, version)
    refuse_another_policy(source, fetched, same.version if same else None, version)
    refuse_shrunk(source, fetched, lambda: _body_of(store, same), old, version)
    changes = diff_versions(old, version)
    outcome: Outcome = "new" if last is None else ("changed" if changes else "unchanged")
    moved = old is None or version.metadata.effective_date != old.metadata.effective_date
    store.record_version(
        source=source,
        fetched=fetched,
        sha256=base.sha256,
        now=iso(run.clock()),
        extraction=extraction,
        version=version,
        changes=changes,
        run_id=base.run_id,
        fetch=replace(base, outcome=outcome),
        previous_id=last.id if last else None,
        effective_date=version.metadata.effective_date if moved else None,
        extractor=run.extractor.identity,
        fingerprint=seen,
    )
    return SourceResult(source, outcome, tuple(changes))


def _body_of(store: Store, last: StoredDocument | None) -> bytes | None:
    """The last good version's body, or None when it is gone (pruned or lost)."""
    if last is None:
        return None
    try:
        return store.raw.load(last.sha256)
    except StoreError:
        return None


def _extract(extractor: Extractor, source: Source, fetched: Fetched) -> Extraction:
    try:
        extraction = extractor(
            fetched.body,
            fetched.kind or "html",
            source.codes,
            selector=source.selector,
            encoding=charset_of(fetched.content_type),
        )
    except ExtractError as exc:
        raise FetchError(f"{source.url}: {exc.message}", error_class="unreadable") from exc
    return clean_extraction(extraction)  # no control character or terminal escape is ever stored


def preview(
    source: Source, fetched: Fetched, last: StoredDocument | None, extractor: Extractor, raw: RawStore | None = None
) -> tuple[Extraction, list[Change]]:
    """What checking ``fetched`` would find against ``last``, storing nothing (``tracker test``).

    The same reading and failure checks as a run (FetchError "unreadable" for a bad document or
    an error page); the changes are those a run would record now (no change for the same policy):
    a last version read by another extractor is first read again from ``raw``, in memory.
    """
    if last is not None and raw is not None and last.extractor != extractor.identity:
        found = read_again(source, last, raw, extractor)
        if found is not None:
            last = replace(last, version=version_of(found[1], last.version.codes, summarize))
    extraction = _extract(extractor, source, fetched)
    version = version_of(extraction, source.codes, summarize)
    old = last.version if last else None
    if old is not None and version == old:
        return extraction, []
    refuse_blank(source, fetched, old, version)
    refuse_another_policy(source, fetched, old if last is not None and last.url == source.url else None, version)
    return extraction, diff_versions(old, version)
