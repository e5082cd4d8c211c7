"""Database: opening the history database, and Store, the handle every other package holds.

Store owns the connection (private: ``Store._db``) and the raw captures (``Store.raw``, a
RawStore); its methods are what a run needs (sources, runs, the last version and its
validators, the fetch log, new versions) and pruning. Append-only: a run adds rows, never
rewrites a version; the rows themselves are built in ``writes``. The analysts' and the
digest's reads are functions of ``queries`` and ``ledger``.
May import: ``tracker.errors``, ``tracker.models``, ``tracker.judge``, ``tracker.config``
and the modules of ``tracker.store`` below it (not ``queries``, ``ledger`` or ``readings``, which
import this). ``FetchRecord`` lives in ``fetchlog`` and is re-exported here and by ``tracker.store``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.config.sources import Source
from tracker.errors import StoreError
from tracker.judge.diff import Change, CodeView, Version
from tracker.models import Extraction, Kind, Metadata
from tracker.store import fetchlog, lookups, writes
from tracker.store.fetchlog import FetchRecord, FetchState
from tracker.store.raw import RawStore
from tracker.store.space import unwritable, write_error, writing
from tracker.store.writes import FetchedBody

if TYPE_CHECKING:
    from sqlite_utils import Database

DB_NAME = "tracker.db"

__all__ = ["DB_NAME", "FetchRecord", "PruneReport", "Store", "StoredDocument", "open_store", "stored"]


@dataclass(frozen=True)
class StoredDocument:
    """The last good version of a source, as stored."""

    id: int
    sha256: str
    url: str
    version: Version
    kind: Kind | None = None
    content_type: str | None = None
    extractor: str | None = None
    """The identity of the extractor that made this reading (None: read before identities existed)."""
    fetched_at: str = ""
    fingerprint: str | None = None
    """What a reader sees of the body (``tracker.extract.fingerprint``), under ``extractor``; None: not taken."""


@dataclass
class PruneReport:
    """What `tracker prune` did."""

    deleted: int = 0
    kept: int = 0
    bytes: int = 0


class Store:
    """The history database and the raw-capture directory of one data dir.

    The database itself (``_db``) is private to ``tracker.store``: its modules reach it
    through ``tracker.store.lookups``; everyone else calls these methods or the query
    functions of ``tracker.store.queries`` and ``tracker.store.ledger``.
    """

    def __init__(self, db: Database, raw_dir: Path) -> None:
        self._db = db
        self.raw = RawStore(raw_dir)
        self._states: dict[str, FetchState] = {}

    @property
    def directory(self) -> Path:
        """The data directory."""
        return self.raw.root.parent

    def writing(self) -> AbstractContextManager[None]:
        """Within the block, a failed write is a StoreError ("no space left in DIR" when the disk is full)."""
        return writing(self.directory)

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def source_exists(self, source_id: str) -> bool:
        """Whether the database knows this source id."""
        return bool(self._db.table("sources").count_where("id = ?", [source_id]))

    def document(self, document_id: int) -> dict[str, Any] | None:
        """The ``documents`` row of one stored version (every column), or None."""
        return lookups.document(self, document_id)

    # -- sources and runs -----------------------------------------------------
    def sync_sources(self, sources: Sequence[Source], now: str) -> None:
        """Record the configured sources (new ones, and edits to known ones)."""
        known = {row["id"]: row for row in lookups.select_rows(self, "select * from sources")}
        with self.writing(), self._db.atomic():
            for s in sources:
                row = writes.source_row(s, now)
                if s.id not in known:
                    self._db.table("sources").insert({"id": s.id, **row, "first_seen_at": now})
                    continue
                edited = writes.edited(known[s.id], row)
                if edited:  # only the columns that changed, never the primary key
                    self._db.table("sources").update(s.id, {**edited, "updated_at": now})

    def start_run(self, now: str, only: Sequence[str], total: int, extractor: str | None = None) -> int:
        """Open a run row; return its id. The caller holds the run lock, so a run still open died."""
        with self.writing():
            close_interrupted(self, now)
            return writes.insert(self._db, "runs", writes.run_row(now, only, total, extractor))

    def finish_run(
        self, run_id: int, now: str, ok: int, failed: int, changes: int, *, interrupted: bool = False
    ) -> None:
        """Close a run row with its counts."""
        status = "ok" if not failed else ("failed" if not ok else "partial")
        if interrupted:
            status = "interrupted"
        with self.writing():
            self._db.table("runs").update(
                run_id,
                {"finished_at": now, "status": status, "sources_ok": ok, "sources_failed": failed, "changes": changes},
            )

    # -- versions -------------------------------------------------------------
    def last_document(self, source_id: str) -> StoredDocument | None:
        """The latest good version of a source, with what it says of each code."""
        doc = lookups.latest_document(self, source_id)
        if doc is None:
            return None
        return stored(doc, lookups.select_rows(self, "select * from coverage where document_id = ?", [doc["id"]]))

    def last_validators(self, source_id: str, url: str) -> tuple[str | None, str | None, str | None]:
        """ETag, Last-Modified and sha256 of the last body fetched from ``url`` for this source (not a failure)."""
        return fetchlog.last_validators(self, source_id, url)

    def record_fetch(self, record: FetchRecord) -> None:
        """Append one attempt to the fetch log."""
        with self.writing():
            fetchlog.record(self, asdict(record))
        self._states.pop(record.source_id, None)

    def fetch_state(self, source_id: str) -> FetchState:
        """A source's last success and failing streak, read once per source until its next fetch is recorded."""
        if source_id not in self._states:
            self._states[source_id] = fetchlog.state(self, source_id)
        return self._states[source_id]

    def record_version(
        self,
        *,
        source: Source,
        fetched: FetchedBody,
        sha256: str,
        now: str,
        extraction: Extraction,
        version: Version,
        changes: Sequence[Change],
        run_id: int,
        fetch: FetchRecord,
        previous_id: int | None,
        effective_date: str | None,
        extractor: str | None = None,
        fingerprint: str | None = None,
    ) -> int:
        """Store a new good version, its sections, its changes and the fetch, in one transaction.

        ``effective_date`` is the date the changes take effect, when the document says so
        (a new effective date); None when the document's effective date did not move.
        """
        self.raw.save(sha256, fetched.body)
        with self.writing(), self._db.atomic():
            doc_id = writes.insert(
                self._db,
                "documents",
                writes.document_row(source.id, fetched, sha256, now, version, extractor, fingerprint),
            )
            writes.insert_sections(self._db, doc_id, source.id, extraction.sections, version)
            ends = writes.Ends(run_id, previous_id, doc_id, now, effective_date)
            self._db.table("changes").insert_all(writes.change_row(c, source, ends) for c in changes)
            self.record_fetch(replace(fetch, document_id=doc_id))
        return doc_id

    # -- raw captures no version needs ------------------------------------------
    def prune(self, cutoff: str) -> PruneReport:
        """Delete raw bodies last seen before ``cutoff`` that are no version's body.

        Those are the bodies kept only in the fetch log: byte-only re-captures (same policy text
        as the version before) and what failing servers sent. Database rows are never deleted.
        """
        needed = {row["sha256"] for row in lookups.select_rows(self, "select distinct sha256 from documents")}
        report = PruneReport()
        report.deleted, report.bytes = self.raw.sweep()  # stray .tmp files: prune runs under the run lock
        for sha in self.raw.iterate():
            if sha in needed or self._last_seen(sha) >= cutoff:
                report.kept += 1
                continue
            report.bytes += self.raw.delete(sha)
            report.deleted += 1
        return report

    def _last_seen(self, sha: str) -> str:
        return fetchlog.last_seen(self, sha) or self.raw.written_at(sha)


def unfinished_runs(store: Store) -> int:
    """How many runs are still open (``running``): one in progress, or one whose process died."""
    return int(lookups.select_value(store, "select count(*) from runs where finished_at is null") or 0)


def close_interrupted(store: Store, now: str) -> int:
    """Close every open run as ``interrupted`` (the caller holds the run lock: none of them is running)."""
    with store.writing():
        cursor = store._db.execute(
            "update runs set status = 'interrupted', finished_at = ? where finished_at is null", [now]
        )
    return int(cursor.rowcount)


def stored(doc: dict[str, Any], coverage: Sequence[dict[str, Any]]) -> StoredDocument:
    """A ``documents`` row and its ``coverage`` rows as a StoredDocument."""
    views = {r["code"]: CodeView(r["status"], lookups.as_bool(r["prior_auth"]), r["text"]) for r in coverage}
    meta = Metadata(**{k: doc[k] for k in Metadata.__dataclass_fields__})
    version = Version(meta, frozenset(json.loads(doc["codes"])), views)
    return StoredDocument(
        doc["id"],
        doc["sha256"],
        doc["url"],
        version,
        doc["kind"],
        doc["content_type"],
        doc["extractor"],
        doc["fetched_at"],
        doc["fingerprint"],
    )


def open_store(data_dir: Path, *, create: bool = True) -> Store:
    """Open the data dir and its database (creating them unless ``create`` is false); bring the schema up to date.

    A data directory that cannot be written (a read-only mount, no permission) is opened read-only
    for a reader (``create`` false): the analysts' commands work on a read-only history. A run
    (``create`` true) needs to write: StoreError "cannot write to DIR: read-only" at once.
    """
    if not create and not (data_dir / DB_NAME).exists():
        raise StoreError(
            f"no history database at {data_dir / DB_NAME}: run `tracker run` first, "
            "or point --data / TRACKER_DATA at the data directory"
        )
    denied = unwritable(data_dir)
    if denied is not None:
        if create:
            raise denied
        return _open_read_only(data_dir)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(data_dir / DB_NAME, timeout=30, check_same_thread=False)
        from sqlite_utils import Database  # here: `tracker --help` and friends never pay for it

        from tracker.store.migrations import migrations

        db = Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        migrations.apply(db)
    except (OSError, sqlite3.Error) as exc:
        written = write_error(data_dir, exc)
        if written.message.startswith(("no space left", "cannot write to")):
            raise written from None
        raise StoreError(
            f"cannot open the history database in {data_dir}: {exc}; check --data / TRACKER_DATA and permissions"
        ) from exc
    return Store(db, data_dir / "raw")


READ_ONLY_MODES = ("mode=ro", "immutable=1")
"""How a history in a directory that cannot be written is opened: read-only, using the -wal and -shm files
when they are there; else immutable (no -wal or -shm needed, and none can be created there)."""


def _open_read_only(data_dir: Path) -> Store:
    """The history opened read-only; StoreError when it cannot be read, or needs an upgrade (a write)."""
    from sqlite_utils import Database

    from tracker.store.migrations import migrations

    uri = (data_dir / DB_NAME).absolute().as_uri()
    failures = []
    for mode in READ_ONLY_MODES:
        conn = None
        try:
            conn = sqlite3.connect(f"{uri}?{mode}", uri=True, timeout=30, check_same_thread=False)
            conn.execute("select count(*) from sqlite_master").fetchone()
        except sqlite3.Error as exc:
            failures.append(f"{mode}: {exc}")
            if conn is not None:
                conn.close()
            continue
        db = Database(conn)
        if migrations.pending(db):
            conn.close()
            raise StoreError(
                f"the history database in {data_dir} was written by an older tracker and needs an upgrade, "
                f"which writes to it, but {data_dir} cannot be written: run `tracker run` once where it can be"
            )
        return Store(db, data_dir / "raw")
    raise StoreError(
        f"cannot read the history database in {data_dir}, which cannot be written ({'; '.join(failures)}); "
        "check --data / TRACKER_DATA and permissions"
    )
