"""Store: the history database (SQLite through sqlite-utils) and the raw captures.

Append-only: a run adds rows, never rewrites a version. Raw bodies live under
``<data>/raw/<sha[:2]>/<sha256>.gz``, each distinct body once.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import Table

from tracker.config.sources import Source
from tracker.errors import StoreError
from tracker.fetch.http import Fetched
from tracker.judge.diff import Change, CodeView, Version
from tracker.models import Extraction, Metadata, Section
from tracker.store import lookups
from tracker.store.migrations import migrations
from tracker.store.raw import RawStore

DB_NAME = "tracker.db"


@dataclass(frozen=True)
class StoredDocument:
    """The last good version of a source, as stored."""

    id: int
    sha256: str
    url: str
    version: Version


@dataclass
class PruneReport:
    """What `tracker prune` did."""

    deleted: int = 0
    kept: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class FetchRecord:
    """One fetch attempt, for the fetch log."""

    run_id: int
    source_id: str
    started_at: str
    duration_ms: int
    url: str
    outcome: str
    http_status: int | None = None
    not_modified: bool = False
    error_class: str | None = None
    error: str | None = None
    sha256: str | None = None
    size: int | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    document_id: int | None = None


class Store:
    """The history database and the raw-capture directory of one data dir."""

    def __init__(self, db: Database, raw_dir: Path) -> None:
        self.db = db
        self.raw = RawStore(raw_dir)

    def table(self, name: str) -> Table:
        """A table of the history database."""
        return self.db.table(name)

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    def source_exists(self, source_id: str) -> bool:
        """Whether the database knows this source id."""
        return bool(self.table("sources").count_where("id = ?", [source_id]))

    def document(self, document_id: int) -> dict[str, Any] | None:
        """The ``documents`` row of one stored version (every column), or None."""
        return lookups.document(self, document_id)

    # -- raw captures (kept for the run's callers; ``store.raw`` is the RawStore) ---------------------
    def raw_path(self, sha256: str) -> Path:
        """Where the body with this sha256 is (or would be) kept."""
        return self.raw.path(sha256)

    def save_raw(self, sha256: str, body: bytes) -> Path:
        """Keep a body once, atomically; return its path."""
        return self.raw.save(sha256, body)

    def load_raw(self, sha256: str) -> bytes:
        """The body with this sha256; StoreError if it was pruned or lost."""
        return self.raw.load(sha256)

    # -- sources and runs -----------------------------------------------------
    def sync_sources(self, sources: Sequence[Source], now: str) -> None:
        """Record the configured sources (new ones, and edits to known ones)."""
        with self.db.atomic():
            for s in sources:
                row = {
                    "id": s.id,
                    "payer": s.payer,
                    "plan": s.plan,
                    "title": s.title,
                    "url": s.url,
                    "kind": s.kind,
                    "codes": json.dumps(list(s.codes)),
                    "updated_at": now,
                }
                if self.table("sources").count_where("id = ?", [s.id]):
                    self.table("sources").update(s.id, row)
                else:
                    self.table("sources").insert({**row, "first_seen_at": now})

    def start_run(self, now: str, only: Sequence[str], total: int) -> int:
        """Open a run row; return its id. The caller holds the run lock, so a run still open died."""
        self.db.execute("update runs set status = 'aborted', finished_at = ? where finished_at is null", [now])
        table = self.table("runs").insert(
            {
                "started_at": now,
                "status": "running",
                "only": json.dumps(list(only)),
                "sources_total": total,
                "sources_ok": 0,
                "sources_failed": 0,
                "changes": 0,
            }
        )
        assert table.last_pk is not None
        return int(table.last_pk)

    def finish_run(
        self, run_id: int, now: str, ok: int, failed: int, changes: int, *, interrupted: bool = False
    ) -> None:
        """Close a run row with its counts."""
        status = "ok" if not failed else ("failed" if not ok else "partial")
        if interrupted:
            status = "interrupted"
        self.table("runs").update(
            run_id,
            {"finished_at": now, "status": status, "sources_ok": ok, "sources_failed": failed, "changes": changes},
        )

    # -- versions -------------------------------------------------------------
    def last_document(self, source_id: str) -> StoredDocument | None:
        """The latest good version of a source, with what it says of each code."""
        rows = list(self.table("documents").rows_where("source_id = ?", [source_id], order_by="id desc", limit=1))
        if not rows:
            return None
        doc = rows[0]
        views = {
            r["code"]: CodeView(r["status"], as_bool(r["prior_auth"]), r["text"])
            for r in self.table("coverage").rows_where("document_id = ?", [doc["id"]])
        }
        meta = Metadata(**{k: doc[k] for k in Metadata.__dataclass_fields__})
        version = Version(meta, frozenset(json.loads(doc["codes"])), views)
        return StoredDocument(doc["id"], doc["sha256"], doc["url"], version)

    def last_validators(self, source_id: str, url: str) -> tuple[str | None, str | None, str | None]:
        """ETag, Last-Modified and sha256 of the last body fetched from ``url`` for this source (not a failure)."""
        row = next(
            self.query(
                "select etag, last_modified, sha256 from fetches where source_id = ? and url = ? "
                "and outcome != 'error' "
                "and sha256 is not null order by id desc limit 1",
                [source_id, url],
            ),
            None,
        )
        return (row["etag"], row["last_modified"], row["sha256"]) if row else (None, None, None)

    def record_fetch(self, record: FetchRecord) -> None:
        """Append one attempt to the fetch log."""
        self.table("fetches").insert(record.__dict__)

    def record_version(
        self,
        *,
        source: Source,
        fetched: Fetched,
        sha256: str,
        now: str,
        extraction: Extraction,
        version: Version,
        changes: Sequence[Change],
        run_id: int,
        fetch: FetchRecord,
        previous_id: int | None,
        effective_date: str | None,
    ) -> int:
        """Store a new good version, its sections, its changes and the fetch, in one transaction.

        ``effective_date`` is the date the changes take effect, when the document says so
        (a new effective date); None when the document's effective date did not move.
        """
        self.save_raw(sha256, fetched.body)
        with self.db.atomic():
            doc_id = self._insert_document(source, fetched, sha256, now, version)
            self._insert_sections(doc_id, source.id, extraction.sections, version)
            for change in changes:
                self.table("changes").insert(
                    {
                        "run_id": run_id,
                        "source_id": source.id,
                        "payer": source.payer,
                        "plan": source.plan,
                        "code": change.code,
                        "kind": change.kind,
                        "old_status": change.old_status,
                        "new_status": change.new_status,
                        "old_document_id": previous_id,
                        "new_document_id": doc_id,
                        "detected_at": now,
                        "effective_date": effective_date,
                        "summary": change.summary,
                        "diff": change.diff,
                    }
                )
            self.record_fetch(FetchRecord(**{**fetch.__dict__, "document_id": doc_id}))
        return doc_id

    def _insert_document(self, source: Source, fetched: Fetched, sha256: str, now: str, version: Version) -> int:
        table = self.table("documents").insert(
            {
                "source_id": source.id,
                "sha256": sha256,
                "fetched_at": now,
                "url": fetched.url,
                "content_type": fetched.content_type,
                "kind": fetched.kind,
                "size": len(fetched.body),
                "etag": fetched.etag,
                "last_modified": fetched.last_modified,
                "codes": json.dumps(sorted(version.codes)),
                **version.metadata.to_dict(),
            }
        )
        assert table.last_pk is not None
        return int(table.last_pk)

    def _insert_sections(self, doc_id: int, source_id: str, sections: Sequence[Section], version: Version) -> None:
        self.table("sections").insert_all(
            {"document_id": doc_id, "source_id": source_id, "seq": i, **s.to_dict()}
            for i, s in enumerate(sections)
            if s.code in version.codes
        )
        self.table("coverage").insert_all(
            {
                "document_id": doc_id,
                "source_id": source_id,
                "code": code,
                "status": v.status,
                "prior_auth": v.prior_auth,
                "text": v.text,
            }
            for code, v in version.views.items()
        )

    def needed_shas(self) -> set[str]:
        """Raw bodies that versions need: the body of every stored version."""
        return {row["sha256"] for row in self.query("select distinct sha256 from documents")}

    def prune(self, cutoff: str) -> PruneReport:
        """Delete raw bodies last seen before ``cutoff`` that are no version's body.

        Those are the bodies kept only in the fetch log: byte-only re-captures (same policy text
        as the version before) and what failing servers sent. Database rows are never deleted.
        """
        needed = self.needed_shas()
        report = PruneReport()
        for sha in self.raw.iterate():
            if sha in needed or self._last_seen(sha) >= cutoff:
                report.kept += 1
                continue
            report.bytes += self.raw.delete(sha)
            report.deleted += 1
        return report

    def _last_seen(self, sha: str) -> str:
        row = next(
            self.db.execute(
                "select max(t) from (select fetched_at as t from documents where sha256 = ?1 "
                "union all select started_at from fetches where sha256 = ?1)",
                [sha],
            )
        )
        if row[0]:
            return str(row[0])
        return self.raw.written_at(sha)

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Iterator[dict[str, Any]]:
        """Rows of a read-only query, as dicts."""
        return self.db.query(sql, params)


def as_bool(value: Any) -> bool | None:
    """A stored 0/1/NULL flag as True/False/None."""
    return None if value is None else bool(value)


def open_store(data_dir: Path, *, create: bool = True) -> Store:
    """Open the data dir and its database (creating them unless ``create`` is false); bring the schema up to date."""
    if not create and not (data_dir / DB_NAME).exists():
        raise StoreError(
            f"no history database at {data_dir / DB_NAME}: run `tracker run` first, "
            "or point --data / TRACKER_DATA at the data directory"
        )
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(data_dir / DB_NAME, timeout=30, check_same_thread=False)
        db = Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        migrations.apply(db)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(
            f"cannot open the history database in {data_dir}: {exc}; check --data / TRACKER_DATA and permissions"
        ) from exc
    return Store(db, data_dir / "raw")
