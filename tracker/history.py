"""History: what analysts ask of the database — the change log, the coverage matrix, runs, versions.

Read-only queries over a Store; each returns plain dicts with the JSON keys of
DESIGN.md's command-line contract.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tracker.store import Store

Row = dict[str, Any]


def changes(
    store: Store,
    *,
    since: str | None = None,
    code: str | None = None,
    payer: str | None = None,
    source: str | None = None,
) -> list[Row]:
    """The change log, oldest first, filtered."""
    where, params = _filters(
        ("c.detected_at >= ?", since), ("c.code = ?", code), ("c.payer = ?", payer), ("c.source_id = ?", source)
    )
    sql = f"""
        select c.id, c.source_id as source, c.payer, c.plan, s.title, c.code, c.kind, c.old_status, c.new_status,
               c.detected_at, c.effective_date, c.summary, c.diff, c.run_id
        from changes c join sources s on s.id = c.source_id
        {where} order by c.detected_at, c.id"""
    return list(store.query(sql, params))


def status(store: Store, *, code: str | None = None, source_ids: Sequence[str] | None = None) -> list[Row]:
    """The coverage matrix: one row per source and tracked code, from the latest good version."""
    rows = []
    for src in store.query("select * from sources order by payer, plan, id"):
        if source_ids is not None and src["id"] not in source_ids:
            continue
        doc = _latest_document(store, src["id"])
        for tracked in json.loads(src["codes"]):
            if code and tracked != code:
                continue
            rows.append(_status_row(store, src, doc, tracked))
    return rows


def _latest_document(store: Store, source_id: str) -> Row | None:
    found = list(store.query("select * from documents where source_id = ? order by id desc limit 1", [source_id]))
    return found[0] if found else None


def _status_row(store: Store, src: Row, doc: Row | None, code: str) -> Row:
    cov = None
    if doc is not None:
        cov = next(store.query("select * from coverage where document_id = ? and code = ?", [doc["id"], code]), None)
    looked = doc is not None and code in json.loads(doc["codes"])
    checked = _one(store, "select max(started_at) from fetches where source_id = ? and outcome != 'error'", src["id"])
    changed = _one(
        store,
        "select max(detected_at) from changes where source_id = ? and code = ? and kind != 'metadata'",
        src["id"], code,
    )
    failure = next(store.query(
        "select started_at, error_class, error from fetches where source_id = ? order by id desc limit 1", [src["id"]]
    ), None)
    failing = failure is not None and failure["error_class"] is not None
    return {
        "source": src["id"], "payer": src["payer"], "plan": src["plan"], "title": src["title"], "code": code,
        "status": cov["status"] if cov else ("absent" if looked else None),
        "prior_auth": _bool(cov["prior_auth"]) if cov else None,
        "effective_date": doc["effective_date"] if doc else None,
        "policy_number": doc["policy_number"] if doc else None,
        "checked_at": checked, "changed_at": changed,
        "last_error": failure["error"] if failing and failure else None,
    }


def runs(store: Store, *, limit: int = 20) -> list[Row]:
    """The most recent runs, newest first, each with its per-source outcomes."""
    result = []
    for run in store.query("select * from runs order by id desc limit ?", [limit]):
        sources = list(store.query(
            """select source_id as source, outcome, error_class, error, http_status, duration_ms
               from fetches where run_id = ? order by source_id""", [run["id"]]
        ))
        result.append({
            "id": run["id"], "started_at": run["started_at"], "finished_at": run["finished_at"],
            "duration_s": _duration(run["started_at"], run["finished_at"]), "status": run["status"],
            "sources_total": run["sources_total"], "sources_ok": run["sources_ok"],
            "sources_failed": run["sources_failed"], "changes": run["changes"],
            "only": json.loads(run["only"] or "[]"), "sources": sources,
        })
    return result


def history(store: Store, source_id: str, *, code: str | None = None) -> list[Row]:
    """Every stored version of a source, oldest first, with what each said of each code."""
    rows = []
    for doc in store.query("select * from documents where source_id = ? order by id", [source_id]):
        for tracked in json.loads(doc["codes"]):
            if code and tracked != code:
                continue
            cov = next(store.query(
                "select * from coverage where document_id = ? and code = ?", [doc["id"], tracked]
            ), None)
            rows.append({
                "source": source_id, "version": doc["id"], "captured_at": doc["fetched_at"], "sha256": doc["sha256"],
                "code": tracked, "status": cov["status"] if cov else "absent",
                "prior_auth": _bool(cov["prior_auth"]) if cov else None,
                "effective_date": doc["effective_date"], "last_review_date": doc["last_review_date"],
                "policy_number": doc["policy_number"], "title": doc["title"],
                "text": cov["text"] if cov else None,
            })
    return rows


def source_exists(store: Store, source_id: str) -> bool:
    """Whether the database knows this source id."""
    return bool(store.table("sources").count_where("id = ?", [source_id]))


def _filters(*pairs: tuple[str, str | None]) -> tuple[str, list[str]]:
    clauses = [(sql, value) for sql, value in pairs if value]
    where = "where " + " and ".join(sql for sql, _ in clauses) if clauses else ""
    return where, [value for _, value in clauses if value]


def _one(store: Store, sql: str, *params: Any) -> Any:
    row = next(store.db.execute(sql, params), None)
    return row[0] if row else None


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _duration(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
