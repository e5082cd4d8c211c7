"""Ledger: the delivery ledger's reads and writes (the ``deliveries`` table) and the digest's rows.

A change is pending on a channel until a ``sent`` row for it exists in ``deliveries``; a
failed attempt adds a ``failed`` row (with the redacted reason) and leaves the change
pending. Alert rows ("source failing N runs") carry a ``source_id`` and no ``change_id``.
What is due and when to send is ``tracker.notify``'s to decide (``tracker.notify.ledger``);
this module only reads and writes the rows.
May import: the modules of ``tracker.store``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from tracker.store import confirmations
from tracker.store.database import Store
from tracker.store.lookups import insert_rows, latest_document, select_row, select_rows, select_value
from tracker.store.queries import failing_sources
from tracker.store.rows import DigestChangeRow, FailureRow

SENT, FAILED = "sent", "failed"

_CHANGES = """
    select c.id, c.run_id, c.source_id, c.payer, c.plan, c.code, c.kind, c.old_status, c.new_status,
           c.detected_at, c.effective_date, c.summary, coalesce(s.title, d.title) as title, d.policy_number, s.url,
           s.lob,
           c.old_text, c.new_text, c.old_prior_auth, c.new_prior_auth,
           (select cv.needs_review from coverage cv
            where cv.document_id = c.new_document_id and cv.code = c.code) as needs_review, c.new_document_id
    from changes c
    join sources s on s.id = c.source_id
    left join documents d on d.id = c.new_document_id
    {where}
    order by c.id"""


def change_rows(
    store: Store, *, since: str | None = None, pending_for: str | None = None, run_id: int | None = None
) -> list[DigestChangeRow]:
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
    rows = select_rows(store, _CHANGES.format(where=where), params)
    return cast(list[DigestChangeRow], confirmations.for_changes(store, rows))


def latest_change_run(store: Store) -> int | None:
    """The last run that recorded a change, if any."""
    run_id = select_value(store, "select max(run_id) from changes")
    return int(run_id) if run_id is not None else None


def failure_rows(store: Store, source_ids: Iterable[str]) -> list[FailureRow]:
    """The configured sources whose latest fetch failed, with the policy number of their last good version."""
    rows: list[FailureRow] = []
    for row in failing_sources(store, source_ids):
        doc = latest_document(store, row["source"])
        rows.append({**row, "policy_number": doc["policy_number"] if doc else None})
    return rows


def alert_sent_since(store: Store, source_id: str, channel: str, since: str) -> bool:
    """Whether an alert about this source went out on ``channel`` at ``since`` or later."""
    found = select_row(
        store,
        "select 1 from deliveries where source_id = ? and channel = ? and status = 'sent' and attempted_at >= ?",
        [source_id, channel, since],
    )
    return found is not None


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
    attempt = {"channel": channel, "run_id": run_id, "attempted_at": at, "status": status, "error": error}
    _append(store, [{"change_id": None, "source_id": sid, **attempt} for sid in source_ids])


def record_deliveries(
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
    attempt = {"channel": channel, "run_id": run_id, "attempted_at": at, "status": status, "error": error}
    _append(store, [{"change_id": cid, **attempt} for cid in change_ids])


def _append(store: Store, rows: list[dict[str, object]]) -> None:
    if rows:
        insert_rows(store, "deliveries", rows)
