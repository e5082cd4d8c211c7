"""Writes: how what a run found becomes rows: a configured source, a run, a version, its sections and changes.

Package-private: ``Store`` (``database``) calls these inside its transactions; nothing
else writes the run's tables. May import: ``tracker.config``, ``tracker.judge``,
``tracker.models``, ``tracker.hygiene``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from tracker.config.sources import Source
from tracker.hygiene import one_line
from tracker.judge.diff import Change, Version
from tracker.models import Section

if TYPE_CHECKING:
    from sqlite_utils import Database

Row = dict[str, Any]


class FetchedBody(Protocol):
    """What a version's row needs of its fetch (``tracker.fetch.http.Fetched`` is one; the store imports no fetcher)."""

    @property
    def url(self) -> str: ...
    @property
    def body(self) -> bytes: ...
    @property
    def content_type(self) -> str | None: ...
    @property
    def kind(self) -> str | None: ...
    @property
    def etag(self) -> str | None: ...
    @property
    def last_modified(self) -> str | None: ...


def insert(db: Database, table: str, row: Row) -> int:
    """Insert one row; return its id."""
    inserted = db.table(table).insert(row)
    assert inserted.last_pk is not None
    return int(inserted.last_pk)


def source_row(source: Source, now: str) -> Row:
    """A configured source as its ``sources`` row, but for its id (and ``first_seen_at``, added when it is new)."""
    return {
        "payer": source.payer,
        "plan": source.plan,
        "title": source.title,
        "url": source.url,
        "kind": source.kind,
        "codes": json.dumps(list(source.codes)),
        "lob": source.lob,
        "state": source.state,
        "updated_at": now,
    }


def edited(stored: Row, configured: Row) -> Row:
    """The columns of a configured source's row that differ from its stored row (``updated_at`` aside)."""
    return {k: v for k, v in configured.items() if k != "updated_at" and stored.get(k) != v}


def run_row(now: str, only: Sequence[str], total: int, extractor: str | None) -> Row:
    """A run's row as it starts."""
    return {
        "extractor": extractor,
        "started_at": now,
        "status": "running",
        "only": json.dumps(list(only)),
        "sources_total": total,
        "sources_ok": 0,
        "sources_failed": 0,
        "changes": 0,
    }


def document_row(
    source_id: str,
    fetched: FetchedBody,
    sha256: str,
    now: str,
    version: Version,
    extractor: str | None,
    fingerprint: str | None = None,
) -> Row:
    """A new good version's ``documents`` row; ``extractor`` is the identity that read it."""
    return {
        "extractor": extractor,
        "fingerprint": fingerprint,
        "source_id": source_id,
        "sha256": sha256,
        "fetched_at": now,
        "url": fetched.url,
        "content_type": _line(fetched.content_type),  # a server's words: printable, as the fetch log's
        "kind": fetched.kind,
        "size": len(fetched.body),
        "etag": _line(fetched.etag),
        "last_modified": _line(fetched.last_modified),
        "codes": json.dumps(sorted(version.codes)),
        **version.metadata.to_dict(),
    }


def insert_sections(db: Database, doc_id: int, source_id: str, sections: Sequence[Section], version: Version) -> None:
    """A version's sections (of the codes it tracks) and what it says of each code."""
    db.table("sections").insert_all(
        {"document_id": doc_id, "source_id": source_id, "seq": i, **s.to_dict()}
        for i, s in enumerate(sections)
        if s.code in version.codes
    )
    db.table("coverage").insert_all(
        {
            "document_id": doc_id,
            "source_id": source_id,
            "code": code,
            "status": v.status,
            "prior_auth": v.prior_auth,
            "text": v.text,
            "needs_review": v.needs_review,
        }
        for code, v in version.views.items()
    )


class Ends(NamedTuple):
    """What every change of a new version shares: its run, both versions, when, from when."""

    run_id: int
    previous_id: int | None
    """The source's previous version; None for a first capture."""
    doc_id: int
    now: str
    effective_date: str | None


def change_row(change: Change, source: Source, ends: Ends) -> Row:
    """One change between a source's previous version and its new one."""
    return {
        "run_id": ends.run_id,
        "source_id": source.id,
        "payer": source.payer,
        "plan": source.plan,
        "code": change.code,
        "kind": change.kind,
        "old_status": change.old_status,
        "new_status": change.new_status,
        "old_document_id": ends.previous_id,
        "new_document_id": ends.doc_id,
        "detected_at": ends.now,
        "effective_date": ends.effective_date,
        "summary": change.summary,
        "diff": change.diff,
        "old_text": change.old.text if change.old else None,
        "new_text": change.new.text if change.new else None,
        "old_prior_auth": change.old.prior_auth if change.old else None,
        "new_prior_auth": change.new.prior_auth if change.new else None,
    }


def _line(value: str | None) -> str | None:
    return None if value is None else one_line(value)
