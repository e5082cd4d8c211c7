"""Migrations: the history database's schema, as sqlite-utils migrations (applied in order, once).

Users' databases record each migration by name: never rename, reorder or change one that
has shipped; add a new one. ``m001_initial`` creates one table per helper, in order.
May import: nothing of the project (sqlite-utils only).
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("tracker")


@migrations()
def m001_initial(db: Database) -> None:
    """sources, runs, documents, fetches, sections, coverage, changes (one helper per table, in this order)."""
    _sources(db)
    _runs(db)
    _documents(db)
    _fetches(db)
    _sections(db)
    _coverage(db)
    _changes(db)


def _sources(db: Database) -> None:
    """The ``sources`` table."""
    db.table("sources").create(
        {
            "id": str,
            "payer": str,
            "plan": str,
            "title": str,
            "url": str,
            "kind": str,
            "codes": str,
            "first_seen_at": str,
            "updated_at": str,
        },
        pk="id",
    )


def _runs(db: Database) -> None:
    """The ``runs`` table."""
    db.table("runs").create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "only": str,
            "sources_total": int,
            "sources_ok": int,
            "sources_failed": int,
            "changes": int,
        },
        pk="id",
    )


def _documents(db: Database) -> None:
    """The ``documents`` table and its indexes."""
    db.table("documents").create(
        {
            "id": int,
            "source_id": str,
            "sha256": str,
            "fetched_at": str,
            "url": str,
            "content_type": str,
            "kind": str,
            "size": int,
            "etag": str,
            "last_modified": str,
            "codes": str,
            "title": str,
            "policy_number": str,
            "effective_date": str,
            "last_review_date": str,
            "next_review_date": str,
            "version": str,
        },
        pk="id",
        foreign_keys=[("source_id", "sources", "id")],
    )
    db.table("documents").create_index(["source_id", "id"])


def _fetches(db: Database) -> None:
    """The ``fetches`` table and its indexes."""
    db.table("fetches").create(
        {
            "id": int,
            "run_id": int,
            "source_id": str,
            "started_at": str,
            "duration_ms": int,
            "url": str,
            "outcome": str,
            "http_status": int,
            "not_modified": int,
            "error_class": str,
            "error": str,
            "sha256": str,
            "size": int,
            "content_type": str,
            "etag": str,
            "last_modified": str,
            "document_id": int,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id"), ("source_id", "sources", "id"), ("document_id", "documents", "id")],
    )
    db.table("fetches").create_index(["run_id"])
    db.table("fetches").create_index(["source_id", "id"])


def _sections(db: Database) -> None:
    """The ``sections`` table and its indexes."""
    db.table("sections").create(
        {
            "id": int,
            "document_id": int,
            "source_id": str,
            "code": str,
            "seq": int,
            "heading": str,
            "text": str,
            "status": str,
            "prior_auth": int,
            "page": int,
        },
        pk="id",
        foreign_keys=[("document_id", "documents", "id"), ("source_id", "sources", "id")],
    )
    db.table("sections").create_index(["document_id", "code"])


def _coverage(db: Database) -> None:
    """The ``coverage`` table."""
    db.table("coverage").create(
        {"document_id": int, "source_id": str, "code": str, "status": str, "prior_auth": int, "text": str},
        pk=("document_id", "code"),
        foreign_keys=[("document_id", "documents", "id"), ("source_id", "sources", "id")],
    )


def _changes(db: Database) -> None:
    """The ``changes`` table and its indexes."""
    db.table("changes").create(
        {
            "id": int,
            "run_id": int,
            "source_id": str,
            "payer": str,
            "plan": str,
            "code": str,
            "kind": str,
            "old_status": str,
            "new_status": str,
            "old_document_id": int,
            "new_document_id": int,
            "detected_at": str,
            "effective_date": str,
            "summary": str,
            "diff": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id"), ("source_id", "sources", "id")],
    )
    db.table("changes").create_index(["source_id", "code"])
    db.table("changes").create_index(["detected_at"])


@migrations()
def m002_deliveries(db: Database) -> None:
    """deliveries: one row per attempt to deliver one change on one channel (email | slack)."""
    db.table("deliveries").create(
        {"id": int, "change_id": int, "channel": str, "run_id": int, "attempted_at": str, "status": str, "error": str},
        pk="id",
        foreign_keys=[("change_id", "changes", "id")],
    )
    db.table("deliveries").create_index(["change_id", "channel"])


@migrations()
def m003_raw_pruned(db: Database) -> None:
    """documents.raw_pruned_at: when a version's raw body was dropped (prune now keeps every version's body)."""
    db.table("documents").add_column("raw_pruned_at", str)


@migrations()
def m004_sections_fts(db: Database) -> None:
    """Full-text search over every version of every section (FTS5, kept in step by triggers)."""
    db.table("sections").enable_fts(["heading", "text"], fts_version="FTS5", create_triggers=True)


@migrations()
def m005_versions_in_force(db: Database) -> None:
    """versions_in_force: the day from which each stored version governs, and on what basis.

    A version is in force from its effective date when it is the source's first version or its
    effective date is later than every earlier version's; otherwise (no date, or a date that did
    not move, as Aetna's original "Effective" date) from the day it was captured.
    """
    db.create_view(
        "versions_in_force",
        """
        select id, source_id,
               case when moved then effective_date else substr(fetched_at, 1, 10) end as in_force_from,
               case when moved then 'effective_date' else 'captured_at' end as basis
        from (
            select d.*, d.effective_date is not null and (
                       max(d.effective_date) over earlier is null and count(*) over earlier = 0
                       or d.effective_date > max(d.effective_date) over earlier) as moved
            from documents d
            window earlier as (partition by d.source_id order by d.id rows between unbounded preceding and 1 preceding)
        )""",
    )


@migrations()
def m006_escalation_deliveries(db: Database) -> None:
    """deliveries.source_id: rows for "source failing N runs" alerts, which belong to a source, not a change."""
    db.table("deliveries").add_column("source_id", str)


@migrations()
def m007_readings(db: Database) -> None:
    """Versioned readings (issue 11): who read each version, what a change said at the time, superseded readings.

    ``documents.extractor`` and ``runs.extractor``: the extractor identity that read the version,
    or ran the run (NULL: read before identities existed, so the next run re-reads it once).
    ``changes`` keep their own old/new text and prior auth, so that re-reading a version never
    rewrites what was detected and delivered. ``superseded_readings`` keeps each reading a
    re-read replaced (metadata, coverage and sections as JSON), marked with its extractor.
    """
    db.table("documents").add_column("extractor", str)
    db.table("runs").add_column("extractor", str)
    for column, kind in (("old_text", str), ("new_text", str), ("old_prior_auth", int), ("new_prior_auth", int)):
        db.table("changes").add_column(column, kind)
    for end in ("old", "new"):
        db.execute(
            f"update changes set {end}_text = (select text from coverage c where c.document_id = "
            f"changes.{end}_document_id and c.code = changes.code), {end}_prior_auth = (select prior_auth "
            f"from coverage c where c.document_id = changes.{end}_document_id and c.code = changes.code)"
        )
    db.table("superseded_readings").create(
        {
            "id": int,
            "document_id": int,
            "source_id": str,
            "extractor": str,
            "superseded_at": str,
            "superseded_by": str,
            "metadata": str,
            "coverage": str,
            "sections": str,
        },
        pk="id",
        foreign_keys=[("document_id", "documents", "id"), ("source_id", "sources", "id")],
    )
    db.table("superseded_readings").create_index(["document_id"])


@migrations()
def m008_section_basis(db: Database) -> None:
    """sections.basis and coverage.needs_review (issue 12).

    ``sections.basis``: why each section has its status, JSON {"rule", "phrase", "from"} (NULL
    for sections stored before). ``coverage.needs_review``: 1 when the sections that decide the
    code's status disagree (covered in one table, experimental in another), else 0 (NULL before).
    """
    if "basis" not in db.table("sections").columns_dict:
        db.table("sections").add_column("basis", str)
    if "needs_review" not in db.table("coverage").columns_dict:
        db.table("coverage").add_column("needs_review", int)


@migrations()
def m011_indexes(db: Database) -> None:
    """An index for every foreign key and for every query's access path (issue 15), so costs stay flat in history.

    The fetch log's indexes are made by ``m012_fetch_log``, which rebuilds it.
    """
    for table, columns in (
        ("sections", ["source_id"]),
        ("coverage", ["source_id", "document_id"]),
        ("changes", ["run_id"]),
        ("deliveries", ["source_id", "channel", "attempted_at"]),
        ("superseded_readings", ["source_id"]),
        ("documents", ["sha256"]),
    ):
        db.table(table).create_index(columns, if_not_exists=True)
    db.execute("create index if not exists idx_runs_open on runs(id) where finished_at is null")


FETCH_BODY_COLUMNS = ("url", "sha256", "size", "content_type", "etag", "last_modified", "document_id")
"""What a fetch got, kept once per distinct combination in ``fetched_bodies``; ``fetch_attempts`` refers to it."""


@migrations()
def m012_fetch_log(db: Database) -> None:
    """The fetch log, compact: ``fetch_attempts`` (one short row per attempt) refers to ``fetched_bodies``.

    ``fetched_bodies`` keeps each distinct (url, sha256, size, content_type, etag, last_modified,
    document_id) once, so an unchanged fetch no longer repeats the URL, hash and validators.
    The ``fetches`` view joins them back: every column the ``fetches`` table had, in its order.
    Columns another migration added to ``fetches`` stay with the attempts.
    """
    old = [c.name for c in db.table("fetches").columns]
    kept = [c for c in old if c not in FETCH_BODY_COLUMNS]
    _fetched_bodies(db)
    _fetch_attempts(
        db, {c.name: _TYPES.get(c.type.upper(), str) for c in db.table("fetches").columns if c.name in kept}
    )
    body = " and ".join(f"b.{c} is f.{c}" for c in FETCH_BODY_COLUMNS)
    columns = ", ".join(FETCH_BODY_COLUMNS)
    db.execute(
        f"insert into fetched_bodies ({columns}) select {columns} from fetches group by {columns} order by min(id)"
    )
    db.execute(
        f"insert into fetch_attempts ({', '.join(kept)}, body_id) select {', '.join('f.' + c for c in kept)}, "
        f"(select b.id from fetched_bodies b where {body}) from fetches f order by f.id"
    )
    db.execute("drop table fetches")
    shown = ", ".join(f"b.{c}" if c in FETCH_BODY_COLUMNS else f"a.{c}" for c in old)
    db.create_view("fetches", f"select {shown} from fetch_attempts a left join fetched_bodies b on b.id = a.body_id")


_TYPES: dict[str, type] = {"INTEGER": int, "TEXT": str, "FLOAT": float, "REAL": float, "BLOB": bytes}


def _fetched_bodies(db: Database) -> None:
    db.table("fetched_bodies").create(
        {
            "id": int,
            "url": str,
            "sha256": str,
            "size": int,
            "content_type": str,
            "etag": str,
            "last_modified": str,
            "document_id": int,
        },
        pk="id",
        foreign_keys=[("document_id", "documents", "id")],
    )
    db.table("fetched_bodies").create_index(["sha256", "url"])
    db.table("fetched_bodies").create_index(["document_id"])


def _fetch_attempts(db: Database, columns: dict[str, type]) -> None:
    db.table("fetch_attempts").create(
        {**columns, "body_id": int},
        pk="id",
        foreign_keys=[("run_id", "runs", "id"), ("source_id", "sources", "id"), ("body_id", "fetched_bodies", "id")],
    )
    db.table("fetch_attempts").create_index(["run_id"])
    db.table("fetch_attempts").create_index(["source_id", "id"])
    db.table("fetch_attempts").create_index(["body_id"])


@migrations()
def m013_fingerprint(db: Database) -> None:
    """documents.fingerprint: what a reader sees of the version's body, under its extractor (issue 15).

    A new body with the same fingerprint as the last version's, read by the same extractor,
    is recorded unchanged without the full extraction. NULL: not taken yet (taken when needed).
    """
    db.table("documents").add_column("fingerprint", str)


@migrations()
def m020_feeds(db: Database) -> None:
    """Feeds (issue 20): sources' lob and state; each feed's polls and entries; announcements; retirements.

    ``feed_polls`` is the feeds' fetch log; ``feed_entries`` what each feed lists now (``gone_at``
    set when an entry left a healthy edition); ``announcements`` the entries that concern a tracked
    source or code (``change_id``: the change that later came true); ``retirements`` the sources whose
    payer retired the policy (``reinstated_at`` when it came back).
    """
    db.table("sources").add_column("lob", str)
    db.table("sources").add_column("state", str)
    _feed_polls(db)
    _feed_entries(db)
    _announcements(db)
    _retirements(db)


def _feed_polls(db: Database) -> None:
    """The ``feed_polls`` table."""
    db.table("feed_polls").create(
        {
            "id": int,
            "feed_id": str,
            "run_id": int,
            "started_at": str,
            "duration_ms": int,
            "url": str,
            "outcome": str,
            "error_class": str,
            "error": str,
            "http_status": int,
            "etag": str,
            "last_modified": str,
            "sha256": str,
            "entries": int,
        },
        pk="id",
    )
    db.table("feed_polls").create_index(["feed_id", "id"])


def _feed_entries(db: Database) -> None:
    """The ``feed_entries`` table."""
    db.table("feed_entries").create(
        {
            "feed_id": str,
            "key": str,
            "payer": str,
            "lob": str,
            "policy_number": str,
            "title": str,
            "url": str,
            "change_type": str,
            "posted": str,
            "effective": str,
            "codes": str,
            "status": str,
            "detail": str,
            "section": str,
            "first_seen_at": str,
            "last_seen_at": str,
            "gone_at": str,
        },
        pk=("feed_id", "key"),
    )


def _announcements(db: Database) -> None:
    """The ``announcements`` table."""
    db.table("announcements").create(
        {
            "id": int,
            "feed_id": str,
            "entry_key": str,
            "run_id": int,
            "payer": str,
            "lob": str,
            "policy_number": str,
            "title": str,
            "url": str,
            "change_type": str,
            "posted": str,
            "effective_date": str,
            "codes": str,
            "detail": str,
            "section": str,
            "source_id": str,
            "matched_by": str,
            "named_codes": str,
            "first_seen_at": str,
            "change_id": int,
        },
        pk="id",
    )
    db.table("announcements").create_index(["feed_id", "entry_key", "change_type", "effective_date"], unique=True)
    db.table("announcements").create_index(["source_id"])


def _retirements(db: Database) -> None:
    """The ``retirements`` table."""
    db.table("retirements").create(
        {
            "id": int,
            "source_id": str,
            "run_id": int,
            "detected_at": str,
            "retired_on": str,
            "reason": str,
            "reinstated_at": str,
        },
        pk="id",
    )
    db.table("retirements").create_index(["source_id"])


@migrations()
def m030_confirmations(db: Database) -> None:
    """confirmations: analysts' readings of a source's version for one code (issue 21); rows are never deleted.

    ``text`` is the code's governing text (``coverage.text``) of the version confirmed: the
    confirmation holds on later versions while that text is unchanged, and lapses otherwise.
    ``automatic_status``, ``automatic_prior_auth`` and ``basis`` (JSON: the sections' bases)
    keep the automatic reading the analyst saw, for `tracker review --stats`.
    """
    db.table("confirmations").create(
        {
            "id": int,
            "source_id": str,
            "code": str,
            "document_id": int,
            "text": str,
            "status": str,
            "prior_auth": int,
            "automatic_status": str,
            "automatic_prior_auth": int,
            "basis": str,
            "note": str,
            "confirmed_by": str,
            "confirmed_at": str,
        },
        pk="id",
        foreign_keys=[("source_id", "sources", "id"), ("document_id", "documents", "id")],
    )
    db.table("confirmations").create_index(["source_id", "code", "id"])
    db.table("confirmations").create_index(["document_id"])
