"""The delivery ledger and the digest's queries: what is pending on a channel, what failed, what was sent (I/O).

A change is pending on a channel until a ``sent`` row for it exists in
``deliveries``; a failed attempt adds a ``failed`` row (with the redacted
reason) and leaves the change pending, so the next run's digest carries it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tracker.store.database import Store
from tracker.store.queries import failing_sources

Row = dict[str, Any]

SENT, FAILED = "sent", "failed"

_CHANGES = """
    select c.id, c.run_id, c.source_id, c.payer, c.plan, c.code, c.kind, c.old_status, c.new_status,
           c.detected_at, c.effective_date, c.summary, coalesce(s.title, d.title) as title, d.policy_number, s.url,
           oc.text as old_text, nc.text as new_text, oc.prior_auth as old_prior_auth, nc.prior_auth as new_prior_auth
    from changes c
    join sources s on s.id = c.source_id
    left join documents d on d.id = c.new_document_id
    left join coverage oc on oc.document_id = c.old_document_id and oc.code = c.code
    left join coverage nc on nc.document_id = c.new_document_id and nc.code = c.code
    {where}
    order by c.id"""


def change_rows(
    store: Store, *, since: str | None = None, pending_for: str | None = None, run_id: int | None = None
) -> list[Row]:
    """Change rows joined with their source, policy number and old/new code text, filtered."""
    clauses: list[str] = []
    params: list[Any] = []
    if since is not None:
        clauses.append("c.detected_at >= ?")
        params.append(since)
    if pending_for is not None:
        clauses.append(
            "not exists (select 1 from deliveries d2 where d2.change_id = c.id "
            "and d2.channel = ? and d2.status = 'sent')"
        )
        params.append(pending_for)
    if run_id is not None:
        clauses.append("c.run_id = ?")
        params.append(run_id)
    where = ("where " + " and ".join(clauses)) if clauses else ""
    return list(store.query(_CHANGES.format(where=where), params))


def latest_change_run(store: Store) -> int | None:
    """The last run that recorded a change, if any."""
    row = next(store.query("select max(run_id) as run_id from changes"), None)
    return int(row["run_id"]) if row and row["run_id"] is not None else None


def failure_rows(store: Store, source_ids: Iterable[str]) -> list[Row]:
    """The configured sources whose latest fetch failed, with the policy number of their last good version."""
    rows = failing_sources(store, source_ids)
    for row in rows:
        doc = next(
            store.query(
                "select policy_number from documents where source_id = ? order by id desc limit 1", [row["source"]]
            ),
            None,
        )
        row["policy_number"] = doc["policy_number"] if doc else None
    return rows


def escalations(store: Store, channel: str, failures: Sequence[Row], max_failures: int) -> list[str]:
    """Sources failing ``max_failures`` runs in a row or more that ``channel`` was not yet told about.

    Told = a ``sent`` alert row for the source on that channel since its last success: one alert
    per failure streak, and an alert whose delivery failed is retried with the next digest.
    """
    due = []
    for row in failures:
        if row["failures_in_a_row"] < max_failures:
            continue
        told = store.query(
            "select 1 from deliveries where source_id = ? and channel = ? and status = 'sent' and attempted_at >= ?",
            [row["source"], channel, row["last_success"] or ""],
        )
        if next(told, None) is None:
            due.append(row["source"])
    return due


def record_alerts(
    store: Store,
    source_ids: Iterable[str],
    channel: str,
    *,
    run_id: int | None,
    at: str,
    status: str,
    error: str | None = None,
) -> None:
    """Append one delivery row per escalated source (``error`` must already be redacted)."""
    rows = [
        {
            "change_id": None,
            "source_id": sid,
            "channel": channel,
            "run_id": run_id,
            "attempted_at": at,
            "status": status,
            "error": error,
        }
        for sid in source_ids
    ]
    if rows:
        with store.db.atomic():
            store.table("deliveries").insert_all(rows)


def record(
    store: Store,
    change_ids: Iterable[int],
    channel: str,
    *,
    run_id: int | None,
    at: str,
    status: str,
    error: str | None = None,
) -> None:
    """Append one delivery row per change (``error`` must already be redacted)."""
    rows = [
        {"change_id": cid, "channel": channel, "run_id": run_id, "attempted_at": at, "status": status, "error": error}
        for cid in change_ids
    ]
    if rows:
        with store.db.atomic():
            store.table("deliveries").insert_all(rows)
