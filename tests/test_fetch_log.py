"""The compact fetch log: m012 moves every existing fetch row, the ``fetches`` view answers as the table did,
and an unchanged fetch adds one short attempt row, referring to the body row of the fetch before it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from tests.helpers import PolicyServer, Workdir, cigna_only
from tests.samples import cigna_policy_pdf
from tracker.store import open_store
from tracker.store.migrations import migrations

OLD_ROWS = [
    # id, run, source, started, ms, url, outcome, http, 304, class, error, sha, size, type, etag, modified, doc
    (1, 1, "s1", "2026-01-01T06:00:00+00:00", 5, "https://a/1", "new", 200, 0, None, None, "aa", 10, "text/html",
     '"e1"', None, 1),
    (2, 2, "s1", "2026-01-02T06:00:00+00:00", 4, "https://a/1", "unchanged", 304, 1, None, None, "aa", None, None,
     '"e1"', None, 1),
    (3, 3, "s1", "2026-01-03T06:00:00+00:00", 4, "https://a/1", "unchanged", 304, 1, None, None, "aa", None, None,
     '"e1"', None, 1),
    (4, 4, "s1", "2026-01-04T06:00:00+00:00", 9, "https://a/1", "error", None, 0, "timeout", "slow", None, None,
     None, None, None, None),
    (5, 4, "s2", "2026-01-04T06:00:01+00:00", 7, "https://b/2", "error", 200, 0, "challenge", "denied", "bb", 99,
     None, None, None, None),
]  # fmt: skip


def _old_database(path: Path) -> None:
    """A database as it was before m011: fetches as a table, with rows."""
    db = Database(sqlite3.connect(path))
    migrations.apply(db, stop_before="m011_indexes")
    db.table("sources").insert_all([{"id": "s1"}, {"id": "s2"}])
    db.table("runs").insert_all([{"id": i} for i in range(1, 5)])
    db.table("documents").insert({"id": 1, "source_id": "s1", "sha256": "aa"})
    db.execute(f"insert into fetches values ({', '.join('?' * 17)})", OLD_ROWS[0])
    db.conn.executemany(f"insert into fetches values ({', '.join('?' * 17)})", OLD_ROWS[1:])
    db.conn.commit()
    db.close()


def test_m012_moves_every_fetch_row_and_the_view_answers_as_the_table_did(tmp_path: Path) -> None:
    _old_database(tmp_path / "tracker.db")
    open_store(tmp_path).close()
    db = sqlite3.connect(tmp_path / "tracker.db")
    assert db.execute("select * from fetches order by id").fetchall() == OLD_ROWS
    assert db.execute("select count(*) from fetch_attempts").fetchone() == (5,)
    assert db.execute("select count(*) from fetched_bodies").fetchone() == (4,)  # rows 2 and 3 share one


def test_an_unchanged_fetch_refers_to_the_body_row_before_it(server: PolicyServer, work: Workdir) -> None:
    server.set("/coveragePolicies/medical/mm_0525.pdf", cigna_policy_pdf(1), content_type="application/pdf", etag=True)
    work.write_sources(cigna_only(server))
    for _ in range(4):
        assert work.cli("run", "--no-notify").exit_code == 0
    db = sqlite3.connect(work.data / "tracker.db")
    attempts = db.execute("select outcome, not_modified, body_id from fetch_attempts order by id").fetchall()
    assert [a[:2] for a in attempts] == [("new", 0), ("unchanged", 1), ("unchanged", 1), ("unchanged", 1)]
    assert len({a[2] for a in attempts[1:]}) == 1  # the first 304 added a body row (no size); the others refer to it
    assert db.execute("select count(*) from fetched_bodies").fetchone() == (2,)
    store = open_store(work.data)
    try:
        etag, _, sha = store.last_validators("cigna-0525", server.url("/coveragePolicies/medical/mm_0525.pdf"))
        assert etag and sha == db.execute("select sha256 from documents").fetchone()[0]
        assert store.fetch_state("cigna-0525").failures_in_a_row == 0
    finally:
        store.close()
