"""The delivery ledger as notification sees it: what is pending on a channel, what failed, what is due.

A change is pending on a channel until a ``sent`` row for it exists in
``deliveries``; a failed attempt adds a ``failed`` row (with the redacted
reason) and leaves the change pending, so the next run's digest carries it.
The rows are read and written by ``tracker.store.ledger`` (re-exported here under
the names the service calls); this module decides which escalations are due.
"""

from __future__ import annotations

from collections.abc import Sequence

from tracker.store.database import Store
from tracker.store.ledger import (
    FAILED,
    SENT,
    alert_sent_since,
    change_rows,
    failure_rows,
    latest_change_run,
    record_alerts,
)
from tracker.store.ledger import record_deliveries as record
from tracker.store.rows import FailingSourceRow

__all__ = [
    "FAILED",
    "SENT",
    "change_rows",
    "escalations",
    "failure_rows",
    "latest_change_run",
    "record",
    "record_alerts",
]


def escalations(store: Store, channel: str, failures: Sequence[FailingSourceRow], max_failures: int) -> list[str]:
    """Sources failing ``max_failures`` runs in a row or more that ``channel`` was not yet told about.

    Told = a ``sent`` alert row for the source on that channel since its last success: one alert
    per failure streak, and an alert whose delivery failed is retried with the next digest.
    """
    return [
        row["source"]
        for row in failures
        if row["failures_in_a_row"] >= max_failures
        and not alert_sent_since(store, row["source"], channel, row["last_success"] or "")
    ]
