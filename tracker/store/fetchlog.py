"""The fetch log: appending an attempt, and what a run and the readers ask of it, in a bounded number of rows.

An attempt is a short ``fetch_attempts`` row; what it got (URL, sha256, size, content type,
validators, the version it was read as) is kept once per distinct combination in
``fetched_bodies`` and referred to (migration ``m012_fetch_log``; the ``fetches`` view joins
both back). "Last success" is the newest non-error attempt of a source, found walking its
``(source_id, id)`` index backwards; the failing streak is the attempts after it. Both cost
the length of the current failure streak, never the length of the history.
Package-private: ``Store`` (``database``) calls these. May import: ``tracker.models``, ``tracker.hygiene``,
``tracker.store.lookups`` (never ``database``: the store imports in one direction).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from tracker.hygiene import one_line
from tracker.models import ErrorClass, Outcome
from tracker.store.lookups import Row, Store, select_row, select_rows, select_value

FETCH_BODY_COLUMNS = ("url", "sha256", "size", "content_type", "etag", "last_modified", "document_id")
"""The columns of ``fetched_bodies`` (made by migration m012, which keeps its own frozen copy of this list)."""

_FIND_BODY = "select id from fetched_bodies where " + " and ".join(f"{c} is ?" for c in FETCH_BODY_COLUMNS)
_ADD_BODY = (
    f"insert into fetched_bodies ({', '.join(FETCH_BODY_COLUMNS)}) values ({', '.join('?' * len(FETCH_BODY_COLUMNS))})"
)


@dataclass(frozen=True)
class FetchRecord:
    """One fetch attempt, for the fetch log."""

    run_id: int
    source_id: str
    started_at: str
    duration_ms: int
    url: str
    outcome: Outcome
    http_status: int | None = None
    not_modified: bool = False
    error_class: ErrorClass | None = None
    error: str | None = None
    sha256: str | None = None
    size: int | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    document_id: int | None = None


_LAST_SUCCESS = "select id from fetch_attempts where source_id = ?1 and outcome != 'error' order by id desc limit 1"


@dataclass(frozen=True)
class FetchState:
    """What a source's fetch log says now: its last success and the failures since, newest first."""

    last_success: str | None
    """``started_at`` of the newest attempt that was not an error (a new version, a 304, the same body)."""
    failures: tuple[Row, ...] = ()
    """The failed attempts after the last success, newest first (started_at, error_class, error, http_status)."""

    @property
    def failures_in_a_row(self) -> int:
        """How many runs in a row failed (0: the latest attempt succeeded, or there is none)."""
        return len(self.failures)

    @property
    def gone_in_a_row(self) -> int:
        """How many of the latest failures in a row answered 404 or 410."""
        return next((i for i, f in enumerate(self.failures) if f["http_status"] not in (404, 410)), len(self.failures))

    @property
    def latest_failure(self) -> Row | None:
        """The latest attempt when it failed, else None."""
        return self.failures[0] if self.failures else None


SERVER_TEXT = ("error", "content_type", "etag", "last_modified", "url")
"""The columns that may hold a server's words (a reason phrase, a header, a location): one printable line each."""


def printable_row(row: Mapping[str, Any], columns: Iterable[str] = SERVER_TEXT) -> dict[str, Any]:
    """The row with each of ``columns`` that holds text made one printable line (an escape never reaches a terminal)."""
    cleaned = dict(row)
    for column in columns:
        if isinstance(cleaned.get(column), str):
            cleaned[column] = one_line(cleaned[column])
    return cleaned


def record(store: Store, row: Mapping[str, Any]) -> None:
    """Append one attempt (a FetchRecord as a dict): its body columns by reference, the rest in the attempt row."""
    row = printable_row(row)  # cleaned by fetch already; again here, so that no path stores an escape
    attempt = {k: v for k, v in row.items() if k not in FETCH_BODY_COLUMNS}
    body = [row.get(c) for c in FETCH_BODY_COLUMNS]
    with store._db.atomic():
        found = select_value(store, _FIND_BODY, body)
        attempt["body_id"] = found if found is not None else store._db.execute(_ADD_BODY, body).lastrowid
        names = ", ".join(attempt)
        store._db.execute(
            f"insert into fetch_attempts ({names}) values ({', '.join('?' * len(attempt))})", list(attempt.values())
        )


def state(store: Store, source_id: str) -> FetchState:
    """The source's last success and its failures since, reading only the attempts from that success on."""
    rows = select_rows(
        store,
        "select started_at, outcome, error_class, error, http_status from fetch_attempts where source_id = ?1 "
        f"and id >= coalesce(({_LAST_SUCCESS}), 0) order by id desc",
        [source_id],
    )
    rows = [printable_row(r, ("error",)) for r in rows]  # a history written before errors were cleaned
    if rows and rows[-1]["outcome"] != "error":
        return FetchState(rows[-1]["started_at"], tuple(rows[:-1]))
    return FetchState(None, tuple(rows))


def last_validators(store: Store, source_id: str, url: str) -> tuple[str | None, str | None, str | None]:
    """ETag, Last-Modified and sha256 of the last body fetched from ``url`` for this source (not a failure)."""
    row = select_row(
        store,
        "select b.etag, b.last_modified, b.sha256 from fetch_attempts a join fetched_bodies b on b.id = a.body_id "
        "where a.source_id = ? and b.url = ? and a.outcome != 'error' and b.sha256 is not null "
        "order by a.id desc limit 1",
        [source_id, url],
    )
    return (row["etag"], row["last_modified"], row["sha256"]) if row else (None, None, None)


def last_seen(store: Store, sha: str) -> str | None:
    """When a body was last fetched or stored as a version, or None."""
    found = select_value(
        store,
        "select max(t) from (select fetched_at as t from documents where sha256 = ?1 "
        "union all select a.started_at from fetched_bodies b join fetch_attempts a on a.body_id = b.id "
        "where b.sha256 = ?1)",
        [sha],
    )
    return None if found is None else str(found)


def record_all(store: Store, records: Iterable[FetchRecord]) -> None:
    """Append many attempts in one transaction (a bulk load, as the benchmark's history; no fetch state cached)."""
    with store.writing(), store._db.atomic():
        for one in records:
            record(store, asdict(one))
