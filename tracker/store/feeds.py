"""The feeds' rows: polls (the feeds' fetch log), current entries, announcements and retirements.

Written by ``tracker.feeds.poll`` during a run; read by `tracker upcoming`, `status`, the digest
and the report. Retirements and the ``retired`` change rows are written together, once.
May import: ``tracker.errors``, ``tracker.models`` and the modules of ``tracker.store``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from tracker.store.database import Store
from tracker.store.lookups import Row, select_row, select_rows, select_value


def _pk(value: Any) -> int:
    assert value is not None
    return int(value)


def record_poll(store: Store, row: dict[str, Any]) -> int:
    """Append one feed fetch attempt; return its id."""
    with store.writing():
        return _pk(store._db.table("feed_polls").insert(row).last_pk)


def last_good_poll(store: Store, feed_id: str) -> Row | None:
    """The feed's last poll that was read well (its validators, its entry count)."""
    return select_row(
        store, "select * from feed_polls where feed_id = ? and outcome != 'error' order by id desc limit 1", [feed_id]
    )


def polls(store: Store, feed_id: str | None = None, limit: int = 50) -> list[Row]:
    """Recent polls, newest first."""
    where = "where feed_id = ?" if feed_id else ""
    return select_rows(
        store, f"select * from feed_polls {where} order by id desc limit ?", [*(feed_id,) * bool(feed_id), limit]
    )


def current_entries(store: Store, feed_id: str) -> dict[str, Row]:
    """The entries the feed listed at its last good poll, by key."""
    rows = select_rows(store, "select * from feed_entries where feed_id = ? and gone_at is null", [feed_id])
    return {r["key"]: r for r in rows}


def save_entries(store: Store, feed_id: str, entries: Sequence[dict[str, Any]], gone: Iterable[str], now: str) -> None:
    """Upsert this edition's entries (keeping ``first_seen_at``) and mark those it no longer lists."""
    known = {
        r["key"]: r
        for r in select_rows(store, "select key, first_seen_at from feed_entries where feed_id = ?", [feed_id])
    }
    with store.writing(), store._db.atomic():
        table = store._db.table("feed_entries")
        for entry in entries:
            first = known[entry["key"]]["first_seen_at"] if entry["key"] in known else now
            row = {
                **_entry_row(entry),
                "feed_id": feed_id,
                "first_seen_at": first,
                "last_seen_at": now,
                "gone_at": None,
            }
            table.upsert(row, pk=("feed_id", "key"))
        for key in gone:
            store._db.execute("update feed_entries set gone_at = ? where feed_id = ? and key = ?", [now, feed_id, key])


def _entry_row(entry: dict[str, Any]) -> dict[str, Any]:
    keys = ("key", "payer", "lob", "policy_number", "title", "url", "change_type", "posted", "effective", "status")
    return {
        **{k: entry.get(k) for k in keys},
        "codes": json.dumps(entry.get("codes") or []),
        "detail": entry.get("detail"),
        "section": entry.get("section"),
    }


def add_announcement(store: Store, row: dict[str, Any]) -> int | None:
    """Record an announcement once (same feed entry, change type and effective date); its id, or None if known."""
    seen = select_value(
        store,
        "select id from announcements where feed_id = ? and entry_key = ? and change_type is ? and effective_date is ?",
        [row["feed_id"], row["entry_key"], row.get("change_type"), row.get("effective_date")],
    )
    if seen is not None:
        return None
    with store.writing():
        return _pk(store._db.table("announcements").insert(row).last_pk)


def announcements(store: Store, *, since: str | None = None) -> list[Row]:
    """Every announcement (first seen on or after ``since``), oldest first, codes decoded."""
    where = "where ann.first_seen_at >= ?" if since else ""
    rows = select_rows(
        store,
        f"""select ann.*, s.title as source_title, s.plan as plan, s.codes as source_codes from announcements ann
            left join sources s on s.id = ann.source_id {where} order by ann.first_seen_at, ann.id""",
        [since] if since else [],
    )
    for r in rows:
        r["codes"] = json.loads(r["codes"] or "[]")
        r["named_codes"] = json.loads(r["named_codes"] or "[]")
        r["source_codes"] = json.loads(r["source_codes"] or "[]")
    return rows


def link_changes(store: Store, source_id: str, change_ids: Sequence[int]) -> int:
    """Link a source's open announcements to the first change that came after them; how many were linked."""
    if not change_ids:
        return 0
    with store.writing():
        cursor = store._db.execute(
            "update announcements set change_id = ? where source_id = ? and change_id is null "
            "and change_type is not 'retired'",
            [min(change_ids), source_id],
        )
    return int(cursor.rowcount or 0)


def open_retirement(store: Store, source_id: str) -> Row | None:
    """The source's retirement still in force, if any."""
    return select_row(
        store,
        "select * from retirements where source_id = ? and reinstated_at is null order by id desc limit 1",
        [source_id],
    )


def retired_sources(store: Store) -> dict[str, Row]:
    """Every source retired and not reinstated, by id."""
    rows = select_rows(store, "select * from retirements where reinstated_at is null order by id")
    return {r["source_id"]: r for r in rows}


def retire(store: Store, *, source: Row, run_id: int, now: str, retired_on: str | None, reason: str) -> list[int]:
    """Retire a source once: a retirements row and one ``retired`` change per tracked code (old status →
    retired), in one transaction. Nothing when it is already retired; returns the change ids."""
    if open_retirement(store, source["id"]) is not None:
        return []
    doc = select_row(store, "select id from documents where source_id = ? order by id desc limit 1", [source["id"]])
    doc_id = doc["id"] if doc else None
    ids = []
    with store.writing(), store._db.atomic():
        store._db.table("retirements").insert(
            {
                "source_id": source["id"],
                "run_id": run_id,
                "detected_at": now,
                "retired_on": retired_on,
                "reason": reason,
            }
        )
        for code in json.loads(source["codes"] or "[]"):
            row = _retired_change(store, source, code, doc_id, run_id, now, retired_on, reason)
            ids.append(_pk(store._db.table("changes").insert(row).last_pk))
    return ids


def _retired_change(
    store: Store, source: Row, code: str, doc_id: int | None, run_id: int, now: str, retired_on: str | None, reason: str
) -> dict[str, Any]:
    """The ``retired`` change of one code: its last status → retired."""
    cov = (
        select_row(
            store, "select status, text, prior_auth from coverage where document_id = ? and code = ?", [doc_id, code]
        )
        if doc_id
        else None
    )
    return {
        "run_id": run_id,
        "source_id": source["id"],
        "payer": source["payer"],
        "plan": source["plan"],
        "code": code,
        "kind": "retired",
        "old_status": cov["status"] if cov else ("absent" if doc_id else None),
        "new_status": "retired",
        "old_document_id": doc_id,
        "new_document_id": doc_id,
        "detected_at": now,
        "effective_date": retired_on,
        "summary": f"retired: {reason}",
        "diff": "",
        "old_text": cov["text"] if cov else None,
        "new_text": None,
        "old_prior_auth": cov["prior_auth"] if cov else None,
        "new_prior_auth": None,
    }


def reinstate(store: Store, source_id: str, now: str) -> None:
    """A retired source is listed again (or its notice is gone): its retirement ends."""
    with store.writing():
        store._db.execute(
            "update retirements set reinstated_at = ? where source_id = ? and reinstated_at is null", [now, source_id]
        )


def source_rows(store: Store) -> dict[str, Row]:
    """Every known source's row, by id."""
    return {r["id"]: r for r in select_rows(store, "select * from sources")}


def latest_body(store: Store, source_id: str) -> Row | None:
    """The latest stored version of a source: id, sha256, kind, content type, effective date, fetched_at."""
    return select_row(
        store,
        "select id, sha256, kind, content_type, effective_date, fetched_at, title, policy_number from documents "
        "where source_id = ? order by id desc limit 1",
        [source_id],
    )


def run_changes(store: Store, run_id: int) -> list[Row]:
    """The changes a run recorded (not first captures), by source."""
    return select_rows(
        store, "select id, source_id, kind from changes where run_id = ? and kind != 'new' order by id", [run_id]
    )


def future_versions(store: Store, today: str) -> list[Row]:
    """Each source's latest stored version whose effective date is still ahead."""
    return select_rows(
        store,
        """select d.source_id, d.effective_date, d.title, d.policy_number, s.payer, s.plan, s.title as source_title,
                  s.codes, s.url, s.lob
           from documents d join sources s on s.id = d.source_id
           where d.id = (select max(id) from documents where source_id = d.source_id) and d.effective_date > ?""",
        [today],
    )


def latest_run_id(store: Store) -> int | None:
    """The latest run's id, or None."""
    value = select_value(store, "select max(id) from runs")
    return None if value is None else int(value)


def last_two_bodies(store: Store, source_id: str) -> list[str]:
    """The sha256 of the bodies of a source's last two good fetches, newest first."""
    found = select_rows(
        store,
        "select b.sha256 from fetch_attempts a join fetched_bodies b on b.id = a.body_id "
        "where a.source_id = ? and a.outcome != 'error' and b.sha256 is not null order by a.id desc limit 2",
        [source_id],
    )
    return [r["sha256"] for r in found]


def failing_streak(store: Store, feed_id: str) -> tuple[int, str | None]:
    """How many polls in a row have failed, newest first, and when the feed was last read well (or None)."""
    last_good = select_row(
        store,
        "select id, started_at from feed_polls where feed_id = ? and outcome != 'error' order by id desc limit 1",
        [feed_id],
    )
    since = last_good["id"] if last_good else 0
    count = select_value(store, "select count(*) from feed_polls where feed_id = ? and id > ?", [feed_id, since])
    return int(count or 0), last_good["started_at"] if last_good else None


def with_announcements(store: Store, changes: Sequence[Any]) -> list[Any]:
    """Change rows (the table of `tracker changes`), each with ``announced``: the announcements that foretold
    it ("feed (first seen): what, effective DATE"), joined by "; "."""
    found: dict[int, list[str]] = {}
    for a in select_rows(store, "select * from announcements where change_id is not null order by id"):
        effective = f", effective {a['effective_date']}" if a["effective_date"] else ""
        found.setdefault(a["change_id"], []).append(
            f"{a['feed_id']} ({a['first_seen_at'][:10]}): {a['change_type']}{effective}"
        )
    return [{**c, "announced": "; ".join(found.get(c["id"], [])) if c["id"] is not None else ""} for c in changes]
